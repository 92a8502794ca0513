"""--vs as data: every setting, call, shape and axis that differs between two runs' documents."""

from __future__ import annotations

import math

from ..core.versus import ValueDifference
from .document_types import SCHEMA_VERSION, ComparisonDoc, DifferenceDoc, Document, tensor_map


def differences(a: Document, b: Document) -> list[DifferenceDoc]:
    """Every config value, call, and tensor shape or axis that differs between two documents."""
    found: list[DifferenceDoc] = []
    config_a, config_b = dict(a["config"]), dict(b["config"])
    for key in config_a:
        if config_a[key] != config_b[key]:
            found.append({"path": f"config.{key}", "a": config_a[key], "b": config_b[key]})
    if a["call"] != b["call"]:
        found.append({"path": "call", "a": a["call"], "b": b["call"]})
    tensors_a, tensors_b = tensor_map(a["tensors"]), tensor_map(b["tensors"])
    for name in tensor_names(a, b):
        ta, tb = tensors_a.get(name), tensors_b.get(name)
        if ta is None or tb is None:
            found.append({"path": f"tensors.{name}", "a": ta and ta["shape"], "b": tb and tb["shape"]})
            continue
        if ta["shape"] != tb["shape"]:
            found.append({"path": f"tensors.{name}.shape", "a": ta["shape"], "b": tb["shape"]})
        if ta["axes"] != tb["axes"]:
            found.append({"path": f"tensors.{name}.axes", "a": ta["axes"], "b": tb["axes"]})
    if a["parameter_count"] != b["parameter_count"]:
        found.append({"path": "parameter_count", "a": a["parameter_count"], "b": b["parameter_count"]})
    return found


def tensor_names(a: Document, b: Document) -> list[str]:
    """Every tensor either run has, in the order they flow (each document lists them so): A's,
    then any only B has."""
    return [*a["tensors"], *(name for name in b["tensors"] if name not in a["tensors"])]


def value_entries(values: list[ValueDifference]) -> list[DifferenceDoc]:
    """The numbers that differ: tensors by relation, parameters by name (shape where only one side has it)."""
    found: list[DifferenceDoc] = []
    for v in values:
        if v.relation == "equal":
            continue
        shape_a, shape_b = (None if s is None else list(s) for s in (v.a, v.b))
        entry: DifferenceDoc = {"path": v.path, "a": shape_a, "b": shape_b}
        if v.path.endswith(".values"):
            top = v.max_abs_diff
            entry["relation"] = v.relation
            entry["max_abs_diff"] = None if top is None or not math.isfinite(top) else top
            entry["words"] = v.words
        found.append(entry)
    return found


def comparison_document(a: Document, b: Document, values: list[ValueDifference]) -> ComparisonDoc:
    return {
        "schema_version": SCHEMA_VERSION,
        "a": a,
        "b": b,
        "differences": differences(a, b) + value_entries(values),
    }
