"""One invocation from start to finish: batch mode, a comparison, or one run rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import BadInput
from ..core.explore import run_plan
from .inputs import gather_words
from .options import Options
from .streams import write_stdout

if TYPE_CHECKING:
    import typer
    from rich.console import RenderableType

    from ..core.result import Result


def dispatch(options: Options, ctx: typer.Context) -> int:
    """Answer one invocation; return the exit status (batch mode's may be 1)."""
    options.check()
    if options.batch:
        from .batch import batch_from_stdin

        return batch_from_stdin(options)
    other = None
    if options.vs is not None:
        from .vs import vs_options

        other = vs_options(options, ctx)
    words = gather_words(options)
    plan = options.plan(words)
    if other is not None:
        try:
            other_plan = other.plan(words)
        except BadInput as error:
            raise BadInput(f"--vs: {error}") from None
        _compare(options, run_plan(plan), run_plan(other_plan))
    else:
        _show_one(options, run_plan(plan))
    return 0


def _show_one(options: Options, result: Result) -> None:
    if options.code:
        from ..render.script import script

        write_stdout(script(result))
        return
    values = not options.no_values
    if options.json_out:
        from ..render.json_doc import document_text

        write_stdout(document_text(result, values=values) + "\n")
        if not (options.svg or options.html):
            return  # JSON alone: rich is never imported
    from ..render.report import report

    _show(options, report(result, max_rows=options.max_rows, values=values, traced_words=options.traced_words()))


def _show(options: Options, renderable: RenderableType) -> None:
    """Tables on stdout unless it carries JSON; the same renderable into --svg / --html."""
    if not options.json_out:
        from ..render.console import make_console

        make_console().print(renderable)
    if options.svg or options.html:
        from ..render.export import export

        export(renderable, svg=options.svg, html=options.html)


def _compare(options: Options, a: Result, b: Result) -> None:
    from ..core.versus import value_differences
    from ..render.differences import comparison_document
    from ..render.json_doc import document, dumps

    values = options.json_out and not options.no_values
    doc = comparison_document(document(a, values=values), document(b, values=values), value_differences(a, b))
    if options.json_out:
        write_stdout(dumps(doc) + "\n")
        if not (options.svg or options.html):
            return
    from ..render.comparison import comparison_report

    _show(options, comparison_report(doc))
