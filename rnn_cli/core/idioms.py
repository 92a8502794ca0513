"""What people do next with ``output``, ``h_n`` and ``h_0``, evaluated on the run itself.

Each idiom is the expression as people write it, run on torch's own tensors (or torch's own
module, for the calls), and held against each word's final state of the last layer as the
hand-written reference computed it over the word's real tokens. Each idiom's ``kind`` and
``facts`` are what the checks found (render writes its note from them), so a corrupted tensor
shows up as a failed check, not a confident sentence.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Union

from .checks import tolerance_bound
from .config import Config, Source
from .forward import Forward, extra_call_kernels, quiet_projection, run_forward
from .joins import join_idioms, with_topic
from .result import NAMED_WORDS, Idiom, named_words

if TYPE_CHECKING:
    import torch

#: torch's CrossEntropyLoss marks a target to skip with this index.
IGNORE_INDEX = -100


@dataclass
class RunTensors:
    """Everything the idioms look at, in the run's own layout unless named batch-major."""

    config: Config
    module: torch.nn.RNNBase
    words: list[str]
    batch: torch.Tensor  # the one-hot input, zero-padded
    lengths: torch.Tensor
    output: torch.Tensor
    h_n: torch.Tensor
    c_n: torch.Tensor | None
    #: (N, D*H_out): each word's final state of the last layer, directions side by side, as
    #: the reference computed it over the word's real tokens only.
    final: torch.Tensor
    #: Each word's token indices, word after word; None for random features.
    flat_tokens: torch.Tensor | None
    vocab_size: int
    atol: float
    rtol: float
    #: Set when this is a run cut to its first words (see SAMPLE_WORDS), for the facts to say so.
    sample: int | None = None
    #: How far a value may be from ``final``: the check's tolerance, worked out once for every idiom.
    bound: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.bound = tolerance_bound(self.final, self.atol, self.rtol)

    #: Words (whose tokens are characters), or random tokens: what the next-token head predicts.
    source: Source = "words"


#: When a run is large, the idioms that call the module again run on this many leading words.
SAMPLE_WORDS = 4
#: The layout trap reads the words as steps: above this many cell steps (words × layers ×
#: directions) it calls the module on the first SAMPLE_WORDS words (measured: 300,000 one-letter
#: words misread were 300,000 sequential steps, 250 MiB and seconds, for one idiom).
MISREAD_CELL_STEPS = 10_000
#: Above this many logits the class-axis loss is checked against the flat one on the first words
#: only: on 50,000 words it costs 0.1 s, a tenth of the run, to show what both forms agree on.
LOSS_CHECK_LOGITS = 2_000_000


def check_idioms(run: RunTensors, *, large: bool = False) -> list[Idiom]:
    """Every idiom; ``large`` runs call the module again on their first SAMPLE_WORDS words only."""
    calls = _first_words(run, SAMPLE_WORDS) if large and len(run.lengths) > SAMPLE_WORDS else run
    return [
        *with_topic("final_state", _last_states(run)),
        *with_topic("directions", _views(run)),
        *with_topic("loss", _next_token_head(run) if run.flat_tokens is not None else []),
        *with_topic("initial_state", _initial_states(run, large=large)),
        *with_topic("layout", [_layout_trap(run, _misread_calls(run, calls))]),
        *join_idioms(run, calls),
    ]


def _misread_calls(run: RunTensors, calls: RunTensors) -> RunTensors:
    """What the layout trap calls the module on: read the other way, the words are the steps,
    one after another, so a batch of many words is checked on its first words instead."""
    cells = run.config.num_layers * run.config.directions
    if calls.sample or len(run.lengths) * cells <= MISREAD_CELL_STEPS:
        return calls
    return _first_words(run, SAMPLE_WORDS)


def _first_words(run: RunTensors, k: int) -> RunTensors:
    """The same run cut to its first ``k`` words (and their longest length), for extra module calls."""
    steps = int(run.lengths[:k].max())
    bf = run.config.batch_first
    cut = (slice(0, k), slice(0, steps)) if bf else (slice(0, steps), slice(0, k))
    return replace(
        run,
        words=run.words[:k],
        batch=run.batch[cut],
        lengths=run.lengths[:k],
        output=run.output[cut],
        h_n=run.h_n[:, :k],
        c_n=None if run.c_n is None else run.c_n[:, :k],
        final=run.final[:k],
        flat_tokens=None if run.flat_tokens is None else run.flat_tokens[: int(run.lengths[:k].sum())],
        sample=k,
    )


# -- the final state, taken from output and h_n ---------------------------------------------------


def _final_state(run: RunTensors, values: torch.Tensor) -> list[bool]:
    """Per word: do these (N, width) values equal its final state, within the check's tolerance?"""
    if tuple(values.shape) != tuple(run.final.shape):
        return [False] * len(run.final)
    close = (values - run.final).abs() <= run.bound
    if bool(close.all()):  # the usual answer, in three passes
        return [True] * len(run.final)
    # some word differs, or a value is not finite: a NaN or an infinity is no word's final state,
    # whatever the reference holds there (NaN equal to NaN would call every idiom right)
    verdicts: list[bool] = close.all(dim=1).tolist()
    return verdicts


def _last_states(run: RunTensors) -> list[Idiom]:
    """Ways people take each word's final state: the last step, h_n's rows, each word's own step."""
    c = run.config
    steps = run.output.shape[0 if not c.batch_first else 1]
    short = [w for w, k in enumerate(run.lengths.tolist()) if k < steps]
    out_bm = run.output if c.batch_first else run.output.transpose(0, 1)
    return [_last_step(run, out_bm, short, steps), *_h_n_rows(run, short), *_own_last_steps(run, out_bm, short)]


def _last_step(run: RunTensors, out_bm: torch.Tensor, short: list[int], steps: int) -> Idiom:
    """output[:, -1]: the last step of the padded batch."""
    c = run.config
    last = out_bm[:, -1]
    packed = c.padding == "packed"
    facts: dict[str, object] = {
        "short": named_words(run.words, short),
        "packed": packed,
        "bidirectional": c.directions == 2,
    }
    if short and packed:  # the short words whose last step is zeros
        zero = ((run.lengths < steps) & ~last.any(dim=1)).nonzero().flatten()  # as a mask: 50,000 words are fast
        facts["zeros"] = named_words(run.words, zero[:NAMED_WORDS].tolist(), zero.numel())
    expression = "output[:, -1]" if c.batch_first else "output[-1]"
    return Idiom(expression, tuple(last.shape), _final_state(run, last), None, "last_step", facts)


def _h_n_rows(run: RunTensors, short: list[int]) -> list[Idiom]:
    """h_n[-1], and both directions of the last layer when bidirectional."""
    import torch

    c = run.config
    d, top = c.directions, (c.num_layers - 1) * c.directions
    padded = named_words(run.words, short) if c.padding == "zeros" and short else None
    final_rows = run.h_n[-1]
    facts = {"bidirectional": d == 2, "forward_row": top, "padded": padded}
    idioms = [Idiom("h_n[-1]", tuple(final_rows.shape), _final_state(run, final_rows), None, "h_n_last", facts)]
    if d == 2:
        both = torch.cat((run.h_n[-2], run.h_n[-1]), dim=1)
        expression = "torch.cat((h_n[-2], h_n[-1]), dim=1)"
        final = _final_state(run, both)
        idioms.append(Idiom(expression, tuple(both.shape), final, None, "h_n_last_layer", {"padded": padded}))
    return idioms


def _own_last_steps(run: RunTensors, out_bm: torch.Tensor, short: list[int]) -> list[Idiom]:
    """Each word's own last step, picked by its length (and, bidirectional, step 0's backward half)."""
    import torch

    c = run.config
    n, h, d = len(run.lengths), c.out_size, c.directions
    arange = f"torch.arange({n})"
    picked = out_bm[torch.arange(n), run.lengths - 1]
    expression = f"output[{arange}, lengths - 1]" if c.batch_first else f"output[lengths - 1, {arange}]"
    facts = {"bidirectional": d == 2}
    idioms = [Idiom(expression, tuple(picked.shape), _final_state(run, picked), None, "own_last_step", facts)]
    if d == 2:
        both = torch.cat((picked[:, :h], out_bm[:, 0, h:]), dim=1)
        if c.batch_first:
            expression = f"torch.cat((output[{arange}, lengths - 1, :{h}], output[:, 0, {h}:]), dim=1)"
        else:
            expression = f"torch.cat((output[lengths - 1, {arange}, :{h}], output[0, :, {h}:]), dim=1)"
        padded = named_words(run.words, short) if c.padding == "zeros" and short else None
        final = _final_state(run, both)
        idioms.append(Idiom(expression, tuple(both.shape), final, None, "own_last_step_both", {"padded": padded}))
    return idioms


# -- which index is which direction ---------------------------------------------------------------


def _views(run: RunTensors) -> list[Idiom]:
    c = run.config
    d, h, layers = c.directions, c.out_size, c.num_layers
    n = len(run.lengths)
    viewed = run.h_n.view(layers, d, n, h)
    rows_hold = all(bool(viewed[layer, k].equal(run.h_n[layer * d + k])) for layer in range(layers) for k in range(d))
    facts = {"directions": d, "rows_hold": rows_hold}
    idioms = [Idiom(f"h_n.view({layers}, {d}, {n}, {h})", tuple(viewed.shape), None, None, "h_n_view", facts)]
    steps = int(run.lengths.max())
    shape = (n, steps, d, h) if c.batch_first else (steps, n, d, h)
    viewed = run.output.view(*shape)
    halves_hold = all(bool(viewed[..., k, :].equal(run.output[..., k * h : (k + 1) * h])) for k in range(d))
    expression = f"output.view({', '.join(map(str, shape))})"
    facts = {"directions": d, "halves_hold": halves_hold}
    idioms.append(Idiom(expression, tuple(viewed.shape), None, None, "output_view", facts))
    return idioms


# -- the next-token head and its loss ---------------------------------------------------------------


def _next_token_head(run: RunTensors) -> list[Idiom]:
    """A next-token head on output and its loss, written three ways: two right, one wrong."""
    c = run.config
    v, width = run.vocab_size, c.directions * c.out_size
    logits, targets, counted = _logits_and_targets(run)
    # a word's tokens are characters (graphemes or code points); random tokens are ids, their targets random
    facts = {"vocab_size": v, "source": run.source}
    idioms = [Idiom(f"logits = nn.Linear({width}, {v})(output)", tuple(logits.shape), None, None, "logits", facts)]
    idioms += _two_right_losses(run, logits, targets, counted)
    idioms.append(_loss_as_is(v, logits, targets))
    return idioms


def _logits_and_targets(run: RunTensors) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The head's logits over output, each step's next token as its target (a word's last step
    and its padding ignored), in the run's layout; and how many steps have a target."""
    import torch

    c = run.config
    n, steps = len(run.lengths), int(run.lengths.max())
    weight, bias = _head(c.seed, run.vocab_size, c.directions * c.out_size, run.output.dtype)
    logits = torch.nn.functional.linear(run.output.cpu(), weight, bias)
    real = torch.arange(steps) < run.lengths[:, None]
    tokens = torch.full((n, steps), IGNORE_INDEX, dtype=torch.int64)
    assert run.flat_tokens is not None
    tokens[real] = run.flat_tokens
    targets_bm = torch.full((n, steps), IGNORE_INDEX, dtype=torch.int64)
    targets_bm[:, :-1] = tokens[:, 1:]
    counted = sum(max(length - 1, 0) for length in run.lengths.tolist())  # every step but a word's last
    return logits, targets_bm if c.batch_first else targets_bm.T, counted


def _two_right_losses(run: RunTensors, logits: torch.Tensor, targets: torch.Tensor, counted: int) -> list[Idiom]:
    """The loss with the classes on axis 1, and flat: the same mean (on a large run, compared on
    the first words, since the logits of a strided axis-1 loss are slow)."""
    import torch

    c = run.config
    n, v, steps = len(run.lengths), run.vocab_size, int(run.lengths.max())
    # what nn.CrossEntropyLoss()(...) calls (mean over targets, -100 ignored), without a Module per loss
    loss = torch.nn.functional.cross_entropy
    flat = float(loss(logits.reshape(-1, v), targets.reshape(-1)))
    expression = (
        "nn.CrossEntropyLoss()(logits.transpose(1, 2), targets)"
        if c.batch_first
        else "nn.CrossEntropyLoss()(logits.permute(1, 2, 0), targets.T)"
    )
    k = n if logits.numel() <= LOSS_CHECK_LOGITS else max(1, LOSS_CHECK_LOGITS // (steps * v))
    part = (slice(0, k),) if c.batch_first else (slice(None), slice(0, k))
    by_axis = _class_axis_loss(logits[part], targets[part], batch_first=c.batch_first)
    flat_part = float(loss(logits[part].reshape(-1, v), targets[part].reshape(-1))) if k < n else flat
    same = (by_axis != by_axis and flat_part != flat_part) or abs(by_axis - flat_part) <= 1e-6 * max(
        1.0, abs(flat_part)
    )
    shown = flat if k < n and same else by_axis
    facts = {
        "loss": shown,
        "source": run.source,
        "targets": counted,
        "ignore_index": IGNORE_INDEX,
        "targets_shape": tuple(targets.shape),
    }
    flat_facts = {"loss": flat, "same": same, "class_axis_loss": by_axis, "checked_words": k, "words": n}
    flat_expression = f"nn.CrossEntropyLoss()(logits.reshape(-1, {v}), targets.reshape(-1))"
    return [
        Idiom(expression, (), None, None, "loss_class_axis", facts, shown),
        Idiom(flat_expression, (), None, None, "loss_flat", flat_facts, flat),
    ]


def _loss_as_is(v: int, logits: torch.Tensor, targets: torch.Tensor) -> Idiom:
    """The loss on logits as they come, classes last: torch's error, or a wrong loss that runs."""
    import torch

    expression = "nn.CrossEntropyLoss()(logits, targets)"
    # CrossEntropyLoss is a log-softmax over every logit, then nll_loss, whose shape check is the
    # error: ask nll_loss alone (the same message, nothing computed when the shapes are wrong)
    error = _error_of(lambda: torch.nn.functional.nll_loss(logits, targets))
    if error is not None:
        facts = {"logits_shape": tuple(logits.shape), "vocab_size": v}
        return Idiom(expression, None, None, error, "loss_classes_last_refused", facts)
    as_is = float(torch.nn.functional.cross_entropy(logits, targets))
    facts = {"axis_1": logits.shape[1], "loss": as_is}
    return Idiom(expression, (), None, None, "loss_classes_last", facts, as_is)


@functools.lru_cache(maxsize=64)
def _head(seed: int, v: int, width: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.Linear(width, v)'s own initialisation, drawn from a generator of the run's seed (not
    torch's global one); kept by its sizes, as the modules are, for a batch of many requests.
    The tensors are only read."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    bound = 1 / width**0.5
    weight = torch.empty(v, width, dtype=dtype).uniform_(-bound, bound, generator=generator)
    bias = torch.empty(v, dtype=dtype).uniform_(-bound, bound, generator=generator)
    return weight, bias


def _class_axis_loss(logits: torch.Tensor, targets: torch.Tensor, *, batch_first: bool) -> float:
    import torch

    loss = torch.nn.functional.cross_entropy
    if batch_first:
        return float(loss(logits.transpose(1, 2), targets))
    return float(loss(logits.permute(1, 2, 0), targets.T))


# -- initial states --------------------------------------------------------------------------------

State = Union["torch.Tensor", tuple["torch.Tensor", "torch.Tensor"]]
#: What a module call returns, each tensor named, in order: output, h_n (and an LSTM's c_n).
Returns = tuple[tuple[str, tuple[int, ...]], ...]


def _call(run: RunTensors, hx: State, *, packed: bool) -> Forward:
    """Run the module on the run's input, packed or padded, from an initial state."""
    config = replace(run.config, padding="packed" if packed else "zeros")
    return run_forward(config, run.batch, run.lengths, run.module, hx)


def _returned(output: tuple[int, ...], h_n: tuple[int, ...], c_n: tuple[int, ...] | None) -> Returns:
    """A module call's tensors as torch names them: ``output, h_n``, or an LSTM's ``output, (h_n, c_n)``."""
    named = (("output", output), ("h_n", h_n))
    return named if c_n is None else (*named, ("c_n", c_n))


def _initial_states(run: RunTensors, *, large: bool = False) -> list[Idiom]:
    """h_0 as torch wants it, accepted, and batch first, refused: by the shape check torch's
    forward makes before computing anything, on the whole run.

    ``input`` in the expressions is the padded batch, so a wrong h_0's error is what that call
    raises; a packed run's own call, on the PackedSequence, fails elsewhere in torch, said second
    (not on a ``large`` run, where packing it again would cost as much as the run's own).
    """
    import torch

    c = run.config
    n, rows, h_out, h_cell = len(run.lengths), c.num_layers * c.directions, c.out_size, c.hidden_size
    lstm = c.cell == "lstm"
    packed = c.padding == "packed"

    def state(h_shape: tuple[int, ...], c_shape: tuple[int, ...]) -> State:
        def zeros(shape: tuple[int, ...]) -> torch.Tensor:
            return torch.zeros(shape, dtype=run.output.dtype, device=run.batch.device)

        return (zeros(h_shape), zeros(c_shape)) if lstm else zeros(h_shape)

    def written(h_shape: tuple[int, ...], c_shape: tuple[int, ...]) -> str:
        h_text = f"torch.zeros{h_shape}"
        return f"rnn(input, ({h_text}, torch.zeros{c_shape}))" if lstm else f"rnn(input, {h_text})"

    good_h, good_c = (rows, n, h_out), (rows, n, h_cell)
    right = {"lstm": lstm, "h_0_shape": good_h, "c_0_shape": good_c}
    # zeros are the default h_0: the call returns tensors shaped as the run's own
    returns = _returned(tuple(run.output.shape), good_h, good_c if lstm else None)
    # torch's own shape check, the one forward() makes before computing anything: zeros are
    # torch's default h_0, so once the shapes pass, the call is the run itself
    check: Callable[..., object] = run.module.check_forward_args  # LSTM takes (h_0, c_0), the others h_0
    refused = _error_of(lambda: check(run.batch, state(good_h, good_c), None))
    facts = {**right, "refused": refused}
    idioms = [Idiom(written(good_h, good_c), None, None, None, "h_0", facts, returns=returns)]
    bad_h, bad_c = (n, rows, h_out), (n, rows, h_cell)
    if bad_h == good_h:
        facts = {"batch": n}
        idioms.append(Idiom(written(bad_h, bad_c), None, None, None, "h_0_batch_first_same", facts, returns=returns))
        return idioms
    error = _error_of(lambda: check(run.batch, state(bad_h, bad_c), None))  # ``input``, as written
    elsewhere = None
    if packed and not large:  # the run's own call, on the packed input, fails deeper inside torch, less tellingly
        inside = _error_of(lambda: _call(run, state(bad_h, bad_c), packed=True))
        elsewhere = inside if inside and inside != error else None
    facts = {**right, "refused": bool(error), "packed_error": elsewhere}
    idioms.append(Idiom(written(bad_h, bad_c), None, None, error, "h_0_batch_first", facts))
    return idioms


# -- the seed's own trap ---------------------------------------------------------------------------


def _misread(c: Config, fed: tuple[int, ...]) -> Returns:
    """What the module built for the other layout returns for an input of shape ``fed``: it
    takes axis 1 as the batch when the run is batch first (the module is built batch_first=False),
    axis 0 otherwise, and keeps the two axes where they are in ``output``."""
    batch, rows = fed[1] if c.batch_first else fed[0], c.num_layers * c.directions
    cell = (rows, batch, c.hidden_size) if c.cell == "lstm" else None
    return _returned((fed[0], fed[1], c.directions * c.out_size), (rows, batch, c.out_size), cell)


def _layout_trap(run: RunTensors, calls: RunTensors) -> Idiom:
    """The padded input in this layout, given to the same module built for the other layout.

    The module is called on ``calls``: the run, or its first words when it is large. Then what
    the whole batch gets is worked out from its shape by the same reading, which that call
    checks on its words.
    """
    c = run.config
    module = calls.module
    module.batch_first = not c.batch_first  # the same weights, read the other way; put back below
    try:
        with quiet_projection(c), extra_call_kernels():  # its shapes are the finding, not its values
            output, state = module(calls.batch)
    finally:
        module.batch_first = c.batch_first
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    got = _returned(tuple(output.shape), tuple(h_n.shape), None if c_n is None else tuple(c_n.shape))
    fed = tuple(run.batch.shape)
    returns = _misread(c, fed) if calls.sample else got
    built = "batch_first=False" if c.batch_first else "batch_first=True"
    facts: dict[str, object] = {
        "batch_first": c.batch_first,
        "input_shape": fed,
        "h_n_shape": returns[1][1],
        "sample": calls.sample,
        "words": len(run.lengths),
    }
    if calls.sample:  # what the call on the first words gave, against the same reading of their shape
        sample_fed = tuple(calls.batch.shape)
        expected = _misread(c, sample_fed)
        facts |= {"sample_input_shape": sample_fed, "sample_returns": got, "expected_returns": expected}
        facts["sample_checked"] = got == expected
    expression = f"nn.{type(module).__name__}(..., {built})(input)  # input {fed}"
    return Idiom(expression, None, None, None, "layout_trap", facts, returns=returns)


def _error_of(call: Callable[[], object]) -> str | None:
    """torch's own message (its first line) when ``call`` fails, else None."""
    try:
        call()
    except (RuntimeError, ValueError, IndexError, TypeError) as error:  # what torch raises for a bad shape
        text = str(error).strip()
        return text.splitlines()[0] if text else type(error).__name__
    return None
