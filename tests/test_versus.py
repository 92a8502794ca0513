"""--vs on every tensor a run has: each compared along its own batch axis, each drawn, from a
Comparison of the two Results that the tables and the JSON both read."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import NoReturn

import pytest
from conftest import invoke, invoke_json

from rnn_cli.core.explore import explore
from rnn_cli.core.versus import compare
from rnn_cli.render import differences, json_doc
from rnn_cli.render.comparison import comparison_report
from rnn_cli.render.console import render_text
from rnn_cli.render.differences import comparison_document
from rnn_cli.render.json_doc import dumps


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


def test_the_tables_are_drawn_from_a_comparison_of_two_results(monkeypatch: pytest.MonkeyPatch) -> None:
    a = explore(["hello", "hi"], hidden_size=2)
    b = explore(["hello", "hi"], hidden_size=2, batch_first=False)
    comparison = compare(a, b)
    assert comparison.a is a and comparison.b is b
    with pytest.raises(dataclasses.FrozenInstanceError):
        comparison.differences = ()  # type: ignore[misc]
    assert {d.path for d in comparison.differences} >= {"config.batch_first", "tensors.input.axes"}

    def no_document(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("the --vs tables read the Comparison, never a JSON document")

    monkeypatch.setattr(json_doc, "document", no_document)
    monkeypatch.setattr(differences, "document", no_document)
    drawn = render_text(comparison_report(comparison, 160), width=160, color=False)
    assert drawn == invoke("hello", "hi", "--vs", "--seq-first").stdout


def test_the_json_is_the_same_comparison() -> None:
    a = explore(["ab", "cd", "e"], hidden_size=2, cell="lstm")
    b = explore(["ab", "cd", "e"], hidden_size=3, cell="lstm", initial_state="zeros")
    comparison = compare(a, b)
    doc = json.loads(dumps(comparison_document(comparison)))
    assert doc == invoke_json("ab", "cd", "e", "--cell", "lstm", "--vs", "--hidden 3 --h0 zeros")
    assert [d["path"] for d in doc["differences"]] == [d.path for d in comparison.differences]
    assert doc["differences"][0] == {"path": "config.hidden_size", "a": 2, "b": 3}
    # a tensor only B has is listed after A's, as each document lists them
    tensors = [d["path"] for d in doc["differences"] if d["path"].startswith("tensors.") and "values" not in d["path"]]
    assert tensors == ["tensors.output.shape", "tensors.h_n.shape", "tensors.c_n.shape", "tensors.h_0", "tensors.c_0"]
    absent = [d for d in doc["differences"] if d["path"] in ("tensors.h_0", "tensors.c_0")]
    assert absent == [
        {"path": "tensors.h_0", "a": None, "b": [1, 3, 3]},
        {"path": "tensors.c_0", "a": None, "b": [1, 3, 3]},
    ]
