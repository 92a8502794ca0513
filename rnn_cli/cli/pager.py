"""A report taller than the terminal goes through a pager, as git's output does.

The pager is ``$RNN_SHAPES_PAGER``, else ``$PAGER``, else ``less -FRX`` (quit at once if the
text fits, keep the colours, leave the screen as it was); an empty value or ``cat`` means none.
Only a terminal of a known height is paged: a pipe or a file gets the text itself, and so does
a terminal that reports 0 rows (``script``, some CI runners), where a pager would wait for keys
that never come. A pager that fails (it cannot start, or exits with an error) leaves the text
on stdout, with a line on stderr that says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess

DEFAULT_PAGER = "less -FRX"


def pager_command() -> str | None:
    """The shell command to page through, or None for none."""
    for name in ("RNN_SHAPES_PAGER", "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            return None if value.strip() in ("", "cat") else value
    return DEFAULT_PAGER if shutil.which("less") else None


def terminal_height(fd: int) -> int | None:
    """The rows the terminal on ``fd`` reports, or None when it reports none (0 rows) or is none."""
    try:
        rows = os.get_terminal_size(fd).lines
    except (OSError, ValueError):
        return None
    return rows if rows > 0 else None


def page(text: str, height: int | None) -> bool:
    """Send ``text`` through the pager when it is taller than ``height`` lines; False when it was
    not paged (short enough, no pager, a height not known, a pager that failed), so the caller
    prints it."""
    command = pager_command()
    if command is None or height is None or text.count("\n") <= max(height - 1, 1):
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    # Ctrl-C belongs to the pager while it runs (less uses it to stop a search), as under git
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
        assert pager.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the reader quit the pager before the end
            pager.stdin.write(text.encode("utf-8", "surrogateescape"))
        with contextlib.suppress(BrokenPipeError):
            pager.stdin.close()
        status = pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if status > 0:  # it could not start (127), or failed before it showed the text: nothing was shown
        from .streams import note

        note(f"the pager {command!r} failed (exit {status}); the report follows on stdout")
        return False
    return True
