"""An independent recurrence in NumPy, one word at a time, from exported JSON parameters.

It shares no code with ``rnn_cli.core.reference``: it walks each word on its own (its true length
when packed, the padded length when not), the way one would on paper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _sigmoid(x: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _params(doc: dict[str, Any]) -> dict[str, Array]:
    return {p["name"]: np.array(p["values"], dtype=np.float64) for p in doc["parameters"]}


def _step(cfg: dict[str, Any], p: dict[str, Array], sfx: str, x: Array, h: Array, c: Array) -> tuple[Array, Array]:
    zero = np.zeros(p[f"weight_ih{sfx}"].shape[0])
    gi = p[f"weight_ih{sfx}"] @ x + p.get(f"bias_ih{sfx}", zero)
    gh = p[f"weight_hh{sfx}"] @ h + p.get(f"bias_hh{sfx}", zero)
    if cfg["cell"] == "rnn":
        pre = gi + gh
        return (np.tanh(pre) if cfg["nonlinearity"] == "tanh" else np.maximum(pre, 0.0)), c
    if cfg["cell"] == "gru":
        hs = h.shape[0]
        r = _sigmoid(gi[:hs] + gh[:hs])
        z = _sigmoid(gi[hs : 2 * hs] + gh[hs : 2 * hs])
        n = np.tanh(gi[2 * hs :] + r * gh[2 * hs :])
        return (1 - z) * n + z * h, c
    hc = c.shape[0]
    g = gi + gh
    i, f, gg, o = (
        _sigmoid(g[:hc]),
        _sigmoid(g[hc : 2 * hc]),
        np.tanh(g[2 * hc : 3 * hc]),
        _sigmoid(g[3 * hc :]),
    )
    c = f * c + i * gg
    h = o * np.tanh(c)
    if f"weight_hr{sfx}" in p:
        h = p[f"weight_hr{sfx}"] @ h
    return h, c


def expected(doc: dict[str, Any]) -> dict[str, Array]:
    """output (batch-first, N x L x D*H_out), h_n and c_n, recomputed from the document."""
    cfg = doc["config"]
    p = _params(doc)
    d = 2 if cfg["bidirectional"] else 1
    h_out = cfg["proj_size"] or cfg["hidden_size"]
    h_cell = cfg["hidden_size"]
    vocab = doc["vocabulary"]
    n, steps = len(doc["words"]), max(doc["lengths"])
    output = np.zeros((n, steps, d * h_out))
    h_n = np.zeros((cfg["num_layers"] * d, n, h_out))
    c_n = np.zeros((cfg["num_layers"] * d, n, h_cell))
    for w, toks in enumerate(doc["tokens"]):
        length = len(toks) if cfg["padding"] == "packed" else steps
        xs = [np.eye(len(vocab))[vocab.index(t)] for t in toks]
        xs += [np.zeros(len(vocab))] * (length - len(xs))
        for layer in range(cfg["num_layers"]):
            outs = np.zeros((length, d * h_out))
            for direction in range(d):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                h, c = np.zeros(h_out), np.zeros(h_cell)
                order = range(length) if direction == 0 else range(length - 1, -1, -1)
                for t in order:
                    h, c = _step(cfg, p, sfx, xs[t], h, c)
                    outs[t, direction * h_out : (direction + 1) * h_out] = h
                h_n[layer * d + direction, w] = h
                c_n[layer * d + direction, w] = c
            xs = list(outs)
        output[w, :length] = np.array(xs)
    result = {"output": output, "h_n": h_n}
    if cfg["cell"] == "lstm":
        result["c_n"] = c_n
    return result


def batch_major(doc: dict[str, Any], name: str) -> Array:
    values = np.array(doc["tensors"][name]["values"], dtype=np.float64)
    if name in ("input", "output") and not doc["config"]["batch_first"]:
        values = values.transpose(1, 0, 2)
    return values


def max_abs_diff(doc: dict[str, Any]) -> float:
    """Largest gap between the document's tensors and this reference."""
    ref = expected(doc)
    return max(float(np.abs(batch_major(doc, k) - v).max()) for k, v in ref.items())
