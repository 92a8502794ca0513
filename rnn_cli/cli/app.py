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
        "first-appearance order; the one-hot batch goes through a real torch module."
    ),
)


def command(ctx: typer.Context, **values: Any) -> None:
    """Show every shape and value of PyTorch's RNN, LSTM and GRU for a batch of words."""
    options = Options(**values)
    from .dispatch import dispatch

    try:
        status = dispatch(options, ctx)
    except BadInput as error:
        error_line(str(error))
        raise typer.Exit(ExitStatus.BAD_INPUT) from None
    except RunFailure as error:
        error_line(str(error))
        raise typer.Exit(ExitStatus.FAILURE) from None
    except BrokenPipeError:
        # The reader has all it wanted (| head): not an error. Typer would call it exit 1.
        _silence_stdout()
        raise typer.Exit(ExitStatus.OK) from None
    except (KeyboardInterrupt, MemoryError, typer.Exit):
        raise
    except Exception as error:  # a bug of ours
        if options.traceback:
            traceback.print_exc(file=sys.stderr)
        internal_error(error, shown=options.traceback)
        raise typer.Exit(ExitStatus.FAILURE) from None
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
        except typer.TyperException as error:  # usage: unknown option, bad value, bad choice
            format_message = getattr(error, "format_message", None)
            message = format_message() if format_message else str(error)
            error_line(f"{message} (see rnn-shapes --help)")
            code = getattr(error, "exit_code", ExitStatus.BAD_INPUT)
        except (typer.Abort, KeyboardInterrupt):
            code = ExitStatus.INTERRUPTED
        except BrokenPipeError:
            _silence_stdout()
            code = ExitStatus.OK
        except MemoryError:
            error_line("out of memory; lower --max-memory's estimate by using fewer or shorter words")
            code = ExitStatus.FAILURE
        except Exception as error:  # a bug of ours, outside the command: still one line
            internal_error(error, shown=False)
            code = ExitStatus.FAILURE
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        sys.exit(int(code or 0))


app.command(cls=Command)(command)


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="backslashreplace")
    app()


def internal_error(error: Exception, *, shown: bool) -> None:
    """One line for a bug of ours; the traceback is there for the asking."""
    hint = "" if shown else " (run again with --traceback, or RNN_SHAPES_TRACEBACK=1, to see where)"
    error_line(f"internal error: {type(error).__name__}: {error}{hint}")


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
