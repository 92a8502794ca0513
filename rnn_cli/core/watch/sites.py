"""Where a line of the user's own code is: the first frame of the stack outside torch, rnn_cli
and Python's standard library, with the line's text as written."""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
from dataclasses import dataclass
from types import FrameType


@dataclass(frozen=True)
class Site:
    """A line of the user's code: its file, its number (from 1) and its text, stripped."""

    file: str
    line: int
    code: str


def _roots() -> tuple[str, ...]:
    import torch

    ours = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # rnn_cli/
    places = [os.path.dirname(torch.__file__), ours]
    places += [sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")]
    return tuple(os.path.join(os.path.realpath(p), "") for p in places)


_ROOTS: tuple[str, ...] = ()
_KNOWN: dict[str, bool] = {}


def _theirs(filename: str) -> bool:
    """Whether a frame's file is torch's, ours or the standard library's (cached per file)."""
    global _ROOTS
    found = _KNOWN.get(filename)
    if found is None:
        if not _ROOTS:
            _ROOTS = _roots()
        found = filename.startswith("<frozen") or os.path.realpath(filename).startswith(_ROOTS)
        _KNOWN[filename] = found
    return found


def user_site(skip: int = 1) -> Site | None:
    """The innermost frame of the user's own code, or None (the call came from torch alone)."""
    frame: FrameType | None = sys._getframe(skip + 1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _theirs(filename):
            code = linecache.getline(filename, frame.f_lineno, frame.f_globals).strip()
            return Site(filename, frame.f_lineno, code)
        frame = frame.f_back
    return None


#: The most modules of one user object searched for a module's name.
MAX_NAMED_MODULES = 10_000


def bound_name(target: object, skip: int = 1) -> str | None:
    """What the user's code calls ``target`` (a module called outside any model given or any
    user module's forward): a variable of the nearest user frame bound to it (``rnn``), or to a
    module holding it (``model.encoder.rnn``)."""
    frame: FrameType | None = sys._getframe(skip + 1)
    while frame is not None:
        if not _theirs(frame.f_code.co_filename):
            found = _name_in({**frame.f_globals, **frame.f_locals}, target)
            if found is not None:
                return found
        frame = frame.f_back
    return None


def _name_in(variables: dict[str, object], target: object) -> str | None:
    for name, value in variables.items():
        if value is target:
            return name
    for name, value in variables.items():
        named_modules = getattr(value, "named_modules", None)
        if name.startswith("__") or not callable(named_modules) or isinstance(value, type):
            continue
        try:
            for k, (inner, module) in enumerate(named_modules()):
                if module is target:
                    return f"{name}.{inner}"
                if k >= MAX_NAMED_MODULES:
                    break
        except Exception:  # not torch's named_modules: not a model
            continue
    return None
