"""The manual's reference tables: the JSON document's, generated from the published schema
(every key, its type, and for a document's top-level keys what each holds), and the Markdown
they and the option table are written in.

The docs quote ``document_table()`` between ``<!-- json-keys -->`` comments and the tests hold
it there, so a key added to ``document_types`` shows in the reference, or fails the tests
until it says what it holds here.
"""

from __future__ import annotations

import json
from typing import Any

from .schema import published_schema

#: What each top-level key of a document holds, in a sentence or two (the types are generated).
KEYS: dict[str, str] = {
    "schema_version": "the format's version; only a change that breaks a reader raises it",
    "words": "the words exactly as given",
    "tokens": "each word's tokens",
    "lengths": "each word's true length, in tokens",
    "vocabulary": "the tokens in index order: index i is the one-hot position i",
    "config": "the layer's settings as run: the constructor's arguments, the padding, seed, dtype, device, "
    "tokenizer, the embedding width (0 for one-hot) and the initial state (torch's `default`, or passed)",
    "call": "the equivalent PyTorch constructor call",
    "tensors": "`input`, then `embedded` with `--embed`, `h_0` (and `c_0`) with `--h0`, then `output`, `h_n` "
    "(and `c_n` for LSTM); `axes` names each axis (`batch`, `seq`, `input`, `hidden`, `direction*hidden`, "
    "`proj`, `layer*direction`, `cell`), `symbols` the same in the docs' terms (`N`, `L`, `H_in`, `H_out`, "
    "`D*H_out`, `D*num_layers`, `H_cell`)",
    "h_n_rows": "each row of `h_n`/`c_n`: its layer and direction (index = layer × D + direction)",
    "batch_sizes": "the packed sequence's `batch_sizes`, or null with `--padding zeros`",
    "last_step": "per word, the step of `output` that equals its last-layer forward `h_n` row",
    "identities": "per direction: `output[word, output_steps[word]]` (that direction's half) equals "
    "`h_n[h_n_row, word]`, checked for every word",
    "parameters": "every parameter in `named_parameters()` order, with torch's gate blocks (`gates`: "
    '`["i", "f", "g", "o"]`, `["r", "z", "n"]` or null)',
    "parameter_count": "how many numbers the parameters hold",
    "parameter_bytes": "their bytes in the run's dtype",
    "verification": "torch's answer against the recurrence computed by hand: `ok` when they match and every "
    "number compared is finite (`not_finite`: the weights, input and outputs holding NaN or infinities, and how "
    "many), `words_checked` is every word, or the first 4 above 1e10 multiply-adds",
    "trace": "null, or with `--steps` every step of every layer and direction of the traced words "
    "(`parts`: `ih`, `hh`, the gates, `c`, `h`)",
    "non_finite": "tensor name -> how many of its values were not finite (written as null)",
    "idioms": "the expressions people write next, run on these tensors: `final_state` per word (or null), "
    "`error` torch's own message (or null), `value` a loss where there is one, `returns` a module call's "
    "tensors (its `shape` is then null); `user` is true for your own `--expr`",
    "packed": "with packing, the PackedSequence itself; null with zero padding",
    "padding_effects": "with zero padding, per word how far its `h_n` is from the packed run's; null with packing",
    "source": "what the input was made from: words, random tokens, random features, or a tensor given from Python",
    "cost": "parameters, their bytes, multiply-adds as torchinfo counts them, the bytes of the outputs, "
    "the threads; `forward_seconds` and `timing` are null without `--time`",
    "warnings": "torch's warnings for the run's module (dropout with one layer, ...), captured live",
    "given": "what you brought, or null: `--module` as typed and its `--set` names, the `--checkpoint` "
    "(every recurrent layer found in it), the `--input`, `--h0` and `--c0` files",
    "fields": "with `--fields` only: the keys asked for, in this order; the document then holds "
    "`schema_version`, `fields` and those keys, and the run computes only what they need (`verification` "
    "and `trace` the check; `idioms` the check and the idioms; `identities`; `padding_effects` a second "
    "forward pass; keys that hold no number, `tensors` without values among them, no module and no "
    "forward at all: their shapes are the documented formulas every full run holds torch to)",
    "export": "`--export`'s findings, or null: the program's axes (dynamic or static), the axes each "
    "exporter path froze with its own words, the sizes checked against torch, the file written",
}

#: The kinds of JSON rnn-shapes prints, by $defs name: what prints each.
ROOTS = {
    "document": "`--json`, and each answer of `--batch`",
    "comparison": "`--json --vs OPTIONS`",
    "error": "a `--batch` line that failed",
    "diagnosis": "`--json --diagnose`",
    "watch": "`--watch SCRIPT` with `--json-file FILE`, and `watch(model).to_json()`",
}


#: Choices longer than this are cut in the table (``--json-schema`` has them all).
LONGEST_CHOICE = 6


def document_table() -> str:
    """The JSON reference as Markdown: the document's keys, then every object inside each kind."""
    schema = published_schema()
    defs: dict[str, Any] = schema["$defs"]
    document = defs["document"]
    rows = ["| key | type | what it holds |", "| --- | --- | --- |"]
    whole = document["else"]["required"]  # the whole document's keys; one of --fields holds fewer
    for key, sub in document["properties"].items():
        optional = "" if key in whole else " (optional)"
        rows.append(f"| `{key}` | {_code(_type(sub))} | {KEYS.get(key, '')}{optional} |")
    parts = ["\n".join(rows) + "\n"]
    kinds = [name for name in defs if name in ROOTS] + [name for name in defs if name not in ROOTS and name != "values"]
    for name in kinds:
        objects: list[tuple[str, dict[str, Any]]] = []
        _walk(defs[name], "", objects)
        if name == "document":
            objects = objects[1:]  # the top level is the table above
        table = ["| where | fields |", "| --- | --- |"]
        table += [f"| `{path}` | {_fields(obj)} |" for path, obj in objects]
        printed = ROOTS.get(name, "")
        parts.append(
            f"**{name.capitalize()}**" + (f": {printed}" if printed else "") + "\n\n" + "\n".join(table) + "\n"
        )
    return "\n".join(parts)


def _walk(schema: dict[str, Any], path: str, out: list[tuple[str, dict[str, Any]]]) -> None:
    """Every object with named fields under ``schema``, with where it stands."""
    if "properties" in schema:
        out.append((path or ".", schema))
        subs = list(schema["properties"].items())
        if len(subs) > 1 and all(sub == subs[0][1] for _, sub in subs):  # one kind of object under many names
            subs = [("<name>", subs[0][1])]
        for key, sub in subs:
            _walk(sub, f"{path}.{key}" if path else key, out)
    elif schema.get("type") == "array" and "items" in schema:
        _walk(schema["items"], path + "[]", out)
    elif "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        _walk(schema["additionalProperties"], path + ".<name>", out)
    for option in schema.get("oneOf", []):
        _walk(option, path, out)


def _fields(obj: dict[str, Any]) -> str:
    required = set(obj.get("required", ()))
    return "; ".join(
        f"`{key}`{'' if key in required else '?'} {_code(_type(sub))}" for key, sub in obj["properties"].items()
    )


def _type(schema: dict[str, Any]) -> str:
    """A short name for a schema's type: integer, [string], "rnn" | "lstm", object, numbers, ..."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return "numbers" if name == "values" else name
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        values = [json.dumps(value) for value in schema["enum"]]
        if len(values) > LONGEST_CHOICE:  # the schema lists them all
            return " | ".join(values[:3]) + f" | ... ({len(values)} names)"
        return " | ".join(values)
    if "oneOf" in schema:
        return " or ".join(_type(option) for option in schema["oneOf"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"[{_type(schema.get('items', {}))}]"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if "properties" not in schema and isinstance(extra, dict):
            return "{name: " + _type(extra) + "}"
        return "object"
    return str(kind) if kind else "any"


def _code(text: str) -> str:
    return table_code(text)


def table_code(text: str) -> str:
    """``text`` as code in a Markdown table cell, read alike by GitHub and by MkDocs.

    GitHub ends a cell at any ``|`` that is not escaped, even inside backticks, and MkDocs
    (Python-Markdown) keeps the backslash of an escaped one inside backticks: a pipe goes in
    as an HTML entity inside ``<code>``, which neither reads as a cell's end.
    """
    if "|" not in text:
        return f"`{text}`"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "&#124;")
    return f"<code>{escaped}</code>"
