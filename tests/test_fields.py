"""--fields KEY,...: the keys of the JSON document to compute and print; the stages no asked key
needs do not run, and what is printed is what the whole document would say."""

from __future__ import annotations

import json

import pytest
from conftest import assert_refused, assert_valid, invoke, invoke_json, strict_loads

from rnn_cli.render.json_doc import KEYS

RUNS = [
    ["hello", "hi", "abc", "--cell", "lstm", "--bidirectional", "--layers", "2", "--hidden", "3"],
    ["--batch-size", "3", "--seq-len", "4", "--input-size", "5", "--cell", "gru", "--seq-first"],
    ["ab", "abc", "--padding", "zeros", "--embed", "3", "--h0", "random"],
]


@pytest.mark.parametrize("args", RUNS, ids=["lstm", "sizes", "zeros"])
def test_the_keys_asked_for_say_what_the_whole_document_says(args: list[str]) -> None:
    whole = invoke_json(*args)
    for fields in (["config", "tensors"], ["call", "verification", "cost"], ["idioms"], list(KEYS)):
        doc = invoke_json(*args, "--fields", ",".join(fields))
        assert_valid(doc)
        assert list(doc) == ["schema_version", "fields", *[k for k in KEYS if k in fields]]
        assert doc["fields"] == [k for k in KEYS if k in fields]
        for key in fields:
            assert doc[key] == whole[key], key


def test_the_stages_no_key_needs_do_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a stage no asked key needs ran")

    import rnn_cli.core.run as run

    monkeypatch.setattr(run, "verify", never)
    monkeypatch.setattr(run, "idioms", never)
    monkeypatch.setattr(run, "_padding_effects", never)
    doc = invoke_json("hello", "hi", "--padding", "zeros", "--fields", "config,tensors,parameters", "--no-values")
    assert doc["tensors"]["output"]["shape"] == [2, 5, 2]
    refused = invoke("hello", "--json", "--fields", "verification")
    assert refused.exit_code == 1 and "a stage no asked key needs ran" in refused.stderr
    monkeypatch.setattr(run, "forward", never)  # shapes alone: nothing is built, nothing runs
    doc = invoke_json("hello", "hi", "--padding", "zeros", "--fields", "config,tensors,call", "--no-values")
    assert (
        doc["tensors"]["output"]["shape"] == [2, 5, 2]
        and doc["call"] == "torch.nn.RNN(input_size=5, hidden_size=2, batch_first=True)"
    )
    for needs_numbers in (["--fields", "tensors"], ["--fields", "config,cost", "--no-values"]):
        ran = invoke("hello", "--json", *needs_numbers)
        assert ran.exit_code == 1 and "a stage no asked key needs ran" in ran.stderr


@pytest.mark.parametrize(
    "args", [*RUNS, ["ab", "abc", "--module", "nn.LSTM(9, 4, proj_size=2, num_layers=2)", "--embed", "9"]]
)
def test_shapes_alone_are_the_whole_runs_shapes_byte_for_byte(args: list[str]) -> None:
    """Shapes asked alone come from the documented formulas, with no forward: the same bytes."""
    whole = invoke_json(*args, "--no-values")
    keys = ["words", "tokens", "lengths", "vocabulary", "config", "call", "tensors", "h_n_rows", "last_step"]
    shapes = invoke_json(*args, "--no-values", "--fields", ",".join(keys))
    assert json.dumps({k: shapes[k] for k in keys}) == json.dumps({k: whole[k] for k in keys})


def test_keys_are_asked_for_once_in_any_order_and_spelled_as_the_document_spells_them() -> None:
    doc = invoke_json("hi", "--fields", "tensors,config", "--fields", "config")
    assert doc["fields"] == ["config", "tensors"]
    assert_refused(
        invoke("hi", "--json", "--fields", "config,shapes"),
        "--fields: 'shapes' is not a key of the document; the keys are words, tokens",
    )
    assert_refused(invoke("hi", "--json", "--fields", ","), "--fields: it needs at least one key")
    assert_refused(
        invoke("hi", "--fields", "config"), "--fields chooses keys of the JSON document: give it with --json"
    )
    assert_refused(
        invoke("hi", "--json", "--fields", "config", "--vs", "--hidden 3"), "--vs compares two whole documents"
    )


def test_a_batch_request_chooses_its_own_keys() -> None:
    lines = [{"words": ["ab"], "fields": ["config", "call"]}, {"words": ["ab"]}, {"words": ["ab"], "fields": ["nope"]}]
    out = invoke("--batch", input="".join(json.dumps(line) + "\n" for line in lines)).stdout.splitlines()
    first, second, third = (strict_loads(line) for line in out)
    assert list(first) == ["schema_version", "fields", "config", "call"]
    assert list(second) == ["schema_version", *KEYS]
    assert "'nope' is not a key of the document" in third["error"]["message"]


def test_steps_of_sizes_have_no_tokens_to_name() -> None:
    doc = invoke_json("--batch-size", "2", "--seq-len", "2", "--input-size", "3", "--steps", "--fields", "trace")
    assert doc["trace"] and all(step["token"] is None for step in doc["trace"])
