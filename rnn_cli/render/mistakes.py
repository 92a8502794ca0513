"""What people do next with the outputs, as the run answered it: idioms, packing, padding."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..core.result import Result
from .blocks import DEFAULT_WIDTH, code_text, shape_text, summarised, titled_table
from .idiom_notes import note
from .visible import visible

#: The idioms' topics that join the layer to what comes next, in the order they are shown.
JOIN_TOPICS = ("bridge", "attention", "carry", "cell")


def idioms_section(result: Result, max_rows: int, width: int = DEFAULT_WIDTH) -> Group:
    """Each expression on a line of its own; under it its shape (or the tensors a call returns),
    per word whether it is that word's final state, and what happened: a list, so it reads at any width."""
    parts: list[RenderableType] = [
        Text(),
        Text("Using the output: expressions people write next, run on these tensors", style="bold"),
        Text(
            "final state: per word, ✓ where the value is that word's final state of the last layer "
            "(both directions when bidirectional)",
            style="dim",
        ),
    ]
    joined = False
    for idiom in (i for i in result.idioms if not i.user):  # the user's own are their own section (yours)
        if idiom.topic in JOIN_TOPICS and not joined:  # the joins: what is connected to the layer next
            joined = True
            parts += [Text(), Text(f"The joins around the layer: {', '.join(JOIN_TOPICS)}", style="bold")]
        parts.append(Text())
        parts.append(code_text(idiom.expression, width))
        facts = Text("returns " if idiom.returns and not idiom.error else "shape ", style="dim")
        if idiom.error:
            facts.append("— torch refuses it", style="red")
        elif idiom.returns:  # a module call: each tensor it returns, not one shape
            facts.append(", ".join(f"{name} {shape_text(shape)}" for name, shape in idiom.returns))
        else:
            facts.append("scalar" if idiom.shape == () else shape_text(idiom.shape or ()))
        if idiom.final_state is not None:
            facts.append("   final state ", style="dim")
            facts.append_text(_verdicts(idiom.final_state, max_rows))
        if idiom.holds is not None:
            facts.append("   check ", style="dim")
            facts.append("✓" if idiom.holds else "✗", style="green" if idiom.holds else "bold red")
        lines = [facts]
        if idiom.error:
            lines.append(Text.assemble(("torch: ", "bold red"), (visible(idiom.error), "red")))
        lines.append(Text(visible(note(idiom))))
        parts.append(Padding(Group(*lines), (0, 0, 0, 2)))
    return Group(*parts)


def _verdicts(final_state: list[bool], max_rows: int) -> Text:
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
    table = titled_table(f"The PackedSequence: data {shape_text(packed.data_shape)}, every real token, step by step")
    table.add_column("step", justify="right")
    table.add_column("batch_sizes", justify="right")
    table.add_column("words still running")
    order = packed.sorted_indices
    for t in summarised(len(packed.batch_sizes), max_rows):
        if t is None:
            table.add_row("…", "…", "")
            continue
        running = packed.batch_sizes[t]
        names = ", ".join(visible(result.words[w]) for w in order[: min(running, 4)])
        more = f" and {running - 4} more" if running > 4 else ""
        table.add_row(str(t), str(running), Text(names + more))
    table.caption = (
        f"sorted_indices {_ints(packed.sorted_indices, max_rows)}, "
        f"unsorted_indices {_ints(packed.unsorted_indices, max_rows)}"
    )
    return table


def padding_table(result: Result, max_rows: int) -> Table | None:
    """Under zero padding: how far each word's h_n moved from the packed run's."""
    effects = result.padding_effects
    if effects is None:
        return None
    table = titled_table("Padding effects: h_n with the zero padding run through, against the same words packed")
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


def warning_lines(result: Result) -> list[RenderableType]:
    """Under the tables: each warning torch raised for the module, and what dropout does here."""
    lines: list[RenderableType] = []
    for warned in result.warnings:
        lines.append(Text())
        lines.append(Text.assemble(("torch warned: ", "bold yellow"), (visible(warned.message), "yellow")))
        lines.append(Padding(Text(visible(warned.meaning)), (0, 0, 0, 2)))
    c = result.config
    if c.dropout and not result.warnings:  # no warning, yet dropout is a setting of this run
        from ..core.warned import dropout_meaning

        lines += [Text(), Text.assemble(("dropout: ", "bold"), dropout_meaning(f"{c.dropout:g}", c.num_layers))]
    return lines
