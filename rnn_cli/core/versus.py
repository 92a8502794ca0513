"""Two runs on the same words, tensor by tensor: the same numbers, the same numbers with
their axes moved, or different numbers (how far, and for which words)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .checks import agreeing_diff, tolerances
from .result import Result

Relation = Literal["equal", "transposed", "different"]


@dataclass
class ValueDifference:
    """How a tensor's (or parameter's) numbers compare between runs A and B.

    ``equal``: the same numbers in the same layout (to the check's tolerance; ``max_abs_diff``
    says how close); ``transposed``: the same numbers with axes moved; ``different``: not the
    same, with the words whose numbers differ (all of them when the shapes differ).
    """

    path: str
    relation: Relation
    max_abs_diff: float | None
    words: list[str]
    a: tuple[int, ...] | None
    b: tuple[int, ...] | None


def value_differences(a: Result, b: Result) -> list[ValueDifference]:
    """Every tensor both runs have, then every parameter by name (one side only included)."""
    found = [_tensor(a, b, name) for name in a.tensors if name in b.tensors]
    params_a = {p.name: p for p in a.parameters}
    params_b = {p.name: p for p in b.parameters}
    atol, rtol = _tolerances(a, b)
    for name in [*params_a, *(n for n in params_b if n not in params_a)]:
        pa, pb = params_a.get(name), params_b.get(name)
        if pa is None or pb is None or pa.shape != pb.shape:
            shape_a, shape_b = (None if p is None else p.shape for p in (pa, pb))
            found.append(ValueDifference(f"parameters.{name}", "different", None, [], shape_a, shape_b))
            continue
        diff = agreeing_diff(pa.values.double(), pb.values.double())
        top = float(diff.max()) if diff.numel() else 0.0
        scale = float(pa.values.double().abs().max()) if pa.numel else 0.0
        relation: Relation = "equal" if top <= atol + rtol * scale else "different"
        found.append(ValueDifference(f"parameters.{name}.values", relation, top, [], pa.shape, pb.shape))
    return found


def _tensor(a: Result, b: Result, name: str) -> ValueDifference:
    import torch

    ta, tb = a.tensors[name], b.tensors[name]
    path = f"tensors.{name}.values"
    ma, mb = a.batch_major(name), b.batch_major(name)
    if ma.shape != mb.shape:
        return ValueDifference(path, "different", None, list(a.words), ta.shape, tb.shape)
    diff = agreeing_diff(ma.double(), mb.double())
    reduce = list(range(1, diff.dim()))  # every axis but the batch, which batch_major put first
    per_word = diff.amax(dim=reduce) if reduce else diff
    bound = torch.maximum(ma.double().abs(), mb.double().abs()).amax(dim=reduce) if reduce else ma.double().abs()
    atol, rtol = _tolerances(a, b)
    differs = [w for w, (d, v) in enumerate(zip(per_word.tolist(), bound.tolist(), strict=True)) if d > atol + rtol * v]
    top = float(per_word.max()) if per_word.numel() else 0.0
    if differs:
        return ValueDifference(path, "different", top, [a.words[w] for w in differs], ta.shape, tb.shape)
    same_layout = ta.layout.axes == tb.layout.axes
    return ValueDifference(path, "equal" if same_layout else "transposed", top, [], ta.shape, tb.shape)


def _tolerances(a: Result, b: Result) -> tuple[float, float]:
    """The looser of the two runs' check tolerances (float32 beside float64 compares as float32)."""
    ta, tb = tolerances(a.config.dtype), tolerances(b.config.dtype)
    return max(ta[0], tb[0]), max(ta[1], tb[1])
