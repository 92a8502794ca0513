"""The mistakes people make with outputs, h_n and h_0, computed on the run itself."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from conftest import invoke, invoke_json

import rnn_cli.core.idioms
import rnn_cli.core.run
from rnn_cli import explore
from rnn_cli.core.result import NamedWords


def _idioms(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["expression"]: i for i in doc["idioms"]}


def test_the_last_step_is_not_every_words_final_state() -> None:
    doc = invoke_json("hello", "hi")
    idioms = _idioms(doc)
    assert idioms["output[:, -1]"]["final_state"] == [True, False]
    assert idioms["output[:, -1]"]["shape"] == [2, 2]
    assert "'hi'" in idioms["output[:, -1]"]["note"] and "zeros here" in idioms["output[:, -1]"]["note"]
    assert np.array_equal(np.array(doc["tensors"]["output"]["values"])[1, -1], [0.0, 0.0])
    assert idioms["h_n[-1]"]["final_state"] == [True, True]
    assert idioms["output[torch.arange(2), lengths - 1]"]["final_state"] == [True, True]
    assert doc["packed"]["batch_sizes"] == [2, 2, 1, 1, 1] == doc["batch_sizes"]
    assert doc["packed"]["data_shape"] == [7, 5]  # 5 + 2 real tokens, 5 in the vocabulary


def test_bidirectional_needs_both_directions_of_the_last_layer() -> None:
    idioms = _idioms(invoke_json("hello", "hi", "--bidirectional"))
    assert idioms["output[:, -1]"]["final_state"] == [False, False]
    assert "one token only" in idioms["output[:, -1]"]["note"]
    both = idioms["torch.cat((h_n[-2], h_n[-1]), dim=1)"]
    assert both["shape"] == [2, 4] and both["final_state"] == [True, True]
    assert idioms["h_n[-1]"]["final_state"] == [False, False]
    assert "backward" in idioms["h_n[-1]"]["note"]
    right = idioms["torch.cat((output[torch.arange(2), lengths - 1, :2], output[:, 0, 2:]), dim=1)"]
    assert right["final_state"] == [True, True]
    assert idioms["h_n.view(1, 2, 2, 2)"]["note"].startswith("[:, 0] forward, [:, 1] backward")


def test_zero_padding_moves_the_final_state_of_shorter_words() -> None:
    doc = invoke_json("hello", "hi", "--padding", "zeros")
    effects = {e["word"]: e for e in doc["padding_effects"]}
    assert effects["hi"]["pad_steps"] == 3 and effects["hi"]["h_n_max_abs_diff"] > 0
    assert effects["hello"] == {"word": "hello", "pad_steps": 0, "h_n_max_abs_diff": 0}
    assert doc["packed"] is None
    idioms = _idioms(doc)
    assert idioms["h_n[-1]"]["final_state"] == [True, False]
    assert idioms["output[torch.arange(2), lengths - 1]"]["final_state"] == [True, True]  # the right way
    packed = invoke_json("hello", "hi")
    assert packed["padding_effects"] is None
    # the effect is the distance to the packed run's h_n, every layer and direction
    h_zero, h_packed = (np.array(d["tensors"]["h_n"]["values"]) for d in (doc, packed))
    assert np.isclose(effects["hi"]["h_n_max_abs_diff"], np.abs(h_zero[:, 1] - h_packed[:, 1]).max(), atol=1e-7)


def test_even_the_backward_final_state_moves_with_zero_padding() -> None:
    doc = invoke_json("hello", "hi", "--padding", "zeros", "--bidirectional")
    both = _idioms(doc)["torch.cat((h_n[-2], h_n[-1]), dim=1)"]
    assert both["final_state"] == [True, False]
    table = invoke("hello", "hi", "--padding", "zeros", "--bidirectional", "--show", "output,padding").stdout
    assert "the backward direction reads the padding first" in table
    assert "pad" in table.split("output: the last layer")[1].split("h_n:")[0]  # padded steps marked


def test_the_next_character_head_and_its_loss() -> None:
    idioms = _idioms(invoke_json("hello", "eolll", "lleel"))
    assert idioms["logits = nn.Linear(2, 4)(output)"]["shape"] == [3, 5, 4]
    by_axis = idioms["nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)"]
    flat = idioms["nn.CrossEntropyLoss()(logits.reshape(-1, 4), targets.reshape(-1))"]
    assert by_axis["value"] == pytest.approx(flat["value"]) and 0 < by_axis["value"] < 10
    assert "the same loss (checked)" in flat["note"]
    as_is = idioms["nn.CrossEntropyLoss()(logits, targets)"]
    assert as_is["error"] == "Expected target size [3, 4], got [3, 5]"  # torch's own words, captured live
    seq_first = _idioms(invoke_json("hello", "eolll", "lleel", "--seq-first"))
    assert seq_first["nn.CrossEntropyLoss()(logits.permute(1, 2, 0), targets.T)"]["value"] == pytest.approx(
        by_axis["value"]
    )


@pytest.mark.parametrize("layout", [[], ["--seq-first"], ["--bidirectional", "--padding", "zeros"]])
def test_the_loss_error_is_what_cross_entropy_itself_raises(layout: list[str]) -> None:
    """The message comes from nll_loss alone (nothing computed); it must be CrossEntropyLoss's own."""
    doc = invoke_json("hello", "eolll", "lleel", "ab", *layout)
    shape = doc["tensors"]["output"]["shape"]
    logits = torch.zeros(*shape[:2], len(doc["vocabulary"]))
    targets = torch.zeros(*shape[:2], dtype=torch.int64)
    with pytest.raises(RuntimeError) as real:
        torch.nn.CrossEntropyLoss()(logits, targets)
    assert _idioms(doc)["nn.CrossEntropyLoss()(logits, targets)"]["error"] == str(real.value).splitlines()[0]
    assert "got [" in str(real.value)  # a shape error, not some other


def test_a_large_runs_loss_forms_are_compared_on_its_first_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rnn_cli.core.idioms, "LOSS_CHECK_LOGITS", 40)  # 2 words of 5 steps x 4 tokens
    doc = invoke_json("hello", "eolll", "lleel")
    flat = _idioms(doc)["nn.CrossEntropyLoss()(logits.reshape(-1, 4), targets.reshape(-1))"]
    assert "the same loss (checked on the first 2 of 3 words)" in flat["note"]
    by_axis = _idioms(doc)["nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)"]
    monkeypatch.undo()
    whole = _idioms(invoke_json("hello", "eolll", "lleel"))
    assert by_axis["value"] == pytest.approx(whole["nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)"]["value"])


def test_initial_states_keep_the_batch_on_axis_1() -> None:
    idioms = _idioms(invoke_json("hello", "eolll", "lleel", "--cell", "lstm", "--layers", "2"))
    good = idioms["rnn(input, (torch.zeros(2, 3, 2), torch.zeros(2, 3, 2)))"]
    assert good["error"] is None and "torch's check of the shapes accepts it" in good["note"]
    bad = idioms["rnn(input, (torch.zeros(3, 2, 2), torch.zeros(3, 2, 2)))"]
    assert bad["error"] == "Expected hidden[0] size (2, 3, 2), got [3, 2, 2]"  # what rnn(input, ...) raises
    padded = _idioms(invoke_json("hello", "eolll", "--padding", "zeros"))
    assert padded["rnn(input, torch.zeros(2, 1, 2))"]["error"] == "Expected hidden size (1, 2, 2), got [2, 1, 2]"


def test_the_seed_examples_own_trap_runs_without_error() -> None:
    trap = _idioms(invoke_json("hello", "eolll", "lleel"))["nn.RNN(..., batch_first=False)(input)  # input (3, 5, 4)"]
    assert trap["error"] is None and trap["returns"] == [
        {"name": "output", "shape": [3, 5, 2]},
        {"name": "h_n", "shape": [1, 5, 2]},
    ]
    assert "h_n comes back (1, 5, 2)" in trap["note"]


def test_a_corrupted_tensor_fails_the_idiom_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rnn_cli.core.idioms.check_idioms

    def corrupted(run: rnn_cli.core.idioms.RunTensors, **options: Any) -> Any:
        run.h_n = run.h_n + 0.5
        run.output = run.output * 2
        return real(run, **options)

    monkeypatch.setattr(rnn_cli.core.idioms, "check_idioms", corrupted)
    idioms = {i.expression: i for i in explore(["hello", "hi"], hidden_size=3).idioms}
    assert idioms["h_n[-1]"].final_state == [False, False]
    assert idioms["output[torch.arange(2), lengths - 1]"].final_state == [False, False]


def test_gate_blocks_in_torchs_order() -> None:
    lstm = {p["name"]: p for p in invoke_json("ab", "--cell", "lstm", "--proj-size", "1")["parameters"]}
    assert lstm["weight_ih_l0"]["gates"] == ["i", "f", "g", "o"]
    assert lstm["weight_hr_l0"]["gates"] is None
    gru = invoke_json("ab", "--cell", "gru", "--hidden", "3")["parameters"]
    assert {p["name"]: p["gates"] for p in gru}["bias_hh_l0"] == ["r", "z", "n"]
    assert invoke_json("ab")["parameters"][0]["gates"] is None
    assert "r 0:3 z 3:6 n 6:9" in invoke("ab", "--cell", "gru", "--hidden", "3", "--show", "parameters").stdout


def test_vs_compares_the_numbers() -> None:
    doc = invoke_json("hello", "eolll", "lleel", "--vs", "--seq-first")
    values = {d["path"]: d for d in doc["differences"] if d["path"].endswith(".values")}
    assert values["tensors.output.values"]["relation"] == "transposed"
    assert "tensors.h_n.values" not in values  # the same numbers in the same place
    padded = invoke_json("hello", "hi", "--vs", "--padding zeros")
    h_n = next(d for d in padded["differences"] if d["path"] == "tensors.h_n.values")
    assert h_n["relation"] == "different" and h_n["words"] == ["hi"] and h_n["max_abs_diff"] > 0
    hidden = invoke_json("hello", "--vs", "--hidden 3")
    assert {"path": "parameters.weight_ih_l0", "a": [2, 4], "b": [3, 4]} in hidden["differences"]
    layers = invoke_json("hello", "--vs", "--layers 2")
    assert {"path": "parameters.weight_ih_l1", "a": None, "b": [2, 2]} in layers["differences"]


def test_the_diagram_speaks_the_layout_asked_for() -> None:
    seq_first = invoke("hello", "hi", "--layers", "2", "--seq-first", "--bidirectional", "--show", "diagram").stdout
    assert "(seq=5, batch=2, direction*hidden=4)" in seq_first
    assert "final state at t=0 → h_n[1]" in seq_first
    assert "(batch=2, seq=5, hidden=2)" in invoke("hello", "hi", "--layers", "2", "--show", "diagram").stdout


def test_a_large_run_calls_the_module_again_on_its_first_words_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rnn_cli.core.run, "PARALLEL_MULT_ADDS", 1)  # every run counts as large
    words = [f"w{i:03d}" for i in range(100)]
    idioms = {i.expression: i for i in explore(words, hidden_size=2).idioms}
    good = idioms["rnn(input, torch.zeros(1, 100, 2))"]
    assert good.kind == "h_0" and good.facts["refused"] is None  # torch's check accepts it
    assert "torch's check of the shapes accepts it" in good.note
    assert idioms["rnn(input, torch.zeros(100, 1, 2))"].error == "Expected hidden size (1, 100, 2), got [100, 1, 2]"
    trap = next(i for e, i in idioms.items() if "batch_first=False" in e)
    assert trap.facts["sample"] == 4 and trap.facts["words"] == 100 and trap.facts["sample_checked"] is True
    assert "(the module was run on the first 4 of 100 words" in trap.note
    assert idioms["h_n[-1]"].final_state == [True] * 100  # the cheap ones still cover every word


# -- the core states facts, render writes the sentences ---------------------------------------------

#: Runs and expressions that between them make every kind of idiom.
EVERY_KIND: list[tuple[list[str], dict[str, Any]]] = [
    (["hello", "hi", "abc"], {"expressions": ["h_n[-1]", "h_n.sum()", "output.shape", "output", "h_n[5]"]}),
    (["hello", "hi", "abc"], {"expressions": ["h_n.sum(0).sum(0)", "h_n.chunk(2, dim=2)", "lengths.unsqueeze(0)"]}),
    (["hello", "hi", "abc"], {"bidirectional": True, "padding": "zeros", "expressions": ["output.shape.T"]}),
    (["ab", "ba", "aa", "bb"], {"bidirectional": True, "num_layers": 2, "cell": "lstm"}),  # N = D*num_layers, L = V
    (["a", "b"], {"cell": "lstm", "proj_size": 1}),  # one step: nothing to carry
]


def test_the_core_gives_each_idiom_facts_and_render_writes_its_note() -> None:
    from rnn_cli.core.explore import explore as core_explore
    from rnn_cli.render.idiom_notes import NOTES, note

    kinds = set()
    for words, settings in EVERY_KIND:
        for idiom in core_explore(words, **settings).idioms:
            assert not hasattr(idiom, "note")  # no sentence in the core: a kind and its facts
            assert isinstance(note(idiom), str) and note(idiom)
            kinds.add(idiom.kind)
    assert kinds == set(NOTES)


def test_a_python_users_idioms_say_what_the_json_says() -> None:
    from rnn_cli.render.idiom_notes import note

    result = explore(["hello", "hi"], bidirectional=True, padding="zeros", expressions=["h_n[-1].T"])
    doc = invoke_json("hello", "hi", "--bidirectional", "--padding", "zeros", "--expr", "h_n[-1].T")
    assert [i.note for i in result.idioms] == [i["note"] for i in doc["idioms"]]
    assert all(i.note == note(i) for i in result.idioms)
    last = next(i for i in result.idioms if i.expression == "output[:, -1]")
    assert last.kind == "last_step" and last.facts["bidirectional"] is True
    assert last.facts["short"] == NamedWords(("hi",), 1)
    assert last.note.startswith("shorter than the longest word, 'hi': the state after the zero padding")
