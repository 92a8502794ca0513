"""Scripts and pipes: stdin and files, --batch, the JSON Schema, terminals, closed pipes, jq."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    assert_valid,
    invoke,
    invoke_json,
    prefork_bin,
    require_client,
    run_on_terminal,
    run_process,
    run_shell,
    schema_validator,
    strict_loads,
)

HERE = Path(__file__).parent
ROOT = HERE.parent
#: The command in a shell line: on the PATH run_shell gives, a process forked from a parent
#: with torch imported (conftest.prefork_bin).
CLI = "rnn-shapes"
BIN = str(Path(sys.executable).parent)


def shell(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a bash pipeline the way a user types it, with rnn-shapes and jq on PATH."""
    full_env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env}
    proc = run_shell(script, full_env)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


# -- input -------------------------------------------------------------------------------------


@pytest.mark.process
def test_words_from_stdin_through_jq() -> None:
    """The issue's own pipeline, with the real jq binary."""
    require_client("jq")
    proc = shell(f"printf 'hello eolll\\nlleel\\n' | {CLI} --hidden 2 --json | jq -c .tensors.output.shape")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[3,5,2]\n"


def test_words_from_stdin_in_process() -> None:
    result = invoke("--json", input="hello eolll\n lleel\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["words"] == ["hello", "eolll", "lleel"]


def test_words_from_a_file_and_from_dash(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("hello\neolll lleel\n")
    assert invoke_json("--file", str(path))["words"] == ["hello", "eolll", "lleel"]
    assert invoke("-f", "-", "--json", input="ab ba").stdout.startswith('{"schema_version":1,"words":["ab","ba"]')


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        ("missing", "does not exist"),
        ("directory", "is a directory"),
        ("under_a_file", "cannot be read"),
        ("empty", "no words in --file"),
        ("binary", "contains NUL bytes"),
        ("latin1", "is not valid UTF-8 (byte 0xe9 at offset 1)"),
    ],
)
def test_file_problems_are_one_line_and_exit_2(setup: str, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    if setup == "directory":
        path.mkdir()
    elif setup == "under_a_file":
        path.write_text("x")
        path = path / "inside"
    elif setup == "empty":
        path.write_text("  \n\n")
    elif setup == "binary":
        path.write_bytes(b"\x7fELF\x00\x01")
    elif setup == "latin1":
        path.write_bytes("hé".encode("latin-1"))
    result = invoke("--file", str(path))
    assert result.exit_code == 2
    assert needle in result.stderr and result.stderr.count("\n") == 1


def test_empty_stdin_is_bad_input() -> None:
    result = invoke("--json", input="")
    assert result.exit_code == 2 and "no words in stdin" in result.stderr


def test_words_and_file_together_are_refused(tmp_path: Path) -> None:
    result = invoke("hello", "--file", str(tmp_path))
    assert result.exit_code == 2 and "not both" in result.stderr


# -- batch ------------------------------------------------------------------------------------

REQUESTS = [
    {"words": ["hello", "eolll"], "hidden": 2, "cell": "gru", "bidirectional": True},
    [1, 2],
    {"words": ["x"], "hidden": "2"},
    {"words": ["ab"], "bogus": 1},
    "not json",
    {"words": ["ab", "b"], "no-values": True, "seq-first": True, "proj_size": 1, "cell": "lstm", "hidden": 3},
    {},
    {"words": ["ab"], "hidden": 0},
    {"words": ["ab"], "svg": "x.svg"},
    {"words": ["ab"], "layers": True},
    {"words": "ab"},
]


def _lines(requests: list[Any]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in requests)


def test_batch_answers_every_line_in_order() -> None:
    result = invoke("--batch", input=_lines(REQUESTS) + "\n   \n")
    assert result.exit_code == 1  # some lines failed
    out = [strict_loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(REQUESTS)  # blank lines are not requests
    assert out[0]["config"]["cell"] == "gru" and out[0]["tensors"]["output"]["shape"] == [2, 5, 4]
    assert out[5]["tensors"]["h_n"]["shape"] == [1, 2, 1] and "values" not in out[5]["tensors"]["output"]
    errors = {i + 1: o["error"] for i, o in enumerate(out) if "error" in o}
    assert sorted(errors) == [2, 3, 4, 5, 7, 8, 9, 10, 11]
    assert all(e["line"] == n for n, e in errors.items())
    assert errors[2]["message"] == "a request is a JSON object, not an array"
    assert errors[3]["message"] == "'hidden' must be an integer, not a string"
    assert errors[4]["message"].startswith("unknown key 'bogus'")
    assert errors[5]["message"].startswith("not JSON")
    assert errors[7]["message"].startswith('a request needs "words", a list of strings')
    assert "--hidden must be at least 1" in errors[8]["message"]
    assert "not available in batch mode" in errors[9]["message"]
    assert errors[10]["message"] == "'layers' must be an integer, not a boolean"
    assert errors[11]["message"] == "'words' must be a list of strings"
    assert result.stderr == ""


def test_batch_of_good_lines_exits_0_and_matches_single_runs() -> None:
    result = invoke("--batch", input=_lines([REQUESTS[0], REQUESTS[0]]))
    assert result.exit_code == 0
    first, second = result.stdout.splitlines()
    assert first == second
    single = invoke("hello", "eolll", "--hidden", "2", "--cell", "gru", "--bidirectional", "--json").stdout
    assert first + "\n" == single


def test_batch_survives_hostile_lines() -> None:
    lines = (
        b'{"words": ["a"], "words": ["b"]}\n'  # duplicate keys: the last wins, as in JSON parsers
        + b"[" * 100_000
        + b"\n"  # nesting deep enough to break a recursive parser
        + b'{"words": ["\xff"]}\n'  # not UTF-8
        + b'{"words": ["a"], "hidden": NaN}\n'
        + b'{"words": ["\\ud800"]}\n'  # a lone surrogate, escaped
        + b"x" * (2 * 1024 * 1024)
        + b"\n"  # a line too long to read
        + b'{"words": ["ok"]}\n'
    )
    result = invoke("--batch", input=lines)
    assert result.exit_code == 1
    out = [strict_loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 7
    assert out[0]["words"] == ["b"]
    assert [("error" in o) for o in out] == [False, True, True, True, True, True, False]
    assert "longer than" in out[5]["error"]["message"]
    assert out[6]["words"] == ["ok"]
    assert result.stderr == ""


@pytest.mark.process
def test_batch_streams_one_line_at_a_time() -> None:
    """A consumer gets each answer before it sends the next request."""
    process = subprocess.Popen(
        [str(prefork_bin() / "rnn-shapes"), "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdin and process.stdout
    try:
        for word in ("ab", "abc"):
            process.stdin.write(json.dumps({"words": [word]}).encode() + b"\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline())
            assert answer["words"] == [word]
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_batch_refuses_words_on_the_command_line() -> None:
    result = invoke("--batch", "hello")
    assert result.exit_code == 2 and "--batch reads its requests on stdin" in result.stderr


# -- the schema -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--seq-first", "--no-values"],
        ["--cell", "lstm", "--bidirectional", "--layers", "2", "--proj-size", "1", "--hidden", "2"],
        ["--cell", "gru", "--padding", "zeros", "--dtype", "float64", "--no-bias"],
        ["--steps", "--nonlinearity", "relu"],
        ["--vs", "--cell lstm"],
    ],
)
def test_real_outputs_validate_against_the_published_schema(args: list[str]) -> None:
    assert_valid(invoke_json("hello", "hi", "abc", *args))


def test_batch_lines_validate_against_the_published_schema() -> None:
    result = invoke("--batch", input=_lines(REQUESTS))
    for line in result.stdout.splitlines():
        assert_valid(json.loads(line))


def test_the_schema_rejects_what_is_not_ours() -> None:
    validator = schema_validator()
    doc = invoke_json("ab")
    doc["tensors"]["output"]["shape"] = "3x5x2"
    assert not validator.is_valid(doc)
    assert not validator.is_valid({"error": {"message": "x"}})


# -- strict JSON and encodings -------------------------------------------------------------


def test_non_finite_values_become_null_and_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relu run that overflows float32: inf in torch and in the reference alike."""
    import torch

    import rnn_cli.core.forward

    real = rnn_cli.core.forward.construct_module

    def huge(config: Any, input_size: int) -> Any:
        module = real(config, input_size)
        with torch.no_grad():
            for p in module.parameters():
                p.fill_(1e30)
        return module

    monkeypatch.setattr(rnn_cli.core.forward, "build_module", huge)
    result = invoke("hello", "--nonlinearity", "relu", "--hidden", "3", "--json")
    assert result.exit_code == 0, result.stderr
    doc = strict_loads(result.stdout)
    assert doc["non_finite"]["output"] > 0
    assert None in doc["tensors"]["output"]["values"][0][-1]
    assert doc["verification"]["ok"] is False  # an infinity equals nothing: verified where finite only
    assert doc["verification"]["not_finite"]["output"] == doc["non_finite"]["output"]


@pytest.mark.process
def test_utf8_on_stdout_whatever_the_locale() -> None:
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "latin-1"}  # read as the interpreter starts
    proc = run_process("héllo", "왜", "--json", env=env, fresh=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.decode("utf-8"))["words"] == ["héllo", "왜"]
    tables = run_process("héllo", "왜", env={"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}, fresh=True)
    assert tables.returncode == 0 and "héllo".encode() in tables.stdout


@pytest.mark.process
def test_library_warnings_never_reach_stdout() -> None:
    env = {"PYTHONWARNINGS": "always"}  # read as the interpreter starts
    proc = run_process("hello", "--cell", "lstm", "--proj-size", "1", "--json", env=env, fresh=True)
    assert proc.returncode == 0
    strict_loads(proc.stdout.decode())


# -- terminals and pipes ----------------------------------------------------------------------


def _on_a_terminal(*args: str, env: dict[str, str]) -> bytes:
    """Run with stdout on a pseudo-terminal, as a person would see it."""
    shown, _ = run_on_terminal("--no-pager", *args, env={"COLUMNS": "160", **env}, columns=160)
    return shown


@pytest.mark.process
def test_colour_on_a_terminal_and_no_color_turns_it_off() -> None:
    coloured = _on_a_terminal("hello", env={})
    assert b"\x1b[" in coloured and b"38;" in coloured  # foreground colours: the heatmap
    plain = _on_a_terminal("hello", env={"NO_COLOR": "1"})
    assert b"38;" not in plain


def test_force_color_when_piped() -> None:
    assert "\x1b[" in invoke("hello", env={"FORCE_COLOR": "1", "NO_COLOR": None}).stdout
    assert "\x1b" not in invoke("hello", env={"NO_COLOR": None}).stdout


@pytest.mark.process
@pytest.mark.parametrize("mode", [["--max-rows", "400"], ["--json"], ["--batch"]])
def test_a_reader_that_closes_the_pipe_early_ends_it_quietly(mode: list[str], tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text(" ".join(f"w{i:04d}" for i in range(3000)))
    requests = tmp_path / "requests.ndjson"
    requests.write_text(_lines([{"words": [f"word{i}"] * 40} for i in range(400)]))
    source = f"< {requests}" if mode == ["--batch"] else f"--file {words}"
    proc = shell(f'{CLI} {" ".join(mode)} {source} | head -c 100 > /dev/null; echo "status=${{PIPESTATUS[0]}}"')
    assert proc.stdout.strip() == "status=0", proc.stderr
    assert proc.stderr == ""


def test_shell_completion_offers_the_declared_choices() -> None:
    """What bash's completion script asks for at ``rnn-shapes --cell <TAB>``, whatever shell runs pytest."""

    def complete(words: str) -> list[str]:
        env: dict[str, str | None] = {
            "_RNN_SHAPES_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        }
        result = invoke(env=env)
        assert result.exit_code == 0, result.stderr
        return result.stdout.split()

    assert complete("rnn-shapes --cell ") == ["rnn", "lstm", "gru"]
    assert complete("rnn-shapes --padding ") == ["auto", "packed", "zeros"]
    assert complete("rnn-shapes --show sh") == ["shapes"]
    assert complete("rnn-shapes --show shapes,h_") == ["shapes,h_0", "shapes,h_n"]
    assert complete("rnn-shapes --tok") == ["--tokens"]
