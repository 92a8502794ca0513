"""What --diagnose finds, as facts: the kind, the numbers, the causes the numbers allow (most
likely first, each with what tells it from the others), each axis torch compared, and the
reproduction. No sentence is written here: ``render.diagnosis_notes`` writes them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .steps import Reproduction
from .wordings import Found as FoundMessage
from .wordings import Kind, Severity

#: A kind --diagnose knows, or ``shapes``: a message it does not know, read against the layouts.
Found = Kind | Literal["shapes"]
Size = int | str | list[int] | None

#: A tensor the reproduction may allocate on the CPU; above this it uses the meta device
#: (shapes without memory), which raises the same messages: they are checked before computing.
LIVE_ELEMENTS = 10_000_000
#: Sizes above this are reported, not reproduced: no tensor of them could be made.
MAX_SIZE = 2**40


@dataclass(frozen=True)
class Cause:
    """One reason the numbers allow (``key``, worded by render), with the facts it quotes."""

    key: str
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AxisFact:
    """One axis torch compared: what it holds (``role``), what torch wanted, what it got."""

    axis: int
    role: str
    expected: int | None
    got: int | None

    @property
    def agrees(self) -> bool:
        return self.expected == self.got


@dataclass
class Diagnosis:
    kind: Found
    severity: Severity
    #: The exception (or warning) class torch raises with this message.
    raised: str
    #: torch's message as it stands in the text (whitespace made single spaces).
    message: str
    #: The torch releases whose wording this is.
    versions: str
    #: Everything the sentences quote: the numbers read, the class named, what follows from them.
    facts: dict[str, Any]
    #: The causes the numbers allow, the most likely first; render words each.
    causes: list[Cause]
    expected: Size
    got: Size
    numbers: dict[str, int | float]
    axes: list[AxisFact]
    reproduction: Reproduction
    #: False for a message rnn-shapes does not know, read only against the layouts.
    recognised: bool = True
    #: torch's message from the live run, None when it was not run (or raised nothing).
    reproduced: str | None = None
    #: The class of what the live run raised.
    reproduced_as: str | None = None
    #: Why the live run did not give the message, as a key (``needs_cuda``, ``no_error``,
    #: ``differs``, or the reproduction's ``unavailable``); None when it did.
    outcome: str | None = None
    #: Other messages rnn-shapes knows, found elsewhere in the text, by kind.
    others: list[Found] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """The live run raised the very message of the text."""
        return self.reproduced is not None and _flat(self.reproduced).rstrip(".") == self.message.rstrip(".")


def diagnosis(
    kind: Found,
    found: FoundMessage | str,
    facts: dict[str, Any],
    causes: list[Cause],
    reproduction: Reproduction,
    *,
    expected: Size = None,
    got: Size = None,
    numbers: Mapping[str, int | float] | None = None,
    axes: list[AxisFact] | None = None,
) -> Diagnosis:
    """A Diagnosis of a message ``found`` in the text by its wording, or of one no wording
    matches (its text alone: a reading of its numbers)."""
    wording, message = (None, found) if isinstance(found, str) else (found.wording, found.message)
    return Diagnosis(
        kind,
        wording.severity if wording else "error",
        wording.raised if wording else "RuntimeError",
        message,
        wording.versions if wording else "",
        facts,
        causes,
        expected,
        got,
        dict(numbers or {}),
        list(axes or []),
        reproduction,
        recognised=wording is not None,
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


def too_big(*numbers: int) -> bool:
    return any(abs(x) > MAX_SIZE for x in numbers)


def on_meta(*shapes: tuple[int, ...], params: int = 0) -> bool:
    """Whether the tensors would be too large to make for a demonstration."""
    return params + sum(math.prod(shape) for shape in shapes) > LIVE_ELEMENTS


def module_params(cell: str, input_size: int, hidden: int, layers: int = 1) -> int:
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    return gates * hidden * (input_size + hidden + 2) * layers
