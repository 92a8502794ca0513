"""Every row of h_n named: whatever an --expr does to the run's tensors (index, slice, view,
cat, stack, index_select, gather), the report says which layer and direction of which word
each row (or block of features) holds, and when rows mix words."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_cli import explore
from rnn_cli.core.provenance import Origin, Piece, decoder_mismatches
from rnn_cli.render.idiom_notes import note

WORDS = ["hello", "hi", "abc"]


def _mine(expression: str, **config: Any) -> Any:
    result = explore(WORDS, hidden_size=3, expressions=[expression], **config)
    (idiom,) = [i for i in result.idioms if i.user]
    return idiom


def _origin(expression: str, **config: Any) -> Origin:
    origin = _mine(expression, **config).facts["origin"]
    assert isinstance(origin, Origin)
    return origin


def _parts(origin: Origin) -> list[list[tuple[str, tuple[int, int], int, int]]]:
    return [[(p.tensor, p.part, p.start, p.stop) for p in (slot.pieces or ())] for slot in origin.slots]


def test_the_first_rows_of_a_bidirectional_h_n_are_layer_0s_two_directions() -> None:
    gru = {"cell": "gru", "num_layers": 2, "bidirectional": True}
    origin = _origin("h_n[:2]", **gru)
    assert origin.word_axis == 1
    assert _parts(origin) == [[("h_n", (0, 0), 0, 3)], [("h_n", (0, 1), 0, 3)]]
    assert decoder_mismatches(origin) == [(1, Piece("h_n", (0, 1), 0, 3, 3))]
    said = note(_mine("h_n[:2]", **gru))
    assert "[0] h_n layer 0 forward; [1] h_n layer 0 backward" in said
    assert "[1] (its layer 1) is h_n layer 0 backward" in said


def test_the_rows_read_through_the_command_line_with_a_set_name() -> None:
    args = [*WORDS, "--cell", "gru", "--layers", "2", "--bidirectional", "--hidden", "3", "--set", "n_layers=2"]
    out = invoke(*args, "--expr", "h_n[:n_layers]", "--show", "expressions", env={"COLUMNS": "200"}).stdout
    assert "[0] h_n layer 0 forward; [1] h_n layer 0 backward" in out
    assert "Read as the h_0 of a one-direction 2-layer decoder" in out


def test_the_run_s_own_numbers_are_names_and_a_set_overrides_them() -> None:
    args = [*WORDS, "--cell", "gru", "--layers", "2", "--bidirectional", "--hidden", "3", "--show", "expressions"]
    out = invoke(*args, "--expr", "h_n[:n_layers]", "--expr", "h_n.view(num_layers, 2, batch_size, -1)").stdout
    assert "from the run: n_layers = 2 (the run's num_layers)" in out
    assert "from the run: batch_size = 3, num_layers = 2" in out
    assert "shape (2, 2, 3, 3)" in out
    mine = invoke(*args, "--expr", "h_n[:n_layers]", "--set", "n_layers=1").stdout
    assert "shape (1, 3, 3)" in mine and "from the run" not in mine


def test_merging_the_directions_of_each_layer_gives_blocks_of_features() -> None:
    origin = _origin("torch.cat([h_n[0::2], h_n[1::2]], 2)", cell="lstm", num_layers=2, bidirectional=True)
    assert origin.shape == (2, 3, 6) and origin.word_axis == 1
    assert _parts(origin) == [
        [("h_n", (0, 0), 0, 3), ("h_n", (0, 1), 0, 3)],
        [("h_n", (1, 0), 0, 3), ("h_n", (1, 1), 0, 3)],
    ]
    assert decoder_mismatches(origin) == []  # each row one layer, both directions: no layer read as another


def test_a_view_into_layers_and_directions_names_each_slot() -> None:
    origin = _origin("c_n.view(2, 2, 3, -1)", cell="lstm", num_layers=2, bidirectional=True)
    assert origin.word_axis == 2
    assert [slot.index for slot in origin.slots] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert _parts(origin) == [[("c_n", (layer, d), 0, 3)] for layer in range(2) for d in range(2)]


def test_a_view_across_the_batch_axis_mixes_words() -> None:
    idiom = _mine("h_n.view(3, -1)", num_layers=2)
    origin = idiom.facts["origin"]
    assert origin.word_axis is None
    assert [row.words.count for row in origin.rows] == [2, 2, 2]  # (2, 3, 3) read as (3, 6): two words a row
    said = note(idiom)
    assert "rows mix words" in said and "h_n.transpose(0, 1).reshape(N, -1)" in said
    fixed = _origin("h_n.transpose(0, 1).reshape(3, -1)", num_layers=2)
    assert fixed.word_axis == 0
    assert _parts(fixed) == [[("h_n", (0, 0), 0, 3), ("h_n", (1, 0), 0, 3)]]


def test_index_select_and_gather_are_followed_like_any_other_move() -> None:
    origin = _origin("h_n.index_select(0, torch.tensor([3, 0]))", num_layers=2, bidirectional=True)
    assert _parts(origin) == [[("h_n", (1, 1), 0, 3)], [("h_n", (0, 0), 0, 3)]]
    picked = _origin(
        "output.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, output.size(2))).squeeze(1)",
        padding="zeros",
    )
    assert picked.word_axis == 0 and picked.slots[0].pieces is None  # each word its own last step


def test_computed_values_are_not_called_moved() -> None:
    origin = _origin("h_n.view(2, 2, 3, 3).sum(1)", num_layers=2, bidirectional=True)
    assert origin.computed_only
    assert "computed" in note(_mine("h_n.view(2, 2, 3, 3).sum(1)", num_layers=2, bidirectional=True))


def test_a_call_that_returns_a_tuple_shows_each_shape() -> None:
    idiom = _mine("h_n.chunk(2, dim=0)", num_layers=2)
    assert idiom.shape is None and idiom.returns == (("[0]", (1, 3, 3)), ("[1]", (1, 3, 3)))
    text = invoke(*WORDS, "--layers", "2", "--expr", "h_n.unbind(0)", "--show", "expressions").stdout
    assert "returns [0] (3, 2), [1] (3, 2)" in text  # the command line's default hidden size, 2
    carry = next(i for i in explore(WORDS, hidden_size=3, cell="lstm").idioms if "next_batch" in i.expression)
    assert [name for name, _ in carry.returns or ()] == ["output", "h_n", "c_n"] and carry.shape is None


@settings(max_examples=25, deadline=None)
@given(
    cell=st.sampled_from(["rnn", "gru", "lstm"]),
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_any_reordering_of_h_n_rows_is_named_row_by_row(
    cell: str, layers: int, bidirectional: bool, batch_first: bool, seed: int
) -> None:
    import random

    d = 2 if bidirectional else 1
    order = list(range(layers * d))
    random.Random(seed).shuffle(order)
    origin = _origin(
        f"h_n[torch.tensor({order})]",
        cell=cell,
        num_layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
    )
    assert origin.word_axis == 1
    assert _parts(origin) == [[("h_n", divmod(row, d), 0, 3)] for row in order]


@pytest.mark.parametrize("batch_first", [True, False])
def test_output_steps_are_named_in_either_layout(batch_first: bool) -> None:
    last = "output[:, -1]" if batch_first else "output[-1]"
    origin = _origin(last, bidirectional=True, batch_first=batch_first)
    assert origin.word_axis == 0
    assert _parts(origin) == [[("output", (4, 0), 0, 3), ("output", (4, 1), 0, 3)]]
