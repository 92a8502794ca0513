"""The recurrence written out by hand, from the module's own parameters.

This is the independent check of torch's answer: the equations of PyTorch's docs for RNN,
GRU and LSTM (with projection), computed in float64, vectorised over the batch, one time
step at a time, honouring packing (a word's state stops at its own last token).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .config import Config

if TYPE_CHECKING:
    import torch


@dataclass
class TraceStep:
    """One step of one word through one layer and direction, with every intermediate."""

    layer: int
    direction: str
    word: int
    step: int
    parts: dict[str, torch.Tensor]


@dataclass
class Reference:
    """The hand-computed tensors, batch-first, float64."""

    output: torch.Tensor
    h_n: torch.Tensor
    c_n: torch.Tensor | None
    trace: list[TraceStep] = field(default_factory=list)


def recurrence(
    config: Config,
    params: Mapping[str, torch.Tensor],
    batch: torch.Tensor,
    lengths: torch.Tensor,
    *,
    trace_words: int = 0,
) -> Reference:
    """Run the documented equations over a batch-first ``batch`` (N, L, H_in)."""
    import torch

    p = {k: v.detach().to("cpu", torch.float64) for k, v in params.items()}
    x = batch.to("cpu", torch.float64)
    n, steps = x.shape[0], x.shape[1]
    if config.padding == "packed":
        mask = torch.arange(steps)[None, :] < lengths[:, None]
    else:
        mask = torch.ones(n, steps, dtype=torch.bool)
    directions = ("forward", "backward")[: config.directions]
    h_rows: list[torch.Tensor] = []
    c_rows: list[torch.Tensor] = []
    trace: list[TraceStep] = []
    for layer in range(config.num_layers):
        outs = []
        for d, direction in enumerate(directions):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = p[f"weight_ih{sfx}"], p[f"weight_hh{sfx}"]
            b_ih = p.get(f"bias_ih{sfx}")
            b_hh = p.get(f"bias_hh{sfx}")
            w_hr = p.get(f"weight_hr{sfx}")
            xw = x @ w_ih.T  # every step at once
            if b_ih is not None:
                xw = xw + b_ih
            h = x.new_zeros(n, config.out_size)
            c = x.new_zeros(n, config.hidden_size)
            out = x.new_zeros(n, steps, config.out_size)
            for t in range(steps) if d == 0 else reversed(range(steps)):
                hh = h @ w_hh.T
                if b_hh is not None:
                    hh = hh + b_hh
                parts = _cell(config, xw[:, t], hh, h, c, w_hr)
                m = mask[:, t, None]
                h = torch.where(m, parts["h"], h)
                if "c" in parts:
                    c = torch.where(m, parts["c"], c)
                out[:, t] = torch.where(m, parts["h"], 0.0)
                for w in range(min(trace_words, n)):
                    if mask[w, t]:
                        trace.append(
                            TraceStep(
                                layer,
                                direction,
                                w,
                                t,
                                {
                                    "ih": xw[w, t],
                                    "hh": hh[w],
                                    **{k: v[w] for k, v in parts.items()},
                                },
                            )
                        )
            outs.append(out)
            h_rows.append(h)
            c_rows.append(c)
        x = torch.cat(outs, dim=2)
    return Reference(
        output=x,
        h_n=torch.stack(h_rows),
        c_n=torch.stack(c_rows) if config.cell == "lstm" else None,
        trace=trace,
    )


def _cell(
    config: Config,
    xw: torch.Tensor,
    hh: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    w_hr: torch.Tensor | None,
) -> dict[str, torch.Tensor]:
    """One step of the cell: every named intermediate, ending in ``h`` (and ``c``)."""
    import torch

    if config.cell == "rnn":
        act = torch.tanh if config.nonlinearity == "tanh" else torch.relu
        pre = xw + hh
        return {"pre": pre, "h": act(pre)}
    if config.cell == "gru":
        x_r, x_z, x_n = xw.chunk(3, dim=1)
        h_r, h_z, h_n = hh.chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return {"r": r, "z": z, "n": n, "h": (1 - z) * n + z * h}
    i, f, g, o = (xw + hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    parts = {"i": i, "f": f, "g": g, "o": o, "c": c_new}
    if w_hr is not None:
        parts["o*tanh(c)"] = h_new
        h_new = h_new @ w_hr.T
    parts["h"] = h_new
    return parts


@dataclass
class Comparison:
    """How far torch's answer is from the hand-computed one."""

    max_abs_diff: float
    ok: bool
    atol: float
    rtol: float
    per_tensor: dict[str, float]


def tolerances(dtype: str) -> tuple[float, float]:
    """(atol, rtol) for a run dtype: float32 rounding, or float64's."""
    return (1e-5, 1e-4) if dtype == "float32" else (1e-10, 1e-8)


def compare(actual: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], dtype: str) -> Comparison:
    """Compare tensors after rounding the reference to the run's dtype.

    Rounding first means a value that overflows the run dtype is inf on both sides, so a
    relu run that blows up is compared as what it is rather than reported as a mismatch.
    """
    import torch

    atol, rtol = tolerances(dtype)
    run_dtype = getattr(torch, dtype)
    worst: dict[str, float] = {}
    ok = True
    for name, a in actual.items():
        a = a.to(torch.float64)
        b = expected[name].to(run_dtype).to(torch.float64)
        same = (a == b) | (a.isnan() & b.isnan())
        diff = torch.where(same, 0.0, (a - b).abs())
        diff = torch.nan_to_num(diff, nan=float("inf"))
        worst[name] = float(diff.max()) if diff.numel() else 0.0
        ok = ok and bool((diff <= atol + rtol * b.abs().nan_to_num(posinf=0.0, neginf=0.0)).all())
    return Comparison(max(worst.values()), ok, atol, rtol, worst)
