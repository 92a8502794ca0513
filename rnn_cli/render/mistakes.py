"""What people do next with the outputs, as the run answered it: idioms, packing, padding."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ..core.result import Result
from .blocks import shape_text, summarised, titled_table
from .visible import visible


def idioms_table(result: Result, max_rows: int) -> Table:
    """Each expression, its shape, per word whether it is that word's final state, and why."""
    table = titled_table("Using the output: expressions people write next, run on these tensors")
    table.add_column("expression", style="bold", overflow="fold")
    table.add_column("shape")
    table.add_column("final state?")
    table.add_column("what happens", overflow="fold")
    for idiom in result.idioms:
        shape = "error" if idiom.error else ("scalar" if idiom.shape == () else shape_text(idiom.shape or ()))
        note = Text()
        if idiom.error:
            note.append("torch: ", style="bold red")
            note.append(visible(idiom.error), style="red")
            note.append("\n")
        note.append(visible(idiom.note))
        table.add_row(Text(idiom.expression), shape, _verdicts(idiom.final_state, max_rows), note)
    table.caption = "final state? per word in order: ✓ equals its final state of the last layer (both directions)"
    return table


def _verdicts(final_state: list[bool] | None, max_rows: int) -> Text:
    if final_state is None:
        return Text("—", style="dim")
    text = Text()
    for k, w in enumerate(summarised(len(final_state), max_rows)):
        if k:
            text.append(" ")
        if w is None:
            text.append("…")
        else:
            text.append("✓" if final_state[w] else "✗", style="green" if final_state[w] else "red")
    if len(final_state) > max_rows:
        text.append(f" ({sum(final_state)} of {len(final_state)} ✓)")
    return text


def packed_table(result: Result, max_rows: int) -> Table | None:
    """The PackedSequence itself: batch_sizes as the words still running at each step."""
    packed = result.packed
    if packed is None:
        return None
    sorted_, unsorted = _ints(packed.sorted_indices, max_rows), _ints(packed.unsorted_indices, max_rows)
    table = titled_table(
        f"The PackedSequence: data {shape_text(packed.data_shape)} (every real token, step by step), "
        f"sorted_indices {sorted_}, unsorted_indices {unsorted}"
    )
    table.add_column("step", justify="right")
    table.add_column("batch_sizes", justify="right")
    table.add_column("words still running", overflow="fold")
    order = packed.sorted_indices
    for t in summarised(len(packed.batch_sizes), max_rows):
        if t is None:
            table.add_row("…", "…", "")
            continue
        running = packed.batch_sizes[t]
        names = ", ".join(visible(result.words[w]) for w in order[: min(running, 4)])
        more = f" and {running - 4} more" if running > 4 else ""
        table.add_row(str(t), str(running), Text(names + more))
    return table


def padding_table(result: Result, max_rows: int) -> Table | None:
    """Under zero padding: how far each word's h_n moved from the packed run's."""
    effects = result.padding_effects
    if effects is None:
        return None
    table = titled_table("Padding effects: h_n with zero padding fed through vs the same words packed")
    table.add_column("word")
    table.add_column("pad steps", justify="right")
    table.add_column("h_n max |diff|", justify="right")
    for w in summarised(len(effects), max_rows):
        if w is None:
            table.add_row("…", "", "")
            continue
        effect = effects[w]
        diff = Text(f"{effect.h_n_max_abs_diff:.4g}", style="bold yellow" if effect.h_n_max_abs_diff else "dim")
        table.add_row(Text(visible(effect.word)), str(effect.pad_steps), diff)
    if result.config.bidirectional:
        table.caption = "the backward direction reads the padding first, so even its final state moves"
    return table


def _ints(values: list[int], limit: int) -> str:
    shown = [str(values[k]) if k is not None else "…" for k in summarised(len(values), limit)]
    return "[" + ", ".join(shown) + "]"
