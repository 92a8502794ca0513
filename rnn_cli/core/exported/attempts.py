"""One exporter path, tried the same way whatever the format: export (quietly), read the axes the
program declares, name the ones it froze, run it against torch at every size it admits.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .facts import Attempt, AxisState, DynamicAxis, ExportCheck, Exporter, Frozen, Outcome
from .program import Layer, asked_dynamic, axis_names, compared, sizes_of
from .quiet import about, exporter_message, quiet, specialized
from .request import check_sizes

if TYPE_CHECKING:
    import torch

Runner = Callable[[dict[str, "torch.Tensor"]], list["torch.Tensor"]]


@dataclass
class Exported:
    """What an exporter made: its program serialized, a way to run it, and its declared shapes."""

    program: bytes
    run: Runner
    #: Each tensor's sizes as the program declares them, None where it takes any size.
    declared: dict[str, tuple[int | None, ...]]
    #: What the exporter said of each axis it fixed on its own (torch.onnx's suggested fixes), by axis.
    said: dict[str, str] = field(default_factory=dict)


def tried(exporter: Exporter, export: Callable[[], Exported], layer: Layer, *, steps: bool = True) -> Attempt:
    """The path's program, or the exporter's refusal in its own words; the axes it froze; the
    program held against torch at the run's sizes and at others it admits."""
    try:
        with quiet(), as_in_a_new_process():
            made = export()
    except MemoryError:
        raise
    except Exception as error:  # any exporter's or runtime's refusal is what this path did
        message = exporter_message(error)
        named = [(name, size) for name, size in specialized(str(error)) if name in ("batch", "seq")]
        refused = [Frozen(exporter, _axis(name), size, [], about(name, message)) for name, size in named]
        return Attempt(exporter, "failed", message, frozen=refused)
    axes = _declared_axes(layer, made)
    frozen = _frozen(exporter, layer, made, steps=steps)
    fixed = {f.axis for f in frozen} | (set() if steps else {"seq"})
    with quiet():
        checked = [_check(layer, made.run, b, s) for b, s in _admitted(layer, fixed)]
    outcome: Outcome = "frozen" if fixed else "dynamic"
    declared = {name: made.declared[name] for name in axes}
    return Attempt(exporter, outcome, None, axes, declared, frozen, checked, made.program)


@contextlib.contextmanager
def as_in_a_new_process() -> Iterator[None]:
    """The recurrent ops' dispatch caches emptied before an export and after it, so that each
    export traces them as the first export of a new process does.

    torch.onnx.export(dynamo=True) registers while_loop decompositions of LSTM and GRU while it
    exports and removes them after, by assigning the ops' Python kernels, which leaves the
    caches pointing at what was registered then: the next export in the same process traced an
    LSTM another way (it froze the steps of the input too, in other words), so one process that
    exported twice (the Python API, a test run) answered otherwise than the command line.
    """
    ops = recurrent_ops()
    clear_dispatch_caches(ops)
    try:
        yield
    finally:
        clear_dispatch_caches(ops)


def recurrent_ops() -> list[Any]:
    """The ops torch has while_loop decompositions for: aten.lstm and aten.gru on a padded input."""
    import torch

    return [torch.ops.aten.lstm.input, torch.ops.aten.gru.input]


def clear_dispatch_caches(ops: list[Any]) -> None:
    for op in ops:
        cache = getattr(op, "_dispatch_cache", None)
        if isinstance(cache, dict):
            cache.clear()


def _axis(name: str) -> DynamicAxis:
    """An axis by the name the export gave its dimension (``batch``, ``seq``)."""
    return "seq" if name == "seq" else "batch"


def _declared_axes(layer: Layer, made: Exported) -> dict[str, dict[str, AxisState]]:
    axes: dict[str, dict[str, AxisState]] = {}
    for name in [*layer.inputs, *layer.outputs]:
        sizes = made.declared.get(name)
        if sizes is not None:
            names = axis_names(layer.config, name)
            axes[name] = {
                axis: "dynamic" if size is None else "static" for axis, size in zip(names, sizes, strict=True)
            }
    return axes


def _frozen(exporter: Exporter, layer: Layer, made: Exported, *, steps: bool) -> list[Frozen]:
    """Each axis asked dynamic that the program declares fixed, with the tensors that fix it and
    what the exporter said of it."""
    found: dict[str, tuple[int | None, list[str]]] = {}
    for name in [*layer.inputs, *layer.outputs]:
        sizes = made.declared.get(name)
        if sizes is None:
            continue
        names = axis_names(layer.config, name)
        for axis in asked_dynamic(layer.config, name, steps=steps):
            size = sizes[names.index(axis)]
            if size is not None:
                found.setdefault(axis, (size, []))[1].append(name)
    return [
        Frozen(exporter, _axis(axis), size, tensors, made.said.get(axis)) for axis, (size, tensors) in found.items()
    ]


def _admitted(layer: Layer, fixed: set[str]) -> list[tuple[int, int]]:
    """The sizes to run at: the run's, and others where the program's axes are dynamic."""
    batch, steps = sizes_of(layer, layer.example)
    sizes = check_sizes(batch, steps, steps_frozen="seq" in fixed)
    if "batch" in fixed:
        sizes = [(batch, s) for _, s in sizes]
    return list(dict.fromkeys(sizes))


def _check(layer: Layer, run: Runner, batch: int, steps: int) -> ExportCheck:
    """The program and torch's module on the same inputs: the run's own at its sizes, else the
    check's own seeded features and initial state."""
    own = (batch, steps) == sizes_of(layer, layer.example)
    inputs, expected = layer.checked_at(batch, steps)
    try:
        worst, ok = compared(run(inputs), expected, layer.tolerance)
    except MemoryError:
        raise
    except Exception as error:  # the runtime refusing these sizes is the finding
        return ExportCheck(batch, steps, None, False, exporter_message(error), own)
    return ExportCheck(batch, steps, worst if math.isfinite(worst) else None, ok, None, own)
