"""--vs on every tensor a run has: each compared along its own batch axis, each drawn."""

from __future__ import annotations

import re

from conftest import invoke, invoke_json


def test_initial_states_are_compared_word_by_word_along_their_batch_axis() -> None:
    doc = invoke_json("hi", "--h0", "random", "--layers", "2", "--vs", "--seed 1")
    h_0 = next(d for d in doc["differences"] if d["path"] == "tensors.h_0.values")
    assert h_0["relation"] == "different" and h_0["words"] == ["hi"]  # one word, though h_0 has 2 rows
    doc = invoke_json("ab", "cd", "ef", "--h0", "random", "--cell", "lstm", "--vs", "--seed 1")
    for name in ("h_0", "c_0", "h_n", "c_n"):
        found = next(d for d in doc["differences"] if d["path"] == f"tensors.{name}.values")
        assert found["words"] == ["ab", "cd", "ef"], name


def test_the_same_initial_state_is_equal() -> None:
    doc = invoke_json("hi", "ho", "--h0", "zeros", "--layers", "2", "--vs", "--hidden 2")
    assert not [d for d in doc["differences"] if d["path"].startswith("tensors.h_0")]


def test_every_tensor_gets_its_row_in_the_tables() -> None:
    text = invoke("hello", "hi", "--embed", "3", "--h0", "random", "--cell", "lstm", "--vs", "--seed 1").stdout
    for name in ("input", "embedded", "h_0", "c_0", "output", "h_n", "c_n"):
        assert re.search(rf"^{name}\s", text, re.M), name
