"""Following what a forward does with a recurrent call's outputs, op by op, on their shadows.

A ``TorchFunctionMode`` sees every torch function and tensor method the forward calls. When
one of its tensors is a recurrent output or was made from one, the same call is made again on
the shadows (``ids``), under ``no_grad``, and the result gets shadows of its own, with the line
of user code that made it. The forward's own tensors are never touched: the real call runs
first, as it would without us, and its result is returned unchanged. Calls inside a library
module (nn.Linear, nn.Embedding, ...) are not followed: entering one ends the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .ids import FOREIGN_FILL, Ids, Source
from .sites import Site, user_site

if TYPE_CHECKING:
    import torch

#: Calls that keep every number as it is (a copy, a move, a cast): the result's shadows are the
#: operand's, so a cast to float32 or float16 never rounds an id.
_SAME = frozenset(
    {"to", "float", "double", "half", "contiguous", "detach", "clone", "cpu", "cuda", "type", "requires_grad_"}
)


@dataclass
class Shadow:
    """A tensor's two shadows (made on first use for a recurrent output), what it derives from
    (a call's index) and the line that made it (None: the call's own output)."""

    source: Source | None
    call: int
    site: Site | None
    pair: tuple[torch.Tensor, torch.Tensor] | None = None


@dataclass
class Shadows:
    """Every followed tensor's shadows, held weakly: a tensor the forward lets go is gone here too."""

    ids: Ids = field(default_factory=Ids)
    table: Any = None  # torch.utils.weak.WeakIdKeyDictionary, made on first use

    def __post_init__(self) -> None:
        from torch.utils.weak import WeakIdKeyDictionary

        self.table = WeakIdKeyDictionary()

    def get(self, tensor: Any) -> Shadow | None:
        found: Shadow | None = self.table.get(tensor)
        return found

    def pair(self, shadow: Shadow) -> tuple[torch.Tensor, torch.Tensor]:
        if shadow.pair is None:
            assert shadow.source is not None
            shadow.pair = self.ids.shadows(shadow.source)
        return shadow.pair

    def add_source(self, tensor: Any, source: Source) -> None:
        numbered = self.ids.add(source)
        if numbered is not None:
            self.table[tensor] = Shadow(numbered, source.call, None)


def follow(
    shadows: Shadows, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
) -> list[tuple[Any, Shadow]]:
    """The same call on the shadows of its followed operands; the result's tensors, each with its
    shadows (none when the call took no followed tensor, or its shadows do not fit the result)."""
    import torch

    followed = [s for t in tensors_in((args, kwargs)) if (s := shadows.get(t)) is not None]
    if not followed:
        return []
    outs = tensors_in(result)
    if not outs:
        return []
    site = user_site(2)
    call = followed[0].call
    name = getattr(func, "__name__", "")
    with torch.no_grad():
        if name in _SAME and len(outs) == 1:
            pairs = [shadows.pair(followed[0])]
        else:
            a = func(*_swap(args, shadows, 0), **_swap(kwargs, shadows, 0))
            b = func(*_swap(args, shadows, 1), **_swap(kwargs, shadows, 1))
            pairs = list(zip(tensors_in(a), tensors_in(b), strict=False))
    if len(pairs) != len(outs) or any(p[0].shape != o.shape for p, o in zip(pairs, outs, strict=True)):
        return []
    made = []
    for out, pair in zip(outs, pairs, strict=True):
        if not out.is_floating_point():  # lengths, indices, masks: no recurrent numbers in them
            continue
        shadow = Shadow(None, call, site, pair)
        shadows.table[out] = shadow
        made.append((out, shadow))
    return made


def tensors_in(value: Any) -> list[Any]:
    """The tensors in a call's arguments or result (lists, tuples, dicts, a PackedSequence's data)."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in tensors_in(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in tensors_in(v)]
    return []


def _swap(value: Any, shadows: Shadows, which: int) -> Any:
    """The arguments with every followed tensor replaced by one of its shadows, and every other
    floating-point tensor by a foreign filler; indices, masks and numbers as they are."""
    import torch

    if isinstance(value, torch.Tensor):
        shadow = shadows.get(value)
        if shadow is not None:
            return shadows.pair(shadow)[which]
        if value.is_floating_point():
            return torch.full(value.shape, FOREIGN_FILL[which], dtype=torch.float64, device=value.device)
        return value
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple (a PackedSequence)
        return type(value)(*(_swap(v, shadows, which) for v in value))
    if isinstance(value, list | tuple):
        return type(value)(_swap(v, shadows, which) for v in value)
    if isinstance(value, dict):
        return {k: _swap(v, shadows, which) for k, v in value.items()}
    return value
