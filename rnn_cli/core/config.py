"""What a run is: the recurrent layer's settings, checked before torch is touched.

The choices are declared once, here, as Literal types: the command line offers them (help,
completion, parse-time errors), batch mode checks requests against them and the JSON Schema
lists them. Validation lives here too, so the Python API, batch mode and the command line
refuse the same things; ``names`` lets each caller see the settings by the names it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, get_args

from .errors import BadInput, SettingNames, quoted

Cell = Literal["rnn", "lstm", "gru"]
Nonlinearity = Literal["tanh", "relu"]
#: ``auto`` resolves, once the lengths are known, to ``packed`` when they differ, else ``zeros``
#: (one plain batch: nothing is padded).
Padding = Literal["auto", "packed", "zeros"]
Dtype = Literal["float32", "float64"]
Device = Literal["cpu", "cuda", "auto"]
Tokenizer = Literal["graphemes", "codepoints"]
Direction = Literal["forward", "backward"]
#: Where a run's input comes from: words, seeded random tokens or features of given sizes, or
#: the caller's own tensor (--input, explore(input=...)).
Source = Literal["words", "random tokens", "random features", "given tensor"]
#: The initial state the module starts from: torch's default (zeros, not passed), or passed:
#: zeros, seeded random, or the caller's own tensors (--h0 FILE, explore(initial_state=...)).
InitialState = Literal["default", "zeros", "random", "given"]
DIRECTIONS: tuple[Direction, Direction] = ("forward", "backward")

CELLS: tuple[Cell, ...] = get_args(Cell)
MAX_SEED = 2**64 - 1
#: The largest whole number a size can be: torch holds every size as a 64-bit integer.
MAX_SIZE = 2**63 - 1

#: Cells in a module (layers × directions): building each costs about a millisecond, and every
#: layout, estimate and check of a module walks them, so more are refused before any is counted.
MAX_CELLS = 1_000

#: Gate blocks stacked in each weight matrix, in torch's order.
GATES: dict[Cell, str] = {"rnn": "", "lstm": "ifgo", "gru": "rzn"}
#: The class name torch gives each cell.
TORCH_CLASS: dict[Cell, str] = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def gate_count(cell: Cell) -> int:
    """Blocks stacked in each weight matrix: 1 for RNN, 3 for GRU, 4 for LSTM."""
    return len(GATES[cell]) or 1


@dataclass(frozen=True)
class Config:
    """Settings of one run. ``nonlinearity`` is None for LSTM/GRU, whose gates are fixed."""

    hidden_size: int = 2
    cell: Cell = "rnn"
    num_layers: int = 1
    bidirectional: bool = False
    nonlinearity: Nonlinearity | None = None
    bias: bool = True
    proj_size: int = 0
    batch_first: bool = True
    padding: Padding = "auto"
    dtype: Dtype = "float32"
    device: Device = "cpu"
    seed: int = 0
    #: The module's input_size; None takes it from the input (the vocabulary, or embed).
    input_size: int | None = None
    #: Between layers in training; the run is inference (eval mode), where it does nothing.
    dropout: float = 0.0
    #: An nn.Embedding of this width in front of the recurrent layer; 0 for none (one-hot).
    embed: int = 0
    initial_state: InitialState = "default"

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

    def validated(self, names: Mapping[str, str] | None = None) -> Config:
        """Return a copy with defaults resolved, or raise BadInput naming the bad setting.

        ``names`` maps a field to what the caller calls it (``--hidden`` on the command line);
        by default a setting is named by its field.
        """
        name = SettingNames(names or {})
        for field, kind in (
            ("cell", Cell),
            ("padding", Padding),
            ("dtype", Dtype),
            ("device", Device),
            ("initial_state", InitialState),
        ):
            _choice(name[field], getattr(self, field), get_args(kind))
        _whole(name["hidden_size"], self.hidden_size, low=1, high=MAX_SIZE)
        _whole(name["embed"], self.embed, low=0, high=MAX_SIZE)
        if self.input_size is not None:
            _whole(name["input_size"], self.input_size, low=1, high=MAX_SIZE)
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, int | float) or not 0 <= self.dropout < 1:
            raise BadInput(
                f"{name['dropout']} must be a number from 0 up to (not including) 1 (got {quoted(self.dropout)})"
            )
        _whole(name["num_layers"], self.num_layers, low=1, high=MAX_CELLS)  # before anything walks its layers
        cells = self.num_layers * (2 if self.bidirectional is True else 1)
        if cells > MAX_CELLS:
            raise BadInput(f"{name['num_layers']} {self.num_layers} builds {cells:,} cells; the limit is {MAX_CELLS:,}")
        _whole(name["proj_size"], self.proj_size, low=0, high=MAX_SIZE)
        _whole(name["seed"], self.seed, low=0, high=MAX_SEED)
        for field in ("bidirectional", "bias", "batch_first"):
            if not isinstance(getattr(self, field), bool):
                raise BadInput(f"{name[field]} must be true or false")
        nonlinearity = self.nonlinearity
        if self.cell == "rnn":
            nonlinearity = nonlinearity or "tanh"
            _choice(name["nonlinearity"], nonlinearity, get_args(Nonlinearity))
        elif nonlinearity is not None:
            raise BadInput(
                f"{name['nonlinearity']} applies to {name['cell']} rnn only; "
                f"{self.cell} gates are fixed (sigmoid and tanh)"
            )
        if self.proj_size:
            if self.cell != "lstm":
                raise BadInput(f"{name['proj_size']} applies to {name['cell']} lstm only, not {self.cell}")
            if self.proj_size >= self.hidden_size:
                raise BadInput(
                    f"{name['proj_size']} must be smaller than {name['hidden_size']} "
                    f"({quoted(self.proj_size)} >= {quoted(self.hidden_size)})"
                )
        return self if nonlinearity == self.nonlinearity else replace(self, nonlinearity=nonlinearity)


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """Refuse anything but one of ``allowed``; a tensor or array is refused before ``in`` compares it."""
    if not isinstance(value, str) or value not in allowed:
        raise BadInput(f"{name} must be one of {', '.join(allowed)} (got {quoted(value)})")


def _whole(name: str, value: object, *, low: int, high: int) -> None:
    """Refuse anything but a whole number from ``low`` to ``high`` (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{name} must be a whole number (got {quoted(value)})")
    if value < low:
        raise BadInput(f"{name} must be at least {low} (got {quoted(value)})")
    if value > high:
        limit = "2**63 - 1, the largest size torch holds" if high == MAX_SIZE else f"{high}"
        raise BadInput(f"{name} must be at most {limit} (got {quoted(value)})")
