"""The whole report for a person, top to bottom: header, tables, the run, the trace, the check."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.result import Result
from .blocks import DEFAULT_MAX_ROWS, DEFAULT_WIDTH, section
from .diagram import diagram
from .mistakes import idioms_section, packed_table, padding_table
from .tables import (
    cost_table,
    embedded_tables,
    input_tables,
    lengths_table,
    output_tables,
    parameters_table,
    shapes_section,
    state_tables,
    vocabulary_table,
)
from .trace import trace_report


def report(
    result: Result,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    values: bool = True,
    traced_words: int = 0,
    width: int = DEFAULT_WIDTH,
) -> Group:
    """The whole report as one renderable, laid out for ``width`` columns."""
    parts = report_sections(result, max_rows=max_rows, values=values, traced_words=traced_words, width=width)
    return Group(*parts.values())


def report_sections(
    result: Result,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    values: bool = True,
    traced_words: int = 0,
    width: int = DEFAULT_WIDTH,
) -> dict[str, RenderableType]:
    """The report's sections by name, in order (the README quotes single ones)."""
    parts: dict[str, RenderableType | None] = {
        "header": header(result),
        "vocabulary": vocabulary_table(result, max_rows),
        "shapes": shapes_section(result, width),
        "diagram": diagram(result),
    }
    if values:
        parts["input"] = _sections(input_tables(result, max_rows, width))
        parts["embedded"] = _sections(embedded_tables(result, max_rows, width))
        for name in ("h_0", "c_0"):
            if name in result.tensors:
                parts[name] = _sections(state_tables(result, name, max_rows, width))
        parts["output"] = _sections(output_tables(result, max_rows, width))
        parts["h_n"] = _sections(state_tables(result, "h_n", max_rows, width))
        if "c_n" in result.tensors:
            parts["c_n"] = _sections(state_tables(result, "c_n", max_rows, width))
    parts["lengths"] = lengths_table(result, max_rows)
    parts["packed"] = packed_table(result, max_rows)
    parts["padding"] = padding_table(result, max_rows)
    parts["idioms"] = idioms_section(result, max_rows)
    parts["parameters"] = parameters_table(result, values=values, width=width)
    parts["cost"] = cost_table(result)
    if traced_words:
        parts["steps"] = trace_report(result, min(traced_words, len(result.words)), max_rows, width)
    parts["verification"] = Group(Text(), verification_line(result))
    return {name: section(p) if isinstance(p, Table) else p for name, p in parts.items() if p is not None}


def _sections(tables: list[Table]) -> Group:
    return Group(*(section(t) for t in tables))


def header(result: Result) -> Text:
    c = result.config
    text = Text()
    text.append("rnn-shapes  ", style="bold")
    text.append(result.call, style="bold cyan")
    layout = "(batch, seq, input)" if c.batch_first else "(seq, batch, input)"
    fed = "packed: pack_padded_sequence(enforce_sorted=False)" if c.padding == "packed" else "zero padding run through"
    if result.source != "words":
        fed += f"; {result.source}, seeded"
    text.append(f"\ninput {layout}, {fed}", style="dim")
    text.append(f"\nseed {c.seed}, {c.dtype} on {c.device}, under torch.no_grad()", style="dim")
    return text


def verification_line(result: Result) -> Text:
    v = result.verification
    mark = ("✓", "green") if v.ok else ("✗", "red")
    words = len(result.words)
    some = f" for the first {v.words_checked} of {words} words" if 0 < v.words_checked < words else ""
    return Text.assemble(
        (mark[0], f"bold {mark[1]}"),
        f" verified: torch's output, h_n{', c_n' if 'c_n' in v.per_tensor else ''} match the "
        f"recurrence computed by hand{some}\n",
        (f"  max |diff| {v.max_abs_diff:.2g}, tolerance {v.atol:g} + {v.rtol:g}·|value|", "dim"),
    )
