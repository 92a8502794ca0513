"""Where words come from: arguments, stdin or a file, decoded strictly as UTF-8.

Streams are read a chunk at a time, and after every chunk the words read so far are held to
the memory budget: a file that would need more than --max-memory is refused as soon as the
words already read need more, with memory bounded by the limit, not by the file.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable
from typing import BinaryIO

from ..core.errors import BadInput
from .options import Options
from .streams import patient_reader

#: A file or stdin larger than this is refused before it is read whole.
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: Bytes read at a time; the budget is checked after each.
CHUNK_BYTES = 1 << 20
#: Called with (words, longest, tokens, distinct characters) read so far; raises BadInput when over.
Budget = Callable[[int, int, int, int], None]


class NoWords(BadInput):
    """A stream or file held no words."""


def gather_words(options: Options) -> list[str]:
    """The words of a request: arguments, --file, or stdin when it is not a terminal."""
    if options.words and options.file is not None:
        raise BadInput("give words as arguments or with --file, not both")
    budget = options.reading_budget()
    if options.file is not None:
        return words_from_file(options.file, budget)
    if options.words:
        return words_from_arguments(options.words)
    if options.random_input() is not None or options.input is not None:
        return []  # sizes or your own batch stand in for words: stdin is not read
    if sys.stdin is not None and not stdin_is_terminal():
        try:
            return words_from_stream(sys.stdin.buffer, "stdin", budget)
        except NoWords as error:
            _sizes_instead(options, str(error))
            raise
    _sizes_instead(options, "no words given")
    return []  # the core explains that words are needed (a terminal, or stdin closed)


def _sizes_instead(options: Options, why: str) -> None:
    """A layer given (--module, --checkpoint) and nothing to run it on: sizes will do."""
    given = "--module" if options.module is not None else "--checkpoint" if options.checkpoint is not None else None
    if given is not None:
        raise BadInput(
            f"{why}: {given} gives the layer, which runs on words (arguments, stdin, --file) or on sizes: "
            "--batch-size N --seq-len L (random features; --vocab-size V for random tokens)"
        )


def words_from_arguments(arguments: list[str]) -> list[str]:
    """Arguments arrive as str; bytes that were not UTF-8 show up as lone surrogates."""
    for i, word in enumerate(arguments):
        try:
            word.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadInput(f"argument {i + 1} is not valid UTF-8 (at character {error.start + 1})") from None
    return arguments


def words_from_file(path: str, budget: Budget | None = None) -> list[str]:
    """``-`` is stdin; anything else must be a readable regular file (or a pipe, a device)."""
    if not path:
        raise BadInput("--file needs a path ('-' for stdin)")
    if path == "-":
        if sys.stdin is None:
            raise BadInput("--file -: stdin is closed")
        return words_from_stream(sys.stdin.buffer, "stdin", budget)
    if os.path.isdir(path):
        raise BadInput(f"--file {path!r} is a directory")
    try:
        # read as stdin is: a FIFO or a /dev/fd/N handed over non-blocking still gives every byte
        with patient_reader(os.open(path, os.O_RDONLY), f"--file {path!r}", owned=True) as handle:
            return words_from_stream(handle, f"--file {path!r}", budget)
    except FileNotFoundError:
        raise BadInput(f"--file {path!r} does not exist") from None
    except OSError as error:
        raise BadInput(f"--file {path!r} cannot be read: {error.strerror}") from None


def words_from_stream(stream: BinaryIO, where: str, budget: Budget | None = None) -> list[str]:
    """Read ``stream`` a chunk at a time, split it on whitespace, and keep to ``budget``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    words: list[str] = []
    partial = ""  # a word cut by the end of a chunk
    read = longest = tokens = 0
    seen: set[str] = set()
    while True:
        data = stream.read(CHUNK_BYTES)
        final = not data
        if data:
            if b"\x00" in data:
                raise BadInput(f"{where} contains NUL bytes: it looks binary, not text")
            read += len(data)
            if read > MAX_INPUT_BYTES:
                raise BadInput(f"{where} is larger than {MAX_INPUT_BYTES // 1024**2} MiB")
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as error:  # error.object: the bytes held back from the last chunk, then data
            offset = read - len(error.object) + error.start
            raise BadInput(
                f"{where} is not valid UTF-8 (byte 0x{error.object[error.start]:02x} at offset {offset})"
            ) from None
        if not words and not partial:
            text = text.removeprefix("\ufeff")
        text = partial + text
        pieces = text.split()
        partial = pieces.pop() if pieces and not final and not text[-1].isspace() else ""
        words.extend(pieces)
        for word in pieces:
            longest = max(longest, len(word))
            tokens += len(word)
        seen.update(text)
        if budget is not None and words:
            budget(len(words), longest, tokens, len(seen))
        if final:
            break
    if not words:
        raise NoWords(f"no words in {where}")
    return words


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached
        return True
