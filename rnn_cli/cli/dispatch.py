"""One invocation from start to finish: batch mode, a comparison, or one run rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import BadInput
from ..core.explore import run_plan
from .files import write_atomically
from .inputs import gather_words
from .options import Options
from .pager import page, terminal_height
from .streams import note, write_stdout
from .torch_import import load_torch

if TYPE_CHECKING:
    import typer
    from rich.console import RenderableType

    from ..core.result import Result
    from ..render.sections import Section


def dispatch(options: Options, ctx: typer.Context) -> int:
    """Answer one invocation; return the exit status (batch mode's may be 1)."""
    options.check()
    if options.watch is not None or options.json_file is not None:
        from .watch import run_watched

        return run_watched(options)
    if options.diagnose is not None:
        return _diagnose(options)
    if options.tui:
        from .tui.launch import run_explorer

        load_torch()
        return run_explorer(options)
    if options.batch:
        from .batch import batch_from_stdin

        return batch_from_stdin(options)
    other = None
    if options.vs is not None:
        from .vs import vs_options

        other = vs_options(options, ctx)
    words = gather_words(options)
    plan = options.plan(words)
    other_plan = None
    if other is not None:
        try:
            other_plan = other.plan(words)
        except BadInput as error:
            raise BadInput(f"--vs: {error}") from None
    load_torch()  # every check that needs no torch has passed: now it is needed
    if other_plan is not None:
        _compare(options, run_plan(plan), run_plan(other_plan))
        return 0
    result = run_plan(plan)
    _show_one(options, result)
    if result.export is not None:
        from .exporting import export_status

        return export_status(result.export)
    return 0


def _diagnose(options: Options) -> int:
    """--diagnose: torch's message explained, reproduced live, and shown as asked."""
    from ..core.diagnose import diagnose_all, main
    from ..render.diagnosis import diagnosis_document, diagnosis_script
    from .diagnose import check_diagnose_options, diagnosis_text

    check_diagnose_options(options)
    found = diagnose_all(diagnosis_text(options))  # text it does not know: RunFailure, exit 1
    if options.code:
        write_stdout(diagnosis_script(main(found)))
        return 0
    if options.json_out:
        from ..render.json_doc import dumps

        write_stdout(dumps(diagnosis_document(found)) + "\n")
        if not (options.svg or options.html):
            return 0
    from ..render.diagnosis import diagnosis_report

    width = _width()
    drawn = diagnosis_report(found)
    _show(options, None if options.json_out else drawn, drawn, width)
    return 0


def _show_one(options: Options, result: Result) -> None:
    if result.export is not None:
        from .exporting import write_export

        write_export(options, result.export)
    if options.code:
        from ..render.export_script import export_script
        from ..render.script import script

        write_stdout(export_script(result) if result.export is not None else script(result))
        return
    values = options.shows_values()
    if options.json_out:
        from ..render.json_doc import document_text

        write_stdout(document_text(result, values=values, fields=options.fields_wanted()) + "\n")
    if options.plot:
        from ..render.plot import plot_bytes

        image_format = options.plot.rsplit(".", 1)[-1].lower()
        write_atomically(options.plot, plot_bytes(result, image_format), "--plot")
    if options.json_out and not (options.svg or options.html):
        return  # no tables to draw: rich is never imported
    from ..render.report import report

    width = _width()
    shown = options.sections()

    def drawn(sections: frozenset[Section] | None) -> RenderableType:
        return report(
            result,
            max_rows=options.max_rows,
            values=values,
            traced_words=options.traced_words(),
            width=width,
            sections=sections,
        )

    screen = None if options.json_out else drawn(shown)
    # a file has no screen: the exports hold the whole report unless --show names sections
    whole = screen if shown is None or options.show is not None else None
    if (options.svg or options.html) and whole is None:
        whole = drawn(shown if options.show is not None else None)
    _show(options, screen, whole, width)


def _width() -> int:
    """The width tables are laid out for: the terminal's or $COLUMNS, or 80 when that is too narrow."""
    from ..render.console import MIN_WIDTH, make_console, usable_width

    width, narrow = usable_width(make_console())
    if narrow:
        note(f"the terminal or $COLUMNS is narrower than {MIN_WIDTH} columns; tables are laid out for {width}")
    return width


def _show(options: Options, screen: RenderableType | None, whole: RenderableType | None, width: int) -> None:
    """``screen`` on stdout (none when it carries JSON), ``whole`` into --svg / --html."""
    if screen is not None:
        from ..render.console import make_console, render_text

        console = make_console(width=width)
        if console.is_terminal and console.file.isatty():
            text = render_text(screen, width=width, color=True)
            if options.no_pager or not page(text, terminal_height(console.file.fileno())):
                console.print(screen)
        else:  # a pipe or a file: plain text, no line ending in white space
            write_stdout(render_text(screen, width=width, color=console.is_terminal))
    if options.svg and whole is not None:
        from ..render.export import svg_picture

        write_atomically(options.svg, svg_picture(whole, width), "--svg")
    if options.html and whole is not None:
        from ..render.export import html_page

        write_atomically(options.html, html_page(whole, width), "--html")


def _compare(options: Options, a: Result, b: Result) -> None:
    from ..core.versus import compare

    comparison = compare(a, b)
    if options.json_out:
        from ..render.differences import comparison_document
        from ..render.json_doc import dumps

        write_stdout(dumps(comparison_document(comparison, values=options.shows_values())) + "\n")
        if not (options.svg or options.html):
            return
    from ..render.comparison import comparison_report

    width = _width()
    drawn = comparison_report(comparison, width)
    _show(options, None if options.json_out else drawn, drawn, width)
