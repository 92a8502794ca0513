"""--steps: the equation of each step with its numbers, for the first words of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.config import GATES
from ..core.result import Result
from .blocks import section, summarised, titled_table, vector
from .visible import visible

if TYPE_CHECKING:
    import torch

#: (part key, column heading) per cell, in the order the equations compute them.
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
        ("n", "n = tanh(x_n + r∘h_n)"),
        ("h", "h_t = (1-z)∘n + z∘h_{t-1}"),
    ],
    "lstm": [
        ("ih", "W_ih x_t + b_ih"),
        ("hh", "W_hh h_{t-1} + b_hh"),
        ("i", "i = σ(·)"),
        ("f", "f = σ(·)"),
        ("g", "g = tanh(·)"),
        ("o", "o = σ(·)"),
        ("c", "c_t = f∘c_{t-1} + i∘g"),
        ("o*tanh(c)", "o∘tanh(c_t)"),
        ("h", "h_t"),
    ],
}

EQUATIONS = {
    "rnn": "h_t = {act}(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)",
    "gru": "r, z = σ(W_i· x_t + b_i· + W_h· h_{t-1} + b_h·); n = tanh(W_in x_t + b_in + r∘(W_hn h_{t-1} + b_hn)); "
    "h_t = (1-z)∘n + z∘h_{t-1}",
    "lstm": "i, f, o = σ(·), g = tanh(·) of W_i· x_t + b_i· + W_h· h_{t-1} + b_h·; c_t = f∘c_{t-1} + i∘g; "
    "h_t = o∘tanh(c_t)",
}


def trace_report(result: Result, traced_words: int, max_rows: int) -> Group:
    """Layer 0, forward direction, for each traced word: one column per step, one row per quantity."""
    config = result.config
    act = config.nonlinearity or ""
    equation = EQUATIONS[config.cell].replace("{act}", act)
    if config.proj_size:
        equation += ", then h_t = W_hr h_t (projection)"
    gates = GATES[config.cell]
    parts: list[RenderableType] = [
        Text(),
        Text("Step by step (layer 0, forward direction)", style="bold"),
        Text(equation, style="cyan"),
    ]
    for w in range(traced_words):
        steps = [s for s in result.trace if s.word == w and s.layer == 0 and s.direction == "forward"]
        table: Table = titled_table(f"word {w + 1}: {visible(result.words[w])}")
        table.add_column("quantity")
        shown = list(summarised(len(steps), max_rows))
        for k in shown:
            if k is None:
                table.add_column("…")
            else:
                header = Text(f"t={steps[k].step}  x_t=")
                toks, step = result.tokens[w], steps[k].step
                header.append(visible(toks[step]) if step < len(toks) else "0 (pad)", style="bold")
                table.add_column(header)
        for key, heading in COLUMNS[config.cell]:
            if not steps or key not in steps[0].parts:
                continue
            stacked = gates if key in ("ih", "hh") else ""
            cells = [Text("…") if k is None else _cell(steps[k].parts[key], stacked) for k in shown]
            table.add_row(heading.replace("{act}", act), *cells)
        parts.append(section(table))
    more = []
    if traced_words < len(result.words):
        more.append("--steps-words N for more words")
    if any(len({s.step for s in result.trace if s.word == w}) > max_rows for w in range(traced_words)):
        more.append("--max-rows N for more steps")
    if config.num_layers > 1 or config.bidirectional:
        more.append("--json for every layer and direction")
    parts.append(
        Text(f"showing {traced_words} of {len(result.words)} words" + "".join(f"; {m}" for m in more), style="dim")
    )
    return Group(*parts)


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
