"""Faults lose nothing: every stream state, signal, disk fault and odd environment gives a
whole answer, or a non-zero exit with one line on stderr."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_refused, invoke, prefork_bin, run_shell, strict_loads

#: A fresh interpreter: for what is about the process's start, its signals or its own memory.
FRESH = [sys.executable, "-m", "rnn_cli"]
ENV = {**{k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}, "COLUMNS": "80"}


def _cli() -> list[str]:
    """The real command, a process forked from a parent with torch imported (conftest.prefork_bin)."""
    return [str(prefork_bin() / "rnn-shapes")]


def _shell(script: str) -> subprocess.CompletedProcess[bytes]:
    """A user's shell line, with ``R`` standing for the real command."""
    return run_shell(script.replace("R ", "rnn-shapes "), ENV)


def _one_clean_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert text.count("\n") == 1 and text.startswith("rnn-shapes: error: "), text
    assert "Traceback" not in text
    return text


# -- 1. a non-blocking stdout, read slowly ---------------------------------------------------------


def _read_slowly(args: list[str], stdin: bytes = b"") -> tuple[int, bytes]:
    """Run with stdout an O_NONBLOCK pipe (as a Node or CI parent hands over) and read it slowly."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    process = subprocess.Popen(
        [*_cli(), *args], stdin=subprocess.PIPE, stdout=write_end, stderr=subprocess.PIPE, env=ENV
    )
    os.close(write_end)
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    chunks = []
    while chunk := os.read(read_end, 8192):
        chunks.append(chunk)
        time.sleep(0.0005)
    os.close(read_end)
    process.wait(timeout=120)
    return process.returncode, b"".join(chunks)


@pytest.mark.process
def test_a_non_blocking_stdout_read_slowly_gets_every_batch_line() -> None:
    requests = "".join(json.dumps({"words": [f"w{i}", "abc"], "hidden": 1 + i % 7}) + "\n" for i in range(200))
    code, out = _read_slowly(["--batch"], requests.encode())
    assert code == 0 and len(out) > 4 * 65536  # four times what a pipe holds
    lines = out.decode().splitlines()
    assert len(lines) == 200 and all(strict_loads(line)["words"][0] == f"w{i}" for i, line in enumerate(lines))


@pytest.mark.process
def test_a_non_blocking_stdout_read_slowly_gets_the_whole_document(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text(" ".join(f"word{i}" for i in range(8_000)))
    code, out = _read_slowly(["--file", str(words), "--json", "--no-values"])
    assert code == 0 and len(out) > 300_000  # far more than a pipe holds
    assert len(strict_loads(out.decode())["words"]) == 8_000


# -- 2, 3, 4. closed stdout, stderr, stdin ----------------------------------------------------------


@pytest.mark.process
@pytest.mark.parametrize("args", ["hello", "hello --json", "--version", "--help", "--json-schema"])
def test_a_closed_stdout_is_exit_1_and_one_line(args: str) -> None:
    proc = _shell(f"R {args} >&-")
    assert proc.returncode == 1
    assert _one_clean_line(proc.stderr) == "rnn-shapes: error: stdout is closed: nothing could be written\n"


@pytest.mark.process
def test_a_closed_batch_stdout_is_exit_1() -> None:
    proc = _shell("""echo '{"words": ["ab"]}' | R --batch >&-""")
    assert proc.returncode == 1 and "stdout is closed" in _one_clean_line(proc.stderr)


@pytest.mark.process
def test_a_closed_stderr_keeps_errors_off_stdout() -> None:
    refused = _shell("R hello --json --svg /missing/x.svg 2>&-")
    assert refused.returncode == 2 and refused.stdout == b""
    failed = _shell("R hello --json --svg /dev/full 2>&-")  # the JSON first, then the disk fails
    assert failed.returncode == 1
    assert strict_loads(failed.stdout.decode())["words"] == ["hello"]  # stdout is the one document, whole


@pytest.mark.process
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("", "no words given: pass words as arguments, on stdin, or with --file"),
        ("--batch", "--batch reads its requests on stdin, which is closed"),
        ("--file -", "--file -: stdin is closed"),
    ],
)
def test_a_closed_stdin_is_bad_input(args: str, message: str) -> None:
    proc = _shell(f"R {args} <&-")
    assert proc.returncode == 2
    assert _one_clean_line(proc.stderr) == f"rnn-shapes: error: {message}\n"


# -- 5. Ctrl-C from the first moment on -------------------------------------------------------------


def _entered(pid: int) -> bool:
    """Whether the process has reached our entry point: it catches SIGTERM (take_signals), which
    a Python interpreter still starting leaves at its default. Before that moment a signal meets
    the interpreter's own start (a KeyboardInterrupt while site imports is Python's fatal
    error), which no program can answer."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # already gone: the answer is its exit status
    caught = re.search(r"SigCgt:\s+([0-9a-f]+)", status)
    return caught is not None and bool(int(caught.group(1), 16) >> (signal.SIGTERM - 1) & 1)


@pytest.mark.process
def test_ctrl_c_at_any_moment_of_starting_is_exit_130() -> None:
    """From our entry point on, torch's import included (where an exception raised in its C++
    would abort the process): each signal is sent a step later into the start."""
    outcomes = []
    for step in range(8):
        process = subprocess.Popen(
            [*FRESH, "hello", "eolll", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
        )
        while not _entered(process.pid):
            time.sleep(0.001)
        time.sleep(0.1 * step)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        # killed by the signal itself (-2) while Python shuts down: a shell says 130 as well
        code = 130 if process.returncode == -signal.SIGINT else process.returncode
        outcomes.append((step, code, err))
        if code == 0:  # it finished first: then the answer is whole
            strict_loads(out.decode())
    assert all(code in (130, 0) for _, code, _ in outcomes), outcomes
    assert outcomes[0][1] == 130, outcomes  # at the entry point itself: torch is not even imported yet
    assert all(err == b"" for _, code, err in outcomes if code == 130), outcomes


@pytest.mark.process
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_batch_waits_for_its_next_line_is_128_plus_its_number(signum: int) -> None:
    """Ctrl-C is 130 and SIGTERM 143 in the middle of a run too, with no traceback."""
    command = [*_cli(), "--batch"]  # the signal reaches the command through its client
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write(b'{"words": ["ab"]}\n')
    process.stdin.flush()
    assert strict_loads(process.stdout.readline().decode())["words"] == ["ab"]  # now waiting for the next line
    process.send_signal(signum)
    assert process.wait(timeout=60) == 128 + signum
    assert b"Traceback" not in process.stderr.read()


# -- 6. the memory guard while reading --------------------------------------------------------------


def _peak_mib(process: subprocess.Popen[bytes]) -> float:
    """The process's own high-water mark of resident memory (VmHWM), read until it exits.

    Not wait4's ru_maxrss: that also counts the pytest process it was forked from.
    """
    peak = 0.0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            break
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peak = max(peak, int(found.group(1)) / 1024)
        time.sleep(0.002)
    return peak


@pytest.mark.process
def test_a_file_too_big_for_the_memory_limit_is_refused_while_it_is_read(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    line = " ".join(f"w{i:07d}" for i in range(100_000)) + "\n"
    words.write_text(line * 30)  # 27 MB
    process = subprocess.Popen([*FRESH, "--file", str(words), "--max-memory", "64M"], stderr=subprocess.PIPE, env=ENV)
    peak = _peak_mib(process)
    assert process.wait() == 2 and process.stderr is not None
    assert "the words read so far already need about" in _one_clean_line(process.stderr.read())
    assert 0 < peak < 120  # MiB: the first chunks were enough to refuse; torch was never loaded


# -- 8. files written whole or not at all -----------------------------------------------------------


def test_an_export_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = tmp_path / "keep.svg"
    keep.write_text("old picture")

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    result = invoke("hello", "--svg", str(keep))
    assert result.exit_code == 1  # the disk failed, not the request
    assert result.stderr == f"rnn-shapes: error: cannot write --svg {str(keep)!r}: No space left on device\n"
    assert keep.read_text() == "old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.svg"]


def test_an_export_replaces_the_old_file_whole(tmp_path: Path) -> None:
    keep = tmp_path / "keep.html"
    keep.write_text("old page")
    assert invoke("hello", "--html", str(keep)).exit_code == 0
    assert keep.read_text().startswith("<!DOCTYPE html>") and sorted(p.name for p in tmp_path.iterdir()) == [
        "keep.html"
    ]


@pytest.mark.process
@pytest.mark.parametrize("args", ["hello", "hello --json", "--json-schema"])
def test_stdout_on_a_full_disk_is_exit_1(args: str) -> None:
    proc = _shell(f"R {args} > /dev/full")
    assert proc.returncode == 1
    assert _one_clean_line(proc.stderr) == "rnn-shapes: error: cannot write to stdout: No space left on device\n"


# -- 9. options that collide or mean nothing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--svg", "x.svg", "--html", "./x.svg"], "--svg and --html name the same file 'x.svg'"),
        (["--svg", ""], "--svg needs a file name"),
        (["--file", ""], "--file needs a path"),
        (["--vs", "--seq-first", "--code"], "--vs and --code: --code reproduces one run and --vs compares two"),
        (["--vs", "--seq-first", "--steps"], "--vs and --steps"),
        (["--json", "--code"], "--json and --code: both want stdout"),
    ],
)
def test_options_that_collide_are_refused(args: list[str], message: str) -> None:
    assert_refused(invoke("hello", *args), message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--svg", "x.svg"], "--svg does not apply to --batch"),
        (["--vs", "--seq-first"], "--vs does not apply to --batch"),
        (["--code"], "--code does not apply to --batch"),
        (["--hidden", "0"], "--hidden must be at least 1"),
        (["--max-memory", "abc"], "--max-memory takes a size like 512M or 4G"),
        (["--max-memory", "1e-300"], "--max-memory must be at least 1 byte"),
    ],
)
def test_batch_refuses_what_cannot_apply_before_reading_a_line(args: list[str], message: str) -> None:
    assert_refused(invoke("--batch", *args, input='{"words": ["ab"]}\n'), message)


# -- 11, 12. batch input and messages ---------------------------------------------------------------


def test_batch_reads_past_a_byte_order_mark_and_refuses_deep_nesting_plainly() -> None:
    result = invoke("--batch", input=b'\xef\xbb\xbf{"words": ["ab"]}\n' + b"[" * 50_000 + b"\n")
    first, second = (strict_loads(line) for line in result.stdout.splitlines())
    assert first["words"] == ["ab"]
    assert second["error"]["message"] == "not JSON that rnn-shapes reads: nested too deeply"


def test_a_long_value_is_not_echoed_whole() -> None:
    result = invoke("hello", "--vs", "--hidden " + "x" * 100_000)
    assert result.exit_code == 2 and len(result.stderr) < 1000 and "characters)" in result.stderr


def test_installing_completion_into_a_home_it_cannot_write_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    home = blocker / "home"  # under a regular file: nothing can be created there, even by root
    result = invoke("--install-completion", "bash", env={"HOME": str(home), "SHELL": "/bin/bash"})
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("rnn-shapes: error: ")
    assert "internal error" not in result.stderr
