"""The command line: parse, gather input, call the core, render, map errors to exit codes."""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]
