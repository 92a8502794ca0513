"""What each line of a watched forward holds, in a sentence, and the fix: the core judges
(``core.watch.judge``), this writes the words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.watch import Finding

Facts = Mapping[str, Any]
DIRECTION = ("forward", "backward")


def _rows(rows: list[int], of: int) -> str:
    """``rows 1, 2 and 3 of 4``: the rows named (the first few), of how many."""
    if not rows:
        return "no row"
    named = ", ".join(str(r) for r in rows[:-1]) + (" and " if len(rows) > 1 else "") + str(rows[-1])
    return f"row{'s' if len(rows) > 1 else ''} {named} of {of}"


def note(f: Finding) -> str:
    """What the line's last tensor holds, per row."""
    said: str = NOTES[f.kind](f.facts)
    return said


def fix(f: Finding) -> str:
    """What to write instead; empty when the line is right."""
    write = FIXES.get(f.kind)
    return "" if write is None else write(f.facts)


def _final_state(facts: Facts) -> str:
    n = facts["words"]
    return f"every row is its sequence's final state ({n} of {n}): the last layer, every direction"


def _padding(facts: Facts) -> str:
    reasons = facts["reasons"]
    said = f"{_rows(reasons['padding'], facts['words'])} hold padding, not a state: their sequences end earlier"
    return said + _and_backward_half(facts)


def _and_backward_half(facts: Facts) -> str:
    """The rows of a line whose kind is another reason that are wrong in their backward half alone."""
    if "backward_half" not in facts["reasons"]:
        return ""
    return (
        f"; {_rows(facts['reasons']['backward_half'], facts['words'])}: the forward half is the final state, the "
        "backward half has seen one step only (it starts there)"
    )


def _through_padding(facts: Facts) -> str:
    rows = facts["reasons"]["through_padding"]
    steps = ", ".join(map(str, facts["zero_steps"]))
    return (
        f"{_rows(rows, facts['words'])}: their input ends in all-zero steps ({steps}: padding, given unpacked), "
        "and torch ran each sequence through them: h_n and the last step's output hold the state after its "
        "padding, not at its end" + _and_backward_half(facts)
    )


def _other_layer(facts: Facts) -> str:
    return f"{_rows(facts['reasons']['other_layer'], facts['words'])} hold another layer's state, not the last layer's"


def _one_direction(facts: Facts) -> str:
    return (
        f"one direction only, half the final state: a bidirectional layer's final state is both directions, "
        f"{facts['state_width']} wide"
    )


def _swapped(facts: Facts) -> str:
    return "both directions, backward half first: the final state is forward half first (the same numbers, swapped)"


def _backward_half(facts: Facts) -> str:
    return (
        f"{_rows(facts['reasons']['backward_half'], facts['words'])}: the forward half is the final state; the "
        "backward half is the backward direction at the last step, where it starts: it has seen one step only"
    )


def _not_last_step(facts: Facts) -> str:
    steps = ", ".join(map(str, facts.get("steps", [])))
    return (
        f"output at step {steps}, not each sequence's last step" if steps else "output at a step that is not the last"
    )


def _cell_state(facts: Facts) -> str:
    return "c_n, the LSTM's cell state: the hidden state (what the layer outputs) is h_n"


def _not_final(facts: Facts) -> str:
    return f"{facts['not_final']} of {facts['words']} rows are not their sequence's final state"


def _mixed_words(facts: Facts) -> str:
    shown = "; ".join(
        f"[{r}] holds sequences {', '.join(map(str, words))}" for r, words in enumerate(facts["rows"][:3])
    )
    return f"rows mix sequences: {shown}. view and reshape keep memory order, and the batch is not the first axis here"


def _state_rows(facts: Facts) -> str:
    rows = "; ".join(_state_row(r, row) for r, row in enumerate(facts["rows"]))
    handed = f", read by {facts['receiver']} as its h_0" if "receiver" in facts else ""
    return f"state rows, each sequence its own: {rows}{handed}"


def _state_row(r: int, row: Any) -> str:
    if row is None:
        return f"[{r}] several places"
    tensor, layer, direction = row
    return f"[{r}] {('', 'h_n', 'c_n')[tensor]} layer {layer} {DIRECTION[direction]}"


def _handed_state(facts: Facts) -> str:
    wrong = "; ".join(
        f"row {r} (its layer {r // facts['receiver_directions']}) is layer {layer} {DIRECTION[d]}"
        for r, layer, d in facts["mismatches"]
    )
    return f"handed to {facts['receiver']} as h_0, which reads row i as its layer i: {wrong}. " + _state_rows(
        {k: v for k, v in facts.items() if k != "receiver"}
    )


def _computed(facts: Facts) -> str:
    return (
        "constant numbers (padding or a literal)"
        if facts.get("constant")
        else "numbers computed from the outputs (a sum, a product...), no state as it was"
    )


def _rows_kind(facts: Facts) -> str:
    if facts["word_axis"] is None:
        return "each row one sequence's numbers (its steps or states, flattened), no row mixing sequences"
    return f"every step or row of each sequence, its own (sequences on axis {facts['word_axis']})"


def _layers_joined(facts: Facts) -> str:
    blocks = ", ".join(f"layer {layer} {DIRECTION[d]}" for layer, d in facts["order"])
    return f"each row its own sequence's state rows side by side ({blocks}): every layer's, not the last alone"


NOTES: dict[str, Callable[[Facts], str]] = {
    "final_state": _final_state,
    "padding": _padding,
    "through_padding": _through_padding,
    "other_layer": _other_layer,
    "one_direction": _one_direction,
    "swapped": _swapped,
    "backward_half": _backward_half,
    "not_last_step": _not_last_step,
    "cell_state": _cell_state,
    "not_final": _not_final,
    "mixed_words": _mixed_words,
    "state_rows": _state_rows,
    "handed_state": _handed_state,
    "computed": _computed,
    "rows": _rows_kind,
    "layers_joined": _layers_joined,
}

FIXES: dict[str, Callable[[Facts], str]] = {
    "padding": lambda f: (
        "h_n, which holds each sequence's own final state: torch.cat([h_n[-2], h_n[-1]], dim=1) "
        "(out[torch.arange(N), lengths - 1] would hold the backward half's first step)"
        if f.get("directions") == 2
        else "each sequence's own last step, out[torch.arange(N), lengths - 1], or h_n[-1]"
    ),
    "through_padding": lambda f: (
        f"pack the batch before the call, pack_padded_sequence(x, lengths, batch_first={f['batch_first']}, "
        "enforce_sorted=False) with each sequence's real length: torch then stops each at its end, and h_n "
        "holds each sequence's final state"
    ),
    "backward_half": lambda f: "torch.cat([h_n[-2], h_n[-1]], dim=1): both directions' final states",
    "other_layer": lambda f: "the last layer's rows: h_n[-1] (h_n[-2:] for both directions)",
    "one_direction": lambda f: "torch.cat([h_n[-2], h_n[-1]], dim=1): both directions, forward half first",
    "swapped": lambda f: "torch.cat([h_n[-2], h_n[-1]], dim=1): forward half first",
    "not_last_step": lambda f: "out[torch.arange(N), lengths - 1], or h_n[-1]",
    "cell_state": lambda f: "h_n[-1] for the hidden state",
    "mixed_words": lambda f: "move the batch axis first before view/reshape: h_n.transpose(0, 1).reshape(N, -1)",
    "handed_state": lambda f: (
        "give each decoder layer its encoder layer: torch.cat([h_n[0::2], h_n[1::2]], 2) "
        "(both directions, a decoder of 2*H units), h_n.view(L, 2, N, H).sum(1), or h_n[0::2] (forward only)"
    ),
}
