"""A message rnn-shapes does not know, around a recurrent layer, that names shapes: its numbers
read against the layouts (as a state, as a batch-first or a steps-first input), marked as a
reading, not a diagnosis."""

from __future__ import annotations

import re

from .model import AxisFact, Cause, Diagnosis, diagnosis
from .steps import Reproduction

#: Words that put a message near a recurrent layer.
_CONTEXT = re.compile(r"\b(?:rnn|lstm|gru|hidden|h_0|h_n|c_0|c_n|hx|cx|recurrent|packed|pack_padded)\w*", re.IGNORECASE)
#: A shape as messages print it: (2, 3, 4), [2, 3, 4], torch.Size([2, 3, 4]).
_SHAPE = re.compile(r"(?:torch\.Size\(\s?)?[\[(]\s?(\d{1,12}(?:\s?,\s?\d{1,12}){1,5})\s?,?\s?[\])]\)?")
#: Where an error's message starts in a log or traceback.
_ERROR = re.compile(r"\b(?:[A-Z][A-Za-z]{0,40}Error|Exception)\b:\s?")
MAX_SHAPES = 4


def reading(text: str) -> Diagnosis | None:
    """The last error in ``text`` that names shapes, read against the layouts, when the text is
    about a recurrent layer; None otherwise."""
    if not _CONTEXT.search(text):
        return None
    starts = [m.end() for m in _ERROR.finditer(text)] or [0]
    for start in reversed(starts):
        sentence = text[start : start + 400]
        shapes = [[int(n) for n in re.findall(r"\d+", m.group(1))] for m in _SHAPE.finditer(sentence)][:MAX_SHAPES]
        if shapes:
            message = sentence[: _end(sentence, shapes)]
            return _read(message.strip(), shapes)
    return None


def _end(sentence: str, shapes: list[list[int]]) -> int:
    """Where the message ends: after its last shape, at the end of that sentence."""
    last = list(_SHAPE.finditer(sentence))[len(shapes) - 1].end()
    stop = re.search(r"[.;](?:\s|$)", sentence[last:])
    return last + (stop.end() if stop else len(sentence) - last)


def _read(message: str, shapes: list[list[int]]) -> Diagnosis:
    """Each 3-D shape as a state and as an input; two shapes of one rank, axis by axis."""
    facts: dict[str, object] = {"shapes": shapes}
    axes = []
    if len(shapes) >= 2 and len(shapes[0]) == len(shapes[1]):
        expected, got = shapes[0], shapes[1]
        axes = [AxisFact(k, "unknown", expected[k], got[k]) for k in range(len(expected))]
    causes = [Cause("reading", {"shapes": shapes})]
    return diagnosis("shapes", message, facts, causes, Reproduction([], unavailable="unknown_message"), axes=axes)
