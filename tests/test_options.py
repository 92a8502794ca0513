"""Every option declared once: help, completion, batch keys, --vs and the README agree with it."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from conftest import assert_refused, invoke, invoke_json

from rnn_cli.cli.options import Options, Scope

DECLARED = Options.declared()
WORDS = ("hello", "eolll", "lleel")


def _sample_argument(name: str) -> list[str]:
    """The option as a user would type it, with a value that its type accepts."""
    spec = DECLARED[name]
    kind = spec.kind
    if typing.get_origin(kind) in (typing.Union, type(int | None)):
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind is bool:
        return [spec.flags[0]]
    if typing.get_origin(kind) is typing.Literal:
        return [spec.flags[0], typing.get_args(kind)[-1]]
    return [spec.flags[0], "3" if kind is int else "x"]


def test_a_bad_choice_fails_while_parsing_before_any_word_is_read() -> None:
    assert_refused(invoke("--cell", "cnn"), "Invalid value for '--cell': 'cnn' is not one of 'rnn', 'lstm', 'gru'")


@pytest.mark.parametrize("name", [n for n, s in DECLARED.items() if Scope.VS not in s.scope and s.flags])
def test_vs_refuses_every_option_that_is_not_a_setting_of_the_run(name: str, tmp_path: Path) -> None:
    # a HOME of its own: were --install-completion to run, it would write there
    result = invoke(*WORDS, "--vs", " ".join(_sample_argument(name)), env={"HOME": str(tmp_path)})
    assert_refused(result, f"--vs takes settings of the run only, not {DECLARED[name].flags[0]}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("extra", ["--install-completion", "--show-completion", "--help", "-h"])
def test_vs_refuses_what_typer_and_click_add(extra: str, tmp_path: Path) -> None:
    result = invoke(*WORDS, "--vs", extra, env={"HOME": str(tmp_path)})
    assert_refused(result, "--vs takes settings of the run only")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", [n for n, s in DECLARED.items() if Scope.VS in s.scope])
def test_vs_accepts_every_setting_of_the_run(name: str) -> None:
    result = invoke(*WORDS, "--json", "--no-values", "--vs", " ".join(_sample_argument(name)))
    # some samples are refused by the core (a proj_size for an RNN): but by --vs, not as unknown
    if result.exit_code == 2:
        assert_refused(result, "--vs: ")
    else:
        assert result.exit_code in (0, 1), result.stderr


def test_errors_from_the_second_configuration_name_vs() -> None:
    assert_refused(invoke(*WORDS, "--vs", "--proj-size 1"), "--vs: --proj-size applies to --cell lstm only")
    assert_refused(invoke(*WORDS, "--vs", "--vocab xyz"), "--vs: token 'h' of word 0 is not in --vocab")
    assert_refused(invoke(*WORDS, "--vs", "--hidden two"), "--vs: Invalid value for '--hidden'")
    assert_refused(invoke(*WORDS, "--vs", "eolll"), "--vs takes options only, not words")


def test_vs_says_when_nothing_differs() -> None:
    result = invoke(*WORDS, "--vs", "--hidden 2")
    assert result.exit_code == 0
    assert "No differences" in result.stdout
    assert "Shapes side by side" not in result.stdout
    assert invoke_json(*WORDS, "--vs", "--hidden 2")["differences"] == []


@pytest.mark.parametrize("name", [n for n, s in DECLARED.items() if Scope.BATCH in s.scope and n != "words"])
def test_batch_takes_every_option_marked_for_it(name: str) -> None:
    argument = _sample_argument(name)
    kind = DECLARED[name].kind
    value: object = True if len(argument) == 1 else argument[1]
    if kind is int:
        value = int(argument[1])
    request = {"words": list(WORDS), argument[0].removeprefix("--"): value}
    line = json.loads(invoke("--batch", input=json.dumps(request) + "\n").stdout)
    assert "unknown key" not in json.dumps(line)
    assert "not available in batch mode" not in json.dumps(line)


@pytest.mark.parametrize("name", [n for n, s in DECLARED.items() if Scope.BATCH not in s.scope])
def test_batch_refuses_command_line_only_keys(name: str) -> None:
    key = DECLARED[name].flags[0].removeprefix("--")
    line = json.loads(invoke("--batch", input=json.dumps({"words": ["ab"], key: True}) + "\n").stdout)
    assert line["error"]["message"] == f"key {key!r} is not available in batch mode"


def test_batch_requests_are_checked_against_the_declared_choices() -> None:
    lines = [{"words": ["ab"], "cell": "cnn"}, {"words": ["ab"], "cell": 3}, {"words": ["ab"], "padding": "zeros"}]
    out = [
        json.loads(line)
        for line in invoke("--batch", input="".join(json.dumps(r) + "\n" for r in lines)).stdout.splitlines()
    ]
    assert out[0]["error"]["message"].startswith("'cell' must be one of rnn, lstm, gru")
    assert out[1]["error"]["message"].startswith("'cell' must be one of rnn, lstm, gru")
    assert out[2]["config"]["padding"] == "zeros"


def test_traceback_shows_where_an_internal_error_happened(monkeypatch: pytest.MonkeyPatch) -> None:
    import rnn_cli.render.report

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug of ours")

    monkeypatch.setattr(rnn_cli.render.report, "report", broken)
    quiet = invoke("ab")
    assert quiet.exit_code == 1
    assert quiet.stderr.count("\n") == 1
    assert "internal error: ZeroDivisionError: a bug of ours (run again with --traceback" in quiet.stderr
    for loud in (invoke("ab", "--traceback"), invoke("ab", env={"RNN_SHAPES_TRACEBACK": "1"})):
        assert loud.exit_code == 1
        assert loud.stderr.startswith("Traceback (most recent call last):")
        assert 'raise ZeroDivisionError("a bug of ours")' in loud.stderr
        assert loud.stderr.endswith("rnn-shapes: error: internal error: ZeroDivisionError: a bug of ours\n")
