"""Writing to stdout and stderr the way scripts and people expect."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def write_stdout(text: str) -> None:
    """Write UTF-8 bytes whatever the locale, and flush so a pipe sees each document now."""
    data = text.encode("utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced stdout with no bytes layer
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        buffer.write(data)
    sys.stdout.flush()


def error_line(message: str) -> None:
    """One line on stderr: the message made visible, never a traceback."""
    from .render.visible import visible

    line = " ".join(visible(part) for part in message.splitlines()) or "error"
    print(f"rnn-shapes: error: {line}", file=sys.stderr, flush=True)


def make_console(file: TextIO | None = None, *, record: bool = False, width: int | None = None) -> Console:
    """A console for tables: colour on a terminal only, following NO_COLOR and FORCE_COLOR.

    Piped output gets no ANSI codes and is laid out 160 columns wide (or $COLUMNS) rather
    than rich's 80, so tables are not folded for a pager or a file.
    """
    from rich.console import Console

    console = Console(file=file or sys.stdout, highlight=False, record=record, width=width)
    if width is None and not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160
    return console
