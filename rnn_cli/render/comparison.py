"""--vs for a person: the two runs' shapes and axes side by side, differences marked."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .blocks import DEFAULT_WIDTH, first_fitting, section, titled_table
from .differences import tensor_names
from .document_types import ComparisonDoc, DifferenceDoc, TensorDoc, tensor_map
from .visible import visible


def comparison_report(doc: ComparisonDoc, width: int = DEFAULT_WIDTH) -> Group:
    """The header naming both calls, shapes side by side (A above B when narrow), what differs."""
    a, b, found = doc["a"], doc["b"], doc["differences"]
    differing = {d["path"] for d in found}
    header = Text()
    header.append("A  ", style="bold")
    header.append(a["call"], style="bold cyan")
    header.append("\nB  ", style="bold")
    header.append(b["call"], style="bold magenta")
    by_path = {d["path"]: d for d in found}
    tensors_a, tensors_b = tensor_map(a["tensors"]), tensor_map(b["tensors"])
    names = tensor_names(a, b)

    def side(mine: dict[str, TensorDoc], other_side: dict[str, TensorDoc], name: str) -> tuple[Text, Text]:
        t = mine.get(name)
        if t is None:
            return Text("—", style="yellow"), Text("absent", style="yellow")
        shape_differs = f"tensors.{name}.shape" in differing or f"tensors.{name}" in differing
        axes = Text()
        other = other_side.get(name)
        for k, (axis, size) in enumerate(zip(t["axes"], t["shape"], strict=True)):
            moved = other is None or k >= len(other["axes"]) or other["axes"][k] != axis
            if k:
                axes.append(" × ")
            axes.append(f"{axis}={size}", style="bold yellow" if moved else "")
        return Text(str(tuple(t["shape"])), style="bold yellow" if shape_differs else ""), axes

    def mark(name: str) -> Text:
        marked = any(p.startswith(f"tensors.{name}") for p in differing)
        return Text("≠" if marked else "=", style="bold yellow" if marked else "dim")

    def tensor_numbers(name: str) -> Text:
        both = name in tensors_a and name in tensors_b
        return _numbers(by_path.get(f"tensors.{name}.values"), both=both)

    def verdict(name: str) -> Text:
        return Text.assemble(mark(name), " ", tensor_numbers(name))

    def wide() -> Table:
        table = titled_table("Shapes side by side (≠ marks what differs)")
        table.add_column("tensor", style="bold")
        for label in ("A shape", "A axes", "B shape", "B axes"):
            table.add_column(label, no_wrap=True)
        table.add_column("numbers", no_wrap=True)
        for name in names:
            table.add_row(name, *side(tensors_a, tensors_b, name), *side(tensors_b, tensors_a, name), verdict(name))
        return table

    def stacked(*, numbers_below: bool = False) -> Table:
        table = titled_table("Shapes, A above B (≠ marks what differs)")
        table.add_column("tensor", style="bold")
        table.add_column("")
        table.add_column("shape", no_wrap=True)
        table.add_column("axes", no_wrap=True)
        table.add_column("" if numbers_below else "numbers", no_wrap=True)
        for name in names:
            shape_a, axes_a = side(tensors_a, tensors_b, name)
            shape_b, axes_b = side(tensors_b, tensors_a, name)
            last = mark(name) if numbers_below else verdict(name)
            table.add_row(name, "A\nB", Text("\n").join([shape_a, shape_b]), Text("\n").join([axes_a, axes_b]), last)
        return table

    table = first_fitting(width, wide, stacked, lambda: stacked(numbers_below=True))
    below: list[RenderableType] = []
    if table.columns[-1].header == "":  # the narrowest layout: the numbers under the table, whole
        below += [Text(), Text("Numbers, A against B", style="bold")]
        both = [name for name in names if name in tensors_a and name in tensors_b]  # the table says "absent"
        below += [Text.assemble(f"  {name}: ", mark(name), " ", tensor_numbers(name)) for name in both]
    settings = titled_table("Settings that differ")
    settings.add_column("setting")
    settings.add_column("A")
    settings.add_column("B")
    for d in found:
        if d["path"].startswith("config.") or d["path"] == "parameter_count":
            settings.add_row(d["path"].removeprefix("config."), Text(repr(d["a"])), Text(repr(d["b"])))
    if not found:
        return Group(header, Text(), Text("No differences: the same call, shapes, axes and numbers."))
    parameters = titled_table("Parameters that differ, by name")
    parameters.add_column("name", style="bold")
    parameters.add_column("A shape")
    parameters.add_column("B shape")
    parameters.add_column("numbers")
    for d in found:
        if d["path"].startswith("parameters."):
            name = d["path"].removeprefix("parameters.").removesuffix(".values")
            shapes = [Text("absent", style="yellow") if s is None else Text(str(tuple(s))) for s in (d["a"], d["b"])]
            numbers = _numbers(d, both=d["a"] is not None and d["b"] is not None)
            parameters.add_row(name, *shapes, numbers)
    sections: list[RenderableType] = [header, section(table), *below]
    if parameters.row_count:
        sections.append(section(parameters))
    if settings.row_count:
        sections.append(section(settings))
    return Group(*sections)


def _numbers(entry: DifferenceDoc | None, *, both: bool) -> Text:
    """The relation of two tensors' numbers: the same, the same moved, or how far apart and for whom."""
    if not both:
        return Text("—", style="dim")
    if entry is None:
        return Text("equal", style="dim")
    if entry.get("relation") == "transposed":
        return Text("same numbers, axes moved", style="yellow")
    top = entry.get("max_abs_diff")
    text = Text("differ" + ("" if top is None else f" by {top:.3g}"), style="bold yellow")
    words = entry.get("words") or []
    if words and len(words) < 4:
        text.append(" (" + ", ".join(visible(w) for w in words) + ")")
    elif words:
        text.append(f" ({len(words)} words)")
    return text
