"""Exit statuses, as the manual documents them (docs/reference/exit-codes.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    INTERRUPTED = 130
