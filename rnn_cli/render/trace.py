"""--steps: the equation of each step with its numbers, for the first words of a run."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..result import Result
from .tables import section, summarised, titled_table, vector
from .visible import visible

#: (part key, column heading) per cell, in the order the equations compute them.
COLUMNS = {
    "rnn": [
        ("ih", "W_ih x_t + b_ih"),
        ("hh", "W_hh h_{t-1} + b_hh"),
        ("pre", "sum"),
        ("h", "h_t = {act}(sum)"),
    ],
    "gru": [
        ("ih", "W_ih x_t + b_ih  [r|z|n]"),
        ("hh", "W_hh h_{t-1} + b_hh  [r|z|n]"),
        ("r", "r = σ(·)"),
        ("z", "z = σ(·)"),
        ("n", "n = tanh(x_n + r∘h_n)"),
        ("h", "h_t = (1-z)∘n + z∘h_{t-1}"),
    ],
    "lstm": [
        ("ih", "W_ih x_t + b_ih  [i|f|g|o]"),
        ("hh", "W_hh h_{t-1} + b_hh  [i|f|g|o]"),
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
    """Layer 0, forward direction, for each traced word: one row per step."""
    config = result.config
    act = config.nonlinearity or ""
    equation = EQUATIONS[config.cell].replace("{act}", act)
    if config.proj_size:
        equation += ", then h_t = W_hr h_t (projection)"
    parts: list[RenderableType] = [
        Text(),
        Text("Step by step (layer 0, forward direction)", style="bold"),
        Text(equation, style="cyan"),
    ]
    for w in range(traced_words):
        steps = [s for s in result.trace if s.word == w and s.layer == 0 and s.direction == "forward"]
        table: Table = titled_table(f"word {w + 1}: {visible(result.words[w])}")
        table.add_column("t", justify="right")
        table.add_column("x_t")
        columns = [
            (k, h.replace("{act}", act)) for k, h in COLUMNS[config.cell] if k in (steps[0].parts if steps else {})
        ]
        for _, heading in columns:
            table.add_column(heading)
        for k in summarised(len(steps), max_rows):
            if k is None:
                table.add_row("…", Text(f"… {len(steps) - max_rows} more steps (--max-rows) …"))
                continue
            s = steps[k]
            token = Text(visible(result.tokens[w][s.step]))
            table.add_row(str(s.step), token, *(vector(s.parts[k]) for k, _ in columns))
        parts.append(section(table))
    shown = f"{traced_words} of {len(result.words)} words"
    more = []
    if traced_words < len(result.words):
        more.append("--steps-words N for more words")
    if config.num_layers > 1 or config.bidirectional:
        more.append("--json for every layer and direction")
    parts.append(Text(f"showing {shown}" + (f"; {', '.join(more)}" if more else ""), style="dim"))
    return Group(*parts)
