"""The peer's side of the sweep: torchinfo.summary over the same 1,000 modules, as a practitioner
would loop it (benchmarks/sweep.py). Run: python benchmarks/torchinfo_loop.py [COUNT]"""

from __future__ import annotations

import sys

import torch
from sweep import BATCH, STEPS, configurations
from torchinfo import summary

CELLS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for c in configurations(count):
        torch.manual_seed(0)
        module = CELLS[c["cell"]](
            c["input-size"], c["hidden"], num_layers=c["layers"], bidirectional=c["bidirectional"], batch_first=True
        )
        summary(module, input_size=(BATCH, STEPS, c["input-size"]), verbose=0)


if __name__ == "__main__":
    main()
