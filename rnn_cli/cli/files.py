"""Files the user asked for (--svg, --html, --plot): written whole, or not at all, and failures named.

``target`` is the one place that decides how a path is written, the same way when the
options are checked (before anything runs) and when the file is written:

- a regular file (or a new one) is written to a temporary file beside it and renamed over
  it, so a full disk or an interrupted run leaves the old file as it was. A symlink is
  written through: the temporary file goes beside the link's target, which is what is
  replaced, and the link stays a link;
- a character device (a terminal, /dev/null), a FIFO or a socket cannot be replaced, so it
  is written in place; so is a path that names one of our open descriptors
  (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/3``, what ``>(...)`` hands over): the
  bytes go to that descriptor, where the shell pointed it;
- a target that is the same file as stdout (``--svg out.txt > out.txt``, ``--svg
  /dev/stdout | jq``) is refused up front: stdout carries the answer, and the two would
  overwrite or interleave each other. A terminal or /dev/null is the exception: nothing
  is lost there.

A reader of a FIFO or a descriptor that goes away early (``>(head -c 10)``) has all it
wanted: not an error, as for stdout.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import sys
from dataclasses import dataclass

from ..core.errors import BadInput, RunFailure

#: Errors that say the machine failed, not the request: exit 1, not 2.
_FAULTS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EROFS}
#: Temporary files being written, removed if the process is stopped before it renames them.
PENDING: set[str] = set()
#: Paths that name one of this process's descriptors.
_DESCRIPTOR = re.compile(
    r"/dev/(?:fd/(?P<fd>[0-9]{1,9})|std(?P<std>in|out|err))|/proc/(?P<pid>self|[0-9]+)/fd/(?P<n>[0-9]{1,9})"
)
_STANDARD = {"in": 0, "out": 1, "err": 2}
#: Symlinks followed before a path is taken as it stands.
_MAX_LINKS = 40


@dataclass(frozen=True)
class Target:
    """How a path is written: to a descriptor we hold (``fd``), in place (a device, a FIFO),
    or atomically onto ``path`` (a regular file; a symlink's target)."""

    how: str  # "fd", "in place" or "atomic"
    path: str
    fd: int = -1
    #: The existing file's permissions, kept by the atomic replacement; None for a new file.
    mode: int | None = None


def target(path: str, option: str) -> Target:
    """Decide how ``path`` is written, or refuse it (BadInput) before anything runs."""
    if not path:
        raise BadInput(f"{option} needs a file name")
    if "\x00" in path:
        raise BadInput(f"{option} {path!r}: a file name cannot hold a NUL byte")
    fd = _descriptor(path)
    try:
        info = os.fstat(fd) if fd is not None else os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        if fd is not None and error.errno == errno.EBADF:
            raise BadInput(f"{option} {path!r}: descriptor {fd} is not open") from None
        raise _failure(option, path, error) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise BadInput(f"{option} {path!r} is a directory")
    if info is not None and _is_stdout(info):
        raise BadInput(
            f"{option} {path!r} is the same file as stdout, which carries the answer: "
            "give the file a name of its own, or redirect stdout elsewhere"
        )
    if fd is not None:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise BadInput(f"{option} {path!r}: descriptor {fd} is open for reading only")
        return Target("fd", path, fd=fd)
    if info is not None and not stat.S_ISREG(info.st_mode):
        return Target("in place", path)
    real = os.path.realpath(path)  # through every symlink: the file that is replaced
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise BadInput(f"{option} {path!r}: there is no directory {folder!r}")
    if not os.access(folder, os.W_OK):
        raise BadInput(f"{option} {path!r}: the directory {folder!r} is not writable")
    return Target("atomic", real, mode=None if info is None else stat.S_IMODE(info.st_mode))


def write_atomically(path: str, text: str | bytes, option: str) -> None:
    """Write ``text`` to ``path`` as ``target`` decides: whole, in place, or to a descriptor."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    where = target(path, option)
    if where.how == "fd":
        _write_descriptor(os.dup(where.fd), data, option, path)
    elif where.how == "in place":
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        except OSError as error:
            if error.errno != errno.ENXIO:  # a socket cannot be opened by name
                raise _failure(option, path, error) from None
            raise BadInput(f"cannot write {option} {path!r}: a socket is not a file to write") from None
        _write_descriptor(fd, data, option, path)
    else:
        _replace(where, data, option, path)


def _replace(where: Target, data: bytes, option: str, path: str) -> None:
    """Write a temporary file beside the real target, then rename it over the target."""
    folder = os.path.dirname(where.path)
    while True:
        temporary = os.path.join(folder, f".rnn-shapes-{secrets.token_hex(6)}.tmp")
        PENDING.add(temporary)  # before it exists: a signal between the two leaves nothing behind
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            break
        except FileExistsError:
            PENDING.discard(temporary)
        except OSError as error:
            PENDING.discard(temporary)
            raise _failure(option, path, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask() if where.mode is None else where.mode)
        os.replace(temporary, where.path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _failure(option, path, error) from None
    finally:
        PENDING.discard(temporary)


def _write_descriptor(fd: int, data: bytes, option: str, path: str) -> None:
    """Every byte to ``fd`` (a device, a FIFO, a descriptor we were handed), then close it."""
    from .streams import StreamFailure, write_all

    try:
        write_all(fd, data, f"{option} {path!r}")
    except BrokenPipeError:
        pass  # its reader has all it wanted (>(head -c 10)): not an error
    except StreamFailure as error:
        raise RunFailure(str(error)) from None
    finally:
        os.close(fd)


def _descriptor(path: str) -> int | None:
    """The descriptor ``path`` names (/dev/stdout, /dev/fd/3, /proc/self/fd/3), following
    symlinks to it; None for any other path."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        found = _DESCRIPTOR.fullmatch(current)
        if found:
            if found["std"]:
                return _STANDARD[found["std"]]
            if found["fd"]:
                return int(found["fd"])
            if found["pid"] in ("self", str(os.getpid())):
                return int(found["n"])
            return None
        try:
            link = os.readlink(current)
        except OSError:
            return None  # not a symlink (or not there): the path is what it names
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return None


def _is_stdout(info: os.stat_result) -> bool:
    """Whether ``info`` is the file stdout writes to (a terminal or /dev/null does not count)."""
    try:
        ours = os.fstat(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # replaced (a test's runner) or closed
        return False
    if stat.S_ISCHR(ours.st_mode):
        return False
    return (info.st_dev, info.st_ino) == (ours.st_dev, ours.st_ino)


def _failure(option: str, path: str, error: OSError) -> BadInput | RunFailure:
    message = f"cannot write {option} {path!r}: {error.strerror or error}"
    return RunFailure(message) if error.errno in _FAULTS else BadInput(message)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
