"""--vs as data: a ``Comparison`` of two runs turned into the JSON comparison document."""

from __future__ import annotations

import math

from ..core.versus import Comparison, Difference, ValueDifference
from .document_types import SCHEMA_VERSION, ComparisonDoc, DifferenceDoc
from .json_doc import document


def comparison_document(comparison: Comparison, *, values: bool = True) -> ComparisonDoc:
    """Both runs' documents (their values only with ``values``), and every difference."""
    return {
        "schema_version": SCHEMA_VERSION,
        "a": document(comparison.a, values=values),
        "b": document(comparison.b, values=values),
        "differences": [difference_entry(d) for d in comparison.differences],
    }


def difference_entry(found: Difference | ValueDifference) -> DifferenceDoc:
    """One difference as JSON: its path and both sides (shapes as lists, null where absent); for
    numbers, how they relate, how far apart (null when not finite) and for which words."""
    if isinstance(found, Difference):
        return {"path": found.path, "a": _plain(found.a), "b": _plain(found.b)}
    entry: DifferenceDoc = {"path": found.path, "a": _plain(found.a), "b": _plain(found.b)}
    if found.path.endswith(".values"):
        entry["relation"] = found.relation
        entry["max_abs_diff"] = finite(found.max_abs_diff)
        entry["words"] = list(found.words)
    return entry


def finite(top: float | None) -> float | None:
    """How far apart two tensors' numbers are, or None when unknown (shapes differ) or not finite."""
    return None if top is None or not math.isfinite(top) else top


def _plain(value: object) -> object:
    """A shape or axes (a tuple) as a JSON list; anything else as it is."""
    return list(value) if isinstance(value, tuple) else value
