"""What ``from rnn_cli import explore`` returns: a Result that shows itself as the report, as
HTML in Jupyter and as tables in any rich console, and briefly in a plain REPL.

It sits above the three packages: the core knows nothing of display, the renderers nothing
of notebooks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from .core.explore import explore as _explore
from .core.result import Result

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType

#: Columns the report is laid out in for a notebook's output cell.
NOTEBOOK_WIDTH = 100
_scopes = itertools.count()


@dataclass(repr=False)
class Report(Result):
    """A Result, and its report when shown."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        from .render.report import report

        yield report(self, width=options.max_width)

    def _repr_html_(self) -> str:
        from .render.export import html_fragment
        from .render.report import report

        return html_fragment(report(self, width=NOTEBOOK_WIDTH), NOTEBOOK_WIDTH, f"rnn-shapes-{next(_scopes)}")

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name} {tuple(t.shape)}" for name, t in self.tensors.items())
        return f"<rnn-shapes {self.call}: {shapes}>"


def explore(*args: Any, **kwargs: Any) -> Report:
    result = _explore(*args, **kwargs)
    return Report(**{f.name: getattr(result, f.name) for f in fields(result)})


explore.__doc__ = _explore.__doc__
