"""The rich console every human-facing renderer prints through, and plain text for pipes."""

from __future__ import annotations

import io
import re
import sys
from typing import TYPE_CHECKING, TextIO

from .blocks import DEFAULT_WIDTH

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

#: Narrower than this, the tables cannot be laid out without folding values.
MIN_WIDTH = 60
#: The widest and tallest a layout is made, whatever $COLUMNS or $LINES say: a table is at
#: most a few hundred columns wide, and a width of a billion columns would be laid out (and
#: held) character by character.
MAX_WIDTH = 1000
MAX_HEIGHT = 10_000
#: Spaces (and tabs) before the end of a line, keeping any colour codes that close it.
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.M)


def make_console(file: TextIO | None = None, *, record: bool = False, width: int | None = None) -> Console:
    """A console for tables: colour on a terminal only, following NO_COLOR and FORCE_COLOR.

    The width is the terminal's, or $COLUMNS, or 80 when neither says (a pipe, a file),
    never more than MAX_WIDTH (nor the height more than MAX_HEIGHT).
    """
    from rich.console import Console

    console = Console(file=file or sys.stdout, highlight=False, record=record, width=bounded_width(width))
    if console.width > MAX_WIDTH:
        console.width = MAX_WIDTH
    if console.height > MAX_HEIGHT:
        console.height = MAX_HEIGHT
    return console


def bounded_width(width: int | None) -> int | None:
    """The one bound for widths: at most MAX_WIDTH columns, at least one."""
    return None if width is None else max(1, min(width, MAX_WIDTH))


def usable_width(console: Console) -> tuple[int, bool]:
    """The width to lay tables out for, and whether the console's own (from $COLUMNS) was too narrow."""
    if console.width < MIN_WIDTH:
        return DEFAULT_WIDTH, True
    return min(console.width, MAX_WIDTH), False


def render_text(renderable: RenderableType, *, width: int, color: bool) -> str:
    """The renderable as text with no line ending in white space: what a pipe or a file gets.

    ``color`` keeps the styles as terminal codes (FORCE_COLOR into a pipe).
    """
    from rich.console import Console

    console = Console(file=io.StringIO(), width=bounded_width(width), highlight=False, force_terminal=color)
    with console.capture() as capture:
        console.print(renderable)
    return _TRAILING.sub(r"\1", capture.get())
