"""The core from Python: no command line involved."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnn_cli import BadInput, Config, explore


def test_explore_returns_the_facts_the_cli_renders() -> None:
    result = explore(["hello", "eolll", "lleel"], hidden_size=2)
    assert result.vocabulary == ["h", "e", "l", "o"]
    assert result.tensors["input"].shape == (3, 5, 4)
    assert result.tensors["output"].shape == (3, 5, 2)
    assert result.tensors["h_n"].shape == (1, 3, 2)
    assert result.tensors["h_n"].layout.axes == ("layer*direction", "batch", "hidden")
    assert result.verification is not None and result.verification.ok
    assert result.call == "torch.nn.RNN(input_size=4, hidden_size=2, batch_first=True)"


def test_config_object_and_keyword_settings_agree() -> None:
    a = explore(["ab", "b"], Config(cell="gru", hidden_size=3))
    b = explore(["ab", "b"], cell="gru", hidden_size=3)
    assert a.tensors["output"].values.equal(b.tensors["output"].values)


def test_unknown_setting_is_bad_input() -> None:
    with pytest.raises(BadInput, match="unknown setting 'hiden'"):
        explore(["ab"], hiden=3)


def test_a_result_owns_its_tensors() -> None:
    """Changing one run's tensors in place must not reach the cached module or the next run."""
    first = explore(["hello", "eolll"], cell="lstm", hidden_size=3)
    before = explore(["hello", "eolll"], cell="lstm", hidden_size=3)
    for facts in first.parameters:
        facts.values.zero_()
    for tensor in first.tensors.values():
        tensor.values.zero_()
    after = explore(["hello", "eolll"], cell="lstm", hidden_size=3)
    for p, q in zip(before.parameters, after.parameters, strict=True):
        assert p.values.equal(q.values) and p.values.abs().sum() > 0
    for name in before.tensors:
        assert before.tensors[name].values.equal(after.tensors[name].values)


def test_errors_name_settings_as_the_caller_did() -> None:
    with pytest.raises(BadInput, match="hidden_size must be at least 1"):
        explore(["ab"], hidden_size=0)
    with pytest.raises(BadInput, match="proj_size applies to cell lstm only"):
        explore(["ab"], proj_size=1)
    with pytest.raises(BadInput, match=r"raise it with max_memory=1 \* 1024\*\*3"):
        explore(["ab"], hidden_size=512, max_memory=1024)


@pytest.mark.export
def test_export_from_python_keeps_the_program_and_is_checked_as_the_command_line_checks_it(tmp_path: Path) -> None:
    import torch

    result = explore(["hello", "eolll"], hidden_size=2, export="torch")
    export = result.export
    assert export is not None and export.ok and export.file is None  # the core writes no file
    assert export.best is not None and all(check.ok for check in export.best.checked)
    path = tmp_path / "layer.pt2"
    path.write_bytes(export.program or b"")
    program = torch.export.load(str(path)).module()
    x = result.tensors["input"].values
    assert program(x, torch.zeros(1, 2, 2))[0].shape == result.tensors["output"].shape
    with pytest.raises(BadInput, match="export exports to onnx or torch, not 'tflite'"):
        explore(["ab"], export="tflite")
