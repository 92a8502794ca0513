"""--export: the layer exported with the batch and steps dynamic, every exporter path tried, each
program run against torch; the files it writes loaded in another process, at sizes the tool never
tried, with an initial state of their own."""

from __future__ import annotations

import contextlib
import io
import json
import runpy
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import assert_refused, assert_valid, invoke, prefork_bin, strict_loads

pytestmark = pytest.mark.export

#: Every exported tensor's batch axis, and the steps of input and output, as the layouts name them.
DYNAMIC = {"batch", "seq"}


def export_run(*args: str, status: int = 0) -> dict[str, Any]:
    """The JSON document of a run with --export; the exit status is 1 when no path made a program."""
    result = invoke(*args, "--json")
    assert result.exit_code == status, result.stderr
    doc: dict[str, Any] = strict_loads(result.stdout)
    if status:
        assert result.stderr.startswith("rnn-shapes: error: --export ") and result.stderr.count("\n") == 1
    else:
        assert result.stderr == ""
    return doc


def assert_consistent(export: dict[str, Any]) -> None:
    """What a document says of its paths holds together: the chosen path's axes are the top
    level's, each frozen axis is static where it names it, each check within tolerance."""
    chosen = [a for a in export["attempts"] if a["exporter"] == export["exporter"]]
    assert export["ok"] == bool(chosen)
    if chosen:
        assert export["axes"] == chosen[0]["axes"] and export["checked"] == chosen[0]["checked"]
        assert all(c["ok"] and c["max_abs_diff"] <= 1e-4 for c in export["checked"])
        assert export["checked"][0]["own"] and len(export["checked"]) >= 2
    for frozen in export["frozen"]:
        attempt = next(a for a in export["attempts"] if a["exporter"] == frozen["exporter"])
        for tensor in frozen["tensors"]:
            assert attempt["axes"][tensor][frozen["axis"]] == "static", frozen
        assert frozen["tensors"] or attempt["outcome"] == "failed"
    for attempt in export["attempts"]:
        asked = DYNAMIC if attempt["exporter"] != "torch-export-static-seq" else {"batch"}
        kept = all(state == "dynamic" for axes in attempt["axes"].values() for a, state in axes.items() if a in asked)
        assert (attempt["outcome"] == "dynamic") == (kept and bool(attempt["axes"]) and asked == DYNAMIC), attempt


def test_onnx_of_a_plain_batch_says_which_axis_dynamo_froze() -> None:
    doc = export_run(
        "hello", "eolll", "--bidirectional", "--layers", "2", "--nonlinearity", "relu", "--no-bias", "--h0", "random",
        "--export", "onnx",
    )  # fmt: skip
    export = doc["export"]
    assert_consistent(export)
    dynamo = export["attempts"][0]
    assert dynamo["outcome"] == "frozen"
    assert [(f["exporter"], f["axis"], f["size"]) for f in export["frozen"]] == [("onnx-dynamo", "seq", 5)]
    assert export["frozen"][0]["reason"] and "seq" in export["frozen"][0]["reason"]  # torch.export's own words
    assert all(c["seq"] == 5 for c in dynamo["checked"])  # run where it admits: the frozen length
    assert export["exporter"] == "onnx-torchscript" and not export["state_added"]  # --h0: the run's own state
    assert export["axes"]["h_0"] == {"layer*direction": "static", "batch": "dynamic", "hidden": "static"}


def test_an_lstm_with_projections_has_no_onnx_export_and_says_what_works() -> None:
    doc = export_run(
        "hello", "eolll", "--cell", "lstm", "--hidden", "3", "--proj-size", "2", "--export", "onnx", status=1
    )
    export = doc["export"]
    assert_consistent(export)
    assert not export["ok"] and export["exporter"] is None and export["file"] is None
    assert export["attempts"][1]["outcome"] == "failed" and "projections" in export["attempts"][1]["message"]
    assert export["instead"].startswith("--export torch")


def test_torch_export_keeps_an_lstm_dynamic_under_torchs_while_loop_decompositions() -> None:
    args = ["hello", "eolll", "--cell", "lstm", "--hidden", "3", "--proj-size", "2", "--no-bias", "--seq-first"]
    export = export_run(*args, "--export", "torch")["export"]
    assert_consistent(export)
    assert [a["exporter"] for a in export["attempts"]] == ["torch-export", "torch-export-while-loop"]
    assert export["attempts"][0]["outcome"] == "failed"
    assert [(f["axis"], f["size"]) for f in export["frozen"]] == [("seq", 5)]
    assert "specialized it to be a constant (5)" in export["frozen"][0]["reason"]
    assert export["exporter"] == "torch-export-while-loop"
    assert export["axes"]["output"] == {"seq": "dynamic", "batch": "dynamic", "proj": "static"}
    assert export["axes"]["c_0"] == {"layer*direction": "static", "batch": "dynamic", "cell": "static"}


def test_torch_export_of_an_rnn_fixes_the_steps_and_checks_at_them() -> None:
    doc = export_run("--module", "nn.RNN(3, 2, batch_first=True)", "--lengths", "4,4", "--export", "torch")
    assert_valid(doc)
    export = doc["export"]
    assert_consistent(export)
    assert [a["exporter"] for a in export["attempts"]] == ["torch-export", "torch-export-static-seq"]
    assert export["exporter"] == "torch-export-static-seq"
    assert export["axes"]["input"] == {"batch": "dynamic", "seq": "static", "input": "static"}
    assert [(c["batch"], c["seq"]) for c in export["checked"]] == [(2, 4), (4, 4), (1, 4)]
    assert "the steps fixed" in export["instead"]


def test_packed_input_has_no_torch_export_and_says_what_works() -> None:
    doc = export_run("hello", "hi", "--cell", "lstm", "--export", "torch", status=1)
    export = doc["export"]
    assert_consistent(export)
    assert all(a["outcome"] == "failed" for a in export["attempts"]) and len(export["attempts"]) == 3
    assert export["instead"].startswith("--export onnx exports the packing")


def test_the_report_has_an_export_section() -> None:
    """An embedding in front: the program starts at the layer's input, the embedded vectors."""
    args = ["--module", "nn.RNN(3, 2, batch_first=True)", "--vocab-size", "5", "--embed", "3", "--lengths", "4,4"]
    result = invoke(*args, "--export", "torch")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "Export: torch.export (saved, loaded back)" in text
    assert "input    batch=any × seq=4 × embed=3 (in)" in text
    assert "failed: You marked seq as dynamic but your code specialized it to be a constant (4)." in text
    assert "h_0 is an input of the program though the run passed none" in text
    assert "the embedding in front is not exported: the program starts at the layer's input" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export-file", "m.onnx"], "--export-file writes what --export makes: give --export onnx"),
        (["--export", "torch", "--export-file", "m.onnx"], "--export torch writes a .pt2 file, not 'm.onnx'"),
        (["--export", "onnx", "--vs", "--seq-first"], "--export exports one run and --vs compares two"),
        (["--export", "onnx", "--batch"], "--export exports one run: give it on the command line"),
    ],
)
def test_what_cannot_be_exported_is_refused(args: list[str], message: str) -> None:
    assert_refused(invoke("hello", *args), message)


@pytest.mark.parametrize(
    ("limit", "message"),
    [(["--max-work", "20M"], "this run and its export are about"), (["--max-memory", "60M"], "this run needs about")],
)
def test_the_export_counts_against_the_runs_budget(limit: list[str], message: str) -> None:
    assert invoke("hello", *limit).exit_code == 0  # the run alone fits
    assert_refused(invoke("hello", *limit, "--export", "onnx"), message)


def test_without_the_extra_onnx_is_refused_naming_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnn_cli.core.exported import request

    monkeypatch.setattr(request, "ONNX_PACKAGES", ("onnx", "onnxruntime_that_is_not_installed"))
    assert_refused(
        invoke("hello", "--export", "onnx"),
        "--export onnx needs onnxruntime_that_is_not_installed: pip install 'rnn-shapes[export]'",
    )
    assert invoke("hello", "--export", "torch", "--max-work", "1G").exit_code == 0  # torch.export needs no extra


def test_onnx_exports_in_one_process_answer_as_in_a_new_one_and_build_torchs_registry_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """explore() exporting again in one process: torch.onnx's registry of ONNX functions (which
    it rebuilds on every dynamo export) is built once, and each answer is a new process's.

    torch.onnx leaves the LSTM and GRU ops' dispatch caches pointing at decompositions it
    registered while it exported: the next export of an LSTM froze the steps of its input too
    and quoted torch's guard, where a new process's says nothing (as the manual shows)."""
    from torch.onnx._internal.exporter import _registration

    from rnn_cli import explore
    from rnn_cli.core.exported import onnx_paths
    from rnn_cli.core.exported.attempts import clear_dispatch_caches, recurrent_ops

    build = vars(_registration.ONNXRegistry)["from_torchlib"]
    built: list[int] = []

    def counted(cls: type, *args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return build.__func__(cls, *args, **kwargs)

    monkeypatch.setattr(_registration.ONNXRegistry, "from_torchlib", classmethod(counted))
    monkeypatch.setattr(onnx_paths, "_REGISTRIES", {})
    clear_dispatch_caches(recurrent_ops())  # as a process that never exported has them
    first = explore(["hello", "eolll"], hidden_size=2, cell="lstm", export="onnx").export
    explore(["hello", "eolll"], hidden_size=3, cell="lstm", export="onnx")
    again = explore(["hello", "eolll"], hidden_size=2, cell="lstm", export="onnx").export
    assert first is not None and again is not None
    assert first.attempts[0].exporter == "onnx-dynamo" and first.attempts[0].checked
    assert [(f.tensors, f.reason) for f in first.frozen] == [(["output"], None)]
    assert first == again and len(built) == 1
    assert vars(_registration.ONNXRegistry)["from_torchlib"].__func__ is counted  # torch's own, put back


# -- the files, in another process ---------------------------------------------------------------


def _trained(folder: Path) -> tuple[Path, Path]:
    """A 2-layer bidirectional batch_first LSTM trained a few steps, and a GRU's state dict under
    a model's prefix: the tool is given only the files."""
    torch.manual_seed(7)
    lstm = torch.nn.LSTM(4, 3, 2, bidirectional=True, batch_first=True)
    optimiser = torch.optim.SGD(lstm.parameters(), lr=0.5)
    for _ in range(5):
        optimiser.zero_grad()
        output, _ = lstm(torch.randn(6, 5, 4))
        output.pow(2).mean().backward()
        optimiser.step()
    torch.save(lstm.state_dict(), folder / "lstm.pt")
    gru = torch.nn.GRU(5, 4)
    torch.save({"model": {f"rnn.{k}": v for k, v in gru.state_dict().items()}}, folder / "gru.pt")
    return folder / "lstm.pt", folder / "gru.pt"


#: Run in another process: each file loaded as its reader would, run at a size the tool never
#: tried with an initial state of its own, against torch's module with the same weights.
LOADER = r"""
import json, sys
import onnxruntime, torch

files = json.loads(sys.argv[1])
found = {}
for name, (state_dict, key, prefix, call, batch_first, path) in files.items():
    module = eval(call, {"torch": torch}).eval()
    weights = torch.load(state_dict, weights_only=True)
    weights = weights[key] if key else weights
    module.load_state_dict({k[len(prefix):]: v for k, v in weights.items()})
    draw = torch.Generator().manual_seed(11)
    batch, steps, lstm = 7, 11, isinstance(module, torch.nn.LSTM)
    shape = (batch, steps, module.input_size) if batch_first else (steps, batch, module.input_size)
    rows = module.num_layers * (2 if module.bidirectional else 1)
    inputs = [torch.randn(shape, generator=draw), torch.randn(rows, batch, module.hidden_size, generator=draw)]
    if lstm:
        inputs.append(torch.randn(rows, batch, module.hidden_size, generator=draw))
    with torch.no_grad():
        output, state = module(inputs[0], tuple(inputs[1:]) if lstm else inputs[1])
    expected = [output, *(state if lstm else (state,))]
    if path.endswith(".onnx"):
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        if len(session.get_inputs()) == len(inputs) + 1:  # a packed run's program: every row full
            inputs.insert(1, torch.full((batch,), steps, dtype=torch.int64))
        feed = {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs)}
        got = [torch.from_numpy(out) for out in session.run(None, feed)]
    else:
        with torch.no_grad():
            got = list(torch.export.load(path).module()(*inputs))
    found[name] = max(float((g - e).abs().max()) for g, e in zip(got, expected, strict=True))
print(json.dumps(found))
"""


def _packed_gru_in_onnx(export: dict[str, Any]) -> None:
    """A seq-first GRU run packed: dynamo=True cannot export the packing here; dynamo=False can,
    with lengths an input of the program and every batch and step axis dynamic."""
    assert export["inputs"] == ["input", "lengths", "h_0"] and export["outputs"] == ["output", "h_n"]
    assert [(a["exporter"], a["outcome"]) for a in export["attempts"]] == [
        ("onnx-dynamo", "failed"),
        ("onnx-torchscript", "dynamic"),
    ]
    assert export["attempts"][0]["message"] and export["exporter"] == "onnx-torchscript"
    assert export["axes"]["input"] == {"seq": "dynamic", "batch": "dynamic", "input": "static"}
    assert export["axes"]["lengths"] == {"batch": "dynamic"}
    assert export["axes"]["h_0"]["batch"] == export["axes"]["h_n"]["batch"] == "dynamic"
    assert export["state_added"] and export["instead"].startswith("torch.onnx.export(dynamo=False")


@pytest.mark.process  # another process loads what was written, as a deployment would
def test_exported_files_load_elsewhere_and_match_torch_at_sizes_never_tried(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    lstm, gru = _trained(tmp_path)
    lstm_call, sizes = (
        "torch.nn.LSTM(4, 3, 2, bidirectional=True, batch_first=True)",
        ["--batch-size", "3", "--seq-len", "4"],
    )
    files: dict[str, list[Any]] = {
        f"lstm {x}": [str(lstm), None, "", lstm_call, True, str(tmp_path / f"lstm.{x}")] for x in ("onnx", "pt2")
    }
    for fmt, suffix in (("onnx", "onnx"), ("torch", "pt2")):  # the file, and the script that made it
        path = str(files[f"lstm {suffix}"][-1])
        code = invoke("--checkpoint", str(lstm), *sizes, "--export", fmt, "--export-file", path, "--code")
        assert code.exit_code == 0, code.stderr
        assert Path(path).stat().st_size > 0
        assert _script_output(tmp_path / f"export_{fmt}.py", code.stdout) <= 1e-4
    # the GRU packed, to ONNX: nothing the exporters write, even from C++, reaches a descriptor
    capfd.readouterr()
    gru_args = ["--checkpoint", str(gru), "--seq-first", "--export-file"]
    _packed_gru_in_onnx(
        export_run(*gru_args, str(tmp_path / "gru.onnx"), "--lengths", "4,2,3", "--export", "onnx")["export"]
    )
    assert capfd.readouterr() == ("", "")
    export = export_run(*gru_args, str(tmp_path / "gru.pt2"), *sizes, "--export", "torch")["export"]
    assert_consistent(export)
    assert export["file"] == str(tmp_path / "gru.pt2") and {(c["batch"], c["seq"]) for c in export["checked"]} == {
        (3, 4),
        (5, 7),
        (1, 2),
    }  # never (7, 11), the loader's
    for suffix in ("onnx", "pt2"):
        files[f"gru {suffix}"] = [
            str(gru),
            "model",
            "rnn.",
            "torch.nn.GRU(5, 4)",
            False,
            str(tmp_path / f"gru.{suffix}"),
        ]
    proc = subprocess.run(  # a process that never exported: forked from one that only imported torch
        [str(prefork_bin() / "python"), "-c", LOADER, json.dumps(files)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.splitlines()[-1])
    assert set(found) == set(files)
    assert all(diff <= 1e-4 for diff in found.values()), found


def _script_output(path: Path, text: str) -> float:
    """What --code's export script prints when it runs: its program's difference from torch at a
    size of its own (it writes the file again, where the tool wrote it)."""
    path.write_text(text)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own, about its exporters: the script's reader sees them
        runpy.run_path(str(path))
    return float(printed.getvalue().split(":")[-1])
