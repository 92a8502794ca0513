"""The peer's side for one practitioner's module: torchinfo.summary of a 2-layer bidirectional
LSTM(300, 512) on a 64 x 100 batch, what rnn-shapes --module answers in benchmarks/run.py."""

from __future__ import annotations

import torch
from torchinfo import summary


def main() -> None:
    torch.manual_seed(0)
    module = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True, bidirectional=True)
    summary(module, input_size=(64, 100, 300), verbose=0)


if __name__ == "__main__":
    main()
