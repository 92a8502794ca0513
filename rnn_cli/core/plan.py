"""A request that passed every check needing no torch, and the one input it runs on.

The input is one of three kinds, each a frozen value that knows its own lengths, vocabulary and
row labels, so the run asks it instead of branching on which Optional is set: the caller's
words (``WordsInput``), sizes of seeded random tokens or features (``SizesInput``), or the
caller's own batch tensor (``TensorInput``).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .config import Config, Source, Tokenizer
from .tokens import Tokenized

if TYPE_CHECKING:
    import torch

    from .exported import ExportRequest
    from .given import Given


class Repeated(Sequence[int]):
    """``rows`` rows of ``length`` steps each (--batch-size and --seq-len), held as two numbers:
    the budget is checked from them before a list as long as the batch is ever built."""

    def __init__(self, length: int, rows: int) -> None:
        self.length, self.rows = length, rows

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.length] * len(range(*index.indices(self.rows)))
        if not -self.rows <= index < self.rows:
            raise IndexError(index)
        return self.length

    def __iter__(self) -> Iterator[int]:
        return itertools.repeat(self.length, self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Repeated):
            return (self.length, self.rows) == (other.length, other.rows)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Repeated, self.length, self.rows))

    def __repr__(self) -> str:
        return f"Repeated(length={self.length}, rows={self.rows})"


def numbered(rows: int) -> list[str]:
    """What rows without words are called: #0, #1, ..."""
    return [f"#{i}" for i in range(rows)]


@dataclass(frozen=True)
class WordsInput:
    """The caller's words, tokenized against their vocabulary."""

    tokenized: Tokenized
    source: ClassVar[Source] = "words"

    @property
    def lengths(self) -> list[int]:
        return self.tokenized.lengths

    @property
    def vocab_size(self) -> int:
        return len(self.tokenized.vocabulary)

    @property
    def labels(self) -> list[str]:
        return self.tokenized.words


@dataclass(frozen=True)
class SizesInput:
    """Sizes instead of words: seeded random token ids in [0, vocab_size) when it is given
    (one-hot, or embedded), else dense random features of the module's input_size. The
    lengths are one a row, or ``Repeated`` for a batch of equal rows."""

    lengths: Sequence[int]
    vocab_size: int | None = None

    @property
    def source(self) -> Source:
        return "random tokens" if self.vocab_size else "random features"

    @property
    def labels(self) -> list[str]:
        return numbered(len(self.lengths))


#: The name the Python API and the command line have used for sizes.
RandomInput = SizesInput


@dataclass(frozen=True)
class TensorInput:
    """The caller's own batch, read in the module's layout, with each row's real steps."""

    tensor: torch.Tensor = field(compare=False)
    lengths: tuple[int, ...]
    source: ClassVar[Source] = "given tensor"
    vocab_size: ClassVar[int] = 0

    @property
    def labels(self) -> list[str]:
        return numbered(len(self.lengths))


RunInput = WordsInput | SizesInput | TensorInput


@dataclass(frozen=True)
class Stages:
    """The stages a run may leave out when nothing asked for what they find (``--fields``):
    the hand-written check (``verification``, ``trace``), the idioms and ``--expr`` (which hold
    their values against the check's tolerance, so they need it), padding's effect (a second
    forward pass), the output/h_n identities, and the forward itself. A full run has them all."""

    check: bool = True
    idioms: bool = True
    padding: bool = True
    identities: bool = True
    #: The module built and run at all: a request for shapes alone (no value, no parameter, no
    #: check) reads every shape from the documented formulas instead (``core.shapes``).
    forward: bool = True


#: A full run: every stage.
ALL_STAGES = Stages()


@dataclass(frozen=True)
class Plan:
    """A request that passed every check that needs no torch: ready to run."""

    config: Config  # validated, input_size resolved
    input: RunInput
    tokenizer: Tokenizer
    trace_words: int
    #: The caller's own module, run instead of a seeded new one.
    module: Any = field(default=None, compare=False)
    #: Time the forward (Cost.forward_seconds): asked for only, since a measured time makes
    #: two identical runs differ.
    timed: bool = False
    #: What the caller brought (see ``given``): their initial state, expressions, and where the
    #: weights came from (their batch is ``input``, a ``TensorInput``).
    given: Given | None = field(default=None, compare=False)
    #: What this run computes beyond the forward pass and the shapes.
    stages: Stages = ALL_STAGES
    #: --export: the layer exported and checked after the run.
    export: ExportRequest | None = None

    @functools.cached_property
    def lengths(self) -> list[int]:
        """Each row's length, listed once: the stages read it many times, for 50,000 words too."""
        return list(self.input.lengths)

    @property
    def vocab_size(self) -> int:
        """The tokens' vocabulary: the words', or the random tokens'; 0 for features."""
        return self.input.vocab_size or 0

    @property
    def source(self) -> Source:
        return self.input.source

    @functools.cached_property
    def labels(self) -> list[str]:
        """What each batch row is called: its word, or #0, #1, ... for sizes and tensors."""
        return self.input.labels

    @property
    def tokenized(self) -> Tokenized | None:
        return self.input.tokenized if isinstance(self.input, WordsInput) else None
