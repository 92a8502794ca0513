"""Each fact declared once: every tensor in ``core.layout.TENSORS`` (its axes, its batch, its
place in the flow), the sentences about it written in render, and renderers kept readable."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

from rnn_cli.core.config import Config
from rnn_cli.core.explore import explore
from rnn_cli.core.layout import TENSORS, About, flow_order, tensor_layouts
from rnn_cli.core.versus import settings
from rnn_cli.render.json_doc import document
from rnn_cli.render.notes import tensor_note
from rnn_cli.render.schema import published_schema

RENDER = Path(__file__).parent.parent / "rnn_cli" / "render"
#: The longest a renderer's function may be, in lines (its decorators not counted).
LONGEST = 60

CONFIGS = [
    Config(),
    Config(batch_first=False),
    Config(cell="lstm", bidirectional=True, num_layers=2, hidden_size=3, proj_size=1, initial_state="zeros"),
    Config(cell="gru", embed=3, batch_first=False, initial_state="random"),
    Config(cell="lstm", embed=2, initial_state="given"),
]


def test_no_renderer_function_is_longer_than_a_screen() -> None:
    long = [
        f"{path.name}::{node.name} {node.end_lineno - node.lineno + 1}"
        for path in sorted(RENDER.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]
    assert not long


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_each_tensor_has_its_batch_where_its_declaration_says(config: Config) -> None:
    layouts = tensor_layouts(config, 3, 5, 4, vocab_size=7)
    assert list(layouts) == [spec.name for spec in TENSORS if spec.present(config)]  # the order they flow
    for name, layout in layouts.items():
        assert layout.spec.name == name
        assert layout.axes[layout.batch_axis] == "batch" and layout.shape[layout.batch_axis] == 3
        assert len(layout.shape) == len(layout.axes) == len(layout.symbols)
        assert tensor_note(layout)  # a sentence for each, written in render


def test_every_kind_of_tensor_has_its_sentence() -> None:
    kinds = {spec.about for spec in TENSORS}
    assert kinds == set(get_args(About))
    config = Config(cell="lstm", embed=2, initial_state="zeros")
    notes = {name: tensor_note(layout) for name, layout in tensor_layouts(config, 2, 3, 2, vocab_size=4).items()}
    assert notes["input"] == "token ids, 4 for padding; (batch, seq, ...) as batch_first=True"
    assert notes["embedded"] == "nn.Embedding(5, 2, padding_idx=4) of the ids: the layer's input"
    assert notes["c_0"] == "zeros, passed as the initial state: batch is axis 1 even with batch_first=True"


def test_the_schema_lists_the_declared_tensors() -> None:
    tensors = published_schema()["$defs"]["document"]["properties"]["tensors"]
    every = [spec.name for spec in TENSORS if spec.when is None]
    assert tensors["required"] == every
    assert list(tensors["properties"]) == every + [spec.name for spec in TENSORS if spec.when is not None]


def test_a_tensor_only_the_second_run_has_comes_after_the_first_run_s() -> None:
    assert flow_order(["input", "output", "h_n"], ["input", "embedded", "output", "h_n", "c_n"]) == [
        "input",
        "output",
        "h_n",
        "embedded",
        "c_n",
    ]


def test_the_settings_compared_are_the_document_s_config() -> None:
    for result in (explore(["hi", "ho"]), explore(["hi"], cell="lstm", embed=2, tokenizer="codepoints")):
        config = document(result, values=False)["config"]
        assert list(settings(result).items()) == list(config.items())
