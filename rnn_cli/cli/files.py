"""Files the user asked for (--svg, --html): written whole, or not at all, and failures named.

A regular file is written to a temporary file beside it and renamed over it, so a full disk
or an interrupted run leaves the old file as it was. Anything else (a device such as
/dev/stdout, a FIFO) cannot be replaced, so it is written in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile

from ..core.errors import BadInput, RunFailure

#: Errors that say the machine failed, not the request: exit 1, not 2.
_FAULTS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EROFS}
#: Temporary files being written, removed if the process is stopped before it renames them.
PENDING: set[str] = set()


def write_atomically(path: str, text: str | bytes, option: str) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _failure(option, path, error) from None
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(path, data, option)
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".rnn-shapes-", suffix=".tmp", dir=folder)
    except OSError as error:
        raise _failure(option, path, error) from None
    PENDING.add(temporary)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask() if mode is None else stat.S_IMODE(mode))
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _failure(option, path, error) from None
    finally:
        PENDING.discard(temporary)


def _write_in_place(path: str, data: bytes, option: str) -> None:
    try:
        with open(path, "wb") as stream:
            stream.write(data)
            stream.flush()
    except OSError as error:
        raise _failure(option, path, error) from None


def _failure(option: str, path: str, error: OSError) -> BadInput | RunFailure:
    message = f"cannot write {option} {path!r}: {error.strerror or error}"
    return RunFailure(message) if error.errno in _FAULTS else BadInput(message)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
