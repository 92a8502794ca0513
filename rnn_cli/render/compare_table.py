"""--vs for a person: the two runs' shapes and axes side by side, differences marked."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from .tables import section, titled_table


def comparison(a: dict[str, Any], b: dict[str, Any], found: list[dict[str, Any]]) -> Group:
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
    table.add_column("")
    names = [n for n in ("input", "output", "h_n", "c_n") if n in a["tensors"] or n in b["tensors"]]
    for name in names:
        cells: list[Text] = []
        for doc in (a, b):
            t = doc["tensors"].get(name)
            shape_differs = f"tensors.{name}.shape" in differing or f"tensors.{name}" in differing
            if t is None:
                cells += [Text("—", style="yellow"), Text("absent", style="yellow")]
                continue
            cells.append(Text(str(tuple(t["shape"])), style="bold yellow" if shape_differs else ""))
            axes = Text()
            for k, (axis, size) in enumerate(zip(t["axes"], t["shape"], strict=True)):
                other = (b if doc is a else a)["tensors"].get(name)
                moved = other is None or k >= len(other["axes"]) or other["axes"][k] != axis
                if k:
                    axes.append(" × ")
                axes.append(f"{axis}={size}", style="bold yellow" if moved else "")
            cells.append(axes)
        marked = any(p.startswith(f"tensors.{name}") for p in differing)
        table.add_row(name, *cells, Text("≠" if marked else "=", style="bold yellow" if marked else "dim"))
    settings = titled_table("Settings that differ")
    settings.add_column("setting")
    settings.add_column("A")
    settings.add_column("B")
    for d in found:
        if d["path"].startswith("config.") or d["path"] == "parameter_count":
            settings.add_row(d["path"].removeprefix("config."), Text(repr(d["a"])), Text(repr(d["b"])))
    return Group(header, section(table), section(settings))
