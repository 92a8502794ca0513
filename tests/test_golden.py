"""Golden files of the tables, with a fixed seed, at 80 and 120 columns: what a person sees."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from conftest import invoke

CASES = {
    "seed_example.txt": ["hello", "eolll", "lleel", "--hidden", "2"],
    "seed_example_seq_first.txt": ["hello", "eolll", "lleel", "--hidden", "2", "--seq-first"],
    "lstm_bidirectional_proj.txt": [
        "hello",
        "hi",
        "abc",
        "--cell",
        "lstm",
        "--bidirectional",
        "--layers",
        "2",
        "--hidden",
        "3",
        "--proj-size",
        "2",
    ],
    "seed_example_all.txt": ["hello", "eolll", "lleel", "--hidden", "2", "--all"],
    "lstm_bidirectional_proj_all.txt": [
        "hello",
        "hi",
        "abc",
        "--cell",
        "lstm",
        "--bidirectional",
        "--layers",
        "2",
        "--hidden",
        "3",
        "--proj-size",
        "2",
        "--all",
    ],
    "steps_lstm.txt": ["hello", "hi", "--cell", "lstm", "--steps", "--no-values"],
    "vs_seq_first.txt": ["hello", "eolll", "lleel", "--vs", "--seq-first"],
    "gru_zeros_no_values.txt": ["hello", "hi", "--cell", "gru", "--padding", "zeros", "--no-values"],
}


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(CASES))
def test_tables_match_golden_file(name: str, width: int, golden: Callable[[str, str], None]) -> None:
    result = invoke(*CASES[name], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    # The last digits of float32 rounding depend on the CPU's kernels; everything else is fixed.
    text = re.sub(r"max \|diff\| [^,]+", "max |diff| <float32 rounding>", result.stdout)
    golden(name.replace(".txt", f".{width}.txt"), text)
