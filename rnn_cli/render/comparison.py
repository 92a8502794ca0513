"""--vs for a person: the two runs' shapes and axes side by side, differences marked.

Drawn from a ``Comparison`` (``core.versus``): the two Results and what differs between them.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.result import Result
from ..core.versus import Comparison, ValueDifference
from .blocks import DEFAULT_WIDTH, first_fitting, section, titled_table
from .differences import finite
from .visible import visible

#: How a tensor or parameter one run lacks stands on its side.
_ABSENT = Text("absent", style="yellow")


def comparison_report(comparison: Comparison, width: int = DEFAULT_WIDTH) -> Group:
    """The header naming both calls, shapes side by side (A above B when narrow), what differs."""
    header = _header(comparison)
    if not comparison.differences:
        return Group(header, Text(), Text("No differences: the same call, shapes, axes and numbers."))
    table = first_fitting(
        width,
        lambda: _side_by_side(comparison),
        lambda: _stacked(comparison),
        lambda: _stacked(comparison, numbers_below=True),
    )
    sections: list[RenderableType] = [header, section(table)]
    if table.columns[-1].header == "":  # the narrowest layout: the numbers under the table, whole
        sections += _numbers_below(comparison)
    parameters, settings = _parameters(comparison), _settings(comparison)
    if parameters.row_count:
        sections.append(section(parameters))
    if settings.row_count:
        sections.append(section(settings))
    return Group(*sections)


def _header(comparison: Comparison) -> Text:
    """Which run is A and which B: each one's call, in its colour."""
    header = Text()
    header.append("A  ", style="bold")
    header.append(comparison.a.call, style="bold cyan")
    header.append("\nB  ", style="bold")
    header.append(comparison.b.call, style="bold magenta")
    return header


def _side_by_side(comparison: Comparison) -> Table:
    """A wide terminal's table: one row per tensor, A's shape and axes beside B's."""
    table = titled_table("Shapes side by side (≠ marks what differs)")
    table.add_column("tensor", style="bold")
    for label in ("A shape", "A axes", "B shape", "B axes"):
        table.add_column(label, no_wrap=True)
    table.add_column("numbers", no_wrap=True)
    a, b = comparison.a, comparison.b
    for name in comparison.tensor_names:
        table.add_row(name, *_side(comparison, a, b, name), *_side(comparison, b, a, name), _verdict(comparison, name))
    return table


def _stacked(comparison: Comparison, *, numbers_below: bool = False) -> Table:
    """A narrower table: A's shape and axes above B's; at its narrowest the numbers go under the
    table (its last column, headed "", then holds only the mark)."""
    table = titled_table("Shapes, A above B (≠ marks what differs)")
    table.add_column("tensor", style="bold")
    table.add_column("")
    table.add_column("shape", no_wrap=True)
    table.add_column("axes", no_wrap=True)
    table.add_column("" if numbers_below else "numbers", no_wrap=True)
    a, b = comparison.a, comparison.b
    for name in comparison.tensor_names:
        shape_a, axes_a = _side(comparison, a, b, name)
        shape_b, axes_b = _side(comparison, b, a, name)
        last = _mark(comparison, name) if numbers_below else _verdict(comparison, name)
        table.add_row(name, "A\nB", Text("\n").join([shape_a, shape_b]), Text("\n").join([axes_a, axes_b]), last)
    return table


def _side(comparison: Comparison, mine: Result, other: Result, name: str) -> tuple[Text, Text]:
    """One run's shape (marked when the shapes differ) and axes (each marked where the other
    run's axis in that place is another, or missing)."""
    facts = mine.tensors.get(name)
    if facts is None:
        return Text("—", style="yellow"), _ABSENT.copy()
    shape_differs = any(comparison.at(path) is not None for path in (f"tensors.{name}.shape", f"tensors.{name}"))
    theirs = other.tensors.get(name)
    their_axes = () if theirs is None else theirs.layout.axes
    axes = Text()
    for k, (axis, size) in enumerate(zip(facts.layout.axes, facts.shape, strict=True)):
        moved = k >= len(their_axes) or their_axes[k] != axis
        if k:
            axes.append(" × ")
        axes.append(f"{axis}={size}", style="bold yellow" if moved else "")
    return Text(str(facts.shape), style="bold yellow" if shape_differs else ""), axes


def _mark(comparison: Comparison, name: str) -> Text:
    """≠ where anything about the tensor differs, = where nothing does."""
    marked = comparison.touches(f"tensors.{name}")
    return Text("≠" if marked else "=", style="bold yellow" if marked else "dim")


def _tensor_numbers(comparison: Comparison, name: str) -> Text:
    both = name in comparison.a.tensors and name in comparison.b.tensors
    found = comparison.at(f"tensors.{name}.values")
    return _numbers(found if isinstance(found, ValueDifference) else None, both=both)


def _verdict(comparison: Comparison, name: str) -> Text:
    return Text.assemble(_mark(comparison, name), " ", _tensor_numbers(comparison, name))


def _numbers_below(comparison: Comparison) -> list[RenderableType]:
    """The narrowest layout's numbers, one line per tensor both runs have (the table says "absent")."""
    both = [name for name in comparison.tensor_names if name in comparison.a.tensors and name in comparison.b.tensors]
    lines: list[RenderableType] = [Text(), Text("Numbers, A against B", style="bold")]
    for name in both:
        lines.append(Text.assemble(f"  {name}: ", _mark(comparison, name), " ", _tensor_numbers(comparison, name)))
    return lines


def _parameters(comparison: Comparison) -> Table:
    """Each parameter whose shape or numbers differ, by name (absent on a side that lacks it)."""
    table = titled_table("Parameters that differ, by name")
    table.add_column("name", style="bold")
    table.add_column("A shape")
    table.add_column("B shape")
    table.add_column("numbers")
    for found in comparison.differences:
        if isinstance(found, ValueDifference) and found.path.startswith("parameters."):
            name = found.path.removeprefix("parameters.").removesuffix(".values")
            shapes = [_ABSENT.copy() if s is None else Text(str(s)) for s in (found.a, found.b)]
            table.add_row(name, *shapes, _numbers(found, both=found.a is not None and found.b is not None))
    return table


def _settings(comparison: Comparison) -> Table:
    """The settings (and the parameter count) that differ, each side as Python writes the value."""
    table = titled_table("Settings that differ")
    table.add_column("setting")
    table.add_column("A")
    table.add_column("B")
    for found in comparison.differences:
        if found.path.startswith("config.") or found.path == "parameter_count":
            table.add_row(found.path.removeprefix("config."), Text(repr(found.a)), Text(repr(found.b)))
    return table


def _numbers(found: ValueDifference | None, *, both: bool) -> Text:
    """The relation of two tensors' numbers: the same, the same moved, or how far apart and for whom."""
    if not both:
        return Text("—", style="dim")
    if found is None:
        return Text("equal", style="dim")
    if found.relation == "transposed":
        return Text("same numbers, axes moved", style="yellow")
    top = finite(found.max_abs_diff)
    text = Text("differ" + ("" if top is None else f" by {top:.3g}"), style="bold yellow")
    words = found.words
    if words and len(words) < 4:
        text.append(" (" + ", ".join(visible(w) for w in words) + ")")
    elif words:
        text.append(f" ({len(words)} words)")
    return text
