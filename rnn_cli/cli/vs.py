"""--vs "OPTIONS": a second configuration on the same words.

The text is parsed by the running command itself (``parse_args`` on a context of its own,
below the command's), so it understands every option exactly as the command line does; only
the options the declaration marks for --vs may appear in it. Nothing it names acts: the text is
first only looked at (click's ``resilient_parsing``, where help, version and completion do
nothing), and help, version, completion and output options are refused before it is parsed
for its values.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..core.errors import BadInput
from .options import Options, Scope, typed

if TYPE_CHECKING:
    import typer
    from typer._click import Context, Parameter

#: Longest --vs text quoted back in a message.
_QUOTE = 60


def vs_options(options: Options, ctx: typer.Context) -> Options:
    """``options`` with what ``options.vs`` changes, or BadInput (naming --vs) for anything else."""
    text = options.vs or ""
    try:
        args = shlex.split(text)
    except ValueError as error:
        raise BadInput(f"--vs: {error}") from None
    if not args:
        raise BadInput("--vs needs at least one option to change, e.g. --vs '--seq-first'")
    # first only looked at (``resilient_parsing``: nothing is called, no error raised), to
    # refuse words and what is not a setting of the run before anything could act on them
    looked = _parsed(ctx, args, looking=True)
    words = [*(looked.params.get("words") or ()), *looked.args]
    if words:
        raise BadInput(f"--vs takes options only, not words ({_quoted(' '.join(words))}); both runs share the words")
    declared = type(options).declared()
    refused = [
        param
        for param in looked.command.get_params(looked)
        if param.name != "words"
        and param.name is not None
        and typed(looked, param.name)
        and (param.name not in declared or Scope.VS not in declared[param.name].scope)
    ]
    if refused:
        first = min(refused, key=lambda param: _position(param, args))
        raise BadInput(f"--vs takes settings of the run only, not {max(first.opts, key=len)}")
    parsed = _parsed(ctx, args, looking=False)
    changed = {name: parsed.params[name] for name in declared if typed(parsed, name)}
    if "set_names" in changed:  # --vs "--set hid=64" rebinds that name; the others keep their values
        changed["set_names"] = [*(options.set_names or []), *changed["set_names"]]
    other = dataclasses.replace(options, vs=None, **changed, said=options.said | set(changed))
    try:
        other.check()
    except BadInput as error:
        raise BadInput(f"--vs: {error}") from None
    return other


def _parsed(ctx: typer.Context, args: Sequence[str], *, looking: bool) -> Context:
    """``args`` parsed by the running command, on a context of its own below the command's."""
    import typer

    command = ctx.command
    context = command.context_class(command, info_name="rnn-shapes --vs", parent=ctx, resilient_parsing=looking)
    try:
        with context.scope(cleanup=False):
            command.parse_args(context, list(args))
    except typer.TyperException as error:
        raise BadInput(f"--vs: {_message(error)}") from None
    return context


def _position(param: Parameter, args: Sequence[str]) -> int:
    """Where the text first names ``param`` (its end when it cannot tell)."""
    names = {*param.opts, *param.secondary_opts}
    return next((i for i, arg in enumerate(args) if arg.partition("=")[0] in names), len(args))


def _message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message() if format_message else error)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= _QUOTE else text[:_QUOTE] + "…")
