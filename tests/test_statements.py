"""What the report says is true of the reader's own layout: each statement held against torch,
or against the run it describes, at the width a reader has."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import torch
from conftest import assert_valid, invoke, invoke_json, schema_validator

import rnn_cli.core.run
from rnn_cli import BadInput, explore

NARROW: dict[str, str | None] = {"COLUMNS": "80"}


def _idioms(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["expression"]: i for i in doc["idioms"]}


def _text(*args: str, env: dict[str, str | None] | None = None) -> str:
    result = invoke(*args, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _shape(dims: tuple[int, ...] | list[int] | torch.Size) -> str:
    inner = ", ".join(str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def _returns(*named: tuple[str, tuple[int, ...] | torch.Size]) -> list[dict[str, Any]]:
    return [{"name": name, "shape": list(shape)} for name, shape in named]


# -- 1. the vocabulary's order ---------------------------------------------------------------------


@pytest.mark.parametrize("embed", [[], ["--embed", "3"]])
def test_the_vocabulary_title_says_whose_order_it_is(embed: list[str]) -> None:
    given = _text("hello", "--vocab", "olhe", *embed, "--show", "vocabulary")
    assert "(the order --vocab gives)" in given and "first-appearance" not in given
    # the table really is in the order given, not the order the word spells
    rows = [line.split() for line in given.splitlines() if re.match(r" +\d+ ", line)]
    assert [row[1] for row in rows] == ["o", "l", "h", "e"]
    first = _text("hello", *embed, "--show", "vocabulary")
    assert "(first-appearance order)" in first and "--vocab" not in first


def test_random_tokens_claim_no_order_of_appearance() -> None:
    text = _text("--batch-size", "3", "--seq-len", "4", "--vocab-size", "5", "--all", "--values")
    assert "first-appearance" not in text and "--vocab gives" not in text


# -- 2. the parameters table at 80 columns ---------------------------------------------------------

#: The modules whose parameters are tabled; the table is the module's alone, so the batch is small.
MODULES = {
    "lstm": ("--module", "nn.LSTM(300, 512, num_layers=2, batch_first=True)", "--batch-size", "2", "--seq-len", "3"),
    "bidirectional projected": (
        "--module",
        "nn.LSTM(300, 512, num_layers=2, bidirectional=True, proj_size=100, batch_first=True)",
        "--batch-size",
        "4",
        "--seq-len",
        "5",
    ),
    "embedded": ("hello", "hi", "--embed", "300", "--hidden", "512", "--cell", "gru"),
}


@pytest.mark.parametrize("values", [["--values"], ["--no-values"]])
@pytest.mark.parametrize("name", list(MODULES))
def test_the_parameters_table_never_cuts_a_value_at_80_columns(name: str, values: list[str]) -> None:
    args = MODULES[name]
    text = _text(*args, *values, "--show", "parameters", env=NARROW)
    table = text.split("Parameters, in named_parameters() order")[1].split("\n\n")[0]
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines), table
    # an ellipsis only ever follows a whole value, as the "more values" mark of a preview
    assert not re.search(r"\S…", table), table
    doc = invoke_json(*args, "--no-values")
    for p in doc["parameters"]:
        row = next(line for line in lines if line.split() and line.split()[0] == p["name"])
        assert _shape(p["shape"]) in row and f"{p['numel']:,}" in row, (p["name"], table)
        assert _shape(p["symbols"]) in table
    gated = [p for p in doc["parameters"] if p["gates"]]
    if gated:  # each gate's rows, whole, once or per parameter
        rows = gated[0]["shape"][0] // len(gated[0]["gates"])
        last = len(gated[0]["gates"]) - 1
        assert f"{gated[0]['gates'][last]} {last * rows}:{(last + 1) * rows}" in table


def test_the_lstm_parameter_shapes_are_torchs_own() -> None:
    text = _text(*MODULES["lstm"], "--values", "--show", "parameters", env=NARROW)
    module = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True)
    for name, p in module.named_parameters():
        line = next(line for line in text.splitlines() if line.startswith(name + " "))
        assert _shape(p.shape) in line and f"{p.numel():,}" in line
    assert "(2048, 300)" in text and "393,2…" not in text and "(2048, 3…" not in text


# -- 3 and 4. the initial state's calls, and what module calls return ------------------------------


def test_a_wrong_h0_gives_the_padded_inputs_own_error_first() -> None:
    doc = invoke_json("hello", "hi", "--hidden", "2", "--padding", "packed")
    assert doc["config"]["padding"] == "packed"
    bad = _idioms(doc)["rnn(input, torch.zeros(2, 1, 2))"]
    rnn = torch.nn.RNN(5, 2, batch_first=True)
    padded = torch.tensor(doc["tensors"]["input"]["values"])
    with pytest.raises(RuntimeError) as raised:
        rnn(padded, torch.zeros(2, 1, 2))
    assert bad["error"] == str(raised.value).splitlines()[0] == "Expected hidden size (1, 2, 2), got [2, 1, 2]"
    # the packed call's message is the second one, said as the packed call's (packed as the run packs)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        padded, torch.tensor([5, 2]), batch_first=True, enforce_sorted=False
    )
    with pytest.raises(RuntimeError) as inside:
        rnn(packed, torch.zeros(2, 1, 2))
    message = str(inside.value).splitlines()[0]
    assert "INDICES" in message and f"rnn(packed, ...) fails elsewhere in torch: {message}" in bad["note"]
    text = _text("hello", "hi", "--hidden", "2", "--padding", "packed", "--show", "idioms")
    assert "torch: Expected hidden size (1, 2, 2), got [2, 1, 2]" in text
    assert not re.search(r"^ +torch: INDICES", text, flags=re.MULTILINE)  # not the error line


def test_a_wrong_h0_of_a_packed_lstm_is_the_padded_calls_error() -> None:
    doc = invoke_json("hello", "hi", "abc", "--cell", "lstm", "--layers", "2", "--padding", "packed")
    bad = _idioms(doc)["rnn(input, (torch.zeros(3, 2, 2), torch.zeros(3, 2, 2)))"]
    assert bad["error"] == "Expected hidden[0] size (2, 3, 2), got [3, 2, 2]"
    assert bad["shape"] is None and bad["returns"] is None


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("layout", [[], ["--seq-first"]])
def test_module_calls_name_every_tensor_they_return(cell: str, layout: list[str]) -> None:
    doc = invoke_json("hello", "eolll", "lleel", "--cell", cell, *layout)
    tensors = doc["tensors"]
    idioms = _idioms(doc)
    zeros = "torch.zeros(1, 3, 2)"
    good = idioms[f"rnn(input, ({zeros}, {zeros}))" if cell == "lstm" else f"rnn(input, {zeros})"]
    state = [(name, tuple(tensors[name]["shape"])) for name in ("h_n", "c_n") if name in tensors]
    assert good["shape"] is None
    assert good["returns"] == _returns(("output", tuple(tensors["output"]["shape"])), *state)
    # the trap, held against the same call made on torch's own module
    batch_first = not layout
    fed = torch.zeros(tensors["input"]["shape"])
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.RNN)(4, 2, batch_first=not batch_first)
    output, got = module(fed)
    h_n, c_n = got if isinstance(got, tuple) else (got, None)
    named = ("output", output.shape), ("h_n", h_n.shape), *([("c_n", c_n.shape)] if c_n is not None else [])
    built = "batch_first=False" if batch_first else "batch_first=True"
    trap = idioms[f"nn.{'LSTM' if cell == 'lstm' else 'RNN'}(..., {built})(input)  # input {_shape(fed.shape)}"]
    assert trap["shape"] is None and trap["returns"] == _returns(*named)
    text = _text("hello", "eolll", "lleel", "--cell", cell, *layout, "--show", "idioms")
    said = ", ".join(f"{name} {_shape(shape)}" for name, shape in named)
    assert f"returns {said}" in text


def test_returns_is_in_the_published_schema() -> None:
    validator = schema_validator()
    idiom = validator.schema["$defs"]["document"]["properties"]["idioms"]["items"]
    assert "returns" in idiom["properties"]
    doc = invoke_json("hello", "hi", "--cell", "lstm")
    assert_valid(doc)
    wrong = json.loads(json.dumps(doc))
    next(i for i in wrong["idioms"] if i["returns"])["returns"] = [{"name": "output", "shape": "3x5x2"}]
    assert not validator.is_valid(wrong)
    assert all("returns" in i for i in doc["idioms"])  # on every idiom: null for one value


# -- 5. the direction axis of output.view ----------------------------------------------------------


def test_a_one_direction_view_has_no_half() -> None:
    one = _idioms(invoke_json("hello", "hi"))["output.view(2, 5, 1, 2)"]
    assert "half" not in one["note"] and "whole last axis" in one["note"] and "axis of 1" in one["note"]
    two = _idioms(invoke_json("hello", "hi", "--bidirectional"))["output.view(2, 5, 2, 2)"]
    assert "[..., 0, :] forward, [..., 1, :] backward half of the last axis (checked)" in two["note"]


# -- 6. characters only where there are characters ---------------------------------------------------


def test_random_tokens_get_a_next_token_head_not_a_character_one() -> None:
    random = _idioms(invoke_json("--batch-size", "3", "--seq-len", "4", "--vocab-size", "5"))
    head = random["logits = nn.Linear(2, 5)(output)"]["note"]
    assert "next-token head" in head and "random" in head and "character" not in head
    assert "the next random token" in random["nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)"]["note"]
    words = _idioms(invoke_json("hello", "hi", "--tokens", "codepoints"))
    assert "the next-character head" in words["logits = nn.Linear(2, 5)(output)"]["note"]


@pytest.mark.parametrize(
    "sizes",
    [["--vocab-size", "5"], ["--vocab-size", "5", "--embed", "3"], ["--input-size", "3"]],
)
def test_random_input_is_never_called_characters(sizes: list[str]) -> None:
    args = ("--lengths", "4,2,3", *sizes)
    text = _text(*args, "--all", "--values", "--steps")
    assert "character" not in text.lower()
    assert "character" not in json.dumps(invoke_json(*args)["idioms"]).lower()


# -- 7. a large run's trap speaks of the whole batch ------------------------------------------------


@pytest.mark.parametrize("batch_first", [True, False])
def test_a_large_runs_trap_states_the_whole_batchs_shapes(monkeypatch: pytest.MonkeyPatch, batch_first: bool) -> None:
    monkeypatch.setattr(rnn_cli.core.run, "PARALLEL_MULT_ADDS", 1)  # every run counts as large
    lengths = [3] * 4 + [7] * 6  # the first 4 words are shorter than the batch: the sample is not
    result = explore(lengths=lengths, input_size=6, cell="lstm", hidden_size=3, num_layers=2, batch_first=batch_first)
    fed = tuple(result.tensors["input"].shape)
    assert fed == ((10, 7, 6) if batch_first else (7, 10, 6))
    trap = next(i for i in result.idioms if "(input)  # input" in i.expression)
    assert trap.expression.endswith(f"# input {fed}")
    module = torch.nn.LSTM(6, 3, num_layers=2, batch_first=not batch_first)
    output, (h_n, c_n) = module(torch.zeros(fed))  # the whole batch, read the other way
    assert trap.shape is None
    assert trap.returns == (("output", tuple(output.shape)), ("h_n", tuple(h_n.shape)), ("c_n", tuple(c_n.shape)))
    sample = (4, 3, 6) if batch_first else (3, 4, 6)
    assert trap.facts["h_n_shape"] == tuple(h_n.shape) and trap.facts["sample_input_shape"] == sample
    assert f"the module was run on the first 4 of 10 words, input {sample}" in trap.note
    assert "checked on those words" in trap.note
    assert f"h_n comes back {tuple(h_n.shape)}" in trap.note
    words, steps = (fed[0], fed[1]) if batch_first else (fed[1], fed[0])
    assert f"{words} words" in trap.note and f"{steps} steps" in trap.note
    good = next(i for i in result.idioms if i.expression.startswith("rnn(input, (torch.zeros(2, 10, 3)"))
    assert good.returns == (("output", result.tensors["output"].shape), ("h_n", (2, 10, 3)), ("c_n", (2, 10, 3)))


# -- 8. a bad setting's message ----------------------------------------------------------------------


def test_a_tensor_given_as_a_setting_is_named_not_printed() -> None:
    with pytest.raises(BadInput) as refused:  # (initial_state takes a tensor: your own h_0, test_your_code)
        explore(["hi"], hidden_size=torch.zeros(1, 1, 2))
    message = str(refused.value)
    assert message == "hidden_size must be a whole number (got a torch.Tensor of shape (1, 1, 2))"


@pytest.mark.parametrize(
    "setting",
    [
        {"cell": "x" * 5000},
        {"hidden_size": "a\nb" * 1000},
        {"hidden_size": -(10**5000)},
        {"seed": 10**5000},
        {"dropout": [0.5] * 10_000},
        {"padding": torch.zeros(100, 100)},
        {"cell": "lstm", "proj_size": 10**5000},
    ],
)
def test_a_bad_settings_message_is_one_short_line(setting: dict[str, Any]) -> None:
    with pytest.raises(BadInput) as refused:
        explore(["hi"], **setting)
    message = str(refused.value)
    assert "\n" not in message and len(message) < 120, message
    assert "tensor(" not in message


def test_a_short_bad_value_is_still_quoted_whole() -> None:
    with pytest.raises(BadInput, match=r"^cell must be one of rnn, lstm, gru \(got 'gr'\)$"):
        explore(["hi"], cell="gr")
    with pytest.raises(BadInput, match=r"^hidden_size must be at least 1 \(got -3\)$"):
        explore(["hi"], hidden_size=-3)


# -- 9. the cell state's tables ------------------------------------------------------------------------


def test_the_cell_state_tables_say_cell_state() -> None:
    text = _text("hello", "--cell", "lstm", "--h0", "random", "--show", "h_0,c_0,h_n,c_n")
    assert "c_n: final cell state per layer and direction" in text
    assert "c_0: initial cell state per layer and direction" in text
    assert "h_n: final state per layer and direction" in text
    assert "h_0: initial state per layer and direction" in text


# -- 10. --vs at 80 columns -----------------------------------------------------------------------------


def test_how_the_numbers_differ_is_never_broken_at_80_columns() -> None:
    text = _text("hello", "eolll", "lleel", "--vs", "--seed 1", env=NARROW)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    whole = re.findall(r"(\w+): ≠ differ by [0-9.]+ \(hello, eolll, lleel\)$", text, flags=re.MULTILINE)
    assert whole == ["output", "h_n"], text
    assert "input: = equal" in text
    wide = _text("hello", "eolll", "lleel", "--vs", "--seed 1")  # 160 columns: in the table, one line each
    assert len(re.findall(r"≠ differ by [0-9.]+ \(hello, eolll, lleel\)$", wide, flags=re.MULTILINE)) == 2
    assert "Numbers, A against B" not in wide
