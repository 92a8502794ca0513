"""The command line: its parameters built from the one declaration in ``options``, run by typer;
every way a run ends is an exit status and at most one line on stderr.

Typer (0.28) runs on its own copy of click, ``typer._click``: the parameters are that click's,
built by typer's own classes (``TyperOption``, ``TyperArgument``) from each ``Option``, so
``--help`` is typer's. The command overrides click's documented hooks only: ``make_context``
(the command line parsed), ``invoke`` (the run) and ``format_options`` (the help's panels).

Nothing here imports torch at module level, so ``--help``, ``--version`` and
``--json-schema`` answer at once.
"""

from __future__ import annotations

import os
import sys
import traceback
import typing
from collections.abc import Callable
from typing import Any, ClassVar

import typer
from typer._click import Context, HelpFormatter, Parameter
from typer._click.types import FLOAT, STRING, IntParamType, ParamType
from typer._types import TyperChoice
from typer.core import TyperArgument, TyperCommand, TyperOption

from ..core.errors import BadInput, RunFailure, quoted
from .exit_codes import ExitStatus
from .options import PANELS, Options, OptionSpec, typed, value_type, whole_number
from .streams import error_line


class _InternalError(Exception):
    """A bug of ours, its traceback already printed when --traceback asked for it."""

    def __init__(self, error: Exception, *, shown: bool) -> None:
        super().__init__(str(error))
        self.error, self.shown = error, shown


def command(ctx: typer.Context) -> int:
    """Show every shape and value of PyTorch's RNN, LSTM and GRU for a batch of words."""
    options = options_from(ctx)
    from .dispatch import dispatch

    try:
        return dispatch(options, ctx)
    except MemoryError as error:  # the estimate passed, the machine had less: say what asked for it
        from .failures import out_of_memory

        raise RunFailure(out_of_memory(options, error)) from None
    except (BadInput, RunFailure, OSError, KeyboardInterrupt, typer.Exit):
        raise
    except Exception as error:  # a bug of ours
        if options.traceback:
            traceback.print_exc(file=sys.stderr)
        raise _InternalError(error, shown=options.traceback) from None


def options_from(ctx: Context) -> Options:
    """The command line ``ctx`` parsed, as one frozen Options of the command's declaration."""
    assert isinstance(ctx.command, Command), ctx.command
    declared = ctx.command.options.declared()
    said = frozenset(name for name in declared if typed(ctx, name))
    script_args = tuple(ctx.meta.get(SCRIPT_ARGS, ()))
    return ctx.command.options(**{name: ctx.params[name] for name in declared}, said=said, script_args=script_args)


#: Where ``make_context`` keeps what follows --watch SCRIPT: the script's arguments, not ours.
SCRIPT_ARGS = "rnn_cli.script_args"


def split_script(args: list[str], options: type[Options]) -> tuple[list[str], list[str]]:
    """(ours, the script's): everything after ``--watch SCRIPT`` is the script's own, as
    ``python SCRIPT ARGS`` has it. Only a real --watch splits: not one that is the value of
    another option (``--vocab --watch``), nor one after ``--``, where the words begin."""
    takes_value = {flag for spec in options.declared().values() if _takes_value(spec) for flag in spec.flags}
    k = 0
    while k < len(args):
        arg = args[k]
        if arg == "--":
            break
        if arg == "--watch":
            return args[: k + 2], args[k + 2 :]
        if arg.startswith("--watch="):
            return args[: k + 1], args[k + 1 :]
        k += 2 if arg in takes_value else 1
    return args, []


def _takes_value(spec: OptionSpec) -> bool:
    return not spec.option.argument and value_type(spec.kind)[0] is not bool


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


def parameters(options: type[Options]) -> list[Parameter]:
    """The command's parameters, one for each option ``options`` declares, in its order."""
    return [_parameter(spec) for spec in options.declared().values()]


def _parameter(spec: OptionSpec) -> Parameter:
    option = spec.option
    kind, repeats = value_type(spec.kind)
    if option.argument:
        return TyperArgument(
            param_decls=[spec.name],
            type=_value_type(kind),
            required=False,
            nargs=-1 if repeats else None,
            default=spec.default,
            help=option.help,
            show_default=option.show_default,
            show_envvar=True,
            rich_help_panel=option.panel,
        )
    switch = kind is bool
    answers, complete = option.answers, option.complete
    return TyperOption(
        param_decls=[spec.name, *spec.flags],
        type=None if switch else _value_type(kind),
        is_flag=True if switch else None,
        multiple=repeats,
        default=spec.default,
        help=option.help,
        metavar=option.metavar,
        show_default=option.show_default,
        envvar=option.envvar,
        show_envvar=True,
        is_eager=answers is not None,
        callback=None if answers is None else _answering(answers),
        autocompletion=None if complete is None else lambda ctx, args, incomplete: complete(incomplete),
        rich_help_panel=option.panel,
    )


def _value_type(kind: Any) -> ParamType:
    """How the parser reads one value of an option of type ``kind``."""
    if typing.get_origin(kind) is typing.Literal:
        return TyperChoice(typing.get_args(kind), case_sensitive=True)
    return {int: _WholeNumber(), float: FLOAT, str: STRING}[kind]


def _answering(answer: Callable[[], None]) -> Callable[[Context, Parameter, bool], bool]:
    """The callback of an option that answers at once and ends the run (--version): never
    while the text is only being looked at (``resilient_parsing``: --vs, completion)."""

    def callback(ctx: Context, param: Parameter, value: bool) -> bool:
        if value and not ctx.resilient_parsing:
            answer()
            raise typer.Exit()
        return value

    return callback


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


class Command(TyperCommand):
    """The one command: its parameters are the declaration's (``options``), and every way it
    ends is an exit status and at most one line on stderr.

    Typer's own runner and the console script both come through click's ``main``, so what the
    tests see in process is what a shell sees.
    """

    #: The declaration the parameters are built from (``build_app`` makes a command of another).
    options: ClassVar[type[Options]] = Options

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["params"] = [*parameters(self.options), *(kwargs.get("params") or [])]
        super().__init__(*args, **kwargs)

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        """The command line parsed: a refusal (an unknown option, a bad value), or an answer
        (--help, --version) that cannot be written, ends the run here."""
        ours, script = split_script(list(args), self.options)
        try:
            ctx = super().make_context(info_name, ours, parent, **extra)
            ctx.meta[SCRIPT_ARGS] = script
            return ctx
        except typer.Exit:
            raise
        except Exception as error:
            raise typer.Exit(_flushed(ending(error))) from None

    def invoke(self, ctx: Context) -> None:
        """The run, on the options ``ctx`` holds (``command`` reads them as one Options)."""
        try:
            status = ctx.invoke(self.callback) if self.callback is not None else 0
        except typer.Exit:
            raise
        except Exception as error:  # every way a run can end, each to one status and one line
            status = ending(error)
        raise typer.Exit(_flushed(status))

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


def _flushed(status: int) -> int:
    """``status``, once what is left for stdout is written; a reader gone away is not an error."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, RunFailure) as error:
        if not status:
            error_line(str(error) if isinstance(error, RunFailure) else f"cannot write to stdout: {error}")
            status = ExitStatus.FAILURE
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - nothing is left to flush at exit
    return status


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
    if isinstance(error, typer.Abort | KeyboardInterrupt | EOFError):
        return ExitStatus.INTERRUPTED
    if isinstance(error, MemoryError):
        said = f": {error}" if str(error) else ""
        error_line(f"out of memory{said}; lower --max-memory to what this machine has")
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


def build_app(options: type[Options] = Options) -> typer.Typer:
    """The command line of a declaration: ``options``' parameters, run by typer."""
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
    app.command(name="rnn-shapes", cls=type("Command", (Command,), {"options": options}))(command)
    return app


app = build_app()


def main() -> None:
    """Run the command (the console script comes through rnn_cli.entry, which guards signals and streams)."""
    app(prog_name="rnn-shapes")


def internal_error(error: Exception, *, shown: bool) -> None:
    """One line for a bug of ours; the traceback is there for the asking."""
    hint = "" if shown else " (run again with --traceback, or RNN_SHAPES_TRACEBACK=1, to see where)"
    error_line(f"internal error: {type(error).__name__}: {error}{hint}")


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
