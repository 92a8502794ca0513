"""Hostile input never crashes, never reaches the terminal raw, never breaks JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_refused, invoke, invoke_json, prefork_bin, run_process, strict_loads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_cli.core.tokens import tokenize
from rnn_cli.render.visible import visible

HERE = Path(__file__).parent
CASES = json.loads((HERE / "hostile_inputs.json").read_text(encoding="utf-8"))["cases"]
#: An escape sequence or C1 control that came from the input, raw on stdout.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# -- tokens are what a reader sees ------------------------------------------------------------


def test_an_emoji_family_is_one_token() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    assert tokenize(family) == [family]
    assert tokenize(family, "codepoints") == list(family)


def test_combining_accents_and_canonical_equivalence() -> None:
    assert tokenize("e\u0301a") == ["\u00e9", "a"]  # NFC: one token, the composed é
    doc = invoke_json("e\u0301", "\u00e9")
    assert doc["vocabulary"] == ["\u00e9"]
    assert doc["words"] == ["e\u0301", "\u00e9"]  # the words themselves are kept exactly


def test_hangul_syllables_are_one_token_each() -> None:
    assert tokenize("한국어") == ["한", "국", "어"]
    assert tokenize("\u1112\u1161\u11ab") == ["한"]  # conjoining jamo compose to the syllable


# -- nothing from the input is interpreted ----------------------------------------------------


def test_rich_markup_in_words_is_shown_literally() -> None:
    out = invoke("[bold]x[/bold]", "[/x]").stdout
    assert "[bold]x[/bold]" in out and "[/x]" in out


def test_control_characters_are_shown_visibly_in_tables_svg_and_html(tmp_path: Path) -> None:
    word = "\x1b[31mred\x1b]0;t\x07"
    svg, html = tmp_path / "r.svg", tmp_path / "r.html"
    result = invoke(word, "--svg", str(svg), "--html", str(html))
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert visible(word) in result.stdout
    assert "\\x1b[31mred" in result.stdout
    for text in (svg.read_text(), html.read_text()):
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b" in text


def test_json_keeps_the_exact_text_escaped() -> None:
    words = ["\x1b[2J", "a\u009bb", "\u202eevil", "é"]
    text = invoke(*words, "--json").stdout
    assert not RAW_CONTROL.search(text)
    assert strict_loads(text)["words"] == words


@pytest.mark.process
def test_arguments_that_are_not_utf8_are_named() -> None:
    client = bytes(prefork_bin() / "rnn-shapes")
    proc = subprocess.run([client, b"ok", b"h\xffi"], capture_output=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode() == "rnn-shapes: error: argument 2 is not valid UTF-8 (at character 2)\n"


@pytest.mark.process
def test_absurd_sizes_are_refused_before_torch_is_imported() -> None:
    code = (
        "import sys\nfrom rnn_cli.cli import main\n"
        "sys.argv = ['rnn-shapes', 'ab', '--hidden', '100000000']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    print(e.code, 'torch' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.split() == ["2", "False"]
    assert "raise it with --max-memory" in proc.stderr and "PiB" in proc.stderr


# -- the regression file ------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_regression_inputs_through_the_command_line(case: dict[str, Any]) -> None:
    for extra in ([], ["--json"]):
        result = invoke(*extra, *case["args"], input=case.get("stdin", "").encode("utf-8"))
        assert result.exit_code == case["exit"], result.stderr
        assert not RAW_CONTROL.search(result.stdout)
        if result.exit_code == 2:
            assert_refused(result)
        elif extra:
            strict_loads(result.stdout)


@pytest.mark.process
def test_a_regression_input_through_a_real_process() -> None:
    """The same path as in process, end to end once: argv, the console script, real streams."""
    case = CASES[1]  # escape sequences in the words
    proc = run_process("--json", *case["args"])
    assert proc.returncode == 0 and proc.stderr == b""
    assert not RAW_CONTROL.search(proc.stdout.decode("utf-8"))
    assert strict_loads(proc.stdout.decode("utf-8"))["words"] == case["args"]


# -- properties ----------------------------------------------------------------------------------

any_text = st.text(st.characters(codec=None, categories=None), max_size=6)
OPTIONS = st.lists(
    st.sampled_from(
        [
            ["--cell", "lstm"],
            ["--cell", "gru"],
            ["--cell", "x"],
            ["--bidirectional"],
            ["--seq-first"],
            ["--padding", "zeros"],
            ["--hidden", "3"],
            ["--hidden", "0"],
            ["--layers", "2"],
            ["--proj-size", "1"],
            ["--nonlinearity", "relu"],
            ["--no-bias"],
            ["--steps"],
            ["--tokens", "codepoints"],
            ["--vocab", "ab"],
            ["--max-rows", "2"],
            ["--no-values"],
            ["--seed", "123456789012345678901"],
        ]
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(any_text, max_size=4), options=OPTIONS, as_json=st.booleans())
def test_arbitrary_text_and_options_never_crash(words: list[str], options: list[list[str]], as_json: bool) -> None:
    args = [a for option in options for a in option] + ["--json"] * as_json + ["--", *words]
    result = invoke(*args)
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert not RAW_CONTROL.search(result.stdout)
    if result.exit_code == 2:
        assert_refused(result)
        return
    if as_json:
        doc = strict_loads(result.stdout)
        assert doc["words"] == words
        assert len(doc["tokens"]) == len(words) == doc["tensors"]["h_n"]["shape"][1]
        assert doc["lengths"] == [len(t) for t in doc["tokens"]]
        assert "".join("".join(t) for t in doc["tokens"]) == "".join(
            tokenize(w, doc["config"]["tokenizer"])[0] and "".join(tokenize(w, doc["config"]["tokenizer"]))
            for w in words
        )


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=40),
            st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                max_leaves=8,
            ).map(json.dumps),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_batch_survives_any_line(lines: list[str]) -> None:
    requests = [line.replace("\n", " ") for line in lines]
    result = invoke("--batch", input="".join(r + "\n" for r in requests))
    assert result.exit_code in (0, 1)
    answers = result.stdout.splitlines()
    # a blank line holds ASCII white space only: U+0085 or U+00A0 alone is a (bad) request
    assert len(answers) == sum(1 for r in requests if r.encode().strip())
    for answer in answers:
        strict_loads(answer)
    assert result.stderr == ""
