"""What watching costs: the forward of a practitioner's model (an embedding, a packed two-layer
bidirectional LSTM(300, 512), a head; a 64 x 100 batch of varied lengths) alone and under
``rnn_cli.watch``, alternating (plain, watched, plain, ...) in one process, medians and their
ratio against the goal of 2x. A training step (forward and backward) is timed the same way.

Run: python benchmarks/watch_overhead.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_cli import watch

#: The goal the issue set: a watched forward under twice the plain one.
GOAL = 2.0


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(5000, 300, padding_idx=0)
        self.lstm = nn.LSTM(300, 512, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(1024, 5)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        out, (h_n, _) = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        last = out[:, -1]  # the mistake the watch reports
        both = torch.cat([h_n[-2], h_n[-1]], dim=1)
        result: torch.Tensor = self.head(both) + 0 * last.sum()
        return result


def timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def compare(name: str, plain: Callable[[], None], watched: Callable[[], None], runs: int) -> dict[str, object]:
    plain()  # warm up: allocator, kernels, the watch's first imports
    watched()
    a, b = [], []
    for _ in range(runs):
        a.append(timed(watched))
        b.append(timed(plain))
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = ma / mb
    print(
        f"{name:<40} watched {ma:7.3f}s  plain {mb:7.3f}s  ratio {ratio:5.2f}  goal <= {GOAL}  "
        f"{'ok' if ratio <= GOAL else 'MISSED'}",
        flush=True,
    )
    return {"name": name, "watched_s": round(ma, 4), "plain_s": round(mb, 4), "ratio": round(ratio, 3), "goal": GOAL}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each side (default 9)")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    model = Classifier()
    lengths = torch.randint(20, 101, (64,))
    lengths[0] = 100
    tokens = torch.randint(1, 5000, (64, 100)) * (torch.arange(100) < lengths[:, None])

    def forward() -> None:
        with torch.no_grad():
            model(tokens, lengths)

    def forward_watched() -> None:
        with torch.no_grad(), watch(model):
            model(tokens, lengths)

    def step() -> None:
        model.zero_grad()
        model(tokens, lengths).sum().backward()

    def step_watched() -> None:
        model.zero_grad()
        with watch(model):
            model(tokens, lengths).sum().backward()

    rows = [
        compare("forward, 64 x 100, 2-layer bi LSTM", forward, forward_watched, args.runs),
        compare("training step (forward and backward)", step, step_watched, args.runs),
    ]
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
