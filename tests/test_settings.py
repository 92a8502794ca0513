"""A setting is added by one declaration: every face of the command line, the JSON document and
its schema follow from ``core.settings.SETTINGS`` and the ``Options`` fields.

The throwaway setting here is ``--dropout`` (``Config.dropout``, which no option gives): one field
on a class of ``Options``, and ``build_app`` makes the whole command line of that declaration.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Annotated, Any

import jsonschema
import pytest
import typer
from conftest import PLAIN_ENV
from typer.testing import CliRunner, Result

from rnn_cli.cli.options import DEFAULT, RUN, Option, Options, Panel, Scope, options_table
from rnn_cli.cli.program import app, build_app
from rnn_cli.core.config import Config
from rnn_cli.core.errors import BadInput
from rnn_cli.core.explore import explore
from rnn_cli.core.forward import constructor_call, module_kwargs
from rnn_cli.core.module_text import parse_module
from rnn_cli.core.settings import (
    BY_FIELD,
    CONFIG_FIELDS,
    SETTINGS,
    TORCH_ARGUMENTS,
    Whole,
    suggestion,
    torch_attributes,
    torch_defaults,
    torch_keywords,
)
from rnn_cli.render.document_types import config_doc
from rnn_cli.render.json_doc import config_document, document
from rnn_cli.render.schema import schema_of

WORDS = ("hello", "eolll", "lleel")
DROPOUT_HELP = "Dropout between layers in training (eval runs: nothing)."


@dataclass(frozen=True)
class WithDropout(Options):
    """Options and one setting more, declared the way a newcomer adds one."""

    dropout: Annotated[float, Option(help=DROPOUT_HELP, panel=Panel.LAYER, scope=RUN, sets="dropout")] = DEFAULT.dropout


DROPOUT_APP = build_app(WithDropout)


def run(cli: typer.Typer, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=PLAIN_ENV)


def json_of(cli: typer.Typer, *args: str) -> dict[str, Any]:
    result = run(cli, *args)
    assert result.exit_code == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def _layer_panel(help_text: str) -> str:
    return help_text.split("The layer:\n", 1)[1].split("\n\n", 1)[0]


def test_a_declared_option_is_in_help_in_its_panel() -> None:
    assert "--dropout <float>" in _layer_panel(run(DROPOUT_APP, "--help").stdout)
    assert "Dropout between layers" in _layer_panel(run(DROPOUT_APP, "--help").stdout)
    assert "--dropout" not in run(app, "--help").stdout


def test_a_declared_option_gives_its_setting_to_the_json_config_and_the_call() -> None:
    doc = json_of(DROPOUT_APP, *WORDS, "--layers", "2", "--dropout", "0.5", "--json", "--no-values")
    assert doc["config"]["dropout"] == 0.5
    assert "dropout=0.5" in doc["call"]
    schema = json.loads(run(DROPOUT_APP, "--json-schema").stdout)
    assert "dropout" in schema["$defs"]["document"]["properties"]["config"]["properties"]
    jsonschema.Draft202012Validator(schema).validate(doc)
    refused = run(app, *WORDS, "--dropout", "0.5")
    assert refused.exit_code == 2 and "No such option: --dropout" in refused.stderr


def test_a_declared_option_is_a_batch_request_key() -> None:
    requests = [{"words": list(WORDS), "layers": 2, "dropout": 0.5}, {"words": list(WORDS), "dropout": "x"}]
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    answered, refused = (json.loads(line) for line in run(DROPOUT_APP, "--batch", input=lines).stdout.splitlines())
    assert answered["config"]["dropout"] == 0.5
    assert refused["error"]["message"] == "'dropout' must be a number, not a string"
    stock = json.loads(run(app, "--batch", input=json.dumps(requests[0]) + "\n").stdout)
    assert stock["error"]["message"].startswith("unknown key 'dropout'")


def test_a_declared_option_is_accepted_inside_vs() -> None:
    comparison = json_of(DROPOUT_APP, *WORDS, "--layers", "2", "--json", "--no-values", "--vs", "--dropout 0.5")
    assert {"path": "config.dropout", "a": 0.0, "b": 0.5} in comparison["differences"]
    refused = run(app, *WORDS, "--vs", "--dropout 0.5")
    assert refused.exit_code == 2 and "--vs: No such option: --dropout" in refused.stderr


@dataclass(frozen=True)
class WithDropoutOnTheCommandLineOnly(Options):
    dropout: Annotated[float, Option(help=DROPOUT_HELP, panel=Panel.LAYER, scope=Scope.COMMAND, sets="dropout")] = 0.0


def test_where_an_option_may_be_used_is_its_declaration() -> None:
    cli = build_app(WithDropoutOnTheCommandLineOnly)
    refused = run(cli, *WORDS, "--vs", "--dropout 0.5")
    assert refused.exit_code == 2 and "--vs takes settings of the run only, not --dropout" in refused.stderr
    line = json.loads(run(cli, "--batch", input=json.dumps({"words": ["ab"], "dropout": 0.5}) + "\n").stdout)
    assert line["error"]["message"] == "key 'dropout' is not available in batch mode"


def test_a_declared_option_is_named_as_typed_in_the_core_s_messages() -> None:
    refused = run(DROPOUT_APP, *WORDS, "--dropout", "1.5")
    assert refused.exit_code == 2
    assert "--dropout must be a number from 0 up to (not including) 1 (got 1.5)" in refused.stderr
    clash = run(DROPOUT_APP, *WORDS, "--dropout", "0.5", "--module", "nn.LSTM(4, 3, num_layers=2)")
    assert "--dropout contradicts --module's dropout=0.0: say it once, in one place" in clash.stderr


def test_a_declared_option_is_in_the_manual_s_table() -> None:
    assert "| `--dropout X` | Dropout between layers" in options_table(WithDropout)
    assert "--dropout" not in options_table()


# -- the core's part: the JSON config and its schema ------------------------------------------------


def test_the_json_config_and_its_schema_are_the_declared_settings() -> None:
    result = explore(["ab", "ba"], hidden_size=3, cell="lstm")
    keys = [s.json for s in SETTINGS]
    assert list(document(result, values=False)["config"]) == keys
    assert list(schema_of(config_doc())["properties"]) == keys
    fewer = tuple(s for s in SETTINGS if s.field != "dropout")
    assert "dropout" not in schema_of(config_doc(fewer))["properties"]
    assert "dropout" not in config_document(result, fewer)
    assert config_document(result)["dropout"] == 0.0


def test_every_option_that_gives_a_setting_takes_its_default() -> None:
    for spec in Options.declared().values():
        if spec.gives_config:
            field, value = spec.setting(spec.default)
            assert value == getattr(Config(), field), spec.name


# -- what torch calls them ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        Config(),
        Config(cell="rnn", nonlinearity="relu", bias=False, batch_first=False),
        Config(cell="lstm", hidden_size=3, proj_size=2, num_layers=2, dropout=0.25, bidirectional=True),
        Config(cell="gru", dtype="float64", device="auto"),
    ],
)
def test_the_call_written_is_the_module_built(config: Config) -> None:
    """The keywords written in the call build, in torch, a module with every setting of the run."""
    import torch

    config = config.validated()
    written = torch_keywords(config, 4)
    built = getattr(torch.nn, config.cell.upper())(**module_kwargs(config, 4))
    held = torch_attributes(built)
    assert held == {"input_size": 4, **{name: getattr(config, name) for name in held if name != "input_size"}}
    assert ("dtype" in written) == (config.dtype != "float32")
    assert constructor_call(config, 4).startswith(f"torch.nn.{config.cell.upper()}(input_size=4, hidden_size=")


@pytest.mark.parametrize("cls", list(TORCH_ARGUMENTS))
def test_torch_s_own_defaults_and_order_are_the_declared_ones(cls: str) -> None:
    import torch

    built = getattr(torch.nn, cls)(3, 4)
    assert torch_attributes(built) == {"input_size": 3, "hidden_size": 4, **torch_defaults(cls)}
    # every argument positionally, in the declared order, lands where the declaration says
    values: dict[str, Any] = {"input_size": 3, "hidden_size": 4, "num_layers": 2, "nonlinearity": "relu"}
    values |= {"bias": False, "batch_first": True, "dropout": 0.25, "bidirectional": True, "proj_size": 2}
    positional = getattr(torch.nn, cls)(*(values[name] for name in TORCH_ARGUMENTS[cls]))
    assert {name: getattr(positional, name) for name in TORCH_ARGUMENTS[cls]} == {
        name: values[name] for name in TORCH_ARGUMENTS[cls]
    }


def test_module_text_reads_each_argument_as_the_declaration_types_it() -> None:
    for name, bad in (("num_layers", "2.0"), ("bias", "1"), ("dropout", "'a'"), ("nonlinearity", "None")):
        with pytest.raises(BadInput, match=f"{name} must be"):
            parse_module(f"nn.RNN(4, 3, {name}={bad})")
    assert parse_module("nn.LSTM(4, 3)") == {
        **torch_defaults("LSTM"),
        "cell": "lstm",
        "input_size": 4,
        "hidden_size": 3,
    }


def test_the_declared_bounds_are_the_ones_config_holds_settings_to() -> None:
    for setting in SETTINGS:
        if isinstance(setting.check, Whole) and setting.field in CONFIG_FIELDS:
            low, high = setting.check.low, setting.check.high
            if setting.field != "proj_size":  # which is also below hidden_size, for an LSTM only
                for good in (low, high):
                    _with(setting.field, good).validated()
            for bad in (low - 1, high + 1):
                with pytest.raises(BadInput, match=setting.field):
                    _with(setting.field, bad).validated()


def _with(field: str, value: object) -> Config:
    changes: dict[str, Any] = {field: value}
    return dataclasses.replace(Config(), **changes)


def test_a_misspelt_setting_suggests_the_declared_one() -> None:
    assert suggestion("hidden") == "hidden_size"
    assert suggestion("num_layer") == "num_layers"
    assert suggestion("banana") is None
    assert all(s.field in CONFIG_FIELDS or s.on_result for s in BY_FIELD.values())
