"""Writing to stdout and stderr the way scripts and people expect."""

from __future__ import annotations

import sys

from ..render.visible import visible


def write_stdout(text: str) -> None:
    """Write UTF-8 bytes whatever the locale, and flush so a pipe sees each document now."""
    data = text.encode("utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced stdout with no bytes layer
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        buffer.write(data)
    sys.stdout.flush()


def error_line(message: str) -> None:
    """One line on stderr: the message made visible, never a traceback."""
    line = " ".join(visible(part) for part in message.splitlines()) or "error"
    print(f"rnn-shapes: error: {line}", file=sys.stderr, flush=True)


def note(message: str) -> None:
    """A diagnostic for a person, on stderr: the run goes on."""
    line = " ".join(visible(part) for part in message.splitlines())
    print(f"rnn-shapes: note: {line}", file=sys.stderr, flush=True)
