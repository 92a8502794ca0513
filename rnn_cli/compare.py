"""--vs: a second configuration on the same words, and every shape and axis that differs."""

from __future__ import annotations

import shlex
from dataclasses import replace
from typing import Any

from .errors import BadInput
from .options import Params

#: Options that make no sense inside --vs: the words and the outputs are shared.
NOT_IN_VS = {"words", "file", "json_out", "code", "svg", "html", "vs", "version", "json_schema", "batch"}


def vs_params(base: Params) -> Params:
    """Parse ``base.vs`` as command-line options and apply the ones given on top of ``base``."""
    import typer

    from .cli import app

    command = typer.main.get_command(app)
    try:
        args = shlex.split(base.vs or "")
    except ValueError as error:
        raise BadInput(f"--vs: {error}") from None
    try:
        ctx = command.make_context("rnn-shapes --vs", args)
    except typer.TyperException as error:
        format_message = getattr(error, "format_message", None)
        raise BadInput(f"--vs: {format_message() if format_message else error}") from None
    given = {
        name: value
        for name, value in ctx.params.items()
        if (source := ctx.get_parameter_source(name)) is not None and source.name == "COMMANDLINE"
    }
    refused = sorted(set(given) & NOT_IN_VS)
    if refused:
        raise BadInput(f"--vs takes layer options only, not {refused[0].replace('_', '-')}")
    if not given:
        raise BadInput("--vs needs at least one option to change, e.g. --vs '--seq-first'")
    return replace(base, vs=None, **given)


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Every config value, call, and tensor shape or axis that differs between two documents."""
    found: list[dict[str, Any]] = []
    for key in a["config"]:
        if a["config"][key] != b["config"][key]:
            found.append({"path": f"config.{key}", "a": a["config"][key], "b": b["config"][key]})
    if a["call"] != b["call"]:
        found.append({"path": "call", "a": a["call"], "b": b["call"]})
    for name in sorted(set(a["tensors"]) | set(b["tensors"]), key=_tensor_order):
        ta, tb = a["tensors"].get(name), b["tensors"].get(name)
        if ta is None or tb is None:
            found.append({"path": f"tensors.{name}", "a": ta and ta["shape"], "b": tb and tb["shape"]})
            continue
        for field in ("shape", "axes"):
            if ta[field] != tb[field]:
                found.append({"path": f"tensors.{name}.{field}", "a": ta[field], "b": tb[field]})
    if a["parameter_count"] != b["parameter_count"]:
        found.append({"path": "parameter_count", "a": a["parameter_count"], "b": b["parameter_count"]})
    return found


def _tensor_order(name: str) -> int:
    order = ["input", "output", "h_n", "c_n"]
    return order.index(name) if name in order else len(order)
