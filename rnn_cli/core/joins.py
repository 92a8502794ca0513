"""The joins around the layer: what people connect to ``output`` and ``h_n`` next, run on the run.

- bridge: a bidirectional encoder's h_n into a one-direction decoder (a Linear over both
  directions, or their sum), and h_n passed as is, with torch's own error;
- attention: a decoder state's scores over ``output``, masked at the padded steps, softmax
  over the steps, and the context vector;
- carry: h_n.detach() as the next batch's h_0, and a last batch smaller than the first;
- cell: an nn.RNNCell / GRUCell / LSTMCell loop with the layer's own layer-0 weights.

Each check is the cheapest honest one: a decoder's shapes by torch's own check of a decoder
built on the meta device (no memory, no random numbers), values against the run's own
tensors, a module call only where the claim is about what a call computes, and on the first
few words only.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from .checks import agreeing_diff, tolerance_bound
from .config import TORCH_CLASS, Config
from .forward import extra_call_kernels, quiet_projection
from .result import Idiom, named_words

if TYPE_CHECKING:
    import torch

#: The carry and cell checks run on at most this many words (the first ones).
JOIN_WORDS = 4
#: Meta-device decoders kept, by their settings: built once, about 0.2 ms each, and holding no
#: storage (a few KB of Python each), so enough for a batch that sweeps many configurations.
_DECODERS: OrderedDict[tuple[Any, ...], torch.nn.RNNBase] = OrderedDict()
_DECODER_CACHE = 512
#: Each module's layer-0 cell, its parameters the module's own (kept as long as the module lives).
_CELLS: weakref.WeakKeyDictionary[Any, torch.nn.Module] = weakref.WeakKeyDictionary()


class JoinRun(Protocol):
    """What the joins read of a run (the idioms' RunTensors, or its first words)."""

    config: Config
    module: torch.nn.RNNBase
    words: list[str]
    batch: torch.Tensor
    lengths: torch.Tensor
    output: torch.Tensor
    h_n: torch.Tensor
    c_n: torch.Tensor | None
    final: torch.Tensor
    atol: float
    rtol: float
    sample: int | None


def with_topic(topic: str, idioms: list[Idiom]) -> list[Idiom]:
    """The idioms, each marked with what it is about."""
    for idiom in idioms:
        idiom.topic = topic
    return idioms


def join_idioms(run: JoinRun, calls: JoinRun) -> list[Idiom]:
    """bridge, attention, carry and cell, in that order; ``calls`` is the run, or its first words
    when the run is large (as the idioms' own module calls use)."""
    import torch

    with torch.no_grad():
        return [
            *with_topic("bridge", _bridge(run)),
            *with_topic("attention", _attention(run, calls)),
            *with_topic("carry", _carry(run)),
            *with_topic("cell", _cell(run)),
        ]


# -- bridge ----------------------------------------------------------------------------------------


def _decoder(c: Config, hidden: int, layers: int, proj: int = 0) -> torch.nn.RNNBase:
    """A one-direction decoder of the run's cell on the meta device: its shape check, no weights."""
    import torch

    key = (c.cell, hidden, layers, proj, c.batch_first, c.dtype)
    decoder = _DECODERS.get(key)
    if decoder is None:
        kwargs: dict[str, Any] = {"num_layers": layers, "batch_first": c.batch_first}
        if proj:
            kwargs["proj_size"] = proj
        decoder = getattr(torch.nn, TORCH_CLASS[c.cell])(
            1, hidden, **kwargs, device="meta", dtype=getattr(torch, c.dtype)
        )
        _DECODERS[key] = decoder
        while len(_DECODERS) > _DECODER_CACHE:
            _DECODERS.popitem(last=False)
    _DECODERS.move_to_end(key)
    return decoder


def _refused(decoder: torch.nn.RNNBase, n: int, state: Any) -> str | None:
    """torch's own message when ``decoder`` refuses ``state`` as h_0 for a batch of ``n``, else None."""
    import torch

    # one step of input: the check reads its dtype and shape only (a CPU tensor is made faster than a meta one)
    weights = cast("torch.Tensor", decoder.weight_ih_l0)
    step = torch.zeros((n, 1, 1) if decoder.batch_first else (1, n, 1), dtype=weights.dtype)
    check: Callable[..., object] = decoder.check_forward_args
    return _error_of(lambda: check(step, state, None))


def _decoder_text(c: Config, hidden: int, layers: int, proj: int = 0) -> str:
    extra = (f", num_layers={layers}" if layers > 1 else "") + (f", proj_size={proj}" if proj else "")
    return f"nn.{TORCH_CLASS[c.cell]}(..., {hidden}{extra})"


def _bridge(run: JoinRun) -> list[Idiom]:
    """h_n into a one-direction decoder: as it is, or a bidirectional encoder's, bridged two ways."""
    if run.config.directions == 1:
        return [_into_decoder(run)]
    return [_linear_bridge(run), _summed_bridge(run), _unbridged(run)]


def _into_decoder(run: JoinRun) -> Idiom:
    """A one-direction encoder: h_n is the h_0 of a decoder of the same layers, as torch checks."""
    c = run.config
    lstm = run.c_n is not None
    state = (run.h_n, run.c_n) if lstm else run.h_n
    error = _refused(_decoder(c, c.hidden_size, c.num_layers, c.proj_size), len(run.lengths), state)
    decoder_text = _decoder_text(c, c.hidden_size, c.num_layers, c.proj_size)
    facts = {"h_n_shape": tuple(run.h_n.shape), "decoder": decoder_text, "accepted": error is None}
    expression = f"decoder(input, {'(h_n, c_n)' if lstm else 'h_n'})"
    return Idiom(expression, tuple(run.h_n.shape), None, error, "bridge_unneeded", facts, holds=error is None)


def _linear_bridge(run: JoinRun) -> Idiom:
    """Both directions of the last layer through a Linear into one layer's h_0 (H_dec = the cell's width)."""
    import torch

    c = run.config
    h, cell = c.out_size, c.hidden_size
    dtype = run.h_n.dtype
    generator = torch.Generator().manual_seed(c.seed)

    def linear(rows: torch.Tensor, width: int) -> torch.Tensor:
        """nn.Linear(2*width, cell)'s initialisation, from a generator of the run's seed."""
        bound = 1 / (2 * width) ** 0.5
        weight = torch.empty(cell, 2 * width, dtype=dtype).uniform_(-bound, bound, generator=generator)
        bias = torch.empty(cell, dtype=dtype).uniform_(-bound, bound, generator=generator)
        return torch.tanh(torch.nn.functional.linear(rows, weight, bias)).unsqueeze(0)

    h_0 = linear(torch.cat((run.h_n[-2], run.h_n[-1]), dim=1), h)
    c_0 = None if run.c_n is None else linear(torch.cat((run.c_n[-2], run.c_n[-1]), dim=1), cell)
    error = _refused(_decoder(c, cell, 1), len(run.lengths), (h_0, c_0) if c_0 is not None else h_0)
    shape = tuple(h_0.shape)
    facts = {
        "shape": shape,
        "decoder": _decoder_text(c, cell, 1),
        "refused": error,
        "c_0_shape": None if c_0 is None else tuple(c_0.shape),
    }
    expression = f"torch.tanh(nn.Linear({2 * h}, {cell})(torch.cat((h_n[-2], h_n[-1]), dim=1))).unsqueeze(0)"
    return Idiom(expression, shape, None, None, "bridge_linear", facts, holds=error is None)


def _summed_bridge(run: JoinRun) -> Idiom:
    """The two directions summed, layer by layer: the h_0 of a decoder of as many layers."""
    import torch

    c = run.config
    n, h, layers, cell = len(run.lengths), c.out_size, c.num_layers, c.hidden_size
    summed = run.h_n.view(layers, 2, n, h).sum(1)
    rows = bool(torch.equal(summed, run.h_n[0::2] + run.h_n[1::2]))
    c_summed = None if run.c_n is None else run.c_n.view(layers, 2, n, cell).sum(1)
    deep = _decoder(c, cell, layers, c.proj_size)
    error = _refused(deep, n, (summed, c_summed) if c_summed is not None else summed)
    facts = {
        "rows_hold": rows,
        "decoder": _decoder_text(c, cell, layers, c.proj_size),
        "refused": error,
        "lstm": c_summed is not None,
    }
    expression = f"h_n.view({layers}, 2, {n}, {h}).sum(1)"
    return Idiom(expression, tuple(summed.shape), None, None, "bridge_sum", facts, holds=rows and error is None)


def _unbridged(run: JoinRun) -> Idiom:
    """h_n as it is: twice the rows a one-direction decoder of the same layers wants."""
    c = run.config
    layers, lstm = c.num_layers, run.c_n is not None
    deep = _decoder(c, c.hidden_size, layers, c.proj_size)
    error = _refused(deep, len(run.lengths), (run.h_n, run.c_n) if lstm else run.h_n)
    facts = {"rows": 2 * layers, "layers": layers, "refused": bool(error)}
    decoder_text = _decoder_text(c, c.hidden_size, layers, c.proj_size)
    expression = f"decoder(input, {'(h_n, c_n)' if lstm else 'h_n'})  # decoder = {decoder_text}"
    return Idiom(expression, None, None, error, "bridge_missing", facts, holds=error is not None)


# -- attention -------------------------------------------------------------------------------------


def _attention(run: JoinRun, calls: JoinRun) -> list[Idiom]:
    """Dot-product attention of the encoder's final state over ``output``, on ``calls``' words."""
    import torch

    c = run.config
    d, h = c.directions, c.out_size
    n, steps = len(run.lengths), run.output.shape[1 if c.batch_first else 0]
    out_bm = calls.output if c.batch_first else calls.output.transpose(0, 1)
    query = calls.h_n[-1] if d == 1 else torch.cat((calls.h_n[-2], calls.h_n[-1]), dim=1)
    query_text = "h_n[-1]" if d == 1 else "torch.cat((h_n[-2], h_n[-1]), dim=1)"
    output_text = "output" if c.batch_first else "output.transpose(0, 1)"
    scores = torch.bmm(out_bm, query.unsqueeze(2)).squeeze(2)
    facts = {"words": n, "width": d * h}
    expression = f"scores = torch.bmm({output_text}, query.unsqueeze(2)).squeeze(2)  # query = {query_text}"
    idioms = [Idiom(expression, (n, steps), None, None, "attention_scores", facts)]
    weights, idiom = _masked_softmax(run, calls, scores, steps)
    idioms.append(idiom)
    context = torch.bmm(weights.unsqueeze(1), out_bm).squeeze(1)
    expression = f"context = torch.bmm(weights.unsqueeze(1), {output_text}).squeeze(1)"
    idioms.append(Idiom(expression, (n, *context.shape[1:]), None, None, "attention_context", dict(facts)))
    return idioms


def _masked_softmax(run: JoinRun, calls: JoinRun, scores: torch.Tensor, steps: int) -> tuple[torch.Tensor, Idiom]:
    """The weights: softmax over the steps with the pads masked, checked to sum to 1 over the real steps."""
    import torch

    n, t = len(run.lengths), scores.shape[1]
    pad = torch.arange(t) >= calls.lengths[:, None] if int(calls.lengths.min()) < t else None
    if pad is not None:
        weights = scores.masked_fill(pad, float("-inf")).softmax(dim=1)
        # over each word's real steps only: a sum of 1 there says too that the pads got nothing
        off = float((weights.masked_fill(pad, 0).sum(dim=1) - 1).abs().max())
    else:  # no step is a pad: the mask would change nothing
        weights = scores.softmax(dim=1)
        off = float((weights.sum(dim=1) - 1).abs().max())
    holds = off <= 10 * run.atol
    # unmasked, the most weight one pad step would take; None when no step is a pad
    spill = None if pad is None else float(scores.softmax(dim=1).masked_select(pad).max())
    facts = {
        "holds": holds,
        "off": off,
        "sampled": bool(calls.sample),
        "checked_words": scores.shape[0],
        "words": n,
        "spill": spill,
    }
    expression = (
        "weights = scores.masked_fill(~mask, float('-inf')).softmax(dim=1)"
        f"  # mask = torch.arange({steps}) < lengths[:, None]"
    )
    return weights, Idiom(expression, (n, steps), None, None, "attention_weights", facts, holds=holds)


# -- carry -----------------------------------------------------------------------------------------


def _carry(run: JoinRun) -> list[Idiom]:
    """h_n carried into the next chunk of the same sequences, and into a smaller last batch."""
    c = run.config
    steps = run.output.shape[1 if c.batch_first else 0]
    lstm = run.c_n is not None
    expression = f"rnn(next_batch, {'(h_n.detach(), c_n.detach())' if lstm else 'h_n.detach()'})"
    # the call returns (output, h_n), or (output, (h_n, c_n)): each shape, for a next batch like this one
    returns: tuple[tuple[str, tuple[int, ...]], ...] = (
        ("output", tuple(run.output.shape)),
        ("h_n", tuple(run.h_n.shape)),
    )
    if run.c_n is not None:
        returns += (("c_n", tuple(run.c_n.shape)),)
    if c.directions == 2 and c.num_layers > 1:
        idioms = [Idiom(expression, None, None, None, "carry_bidirectional_layers", returns=returns)]
    elif steps < 2:
        idioms = [Idiom(expression, None, None, None, "carry_one_step", returns=returns)]
    else:
        idioms = [dataclasses.replace(_two_chunks(run, expression, steps), shape=None, returns=returns)]
    if len(run.lengths) >= 2:
        idioms.append(_smaller_last_batch(run))
    return idioms


def _two_chunks(run: JoinRun, expression: str, steps: int) -> Idiom:
    """The words as long as the longest (the first few), in two batches of steps, h_n carried."""
    c = run.config
    full, more = _full_words(run, steps)
    cut = steps // 2
    chunks, whole, h_last, h_whole = _carried(run, full, cut)
    if c.directions == 2:  # one layer: only the forward half is one long run
        width = c.out_size
        chunks, whole = chunks[..., :width], whole[..., :width]
        h_last, h_whole = h_last[0::2], h_whole[0::2]
    same = _close(chunks, whole, run) and _close(h_last.cpu(), h_whole, run)
    facts = {
        "cut": cut,
        "same": same,
        "bidirectional": c.directions == 2,
        "checked": named_words(run.words, full),
        "more": more,
    }
    return Idiom(expression, tuple(run.h_n.shape), None, None, "carry_chunks", facts, holds=same)


def _carried(run: JoinRun, full: list[int], cut: int) -> tuple[torch.Tensor, ...]:
    """The ``full`` words' steps [:cut] then [cut:] through the module, the state carried: the
    chunks' output side by side, the run's own output, the last h_n and the run's own h_n."""
    import torch

    c, bf, lstm = run.config, run.config.batch_first, run.c_n is not None
    pick: Any = slice(0, len(full)) if full == list(range(len(full))) else full  # a view when it can be
    words = run.batch[pick] if bf else run.batch[:, pick]
    whole = run.output[pick] if bf else run.output[:, pick]
    first, second = (words[:, :cut], words[:, cut:]) if bf else (words[:cut], words[cut:])
    h_0 = _initial(run, full)
    with quiet_projection(c), extra_call_kernels():  # held to the run within the tolerance, never printed
        if c.directions == 1 and c.num_layers == 1 and not lstm and h_0 is None:
            # one layer, one direction: the first batch's h_n is its last output, output[:, cut - 1]
            last = whole[:, cut - 1] if bf else whole[cut - 1]
            carried: Any = last.unsqueeze(0).to(words.device)
            out_1 = whole[:, :cut] if bf else whole[:cut]
        else:
            out_1, state = run.module(first, h_0)
            carried = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        out_2, state = run.module(second, carried)
    h_last = state[0] if isinstance(state, tuple) else state
    chunks = torch.cat((out_1.cpu(), out_2.cpu()), dim=1 if bf else 0)
    return chunks, whole, h_last, run.h_n[:, pick]


def _smaller_last_batch(run: JoinRun) -> Idiom:
    """A last batch smaller than the first, given the first batch's state: torch's error, and the fix."""
    c, lstm = run.config, run.c_n is not None
    n, rows = len(run.lengths), c.num_layers * c.directions
    m = n - 1
    last_batch = run.batch[:m] if c.batch_first else run.batch[:, :m]
    check: Callable[..., object] = run.module.check_forward_args
    wrong = (run.h_n, run.c_n) if lstm else run.h_n
    error = _error_of(lambda: check(last_batch, wrong, None))
    fixed = (run.h_n[:, :m], run.c_n[:, :m]) if run.c_n is not None else run.h_n[:, :m]
    fix_refused = _error_of(lambda: check(last_batch, fixed, None))
    fix = f"(h_n[:, :{m}].detach(), c_n[:, :{m}].detach())" if lstm else f"h_n[:, :{m}].detach()"
    facts = {"last_batch": m, "batch": n, "rows": rows, "fix": fix, "fix_refused": fix_refused}
    return Idiom(
        f"rnn(last_batch, {'(h_n, c_n)' if lstm else 'h_n'})  # last_batch: {m} words",
        None,
        None,
        error,
        "carry_smaller_batch",
        facts,
        holds=error is not None and fix_refused is None,
    )


def _full_words(run: JoinRun, steps: int) -> tuple[list[int], bool]:
    """The first JOIN_WORDS words as long as the longest, and whether there are more."""
    head = run.lengths[: 16 * JOIN_WORDS].tolist()
    full = [w for w, length in enumerate(head) if length == steps]
    if not full:  # a large run whose longest words come late
        full = (run.lengths == steps).nonzero().flatten()[: JOIN_WORDS + 1].tolist()
    more = len(full) > JOIN_WORDS or (len(full) == JOIN_WORDS and len(run.lengths) > len(head))
    return full[:JOIN_WORDS], more


def _initial(run: JoinRun, words: list[int]) -> Any:
    """The run's own h_0 (and c_0) for ``words``, or None for torch's default zeros."""
    c = run.config
    if c.initial_state == "default":
        return None
    import torch

    from .encode import initial_states

    lstm = run.c_n is not None
    rows = c.num_layers * c.directions
    h_0, c_0 = initial_states(
        c.initial_state,
        rows,
        len(run.lengths),
        c.out_size,
        c.hidden_size if lstm else None,
        c.seed,
        getattr(torch, c.dtype),
    )
    device = run.batch.device
    h_0 = h_0[:, words].to(device)
    return (h_0, c_0[:, words].to(device)) if c_0 is not None else h_0


# -- cell ------------------------------------------------------------------------------------------


def _layer_cell(module: torch.nn.RNNBase, c: Config) -> torch.nn.Module:
    """nn.RNNCell / GRUCell / LSTMCell holding the module's own layer-0 forward parameters."""
    import torch

    cell = _CELLS.get(module)
    if cell is None:
        kind = {"rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell, "lstm": torch.nn.LSTMCell}[c.cell]
        extra: dict[str, Any] = {"nonlinearity": c.nonlinearity or "tanh"} if c.cell == "rnn" else {}
        cell = kind(module.input_size, module.hidden_size, bias=module.bias, device="meta", **extra)
        _CELLS[module] = cell
    mine, theirs = cell._parameters, module._parameters  # read directly: Module.__getattr__ is slow
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if module.bias else ("weight_ih", "weight_hh"):
        own = theirs[f"{name}_l0"]
        if mine[name] is not own:  # the module's parameters may have been replaced since
            setattr(cell, name, own)
    return cell


def _cell(run: JoinRun) -> list[Idiom]:
    """The cell loop over every step of the first few words, from the run's own h_0."""
    import torch

    c = run.config
    kind = {"rnn": "RNNCell", "gru": "GRUCell", "lstm": "LSTMCell"}[c.cell]
    n, steps, h = len(run.lengths), run.output.shape[1 if c.batch_first else 0], c.hidden_size
    width = run.module.input_size
    step = "input[:, t]" if c.batch_first else "input[t]"
    lstm = c.cell == "lstm"
    loop = f"h, c = cell({step}, (h, c))" if lstm else f"h = cell({step}, h)"
    expression = f"for t in range({steps}): {loop}  # cell = nn.{kind}({width}, {h}), layer 0's weights"
    if c.proj_size:
        facts = {"proj_size": c.proj_size, "hidden_size": h}
        return [Idiom(expression, (n, h), None, None, "cell_projected", facts, holds=None)]
    k = min(n, JOIN_WORDS)
    lengths = run.lengths[:k]
    x = run.batch[:k] if c.batch_first else run.batch[:, :k].transpose(0, 1)
    cell = _layer_cell(run.module, c)
    initial = _initial(run, list(range(k)))
    zeros = torch.zeros(k, h, dtype=x.dtype, device=x.device)
    if initial is None:
        state: Any = (zeros, zeros) if lstm else zeros
    else:
        state = (initial[0][0], initial[1][0]) if lstm else initial[0]
    hs = []
    for x_t in x.unbind(1):
        state = cell(x_t, state)
        hs.append(state[0] if lstm else state)
    every = torch.stack(hs, dim=1).cpu()  # (k, L, H): layer 0's forward state at every step
    packed = c.padding == "packed"
    if c.num_layers == 1:  # layer 0's every step is in output (h_n[0] is the last of them)
        out_bm = run.output if c.batch_first else run.output.transpose(0, 1)
        if packed:  # packed output is 0 past a word's end, where the loop ran on through the padding
            every = every.masked_fill((torch.arange(steps) >= lengths[:, None]).unsqueeze(2), 0)
        checked = _close(every, out_bm[:k, :, :h], run)
    else:
        lasts = every[torch.arange(k), lengths - 1] if packed else every[:, -1]
        checked = _close(lasts, run.h_n[0, :k], run)
    facts = {
        "words": n,
        "hidden_size": h,
        "lstm": lstm,
        "one_layer": c.num_layers == 1,
        "checked": checked,
        "checked_words": k,
    }
    return [Idiom(expression, (n, h), None, None, "cell_loop", facts, holds=checked)]


# -- shared ----------------------------------------------------------------------------------------


def _close(a: torch.Tensor, b: torch.Tensor, run: JoinRun) -> bool:
    """Within the run's check tolerance (equal infinities and NaNs agree), and of one shape."""
    import torch

    if a.shape != b.shape:
        return False
    if torch.equal(a, b):  # often to the bit: no arithmetic at all
        return True
    if bool(((a - b).abs_() <= b.abs().mul_(run.rtol).add_(run.atol)).all()):  # the usual answer, in few passes
        return True
    return bool((agreeing_diff(a, b) <= tolerance_bound(b, run.atol, run.rtol)).all())


def _error_of(call: Callable[[], object]) -> str | None:
    """torch's own message (its first line) when ``call`` fails, else None."""
    try:
        call()
    except (RuntimeError, ValueError, IndexError, TypeError) as error:  # what torch raises for a bad shape
        text = str(error).strip()
        return text.splitlines()[0] if text else type(error).__name__
    return None
