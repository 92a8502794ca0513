"""Show why: verification, --steps, pictures, --code and --vs."""

from __future__ import annotations

import ast
import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import assert_refused, invoke, invoke_json

import rnn_cli.core.reference

WORDS = ("hello", "eolll", "lleel")


def test_a_mismatch_with_the_hand_computed_recurrence_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rnn_cli.core.reference.recurrence

    def off_by_a_little(*args: object, **kwargs: object) -> rnn_cli.core.reference.Reference:
        ref = real(*args, **kwargs)  # type: ignore[arg-type]
        ref.output = ref.output + 1e-3
        return ref

    monkeypatch.setattr(rnn_cli.core.reference, "recurrence", off_by_a_little)
    result = invoke(*WORDS, "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "differs from the hand-computed recurrence by 0.001" in result.stderr


def test_tables_show_the_verification_in_one_line() -> None:
    out = invoke(*WORDS).stdout
    lines = [line for line in out.splitlines() if "verified" in line]
    assert len(lines) == 1 and lines[0].startswith("✓ verified")


def test_steps_name_tanh_and_show_the_numbers() -> None:
    out = invoke("hello", "eolll", "--hidden", "2", "--steps").stdout
    assert "h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)" in out
    assert "h_t = tanh(sum)" in out
    doc = invoke_json("hello", "eolll", "--hidden", "2")
    first_h = doc["tensors"]["output"]["values"][0][0]
    assert f"[{first_h[0]:+.4f}, {first_h[1]:+.4f}]" in out
    assert "word 0: hello (layer 0, forward)" in out and "word 1: eolll (layer 0, forward)" in out


def test_steps_name_relu_and_the_gates() -> None:
    assert "h_t = relu(sum)" in invoke("ab", "--nonlinearity", "relu", "--steps").stdout
    gru = invoke("ab", "--cell", "gru", "--steps").stdout
    assert "r = σ(·)" in gru and "n = tanh(W_in x_t + b_in + r∘(W_hn h_{t-1} + b_hn))" in gru
    steps = gru.split("Step by step")[1].split("showing")[0]
    assert "h_n" not in steps.replace("W_hn", "")  # the candidate is n, not h_n
    lstm = invoke("ab", "--cell", "lstm", "--steps").stdout
    assert "f = σ(·)" in lstm and "c_t = f∘c_{t-1} + i∘g" in lstm


def test_steps_say_how_to_see_more() -> None:
    out = invoke(*WORDS, "--steps").stdout
    assert "showing 2 of 3 words, every layer and direction; --steps-words N for more words" in out
    assert "word 2" not in out
    assert "word 2: lleel" in invoke(*WORDS, "--steps", "--steps-words", "3").stdout


def test_steps_show_every_layer_and_direction_in_the_order_each_runs() -> None:
    out = invoke("hello", "hi", "--layers", "2", "--bidirectional", "--steps", "--steps-words", "1").stdout
    for title in ("layer 0, forward", "layer 0, backward", "layer 1, forward", "layer 1, backward"):
        assert f"word 0: hello ({title}" in out
    backward = out.split("word 0: hello (layer 0, backward, from the last step back to step 0)")[1]
    header = next(line for line in backward.splitlines() if "t=" in line)
    assert header.index("t=4") < header.index("t=0")
    many = invoke("hello", "hi", "--layers", "3", "--bidirectional", "--steps").stdout
    assert "showing 8 of 12 traces of 2 words" in many and "4 more layer and direction traces in --json" in many


def test_steps_with_json_go_into_the_document() -> None:
    doc = invoke_json("hello", "hi", "--steps", "--bidirectional")
    trace = doc["trace"]
    assert {(s["word"], s["direction"]) for s in trace} == {
        (0, "forward"),
        (0, "backward"),
        (1, "forward"),
        (1, "backward"),
    }
    out = np.array(doc["tensors"]["output"]["values"])
    for s in trace:
        half = slice(0, 2) if s["direction"] == "forward" else slice(2, 4)
        assert np.allclose(s["parts"]["h"], out[s["word"], s["step"], half], atol=1e-6)
        assert s["token"] == doc["tokens"][s["word"]][s["step"]]
        assert np.allclose(np.tanh(np.array(s["parts"]["ih"]) + s["parts"]["hh"]), s["parts"]["h"])
    assert invoke_json("hello")["trace"] is None


def test_svg_and_html_export_the_whole_report(tmp_path: Path) -> None:
    svg, html = tmp_path / "r.svg", tmp_path / "r.html"
    result = invoke(*WORDS, "--svg", str(svg), "--html", str(html))
    assert result.exit_code == 0
    svg_text, html_text = svg.read_text(), html.read_text()
    assert svg_text.startswith("<svg") and svg_text.rstrip().endswith("</svg>")
    assert "<html" in html_text.lower()
    for text in (svg_text, html_text):
        for needle in ("Vocabulary", "Shapes", "verified"):
            assert needle in text.replace("&#160;", " ")
    assert "torch.nn.RNN(input_size=4," in html_text


def test_export_to_an_unwritable_place_is_refused_before_the_run(tmp_path: Path) -> None:
    assert_refused(invoke("hi", "--svg", str(tmp_path / "missing" / "r.svg")), "there is no directory")
    assert_refused(invoke("hi", "--html", str(tmp_path)), "is a directory")
    assert_refused(invoke("hi", "--svg", ""), "--svg needs a file name")


#: Runs each script given, in turn, in a process where only torch (and the standard library) imports.
ONLY_TORCH = """
import importlib.abc, runpy, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'rnn_cli', 'typer', 'rich', 'regex', 'jsonschema', 'hypothesis'}:
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
for path in sys.argv[1:]:
    runpy.run_path(path, run_name='__main__')
"""
CODE_CASES = [
    [],
    ["--seq-first"],
    ["--cell", "lstm", "--bidirectional", "--layers", "2", "--proj-size", "1", "--hidden", "3"],
    ["--cell", "gru", "--padding", "zeros", "--dtype", "float64", "--seed", "7"],
    ["--embed", "3", "--h0", "random", "--cell", "lstm", "--seq-first"],
    ["--lengths", "4,2,3", "--vocab-size", "5", "--embed", "2", "--values", "--h0", "zeros"],
    ["--batch-size", "2", "--seq-len", "3", "--input-size", "4", "--values", "--cell", "gru", "--padding", "zeros"],
    ["--module", "nn.LSTM(3, 4, 2, True, False, 0.5, True, 2)", "--lengths", "3,1", "--values"],
]


def _code_args(options: list[str]) -> list[str]:
    words = [] if any(o in options for o in ("--lengths", "--batch-size")) else ["hello", "hi", "abc"]
    return [*words, *options]


def _code(options: list[str]) -> str:
    script = invoke(*_code_args(options), "--code")
    assert script.exit_code == 0, script.stderr
    return script.stdout


@pytest.mark.parametrize("options", CODE_CASES)
def test_code_reproduces_the_run_to_the_bit(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _code(options)
    tree = ast.parse(source)
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m.split(".")[0] for m in modules} == {"torch"}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert imported - {"torch"} <= used, "an import the script never uses"
    path = tmp_path / "repro.py"
    path.write_text(source)
    capsys.readouterr()
    ns = runpy.run_path(str(path))
    printed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    doc = invoke_json(*_code_args(options))
    assert set(doc["tensors"]) >= {"input", "output", "h_n"}
    for name, tensor in doc["tensors"].items():
        assert f"{tuple(tensor['shape'])}" in printed[name]
        theirs = ns["input_data" if name == "input" else name]
        ours = torch.tensor(tensor["values"], dtype=theirs.dtype)  # the JSON's digits name the run's own values
        assert torch.equal(ours, theirs), name


@pytest.mark.process
def test_code_runs_where_only_torch_is_installed(tmp_path: Path) -> None:
    """One process for every script: nothing of ours (nor typer, rich, ...) is importable there."""
    paths = []
    for i, options in enumerate(CODE_CASES):
        paths.append(tmp_path / f"repro{i}.py")
        paths[-1].write_text(_code(options))
    proc = subprocess.run([sys.executable, "-c", ONLY_TORCH, *map(str, paths)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("h_n ") == len(CODE_CASES)


def test_vs_json_lists_the_differences() -> None:
    result = invoke(*WORDS, "--json", "--vs", "--seq-first")
    doc = json.loads(result.stdout)
    assert set(doc) == {"schema_version", "a", "b", "differences"}
    paths = {d["path"] for d in doc["differences"]}
    assert {"config.batch_first", "tensors.input.shape", "tensors.output.axes"} <= paths
    assert not any(p.startswith("tensors.h_n") for p in paths)  # batch_first leaves h_n alone
    assert doc["b"]["tensors"]["input"]["shape"] == [5, 3, 4]


def test_vs_tables_mark_what_differs() -> None:
    for width in ("80", "160"):  # A above B, and side by side
        out = invoke(*WORDS, "--vs", "--cell lstm --bidirectional", env={"COLUMNS": width}).stdout
        call = "torch.nn.LSTM(input_size=4, hidden_size=2, batch_first=True, bidirectional=True)"
        assert call in " ".join(out.split())  # wrapped between arguments when narrow
        # the numbers in the table's last column, or under it when narrow ("h_n: ≠ differ ...")
        rows = {line.split()[0].rstrip(":"): line for line in out.splitlines() if line.strip()}
        assert "≠ differ" in rows["h_n"] and "= equal" in rows["input"]
        assert "absent" in rows["c_n"]


@pytest.mark.parametrize(
    ("vs", "needle"),
    [
        ("--bogus", "--vs: No such option"),
        ("--json", "--vs takes settings of the run only, not --json"),
        ("", "--vs needs"),
        ("--cell 'lstm", "--vs: No closing quotation"),
        ("--hidden 0", "--hidden must be at least 1"),
    ],
)
def test_vs_refuses_what_it_cannot_compare(vs: str, needle: str) -> None:
    result = invoke(*WORDS, "--vs", vs)
    assert result.exit_code == 2
    assert needle in result.stderr, result.stderr
