"""What a run is: the recurrent layer's settings, checked before torch is touched.

Validation lives here, not in the CLI, so the Python API and batch mode refuse the same
things with the same messages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from .errors import BadInput

CELLS = ("rnn", "lstm", "gru")
NONLINEARITIES = ("tanh", "relu")
PADDINGS = ("packed", "zeros")
DTYPES = ("float32", "float64")
DEVICES = ("cpu", "cuda", "auto")
MAX_SEED = 2**64 - 1

#: Gate blocks stacked in each weight matrix, as torch stores them.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
#: The class name torch gives each cell.
TORCH_CLASS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


@dataclass(frozen=True)
class Config:
    """Settings of one run. ``nonlinearity`` is None for LSTM/GRU, whose gates are fixed."""

    hidden_size: int = 2
    cell: str = "rnn"
    num_layers: int = 1
    bidirectional: bool = False
    nonlinearity: str | None = None
    bias: bool = True
    proj_size: int = 0
    batch_first: bool = True
    padding: str = "packed"
    dtype: str = "float32"
    device: str = "cpu"
    seed: int = 0

    @property
    def directions(self) -> int:
        """D in PyTorch's docs."""
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """H_out: proj_size when projecting, hidden_size otherwise."""
        return self.proj_size or self.hidden_size

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def validated(self) -> Config:
        """Return a copy with defaults resolved, or raise BadInput naming the bad setting."""
        _choice("cell", self.cell, CELLS)
        _choice("padding", self.padding, PADDINGS)
        _choice("dtype", self.dtype, DTYPES)
        _choice("device", self.device, DEVICES)
        _whole("hidden", self.hidden_size, low=1)
        _whole("layers", self.num_layers, low=1)
        _whole("proj-size", self.proj_size, low=0)
        _whole("seed", self.seed, low=0, high=MAX_SEED)
        for name in ("bidirectional", "bias", "batch_first"):
            if not isinstance(getattr(self, name), bool):
                raise BadInput(f"{name.replace('_', '-')} must be true or false")
        nonlinearity = self.nonlinearity
        if self.cell == "rnn":
            nonlinearity = nonlinearity or "tanh"
            _choice("nonlinearity", nonlinearity, NONLINEARITIES)
        elif nonlinearity is not None:
            raise BadInput(f"--nonlinearity applies to --cell rnn only; {self.cell} gates are fixed (sigmoid and tanh)")
        if self.proj_size:
            if self.cell != "lstm":
                raise BadInput(f"--proj-size applies to --cell lstm only, not {self.cell}")
            if self.proj_size >= self.hidden_size:
                raise BadInput(f"--proj-size must be smaller than --hidden ({self.proj_size} >= {self.hidden_size})")
        return self if nonlinearity == self.nonlinearity else replace(self, nonlinearity=nonlinearity)


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise BadInput(f"--{name} must be one of {', '.join(allowed)} (got {value!r})")


def _whole(name: str, value: object, *, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"--{name} must be a whole number (got {value!r})")
    if value < low:
        raise BadInput(f"--{name} must be at least {low} (got {value})")
    if high is not None and value > high:
        raise BadInput(f"--{name} must be at most {high} (got {value})")
