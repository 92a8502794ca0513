"""What a tensor a line of the forward made holds, per row, from its shadows: for each sequence,
whether its row is that sequence's final state (both directions, forward half first), padding,
a state run through padding given unpacked, one direction only, another layer's state or a step
that is not its last; rows that mix sequences; a stack of whole state rows; or numbers computed
from the outputs. Facts only: the sentences are render's (``render/watch_notes.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .ids import COMPUTED, CONSTANT, Ids

if TYPE_CHECKING:
    import torch

    from .calls import WatchedCall

#: Rows a finding names one by one; the rest are counted.
NAMED_ROWS = 8
#: A tensor with more elements than this is not judged (its decoding would cost more than the forward).
MAX_JUDGED = 4_000_000


@dataclass
class Verdict:
    """What a tensor holds: a kind (``final_state``, ``padding``, ``through_padding``, ``one_direction``, ``swapped``,
    ``other_layer``, ``not_last_step``, ``not_final``, ``mixed_words``, ``state_rows``,
    ``layers_joined``, ``computed``, ``rows``), per sequence whether its row is its final state, and the facts."""

    kind: str
    final_state: list[bool] | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def right(self) -> bool:
        """Nothing to fix: every row is its sequence's final state, or the rows are no final state's."""
        return self.kind in ("final_state", "state_rows", "rows", "computed", "layers_joined")


def judge(pair: tuple[torch.Tensor, torch.Tensor], ids: Ids, calls: list[WatchedCall]) -> Verdict | None:
    """The verdict on a tensor whose shadows are ``pair``; None when it is too large to judge."""
    a, b = pair
    if a.numel() > MAX_JUDGED or a.dim() == 0:
        return None
    shape = tuple(int(s) for s in a.shape)
    found = ids.ids(a, b)
    places = {k: v.reshape(shape) for k, v in ids.places(found).items()}
    moved = places["source"] >= 0
    if not bool(moved.any()):
        return Verdict("computed", facts={"constant": bool((found == CONSTANT).all())})
    source = ids.sources[int(places["source"][moved][0])]
    call = calls[source.call]
    n = _batch(ids, source)
    places["tensor"] = _tensor_codes(places["source"], ids)
    axis = _word_axis(places["word"], moved, n)
    facts: dict[str, Any] = {"words": n, "call": call.name}
    if axis is None:
        if _rows_mix(places["word"], moved):
            return Verdict("mixed_words", facts=facts | {"rows": _row_words(places["word"], moved)})
        return Verdict("rows", facts=facts | {"word_axis": None})  # each row one sequence's (steps flattened)
    if len(shape) <= 2 and axis == 0:
        return _per_sequence(places, found.reshape(shape), call, facts)
    if len(shape) == 3 and axis == 1:
        return Verdict("state_rows", facts=facts | {"rows": _stacked_rows(places)})
    return Verdict("rows", facts=facts | {"word_axis": axis})


def _batch(ids: Ids, source: Any) -> int:
    """The sequences of the call a source belongs to: h_n's axis 1, or the lengths' count."""
    for s in ids.sources:
        if s.call == source.call and s.tensor == "h_n":
            return int(s.shape[1])
    return int(source.shape[0] if source.tensor == "output" and source.batch_first else source.shape[1])


def _tensor_codes(source: torch.Tensor, ids: Ids) -> torch.Tensor:
    """Per element, which tensor it came from: 0 output, 1 h_n, 2 c_n; -1 none."""
    import torch

    codes = torch.tensor([{"output": 0, "h_n": 1, "c_n": 2}[s.tensor] for s in ids.sources] or [0])
    return torch.where(source >= 0, codes[source.clamp(min=0)], torch.full_like(source, -1))


def _word_axis(word: torch.Tensor, moved: torch.Tensor, n: int) -> int | None:
    """The first axis along which every moved element belongs to the sequence its position names."""
    import torch

    if word.dim() == 1:
        word, moved = word.unsqueeze(-1), moved.unsqueeze(-1)
    for axis in range(word.dim() - 1):
        if int(word.shape[axis]) != n:
            continue
        position = torch.arange(n).reshape([n if k == axis else 1 for k in range(word.dim())]).expand_as(word)
        if bool(((word == position) | ~moved).all()):
            return axis
    return None


def _rows_mix(word: torch.Tensor, moved: torch.Tensor) -> bool:
    """Whether a row (an index of the first axis) holds numbers of more than one sequence."""
    import torch

    rows = word.reshape(int(word.shape[0]), -1) if word.dim() > 1 else word.reshape(1, -1)
    mask = moved.reshape(rows.shape)
    highest = torch.where(mask, rows, torch.full_like(rows, -1)).max(dim=1).values
    lowest = torch.where(mask, rows, torch.full_like(rows, 2**62)).min(dim=1).values
    return bool((mask.any(dim=1) & (highest != lowest)).any())


def _row_words(word: torch.Tensor, moved: torch.Tensor) -> list[list[int]]:
    """The sequences each of the first rows holds numbers of."""
    rows = word.reshape(int(word.shape[0]), -1) if word.dim() > 1 else word.reshape(1, -1)
    mask = moved.reshape(rows.shape)
    return [sorted({int(w) for w in rows[r][mask[r]].tolist()}) for r in range(min(int(rows.shape[0]), NAMED_ROWS))]


#: The reasons a row is not its sequence's final state, the most telling first: a line's kind is
#: the first reason any of its rows has.
REASONS = (
    "padding",
    "through_padding",
    "other_layer",
    "one_direction",
    "swapped",
    "backward_half",
    "not_last_step",
    "cell_state",
    "not_final",
)

#: The reasons that, for a sequence whose input ends in padding given unpacked, are its padding's
#: doing: packing the batch makes these rows right (another layer or one direction stays wrong).
AFTER_PADDING = ("backward_half", "not_last_step", "not_final")


def _per_sequence(
    places: dict[str, torch.Tensor], found: torch.Tensor, call: WatchedCall, facts: dict[str, Any]
) -> Verdict:
    """A row per sequence: each one's verdict; the rows that are not final, grouped by why."""
    import torch

    if found.dim() == 1:
        places = {k: v.unsqueeze(-1) for k, v in places.items()}
        found = found.unsqueeze(-1)
    config = call.config
    assert config is not None
    n, width = int(found.shape[0]), int(found.shape[1])
    d, h = config.directions, config.out_size
    seen = call.lengths if call.lengths is not None else call.zero_tails
    lengths = torch.tensor(seen) if seen is not None and len(seen) == n else torch.full((n,), call.steps)
    through = lengths < call.steps if call.lengths is None else torch.zeros(n, dtype=torch.bool)
    halves = _final_halves(places, n, width, (d, config.num_layers, h), lengths, through)
    final = halves.all(dim=1) if width == d * h else torch.zeros(n, dtype=torch.bool)
    padding = (found == CONSTANT).any(dim=1)
    facts |= {"final": int(final.sum()), "width": width, "state_width": d * h, "directions": d}
    rows = [w for w in range(n) if not final[w]]
    if not rows:
        return Verdict("final_state", final.tolist(), facts)
    joined = _joined_states(places, h) if width > d * h else None
    if joined is not None:
        return Verdict("layers_joined", None, facts | {"order": joined})
    reasons: dict[str, list[int]] = {}
    for w in rows[: NAMED_ROWS * 4]:
        why = "padding" if bool(padding[w]) else _why(places, w, halves[w], d, config.num_layers, h, width)
        if why in AFTER_PADDING and bool(through[w]) and _ran_through(places, w, int(lengths[w])):
            why = "through_padding"
        reasons.setdefault(why, []).append(w)
    kind = next(reason for reason in REASONS if reason in reasons)
    facts |= {"reasons": {k: v[:NAMED_ROWS] for k, v in reasons.items()}, "not_final": len(rows)}
    facts |= {"padded": int(padding.sum()), "steps": _steps(places, reasons[kind][0])}
    if "through_padding" in reasons:
        facts |= {"zero_steps": [call.steps - int(lengths[w]) for w in reasons["through_padding"][:NAMED_ROWS]]}
        facts |= {"batch_first": call.batch_first}
    return Verdict(kind, final.tolist(), facts)


def _ran_through(places: dict[str, torch.Tensor], w: int, length: int) -> bool:
    """Whether a row of a sequence that ends in padding holds a state computed over it: h_n or
    c_n, the output at or after its padding's first step, or the backward direction anywhere
    (it starts at the last step, in the padding)."""
    tensor, part, direction = (places[k][w] for k in ("tensor", "part", "direction"))
    state = (tensor == 1) | (tensor == 2)
    late = (tensor == 0) & ((part >= length) | (direction == 1))
    return bool((state | late).any())


def _joined_states(places: dict[str, torch.Tensor], h: int) -> list[tuple[int, int]] | None:
    """Rows that each hold their own sequence's whole state rows side by side (h_n.transpose(0,
    1).reshape(N, -1)): the (layer, direction) of each block of h, the same for every row; else None."""
    import torch

    tensor, part, direction, feature = (places[k] for k in ("tensor", "part", "direction", "feature"))
    width = int(tensor.shape[1])
    if width % h or not bool(((tensor == 1) | (tensor == 2)).all()) or not bool((tensor == tensor[0, 0]).all()):
        return None
    if not bool((feature == (torch.arange(width) % h)[None, :]).all()):
        return None
    blocks = [(int(part[0, k * h]), int(direction[0, k * h])) for k in range(width // h)]
    for k, (layer, way) in enumerate(blocks):
        columns = slice(k * h, (k + 1) * h)
        if not bool(((part[:, columns] == layer) & (direction[:, columns] == way)).all()):
            return None
    return blocks if len(set(blocks)) == len(blocks) else None


def _final_halves(
    places: dict[str, torch.Tensor],
    n: int,
    width: int,
    sizes: tuple[int, int, int],
    lengths: torch.Tensor,
    through: torch.Tensor,
) -> torch.Tensor:
    """Per sequence and direction (n, d): whether that half of its row is that direction's final
    state: the last layer's h_n row, or output at the sequence's last step (forward) or its first
    (backward), whole, in its place (forward half first). A padded batch's sequences all run to
    its last step: torch knows no shorter length; where ``through`` marks a sequence whose input
    ends in padding, only its forward output at ``lengths - 1`` has not seen that padding."""
    import torch

    d, layers, h = sizes
    if width not in (h, d * h):
        return torch.zeros(n, d, dtype=torch.bool)
    col = torch.arange(width)
    direction = col // h if width == d * h else torch.full((width,), -1)
    due = torch.where(direction[None, :] == 0, (lengths - 1)[:, None], torch.zeros(n, 1, dtype=torch.int64))
    tensor, part = places["tensor"], places["part"]
    from_state = (tensor == 1) & (part == layers - 1) & ~through[:, None]
    from_output = (tensor == 0) & (part == due) & ~(through[:, None] & (direction[None, :] == 1))
    right = (places["direction"] == direction) & (places["feature"] == col % h)
    right &= (places["word"] == torch.arange(n)[:, None]) & (places["source"] >= 0)
    ok = (from_state | from_output) & right
    return (
        torch.stack([ok[:, k * h : (k + 1) * h].all(dim=1) for k in range(d)], dim=1) if width == d * h else ok[:, :1]
    )


def _why(places: dict[str, torch.Tensor], w: int, halves: torch.Tensor, d: int, layers: int, h: int, width: int) -> str:
    """Why a row (not padding) is not its sequence's final state, read from what it holds."""
    held = {
        (int(t), int(p), int(r))
        for t, p, r in zip(
            places["tensor"][w].tolist(), places["part"][w].tolist(), places["direction"][w].tolist(), strict=True
        )
        if t >= 0
    }
    directions = {r for _, _, r in held}
    states = {p for t, p, _ in held if t in (1, 2)}
    if states and states != {layers - 1}:
        return "other_layer"
    if d == 2 and width == h and len(directions) == 1:
        return "one_direction"
    if d == 2 and width == 2 * h and int(places["direction"][w][0]) == 1:
        return "swapped"
    if any(t == 2 for t, _, _ in held):
        return "cell_state"
    if d == 2 and bool(halves[0]) and not bool(halves[1]):
        return "backward_half"
    if any(t == 0 for t, _, _ in held):
        return "not_last_step"
    return "not_final"


def _steps(places: dict[str, torch.Tensor], w: int) -> list[int]:
    """The steps of output a row holds (its first few)."""
    steps = {int(p) for t, p in zip(places["tensor"][w].tolist(), places["part"][w].tolist(), strict=True) if t == 0}
    return sorted(steps)[:NAMED_ROWS]


def _stacked_rows(places: dict[str, torch.Tensor]) -> list[tuple[int, int, int] | None]:
    """A stack of whole state rows (k, N, H): per row, the (tensor, layer, direction) it holds, or None."""
    found: list[tuple[int, int, int] | None] = []
    for r in range(int(places["tensor"].shape[0])):
        keys = {
            (int(t), int(p), int(d))
            for t, p, d in zip(
                places["tensor"][r].reshape(-1).tolist(),
                places["part"][r].reshape(-1).tolist(),
                places["direction"][r].reshape(-1).tolist(),
                strict=True,
            )
        }
        found.append(keys.pop() if len(keys) == 1 and next(iter(keys))[0] in (1, 2) else None)
    return found


def handed_mismatches(rows: list[tuple[int, int, int] | None], directions: int) -> list[tuple[int, int, int]]:
    """A stack of state rows handed to a recurrent call as h_0 (row i its layer i // D, direction
    i % D): the rows it reads as something they are not, as (row, layer, direction). The rows may
    come from any layers, in order (the last layers of a deeper encoder are fine); not the two
    directions of one layer read as two layers, nor a direction read as the other."""
    wrong = []
    previous: int | None = None
    for i, row in enumerate(rows):
        if row is None:
            continue
        _, layer, direction = row
        if directions == 2:
            partner = rows[i - 1] if i % 2 else None
            bad = direction != i % 2 or (partner is not None and partner[1] != layer)
        else:
            bad = previous is not None and layer <= previous
        if bad:
            wrong.append((i, layer, direction))
        if directions == 1 or i % 2 == 0:
            previous = layer
    return wrong


__all__ = ["COMPUTED", "Verdict", "handed_mismatches", "judge"]
