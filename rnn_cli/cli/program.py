"""The command line: typer builds it from the one declaration in ``options``; errors become
one line on stderr and an exit status.

Nothing here imports torch at module level, so ``--help``, ``--version`` and
``--json-schema`` answer at once.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
import typing
from collections.abc import Sequence
from typing import Any, NoReturn

import typer

from ..core.errors import BadInput, RunFailure
from .exit_codes import ExitStatus
from .options import Options
from .streams import error_line

app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["--help", "-h"]},
    help=(
        "Show every shape and value of PyTorch's RNN, LSTM and GRU for a batch of words.\n\n"
        "Words are split into characters (grapheme clusters); the vocabulary is their "
        "first-appearance order (or the order --vocab gives); the one-hot batch goes through "
        "a real torch module."
    ),
)


class _InternalError(Exception):
    """A bug of ours, its traceback already printed when --traceback asked for it."""

    def __init__(self, error: Exception, *, shown: bool) -> None:
        super().__init__(str(error))
        self.error, self.shown = error, shown


def command(ctx: typer.Context, **values: Any) -> None:
    """Show every shape and value of PyTorch's RNN, LSTM and GRU for a batch of words."""
    options = Options(**values)
    from .dispatch import dispatch

    try:
        status = dispatch(options, ctx)
    except (BadInput, RunFailure, OSError, KeyboardInterrupt, MemoryError, typer.Exit):
        raise
    except Exception as error:  # a bug of ours
        if options.traceback:
            traceback.print_exc(file=sys.stderr)
        raise _InternalError(error, shown=options.traceback) from None
    if status:
        raise typer.Exit(status)


def _signature() -> inspect.Signature:
    """The command's parameters: the context, then every declared option in order."""
    hints = typing.get_type_hints(Options, include_extras=True)
    parameters = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for name, spec in Options.declared().items():
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=spec.default, annotation=hints[name])
        )
    return inspect.Signature(parameters)


command.__signature__ = _signature()  # type: ignore[attr-defined]


class Command(typer.core.TyperCommand):
    """The one command, whose every way of ending is an exit status and at most one line on stderr.

    Typer's own runner and the console script both come through ``main``, so what the tests
    see in process is what a shell sees.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        try:
            code = super().main(args, "rnn-shapes", complete_var, standalone_mode=False, **extra)
        except BaseException as error:  # every way a run can end, each to one status and one line
            code = ending(error)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, RunFailure) as error:
            if not code:
                error_line(str(error) if isinstance(error, RunFailure) else f"cannot write to stdout: {error}")
                code = ExitStatus.FAILURE
            sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - nothing is left to flush at exit
        sys.exit(int(code or 0))


def ending(error: BaseException) -> int:
    """The exit status for how a run ended, after saying why in one line on stderr."""
    if isinstance(error, typer.Exit):
        return int(error.exit_code)
    if isinstance(error, typer.TyperException):  # usage: unknown option, bad value, bad choice
        format_message = getattr(error, "format_message", None)
        error_line(f"{format_message() if format_message else error} (see rnn-shapes --help)")
        return int(getattr(error, "exit_code", ExitStatus.BAD_INPUT))
    if isinstance(error, BadInput):
        error_line(str(error))
        return ExitStatus.BAD_INPUT
    if isinstance(error, RunFailure):
        error_line(str(error))
        return ExitStatus.FAILURE
    if isinstance(error, BrokenPipeError):  # the reader has all it wanted (| head): not an error
        _silence_stdout()
        return ExitStatus.OK
    if isinstance(error, typer.Abort | KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    if isinstance(error, MemoryError):
        error_line("out of memory; lower --max-memory's estimate by using fewer or shorter words")
        return ExitStatus.FAILURE
    if isinstance(error, OSError):  # the machine said no: a file, a directory, a device
        where = f": {error.filename}" if error.filename else ""
        error_line(f"{error.strerror or error}{where}")
        return ExitStatus.FAILURE
    if isinstance(error, _InternalError):
        internal_error(error.error, shown=error.shown)
        return ExitStatus.FAILURE
    if isinstance(error, Exception):  # a bug of ours, outside the command: still one line
        internal_error(error, shown=False)
        return ExitStatus.FAILURE
    raise error  # SystemExit and the like are not ours to map


app.command(cls=Command)(command)


def main() -> None:
    """Run the command (the console script comes through rnn_cli.entry, which guards signals and streams)."""
    app()


def internal_error(error: Exception, *, shown: bool) -> None:
    """One line for a bug of ours; the traceback is there for the asking."""
    hint = "" if shown else " (run again with --traceback, or RNN_SHAPES_TRACEBACK=1, to see where)"
    error_line(f"internal error: {type(error).__name__}: {error}{hint}")


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
