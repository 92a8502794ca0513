"""A report taller than the terminal goes through a pager, as git's output does.

The pager is ``$RNN_SHAPES_PAGER``, else ``$PAGER``, else ``less -FRX`` (quit at once if the
text fits, keep the colours, leave the screen as it was); an empty value or ``cat`` means none.
Only a terminal is paged: a pipe or a file gets the text itself.
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


def page(text: str, height: int) -> bool:
    """Send ``text`` through the pager when it is taller than ``height`` lines; False when it was
    not paged (short enough, no pager), so the caller prints it."""
    command = pager_command()
    if command is None or text.count("\n") <= max(height - 1, 1):
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
        pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True
