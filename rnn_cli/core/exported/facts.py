"""What an export found, as facts: each exporter path tried, the axes its program declares, the
axes it froze with the exporter's own words, and the program run against torch at each size.
Render writes the sentences (``render/exported.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .formats import ExportFormat

#: Each exporter path torch offers, as the tool tries them (render says what each call is):
#: ``onnx-dynamo``, torch.onnx.export(dynamo=True, dynamic_shapes=...), torch's default since 2.9;
#: ``onnx-torchscript``, torch.onnx.export(dynamo=False, dynamic_axes=...), the older exporter;
#: ``torch-export``, torch.export.export(dynamic_shapes=...) as torch runs it by default;
#: ``torch-export-while-loop``, the same with strict=True under torch's own while_loop
#: decompositions of LSTM and GRU (the ones torch.onnx registers); ``torch-export-static-seq``,
#: torch.export.export with the batch dynamic and the steps as the run has them.
Exporter = Literal[
    "onnx-dynamo", "onnx-torchscript", "torch-export", "torch-export-while-loop", "torch-export-static-seq"
]
#: An axis of the exported program: any size (``dynamic``), or the one size it was exported at.
AxisState = Literal["dynamic", "static"]
#: What one path did: kept every axis asked for dynamic, froze one, or made no program that runs.
Outcome = Literal["dynamic", "frozen", "failed"]
#: The two axes an export keeps dynamic: the batch (every tensor) and the steps (input, output).
DynamicAxis = Literal["batch", "seq"]


@dataclass(frozen=True)
class ExportCheck:
    """The exported program and torch's module on the same inputs, at one size."""

    batch: int
    seq: int
    #: The largest difference over every output; None when the program refused these sizes (or a
    #: value was not finite).
    max_abs_diff: float | None
    ok: bool
    #: The runtime's own message when it refused to run these sizes.
    error: str | None = None
    #: Whether the inputs were the run's own (its batch, and its h_0 or torch's zeros).
    own: bool = False


@dataclass(frozen=True)
class Frozen:
    """An axis an exporter was asked to keep dynamic and did not."""

    exporter: Exporter
    axis: DynamicAxis
    #: The size it was frozen at, where the exporter or its program says so.
    size: int | None
    #: The tensors whose declared shape holds it fixed ([] when the exporter refused to export).
    tensors: list[str]
    #: The exporter's own words about it; None when it said nothing and only its program shows it.
    reason: str | None


@dataclass
class Attempt:
    """One exporter path, tried: what it made and how that program ran."""

    exporter: Exporter
    outcome: Outcome
    #: The exporter's own message when it failed (or its program could not be loaded).
    message: str | None = None
    #: Per tensor, per axis name: whether the program takes any size there.
    axes: dict[str, dict[str, AxisState]] = field(default_factory=dict)
    #: Per tensor, the sizes the program declares: a number where fixed, None where dynamic.
    declared: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    frozen: list[Frozen] = field(default_factory=list)
    checked: list[ExportCheck] = field(default_factory=list)
    #: The serialized program (.onnx bytes, or torch.export.save's), kept for the chosen path only.
    program: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Its program ran at every size checked and matched torch there."""
        return self.outcome != "failed" and bool(self.checked) and all(c.ok for c in self.checked)


@dataclass
class ExportFacts:
    """``--export``: the run's recurrent layer exported with the batch and steps asked dynamic,
    h_0 (and c_0) as inputs, every path of the format tried, one chosen and checked."""

    format: ExportFormat
    #: The program's inputs and outputs, by name, in order.
    inputs: list[str]
    outputs: list[str]
    attempts: list[Attempt]
    #: The path whose program is the export: every axis dynamic if any path keeps them, else the
    #: first that runs; None when none makes a program that matches torch.
    chosen: Exporter | None
    atol: float
    rtol: float
    #: Where the caller asked the program to be written (the command line writes it).
    file: str | None = None
    #: The run passed no h_0: the program takes it anyway (zeros are torch's default).
    state_added: bool = False
    #: An embedding stands in front of the layer; the program starts at the layer's input.
    embedding_left_out: bool = False

    @property
    def ok(self) -> bool:
        return self.chosen is not None

    @property
    def best(self) -> Attempt | None:
        return next((a for a in self.attempts if a.exporter == self.chosen), None)

    @property
    def axes(self) -> dict[str, dict[str, AxisState]]:
        best = self.best
        return {} if best is None else best.axes

    @property
    def checked(self) -> list[ExportCheck]:
        best = self.best
        return [] if best is None else best.checked

    @property
    def declared(self) -> dict[str, tuple[int | None, ...]]:
        best = self.best
        return {} if best is None else best.declared

    @property
    def frozen(self) -> list[Frozen]:
        """Every axis any path froze, path by path."""
        return [f for attempt in self.attempts for f in attempt.frozen]

    @property
    def program(self) -> bytes | None:
        best = self.best
        return None if best is None else best.program
