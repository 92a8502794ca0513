"""torch.export: its default first, then what works where it refuses a dynamic number of steps.

torch.export traces an LSTM, GRU or RNN by decomposing it into one cell per step, so the
steps become a constant and a dynamic ``seq`` is refused ("specialized it to be a
constant"). For LSTM and GRU torch has its own while_loop decompositions (the ones
torch.onnx registers while it exports), under which a strict export keeps the steps dynamic;
where none applies, the batch alone stays dynamic and the steps are the run's.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .attempts import Exported, clear_dispatch_caches, recurrent_ops, tried
from .facts import Attempt
from .program import Layer

if TYPE_CHECKING:
    import torch


def torch_attempts(layer: Layer) -> list[Attempt]:
    """torch.export as torch runs it; then, while no path keeps both axes, the while_loop
    decompositions (LSTM, GRU) and the steps fixed."""
    attempts = [tried("torch-export", lambda: _export(layer, steps=True), layer)]
    if _done(attempts):
        return attempts
    if layer.config.cell in ("lstm", "gru") and _while_loop_decompositions_exist():
        attempts.append(tried("torch-export-while-loop", lambda: _export(layer, steps=True, strict=True), layer))
        if _done(attempts):
            return attempts
    attempts.append(tried("torch-export-static-seq", lambda: _export(layer, steps=False), layer, steps=False))
    return attempts


def _done(attempts: list[Attempt]) -> bool:
    return attempts[-1].outcome == "dynamic" and attempts[-1].ok


def dynamic_shapes(layer: Layer, *, steps: bool) -> dict[str, dict[int, Any]]:
    """torch.export's ``dynamic_shapes``, by the forward's argument names."""
    import torch

    batch = torch.export.Dim("batch")
    first = {layer.batch_axis: batch}
    if steps:
        first[layer.seq_axis] = torch.export.Dim("seq")
    shapes: dict[str, dict[int, Any]] = {"input": first}
    shapes.update({name: {0 if name == "lengths" else 1: batch} for name in layer.inputs[1:]})
    return shapes


def _export(layer: Layer, *, steps: bool, strict: bool = False) -> Exported:
    import torch

    args = tuple(layer.tracing(steps=steps).values())
    shapes = dynamic_shapes(layer, steps=steps)
    with _while_loop() if strict else contextlib.nullcontext():
        program = torch.export.export(layer.module, args, dynamic_shapes=shapes, strict=strict)
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    saved = buffer.getvalue()
    loaded = torch.export.load(io.BytesIO(saved))  # what a reader of the file gets
    module = loaded.module()

    def run(inputs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        with torch.no_grad():
            return list(module(*inputs.values()))

    return Exported(saved, run, _declared(loaded, layer))


def _declared(program: torch.export.ExportedProgram, layer: Layer) -> dict[str, tuple[int | None, ...]]:
    """Each input's and output's sizes in the program: a number where fixed, None where symbolic."""
    nodes = {node.name: node for node in program.graph.nodes}
    signature = program.graph_signature
    placeholders = [nodes[name] for name in signature.user_inputs if isinstance(name, str)]
    output = next(node for node in program.graph.nodes if node.op == "output")
    values = [*placeholders, *output.args[0]]
    declared = {}
    for name, node in zip([*layer.inputs, *layer.outputs], values, strict=True):
        shape = node.meta["val"].shape
        declared[name] = tuple(size if isinstance(size, int) else None for size in shape)
    return declared


def _while_loop_decompositions_exist() -> bool:
    try:
        from torch.export import _patches
    except ImportError:
        return False
    return all(
        hasattr(_patches, name)
        for name in ("register_lstm_while_loop_decomposition", "register_gru_while_loop_decomposition")
    )


@contextlib.contextmanager
def _while_loop() -> Iterator[None]:
    """torch's while_loop decompositions of LSTM and GRU, registered while inside.

    They are registered by assigning the op's Python kernel, which leaves the op's dispatch
    cache as it was: emptied once they are registered, this export sees them. (Every exporter
    path runs in ``attempts.as_in_a_new_process``, which empties the caches before and after.)
    """
    from torch.export import _patches

    with _patches.register_lstm_while_loop_decomposition(), _patches.register_gru_while_loop_decomposition():
        clear_dispatch_caches(recurrent_ops())
        yield
