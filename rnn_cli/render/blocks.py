"""The small pieces every table is built from: titled tables, vectors, shapes, summaries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import torch

DEFAULT_MAX_ROWS = 10
MAX_STEP_COLUMNS = 8
PAD = Text("0 (pad)", style="dim")


def titled_table(title: str) -> Table:
    """A table whose title is a heading of its own, never folded to the table's width."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.title = title
    return table


def section(table: Table) -> Group:
    """A heading, the table, and its caption as a line of its own: never folded to the table's width."""
    heading = Text(str(table.title or ""), style="bold")
    caption = Text(str(table.caption), style="dim") if table.caption else None
    table.title = table.caption = None
    return Group(Text(), heading, table, *([caption] if caption else []))


def summarised(count: int, limit: int) -> Iterator[int | None]:
    """0..count-1, or its first and last halves of ``limit`` with None where the rest is."""
    if count <= limit:
        yield from range(count)
        return
    head = (limit + 1) // 2
    yield from range(head)
    yield None
    yield from range(count - (limit - head), count)


def step_columns(steps: int) -> Iterator[int | None]:
    return summarised(steps, MAX_STEP_COLUMNS)


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
