"""The console script's entry point: signals and standard streams first, then the command.

One signal policy: every signal whose default action ends the process (Ctrl-C's SIGINT,
SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, ...) ends it at once with 128 + the
signal's number (130 for Ctrl-C), whatever it is doing, torch's import included: an
exception raised inside torch's C++ import aborts the process or leaves half-loaded modules,
so no exception is raised at all. Temporary files of exports not yet renamed into place are
removed first. A signal the parent set to be ignored (``nohup``'s SIGHUP) stays ignored.
SIGPIPE is left as Python sets it (ignored): a closed pipe is an error on the write, which
the streams turn into the reader having all it wanted.
"""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType

#: Temporary files being written (cli.files fills it); set once that module is loaded.
_pending: set[str] = set()

#: Signals whose default action terminates the process (with or without a core dump), and
#: that can be caught; the faults a program causes itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
#: SIGABRT, SIGSYS, SIGTRAP) are not among them: nothing sane can run after those.
TERMINATING = tuple(
    getattr(signal, name)
    for name in (
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGTERM",
        "SIGUSR1",
        "SIGUSR2",
        "SIGALRM",
        "SIGVTALRM",
        "SIGPROF",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGPOLL",
        "SIGPWR",
        "SIGSTKFLT",
    )
    if hasattr(signal, name)
)


def _stop(signum: int, frame: FrameType | None) -> None:
    for path in list(_pending):
        with contextlib.suppress(OSError):
            os.unlink(path)
    os._exit(128 + signum)


def take_signals() -> None:
    """Install the one policy for every terminating signal the parent did not ignore, and
    have it remove the exports' temporary files."""
    global _pending
    for signum in TERMINATING:
        if signal.getsignal(signum) is signal.SIG_IGN and signum != signal.SIGINT:
            continue  # nohup, or a parent that wants us deaf to it; Ctrl-C is always ours
        signal.signal(signum, _stop)
    from .cli.files import PENDING

    _pending = PENDING


def main() -> None:
    take_signals()
    from .cli.streams import guard_standard_streams

    guard_standard_streams()
    from .cli.program import main as run

    run()
