"""The manual (docs/, built by MkDocs) shows what the tool does: every example is run, every
table generated from its declaration, every picture drawn by the tool.

``pytest --update-golden -n 0`` rewrites the examples, tables and pictures after a deliberate
change; test_readme checks the README's own examples the same way (see tests/examples.py).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import invoke

from examples import (
    DOCS,
    PAGES,
    README,
    ROOT,
    WIDTH,
    Block,
    all_blocks,
    check,
    check_tables,
    marked,
    relative,
    unchecked_fences,
    unit_id,
    units,
)
from rnn_cli.cli.exit_codes import ExitStatus
from rnn_cli.render.reference_tables import KEYS
from rnn_cli.render.schema import published_schema

#: Units with a README block are test_readme's; these are the manual's own.
UNITS = [unit for unit in units(all_blocks()) if not any(block.page == README for block in unit)]
#: The pages the manual must have, each in mkdocs.yml's nav.
MANUAL = [
    "index.md",
    "tutorial.md",
    "layouts.md",
    "mistakes.md",
    "diagnose.md",
    "your-model.md",
    "scripts.md",
    "exports.md",
    "explorer.md",
    "python-api.md",
    "reference/options.md",
    "reference/json.md",
    "reference/exit-codes.md",
    "reference/faults-and-limits.md",
    "contributing.md",
    "benchmarks.md",
]
#: Pictures in the manual, drawn by the tool: file -> the command line that draws it (the file
#: name is added after its option).
PICTURES = {
    "docs/assets/seed-report.svg": "hello eolll lleel --hidden 2 --svg",
    "docs/assets/seed-states.svg": "hello eolll lleel --hidden 2 --plot",
}


@pytest.mark.parametrize("unit", marked(UNITS), ids=unit_id)
def test_every_example_in_the_docs_is_real_output(unit: tuple[Block, ...], request: pytest.FixtureRequest) -> None:
    check(unit, update=bool(request.config.getoption("--update-golden")))


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_every_block_on_a_page_is_run(page: Path) -> None:
    """A page shows no command or output that the tests do not run or generate."""
    assert not unchecked_fences(page)


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_the_generated_tables_are_the_declarations(page: Path, request: pytest.FixtureRequest) -> None:
    check_tables(page, update=bool(request.config.getoption("--update-golden")))


def test_the_reference_holds_the_generated_tables() -> None:
    assert "<!-- options -->" in (DOCS / "reference" / "options.md").read_text(encoding="utf-8")
    assert "<!-- json-keys -->" in (DOCS / "reference" / "json.md").read_text(encoding="utf-8")


def test_every_key_of_a_document_says_what_it_holds() -> None:
    keys = list(published_schema()["$defs"]["document"]["properties"])
    assert sorted(keys) == sorted(KEYS), "rnn_cli/render/reference_tables.py KEYS: one sentence for each document key"


def test_every_option_in_help_is_in_the_reference() -> None:
    help_text = invoke("--help").stdout
    reference = (DOCS / "reference" / "options.md").read_text(encoding="utf-8")
    options = set(re.findall(r"(--[a-z][a-z0-9-]+)", help_text)) - {"--install-completion", "--show-completion"}
    assert not sorted(o for o in options if o not in reference)


def test_the_manual_has_every_page_in_its_nav() -> None:
    nav = re.findall(r":\s+(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert sorted(set(MANUAL) - set(nav)) == []
    assert [page for page in nav if not (DOCS / page).is_file()] == []


def _svg_ids(text: str) -> str:
    """matplotlib names the marks of a picture at random; everything else is fixed."""
    return re.sub(r"(id=\"|#)([mp])[0-9a-f]{10}\b", r"\1\2<id>", text)


@pytest.mark.parametrize("picture", list(PICTURES), ids=lambda p: Path(p).name)
def test_the_pictures_are_the_tools_own(picture: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    drawn = tmp_path / Path(picture).name
    result = invoke(*shlex.split(PICTURES[picture]), str(drawn), env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.stderr
    path = ROOT / picture
    if request.config.getoption("--update-golden"):
        path.write_bytes(drawn.read_bytes())
    assert _svg_ids(drawn.read_text(encoding="utf-8")) == _svg_ids(path.read_text(encoding="utf-8")), picture
    name = Path(picture).relative_to("docs").as_posix()
    assert any(name in page.read_text(encoding="utf-8") for page in PAGES), f"no page shows {picture}"


def test_every_exit_status_is_in_the_reference() -> None:
    table = (DOCS / "reference" / "exit-codes.md").read_text(encoding="utf-8")
    codes = re.findall(r"^\| (\d+) \|", table, re.M)
    assert sorted({*map(int, codes)} - {143}) == sorted(int(status) for status in ExitStatus)
