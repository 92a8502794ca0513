"""The program an exporter is given: the run's layer behind a forward whose every tensor is an
argument (h_0, and c_0 for an LSTM, always: a state left out is a constant of the batch size
traced, the trap of pytorch #45653), packing inside when the run packs. Also the inputs it is
run at, and the comparison of its outputs with torch's.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..encode import generator
from ..layout import SPECS, Sizes

if TYPE_CHECKING:
    import torch

#: An offset from the run's seed for the checks' own inputs and initial states.
CHECK_SEED = 3


@dataclass(frozen=True)
class Layer:
    """What is exported: the layer (a CPU copy of the run's module) and how it is called."""

    config: Config
    module: torch.nn.Module
    #: The run's own inputs, by name, in the order the program takes them.
    example: dict[str, torch.Tensor]
    #: How far from torch's a value may be: the run's own check's (atol, rtol).
    tolerance: tuple[float, float]
    #: Each checked size's inputs and torch's outputs on them, made once for every path.
    checks: dict[tuple[int, int], tuple[dict[str, torch.Tensor], list[torch.Tensor]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def checked_at(self, batch: int, steps: int) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
        """The inputs at these sizes (the run's own at its sizes, else seeded ones with an initial
        state of their own) and torch's module on them, made once for every path."""
        if (batch, steps) not in self.checks:
            own = (batch, steps) == sizes_of(self, self.example)
            inputs = self.example if own else inputs_at(self, batch, steps, self.config.seed)
            self.checks[batch, steps] = (inputs, torch_outputs(self, inputs))
        return self.checks[batch, steps]

    @property
    def lstm(self) -> bool:
        return self.config.cell == "lstm"

    @property
    def packed(self) -> bool:
        return self.config.padding == "packed"

    @property
    def inputs(self) -> list[str]:
        return list(self.example)

    @property
    def outputs(self) -> list[str]:
        return ["output", "h_n", "c_n"] if self.lstm else ["output", "h_n"]

    def tracing(self, *, steps: bool = True) -> dict[str, torch.Tensor]:
        """What an exporter traces with: the run's own inputs, unless an axis to keep dynamic is 1
        there (torch.export fixes a size of 1 as a constant): then seeded inputs of at least 2."""
        batch, length = sizes_of(self, self.example)
        if batch >= 2 and (length >= 2 or not steps):
            return self.example
        return inputs_at(self, max(batch, 2), max(length, 2) if steps else length, self.config.seed)

    @property
    def seq_axis(self) -> int:
        return 1 if self.config.batch_first else 0

    @property
    def batch_axis(self) -> int:
        return 0 if self.config.batch_first else 1


def exportable(
    config: Config,
    module: Any,
    batch: torch.Tensor,
    lengths: torch.Tensor,
    initial: Any,
    tolerance: tuple[float, float],
) -> Layer:
    """The layer behind a forward of plain tensors, and the run's own inputs for it (torch's
    default zeros where the run passed no initial state)."""
    import torch

    layer = copy.deepcopy(module).cpu().eval()
    for p in layer.parameters():
        p.requires_grad_(False)
    wrapped = _classes()[(config.cell == "lstm", config.padding == "packed")](layer, config.batch_first)
    n = int(lengths.numel())
    dtype = getattr(torch, config.dtype)
    rows = config.num_layers * config.directions
    h_0 = initial[0] if initial is not None else torch.zeros(rows, n, config.out_size, dtype=dtype)
    example = {"input": batch.detach().cpu().to(dtype)}
    if config.padding == "packed":
        example["lengths"] = lengths.to(torch.int64)
    example["h_0"] = h_0.detach().cpu()
    if config.cell == "lstm":
        c_0 = initial[1] if initial is not None else None
        example["c_0"] = (c_0 if c_0 is not None else torch.zeros(rows, n, config.hidden_size, dtype=dtype)).cpu()
    return Layer(config, wrapped, example, tolerance)


@functools.cache
def _classes() -> dict[tuple[bool, bool], type[torch.nn.Module]]:
    """The forwards, by (LSTM, packed): every tensor an argument, every result a tensor."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    class Plain(torch.nn.Module):
        def __init__(self, rnn: torch.nn.Module, batch_first: bool) -> None:
            super().__init__()
            self.rnn, self.batch_first = rnn, batch_first

        def run(self, input: torch.Tensor, lengths: torch.Tensor | None, state: Any) -> Any:
            if lengths is None:
                return self.rnn(input, state)
            packed = pack_padded_sequence(input, lengths, batch_first=self.batch_first, enforce_sorted=False)
            out, final = self.rnn(packed, state)
            steps = input.shape[1 if self.batch_first else 0]
            output, _ = pad_packed_sequence(out, batch_first=self.batch_first, total_length=steps)
            return output, final

        def forward(self, input: torch.Tensor, h_0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return self.run(input, None, h_0)  # type: ignore[no-any-return]

    class PlainLSTM(Plain):
        def forward(self, input: torch.Tensor, h_0: torch.Tensor, c_0: torch.Tensor) -> Any:  # type: ignore[override]
            output, (h_n, c_n) = self.run(input, None, (h_0, c_0))
            return output, h_n, c_n

    class Packed(Plain):
        def forward(self, input: torch.Tensor, lengths: torch.Tensor, h_0: torch.Tensor) -> Any:  # type: ignore[override]
            return self.run(input, lengths, h_0)

    class PackedLSTM(Plain):
        def forward(  # type: ignore[override]
            self, input: torch.Tensor, lengths: torch.Tensor, h_0: torch.Tensor, c_0: torch.Tensor
        ) -> Any:
            output, (h_n, c_n) = self.run(input, lengths, (h_0, c_0))
            return output, h_n, c_n

    return {(False, False): Plain, (True, False): PlainLSTM, (False, True): Packed, (True, True): PackedLSTM}


def inputs_at(layer: Layer, batch: int, steps: int, seed: int) -> dict[str, torch.Tensor]:
    """Inputs of these sizes, seeded: features, each row's length (the first row full) when
    packed, and an initial state of the check's own."""
    import torch

    c = layer.config
    draw = generator(seed, CHECK_SEED + 7919 * batch + steps)
    dtype = layer.example["input"].dtype
    width = layer.example["input"].shape[-1]
    shape = (batch, steps, width) if c.batch_first else (steps, batch, width)
    made = {"input": torch.randn(shape, generator=draw, dtype=dtype)}
    if layer.packed:
        lengths = torch.randint(1, steps + 1, (batch,), generator=draw)
        lengths[0] = steps
        made["input"] = made["input"] * _real(lengths, steps, c.batch_first).to(dtype)
        made["lengths"] = lengths
    rows = c.num_layers * c.directions
    made["h_0"] = torch.randn(rows, batch, c.out_size, generator=draw, dtype=dtype)
    if layer.lstm:
        made["c_0"] = torch.randn(rows, batch, c.hidden_size, generator=draw, dtype=dtype)
    return made


def _real(lengths: torch.Tensor, steps: int, batch_first: bool) -> torch.Tensor:
    """1 at each row's real steps, 0 past its end, shaped to multiply the input."""
    import torch

    mask = (torch.arange(steps) < lengths[:, None]).unsqueeze(-1)
    return mask if batch_first else mask.transpose(0, 1)


def sizes_of(layer: Layer, inputs: dict[str, torch.Tensor]) -> tuple[int, int]:
    shape = inputs["input"].shape
    return int(shape[layer.batch_axis]), int(shape[layer.seq_axis])


def torch_outputs(layer: Layer, inputs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
    """torch's own module on the inputs: what the exported program must give."""
    import torch

    with torch.no_grad():
        return list(layer.module(*inputs.values()))


def compared(
    got: Sequence[torch.Tensor], expected: Sequence[torch.Tensor], tolerance: tuple[float, float]
) -> tuple[float, bool]:
    """The largest absolute difference over every output, and whether each value is within
    ``tolerance`` of torch's (atol + rtol * |torch's|). Raises ValueError, saying which, when an
    output is missing or shaped otherwise than torch's."""
    atol, rtol = tolerance
    if len(got) != len(expected):
        raise ValueError(f"the program gives {len(got)} outputs where torch gives {len(expected)}")
    worst, ok = 0.0, True
    for k, (a, b) in enumerate(zip(got, expected, strict=True)):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"output {k} has shape {tuple(a.shape)} where torch's has {tuple(b.shape)}")
        if b.numel():
            diff = (a.to(b.dtype) - b).abs()
            worst = max(worst, float(diff.max()))
            ok = ok and bool((diff <= b.abs() * rtol + atol).all())
    return worst, ok


def axis_names(config: Config, name: str) -> tuple[str, ...]:
    """What each axis of a program's tensor is called: the run's own names (``layout``)."""
    if name == "lengths":
        return ("batch",)
    spec = SPECS["embedded" if name == "input" and config.embed else name]
    return tuple(axis.name for axis in spec.axes(Sizes(config, 1, 1, 1)))


def asked_dynamic(config: Config, name: str, *, steps: bool = True) -> list[str]:
    """The axes of a tensor the export asks to keep dynamic: the batch everywhere, and the steps
    of input and output (unless ``steps`` is False)."""
    wanted = ("batch", "seq") if steps else ("batch",)
    return [axis for axis in axis_names(config, name) if axis in wanted]
