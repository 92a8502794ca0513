"""--tui: the explorer driven key by key with Textual's pilot, its main screens as snapshots
(``pytest tests/test_tui.py -n 0 --snapshot-update`` rewrites tests/__snapshots__/test_tui/),
and a real process in a pseudo-terminal."""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import select
import shlex
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import typer
from conftest import assert_refused, invoke, invoke_json, prefork_bin
from textual.pilot import Pilot
from textual.widgets import Input

from rnn_cli.cli import app as cli_app
from rnn_cli.cli.options import Options
from rnn_cli.cli.tui import launch, state
from rnn_cli.cli.tui.app import Explorer, HelpScreen, View, WordsScreen

SEED = ("hello", "eolll", "lleel")
Shapes = dict[str, tuple[int, ...]]
T = TypeVar("T")


def explorer(*args: str) -> Explorer:
    """The app as ``rnn-shapes --tui ARGS`` starts it (the command line parses the options)."""
    command = typer.main.get_command(cli_app)
    return launch.explorer(Options(**command.make_context("rnn-shapes", ["--tui", *args]).params))


def drive(app: Explorer, script: Callable[[Pilot[str | None]], Awaitable[T]], size: tuple[int, int] = (100, 30)) -> T:
    """Run the app headless in a terminal of ``size`` and drive it with ``script``."""

    async def run() -> T:
        async with app.run_test(size=size) as pilot:
            return await script(pilot)

    return asyncio.run(run())


async def press(pilot: Pilot[str | None], *keys: str) -> None:
    """Each key, then its run to the end and the screen redrawn: no timing involved."""
    for key in keys:
        await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def pane(app: Explorer, name: str) -> str:
    return app.query_one(f"#{name}", View).plain()


def shown_shapes(app: Explorer) -> Shapes:
    """The shapes the Shapes pane shows now, by tensor (one the last knob took away is left out)."""
    found = re.findall(r"^(\w+)\s+\(([\d, ]+)\)", pane(app, "shapes"), re.M)
    return {name: tuple(int(d) for d in dims.split(",") if d.strip()) for name, dims in found}


def json_shapes(*args: str) -> Shapes:
    doc = invoke_json(*args)
    return {name: tuple(facts["shape"]) for name, facts in doc["tensors"].items()}


def test_every_knob_of_the_issue_changes_the_shapes_and_y_gives_the_command_line() -> None:
    app = explorer(*SEED)

    async def keys(pilot: Pilot[str | None]) -> Shapes:
        assert shown_shapes(app) == {"input": (3, 5, 4), "output": (3, 5, 2), "h_n": (1, 3, 2)}
        await press(pilot, "c")
        assert "c_n" in shown_shapes(app) and "cell lstm" in pane(app, "settings")
        await press(pilot, "c")
        assert "cell gru" in pane(app, "settings") and "c_n" not in shown_shapes(app)
        assert re.search(r"^c_n\s+gone", pane(app, "shapes"), re.M)  # what the knob took away is said
        await press(pilot, "c", "c")  # rnn, then lstm again: c cycles rnn → lstm → gru
        assert shown_shapes(app)["c_n"] == (1, 3, 2) and "cell lstm" in pane(app, "settings")
        await press(pilot, "b")
        assert shown_shapes(app) == {"input": (3, 5, 4), "output": (3, 5, 4), "h_n": (2, 3, 2), "c_n": (2, 3, 2)}
        assert "--bidirectional on" in pane(app, "shapes")
        await press(pilot, "+")
        assert "hidden 3" in pane(app, "settings")
        assert shown_shapes(app)["output"] == (3, 5, 6) and shown_shapes(app)["h_n"] == (2, 3, 3)
        await press(pilot, "f", "]")
        shapes = shown_shapes(app)
        await press(pilot, "y", "q")
        return shapes

    last = drive(app, keys)
    line = app.return_value
    assert line == "rnn-shapes --hidden 3 --cell lstm --layers 2 --bidirectional --seq-first hello eolll lleel"
    assert json_shapes(*shlex.split(line)[1:]) == last
    assert last == {"input": (5, 3, 4), "output": (5, 3, 6), "h_n": (4, 3, 3), "c_n": (4, 3, 3)}


def test_a_refused_setting_shows_the_command_lines_message_and_changes_nothing() -> None:
    app = explorer(*SEED, "--cell", "gru")

    async def keys(pilot: Pilot[str | None]) -> str:
        before = shown_shapes(app)
        await press(pilot, "j")  # proj_size on a GRU
        message = app.message.plain
        assert shown_shapes(app) == before and "proj_size 0" in pane(app, "settings")
        await press(pilot, "+")  # the next knob starts from what is shown, not from the refusal
        assert shown_shapes(app)["h_n"] == (1, 3, 3) and app.message.plain == ""
        return message

    message = drive(app, keys)
    cli = invoke(*SEED, "--cell", "gru", "--proj-size", "1")
    assert_refused(cli, "--proj-size applies to --cell lstm only, not gru")
    assert cli.stderr.removeprefix("rnn-shapes: error: ").strip() in message


def test_the_step_view_the_words_and_help() -> None:
    app = explorer(*SEED)

    async def keys(pilot: Pilot[str | None]) -> None:
        await press(pilot, "right", "right", "down")
        step = pane(app, "step-view")
        assert "Step t=2 of word 1 eolll" in step and "the token l" in step
        assert app.shown is not None
        h_t = app.shown.result.tensors["output"].values[1, 2].tolist()  # the run's own output at that step
        assert "h_t = tanh(sum)      [" + ", ".join(f"{x:+.4f}" for x in h_t) + "]" in step
        await press(pilot, "w")
        words = app.screen
        assert isinstance(words, WordsScreen)
        words.query_one(Input).value = "ab '' c"  # an empty word: the command line's refusal, in place
        await press(pilot, "enter")
        assert words.refusal == "word 1 is empty" and app.screen is words  # still open
        words.query_one(Input).value = "ab abc"
        await press(pilot, "enter")
        assert shown_shapes(app)["input"] == (2, 3, 3) and "words ab abc" in pane(app, "settings")
        assert "Step t=2 of word 1 abc" in pane(app, "step-view")  # the step and word kept where they still exist
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape", "q")

    drive(app, keys)
    assert app.return_value is None  # no y: nothing is printed


def test_e_exports_the_report_as_html_would(tmp_path: Path) -> None:
    app = explorer(*SEED, "--html", str(tmp_path / "report.html"))

    async def keys(pilot: Pilot[str | None]) -> None:
        await press(pilot, "b", "e")

    drive(app, keys)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # the file the command line named, only
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "bidirectional=True" in page and "Parameters" in page


def test_a_module_is_written_out_as_options_so_a_knob_can_change_it() -> None:
    module = Options(module="nn.LSTM(4, 3, batch_first=True)", batch_size=2, seq_len=3)
    turned = state.turned(module, "hidden_up")
    assert turned.module is None and (turned.cell, turned.hidden, turned.input_size) == ("lstm", 4, 4)
    line = state.command_line(turned)
    assert line == "rnn-shapes --hidden 4 --cell lstm --input-size 4 --batch-size 2 --seq-len 3"
    assert json_shapes(*shlex.split(line)[1:])["h_n"] == (1, 2, 4)
    dropout = Options(module="nn.GRU(4, 3, dropout=0.5)", batch_size=2, seq_len=3)
    assert state.unfolded(dropout) is dropout  # no option says dropout: a knob is refused as the CLI refuses it
    assert state.command_line(Options(words=["-x", "a b"])) == "rnn-shapes -- -x 'a b'"


# -- snapshots: the main screens, in a small and a large terminal ------------------------------


@pytest.mark.parametrize(
    ("size", "keys"),
    [((80, 24), ()), ((120, 40), ("c", "b", "tab")), ((80, 24), ("c", "c", "j"))],
    ids=["first-screen-80x24", "lstm-bidirectional-values-120x40", "refused-80x24"],
)
def test_snapshot(
    size: tuple[int, int], keys: tuple[str, ...], snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)

    async def run_before(pilot: Pilot[str | None]) -> None:
        await press(pilot, *keys)

    assert snap_compare(explorer(*SEED), terminal_size=size, run_before=run_before)


# -- the command line around it ----------------------------------------------------------------


def test_tui_off_a_terminal_or_without_textual_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    assert_refused(invoke("--tui", "hello"), "--tui draws on a terminal, and stdin is not one")
    assert_refused(invoke("--tui", "--json", "hello"), "--tui and --json: it draws on the terminal")
    monkeypatch.setitem(sys.modules, "textual", None)  # the extra is not installed
    assert_refused(
        invoke("--tui", "hello"), "--tui needs textual, which is not installed: pip install 'rnn-shapes[tui]'"
    )


@pytest.mark.process
def test_help_imports_neither_torch_nor_textual() -> None:
    probe = (
        "import sys\nfrom rnn_cli.cli import main\nsys.argv = ['rnn-shapes', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(repr(sorted(m for m in ('torch', 'textual') if m in sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert proc.stderr == "[]" and "--tui" in proc.stdout


@pytest.mark.process
def test_a_real_terminal_opens_and_q_leaves_it_as_it_was(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    before = termios.tcgetattr(follower)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")}
    process = subprocess.Popen(
        [str(prefork_bin() / "rnn-shapes"), "--tui", *SEED],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm-256color"},
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        screen = _read_until(leader, b"Shapes", process)
        os.write(leader, b"q")
        screen += _read_until(leader, None, process)
        assert process.wait(timeout=60) == 0
        after = termios.tcgetattr(follower)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(follower)
        os.close(leader)
    opened = screen.rindex(b"\x1b[?1049h")  # the alternate screen, entered
    assert b"\x1b[?1049l" in screen[opened:]  # and left
    assert after == before  # raw mode undone: the terminal's settings are as they were


def _read_until(fd: int, marker: bytes | None, process: subprocess.Popen[bytes], limit: float = 60) -> bytes:
    """What the terminal shows until ``marker`` appears (for None: until the process has ended)."""
    got = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                got += os.read(fd, 65536)
            except OSError:  # the last process holding the terminal has gone
                return got
            if marker is not None and marker in got:
                return got
        elif marker is None and process.poll() is not None:
            return got
    raise AssertionError(f"{marker!r} never appeared in {limit:.0f} s; the terminal showed {got[-500:]!r}")
