"""The README is the front door: its commands and its example must be what the tool does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import invoke

from rnn_cli.cli.options import options_table

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _mask(text: str) -> str:
    """Lines without trailing blanks; the float32 rounding figure depends on the CPU."""
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"max \|diff\| [^,]+", "max |diff| <float32 rounding>", text)


def test_quick_start_commands_are_what_ci_runs() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README.split("## Quick start")[1].split("## ")[0])
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci


def test_the_main_example_is_real_output() -> None:
    block = README.split("<!-- example:main -->\n```text\n")[1].split("\n```\n<!-- /example:main -->")[0]
    result = invoke("hello", "eolll", "lleel", "--hidden", "2", env={"COLUMNS": "128"})
    assert _mask(block) == _mask(result.stdout)


def test_the_option_table_is_the_declaration(request: pytest.FixtureRequest) -> None:
    """The README's table is generated from the options' one declaration; --update-golden rewrites it."""
    start, end = "<!-- options -->\n", "<!-- /options -->"
    table = README.split(start)[1].split(end)[0]
    if request.config.getoption("--update-golden"):
        path = ROOT / "README.md"
        path.write_text(README.replace(start + table + end, start + options_table() + end), encoding="utf-8")
        return
    assert table == options_table()


def test_every_option_in_help_is_in_the_readme() -> None:
    help_text = invoke("--help").stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--install-completion", "--show-completion"}
    missing = sorted(o for o in options if o not in README)
    assert not missing
