"""The README is the front door: its commands and its examples must be what the tool does.

Three kinds of example block are checked (``pytest --update-golden -n 0`` rewrites them):
``<!-- example: ARGS -->`` is the whole report of ``rnn-shapes ARGS``; ``<!-- section:NAME
ARGS -->`` is one named section of it; ``<!-- shell -->`` holds ``$ command`` lines run by
bash, each followed by what it prints.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from conftest import INSTALL, invoke, require_client, run_shell
from rich.console import RenderableType

from rnn_cli.cli import app
from rnn_cli.cli.options import Options, options_table
from rnn_cli.core.explore import run_plan
from rnn_cli.render.console import make_console
from rnn_cli.render.report import report_sections

ROOT = Path(__file__).parent.parent
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
#: The width every README example is laid out for: the default of many terminals.
WIDTH = 80
BLOCK = re.compile(r"<!-- (example|section|shell)(?::\s?([^\n]*?))? -->\n```(\w+)\n(.*?)```\n<!-- /\1 -->", re.S)


def _mask(text: str) -> str:
    """The float32 rounding figure depends on the CPU's kernels; everything else is fixed."""
    return re.sub(r"max \|diff\| [^,]+", "max |diff| <float32 rounding>", text)


def _example(args: str) -> str:
    result = invoke(*shlex.split(args), env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _section(spec: str) -> str:
    """One section of the report, rendered as the command line renders the whole."""
    name, _, args = spec.partition(" ")
    buffer = io.StringIO()
    make_console(buffer, width=WIDTH).print(_sections(args)[name])
    # as on a pipe: no trailing spaces
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().lstrip("\n").splitlines())


@functools.cache
def _sections(args: str) -> dict[str, RenderableType]:
    """Sections of one run, kept: several README blocks show parts of the same large run."""
    command = typer.main.get_command(app)
    options = Options(**command.make_context("rnn-shapes", shlex.split(args)).params)
    result = run_plan(options.plan(options.words or []))
    parts = report_sections(result, max_rows=options.max_rows, traced_words=options.traced_words())
    return {str(name): part for name, part in parts.items()}


def _clients(command: str) -> list[str]:
    """The system clients (jq, ...) a command runs, itself or through a script of this repository."""
    scripts = [ROOT / word for word in re.findall(r"(?<![\w./-])[\w.-]+/[\w./-]+", command) if (ROOT / word).is_file()]
    texts = [command, *(script.read_text(encoding="utf-8") for script in scripts)]
    return [name for name in INSTALL if any(re.search(rf"(?<![\w-]){name}(?![\w-])", text) for text in texts)]


def _shell(block: str) -> str:
    """Run each ``$ command`` (continued by a trailing backslash) with bash; its lines follow it."""
    commands, lines, out = [], block.splitlines(), []
    for line in lines:
        if line.startswith("$ "):
            commands.append(line[2:])
        elif commands and commands[-1].endswith("\\"):
            commands[-1] += "\n" + line
    for name in sorted({name for command in commands for name in _clients(command)}):
        require_client(name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "COLUMNS": str(WIDTH)}
    env.pop("FORCE_COLOR", None)
    for command in commands:
        # stdout and stderr together, as a terminal shows them
        proc = run_shell(command, env, merge_stderr=True)
        assert proc.returncode in (0, 1, 2), proc.stdout
        out.append(f"$ {command}\n{proc.stdout.decode()}")
    return "".join(out)


RENDER: dict[str, Callable[[str], str]] = {"example": _example, "section": _section}


BLOCKS = list(BLOCK.finditer(README))


def test_the_readme_has_every_kind_of_example() -> None:
    assert {m.group(1) for m in BLOCKS} == {"example", "section", "shell"}


def _units() -> list[tuple[int, ...]]:
    """Blocks tested together: sections of one run share it (it may take seconds); every other
    block is a test of its own, so the slow ones spread over the workers."""
    units: dict[str, list[int]] = {}
    for i, m in enumerate(BLOCKS):
        key = "section " + m.group(2).partition(" ")[2] if m.group(1) == "section" else str(i)
        units.setdefault(key, []).append(i)
    return [tuple(indices) for indices in units.values()]


@pytest.mark.process
@pytest.mark.parametrize("indices", _units(), ids=lambda ix: "+".join(f"{BLOCKS[i].group(1)}-{i}" for i in ix))
def test_every_example_in_the_readme_is_real_output(indices: tuple[int, ...], request: pytest.FixtureRequest) -> None:
    for index in indices:
        kind, spec, _, body = BLOCKS[index].groups()
        actual = _shell(body) if kind == "shell" else RENDER[kind](spec)
        if not request.config.getoption("--update-golden"):
            assert _mask(body) == _mask(actual), f"README {kind} block {spec or body.splitlines()[0]!r} is stale"
            continue
        # the file as earlier blocks left it: the same blocks, in the same order
        text = README_PATH.read_text(encoding="utf-8")
        match = list(BLOCK.finditer(text))[index]
        head = match.group(0)[: match.start(4) - match.start(0)]
        text = text[: match.start()] + f"{head}{actual}```\n<!-- /{kind} -->" + text[match.end() :]
        README_PATH.write_text(text, encoding="utf-8")


def test_quick_start_commands_are_what_ci_runs() -> None:
    """The quick start's two commands are lines of .ci/run, in order: setup (only what running
    needs), then the tests (which install the test tools), then the checks those tools run."""
    commands = re.findall(r"```sh\n(.+?)\n```", README.split("## Quick start")[1].split("\n## ")[0])
    assert len(commands) == 2
    setup, tests = commands
    assert "pip install -e ." in setup and "[test]" not in setup, setup
    assert "pip install -e '.[test]'" in tests and "pytest" in tests, tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    at = [next((i for i, line in enumerate(ci) if line == c or line.startswith(c + " || ")), -1) for c in commands]
    assert -1 not in at and at[0] < at[1], f"README quick start not run by .ci/run as written, in order: {at}"
    checks = [i for i, line in enumerate(ci) if re.match(r"(\.venv/bin/)?(ruff|mypy|lint-imports)\b", line)]
    assert checks and min(checks) > at[1], "ruff, mypy and lint-imports need the test tools installed first"


def test_the_option_table_is_the_declaration(request: pytest.FixtureRequest) -> None:
    """The README's table is generated from the options' one declaration; --update-golden rewrites it."""
    start, end = "<!-- options -->\n", "<!-- /options -->"
    table = README.split(start)[1].split(end)[0]
    if request.config.getoption("--update-golden"):
        current = README_PATH.read_text(encoding="utf-8")
        README_PATH.write_text(current.replace(start + table + end, start + options_table() + end), encoding="utf-8")
        return
    assert table == options_table()


def test_every_option_in_help_is_in_the_readme() -> None:
    help_text = invoke("--help").stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--install-completion", "--show-completion"}
    missing = sorted(o for o in options if o not in README)
    assert not missing


def test_the_python_examples_run() -> None:
    for block in re.findall(r"```python\n(.*?)```", README, re.S):
        exec(compile(block, "README.md", "exec"), {})
