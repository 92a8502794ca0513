"""--diagnose: torch's recurrent-layer errors and warnings, recognised by their own words.

The text (one message, or a whole traceback or log) is searched for the messages torch 2.x
raises around nn.RNN / nn.LSTM / nn.GRU, pack_padded_sequence, pad_packed_sequence and
CrossEntropyLoss, worded as torch's sources word them (torch/nn/modules/rnn.py,
torch/nn/utils/rnn.py, aten/src/ATen/native/PackedSequence.cpp, cudnn/RNN.cpp, the loss
kernels). The numbers in the message say which setting and which tensor disagree; the
smallest configuration that makes the same message is then run live, and written down as
a script (statements and a call built side by side, from the message's numbers only: the
text itself is never evaluated).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .errors import RunFailure
from .warned import CONTIGUOUS_WARNING, DROPOUT_WARNING, dropout_meaning

Kind = Literal[
    "input_size",
    "hidden_size",
    "hidden0_size",
    "hidden1_size",
    "hx_dims",
    "input_dims",
    "packed_input_dims",
    "input_dtype",
    "lengths_sorted",
    "lengths_positive",
    "lengths_tensor",
    "lengths_count",
    "total_length",
    "target_size",
    "target_batch",
    "dropout_warning",
    "weights_warning",
    "cudnn_eval_backward",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
Severity = Literal["error", "warning"]
Size = int | str | list[int] | None

#: A tensor the reproduction may allocate on the CPU; above this it uses the meta device
#: (shapes without memory), which raises the same messages: they are checked before computing.
LIVE_ELEMENTS = 10_000_000
#: Sizes above this are reported, not reproduced: no tensor of them could be made.
MAX_SIZE = 2**40
#: torch's names for scalar types in C++ messages, and the dtype each is.
SCALAR_TYPES = {
    "Long": "torch.int64",
    "Int": "torch.int32",
    "Short": "torch.int16",
    "Char": "torch.int8",
    "Byte": "torch.uint8",
    "Bool": "torch.bool",
    "Float": "torch.float32",
    "Double": "torch.float64",
    "Half": "torch.float16",
    "BFloat16": "torch.bfloat16",
}
#: Dtypes a module's weights may have, and an input may be given in, as torch prints them.
WEIGHT_DTYPES = ("torch.float32", "torch.float64", "torch.float16", "torch.bfloat16")
INPUT_DTYPES = (*WEIGHT_DTYPES, "torch.int64", "torch.int32", "torch.int16", "torch.int8", "torch.uint8", "torch.bool")


@dataclass(frozen=True)
class AxisFact:
    """One axis of a shape torch compared: what it holds, what torch wanted, what it got, and why."""

    axis: int
    name: str
    expected: int | None
    got: int | None
    why: str

    @property
    def agrees(self) -> bool:
        return self.expected == self.got


@dataclass
class Reproduction:
    """The smallest call that makes the message: its statements, and the same call made live."""

    imports: list[str]
    lines: list[str]
    call: Callable[[], object] | None
    #: Raised as a warning: the script turns warnings into errors so it stops with the message.
    warning: bool = False
    #: Needs CUDA (cuDNN): reproduced only on a machine that has it.
    needs_cuda: bool = False
    #: Why the call cannot be made here, when it cannot.
    unavailable: str | None = None


@dataclass
class Diagnosis:
    kind: Kind
    severity: Severity
    #: The exception (or warning) class torch raises with this message.
    raised: str
    title: str
    #: torch's message as it stands in the text (whitespace made single spaces).
    message: str
    cause: str
    fix: str
    fix_code: str
    expected: Size
    got: Size
    numbers: dict[str, int | float]
    axes: list[AxisFact]
    reproduction: Reproduction
    #: torch's message from the live run, None when it was not run (or raised nothing).
    reproduced: str | None = None
    #: The class of what the live run raised.
    reproduced_as: str | None = None
    note: str = ""
    #: Other messages rnn-shapes knows, found elsewhere in the text, by kind.
    others: list[Kind] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """The live run raised the very message of the text."""
        return self.reproduced is not None and _flat(self.reproduced) == self.message


class Unrecognised(RunFailure):
    """The text holds no message rnn-shapes knows (exit 1 on the command line)."""


def diagnose(text: str) -> Diagnosis:
    """The recurrent-layer message in ``text`` explained and reproduced live: the last error
    in it (what stopped the program), else the last warning. Raises Unrecognised."""
    plain = _flat(_ANSI.sub("", text))
    found: list[tuple[int, Severity, Kind, re.Match[str]]] = []
    for kind, (severity, pattern, _) in _RECOGNISERS.items():
        for match in pattern.finditer(plain):
            found.append((match.start(), severity, kind, match))
    if not found:
        raise Unrecognised(
            "no recurrent-layer error or warning rnn-shapes knows is in the text; it knows: " + ", ".join(KINDS)
        )
    found.sort(key=lambda item: item[0])
    errors = [item for item in found if item[1] == "error"]
    _, severity, kind, match = (errors or found)[-1]
    builder = _RECOGNISERS[kind][2]
    diagnosis = builder(match, _Context(plain, match.start()))
    diagnosis.others = list(dict.fromkeys(k for _, _, k, m in found if m is not match and k != kind))
    _reproduce(diagnosis)
    return diagnosis


# -- running the reproduction -----------------------------------------------------------------------


def _reproduce(diagnosis: Diagnosis) -> None:
    """Run the reproduction live and keep torch's message; a warning is raised as an error."""
    repro = diagnosis.reproduction
    if repro.call is None:
        diagnosis.note = repro.unavailable or "not reproduced"
        return
    if repro.needs_cuda:
        import torch

        if not torch.cuda.is_available():
            diagnosis.note = "needs CUDA (cuDNN): not reproduced on this machine; the script raises it where CUDA is"
            return
    with warnings.catch_warnings():
        warnings.simplefilter("error" if repro.warning else "ignore")
        try:
            repro.call()
        except Exception as error:  # torch's message is what we came for, whatever its class
            diagnosis.reproduced = _flat(str(error))
            diagnosis.reproduced_as = type(error).__name__
    if diagnosis.reproduced is None:
        diagnosis.note = "the reproduction raised nothing with this torch"
    elif not diagnosis.same:
        diagnosis.note = "this torch words it differently, or the smallest configuration met another check first"


# -- recognisers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    text: str
    at: int

    def cell(self, default: str = "RNN", allowed: tuple[str, ...] = ("RNN", "LSTM", "GRU")) -> str:
        """The recurrent class the text names last before the message (self.lstm, nn.GRU, _VF.lstm)."""
        best, where = default, -1
        for name in allowed:
            if name == "RNN":
                continue  # every traceback names torch's rnn.py: RNN is the default, never a clue
            for match in re.finditer(rf"(?<![A-Za-z]){name}(?![A-Za-z])", self.text[: self.at], re.IGNORECASE):
                if match.start() > where:
                    best, where = name, match.start()
        return best


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_INT = r"[0-9]{1,15}"


def _ints(text: str) -> list[int]:
    return [int(part) for part in re.findall(r"-?[0-9]+", text)]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _too_big(*numbers: int) -> bool:
    return any(abs(x) > MAX_SIZE for x in numbers)


def _device(*shapes: tuple[int, ...], params: int = 0) -> str:
    """``, device="meta"`` when the tensors would be too large to make for a demonstration."""
    elements = params + sum(math.prod(shape) for shape in shapes)
    return ', device="meta"' if elements > LIVE_ELEMENTS else ""


def _on(device: str) -> dict[str, Any]:
    return {"device": "meta"} if device else {}


def _zeros(shape: tuple[int, ...], device: str = "", dtype: str = "", *, fill: str = "zeros") -> str:
    """``torch.zeros(2, 3)`` as code (``torch.zeros(())`` for a 0-D tensor), with dtype and device."""
    sizes = ", ".join(map(str, shape)) if shape else "()"
    return f"torch.{fill}({sizes}{dtype}{device})"


def _module_params(cell: str, input_size: int, hidden: int, layers: int = 1) -> int:
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    return gates * hidden * (input_size + hidden + 2) * layers


_IMPORTS = ["import torch", "from torch import nn"]


# input_size ----------------------------------------------------------------------------------------


def _input_size(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    expected, got = int(match["expected"]), int(match["got"])
    cell = ctx.cell()
    cause = (
        f"the module was built with input_size={expected}, but the tensor given to it has {got} features on its "
        f"last axis (input.size(-1) = {got}). The last axis is always the features, H_in, whatever batch_first "
        f"says: whatever feeds the layer (an nn.Embedding, a pretrained encoder, a CNN, a one-hot vocabulary) "
        f"must end in {expected} numbers per step"
    )
    if got < expected:
        cause += (
            f". A smaller last axis is also what a transposed batch gives: a Conv1d's output is (N, C, L), its "
            f"channels on axis 1, so a last axis of {got} may be the steps (permute(0, 2, 1) puts C last)"
        )
    fix = f"build the layer for what it is fed, input_size={got}, or map the {got} features to {expected} first"
    fix_code = f"rnn = nn.{cell}({got}, hidden_size)  # or first: x = nn.Linear({got}, {expected})(x)"
    device = _device((1, 1, got), params=_module_params(cell, expected, 1))
    big = _too_big(expected, got)
    lines = [
        f"rnn = nn.{cell}({expected}, 1{device})  # input_size={expected}",
        f"x = {_zeros((1, 1, got), device)}  # (L, N, H_in): {got} features on the last axis",
        "rnn(x)",
    ]

    def call() -> object:
        module = getattr(torch.nn, cell)(expected, 1, **_on(device))
        return module(torch.zeros(1, 1, got, **_on(device)))

    return Diagnosis(
        "input_size",
        "error",
        "RuntimeError",
        "input_size mismatch",
        match.group(0),
        cause,
        fix,
        fix_code,
        expected,
        got,
        {"input_size": expected, "got": got},
        [AxisFact(-1, "features (H_in)", expected, got, f"the module's input_size is {expected}")],
        Reproduction(_IMPORTS, lines, None if big else call, unavailable="sizes too large to make" if big else None),
    )


# hidden / hidden[0] / hidden[1] size ----------------------------------------------------------------

_H_OUT = "H_out: hidden_size, or proj_size when projecting"


@dataclass(frozen=True)
class _State:
    """The state a hidden-size message is about. torch words the three alike, told apart only by
    the index after ``hidden``: none for an RNN's or GRU's h_0, [0] an LSTM's h_0, [1] its c_0."""

    kind: Kind
    title: str
    tensor: str
    #: What the last axis holds, and the shape's name in torch's docs.
    last: str
    shape_name: str
    #: Where in the LSTM's (h_0, c_0) the wrong tensor is; None: the single h_0 of an RNN or GRU.
    wrong_at: int | None


_STATES: dict[str | None, _State] = {
    None: _State("hidden_size", "h_0 of the wrong shape", "h_0", _H_OUT, "(D*num_layers, N, H_out)", None),
    "0": _State(
        "hidden0_size", "an LSTM's h_0 (hidden[0]) of the wrong shape", "h_0", _H_OUT, "(D*num_layers, N, H_out)", 0
    ),
    "1": _State(
        "hidden1_size",
        "an LSTM's c_0 (hidden[1]) of the wrong shape",
        "c_0",
        "H_cell: hidden_size",
        "(D*num_layers, N, H_cell)",
        1,
    ),
}


def _hidden_size(match: re.Match[str], ctx: _Context) -> Diagnosis:
    """h_0 (or an LSTM's h_0 or c_0) whose shape is not the one the module and input call for."""
    state = _STATES[match["which"]]
    cell = ctx.cell("RNN", ("RNN", "GRU")) if state.wrong_at is None else "LSTM"
    expected, got = _ints(match["expected"]), _ints(match["got"])
    rows, batch, width = expected
    tensor = state.tensor
    cause = (
        f"torch wants {tensor} of {state.shape_name} = {tuple(expected)} for this module and input, and got "
        f"{got}. " + "; ".join(_hidden_reasons(state, expected, got))
    )
    return Diagnosis(
        state.kind,
        "error",
        "RuntimeError",
        state.title,
        match.group(0),
        cause,
        f"give {tensor} the shape {tuple(expected)}: D*num_layers rows, the batch on axis 1, the units last",
        f"{tensor} = torch.zeros({rows}, batch_size, {width})  # batch on axis 1, always",
        expected,
        got,
        {"rows": rows, "batch": batch, "width": width},
        _hidden_axes(state, expected, got),
        _hidden_reproduction(state, cell, expected, got),
    )


def _hidden_axes(state: _State, expected: list[int], got: list[int]) -> list[AxisFact]:
    """What each of the state's three axes holds and where torch takes its size from, so the
    table can say which axis disagrees (None where the given state has no such axis)."""
    rows, _, width = expected
    layers = f"num_layers={rows}" + (f", or num_layers={rows // 2} with bidirectional=True" if rows % 2 == 0 else "")
    names = ["D*num_layers (layers x directions)", "batch (N)", state.last.split(":")[0]]
    whys = [
        f"one row per layer and direction: D*num_layers = {rows} ({layers})",
        f"the batch of the input, on axis 1 of {state.tensor} always, even with batch_first=True "
        f"(input.size(0) with batch_first=True, input.size(1) without, batch_sizes[0] for a PackedSequence)",
        f"{state.last} = {width}",
    ]
    return [AxisFact(k, names[k], expected[k], got[k] if k < len(got) else None, whys[k]) for k in range(3)]


def _hidden_reasons(state: _State, expected: list[int], got: list[int]) -> list[str]:
    """Why the given state has the shape it has, from the way the shapes differ: not 3 axes, the
    batch first (batch_first does not apply to states), else each axis that disagrees."""
    tensor = state.tensor
    if len(got) != 3:
        return [
            f"{tensor} has {len(got)} axes; it needs 3, {state.shape_name}, even for one layer"
            + (": add the layers axis with unsqueeze(0)" if len(got) == 2 else "")
        ]
    rows, batch, _ = expected
    if (got[0], got[1]) == (batch, rows) and rows != batch:
        return [
            f"{tensor} is batch-major, (N, D*num_layers, ...) = {tuple(got)}: batch_first=True changes the "
            f"input and output only; {tensor} and h_n keep the batch on axis 1"
        ]
    return [reason(state, expected[k], got[k]) for k, reason in enumerate(_AXIS_REASONS) if got[k] != expected[k]]


def _rows_reason(state: _State, rows: int, got: int) -> str:
    """Axis 0 is layers times directions: half or twice the rows is a bidirectional layer on one side."""
    tensor = state.tensor
    if got * 2 == rows:
        return (
            f"axis 0: {tensor} has {got} row{'s' if got != 1 else ''} where the module has "
            f"{rows}: bidirectional=True doubles the rows (D=2), or num_layers is {rows}"
        )
    if rows * 2 == got:
        return (
            f"axis 0: {tensor} has {got} rows, twice the module's {rows}: it comes from a "
            f"bidirectional layer (D=2), e.g. an encoder's h_n fed to a one-direction decoder; "
            f"bridge the directions (torch.cat((h_n[-2], h_n[-1]), dim=1) through a Linear, or "
            f"h_n.view({rows}, 2, N, H).sum(1))"
        )
    return f"axis 0: {tensor} has {got} rows; the module has D*num_layers = {rows}"


def _batch_reason(state: _State, batch: int, got: int) -> str:
    """Axis 1 is the batch: a larger one is a full batch's state kept for a short last batch, a
    smaller one often a batch-first input read as steps-first."""
    tensor = state.tensor
    if got > batch:
        return (
            f"axis 1: {tensor} was made for a batch of {got}, this batch has {batch}: a last "
            f"batch smaller than the first (a dataset that is not a multiple of the batch size) "
            f"given the state of a full one. Make {tensor} from the batch at hand, or carry "
            f"h[:, :{batch}], or DataLoader(..., drop_last=True)"
        )
    return (
        f"axis 1: {tensor} was made for a batch of {got}, this batch has {batch}. If the "
        f"input is (N, L, H_in) and the module has batch_first=False, torch reads axis 1 (the "
        f"steps) as the batch: pass batch_first=True, or build {tensor} from the batch size"
    )


def _width_reason(state: _State, width: int, got: int) -> str:
    """Axis 2 is the units: nothing to guess, only what the module has."""
    return f"axis 2: {state.tensor} has {got} units; the module's {state.last} = {width}"


#: One reason per axis of the state, given the module's size and the state's on that axis.
_AXIS_REASONS: tuple[Callable[[_State, int, int], str], ...] = (_rows_reason, _batch_reason, _width_reason)


def _hidden_reproduction(state: _State, cell: str, expected: list[int], got: list[int]) -> Reproduction:
    """The module and a batch of the message's sizes, given the wrong state (beside a right c_0 or
    h_0 for an LSTM). A state that is not 3-D reaches the size check only with a PackedSequence."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    rows, batch, width = expected
    big = _too_big(*expected, *got)
    device = _device((1, batch, 1), tuple(got), tuple(expected), params=_module_params(cell, 1, width, rows))
    packed = len(got) != 3
    imports = [*_IMPORTS, "from torch.nn.utils.rnn import pack_padded_sequence"] if packed else list(_IMPORTS)
    x_code = _zeros((1, batch, 1), device)
    lines = [
        f"rnn = nn.{cell}(1, {width}, num_layers={rows}{device})  # D*num_layers = {rows}, units {width}",
        f"x = pack_padded_sequence({x_code}, torch.full(({batch},), 1))  # a batch of {batch}"
        if packed
        else f"x = {x_code}  # (L, N, H_in): a batch of {batch} on axis 1",
    ]
    given = _given_states(state, expected, got)
    lines += [f"{name} = {_zeros(shape, device)}" for name, shape in given]
    lines.append("rnn(x, h_0)" if state.wrong_at is None else "rnn(x, (h_0, c_0))")

    def call() -> object:
        on = _on(device)
        module = getattr(torch.nn, cell)(1, width, num_layers=rows, **on)
        x: Any = torch.zeros(1, batch, 1, **on)
        if packed:
            x = pack_padded_sequence(x, torch.full((batch,), 1))
        made = [torch.zeros(shape, **on) for _, shape in given]
        return module(x, made[0] if state.wrong_at is None else tuple(made))

    return Reproduction(
        imports, lines, None if big or rows < 1 else call, unavailable="sizes too large to make" if big else None
    )


def _given_states(state: _State, expected: list[int], got: list[int]) -> list[tuple[str, tuple[int, ...]]]:
    """The states the reproduction passes, by name: the message's wrong one, and for an LSTM the
    other of the pair at the size torch wants, so only the wrong one fails the check."""
    wrong, right = tuple(got), tuple(expected)
    if state.wrong_at is None:
        return [("h_0", wrong)]
    return [("h_0", wrong), ("c_0", right)] if state.wrong_at == 0 else [("h_0", right), ("c_0", wrong)]


# hx dims -------------------------------------------------------------------------------------------


def _hx_dims(match: re.Match[str], ctx: _Context) -> Diagnosis:
    """A state whose number of axes does not follow the input's: 3-D with a batch, 2-D without."""
    batched = match["mode"].startswith("batched")
    want = int(match["want"])
    pair = match["h"] is not None
    got: list[int] = [int(match["h"]), int(match["c"])] if pair else [int(match["got"])]
    cell = "LSTM" if pair else ctx.cell("RNN", ("RNN", "GRU"))
    states = "(h_0, c_0)" if pair else "h_0"
    cause, fix, fix_code = (_hx_batched if batched else _hx_unbatched)(states, pair, got)
    return Diagnosis(
        "hx_dims",
        "error",
        "RuntimeError",
        f"{states} with the wrong number of axes for a {want}-D input",
        match.group(0),
        cause,
        fix,
        fix_code,
        want,
        got if pair else got[0],
        {"input_dims": want, **({"h_dims": got[0], "c_dims": got[1]} if pair else {"hx_dims": got[0]})},
        [],
        _hx_reproduction(cell, batched, got),
    )


def _hx_batched(states: str, pair: bool, got: list[int]) -> tuple[str, str, str]:
    """Cause, fix and its code for a batched input: a 2-D state is one that lost its layers axis."""
    cause = (
        f"the input is batched, 3-D ((L, N, H_in), or (N, L, H_in) with batch_first=True), so {states} must be "
        f"3-D too, (D*num_layers, N, H_out); {'they are' if pair else 'it is'} "
        f"{', '.join(f'{g}-D' for g in got)}"
    )
    if 2 in got:
        cause += (
            ". A 2-D state is usually (N, H) without the layers axis: a Linear's output, or h_n[-1] "
            "kept from an encoder; unsqueeze(0) gives it back for a one-layer, one-direction module"
        )
    fix = f"{states} of 3 axes, (D*num_layers, N, H_out): e.g. h.unsqueeze(0) for one layer"
    return cause, fix, "h_0 = h.unsqueeze(0)  # (N, H) -> (1, N, H): one layer, one direction"


def _hx_unbatched(states: str, pair: bool, got: list[int]) -> tuple[str, str, str]:
    """Cause, fix and its code for a 2-D input: torch reads it as one sequence, so a batched state
    usually means the input lost its batch axis."""
    cause = (
        f"the input is 2-D, which torch reads as one sequence without a batch, (L, H_in), so {states} must be "
        f"2-D, (D*num_layers, H_out); {'they are' if pair else 'it is'} {', '.join(f'{g}-D' for g in got)}. "
        f"If you meant a batch, the input has lost its batch axis"
    )
    fix = "give the input its batch axis (x.unsqueeze(1), or unsqueeze(0) with batch_first=True), or a 2-D state"
    return cause, fix, "output, h_n = rnn(x.unsqueeze(1), h_0)  # (L, H_in) -> (L, 1, H_in): a batch of one"


def _hx_reproduction(cell: str, batched: bool, got: list[int]) -> Reproduction:
    """A module of one unit, an input batched or not as the message says, and states of the
    message's axes, every size 1: the check counts axes only. Not made beyond 16 axes."""
    import torch

    pair = len(got) == 2
    x_shape = (1, 1, 1) if batched else (1, 1)
    shapes = [tuple([1] * g) for g in got]
    lines = [
        f"rnn = nn.{cell}(1, 1)",
        f"x = {_zeros(x_shape)}  # {'batched: (L, N, H_in)' if batched else 'unbatched: (L, H_in)'}",
    ]
    if pair:
        lines += [f"h_0 = {_zeros(shapes[0])}", f"c_0 = {_zeros(shapes[1])}", "rnn(x, (h_0, c_0))"]
    else:
        lines += [f"h_0 = {_zeros(shapes[0])}  # {got[0]}-D", "rnn(x, h_0)"]

    def call() -> object:
        module = getattr(torch.nn, cell)(1, 1)
        made = [torch.zeros(shape) for shape in shapes]
        return module(torch.zeros(x_shape), (made[0], made[1]) if pair else made[0])

    ok = all(g <= 16 for g in got)
    return Reproduction(_IMPORTS, lines, call if ok else None, unavailable=None if ok else "too many axes to make")


# input dims ----------------------------------------------------------------------------------------


def _input_dims(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    cell = match["cls"]
    got = int(match["got"])
    cause = (
        f"nn.{cell} takes a batch of sequences, 3-D: (L, N, H_in), or (N, L, H_in) with batch_first=True; "
        f"or one sequence, 2-D: (L, H_in). This input has {got} axes"
    )
    if got == 4:
        cause += (
            ". A 4-D input is usually a CNN's feature map (N, C, H, W): make it a sequence first, e.g. "
            "x.flatten(2).permute(0, 2, 1) -> (N, H*W, C), one step per position, with batch_first=True"
        )
        fix_code = "x = x.flatten(2).permute(0, 2, 1)  # (N, C, H, W) -> (N, H*W, C); nn.LSTM(C, ..., batch_first=True)"
    elif got == 1:
        cause += ". A 1-D input is one sequence of single numbers: it needs a feature axis of 1"
        fix_code = "x = x.view(1, -1, 1)  # (L,) -> (1, L, 1): a batch of one, one feature per step (batch_first=True)"
    elif got == 5:
        cause += ". A 5-D input is usually video, (N, T, C, H, W): flatten each frame (or encode it) first"
        fix_code = "x = x.flatten(2)  # (N, T, C, H, W) -> (N, T, C*H*W), with batch_first=True"
    else:
        fix_code = "x = x.reshape(N, L, -1)  # (N, L, H_in), with batch_first=True"
    fix = "give the layer 3 axes, (N, L, H_in) with batch_first=True (or (L, N, H_in)): the features last"
    shape = tuple([1] * got)
    lines = [f"rnn = nn.{cell}(1, 1)", f"rnn({_zeros(shape)})  # {got}-D"]

    def call() -> object:
        return getattr(torch.nn, cell)(1, 1)(torch.zeros(shape))

    ok = got <= 16
    return Diagnosis(
        "input_dims",
        "error",
        "ValueError",
        f"an input of the wrong number of axes for nn.{cell}",
        match.group(0),
        cause,
        fix,
        fix_code,
        3,
        got,
        {"input_dims": got},
        [],
        Reproduction(_IMPORTS, lines, call if ok else None, unavailable=None if ok else "too many axes to make"),
    )


def _packed_input_dims(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    want, got = int(match["want"]), int(match["got"])
    cell = ctx.cell("GRU", ("RNN", "GRU"))
    padded = got + 1
    cause = (
        f"a PackedSequence's data is {want}-D, (sum of lengths, H_in); this one's is {got}-D, because the padded "
        f"batch given to pack_padded_sequence had {padded} axes, not 3"
    )
    fix = "pack a 3-D batch, (L, N, H_in) or (N, L, H_in) with batch_first=True"
    fix_code = "packed = pack_padded_sequence(x.flatten(2), lengths, batch_first=True)  # features flattened last"
    shape = tuple([1] * padded)
    imports = [*_IMPORTS, "from torch.nn.utils.rnn import pack_padded_sequence"]
    lines = [
        f"rnn = nn.{cell}(1, 1)",
        f"packed = pack_padded_sequence({_zeros(shape)}, torch.tensor([1]))  # a {padded}-D batch",
        "rnn(packed)",
    ]

    def call() -> object:
        return getattr(torch.nn, cell)(1, 1)(pack_padded_sequence(torch.zeros(shape), torch.tensor([1])))

    ok = 1 <= got <= 16 and want == 2
    return Diagnosis(
        "packed_input_dims",
        "error",
        "RuntimeError",
        "a PackedSequence whose data is not 2-D",
        match.group(0),
        cause,
        fix,
        fix_code,
        want,
        got,
        {"expected_dims": want, "data_dims": got},
        [],
        Reproduction(imports, lines, call if ok else None, unavailable=None if ok else "not a shape torch packs"),
    )


def _input_dtype(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    given, weights = match["input"], match["weights"]
    cell = ctx.cell()
    cause = f"the input is {given} and the module's weights are {weights}: torch does not convert either"
    if given in ("torch.int64", "torch.int32"):
        cause += (
            ". Integer input is usually token ids fed straight to the layer: they need an nn.Embedding(V, E) "
            "in front (or one_hot(ids, V).float())"
        )
        fix = "turn token ids into vectors first: nn.Embedding(vocab_size, input_size)(ids)"
        fix_code = "x = embedding(ids)  # embedding = nn.Embedding(vocab_size, input_size)"
    else:
        fix = f"convert the input, x.to({weights}), or the module, rnn.to({given})"
        fix_code = f"output, h_n = rnn(x.to({weights}))"
    ok = given in INPUT_DTYPES and weights in WEIGHT_DTYPES
    lines = [f"rnn = nn.{cell}(1, 1, dtype={weights})", f"rnn(torch.zeros(1, 1, 1, dtype={given}))"]

    def call() -> object:
        module = getattr(torch.nn, cell)(1, 1, dtype=getattr(torch, weights.removeprefix("torch.")))
        return module(torch.zeros(1, 1, 1, dtype=getattr(torch, given.removeprefix("torch."))))

    return Diagnosis(
        "input_dtype",
        "error",
        "ValueError",
        "input and weights of different dtypes",
        match.group(0),
        cause,
        fix,
        fix_code,
        weights,
        given,
        {},
        [],
        Reproduction(
            _IMPORTS, lines, call if ok else None, unavailable=None if ok else "a dtype rnn-shapes won't make"
        ),
    )


# pack_padded_sequence ------------------------------------------------------------------------------

_PACK = [*_IMPORTS[:1], "from torch.nn.utils.rnn import pack_padded_sequence"]


def _lengths_sorted(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    cause = (
        "pack_padded_sequence was called with enforce_sorted=True (its default) and lengths that are not in "
        "decreasing order: torch then expects the longest sequence first"
    )
    fix = (
        "pass enforce_sorted=False: torch sorts the batch itself and gives output and h_n back in your order "
        "(sorted lengths are only needed for ONNX export); or sort the batch by length, longest first"
    )
    fix_code = "packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)"
    lines = [
        "x = torch.zeros(2, 2, 1)  # (L, N, H_in)",
        "pack_padded_sequence(x, torch.tensor([1, 2]))  # shortest first, enforce_sorted=True",
    ]

    def call() -> object:
        return pack_padded_sequence(torch.zeros(2, 2, 1), torch.tensor([1, 2]))

    return Diagnosis(
        "lengths_sorted",
        "error",
        "RuntimeError",
        "pack_padded_sequence's lengths are not sorted, longest first",
        match.group(0),
        cause,
        fix,
        fix_code,
        None,
        None,
        {},
        [],
        Reproduction(_PACK, lines, call),
    )


def _lengths_positive(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    cause = (
        "a sequence of length 0 (or less) was packed: an empty line or sentence after tokenizing or filtering, or "
        "lengths counted from a padding mask that marked every step as padding. torch checks the smallest length "
        "(the last once sorted): with enforce_sorted=True a 0 anywhere else says 'must be sorted' instead"
    )
    fix = "drop empty sequences before batching (keep = lengths > 0), or give them one step"
    fix_code = "keep = lengths > 0; x, lengths = x[keep], lengths[keep]  # batch_first=True"
    lines = ["pack_padded_sequence(torch.zeros(1, 1, 1), torch.tensor([0]))  # a sequence of length 0"]

    def call() -> object:
        return pack_padded_sequence(torch.zeros(1, 1, 1), torch.tensor([0]))

    return Diagnosis(
        "lengths_positive",
        "error",
        "RuntimeError",
        "a length of 0 (or less) given to pack_padded_sequence",
        match.group(0),
        cause,
        fix,
        fix_code,
        None,
        None,
        {},
        [],
        Reproduction(_PACK, lines, call),
    )


def _lengths_tensor(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    dims, device, scalar = int(match["dims"]), match["device"], match["dtype"]
    dtype = SCALAR_TYPES.get(scalar)
    on_cpu = device == "cpu"
    reasons = []
    if dims != 1:
        reasons.append(f"it has {dims} axes: one length per sequence is 1-D, lengths.view(-1)")
    if not on_cpu:
        reasons.append(
            f"it is on {device}: pack_padded_sequence wants the lengths on the CPU even when the batch is on "
            f"the GPU (moving the whole batch with .to(device) moved them too), lengths.cpu()"
        )
    if scalar != "Long":
        reasons.append(f"it is {dtype or scalar}, not int64: lengths.long()")
    cause = "'lengths' must be a 1-D int64 tensor on the CPU; " + "; ".join(reasons or ["it is not"])
    fix = "lengths.cpu().long().view(-1): on the CPU, int64, 1-D"
    fix_code = "packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)"
    shape = tuple([1] * dims)
    where = "" if on_cpu else f', device="{device}"'
    lengths_code = _zeros(shape, where, f", dtype={dtype or 'torch.int64'}", fill="ones")
    direct = scalar != "Long"  # pack_padded_sequence converts the dtype itself: only torch's op takes others
    lines = [f"lengths = {lengths_code}  # {dims}-D, {device}, {scalar}"]
    x_code = f"torch.zeros(1, 1, 1{where})"
    if direct:
        lines.append(f"torch._pack_padded_sequence({x_code}, lengths, False)  # the op pack_padded_sequence calls")
    else:
        lines.append(f"pack_padded_sequence({x_code}, lengths)")
    ok = dims <= 16 and dtype is not None and re.fullmatch(r"cpu|cuda(:[0-9]{1,2})?", device) is not None

    def call() -> object:
        lengths = torch.ones(shape, dtype=getattr(torch, (dtype or "torch.int64").removeprefix("torch.")))
        lengths = lengths.to(device)
        x = torch.zeros(1, 1, 1, device=device)
        if direct:
            return torch._pack_padded_sequence(x, lengths, False)
        return pack_padded_sequence(x, lengths)

    repro = Reproduction(_PACK, lines, call if ok else None, needs_cuda=not on_cpu)
    if not ok:
        repro.unavailable = f"lengths on {device} or of {scalar}: not something rnn-shapes makes"
    return Diagnosis(
        "lengths_tensor",
        "error",
        "RuntimeError",
        "pack_padded_sequence's lengths not a 1-D CPU int64 tensor",
        match.group(0),
        cause,
        fix,
        fix_code,
        "1D cpu Long",
        f"{dims}D {device} {scalar}",
        {"dims": dims},
        [],
        repro,
    )


def _lengths_count(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    count, batch = int(match["count"]), int(match["batch"])
    cause = (
        f"pack_padded_sequence read a batch of {batch} on the input's batch axis (axis 1, or axis 0 with "
        f"batch_first=True) and was given {count} lengths: one per sequence, they must agree. If the input is "
        f"(N, L, H_in) and batch_first is False, torch took axis 1, the {batch} steps, as the batch"
    )
    fix = "one length per sequence, in batch order, and batch_first=True for a (N, L, H_in) input"
    fix_code = "packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)  # x: (N, L, H_in)"
    device = _device((1, batch, 1), (count,))
    lines = [
        f"x = {_zeros((1, batch, 1), device)}  # (L, N, H_in): a batch of {batch}",
        f"pack_padded_sequence(x, torch.ones({count}, dtype=torch.int64))  # {count} lengths",
    ]
    big = _too_big(count, batch)

    def call() -> object:
        return pack_padded_sequence(torch.zeros(1, batch, 1, **_on(device)), torch.ones(count, dtype=torch.int64))

    ok = not big and batch >= 1 and count <= LIVE_ELEMENTS
    return Diagnosis(
        "lengths_count",
        "error",
        "RuntimeError",
        "as many lengths as sequences: they differ",
        match.group(0),
        cause,
        fix,
        fix_code,
        batch,
        count,
        {"lengths": count, "batch": batch},
        [AxisFact(1, "batch (N)", batch, count, "one length per sequence of the batch")],
        Reproduction(_PACK, lines, call if ok else None, unavailable=None if ok else "sizes too large to make"),
    )


def _total_length(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    total, longest = int(match["total"]), int(match["longest"])
    cause = (
        f"pad_packed_sequence(total_length={total}) pads the output to {total} steps, which must be at least the "
        f"longest sequence, {longest}. total_length is meant to be the padded input's length (input.size(1) "
        f"with batch_first=True, else input.size(0)), e.g. under DataParallel, where each replica sees part of "
        f"the batch; {total} came from elsewhere (the batch size, a fixed max_len, another batch)"
    )
    fix = "total_length = the padded input's length, x.size(1) with batch_first=True (x.size(0) without)"
    fix_code = "output, _ = pad_packed_sequence(packed_output, batch_first=True, total_length=x.size(1))"
    device = _device((longest, 1, 1))
    lines = [
        f"packed = pack_padded_sequence({_zeros((longest, 1, 1), device)}, torch.tensor([{longest}]))"
        f"  # one sequence of {longest} steps",
        f"pad_packed_sequence(packed, total_length={total})",
    ]
    big = _too_big(total, longest)

    def call() -> object:
        packed = pack_padded_sequence(torch.zeros(longest, 1, 1, **_on(device)), torch.tensor([longest]))
        return pad_packed_sequence(packed, total_length=total)

    ok = not big and longest >= 1
    return Diagnosis(
        "total_length",
        "error",
        "ValueError",
        "pad_packed_sequence's total_length shorter than the longest sequence",
        match.group(0),
        cause,
        fix,
        fix_code,
        longest,
        total,
        {"total_length": total, "longest": longest},
        [AxisFact(0, "steps (L)", longest, total, "at least the longest sequence")],
        Reproduction(
            [_IMPORTS[0], "from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence"],
            lines,
            call if ok else None,
            unavailable=None if ok else "sizes too large to make",
        ),
    )


# CrossEntropyLoss ----------------------------------------------------------------------------------


def _target_size(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    expected, got = _ints(match["expected"]), _ints(match["got"])
    logits = (expected[0], 1, *expected[1:])
    cause = (
        f"nn.CrossEntropyLoss reads axis 1 of the logits as the classes: for logits (N, C, d1, ...) it wants "
        f"targets (N, d1, ...) = {expected}, the logits' shape without axis 1. The targets are {got}"
    )
    if len(expected) == 2 and len(got) == 2 and got[0] == expected[0]:
        n, v, steps = expected[0], expected[1], got[1]
        cause += (
            f". Logits from a recurrent layer are (N, L, V), the classes last: here probably ({n}, {steps}, {v}), "
            f"so torch took the {steps} steps for classes and wanted targets ({n}, {v})"
        )
        fix = f"move the {v} classes to axis 1, logits.transpose(1, 2): ({n}, {v}, {steps}) against ({n}, {steps})"
        fix_code = f"loss = nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)  # or logits.reshape(-1, {v})"
    else:
        fix = f"targets of the logits' shape without the class axis: {expected}, or flatten both"
        fix_code = "loss = nn.CrossEntropyLoss()(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))"
    device = _device(logits, tuple(got))
    lines = [
        f"logits = {_zeros(logits, device)}  # (N, C, d1, ...): one class on axis 1",
        f"targets = {_zeros(tuple(got), device, ', dtype=torch.long')}",
        "nn.CrossEntropyLoss()(logits, targets)",
    ]
    big = _too_big(*expected, *got)

    def call() -> object:
        on = _on(device)
        return torch.nn.CrossEntropyLoss()(torch.zeros(logits, **on), torch.zeros(tuple(got), dtype=torch.long, **on))

    ok = not big and len(expected) >= 2 and len(got) <= 16
    axes = [
        AxisFact(k, "batch (N)" if k == 0 else f"d{k}", expected[k], got[k] if k < len(got) else None, "")
        for k in range(len(expected))
    ]
    return Diagnosis(
        "target_size",
        "error",
        "RuntimeError",
        "CrossEntropyLoss's targets of the wrong shape",
        match.group(0),
        cause,
        fix,
        fix_code,
        expected,
        got,
        {"batch": expected[0]},
        axes,
        Reproduction(_IMPORTS, lines, call if ok else None, unavailable=None if ok else "sizes too large to make"),
    )


def _target_batch(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    rows, targets = int(match["input"]), int(match["target"])
    cause = (
        f"for logits (N, C) nn.CrossEntropyLoss wants N targets: the logits have {rows} rows and the targets "
        f"{targets}. After logits.reshape(-1, V) the rows are every step of every sequence, N*L; the targets "
        f"must be flattened the same way, with the same N and L"
    )
    gap = rows - targets
    if gap > 0 and rows % gap == 0 and targets % gap == 0:
        cause += (
            f". If N = {gap}, the logits have {rows // gap} steps and the targets {targets // gap}: the next-token "
            f"shift (targets = tokens[:, 1:]) needs the logits cut the same way, logits[:, :-1]"
        )
    if targets and rows % targets == 0 and rows > targets:
        cause += (
            f". If the targets are one per sequence (N = {targets}) and the logits one per step ({rows // targets} "
            f"steps each): a sequence classifier takes one state per sequence, h_n[-1], not output"
        )
    fix = "the same count on both sides: logits.reshape(-1, V) against targets.reshape(-1), of the same steps"
    fix_code = "loss = nn.CrossEntropyLoss()(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))"
    device = _device((rows, 1), (targets,))
    lines = [
        f"logits = {_zeros((rows, 1), device)}  # (N, C): {rows} rows",
        f"targets = {_zeros((targets,), device, ', dtype=torch.long')}  # {targets} targets",
        "nn.CrossEntropyLoss()(logits, targets)",
    ]
    big = _too_big(rows, targets)

    def call() -> object:
        on = _on(device)
        return torch.nn.CrossEntropyLoss()(torch.zeros(rows, 1, **on), torch.zeros(targets, dtype=torch.long, **on))

    return Diagnosis(
        "target_batch",
        "error",
        "ValueError",
        "CrossEntropyLoss: as many targets as rows of logits, they differ",
        match.group(0),
        cause,
        fix,
        fix_code,
        rows,
        targets,
        {"logit_rows": rows, "targets": targets},
        [AxisFact(0, "batch (N)", rows, targets, "one target per row of logits")],
        Reproduction(_IMPORTS, lines, None if big else call, unavailable="sizes too large to make" if big else None),
    )


# warnings ------------------------------------------------------------------------------------------


def _dropout_warning(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    text, layers = match["p"], int(match["layers"])
    try:
        p: float | int = int(text) if text.isdigit() else float(text)
    except ValueError:
        p = float("nan")
    ok = isinstance(p, int) or math.isfinite(p)
    cell = ctx.cell("LSTM")
    cause = dropout_meaning(text, layers)
    fix = f"num_layers=2 or more for dropout between layers; nn.Dropout({text}) for dropout on the output; or drop it"
    fix_code = f"output = nn.Dropout({text})(output)  # after an nn.{cell}(..., num_layers=1) without dropout"
    lines = [
        "import warnings",
        "",
        'warnings.simplefilter("error")  # the warning raised as an error: the script stops with its message',
        f"nn.{cell}(1, 1, dropout={p!r})  # num_layers=1",
    ]

    def call() -> object:
        return getattr(torch.nn, cell)(1, 1, dropout=p)

    return Diagnosis(
        "dropout_warning",
        "warning",
        "UserWarning",
        "dropout with one layer: nothing to drop between layers",
        match.group(0),
        cause,
        fix,
        fix_code,
        "num_layers > 1",
        f"num_layers={layers}",
        {"dropout": p if ok else 0, "num_layers": layers},
        [],
        Reproduction(
            _IMPORTS, lines, call if ok and layers == 1 else None, warning=True, unavailable="not a dropout torch takes"
        ),
    )


def _weights_warning(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    cell = ctx.cell("LSTM")
    cause = (
        "on CUDA, cuDNN runs a recurrent layer from one flat buffer of all its weights; these weights are no "
        "longer that buffer (moved or replaced after the module was built: DataParallel replicas, weight_norm "
        "or another parametrization, assigning a new Parameter, loading into .data), so every call copies them "
        "into a new one first: slower, and more memory"
    )
    fix = "call flatten_parameters() after changing the weights, or at the start of forward"
    fix_code = "self.rnn.flatten_parameters()  # first line of the model's forward"
    lines = [
        "import warnings",
        "",
        f'rnn = nn.{cell}(1, 1).to("cuda")',
        "rnn.weight_hh_l0 = nn.Parameter(rnn.weight_hh_l0.detach().clone())  # a weight outside the flat buffer",
        'warnings.simplefilter("error")  # the warning raised as an error: the script stops with its message',
        'rnn(torch.zeros(1, 1, 1, device="cuda"))',
    ]

    def call() -> object:
        module = getattr(torch.nn, cell)(1, 1).to("cuda")
        module.weight_hh_l0 = torch.nn.Parameter(module.weight_hh_l0.detach().clone())
        return module(torch.zeros(1, 1, 1, device="cuda"))

    return Diagnosis(
        "weights_warning",
        "warning",
        "UserWarning",
        "weights no longer one contiguous buffer: cuDNN copies them every call",
        match.group(0),
        cause,
        fix,
        fix_code,
        None,
        None,
        {},
        [],
        Reproduction(_IMPORTS, lines, call, warning=True, needs_cuda=True),
    )


def _cudnn_eval_backward(match: re.Match[str], ctx: _Context) -> Diagnosis:
    import torch

    cell = ctx.cell("LSTM")
    cause = (
        "backward() went through a recurrent layer in eval mode on the GPU: cuDNN keeps what backward needs only "
        "in training mode. It happens when gradients are wanted from a model in eval mode: saliency or "
        "integrated gradients, adversarial inputs, a frozen encoder under a trained head"
    )
    fix = (
        "put the recurrent layer (only) in training mode for that pass, rnn.train() (dropout, if any, is then on: "
        "give it dropout=0), or run that pass without cuDNN"
    )
    fix_code = (
        "with torch.backends.cudnn.flags(enabled=False):  # or: model.eval(); model.rnn.train()\n    loss.backward()"
    )
    lines = [
        f'rnn = nn.{cell}(1, 1).to("cuda").eval()',
        'x = torch.zeros(1, 1, 1, device="cuda", requires_grad=True)',
        "output, _ = rnn(x)",
        "output.sum().backward()  # in eval mode, cuDNN kept nothing for backward",
    ]

    def call() -> object:
        module = getattr(torch.nn, cell)(1, 1).to("cuda").eval()
        x = torch.zeros(1, 1, 1, device="cuda", requires_grad=True)
        with torch.enable_grad():
            output, _ = module(x)
            output.sum().backward()
        return None

    return Diagnosis(
        "cudnn_eval_backward",
        "error",
        "RuntimeError",
        "backward through a cuDNN recurrent layer in eval mode",
        match.group(0),
        cause,
        fix,
        fix_code,
        "training mode",
        "eval mode",
        {},
        [],
        Reproduction(_IMPORTS, lines, call, needs_cuda=True),
    )


_SHAPE = r"[0-9, ]{0,200}"
_RECOGNISERS: dict[Kind, tuple[Severity, re.Pattern[str], Callable[[re.Match[str], _Context], Diagnosis]]] = {
    "input_size": (
        "error",
        re.compile(
            rf"input\.size\(-1\) must be equal to input_size\. Expected (?P<expected>{_INT}), got (?P<got>{_INT})"
        ),
        _input_size,
    ),
    "hidden_size": (
        "error",
        re.compile(
            rf"Expected hidden(?:\[(?P<which>[01])\])? size \((?P<expected>{_INT}, {_INT}, {_INT})\), "
            rf"got \[(?P<got>{_SHAPE})\]"
        ),
        _hidden_size,
    ),
    "hx_dims": (
        "error",
        re.compile(
            r"For (?P<mode>batched 3-D|unbatched 2-D) input, hx (?:and cx )?should also be (?P<want>[23])-D "
            r"but got (?:(?P<got>[0-9]{1,3})-D tensor|\((?P<h>[0-9]{1,3})-D, (?P<c>[0-9]{1,3})-D\) tensors)"
        ),
        _hx_dims,
    ),
    "input_dims": (
        "error",
        re.compile(
            r"(?P<cls>RNN|LSTM|GRU): Expected input to be 2D or 3D, got (?P<got>[0-9]{1,3})D(?: tensor)? instead"
        ),
        _input_dims,
    ),
    "packed_input_dims": (
        "error",
        re.compile(r"input must have (?P<want>[0-9]) dimensions, got (?P<got>[0-9]{1,3})"),
        _packed_input_dims,
    ),
    "input_dtype": (
        "error",
        re.compile(
            r"RNN input dtype \((?P<input>torch\.[a-z0-9]{2,12})\) does not match weight dtype "
            r"\((?P<weights>torch\.[a-z0-9]{2,12})\)\. Convert input: input\.to\(torch\.[a-z0-9]{2,12}\), "
            r"or convert model: model\.to\(torch\.[a-z0-9]{2,12}\)"
        ),
        _input_dtype,
    ),
    "lengths_sorted": (
        "error",
        re.compile(
            r"`?lengths`? array must be sorted in decreasing order when `?enforce_sorted`? is True\. You can pass "
            r"`?enforce_sorted=False`? to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
            r"if you do not need ONNX exportability\."
        ),
        _lengths_sorted,
    ),
    "lengths_positive": (
        "error",
        re.compile(r"Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"),
        _lengths_positive,
    ),
    "lengths_tensor": (
        "error",
        re.compile(
            r"'lengths' argument should be a 1D CPU int64 tensor, but got (?P<dims>[0-9]{1,3})D "
            r"(?P<device>[a-z]{2,10}(?::[0-9]{1,3})?) (?P<dtype>[A-Za-z0-9]{2,12}) tensor"
        ),
        _lengths_tensor,
    ),
    "lengths_count": (
        "error",
        re.compile(
            rf"Expected `?len\(lengths\)`? to be equal to batch_size, but got (?P<count>{_INT}) "
            rf"\(batch_size=(?P<batch>{_INT})\)"
        ),
        _lengths_count,
    ),
    "total_length": (
        "error",
        re.compile(
            r"Expected total_length to be at least the length of the longest sequence in input, but got "
            rf"total_length=(?P<total>-?{_INT}) and max sequence length being (?P<longest>{_INT})"
        ),
        _total_length,
    ),
    "target_size": (
        "error",
        re.compile(rf"Expected target size \[(?P<expected>{_SHAPE})\], got \[(?P<got>{_SHAPE})\]"),
        _target_size,
    ),
    "target_batch": (
        "error",
        re.compile(
            rf"Expected input batch_size \((?P<input>{_INT})\) to match target batch_size \((?P<target>{_INT})\)\."
        ),
        _target_batch,
    ),
    "dropout_warning": ("warning", DROPOUT_WARNING, _dropout_warning),
    "weights_warning": (
        "warning",
        re.compile(
            CONTIGUOUS_WARNING.pattern + r"\.(?: This means they need to be compacted at every call, possibly "
            r"greatly increasing memory usage\. To compact weights again call flatten_parameters\(\)\.)?"
        ),
        _weights_warning,
    ),
    "cudnn_eval_backward": (
        "error",
        re.compile(r"cudnn RNN backward can only be called in training mode"),
        _cudnn_eval_backward,
    ),
}
# hidden[0] and hidden[1] are recognised by the hidden size pattern and told apart by its index
assert set(_RECOGNISERS) | {"hidden0_size", "hidden1_size"} == set(KINDS)
