"""Where one --batch answer's time goes, in process: reading and planning the request, the run,
and its JSON, per answer of the 48-configuration sweep benchmarks/run.py times whole.

CPU time (time.process_time) of each stage over every request, best of --repeats passes,
after a warm-up pass (modules built, caches filled). Run: python benchmarks/answer_cost.py
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

WORDS = ["hello", "eolll", "lleel"]
CONFIGURATIONS = [{"hidden": h, "cell": c} for h in range(1, 17) for c in ("rnn", "gru", "lstm")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import torch  # noqa: F401  (imported before the clock starts, as a batch has it)

    from rnn_cli.cli.batch import parse_request
    from rnn_cli.cli.options import Options
    from rnn_cli.core.explore import run_plan
    from rnn_cli.render.json_doc import document_text

    lines = [
        json.dumps({"words": WORDS, **CONFIGURATIONS[i % len(CONFIGURATIONS)]}).encode() for i in range(args.requests)
    ]
    base = Options()
    best: dict[str, float] | None = None
    for _ in range(args.repeats + 1):  # the first pass warms up
        spent = {"request and plan": 0.0, "run": 0.0, "JSON": 0.0}
        for raw in lines:
            start = time.process_time()
            request = parse_request(raw, base)
            request.check()
            plan = dataclasses.replace(request, json_out=True).plan(request.words or [])
            planned = time.process_time()
            result = run_plan(plan)
            ran = time.process_time()
            document_text(result, values=request.shows_values())
            spent["request and plan"] += planned - start
            spent["run"] += ran - planned
            spent["JSON"] += time.process_time() - ran
        if best is None or sum(spent.values()) < sum(best.values()):
            best = spent
    assert best is not None
    for stage, seconds in best.items():
        print(f"{stage:<17} {seconds / len(lines) * 1e3:.3f} ms")
    print(f"{'per answer':<17} {sum(best.values()) / len(lines) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
