"""The whole report for a person, top to bottom: header, tables, the run, the trace, the check."""

from __future__ import annotations

from collections.abc import Callable, Collection

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.result import Result, Verification
from .blocks import DEFAULT_MAX_ROWS, DEFAULT_WIDTH, section
from .diagram import diagram
from .exported import export_section
from .mistakes import idioms_section, packed_table, padding_table, warning_lines
from .sections import FIRST_SCREEN, SECTIONS, Section
from .tables import (
    cost_table,
    default_reading,
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
from .yours import expressions_section, given_lines


def report(
    result: Result,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    values: bool = True,
    traced_words: int = 0,
    width: int = DEFAULT_WIDTH,
    sections: Collection[Section] | None = None,
) -> Group:
    """The report as one renderable, laid out for ``width`` columns: every section, or those
    named in ``sections`` and a last line saying what the others hold."""
    parts = report_sections(
        result, max_rows=max_rows, values=values, traced_words=traced_words, width=width, only=sections
    )
    warned = warning_lines(result)  # under the tables, whichever are shown
    if sections is None:
        return Group(*parts.values(), *warned)
    available = available_sections(result, values=values, traced_words=traced_words)
    left_out = [name for name in available if name not in sections]
    return Group(*parts.values(), *warned, *more_line(result, left_out, first_screen=sections == FIRST_SCREEN))


def available_sections(result: Result, *, values: bool = True, traced_words: int = 0) -> list[Section]:
    """The sections this run's report has, in order."""
    have: dict[Section, bool] = {
        "embedded": "embedded" in result.tensors,
        "h_0": "h_0" in result.tensors,
        "c_0": "c_0" in result.tensors,
        "c_n": "c_n" in result.tensors,
        "expressions": any(i.user for i in result.idioms),
        "packed": result.packed is not None,
        "padding": _padded(result),
        "cost": result.cost is not None,
        "steps": bool(traced_words),
        "export": result.export is not None,
    }
    valued: set[Section] = {"input", "embedded", "h_0", "c_0", "output", "h_n", "c_n"}
    return [name for name in SECTIONS if have.get(name, True) and (values or name not in valued)]


def _padded(result: Result) -> bool:
    """Under zero padding, whether any word was padded (a plain batch of equal words is not)."""
    return result.padding_effects is not None and any(e.pad_steps for e in result.padding_effects)


def report_sections(
    result: Result,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    values: bool = True,
    traced_words: int = 0,
    width: int = DEFAULT_WIDTH,
    only: Collection[Section] | None = None,
) -> dict[Section, RenderableType]:
    """The report's sections by name, in order (the README quotes single ones); only those in
    ``only`` are built, when it is given."""
    builders: dict[Section, Callable[[], RenderableType | None]] = {
        "header": lambda: header(result, width),
        "vocabulary": lambda: vocabulary_table(result, max_rows),
        "shapes": lambda: shapes_section(result, width),
        "diagram": lambda: diagram(result),
        "input": lambda: _sections(input_tables(result, max_rows, width)),
        "embedded": lambda: _sections(embedded_tables(result, max_rows, width)),
        "h_0": lambda: _sections(state_tables(result, "h_0", max_rows, width)),
        "c_0": lambda: _sections(state_tables(result, "c_0", max_rows, width)),
        "output": lambda: _sections(output_tables(result, max_rows, width)),
        "h_n": lambda: _sections(state_tables(result, "h_n", max_rows, width)),
        "c_n": lambda: _sections(state_tables(result, "c_n", max_rows, width)),
        "expressions": lambda: expressions_section(result, max_rows, width),
        "lengths": lambda: lengths_table(result, max_rows),
        "packed": lambda: packed_table(result, max_rows),
        "padding": lambda: padding_table(result, max_rows) if _padded(result) else None,
        "idioms": lambda: idioms_section(result, max_rows, width),
        "parameters": lambda: parameters_table(result, values=values, width=width),
        "cost": lambda: cost_table(result),
        "steps": lambda: trace_report(result, min(traced_words, len(result.words)), max_rows, width),
        "verification": lambda: Group(Text(), verification_line(result)),
        "export": lambda: export_section(result),
    }
    wanted = available_sections(result, values=values, traced_words=traced_words)
    parts = {name: builders[name]() for name in wanted if only is None or name in only}
    return {name: section(p) if isinstance(p, Table) else p for name, p in parts.items() if p is not None}


def more_line(result: Result, left_out: list[Section], *, first_screen: bool = True) -> list[Text]:
    """The report's last line: what --all adds, and any expression that is wrong for these words."""
    if not left_out:
        return []
    line = Text("more with ")
    line.append("--all", style="bold")
    if first_screen:
        line.append(f": {', '.join(left_out)}")
    else:
        line.append(f": {len(left_out)} other section{'s' if len(left_out) > 1 else ''}")
    wrong = [i.expression for i in result.idioms if i.final_state is not None and not all(i.final_state) and not i.user]
    if wrong and "idioms" in left_out:
        which = ", ".join(wrong[:3]) + (f" and {len(wrong) - 3} more" if len(wrong) > 3 else "")
        line.append("\n")
        line.append("careful: ", style="bold yellow")
        line.append(f"{which} {'is' if len(wrong) == 1 else 'are'} not every word's final state here")
        line.append(" (--show idioms)", style="dim")
    return [Text(), line]


def _sections(tables: list[Table]) -> Group:
    return Group(*(section(t) for t in tables))


def header(result: Result, width: int = DEFAULT_WIDTH) -> Text:
    c = result.config
    text = Text()
    text.append("rnn-shapes  ", style="bold")
    text.append(result.call, style="bold cyan")
    layout = "(batch, seq, input)" if c.batch_first else "(seq, batch, input)"
    if c.padding == "packed":
        fed = "packed: pack_padded_sequence(enforce_sorted=False)"
    elif len(set(result.lengths)) == 1:
        fed = f"one plain batch: every {'word' if result.source == 'words' else 'row'} is {result.lengths[0]} long"
    else:
        fed = "zero padding run through"
    if result.source != "words":
        fed += f"; {result.source}" + (", seeded" if result.source.startswith("random") else "")
    text.append(f"\ninput {layout}, {fed}", style="dim")
    other = default_reading(result, width)
    if other is not None:  # the trap of torch's default layout, on the first lines
        text.append(f"\n{other}", style="yellow")
    text.append(f"\nseed {c.seed}, {c.dtype} on {c.device}, under torch.no_grad()", style="dim")
    for line in given_lines(result):  # what the caller brought: weights, tensors, --set names
        text.append(f"\n{line}", style="dim")
    return text


def verification_line(result: Result) -> Text:
    v = result.verification
    if v is None:  # left out by the caller (explore's stages)
        return Text("not checked against the hand-written recurrence: this run left the check out", style="dim")
    if v.not_finite:
        return _not_finite_line(v)
    mark = ("✓", "green") if v.ok else ("✗", "red")
    words = len(result.words)
    some = f" for the first {v.words_checked} of {words} words" if 0 < v.words_checked < words else ""
    return Text.assemble(
        (mark[0], f"bold {mark[1]}"),
        f" verified: torch's output, h_n{', c_n' if 'c_n' in v.per_tensor else ''} match the "
        f"recurrence computed by hand{some}\n",
        (f"  max |diff| {v.max_abs_diff:.2g}, tolerance {v.atol:g} + {v.rtol:g}·|value|", "dim"),
    )


def _not_finite_line(v: Verification) -> Text:
    """A check over NaN or infinities verifies nothing there: where they are, said so."""
    counts = v.not_finite

    def listed(names: list[str]) -> str:
        return ", ".join(f"{name} ({counts[name]:,})" for name in names)

    made = [name for name in counts if name not in ("output", "h_n", "c_n")]
    came = [name for name in counts if name in ("output", "h_n", "c_n")]
    where = " and so in ".join(listed(names) for names in (made, came) if names)
    return Text.assemble(
        ("✗", "bold red"),
        f" not verified: NaN or infinity in {where}: a NaN equals nothing, so only the finite values "
        "were held against the recurrence computed by hand\n",
        (f"  max |diff| {v.max_abs_diff:.2g} where both are finite, tolerance {v.atol:g} + {v.rtol:g}·|value|", "dim"),
    )
