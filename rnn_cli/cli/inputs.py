"""Where words come from: arguments, stdin or a file, decoded strictly as UTF-8."""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

from ..core.errors import BadInput
from .options import Options

#: A file or stdin larger than this is refused before it is read whole.
MAX_INPUT_BYTES = 256 * 1024 * 1024


def gather_words(options: Options) -> list[str]:
    """The words of a request: arguments, --file, or stdin when it is not a terminal."""
    if options.words and options.file:
        raise BadInput("give words as arguments or with --file, not both")
    if options.file:
        return words_from_file(options.file, sys.stdin.buffer)
    if options.words:
        return words_from_arguments(options.words)
    if not stdin_is_terminal():
        return words_from_stream(sys.stdin.buffer, "stdin")
    return []  # the core explains that words are needed


def words_from_arguments(arguments: list[str]) -> list[str]:
    """Arguments arrive as str; bytes that were not UTF-8 show up as lone surrogates."""
    for i, word in enumerate(arguments):
        try:
            word.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadInput(f"argument {i + 1} is not valid UTF-8 (at character {error.start + 1})") from None
    return arguments


def words_from_stream(stream: BinaryIO, where: str) -> list[str]:
    """Read all of ``stream`` and split it on whitespace."""
    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise BadInput(f"{where} is larger than {MAX_INPUT_BYTES // 1024**2} MiB")
    return split_text(data, where)


def words_from_file(path: str, stdin: BinaryIO) -> list[str]:
    """``-`` is stdin; anything else must be a readable regular file."""
    if path == "-":
        return words_from_stream(stdin, "stdin")
    if os.path.isdir(path):
        raise BadInput(f"--file {path!r} is a directory")
    try:
        with open(path, "rb") as handle:
            return words_from_stream(handle, f"--file {path!r}")
    except FileNotFoundError:
        raise BadInput(f"--file {path!r} does not exist") from None
    except OSError as error:
        raise BadInput(f"--file {path!r} cannot be read: {error.strerror}") from None


def split_text(data: bytes, where: str) -> list[str]:
    if b"\x00" in data:
        raise BadInput(f"{where} contains NUL bytes: it looks binary, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"{where} is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    words = text.removeprefix("\ufeff").split()
    if not words:
        raise BadInput(f"no words in {where}")
    return words


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached
        return True
