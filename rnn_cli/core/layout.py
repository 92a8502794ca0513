"""Shapes, axis names and symbols of every tensor, from PyTorch's documented formulas.

Pure Python, so the memory guard and the JSON Schema can use it before torch is imported,
and the tests can hold torch's real shapes against the documented ones.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .config import DIRECTIONS, GATES, Config, Direction, Source, gate_count


@dataclass(frozen=True)
class Layout:
    """Where each axis of a tensor is, what it means and how PyTorch's docs write it."""

    shape: tuple[int, ...]
    axes: tuple[str, ...]
    symbols: tuple[str, ...]
    note: str


def tensor_layouts(
    config: Config, batch: int, steps: int, input_size: int, *, source: Source = "words", vocab_size: int = 0
) -> dict[str, Layout]:
    """The layouts of a run's tensors in the order they flow: input (and, with an embedding,
    the token ids then the embedded vectors), the initial states when passed, output, h_n
    (and c_n for LSTM)."""
    d, h_out, h_cell = config.directions, config.out_size, config.hidden_size
    rows = d * config.num_layers
    out_axis = ("direction*" if d == 2 else "") + ("proj" if config.proj_size else "hidden")
    seq_major = not config.batch_first

    def ordered(
        *axes: tuple[int, str, str],
    ) -> tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]]:
        return tuple(a[0] for a in axes), tuple(a[1] for a in axes), tuple(a[2] for a in axes)

    n, l_ = (batch, "batch", "N"), (steps, "seq", "L")
    first, second = (l_, n) if seq_major else (n, l_)
    order = "(seq, batch, ...) as batch_first=False" if seq_major else "(batch, seq, ...) as batch_first=True"
    states = {
        "h_n": (
            (rows, "layer*direction", "D*num_layers"),
            n,
            (h_out, "proj" if config.proj_size else "hidden", "H_out"),
        ),
        "c_n": ((rows, "layer*direction", "D*num_layers"), n, (h_cell, "cell", "H_cell")),
    }
    layouts: dict[str, Layout] = {}
    if config.embed:
        layouts["input"] = Layout(*ordered(first, second), f"token ids, {vocab_size} for padding; {order}")
        layouts["embedded"] = Layout(
            *ordered(first, second, (input_size, "embed", "H_in")),
            f"nn.Embedding({vocab_size + 1}, {input_size}, padding_idx={vocab_size}) of the ids: the layer's input",
        )
    else:
        what = "random features, seeded" if source == "random features" else "one-hot"
        if source == "given tensor":  # the caller's own: say how its axes were read, and the other reading
            what = f"yours, read as {first[1]}={first[0]} × {second[1]}={second[0]}"
            order += f"; batch_first={seq_major} would read it as {second[1]}={first[0]} × {first[1]}={second[0]}"
        layouts["input"] = Layout(*ordered(first, second, (input_size, "input", "H_in")), f"{what}; {order}")
    if config.initial_state != "default":
        passed = "passed as the initial state: batch is axis 1 even with batch_first=True"
        kind = "yours, as given" if config.initial_state == "given" else config.initial_state
        layouts["h_0"] = Layout(*ordered(*states["h_n"]), f"{kind}, {passed}")
        if config.cell == "lstm":
            layouts["c_0"] = Layout(*ordered(*states["c_n"]), f"{kind}, {passed}")
    layouts.update(
        {
            "output": Layout(
                *ordered(first, second, (d * h_out, out_axis, "D*H_out" if d == 2 else "H_out")),
                "last layer, every step" + ("; forward half then backward half" if d == 2 else ""),
            ),
            "h_n": Layout(*ordered(*states["h_n"]), "batch is axis 1 whatever batch_first says; rows are layer-major"),
        }
    )
    if config.cell == "lstm":
        layouts["c_n"] = Layout(
            *ordered(*states["c_n"]), "cell state: hidden_size wide even with proj_size; batch is axis 1"
        )
    return layouts


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
