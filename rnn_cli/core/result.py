"""The plain result every renderer reads: facts, not formatting.

A Result owns its tensors: nothing in it shares storage with a cached module, so changing
one cannot change the next run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import Config, Direction, Source, Tokenizer
from .layout import Layout

if TYPE_CHECKING:
    import torch

    from .exported.facts import ExportFacts


@dataclass
class TensorFacts:
    """One tensor: its real shape, what each axis means, and its values (on the CPU)."""

    name: str
    layout: Layout
    values: torch.Tensor

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


@dataclass
class ParameterFacts:
    name: str
    symbols: tuple[str, ...]
    values: torch.Tensor
    #: Gate blocks stacked along the rows in torch's order ("ifgo" for LSTM, "rzn" for GRU), or "".
    gates: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    @property
    def numel(self) -> int:
        return int(self.values.numel())


@dataclass
class Identity:
    """For one direction: each word's slice of ``output`` at ``output_steps[word]`` equals its
    ``h_n[h_n_row, word]``. Checked for every word; the words where it fails are listed.
    """

    direction: Direction
    h_n_row: int
    output_steps: list[int]
    max_abs_diff: float
    failing_words: list[int]

    @property
    def holds(self) -> bool:
        return not self.failing_words


@dataclass
class Verification:
    """How far torch's answer is from the hand-computed one."""

    max_abs_diff: float
    ok: bool
    atol: float
    rtol: float
    per_tensor: dict[str, float]
    #: The words the reference recomputed: every one, or the first few of a very large run.
    words_checked: int = 0
    #: The tensors holding NaN or infinities, and how many: the weights and the input that made
    #: them, and the outputs compared. Where both sides are NaN they agree, which verifies nothing.
    not_finite: dict[str, int] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """torch's answer matched the recurrence, and every number compared was a number."""
        return self.ok and not self.not_finite


@dataclass
class TraceStep:
    """One step of one word through one layer and direction, with every intermediate."""

    layer: int
    direction: Direction
    word: int
    step: int
    parts: dict[str, torch.Tensor]


#: How many words of a list an idiom's facts name; the rest are counted.
NAMED_WORDS = 4


@dataclass(frozen=True)
class NamedWords:
    """Some of the run's words, for a fact about them: the first few (NAMED_WORDS) as they
    are, and how many there are in all."""

    first: tuple[str, ...]
    count: int


def named_words(words: Sequence[str], picked: Sequence[int], count: int | None = None) -> NamedWords:
    """The words at ``picked`` (the first few of them), and ``count`` (else how many are picked)."""
    return NamedWords(tuple(words[w] for w in picked[:NAMED_WORDS]), len(picked) if count is None else count)


@dataclass
class Idiom:
    """An expression people write after a recurrent layer, evaluated on this run's tensors.

    ``final_state`` says per word whether its value equals that word's final state of the
    last layer (both directions when bidirectional), or is None where that question does not
    apply; ``error`` is torch's own message when the expression fails. A call that returns
    several tensors (a module's ``output, h_n``) names each one and its shape in ``returns``,
    in the order it returns them, and has no single ``shape``.

    What the run found about it is ``kind`` and ``facts``, not a sentence: render writes the
    note from them (``rnn_cli.render.idiom_notes.note``).
    """

    expression: str
    shape: tuple[int, ...] | None
    final_state: list[bool] | None
    error: str | None
    #: What is found, as a stable key: ``last_step``, ``bridge_linear``, ``carry_chunks``, ...
    kind: str
    #: The numbers, names (NamedWords), flags, shapes and torch messages of what is found, by name.
    facts: Mapping[str, object] = field(default_factory=dict)
    value: float | None = None
    returns: tuple[tuple[str, tuple[int, ...]], ...] | None = None
    #: What the expression is about: ``final_state``, ``directions``, ``loss``, ``initial_state``,
    #: ``layout``, and the joins around the layer: ``bridge``, ``attention``, ``carry``, ``cell``.
    topic: str = ""
    #: Whether the expression's own check held (values, or torch's shape check), where it makes one.
    holds: bool | None = None
    #: True for an expression of the user's own (--expr), run by the interpreter in ``expressions``.
    user: bool = False


@dataclass
class TensorOrigin:
    """One tensor the caller brought (``input``, ``h_0``, ``c_0``): its file (None from Python),
    its dtype and shape as given."""

    name: str
    file: str | None
    dtype: str
    shape: tuple[int, ...]


@dataclass
class CheckpointFacts:
    """Where the run's weights came from: the file, the key holding its state dict, the layer."""

    file: str
    format: str
    key: str | None
    layer: str
    #: The layer's parameters' path in that state dict ("" for a bare module's).
    prefix: str
    #: Every recurrent layer found in the file: (name, inferred constructor).
    layers: list[tuple[str, str]]
    #: What the run took from elsewhere than the file (batch_first, nonlinearity, a dtype change).
    notes: list[str]


@dataclass
class GivenFacts:
    """What the caller brought, for the report, the JSON and --code: the constructor as typed
    and its --set names, a checkpoint, their own tensors."""

    module_text: str | None = None
    #: --set's names as written (``hparams.x``) and their values as JSON shows them.
    names: dict[str, object] = field(default_factory=dict)
    #: --set's names and their values as typed (``nn.LSTM``, ``2 * 128``), for --code's comment.
    set_texts: dict[str, str] = field(default_factory=dict)
    #: --set's values themselves (classes and dtypes kept), for --expr: an evaluator.Bindings.
    bindings: Any = field(default=None, repr=False, compare=False)
    checkpoint: CheckpointFacts | None = None
    tensors: list[TensorOrigin] = field(default_factory=list)


@dataclass
class RunWarning:
    """A warning torch raised for the run's module, captured live, and what it means."""

    category: str
    message: str
    meaning: str


@dataclass
class PackedFacts:
    """The PackedSequence torch ran: its data's shape and how it ordered the words."""

    data_shape: tuple[int, ...]
    batch_sizes: list[int]
    sorted_indices: list[int]
    unsorted_indices: list[int]


@dataclass
class PaddingEffect:
    """Under zero padding: how far a word's h_n (every layer and direction) is from the packed run's."""

    word: str
    pad_steps: int
    h_n_max_abs_diff: float


@dataclass
class Cost:
    """What a run costs, like torchinfo's summary, for the recurrent layer (and embedding).

    ``mult_adds``: the multiply-adds of one forward pass's matrix products, by the documented
    equations, over the real tokens (a packed run skips the padding); biases and the gates'
    elementwise arithmetic are not counted. ``forward_seconds``: one forward, timed as
    ``timing`` says, on ``threads`` threads; None (both) unless the run was asked to time it.
    """

    parameters: int
    parameter_bytes: int
    mult_adds: int
    activation_bytes: int
    forward_seconds: float | None
    threads: int
    timing: str | None


@dataclass
class Result:
    """Everything one run found, in the run's own layout."""

    config: Config
    words: list[str]
    tokens: list[list[str]]
    lengths: list[int]
    vocabulary: list[str]
    #: The recurrent layer's constructor, as torch would be called.
    layer_call: str
    tensors: dict[str, TensorFacts]
    parameters: list[ParameterFacts]
    h_n_rows: list[tuple[int, Direction]]
    last_step: list[int]
    batch_sizes: list[int] | None
    identities: list[Identity]
    #: The check against the hand-written recurrence; None when a caller left it out (--fields).
    verification: Verification | None
    trace: list[TraceStep] = field(default_factory=list)
    tokenizer: Tokenizer = "graphemes"
    idioms: list[Idiom] = field(default_factory=list)
    packed: PackedFacts | None = None
    padding_effects: list[PaddingEffect] | None = None
    #: The recurrent layer's input_size: the vocabulary's size one-hot, the embedding's width, the features'.
    input_size: int = 0
    source: Source = "words"
    cost: Cost | None = None
    #: True when the caller gave the vocabulary's order (``vocab``), else it is first-appearance order.
    vocabulary_given: bool = False
    #: What torch warned about for this module (dropout with one layer, ...), captured live.
    warnings: list[RunWarning] = field(default_factory=list)
    #: What the caller brought (checkpoint, tensors, --set names), or None.
    given: GivenFacts | None = None
    #: The nn.Embedding in front of the layer (``--embed``), as called; None for one-hot.
    embedding_call: str | None = None
    #: The layer exported and checked (``--export``), or None.
    export: ExportFacts | None = None

    @property
    def call(self) -> str:
        """What runs, in order: the embedding (if any), then the layer."""
        return self.layer_call if self.embedding_call is None else f"{self.embedding_call} -> {self.layer_call}"

    @property
    def parameter_count(self) -> int:
        return sum(p.numel for p in self.parameters)

    @property
    def parameter_bytes(self) -> int:
        return sum(p.numel * p.values.element_size() for p in self.parameters)

    def batch_major(self, name: str) -> torch.Tensor:
        """A tensor with its batch axis first, the others in order: the batch is where the
        tensor's declaration puts it (``Layout.batch_axis``: axis 1 of input and output when
        batch_first=False; of h_0, h_n, c_0 and c_n, always)."""
        facts = self.tensors[name]
        axis = facts.layout.batch_axis
        return facts.values if axis == 0 else facts.values.movedim(axis, 0)
