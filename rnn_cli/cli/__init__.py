"""The command line: parse, gather input, call the core, render, map errors to exit codes.

``app`` and ``main`` load on first use, so the entry point can import this package's small
modules (streams, files) before typer is loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["app", "main"]

if TYPE_CHECKING:
    from .program import app, main


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("rnn_cli.cli.program"), name)
    raise AttributeError(f"module 'rnn_cli.cli' has no attribute {name!r}")
