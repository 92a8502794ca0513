"""The exporters' own chatter kept off our streams, and their messages cut to what matters.

torch.onnx prints progress lines, torch.export and TorchScript warn, torch's loggers write
to stderr, onnxruntime logs from C++: none of it reaches our stdout or stderr. What matters
of it (a refusal, a specialised axis) comes back as the exception's message, in one line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator

#: Colours and cursor moves some exporters put in their messages.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: torch.export's words for an axis it could not keep dynamic, and the fix it suggests.
_SPECIALIZED = re.compile(r"You marked (\w+) as dynamic but your code specialized it to be a constant \((\d+)\)")
_FIX = re.compile(r"^\s*(\w+) = (\d+)\s*$", re.M)
#: The most of an exporter's message we keep: its gist, not its traceback.
MESSAGE_CHARS = 400
#: Where an exporter's message turns from what happened to boilerplate: TorchScript's plea for a
#: pull request, and the graph it dumps after it.
_BOILERPLATE = re.compile(r" (?:Please feel free to request support|\[Caused by ).*", re.S)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Everything the exporters print, warn or log while inside, swallowed: Python's streams,
    warnings and log records, and what C++ writes to the descriptors themselves."""
    disabled = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with (
            _descriptors_aside(),
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(disabled)


@contextlib.contextmanager
def _descriptors_aside() -> Iterator[None]:
    """Descriptors 1 and 2 pointed at a scratch file while inside (TorchScript's C++ warnings,
    graph dumps), then back where they were; what we wrote before is flushed first."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # a descriptor closed: nothing of theirs can reach it either
        yield
        return
    try:
        with tempfile.TemporaryFile() as scratch:
            os.dup2(scratch.fileno(), 1)
            os.dup2(scratch.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        for fd in saved:
            os.close(fd)


def exporter_message(error: BaseException) -> str:
    """The gist of an exporter's (or runtime's) error in one line: what torch.export says of each
    axis it could not keep dynamic, else the first line that says something (a report's cause)."""
    lines = [line.strip() for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
    summary = next((k for k, line in enumerate(lines) if line.startswith("## Exception summary")), None)
    if summary is not None and summary + 1 < len(lines):  # torch.onnx's report: the cause follows
        lines = lines[summary + 1 :]
    if lines and lines[0].startswith("Constraints violated"):  # each axis is a "- " line of its own
        said = [_first_sentence(line[2:]) for line in lines[1:] if line.startswith("- ")]
        lines = ["; ".join(dict.fromkeys(said))] if said else lines
    first = re.sub(r"^<class '(?:\w+\.)*(\w+)'>:", r"\1:", lines[0]) if lines else type(error).__name__
    explained = next((line for line in lines[1:3] if line.startswith("Explanation:")), None)
    if explained is not None:  # dynamo's graph breaks: the title, then what it means
        first += ": " + _first_sentence(re.sub(r" in file `[^`]*`", "", explained.removeprefix("Explanation:").strip()))
    first = _BOILERPLATE.sub("", " ".join(first.split()))
    return first if len(first) <= MESSAGE_CHARS else first[: MESSAGE_CHARS - 1] + "…"


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def specialized(text: str) -> list[tuple[str, int]]:
    """(axis, size) of each axis torch.export's message says it fixed: "You marked seq as dynamic
    but your code specialized it to be a constant (6)", or its suggested fix "seq = 6"."""
    text = _ANSI.sub("", text)
    found = _SPECIALIZED.findall(text)
    if not found and "Suggested fixes:" in text:
        found = _FIX.findall(text.split("Suggested fixes:", 1)[1])
    return list(dict.fromkeys((name, int(size)) for name, size in found))


def about(axis: str, message: str) -> str:
    """The part of ``message`` (parts joined by "; ") that speaks of ``axis``, else all of it."""
    parts = message.split("; ")
    return next((p for p in parts if f" {axis} as " in p or f" {axis} = " in p), message)
