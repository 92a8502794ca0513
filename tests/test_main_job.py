"""The foundation: the seed's example end to end, as JSON and as tables."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_refused, invoke, invoke_json, run_process, strict_loads
from numpy_reference import batch_major, expected, max_abs_diff

WORDS = ("hello", "eolll", "lleel")


def test_vocabulary_and_shapes_batch_first() -> None:
    doc = invoke_json(*WORDS, "--hidden", "2")
    assert doc["schema_version"] == 1
    assert doc["vocabulary"] == ["h", "e", "l", "o"]
    assert doc["tokens"][1] == list("eolll")
    assert doc["lengths"] == [5, 5, 5]
    t = doc["tensors"]
    assert t["input"]["shape"] == [3, 5, 4] and t["input"]["axes"] == ["batch", "seq", "input"]
    assert t["output"]["shape"] == [3, 5, 2] and t["output"]["axes"] == ["batch", "seq", "hidden"]
    assert t["h_n"]["shape"] == [1, 3, 2] and t["h_n"]["axes"] == ["layer*direction", "batch", "hidden"]
    assert doc["config"]["batch_first"] is True
    assert doc["call"] == "torch.nn.RNN(input_size=4, hidden_size=2, batch_first=True)"


def test_input_holds_exactly_the_one_hot_rows_of_the_words() -> None:
    doc = invoke_json(*WORDS)
    eye = np.eye(4)
    rows = np.array([[eye["helo".index(ch)] for ch in word] for word in WORDS])
    assert np.array_equal(np.array(doc["tensors"]["input"]["values"]), rows)


@pytest.mark.parametrize("layout", [[], ["--seq-first"]])
def test_values_match_a_hand_written_recurrence(layout: list[str]) -> None:
    doc = invoke_json(*WORDS, "--hidden", "2", *layout)
    assert max_abs_diff(doc) <= 1e-5
    # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), written out once more by hand
    p = {q["name"]: np.array(q["values"]) for q in doc["parameters"]}
    x = batch_major(doc, "input")
    h = np.zeros((3, 2))
    for t in range(5):
        h = np.tanh(x[:, t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"])
        assert np.allclose(batch_major(doc, "output")[:, t], h, atol=1e-5)
    assert np.allclose(np.array(doc["tensors"]["h_n"]["values"])[0], h, atol=1e-5)
    assert doc["verification"]["ok"] and doc["verification"]["max_abs_diff"] <= 1e-5


def test_seq_first_moves_batch_in_input_and_output_but_not_h_n() -> None:
    doc = invoke_json(*WORDS, "--seq-first")
    t = doc["tensors"]
    assert (t["input"]["shape"], t["output"]["shape"], t["h_n"]["shape"]) == ([5, 3, 4], [5, 3, 2], [1, 3, 2])
    assert t["input"]["axes"][:2] == ["seq", "batch"]
    assert t["h_n"]["axes"][1] == "batch"
    assert doc["call"] == "torch.nn.RNN(input_size=4, hidden_size=2)"
    first = invoke_json(*WORDS)
    # the same module and words: the numbers are the same, only laid out differently
    assert np.allclose(batch_major(doc, "output"), batch_major(first, "output"))
    assert first["tensors"]["h_n"]["values"] == doc["tensors"]["h_n"]["values"]


def test_parameters_in_named_parameters_order() -> None:
    doc = invoke_json(*WORDS, "--hidden", "3")
    assert [(p["name"], p["shape"]) for p in doc["parameters"]] == [
        ("weight_ih_l0", [3, 4]),
        ("weight_hh_l0", [3, 3]),
        ("bias_ih_l0", [3]),
        ("bias_hh_l0", [3]),
    ]
    assert doc["parameter_count"] == 12 + 9 + 3 + 3


@pytest.mark.process
def test_same_arguments_give_byte_identical_json_in_any_process() -> None:
    a = run_process(*WORDS, "--json", fresh=True)  # its own interpreter: its own hash seed
    b = invoke(*WORDS, "--json")
    assert a.returncode == 0 and a.stdout.decode() == b.stdout
    assert invoke(*WORDS, "--json", "--seed", "1").stdout != b.stdout


def test_no_values_leaves_every_values_out() -> None:
    doc = invoke_json(*WORDS, "--no-values", "--cell", "lstm")
    assert all("values" not in t for t in doc["tensors"].values())
    assert all("values" not in p for p in doc["parameters"])
    assert doc["tensors"]["c_n"]["shape"] == [1, 3, 2]


def test_explicit_vocabulary_order() -> None:
    doc = invoke_json(*WORDS, "--vocab", "olhe")
    assert doc["vocabulary"] == ["o", "l", "h", "e"]
    assert doc["tensors"]["input"]["values"][0][0] == [0, 0, 1, 0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([*WORDS, "--vocab", "hel"], "token 'o' of word 0 is not in --vocab"),
        ([*WORDS, "--vocab", "helol"], "--vocab lists token 'l' twice"),
        (["hello", ""], "word 1 is empty"),
        ([*WORDS, "--hidden", "0"], "--hidden must be at least 1"),
        ([], "no words"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    assert_refused(invoke(*args), needle)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["hello", "--bogus"], "No such option: --bogus"),
        (["hello", "--hidden", "two"], "'two' is not a valid int"),
        (["hello", "--hidden"], "Option '--hidden' requires an argument"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], needle: str) -> None:
    assert_refused(invoke(*args), needle)


@pytest.mark.process
def test_usage_errors_through_the_console_script() -> None:
    proc = run_process("hello", "--bogus")
    assert proc.returncode == 2
    assert proc.stderr == b"rnn-shapes: error: No such option: --bogus (see rnn-shapes --help)\n"
    assert proc.stdout == b""


def test_tables_without_a_terminal_have_no_ansi_codes() -> None:
    result = invoke(*WORDS)
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b" not in out
    for needle in (
        "torch.nn.RNN(input_size=4, hidden_size=2, batch_first=True)",
        "h_n",
        "(1, 3, 2)",
        "batch is axis 1 whatever batch_first says",
        "layer*direction=1 × batch=3 × hidden=2",
    ):
        assert needle in out


def test_json_is_alone_on_stdout_and_strict() -> None:
    result = invoke(*WORDS, "--json")
    assert result.stderr == ""
    doc = strict_loads(result.stdout)
    assert result.stdout.count("\n") == 1
    assert np.allclose(batch_major(doc, "output"), expected(doc)["output"], atol=1e-5)
