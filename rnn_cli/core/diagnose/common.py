"""What every kind's reader shares: the message found and its context, numbers read from
text, and the statements most reproductions are made of."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..language import DTYPES
from .steps import Call, Const, Ref, Statement
from .wordings import Found as FoundText

CELLS = ("RNN", "LSTM", "GRU")
#: torch's names for scalar types in C++ messages (``Long``, ``Float``, read lowercased), and
#: the dtype each is: the language's dtype names, and C's two that torch has no attribute for.
SCALAR_TYPES = {name: f"torch.{dtype}" for name, dtype in DTYPES.items()} | {
    "char": "torch.int8",
    "byte": "torch.uint8",
}
#: Dtypes a module's weights may have, and an input may be given in, as torch prints them.
WEIGHT_DTYPES = ("torch.float32", "torch.float64", "torch.float16", "torch.bfloat16")
INPUT_DTYPES = (*WEIGHT_DTYPES, "torch.int64", "torch.int32", "torch.int16", "torch.int8", "torch.uint8", "torch.bool")


@dataclass(frozen=True)
class Message:
    """One message found, with the text around it (what class the text names before it)."""

    found: FoundText
    text: str

    @property
    def numbers(self) -> dict[str, str]:
        return self.found.numbers

    def whole(self, name: str) -> int:
        return int(self.found.numbers[name])

    def shape(self, name: str) -> list[int]:
        return [int(part) for part in re.findall(r"-?[0-9]+", self.found.numbers[name])]

    def cell(self, default: str = "RNN", allowed: tuple[str, ...] = CELLS) -> str:
        """The recurrent class the text names last before the message (self.lstm, nn.GRU,
        _VF.lstm); RNN is never a clue (every traceback names torch's rnn.py)."""
        named = self.found.numbers.get("cls")
        if named and named.upper() in allowed:
            return named.upper()
        best, where = default, -1
        before = self.text[: self.found.start]
        for name in allowed:
            if name == "RNN":
                continue
            for match in re.finditer(rf"(?<![A-Za-z]){name}(?![A-Za-z])", before, re.IGNORECASE):
                if match.start() > where:
                    best, where = name, match.start()
        return best


def dtype_name(text: str | None) -> str | None:
    """``torch.int64`` from ``torch.int64``, ``Long`` or ``long``; None when unknown."""
    if text is None:
        return None
    if text.startswith("torch."):
        return text
    return SCALAR_TYPES.get(text.lower())


def zeros(*shape: int, meta: bool = False, dtype: str | None = None, fill: str = "zeros", device: str = "") -> Call:
    """``torch.zeros(2, 3)`` (``torch.zeros(())`` for a 0-D tensor), with dtype and device."""
    kwargs: list[tuple[str, Any]] = []
    if dtype:
        kwargs.append(("dtype", Const(dtype)))
    if meta:
        kwargs.append(("device", "meta"))
    elif device:
        kwargs.append(("device", device))
    return Call(f"torch.{fill}", shape if shape else ((),), tuple(kwargs))


def module(cell: str, *args: Any, meta: bool = False, **kwargs: Any) -> Call:
    """``nn.LSTM(4, 1, num_layers=2)``, on the meta device when the sizes are large."""
    items = list(kwargs.items()) + ([("device", "meta")] if meta else [])
    return Call(f"nn.{cell}", args, tuple(items))


def assign(name: str, value: Call, comment: str = "") -> Statement:
    return Statement(value, (name,), comment)


def call(func: str, *args: Any, comment: str = "", **kwargs: Any) -> Statement:
    """An expression statement: ``rnn(x, h_0)``."""
    return Statement(Call(func, args, tuple(kwargs.items())), (), comment)


__all__ = ["Call", "Const", "Ref", "Statement"]
