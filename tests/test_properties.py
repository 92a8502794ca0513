"""Hypothesis: random words and options keep the documented shapes and identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_cli import explore
from rnn_cli.core.layout import tensor_layouts

words = st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=7), min_size=1, max_size=5)


@st.composite
def configs(draw: st.DrawFn) -> dict[str, object]:
    cell = draw(st.sampled_from(["rnn", "gru", "lstm"]))
    hidden = draw(st.integers(1, 5))
    settings_: dict[str, object] = {
        "cell": cell,
        "hidden_size": hidden,
        "num_layers": draw(st.integers(1, 3)),
        "bidirectional": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "padding": draw(st.sampled_from(["packed", "zeros"])),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32)),
    }
    if cell == "rnn":
        settings_["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    if cell == "lstm" and hidden > 1:
        settings_["proj_size"] = draw(st.integers(0, hidden - 1))
    return settings_


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=words, options=configs())
def test_shapes_follow_the_formulas_and_identities_hold(words: list[str], options: dict[str, object]) -> None:
    result = explore(words, **options)
    config = result.config
    n, length = len(words), max(len(w) for w in words)
    layouts = tensor_layouts(config, n, length, len(set("".join(words))))
    assert {k: v.shape for k, v in result.tensors.items()} == {k: v.shape for k, v in layouts.items()}
    d = config.directions
    h_out = config.proj_size or config.hidden_size
    assert result.tensors["h_n"].shape == (config.num_layers * d, n, h_out)
    assert result.tensors["output"].shape[2] == d * h_out
    assert result.tensors["output"].shape[:2] == ((n, length) if config.batch_first else (length, n))
    assert result.verification is not None  # a full run checks itself
    assert result.verification.ok and result.verification.max_abs_diff <= 1e-5
    assert all(i.holds for i in result.identities)
    out = result.batch_major("output").numpy()
    h_n = result.tensors["h_n"].values.numpy()
    top = (config.num_layers - 1) * d
    for w, word in enumerate(words):
        last = len(word) - 1 if config.padding == "packed" else length - 1
        assert np.array_equal(out[w, last, :h_out], h_n[top, w])
        if d == 2:
            assert np.array_equal(out[w, 0, h_out:], h_n[top + 1, w])
        if config.padding == "packed":
            assert not out[w, len(word) :].any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=words, options=configs())
def test_the_right_ways_to_take_the_final_state_hold_in_every_layout(
    words: list[str], options: dict[str, object]
) -> None:
    result = explore(words, **options)
    config = result.config
    idioms = {i.expression: i for i in result.idioms}
    n, longest = len(words), max(len(w) for w in words)
    pick = next(i for e, i in idioms.items() if "lengths - 1" in e and not e.startswith("torch.cat"))
    if config.directions == 1:
        assert pick.final_state == [True] * n  # each word's own last step, packed or padded
        if config.padding == "packed":
            assert idioms["h_n[-1]"].final_state == [True] * n
            last = idioms["output[:, -1]" if config.batch_first else "output[-1]"]
            # a shorter word's last step is zeros there: its final state only when that state is zero to
            # the check's tolerance (relu, no bias; or an LSTM without bias whose state is below atol)
            assert result.verification is not None
            atol, rtol = result.verification.atol, result.verification.rtol
            top = result.tensors["h_n"].values[-1]
            final_zero = [bool((top[w].abs() <= atol + rtol * top[w].abs()).all()) for w in range(n)]
            assert last.final_state == [len(w) == longest or zero for w, zero in zip(words, final_zero, strict=True)]
    elif config.padding == "packed":
        assert idioms["torch.cat((h_n[-2], h_n[-1]), dim=1)"].final_state == [True] * n
        right = next(i for e, i in idioms.items() if e.startswith("torch.cat((output["))
        assert right.final_state == [True] * n
    losses = [i.value for e, i in idioms.items() if e.startswith("nn.CrossEntropyLoss()(logits.")]
    assert len(losses) == 2 and (losses[0] == pytest.approx(losses[1]) or losses[0] != losses[0])
