"""The small pieces every table is built from: titled tables, vectors, shapes, summaries, and
the fitting of tables to the reader's width.

A value (a vector, a shape, a name) is never folded or cut: a table that would need it is
laid out another way (fewer columns per table, stacked cells, notes below), chosen by
measuring what rich would draw.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import torch

DEFAULT_MAX_ROWS = 10
DEFAULT_WIDTH = 80
MAX_STEP_COLUMNS = 8
PAD = Text("0 (pad)", style="dim")


def titled_table(title: str) -> Table:
    """A table whose title is a heading of its own, never folded to the table's width."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.title = title
    return table


def section(table: Table) -> Group:
    """A heading, the table, and its caption as a line of its own: never folded to the table's width."""
    heading = Text(str(table.title or ""), style="bold")
    caption = Text(str(table.caption), style="dim") if table.caption else None
    table.title = table.caption = None
    return Group(Text(), heading, table, *([caption] if caption else []))


def width_of(renderable: RenderableType, width: int) -> int:
    """The columns ``renderable`` takes when nothing in it is wrapped."""
    if isinstance(renderable, Table) and not renderable.show_edge and renderable.box is box.SIMPLE_HEAD:
        widths = column_widths(renderable)
        return sum(widths) + 3 * (len(widths) - 1)  # a space of padding each side and a divider between
    console = Console(width=max(width, 1) * 4, file=io.StringIO(), color_system=None)
    return Measurement.get(console, console.options, renderable).maximum


def column_widths(table: Table) -> list[int]:
    """Each column's widest line, header included: counted from the text, not by drawing it."""
    widths = []
    for column in table.columns:
        widest = _text_width(column.header)
        for cell in column.cells:
            widest = max(widest, _text_width(cell))
        widths.append(widest)
    return widths


def _text_width(cell: RenderableType) -> int:
    if isinstance(cell, Text):
        plain = cell.plain
    elif isinstance(cell, str):
        plain = Text.from_markup(cell).plain
    else:
        console = Console(width=1000, file=io.StringIO(), color_system=None)
        return Measurement.get(console, console.options, cell).maximum
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def fits(renderable: RenderableType, width: int) -> bool:
    return width_of(renderable, width) <= width


def first_fitting(width: int, *layouts: Callable[[], Table]) -> Table:
    """The first layout whose table fits ``width`` unwrapped; the last one otherwise."""
    for make in layouts[:-1]:
        table = make()
        if fits(table, width):
            return table
    return layouts[-1]()


def chunked(make: Callable[[list[int], bool], Table], count: int, width: int) -> list[Table]:
    """Tables over value columns 0..count-1, as many in each as fit ``width`` (at least one).

    ``make(columns, first)`` builds the table for those columns after its heading columns;
    ``first`` is False for the tables that continue it. Widths are counted once, on the
    table of every column.
    """
    widths = column_widths(make(list(range(count)), True))
    heads, values = widths[: len(widths) - count], widths[len(widths) - count :]
    fixed = sum(heads) + 3 * max(len(heads) - 1, 0)
    groups: list[list[int]] = []
    used = fixed
    for k, w in enumerate(values):
        extra = w + (3 if heads or (groups and groups[-1]) else 0)
        if groups and groups[-1] and used + extra <= width:
            groups[-1].append(k)
            used += extra
        else:
            groups.append([k])
            used = fixed + w + (3 if heads else 0)
    return [make(columns, index == 0) for index, columns in enumerate(groups)]


def summarised(count: int, limit: int) -> Iterator[int | None]:
    """0..count-1, or its first and last halves of ``limit`` with None where the rest is."""
    if count <= limit:
        yield from range(count)
        return
    head = (limit + 1) // 2
    yield from range(head)
    yield None
    yield from range(count - (limit - head), count)


def step_columns(steps: int) -> list[int | None]:
    return list(summarised(steps, MAX_STEP_COLUMNS))


def shape_text(dims: Sequence[object]) -> str:
    inner = ", ".join(str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def vector(values: torch.Tensor) -> Text:
    items = values.tolist()
    text = Text("[")
    shown = items if len(items) <= 6 else [*items[:3], None, *items[-2:]]
    for k, x in enumerate(shown):
        if k:
            text.append(", ")
        text.append("…") if x is None else text.append(f"{x:+.4f}", style=heat(x))
    text.append("]")
    return text


def halves(forward: torch.Tensor, backward: torch.Tensor, *, stacked: bool) -> Text:
    """A bidirectional state: forward | backward side by side, or one above the other."""
    if stacked:
        return Text.assemble("→ ", vector(forward), "\n← ", vector(backward))
    return Text.assemble(vector(forward), " | ", vector(backward))


def preview(values: torch.Tensor) -> Text:
    flat = values.flatten().tolist()
    text = Text()
    for k, x in enumerate(flat[:4]):
        if k:
            text.append(" ")
        text.append(f"{x:+.3f}", style=heat(x))
    if len(flat) > 4:
        text.append(" …")
    return text


def heat(x: float) -> str:
    """A heatmap colour: red for negative, blue for positive, brighter for larger."""
    if x != x:
        return "bold magenta"
    level = min(abs(x), 1.0)
    shade = int(255 - 175 * level)
    return f"rgb(255,{shade},{shade})" if x < 0 else f"rgb({shade},{shade},255)"


def code_text(expression: str, width: int, style: str = "bold cyan") -> Text:
    """An expression as code, never folded mid-expression by the terminal: on one line where
    it fits; a trailing comment that does not goes under it, each of its lines a comment of its
    own; code longer than the line breaks after a comma, continued four columns in, as Python
    reads it inside brackets."""
    if len(expression) <= width:
        return Text(expression, style=style)
    code, said, comment = expression.partition("  # ")
    lines = _broken_code(code, width)
    if said:
        lines += ["# " + line for line in textwrap.wrap(comment, max(width - 2, 20))]
    return Text("\n".join(lines), style=style)


def _broken_code(code: str, width: int) -> list[str]:
    """``code`` in lines of at most ``width`` where it has commas to break after."""
    lines: list[str] = []
    rest = code
    while len(rest) > width:
        cut = rest.rfind(", ", 0, width - 1)
        if cut <= 0:
            break
        lines.append(rest[: cut + 1])
        rest = "    " + rest[cut + 2 :]
    return [*lines, rest]
