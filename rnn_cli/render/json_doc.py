"""The --json document: strict JSON (no NaN/Infinity), stable keys, schema_version 1.

Its shape is declared in ``document_types``; new keys are additive.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..core.plan import Stages
from ..core.result import Cost, GivenFacts, Idiom, PackedFacts, Result
from ..core.settings import SETTINGS, Setting, reported
from .document_types import (
    SCHEMA_VERSION,
    ConfigDoc,
    CostDoc,
    Document,
    GivenDoc,
    IdentityDoc,
    IdiomDoc,
    PackedDoc,
    ParameterDoc,
    TensorDoc,
    TensorsDoc,
    TraceStepDoc,
    VerificationDoc,
)
from .exported import export_document
from .idiom_notes import note
from .notes import tensor_note
from .numbers import json_values

if TYPE_CHECKING:
    import torch


def document_text(result: Result, *, values: bool = True, fields: Sequence[str] | None = None) -> str:
    """The document as strict JSON text.

    Values are listed without looking at them first; only if a NaN or infinity makes the
    strict encoder refuse is the document rebuilt with nulls and counts in ``non_finite``.
    """
    arrays: list[str] = []
    try:
        text = dumps(document(result, values=values, scan=False, arrays=arrays, fields=fields))
    except ValueError:  # NonFinite, or the strict encoder's refusal
        return dumps(document(result, values=values, scan=True, fields=fields))
    pieces = text.split(_PLACEHOLDER)
    if len(pieces) != len(arrays) + 1:  # a string of the user's own began with NUL: the slow way
        return dumps(document(result, values=values, scan=False, fields=fields))
    # every placeholder, an array's index in quotes, becomes that array's text
    out = [pieces[0]]
    for piece in pieces[1:]:
        index, _, rest = piece.partition('"')
        out += [arrays[int(index)], rest]
    return "".join(out)


#: How a placeholder string starts once encoded: a quote, then NUL as JSON escapes it.
_PLACEHOLDER = '"\\u0000'


def document(
    result: Result,
    *,
    values: bool = True,
    scan: bool = True,
    arrays: list[str] | None = None,
    fields: Sequence[str] | None = None,
) -> Document:
    """Every fact of a run as plain JSON-ready data, keys always present and in one order; with
    ``fields`` (``--fields``), only ``schema_version``, ``fields`` and the keys it names.

    With ``arrays``, tensor values are placeholders (NUL and an index) whose JSON text
    ``arrays`` collects (see ``document_text``). With ``scan`` every tensor is checked for
    non-finite values (printed as null, counted in ``non_finite``); without it the caller must
    be ready for the strict encoder to refuse.
    """
    listed = _Values(scan, arrays) if values else None
    wanted = set(KEYS if fields is None else fields)
    assert result.cost is not None or "cost" not in wanted, "every run that runs measures its cost"
    if "non_finite" in wanted:  # counted while the values are listed
        wanted |= {"tensors", "parameters"}
    built: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if fields is not None:
        built["fields"] = [key for key in KEYS if key in fields]
    for key, make in _BUILDERS.items():
        if key in wanted:
            built[key] = make(result, listed)
    if fields is not None:
        built = {key: value for key, value in built.items() if key in ("schema_version", "fields", *fields)}
    return cast(Document, built)


def _padding_effects(result: Result) -> list[dict[str, Any]] | None:
    if result.padding_effects is None:
        return None
    return [
        {"word": e.word, "pad_steps": e.pad_steps, "h_n_max_abs_diff": finite_or_none(e.h_n_max_abs_diff)}
        for e in result.padding_effects
    ]


def _warnings(result: Result) -> list[dict[str, Any]]:
    return [{"category": w.category, "message": w.message, "meaning": w.meaning} for w in result.warnings]


def _h_n_rows(result: Result) -> list[dict[str, Any]]:
    return [
        {"index": i, "layer": layer, "direction": direction} for i, (layer, direction) in enumerate(result.h_n_rows)
    ]


#: Each top-level key after ``schema_version``, in the document's order, and how it is built
#: from the Result (and the values' listing, for the keys that list values).
_BUILDERS: dict[str, Callable[[Result, _Values | None], Any]] = {
    "words": lambda r, v: r.words,
    "tokens": lambda r, v: r.tokens,
    "lengths": lambda r, v: r.lengths,
    "vocabulary": lambda r, v: r.vocabulary,
    "config": lambda r, v: config_document(r),
    "call": lambda r, v: r.call,
    "tensors": lambda r, v: tensors_document(r, v),
    "h_n_rows": lambda r, v: _h_n_rows(r),
    "batch_sizes": lambda r, v: r.batch_sizes,
    "last_step": lambda r, v: r.last_step,
    "identities": lambda r, v: identities_document(r),
    "parameters": lambda r, v: parameters_document(r, v),
    "parameter_count": lambda r, v: r.parameter_count,
    "parameter_bytes": lambda r, v: r.parameter_bytes,
    "verification": lambda r, v: verification_document(r),
    "trace": lambda r, v: trace_document(r) if r.trace else None,
    "non_finite": lambda r, v: {} if v is None else v.non_finite,
    "idioms": lambda r, v: [idiom_document(i) for i in r.idioms],
    "packed": lambda r, v: packed_document(r.packed),
    "padding_effects": lambda r, v: _padding_effects(r),
    "source": lambda r, v: r.source,
    "cost": lambda r, v: cost_document(r.cost) if r.cost is not None else None,
    "warnings": lambda r, v: _warnings(r),
    "given": lambda r, v: given_document(r.given),
    "export": lambda r, v: export_document(r),
}
#: The document's keys that ``--fields`` may name, in order.
KEYS: tuple[str, ...] = tuple(_BUILDERS)
#: What each key needs the run to compute beyond the forward pass and the shapes (the fields of
#: ``core.plan.Stages``); a key not listed needs nothing more.
NEEDS: dict[str, tuple[str, ...]] = {
    "identities": ("identities",),
    "verification": ("check",),
    "trace": ("check",),
    "idioms": ("idioms", "check"),
    "padding_effects": ("padding",),
}


#: The keys that hold no number torch computes: a document of these alone (``tensors`` without
#: values) needs no forward pass (``core.shapes``).
SHAPE_KEYS = frozenset(
    {"words", "tokens", "lengths", "vocabulary", "config", "call", "tensors", "h_n_rows", "last_step"}
)


def stages_for(fields: Sequence[str] | None, *, values: bool = True) -> Stages:
    """The stages a run needs for ``fields`` (``values``: the tensors' values shown): every one
    for the whole document."""
    if fields is None:
        return Stages()
    needed = {stage for key in fields for stage in NEEDS.get(key, ())}
    shapes_only = set(fields) <= SHAPE_KEYS and not (values and "tensors" in fields)
    stages = {stage: stage in needed for stage in ("check", "idioms", "padding", "identities")}
    return Stages(**stages, forward=not shapes_only)


@dataclass
class _Values:
    """How a document lists tensors' values: as placeholders whose text goes into ``arrays``
    (``document_text``), as plain lists, or scanned for non-finite values (null, counted)."""

    scan: bool
    arrays: list[str] | None
    #: Tensor name -> how many of its values were not finite (written as null).
    non_finite: dict[str, int] = field(default_factory=dict)

    def of(self, name: str, tensor: torch.Tensor) -> Any:
        if self.arrays is not None:  # document_text: text goes in as a placeholder, replaced after encoding
            listed = json_values(tensor)
            if not isinstance(listed, str):
                return listed
            self.arrays.append(listed)
            return f"\x00{len(self.arrays) - 1}"
        if not self.scan:
            return tensor.tolist()
        listed, bad = plain_values(tensor)
        if bad:
            self.non_finite[name] = bad
        return listed


def config_document(result: Result, settings: Sequence[Setting] = SETTINGS) -> ConfigDoc:
    """Every setting the declaration (``core.settings``) lists, by its JSON name, in its order."""
    return reported(result, settings)


def tensors_document(result: Result, listed: _Values | None) -> TensorsDoc:
    """Each tensor's shape, axes, the docs' symbols and its note; its values unless ``listed`` is None."""
    tensors: TensorsDoc = {}
    for name, facts in result.tensors.items():
        entry: TensorDoc = {
            "shape": list(facts.shape),
            "axes": list(facts.layout.axes),
            "symbols": list(facts.layout.symbols),
            "note": tensor_note(facts.layout),
        }
        if listed is not None:
            entry["values"] = listed.of(name, facts.values)
        tensors[name] = entry
    return tensors


def parameters_document(result: Result, listed: _Values | None) -> list[ParameterDoc]:
    """Each parameter's name, shape, symbols, size and gates; its values unless ``listed`` is None."""
    parameters: list[ParameterDoc] = []
    for p in result.parameters:
        parameter: ParameterDoc = {
            "name": p.name,
            "shape": list(p.shape),
            "symbols": list(p.symbols),
            "numel": p.numel,
            "gates": list(p.gates) or None,
        }
        if listed is not None:
            parameter["values"] = listed.of(p.name, p.values)
        parameters.append(parameter)
    return parameters


def identities_document(result: Result) -> list[IdentityDoc]:
    return [
        {
            "direction": i.direction,
            "h_n_row": i.h_n_row,
            "output_steps": i.output_steps,
            "holds": i.holds,
            "max_abs_diff": finite_or_none(i.max_abs_diff),
            "failing_words": i.failing_words,
        }
        for i in result.identities
    ]


def verification_document(result: Result) -> VerificationDoc:
    """torch's answer against the hand-written recurrence, and how it was checked."""
    v, dtype = result.verification, result.config.dtype
    assert v is not None, "the check runs whenever its key is asked for"
    sampled = f"; the first {v.words_checked} words of a very large run" if v.words_checked < len(result.words) else ""
    return {
        "ok": v.verified,
        "max_abs_diff": finite_or_none(v.max_abs_diff),
        "per_tensor": {k: finite_or_none(x) for k, x in v.per_tensor.items()},
        "atol": v.atol,
        "rtol": v.rtol,
        "method": f"documented equations, step by step in {dtype}, from the module's own parameters" + sampled,
        "words_checked": v.words_checked,
        "not_finite": dict(v.not_finite),
    }


def idiom_document(i: Idiom) -> IdiomDoc:
    return {
        "expression": i.expression,
        "shape": None if i.shape is None else list(i.shape),
        "final_state": i.final_state,
        "error": i.error,
        "note": note(i),
        "value": None if i.value is None else finite_or_none(i.value),
        "returns": None if i.returns is None else [{"name": name, "shape": list(shape)} for name, shape in i.returns],
        "topic": i.topic,
        "holds": i.holds,
        "user": i.user,
    }


def packed_document(packed: PackedFacts | None) -> PackedDoc | None:
    if packed is None:
        return None
    return {
        "data_shape": list(packed.data_shape),
        "batch_sizes": packed.batch_sizes,
        "sorted_indices": packed.sorted_indices,
        "unsorted_indices": packed.unsorted_indices,
    }


def cost_document(cost: Cost) -> CostDoc:
    return {
        "parameters": cost.parameters,
        "parameter_bytes": cost.parameter_bytes,
        "mult_adds": cost.mult_adds,
        "activation_bytes": cost.activation_bytes,
        "forward_seconds": cost.forward_seconds,
        "threads": cost.threads,
        "timing": cost.timing,
    }


def given_document(given: GivenFacts | None) -> GivenDoc | None:
    """What the caller brought: the constructor as typed and its --set names, the checkpoint's
    layer (and every recurrent layer found in it), their own tensors' files."""
    if given is None:
        return None
    checkpoint = given.checkpoint
    return {
        "module_text": given.module_text,
        "names": {name: _literal(value) for name, value in given.names.items()},
        "checkpoint": None
        if checkpoint is None
        else {
            "file": checkpoint.file,
            "format": "safetensors" if checkpoint.format == "safetensors" else "torch",
            "key": checkpoint.key,
            "layer": checkpoint.layer,
            "prefix": checkpoint.prefix,
            "layers": [{"name": name, "call": call} for name, call in checkpoint.layers],
            "notes": checkpoint.notes,
        },
        "tensors": [{"name": t.name, "file": t.file, "dtype": t.dtype, "shape": list(t.shape)} for t in given.tensors],
    }


def _literal(value: object) -> int | float | bool | str | None:
    if value is None or isinstance(value, bool | int | str):
        return value
    return finite_or_none(value) if isinstance(value, float) else str(value)


def trace_document(result: Result) -> list[TraceStepDoc]:
    return [
        {
            "layer": s.layer,
            "direction": s.direction,
            "word": s.word,
            "step": s.step,
            # the token fed at this step: none past a word's end (zero padding) or above layer 0
            "token": result.tokens[s.word][s.step] if s.layer == 0 and s.step < len(_tokens(result, s.word)) else None,
            "parts": {k: plain_values(v)[0] for k, v in s.parts.items()},
        }
        for s in result.trace
    ]


def _tokens(result: Result, word: int) -> list[str]:
    """A word's tokens; none for a row of sizes or of a given tensor (no tokens to name)."""
    return result.tokens[word] if word < len(result.tokens) else []


def plain_values(tensor: torch.Tensor) -> tuple[Any, int]:
    """Nested lists of the tensor, with each non-finite value as None, and how many there were."""
    import torch

    finite = torch.isfinite(tensor) if tensor.is_floating_point() else None
    if finite is None or bool(finite.all()):
        return tensor.tolist(), 0
    bad = int((~finite).sum())
    return _nulls(tensor.tolist()), bad


def _nulls(value: Any) -> Any:
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value if math.isfinite(value) else None


def finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


#: Characters valid in JSON text that a terminal or a viewer may act on: DEL and the C1
#: controls (0x9b is CSI on some terminals), line separators, and bidirectional overrides.
_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(doc: Any) -> str:
    """Strict JSON (a NaN or Infinity that slipped through raises), UTF-8 text kept as text
    except the characters that could act on a terminal, which are written as \\u escapes."""
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if text.isascii() and "\x7f" not in text:  # the usual case, a thousand times faster to see than to scan
        return text
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
