"""The JSON's numbers: written fast as text, read back as the very values torch computed."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy
import pytest
import torch

from rnn_cli import explore
from rnn_cli.render.json_doc import document, document_text, dumps
from rnn_cli.render.numbers import NonFinite, json_values


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_read_back_bit_for_bit(dtype: str) -> None:
    result = explore(["hello", "hi"], cell="lstm", hidden_size=3, bidirectional=True, dtype=dtype)
    doc = json.loads(document_text(result))
    for name, facts in result.tensors.items():
        again = torch.tensor(doc["tensors"][name]["values"], dtype=facts.values.dtype)
        assert torch.equal(again, facts.values), name
    for p, listed in zip(result.parameters, doc["parameters"], strict=True):
        assert torch.equal(torch.tensor(listed["values"], dtype=p.values.dtype), p.values), p.name


def _as_float32(value: Any) -> Any:
    """Floats as the float32 they stand for: the fast text and the slow one name the same ones."""
    if isinstance(value, list):
        return [_as_float32(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_float32(v) for k, v in value.items()}
    return float(numpy.float32(value)) if isinstance(value, float) else value


def test_the_fast_text_is_the_document_itself() -> None:
    result = explore(["hello", "eolll", "lleel"], embed=3)
    fast, slow = json.loads(document_text(result)), json.loads(dumps(document(result, scan=True)))
    assert list(fast) == list(slow) and _as_float32(fast) == _as_float32(slow)
    assert json_values(torch.tensor([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]  # token ids stay integers
    assert json_values(torch.tensor([[0.5, -0.25]])) == "[[0.5,-0.25]]"  # written at once
    whole = json.loads(document_text(result))["tensors"]["input"]["values"]  # token ids
    assert all(isinstance(v, int) for word in whole for v in word)
    one_hot = json.loads(document_text(explore(["ab", "c"])))["tensors"]["input"]["values"]
    assert one_hot[1][1] == [0.0, 0.0, 0.0] and all(isinstance(v, float) for v in one_hot[0][0])  # 1.0 stays 1.0
    assert json_values(torch.tensor([1.0, 0.1, -0.75])) == "[1.0,0.100000001,-0.75]"


def test_a_string_that_looks_like_a_placeholder_takes_the_slow_way() -> None:
    result = explore(["ab"])
    odd = dataclasses.replace(result, words=["\x000", "\x001"])  # what a placeholder is, before encoding
    assert json.loads(document_text(odd)) == json.loads(dumps(document(odd, scan=False)))


def test_non_finite_values_are_refused_by_the_fast_path() -> None:
    with pytest.raises(NonFinite):
        json_values(torch.tensor([1.0, float("nan")]))
    with pytest.raises(NonFinite):
        json_values(torch.tensor([[float("-inf")]]))
    assert json_values(torch.tensor(3.0)) == 3.0 and json_values(torch.tensor(0.5)) == "0.5"
    assert json_values(torch.tensor([-0.0, 1024.0, 0.5])) == "[-0.0,1024.0,0.5]"
