"""--batch: NDJSON requests on stdin, one JSON document a line on stdout, one process.

A script that asks many questions pays torch's import once. A bad line answers with an
error object on its own line and the batch goes on; the exit status says whether any failed.
"""

from __future__ import annotations

import json
import sys
import typing
from collections.abc import Iterator
from dataclasses import fields, replace
from typing import Any, BinaryIO

from .errors import BadInput, RunFailure
from .options import Params
from .output import write_stdout

#: A request line longer than this is refused without being parsed.
MAX_LINE_BYTES = 1024 * 1024
#: Options that are about this process's input and output, not about one request.
NOT_IN_BATCH = {"file", "json_out", "max_rows", "svg", "html", "code", "vs"}


def _types() -> dict[str, Any]:
    hints = typing.get_type_hints(Params)
    return {f.name: hints[f.name] for f in fields(Params) if f.name not in NOT_IN_BATCH}


KEY_TYPES = _types()


def read_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over MAX_LINE_BYTES (its rest is skipped)."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_LINE_BYTES)
            yield number, None
            continue
        yield number, line


def parse_request(raw: bytes | None, base: Params) -> Params:
    """One line to the Params of one run, refusing anything that is not exactly a request."""
    if raw is None:
        raise BadInput(f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"line is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})") from None
    try:
        request = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise BadInput(f"not JSON: {str(error)[:200]}") from None
    if not isinstance(request, dict):
        raise BadInput(f"a request is a JSON object, not {_json_type(request)}")
    settings: dict[str, Any] = {}
    for key, value in request.items():
        name = key.replace("-", "_")
        if name == "json":
            name = "json_out"
        if name in NOT_IN_BATCH:
            raise BadInput(f"key {key!r} is not available in batch mode")
        if name not in KEY_TYPES:
            known = ", ".join(sorted(k.replace("_", "-") for k in KEY_TYPES))
            raise BadInput(f"unknown key {key!r}; keys are named like the long options: {known}")
        settings[name] = _check_type(key, value, KEY_TYPES[name])
    if "words" not in settings:
        raise BadInput('a request needs "words", a list of strings')
    return replace(base, **settings)


def _check_type(key: str, value: Any, expected: Any) -> Any:
    allowed = typing.get_args(expected) or (expected,)
    if value is None and type(None) in allowed:
        return None
    if typing.get_origin(expected) is list:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise BadInput(f"{key!r} must be a list of strings")
    for kind in allowed:
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is not int and kind is not type(None) and isinstance(value, kind):
            return value
    names = " or ".join(
        "null"
        if k is type(None)
        else {"int": "an integer", "bool": "true or false", "str": "a string"}.get(k.__name__, k.__name__)
        for k in allowed
    )
    raise BadInput(f"{key!r} must be {names}, not {_json_type(value)}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }[type(value)]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def run_batch(stream: BinaryIO, base: Params) -> int:
    """Answer every line in order; return the exit status (1 if any line failed)."""
    from .render.json_doc import document_text, dumps
    from .run import explore_params

    failed = False
    for number, raw in read_lines(stream):
        if raw is not None and not raw.strip():
            continue  # blank lines are not requests
        try:
            params = parse_request(raw, base)
            params.check()
            params.json_out = True
            result = explore_params(params, params.words)
            line = document_text(result, values=not params.no_values)
        except (BadInput, RunFailure) as error:
            failed = True
            line = dumps({"error": {"message": str(error), "line": number}})
        except MemoryError:
            failed = True
            line = dumps({"error": {"message": "out of memory", "line": number}})
        write_stdout(line + "\n")
    return 1 if failed else 0


def batch_from_stdin(base: Params) -> int:
    return run_batch(sys.stdin.buffer, base)
