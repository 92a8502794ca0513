"""The whole report for a person, top to bottom: header, tables, the run, the trace, the check."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.result import Result
from .blocks import DEFAULT_MAX_ROWS, section
from .diagram import diagram
from .mistakes import idioms_table, packed_table, padding_table
from .tables import (
    input_table,
    lengths_table,
    output_table,
    parameters_table,
    shapes_table,
    state_table,
    vocabulary_table,
)
from .trace import trace_report


def report(result: Result, *, max_rows: int = DEFAULT_MAX_ROWS, values: bool = True, traced_words: int = 0) -> Group:
    """The whole report as one renderable."""
    parts = report_sections(result, max_rows=max_rows, values=values, traced_words=traced_words)
    return Group(*parts.values())


def report_sections(
    result: Result, *, max_rows: int = DEFAULT_MAX_ROWS, values: bool = True, traced_words: int = 0
) -> dict[str, RenderableType]:
    """The report's sections by name, in order (the README quotes single ones)."""
    parts: dict[str, RenderableType | None] = {
        "header": header(result),
        "vocabulary": vocabulary_table(result, max_rows),
        "shapes": shapes_table(result),
        "diagram": diagram(result),
    }
    if values:
        parts["input"] = input_table(result, max_rows)
        parts["output"] = output_table(result, max_rows)
        parts["h_n"] = state_table(result, "h_n", max_rows)
        if "c_n" in result.tensors:
            parts["c_n"] = state_table(result, "c_n", max_rows)
    parts["lengths"] = lengths_table(result, max_rows)
    parts["packed"] = packed_table(result, max_rows)
    parts["padding"] = padding_table(result, max_rows)
    parts["idioms"] = idioms_table(result, max_rows)
    parts["parameters"] = parameters_table(result, values=values)
    if traced_words:
        parts["steps"] = trace_report(result, min(traced_words, len(result.words)), max_rows)
    parts["verification"] = Group(Text(), verification_line(result))
    return {name: section(p) if isinstance(p, Table) else p for name, p in parts.items() if p is not None}


def header(result: Result) -> Text:
    c = result.config
    text = Text()
    text.append("rnn-shapes  ", style="bold")
    text.append(result.call, style="bold cyan")
    layout = "(batch, seq, input)" if c.batch_first else "(seq, batch, input)"
    fed = (
        f"\ninput fed as {layout}"
        + (
            "; packed with pack_padded_sequence(..., enforce_sorted=False)"
            if c.padding == "packed"
            else "; zero padding fed through the cell"
        )
        + f"; seed {c.seed}, {c.dtype} on {c.device}, under torch.no_grad()"
    )
    text.append(fed, style="dim")
    return text


def verification_line(result: Result) -> Text:
    v = result.verification
    mark = ("✓", "green") if v.ok else ("✗", "red")
    return Text.assemble(
        (mark[0], f"bold {mark[1]}"),
        f" verified: torch's output, h_n{', c_n' if 'c_n' in v.per_tensor else ''} match the "
        f"recurrence computed by hand (max |diff| {v.max_abs_diff:.2g}, "
        f"tolerance {v.atol:g} + {v.rtol:g}·|value|)",
    )
