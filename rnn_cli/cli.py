"""The command line: parse, call the core, render, map errors to exit codes.

Nothing here imports torch at module level, so ``--help``, ``--version`` and
``--json-schema`` answer at once.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from . import __version__
from .errors import BadInput, ExitStatus, RunFailure
from .options import Params
from .output import error_line

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


def _version(value: bool) -> None:
    if value:
        print(f"rnn-shapes {__version__}")
        raise typer.Exit()


def _schema(value: bool) -> None:
    if value:
        from .output import write_stdout
        from .schema import schema_text

        write_stdout(schema_text() + "\n")
        raise typer.Exit()


@app.command()
def command(
    words: Annotated[
        list[str] | None, typer.Argument(help="Words to encode (or on stdin).", show_default=False)
    ] = None,
    hidden: Annotated[int, typer.Option("--hidden", "-H", help="hidden_size.")] = 2,
    cell: Annotated[str, typer.Option(help="rnn | lstm | gru.")] = "rnn",
    layers: Annotated[int, typer.Option(help="num_layers.")] = 1,
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="Two directions.")] = False,
    nonlinearity: Annotated[
        str | None,
        typer.Option(help="tanh | relu (rnn only; default tanh).", show_default=False),
    ] = None,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="bias=False.")] = False,
    proj_size: Annotated[int, typer.Option(help="LSTM projection, 0 < N < hidden.")] = 0,
    seq_first: Annotated[
        bool,
        typer.Option("--seq-first", help="Feed (seq, batch, input) with batch_first=False."),
    ] = False,
    padding: Annotated[str, typer.Option(help="packed | zeros: how words of different lengths run.")] = "packed",
    dtype: Annotated[str, typer.Option(help="float32 | float64.")] = "float32",
    device: Annotated[str, typer.Option(help="cpu | cuda | auto.")] = "cpu",
    seed: Annotated[int, typer.Option(help="torch.manual_seed before the module is built.")] = 0,
    tokens: Annotated[str, typer.Option(help="graphemes (what a reader sees, NFC) | codepoints (raw).")] = "graphemes",
    vocab: Annotated[
        str | None, typer.Option(help="Explicit vocabulary order, e.g. 'helo'.", show_default=False)
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            help="Read words from a file ('-' for stdin).",
            show_default=False,
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    no_values: Annotated[bool, typer.Option("--no-values", help="Shapes only: leave values out.")] = False,
    max_rows: Annotated[int, typer.Option(help="Words shown in tables before summarising.")] = 10,
    max_steps: Annotated[int, typer.Option(help="Longest word accepted, in tokens.")] = 10_000,
    max_memory: Annotated[str, typer.Option(help="Refuse runs estimated above this (e.g. 512M, 8G).")] = "2G",
    steps: Annotated[bool, typer.Option("--steps", help="Trace the equations step by step.")] = False,
    steps_words: Annotated[int, typer.Option(help="Words traced by --steps.")] = 2,
    svg: Annotated[
        str | None,
        typer.Option(help="Also write the report as SVG to this file.", show_default=False),
    ] = None,
    html: Annotated[
        str | None,
        typer.Option(help="Also write the report as HTML to this file.", show_default=False),
    ] = None,
    code: Annotated[
        bool,
        typer.Option("--code", help="Print a standalone torch script that reproduces the run."),
    ] = False,
    vs: Annotated[
        str | None,
        typer.Option(
            help="Compare with a second configuration, e.g. --vs '--seq-first'.",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        bool,
        typer.Option("--batch", help="Read NDJSON requests on stdin; one JSON line out per line in."),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    json_schema: Annotated[
        bool,
        typer.Option("--json-schema", callback=_schema, is_eager=True, help="Print the JSON Schema of --json output."),
    ] = False,
) -> None:
    """Show every shape and value of PyTorch's RNN, LSTM and GRU for a batch of words."""
    params = Params(
        words=words or [],
        hidden=hidden,
        cell=cell,
        layers=layers,
        bidirectional=bidirectional,
        nonlinearity=nonlinearity,
        no_bias=no_bias,
        proj_size=proj_size,
        seq_first=seq_first,
        padding=padding,
        dtype=dtype,
        device=device,
        seed=seed,
        vocab=vocab,
        file=file,
        json_out=json_out,
        no_values=no_values,
        max_rows=max_rows,
        max_steps=max_steps,
        max_memory=max_memory,
        steps=steps,
        steps_words=steps_words,
        svg=svg,
        html=html,
        code=code,
        vs=vs,
        tokens=tokens,
    )
    try:
        if batch:
            if words or file:
                raise BadInput("--batch reads its requests on stdin: give no words or --file")
            from .batch import batch_from_stdin

            status = batch_from_stdin(params)
            if status:
                raise typer.Exit(status)
            return
        from .run import run

        run(params)
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


def main() -> None:
    """Console-script entry point: one line on stderr for every error, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        code = app(standalone_mode=False, prog_name="rnn-shapes")
    except typer.TyperException as error:
        format_message = getattr(error, "format_message", None)
        message = format_message() if format_message else str(error)
        error_line(f"{message} (see rnn-shapes --help)")
        code = getattr(error, "exit_code", ExitStatus.BAD_INPUT)
    except typer.Abort:
        code = ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        code = ExitStatus.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        code = ExitStatus.OK
    except MemoryError:
        error_line("out of memory; lower --max-memory's estimate by using fewer or shorter words")
        code = ExitStatus.FAILURE
    except Exception as error:  # a bug of ours: still one line, and the exit status says failure
        error_line(f"internal error: {type(error).__name__}: {error}")
        code = ExitStatus.FAILURE
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    sys.exit(int(code or 0))


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
