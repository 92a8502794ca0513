"""A sentiment classifier as many tutorials write it: an embedding, a packed bidirectional
2-layer LSTM, and a head fed ``out[:, -1]``. It trains for ``--steps`` steps on a tiny batch
and prints its loss; the docs' "Watch your model" page runs it under ``rnn-shapes --watch``.

Its mistake: ``out[:, -1]`` is each row's last padded step. For a shorter sentence that step
is padding, zeros; for the longest, only the forward half is final (the backward direction
starts there and has seen one token).
"""

from __future__ import annotations

import argparse

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Sentiment(nn.Module):
    def __init__(self, vocab: int = 50, embed: int = 8, hidden: int = 6) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden, 2)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        sentence = out[:, -1]
        return self.head(sentence)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = Sentiment()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    lengths = torch.tensor([7, 5, 2, 4])
    tokens = torch.randint(1, 50, (4, 7)) * (torch.arange(7) < lengths[:, None])
    labels = torch.tensor([1, 0, 1, 0])
    for step in range(args.steps):
        loss = nn.functional.cross_entropy(model(tokens, lengths), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
