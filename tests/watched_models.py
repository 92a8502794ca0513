"""Models written as people write them, each with lines the watch must judge: the tests find a
line by the marker comment at its end (``# mark: NAME``) and assert the finding at its number."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class PackedClassifier(nn.Module):
    """A bidirectional two-layer LSTM over a packed batch, classifying each sequence."""

    def __init__(self, vocab: int = 30, width: int = 6, hidden: int = 5, classes: int = 3) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, width, padding_idx=0)
        self.rnn = nn.LSTM(width, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> dict[str, torch.Tensor]:
        packed = pack_padded_sequence(self.embed(tokens), lengths, batch_first=True, enforce_sorted=False)
        out, (h_n, _) = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)  # mark: unpacked
        last = out[:, -1]  # mark: padded-last
        backward = h_n[-1]  # mark: backward-only
        both = torch.cat([h_n[-2], h_n[-1]], dim=1)  # mark: final
        return {"logits": self.head(both), "last": last, "backward": backward}


class UnpackedClassifier(nn.Module):
    """A GRU fed a padded batch as it is (no packing): an embedding's padding_idx row is zeros."""

    def __init__(self, vocab: int = 20, width: int = 4, hidden: int = 3, bidirectional: bool = False) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, width, padding_idx=0)
        self.rnn = nn.GRU(width, hidden, batch_first=True, bidirectional=bidirectional)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
        out, h_n = self.rnn(self.embed(tokens))
        last = out[:, -1]  # mark: unpacked-last
        state = h_n[-1]  # mark: unpacked-state
        ends = out[torch.arange(tokens.shape[0]), lengths - 1]  # mark: unpacked-ends
        return [last, state, ends]


class Seq2Seq(nn.Module):
    """A bidirectional GRU encoder, a bridge to a two-layer decoder, and dot-product attention."""

    def __init__(self, width: int = 4, hidden: int = 5, layers: int = 2, out: int = 7) -> None:
        super().__init__()
        self.encoder = nn.GRU(width, hidden, num_layers=layers, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)
        self.decoder = nn.GRU(width, hidden, num_layers=layers)
        self.project = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(3 * hidden, out)

    def forward(self, source: torch.Tensor, target: torch.Tensor, *, bridged: bool) -> torch.Tensor:
        memory, hidden = self.encoder(source)
        if bridged:
            paired = torch.cat([hidden[0::2], hidden[1::2]], dim=2)  # mark: paired
            start = torch.tanh(self.bridge(paired))
        else:
            start = hidden[: self.decoder.num_layers]  # mark: handed
        decoded, _ = self.decoder(target, start)
        keys = self.project(memory).transpose(0, 1)
        queries = decoded.transpose(0, 1)  # mark: queries
        weights = torch.softmax(torch.bmm(queries, keys.transpose(1, 2)), dim=-1)  # mark: weights
        context = torch.bmm(weights, memory.transpose(0, 1))  # mark: context
        result: torch.Tensor = self.out(torch.cat([context, queries], dim=-1))  # mark: joined
        return result


class Tagger(nn.Module):
    """One tag per step: the whole output goes to a linear layer, flattened first."""

    def __init__(self, width: int = 4, hidden: int = 3, tags: int = 5) -> None:
        super().__init__()
        self.rnn = nn.RNN(width, hidden, batch_first=True)
        self.tags = nn.Linear(hidden, tags)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        flat = out.reshape(-1, out.shape[-1])  # mark: flat-steps
        tags: torch.Tensor = self.tags(flat)
        return tags.view(x.shape[0], x.shape[1], -1)


class CellLoop(nn.Module):
    """An LSTMCell stepped by hand over the sequence."""

    def __init__(self, width: int = 3, hidden: int = 4) -> None:
        super().__init__()
        self.cell = nn.LSTMCell(width, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.new_zeros(x.shape[1], self.cell.hidden_size)
        c = torch.zeros_like(h)
        for step in x:
            h, c = self.cell(step, (h, c))
        return h


class Flattener(nn.Module):
    """h_n of a two-layer LSTM made one row per sequence: once with view (mixing sequences),
    once with the transpose it needs."""

    def __init__(self, width: int = 3, hidden: int = 4) -> None:
        super().__init__()
        self.rnn = nn.LSTM(width, hidden, num_layers=2)

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        _, (h_n, _) = self.rnn(x)
        mixed = h_n.view(x.shape[1], -1)  # mark: view-mixes
        rows = h_n.transpose(0, 1).reshape(x.shape[1], -1)  # mark: transposed
        return {"mixed": mixed, "rows": rows}
