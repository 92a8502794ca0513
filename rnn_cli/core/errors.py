"""The two kinds of failure a run can end in.

The core raises these; the command line turns them into one line on stderr and an exit
status, so a Python caller gets ordinary exceptions and a shell caller ordinary statuses.
"""

from __future__ import annotations


class BadInput(ValueError):
    """The words or settings cannot describe a run (exit 2 on the command line)."""


class RunFailure(RuntimeError):
    """The run was well-formed but could not be carried out or checked (exit 1)."""


class SettingNames(dict[str, str]):
    """What a caller calls each setting in messages: ``--hidden`` on the command line,
    ``hidden_size`` from Python. A setting nobody renamed goes by its own name."""

    def __missing__(self, key: str) -> str:
        return key
