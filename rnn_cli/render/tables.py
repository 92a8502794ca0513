"""Rich tables for a person: vocabulary, shapes with named axes, values, parameters, checks.

Every piece of user text goes in as a ``Text`` made visible first, never as markup. Each
builder takes the reader's width and picks a layout that fits it without folding a value.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.budget import human_bytes
from ..core.config import TORCH_CLASS
from ..core.result import Result
from .blocks import (
    PAD,
    chunked,
    first_fitting,
    fits,
    halves,
    preview,
    section,
    shape_text,
    step_columns,
    summarised,
    titled_table,
    vector,
)
from .notes import tensor_note
from .visible import visible


def vocabulary_table(result: Result, max_rows: int) -> Table | None:
    """The words' vocabulary, each token with the one-hot vector or the embedding row it gets."""
    size = len(result.vocabulary)
    if not size:
        return None  # random input: features have no tokens, random tokens are ids with nothing to name
    embed = result.config.embed
    order = "the order --vocab gives" if result.vocabulary_given else "first-appearance order"
    title = f"Vocabulary: input_size = {size} ({order})"
    if embed:
        title = f"Vocabulary: {size} tokens ({order}); id {size} is the padding"
    table = titled_table(title)
    table.add_column("index", justify="right")
    table.add_column("token")
    table.add_column("embedding row" if embed else "one-hot vector", no_wrap=True)
    for i in summarised(size, max_rows):
        if i is None:
            table.add_row("…", Text(f"… {size - max_rows} more tokens …"), "")
            continue
        shown = f"embedding.weight[{i}]" if embed else _one_hot(i, size)
        table.add_row(str(i), Text(visible(result.vocabulary[i])), shown)
    return table


def shapes_section(result: Result, width: int) -> Group:
    """Every tensor's shape, named axes and the docs' symbols; notes under the table when narrow."""

    def table(*, docs: bool, notes: bool) -> Table:
        made = titled_table("Shapes")
        made.add_column("tensor", style="bold")
        made.add_column("shape", no_wrap=True)
        made.add_column("axes", no_wrap=True)
        if docs:
            made.add_column("PyTorch's docs", no_wrap=True)
        if notes:
            made.add_column("note")
        for facts in result.tensors.values():
            axes = Text(" × ".join(f"{a}={s}" for a, s in zip(facts.layout.axes, facts.shape, strict=True)))
            symbols = shape_text(facts.layout.symbols)
            if not docs:  # the docs' symbols on a line of their own, under the axes
                axes.append(f"\n{symbols} in PyTorch's docs", style="dim")
            row: list[RenderableType] = [facts.name, shape_text(facts.shape), axes]
            row += [symbols] if docs else []
            row += [tensor_note(facts.layout)] if notes else []
            made.add_row(*row)
        return made

    chosen = first_fitting(
        width,
        lambda: table(docs=True, notes=True),
        lambda: table(docs=True, notes=False),
        lambda: table(docs=False, notes=False),
    )
    parts: list[RenderableType] = [section(chosen)]
    if len(chosen.columns) < 5:
        for facts in result.tensors.values():
            parts.append(Text.assemble((f"{facts.name}: ", "bold"), tensor_note(facts.layout)))
    return Group(*parts)


def default_reading(result: Result, width: int) -> str | None:
    """How torch's default layout (batch_first=False) reads this run's (batch, seq, ...) input:
    the trap of the post's own code, ``torch.nn.RNN(4, 2)`` fed (3, 5, 4), in one line (the
    constructor's arguments left out as ``(...)`` where they would not fit)."""
    c = result.config
    read = result.tensors.get("embedded") or result.tensors.get("input")
    if not c.batch_first or read is None or len(read.shape) != 3:
        return None
    extra = {"num_layers": c.num_layers, "bidirectional": c.bidirectional, "proj_size": c.proj_size}
    defaults = {"num_layers": 1, "bidirectional": False, "proj_size": 0}
    args = [str(result.input_size), str(c.hidden_size)]
    args += [f"{k}={v!r}" for k, v in extra.items() if v != defaults[k]]
    n, steps, _ = read.shape
    reading = f"reads {shape_text(read.shape)} as seq={n} × batch={steps}; see --seq-first"
    line = f"torch.nn.{TORCH_CLASS[c.cell]}({', '.join(args)}) {reading}"
    return line if len(line) <= width else f"torch.nn.{TORCH_CLASS[c.cell]}(...) {reading}"


def input_tables(result: Result, max_rows: int, width: int) -> list[Table]:
    """The input by word and step: each cell the token whose one-hot row (or id) is there, the
    random token's id, or the random features' vector."""
    words = list(summarised(len(result.words), max_rows))
    values = result.batch_major("input")
    lengths = result.lengths

    def cell(w: int, t: int | None) -> Text:
        if t is None:
            return Text("…")
        if t >= lengths[w]:
            return PAD.copy()
        if result.source == "words":
            return Text(visible(result.tokens[w][t]))
        if result.source == "random tokens":
            return Text(str(int(values[w, t].argmax()) if values.dim() == 3 else int(values[w, t])))
        return vector(values[w, t])

    what = {
        "words": "the token",
        "random tokens": "the random token's id",
        "random features": "the features",
        "given tensor": "your features",
    }
    title = f"input: {what[result.source]} at each step t, shape {shape_text(result.tensors['input'].shape)}"
    return _word_step_tables(result, title, words, cell, width, max_rows)


def embedded_tables(result: Result, max_rows: int, width: int) -> list[Table]:
    """With an embedding in front: the vectors the recurrent layer reads, by word and step."""
    if "embedded" not in result.tensors:
        return []
    values = result.batch_major("embedded")
    words = list(summarised(len(result.words), max_rows))

    def cell(w: int, t: int | None) -> Text:
        if t is None:
            return Text("…")
        return PAD.copy() if t >= result.lengths[w] else vector(values[w, t])

    title = f"embedded: the embedding's row for each token, shape {shape_text(result.tensors['embedded'].shape)}"
    return _word_step_tables(result, title, words, cell, width, max_rows)


def cost_table(result: Result) -> Table | None:
    """What the run costs, as torchinfo would say it."""
    cost = result.cost
    if cost is None:
        return None
    table = titled_table("Cost of one forward pass")
    table.add_column("", style="bold")
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("")
    table.show_header = False
    table.add_row("parameters", f"{cost.parameters:,}", f"{human_bytes(cost.parameter_bytes)} of {result.config.dtype}")
    table.add_row(
        "mult-adds",
        f"{cost.mult_adds:,}",
        "parameters × real tokens, as torchinfo counts"
        if result.config.padding == "packed" or len(set(result.lengths)) == 1
        else "parameters × tokens, padded steps included",
    )
    kept = "output, h_n" + (", c_n" if "c_n" in result.tensors else "")
    table.add_row("activations", human_bytes(cost.activation_bytes), kept)
    if cost.forward_seconds is not None:  # measured only when --time asks: a time makes two runs differ
        threads = f"{cost.threads} thread{'s' if cost.threads != 1 else ''}"
        table.add_row("forward", _seconds(cost.forward_seconds), f"{cost.timing}, on {threads}")
    return table


def _seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def output_tables(result: Result, max_rows: int, width: int) -> list[Table]:
    """The last layer's state at each step; a bidirectional state's halves stacked when narrow."""
    c = result.config
    out = result.batch_major("output")
    h = c.out_size
    words = list(summarised(len(result.words), max_rows))
    title = f"output: the last layer's state at each step t, shape {shape_text(result.tensors['output'].shape)}"
    if c.bidirectional:
        title += " (→ forward, ← backward half)"

    def tables(stacked: bool) -> list[Table]:
        def cell(w: int, t: int | None) -> Text:
            if t is None:
                return Text("…")
            if t >= result.lengths[w] and c.padding == "packed":
                return PAD.copy()
            made = halves(out[w, t, :h], out[w, t, h:], stacked=stacked) if c.bidirectional else vector(out[w, t])
            if t >= result.lengths[w]:  # zero padding ran through the cell here
                made.append(" pad", style="bold yellow")
            return made

        return _word_step_tables(result, title, words, cell, width, max_rows)

    side_by_side = tables(stacked=False)
    if not c.bidirectional:
        return side_by_side
    stacked = tables(stacked=True)  # forward above backward: narrower cells, more steps to a table
    fewer = len(stacked) < len(side_by_side) or not all(fits(t, width) for t in side_by_side)
    return stacked if fewer else side_by_side


def state_tables(result: Result, name: str, max_rows: int, width: int) -> list[Table]:
    """h_n or c_n: one row per (layer, direction), one column per word, as many as fit."""
    values = result.tensors[name].values
    words = list(summarised(len(result.words), max_rows))
    what = "initial" if name in ("h_0", "c_0") else "final"
    what += " cell state" if name in ("c_0", "c_n") else " state"  # an LSTM's c is its cell, not its output
    title = (
        f"{name}: {what} per layer and direction, shape {shape_text(tuple(values.shape))}; "
        "batch is axis 1 whatever batch_first says"
    )

    def make(columns: list[int], first: bool) -> Table:
        table = titled_table(title if first else f"{name}, continued")
        table.add_column("row", justify="right")
        table.add_column("layer", no_wrap=True)
        shown = [words[k] for k in columns]
        for w in shown:
            table.add_column(Text("…") if w is None else Text(visible(result.words[w])), no_wrap=True)
        for row, (layer, direction) in enumerate(result.h_n_rows):
            cells = [Text("…") if w is None else vector(values[row, w]) for w in shown]
            table.add_row(str(row), f"{layer} {direction}", *cells)
        return table

    return chunked(make, len(words), width)


def lengths_table(result: Result, max_rows: int) -> Table:
    c = result.config
    top = (c.num_layers - 1) * c.directions
    title = "Lengths and where h_n stands in output"
    if result.batch_sizes is not None:
        sizes = [str(result.batch_sizes[k]) if k is not None else "…" for k in summarised(len(result.batch_sizes), 16)]
        title += f"; packed batch_sizes = [{', '.join(sizes)}]"
    table = titled_table(title)
    table.add_column("word")
    table.add_column("length", justify="right")
    table.add_column("step of output equal to its h_n row (checked)", no_wrap=True)
    for w in summarised(len(result.words), max_rows):
        if w is None:
            table.add_row(Text(f"… {len(result.words) - max_rows} more words …"), "", "")
            continue
        claims = []
        for i in result.identities:
            step = i.output_steps[w]
            at = f"{w}, {step}" if c.batch_first else f"{step}, {w}"
            if c.bidirectional:
                at += f", :{c.out_size}" if i.direction == "forward" else f", {c.out_size}:"
            mark = "✓" if w not in i.failing_words else "✗ differs"
            claims.append(f"output[{at}] == h_n[{i.h_n_row}, {w}] ({i.direction}) {mark}")
        table.add_row(Text(visible(result.words[w])), str(result.lengths[w]), "\n".join(claims))
    if top:
        table.caption = f"h_n row {top} is layer {c.num_layers - 1} (the last); rows are layer-major"
    return table


def parameters_table(result: Result, *, values: bool, width: int) -> Table:
    """Every parameter with its docs' shape and gate rows. Narrower: the gate rows and values
    under the name; then the gate rows once, under the table; then the docs' shape, and then
    the element count, under the shape."""

    def table(
        *, stacked: bool, gates_below: bool = False, docs_under: bool = False, count_under: bool = False
    ) -> Table:
        made = titled_table("Parameters, in named_parameters() order")
        made.add_column("name", style="bold", no_wrap=True)
        made.add_column("shape", no_wrap=True)
        if not docs_under:
            made.add_column("PyTorch's docs", no_wrap=True)
        if not count_under:
            made.add_column("elements", justify="right", no_wrap=True)
        if not stacked:
            made.add_column("gate rows", no_wrap=True)
            if values:
                made.add_column("values", no_wrap=True)
        for p in result.parameters:
            name = Text(p.name)
            gates = gate_rows(p.gates, p.shape[0])
            if stacked:
                if p.gates and not gates_below:
                    name.append("\n  gates ", style="dim")
                    name.append_text(gates)
                if values:
                    name.append("\n  ", style="dim")
                    name.append_text(preview(p.values))
            shape = Text(shape_text(p.shape))
            if docs_under:
                shape.append(f"\n{shape_text(p.symbols)}", style="dim")
            if count_under:
                shape.append(f"\n{p.numel:,} elements")
            row: list[RenderableType] = [name, shape]
            row += [] if docs_under else [shape_text(p.symbols)]
            row += [] if count_under else [f"{p.numel:,}"]
            if not stacked:
                row.append(gates)
                if values:
                    row.append(preview(p.values))
            made.add_row(*row)
        made.caption = (
            f"total {result.parameter_count:,} parameters, "
            f"{human_bytes(result.parameter_bytes)} of {result.config.dtype}"
        )
        if gates_below:
            made.caption += "".join(f"\n{line}" for line in _shared_gate_rows(result))
        if docs_under:
            made.caption += "\nunder each shape: its shape in PyTorch's docs"
        return made

    return first_fitting(
        width,
        lambda: table(stacked=False),
        lambda: table(stacked=True),
        lambda: table(stacked=True, gates_below=True),
        lambda: table(stacked=True, gates_below=True, docs_under=True),
        lambda: table(stacked=True, gates_below=True, docs_under=True, count_under=True),
    )


def _shared_gate_rows(result: Result) -> list[str]:
    """The gate rows said once for all the parameters that split their rows alike (every gated
    parameter of a module does: gates × H_cell rows), each split on a line of its own."""
    split: dict[str, list[str]] = {}
    for p in result.parameters:
        if p.gates:
            split.setdefault(gate_rows(p.gates, p.shape[0]).plain, []).append(p.name)
    if len(split) == 1:
        return [f"gate rows, the same in every parameter with gates:\n  {rows}" for rows in split]
    return [f"gate rows of {', '.join(names)}:\n  {rows}" for rows, names in split.items()]


def gate_rows(gates: str, rows: int) -> Text:
    """Which rows hold which gate, in torch's order: ``i 0:2 f 2:4 g 4:6 o 6:8``."""
    if not gates:
        return Text("—", style="dim")
    size = rows // len(gates)
    return Text(" ".join(f"{g} {k * size}:{(k + 1) * size}" for k, g in enumerate(gates)))


def _word_step_tables(
    result: Result,
    title: str,
    words: list[int | None],
    cell: Callable[[int, int | None], Text],
    width: int,
    max_rows: int,
) -> list[Table]:
    """A word-by-step grid, cut into as many tables of steps as the width needs."""
    steps = step_columns(max(result.lengths))

    def make(columns: list[int], first: bool) -> Table:
        shown = [steps[k] for k in columns]
        numbered = [t for t in shown if t is not None]
        span = f", steps {numbered[0]} to {numbered[-1]}" if numbered else ""
        table = titled_table(title if first else f"… continued{span}")
        table.add_column("word")
        for t in shown:
            table.add_column("…" if t is None else f"t={t}", no_wrap=True)
        for w in words:
            if w is None:
                table.add_row(Text(f"… {len(result.words) - max_rows} more words …"), *([""] * len(shown)))
                continue
            table.add_row(Text(visible(result.words[w])), *[cell(w, t) for t in shown])
        return table

    return chunked(make, len(steps), width)


def _one_hot(i: int, size: int) -> str:
    if size > 16:
        return f"1 at {i}, 0 elsewhere"
    return "[" + ", ".join("1" if j == i else "0" for j in range(size)) + "]"
