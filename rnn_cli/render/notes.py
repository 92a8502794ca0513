"""What each tensor is, in a sentence: the note beside it in the shapes table and in the JSON.

Written here, from the facts the core lays each tensor out from (what the tensor is, the
run's batch_first, where its input came from, the vocabulary's size, its initial state), so
the core holds no prose.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.layout import About, Layout


def tensor_note(layout: Layout) -> str:
    """The note of one tensor: what it holds and where its batch axis is."""
    return _WRITERS[layout.spec.about](layout)


def _order(layout: Layout) -> str:
    """How a sequence's first two axes go, and the setting that puts them so."""
    if layout.sizes.seq_major:
        return "(seq, batch, ...) as batch_first=False"
    return "(batch, seq, ...) as batch_first=True"


def _input(layout: Layout) -> str:
    """Token ids with an embedding; else one-hot rows, seeded features, or the caller's own
    batch, with how its axes were read and how the other batch_first would read them."""
    sizes, order = layout.sizes, _order(layout)
    if sizes.config.embed:
        return f"token ids, {sizes.vocab_size} for padding; {order}"
    if sizes.source != "given tensor":
        what = "random features, seeded" if sizes.source == "random features" else "one-hot"
        return f"{what}; {order}"
    (first, second), (n_first, n_second) = layout.axes[:2], layout.shape[:2]
    other = f"batch_first={sizes.seq_major} would read it as {second}={n_first} × {first}={n_second}"
    return f"yours, read as {first}={n_first} × {second}={n_second}; {order}; {other}"


def _embedded(layout: Layout) -> str:
    v, width = layout.sizes.vocab_size, layout.sizes.input_size
    return f"nn.Embedding({v + 1}, {width}, padding_idx={v}) of the ids: the layer's input"


def _initial_state(layout: Layout) -> str:
    state = layout.sizes.config.initial_state
    kind = "yours, as given" if state == "given" else state
    return f"{kind}, passed as the initial state: batch is axis 1 even with batch_first=True"


def _output(layout: Layout) -> str:
    halves = "; forward half then backward half" if layout.sizes.config.bidirectional else ""
    return "last layer, every step" + halves


def _final_state(layout: Layout) -> str:
    return "batch is axis 1 whatever batch_first says; rows are layer-major"


def _final_cell_state(layout: Layout) -> str:
    return "cell state: hidden_size wide even with proj_size; batch is axis 1"


#: The sentence for each kind of tensor the core declares (a test holds it to every ``About``).
_WRITERS: dict[About, Callable[[Layout], str]] = {
    "input": _input,
    "embedded": _embedded,
    "initial state": _initial_state,
    "output": _output,
    "final state": _final_state,
    "final cell state": _final_cell_state,
}
