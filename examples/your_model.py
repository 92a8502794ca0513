"""Wrote the files beside it, which the "Your own model" examples read (into the current
directory: ``cd examples && python your_model.py`` writes them again).

- sentiment.pt: {"model": state_dict, "epoch": 3} of an embedding, a bidirectional 2-layer LSTM
  and a head, as a training loop saves it;
- seq2seq.pt: the state dict of a GRU encoder and its GRU decoder;
- seed.pt: the seed example's (3, 5, 4) one-hot batch of hello, eolll, lleel;
- h0.pt: an initial state for it, (1, 5, 2): one layer, the 5 rows a batch_first=False module
  reads there, hidden size 2;
- whole.pt: a whole pickled model, torch.save(model): loading it would run code.
"""

from __future__ import annotations

import torch
from torch import nn


class Sentiment(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 4)
        self.lstm = nn.LSTM(4, 2, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(4, 2)


class Seq2Seq(nn.Module):
    def __init__(self, emb_dim: int = 4, enc_hid_dim: int = 3, dec_hid_dim: int = 3) -> None:
        super().__init__()
        self.encoder, self.decoder = nn.Module(), nn.Module()
        self.encoder.rnn = nn.GRU(emb_dim, enc_hid_dim, bidirectional=True)
        self.decoder.rnn = nn.GRU((enc_hid_dim * 2) + emb_dim, dec_hid_dim)


def seed_batch() -> torch.Tensor:
    batch = torch.zeros(3, 5, 4)
    for w, word in enumerate(("hello", "eolll", "lleel")):
        for t, token in enumerate(word):
            batch[w, t, "helo".index(token)] = 1
    return batch


def main() -> None:
    torch.manual_seed(0)
    model = Sentiment()
    torch.save({"model": model.state_dict(), "epoch": 3}, "sentiment.pt")
    torch.save(Seq2Seq().state_dict(), "seq2seq.pt")
    torch.save(seed_batch(), "seed.pt")
    torch.save(torch.randn(1, 5, 2, generator=torch.Generator().manual_seed(1)), "h0.pt")
    torch.save(model, "whole.pt")


if __name__ == "__main__":
    main()
