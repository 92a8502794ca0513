"""Where each number of a value came from: which tensor, which layer and direction (or step),
which word, which feature.

An expression is run a second and a third time with every recurrent tensor it may read
replaced by ids: whole numbers, exact in float64, numbered once in order and once in a
seeded random order. Moving numbers (indexing, slicing, views, ``cat``, ``stack``,
``gather``, ``index_select``...) keeps ids; computing with them (a sum, a mean, a product)
makes numbers that decode to no id, or to two different ids under the two numberings. So an
element whose two runs name the same id was moved there from that id's place, whatever the
expression did; anything else was computed. No list of operations is consulted.

``origin`` then describes the value as people read it: along which axis the words lie
(each word its own), and for each remaining slot the runs of features that come from one
layer and direction of a state (or one step of ``output``); or, when no axis is the words,
which words each row mixes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import Config
from .result import NamedWords, named_words

if TYPE_CHECKING:
    import torch

#: The state tensors: (D*num_layers, N, width), a row per layer and direction.
STATES = ("h_n", "c_n", "h_0", "c_0")
#: The step tensors: (L, N, features), or (N, L, features) with batch_first.
STEPS = ("output", "input", "embedded")
#: Ids are numbered in float64 and stay exact up to 2**53; beyond this many elements, or a
#: value this large, no origin is traced (it would cost more than the expression itself).
MAX_ELEMENTS = 2_000_000
#: Slots of a value described one by one; rows of a value whose words are mixed, likewise.
MAX_SLOTS = 16
MAX_ROWS = 8


@dataclass(frozen=True)
class Piece:
    """A run of features of one row of the value that comes from one place: a state's layer and
    direction (``part`` = (layer, direction)), or ``output``'s step (``part`` = (step, direction))."""

    tensor: str
    part: tuple[int, int]
    #: The run's features in that place, [start, stop), and how wide the place is.
    start: int
    stop: int
    width: int

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop == self.width


@dataclass(frozen=True)
class Slot:
    """One slot of the value (its index on the axes that are neither the words nor the
    features), and where its features come from: the same for every word, each its own."""

    index: tuple[int, ...]
    #: The pieces along the feature axis; None when they differ from word to word.
    pieces: tuple[Piece, ...] | None
    #: Some elements were computed (or came from no traced tensor), not moved.
    computed: bool


@dataclass(frozen=True)
class Row:
    """A row of a value that has no word axis: the words its numbers belong to and, when it
    holds one word's, the pieces along its (flattened) features."""

    words: NamedWords
    pieces: tuple[Piece, ...] | None


@dataclass(frozen=True)
class Origin:
    """Where a value's numbers came from, as people read it."""

    shape: tuple[int, ...]
    #: The axis that runs over the words, each word's own numbers along it; None if there is none.
    word_axis: int | None
    slots: tuple[Slot, ...]
    #: How many slots there are in all (``slots`` holds the first MAX_SLOTS).
    slot_count: int
    #: Without a word axis: what each row (axis 0) holds, the first MAX_ROWS rows.
    rows: tuple[Row, ...]
    #: How many rows there are in all, without a word axis.
    row_count: int
    #: Nothing of the value was moved from a traced tensor (all computed).
    computed_only: bool
    #: The run's layout: directions, layers, and whether output is batch-first.
    directions: int
    num_layers: int
    batch_first: bool
    #: The traced tensors the value's numbers were moved from, in the order of ``STATES + STEPS``.
    sources: tuple[str, ...] = ()


class Numbering:
    """The traced tensors laid end to end and numbered 1, 2, ...; twice, in two orders."""

    def __init__(self, tensors: Mapping[str, torch.Tensor], config: Config, seed: int = 0) -> None:
        import torch

        self.names = [name for name in (*STATES, *STEPS) if name in tensors and tensors[name].is_floating_point()]
        self.shapes = [tuple(int(s) for s in tensors[name].shape) for name in self.names]
        sizes = [int(tensors[name].numel()) for name in self.names]
        self.offsets = torch.tensor([0, *torch.tensor(sizes).cumsum(0).tolist()], dtype=torch.int64)
        self.total = int(self.offsets[-1])
        self.config = config
        generator = torch.Generator().manual_seed(seed)
        self.order = torch.randperm(self.total, generator=generator)
        self.inverse = torch.empty_like(self.order)
        self.inverse[self.order] = torch.arange(self.total)

    @property
    def traceable(self) -> bool:
        return 0 < self.total <= MAX_ELEMENTS

    def tensors(self, shuffled: bool) -> dict[str, torch.Tensor]:
        """Each traced tensor as its ids (float64), in order or shuffled."""
        import torch

        made = {}
        for k, name in enumerate(self.names):
            ids = torch.arange(int(self.offsets[k]), int(self.offsets[k + 1]), dtype=torch.int64)
            if shuffled:
                ids = self.order[ids]
            made[name] = (ids + 1).to(torch.float64).reshape(self.shapes[k])
        return made

    def ids(self, plain: torch.Tensor, shuffled: torch.Tensor) -> torch.Tensor:
        """Per element, the id it was moved from (0-based), or -1 where it was computed."""
        import torch

        a, b = plain.to(torch.float64).reshape(-1), shuffled.to(torch.float64).reshape(-1)
        whole = (a == a.round()) & (b == b.round()) & (a >= 1) & (a <= self.total) & (b >= 1) & (b <= self.total)
        ia = torch.where(whole, a, torch.ones_like(a)).to(torch.int64) - 1
        ib = torch.where(whole, b, torch.ones_like(b)).to(torch.int64) - 1
        same = whole & (self.inverse[ib] == ia)
        return torch.where(same, ia, torch.full_like(ia, -1)).reshape(plain.shape)

    def places(self, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per element: its tensor (index into ``names``, -1 computed), part, word and feature,
        the feature counted within its direction, and the width of that part."""
        import torch

        flat = ids.reshape(-1)
        moved = flat >= 0
        source = torch.searchsorted(self.offsets[1:], flat.clamp(min=0), right=True)
        source = torch.where(moved, source, torch.full_like(source, -1))
        found = {key: torch.zeros_like(flat) for key in ("part", "word", "feature", "width")}
        for k, name in enumerate(self.names):
            mine = source == k
            if not bool(mine.any()):
                continue
            local = flat[mine] - int(self.offsets[k])
            for key, values in self._decode(name, self.shapes[k], local).items():
                found[key][mine] = values
        return {"source": source.reshape(ids.shape), **{k: v.reshape(ids.shape) for k, v in found.items()}}

    def _decode(self, name: str, shape: tuple[int, ...], local: torch.Tensor) -> dict[str, torch.Tensor]:
        import torch

        b, c = shape[1], shape[2]
        i0, rest = local // (b * c), local % (b * c)
        i1, i2 = rest // c, rest % c
        d = self.config.directions
        if name in STATES:  # (D*num_layers, N, width): a row per layer and direction
            return {"part": i0, "word": i1, "feature": i2, "width": torch.full_like(i2, c)}
        step, word = (i1, i0) if self.config.batch_first else (i0, i1)
        width = c // d if name == "output" else c
        direction = i2 // width
        return {"part": step * d + direction, "word": word, "feature": i2 % width, "width": torch.full_like(i2, width)}


def trace(
    run: Callable[[Mapping[str, Any]], Any],
    tensors: Mapping[str, torch.Tensor],
    config: Config,
    words: Sequence[str],
) -> Origin | None:
    """Where the numbers of ``run(tensors)`` came from: ``run`` is called with the tensors as
    ids, twice. None when nothing can be traced (too large, not a tensor, the ids refused)."""
    import torch

    numbering = Numbering(tensors, config)
    if not numbering.traceable:
        return None
    try:
        plain, shuffled = run(numbering.tensors(False)), run(numbering.tensors(True))
    except Exception:  # an operation that float64 ids cannot take: the value itself was judged
        return None
    if not (isinstance(plain, torch.Tensor) and isinstance(shuffled, torch.Tensor)):
        return None
    if plain.shape != shuffled.shape or plain.dim() == 0 or plain.numel() > MAX_ELEMENTS:
        return None
    places = numbering.places(numbering.ids(plain, shuffled))
    return describe(places, numbering, words)


def describe(places: Mapping[str, torch.Tensor], numbering: Numbering, words: Sequence[str]) -> Origin:
    """The value's word axis and slots, or the words each row mixes."""
    import torch

    shape = tuple(int(s) for s in places["source"].shape)
    if len(shape) == 1:  # one number per word: a feature axis of one
        places = {key: value.unsqueeze(-1) for key, value in places.items()}
    source = places["source"]
    moved = source >= 0
    config = numbering.config
    used = sorted({int(k) for k in torch.unique(source[moved]).tolist()})
    common: dict[str, Any] = {
        "directions": config.directions,
        "num_layers": config.num_layers,
        "batch_first": config.batch_first,
        "sources": tuple(numbering.names[k] for k in used),
    }
    if not bool(moved.any()):
        return Origin(shape, None, (), 0, (), 0, True, **common)
    keys = torch.stack([places[k] for k in ("source", "part", "feature", "width")], dim=-1)
    axis = _word_axis(places["word"], moved, len(words))
    if axis is None:
        rows = _rows(keys, places["word"], moved, words, numbering)
        return Origin(shape, None, (), 0, rows, shape[0], False, **common)
    words_last = keys.movedim(axis, -3)  # (..., words, features, 4)
    grid = words_last.reshape(-1, *words_last.shape[-3:])
    indices = _slot_indices(tuple(int(s) for s in source.shape), axis)
    slots = tuple(_slot(index, grid[k], numbering) for k, index in enumerate(indices[:MAX_SLOTS]))
    return Origin(shape, axis, slots, len(indices), (), 0, False, **common)


def _word_axis(word: torch.Tensor, moved: torch.Tensor, n: int) -> int | None:
    """The first axis along which every moved element belongs to the word its position names."""
    import torch

    dims = word.dim()
    for axis in range(dims):  # the last is the features', unless the words are there (a transposed value)
        if int(word.shape[axis]) != n:
            continue
        position = torch.arange(n).reshape([n if k == axis else 1 for k in range(dims)]).expand_as(word)
        if bool(((word == position) | ~moved).all()):
            return axis
    return None


def _rows(
    keys: torch.Tensor, word: torch.Tensor, moved: torch.Tensor, words: Sequence[str], numbering: Numbering
) -> tuple[Row, ...]:
    """What each of the first rows holds: its words and, for one word's row, its pieces."""
    count = int(word.shape[0])
    flat_keys = keys.reshape(count, -1, 4)
    flat_words, flat_moved = word.reshape(count, -1), moved.reshape(count, -1)
    found = []
    for r in range(min(count, MAX_ROWS)):
        held = sorted({int(w) for w in flat_words[r][flat_moved[r]].tolist()})
        pieces = _pieces(flat_keys[r], numbering) if len(held) == 1 else None
        found.append(Row(named_words(words, held), pieces))
    return tuple(found)


def feature_axis(dims: int, word_axis: int) -> int:
    """The features' axis: the last, or the one before it where the words are last."""
    return dims - 2 if word_axis == dims - 1 else dims - 1


def _slot_indices(shape: tuple[int, ...], axis: int) -> list[tuple[int, ...]]:
    """Every index over the axes that are neither the words nor the features, in order."""
    import itertools

    features = feature_axis(len(shape), axis)
    others = [range(size) for k, size in enumerate(shape) if k not in (axis, features)]
    return [tuple(index) for index in itertools.product(*others)]


def _slot(index: tuple[int, ...], keys: torch.Tensor, numbering: Numbering) -> Slot:
    """One slot: its words x features of (source, part, feature, width); the pieces along the
    features when every word's are alike."""
    computed = bool((keys[..., 0] < 0).any())
    same = bool((keys == keys[:1]).all())
    if not same:
        return Slot(index, None, computed)
    return Slot(index, _pieces(keys[0], numbering), computed)


def _pieces(row: torch.Tensor, numbering: Numbering) -> tuple[Piece, ...]:
    """The runs along one row's features: one place, the features counting up by one."""
    import torch

    source, part, feature, width = (row[:, k] for k in range(4))
    if int(row.shape[0]) == 0:
        return ()
    breaks = torch.ones(int(row.shape[0]), dtype=torch.bool)
    breaks[1:] = (source[1:] != source[:-1]) | (part[1:] != part[:-1]) | (feature[1:] != feature[:-1] + 1)
    starts = torch.nonzero(breaks).reshape(-1).tolist()
    ends = [*starts[1:], int(row.shape[0])]
    pieces = []
    d = numbering.config.directions
    for begin, end in zip(starts, ends, strict=True):
        k = int(source[begin])
        if k < 0:
            continue
        name = numbering.names[k]
        p = int(part[begin])
        place = divmod(p, d)
        first = int(feature[begin])
        pieces.append(Piece(name, place, first, first + (end - begin), int(width[begin])))
    return tuple(pieces)


def decoder_mismatches(origin: Origin) -> list[tuple[int, Piece]]:
    """A (k, N, H) value made of whole state rows, read as a k-layer one-direction decoder's
    h_0: the rows whose layer is not the one the decoder will read them as (row i is its
    layer i), each with the piece it holds."""
    if len(origin.shape) != 3 or origin.word_axis != 1:
        return []
    wrong = []
    for slot in origin.slots:
        if slot.pieces is None or len(slot.pieces) != 1 or slot.pieces[0].tensor not in STATES:
            return []
        piece = slot.pieces[0]
        if not piece.whole:
            return []
        layer, direction = piece.part
        if layer != slot.index[0] or (origin.directions == 2 and direction != 0):
            wrong.append((slot.index[0], piece))
    return wrong
