"""Standard streams that lose nothing, and say so when they cannot deliver.

At the entry point (``guard_standard_streams``) every one of stdin, stdout and stderr that
the parent closed is noted and its descriptor taken by /dev/null, so no file opened later
inherits its number; stdout and stderr are rewrapped so that a descriptor handed over in
non-blocking mode (a Node or CI parent reading slowly) still receives every byte: a full
pipe is waited on, never a short write dropped. A write that cannot happen (stdout closed,
a full disk) is a ``StreamFailure``: one line on stderr, exit 1. Errors never go to stdout.

Input is the same layer the other way (``patient_reader``): stdin, and every file words are
read from, reads every byte whatever the descriptor's mode. A non-blocking pipe that is empty
for now (a parent feeding it slowly) is waited on, never taken for its end.
"""

from __future__ import annotations

import errno
import io
import os
import select
import sys
from typing import TextIO

from ..core.errors import RunFailure
from ..render.visible import visible

#: Longest message written to stderr; a 100 KB --vs value is not echoed whole.
MAX_MESSAGE = 500
#: Standard streams the parent closed, by name.
CLOSED: set[str] = set()


class StreamFailure(RunFailure):
    """stdout could not take what we had to write (closed, full disk, I/O error)."""


class _Patient(io.RawIOBase):
    """A descriptor's writes, each made whole: waits while a non-blocking pipe is full."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__()
        self._fd = fd
        self._name = name

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: object) -> int:
        view = memoryview(data).cast("B")  # type: ignore[arg-type]
        done = 0
        while done < len(view):
            try:
                done += os.write(self._fd, view[done:])
            except BlockingIOError:
                select.select([], [self._fd], [])  # the reader is slow: wait for room
            except InterruptedError:
                continue
            except BrokenPipeError:
                raise
            except OSError as error:
                raise StreamFailure(f"cannot write to {self._name}: {error.strerror}") from None
        return done


class _PatientReader(io.RawIOBase):
    """A descriptor's reads, each waiting while a non-blocking pipe has nothing yet: only a
    read of zero bytes is the end."""

    def __init__(self, fd: int, name: str, *, owned: bool = False) -> None:
        super().__init__()
        self._fd = fd
        self._name = name
        self._owned = owned

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def readinto(self, buffer: object) -> int:
        view = memoryview(buffer).cast("B")  # type: ignore[arg-type]
        while True:
            try:
                return os.readv(self._fd, [view])
            except BlockingIOError:
                select.select([self._fd], [], [])  # nothing yet: wait for the writer
            except InterruptedError:
                continue
            except OSError as error:
                raise StreamFailure(f"cannot read {self._name}: {error.strerror}") from None

    def close(self) -> None:
        if self._owned and not self.closed:
            os.close(self._fd)
        super().close()


def patient_reader(fd: int, name: str, *, owned: bool = False) -> io.BufferedReader:
    """Bytes from ``fd``, every one of them, whether it was handed over blocking or not;
    ``owned``: closing the reader closes the descriptor."""
    return io.BufferedReader(_PatientReader(fd, name, owned=owned), buffer_size=1 << 16)


def write_all(fd: int, data: bytes, name: str) -> None:
    """Every byte of ``data`` to ``fd``, waiting while a non-blocking pipe is full."""
    _Patient(fd, name).write(data)


class _Closed(io.TextIOBase):
    """What sys.stdout is when the parent closed it: any write fails, loudly."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            raise StreamFailure(f"{self._name} is closed: nothing could be written")
        return 0


def guard_standard_streams() -> None:
    """Run once, first thing at the entry point; see the module's docstring."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            CLOSED.add(name)
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if "stdin" in CLOSED:
        sys.stdin = None
    else:
        sys.stdin = io.TextIOWrapper(patient_reader(0, "stdin"), encoding="utf-8", errors="surrogateescape")
    sys.stdout = _patient(1, "stdout")
    sys.stderr = _patient(2, "stderr")


def _patient(fd: int, name: str) -> TextIO:
    if name in CLOSED:
        return _Closed(name)  # type: ignore[return-value]  # a TextIO in all that is used
    buffered = io.BufferedWriter(_Patient(fd, name), buffer_size=1 << 16)
    return io.TextIOWrapper(buffered, encoding="utf-8", errors="backslashreplace", write_through=False)


def write_stdout(text: str) -> None:
    """Write UTF-8 bytes whatever the locale, and flush so a pipe sees each document now."""
    if "stdout" in CLOSED:
        raise StreamFailure("stdout is closed: nothing could be written")
    data = text.encode("utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    try:
        if buffer is None:  # a replaced stdout with no bytes layer
            sys.stdout.write(text)
        else:
            sys.stdout.flush()
            buffer.write(data)
        sys.stdout.flush()
    except OSError as error:
        if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
            raise BrokenPipeError from None
        raise StreamFailure(f"cannot write to stdout: {error.strerror}") from None


def error_line(message: str) -> None:
    """One line on stderr: the message made visible, never a traceback, never on stdout."""
    _to_stderr(f"rnn-shapes: error: {_one_line(message) or 'error'}")


def note(message: str) -> None:
    """A diagnostic for a person, on stderr: the run goes on."""
    _to_stderr(f"rnn-shapes: note: {_one_line(message)}")


def _one_line(message: str) -> str:
    line = " ".join(visible(part) for part in message.splitlines())
    return line if len(line) <= MAX_MESSAGE else line[:MAX_MESSAGE] + f"… ({len(line) - MAX_MESSAGE} more characters)"


def _to_stderr(line: str) -> None:
    stream = sys.stderr
    if "stderr" in CLOSED or stream is None:
        return  # nowhere to say it; the exit status still does
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError, RunFailure):
        pass  # stderr is gone too: the exit status is all that is left
