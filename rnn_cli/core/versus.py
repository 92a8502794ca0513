"""Two runs on the same words, compared: the settings, the call, each tensor's shape and
axes, the parameter count, and tensor by tensor the numbers: the same, the same with their axes
moved, or different (how far, and for which words).

``compare`` gathers it all in a ``Comparison``, which the --vs tables and JSON both read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .checks import agreeing_diff, tolerances
from .layout import flow_order
from .result import Result
from .settings import reported

Relation = Literal["equal", "transposed", "different"]


@dataclass(frozen=True)
class ValueDifference:
    """How a tensor's (or parameter's) numbers compare between runs A and B.

    ``equal``: the same numbers in the same layout (to the check's tolerance; ``max_abs_diff``
    says how close); ``transposed``: the same numbers with axes moved; ``different``: not the
    same, with the words whose numbers differ (all of them when the shapes differ).
    """

    path: str
    relation: Relation
    max_abs_diff: float | None
    words: tuple[str, ...]
    a: tuple[int, ...] | None
    b: tuple[int, ...] | None


@dataclass(frozen=True)
class Difference:
    """A setting, the call, a tensor's presence, shape or axes, or the parameter count, where
    runs A and B differ. ``path`` names it as the JSON does (``config.batch_first``, ``call``,
    ``tensors.input``, ``tensors.input.shape``, ``tensors.output.axes``, ``parameter_count``);
    a tensor's shape is None on the side that does not have it."""

    path: str
    a: object
    b: object


@dataclass(frozen=True)
class Comparison:
    """Two runs and everything that differs between them: the structure first (settings, call,
    tensors' shapes and axes, parameter count), then the numbers that are not equal (tensors,
    then parameters by name)."""

    a: Result
    b: Result
    differences: tuple[Difference | ValueDifference, ...]

    @property
    def tensor_names(self) -> list[str]:
        """Every tensor either run has: A's in the order they flow, then any only B has."""
        return flow_order(self.a.tensors, self.b.tensors)

    def at(self, path: str) -> Difference | ValueDifference | None:
        """The difference named ``path``, or None where the runs agree."""
        return next((d for d in self.differences if d.path == path), None)

    def touches(self, prefix: str) -> bool:
        """Whether anything under ``prefix`` (``tensors.h_n``) differs."""
        return any(d.path.startswith(prefix) for d in self.differences)


def compare(a: Result, b: Result) -> Comparison:
    """Runs A and B side by side: what differs in their structure, then in their numbers."""
    values = [v for v in value_differences(a, b) if v.relation != "equal"]
    return Comparison(a, b, (*structural_differences(a, b), *values))


def settings(result: Result) -> dict[str, object]:
    """A run's settings by the names (and in the order) its JSON document's ``config`` has them."""
    return reported(result)


def structural_differences(a: Result, b: Result) -> list[Difference]:
    """Every setting and the call, then each tensor's presence, shape and axes (in the order they
    flow), then the parameter count, wherever A and B differ."""
    mine, theirs = settings(a), settings(b)
    found = [Difference(f"config.{key}", mine[key], theirs[key]) for key in mine if mine[key] != theirs[key]]
    if a.call != b.call:
        found.append(Difference("call", a.call, b.call))
    for name in flow_order(a.tensors, b.tensors):
        ta, tb = a.tensors.get(name), b.tensors.get(name)
        if ta is None or tb is None:
            shape_a, shape_b = (None if t is None else t.shape for t in (ta, tb))
            found.append(Difference(f"tensors.{name}", shape_a, shape_b))
            continue
        if ta.shape != tb.shape:
            found.append(Difference(f"tensors.{name}.shape", ta.shape, tb.shape))
        if ta.layout.axes != tb.layout.axes:
            found.append(Difference(f"tensors.{name}.axes", ta.layout.axes, tb.layout.axes))
    if a.parameter_count != b.parameter_count:
        found.append(Difference("parameter_count", a.parameter_count, b.parameter_count))
    return found


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
            found.append(ValueDifference(f"parameters.{name}", "different", None, (), shape_a, shape_b))
            continue
        diff = agreeing_diff(pa.values.double(), pb.values.double())
        top = float(diff.max()) if diff.numel() else 0.0
        scale = float(pa.values.double().abs().max()) if pa.numel else 0.0
        relation: Relation = "equal" if top <= atol + rtol * scale else "different"
        found.append(ValueDifference(f"parameters.{name}.values", relation, top, (), pa.shape, pb.shape))
    return found


def _tensor(a: Result, b: Result, name: str) -> ValueDifference:
    import torch

    ta, tb = a.tensors[name], b.tensors[name]
    path = f"tensors.{name}.values"
    ma, mb = a.batch_major(name), b.batch_major(name)
    if ma.shape != mb.shape:
        return ValueDifference(path, "different", None, tuple(a.words), ta.shape, tb.shape)
    diff = agreeing_diff(ma.double(), mb.double())
    reduce = list(range(1, diff.dim()))  # every axis but the batch, which batch_major put first
    per_word = diff.amax(dim=reduce) if reduce else diff
    bound = torch.maximum(ma.double().abs(), mb.double().abs()).amax(dim=reduce) if reduce else ma.double().abs()
    atol, rtol = _tolerances(a, b)
    differs = [w for w, (d, v) in enumerate(zip(per_word.tolist(), bound.tolist(), strict=True)) if d > atol + rtol * v]
    top = float(per_word.max()) if per_word.numel() else 0.0
    if differs:
        return ValueDifference(path, "different", top, tuple(a.words[w] for w in differs), ta.shape, tb.shape)
    same_layout = ta.layout.axes == tb.layout.axes
    return ValueDifference(path, "equal" if same_layout else "transposed", top, (), ta.shape, tb.shape)


def _tolerances(a: Result, b: Result) -> tuple[float, float]:
    """The looser of the two runs' check tolerances (float32 beside float64 compares as float32)."""
    ta, tb = tolerances(a.config.dtype), tolerances(b.config.dtype)
    return max(ta[0], tb[0]), max(ta[1], tb[1])
