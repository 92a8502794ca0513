"""Each recurrent call a watched forward makes: its module's constructor, its layout, the lengths
of a packed input, every tensor with named axes, and its first call checked against the
recurrence written out by hand with the module's own weights (``reference``). Repeated calls
of one module (a decoder, step by step) are one entry with a count."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ..result import Verification

if TYPE_CHECKING:
    import torch

    from ..config import Config

#: Above this many multiply-adds the check recomputes the first VERIFY_WORDS words only, as a run does.
VERIFY_ALL_MULT_ADDS = 10_000_000_000
VERIFY_WORDS = 4


@dataclass(frozen=True)
class SeenTensor:
    """One tensor of a call, with a name for each axis (as a run's tables name them)."""

    name: str
    shape: tuple[int, ...]
    axes: tuple[str, ...]


@dataclass
class WatchedCall:
    """One recurrent module's calls in the forward."""

    index: int
    #: Its qualified name in the model (``encoder.rnn``), else its class and its place (``LSTM #0``).
    name: str
    kind: Literal["layer", "cell"]
    #: The constructor it was built with, as torch spells it.
    call: str
    count: int = 1
    #: The longest sequence's steps (every sequence's, for a padded batch).
    steps: int = 0
    batch_first: bool = False
    packed: bool = False
    #: Each sequence's length, from a PackedSequence; None for a padded batch (every step counts).
    lengths: list[int] | None = None
    #: An unpacked batch where some sequences' input ends in all-zero steps and others' does not
    #: (padding, given as it is): each sequence's steps up to its last input that is not zeros.
    #: torch runs every sequence through its padding; None when no sequence ends so.
    zero_tails: list[int] | None = None
    tensors: list[SeenTensor] = field(default_factory=list)
    #: The first call against the hand-written recurrence; None for a cell (checked by torch's own
    #: step) or a module rnn-shapes does not run (a dtype it does not check).
    verification: Verification | None = None
    #: Why the call could not be read (a dtype or module rnn-shapes does not run), when it could not.
    note: str | None = None
    config: Config | None = field(default=None, repr=False, compare=False)


def layer_call(
    index: int, name: str, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
) -> WatchedCall:
    """A call of nn.RNN / LSTM / GRU: what went in and came out, checked on its first words."""
    from torch.nn.utils.rnn import PackedSequence

    from ..config import Config
    from ..forward import constructor_call
    from ..request import Request

    x = args[0] if args else kwargs.get("input")
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    packed = isinstance(x, PackedSequence)
    config = Request(Config(padding="packed" if packed else "zeros"), module=module).config()
    padded, lengths = _padded(x, config.batch_first)
    n, steps = int(padded.shape[0]), int(padded.shape[1])
    out, state = output
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    record = WatchedCall(index, name, "layer", constructor_call(config, int(padded.shape[-1])))
    record.batch_first, record.packed, record.config, record.steps = config.batch_first, packed, config, steps
    record.lengths = [int(k) for k in lengths] if packed else None
    record.zero_tails = None if packed else zero_tails(padded)
    record.tensors = _seen(config, n, steps, int(padded.shape[-1]), hx is not None, out, h_n, c_n, x)
    record.verification = _verify(config, module, padded, lengths, x, hx, out, h_n, c_n)
    return record


def unread_call(index: int, name: str, module: Any, kind: str, error: Exception) -> WatchedCall:
    """A call rnn-shapes could not read: listed, with why."""
    call = f"torch.nn.{type(module).__name__}(...)"
    return WatchedCall(
        index, name, "cell" if kind == "cell" else "layer", call, note=str(error) or type(error).__name__
    )


def cell_call(index: int, name: str, module: Any, args: tuple[Any, ...], output: Any) -> WatchedCall:
    """A call of nn.RNNCell / LSTMCell / GRUCell: one step of one layer, one direction, its first
    step checked against the cell's equations written out by hand."""
    kind = type(module).__name__
    x = args[0]
    h = output[0] if isinstance(output, tuple) else output
    call = f"torch.nn.{kind}(input_size={module.input_size}, hidden_size={module.hidden_size})"
    record = WatchedCall(index, name, "cell", call)
    batch = ("batch",) if x.dim() == 2 else ()
    record.tensors = [
        SeenTensor("input", tuple(x.shape), (*batch, "input")),
        SeenTensor("h", tuple(h.shape), (*batch, "hidden")),
    ]
    record.verification = _verify_cell(module, x, args[1] if len(args) > 1 else None, output)
    return record


def _verify_cell(module: Any, x: Any, state: Any, output: Any) -> Verification | None:
    """One step by the documented equations (``reference``'s cell), held against torch's."""
    import torch

    from ..checks import against_reference
    from ..config import Cell, Config, Dtype
    from ..reference import affine, cell_step

    cells: dict[str, Cell] = {"RNNCell": "rnn", "GRUCell": "gru", "LSTMCell": "lstm"}
    cell = cells.get(type(module).__name__)
    if cell is None or x.dim() != 2 or not x.is_floating_point() or x.dtype not in (torch.float32, torch.float64):
        return None
    dtype: Dtype = "float64" if x.dtype == torch.float64 else "float32"
    config = Config(
        cell=cell, hidden_size=module.hidden_size, nonlinearity=getattr(module, "nonlinearity", None), dtype=dtype
    )
    zeros = x.new_zeros(x.shape[0], module.hidden_size)
    h, c = (state if isinstance(state, tuple) else (state, zeros)) if state is not None else (zeros, zeros)
    with torch.no_grad():
        xw = affine(
            x.detach(), module.weight_ih.detach().T, None if module.bias_ih is None else module.bias_ih.detach()
        )
        hh = affine(
            h.detach(), module.weight_hh.detach().T, None if module.bias_hh is None else module.bias_hh.detach()
        )
        parts = cell_step(config, xw, hh, h.detach(), c.detach(), None)
        got = output if isinstance(output, tuple) else (output,)
        actual = {"h": got[0].detach().cpu()} | ({"c": got[1].detach().cpu()} if len(got) > 1 else {})
        expected = {"h": parts["h"].cpu()} | ({"c": parts["c"].cpu()} if "c" in parts else {})
        found = against_reference(actual, expected, config.dtype)
    return replace(found, words_checked=int(x.shape[0]))


def _padded(x: Any, batch_first: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The input batch-major, and each sequence's length (every step, for a padded batch)."""
    import torch
    from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

    if isinstance(x, PackedSequence):
        padded, lengths = pad_packed_sequence(x, batch_first=True)
        return padded, lengths
    if x.dim() == 2:  # one sequence, unbatched: a batch of one
        x = x.unsqueeze(0 if batch_first else 1)
    major = x if batch_first else x.transpose(0, 1)
    return major, torch.full((major.shape[0],), major.shape[1], dtype=torch.int64)


def zero_tails(padded: torch.Tensor) -> list[int] | None:
    """Each sequence's steps up to its last input that is not all zeros, when some sequences of a
    batch-major input end in all-zero steps and others do not: an embedding's padding_idx row and
    a one-hot pad are zeros, and a batch padded but not packed runs every sequence to the last
    step. None when every sequence has the same such length, or one is zeros throughout."""
    import torch

    with torch.no_grad():
        data = padded.detach()
        nonzero = data.ne(0).reshape(int(data.shape[0]), int(data.shape[1]), -1).any(dim=2)
        steps = int(nonzero.shape[1])
        last = steps - nonzero.flip(1).to(torch.int64).argmax(dim=1)
        last = torch.where(nonzero.any(dim=1), last, torch.zeros_like(last))
    found = [int(k) for k in last.tolist()]
    if not found or min(found) == 0 or min(found) == steps or max(found) < steps:
        return None
    return found


def _seen(
    config: Config, n: int, steps: int, width: int, given: bool, out: Any, h_n: Any, c_n: Any, x: Any
) -> list[SeenTensor]:
    from torch.nn.utils.rnn import PackedSequence

    from ..layout import tensor_layouts

    layouts = tensor_layouts(
        replace(config, initial_state="given" if given else "default"), n, steps, width, source="given tensor"
    )
    seen = []
    for name, layout in layouts.items():
        if name == "embedded":
            continue
        axes = layout.axes
        if name in ("input", "output") and isinstance(x, PackedSequence):  # a PackedSequence's data
            axes = ("sum of lengths", axes[-1])
            shape = tuple(int(s) for s in (x.data.shape if name == "input" else out.data.shape))
        else:
            shape = layout.shape
        seen.append(SeenTensor(name, shape, axes))
    return seen


def _verify(
    config: Config, module: Any, padded: Any, lengths: Any, x: Any, hx: Any, out: Any, h_n: Any, c_n: Any
) -> Verification | None:
    """torch's answer against the hand-written recurrence, on every word or the first few (a
    one-sequence input without a batch axis is not checked)."""
    import torch
    from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

    from ..budget import mult_adds
    from ..checks import against_reference
    from ..reference import recurrence

    if h_n.dim() != 3:
        return None
    n, steps = int(padded.shape[0]), int(padded.shape[1])
    work = mult_adds(config, [int(v) for v in lengths], int(padded.shape[-1]))
    k = n if work <= VERIFY_ALL_MULT_ADDS else min(n, VERIFY_WORDS)
    packed = isinstance(x, PackedSequence)
    params = {name: p.detach() for name, p in module.named_parameters()}
    with torch.no_grad():
        order = x.sorted_indices if packed and k == n else None
        reference = recurrence(config, params, padded[:k].detach(), lengths[:k], order=order, initial=_initial(hx, k))
        if reference.packed and k == n:  # the packed rows as torch computed them
            actual = {"output": out.data.detach(), "h_n": h_n.detach()}
            expected = {"output": reference.output, "h_n": reference.h_n}
        else:
            mine = pad_packed_sequence(out, batch_first=True)[0] if packed else out
            major = mine if config.batch_first or packed else mine.transpose(0, 1)
            actual = {"output": major[:k].detach(), "h_n": h_n[:, :k].detach()}
            expected = {"output": reference.padded_output(lengths[:k], steps), "h_n": reference.h_n}
        if c_n is not None and reference.c_n is not None:
            actual["c_n"], expected["c_n"] = c_n[:, :k].detach(), reference.c_n
        found = against_reference({name: v.cpu() for name, v in actual.items()}, expected, config.dtype)
    return replace(found, words_checked=k)


def _initial(hx: Any, k: int) -> tuple[Any, Any] | None:
    if hx is None:
        return None
    h0, c0 = hx if isinstance(hx, tuple) else (hx, None)
    return h0.detach()[:, :k], None if c0 is None else c0.detach()[:, :k]
