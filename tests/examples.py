"""Every example on a page is what the tool does: README.md's and every page under docs/.

A page shows only blocks the tests run or generate (``pytest --update-golden -n 0`` rewrites
the first three kinds and the generated tables from the tool):

- ``<!-- example: ARGS -->`` is the whole report of ``rnn-shapes ARGS``;
- ``<!-- section:NAME ARGS -->`` is one named section of it;
- ``<!-- shell -->`` holds ``$ command`` lines run by bash in a scratch directory (with this
  repository's ``examples/`` beside them), each followed by what it prints;
- every `````python`` block runs as it stands: its asserts are its output;
- ``<!-- options -->`` and ``<!-- json-keys -->`` hold tables generated from the declarations.

The quick start's two commands are the one other kind of block: they are lines of .ci/run
(test_readme checks that), not run here.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from conftest import INSTALL, invoke, require_client, run_shell
from rich.console import RenderableType

from rnn_cli.cli import app
from rnn_cli.cli.options import Options, options_table
from rnn_cli.core.explore import run_plan
from rnn_cli.render.console import make_console
from rnn_cli.render.reference_tables import document_table
from rnn_cli.render.report import report_sections

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
#: Every page a reader may open, the README first.
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
#: The width every example is laid out for: the default of many terminals.
WIDTH = 80
BLOCK = re.compile(r"<!-- (example|section|shell)(?::\s?([^\n]*?))? -->\n```(\w+)\n(.*?)```\n<!-- /\1 -->", re.S)
PYTHON = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
QUICK_START = re.compile(r"^## Quick start\n(.*?)(?=^## |\Z)", re.S | re.M)
#: Tables generated from a declaration, by the name of the comment around them.
GENERATED: dict[str, Callable[[], str]] = {"options": options_table, "json-keys": document_table}
TABLE = re.compile(r"<!-- (" + "|".join(GENERATED) + r") -->\n(.*?)<!-- /\1 -->", re.S)


def relative(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Block:
    """One checked block: where it stands and what it says."""

    page: Path
    #: Its place among the page's blocks of its family (marked blocks, or Python blocks).
    index: int
    kind: str
    spec: str
    body: str

    @property
    def name(self) -> str:
        return f"{relative(self.page)}:{self.kind}-{self.index}"

    @property
    def marked(self) -> tuple[str, str, str]:
        return self.kind, self.spec, self.body

    @property
    def key(self) -> str:
        """Blocks with one key are checked together: sections of one run share it (it may take
        seconds), the same commands run once; every other block is a test of its own."""
        if self.kind == "section":
            return "section " + self.spec.partition(" ")[2]
        if self.kind == "shell":
            return "shell " + "\n".join(commands(self.body))
        return self.name


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    marked = [Block(page, i, m.group(1), m.group(2) or "", m.group(4)) for i, m in enumerate(BLOCK.finditer(text))]
    python = [Block(page, i, "python", "", m.group(1)) for i, m in enumerate(PYTHON.finditer(text))]
    return marked + python


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def units(found: Iterable[Block]) -> list[tuple[Block, ...]]:
    grouped: dict[str, list[Block]] = {}
    for block in found:
        grouped.setdefault(block.key, []).append(block)
    return [tuple(group) for group in grouped.values()]


def marked(found: list[tuple[Block, ...]]) -> list[Any]:
    """Each unit as a test parameter, marked ``process`` where a shell block runs real processes
    (the others run the tool in process), and ``export`` where a block runs torch's exporters."""
    import pytest

    def marks(unit: tuple[Block, ...]) -> list[pytest.MarkDecorator]:
        chosen = [pytest.mark.process] if any(block.kind == "shell" for block in unit) else []
        if any("--export " in f"{block.spec} {block.body}" for block in unit):
            chosen.append(pytest.mark.export)
        return chosen

    return [pytest.param(unit, marks=marks(unit)) for unit in found]


def unit_id(unit: tuple[Block, ...]) -> str:
    return "+".join(block.name for block in unit)


def unchecked_fences(page: Path) -> list[str]:
    """Fenced blocks of a page that no test runs: each must be a marked block, Python, or one of
    the quick start's commands."""
    text = page.read_text(encoding="utf-8")
    covered = [m.span() for m in BLOCK.finditer(text)] + [m.span() for m in QUICK_START.finditer(text)]
    found = []
    for m in FENCE.finditer(text):
        if m.group(1) == "python" or any(start <= m.start() < end for start, end in covered):
            continue
        found.append(f"{relative(page)}, line {text.count(chr(10), 0, m.start()) + 1}: ```{m.group(1)}")
    return found


def mask(text: str) -> str:
    """The float32 rounding figure depends on the CPU's kernels; everything else is fixed."""
    return re.sub(r"max \|diff\| [^,]+", "max |diff| <float32 rounding>", text)


# -- what each kind of block shows ------------------------------------------------------------


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
    """Sections of one run, kept: several blocks show parts of the same large run."""
    command = typer.main.get_command(app)
    options = Options(**command.make_context("rnn-shapes", shlex.split(args)).params)
    result = run_plan(options.plan(options.words or []))
    parts = report_sections(result, max_rows=options.max_rows, traced_words=options.traced_words())
    return {str(name): part for name, part in parts.items()}


def commands(block: str) -> list[str]:
    """The ``$ command`` lines of a shell block, each continued by a trailing backslash."""
    found: list[str] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            found.append(line[2:])
        elif found and found[-1].endswith("\\"):
            found[-1] += "\n" + line
    return found


def _clients(command: str) -> list[str]:
    """The system clients (jq, ...) a command runs, itself or through a script of this repository."""
    scripts = [ROOT / word for word in re.findall(r"(?<![\w./-])[\w.-]+/[\w./-]+", command) if (ROOT / word).is_file()]
    texts = [command, *(script.read_text(encoding="utf-8", errors="replace") for script in scripts)]  # a .pt is bytes
    return [name for name in INSTALL if any(re.search(rf"(?<![\w-]){name}(?![\w-])", text) for text in texts)]


@functools.cache
def _shell(block: str) -> str:
    """Run each ``$ command`` with bash, one scratch directory for the block; its lines follow it."""
    lines = commands(block)
    for name in sorted({name for command in lines for name in _clients(command)}):
        require_client(name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "COLUMNS": str(WIDTH)}
    env.pop("FORCE_COLOR", None)
    out = []
    with tempfile.TemporaryDirectory(prefix="rnn-shapes-example-") as scratch:
        os.symlink(ROOT / "examples", Path(scratch) / "examples")
        for command in lines:
            # stdout and stderr together, as a terminal shows them
            proc = run_shell(f"cd {shlex.quote(scratch)} && {command}", env, merge_stderr=True)
            assert proc.returncode in (0, 1, 2), proc.stdout
            out.append(f"$ {command}\n{proc.stdout.decode()}")
    return "".join(out)


def actual(block: Block) -> str:
    if block.kind == "example":
        return _example(block.spec)
    if block.kind == "section":
        return _section(block.spec)
    return _shell("".join(f"$ {command}\n" for command in commands(block.body)))


def run_python(block: Block) -> None:
    exec(compile(block.body, f"{relative(block.page)}, Python block {block.index}", "exec"), {})


def check(unit: tuple[Block, ...], *, update: bool) -> None:
    """Each block of the unit shows what the tool does; under ``update`` it is rewritten to."""
    for block in unit:
        if block.kind == "python":
            run_python(block)
            continue
        shown = actual(block)
        if not update:
            assert mask(block.body) == mask(shown), (
                f"{block.name} ({block.spec or block.body.splitlines()[0]!r}) is stale"
            )
            continue
        # the block as it was read, on the page as earlier blocks left it: never a block that
        # moved under the index it had (the page edited meanwhile)
        text = block.page.read_text(encoding="utf-8")
        same = [m for m in BLOCK.finditer(text) if (m.group(1), m.group(2) or "", m.group(4)) == block.marked]
        assert same, f"{block.name} changed on its page while the tests ran: run them again"
        match = same[0]
        head = match.group(0)[: match.start(4) - match.start(0)]
        text = text[: match.start()] + f"{head}{shown}```\n<!-- /{block.kind} -->" + text[match.end() :]
        block.page.write_text(text, encoding="utf-8")


def check_tables(page: Path, *, update: bool) -> int:
    """Every generated table on the page is its generator's output; returns how many there are."""
    text = page.read_text(encoding="utf-8")
    found = list(TABLE.finditer(text))
    if update:
        text = TABLE.sub(lambda m: f"<!-- {m.group(1)} -->\n{GENERATED[m.group(1)]()}<!-- /{m.group(1)} -->", text)
        page.write_text(text, encoding="utf-8")
        return len(found)
    for m in found:
        assert m.group(2) == GENERATED[m.group(1)](), f"{relative(page)}: the {m.group(1)} table is stale"
    return len(found)
