"""Time rnn-shapes against hand-written torch scripts, whole processes, side by side.

Each comparison alternates its two sides (A B A B ...) so both see the same machine, and
reports medians and the ratio A/B against its target. Run: python benchmarks/run.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


#: --only: run the comparisons whose name holds this text.
ONLY = [""]


@dataclass
class Timing:
    seconds: float
    peak_rss_mib: float


def run_once(command: list[str], stdin: Path | None) -> Timing:
    """Run a whole process; wall time and its own peak resident memory (from wait4)."""
    with open(stdin or os.devnull, "rb") as stdin_handle, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdin=stdin_handle, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")
            raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(command)}\n{message}")
    return Timing(elapsed, usage.ru_maxrss / 1024)


def compare(
    name: str, a: list[str], b: list[str], target: float, runs: int, stdin_a: Path | None = None
) -> dict[str, object]:
    if ONLY[0] not in name:
        return {"name": name, "skipped": True}
    run_once(a, stdin_a), run_once(b, None)  # warm the file cache
    ta, tb = [], []
    for _ in range(runs):
        ta.append(run_once(a, stdin_a))
        tb.append(run_once(b, None))
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
        f"{name:<44} {ma:7.3f}s {mb:7.3f}s  ratio {ratio:5.2f}  target <= {target:<4}  "
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
    tool = shutil.which("rnn-shapes", path=str(Path(python).parent)) or shutil.which("rnn-shapes")
    cli = [tool] if tool else [python, "-m", "rnn_cli"]
    import_torch = [python, "-c", "import torch"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        words50k = tmpdir / "words50k.txt"
        make_words(words50k, 50_000)
        requests = tmpdir / "requests.ndjson"
        requests.write_text(
            "".join(json.dumps({"words": ["hello", "eolll", "lleel"], "hidden": 2}) + "\n" for _ in range(1000))
        )
        print(f"{'comparison (A vs B)':<44} {'A':>8} {'B':>8}", flush=True)
        for flag in ("--help", "--version", "--json-schema"):
            rows.append(compare(f"rnn-shapes {flag} vs import torch", [*cli, flag], import_torch, 0.15, args.runs))
        main_job = [*cli, "hello", "eolll", "lleel", "--hidden", "2", "--json"]
        rows.append(
            compare(
                "main job --json vs hand-written torch",
                main_job,
                [python, str(HERE / "hand_small.py")],
                1.10,
                args.runs,
            )
        )
        big_json = [*cli, "--file", str(words50k), "--hidden", "64", "--json", "--no-values"]
        rows.append(
            compare(
                "50k words --json --no-values vs hand torch",
                big_json,
                [python, str(HERE / "hand_large.py"), str(words50k)],
                1.3,
                args.runs,
            )
        )
        big_table = [*cli, "--file", str(words50k), "--hidden", "64", "--no-values"]
        rows.append(compare("50k words tables vs 50k words --json", big_table, big_json, 1.2, args.runs))
        rows.append(
            compare("--batch 1,000 requests vs one run", [*cli, "--batch"], main_job, 1.5, args.runs, stdin_a=requests)
        )
        counts = (12_500, 25_000, 50_000, 100_000, 200_000) if ONLY[0] in "memory" else ()
        if counts:
            print("\npeak memory of the --json --no-values run as the words grow:", flush=True)
        for count in counts:
            path = tmpdir / f"words{count}.txt"
            make_words(path, count)
            command = [*cli, "--file", str(path), "--hidden", "64", "--json", "--no-values", "--max-memory", "16G"]
            timing = run_once(command, None)
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
