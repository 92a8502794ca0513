"""The sweep a practitioner would run over sizes: 1,000 distinct recurrent layers (cells, hidden
sizes, layers, directions, input widths), each on a batch of 3 sequences of 5 steps.

Distinct, so that no cache of answers can meet the yardstick; shared by benchmarks/run.py (whole
processes against a loop of torchinfo.summary over the same modules) and
benchmarks/answer_cost.py (one answer's stages, in process).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

BATCH, STEPS = 3, 5


def configurations(count: int = 1000) -> list[dict[str, Any]]:
    """``count`` distinct settings, as --batch request keys."""
    found: list[dict[str, Any]] = []
    shapes = itertools.product(range(1, 65), ("rnn", "gru", "lstm"), (1, 2, 3), (False, True))
    for k, (hidden, cell, layers, both) in enumerate(shapes):
        if len(found) == count:
            break
        found.append({"cell": cell, "hidden": hidden, "layers": layers, "bidirectional": both, "input-size": 1 + k % 8})
    return found


def requests(path: Path, count: int = 1000, **extra: Any) -> None:
    """The sweep as NDJSON requests (``extra``: more keys for every request, e.g. fields)."""
    lines = [{**c, "batch-size": BATCH, "seq-len": STEPS, "seed": 0, **extra} for c in configurations(count)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def constructor(c: dict[str, Any]) -> str:
    """The torch constructor of one configuration, batch-first as the requests run it."""
    cls = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}[c["cell"]]
    return (
        f"torch.nn.{cls}({c['input-size']}, {c['hidden']}, num_layers={c['layers']}, "
        f"bidirectional={c['bidirectional']}, batch_first=True)"
    )
