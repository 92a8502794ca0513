"""The console script's entry point: signals and standard streams first, then the command.

Ctrl-C (SIGINT) and SIGTERM end the process at once with 128 + the signal's number (130 for
Ctrl-C), whatever it is doing, torch's import included: an exception raised inside torch's
C++ import aborts the process or leaves half-loaded modules, so no exception is raised at
all. Temporary files of exports not yet renamed into place are removed first.
"""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType

#: Temporary files being written (cli.files fills it); set once that module is loaded.
_pending: set[str] = set()


def _stop(signum: int, frame: FrameType | None) -> None:
    for path in list(_pending):
        with contextlib.suppress(OSError):
            os.unlink(path)
    os._exit(128 + signum)


def main() -> None:
    global _pending
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    from .cli.files import PENDING
    from .cli.streams import guard_standard_streams

    _pending = PENDING
    guard_standard_streams()
    from .cli.program import main as run

    run()
