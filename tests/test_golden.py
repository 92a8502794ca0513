"""Golden files of the tables, with a fixed seed, at 80 and 120 columns: what a person sees."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from conftest import invoke

SEED = ["hello", "eolll", "lleel", "--hidden", "2"]
LSTM = ["hello", "hi", "abc", "--cell", "lstm", "--bidirectional", "--layers", "2", "--hidden", "3", "--proj-size", "2"]
CASES = {
    "seed_example.txt": SEED,
    "seed_example_seq_first.txt": [*SEED, "--seq-first"],
    "lstm_bidirectional_proj.txt": LSTM,
    # the first screen above, every section here
    "seed_example_all.txt": [*SEED, "--all"],
    "lstm_bidirectional_proj_all.txt": [*LSTM, "--all"],
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
