"""Shapes, axis names and symbols of every tensor, from PyTorch's documented formulas.

Each tensor is declared once, in ``TENSORS``: which runs have it, its axes given the run,
which of them is the batch, and what it is. The layouts, a Result's batch-major view, the
--vs comparison and the order tensors are listed in all follow from that declaration; adding
a tensor is one ``TensorSpec`` there and its computation in the run.

Pure Python, so the memory guard and the JSON Schema can use it before torch is imported,
and the tests can hold torch's real shapes against the documented ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from .config import DIRECTIONS, GATES, Config, Direction, Source, gate_count

#: ``sequence``: (seq, batch, ...), or (batch, seq, ...) with batch_first=True;
#: ``state``: (layer*direction, batch, ...) whatever batch_first says.
Frame = Literal["sequence", "state"]
#: What a tensor is, the key render writes its note from (``render/notes.py``).
About = Literal["input", "embedded", "initial state", "output", "final state", "final cell state"]


@dataclass(frozen=True)
class Axis:
    size: int
    name: str
    #: How PyTorch's docs write it: ``N``, ``L``, ``H_in``, ...
    symbol: str


@dataclass(frozen=True)
class Sizes:
    """What a run's tensors are laid out from: its settings, the batch and steps, the layer's
    input width, where the input came from and the vocabulary's size (the padding id)."""

    config: Config
    batch: int
    steps: int
    input_size: int
    source: Source = "words"
    vocab_size: int = 0

    @property
    def seq_major(self) -> bool:
        """Sequences laid out (seq, batch, ...), as batch_first=False does."""
        return not self.config.batch_first


@dataclass(frozen=True)
class TensorSpec:
    """One tensor, declared once: its name, what it is, its frame and last axis, which runs have it."""

    name: str
    about: About
    frame: Frame
    #: The axis after the frame's two, given the run; None for none (token ids).
    last: Callable[[Sizes], Axis | None]
    #: Whether a run with these settings has it; None: every run does.
    when: Callable[[Config], bool] | None = None

    def present(self, config: Config) -> bool:
        return self.when is None or self.when(config)

    def batch_axis(self, config: Config) -> int:
        """Axis 0 of a sequence with batch_first=True; axis 1 otherwise, and of a state always."""
        return 0 if self.frame == "sequence" and config.batch_first else 1

    def axes(self, sizes: Sizes) -> tuple[Axis, ...]:
        """Every axis in order: the batch where ``batch_axis`` puts it, beside the steps (or the
        layer*direction rows), then the last axis if there is one."""
        c = sizes.config
        batch = Axis(sizes.batch, "batch", "N")
        if self.frame == "sequence":
            beside = Axis(sizes.steps, "seq", "L")
        else:
            beside = Axis(c.directions * c.num_layers, "layer*direction", "D*num_layers")
        lead = (batch, beside) if self.batch_axis(c) == 0 else (beside, batch)
        last = self.last(sizes)
        return lead if last is None else (*lead, last)


def _features(sizes: Sizes) -> Axis | None:
    """The input's last axis: none for token ids, which an embedding turns into vectors."""
    return None if sizes.config.embed else Axis(sizes.input_size, "input", "H_in")


def _embedded(sizes: Sizes) -> Axis:
    return Axis(sizes.input_size, "embed", "H_in")


def _state(sizes: Sizes) -> Axis:
    """h_0 and h_n: H_out wide, proj_size when projecting."""
    c = sizes.config
    return Axis(c.out_size, "proj" if c.proj_size else "hidden", "H_out")


def _cell(sizes: Sizes) -> Axis:
    """c_0 and c_n: hidden_size wide, even with proj_size."""
    return Axis(sizes.config.hidden_size, "cell", "H_cell")


def _output(sizes: Sizes) -> Axis:
    """Both directions' H_out side by side when bidirectional."""
    c = sizes.config
    two = c.directions == 2
    name = ("direction*" if two else "") + ("proj" if c.proj_size else "hidden")
    return Axis(c.directions * c.out_size, name, "D*H_out" if two else "H_out")


def _embeds(config: Config) -> bool:
    return bool(config.embed)


def _passes_state(config: Config) -> bool:
    return config.initial_state != "default"


def _passes_cell(config: Config) -> bool:
    return config.initial_state != "default" and config.cell == "lstm"


def _is_lstm(config: Config) -> bool:
    return config.cell == "lstm"


#: Every tensor a run can have, in the order they flow: the input (token ids, then the embedded
#: vectors, with an embedding), the initial states when passed, output, h_n (and c_n for LSTM).
TENSORS: tuple[TensorSpec, ...] = (
    TensorSpec("input", "input", "sequence", _features),
    TensorSpec("embedded", "embedded", "sequence", _embedded, when=_embeds),
    TensorSpec("h_0", "initial state", "state", _state, when=_passes_state),
    TensorSpec("c_0", "initial state", "state", _cell, when=_passes_cell),
    TensorSpec("output", "output", "sequence", _output),
    TensorSpec("h_n", "final state", "state", _state),
    TensorSpec("c_n", "final cell state", "state", _cell, when=_is_lstm),
)
SPECS: dict[str, TensorSpec] = {spec.name: spec for spec in TENSORS}
_FLOW: tuple[str, ...] = tuple(SPECS)


@dataclass(frozen=True)
class Layout:
    """Where each axis of a tensor is, what it means and how PyTorch's docs write it."""

    shape: tuple[int, ...]
    axes: tuple[str, ...]
    symbols: tuple[str, ...]
    #: The tensor's declaration: its name, what it is, which axis is the batch.
    spec: TensorSpec
    #: What the run's tensors were laid out from; render writes each one's note from it and ``spec``.
    sizes: Sizes

    @property
    def batch_axis(self) -> int:
        return self.spec.batch_axis(self.sizes.config)


def tensor_layouts(
    config: Config, batch: int, steps: int, input_size: int, *, source: Source = "words", vocab_size: int = 0
) -> dict[str, Layout]:
    """The layouts of a run's tensors, each as ``TENSORS`` declares it, in the order they flow."""
    sizes = Sizes(config, batch, steps, input_size, source, vocab_size)
    return {spec.name: laid_out(spec, sizes) for spec in TENSORS if spec.present(config)}


def laid_out(spec: TensorSpec, sizes: Sizes) -> Layout:
    axes = spec.axes(sizes)
    return Layout(tuple(a.size for a in axes), tuple(a.name for a in axes), tuple(a.symbol for a in axes), spec, sizes)


def flow_order(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """Every tensor either run has: A's in the order they flow, then any only B has (in theirs)."""
    mine = sorted(a, key=_FLOW.index)
    return [*mine, *sorted((name for name in b if name not in mine), key=_FLOW.index)]


def h_n_rows(config: Config) -> list[tuple[int, Direction]]:
    """(layer, direction) of each h_n row: index = layer * D + direction."""
    names = DIRECTIONS[: config.directions]
    return [(layer, name) for layer in range(config.num_layers) for name in names]


@dataclass(frozen=True)
class ParameterLayout:
    name: str
    shape: tuple[int, ...]
    symbols: tuple[str, ...]
    #: The gate blocks stacked along the rows, in torch's order ("ifgo", "rzn"), or "" for none.
    gates: str = ""


@functools.lru_cache(maxsize=64)
def parameter_layouts(config: Config, input_size: int, vocab_size: int = 0) -> tuple[ParameterLayout, ...]:
    """Every parameter in ``named_parameters()`` order, with its documented symbolic shape
    (the embedding's first, when there is one)."""
    gates = gate_count(config.cell)
    g = f"{gates}*" if gates > 1 else ""
    order = GATES[config.cell]
    lstm = config.cell == "lstm"
    cell_sym = "H_cell" if lstm else "H_out"
    d, h_out, h_cell = config.directions, config.out_size, config.hidden_size
    params: list[ParameterLayout] = []
    if config.embed:
        params.append(ParameterLayout("embedding.weight", (vocab_size + 1, config.embed), ("V+1", "H_in")))
    for layer in range(config.num_layers):
        in_size, in_sym = (input_size, "H_in") if layer == 0 else (d * h_out, "D*H_out" if d == 2 else "H_out")
        for direction in range(d):
            sfx = f"_l{layer}" + ("_reverse" if direction else "")
            params.append(ParameterLayout(f"weight_ih{sfx}", (gates * h_cell, in_size), (g + cell_sym, in_sym), order))
            params.append(ParameterLayout(f"weight_hh{sfx}", (gates * h_cell, h_out), (g + cell_sym, "H_out"), order))
            if config.bias:
                params.append(ParameterLayout(f"bias_ih{sfx}", (gates * h_cell,), (g + cell_sym,), order))
                params.append(ParameterLayout(f"bias_hh{sfx}", (gates * h_cell,), (g + cell_sym,), order))
            if config.proj_size:
                params.append(ParameterLayout(f"weight_hr{sfx}", (h_out, h_cell), ("H_out", "H_cell")))
    return tuple(params)
