"""torch's messages in every wording since 1.0, as copies of them really arrive: wrapped, with a
pytest or log prefix, coloured, the final period dropped, a tuple for a list; every error and
warning in a traceback, in order; never a wrong cause; an unknown message read, not refused."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest
import torch
from conftest import assert_valid, invoke, invoke_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from rnn_cli.core.diagnose import diagnose_all
from rnn_cli.core.diagnose.table import WORDINGS
from rnn_cli.core.diagnose.wordings import Wording

#: A value of each placeholder type, drawn: what torch would print there.
DRAWS: dict[str, Callable[[random.Random], str]] = {
    "int": lambda r: str(r.randint(1, 900)),
    "number": lambda r: str(r.choice([0.1, 0.25, 0.5, 1])),
    "shape": lambda r: str([r.randint(1, 64) for _ in range(3)]),
    "tuple": lambda r: str(tuple(r.randint(1, 64) for _ in range(3))),
    "cell": lambda r: r.choice(["RNN", "LSTM", "GRU"]),
    "dtype": lambda r: r.choice(["torch.float32", "torch.float64", "torch.int64"]),
    "scalar": lambda r: r.choice(["Float", "Double", "Long"]),
    "device": lambda r: r.choice(["cpu", "cuda:0"]),
    "index": lambda r: r.choice(["[0]", "[1]"]),
    "mode": lambda r: r.choice(["batched 3-D", "unbatched 2-D"]),
    "dims": lambda r: r.choice(["2-D tensor", "(2-D, 2-D) tensors"]),
    "word": lambda r: r.choice(["parameter", "hidden", "'mat1'", "_th_addmm"]),
    "ctype": lambda r: r.choice(["long int", "float", "double"]),
    "backend": lambda r: r.choice(["cudnn", "miopen"]),
}


#: Numbers a wording holds that no explanation needs: torch's argument position.
NOT_READ = {"argument"}


def _written(wording: Wording, r: random.Random, *, full: bool = True) -> tuple[str, dict[str, str]]:
    """The wording as torch would print it, its placeholders filled (and its optional parts
    kept, or with ``full=False`` left out); the values put in, by name."""
    values: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        values[name] = DRAWS[kind or "int"](r)
        return values[name]

    text = wording.template.replace("[[", "\0").replace("]]", "\1")
    if not full:
        text = re.sub(r"\[[^\[\]]*\]", "", text)
    text = text.replace("[", "").replace("]", "").replace("\0", "[").replace("\1", "]")
    return re.sub(r"\{([^}]*)\}", fill, text), values


def _damaged(text: str, r: random.Random) -> str:
    """What copying does to a message: any of these, together."""
    if r.random() < 0.5:
        text = text.rstrip(".")
    if r.random() < 0.5:  # wrapped at a space, each line prefixed as pytest prints it
        words = text.split(" ")
        cut = r.randint(1, max(1, len(words) - 1))
        text = "E   " + " ".join(words[:cut]) + "\nE   " + " ".join(words[cut:])
    if r.random() < 0.3:
        text = "\x1b[31m" + text + "\x1b[0m"
    if r.random() < 0.3:
        text = "2026-01-02 03:04:05,678 - ERROR - trainer - " + text
    elif r.random() < 0.5:
        text = "RuntimeError: " + text
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(WORDINGS) - 1), seed=st.integers(0, 10**6), full=st.booleans())
def test_every_wording_is_recognised_as_copies_arrive(index: int, seed: int, full: bool) -> None:
    r = random.Random(seed)
    wording = WORDINGS[index]
    text, values = _written(wording, r, full=full)
    found = diagnose_all(_damaged(text, r))
    kinds = [d.kind for d in found]
    expected: str = wording.kind
    if wording.kind == "hidden_size" and "which" in values:
        expected = {"[0]": "hidden0_size", "[1]": "hidden1_size"}[values["which"]]
    assert kinds == [expected], (text, kinds)
    read = found[0]
    numbers = " ".join(str(v) for v in (read.expected, read.got, *read.numbers.values(), *read.facts.values()))
    for name, value in values.items():
        if name not in NOT_READ and re.fullmatch(r"-?\d+", value):
            assert value in numbers, (name, value, text)


def test_an_old_tuple_wording_is_the_same_message_reworded() -> None:
    doc = invoke_json("--diagnose", "RuntimeError: Expected hidden size (1, 7, 5), got (2, 7, 5)")
    found = doc["diagnosis"]
    assert found["kind"] == "hidden_size" and found["got"] == [2, 7, 5]
    assert found["versions"] == "1.0 to 1.6 (the size given as a tuple)"
    assert found["reproduced"] == "Expected hidden size (1, 7, 5), got [2, 7, 5]" and not found["same"]
    assert "the same message and numbers, as this torch words it" in found["note"]
    assert_valid(doc)


def test_doubled_rows_list_every_cause_most_likely_first() -> None:
    found = invoke_json("--diagnose", "Expected hidden size (1, 4, 8), got [2, 4, 8]")["diagnosis"]
    first, second, third = found["causes"]
    assert "built for num_layers=2" in first
    assert "two directions" in second
    assert "an encoder's h_n handed on" in third
    assert "(1)" in found["cause"] and "(3)" in found["cause"]


def test_an_empty_tensor_is_the_first_cause_of_zero_features() -> None:
    found = invoke_json("--diagnose", "input.size(-1) must be equal to input_size. Expected 64, got 0")["diagnosis"]
    assert "empty" in found["causes"][0] and "nn.RNN(0" not in found["fix_code"]
    assert found["same"]


@pytest.mark.parametrize("got", [2, 5])
def test_old_torch_s_three_dimensions_message_is_the_input_not_a_packed_sequence(got: int) -> None:
    found = invoke_json("--diagnose", f"RuntimeError: input must have 3 dimensions, got {got}")["diagnosis"]
    assert found["kind"] == "input_dims" and "PackedSequence" not in found["cause"]
    assert found["versions"] == "1.0 to 1.13"
    assert len(found["causes"]) == 2 and "1.11 to 1.13" in found["causes"][1]  # there 'got' is one axis more
    packed = invoke_json("--diagnose", "input must have 2 dimensions, got 3")["diagnosis"]
    assert packed["kind"] == "packed_input_dims"


def test_a_generic_dtype_message_says_another_layer_may_raise_it() -> None:
    found = invoke_json("--diagnose", "RuntimeError: expected scalar type Float but found Long")["diagnosis"]
    assert found["kind"] == "input_dtype"
    assert "token ids" in found["causes"][0] and "a Linear or a matmul" in found["causes"][-1]


def test_lengths_without_the_tail_list_each_way_it_happens() -> None:
    found = invoke_json("--diagnose", "'lengths' argument should be a 1D CPU int64 tensor")["diagnosis"]
    assert found["kind"] == "lengths_tensor" and len(found["causes"]) == 3


def test_a_warning_and_an_error_in_one_traceback_are_both_reported_in_order() -> None:
    with pytest.warns(UserWarning) as warned:
        nn.GRU(3, 4, dropout=0.3)
    try:
        nn.GRU(3, 4)(torch.zeros(2, 5, 6))
    except RuntimeError as error:
        failure = f"RuntimeError: {error}"
    log = (
        f"train.py:9: UserWarning: {warned[0].message}\n  warnings.warn(\nTraceback (most recent call last):\n{failure}"
    )
    doc = invoke_json("--diagnose", log)
    assert [d["kind"] for d in doc["diagnoses"]] == ["dropout_warning", "input_size"]
    assert doc["diagnosis"]["kind"] == "input_size"
    text = invoke("--diagnose", log).stdout
    assert "1 of 2 in the text" in text and "2 of 2 in the text" in text
    assert text.index("dropout with one layer") < text.index("input_size mismatch")


def test_a_fix_of_several_lines_is_shown_as_lines() -> None:
    text = invoke("--diagnose", "cudnn RNN backward can only be called in training mode").stdout
    assert "\\x0a" not in text and "    loss.backward()" in text


def test_an_unknown_message_with_shapes_near_a_recurrent_layer_is_read_not_refused() -> None:
    log = 'File "model.py", line 40, in forward\n    out, hidden = self.lstm(x, hidden)\n'
    log += "RuntimeError: shape mismatch (3, 16, 64) vs (1, 16, 64)."
    result = invoke("--diagnose", log, "--json")
    assert result.exit_code == 0, result.stderr
    found = invoke_json("--diagnose", log)["diagnosis"]
    assert found["kind"] == "shapes" and found["recognised"] is False
    assert "as a state (h_0, h_n) is D*num_layers=3, batch N=16, H_out=64" in found["cause"]
    assert [a["agrees"] for a in found["axes"]] == [False, True, True]
    assert invoke("--diagnose", "KeyError: 'weight'").exit_code == 1  # no shapes, no recurrent layer: not read


def test_a_hard_wrapped_message_is_joined() -> None:
    message = "Expected hidden size (2, 16, 128), got [1, 16, 128]"
    wrapped = message[:40] + "\n" + message[40:]  # a terminal cuts at a column, not at a space
    padded = wrapped.split("\n")[0].ljust(40) + "\n" + wrapped.split("\n")[1]
    found = invoke_json("--diagnose", padded)["diagnosis"]
    assert found["expected"] == [2, 16, 128] and found["got"] == [1, 16, 128]
