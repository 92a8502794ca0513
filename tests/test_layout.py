"""Fits the reader: 80 columns with no value folded or cut, clean lines for pipes, any width."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import invoke, invoke_json
from rich.cells import cell_len

LAYOUTS = {
    "main example": "hello eolll lleel --hidden 2",
    "gru, bidirectional, 2 layers": "hello hi abc --cell gru --bidirectional --layers 2 --hidden 3",
    "lstm, proj_size": "hello hi abc --cell lstm --bidirectional --layers 2 --hidden 4 --proj-size 2",
    "lstm, hidden 4, seq-first": "hello hi abc --cell lstm --hidden 4 --layers 2 --seq-first",
    "zero padding, bidirectional": "hello hi abc --padding zeros --bidirectional --hidden 4",
    "steps": "hello hi --cell gru --bidirectional --hidden 4 --steps",
}


def _vector(values: list[float]) -> str:
    return "[" + ", ".join(f"{x:+.4f}" for x in values) + "]"


def _vectors(doc: dict[str, Any]) -> list[str]:
    """Every vector the tables show, formatted as they show it: h_n rows and output steps."""
    shown = [_vector(row) for layer in doc["tensors"]["h_n"]["values"] for row in layer]
    output = doc["tensors"]["output"]["values"]
    if not doc["config"]["batch_first"]:
        output = [list(step) for step in zip(*output, strict=True)]
    h = doc["config"]["proj_size"] or doc["config"]["hidden_size"]
    for w, word in enumerate(output):
        for vector in word[: doc["lengths"][w]]:
            shown += [_vector(vector[:h]), _vector(vector[h:])] if doc["config"]["bidirectional"] else [_vector(vector)]
    return shown


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_table_fits_without_folding_a_value(name: str, width: int) -> None:
    args = LAYOUTS[name].split()
    text = invoke(*args, "--all", env={"COLUMNS": str(width)}).stdout
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    assert not [line for line in lines if line != line.rstrip()]  # nothing trails a line in a pipe
    doc = invoke_json(*args)
    for vector in _vectors(doc):
        assert vector in text, vector  # each vector whole, on one line
    for p in doc["parameters"]:
        assert re.search(rf"^{p['name']}\s", text, re.M), p["name"]
    for tensor in doc["tensors"].values():
        axes = " × ".join(f"{a}={s}" for a, s in zip(tensor["axes"], tensor["shape"], strict=True))
        assert axes in text


def test_wider_terminals_use_the_room() -> None:
    narrow = invoke("hello", "eolll", "lleel", env={"COLUMNS": "80"}).stdout
    wide = invoke("hello", "eolll", "lleel", env={"COLUMNS": "160"}).stdout
    assert "… continued" in narrow and "… continued" not in wide
    assert "(N, L, H_in) in PyTorch's docs" in narrow  # the docs' symbols stacked under the axes
    assert len(wide.splitlines()) < len(narrow.splitlines())


@pytest.mark.parametrize("columns", ["0", "1", "5", "59"])
def test_a_width_too_narrow_for_the_tables_falls_back_to_80_and_says_so(columns: str) -> None:
    result = invoke("hello", "eolll", "lleel", env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert result.stderr == (
        "rnn-shapes: note: the terminal or $COLUMNS is narrower than 60 columns; tables are laid out for 80\n"
    )
    assert result.stdout == invoke("hello", "eolll", "lleel", env={"COLUMNS": "80"}).stdout
    assert "parameters" in result.stdout and "Vocabulary" in result.stdout
