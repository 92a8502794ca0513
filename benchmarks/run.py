"""Time rnn-shapes against the peer a user would pick, whole processes: hand-written torch
scripts, and for sweeps a loop of torchinfo.summary over the same 1,000 distinct modules
(benchmarks/sweep.py, benchmarks/torchinfo_loop.py).

Each comparison alternates its two sides (A B A B ...) so both see the same machine, and
reports medians and the ratio A/B against its target. A side is one process, several
started at once (their wall time until the last ends), or a shell pipeline.
Run: python benchmarks/run.py [--runs N] [--only TEXT]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from sweep import requests  # noqa: E402

#: --only: run the comparisons whose name holds this text.
ONLY = [""]


@dataclass
class Side:
    """What one side of a comparison runs: ``copies`` of a command at once, or a shell script."""

    command: list[str]
    stdin: Path | None = None
    copies: int = 1
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Timing:
    seconds: float
    peak_rss_mib: float


def run_once(side: Side) -> Timing:
    """Start every copy, wait for all; wall time until the last ends and the largest peak RSS."""
    env = {**os.environ, **side.env}
    with contextlib.ExitStack() as files:
        start = time.perf_counter()
        processes = []
        for _ in range(side.copies):
            stdin = files.enter_context(open(side.stdin or os.devnull, "rb"))
            stderr = files.enter_context(tempfile.TemporaryFile())
            process = subprocess.Popen(side.command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
            processes.append((process, stderr))
        peak = 0.0
        for process, stderr in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            peak = max(peak, usage.ru_maxrss / 1024)
            if process.returncode != 0:
                stderr.seek(0)
                message = stderr.read().decode(errors="replace")
                raise SystemExit(f"benchmark failed ({process.returncode}): {' '.join(side.command)}\n{message}")
        elapsed = time.perf_counter() - start
    return Timing(elapsed, peak)


def compare(name: str, a: Side, b: Side, target: float, runs: int) -> dict[str, object]:
    if ONLY[0] not in name:
        return {"name": name, "skipped": True}
    run_once(a), run_once(b)  # warm the file cache
    ta, tb = [], []
    for _ in range(runs):
        ta.append(run_once(a))
        tb.append(run_once(b))
    ma = statistics.median(t.seconds for t in ta)
    mb = statistics.median(t.seconds for t in tb)
    ratio = ma / mb
    row = {
        "name": name,
        "a_s": round(ma, 3),
        "b_s": round(mb, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "ok": ratio <= target,
        "a_peak_mib": round(max(t.peak_rss_mib for t in ta), 1),
        "b_peak_mib": round(max(t.peak_rss_mib for t in tb), 1),
    }
    print(
        f"{name:<52} {ma:7.3f}s {mb:7.3f}s  ratio {ratio:5.2f}  target <= {target:<4}  "
        f"{'ok' if row['ok'] else 'MISSED'}  peak {row['a_peak_mib']} / {row['b_peak_mib']} MiB",
        flush=True,
    )
    return row


def make_words(path: Path, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    path.write_text(
        "\n".join("".join(rng.choice(letters) for _ in range(rng.randint(3, 12))) for _ in range(count)) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each side (default 7)")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument("--only", default="", help="run only comparisons whose name contains this text")
    args = parser.parse_args()
    ONLY[0] = args.only
    python = sys.executable
    bin_dir = str(Path(python).parent)
    tool = shutil.which("rnn-shapes", path=bin_dir) or shutil.which("rnn-shapes")
    cli = [tool] if tool else [python, "-m", "rnn_cli"]
    on_path = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    import_torch = Side([python, "-c", "import torch"])
    runs = args.runs
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        words50k = tmpdir / "words50k.txt"
        make_words(words50k, 50_000)
        full = tmpdir / "sweep.ndjson"
        requests(full)
        shapes = tmpdir / "sweep-shapes.ndjson"
        requests(shapes, fields=["config", "tensors"], **{"no-values": True})
        torchinfo = Side([python, str(HERE / "torchinfo_loop.py")])
        print(f"{'comparison (A vs B)':<52} {'A':>8} {'B':>8}", flush=True)
        for flag in ("--help", "--version", "--json-schema"):
            rows.append(compare(f"rnn-shapes {flag} vs import torch", Side([*cli, flag]), import_torch, 0.15, runs))
        main_job = Side([*cli, "hello", "eolll", "lleel", "--hidden", "2", "--json"])
        rows.append(
            compare(
                "main job --json vs hand-written torch",
                main_job,
                Side([python, str(HERE / "hand_small.py")]),
                1.10,
                runs,
            )
        )
        big_json = Side([*cli, "--file", str(words50k), "--hidden", "64", "--json", "--no-values"])
        rows.append(
            compare(
                "50k words --json --no-values vs hand torch",
                big_json,
                Side([python, str(HERE / "hand_large.py"), str(words50k)]),
                1.3,
                runs,
            )
        )
        module = "nn.LSTM(300, 512, num_layers=2, batch_first=True, bidirectional=True)"
        rows.append(
            compare(
                "--module LSTM 64 x 100 --json vs hand-written torch",
                Side([*cli, "--module", module, "--batch-size", "64", "--seq-len", "100", "--json"]),
                Side([python, str(HERE / "hand_model.py")]),
                1.5,
                runs,
            )
        )
        big_table = Side([*cli, "--file", str(words50k), "--hidden", "64", "--no-values"])
        rows.append(compare("50k words tables vs 50k words --json", big_table, big_json, 1.2, runs))
        sweep_full = Side([*cli, "--batch"], stdin=full)
        rows.append(compare("sweep of 1,000 modules, full answers vs torchinfo", sweep_full, torchinfo, 2.5, runs))
        sweep_shapes = Side([*cli, "--batch"], stdin=shapes)
        rows.append(
            compare("sweep, --fields config,tensors --no-values vs torchinfo", sweep_shapes, torchinfo, 0.7, runs)
        )
        rows.append(
            compare(
                "--module LSTM 64 x 100 --json vs torchinfo.summary",
                Side([*cli, "--module", module, "--batch-size", "64", "--seq-len", "100", "--json", "--no-values"]),
                Side([python, str(HERE / "torchinfo_one.py")]),
                2.0,
                runs,
            )
        )
        two_batches = Side([*cli, "--batch"], stdin=full, copies=2)
        rows.append(compare("two sweeps at once vs one alone", two_batches, sweep_full, 1.5, runs))
        sweep = Side(
            ["bash", str(ROOT / "examples" / "hidden_sizes.sh")],
            env={**on_path, "HIDDEN_SIZES": " ".join(str(h) for h in range(1, 17))},
        )
        rows.append(compare("examples/hidden_sizes.sh, 16 sizes vs one run", sweep, main_job, 1.5, runs))
        counts = (12_500, 25_000, 50_000, 100_000, 200_000) if ONLY[0] in "memory" else ()
        if counts:
            print("\npeak memory of the --json --no-values run as the words grow:", flush=True)
        for count in counts:
            path = tmpdir / f"words{count}.txt"
            make_words(path, count)
            command = [*cli, "--file", str(path), "--hidden", "64", "--json", "--no-values", "--max-memory", "16G"]
            timing = run_once(Side(command))
            print(f"  {count:>7,} words: {timing.peak_rss_mib:7.1f} MiB peak, {timing.seconds:.2f}s", flush=True)
            rows.append(
                {
                    "name": f"memory {count} words",
                    "peak_mib": round(timing.peak_rss_mib, 1),
                    "seconds": round(timing.seconds, 3),
                }
            )
    rows = [r for r in rows if not r.get("skipped")]
    missed = [r["name"] for r in rows if r.get("ok") is False]
    print("\nall targets met" if not missed else f"\nmissed: {', '.join(map(str, missed))}")
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
