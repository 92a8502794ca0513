"""--help opens with examples and the one rule of the words, then the options in their panels."""

from __future__ import annotations

import re
import shlex

import typer
from conftest import invoke

from rnn_cli.cli import app
from rnn_cli.cli.options import PANELS, Options
from rnn_cli.cli.program import HELP_EXAMPLES, HELP_OTHERS, HELP_WORDS_RULE


def _headings(text: str) -> list[str]:
    return [line[:-1] for line in text.splitlines() if re.fullmatch(r"[A-Z][\w ]*:", line)]


def _panels(text: str) -> dict[str, str]:
    """Each heading's lines, up to the next heading."""
    parts = re.split(r"^([A-Z][\w ]*):\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_help_shows_examples_and_the_words_rule_before_the_options() -> None:
    text = invoke("--help", env={"COLUMNS": "80"}).stdout
    assert _headings(text) == ["Examples", *PANELS, HELP_OTHERS]
    examples = _panels(text)["Examples"]
    assert len(HELP_EXAMPLES) == 3
    for line, _ in HELP_EXAMPLES:
        assert f"  {line}\n" in examples
    assert " ".join(HELP_WORDS_RULE.split()) in " ".join(examples.split())
    assert text.index("Examples:") < text.index(f"{PANELS[0]}:")
    assert max(len(line) for line in text.splitlines()) <= 80


def test_every_declared_option_is_in_exactly_one_panel() -> None:
    declared = Options.declared()
    unpanelled = [name for name, spec in declared.items() if spec.panel not in PANELS]
    assert not unpanelled, f"give these options a panel= from options.PANELS: {unpanelled}"
    panels = _panels(invoke("--help", env={"COLUMNS": "200"}).stdout)
    for name, spec in declared.items():
        shown = spec.flags[-1] if spec.flags else "words..."
        holding = [
            panel for panel, lines in panels.items() if re.search(rf"(^|[ ,]){re.escape(shown)}(?=[ ,\n])", lines, re.M)
        ]
        holding = [panel for panel in holding if panel != "Examples"]
        assert holding == [spec.panel], (name, holding)
    every = "\n".join(panels.values())
    assert "--cell <rnn|lstm|gru>" in every and "--padding <auto|packed|zeros>" in every  # choices from their types


def test_the_examples_are_commands_of_this_tool() -> None:
    """Each example's rnn-shapes part parses and passes the checks made before torch (the pipe
    into jq aside); the docs run them."""
    command = typer.main.get_command(app)
    for line, _ in HELP_EXAMPLES:
        args = shlex.split(line.split(" | ")[0])
        assert args[0] == "rnn-shapes"
        options = Options(**command.make_context("rnn-shapes", args[1:]).params)
        options.check()
        options.plan(options.words or [])
