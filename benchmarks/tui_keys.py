"""--tui: time from a key to the updated screen, against one command-line run's report, in process.

For each case the explorer runs headless in a 100x30 terminal. A key is timed from the moment
it is sent (``App.simulate_key``) until its run has arrived (the app's shown run changed) and
the screen has repainted (``Pilot.pause(0)``: every widget has processed its update, then the
screen is composed). Knob keys alternate ``+`` and ``-`` so each run re-plans and re-runs one
size up or down; ``→`` moves the step view, with no run. The command-line side is one
in-process ``rnn-shapes ARGS`` (typer's runner, 100 columns): parse, plan, run, report as text.
Target: the seed example's key-to-screen well under 100 ms.
Run: python benchmarks/tui_keys.py [--runs N] [--only seed|lstm]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import typer
from typer.testing import CliRunner

from rnn_cli.cli import app as cli_app
from rnn_cli.cli.options import Options
from rnn_cli.cli.tui.app import Explorer
from rnn_cli.cli.tui.launch import explorer

CASES = {
    "seed": ["hello", "eolll", "lleel", "--hidden", "2"],
    "lstm": ["--module", "nn.LSTM(300, 512, num_layers=2, batch_first=True)", "--batch-size", "64", "--seq-len", "100"],
}
TITLES = {"seed": "seed example (3 words, hidden 2)", "lstm": "64 x 100 LSTM(300, 512, num_layers=2)"}
#: The seed example's key-to-screen target, in seconds.
SEED_TARGET = 0.100
SIZE = (100, 30)


def options(args: list[str]) -> Options:
    command = typer.main.get_command(cli_app)
    return Options(**command.make_context("rnn-shapes", ["--tui", *args]).params)


def cli_seconds(args: list[str], runs: int) -> float:
    """The median of ``runs`` in-process command-line runs drawing the report, after one to warm."""
    runner = CliRunner()
    times = []
    for k in range(runs + 1):
        start = time.perf_counter()
        result = runner.invoke(cli_app, args, env={"COLUMNS": str(SIZE[0]), "NO_COLOR": "1"})
        elapsed = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(f"rnn-shapes {' '.join(args)} failed: {result.stderr}")
        if k:
            times.append(elapsed)
    return statistics.median(times)


async def key_seconds(app: Explorer, runs: int) -> tuple[float, float]:
    """Medians of key-to-screen: a knob (a re-run), and a step of the step view (none)."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        changed = asyncio.Event()
        app.watch(app, "shown", lambda _: changed.set(), init=False)
        app.watch(app, "step", lambda _: changed.set(), init=False)

        async def timed(key: str) -> float:
            changed.clear()
            start = time.perf_counter()
            app.simulate_key(key)
            await changed.wait()
            await pilot.pause(0)
            return time.perf_counter() - start

        await timed("plus")  # warm: the first run of a new size
        await timed("minus")
        knobs = [await timed("plus" if k % 2 == 0 else "minus") for k in range(2 * runs)]
        steps = []
        for k in range(runs):
            steps.append(await timed("right" if k % 2 == 0 else "left"))
        if app.message.plain.startswith("refused"):
            raise SystemExit(f"a key was refused: {app.message.plain}")
        app.exit()
    return statistics.median(knobs), statistics.median(steps)


def row(name: str, seconds: float, cli: float | None, target: float | None) -> dict[str, object]:
    ratio = f"{seconds / cli:5.2f}" if cli else "     "
    ok = "" if target is None else ("ok" if seconds <= target else "MISSED")
    cli_text = f"{cli * 1e3:9.1f} ms" if cli else " " * 12
    goal = f"target <= {target * 1e3:.0f} ms {ok}" if target is not None else ""
    print(f"{name:<62} {seconds * 1e3:9.1f} ms {cli_text}  ratio {ratio}  {goal}", flush=True)
    return {"name": name, "key_s": seconds, "cli_s": cli, "ok": ok != "MISSED"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="timed keys of each kind, and CLI runs (default 7)")
    parser.add_argument("--only", choices=sorted(CASES), help="one case only")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)
    print(f"{'key to updated screen (median) vs one CLI report':<62} {'key':>12} {'CLI report':>12}", flush=True)
    rows = []
    for name, case in CASES.items():
        if args.only and name != args.only:
            continue
        cli = cli_seconds(case, runs)
        knob, step = asyncio.run(key_seconds(explorer(options(case)), runs))
        target = SEED_TARGET if name == "seed" else None
        rows.append(row(f"{TITLES[name]}: + / - (re-run)", knob, cli, target))
        rows.append(row(f"{TITLES[name]}: → (step view, no run)", step, None, target))
    missed = [str(r["name"]) for r in rows if not r["ok"]]
    print("\nall targets met" if not missed else f"\nmissed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
