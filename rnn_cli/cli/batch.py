"""--batch: NDJSON requests on stdin, one JSON document a line on stdout, one process.

A script that asks many questions pays torch's import once. A bad line answers with an
error object on its own line and the batch goes on, whatever the line holds (a bug of ours
included): the exit status says whether any failed. Request keys are the long options the
declaration marks for batch mode, checked against their declared types; a request may lower
the command line's --max-memory and --max-work, never raise them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import traceback
import typing
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from ..core.errors import BadInput, RunFailure
from .options import MAX_WHOLE, Options, OptionSpec, Scope
from .streams import write_stdout

#: A request line longer than this is refused without being parsed.
MAX_LINE_BYTES = 1024 * 1024
#: Longest message in a line's error object.
MAX_MESSAGE = 2000
#: Command-line options that make sense beside --batch: it always answers in JSON.
_BESIDE_BATCH = {"batch", "json_out", "traceback"}


def _key(spec: OptionSpec) -> str:
    """A request key is the long option without its dashes (``no-values`` for --no-values)."""
    return spec.flags[0].removeprefix("--") if spec.flags else spec.name


#: Request keys by the declaration they are of (Options, or a class that declares more).
_KEYS: dict[type[Options], tuple[Mapping[str, OptionSpec], Mapping[str, OptionSpec]]] = {}


def request_keys(options: type[Options]) -> tuple[Mapping[str, OptionSpec], Mapping[str, OptionSpec]]:
    """Every option ``options`` declares by its request key, and those a request may use."""
    if options not in _KEYS:
        every = {_key(spec): spec for spec in options.declared().values()}
        _KEYS[options] = every, {key: spec for key, spec in every.items() if Scope.BATCH in spec.scope}
    return _KEYS[options]


def check_batch_options(base: Options) -> None:
    """Refuse, before any line is read, command-line options that cannot apply to a batch,
    and defaults every request would fail on (``--hidden 0``)."""
    if base.words or base.file is not None:
        raise BadInput("--batch reads its requests on stdin: give no words or --file")
    declared = base.declared()
    for name in base.given():
        if name not in _BESIDE_BATCH and Scope.BATCH not in declared[name].scope:
            raise BadInput(
                f"{base.flag_for(name)} does not apply to --batch, which answers each request with one JSON line"
            )
    base.config().validated(base.names())


def read_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over MAX_LINE_BYTES (its rest is skipped)."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")  # a byte order mark some editors write
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_LINE_BYTES)
            yield number, None
            continue
        yield number, line


def parse_request(raw: bytes | None, base: Options) -> Options:
    """One line to the options of one run, refusing anything that is not exactly a request."""
    if raw is None:
        raise BadInput(f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"line is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})") from None
    try:
        request = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise BadInput("not JSON that rnn-shapes reads: nested too deeply") from None
    except ValueError as error:
        raise BadInput(f"not JSON: {str(error)[:200]}") from None
    if not isinstance(request, dict):
        raise BadInput(f"a request is a JSON object, not {_json_type(request)}")
    every, keys = request_keys(type(base))
    settings: dict[str, Any] = {}
    for key, value in request.items():
        spelled = key.replace("_", "-")  # no_values and no-values alike
        spec = keys.get(spelled)
        if spec is None:
            if spelled in every:
                raise BadInput(f"key {key!r} is not available in batch mode")
            raise BadInput(f"unknown key {key!r}; keys are named like the long options: {', '.join(sorted(keys))}")
        settings[spec.name] = _check_type(key, value, spec.kind)
    if "words" not in settings and not {"batch_size", "seq_len", "lengths"} & set(settings):
        raise BadInput(
            'a request needs "words", a list of strings (or sizes: "batch-size" and "seq-len", or "lengths")'
        )
    request = dataclasses.replace(base, **settings, said=base.said | set(settings))
    for name, limit in (("max_memory", Options.memory_limit), ("max_work", Options.work_limit)):
        if name in settings and limit(request) > limit(base):
            key = _key(base.declared()[name])
            raise BadInput(
                f"{key!r} {settings[name]!r} is above the command line's {base.flag_for(name)} {getattr(base, name)}: "
                "a request may lower it, not raise it"
            )
    return request


def _check_type(key: str, value: Any, expected: Any) -> Any:
    """``value`` if JSON gave the declared type (an int is not a bool, a choice is one of its values)."""
    allowed = typing.get_args(expected) if typing.get_origin(expected) is not typing.Literal else (expected,)
    allowed = allowed or (expected,)
    if value is None and type(None) in allowed:
        return None
    for kind in allowed:
        if typing.get_origin(kind) is list:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
            raise BadInput(f"{key!r} must be a list of strings")
        if typing.get_origin(kind) is typing.Literal:
            if value in typing.get_args(kind) and isinstance(value, str):
                return value
            choices = ", ".join(typing.get_args(kind))
            raise BadInput(f"{key!r} must be one of {choices} (got {_json_type(value)} {json.dumps(value)[:40]})")
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_WHOLE:  # refused before any arithmetic: 200 digits are no size
                raise BadInput(f"{key!r} must be a whole number up to 2**64 - 1, not one of {len(str(value)):,} digits")
            return value
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            if abs(value) > MAX_WHOLE:  # 1e999 reads as infinity
                raise BadInput(f"{key!r} must be a number of at most 2**64 - 1")
            return float(value)
        if kind in (bool, str) and isinstance(value, kind):
            return value
    kinds = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
    names = " or ".join("null" if k is type(None) else kinds.get(k, str(k)) for k in allowed)
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


def run_batch(stream: BinaryIO, base: Options) -> int:
    """Answer every line in order; return the exit status (1 if any line failed)."""
    from ..render.json_doc import dumps

    failed = False
    answering = dataclasses.replace(base, json_out=True)  # every answer is a JSON document
    for number, raw in read_lines(stream):
        if raw is not None and not raw.strip():
            continue  # blank lines are not requests
        try:
            line = _answer(raw, answering)  # its Result is gone before the next line runs
        except Exception as error:  # whatever the line holds, it gets its error object and the batch goes on
            failed = True
            if base.traceback and not isinstance(error, BadInput | RunFailure | MemoryError):
                traceback.print_exc(file=sys.stderr)
            line = dumps({"error": {"message": _message(error), "line": number}})
        write_stdout(line + "\n")
    return 1 if failed else 0


def _answer(raw: bytes | None, base: Options) -> str:
    """One request's JSON document (``base`` answers in JSON)."""
    from ..core.explore import run_plan
    from ..render.json_doc import document_text
    from .torch_import import load_torch

    request = parse_request(raw, base)
    request.check()
    plan = request.plan(request.words or [])
    load_torch()  # once, for the first request that gets this far
    return document_text(run_plan(plan), values=request.shows_values(), fields=request.fields_wanted())


def _message(error: Exception) -> str:
    """What a failed line says: the refusal, or what went wrong, as valid UTF-8 on one line."""
    if isinstance(error, BadInput | RunFailure):
        text = str(error)
    elif isinstance(error, MemoryError):
        text = f"out of memory: {error}" if str(error) else "out of memory"
    elif isinstance(error, RecursionError):
        text = "the request is nested too deeply to read"
    else:  # a bug of ours: said, and the next line still answered
        text = f"internal error: {type(error).__name__}: {error}"
    text = " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").splitlines())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def batch_from_stdin(base: Options) -> int:
    check_batch_options(base)
    if sys.stdin is None:
        raise BadInput("--batch reads its requests on stdin, which is closed")
    return run_batch(sys.stdin.buffer, base)
