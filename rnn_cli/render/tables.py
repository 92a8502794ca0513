"""Rich tables for a person: vocabulary, shapes with named axes, values, parameters, checks.

Every piece of user text goes in as a ``Text`` made visible first, never as markup.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from ..core.budget import human_bytes
from ..core.result import Result
from .blocks import PAD, preview, shape_text, step_columns, summarised, titled_table, vector
from .visible import visible


def vocabulary_table(result: Result, max_rows: int) -> Table:
    size = result.input_size
    table = titled_table(f"Vocabulary: input_size = {size} (first-appearance order)")
    table.add_column("index", justify="right")
    table.add_column("token")
    table.add_column("one-hot vector")
    for i in summarised(size, max_rows):
        if i is None:
            table.add_row("…", Text(f"… {size - max_rows} more tokens …"), "")
            continue
        table.add_row(str(i), Text(visible(result.vocabulary[i])), _one_hot(i, size))
    return table


def shapes_table(result: Result) -> Table:
    table = titled_table("Shapes")
    table.add_column("tensor", style="bold")
    table.add_column("shape")
    table.add_column("axes")
    table.add_column("PyTorch's docs")
    table.add_column("note")
    for facts in result.tensors.values():
        axes = " × ".join(f"{a}={s}" for a, s in zip(facts.layout.axes, facts.shape, strict=True))
        table.add_row(facts.name, shape_text(facts.shape), axes, shape_text(facts.layout.symbols), facts.layout.note)
    return table


def input_table(result: Result, max_rows: int) -> Table:
    """The input by word and step, each cell the token whose one-hot row is there."""
    steps = max(result.lengths)
    table = _word_step_table(
        f"input: the token at each step (shape {shape_text(result.tensors['input'].shape)})", steps
    )
    for w in summarised(len(result.words), max_rows):
        if w is None:
            table.add_row(*_more_words(result, max_rows, steps))
            continue
        toks = result.tokens[w]
        cells = [
            Text("…") if t is None else Text(visible(toks[t])) if t < len(toks) else PAD for t in step_columns(steps)
        ]
        table.add_row(Text(visible(result.words[w])), *cells)
    return table


def output_table(result: Result, max_rows: int) -> Table:
    c = result.config
    out = result.batch_major("output")
    steps = out.shape[1]
    halves = " (forward | backward)" if c.bidirectional else ""
    table = _word_step_table(
        f"output: the last layer's state at each step{halves}, shape {shape_text(result.tensors['output'].shape)}",
        steps,
    )
    h = c.out_size
    for w in summarised(len(result.words), max_rows):
        if w is None:
            table.add_row(*_more_words(result, max_rows, steps))
            continue
        cells: list[RenderableType] = []
        for t in step_columns(steps):
            if t is None:
                cells.append(Text("…"))
                continue
            if t >= result.lengths[w] and c.padding == "packed":
                cells.append(PAD)
                continue
            cell = (
                Text.assemble(vector(out[w, t, :h]), " | ", vector(out[w, t, h:]))
                if c.bidirectional
                else vector(out[w, t])
            )
            if t >= result.lengths[w]:  # zero padding ran through the cell here
                cell.append(" pad", style="bold yellow")
            cells.append(cell)
        table.add_row(Text(visible(result.words[w])), *cells)
    return table


def state_table(result: Result, name: str, max_rows: int) -> Table:
    """h_n or c_n: one row per (layer, direction), one column per word."""
    values = result.tensors[name].values
    words = list(summarised(len(result.words), max_rows))
    table = titled_table(
        f"{name}: final state per layer and direction, shape {shape_text(tuple(values.shape))}"
        " (batch is axis 1 whatever batch_first says)"
    )
    table.add_column("row", justify="right")
    table.add_column("layer", justify="right")
    table.add_column("direction")
    for w in words:
        table.add_column(Text("…") if w is None else Text(visible(result.words[w])))
    for row, (layer, direction) in enumerate(result.h_n_rows):
        cells = [Text("…") if w is None else vector(values[row, w]) for w in words]
        table.add_row(str(row), str(layer), direction, *cells)
    return table


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
    table.add_column("step of output equal to its h_n row (checked)")
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


def parameters_table(result: Result, *, values: bool) -> Table:
    table = titled_table("Parameters, in named_parameters() order")
    table.add_column("name", style="bold")
    table.add_column("shape")
    table.add_column("PyTorch's docs")
    table.add_column("elements", justify="right")
    table.add_column("gate rows")
    if values:
        table.add_column("values")
    for p in result.parameters:
        row: list[RenderableType] = [
            p.name,
            shape_text(p.shape),
            shape_text(p.symbols),
            f"{p.numel:,}",
            gate_rows(p.gates, p.shape[0]),
        ]
        if values:
            row.append(preview(p.values))
        table.add_row(*row)
    table.caption = (
        f"total {result.parameter_count:,} parameters, {human_bytes(result.parameter_bytes)} of {result.config.dtype}"
    )
    return table


def gate_rows(gates: str, rows: int) -> Text:
    """Which rows hold which gate, in torch's order: ``i 0:2 f 2:4 g 4:6 o 6:8``."""
    if not gates:
        return Text("—", style="dim")
    size = rows // len(gates)
    return Text(" ".join(f"{g} {k * size}:{(k + 1) * size}" for k, g in enumerate(gates)))


def _word_step_table(title: str, steps: int) -> Table:
    table = titled_table(title)
    table.add_column("word")
    for t in step_columns(steps):
        table.add_column("…" if t is None else f"step {t}")
    return table


def _more_words(result: Result, max_rows: int, steps: int) -> list[RenderableType]:
    width = len(list(step_columns(steps)))
    return [Text(f"… {len(result.words) - max_rows} more words …"), *([""] * width)]


def _one_hot(i: int, size: int) -> str:
    if size > 16:
        return f"1 at {i}, 0 elsewhere"
    return "[" + ", ".join("1" if j == i else "0" for j in range(size)) + "]"
