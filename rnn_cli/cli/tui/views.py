"""The explorer's panes as rich renderables, drawn from a Run: its settings, every shape and what
the last knob changed, the values as heatmaps, and one step of the recurrence with its numbers.

The diagram and the mistakes are the report's own sections (``report_sections``); what is
drawn here only reads the Result, as every renderer does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...core.config import GATES
from ...render.blocks import halves, heat, shape_text, vector
from ...render.trace import COLUMNS, EQUATIONS
from ...render.visible import visible
from .state import Run

if TYPE_CHECKING:
    import torch

    from ...core.config import Direction
    from ...core.result import Result, TraceStep

    #: One word's trace by (layer, direction, step).
    Traced = dict[tuple[int, Direction, int], TraceStep]

#: How a setting or a shape the last knob changed is marked.
CHANGED = "bold black on yellow"
#: Rows of a heatmap before the rest are summarised: units of output, words of h_n.
MAX_UNITS = 16
MAX_WORDS = 8
#: Columns a heatmap cell takes: "+0.12" and a space.
CELL = 6
#: Words listed in the settings before the rest are counted.
MAX_LISTED_WORDS = 12


def settings(run: Run) -> Text:
    """The configuration, the input and the constructor call; what the last knob changed marked."""
    result, before = run.result, run.before
    c = result.config
    padding: str = run.options.padding
    if padding == "auto":
        padding = f"auto ({'plain batch' if len(set(result.lengths)) == 1 else 'packed'})"
    lines = [
        [
            ("cell", c.cell, "cell"),
            ("hidden", str(c.hidden_size), "hidden_size"),
            ("layers", str(c.num_layers), "num_layers"),
            ("directions", str(c.directions), "bidirectional"),
            ("batch_first", str(c.batch_first), "batch_first"),
            ("proj_size", str(c.proj_size), "proj_size"),
        ],
        [("padding", padding, "padding"), ("input_size", str(c.input_size), "input_size")],
    ]
    text = Text()
    for line in lines:
        for k, (label, value, field) in enumerate(line):
            text.append("  " if k else "")
            text.append(f"{label} ", style="dim")
            changed = before is not None and getattr(before.config, field) != getattr(c, field)
            text.append(value, style=CHANGED if changed else "bold")
        text.append("  " if line is lines[1] else "\n")
    if result.source == "words":
        text.append("words ", style="dim")
        shown = " ".join(visible(w) for w in result.words[:MAX_LISTED_WORDS])
        changed = before is not None and before.words != result.words
        text.append(shown, style=CHANGED if changed else "bold")
        if len(result.words) > MAX_LISTED_WORDS:
            text.append(f" … {len(result.words) - MAX_LISTED_WORDS} more", style="dim")
    else:
        text.append(f"{result.source}, seeded ", style="dim")
        text.append(f"{len(result.lengths)} rows × {max(result.lengths)} steps", style="bold")
    text.append("\n")
    text.append(result.call, style="bold cyan")
    return text


def shapes(run: Run) -> Group:
    """Every tensor's shape with its named axes; a dimension the last knob changed is marked,
    with what it was, and a tensor it added or took away says so."""
    result, before = run.result, run.before
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False, header_style="dim")
    table.add_column("tensor", style="bold", no_wrap=True)
    table.add_column("shape", no_wrap=True)
    table.add_column("axes", no_wrap=True)
    if before is not None:
        table.add_column("before", no_wrap=True, style="dim")
    for name, facts in result.tensors.items():
        old = before.tensors.get(name) if before is not None else None
        shape = _marked_shape(facts.shape, old.shape if old is not None else None, before is not None)
        axes_text = " × ".join(f"{a}={s}" for a, s in zip(facts.layout.axes, facts.shape, strict=True))
        axes_changed = old is not None and old.layout.axes != facts.layout.axes
        row: list[RenderableType] = [name, shape, Text(axes_text, style=CHANGED if axes_changed else "")]
        if before is not None:
            if old is None:
                row.append(Text("new", style="bold green"))
            else:
                row.append(shape_text(old.shape) if old.shape != facts.shape or axes_changed else "")
        table.add_row(*row)
    for name, old in before.tensors.items() if before is not None else ():
        if name not in result.tensors:
            table.add_row(Text(name, style="dim strike"), Text("gone", style="bold red"), "", shape_text(old.shape))
    title = Text("Shapes", style="bold")
    if run.change:
        title.append_text(Text.assemble(("   last change ", "dim"), (run.change, "bold")))
    return Group(title, table)


def _marked_shape(shape: tuple[int, ...], old: tuple[int, ...] | None, compared: bool) -> Text:
    """``(3, 5, 4)`` with each dimension that differs from ``old`` marked (all of a new tensor's)."""
    text = Text("(")
    for k, size in enumerate(shape):
        if k:
            text.append(", ")
        changed = compared and (old is None or len(old) != len(shape) or old[k] != size)
        text.append(str(size), style=CHANGED if changed else "")
    text.append(",)" if len(shape) == 1 else ")")
    return text


def heatmaps(run: Run, word: int, step: int, width: int) -> Group:
    """The values as colour: the chosen word's output at every step, then h_n (and c_n) of every
    word. Red is negative, blue positive, brighter for larger."""
    result = run.result
    parts: list[RenderableType] = [_output_heat(result, word, step, width)]
    for name in ("h_n", "c_n"):
        if name in result.tensors:
            parts += [Text(), _state_heat(result, name, word, width)]
    return Group(*parts)


def _output_heat(result: Result, word: int, step: int, width: int) -> Group:
    c = result.config
    out = result.batch_major("output")[word]  # (steps, features)
    steps, features = out.shape
    h = c.out_size
    where = f"output[{word}]" if c.batch_first else f"output[:, {word}]"
    title = Text.assemble(
        (where, "bold"),
        " ",
        (visible(result.words[word]), "reverse"),
        ": the last layer's state at each step t ",
        (f"of {shape_text(result.tensors['output'].shape)}", "dim"),
    )
    columns = _window(steps, step, max(1, (width - 8) // CELL))
    units = range(min(features, MAX_UNITS))
    table = _grid()
    table.add_column("unit", no_wrap=True)
    packed = c.padding == "packed"
    for t in columns:
        header = Text(f"t={t}")
        if t >= result.lengths[word]:
            header.append("·" if packed else "p", style="yellow")
        if t == step:
            header.stylize("reverse")
        table.add_column(header, no_wrap=True, justify="right")
    values = out[list(columns)][:, list(units)].tolist() if len(columns) and len(units) else []
    for j, k in enumerate(units):
        label = f"{'→' if k < h else '←'}{k % h}" if c.bidirectional else str(k)
        cells = []
        for i, t in enumerate(columns):
            if packed and t >= result.lengths[word]:
                cells.append(Text("·", style="dim"))
            else:
                cells.append(_heat_cell(values[i][j]))
        table.add_row(label, *cells)
    notes = []
    if features > len(units):
        notes.append(f"first {len(units)} of {features} features")
    if len(columns) < steps:
        notes.append(f"steps {columns.start} to {columns.stop - 1} of {steps} (← → moves)")
    if any(t >= result.lengths[word] for t in columns):
        notes.append("· packed: past the word's end" if packed else "p: zero padding run through")
    parts: list[RenderableType] = [title, table]
    if c.bidirectional:
        notes.append("→ forward half, ← backward half")
    if notes:
        parts.append(Text("; ".join(notes), style="dim"))
    return Group(*parts)


def _state_heat(result: Result, name: str, word: int, width: int) -> Group:
    values = result.tensors[name].values  # (layers*directions, batch, hidden)
    _, batch, units = values.shape
    words = _window(batch, word, MAX_WORDS)
    shown_units = _window(units, 0, max(1, min(MAX_UNITS, (width - 24) // CELL)))
    what = "final cell state" if name == "c_n" else "final state"
    title = Text.assemble(
        (name, "bold"),
        f": the {what} per layer and direction, each word ",
        (f"{shape_text(tuple(values.shape))}, batch on axis 1", "dim"),
    )
    table = _grid()
    table.add_column("row", no_wrap=True)
    table.add_column("word", no_wrap=True)
    for k in shown_units:
        table.add_column(str(k), no_wrap=True, justify="right")
    for row, (layer, direction) in enumerate(result.h_n_rows):
        block = values[row, words.start : words.stop, shown_units.start : shown_units.stop].tolist()
        for i, w in enumerate(words):
            label = f"{row} layer {layer} {'→' if direction == 'forward' else '←'}" if i == 0 else ""
            who = Text(visible(result.words[w]), style="reverse" if w == word else "")
            table.add_row(label, who, *(_heat_cell(x) for x in block[i]))
    parts: list[RenderableType] = [title, table]
    notes = []
    if len(words) < batch:
        notes.append(f"words {words.start} to {words.stop - 1} of {batch} (↑ ↓ moves)")
    if len(shown_units) < units:
        notes.append(f"first {len(shown_units)} of {units} units")
    if notes:
        parts.append(Text("; ".join(notes), style="dim"))
    return Group(*parts)


def _grid() -> Table:
    return Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), expand=False)


def _heat_cell(x: float) -> Text:
    if x != x:
        return Text("nan", style="bold magenta")
    return Text(f"{x:+.2f}", style=f"black on {heat(x)}")


def _window(count: int, around: int, size: int) -> range:
    """At most ``size`` consecutive indices of ``count``, holding ``around``."""
    size = min(count, size)
    start = min(max(around - size // 2, 0), count - size)
    return range(start, start + size)


def step_view(run: Run, word: int, step: int) -> Group:
    """The recurrence at step ``step`` of word ``word``: the equations, then for every layer and
    direction the numbers going in (x_t, h_{t-1}), every intermediate, and h_t."""
    result = run.result
    c = result.config
    length = result.lengths[word]
    head = Text.assemble(
        ("Step ", "bold"),
        (f"t={step}", "bold reverse"),
        (" of word ", "bold"),
        (f"{word} {visible(result.words[word])}", "bold reverse"),
        f"  (length {length}, steps 0 to {run.steps - 1}; ← → step, ↑ ↓ word)",
    )
    act = c.nonlinearity or ""
    parts: list[RenderableType] = [head, *(Text(e.replace("{act}", act), style="cyan") for e in EQUATIONS[c.cell])]
    if c.proj_size:
        parts.append(Text("then h_t = W_hr h_t (the projection)", style="cyan"))
    traced = {s.word for s in result.trace}
    if word not in traced:
        first = f"the first {len(traced)} rows" if traced else "no rows"
        parts.append(Text(f"\nword {word} is not traced: a run this size traces {first}", style="yellow"))
        return Group(*parts)
    steps = {(s.layer, s.direction, s.step): s for s in result.trace if s.word == word}
    for row, (layer, direction) in enumerate(result.h_n_rows):
        where = f"layer {layer}, {direction}" + (" (from the last step back)" if direction == "backward" else "")
        parts += [Text(), Text(where, style="bold")]
        now = steps.get((layer, direction, step))
        if now is None:
            parts.append(Text(f"t={step} is past this word's end: packed, the cell never runs there", style="dim"))
            continue
        parts.append(_step_table(result, steps, now, row))
    return Group(*parts)


def _step_table(result: Result, steps: Traced, now: TraceStep, row: int) -> Table:
    c = result.config
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("quantity", style="dim", no_wrap=True)
    table.add_column("value", no_wrap=True)
    x = _input_at(result, steps, now)
    if x is not None:
        table.add_row("x_t", x)
    back = now.step + (1 if now.direction == "backward" else -1)
    previous = steps.get((now.layer, now.direction, back))
    for state, key in (("h", "h"), ("c", "c")):
        if key not in now.parts:
            continue
        if previous is not None:
            table.add_row(f"{state}_{{t-1}}", vector(previous.parts[key]))
        elif f"{state}_0" in result.tensors:
            table.add_row(
                f"{state}_{{t-1}} = {state}_0[{row}]", vector(result.tensors[f"{state}_0"].values[row, now.word])
            )
        else:
            table.add_row(f"{state}_{{t-1}} = {state}_0", Text("zeros (torch's default)", style="dim"))
    gates = GATES[c.cell]
    for key, heading in COLUMNS[c.cell]:
        if key in now.parts:
            value = now.parts[key]
            shown = _gated(value, gates) if key in ("ih", "hh") and gates else vector(value)
            table.add_row(heading.replace("{act}", c.nonlinearity or ""), shown)
    return table


def _input_at(result: Result, steps: Traced, now: TraceStep) -> Text | None:
    """x_t: the token's one-hot row (or embedding, or features) at layer 0, the layer below's
    output (both directions) above it."""
    if now.layer:
        below = [steps.get((layer, d, now.step)) for layer, d in result.h_n_rows if layer == now.layer - 1]
        found = [b.parts["h"] for b in below if b is not None]
        if len(found) != len(below):
            return None
        text = halves(found[0], found[1], stacked=False) if len(found) == 2 else vector(found[0])
        text.append("  layer below's output", style="dim")
        return text
    name = "embedded" if "embedded" in result.tensors else "input"
    values = result.batch_major(name)[now.word, now.step]
    text = vector(values)
    if result.source == "words":
        tokens = result.tokens[now.word]
        token = visible(tokens[now.step]) if now.step < len(tokens) else "0 (pad)"
        text.append("  the token ", style="dim")
        text.append(token, style="bold")
    return text


def _gated(values: torch.Tensor, gates: str) -> Text:
    """A gate-stacked vector split into its named blocks, one per line."""
    text = Text()
    for k, (name, block) in enumerate(zip(gates, values.chunk(len(gates)), strict=True)):
        if k:
            text.append("\n")
        text.append(f"{name} ", style="dim")
        text.append_text(vector(block))
    return text
