"""What ``from rnn_cli import explore`` returns: a Result that shows itself as the report, as
HTML in Jupyter and as tables in any rich console, and briefly in a plain REPL; each of its
idioms says what it found in ``note``, the sentence the report writes under it.

It sits above the three packages: the core knows nothing of display, the renderers nothing
of notebooks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .core.explore import explore as _explore
from .core.result import Idiom, Result
from .core.watch import Watch as _Watch

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType

#: Columns the report is laid out in for a notebook's output cell.
NOTEBOOK_WIDTH = 100
_scopes = itertools.count()


@dataclass
class NotedIdiom(Idiom):
    """An Idiom, and what it found in a sentence."""

    @property
    def note(self) -> str:
        """The sentence render writes from ``kind`` and ``facts``: the report's and the JSON's note."""
        from .render.idiom_notes import note

        return note(self)


@dataclass(repr=False)
class Report(Result):
    """A Result, and its report when shown."""

    #: Every idiom, each with its note (to mypy a list[NotedIdiom] is no list[Idiom]: lists are invariant).
    idioms: list[NotedIdiom] = field(default_factory=list)  # type: ignore[assignment]

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
    shown = {f.name: getattr(result, f.name) for f in fields(result)}
    shown["idioms"] = [NotedIdiom(**{f.name: getattr(i, f.name) for f in fields(i)}) for i in result.idioms]
    return Report(**shown)


explore.__doc__ = _explore.__doc__


class ShownWatch(_Watch):
    """A watch (see ``core.watch``) that shows itself as the CLI's report: tables in any rich
    console, HTML in Jupyter; ``to_json()`` gives its document (the reference has its schema)."""

    def to_json(self) -> dict[str, Any]:
        """Every recurrent call and every judged line, as ``rnn-shapes --watch --json-file`` writes them."""
        from .render.watch import watch_document

        return dict(watch_document(self))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        from .render.watch import watch_report

        yield watch_report(self)

    def to_svg(self, width: int = NOTEBOOK_WIDTH) -> str:
        """The report as an SVG picture, as ``--watch --svg FILE`` draws it."""
        from .render.export import svg_picture
        from .render.watch import watch_report

        return svg_picture(watch_report(self), width)

    def to_html(self, width: int = NOTEBOOK_WIDTH) -> str:
        """The report as a standalone HTML page, as ``--watch --html FILE`` writes it."""
        from .render.export import html_page
        from .render.watch import watch_report

        return html_page(watch_report(self), width)

    def _repr_html_(self) -> str:
        from .render.export import html_fragment
        from .render.watch import watch_report

        return html_fragment(watch_report(self), NOTEBOOK_WIDTH, f"rnn-shapes-{next(_scopes)}")

    def __repr__(self) -> str:
        calls = ", ".join(f"{c.name} x{c.count}" for c in self.calls)
        return f"<rnn-shapes watch: {calls or 'no recurrent call yet'}; {len(self.findings)} lines judged>"


def watch(model: Any = None) -> ShownWatch:
    """``with watch(model) as w: model(batch, lengths)``: every recurrent call of the forward, and
    each line of it that uses their outputs, judged per row (see ``rnn_cli.core.watch``)."""
    return ShownWatch(model)
