"""One request from start to finish: gather words, explore, render to stdout."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .errors import BadInput
from .explore import explore
from .inputs import stdin_is_terminal, words_from_arguments, words_from_file, words_from_stream
from .options import Params
from .output import make_console, write_stdout
from .result import Result

if TYPE_CHECKING:
    from rich.console import RenderableType


def gather_words(params: Params) -> list[str]:
    if params.words and params.file:
        raise BadInput("give words as arguments or with --file, not both")
    if params.file:
        return words_from_file(params.file, sys.stdin.buffer)
    if params.words:
        return words_from_arguments(params.words)
    if not stdin_is_terminal():
        return words_from_stream(sys.stdin.buffer, "stdin")
    return []  # explore() explains that words are needed


def explore_params(params: Params, words: list[str]) -> Result:
    """The core call for one set of options."""
    return explore(
        words,
        params.config(),
        vocab=params.vocab,
        trace_words=params.traced_words(len(words)),
        max_steps=params.max_steps,
        max_memory=params.memory_limit(),
        values=params.json_out and not params.no_values,
        tokenizer=params.tokens,
    )


def run(params: Params) -> None:
    params.check()
    words = gather_words(params)
    if params.vs is not None:
        from .compare import vs_params

        other = vs_params(params)
        other.check()
        _compare(params, explore_params(params, words), explore_params(other, words))
        return
    result = explore_params(params, words)
    if params.code:
        from .codegen import script

        write_stdout(script(result))
        return
    values = not params.no_values
    if params.json_out:
        from .render.json_doc import document_text

        write_stdout(document_text(result, values=values) + "\n")
        if not (params.svg or params.html):
            return  # JSON alone: rich is never imported
    from .render.tables import report

    traced = params.traced_words(len(words))
    _show(params, report(result, max_rows=params.max_rows, values=values, traced_words=traced))


def _show(params: Params, renderable: RenderableType) -> None:
    """Tables on stdout unless it carries JSON; the same renderable into --svg / --html."""
    if not params.json_out:
        make_console().print(renderable)
    if params.svg or params.html:
        from .render.export import export

        export(renderable, svg=params.svg, html=params.html)


def _compare(params: Params, a: Result, b: Result) -> None:
    from .compare import differences
    from .render.json_doc import document, dumps

    values = params.json_out and not params.no_values
    doc_a, doc_b = document(a, values=values), document(b, values=values)
    found = differences(doc_a, doc_b)
    if params.json_out:
        both: dict[str, Any] = {"schema_version": doc_a["schema_version"], "a": doc_a, "b": doc_b}
        write_stdout(dumps({**both, "differences": found}) + "\n")
        return
    from .render.compare_table import comparison

    _show(params, comparison(doc_a, doc_b, found))
