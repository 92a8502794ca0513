"""The shape of every JSON document rnn-shapes prints, as typed definitions.

``json_doc`` builds documents of these types (mypy holds it to them) and ``schema``
generates the published JSON Schema from them, so the two cannot drift apart. ``Annotated``
metadata carries what a Python type cannot say: a minimum, a minimum length, a shared $ref.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypedDict

from ..core.config import Direction, Source
from ..core.diagnose import Found as DiagnosisKind
from ..core.exported.facts import AxisState, DynamicAxis, Exporter, Outcome
from ..core.exported.formats import ExportFormat
from ..core.layout import TENSORS
from ..core.settings import SETTINGS, Setting

SCHEMA_VERSION: Literal[1] = 1


@dataclass(frozen=True)
class Minimum:
    value: int


@dataclass(frozen=True)
class MinItems:
    value: int


@dataclass(frozen=True)
class Ref:
    """A reference to a definition shared by several places (``#/$defs/<name>``)."""

    name: str


Count = Annotated[int, Minimum(0)]
#: Nested lists of numbers (a tensor's ``tolist()``), null where a value was not finite.
Values = Annotated[Any, Ref("values")]


class _TensorRequired(TypedDict):
    shape: list[Count]
    axes: list[str]
    symbols: list[str]
    note: str


class TensorDoc(_TensorRequired, total=False):
    values: Values


def _tensors_doc() -> Any:
    """The document's ``tensors`` as the schema sees it: a key per tensor ``TENSORS`` declares,
    in the order they flow, those every run has first (required), then the others (optional)."""
    every = {spec.name: TensorDoc for spec in TENSORS if spec.when is None}
    some = {spec.name: TensorDoc for spec in TENSORS if spec.when is not None}
    required = TypedDict("_TensorsRequired", every)  # type: ignore[misc]

    def body(namespace: dict[str, Any]) -> None:
        namespace.update(__annotations__=some, __module__=__name__)

    return types.new_class("TensorsDoc", (required,), {"total": False}, body)


if TYPE_CHECKING:
    #: Tensor name -> its entry (the schema names each one; see ``_tensors_doc``).
    TensorsDoc = dict[str, TensorDoc]
else:
    TensorsDoc = _tensors_doc()


def config_doc(settings: Sequence[Setting] = SETTINGS) -> Any:
    """The document's ``config`` as the schema sees it: a key per setting the declaration
    (``core.settings``) lists, in its order, each of the type the document writes it in."""
    return TypedDict("ConfigDoc", {s.json: _json_kind(s) for s in settings})  # type: ignore[operator]


def _json_kind(setting: Setting) -> Any:
    kind = setting.json_type
    return Count if kind is int else kind


if TYPE_CHECKING:
    #: Setting's JSON name -> its value (the schema names each one; see ``config_doc``).
    ConfigDoc = dict[str, Any]
else:
    ConfigDoc = config_doc()


class HnRowDoc(TypedDict):
    index: Count
    layer: Count
    direction: Direction


class IdentityDoc(TypedDict):
    direction: Direction
    h_n_row: Count
    output_steps: list[Count]
    holds: bool
    max_abs_diff: float | None
    failing_words: list[Count]


class _ParameterRequired(TypedDict):
    name: str
    shape: list[Count]
    symbols: list[str]
    numel: Count
    #: The gate blocks stacked along the rows, in torch's order; null when there are none.
    gates: list[str] | None


class ParameterDoc(_ParameterRequired, total=False):
    values: Values


class VerificationDoc(TypedDict):
    ok: bool
    max_abs_diff: float | None
    per_tensor: dict[str, float | None]
    atol: float
    rtol: float
    method: str
    words_checked: Count
    not_finite: dict[str, Count]


class TraceStepDoc(TypedDict):
    layer: Count
    direction: Direction
    word: Count
    step: Count
    token: str | None
    parts: dict[str, Values]


class _IdiomRequired(TypedDict):
    expression: str
    shape: list[Count] | None
    final_state: list[bool] | None
    error: str | None
    note: str
    value: float | None


class ReturnedDoc(TypedDict):
    name: str
    shape: list[Count]


class IdiomDoc(_IdiomRequired, total=False):
    #: A module call's tensors, named in the order it returns them (its ``shape`` is null);
    #: null for an expression of one value. Added after the first release: optional in the schema.
    returns: list[ReturnedDoc] | None
    #: What the expression is about: final_state, directions, loss, initial_state, layout, and the
    #: joins around the layer, bridge, attention, carry, cell. Added later: optional in the schema.
    topic: str
    #: Whether the expression's own check held; null where it makes none. Added later, optional.
    holds: bool | None
    #: True for your own expression (--expr), run by the interpreter. Added later, optional.
    user: bool


class PackedDoc(TypedDict):
    data_shape: list[Count]
    batch_sizes: list[Count]
    sorted_indices: list[Count]
    unsorted_indices: list[Count]


class PaddingEffectDoc(TypedDict):
    word: str
    pad_steps: Count
    h_n_max_abs_diff: float | None


class CostDoc(TypedDict):
    parameters: Count
    parameter_bytes: Count
    mult_adds: Count
    activation_bytes: Count
    forward_seconds: float | None
    threads: Count
    timing: str | None


class _DocumentRequired(TypedDict):
    schema_version: Literal[1]
    words: Annotated[list[str], MinItems(1)]
    tokens: list[list[str]]
    lengths: list[Count]
    vocabulary: list[str]
    config: ConfigDoc
    call: str
    tensors: TensorsDoc
    h_n_rows: list[HnRowDoc]
    batch_sizes: list[Count] | None
    last_step: list[Count]
    identities: list[IdentityDoc]
    parameters: list[ParameterDoc]
    parameter_count: Count
    parameter_bytes: Count
    verification: VerificationDoc
    trace: list[TraceStepDoc] | None
    non_finite: dict[str, Count]
    idioms: list[IdiomDoc]
    packed: PackedDoc | None
    padding_effects: list[PaddingEffectDoc] | None
    source: Source
    cost: CostDoc


class WarningDoc(TypedDict):
    """A warning torch raised for the run's module, captured live."""

    category: str
    message: str
    meaning: str


class TensorOriginDoc(TypedDict):
    name: str
    #: The file it was read from; null when it came from Python (explore(input=...)).
    file: str | None
    dtype: str
    shape: list[Count]


class FoundLayerDoc(TypedDict):
    name: str
    call: str


class CheckpointDoc(TypedDict):
    file: str
    format: Literal["torch", "safetensors"]
    #: The key holding the state dict ({"model": state_dict, ...}), or null.
    key: str | None
    layer: str
    prefix: str
    #: Every recurrent layer found in the file, with the constructor its weights fit.
    layers: list[FoundLayerDoc]
    notes: list[str]


class GivenDoc(TypedDict):
    module_text: str | None
    names: dict[str, int | float | bool | str | None]
    checkpoint: CheckpointDoc | None
    tensors: list[TensorOriginDoc]


class ExportCheckDoc(TypedDict):
    """The exported program and torch's module on the same inputs, at one size."""

    batch: Count
    seq: Count
    #: The largest difference over every output; null when the program refused these sizes.
    max_abs_diff: float | None
    ok: bool
    #: The runtime's own message when it refused these sizes.
    error: str | None
    #: True for the run's own inputs (its batch, its h_0 or torch's zeros); else seeded ones.
    own: bool


class FrozenDoc(TypedDict):
    """An axis an exporter was asked to keep dynamic and did not."""

    exporter: Exporter
    axis: DynamicAxis
    size: Count | None
    #: The tensors whose declared shape holds it fixed ([] when the exporter refused to export).
    tensors: list[str]
    #: The exporter's own words; null when it said nothing and only its program shows it.
    reason: str | None


class AttemptDoc(TypedDict):
    exporter: Exporter
    #: The call, as written in a script.
    call: str
    outcome: Outcome
    #: The exporter's own message when it made no program that loads.
    message: str | None
    axes: dict[str, dict[str, AxisState]]
    #: Each tensor's sizes as the program declares them, null where dynamic.
    declared: dict[str, list[Count | None]]
    checked: list[ExportCheckDoc]


class ExportDoc(TypedDict):
    """--export: the run's layer exported with the batch and steps dynamic, and checked."""

    format: ExportFormat
    #: A program was made that matches torch at every size it was checked at.
    ok: bool
    #: The path chosen: every axis dynamic if any path keeps them, else the first that matches.
    exporter: Exporter | None
    inputs: list[str]
    outputs: list[str]
    #: The chosen program's axes, per tensor, per axis name.
    axes: dict[str, dict[str, AxisState]]
    #: Every axis any path froze, with the exporter's own words.
    frozen: list[FrozenDoc]
    #: The chosen program at the run's sizes and at others.
    checked: list[ExportCheckDoc]
    attempts: list[AttemptDoc]
    atol: float
    rtol: float
    #: Where the program was written (--export-file), or null.
    file: str | None
    #: What works where the first path froze an axis or failed; null when it did not.
    instead: str | None
    #: The run passed no initial state: h_0 (and c_0) are inputs all the same (zeros are torch's default).
    state_added: bool


class Document(_DocumentRequired, total=False):
    """rnn-shapes --json document"""

    #: torch's warnings for the run's module (dropout with one layer, ...). Added after the first
    #: release: optional in the schema, always written.
    warnings: list[WarningDoc]
    #: What the caller brought (--module as typed and its --set names, --checkpoint, --input,
    #: --h0/--c0 files), or null. Added later: optional in the schema, always written.
    given: GivenDoc | None
    #: With --fields only: the keys asked for, in the document's order. The document then holds
    #: schema_version, fields and those keys, nothing else.
    fields: list[str]
    #: --export's findings, or null. Added later: optional in the schema, always written.
    export: ExportDoc | None


class _DifferenceRequired(TypedDict):
    path: str
    a: Any
    b: Any


class DifferenceDoc(_DifferenceRequired, total=False):
    """For ``tensors.<name>.values`` and ``parameters.<name>.values``: how the numbers compare."""

    relation: Literal["equal", "transposed", "different"]
    max_abs_diff: float | None
    words: list[str]


class ComparisonDoc(TypedDict):
    """rnn-shapes --json --vs comparison"""

    schema_version: Literal[1]
    a: Document
    b: Document
    differences: list[DifferenceDoc]


class ErrorDetail(TypedDict):
    message: str
    line: Annotated[int, Minimum(1)]


class ErrorDoc(TypedDict):
    """rnn-shapes --batch error line"""

    error: ErrorDetail


class AxisDoc(TypedDict):
    axis: int
    name: str
    expected: int | None
    got: int | None
    agrees: bool
    why: str


class DiagnosisDoc(TypedDict):
    """What --diagnose found: torch's message explained with its numbers, and reproduced live."""

    kind: DiagnosisKind
    severity: Literal["error", "warning"]
    #: The exception or warning class torch raises with this message.
    raised: str
    title: str
    #: torch's message as it stands in the text given.
    message: str
    cause: str
    fix: str
    fix_code: str
    #: The shape or size torch wanted, and the one it got (strings where the message has words).
    expected: int | str | list[Count] | None
    got: int | str | list[Count] | None
    numbers: dict[str, float]
    axes: list[AxisDoc]
    #: A standalone torch script that raises the same message.
    code: str
    #: torch's message from the live run of that script's statements; null when not run here.
    reproduced: str | None
    reproduced_as: str | None
    same: bool
    needs_cuda: bool
    note: str | None
    #: Other messages rnn-shapes knows, found elsewhere in the text.
    others: list[DiagnosisKind]
    #: The causes the numbers allow, the most likely first (``cause`` joins them).
    causes: list[str]
    #: False for a message rnn-shapes does not know: its shapes read against the layouts only.
    recognised: bool
    #: The torch releases that word the message this way; null for a message not known.
    versions: str | None


class DiagnosisDocument(TypedDict):
    """rnn-shapes --json --diagnose document"""

    schema_version: Literal[1]
    #: The message that stopped the program: the last error in the text, else the last warning.
    diagnosis: DiagnosisDoc
    #: Every message found, errors and warnings, in the text's order.
    diagnoses: list[DiagnosisDoc]


class WatchTensorDoc(TypedDict):
    shape: list[Count]
    axes: list[str]


class WatchVerificationDoc(TypedDict):
    ok: bool
    max_abs_diff: float | None
    words_checked: Count


class WatchCallDoc(TypedDict):
    """One recurrent module's calls in a watched forward."""

    #: Its qualified name in the model (encoder.rnn), else its class and place (LSTM #0).
    name: str
    kind: Literal["layer", "cell"]
    count: Annotated[int, Minimum(1)]
    #: The constructor, as torch spells it.
    call: str
    batch_first: bool
    packed: bool
    #: Each sequence's length, from a PackedSequence; null for a padded batch.
    lengths: list[Count] | None
    #: An unpacked batch where some sequences' input ends in all-zero steps (padding given as it
    #: is): each sequence's steps up to its last input that is not zeros; null otherwise.
    zero_tails: list[Count] | None
    tensors: dict[str, WatchTensorDoc]
    #: Its first call against the hand-written recurrence (a cell's first step); null when not checked.
    verification: WatchVerificationDoc | None
    #: Why the call could not be read (a dtype rnn-shapes does not run), or null.
    note: str | None


class WatchFindingDoc(TypedDict):
    """A line of the forward that used a recurrent call's outputs, judged on the last tensor it made."""

    file: str
    line: Annotated[int, Minimum(1)]
    #: The line's text, as written.
    code: str
    #: The recurrent call its tensor derives from (a name of calls[]).
    call: str
    shape: list[Count]
    kind: Literal[
        "final_state",
        "padding",
        "through_padding",
        "other_layer",
        "one_direction",
        "swapped",
        "backward_half",
        "not_last_step",
        "cell_state",
        "not_final",
        "mixed_words",
        "state_rows",
        "handed_state",
        "computed",
        "rows",
        "layers_joined",
    ]
    #: Per sequence, whether its row is its final state; null where rows are not sequences (steps,
    #: a stack of state rows, every layer's state side by side).
    final_state: list[bool] | None
    note: str
    #: What to write instead; null when the line is right.
    fix: str | None


class WatchDocument(TypedDict):
    """rnn-shapes --watch --json-file document, and watch(...).to_json()"""

    schema_version: Literal[1]
    calls: list[WatchCallDoc]
    findings: list[WatchFindingDoc]
