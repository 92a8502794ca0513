"""--vs "OPTIONS": a second configuration on the same words.

The text is parsed by the running command itself, so it understands every option exactly as
the command line does; only the options the declaration marks for --vs may appear in it.
Nothing it names runs: help, version, completion and output options are refused before
any callback could act on them.
"""

from __future__ import annotations

import dataclasses
import shlex
from typing import TYPE_CHECKING

from ..core.errors import BadInput
from .options import Options, Scope

if TYPE_CHECKING:
    import typer

#: Longest --vs text quoted back in a message.
_QUOTE = 60


def vs_options(options: Options, ctx: typer.Context) -> Options:
    """``options`` with what ``options.vs`` changes, or BadInput (naming --vs) for anything else."""
    import typer

    text = options.vs or ""
    try:
        args = shlex.split(text)
    except ValueError as error:
        raise BadInput(f"--vs: {error}") from None
    if not args:
        raise BadInput("--vs needs at least one option to change, e.g. --vs '--seq-first'")
    declared = Options.declared()
    command = ctx.command
    context = command.context_class(command, info_name="rnn-shapes --vs")
    try:
        # The bare parser: it finds which parameters the text names, and calls nothing.
        found, leftover, order = command.make_parser(context).parse_args(list(args))
    except typer.TyperException as error:
        raise BadInput(f"--vs: {_message(error)}") from None
    words = found.get("words") or leftover
    if words:
        raise BadInput(f"--vs takes options only, not words ({_quoted(' '.join(words))}); both runs share the words")
    for param in order:
        if param.name == "words":
            continue  # the parser lists the words argument even when it is empty
        spec = declared.get(param.name or "")
        if spec is None or Scope.VS not in spec.scope:
            typed = max(param.opts, key=len) if param.opts else str(param.name)
            raise BadInput(f"--vs takes settings of the run only, not {typed}")
    try:
        parsed = command.make_context("rnn-shapes --vs", list(args))
    except typer.TyperException as error:
        raise BadInput(f"--vs: {_message(error)}") from None
    changed = {
        name: value
        for name, value in parsed.params.items()
        if (source := parsed.get_parameter_source(name)) is not None and source.name == "COMMANDLINE"
    }
    if "set_names" in changed:  # --vs "--set hid=64" rebinds that name; the others keep their values
        changed["set_names"] = [*(options.set_names or []), *changed["set_names"]]
    other = dataclasses.replace(options, vs=None, **changed, said=options.said | set(changed))
    try:
        other.check()
    except BadInput as error:
        raise BadInput(f"--vs: {error}") from None
    return other


def _message(error: Exception) -> str:
    format_message = getattr(error, "format_message", None)
    return str(format_message() if format_message else error)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= _QUOTE else text[:_QUOTE] + "…")
