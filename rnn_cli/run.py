"""One request from start to finish: gather words, explore, render to stdout."""

from __future__ import annotations

import sys

from .explore import explore
from .inputs import stdin_is_terminal, words_from_arguments, words_from_file, words_from_stream
from .options import Params
from .output import make_console, write_stdout


def gather_words(params: Params) -> list[str]:
    if params.words and params.file:
        from .errors import BadInput

        raise BadInput("give words as arguments or with --file, not both")
    if params.file:
        return words_from_file(params.file, sys.stdin.buffer)
    if params.words:
        return words_from_arguments(params.words)
    if not stdin_is_terminal():
        return words_from_stream(sys.stdin.buffer, "stdin")
    return []  # explore() explains that words are needed


def run(params: Params) -> None:
    params.check()
    config = params.config()
    result = explore(
        gather_words(params),
        config,
        vocab=params.vocab,
        max_steps=params.max_steps,
        max_memory=params.memory_limit(),
        values=not params.no_values and params.json_out,
    )
    if params.json_out:
        from .render.json_doc import document, dumps

        write_stdout(dumps(document(result, values=not params.no_values)) + "\n")
        return
    from .render.tables import report

    console = make_console()
    console.print(report(result, max_rows=params.max_rows, values=not params.no_values))
