"""torch imported with the cyclic garbage collector paused, and what it built frozen after.

Importing torch creates some 165,000 Python objects that live as long as the process. While
they are created, the collector runs full collections over all of them again and again: three
of them, about 0.19 s, a fifth of torch's import on the development machine. Paused, then
frozen (``gc.freeze``: moved where no later collection looks), they cost nothing. Only the
command does this, never ``from rnn_cli import explore``: freezing is the process's business.
"""

from __future__ import annotations

import gc
import sys


def load_torch() -> None:
    """Import torch, unless it is already, with the collector paused and its objects frozen after."""
    if "torch" in sys.modules:
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        import torch  # noqa: F401
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
