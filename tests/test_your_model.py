"""Your model, your sizes: a pasted constructor, real batch sizes, embeddings, initial states,
cost like torchinfo's, and your own module from Python."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from conftest import assert_refused, invoke, invoke_json

from rnn_cli import BadInput, Result, explore

BIG = "nn.LSTM(300, 512, num_layers=2, batch_first=True, bidirectional=True)"


def test_a_practitioners_model_and_batch() -> None:
    doc = invoke_json("--module", BIG, "--batch-size", "64", "--seq-len", "100")
    t = doc["tensors"]
    assert t["output"]["shape"] == [64, 100, 1024]
    assert t["h_n"]["shape"] == t["c_n"]["shape"] == [4, 64, 512]
    assert "values" not in t["output"]  # sizes show values only when asked
    torch.manual_seed(0)
    reference = torch.nn.LSTM(300, 512, num_layers=2, batch_first=True, bidirectional=True)
    assert doc["parameter_count"] == sum(p.numel() for p in reference.parameters()) == doc["cost"]["parameters"]
    assert doc["source"] == "random features" and doc["config"]["input_size"] == 300
    assert doc["verification"]["ok"] and doc["verification"]["words_checked"] == 4  # a very large run


def test_mult_adds_agree_with_torchinfo_within_5_percent() -> None:
    from torchinfo import summary

    cases = [
        (BIG, ["--batch-size", "8", "--seq-len", "20"]),
        ("nn.GRU(10, 16)", ["--batch-size", "3", "--seq-len", "7"]),
        ("nn.RNN(5, 4, 3, 'relu')", ["--batch-size", "2", "--seq-len", "9"]),
        ("nn.LSTM(6, 8, proj_size=3, bias=False)", ["--batch-size", "4", "--seq-len", "5"]),
    ]
    for call, sizes in cases:
        doc = invoke_json("--module", call, *sizes)
        module = eval("torch." + call, {"torch": torch})  # the test's own constructor, not the tool's input
        theirs = summary(module, input_size=tuple(doc["tensors"]["input"]["shape"]), verbose=0).total_mult_adds
        assert abs(doc["cost"]["mult_adds"] - theirs) <= 0.05 * theirs, (call, doc["cost"]["mult_adds"], theirs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nn.LSTM(__import__('os').system('touch /tmp/pwned'), 4)", "__import__: names beginning with _ are never"),
        ("nn.LSTM(4, open('/etc/passwd'))", "open(...) is not a call here"),
        ("nn.LSTM(4, 8, num_layers=len(4))", "len(...): takes a list, tuple, dict or string, not 4"),
        ("nn.Linear(4, 8)", "--module takes nn.RNN, nn.LSTM or nn.GRU, not nn.Linear"),
        ("nn.LSTM(4, 8, hiden_size=3)", "LSTM has no keyword 'hiden_size' (did you mean hidden_size?)"),
        ("nn.LSTM(4, 8", "--module: not a Python call"),
        ("nn.GRU(4, 8, proj_size=2)", "GRU has no proj_size: only LSTM projects"),
        ("nn.LSTM(4, x)", "a name is not bound: x (column 12); give it a value: --set x=VALUE"),
        ("nn.LSTM(4, 8, dtype=torch.int8)", "dtype must be torch.float32 or torch.float64, not torch.int8"),
        ("nn.LSTM(4, 2, proj_size=2)", "--proj-size must be smaller than --hidden"),
        ("nn.LSTM(4, 8, **opts)", "** unpacking is not read here: write the arguments out as name=value"),
        ("import os", "--module: not a Python call"),
    ],
)
def test_module_text_outside_the_language_is_refused(text: str, message: str) -> None:
    assert_refused(invoke("hello", "--module", text), message)


def test_a_module_without_batch_first_is_seq_first_as_in_torch() -> None:
    doc = invoke_json("hello", "eolll", "lleel", "--module", "nn.RNN(4, 2)")
    assert doc["config"]["batch_first"] is False
    assert doc["tensors"]["input"]["shape"] == [5, 3, 4]  # the seed's (3, 5, 4), read as torch reads it


def test_an_option_that_contradicts_the_module_is_refused() -> None:
    assert_refused(invoke("hello", "--module", "nn.GRU(4, 3)", "--hidden", "5"), "--hidden contradicts --module's")
    assert_refused(invoke("hello", "--module", "nn.GRU(4, 3)", "--cell", "lstm"), "--cell contradicts --module's")
    assert invoke("hello", "--module", "nn.GRU(4, 3)", "--hidden", "3").exit_code == 0  # saying the same is fine
    assert_refused(invoke("hello", "--module", "nn.GRU(300, 3)"), "put an embedding in front (--embed 300)")


def test_python_and_the_command_line_refuse_a_contradiction_by_one_check() -> None:
    """One Request merges the settings with the module's, whichever way the module came."""
    with pytest.raises(BadInput, match="hidden_size contradicts module's hidden_size=3: say it once"):
        explore(["hello"], module=torch.nn.GRU(4, 3), hidden_size=5)
    assert explore(["hello"], module=torch.nn.GRU(4, 3), hidden_size=3).config.hidden_size == 3
    said = invoke("hello", "--module", "nn.GRU(4, 3)", "--hidden", "5")
    assert_refused(said, "--hidden contradicts --module's hidden_size=3: say it once")


def test_an_embedding_in_front() -> None:
    doc = invoke_json("hello", "eolll", "lleel", "--embed", "3")
    t = doc["tensors"]
    assert t["input"]["shape"] == [3, 5] and t["input"]["axes"] == ["batch", "seq"]
    assert t["embedded"]["shape"] == [3, 5, 3] and doc["config"]["input_size"] == 3
    assert t["input"]["values"][0] == [0, 1, 2, 2, 3]  # hello as token ids
    weight = next(p for p in doc["parameters"] if p["name"] == "embedding.weight")
    assert weight["shape"] == [5, 3] and weight["values"][4] == [0, 0, 0]  # the padding row
    for w, ids in enumerate(t["input"]["values"]):  # the embedded vectors are the weight's rows
        for s, i in enumerate(ids):
            assert t["embedded"]["values"][w][s] == weight["values"][i]
    padded = invoke_json("hello", "hi", "--embed", "2")["tensors"]
    assert padded["input"]["values"][1] == [0, 4, 5, 5, 5]  # "hi" then the padding id
    assert padded["embedded"]["values"][1][2] == [0, 0]


def test_initial_states_passed_explicitly_start_the_check() -> None:
    doc = invoke_json("hello", "hi", "--cell", "lstm", "--h0", "random", "--bidirectional")
    t = doc["tensors"]
    assert t["h_0"]["shape"] == [2, 2, 2] and t["c_0"]["shape"] == [2, 2, 2]
    assert t["h_0"]["axes"][1] == "batch"
    assert doc["verification"]["ok"]
    zero = invoke_json("hello", "hi", "--cell", "lstm", "--h0", "zeros", "--bidirectional")
    default = invoke_json("hello", "hi", "--cell", "lstm", "--bidirectional")
    assert zero["tensors"]["h_n"]["values"] == default["tensors"]["h_n"]["values"]
    assert doc["tensors"]["h_n"]["values"] != default["tensors"]["h_n"]["values"]


def test_sizes_with_lengths_and_random_tokens() -> None:
    doc = invoke_json("--lengths", "6,3,1", "--vocab-size", "7", "--values")
    t = doc["tensors"]
    assert t["input"]["shape"] == [3, 6, 7] and doc["lengths"] == [6, 3, 1]
    assert doc["packed"]["batch_sizes"] == [3, 2, 2, 1, 1, 1]
    assert doc["words"] == ["#0", "#1", "#2"] and doc["source"] == "random tokens"
    assert all(sum(v) == 1 for v in t["input"]["values"][0])  # one-hot rows
    assert_refused(invoke("hello", "--lengths", "3,2"), "stand in for words")
    assert_refused(invoke("--batch-size", "3"), "sizes need both --batch-size and --seq-len")
    assert_refused(invoke("--batch-size", "3", "--seq-len", "4"), "random features need a width")
    assert_refused(invoke("--lengths", "3,x"), "--lengths takes whole numbers")


def test_cost_is_in_the_tables_and_the_json() -> None:
    cost = invoke_json("hello", "eolll", "lleel")["cost"]
    assert cost["forward_seconds"] is None and cost["timing"] is None  # nothing measured unless asked
    cost = invoke_json("hello", "eolll", "lleel", "--time")["cost"]
    assert cost["parameters"] == 16 and cost["parameter_bytes"] == 64
    assert cost["mult_adds"] == 15 * 16  # 15 tokens, one multiply-add per parameter each, as torchinfo counts
    assert cost["activation_bytes"] == (3 * 5 * 2 + 1 * 3 * 2) * 4
    assert 0 < cost["forward_seconds"] < 1 and cost["threads"] >= 1 and "warm" in cost["timing"]
    table = invoke("hello", "eolll", "lleel", "--show", "cost").stdout
    assert "Cost of one forward pass" in table and "mult-adds" in table and "\nforward " not in table
    assert "\nforward " in invoke("hello", "eolll", "lleel", "--show", "cost", "--time").stdout


def test_your_own_module_from_python() -> None:
    module = torch.nn.GRU(4, 3, batch_first=True)
    result = explore(["hello"], module=module)
    onehot = torch.nn.functional.one_hot(torch.tensor([[0, 1, 2, 2, 3]]), 4).float()
    with torch.no_grad():
        expected, h_n = module(onehot)
    assert torch.equal(result.tensors["output"].values, expected)
    assert torch.equal(result.tensors["h_n"].values, h_n)
    assert result.config.cell == "gru" and result.verification is not None and result.verification.ok
    trained = torch.nn.LSTM(4, 2, dropout=0.3, num_layers=2).train()
    explore(["hello"], module=trained)
    assert trained.training  # given back as it came
    with pytest.raises(BadInput, match="input_size is 6, but the words' vocabulary has 4 tokens"):
        explore(["hello"], module=torch.nn.GRU(6, 3))


def test_api_errors_name_the_keyword_the_caller_used() -> None:
    with pytest.raises(BadInput, match=r"unknown setting 'hidden'; did you mean hidden_size\?"):
        explore(["ab"], hidden=2)
    with pytest.raises(BadInput, match=r"unknown setting 'layers'; did you mean num_layers\?"):
        explore(["ab"], layers=2)
    with pytest.raises(BadInput, match=r"^hidden_size must be at least 1"):
        explore(["ab"], hidden_size=0)


def test_a_result_shows_itself_in_a_notebook_and_a_rich_console() -> None:
    import io

    from rich.console import Console

    result = explore(["hello", "hi"], hidden_size=2)
    assert isinstance(result, Result)
    html = result._repr_html_()
    assert html.startswith('<div class="rnn-shapes-') and "Vocabulary" in html and "<script" not in html
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(result)
    assert "Shapes" in buffer.getvalue() and "verified" in buffer.getvalue()
    assert repr(result).startswith("<rnn-shapes torch.nn.RNN(input_size=5, hidden_size=2, batch_first=True)")


def test_batch_requests_take_sizes_too() -> None:
    requests = [{"module": "nn.GRU(4, 3)", "batch-size": 2, "seq-len": 3}, {"words": ["ab"], "embed": 2}]
    lines: list[dict[str, Any]] = [
        json.loads(line)
        for line in invoke("--batch", input="".join(json.dumps(r) + "\n" for r in requests)).stdout.splitlines()
    ]
    assert lines[0]["tensors"]["output"]["shape"] == [3, 2, 3]  # GRU(4, 3): batch_first=False
    assert lines[1]["tensors"]["embedded"]["shape"] == [1, 2, 2]
