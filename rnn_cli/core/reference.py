"""The recurrence written out by hand, from the module's own parameters.

This is the independent reference for torch's answer (``checks`` compares the two): the
equations of PyTorch's docs for RNN, GRU and LSTM (with projection), written out with plain
tensor algebra in the run's dtype, vectorised over the batch, one time step at a time.
Packing is honoured the way a reader would do it on paper: words sorted longest first, so at
step t exactly the words longer than t are updated and every other word's state stays where
its own last token left it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .config import DIRECTIONS, Config
from .result import TraceStep

if TYPE_CHECKING:
    import torch


@dataclass
class Reference:
    """The hand-computed tensors in the run's dtype: batch-first, or packed rows (see ``packed``)."""

    output: torch.Tensor
    h_n: torch.Tensor
    c_n: torch.Tensor | None
    trace: list[TraceStep] = field(default_factory=list)
    #: True when ``output`` is in the packed layout (rows step by step, longest words first).
    packed: bool = False
    #: The row order of the packed layout (longest words first).
    order: torch.Tensor | None = None

    def padded_output(self, lengths: torch.Tensor, steps: int) -> torch.Tensor:
        """``output`` batch-major (N, steps, width), zeros past each word's end, in word order."""
        import torch

        if not self.packed:
            return self.output
        assert self.order is not None
        n, width = len(lengths), self.output.shape[-1]
        running = torch.arange(steps)[:, None] < lengths[self.order][None, :]  # (L, N): step-major, sorted
        spread = self.output.new_zeros(steps, n, width)
        spread[running] = self.output  # packed rows run step by step, longest words first
        padded = torch.empty_like(spread.transpose(0, 1))
        padded[self.order] = spread.transpose(0, 1)
        return padded


def recurrence(
    config: Config,
    params: Mapping[str, torch.Tensor],
    batch: torch.Tensor,
    lengths: torch.Tensor,
    *,
    order: torch.Tensor | None = None,
    trace_words: int = 0,
    initial: tuple[torch.Tensor, torch.Tensor | None] | None = None,
    whole_layer_projection: bool = True,
) -> Reference:
    """Run the documented equations over a batch-first ``batch`` (N, L, H_in).

    Packed words of different lengths run longest first (``order``: torch's ``sorted_indices``
    when given, so ties line up), and ``output`` comes back in the packed layout. ``initial`` is
    (h_0, c_0) as torch takes them; zeros otherwise. ``whole_layer_projection`` computes
    W_ih x_t + b_ih for every step of a layer in one product, as torch does (the last bits may
    differ from the step-by-step form).
    """
    import torch

    p = {k: v.detach() if v.device.type == "cpu" else v.detach().cpu() for k, v in params.items()}
    x = batch.cpu()
    rows = _rows(config, lengths, x.shape[0], x.shape[1], order)
    traced = [(w, w if rows.position is None else int(rows.position[w])) for w in range(min(trace_words, rows.n))]
    running = _step_rows(x, rows)
    layer_input = [running[rows.offsets[t] : rows.offsets[t + 1]] for t in range(rows.steps)]
    layer_rows = running if whole_layer_projection else None
    width = config.directions * config.out_size
    h_rows: list[torch.Tensor] = []
    c_rows: list[torch.Tensor] = []
    trace: list[TraceStep] = []
    for layer in range(config.num_layers):
        # every row of the layer's output is written by each direction's half: no zeroing needed
        out = x.new_empty(rows.offsets[-1], width)
        for d in range(config.directions):
            weights = _Weights.of(p, layer, d)
            start = _start(config, rows, x, initial, layer * config.directions + d)
            steps = _Direction(config, rows, weights, layer, d, traced)
            h, c = steps.run(start, layer_input, layer_rows, out, trace)
            h_rows.append(h if rows.position is None else h[rows.position])
            c_rows.append(c if rows.position is None else c[rows.position])
        layer_input = [out[rows.offsets[t] : rows.offsets[t + 1]] for t in range(rows.steps)]
        layer_rows = out if whole_layer_projection else None
    output = out if rows.packed else out.view(rows.steps, rows.n, width).transpose(0, 1)  # batch-major view
    return Reference(
        output=output,
        h_n=torch.stack(h_rows),
        c_n=torch.stack(c_rows) if config.cell == "lstm" else None,
        trace=sorted(trace, key=lambda s: (s.word, s.layer, s.direction != "forward", s.step)),
        packed=rows.packed,
        order=rows.order if rows.packed else None,
    )


@dataclass(frozen=True)
class _Rows:
    """Which rows run at each step: all ``n`` of them, or, packed, the words longer than the step,
    sorted longest first (``order``; ``position`` is where each word sits in that order)."""

    n: int
    steps: int
    packed: bool
    #: The words still running at each step: the first ``active[t]`` rows.
    active: list[int]
    #: Where each step's rows start in the layer's output (packed rows run step by step).
    offsets: list[int]
    order: torch.Tensor | None
    position: torch.Tensor | None


def _rows(config: Config, lengths: torch.Tensor, n: int, steps: int, order: torch.Tensor | None) -> _Rows:
    import torch

    packed = config.padding == "packed" and int(lengths.min()) < steps
    position: torch.Tensor | None = None
    if packed:
        if order is None:
            order = torch.sort(lengths, descending=True, stable=True).indices
        active = [int(k) for k in (lengths[None, :] > torch.arange(steps)[:, None]).sum(dim=1)]
        position = torch.empty_like(order)
        position[order] = torch.arange(n)  # where each word sits in the sorted batch
    else:
        active = [n] * steps  # every word runs every step (equal lengths, or zero padding fed through)
    offsets = [0]
    for k in active:
        offsets.append(offsets[-1] + k)
    return _Rows(n, steps, packed, active, offsets, order, position)


def _step_rows(x: torch.Tensor, rows: _Rows) -> torch.Tensor:
    """Each step's running rows of the batch-major ``x``, one block after another: every word at
    every step, or packed (longest words first), taken in one gather of only the rows that run."""
    import torch

    n, steps, width = x.shape
    if not rows.packed:
        return x.transpose(0, 1).reshape(steps * n, width)  # seq-major already when batch_first=False
    assert rows.order is not None
    if x.is_contiguous():  # batch-major underneath: word w's step t is row w * steps + t
        flat, word_stride, step_stride = x.reshape(n * steps, width), steps, 1
    else:  # seq-major underneath (batch_first=False), or made so: row t * n + w
        flat, word_stride, step_stride = x.transpose(0, 1).reshape(steps * n, width), 1, n
    index = torch.cat([rows.order[:k] * word_stride + t * step_stride for t, k in enumerate(rows.active)])
    return flat[index]


@dataclass(frozen=True)
class _Weights:
    """One layer and direction's parameters, transposed for ``x @ W.T`` as the docs write it."""

    w_ih_t: torch.Tensor
    w_hh_t: torch.Tensor
    b_ih: torch.Tensor | None
    b_hh: torch.Tensor | None
    w_hr: torch.Tensor | None

    @staticmethod
    def of(p: Mapping[str, torch.Tensor], layer: int, d: int) -> _Weights:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        w_hr = p.get(f"weight_hr{sfx}")
        return _Weights(
            p[f"weight_ih{sfx}"].T, p[f"weight_hh{sfx}"].T, p.get(f"bias_ih{sfx}"), p.get(f"bias_hh{sfx}"), w_hr
        )


def _start(
    config: Config,
    rows: _Rows,
    x: torch.Tensor,
    initial: tuple[torch.Tensor, torch.Tensor | None] | None,
    row: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """h and c before the first step: zeros, or the given row of h_0 and c_0, in the batch's row
    order (sorted, when packed)."""
    h = x.new_zeros(rows.n, config.out_size)
    c = x.new_zeros(rows.n, config.hidden_size)
    if initial is not None:
        h0, c0 = initial
        h[:] = h0[row].cpu()[rows.order] if rows.packed else h0[row].cpu()
        if c0 is not None:
            c[:] = c0[row].cpu()[rows.order] if rows.packed else c0[row].cpu()
    return h, c


@dataclass(frozen=True)
class _Direction:
    """One direction of one layer, step by step: forward from step 0, backward from the last."""

    config: Config
    rows: _Rows
    weights: _Weights
    layer: int
    d: int
    #: (word, its row in the batch) of the words whose every step is kept.
    traced: list[tuple[int, int]]

    def run(
        self,
        start: tuple[torch.Tensor, torch.Tensor],
        layer_input: list[torch.Tensor],
        layer_rows: torch.Tensor | None,
        out: torch.Tensor,
        trace: list[TraceStep],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Write this direction's half of ``out`` and return its final (h, c); trace the traced words."""
        config, rows, w = self.config, self.rows, self.weights
        half = slice(self.d * config.out_size, (self.d + 1) * config.out_size)
        h, c = start
        projected = None if layer_rows is None else affine(layer_rows, w.w_ih_t, w.b_ih)
        for t in range(rows.steps) if self.d == 0 else reversed(range(rows.steps)):
            k = rows.active[t]  # the words still running at step t are the first k
            h_prev = h[:k]
            if projected is None:
                xw = affine(layer_input[t], w.w_ih_t, w.b_ih)
            else:
                xw = projected[rows.offsets[t] : rows.offsets[t + 1]]
            hh = affine(h_prev, w.w_hh_t, w.b_hh)
            parts = cell_step(config, xw, hh, h_prev, c[:k], w.w_hr)
            if k == rows.n:  # every word runs this step: the new state is the state, no copy
                h, c = parts["h"], parts.get("c", c)
            else:
                h[:k] = parts["h"]
                if "c" in parts:
                    c[:k] = parts["c"]
            out[rows.offsets[t] : rows.offsets[t + 1], half] = parts["h"]
            if self.traced:
                self._trace(t, k, xw, hh, parts, trace)
        return h, c

    def _trace(
        self,
        t: int,
        k: int,
        xw: torch.Tensor,
        hh: torch.Tensor,
        parts: dict[str, torch.Tensor],
        trace: list[TraceStep],
    ) -> None:
        direction = DIRECTIONS[self.d]
        for w, pos in self.traced:
            if pos < k:
                step_parts = {"ih": xw[pos], "hh": hh[pos], **{name: v[pos] for name, v in parts.items()}}
                trace.append(TraceStep(self.layer, direction, w, t, {n_: v.clone() for n_, v in step_parts.items()}))


def affine(x: torch.Tensor, weight_t: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    import torch

    return x @ weight_t if bias is None else torch.addmm(bias, x, weight_t)


def cell_step(
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
