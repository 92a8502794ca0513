"""ONNX: both exporters torch offers, each run in onnxruntime.

``torch.onnx.export(dynamo=True)`` goes through torch.export, and where torch.export would
refuse a dynamic axis it takes torch.export's suggested fix without a word: the axis becomes
the size it was exported at (the steps, usually; the batch too, for some layouts). Its words
are recorded here as it takes them. ``dynamo=False``, the TorchScript-based exporter, keeps
the axes ``dynamic_axes`` names.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .attempts import Exported, Runner, tried
from .facts import Attempt
from .program import Layer
from .quiet import about, exporter_message, specialized

if TYPE_CHECKING:
    import onnx


def onnx_attempts(layer: Layer) -> list[Attempt]:
    """Both exporter paths, each tried and checked: what each does is part of the answer."""
    return [
        tried("onnx-dynamo", lambda: _dynamo(layer), layer),
        tried("onnx-torchscript", lambda: _torchscript(layer), layer),
    ]


def _dynamo(layer: Layer) -> Exported:
    import torch

    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
    dims: dict[str, Any] = {"input": {layer.batch_axis: batch, layer.seq_axis: seq}}
    dims.update({name: {0 if name == "lengths" else 1: batch} for name in layer.inputs[1:]})
    said: dict[str, str] = {}
    with _recording_fixes(said), _registry_built_once():
        program = torch.onnx.export(
            layer.module,
            tuple(layer.tracing().values()),
            dynamo=True,
            dynamic_shapes=dims,
            input_names=layer.inputs,
            output_names=layer.outputs,
            verbose=False,
        )
    assert program is not None
    return _loaded(program.model_proto.SerializeToString(), said)


def _torchscript(layer: Layer) -> Exported:
    import torch

    with tempfile.TemporaryDirectory(prefix="rnn-shapes-export-") as scratch:
        path = os.path.join(scratch, "layer.onnx")
        torch.onnx.export(
            layer.module,
            tuple(layer.tracing().values()),
            path,
            dynamo=False,
            input_names=layer.inputs,
            output_names=layer.outputs,
            dynamic_axes=dynamic_axes(layer),
        )
        with open(path, "rb") as made:
            program = made.read()
    return _loaded(program, {})


def dynamic_axes(layer: Layer) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` for every input and output: the batch everywhere, the steps of input and output."""
    sequence = {layer.batch_axis: "batch", layer.seq_axis: "seq"}
    axes = {name: {1: "batch"} for name in [*layer.inputs, *layer.outputs]}
    axes.update(input=sequence, output=dict(sequence))
    if layer.packed:
        axes["lengths"] = {0: "batch"}
    return axes


@contextlib.contextmanager
def _recording_fixes(said: dict[str, str]) -> Iterator[None]:
    """What torch.export said of each axis before torch.onnx applied its suggested fix, by axis."""
    from torch.export import dynamic_shapes as module

    original = getattr(module, "refine_dynamic_shapes_from_suggested_fixes", None)
    if original is None:  # another torch: the program's declared shapes still tell
        yield
        return

    def recording(msg: str, dynamic_shapes: dict[str, Any] | tuple[Any] | list[Any]) -> Any:
        gist = exporter_message(RuntimeError(msg))
        said.update({name: about(name, gist) for name, _ in specialized(msg)})
        return original(msg, dynamic_shapes)

    module.refine_dynamic_shapes_from_suggested_fixes = recording
    try:
        yield
    finally:
        module.refine_dynamic_shapes_from_suggested_fixes = original


#: torch.onnx's registry of ONNX functions, by opset: built once per process (see below).
_REGISTRIES: dict[int, Any] = {}


@contextlib.contextmanager
def _registry_built_once() -> Iterator[None]:
    """torch.onnx builds its registry of ONNX functions from onnxscript's torchlib afresh on
    every ``dynamo=True`` export (about 0.9 s here), though it depends on the opset alone and an
    export only reads it (torch adds to it only for a ``custom_translation_table``, which this
    module never passes). Inside, each opset's is built once per process: ``explore(export=...)``
    called again, in a notebook or the tests, pays for it once."""
    try:
        from torch.onnx._internal.exporter import _constants, _registration
    except ImportError:  # another torch: its own way
        yield
        return
    registry: Any = getattr(_registration, "ONNXRegistry", object)
    declared = vars(registry).get("from_torchlib")
    if not isinstance(declared, classmethod):
        yield
        return
    build = declared.__func__

    def built_once(cls: type, opset_version: int = _constants.TORCHLIB_OPSET) -> Any:
        if opset_version not in _REGISTRIES:
            _REGISTRIES[opset_version] = build(cls, opset_version)
        return _REGISTRIES[opset_version]

    registry.from_torchlib = classmethod(built_once)
    try:
        yield
    finally:
        registry.from_torchlib = declared


def _loaded(program: bytes, said: dict[str, str]) -> Exported:
    """The model read back and opened in onnxruntime (a model it cannot load is a failed path)."""
    import onnx

    model = onnx.load_model_from_string(program)
    return Exported(program, _session(program), _declared(model), said)


def _declared(model: onnx.ModelProto) -> dict[str, tuple[int | None, ...]]:
    """Each input's and output's dimensions: a number where fixed, None where named (dynamic)."""
    declared = {}
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        declared[value.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    return declared


def _session(program: bytes) -> Runner:
    import onnxruntime
    import torch

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: a shape it was not told of is our finding, not its log
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(program, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]

    def run(inputs: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        fed = {name: inputs[name].numpy() for name in names}
        return [torch.from_numpy(out) for out in session.run(None, fed)]

    return run
