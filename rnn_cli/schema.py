"""The JSON Schema (draft 2020-12) of the --json document. Pure data: no torch."""

from __future__ import annotations

import json
from typing import Any

from .config import CELLS, DTYPES, NONLINEARITIES, PADDINGS

_NUMBER_OR_NULL = {"type": ["number", "null"]}


def _nested_numbers() -> dict[str, Any]:
    return {"$ref": "#/$defs/values"}


def document_schema() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    ints = {"type": "array", "items": count}
    strings = {"type": "array", "items": {"type": "string"}}
    tensor = {
        "type": "object",
        "required": ["shape", "axes", "symbols", "note"],
        "additionalProperties": False,
        "properties": {
            "shape": ints,
            "axes": strings,
            "symbols": strings,
            "note": {"type": "string"},
            "values": _nested_numbers(),
        },
    }
    config = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "cell",
            "input_size",
            "hidden_size",
            "num_layers",
            "bidirectional",
            "batch_first",
            "nonlinearity",
            "bias",
            "proj_size",
            "padding",
            "seed",
            "dtype",
            "device",
            "tokenizer",
        ],
        "properties": {
            "cell": {"enum": list(CELLS)},
            "input_size": count,
            "hidden_size": count,
            "num_layers": count,
            "bidirectional": {"type": "boolean"},
            "batch_first": {"type": "boolean"},
            "nonlinearity": {"enum": [*NONLINEARITIES, None]},
            "bias": {"type": "boolean"},
            "proj_size": count,
            "padding": {"enum": list(PADDINGS)},
            "seed": count,
            "dtype": {"enum": list(DTYPES)},
            "device": {"type": "string"},
            "tokenizer": {"enum": ["graphemes", "codepoints"]},
        },
    }
    return {
        "title": "rnn-shapes --json document",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "schema_version",
            "words",
            "tokens",
            "lengths",
            "vocabulary",
            "config",
            "call",
            "tensors",
            "h_n_rows",
            "batch_sizes",
            "last_step",
            "identities",
            "parameters",
            "parameter_count",
            "parameter_bytes",
            "verification",
            "trace",
            "non_finite",
        ],
        "properties": {
            "schema_version": {"const": 1},
            "words": {**strings, "minItems": 1},
            "tokens": {"type": "array", "items": strings},
            "lengths": ints,
            "vocabulary": strings,
            "config": config,
            "call": {"type": "string"},
            "tensors": {
                "type": "object",
                "required": ["input", "output", "h_n"],
                "additionalProperties": False,
                "properties": {name: tensor for name in ("input", "output", "h_n", "c_n")},
            },
            "h_n_rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["index", "layer", "direction"],
                    "properties": {
                        "index": count,
                        "layer": count,
                        "direction": {"enum": ["forward", "backward"]},
                    },
                },
            },
            "batch_sizes": {"oneOf": [ints, {"type": "null"}]},
            "last_step": ints,
            "identities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["direction", "h_n_row", "output_steps", "holds", "max_abs_diff", "failing_words"],
                    "properties": {
                        "direction": {"enum": ["forward", "backward"]},
                        "h_n_row": count,
                        "output_steps": ints,
                        "holds": {"type": "boolean"},
                        "max_abs_diff": _NUMBER_OR_NULL,
                        "failing_words": ints,
                    },
                },
            },
            "parameters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "shape", "symbols", "numel"],
                    "properties": {
                        "name": {"type": "string"},
                        "shape": ints,
                        "symbols": strings,
                        "numel": count,
                        "values": _nested_numbers(),
                    },
                },
            },
            "parameter_count": count,
            "parameter_bytes": count,
            "verification": {
                "type": "object",
                "additionalProperties": False,
                "required": ["ok", "max_abs_diff", "per_tensor", "atol", "rtol", "method"],
                "properties": {
                    "ok": {"type": "boolean"},
                    "max_abs_diff": _NUMBER_OR_NULL,
                    "per_tensor": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
                    "atol": {"type": "number"},
                    "rtol": {"type": "number"},
                    "method": {"type": "string"},
                },
            },
            "trace": {"oneOf": [{"type": "null"}, {"type": "array", "items": {"$ref": "#/$defs/trace_step"}}]},
            "non_finite": {"type": "object", "additionalProperties": count},
        },
        "$defs": {
            "values": {
                "oneOf": [
                    {"type": "array", "items": {"$ref": "#/$defs/values"}},
                    {"type": ["number", "null"]},
                ]
            },
            "trace_step": {
                "type": "object",
                "additionalProperties": False,
                "required": ["layer", "direction", "word", "step", "token", "parts"],
                "properties": {
                    "layer": count,
                    "direction": {"enum": ["forward", "backward"]},
                    "word": count,
                    "step": count,
                    "token": {"type": ["string", "null"]},
                    "parts": {"type": "object", "additionalProperties": {"$ref": "#/$defs/values"}},
                },
            },
        },
    }


def published_schema() -> dict[str, Any]:
    """Everything rnn-shapes prints as JSON: a document, a --vs comparison, a batch error line."""
    document = document_schema()
    defs = document.pop("$defs")
    difference = {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "a", "b"],
        "properties": {"path": {"type": "string"}, "a": {}, "b": {}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://rnn-shapes.invalid/schema/v1.json",
        "title": "rnn-shapes JSON output, schema_version 1",
        "description": (
            "rnn-shapes --json prints a document; --json --vs prints a comparison; --batch prints "
            "one document or one error object per request line."
        ),
        "oneOf": [{"$ref": "#/$defs/document"}, {"$ref": "#/$defs/comparison"}, {"$ref": "#/$defs/error"}],
        "$defs": {
            **defs,
            "document": document,
            "comparison": {
                "title": "rnn-shapes --json --vs comparison",
                "type": "object",
                "additionalProperties": False,
                "required": ["schema_version", "a", "b", "differences"],
                "properties": {
                    "schema_version": {"const": 1},
                    "a": {"$ref": "#/$defs/document"},
                    "b": {"$ref": "#/$defs/document"},
                    "differences": {"type": "array", "items": difference},
                },
            },
            "error": {
                "title": "rnn-shapes --batch error line",
                "type": "object",
                "additionalProperties": False,
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["message", "line"],
                        "properties": {"message": {"type": "string"}, "line": {"type": "integer", "minimum": 1}},
                    }
                },
            },
        },
    }


def schema_text() -> str:
    return json.dumps(published_schema(), indent=2)
