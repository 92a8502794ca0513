"""Every recurrent layout: shapes follow PyTorch's formulas, values follow the equations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import invoke, invoke_json
from numpy_reference import batch_major, max_abs_diff

WORDS = ("hello", "hi", "abc", "eolll")
LENGTHS = [5, 2, 3, 5]
H = 3


def _matrix() -> list[tuple[str, int, bool, int, str, bool]]:
    cases = []
    for cell, layers, bi, padding, seq_first in itertools.product(
        ("rnn", "gru", "lstm"), (1, 2, 3), (False, True), ("packed", "zeros"), (False, True)
    ):
        cases.append((cell, layers, bi, 0, padding, seq_first))
        if cell == "lstm":
            cases.append((cell, layers, bi, 2, padding, seq_first))
    return cases


@pytest.mark.parametrize(("cell", "layers", "bi", "proj", "padding", "seq_first"), _matrix())
def test_shapes_and_values_for_every_layout(
    cell: str, layers: int, bi: bool, proj: int, padding: str, seq_first: bool
) -> None:
    args = [*WORDS, "--hidden", str(H), "--cell", cell, "--layers", str(layers), "--padding", padding]
    args += ["--bidirectional"] * bi + ["--seq-first"] * seq_first
    args += ["--proj-size", str(proj)] if proj else []
    doc = invoke_json(*args)
    n, length, d, h_out = len(WORDS), max(LENGTHS), 2 if bi else 1, proj or H
    batch_then_seq = [length, n] if seq_first else [n, length]
    t = doc["tensors"]
    assert t["input"]["shape"] == [*batch_then_seq, len(doc["vocabulary"])]
    assert t["output"]["shape"] == [*batch_then_seq, d * h_out]
    assert t["h_n"]["shape"] == [d * layers, n, h_out]
    assert ("c_n" in t) == (cell == "lstm")
    if cell == "lstm":
        assert t["c_n"]["shape"] == [d * layers, n, H]
    assert doc["lengths"] == LENGTHS
    assert doc["config"]["padding"] == padding and doc["config"]["proj_size"] == proj
    assert max_abs_diff(doc) <= 1e-5
    assert doc["verification"]["ok"] and doc["verification"]["max_abs_diff"] <= 1e-5
    assert all(i["holds"] for i in doc["identities"])
    assert [i["direction"] for i in doc["identities"]] == ["forward", "backward"][:d]
    assert all(i["failing_words"] == [] for i in doc["identities"])
    assert doc["identities"][0]["output_steps"] == doc["last_step"]
    out = batch_major(doc, "output")
    if padding == "packed":
        assert doc["batch_sizes"] == [4, 4, 3, 2, 2]
        assert doc["last_step"] == [k - 1 for k in LENGTHS]
        for w, k in enumerate(LENGTHS):
            assert (out[w, k:] == 0).all()  # padded steps are exactly zero
    else:
        assert doc["batch_sizes"] is None and doc["last_step"] == [4] * n
    # the identities, recomputed here rather than trusted
    h_n = np.array(t["h_n"]["values"])
    top = (layers - 1) * d
    for w, last in enumerate(doc["last_step"]):
        assert np.array_equal(out[w, last, :h_out], h_n[top, w])
        if bi:
            assert np.array_equal(out[w, 0, h_out:], h_n[top + 1, w])


def test_h_n_rows_are_layer_major() -> None:
    doc = invoke_json("ab", "--layers", "2", "--bidirectional")
    rows = [(r["layer"], r["direction"]) for r in doc["h_n_rows"]]
    assert rows == [(0, "forward"), (0, "backward"), (1, "forward"), (1, "backward")]


def test_lstm_parameters_use_the_docs_symbols() -> None:
    doc = invoke_json("hello", "--cell", "lstm", "--hidden", "4", "--proj-size", "2", "--layers", "2")
    by_name = {p["name"]: p for p in doc["parameters"]}
    assert by_name["weight_ih_l0"]["symbols"] == ["4*H_cell", "H_in"]
    assert by_name["weight_ih_l0"]["shape"] == [16, 4]
    assert by_name["weight_hr_l0"]["symbols"] == ["H_out", "H_cell"]
    assert by_name["weight_hr_l0"]["shape"] == [2, 4]
    assert by_name["weight_ih_l1"]["shape"] == [16, 2]
    assert doc["parameter_count"] == sum(p["numel"] for p in doc["parameters"])
    assert doc["parameter_bytes"] == 4 * doc["parameter_count"]


def test_relu_no_bias_float64() -> None:
    doc = invoke_json("hello", "hi", "--nonlinearity", "relu", "--no-bias", "--dtype", "float64")
    assert doc["config"]["nonlinearity"] == "relu" and doc["config"]["bias"] is False
    assert [p["name"] for p in doc["parameters"]] == ["weight_ih_l0", "weight_hh_l0"]
    assert max_abs_diff(doc) <= 1e-12
    assert doc["parameter_bytes"] == 8 * doc["parameter_count"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--cell", "lstm", "--nonlinearity", "relu"], "--nonlinearity applies to --cell rnn only"),
        (["--cell", "gru", "--proj-size", "1"], "--proj-size applies to --cell lstm only"),
        (
            ["--cell", "lstm", "--hidden", "2", "--proj-size", "2"],
            "--proj-size must be smaller than --hidden",
        ),
        (["--cell", "cnn"], "Invalid value for '--cell': 'cnn' is not one of 'rnn', 'lstm', 'gru'"),
        (["--layers", "0"], "--layers must be at least 1"),
        (["--padding", "left"], "Invalid value for '--padding': 'left' is not one of 'auto', 'packed', 'zeros'"),
        (["--nonlinearity", "sigmoid"], "Invalid value for '--nonlinearity': 'sigmoid' is not one of 'tanh', 'relu'"),
        (["--dtype", "float16"], "Invalid value for '--dtype': 'float16' is not one of 'float32', 'float64'"),
    ],
)
def test_options_torch_would_reject_are_refused_up_front(args: list[str], needle: str) -> None:
    result = invoke("hello", *args)
    assert result.exit_code == 2
    assert needle in result.stderr and result.stderr.count("\n") == 1


def test_cuda_asked_for_and_absent_is_a_runtime_failure() -> None:
    import torch

    result = invoke("hello", "--device", "cuda")
    if torch.cuda.is_available():  # a machine with a GPU runs it there instead
        assert result.exit_code == 0 and '"device":"cuda"' in invoke("hello", "--device", "cuda", "--json").stdout
    else:
        assert result.exit_code == 1
        assert "CUDA is not available" in result.stderr


def test_auto_device_falls_back_to_cpu() -> None:
    import torch

    doc = invoke_json("hello", "--device", "auto")
    assert doc["config"]["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
