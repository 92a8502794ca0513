"""The rich console every human-facing renderer prints through."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


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
