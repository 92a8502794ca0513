"""--steps: the equation of each step with its numbers, for the first words of a run."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.config import GATES
from ..core.result import Result, TraceStep
from .blocks import chunked, section, summarised, titled_table, vector
from .visible import visible

if TYPE_CHECKING:
    import torch

#: (part key, row heading) per cell, in the order the equations compute them.
COLUMNS = {
    "rnn": [
        ("ih", "W_ih x_t + b_ih"),
        ("hh", "W_hh h_{t-1} + b_hh"),
        ("pre", "sum"),
        ("h", "h_t = {act}(sum)"),
    ],
    "gru": [
        ("ih", "W_ih x_t + b_ih"),
        ("hh", "W_hh h_{t-1} + b_hh"),
        ("r", "r = σ(·)"),
        ("z", "z = σ(·)"),
        ("n", "n = tanh(·)"),
        ("h", "h_t"),
    ],
    "lstm": [
        ("ih", "W_ih x_t + b_ih"),
        ("hh", "W_hh h_{t-1} + b_hh"),
        ("i", "i = σ(·)"),
        ("f", "f = σ(·)"),
        ("g", "g = tanh(·)"),
        ("o", "o = σ(·)"),
        ("c", "c_t"),
        ("o*tanh(c)", "o∘tanh(c_t)"),
        ("h", "h_t"),
    ],
}

EQUATIONS = {
    "rnn": ["h_t = {act}(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)"],
    "gru": [
        "r = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr), z likewise",
        "n = tanh(W_in x_t + b_in + r∘(W_hn h_{t-1} + b_hn)), the candidate state",
        "h_t = (1-z)∘n + z∘h_{t-1}",
    ],
    "lstm": [
        "i, f, o = σ(·) and g = tanh(·) of W_i· x_t + b_i· + W_h· h_{t-1} + b_h·",
        "c_t = f∘c_{t-1} + i∘g",
        "h_t = o∘tanh(c_t)",
    ],
}


#: Traces shown as tables; --json carries every one.
MAX_TRACE_TABLES = 8


def trace_report(result: Result, traced_words: int, max_rows: int, width: int) -> Group:
    """Every layer and direction of each traced word: one column per step, one row per quantity."""
    config = result.config
    act = config.nonlinearity or ""
    equations = [e.replace("{act}", act) for e in EQUATIONS[config.cell]]
    if config.proj_size:
        equations.append("then h_t = W_hr h_t (the projection)")
    parts: list[RenderableType] = [
        Text(),
        Text("Step by step", style="bold"),
        *(Text(e, style="cyan") for e in equations),
    ]
    wanted = [(w, layer, direction) for w in range(traced_words) for layer, direction in result.h_n_rows]
    for w, layer, direction in wanted[:MAX_TRACE_TABLES]:
        steps = [s for s in result.trace if s.word == w and s.layer == layer and s.direction == direction]
        steps.sort(key=lambda s: s.step, reverse=direction == "backward")  # in the order the direction runs
        shown = list(summarised(len(steps), max_rows))
        where = f"layer {layer}, {direction}"
        if direction == "backward":
            where += ", from the last step back to step 0"
        if layer:
            where += f"; x_t is layer {layer - 1}'s output"
        title = f"word {w}: {visible(result.words[w])} ({where})"

        make = functools.partial(_step_table, result, steps, shown, title)
        parts.extend(section(table) for table in chunked(make, len(shown), width))
    more = []
    if traced_words < len(result.words):
        more.append("--steps-words N for more words")
    if any(len({s.step for s in result.trace if s.word == w}) > max_rows for w in range(traced_words)):
        more.append("--max-rows N for more steps")
    if len(wanted) > MAX_TRACE_TABLES:
        more.append(f"{len(wanted) - MAX_TRACE_TABLES} more layer and direction traces in --json")
    shown_words = f"showing {traced_words} of {len(result.words)} words, every layer and direction"
    if len(wanted) > MAX_TRACE_TABLES:
        shown_words = f"showing {MAX_TRACE_TABLES} of {len(wanted)} traces of {traced_words} words"
    parts.append(Text(shown_words + "".join(f"; {m}" for m in more), style="dim"))
    return Group(*parts)


def _step_table(
    result: Result, steps: list[TraceStep], shown: list[int | None], title: str, columns: list[int], first: bool
) -> Table:
    """One trace (a word through one layer and direction), over the steps at ``columns`` of ``shown``."""
    config = result.config
    act = config.nonlinearity or ""
    gates = GATES[config.cell]
    table = titled_table(title if first else "… continued")
    table.add_column("quantity")
    picked = [shown[k] for k in columns]
    for k in picked:
        if k is None:
            table.add_column("…")
            continue
        step = steps[k]
        header = Text(f"t={step.step}")
        if not step.layer and result.source == "words":
            toks = result.tokens[step.word]
            header.append("  x_t=")
            header.append(visible(toks[step.step]) if step.step < len(toks) else "0 (pad)", style="bold")
        table.add_column(header, no_wrap=True)
    for key, heading in COLUMNS[config.cell]:
        if not steps or key not in steps[0].parts:
            continue
        stacked = gates if key in ("ih", "hh") else ""
        cells = [Text("…") if k is None else _cell(steps[k].parts[key], stacked) for k in picked]
        table.add_row(heading.replace("{act}", act), *cells)
    return table


def _cell(values: torch.Tensor, gates: str) -> Text:
    """A vector, or a gate-stacked one split into its named blocks, one per line."""
    if not gates:
        return vector(values)
    text = Text()
    for i, (name, block) in enumerate(zip(gates, values.chunk(len(gates)), strict=True)):
        if i:
            text.append("\n")
        text.append(f"{name} ", style="dim")
        text.append_text(vector(block))
    return text
