"""The published JSON Schema (draft 2020-12), generated from the typed document definitions.

Pure Python: ``--json-schema`` answers without torch or rich.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from .document_types import (
    ComparisonDoc,
    DiagnosisDocument,
    Document,
    ErrorDoc,
    Minimum,
    MinItems,
    Ref,
    WatchDocument,
)

_PRIMITIVES: dict[object, str] = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
#: Definitions referred to by ``Ref``, written once under $defs.
_SHARED: dict[str, dict[str, Any]] = {
    "values": {
        "oneOf": [
            {"type": "array", "items": {"$ref": "#/$defs/values"}},
            {"type": ["number", "null"]},
        ]
    }
}


def schema_of(kind: Any) -> dict[str, Any]:
    """The JSON Schema of one typed definition (TypedDict, Literal, list, dict, union, primitive)."""
    origin = get_origin(kind)
    if origin is typing.Annotated:
        base, *metadata = get_args(kind)
        for item in metadata:
            if isinstance(item, Ref):
                return {"$ref": f"#/$defs/{item.name}"}
        schema = schema_of(base)
        for item in metadata:
            if isinstance(item, Minimum):
                schema["minimum"] = item.value
            elif isinstance(item, MinItems):
                schema["minItems"] = item.value
        return schema
    if kind is Any:
        return {}
    if kind in _PRIMITIVES:
        return {"type": _PRIMITIVES[kind]}
    if origin is Literal:
        values = list(get_args(kind))
        return {"const": values[0]} if len(values) == 1 else {"enum": values}
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if all(get_origin(o) is Literal or o is type(None) for o in options):  # a choice or null
            return {"enum": [v for o in options for v in (get_args(o) if o is not type(None) else (None,))]}
        if all(o in _PRIMITIVES for o in options):
            return {"type": [_PRIMITIVES[o] for o in options]}
        return {"oneOf": [schema_of(o) for o in options]}
    if origin is list:
        return {"type": "array", "items": schema_of(get_args(kind)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_of(get_args(kind)[1])}
    if typing.is_typeddict(kind):
        hints = typing.get_type_hints(kind, include_extras=True)
        obj: dict[str, Any] = {"type": "object"}
        if kind.__doc__ and not kind.__doc__.startswith(kind.__name__ + "("):
            obj["title"] = kind.__doc__.strip()
        obj["additionalProperties"] = False
        obj["required"] = [key for key in hints if key in kind.__required_keys__]
        obj["properties"] = {key: schema_of(value) for key, value in hints.items()}
        return obj
    raise TypeError(f"no JSON Schema for {kind!r}")


def published_schema() -> dict[str, Any]:
    """Everything rnn-shapes prints as JSON: a document, a --vs comparison, a batch error line, a
    --diagnose diagnosis."""
    document = schema_of(Document)
    whole = document.pop("required")  # a document of --fields holds the keys it names only
    document["if"] = {"required": ["fields"]}
    document["then"] = {"required": ["schema_version", "fields"]}
    document["else"] = {"required": whole}
    document["properties"]["fields"]["items"] = {
        "enum": [key for key in document["properties"] if key not in ("schema_version", "fields")]
    }
    comparison = schema_of(ComparisonDoc)
    comparison["properties"]["a"] = comparison["properties"]["b"] = {"$ref": "#/$defs/document"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://rnn-shapes.invalid/schema/v1.json",
        "title": "rnn-shapes JSON output, schema_version 1",
        "description": (
            "rnn-shapes --json prints a document; --json --vs prints a comparison; --batch prints "
            "one document or one error object per request line; --json --diagnose prints a diagnosis; "
            "--watch --json-file writes a watch (and watch(...).to_json() returns one)."
        ),
        "oneOf": [
            {"$ref": "#/$defs/document"},
            {"$ref": "#/$defs/comparison"},
            {"$ref": "#/$defs/error"},
            {"$ref": "#/$defs/diagnosis"},
            {"$ref": "#/$defs/watch"},
        ],
        "$defs": {
            **_SHARED,
            "document": document,
            "comparison": comparison,
            "error": schema_of(ErrorDoc),
            "diagnosis": schema_of(DiagnosisDocument),
            "watch": schema_of(WatchDocument),
        },
    }


def schema_text() -> str:
    return json.dumps(published_schema(), indent=2)
