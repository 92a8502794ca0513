"""--tui from the command line: refuse what cannot be explored, start from the command line's own
first run, and print the command line on exit when ``y`` asked for it.

Textual is imported here only once everything else has passed, and never for --help.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from ...core.errors import BadInput
from ..inputs import gather_words
from ..options import Options, flag
from ..streams import write_stdout
from .state import Run, planned

if TYPE_CHECKING:
    from .app import Explorer

INSTALL = "pip install 'rnn-shapes[tui]'"
#: Options that want an output of their own, which the explorer cannot give beside its screen.
ALONE = {
    "json_out": "it draws on the terminal, --json writes a document",
    "code": "it draws on the terminal, --code writes a script",
    "vs": "it explores one run; compare two with --vs on the command line",
    "batch": "it reads keys, --batch reads requests",
    "plot": "--plot draws one run on the command line",
}


def run_explorer(options: Options) -> int:
    """The whole of ``rnn-shapes --tui``: its exit status."""
    check(options)
    app = explorer(options, signals=True)
    line = app.run()
    if app.failure is not None:
        raise app.failure  # a bug of ours, reported as the command line reports one
    if line:
        write_stdout(line + "\n")
    return app.return_code or 0


def check(options: Options) -> None:
    """What --tui refuses before any word is read: options that want an output of their own,
    a missing extra, and standard streams that are not a terminal."""
    for name, why in ALONE.items():
        if getattr(options, name):
            raise BadInput(f"--tui and {flag(name)}: {why}")
    if options.file == "-":
        raise BadInput("--tui reads keys on stdin, so --file - cannot read the words there: give a file or the words")
    try:
        import textual  # noqa: F401
    except ImportError:
        raise BadInput(f"--tui needs textual, which is not installed: {INSTALL}") from None
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout), ("stderr", sys.__stderr__)):
        if not _is_terminal(stream):
            raise BadInput(f"--tui draws on a terminal, and {name} is not one: run it without pipes or redirection")


def _is_terminal(stream: object) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):  # closed, detached, or no descriptor at all
        return False


def explorer(options: Options, *, signals: bool = False) -> Explorer:
    """The app, started from the command line's own first run: a refusal or a failure here ends
    the command as it would end without --tui."""
    from .app import Explorer

    return Explorer(first_run(options), signals=signals)


def first_run(options: Options) -> Run:
    from ...core.explore import run_plan

    words = gather_words(options)
    return Run(options, words, run_plan(planned(options, words)))
