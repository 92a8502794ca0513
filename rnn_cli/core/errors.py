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


#: The most of a value's repr a message quotes: enough to recognise it, and one short line.
QUOTED_CHARS = 40


def quoted(value: object) -> str:
    """``value`` as a message shows it, one bounded line: a short repr (a str's escapes its line
    breaks), or what it is (its type, and a tensor's or array's shape), never a repr that could
    be every number of a tensor, on many lines."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            text = repr(value)
        except ValueError:  # more digits than Python writes out
            return f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
        return text if len(text) <= QUOTED_CHARS else f"a whole number of {len(text.lstrip('-')):,} digits"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= QUOTED_CHARS else f"{text[: QUOTED_CHARS - 1]}… ({len(value):,} characters)"
    if value is None or isinstance(value, bool | float):
        return repr(value)
    kind = type(value)
    named = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    what = f"{'an' if named[:1] in 'aeiou' else 'a'} {named}"
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):  # torch.Size and numpy's shapes are tuples
        return f"{what} of shape {tuple(shape)}"
    if isinstance(value, list | tuple | dict | set):
        return f"{what} of {len(value):,} item{'' if len(value) == 1 else 's'}"
    return what
