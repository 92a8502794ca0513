"""Your code as written: constructors with --set names, checkpoints, your own tensors, your own
expressions; nothing you give is ever run."""

from __future__ import annotations

import json
import os
import pickle
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy
import pytest
import torch
from conftest import assert_refused, assert_valid, invoke, invoke_json, strict_loads
from test_explain import ONLY_TORCH

from rnn_cli import BadInput, explore

# -- constructors as pasted ------------------------------------------------------------------------

#: Six public models' constructors, as their code writes them, with names for their sizes.
CONSTRUCTORS: list[tuple[str, dict[str, Any]]] = [
    # a seq2seq GRU encoder and its decoder
    ("self.rnn = nn.GRU(emb_dim, enc_hid_dim, bidirectional = True)", {"emb_dim": 6, "enc_hid_dim": 5}),
    ("self.rnn = nn.GRU((enc_hid_dim * 2) + emb_dim, dec_hid_dim)", {"emb_dim": 6, "enc_hid_dim": 5, "dec_hid_dim": 4}),
    # a packed bidirectional LSTM sentiment classifier
    (
        "self.rnn = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers, bidirectional=bidirectional, "
        "dropout=dropout, batch_first=True)",
        {"embedding_dim": 5, "hidden_dim": 4, "n_layers": 2, "bidirectional": True, "dropout": 0.5},
    ),
    # a word language model
    (
        "self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)",
        {"ninp": 5, "nhid": 3, "nlayers": 2, "nonlinearity": "relu", "dropout": 0.2},
    ),
    # a char-RNN tutorial
    ("self.rnn = nn.RNN(input_size, hidden_size)", {"input_size": 7, "hidden_size": 3}),
    # a CRNN OCR model's bidirectional LSTM
    ("self.rnn = nn.LSTM(nIn, nHidden, bidirectional=True)", {"nIn": 4, "nHidden": 3}),
    # a time-series regressor
    (
        "self.lstm = nn.LSTM(input_dim, hidden_dim, layer_dim, batch_first=True)",
        {"input_dim": 3, "hidden_dim": 4, "layer_dim": 2},
    ),
]


def _sets(names: dict[str, Any]) -> list[str]:
    return [arg for name, value in names.items() for arg in ("--set", f"{name}={value!r}")]


@pytest.mark.parametrize(
    ("text", "names"), CONSTRUCTORS, ids=[t.split("(")[0] + str(i) for i, (t, _) in enumerate(CONSTRUCTORS)]
)
def test_real_constructors_as_pasted_give_torchs_shapes(text: str, names: dict[str, Any]) -> None:
    doc = invoke_json("--module", text, *_sets(names), "--batch-size", "2", "--seq-len", "3")
    # the test's own constant text, run by the test to build torch's module: never the tool's input
    namespace: dict[str, Any] = {"nn": torch.nn, **names}
    module = eval(text.split("=", 1)[1], namespace)
    output, state = module(torch.zeros(doc["tensors"]["input"]["shape"]))
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    assert doc["tensors"]["output"]["shape"] == list(output.shape)
    assert doc["tensors"]["h_n"]["shape"] == list(h_n.shape)
    if c_n is not None:
        assert doc["tensors"]["c_n"]["shape"] == list(c_n.shape)
    assert doc["parameter_count"] == sum(p.numel() for p in module.parameters())
    assert doc["given"]["module_text"] == text and doc["given"]["names"] == names


def test_an_unbound_name_is_exit_2_naming_it_and_the_set_to_give() -> None:
    text, names = CONSTRUCTORS[1]
    given = _sets({k: v for k, v in names.items() if k != "enc_hid_dim"})
    assert_refused(
        invoke("--module", text, *given, "--batch-size", "2", "--seq-len", "3"),
        "--module: a name is not bound: enc_hid_dim (column 20); give it a value: --set enc_hid_dim=VALUE",
    )


@pytest.mark.parametrize(
    ("module", "needle"),
    [
        ("nn.GRU(10**9**9, 2)", "column 8: 10**9**9 is larger than 1,099,511,627,776"),
        ("nn.GRU(1000000 * 1000000 * 1000000, 2)", "is larger than 1,099,511,627,776"),
        ("nn.GRU(a // 0, 2)", "column 8: a // 0: division by zero"),
        ("nn.GRU(a[0], 2)", "column 8: a cannot be indexed: it is 4"),
        ("nn.GRU((lambda: 3)(), 2)", "column 9: a lambda is not read here"),
        ("nn.GRU(lambda: 3, 2)", "column 8: a lambda is not read here (lambda: 3); give the value itself"),
        ("nn.GRU([a for a in b], 2)", "column 8: a comprehension is not read here"),
        ("nn.GRU(len(print), 2)", "a name is not bound: print (column 12)"),
        ("nn.GRU(print(a), 2)", "column 8: print(...) is not a call here: the calls are int(...)"),
        ("nn.GRU(a + 0.5, 2)", "column 8: input_size must be a whole number, not 4.5: torch takes an int"),
        ("rnn = nn.Linear(a, 2)", "--module takes nn.RNN, nn.LSTM or nn.GRU, not nn.Linear"),
        ("x = 1; nn.GRU(a, 2)", "write one constructor"),
        ("nn.GRU(a, 2).flatten_parameters()", "write the constructor alone, nn.GRU(a, 2): .flatten_parameters(...)"),
        ("nn.GRU(a, 2).half()", ".half() makes a 16-bit module; rnn-shapes runs float32 and float64"),
        ("nn.GRU(a, nn.GRU(a, 2))", "column 11: nn.GRU is built by --module's own call"),
    ],
)
def test_constructor_text_beyond_the_language_is_refused_with_its_column(module: str, needle: str) -> None:
    assert_refused(invoke("--module", module, "--set", "a=4", "--batch-size", "1", "--seq-len", "2"), needle)


def test_a_hostile_set_value_is_exit_2_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for value in (
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        "[1] * 10**9",
        "lambda: 0",
        "relu",
        "1e999",
        "10" * 5000,
    ):
        result = invoke("--module", "nn.GRU(x, 2)", "--set", f"x={value}", "--batch-size", "1", "--seq-len", "2")
        assert_refused(result, "--set x")
    assert_refused(invoke("--module", "nn.GRU(x, 2)", "--set", "__class__=1"), "a name is a Python identifier")
    assert_refused(invoke("--module", "nn.GRU(x, 2)", "--set", "nn=1"), "the language's own name")
    assert not marker.exists()


def test_set_names_in_batch_requests_and_vs() -> None:
    text, names = CONSTRUCTORS[1]
    sets = [f"{k}={v!r}" for k, v in names.items()]
    line = json.dumps({"module": text, "set": sets, "batch-size": 2, "seq-len": 3})
    answer = strict_loads(invoke("--batch", input=line + "\n").stdout)
    assert answer["call"] == "torch.nn.GRU(input_size=16, hidden_size=4)"
    doc = invoke_json(
        "--module", text, *_sets(names), "--batch-size", "2", "--seq-len", "3", "--vs", "--set dec_hid_dim=7"
    )
    assert doc["a"]["call"] == "torch.nn.GRU(input_size=16, hidden_size=4)"
    assert doc["b"]["call"] == "torch.nn.GRU(input_size=16, hidden_size=7)"  # the other names kept


# -- checkpoints -----------------------------------------------------------------------------------


class Classifier(torch.nn.Module):
    """An embedding, a bidirectional 2-layer LSTM and a head: a sentiment classifier's shape."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 6)
        self.lstm: torch.nn.LSTM = torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(10, 3)


@pytest.fixture
def trained(tmp_path: Path) -> tuple[Classifier, Path, torch.Tensor]:
    """A trained-looking model (weights not torch's initial ones), and an embedded batch of it."""
    torch.manual_seed(11)
    model = Classifier()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3).add_(0.1)
    batch = model.embedding(torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 0, 1, 2]])).detach()
    torch.save(batch, tmp_path / "batch.pt")
    return model, tmp_path, batch


def test_a_state_dict_is_found_and_run_with_its_trained_weights(trained: tuple[Classifier, Path, torch.Tensor]) -> None:
    from safetensors.torch import save_file

    model, folder, batch = trained
    torch.save(model.state_dict(), folder / "plain.pt")
    torch.save({"model": model.state_dict(), "epoch": 3}, folder / "wrapped.pt")
    save_file(model.state_dict(), str(folder / "model.safetensors"))
    expected_h_n = model.lstm(batch)[1][0]
    for name, key in (("plain.pt", None), ("wrapped.pt", "model"), ("model.safetensors", None)):
        doc = invoke_json("--checkpoint", str(folder / name), "--input", str(folder / "batch.pt"))
        assert (
            doc["call"]
            == "torch.nn.LSTM(input_size=6, hidden_size=5, num_layers=2, batch_first=True, bidirectional=True)"
        )
        checkpoint = doc["given"]["checkpoint"]
        assert (checkpoint["layer"], checkpoint["key"], checkpoint["prefix"]) == ("lstm", key, "lstm")
        assert checkpoint["layers"] == [
            {"name": "lstm", "call": "torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True)"}
        ]
        h_n = torch.tensor(doc["tensors"]["h_n"]["values"])
        assert torch.allclose(h_n, expected_h_n, atol=1e-6), name
        ours = {p["name"]: torch.tensor(p["values"]) for p in doc["parameters"]}
        assert torch.equal(ours["weight_hh_l1_reverse"], model.state_dict()["lstm.weight_hh_l1_reverse"])
        assert doc["verification"]["ok"]
        finals = {i["expression"]: i["final_state"] for i in doc["idioms"]}
        assert finals["torch.cat((h_n[-2], h_n[-1]), dim=1)"] == [True, True, True]


def test_a_seq2seq_state_dict_lists_both_layers(tmp_path: Path) -> None:
    class Seq2Seq(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.decoder = torch.nn.Module(), torch.nn.Module()
            self.encoder.rnn = torch.nn.GRU(4, 6, bidirectional=True)
            self.decoder.rnn = torch.nn.GRU(6 * 2 + 4, 5)

    path = tmp_path / "s2s.pt"
    torch.save(Seq2Seq().state_dict(), path)
    assert_refused(
        invoke("--checkpoint", str(path), "--batch-size", "2", "--seq-len", "3"),
        "holds 2 recurrent layers: encoder.rnn: torch.nn.GRU(4, 6, bidirectional=True); "
        "decoder.rnn: torch.nn.GRU(16, 5); choose one with --layer NAME",
    )
    doc = invoke_json("--checkpoint", str(path), "--layer", "decoder.rnn", "--batch-size", "2", "--seq-len", "3")
    assert doc["tensors"]["input"]["shape"] == [2, 3, 16] and doc["tensors"]["h_n"]["shape"] == [1, 2, 5]
    assert_refused(invoke("--checkpoint", str(path), "--layer", "decoder.rn"), "(did you mean decoder.rnn?)")
    assert_refused(invoke("hi", "--layer", "decoder.rnn"), "--layer picks a recurrent layer of --checkpoint")


class _Runs:
    """Unpickling this would run ``os.system``: what a hostile checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


class _Writes:
    """Unpickling this would create a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return open, (str(self.marker), "w")


def test_a_file_that_needs_code_to_load_is_refused_and_nothing_in_it_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    torch.save({"lstm.weight_ih_l0": _Runs(marker)}, tmp_path / "system.pt")
    with open(tmp_path / "open.pt", "wb") as handle:
        pickle.dump({"model": _Writes(marker)}, handle)
    torch.save(Classifier(), tmp_path / "whole.pt")  # a whole pickled model
    for name in ("system.pt", "open.pt", "whole.pt"):
        result = invoke("--checkpoint", str(tmp_path / name), "--batch-size", "1", "--seq-len", "2")
        assert_refused(result, "needs code unpickled to load")
        assert "save a state dict alone with torch.save(model.state_dict(), PATH)" in result.stderr
        result = invoke("--input", str(tmp_path / name), "--module", "nn.RNN(4, 2)")
        assert_refused(result, "needs code unpickled to load")
    assert "it asks for" in invoke("--checkpoint", str(tmp_path / "whole.pt")).stderr
    assert not marker.exists()
    (tmp_path / "text.pt").write_text("not a checkpoint")
    assert_refused(invoke("--checkpoint", str(tmp_path / "text.pt")), "is not a file torch.save wrote")
    torch.save({"head.weight": torch.zeros(2, 2)}, tmp_path / "none.pt")
    assert_refused(invoke("--checkpoint", str(tmp_path / "none.pt")), "has no nn.RNN, nn.LSTM or nn.GRU parameters")


def test_options_must_fit_the_checkpoints_weights(trained: tuple[Classifier, Path, torch.Tensor]) -> None:
    model, folder, _ = trained
    torch.save(model.state_dict(), folder / "plain.pt")
    args = ("--checkpoint", str(folder / "plain.pt"), "--batch-size", "1", "--seq-len", "2")
    assert_refused(
        invoke(*args, "--hidden", "4"), "--hidden contradicts --checkpoint's lstm's hidden_size=5: say it once"
    )
    assert_refused(
        invoke(*args, "--module", "nn.LSTM(6, 4)"),
        "--module's hidden_size=4 does not fit --checkpoint's lstm's hidden_size=5",
    )
    doc = invoke_json(*args, "--module", "nn.LSTM(6, 5, 2, bidirectional=True)")  # batch_first from the text
    assert doc["config"]["batch_first"] is False and doc["tensors"]["input"]["shape"] == [2, 1, 6]


# -- your own tensors ------------------------------------------------------------------------------


def _seed_batch() -> torch.Tensor:
    """The seed's (3, 5, 4) one-hot batch of hello, eolll, lleel."""
    vocabulary = "helo"
    batch = torch.zeros(3, 5, 4)
    for w, word in enumerate(("hello", "eolll", "lleel")):
        for t, token in enumerate(word):
            batch[w, t, vocabulary.index(token)] = 1
    return batch


def test_the_seeds_batch_to_a_module_without_batch_first_is_read_as_seq_by_batch(tmp_path: Path) -> None:
    torch.save(_seed_batch(), tmp_path / "seed.pt")
    numpy.save(tmp_path / "seed.npy", _seed_batch().numpy())
    for name in ("seed.pt", "seed.npy"):
        doc = invoke_json("--input", str(tmp_path / name), "--module", "torch.nn.RNN(4, 2)")
        t = doc["tensors"]
        assert t["output"]["shape"] == [3, 5, 2] and t["h_n"]["shape"] == [1, 5, 2]
        assert t["input"]["axes"] == ["seq", "batch", "input"] and doc["source"] == "given tensor"
        assert "yours, read as seq=3 × batch=5" in t["input"]["note"]
        assert "batch_first=True would read it as batch=3 × seq=5" in t["input"]["note"]
        assert t["input"]["values"] == _seed_batch().tolist()  # as given
        assert doc["words"] == ["#0", "#1", "#2", "#3", "#4"]  # five rows: the steps read as a batch
    text = invoke("--input", str(tmp_path / "seed.pt"), "--module", "torch.nn.RNN(4, 2)").stdout
    assert "input: yours," in text and "seed.pt, float32 (3, 5, 4) as given" in text
    doc = invoke_json("--input", str(tmp_path / "seed.pt"), "--module", "torch.nn.RNN(4, 2)", "--lengths", "3,2,1,3,3")
    assert doc["config"]["padding"] == "packed" and doc["lengths"] == [3, 2, 1, 3, 3]
    assert_refused(
        invoke("--input", str(tmp_path / "seed.pt"), "--module", "nn.RNN(4, 2)", "--lengths", "3,3"),
        "--lengths gives 2 lengths",
    )
    assert_refused(
        invoke("--input", str(tmp_path / "seed.pt"), "--module", "nn.RNN(3, 2)"),
        "input.size(-1) must be equal to input_size",
    )
    assert_refused(invoke("hi", "--input", str(tmp_path / "seed.pt")), "--input is the batch")


def test_your_initial_state_as_given_and_torchs_error_with_the_fix(tmp_path: Path) -> None:
    torch.save(_seed_batch(), tmp_path / "seed.pt")
    h_0, c_0 = torch.randn(1, 3, 2), torch.randn(1, 3, 2)
    torch.save(h_0, tmp_path / "h0.pt")
    torch.save(c_0, tmp_path / "c0.pt")
    torch.save(h_0.transpose(0, 1).contiguous(), tmp_path / "h0_batch_first.pt")
    batch = ("--input", str(tmp_path / "seed.pt"), "--module", "nn.LSTM(4, 2, batch_first=True)")
    doc = invoke_json(*batch, "--h0", str(tmp_path / "h0.pt"), "--c0", str(tmp_path / "c0.pt"))
    assert doc["config"]["initial_state"] == "given" and doc["verification"]["ok"]
    assert torch.equal(torch.tensor(doc["tensors"]["h_0"]["values"]), h_0)
    module = torch.nn.LSTM(4, 2, batch_first=True)
    module.load_state_dict({p["name"]: torch.tensor(p["values"]) for p in doc["parameters"]})
    assert torch.allclose(
        torch.tensor(doc["tensors"]["c_n"]["values"]), module(_seed_batch(), (h_0, c_0))[1][1], atol=1e-6
    )
    assert_refused(
        invoke(*batch, "--h0", str(tmp_path / "h0_batch_first.pt"), "--c0", str(tmp_path / "c0.pt")),
        "torch: Expected hidden[0] size (1, 3, 2), got [3, 1, 2]; the fix: h_0 is (D*num_layers, N, H_out) = (1, 3, 2)",
    )
    assert_refused(invoke(*batch, "--h0", str(tmp_path / "h0.pt")), "an LSTM starts from (h_0, c_0): give c_0 too")
    assert_refused(invoke("hello", "--h0", "zerox"), "--h0 takes default, zeros, random or a file")
    assert invoke_json("hello", "--h0", "zeros")["config"]["initial_state"] == "zeros"  # the choices still work
    words = invoke("hello", "eolll", "lleel", "--cell", "gru", "--h0", str(tmp_path / "h0_batch_first.pt"))
    assert_refused(words, "torch: Expected hidden size (1, 3, 2), got [3, 1, 2]")


def test_your_tensors_from_python() -> None:
    module = torch.nn.LSTM(4, 3, num_layers=2)
    batch, h_0, c_0 = torch.randn(5, 2, 4), torch.randn(2, 2, 3), torch.randn(2, 2, 3)
    result = explore(input=batch, module=module, initial_state=(h_0, c_0), lengths=[5, 2])
    assert result.source == "given tensor" and result.config.padding == "packed"
    assert torch.equal(result.tensors["h_0"].values, h_0)
    assert result.verification is not None and result.verification.ok
    with pytest.raises(BadInput, match=r"Expected hidden\[0\] size \(2, 2, 3\), got \[2, 3, 3\]"):
        explore(input=batch, module=module, initial_state=(torch.zeros(2, 3, 3), c_0))
    with pytest.raises(BadInput, match="3 axes"):
        explore(input=torch.zeros(5, 4), module=module)


# -- your own expressions --------------------------------------------------------------------------

BIDIRECTIONAL = ("hello", "hi", "abc", "--bidirectional", "--cell", "gru")


def _user(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["expression"]: i for i in doc["idioms"] if i.get("user")}


def test_your_expressions_get_the_idiom_treatment() -> None:
    doc = invoke_json(
        *BIDIRECTIONAL,
        "--layers",
        "2",
        "--expr",
        "torch.cat([h_n[-1], h_n[-2]], dim=1)",
        "--expr",
        "torch.cat([h_n[-2], h_n[-1]], dim=1)",
        "--expr",
        "h_n[-1]",
        "--expr",
        "torch.cat((h_n[0], h_n[1]), 1)",
        "--expr",
        "output[torch.arange(3), lengths - 1]",
        "--expr",
        "h_n.view(7, 3)",
        "--expr",
        "output.view(T * b, h).shape",
        "--set",
        "T=5",
        "--set",
        "b=3",
        "--set",
        "h=4",
    )
    mine = _user(doc)
    swapped = mine["torch.cat([h_n[-1], h_n[-2]], dim=1)"]
    assert swapped["shape"] == [3, 4] and swapped["final_state"] == [False, False, False]
    assert "same numbers as the final state" in swapped["note"] and "directions swapped" in swapped["note"]
    assert mine["torch.cat([h_n[-2], h_n[-1]], dim=1)"]["final_state"] == [True, True, True]
    assert "backward direction only" in mine["h_n[-1]"]["note"]
    assert "layer 0" in mine["torch.cat((h_n[0], h_n[1]), 1)"]["note"]
    assert "another layer" in mine["torch.cat((h_n[0], h_n[1]), 1)"]["note"]
    picked = mine["output[torch.arange(3), lengths - 1]"]
    assert "[:, :2] is the last layer's forward final state for every word" in picked["note"]
    assert mine["h_n.view(7, 3)"]["error"] == "shape '[7, 3]' is invalid for input of size 24"
    assert mine["output.view(T * b, h).shape"]["note"] == "a size: (15, 4)"
    assert all(not i["user"] for i in doc["idioms"] if i["expression"] not in mine)
    text = invoke(*BIDIRECTIONAL, "--expr", "torch.cat([h_n[-1], h_n[-2]], dim=1)").stdout
    assert "Your expressions, run on these tensors" in text  # on the first screen


@pytest.mark.parametrize(
    ("expression", "needle"),
    [
        ("output.__class__", "column 8: __class__: attributes beginning with _ are never touched"),
        ("h_n.__class__.__bases__[0].__subclasses__()", "attributes beginning with _ are never touched"),
        ("().__class__", "attributes beginning with _"),
        ("__import__('os').system('touch MARKER')", "column 1: __import__(...) is not a call here"),
        ("open('MARKER', 'w')", "open(...) is not a call here"),
        ("eval('1')", "eval(...) is not a call here"),
        ("exec('import os')", "is not a call here"),
        ("os.system('touch MARKER')", "os.system(...) is not a call here"),
        ("torch.save(h_n, 'MARKER')", "torch.save is not one of torch.cat"),
        ("torch.load('MARKER')", "torch.load is not one of"),
        ("torch.nn.functional.relu(h_n)", "torch.nn is not one of"),
        ("torch", "torch is written before one of its functions"),
        ("h_n.numpy()", ".numpy is not read here"),
        ("h_n.data", ".data is not read here"),
        ("h_n.add_(1)", ".add_ is not read here"),
        ("getattr(h_n, 'T')", "getattr(...) is not a call here"),
        ("lambda: h_n", "a lambda is not read here"),
        ("[x for x in output]", "a comprehension is not read here"),
        ("h_n if h_n else h_n", "a tensor is neither true nor false here"),
        ("h_n @ h_n", "the operators are"),
        ("'a' * 10", "arithmetic takes numbers and tensors, not a str"),
        ("h_n.sum(out=h_n)", "sum takes dim, keepdim here, not out="),
        ("torch.cat(*[h_n])", "* unpacking is not read here"),
        ("torch.arange(10**12)", "would make a (1000000000000,) tensor of 7.3 TiB"),
        ("torch.arange(2**62)", "torch cannot size it"),
        ("torch.arange(0, 2**40, 0.5)", "refused before allocating"),
        ("torch.cat([output] * 1000)", "arithmetic takes numbers and tensors, not a list"),
        ("10**10**10", "is larger than"),
        ("-" * 150 + "h_n", "nested too deeply"),
        ("(" * 300 + "h_n" + ")" * 300, "not a Python expression"),
        ("h_n" + ".T" * 450, "too large or nested too deeply"),
        ("h_n" + " " * 1000, "longer than 1000 characters"),
        ("c_n", "c_n is an LSTM's; this run is gru"),
        ("x", "a name is not bound: x (column 1); give it a value: --set x=VALUE (the run's tensors are h_0, h_n"),
        ("n_layer + x", "these names are not bound: n_layer (column 1), x (column 11)"),
        ("", "an expression is needed"),
    ],
)
def test_hostile_expressions_are_refused_and_nothing_is_touched(expression: str, needle: str, tmp_path: Path) -> None:
    marker = tmp_path / "touched"
    result = invoke(*BIDIRECTIONAL, "--expr", expression.replace("MARKER", str(marker)))
    assert_refused(result, needle)
    assert not marker.exists()


def test_expressions_from_python() -> None:
    result = explore(["hello", "hi"], cell="lstm", expressions=["c_n[-1]", "h_n[-1]"])
    mine = [i for i in result.idioms if i.user]
    assert [i.expression for i in mine] == ["c_n[-1]", "h_n[-1]"]
    assert mine[1].final_state == [True, True]
    with pytest.raises(BadInput, match="column 1: open"):
        explore(["hi"], expressions=["open('x')"])


# -- --code ----------------------------------------------------------------------------------------


@pytest.mark.process  # one only-torch process runs the scripts
def test_code_reproduces_a_checkpoint_your_tensors_and_set_names(
    trained: tuple[Classifier, Path, torch.Tensor], capsys: pytest.CaptureFixture[str]
) -> None:
    model, folder, _ = trained
    torch.save({"model": model.state_dict()}, folder / "wrapped.pt")
    torch.save(torch.randn(4, 3, 5), folder / "h0.pt")
    torch.save(torch.randn(4, 3, 5), folder / "c0.pt")
    runs = [
        [
            "--checkpoint",
            str(folder / "wrapped.pt"),
            "--input",
            str(folder / "batch.pt"),
            "--lengths",
            "4,2,3",
            "--h0",
            str(folder / "h0.pt"),
            "--c0",
            str(folder / "c0.pt"),
        ],
        [
            "hello",
            "hi",
            "--module",
            "self.rnn = nn.GRU(vocab, hid * 2, bidirectional=True)",
            "--set",
            "vocab=5",
            "--set",
            "hid=2",
        ],
    ]
    paths = []
    for i, args in enumerate(runs):
        script = invoke(*args, "--code")
        assert script.exit_code == 0, script.stderr
        paths.append(folder / f"repro{i}.py")
        paths[-1].write_text(script.stdout)
        capsys.readouterr()
        doc = invoke_json(*args)
        threads = torch.get_num_threads()
        torch.set_num_threads(doc["cost"]["threads"])  # as the tool ran it: the summation order sets the last bit
        try:
            ns = runpy.run_path(str(paths[-1]))
        finally:
            torch.set_num_threads(threads)
        capsys.readouterr()
        for name, tensor in doc["tensors"].items():
            theirs = ns["input_data" if name == "input" else name]
            assert torch.equal(torch.tensor(tensor["values"], dtype=theirs.dtype), theirs), name
    assert "# with --set vocab=5 --set hid=2" in paths[1].read_text()
    proc = subprocess.run([sys.executable, "-c", ONLY_TORCH, *map(str, paths)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_schema_holds_what_you_bring(trained: tuple[Classifier, Path, torch.Tensor]) -> None:
    model, folder, _ = trained
    torch.save(model.state_dict(), folder / "plain.pt")
    doc = invoke_json(
        "--checkpoint", str(folder / "plain.pt"), "--input", str(folder / "batch.pt"), "--expr", "h_n[-1]"
    )
    assert_valid(doc)
    assert doc["given"]["tensors"] == [
        {"name": "input", "file": str(folder / "batch.pt"), "dtype": "float32", "shape": [3, 4, 6]}
    ]
