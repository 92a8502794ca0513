"""The initial state a recurrent layer is given: h_0 (an LSTM's h_0 and c_0) of the wrong shape,
or of the wrong number of axes."""

from __future__ import annotations

from typing import Any

from .common import Call, Message, Ref, assign, call, module, zeros
from .model import AxisFact, Cause, Diagnosis, diagnosis, module_params, on_meta, too_big
from .steps import Reproduction, Statement
from .wordings import Kind

#: The most layers a reproduction builds: each is a Python object with parameters, so a
#: message's 200,000 rows would take minutes to build even on the meta device.
MAX_LIVE_LAYERS = 256
#: What the index after ``hidden`` says: none, an RNN's or GRU's h_0; [0] an LSTM's h_0; [1] its c_0.
STATES: dict[str | None, tuple[Kind, str]] = {
    None: ("hidden_size", "h_0"),
    "[0]": ("hidden0_size", "h_0"),
    "[1]": ("hidden1_size", "c_0"),
}


def hidden_size(message: Message) -> Diagnosis:
    """A state whose shape is not (D*num_layers, N, H_out) for this module and input."""
    which = message.numbers.get("which")
    kind, tensor = STATES[which]
    cell = message.cell("RNN", ("RNN", "GRU")) if which is None else "LSTM"
    expected, got = message.shape("expected"), message.shape("got")
    if len(expected) != 3:
        expected = [*expected, 0, 0, 0][:3]
    rows, batch, width = expected
    facts: dict[str, Any] = {"cell": cell, "tensor": tensor, "which": which, "rows": rows, "batch": batch}
    facts |= {"width": width, "expected": tuple(expected), "got": tuple(got)}
    return diagnosis(
        kind,
        message.found,
        facts,
        state_causes(tensor, expected, got, lstm=which is not None),
        _reproduction(cell, which, expected, got),
        expected=expected,
        got=got,
        numbers={"rows": rows, "batch": batch, "width": width},
        axes=[AxisFact(k, role, expected[k], got[k] if k < len(got) else None) for k, role in enumerate(_ROLES)],
    )


_ROLES = ("rows", "batch", "width")


def state_causes(tensor: str, expected: list[int], got: list[int], *, lstm: bool) -> list[Cause]:
    """Why the given state has the shape it has, most likely first: not 3 axes; batch-major
    (batch_first does not apply to states); else, axis by axis, every cause the numbers allow."""
    rows, batch, width = expected
    if len(got) != 3:
        return [Cause("state_axes", {"axes": len(got)})]
    if (got[0], got[1]) == (batch, rows) and rows != batch:
        return [Cause("batch_major_state")]
    causes: list[Cause] = []
    if got[0] != rows:
        causes += _rows_causes(rows, got[0])
    if got[1] != batch:
        causes += (
            [Cause("smaller_last_batch"), Cause("steps_read_as_batch")]
            if got[1] > batch
            else [
                Cause("steps_read_as_batch"),
                Cause("state_of_another_batch"),
            ]
        )
    if got[2] != width:
        causes.append(Cause("width_hidden", {"got": got[2], "width": width}))
        if lstm and tensor == "h_0":
            causes.append(Cause("width_projection", {"got": got[2], "width": width}))
    return [Cause(c.key, {"tensor": tensor, "rows": rows, "got_rows": got[0], **c.facts}) for c in causes]


def _rows_causes(rows: int, got: int) -> list[Cause]:
    """Axis 0 is layers times directions: when it is doubled or halved, each way that happens."""
    if got == 2 * rows:
        return [Cause("rows_two_layers"), Cause("rows_two_directions"), Cause("rows_encoder_state")]
    if 2 * got == rows:
        return [Cause("rows_module_doubled")]
    return [Cause("rows_other")]


def _reproduction(cell: str, which: str | None, expected: list[int], got: list[int]) -> Reproduction:
    """The module and a batch of the message's sizes, given the wrong state (beside a right c_0 or
    h_0 for an LSTM). A state that is not 3-D reaches the size check only with a PackedSequence."""
    rows, batch, width = expected
    meta = on_meta((1, batch, 1), tuple(got), tuple(expected), params=module_params(cell, 1, width, rows))
    packed = len(got) != 3
    x = zeros(1, batch, 1, meta=meta)
    statements = [assign("rnn", module(cell, 1, width, num_layers=rows, meta=meta), f"D*num_layers = {rows}")]
    if packed:
        lengths = Call("torch.full", ((batch,), 1))
        statements.append(assign("x", Call("pack_padded_sequence", (x, lengths)), f"a batch of {batch}"))
    else:
        statements.append(assign("x", x, f"(L, N, H_in): a batch of {batch} on axis 1"))
    given = _given_states(which, expected, got)
    statements += [assign(name, zeros(*shape, meta=meta)) for name, shape in given]
    state = Ref("h_0") if which is None else (Ref("h_0"), Ref("c_0"))
    statements.append(Statement(Call("rnn", (Ref("x"), state))))
    unavailable = "too_large" if too_big(*expected, *got) or rows > MAX_LIVE_LAYERS else None
    unavailable = "no_rows" if rows < 1 else unavailable
    return Reproduction(
        statements, utils=("pack_padded_sequence",) if packed else (), meta=meta, unavailable=unavailable
    )


def _given_states(which: str | None, expected: list[int], got: list[int]) -> list[tuple[str, tuple[int, ...]]]:
    """The states the reproduction passes: the message's wrong one, and for an LSTM the other
    of the pair at the size torch wants, so only the wrong one fails the check."""
    wrong, right = tuple(got), tuple(expected)
    if which is None:
        return [("h_0", wrong)]
    return [("h_0", wrong), ("c_0", right)] if which == "[0]" else [("h_0", right), ("c_0", wrong)]


def hx_dims(message: Message) -> Diagnosis:
    """A state whose number of axes does not follow the input's: 3-D with a batch, 2-D without."""
    batched = message.numbers["mode"].lower().startswith("batched")
    want = int(message.numbers.get("want", "3" if batched else "2"))
    got = message.shape("dims")
    pair = len(got) == 2
    cell = "LSTM" if pair else message.cell("RNN", ("RNN", "GRU"))
    causes = [Cause("state_lost_layers_axis" if 2 in got else "state_axes_batched", {"dims": got})]
    if not batched:
        causes = [Cause("input_lost_batch_axis"), Cause("state_batched")]
    facts = {"cell": cell, "batched": batched, "want": want, "got": got, "pair": pair}
    numbers = {"input_dims": want, **({"h_dims": got[0], "c_dims": got[1]} if pair else {"hx_dims": got[0]})}
    return diagnosis(
        "hx_dims",
        message.found,
        facts,
        causes,
        _hx_reproduction(cell, batched, got),
        expected=want,
        got=got if pair else got[0],
        numbers=numbers,
    )


def _hx_reproduction(cell: str, batched: bool, got: list[int]) -> Reproduction:
    """A module of one unit, an input batched or not, and states of the message's axes, every
    size 1: the check counts axes only. Not made beyond 16 axes."""
    x_shape = (1, 1, 1) if batched else (1, 1)
    shapes = [tuple([1] * g) for g in got]
    statements = [
        assign("rnn", module(cell, 1, 1)),
        assign("x", zeros(*x_shape), "batched: (L, N, H_in)" if batched else "unbatched: (L, H_in)"),
    ]
    if len(got) == 2:
        statements += [assign("h_0", zeros(*shapes[0])), assign("c_0", zeros(*shapes[1]))]
        statements.append(call("rnn", Ref("x"), (Ref("h_0"), Ref("c_0"))))
    else:
        statements += [assign("h_0", zeros(*shapes[0]), f"{got[0]}-D"), call("rnn", Ref("x"), Ref("h_0"))]
    return Reproduction(statements, unavailable=None if all(g <= 16 for g in got) else "too_many_axes")
