"""The README is the front door: short, its two commands what CI runs, its examples real output.

Its blocks are checked as the manual's are (see tests/examples.py; ``pytest --update-golden
-n 0`` rewrites them); the manual holds the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from examples import DOCS, QUICK_START, README, ROOT, Block, all_blocks, blocks, check, marked, unit_id, units

TEXT = README.read_text(encoding="utf-8")
#: Units with a README block: run here (a unit shared with the manual's pages checks them too).
UNITS = [unit for unit in units(all_blocks()) if any(block.page == README for block in unit)]
#: The README's bound, in lines.
LONGEST = 220
#: What a front door does not say: this machine's history and figures a reader cannot reproduce.
NOT_IN_THE_README = [
    "this development machine",
    "this machine",
    "this 2-core machine",
    "targets are missed",
    "before this and",
]


def test_the_readme_has_every_kind_of_example() -> None:
    assert {block.kind for block in blocks(README)} >= {"section", "shell"}


@pytest.mark.parametrize("unit", marked(UNITS), ids=unit_id)
def test_every_example_in_the_readme_is_real_output(unit: tuple[Block, ...], request: pytest.FixtureRequest) -> None:
    check(unit, update=bool(request.config.getoption("--update-golden")))


def test_the_readme_is_a_front_door() -> None:
    assert TEXT.count("\n") < LONGEST
    said = [phrase for phrase in NOT_IN_THE_README if phrase in TEXT.lower()]
    assert not said, said
    # no stated times: they belong to one machine on one day (the benchmarks page has them, dated)
    assert not re.findall(r"\b\d+(?:\.\d+)? ?(?:s|ms|seconds)\b", TEXT)


def test_the_readme_links_into_the_manual() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", TEXT)
    assert len(links) >= 5
    assert [link for link in links if not (ROOT / link).is_file()] == []


def _quick_start(page: Path) -> list[str]:
    found = QUICK_START.search(page.read_text(encoding="utf-8"))
    assert found, f"{page.name} has no '## Quick start'"
    return re.findall(r"```sh\n(.+?)\n```", found.group(1))


def test_quick_start_commands_are_what_ci_runs() -> None:
    """The quick start's two commands are lines of .ci/run, in order: setup (only what running
    needs), then the tests (which install the test tools), then the checks those tools run."""
    commands = _quick_start(README)
    assert len(commands) == 2
    setup, tests = commands
    assert "pip install -e ." in setup and "[test]" not in setup, setup
    assert "pip install -e '.[test]'" in tests and "pytest" in tests, tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    at = [next((i for i, line in enumerate(ci) if line == c or line.startswith(c + " || ")), -1) for c in commands]
    assert -1 not in at and at[0] < at[1], f"README quick start not run by .ci/run as written, in order: {at}"
    checks = [i for i, line in enumerate(ci) if re.match(r"(\.venv/bin/)?(ruff|mypy|lint-imports)\b", line)]
    assert checks and min(checks) > at[1], "ruff, mypy and lint-imports need the test tools installed first"


def test_the_manual_starts_the_same_way() -> None:
    assert _quick_start(DOCS / "index.md") == _quick_start(README)
