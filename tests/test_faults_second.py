"""Faults, second hunt (issue 22): one test per numbered case. Real processes only where the
process's own state is the point (a non-blocking stdin, where stdout points, descriptors,
signals, a fresh interpreter's environment); everything else in process."""

from __future__ import annotations

import array
import dataclasses
import fcntl
import json
import os
import re
import select
import signal
import subprocess
import sys
import termios
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_refused, invoke, invoke_json, prefork_bin, run_shell, strict_loads

from rnn_cli.core.budget import estimate_from
from rnn_cli.core.config import Config
from rnn_cli.core.errors import BadInput
from rnn_cli.core.explore import explore
from rnn_cli.render.console import MAX_WIDTH

#: A fresh interpreter: for what is about the process's start, its signals or its own memory.
FRESH = [sys.executable, "-m", "rnn_cli"]
ENV = {**{k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}, "COLUMNS": "80"}


def _cli() -> list[str]:
    """The real command, a process forked from a parent with torch imported (conftest.prefork_bin)."""
    return [str(prefork_bin() / "rnn-shapes")]


def _shell(script: str) -> subprocess.CompletedProcess[bytes]:
    """A user's shell line, with ``R`` standing for the real command."""
    return run_shell(script.replace("R ", "rnn-shapes "), ENV)


def _one_line(stderr: bytes | str) -> str:
    text = stderr if isinstance(stderr, str) else stderr.decode()
    assert text.count("\n") == 1 and text.startswith("rnn-shapes: error: "), text
    assert "Traceback" not in text and "internal error" not in text, text
    return text


# -- 1. a non-blocking stdin, fed slowly ---------------------------------------------------------------


def _unread(fd: int) -> int:
    """Bytes in a pipe not read yet (FIONREAD)."""
    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


def _fed_in_pieces(args: list[str], pieces: list[bytes]) -> subprocess.CompletedProcess[bytes]:
    """Run with stdin an O_NONBLOCK pipe (as a Node or CI parent hands it over), each piece
    written only once the process has read everything before it: at every piece boundary the
    process finds the pipe empty, but not at its end."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    process = subprocess.Popen(
        [*_cli(), *args], stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
    )
    try:
        for piece in pieces:
            while _unread(read_end) and process.poll() is None:  # the process has not read it all yet
                select.select([], [], [], 0.01)
            os.write(write_end, piece)
        os.close(write_end)
        out, err = process.communicate(timeout=120)
    finally:
        os.close(read_end)
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(args, process.returncode, out, err)


@pytest.mark.process
def test_a_non_blocking_stdin_fed_slowly_loses_nothing() -> None:
    lines = [json.dumps({"words": [word]}).encode() + b"\n" for word in ("ab", "cd", "ef")]
    batch = _fed_in_pieces(["--batch"], lines)
    assert batch.returncode == 0, batch.stderr
    assert [strict_loads(line)["words"] for line in batch.stdout.decode().splitlines()] == [["ab"], ["cd"], ["ef"]]
    for args in ([], ["--file", "-"]):
        # the third word, read only from the last piece, is the one over --max-steps: refused
        # once every word is read, before torch is loaded
        words = _fed_in_pieces([*args, "--max-steps", "2"], [b"a b", b"c ddd\n"])
        assert words.returncode == 2
        assert _one_line(words.stderr) == "rnn-shapes: error: word 2 'ddd' has 3 tokens; the limit is 2 (--max-steps)\n"


# -- 2. devices, descriptors and stdout itself as export targets ----------------------------------------


@pytest.mark.process
def test_a_target_that_is_stdout_is_refused_up_front_and_devices_are_never_replaced(tmp_path: Path) -> None:
    link_before = os.readlink("/dev/stdout")
    for script, name in (
        ("cd {d} && R hi --svg /dev/stdout > out.txt", "/dev/stdout"),  # stdout a file: was renamed over
        ("cd {d} && R hi --json --svg same.txt > same.txt", "same.txt"),  # was the SVG in place of the JSON
        ("R hi --svg /dev/stdout | cat", "/dev/stdout"),  # a pipe: the tables and the SVG would interleave
    ):
        proc = _shell(script.format(d=tmp_path))
        assert proc.returncode == 2, proc.stderr
        assert f"--svg '{name}' is the same file as stdout" in _one_line(proc.stderr)
        assert proc.stdout == b""
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == link_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "same.txt"]  # no temporary left


@pytest.mark.process
def test_descriptors_are_written_in_place_and_an_early_reader_is_no_error(tmp_path: Path) -> None:
    """/dev/fd/N is the descriptor the shell set up (3>file, >(...)): written there, whole; a
    pipe whose reader has gone (``>(head -c 5)`` once head is done) has had all it wanted."""
    picture = tmp_path / "fd.svg"
    file_fd = os.open(picture, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    read_end, gone = os.pipe()
    os.close(read_end)  # the reader left before the first byte
    try:
        proc = subprocess.run(
            [*FRESH, "hi", "--svg", f"/dev/fd/{file_fd}", "--html", f"/dev/fd/{gone}"],  # fds of its own
            pass_fds=(file_fd, gone),
            capture_output=True,
            env=ENV,
            check=False,
            timeout=120,
        )
    finally:
        os.close(file_fd)
        os.close(gone)
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    assert picture.read_text().startswith("<svg") and picture.read_text().rstrip().endswith("</svg>")
    assert "Vocabulary" in proc.stdout.decode()  # the tables on stdout as ever
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fd.svg"]


def test_descriptors_that_cannot_be_written_are_refused(tmp_path: Path) -> None:
    assert_refused(invoke("hi", "--svg", "/dev/fd/987"), "descriptor 987 is not open")
    assert_refused(invoke("hi", "--svg", str(tmp_path)), "is a directory")


# -- 3. $COLUMNS is bounded -----------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["1000000000", "9999999999", "9" * 20])
def test_a_huge_columns_is_clamped_to_one_bound(columns: str, tmp_path: Path) -> None:
    result = invoke("hi", "--svg", str(tmp_path / "hi.svg"), env={"COLUMNS": columns, "LINES": columns})
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= MAX_WIDTH
    assert (tmp_path / "hi.svg").read_text().startswith("<svg")


# -- 4. symlinked targets are written through -----------------------------------------------------------


@pytest.mark.parametrize(("option", "name"), [("--svg", "t.svg"), ("--html", "t.html"), ("--plot", "t.png")])
def test_a_symlinked_target_is_written_through_the_link(option: str, name: str, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / name).write_text("old")
    (real / name).chmod(0o640)
    link = tmp_path / f"l{Path(name).suffix}"
    link.symlink_to(real / name)
    assert invoke("hi", option, str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real / name)
    assert (real / name).read_bytes() != b"old" and (real / name).stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in real.iterdir()) == [name]  # the temporary went beside the target, and away
    dangling = tmp_path / f"d{Path(name).suffix}"
    dangling.symlink_to(real / f"new{Path(name).suffix}")
    assert invoke("hi", option, str(dangling)).exit_code == 0
    assert dangling.is_symlink() and (real / f"new{Path(name).suffix}").stat().st_size > 100


# -- 5. one hostile batch line stays one ----------------------------------------------------------------

HOSTILE_LINES = [
    {"words": ["a"], "module": 'nn.LSTM(-"a",4)'},
    {"words": ["a"], "module": "nn.LSTM(\ud800, 4)"},
    {"words": ["a"], "module": 'nn.LSTM(-b"a", 4)'},
    {"words": ["a"], "module": "nn.LSTM(-None, 4)"},
    {"words": ["a"], "hidden": int("9" * 200)},
    {"batch-size": 10**30, "seq-len": 1, "input-size": 1},
    {"words": ["a"], "module": f"nn.LSTM(0x{'f' * 5000}, 4)"},
    {"words": ["a"], "module": f"nn.LSTM({'-' * 3000}4, 4)"},
]


def test_every_batch_line_gets_its_answer_whatever_the_others_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.dumps(line) for line in HOSTILE_LINES] + [json.dumps({"words": ["ok"]})]
    result = invoke("--batch", input="\n".join(lines) + "\n")
    assert result.exit_code == 1 and result.stderr == ""
    answers = [strict_loads(line) for line in result.stdout.splitlines()]
    assert [a.get("error", {}).get("line") for a in answers] == [*range(1, len(HOSTILE_LINES) + 1), None]
    assert all("internal error" not in a["error"]["message"] for a in answers[:-1]), answers
    assert answers[-1]["words"] == ["ok"]
    # even a bug of ours on one line is that line's error object, and the next line is answered
    import rnn_cli.render.json_doc as json_doc

    real = json_doc.document_text

    def broken(result: Any, **kwargs: Any) -> str:
        if result.words == ["boom"]:
            raise TypeError("a bug")
        return real(result, **kwargs)

    monkeypatch.setattr(json_doc, "document_text", broken)
    result = invoke("--batch", input='{"words": ["boom"]}\n{"words": ["ok"]}\n')
    first, second = (strict_loads(line) for line in result.stdout.splitlines())
    assert first["error"] == {"message": "internal error: TypeError: a bug", "line": 1}
    assert second["words"] == ["ok"] and result.exit_code == 1


# -- 6. input that cannot be a size is exit 2 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["hi", "--module", "nn.LSTM(-'a', 4)"], "--module: column"),
        (["hi", "--vs", "--module \"nn.LSTM(-'a', 4)\""], "--vs: --module"),
        (["hi", "--module", "nn.LSTM(\udcff, 4)"], "--module is not valid UTF-8"),  # argv bytes that were not UTF-8
        (["hi", "--hidden", "9" * 200], "is not a valid int: a whole number in ASCII digits"),
        (
            ["--batch-size", "9" * 31, "--seq-len", "1", "--input-size", "1"],
            "is not a valid int: a whole number in ASCII digits",
        ),
        (["--batch-size", "4611686018427387904", "--seq-len", "1", "--input-size", "1"], "over the 2.0 GiB limit"),
        (["hi", "--module", f"nn.LSTM({'-' * 10_000}4, 8)"], "--module"),
        (["hi", "--input-size", "9223372036854775808"], "--input-size must be at most 2**63 - 1"),
    ],
)
def test_what_cannot_be_a_size_is_bad_input(args: list[str], needle: str) -> None:
    assert_refused(invoke(*args), needle)


# -- 7. memory: every copy and renderer counted, before anything of the input's size is built ---------


def test_the_estimate_counts_both_copies_of_the_parameters() -> None:
    # 977 MiB of parameters, held by the module and by the Result: over 1G, which it used to pass
    assert_refused(
        invoke("hi", "--hidden", "16000", "--json", "--no-values", "--max-memory", "1G"), "needs about 2.0 GiB"
    )
    assert_refused(invoke("hi", "--cell", "gru", "--hidden", "16000", "--json", "--max-memory", "3G"), "--max-memory")


def test_sizes_are_budgeted_before_a_list_of_their_size_is_built() -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        result = invoke("--batch-size", "100000000", "--seq-len", "1", "--input-size", "1", "--max-memory", "100M")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_refused(result, "over the 100.0 MiB limit")
    assert peak < 20 * 1024**2  # a tuple of 10**8 lengths alone is 800 MB


def test_tables_and_exports_are_counted(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text(" ".join(f"w{i:05d}" for i in range(8000)))
    svg = str(tmp_path / "t.svg")
    assert_refused(invoke("--file", str(words), "--max-rows", "8000", "--svg", svg, "--max-memory", "300M"), "300.0")
    config = Config(hidden_size=4).validated()
    plain = estimate_from(config, 8000, 6, 48000, 10, values=False)
    from rnn_cli.cli.options import Options

    drawn = dataclasses.replace(Options(), max_rows=8000, svg=svg).drawn()
    assert drawn.layouts == 2 and drawn.exported
    assert estimate_from(config, 8000, 6, 48000, 10, values=False, drawn=drawn) > plain + 300 * 1024**2
    assert not (tmp_path / "t.svg").exists()


def test_a_batch_request_may_lower_the_limits_never_raise_them() -> None:
    lines = [
        {"words": ["ab"], "max-memory": "8G"},
        {"words": ["ab"], "max-work": "1T"},
        {"words": ["ab"], "max-memory": "100"},  # lower: this one is refused by its own limit
        {"words": ["ab"], "max-memory": "64M", "max-work": "10M"},
    ]
    result = invoke("--batch", "--max-memory", "2G", input="".join(json.dumps(line) + "\n" for line in lines))
    answers = [strict_loads(line) for line in result.stdout.splitlines()]
    assert "a request may lower it, not raise it" in answers[0]["error"]["message"]
    assert "--max-memory 2G" in answers[0]["error"]["message"]
    assert "a request may lower it, not raise it" in answers[1]["error"]["message"]
    assert "over the 100 B limit" in answers[2]["error"]["message"]
    assert answers[3]["words"] == ["ab"]


def _vm_hwm_mib(process: subprocess.Popen[bytes]) -> float:
    """The process's own high-water mark of resident memory, read until it exits."""
    peak = 0.0
    while process.poll() is None:
        try:
            found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{process.pid}/status").read_text())
        except OSError:
            break
        if found:
            peak = max(peak, int(found.group(1)) / 1024)
        select.select([], [], [], 0.002)
    return peak


@pytest.mark.process
def test_a_run_at_its_memory_limit_stays_under_it_over_torchs_baseline() -> None:
    """The peak over a tiny run's (torch's own) stays under --max-memory when it just passes."""
    args = ["hi", "--hidden", "6000", "--json", "--no-values"]
    refused = invoke(*args, "--max-memory", "1")
    estimate = float(re.search(r"needs about ([0-9.]+) MiB", refused.stderr).group(1))  # type: ignore[union-attr]
    limit = f"{int(estimate) + 1}M"
    tiny = subprocess.Popen([*FRESH, "hi", "--json", "--no-values"], stdout=subprocess.DEVNULL, env=ENV)
    big = subprocess.Popen([*FRESH, *args, "--max-memory", limit], stdout=subprocess.DEVNULL, env=ENV)
    baseline, peak = _vm_hwm_mib(tiny), _vm_hwm_mib(big)
    assert tiny.wait() == 0 and big.wait() == 0
    assert peak - baseline <= estimate + 1, (peak, baseline, estimate)


# -- 8. work is bounded like memory ---------------------------------------------------------------------


def test_work_over_max_work_is_refused_up_front() -> None:
    args = ["--lengths", "10000", "--input-size", "1", "--hidden", "2000", "--layers", "5", "--json", "--no-values"]
    result = invoke(*args)  # took 143-166 s; now refused before torch is imported
    assert_refused(result, "multiply-adds of work")
    assert "50,000 sequential cell steps" in result.stderr and "raise it with --max-work 411G" in result.stderr
    assert_refused(invoke("--lengths", "100000", "--input-size", "1", "--max-steps", "100000"), "--max-work")
    assert_refused(invoke("hi", "--max-work", "1000"), "over the 1K limit")
    assert invoke_json("hi", "--max-work", "10M")["words"] == ["hi"]
    assert_refused(invoke("hi", "--max-work", "lots"), "--max-work takes a count like 500G")
    with pytest.raises(BadInput, match="max_work"):
        explore(["hi"], max_work=1000)


# -- 9. --plot draws words as text ----------------------------------------------------------------------


def test_plot_draws_dollars_as_text(tmp_path: Path) -> None:
    png = tmp_path / "p.png"
    result = invoke("$$", "ok", "$x$", "--plot", str(png))
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
    import matplotlib

    from rnn_cli.render.plot import plot_bytes

    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as <text>, so it can be read back
        svg = plot_bytes(explore(["$$", "ok", "$x$"]), "svg").decode()
    assert ">$x$<" in svg and ">$$<" in svg  # the labels as typed, not typeset as math


# -- 10. a contradicting option is refused even at its default -----------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--hidden", "2", "--module", "nn.LSTM(2, 8)"], "--hidden contradicts --module's hidden_size=8"),
        (["--cell", "rnn", "--module", "nn.LSTM(2, 8)"], "--cell contradicts"),
        (["--dtype", "float32", "--module", "nn.LSTM(2, 8, dtype=torch.float64)"], "--dtype contradicts"),
        (["--layers", "1", "--module", "nn.LSTM(2, 8, num_layers=2)"], "--layers contradicts"),
    ],
)
def test_an_option_said_at_its_default_still_contradicts_the_module(args: list[str], needle: str) -> None:
    assert_refused(invoke("hi", *args), needle)
    key, value = args[0].removeprefix("--"), args[1]
    request = {"words": ["hi"], key: int(value) if value.isdigit() else value, "module": args[3]}
    result = invoke("--batch", input=json.dumps(request) + "\n")
    assert needle in strict_loads(result.stdout)["error"]["message"]


def test_the_module_alone_still_decides() -> None:
    assert invoke_json("hi", "--module", "nn.LSTM(2, 8)", "--no-values")["config"]["hidden_size"] == 8


# -- 11. every terminating signal cleans up and exits 128 + N -------------------------------------------

#: The entry point's signal policy, and an export held between writing its temporary file
#: and renaming it (no torch: the process's signals and files are what is tested).
_HELD_EXPORT = """
import os, sys
from rnn_cli import entry
from rnn_cli.cli import files
def held(fd):
    os.write(2, b"writing\\n")
    os.read(0, 1)  # until the test has sent its signal
entry.take_signals()
os.fsync = held
files.write_atomically(sys.argv[1], "<svg/>", "--svg")
"""


def _signals_at_their_default() -> None:
    """A child whose signals end it, as a shell's do: an ignored SIGHUP (pytest under nohup) is
    inherited, and the entry point rightly keeps it ignored."""
    for signum in (signal.SIGHUP, signal.SIGUSR1, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)


@pytest.mark.process
def test_every_terminating_signal_during_an_export_leaves_no_temporary(tmp_path: Path) -> None:
    started = {}
    for signum in (signal.SIGHUP, signal.SIGUSR1, signal.SIGQUIT):
        folder = tmp_path / signum.name
        folder.mkdir()
        (folder / "r.svg").write_text("old")
        started[signum] = subprocess.Popen(
            [sys.executable, "-c", _HELD_EXPORT, str(folder / "r.svg")],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=ENV,
            preexec_fn=_signals_at_their_default,  # pytest itself may run under nohup, its SIGHUP ignored
        )
    for signum, process in started.items():
        assert process.stderr is not None
        assert process.stderr.readline() == b"writing\n"  # the temporary is there, not renamed yet
        assert len(list((tmp_path / signum.name).iterdir())) == 2
        process.send_signal(signum)
        assert process.wait(timeout=60) == 128 + signum
        assert [p.name for p in (tmp_path / signum.name).iterdir()] == ["r.svg"]
        assert (tmp_path / signum.name / "r.svg").read_text() == "old"


@pytest.mark.process
def test_a_signal_the_parent_ignores_stays_ignored() -> None:
    """nohup's SIGHUP: ignored, and the batch goes on to its last line."""
    process = subprocess.Popen(
        ["nohup", *FRESH, "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV
    )
    assert process.stdin and process.stdout
    process.stdin.write(b"{}\n")  # an error object: answered without torch
    process.stdin.flush()
    assert "error" in strict_loads(process.stdout.readline().decode())  # the batch is running: past nohup's exec
    process.send_signal(signal.SIGHUP)
    process.stdin.write(b"[]\n")
    process.stdin.close()
    assert strict_loads(process.stdout.readline().decode())["error"]["line"] == 2
    assert process.wait(timeout=60) == 1


# -- 12. explore() refuses odd arguments at once --------------------------------------------------------


def test_explore_refuses_odd_arguments_at_once() -> None:
    import torch

    with pytest.raises(BadInput, match="meta device"):
        explore(["ab"], module=torch.nn.LSTM(2, 3, device="meta"))
    with pytest.raises(BadInput, match="hidden_size must be at most 2\\*\\*63 - 1"):
        explore(["ab"], hidden_size=10**200)
    with pytest.raises(BadInput, match="trace_words must be at least 0"):
        explore(["ab"], trace_words=-1)
    with pytest.raises(BadInput, match="lengths must be a list"):
        explore(lengths="34", input_size=1)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="max_memory must be a whole number"):
        explore(["ab"], max_memory=1.5)  # type: ignore[arg-type]


# -- 13. minor ------------------------------------------------------------------------------------------


@pytest.mark.process
def test_mplbackend_naming_no_backend_is_not_ours_to_follow() -> None:
    """matplotlib reads $MPLBACKEND when it is first imported: a fresh interpreter's business."""
    code = "from rnn_cli.render.plot import require_matplotlib\nrequire_matplotlib()\nprint('ready')"
    env = {**ENV, "MPLBACKEND": "nonexistent_backend"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=False, timeout=60)
    assert proc.returncode == 0 and proc.stdout == b"ready\n", proc.stderr


def test_warnings_as_errors_do_not_turn_torchs_dropout_warning_into_a_failure() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what PYTHONWARNINGS=error does
        doc = invoke_json("ab", "--module", "nn.LSTM(2, 3, dropout=0.5)", "--seed", "918273")  # built here, not cached
    assert doc["config"]["hidden_size"] == 3


def test_lengths_are_ascii_digits() -> None:
    assert_refused(invoke("--lengths", "٣,٢", "--input-size", "1"), "--lengths takes whole numbers")
    assert_refused(invoke("--lengths", "1_0", "--input-size", "1"), "--lengths takes whole numbers")
    assert_refused(invoke("hi", "--hidden", "٣"), "is not a valid int: a whole number in ASCII digits")
