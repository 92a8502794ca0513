"""torch's recurrent-layer messages as data: every wording torch has used for each kind since 1.0,
and the numbers each one holds.

A wording is torch's own format string, its placeholders typed (``{got:int}``,
``{expected:shape}``), with the torch releases that raise it. It is compiled into a pattern
that forgives what copying does to a message: lines wrapped (and a pytest ``E`` or a log's
prefix before each), ANSI colour, a missing ``RuntimeError:``, a dropped final period,
``()`` for ``[]`` and ``torch.Size([...])`` for either, backticks, curly quotes, case. The
numbers come back by the placeholder's name, the same name in every wording of a kind, so
one reader explains a message of torch 1.0 and of torch 2.13 alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, get_args

Kind = Literal[
    "input_size",
    "hidden_size",
    "hidden0_size",
    "hidden1_size",
    "hx_dims",
    "input_dims",
    "packed_input_dims",
    "input_dtype",
    "lengths_sorted",
    "lengths_positive",
    "lengths_tensor",
    "lengths_count",
    "total_length",
    "target_size",
    "target_batch",
    "dropout_warning",
    "weights_warning",
    "cudnn_eval_backward",
    "device_mismatch",
    "target_dims",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
Severity = Literal["error", "warning"]

#: What each placeholder type matches; the name is the number's key. At most 15 digits a
#: number and 200 characters a shape, so a hostile text cannot make a match expensive.
_SHAPE = r"(?:torch\.Size\(\s?)?[\[(]\s?(?:-?\d{1,15}(?:\s?,\s?-?\d{1,15}){0,15})?\s?,?\s?[\])]\)?"
PLACEHOLDERS = {
    "int": r"-?\d{1,15}",
    "number": r"-?[0-9][0-9.e+-]{0,30}",
    "shape": _SHAPE,
    "tuple": r"\(\s?-?\d{1,15}(?:\s?,\s?-?\d{1,15}){0,15}\s?,?\s?\)",
    "cell": r"RNN|LSTM|GRU",
    "dtype": r"torch\.[a-z0-9]{2,12}",
    "scalar": r"[A-Za-z0-9]{2,12}",
    "device": r"[a-z]{2,10}(?::\d{1,3})?",
    "index": r"\[[01]\]",
    "mode": r"batched 3-D|unbatched 2-D",
    "dims": r"\(\d{1,3}-D, \d{1,3}-D\) tensors|\d{1,3}-D tensor",
    "word": r"'?[A-Za-z_][A-Za-z_0-9]{0,39}'?",
    "ctype": r"(?:long |unsigned )?(?:int|long|float|double|short|char|bool|c10::Half|c10::BFloat16)",
    "backend": r"cudnn|miopen",
}


@dataclass(frozen=True)
class Wording:
    """One way torch has worded a kind of message: its format string (placeholders typed, and
    ``[...]`` around what some releases leave out), the class raised, and the releases."""

    kind: Kind
    template: str
    raised: str
    versions: str
    severity: Severity = "error"
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(compile_template(self.template), re.IGNORECASE))


def compile_template(template: str) -> str:
    """A format string into a forgiving pattern: ``{name:type}`` a named group, ``[...]``
    optional (a tail some releases leave out), spaces any run of spaces, a final period
    optional, backticks and quotes as the normaliser leaves them."""
    out, k = [], 0
    text = normalise(template)
    while k < len(text):
        char = text[k]
        if char == "{":
            end = text.index("}", k)
            name, _, kind = text[k + 1 : end].partition(":")
            out.append(f"(?P<{name}>{PLACEHOLDERS[kind or 'int']})")
            k = end + 1
        elif char == "[" and text.startswith("[[", k):  # a literal bracket, written twice
            out.append(r"\[")
            k += 2
        elif char == "]" and text.startswith("]]", k):
            out.append(r"\]")
            k += 2
        elif char == "[":
            out.append("(?:")
            k += 1
        elif char == "]":
            out.append(")?")
            k += 1
        elif char == "." and not re.sub(r"\[[^\[\]]*\]", "", text[k + 1 :]).strip(
            "]"
        ):  # a final period: copies drop it
            out.append(r"\.?")
            k += 1
        elif char == " ":
            out.append(r"\s?")
            k += 1
        elif char in "'\"`":  # quotes a copy (an issue's title, a chat, markdown) often loses
            out.append(f"{re.escape(char)}?")
            k += 1
        else:
            out.append(re.escape(char))
            k += 1
    return "".join(out)


#: What copying adds before each line of a message: pytest's ``E``, a quote's ``>``, a log's
#: time, level and logger (``2024-05-01 12:00:00,123 - ERROR - train -``), a rank (``[rank0]:``).
_LINE_PREFIX = re.compile(
    "|".join(
        (
            r"^\s{0,8}(?:E|>)(?:\s{1,8}|$)",  # pytest's E, a quote's >
            r"^\s{0,8}\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?\]?"  # a log's time,
            r"(?:\s?[-|:]?\s?[A-Z]{4,8}\b)?(?:\s?[-|:]\s?[\w.]{1,40})?\s?[-|:]?\s?",  # level and logger
            r"^\s{0,8}\[rank\s?\d{1,5}\]:\s?",  # torchrun's rank
            r"^\s{0,8}(?:ERROR|WARNING|CRITICAL):[\w.]{1,40}:",  # logging's default format
        )
    )
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]{0,200}(?:\x07|\x1b\\)")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """The text as one line of words: colour and line prefixes gone, curly quotes straightened,
    every run of whitespace (line breaks included) one space."""
    lines = _ANSI.sub("", text).translate(_QUOTES).splitlines()
    return " ".join(" ".join(_LINE_PREFIX.sub("", line, count=1) for line in lines).split())


def unwrapped(text: str) -> str | None:
    """The text with lines that a terminal wrapped at a fixed width joined without a space
    (a number cut in two by the wrap); None when no line looks wrapped."""
    lines = [_LINE_PREFIX.sub("", line, count=1) for line in _ANSI.sub("", text).splitlines()]
    widest = max((len(line) for line in lines), default=0)
    if widest < 40 or sum(len(line) == widest for line in lines) < 1 or len(lines) < 2:
        return None
    joined = "".join(line if len(line) == widest else line + "\n" for line in lines)
    return normalise(joined)


@dataclass(frozen=True)
class Found:
    """One message found in a text: its wording, the numbers it holds, where it stands."""

    wording: Wording
    numbers: dict[str, str]
    start: int
    end: int
    message: str

    @property
    def kind(self) -> Kind:
        return self.wording.kind


def find(text: str, wordings: tuple[Wording, ...]) -> tuple[str, list[Found]]:
    """Every message of ``wordings`` in ``text``, in order, and the normalised text they stand
    in; where two overlap, the longer (the fuller wording) is kept. Lines wrapped at a fixed
    width are tried joined too, when nothing is found otherwise."""
    plain = normalise(text)
    for candidate in (plain, unwrapped(text)):
        if candidate is None:
            continue
        matches = [
            Found(w, {k: v for k, v in m.groupdict().items() if v is not None}, m.start(), m.end(), m.group(0))
            for w in wordings
            for m in w.pattern.finditer(candidate)
        ]
        if matches:
            return candidate, _kept(matches)
    return plain, []


def _kept(matches: list[Found]) -> list[Found]:
    matches.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Found] = []
    for match in matches:
        if kept and match.start < kept[-1].end:
            continue  # inside (or across) one already kept: the same message, read less fully
        kept.append(match)
    return kept
