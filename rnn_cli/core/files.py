"""Files the caller names (--checkpoint, --input, --h0, --c0), bounded before they are read.

As archive tools do it: the path is stat'ed before it is opened (a regular file only, symlinks
followed: a device such as /dev/zero never ends, a FIFO blocks its reader until a writer
comes), and opened without blocking in case it changed since; what a format declares (a zip's
uncompressed sizes, an .npy header's shape and dtype) is held to the limit before anything is
inflated or allocated. What comes out is then checked to be a tensor rnn-shapes can run: dense,
with values, of a dtype torch holds.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import stat
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from .budget import human_bytes
from .errors import BadInput

if TYPE_CHECKING:
    import torch

#: What a path that is not a regular file is, by its stat mode, as a message says it.
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
#: The dtypes a tensor file may hold: what the run can take as input or as weights.
NUMBER_DTYPES = frozenset(
    {"float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"}
)


#: What to give instead of a path that is not a regular file, for the files a run reads.
TENSOR_FILE = "give the file torch.save (or numpy.save) wrote"


def regular_status(path: str, where: str, *, max_bytes: int, give: str = TENSOR_FILE) -> os.stat_result:
    """The status of the regular file at ``path`` (symlinks followed), refused before it is opened
    when it is missing, not a regular file (``give`` says what to give), or over ``max_bytes``."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise BadInput(f"{where} does not exist") from None
    except OSError as error:
        raise BadInput(f"{where} cannot be read: {error.strerror}") from None
    _check_regular(status, where, give)
    if status.st_size > max_bytes:
        raise BadInput(
            f"{where} is {human_bytes(status.st_size)}, over the {human_bytes(max_bytes)} limit (--max-memory)"
        )
    return status


def _check_regular(status: os.stat_result, where: str, give: str = TENSOR_FILE) -> None:
    if stat.S_ISREG(status.st_mode):
        return
    kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a regular file")
    if kind == "a directory":
        raise BadInput(f"{where} is a directory")
    raise BadInput(f"{where} is {kind}, not a regular file: {give}")


@contextlib.contextmanager
def opened_regular(path: str, where: str, *, max_bytes: int) -> Iterator[BinaryIO]:
    """``path`` open for reading, once it is known to be a regular file within ``max_bytes``.
    Opened without blocking (a FIFO swapped in since the stat would otherwise wait for a
    writer), and checked again on what was opened."""
    regular_status(path, where, max_bytes=max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise BadInput(f"{where} cannot be read: {error.strerror}") from None
    handle = os.fdopen(fd, "rb")
    with handle:
        _check_regular(os.fstat(fd), where)
        os.set_blocking(fd, True)
        yield handle


def check_zip_sizes(handle: BinaryIO, where: str, *, max_bytes: int) -> None:
    """A zip (torch.save's format) whose entries declare more bytes, once inflated, than the
    limit is refused before any entry is read: a small compressed file can inflate to gigabytes."""
    try:
        with zipfile.ZipFile(handle) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise BadInput(f"{where} is not a zip file torch.load can read: {error}") from None
    finally:
        handle.seek(0)
    if declared > max_bytes:
        raise BadInput(
            f"{where} declares {human_bytes(declared)} once inflated, over the {human_bytes(max_bytes)} "
            "limit (--max-memory)"
        )


def read_npy(handle: BinaryIO, where: str, *, max_bytes: int) -> Any:
    """An .npy array, its header read first: the dtype must be numbers torch holds, and the
    shape must fit both the file and the limit before numpy allocates it."""
    import numpy
    from numpy.lib import format as npy

    size = os.fstat(handle.fileno()).st_size
    try:
        version = npy.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = npy.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = npy.read_array_header_2_0(handle)
        else:  # version 3.0 has no public reader: numpy 1 keeps it in format, numpy 2 in _format_impl
            private = npy if hasattr(npy, "_read_array_header") else importlib.import_module("numpy.lib._format_impl")
            shape, _, dtype = getattr(private, "_read_array_header")(handle, version)  # noqa: B009
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as error:
        raise BadInput(f"{where} cannot be read as .npy without unpickling: {_first(error)}") from None
    dtype = numpy.dtype(dtype)
    if dtype.kind not in "biuf" or dtype.hasobject:
        raise BadInput(f"{where} holds {dtype} values, not numbers")
    if dtype.name not in NUMBER_DTYPES:
        raise BadInput(f"{where} holds {dtype.name} values, which torch does not hold: save it as float32")
    declared = dtype.itemsize
    for length in shape:
        declared *= int(length)
    held = size - handle.tell()
    if declared > max_bytes:
        raise BadInput(
            f"{where} declares shape {tuple(shape)}, {human_bytes(declared)}, over the "
            f"{human_bytes(max_bytes)} limit (--max-memory)"
        )
    if declared > held:
        raise BadInput(
            f"{where} declares shape {tuple(shape)} of {dtype.name}, {declared:,} bytes, "
            f"but holds {held:,}: the file is cut short"
        )
    handle.seek(0)
    try:
        return numpy.load(handle, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise BadInput(f"{where} cannot be read as .npy without unpickling: {_first(error)}") from None


def tensor_problem(tensor: torch.Tensor) -> str | None:
    """Why a loaded tensor cannot be run (sparse, quantized, meta, an odd dtype), or None."""
    import torch

    dtype = str(tensor.dtype).removeprefix("torch.")
    if tensor.is_quantized:
        return f"a quantized tensor ({dtype}): give tensor.dequantize()"
    if tensor.layout != torch.strided:
        return f"a {str(tensor.layout).removeprefix('torch.')} tensor: give tensor.to_dense()"
    if tensor.device.type == "meta":
        return "a meta tensor, which has a shape and no values: save one built on the CPU"
    if dtype not in NUMBER_DTYPES:
        return f"a {dtype} tensor, not real numbers a recurrent layer takes: give tensor.float()"
    return None


def _first(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:200]
