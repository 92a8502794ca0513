"""pack_padded_sequence and pad_packed_sequence: lengths unsorted, empty, of the wrong kind or
count; a total_length shorter than the longest sequence."""

from __future__ import annotations

import re

from .common import SCALAR_TYPES, Call, Message, Ref, assign, call, zeros
from .model import LIVE_ELEMENTS, AxisFact, Cause, Diagnosis, diagnosis, on_meta, too_big
from .steps import Reproduction, Statement

_PACK = ("pack_padded_sequence",)


def lengths_sorted(message: Message) -> Diagnosis:
    old = "enforce" not in message.found.message.lower()  # torch 1.0 had no enforce_sorted
    repro = Reproduction(
        [
            assign("x", zeros(2, 2, 1), "(L, N, H_in)"),
            call("pack_padded_sequence", Ref("x"), Call("torch.tensor", ([1, 2],)), comment="shortest first"),
        ],
        utils=_PACK,
    )
    return diagnosis(
        "lengths_sorted",
        message.found,
        {"old": old},
        [Cause("unsorted_lengths")],
        repro,
    )


def lengths_positive(message: Message) -> Diagnosis:
    if "empty" in message.found.message.lower():  # 'Cannot pack empty tensors.': no sequence, or no step
        repro = Reproduction([call("pack_padded_sequence", zeros(0, 0, 1), zeros(0, dtype="torch.int64"))], utils=_PACK)
        return diagnosis(
            "lengths_positive",
            message.found,
            {"empty": True},
            [Cause("empty_batch")],
            repro,
        )
    repro = Reproduction(
        [call("pack_padded_sequence", zeros(1, 1, 1), Call("torch.tensor", ([0],)), comment="a sequence of length 0")],
        utils=_PACK,
    )
    causes = [Cause("empty_sequence"), Cause("mask_all_padding")]
    return diagnosis("lengths_positive", message.found, {"empty": False}, causes, repro)


def lengths_tensor(message: Message) -> Diagnosis:
    """'lengths' not a 1-D CPU int64 tensor; the older wording without its tail says not which."""
    numbers = message.numbers
    if "dims" not in numbers:  # the wording (or the copy) without ', but got ...': every way it happens
        causes = [Cause("lengths_on_gpu"), Cause("lengths_not_int64"), Cause("lengths_not_1d")]
        repro = _lengths_repro(1, "cuda", "Long")
        return diagnosis(
            "lengths_tensor",
            message.found,
            {"known": False},
            causes,
            repro,
            expected="1D cpu Long",
        )
    dims, device, scalar = int(numbers["dims"]), numbers["device"], numbers["dtype"]
    causes = []
    if device != "cpu":
        causes.append(Cause("lengths_on_gpu", {"device": device}))
    if scalar.lower() != "long":
        causes.append(Cause("lengths_not_int64", {"dtype": SCALAR_TYPES.get(scalar.lower(), scalar)}))
    if dims != 1:
        causes.append(Cause("lengths_not_1d", {"dims": dims}))
    facts = {"known": True, "dims": dims, "device": device, "dtype": scalar}
    return diagnosis(
        "lengths_tensor",
        message.found,
        facts,
        causes,
        _lengths_repro(dims, device, scalar),
        expected="1D cpu Long",
        got=f"{dims}D {device} {scalar}",
        numbers={"dims": dims},
    )


def _lengths_repro(dims: int, device: str, scalar: str) -> Reproduction:
    """pack_padded_sequence converts a dtype itself: only torch's own op shows the dtype message."""
    dtype = SCALAR_TYPES.get(scalar.lower())
    on_cpu = device == "cpu"
    shape = tuple([1] * dims)
    where = "" if on_cpu else device
    lengths = zeros(*shape, dtype=dtype or "torch.int64", fill="ones", device=where)
    direct = scalar.lower() != "long"
    x = zeros(1, 1, 1, device=where)
    made = (
        Call("torch._pack_padded_sequence", (x, Ref("lengths"), False))
        if direct
        else Call("pack_padded_sequence", (x, Ref("lengths")))
    )
    ok = dims <= 16 and dtype is not None and re.fullmatch(r"cpu|cuda(:[0-9]{1,2})?", device) is not None
    return Reproduction(
        [assign("lengths", lengths, f"{dims}-D, {device}, {scalar}"), Statement(made)],
        utils=_PACK,
        needs_cuda=not on_cpu,
        unavailable=None if ok else "odd_lengths",
    )


def lengths_count(message: Message) -> Diagnosis:
    count, batch = message.whole("count"), message.whole("batch")
    meta = on_meta((1, batch, 1), (count,))
    repro = Reproduction(
        [
            assign("x", zeros(1, batch, 1, meta=meta), f"(L, N, H_in): a batch of {batch}"),
            call(
                "pack_padded_sequence",
                Ref("x"),
                zeros(count, dtype="torch.int64", fill="ones"),
                comment=f"{count} lengths",
            ),
        ],
        utils=_PACK,
        meta=meta,
        unavailable=None if not too_big(count, batch) and batch >= 1 and count <= LIVE_ELEMENTS else "too_large",
    )
    causes = [Cause("steps_read_as_batch_lengths"), Cause("lengths_of_another_batch")]
    return diagnosis(
        "lengths_count",
        message.found,
        {"count": count, "batch": batch},
        causes,
        repro,
        expected=batch,
        got=count,
        numbers={"lengths": count, "batch": batch},
        axes=[AxisFact(1, "batch", batch, count)],
    )


def total_length(message: Message) -> Diagnosis:
    total, longest = message.whole("total"), message.whole("longest")
    meta = on_meta((longest, 1, 1))
    packed = Call("pack_padded_sequence", (zeros(longest, 1, 1, meta=meta), Call("torch.tensor", ([longest],))))
    repro = Reproduction(
        [
            assign("packed", packed, f"one sequence of {longest} steps"),
            call("pad_packed_sequence", Ref("packed"), total_length=total),
        ],
        utils=("pack_padded_sequence", "pad_packed_sequence"),
        meta=meta,
        unavailable=None if not too_big(total, longest) and longest >= 1 else "too_large",
    )
    return diagnosis(
        "total_length",
        message.found,
        {"total": total, "longest": longest},
        [Cause("total_length_elsewhere")],
        repro,
        expected=longest,
        got=total,
        numbers={"total_length": total, "longest": longest},
        axes=[AxisFact(0, "steps", longest, total)],
    )
