"""The whole report for a person, top to bottom: header, tables, the run, the trace, the check."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.result import Result
from .blocks import DEFAULT_MAX_ROWS, section
from .diagram import diagram
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
    parts: list[RenderableType] = [
        header(result),
        vocabulary_table(result, max_rows),
        shapes_table(result),
        diagram(result),
    ]
    if values:
        parts.append(input_table(result, max_rows))
        parts.append(output_table(result, max_rows))
        parts.append(state_table(result, "h_n", max_rows))
        if "c_n" in result.tensors:
            parts.append(state_table(result, "c_n", max_rows))
    parts.append(lengths_table(result, max_rows))
    parts.append(parameters_table(result, values=values))
    if traced_words:
        parts.append(trace_report(result, min(traced_words, len(result.words)), max_rows))
    parts.append(Text())
    parts.append(verification_line(result))
    return Group(*(section(p) if isinstance(p, Table) else p for p in parts))


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
