"""The core from Python: no command line involved."""

from __future__ import annotations

import pytest

from rnn_cli import BadInput, Config, explore


def test_explore_returns_the_facts_the_cli_renders() -> None:
    result = explore(["hello", "eolll", "lleel"], hidden_size=2)
    assert result.vocabulary == ["h", "e", "l", "o"]
    assert result.tensors["input"].shape == (3, 5, 4)
    assert result.tensors["output"].shape == (3, 5, 2)
    assert result.tensors["h_n"].shape == (1, 3, 2)
    assert result.tensors["h_n"].layout.axes == ("layer*direction", "batch", "hidden")
    assert result.verification.ok
    assert result.call == "torch.nn.RNN(input_size=4, hidden_size=2, batch_first=True)"


def test_config_object_and_keyword_settings_agree() -> None:
    a = explore(["ab", "b"], Config(cell="gru", hidden_size=3))
    b = explore(["ab", "b"], cell="gru", hidden_size=3)
    assert a.tensors["output"].values.equal(b.tensors["output"].values)


def test_unknown_setting_is_bad_input() -> None:
    with pytest.raises(BadInput, match="unknown setting 'hiden'"):
        explore(["ab"], hiden=3)


def test_core_modules_import_no_cli_libraries() -> None:
    import ast
    from pathlib import Path

    core = Path(__file__).parent.parent / "rnn_cli"
    for name in (
        "config",
        "tokens",
        "layout",
        "encode",
        "recurrent",
        "verify",
        "result",
        "explore",
        "memory",
    ):
        tree = ast.parse((core / f"{name}.py").read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        assert not imported & {"typer", "rich"}, name
