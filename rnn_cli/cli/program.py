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
from typer._click import Context, HelpFormatter
from typer._click.types import IntParamType

from ..core.errors import BadInput, RunFailure, quoted
from .exit_codes import ExitStatus
from .options import PANELS, Options, whole_number
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
    said = frozenset(name for name in values if _typed(ctx, name))
    options = Options(**values, said=said)
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


def _typed(ctx: typer.Context, name: str) -> bool:
    """Whether the command line itself gave the option (even at its default value)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


class _WholeNumber(IntParamType):
    """Every whole-number option, parsed one way (``options.whole_number``): ASCII digits only,
    and nothing larger than any setting can be, refused as a usage error before any arithmetic."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # a default
        try:
            return whole_number(str(value))
        except ValueError:
            self.fail(
                f"{quoted(value)} is not a valid int: a whole number in ASCII digits, at most 2**64 - 1", param, ctx
            )


#: What --help shows first: a command line and what it shows, then the one rule of the words.
HELP_EXAMPLES = (
    (
        "rnn-shapes hello eolll lleel --hidden 2",
        "The seed example: the one-hot batch, every shape with its axes named, every value, "
        "torch checked by hand. --all adds the mistakes it catches.",
    ),
    (
        'rnn-shapes --module "nn.LSTM(300, 512)" --batch-size 64 --seq-len 100',
        "Your own constructor (read, never run) on a batch of that size.",
    ),
    ("rnn-shapes hello eolll lleel --json | jq -c .tensors.h_n.shape", "One JSON document, for scripts."),
)
HELP_WORDS_RULE = "Put -- before words that start with -:  rnn-shapes -- -ing -ed"
#: The heading of what typer adds to the declared options (--help, shell completion).
HELP_OTHERS = "Help and completion"
#: click's widest first column before a term gets a line of its own.
_TERM_WIDTH = 30


class Command(typer.core.TyperCommand):
    """The one command, whose every way of ending is an exit status and at most one line on stderr.

    Typer's own runner and the console script both come through ``main``, so what the tests
    see in process is what a shell sees.
    """

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        """Examples first, then the options under their panels (each one's ``rich_help_panel``),
        in the panels' order, written by click's plain formatter with one column width for all."""
        with formatter.section("Examples"):
            for line, meaning in HELP_EXAMPLES:
                formatter.write(f"{'':>{formatter.current_indent}}{line}\n")
                with formatter.indentation(), formatter.indentation():
                    formatter.write_text(meaning)
            formatter.write_paragraph()
            formatter.write_text(HELP_WORDS_RULE)
        groups: dict[str, list[tuple[str, str]]] = {panel: [] for panel in PANELS}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                groups.setdefault(getattr(param, "rich_help_panel", None) or HELP_OTHERS, []).append(record)
        width = min(max(len(term) for group in groups.values() for term, _ in group), _TERM_WIDTH)
        for panel, records in groups.items():
            if records:
                with formatter.section(panel):
                    formatter.write_dl([(term.ljust(width), meaning) for term, meaning in records])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param.type) is IntParamType:
                param.type = _WholeNumber()

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
