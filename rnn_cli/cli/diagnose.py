"""--diagnose TEXT: the text of torch's error or warning, from the option or stdin, and the
options that make sense beside it (how the answer is shown; the sizes come from the message)."""

from __future__ import annotations

import sys

from ..core.errors import BadInput
from .options import Options, flag

#: Options that go with --diagnose: how its answer is shown.
BESIDE = {"diagnose", "json_out", "code", "traceback", "no_pager", "svg", "html"}
#: More text than this on stdin is refused: a log of many megabytes is not one error.
MAX_TEXT_BYTES = 16 * 1024 * 1024


def check_diagnose_options(options: Options) -> None:
    """Refuse words and run options beside --diagnose: its sizes are the message's own."""
    if options.words:
        raise BadInput("--diagnose reads torch's message, not words: give the message alone (or '-' for stdin)")
    for name in options.given():
        if name not in BESIDE:
            raise BadInput(
                f"{flag(name)} does not go with --diagnose, which takes every size from torch's message: "
                "give the message alone (with --json or --code)"
            )


def diagnosis_text(options: Options) -> str:
    """The text to search: the option's value, or stdin for '-' (decoded leniently: it is a log)."""
    text = options.diagnose or ""
    if text == "-":
        if sys.stdin is None:
            raise BadInput("--diagnose -: stdin is closed")
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            raise BadInput(f"--diagnose -: stdin has more than {MAX_TEXT_BYTES // 1024**2} MiB; give the error's part")
        text = data.decode("utf-8", errors="replace")
    if not text.strip():
        raise BadInput("--diagnose needs the text of torch's error or warning ('-' reads it from stdin)")
    return text
