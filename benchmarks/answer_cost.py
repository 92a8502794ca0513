"""Where one --batch answer's time goes, in process: reading and planning the request, each stage
of the run, and its JSON, per answer of the 1,000-configuration sweep (benchmarks/sweep.py)
that benchmarks/run.py times whole against torchinfo.

Every configuration is distinct, so each answer builds its module as a real sweep does. CPU time
(time.process_time) of each stage, summed over the sweep, best of --repeats fresh processes'
worth (the module cache emptied between passes). Run: python benchmarks/answer_cost.py
[--fields config,tensors --no-values]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from sweep import BATCH, STEPS, configurations


def _timed(spent: dict[str, float], name: str, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    start = time.process_time()
    value = work(*args, **kwargs)
    spent[name] = spent.get(name, 0.0) + time.process_time() - start
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fields", default=None, help="the requests' fields, e.g. config,tensors")
    parser.add_argument("--no-values", action="store_true", help="the requests leave values out")
    args = parser.parse_args()
    import torch  # noqa: F401  (imported before the clock starts, as a batch has it)

    from rnn_cli.cli.batch import parse_request
    from rnn_cli.cli.options import Options
    from rnn_cli.core import run
    from rnn_cli.core.forward import forget_modules
    from rnn_cli.render.json_doc import document_text

    extra: dict[str, Any] = {"batch-size": BATCH, "seq-len": STEPS, "seed": 0}
    if args.fields:
        extra["fields"] = args.fields.split(",")
    if args.no_values:
        extra["no-values"] = True
    lines = [json.dumps({**c, **extra}).encode() for c in configurations(args.requests)]
    base = dataclasses.replace(Options(), json_out=True)
    stages = ("encode", "forward", "verify", "facts", "idioms", "cost", "_result")
    originals = {name: getattr(run, name) for name in stages}
    best: dict[str, float] | None = None
    for _ in range(args.repeats):
        forget_modules()
        spent: dict[str, float] = {}
        for name, original in originals.items():
            setattr(run, name, lambda *a, _n=name, _f=original, _s=spent, **k: _timed(_s, _n, _f, *a, **k))
        try:
            for raw in lines:
                request = _timed(spent, "request", parse_request, raw, base)
                _timed(spent, "request", request.check)
                plan = _timed(spent, "plan", request.plan, request.words or [])
                result = _timed(spent, "run (the rest)", run.run_plan, plan)
                fields = request.fields_wanted()
                _timed(spent, "JSON", document_text, result, values=request.shows_values(), fields=fields)
        finally:
            for name, original in originals.items():
                setattr(run, name, original)
        spent["run (the rest)"] -= sum(spent.get(name, 0.0) for name in stages)
        if best is None or sum(spent.values()) < sum(best.values()):
            best = spent
    assert best is not None
    for stage, seconds in best.items():
        print(f"{stage:<15} {seconds / len(lines) * 1e3:.3f} ms")
    print(f"{'per answer':<15} {sum(best.values()) / len(lines) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
