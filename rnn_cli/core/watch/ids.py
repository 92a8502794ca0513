"""Ids for the numbers a watched forward's recurrent calls return, and what each id is.

Every element of a recurrent call's ``output`` (padded, or a PackedSequence's data), ``h_n``
and ``c_n`` gets an id, counting up across the session; the tensor's shadow holds those ids
twice: as they are (``a``) and scrambled (``b = scramble(a)``), by a map no arithmetic keeps: a
sum, a mean or a weighted sum of ids is whole in ``a`` and in ``b``, yet ``b`` is not its
scramble (a multiplication modulo a prime alone would not do: a sum of its values is the value
of the sum, whenever it stays below the prime).
Whatever the forward then does to the tensor, the same operation on the shadows says, per
element of the result, whether it was moved there from one place (both shadows decode to one
id) or computed (they do not): no list of operations is consulted (``provenance`` does the
same for ``--expr``, on ids it numbers itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

#: A prime above every id, and the scramble's two multipliers (near P over the golden ratio, and
#: 48271): each product stays below 2**62 in int64, each value below P, exact in float64.
P = 2**31 - 1
M = 1_327_217_884
M2 = 48_271
#: Elements one session numbers at most: ids stay below P.
MAX_IDS = P - 2
#: What an element that is no id decodes to: computed (the two shadows differ), a constant both
#: shadows hold alike (padding's zeros, a literal), or a number of the forward's own that no
#: recurrent call returned (``follow.FOREIGN``, as it stood).
COMPUTED, CONSTANT, FOREIGN = -1, -2, -3
#: The two fillers a foreign operand stands as in the shadows (they differ; neither is an id).
FOREIGN_FILL = (-3.5, -7.25)


@dataclass
class Source:
    """One tensor a recurrent call returned, and the layout its ids decode by."""

    call: int
    tensor: str  # "output", "h_n", "c_n"
    shape: tuple[int, ...]
    start: int  # its first id
    directions: int
    #: The width of one direction's part (H_out, or hidden_size for c_n).
    width: int
    batch_first: bool = False
    #: A PackedSequence's data: each row's step and word (in the batch's own order).
    row_step: torch.Tensor | None = None
    row_word: torch.Tensor | None = None

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    def decode(self, local: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per local index: ``part`` (a state's layer, output's step), ``direction``, ``word``, ``feature``."""
        if self.tensor in ("h_n", "c_n"):  # (D*num_layers, N, width)
            n, w = self.shape[1], self.shape[2]
            row, rest = local // (n * w), local % (n * w)
            return {
                "part": row // self.directions,
                "direction": row % self.directions,
                "word": rest // w,
                "feature": rest % w,
            }
        last = self.shape[-1]
        place, feature = local // last, local % last
        if self.row_step is not None and self.row_word is not None:  # packed rows
            step, word = self.row_step[place], self.row_word[place]
        else:
            outer, inner = place // self.shape[1], place % self.shape[1]
            step, word = (inner, outer) if self.batch_first else (outer, inner)
        return {"part": step, "direction": feature // self.width, "word": word, "feature": feature % self.width}


def scramble(a: torch.Tensor) -> torch.Tensor:
    """Each id's second shadow (int64 in, int64 out, below P): multiplied, bits folded, multiplied."""
    x = (a * M) % P
    x = x ^ (x >> 13)
    return (x * M2) % P


@dataclass
class Ids:
    """The session's id space: every source numbered so far, one after another from 1."""

    sources: list[Source] = field(default_factory=list)
    next_id: int = 1

    def add(self, source: Source) -> Source | None:
        """Number ``source`` (None when the session's ids would run out)."""
        if self.next_id + source.numel >= MAX_IDS:
            return None
        source.start = self.next_id
        self.next_id += source.numel
        self.sources.append(source)
        return source

    def shadows(self, source: Source) -> tuple[torch.Tensor, torch.Tensor]:
        """The source's ids as they are and under the bijection, float64, in its shape."""
        import torch

        a = torch.arange(source.start, source.start + source.numel, dtype=torch.int64)
        b = scramble(a)
        return a.to(torch.float64).reshape(source.shape), b.to(torch.float64).reshape(source.shape)

    def ids(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Per element, the id both shadows name, else COMPUTED (they differ) or CONSTANT."""
        import torch

        a, b = a.reshape(-1).to(torch.float64), b.reshape(-1).to(torch.float64)
        whole = (a == a.round()) & (b == b.round()) & (a >= 1) & (a < P) & (b >= 0) & (b < P)
        ia = torch.where(whole, a, torch.zeros_like(a)).to(torch.int64)
        ib = torch.where(whole, b, torch.zeros_like(b)).to(torch.int64)
        moved = whole & (scramble(ia) == ib)
        other = torch.where(a == b, torch.full_like(ia, CONSTANT), torch.full_like(ia, COMPUTED))
        foreign = (a == FOREIGN_FILL[0]) & (b == FOREIGN_FILL[1])
        return torch.where(moved, ia, torch.where(foreign, torch.full_like(ia, FOREIGN), other))

    def places(self, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per id: its source (index into ``sources``; negative: COMPUTED or CONSTANT), and where it stands."""
        import torch

        found = {key: torch.zeros_like(ids) for key in ("part", "direction", "word", "feature")}
        source = torch.where(ids >= 0, torch.full_like(ids, -9), ids)
        starts = torch.tensor([s.start for s in self.sources] or [0], dtype=torch.int64)
        which = torch.searchsorted(starts, ids.clamp(min=1), right=True) - 1
        for k, s in enumerate(self.sources):
            mine = (ids >= 0) & (which == k) & (ids < s.start + s.numel)
            if not bool(mine.any()):
                continue
            source[mine] = k
            for key, values in s.decode(ids[mine] - s.start).items():
                found[key][mine] = values
        return {"source": source, **found}
