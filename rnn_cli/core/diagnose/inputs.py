"""The input a recurrent layer is given: its features (input_size), its number of axes, its dtype."""

from __future__ import annotations

from .common import INPUT_DTYPES, WEIGHT_DTYPES, Call, Const, Message, Ref, assign, call, dtype_name, module, zeros
from .model import AxisFact, Cause, Diagnosis, diagnosis, module_params, on_meta, too_big
from .steps import Reproduction

#: Wordings of the matrix product's own check, which any layer mixing dtypes raises.
GENERIC = ("expected scalar", "expected object", "mat1", "expected m1")


def input_size(message: Message) -> Diagnosis:
    """The module's input_size against the input's last axis."""
    expected, got = message.whole("expected"), message.whole("got")
    cell = message.cell()
    if got == 0:
        causes = [Cause("empty_input"), Cause("features_mismatch")]
    else:
        causes = [Cause("features_mismatch")]
        if got < expected:
            causes.append(Cause("channels_first"))
    meta = on_meta((1, 1, got), params=module_params(cell, expected, 1))
    big = too_big(expected, got)
    repro = Reproduction(
        [
            assign("rnn", module(cell, expected, 1, meta=meta), f"input_size={expected}"),
            assign("x", zeros(1, 1, got, meta=meta), f"(L, N, H_in): {got} features on the last axis"),
            call("rnn", Ref("x")),
        ],
        meta=meta,
        unavailable="too_large" if big else None,
    )
    facts = {"cell": cell, "expected": expected, "got": got}
    return diagnosis(
        "input_size",
        message.found,
        facts,
        causes,
        repro,
        expected=expected,
        got=got,
        numbers={"input_size": expected, "got": got},
        axes=[AxisFact(-1, "features", expected, got)],
    )


#: What an input of so many axes usually is.
DIMS_CAUSES = {1: "one_number_steps", 2: "no_batch_axis", 4: "feature_map", 5: "video"}


def input_dims(message: Message) -> Diagnosis:
    """An input of a number of axes torch does not read: 3-D (or 2-D, one sequence, from 1.11).
    The old wording's number is the input's axes up to 1.10, but one more from 1.11 to 1.13
    (a 1-D or 4-D input was unsqueezed first): both readings are given where both can be."""
    cell, got = message.cell(), message.whole("got")
    old = "cls" not in message.numbers  # 'input must have 3 dimensions, got N': torch 1.0 to 1.13
    causes = [Cause(DIMS_CAUSES.get(got, "other_dims"), {"dims": got, "releases": "1.10 and earlier" if old else ""})]
    if old and got in (2, 5):
        causes.append(Cause(DIMS_CAUSES[got - 1], {"dims": got - 1, "releases": "1.11 to 1.13", "unsqueezed": True}))
    shape = tuple([1] * got)
    repro = Reproduction(
        [assign("rnn", module(cell, 1, 1)), call("rnn", zeros(*shape), comment=f"{got}-D")],
        unavailable=None if got <= 16 else "too_many_axes",
    )
    facts = {"cell": cell, "got": got, "old": old}
    return diagnosis(
        "input_dims",
        message.found,
        facts,
        causes,
        repro,
        expected=3,
        got=got,
        numbers={"input_dims": got},
    )


def packed_input_dims(message: Message) -> Diagnosis:
    """A PackedSequence whose data is not 2-D: the padded batch it was packed from was not 3-D."""
    want, got = 2, message.whole("got")  # torch asks a PackedSequence's data for 2 dimensions, ever
    cell = message.cell("GRU", ("RNN", "GRU"))
    padded = got + 1
    shape = tuple([1] * padded)
    repro = Reproduction(
        [
            assign("rnn", module(cell, 1, 1)),
            assign("packed", _pack(zeros(*shape)), f"a {padded}-D batch"),
            call("rnn", Ref("packed")),
        ],
        utils=("pack_padded_sequence",),
        unavailable=None if 1 <= got <= 16 else "not_packable",
    )
    facts = {"cell": cell, "want": want, "got": got, "padded": padded}
    return diagnosis(
        "packed_input_dims",
        message.found,
        facts,
        [Cause("packed_from_wrong_dims")],
        repro,
        expected=want,
        got=got,
        numbers={"expected_dims": want, "data_dims": got},
    )


def _pack(x: Call) -> Call:
    return Call("pack_padded_sequence", (x, Call("torch.tensor", ([1],))))


#: C's names for types, as CUDA's matrix product prints them, and the dtype each is.
C_TYPES = {"long int": "torch.int64", "long": "torch.int64", "int": "torch.int32", "float": "torch.float32"}
C_TYPES |= {"double": "torch.float64", "c10::half": "torch.float16", "c10::bfloat16": "torch.bfloat16"}


def _dtypes(numbers: dict[str, str]) -> tuple[str | None, str | None]:
    """The input's dtype and the weights': named so by torch's own checks; from the matrix
    product's two types (in either order), the float32 one is the weights' when the other is not."""
    if "input" in numbers or "weights" in numbers:
        return dtype_name(numbers.get("input")), dtype_name(numbers.get("weights"))
    pair = [dtype_name(numbers.get(k)) or C_TYPES.get((numbers.get(k) or "").lower()) for k in ("first", "second")]
    if None in pair or pair[0] == pair[1]:
        return None, None
    if "torch.float32" in pair:
        return next(p for p in pair if p != "torch.float32"), "torch.float32"
    return None, None


def input_dtype(message: Message) -> Diagnosis:
    """Input and weights (or the state) of different dtypes, in each wording torch has had (some
    name only scalar types, in either order, some neither: the causes say what else raises it)."""
    given, weights = _dtypes(message.numbers)
    cell = message.cell()
    generic = "first" in message.numbers or message.found.wording.template.lower().startswith(GENERIC)
    against = message.numbers.get("against", "parameter").strip("'")
    causes = []
    if against == "hidden":
        causes.append(Cause("state_dtype"))
    if given in ("torch.int64", "torch.int32", None):
        causes.append(Cause("token_ids"))
    if given == "torch.float64" or (given is None and weights in (None, "torch.float32")):
        causes.append(Cause("numpy_float64"))
    if weights in ("torch.float16", "torch.bfloat16"):
        causes.append(Cause("half_model"))
    if not causes:
        causes.append(Cause("dtypes_differ"))
    if generic:
        causes.append(Cause("another_layer"))
    known = given in INPUT_DTYPES and weights in WEIGHT_DTYPES
    w, g = weights or "torch.float32", given or "torch.int64"
    repro = Reproduction(
        [assign("rnn", module(cell, 1, 1, dtype=Const(w))), call("rnn", zeros(1, 1, 1, dtype=g))],
        unavailable=None if known or (given is None and weights is None) else "odd_dtype",
    )
    facts = {"cell": cell, "input": given, "weights": weights, "generic": generic, "against": against}
    return diagnosis(
        "input_dtype",
        message.found,
        facts,
        causes,
        repro,
        expected=weights,
        got=given,
    )


def device_mismatch(message: Message) -> Diagnosis:
    """The input, the state and the weights not all on one device."""
    numbers = message.numbers
    first, second = numbers.get("input", numbers.get("first")), numbers.get("other", numbers.get("second"))
    against = numbers.get("against", "").strip("'")
    cell = message.cell()
    causes = []
    if against == "hidden" or not against:
        causes.append(Cause("state_elsewhere", {"input": first, "other": second}))
    if against == "parameter" or not against:
        causes.append(Cause("input_elsewhere", {"input": first, "other": second}))
    if not against:
        causes.append(Cause("any_operation"))
    gpu = next((d for d in (first, second) if d and d != "cpu"), "cuda")
    statements = [assign("rnn", Call("to", (gpu,), on=module(cell, 1, 1)))]
    if against == "hidden":  # the module and the input on the GPU, the state not
        statements += [
            assign("x", zeros(1, 1, 1, device=gpu)),
            call("rnn", Ref("x"), zeros(1, 1, 1), comment="h_0 on the CPU"),
        ]
    else:
        statements.append(call("rnn", zeros(1, 1, 1), comment="the input on the CPU"))
    repro = Reproduction(statements, needs_cuda=True)
    facts = {"cell": cell, "first": first, "second": second, "against": against}
    return diagnosis(
        "device_mismatch",
        message.found,
        facts,
        causes,
        repro,
        expected=second,
        got=first,
    )
