"""One expression language for --module, --set and --expr: what people paste is read as they
wrote it (conditionals, calls, true division, dotted config names, a class held in a name),
never run; an unbound name lists them all; a refusal says where, and how to go on."""

from __future__ import annotations

import time
from typing import Any

import pytest
import torch
from conftest import assert_refused, invoke, invoke_json
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_cli.core.bindings import Bindings, parse_bindings
from rnn_cli.core.errors import BadInput
from rnn_cli.core.module_text import parse_module

SIZES = ("--batch-size", "2", "--seq-len", "3")


def _shapes(*args: str) -> dict[str, list[int]]:
    doc = invoke_json(*args, *SIZES)
    return {name: tensor["shape"] for name, tensor in doc["tensors"].items() if name in ("output", "h_n", "c_n")}


def _torch_shapes(module: torch.nn.RNNBase, input_shape: list[int]) -> dict[str, list[int]]:
    output, state = module(torch.zeros(input_shape, dtype=next(module.parameters()).dtype))
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    found = {"output": list(output.shape), "h_n": list(h_n.shape)}
    if c_n is not None:
        found["c_n"] = list(c_n.shape)
    return found


# -- constructors in the forms projects write them ------------------------------------------------

#: Each: the text as a project might write it, its --set names, and the module torch builds
#: (written out by the test, from the same numbers).
FORMS: list[tuple[str, list[str], Any]] = [
    (
        "self.gru = nn.GRU(units, units, depth, dropout=(0 if depth == 1 else p), bidirectional=True)",
        ["units=6", "depth=2", "p=0.25"],
        lambda: torch.nn.GRU(6, 6, 2, dropout=0.25, bidirectional=True),
    ),
    (
        "self.gru = nn.GRU(units, units, depth, dropout=(0 if depth == 1 else p))",
        ["units=6", "depth=1", "p=0.25"],
        lambda: torch.nn.GRU(6, 6, 1, dropout=0),
    ),
    (
        "self.lstm = nn.LSTM(cfg.emb, int(cfg.emb / 2), 1, batch_first=True, bidirectional=True)",
        ["cfg.emb=10"],
        lambda: torch.nn.LSTM(10, 5, 1, batch_first=True, bidirectional=True),
    ),
    (
        "self.rnn = rnn_kind(input_size=cfg['width'], hidden_size=size // 2, bidirectional=both)",
        ["rnn_kind=nn.LSTM", 'cfg["width"]=7', "size=8", "both=True"],
        lambda: torch.nn.LSTM(input_size=7, hidden_size=4, bidirectional=True),
    ),
    (
        "self.rnn = getattr(nn, kind)(input_size=n_in, hidden_size=n_out, num_layers=layers, dropout=drop)",
        ["kind=GRU", "n_in=3", "n_out=4", "layers=2", "drop=0.1"],
        lambda: torch.nn.GRU(input_size=3, hidden_size=4, num_layers=2, dropout=0.1),
    ),
    (
        "enc = getattr(nn, kind.upper_name)(n_in, max(n_out, 2), round(layers * 1.5))",
        ["kind.upper_name='RNN'", "n_in=3", "n_out=1", "layers=2"],
        lambda: torch.nn.RNN(3, 2, 3),
    ),
    (
        "self.rnn = LSTM(\n    input_size=a.b.c,\n    hidden_size=abs(-h) ** 2,\n"
        "    dropout=args.p if a.b.c > 2 else 0.,\n    num_layers=2,\n)",
        ["a.b.c=3", "h=2", "args.p=0.5"],
        lambda: torch.nn.LSTM(input_size=3, hidden_size=4, dropout=0.5, num_layers=2),
    ),
    (
        "rnn = torch.nn.RNN(sizes[0], sizes[1] + len(sizes), nonlinearity=act, dtype=torch.float64)",
        ["sizes=[4, 3]", "act='relu'"],
        lambda: torch.nn.RNN(4, 5, nonlinearity="relu", dtype=torch.float64),
    ),
]


@pytest.mark.parametrize(("text", "sets", "build"), FORMS, ids=[f"form{k}" for k in range(len(FORMS))])
def test_constructors_as_written_give_torchs_shapes(text: str, sets: list[str], build: Any) -> None:
    args = ["--module", text, *(arg for item in sets for arg in ("--set", item))]
    doc = invoke_json(*args, *SIZES)
    module = build()
    assert {k: doc["tensors"][k]["shape"] for k in _torch_shapes(module, doc["tensors"]["input"]["shape"])} == (
        _torch_shapes(module, doc["tensors"]["input"]["shape"])
    )
    assert doc["parameter_count"] == sum(p.numel() for p in module.parameters())
    assert doc["given"]["module_text"] == text


def test_every_unbound_name_is_listed_at_once_with_the_set_to_write() -> None:
    text = "self.rnn = kind(input_size=hp.width, hidden_size=cfg['units'], dropout=(0 if depth == 1 else p))"
    result = invoke("--module", text, "--set", "p=0.5", *SIZES)
    assert_refused(
        result,
        "--module: these names are not bound: kind (column 12), hp.width (column 28), cfg.units (column 50), "
        "depth (column 78); give each a value: --set kind=nn.LSTM --set hp.width=VALUE --set cfg.units=VALUE "
        "--set depth=VALUE",
    )


def test_a_constructor_of_several_lines_is_refused_at_its_line_and_column() -> None:
    text = "nn.LSTM(\n    4,\n    hidden,\n    num_layers=[2][5],\n)"
    assert_refused(invoke("--module", text, "--set", "hidden=3", *SIZES), "--module: line 4, column 16: index 5")
    text = "\n  nn.GRU(4,\n         open('x'))"
    assert_refused(invoke("--module", text, *SIZES), "--module: line 3, column 10: open(...) is not a call here")


@pytest.mark.parametrize(
    ("sets", "needle"),
    [
        (["kind='LSTM'"], "not kind (kind is 'LSTM'): bind the class, --set kind=nn.LSTM"),
        (["kind=3"], "--module takes nn.RNN, nn.LSTM or nn.GRU, not kind (kind is 3)"),
        (["kind=nn.Linear"], "--set kind: column 4: nn.Linear is not read here: nn gives nn.RNN, nn.LSTM, nn.GRU"),
    ],
)
def test_a_class_held_in_a_name_must_be_a_recurrent_class(sets: list[str], needle: str) -> None:
    args = [arg for item in sets for arg in ("--set", item)]
    assert_refused(invoke("--module", "kind(4, 3)", *args, *SIZES), needle)


def test_set_values_are_the_same_language_in_any_order() -> None:
    bound = parse_bindings(["half=full // 2", "full=units * 2", "units=8", "cls=torch.nn.GRU", "cfg.d=[1, 2]"])
    assert bound.by_name() == {"half": 8, "full": 16, "units": 8, "cls": "nn.GRU", "cfg.d": [1, 2]}
    with pytest.raises(BadInput, match=r"--set a: its value uses itself \(a -> b -> a\)"):
        parse_bindings(["a=b + 1", "b=a"])
    with pytest.raises(BadInput, match="quote a string, --set act='relu'"):
        parse_bindings(["act=relu"])
    settings_ = parse_module("nn.RNN(a, b)", parse_bindings(["a=3", "b=a + 1"]))
    assert (settings_["input_size"], settings_["hidden_size"]) == (3, 4)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("nn.GRU(2 ** 2 ** 40, 3)", "is larger than 1,099,511,627,776"),
        ("nn.GRU(4, 3, dropout=1e308 * 10)", "is not a finite number"),
        ("nn.GRU(4, 3, dropout=1 / 0)", "division by zero"),
        ("nn.GRU(4, len('x' + 'y' * 9))", "arithmetic takes numbers, not 'y'"),
        ("nn.GRU(4, len([0] * 10 ** 9))", "arithmetic takes numbers, not [0]"),
        ("nn.GRU(4, 3, bias=(1).__class__)", "__class__: attributes beginning with _ are never touched"),
        ("nn.GRU(4, 3, bias=__builtins__)", "__builtins__: names beginning with _ are never touched"),
        ("nn.GRU(4, [x for x in 'ab'])", "a comprehension is not read here"),
        ("nn.GRU(4, f'{3}')", "an f-string is not read here"),
        ("nn.GRU(4, (y := 3))", "an assignment is not read here"),
        ("nn.GRU(4, eval('3'))", "eval(...) is not a call here"),
        ("nn.GRU(4, getattr(torch, 'load'))", "torch has no load"),
        ("nn.GRU(4, 3) if True else 0", "write the constructor as a call"),
        ("nn.GRU(" + "+".join(["1"] * 500) + ", 3)", "nested too deeply"),
        ("nn.GRU(" + "(" * 300 + "1" + ")" * 300 + ", 3)", "--module: not a Python call"),
        ("import os; nn.GRU(4, 3)", "write one constructor"),
    ],
)
def test_hostile_text_is_refused_quickly_and_nothing_runs(text: str, needle: str) -> None:
    started = time.monotonic()
    assert_refused(invoke("--module", text, *SIZES), needle)
    assert time.monotonic() - started < 5  # a refusal, not a computation (generous: a loaded machine)


def test_a_refusal_says_how_to_go_on() -> None:
    for text in ("nn.GRU(4, 3, dropout=lambda: 0)", "nn.GRU(4, 3, **opts)", "nn.GRU(4, 2.5)", "nn.GRU(*dims)"):
        result = invoke("--module", text, *SIZES)
        assert_refused(result)
        assert any(hint in result.stderr for hint in ("--set", "write", "int(...)")), result.stderr


def test_methods_chained_after_the_constructor_are_read() -> None:
    assert "dtype" not in parse_module("nn.GRU(4, 3).to(device).train()", parse_bindings(["device='cuda'"]))
    assert parse_module("nn.GRU(4, 3).double().cuda()")["dtype"] == "float64"
    assert parse_module("nn.GRU(4, 3).to(torch.float64)")["dtype"] == "float64"


def test_the_class_may_be_written_every_way_torch_code_writes_it() -> None:
    for cls in ("nn.LSTM", "torch.nn.LSTM", "LSTM", "getattr(nn, 'LSTM')", "getattr(torch.nn, kind)"):
        assert parse_module(f"{cls}(4, 3)", parse_bindings(["kind='LSTM'"]))["cell"] == "lstm"
    assert parse_module("kind(4, 3)", parse_bindings(["kind=GRU"]))["cell"] == "gru"


def test_dotted_set_names_reach_the_json_and_the_code_as_written() -> None:
    doc = invoke_json("--module", "nn.GRU(hp.n, hp['m'])", "--set", "hp.n=2 * 2", "--set", "hp.m=3", *SIZES)
    assert doc["given"]["names"] == {"hp.n": 4, "hp.m": 3}
    code = invoke("--module", "nn.GRU(hp.n, hp['m'])", "--set", "hp.n=2 * 2", "--set", "hp.m=3", *SIZES, "--code")
    assert "# with --set hp.n=2 * 2 --set hp.m=3" in code.stdout


@settings(max_examples=40, deadline=None)
@given(
    left=st.integers(-(10**6), 10**6),
    right=st.integers(-(10**6), 10**6).filter(lambda x: x != 0),
    op=st.sampled_from(["+", "-", "*", "//", "%", "/"]),
)
def test_arithmetic_is_pythons_within_its_bounds(left: int, right: int, op: str) -> None:
    bound = parse_bindings([f"x=({left}) {op} ({right})"])
    expected = {"+": left + right, "-": left - right, "*": left * right, "//": left // right}.get(op)
    if op == "%":
        expected = left % right
    if op == "/":
        assert bound.by_name()["x"] == pytest.approx(left / right)
    else:
        assert bound.by_name()["x"] == expected


def test_bindings_from_python_are_empty_by_default() -> None:
    assert Bindings().by_name() == {}
