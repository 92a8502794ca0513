"""The two kinds of failure the CLI maps to exit codes.

The core raises these; the CLI turns them into one line on stderr and an exit code, so a
Python caller gets ordinary exceptions and a shell caller gets ordinary exit statuses.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit codes, as documented in the README."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class BadInput(ValueError):
    """The words or options cannot describe a run (exit 2)."""


class RunFailure(RuntimeError):
    """The run was well-formed but could not be carried out or checked (exit 1)."""
