"""--vs for a person: the two runs' shapes and axes side by side, differences marked."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from .blocks import section, titled_table
from .differences import TENSOR_ORDER
from .document_types import ComparisonDoc, DifferenceDoc, tensor_map
from .visible import visible


def comparison_report(doc: ComparisonDoc) -> Group:
    """The header naming both calls, shapes side by side, the settings that differ."""
    a, b, found = doc["a"], doc["b"], doc["differences"]
    differing = {d["path"] for d in found}
    header = Text()
    header.append("A  ", style="bold")
    header.append(a["call"], style="bold cyan")
    header.append("\nB  ", style="bold")
    header.append(b["call"], style="bold magenta")
    table = titled_table("Shapes side by side (≠ marks what differs)")
    table.add_column("tensor", style="bold")
    table.add_column("A shape")
    table.add_column("A axes")
    table.add_column("B shape")
    table.add_column("B axes")
    table.add_column("numbers")
    table.add_column("")
    by_path = {d["path"]: d for d in found}
    tensors_a, tensors_b = tensor_map(a["tensors"]), tensor_map(b["tensors"])
    for name in [n for n in TENSOR_ORDER if n in tensors_a or n in tensors_b]:
        cells: list[Text] = []
        for mine, other_side in ((tensors_a, tensors_b), (tensors_b, tensors_a)):
            t = mine.get(name)
            shape_differs = f"tensors.{name}.shape" in differing or f"tensors.{name}" in differing
            if t is None:
                cells += [Text("—", style="yellow"), Text("absent", style="yellow")]
                continue
            cells.append(Text(str(tuple(t["shape"])), style="bold yellow" if shape_differs else ""))
            axes = Text()
            for k, (axis, size) in enumerate(zip(t["axes"], t["shape"], strict=True)):
                other = other_side.get(name)
                moved = other is None or k >= len(other["axes"]) or other["axes"][k] != axis
                if k:
                    axes.append(" × ")
                axes.append(f"{axis}={size}", style="bold yellow" if moved else "")
            cells.append(axes)
        marked = any(p.startswith(f"tensors.{name}") for p in differing)
        numbers = _numbers(by_path.get(f"tensors.{name}.values"), both=name in tensors_a and name in tensors_b)
        table.add_row(name, *cells, numbers, Text("≠" if marked else "=", style="bold yellow" if marked else "dim"))
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
    sections: list[RenderableType] = [header, section(table)]
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
        return Text("same, axes moved", style="yellow")
    top = entry.get("max_abs_diff")
    text = Text("differ" + ("" if top is None else f" by {top:.3g}"), style="bold yellow")
    words = entry.get("words") or []
    if words and len(words) < 4:
        text.append(" (" + ", ".join(visible(w) for w in words) + ")")
    elif words:
        text.append(f" ({len(words)} words)")
    return text
