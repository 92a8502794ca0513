"""A small picture of the run: input -> each layer (directions drawn) -> output, h_n, c_n."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from ..core.config import TORCH_CLASS
from ..core.result import Result


def _dims(result: Result, name: str) -> str:
    facts = result.tensors[name]
    return ", ".join(f"{a}={s}" for a, s in zip(facts.layout.axes, facts.shape, strict=True))


def diagram(result: Result) -> Group:
    c = result.config
    d = c.directions
    cell = TORCH_CLASS[c.cell]
    rows: list[RenderableType] = [
        Text(),
        Text("The run", style="bold"),
        Text(f"input ({_dims(result, 'input')})"),
    ]
    if "embedded" in result.tensors:
        vocab = next(p.shape[0] for p in result.parameters if p.name == "embedding.weight") - 1
        rows.append(Text(f"  ▼ nn.Embedding({vocab + 1}, {c.embed}, padding_idx={vocab})", style="dim"))
        rows.append(Text(f"embedded ({_dims(result, 'embedded')})"))
    if "h_0" in result.tensors:
        rows.append(Text(f"h_0 ({_dims(result, 'h_0')})" + (", and c_0" if "c_0" in result.tensors else "")))
        rows.append(Text("    the initial state of every layer and direction, passed", style="dim"))
    width = d * c.out_size
    n, steps = len(result.words), max(result.lengths)
    feature = f"{'direction*' if d == 2 else ''}{'proj' if c.proj_size else 'hidden'}={width}"
    between = f"(batch={n}, seq={steps}, {feature})" if c.batch_first else f"(seq={steps}, batch={n}, {feature})"
    for layer in range(c.num_layers):
        rows.append(Text("  │" + (f" {between}" if layer else ""), style="dim"))
        rows.append(Text("  ▼", style="dim"))
        lines = Text()
        for k, direction in enumerate(("forward", "backward")[:d]):
            row = layer * d + k
            arrow = "▶ t=0 → last" if direction == "forward" else "◀ last → t=0"
            where = "at its last step" if direction == "forward" else "at t=0"
            if k:
                lines.append("\n")
            lines.append(f"{direction:<8} {arrow}", style="cyan" if k == 0 else "magenta")
            lines.append(f"   final state {where} → h_n[{row}]" + (f", c_n[{row}]" if c.cell == "lstm" else ""))
        if d == 2:
            lines.append("\nthe two directions' outputs are concatenated on the last axis", style="dim")
        rows.append(Panel(lines, title=f"layer {layer}: {cell} cell", title_align="left", expand=False))
    rows.append(Text("  │", style="dim"))
    rows.append(Text("  ▼", style="dim"))
    rows.append(Text(f"output ({_dims(result, 'output')})"))
    rows.append(Text("       every step of the last layer", style="dim"))
    rows.append(Text(f"h_n    ({_dims(result, 'h_n')})"))
    rows.append(Text("       the final state of every layer and direction", style="dim"))
    if "c_n" in result.tensors:
        rows.append(Text(f"c_n    ({_dims(result, 'c_n')})"))
        rows.append(Text("       the final cell state of every layer and direction", style="dim"))
    return Group(*rows)
