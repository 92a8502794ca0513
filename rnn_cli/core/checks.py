"""Torch's answer held against the hand-written reference, and the identities between
``output`` and ``h_n`` that every reader should be able to count on, checked per word."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .config import Config, Direction, Dtype
from .result import Identity, Verification

if TYPE_CHECKING:
    import torch


def agreeing_diff(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """|a - b| where equal infinities and NaN on both sides count as agreeing (0) and any
    other NaN as the worst disagreement (inf)."""
    import torch

    same = (a == b) | (a.isnan() & b.isnan())
    return torch.nan_to_num((a - b).abs().masked_fill_(same, 0.0), nan=float("inf"))


def tolerance_bound(expected: torch.Tensor, atol: float, rtol: float) -> torch.Tensor:
    """How far each value may be from ``expected``: atol + rtol * |expected| (infinities count 0)."""
    return expected.abs().nan_to_num_(posinf=0.0, neginf=0.0).mul_(rtol).add_(atol)


def tolerances(dtype: Dtype) -> tuple[float, float]:
    """(atol, rtol) for a run dtype: float32 rounding, or float64's."""
    return (1e-5, 1e-4) if dtype == "float32" else (1e-10, 1e-8)


def against_reference(actual: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], dtype: Dtype) -> Verification:
    """How far apart torch's tensors and the reference are, in a few passes of the run dtype.

    The fast path needs no extra copies beyond one difference tensor per output; only when
    something is not finite (a relu run that overflowed) are equal infinities and NaNs on
    both sides counted as agreeing.
    """
    atol, rtol = tolerances(dtype)
    worst: dict[str, float] = {}
    ok = True
    for name, a in actual.items():
        b = expected[name].to(a.dtype)
        diff = (a - b).abs_()
        top = float(diff.max()) if diff.numel() else 0.0
        if top != top or top == float("inf"):
            diff = agreeing_diff(a, b)
            top = float(diff.max())
        worst[name] = top
        if top > atol:
            ok = ok and bool((diff <= tolerance_bound(b, atol, rtol)).all())
    return Verification(max(worst.values()), ok, atol, rtol, worst)


def not_finite(tensors: Mapping[str, torch.Tensor]) -> dict[str, int]:
    """How many values of each floating-point tensor are NaN or infinite, for those that hold any."""
    import torch

    counts = {}
    for name, tensor in tensors.items():
        if not tensor.is_floating_point() or not tensor.numel():
            continue
        low, high = torch.aminmax(tensor)  # NaN and infinities show here, with nothing as large as the tensor made
        if bool(torch.isfinite(low) & torch.isfinite(high)):
            continue
        counts[name] = tensor.numel() - int(torch.isfinite(tensor).sum())
    return counts


def identities(
    config: Config, h_n: torch.Tensor, output_bm: torch.Tensor, last_step: list[int], atol: float
) -> list[Identity]:
    """Where each word's last-layer h_n rows stand in ``output`` (batch-major), for all words at once."""
    import torch

    h_out = config.out_size
    top = (config.num_layers - 1) * config.directions
    n = len(last_step)
    if len(set(last_step)) == 1:  # one step for every word: a plain slice
        forward_pieces = output_bm[:, last_step[0], :h_out]
    else:
        forward_pieces = output_bm[torch.arange(n), torch.tensor(last_step), :h_out]
    pairs: list[tuple[Direction, list[int], int, torch.Tensor]] = [("forward", last_step, top, forward_pieces)]
    if config.bidirectional:
        pairs.append(("backward", [0] * n, top + 1, output_bm[:, 0, h_out:]))
    found: list[Identity] = []
    for direction, steps, row, pieces in pairs:
        if torch.equal(pieces, h_n[row]):  # the usual case: the very same numbers
            found.append(Identity(direction, row, steps, 0.0, []))
            continue
        per_word = agreeing_diff(pieces, h_n[row]).amax(dim=1)
        failing = torch.nonzero(per_word > atol).flatten().tolist()
        found.append(Identity(direction, row, steps, float(per_word.max()), failing))
    return found
