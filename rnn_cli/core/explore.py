"""The core: words -> tokens -> vocabulary -> one-hot batch -> recurrent run -> Result.

``prepare`` does everything that needs no torch (settings, tokens, the work and memory
budget), so a caller can refuse a bad request, or two (``--vs``), before torch is imported;
``run_plan`` does the rest. ``explore`` is both, for Python callers. Instead of words, a run
can take sizes (``RandomInput``): seeded random tokens or features for a practitioner's
model and batch; instead of a seeded new module, the caller's own.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from .budget import DEFAULT_MAX_MEMORY, DEFAULT_MAX_WORK, Drawn, check_memory, check_work, estimate_from, mult_adds
from .config import MAX_SIZE, Config, Padding, Source, Tokenizer
from .errors import BadInput, RunFailure, SettingNames, quoted
from .expressions import parse_expressions
from .given import Given, before_run, check_given, expression_idioms, given_state, prepare_given, with_expressions
from .layout import h_n_rows, parameter_layouts, tensor_layouts
from .result import Cost, PackedFacts, PaddingEffect, ParameterFacts, Result, TensorFacts
from .tokens import DEFAULT_MAX_STEPS, Tokenized, tokenize_words

if TYPE_CHECKING:
    import torch

_SETTINGS = {f.name for f in fields(Config)}
#: What people call settings, by the field they mean: explore(hidden=2) suggests hidden_size.
_ALIASES = {
    "hidden": "hidden_size",
    "layers": "num_layers",
    "n_layers": "num_layers",
    "seq_first": "batch_first",
    "no_bias": "bias",
    "type": "cell",
    "mode": "cell",
    "embedding": "embed",
    "h0": "initial_state",
    "h_0": "initial_state",
    "tokens": "tokenizer",
    "batch_size": "lengths=[seq_len] * batch_size",
    "seq_len": "lengths=[seq_len] * batch_size",
}
#: Below this many multiply-adds a run uses one thread: more threads only wait for each other,
#: and they take cores from processes running beside it (measured: 5,000 words at hidden 64,
#: 2e8 multiply-adds, run as fast on one thread as on two; 50,000 words gain 15% from two).
PARALLEL_MULT_ADDS = 200_000_000
#: The tensors whose bytes a forward pass leaves behind: what torchinfo calls activations.
_ACTIVATIONS = ("output", "h_n", "c_n")
#: Above this many multiply-adds the hand-written recurrence recomputes the first VERIFY_WORDS
#: words only: every layer, direction and step of them, against torch's rows for those words.
#: A 64 x 100 two-layer bidirectional LSTM of 512 (6e10) would otherwise spend twice torch's time
#: in the check alone.
VERIFY_ALL_MULT_ADDS = 10_000_000_000
VERIFY_WORDS = 4
#: A forward this slow is timed as it ran; a faster one is timed again, warm, a few times.
WARM_TIMING_SECONDS = 0.25


class Repeated(Sequence[int]):
    """``rows`` rows of ``length`` steps each (--batch-size and --seq-len), held as two numbers:
    the budget is checked from them before a list as long as the batch is ever built."""

    def __init__(self, length: int, rows: int) -> None:
        self.length, self.rows = length, rows

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.length] * len(range(*index.indices(self.rows)))
        if not -self.rows <= index < self.rows:
            raise IndexError(index)
        return self.length

    def __iter__(self) -> Iterator[int]:
        return itertools.repeat(self.length, self.rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Repeated):
            return (self.length, self.rows) == (other.length, other.rows)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Repeated, self.length, self.rows))

    def __repr__(self) -> str:
        return f"Repeated(length={self.length}, rows={self.rows})"


@dataclass(frozen=True)
class RandomInput:
    """Sizes instead of words: seeded random token ids in [0, vocab_size) when it is given
    (one-hot, or embedded), else dense random features of the module's input_size. The
    lengths are one a row, or ``Repeated`` for a batch of equal rows."""

    lengths: Sequence[int]
    vocab_size: int | None = None

    @property
    def source(self) -> Source:
        return "random tokens" if self.vocab_size else "random features"


@dataclass(frozen=True)
class Plan:
    """A request that passed every check that needs no torch: ready to run."""

    config: Config  # validated, input_size resolved
    tokenized: Tokenized | None
    random: RandomInput | None
    tokenizer: Tokenizer
    trace_words: int
    #: The caller's own module, run instead of a seeded new one.
    module: Any = field(default=None, compare=False)
    #: Time the forward (Cost.forward_seconds): asked for only, since a measured time makes
    #: two identical runs differ.
    timed: bool = False
    #: What the caller brought (see ``given``): their batch, initial state, expressions, and
    #: where the weights came from.
    given: Given | None = field(default=None, compare=False)

    @property
    def lengths(self) -> list[int]:
        if self.given is not None and self.given.lengths is not None:
            return list(self.given.lengths)
        return self.tokenized.lengths if self.tokenized else list(self.random.lengths if self.random else ())

    @property
    def vocab_size(self) -> int:
        """The tokens' vocabulary: the words', or the random tokens'; 0 for features."""
        if self.tokenized is not None:
            return len(self.tokenized.vocabulary)
        return (self.random.vocab_size if self.random else None) or 0

    @property
    def source(self) -> Source:
        if self.given is not None and self.given.input is not None:
            return "given tensor"
        return self.random.source if self.random else "words"

    @property
    def labels(self) -> list[str]:
        """What each batch row is called: its word, or #0, #1, ... for random input."""
        return self.tokenized.words if self.tokenized else [f"#{i}" for i in range(len(self.lengths))]


def prepare(
    words: Sequence[str] | None,
    config: Config,
    *,
    vocab: str | Sequence[str] | None = None,
    trace_words: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_memory: int = DEFAULT_MAX_MEMORY,
    values: bool = True,
    tokenizer: Tokenizer = "graphemes",
    names: Mapping[str, str] | None = None,
    random: RandomInput | None = None,
    module: Any = None,
    timed: bool = False,
    max_work: int = DEFAULT_MAX_WORK,
    drawn: Drawn | None = None,
    given: Given | None = None,
    expressions: Sequence[str] = (),
) -> Plan:
    """Validate, tokenize and budget a request without importing torch.

    ``given`` holds the caller's own batch and initial state (already loaded), ``expressions``
    their own next lines (``--expr``), read here over the interpreter's whitelist.

    The work (``max_work`` multiply-adds) and memory (``max_memory`` bytes, counting what
    ``drawn`` says is drawn) are estimated from the batch's sizes alone, before anything of
    its size is built. Raises :class:`BadInput` naming each setting as ``names`` calls it.
    """
    name = SettingNames(names or {})
    _check_limits(name, trace_words=trace_words, max_steps=max_steps, max_memory=max_memory, max_work=max_work)
    for flag, value in (("values", values), ("timed", timed)):
        if not isinstance(value, bool):
            raise BadInput(f"{name[flag]} must be True or False (got {quoted(value)})")
    config = config.validated(names)
    tokenized = None
    given = check_given(given, config, name)
    if given is not None and given.input is not None:  # the caller's own batch: its sizes, its width
        given, config, (n, shortest, longest, tokens) = prepare_given(
            given, config, name, words=words, sizes=random is not None, max_steps=max_steps
        )
        vocab_size = 0
    elif random is None:
        tokenized = tokenize_words(words or [], vocab, max_steps=max_steps, tokenizer=tokenizer, names=names)
        lengths = tokenized.lengths
        n, shortest, longest, tokens = len(lengths), min(lengths), max(lengths), sum(lengths)
        vocab_size = len(tokenized.vocabulary)
    else:
        if words:
            raise BadInput(f"sizes ({name['lengths']}) stand in for words: give one or the other")
        (n, shortest, longest, tokens), vocab_size = _checked_sizes(random, name, max_steps)
    width = _input_width(config, vocab_size, name, random)
    config = replace(config, input_size=width, padding=resolved_padding(config.padding, (shortest, longest)))
    traced = min(trace_words, n)
    estimate = estimate_from(config, n, longest, tokens, width, values=values, trace_words=traced, drawn=drawn)
    check_memory(estimate, max_memory, names)
    check_work(config, n, longest, tokens, width, max_work, names)
    if expressions:
        parsed = parse_expressions(
            expressions, config=config, bindings=given.facts.names if given else None, option=name["expressions"]
        )
        given = with_expressions(given, parsed, max_memory - estimate, name)
    return Plan(config, tokenized, random, tokenizer, traced, module, timed, given=given)


def _check_limits(name: SettingNames, **limits: object) -> None:
    """The run's limits are whole numbers: trace_words from 0, the others from 1."""
    for key, value in limits.items():
        low = 0 if key == "trace_words" else 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadInput(f"{name[key]} must be a whole number (got {quoted(value)})")
        if value < low:
            raise BadInput(f"{name[key]} must be at least {low} (got {quoted(value)})")


def resolved_padding(padding: Padding, lengths: Sequence[int]) -> Padding:
    """``auto`` as the words need it: one plain batch when every word has the same length (as
    the seed's own code runs it), packed when they differ; ``packed`` and ``zeros`` as asked."""
    if padding != "auto":
        return padding
    return "zeros" if min(lengths) == max(lengths) else "packed"


def _checked_sizes(random: RandomInput, name: SettingNames, max_steps: int) -> tuple[tuple[int, int, int, int], int]:
    """(rows, shortest, longest, tokens) of random input, and its vocabulary: from a
    ``Repeated`` batch's two numbers, never a list as long as the batch."""
    lengths = random.lengths
    if isinstance(lengths, Repeated):
        for value in (lengths.length, lengths.rows):
            _size(name["lengths"], value)
        stats = (lengths.rows, lengths.length, lengths.length, lengths.rows * lengths.length)
    else:
        lengths = list(lengths)
        if not lengths:
            raise BadInput(f"{name['lengths']} needs at least one length")
        for length in lengths:
            _size(name["lengths"], length)
        stats = (len(lengths), min(lengths), max(lengths), sum(lengths))
    if stats[2] > max_steps:
        raise BadInput(f"a length of {stats[2]} is over the limit of {max_steps} ({name['max_steps']})")
    vocab_size = random.vocab_size or 0
    if random.vocab_size is not None:
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
            raise BadInput(f"{name['vocab_size']} must be at least 1 (got {quoted(random.vocab_size)})")
        if vocab_size > MAX_SIZE:
            raise BadInput(f"{name['vocab_size']} must be at most 2**63 - 1 (got {quoted(vocab_size)})")
    return stats, vocab_size


def _size(what: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
        raise BadInput(f"{what} are whole numbers from 1 to 2**63 - 1 (got {quoted(value)})")


def _input_width(config: Config, vocab_size: int, name: SettingNames, random: RandomInput | None) -> int:
    """The recurrent layer's input_size, as the input decides it, checked against the one given."""
    if not vocab_size:  # random features: as wide as the module takes
        if config.embed:
            raise BadInput(f"{name['embed']} embeds tokens: give words, or {name['vocab_size']} for random tokens")
        if config.input_size is None:
            raise BadInput(
                f"random features need a width: {name['input_size']} N, a module, or {name['vocab_size']} V for tokens"
            )
        return config.input_size
    width = config.embed or vocab_size
    if config.input_size is not None and config.input_size != width:
        what = "the words' vocabulary" if random is None else f"{name['vocab_size']}"
        if config.embed:
            raise BadInput(
                f"{name['input_size']} is {config.input_size}, but the embedding in front is {config.embed} wide"
            )
        raise BadInput(
            f"{name['input_size']} is {config.input_size}, but {what} has {vocab_size} tokens, one-hot "
            f"{vocab_size} wide: put an embedding in front ({name['embed']} {config.input_size}), or give sizes"
        )
    return width


def explore(
    words: Sequence[str] | None = None,
    config: Config | None = None,
    *,
    vocab: str | Sequence[str] | None = None,
    trace_words: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_memory: int = DEFAULT_MAX_MEMORY,
    values: bool = True,
    tokenizer: Tokenizer = "graphemes",
    lengths: Sequence[int] | None = None,
    vocab_size: int | None = None,
    module: Any = None,
    timed: bool = False,
    max_work: int = DEFAULT_MAX_WORK,
    input: Any = None,
    expressions: Sequence[str] = (),
    **settings: Any,
) -> Result:
    """Run one recurrent layer over ``words`` and return every shape, value and check.

    Settings are :class:`Config` fields (``hidden_size=2, cell="lstm", ...``), given
    directly or as ``config``. Instead of words, ``lengths`` (with ``vocab_size`` for random
    tokens) runs seeded random input of those sizes. ``module`` runs your own
    ``nn.RNN``/``nn.LSTM``/``nn.GRU``, its weights, dtype and device, instead of a seeded
    new one. ``timed`` measures the forward pass (``cost.forward_seconds``); without it every
    figure is computed, so the same call gives the same Result. A run over ``max_memory``
    bytes or ``max_work`` multiply-adds (see ``budget``) is refused before it starts. Raises
    :class:`BadInput` for a request that cannot be run (at once, before torch does anything)
    and :class:`RunFailure` when torch's answer disagrees with the hand-computed recurrence.

    Your own tensors: ``input`` is the batch as given, read in the module's layout (``lengths``
    then marks each row's real steps); ``initial_state`` may be h_0, or (h_0, c_0) for an LSTM.
    ``expressions`` are your next lines (``"torch.cat([h_n[-1], h_n[-2]], dim=1)"``), run by a
    small interpreter over the run's tensors and held against the final states (``idioms``,
    marked ``user``).
    """
    unknown = sorted(set(settings) - _SETTINGS)
    if unknown:
        guess = _ALIASES.get(unknown[0]) or next(iter(difflib.get_close_matches(unknown[0], _SETTINGS, n=1)), None)
        raise BadInput(f"unknown setting {unknown[0]!r}" + (f"; did you mean {guess}?" if guess else ""))
    if config is not None and not isinstance(config, Config):
        raise BadInput(f"config must be a Config, not {quoted(config)}")
    if lengths is not None and (isinstance(lengths, str | bytes) or not isinstance(lengths, Sequence)):
        raise BadInput(f"lengths must be a list of whole numbers, not {quoted(lengths)}")
    if module is not None:
        from_module = module_config(module)
        _check_module_tensors(module)
        clash = [k for k, v in settings.items() if k in from_module and not _same(from_module[k], v)]
        if clash:
            raise BadInput(
                f"{clash[0]}={settings[clash[0]]!r} contradicts the module's {clash[0]}={from_module[clash[0]]!r}"
            )
        settings = {**settings, **from_module}
    given = None
    state = settings.get("initial_state")
    if input is not None or not (state is None or isinstance(state, str)):  # your own tensors
        from .given import given_tensors

        own_state = None if state is None or isinstance(state, str) else state
        if own_state is not None:
            settings["initial_state"] = "given"
        given = given_tensors(input, own_state, lengths=lengths if input is not None else None)
        lengths = None if input is not None else lengths
    if config is None:
        config = Config(**settings)
    elif settings:
        config = replace(config, **settings)
    random = None
    if lengths is not None:
        random = RandomInput(lengths if isinstance(lengths, Repeated) else tuple(lengths), vocab_size)
    elif vocab_size is not None:
        raise BadInput("vocab_size goes with lengths: random tokens of those lengths")
    plan = prepare(
        words,
        config,
        vocab=vocab,
        trace_words=trace_words,
        max_steps=max_steps,
        max_memory=max_memory,
        values=values,
        tokenizer=tokenizer,
        random=random,
        module=module,
        timed=timed,
        max_work=max_work,
        given=given,
        expressions=expressions,
    )
    return run_plan(plan)


def _same(a: object, b: object) -> bool:
    """Whether two settings agree; a value that cannot be compared (a tensor) does not."""
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _check_module_tensors(module: Any) -> None:
    """A caller's module must hold values, on the CPU or CUDA, and all in one place: refused
    at once otherwise (a meta-device module has shapes and no numbers to show)."""
    places = {t.device.type for t in [*module.parameters(), *module.buffers()]}
    odd = sorted(places - {"cpu", "cuda"})
    if odd:
        raise BadInput(
            f"module's parameters are on the {odd[0]} device, which rnn-shapes cannot run"
            + (": a meta tensor has a shape and no values; build it on the CPU" if odd[0] == "meta" else "")
            + " (module.to('cpu'))"
        )
    if len(places) > 1:
        raise BadInput("module's parameters are on both the CPU and CUDA: move them to one (module.to(...))")


def module_config(module: Any) -> dict[str, Any]:
    """The settings of a caller's own module, read from it."""
    import torch

    kinds = {torch.nn.RNN: "rnn", torch.nn.LSTM: "lstm", torch.nn.GRU: "gru"}
    cell = next((name for kind, name in kinds.items() if type(module) is kind), None)
    if cell is None:
        raise BadInput(f"module must be a torch.nn.RNN, LSTM or GRU, not {type(module).__name__}")
    weight = module.weight_ih_l0
    dtype = {torch.float32: "float32", torch.float64: "float64"}.get(weight.dtype)
    if dtype is None:
        raise BadInput(f"module's dtype is {weight.dtype}; rnn-shapes checks float32 and float64 runs")
    return {
        "cell": cell,
        "input_size": module.input_size,
        "hidden_size": module.hidden_size,
        "num_layers": module.num_layers,
        "bidirectional": module.bidirectional,
        "nonlinearity": module.nonlinearity if cell == "rnn" else None,
        "bias": module.bias,
        "proj_size": module.proj_size,
        "batch_first": module.batch_first,
        "dropout": float(module.dropout),
        "dtype": dtype,
        "device": "cuda" if weight.device.type == "cuda" else "cpu",
    }


def plan_work(plan: Plan) -> int:
    """Multiply-adds of the plan's forward pass."""
    return mult_adds(plan.config, plan.lengths, plan.config.input_size or 0)


def run_plan(plan: Plan) -> Result:
    """Build and run the module, check it against the reference and gather the facts."""
    import torch

    work = plan_work(plan)
    threads = torch.get_num_threads()
    if work < PARALLEL_MULT_ADDS and threads > 1:
        torch.set_num_threads(1)
    try:
        with torch.no_grad(), given_state(plan.given):  # nothing is differentiated; the tensors stay ordinary ones
            before_run(plan.given, plan.config, plan.module, plan.lengths)
            result = _run(plan, work)
        result.given = None if plan.given is None else plan.given.facts
        return result
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _run(plan: Plan, work: int) -> Result:
    """The run itself; ``work`` is the plan's multiply-adds, which decide how much is checked."""
    import torch

    from .checks import against_reference, agreeing_diff, identities
    from .encode import initial_states, one_hot_batch, padded_ids, random_codes, random_features, token_codes
    from .forward import build_module, construct_embedding, constructor_call, resolve_device, run_forward
    from .idioms import RunTensors, check_idioms
    from .reference import recurrence
    from .warned import module_warnings

    config, lengths = plan.config, plan.lengths
    device = resolve_device(config.device)
    if device != config.device:
        config = replace(config, device=device)
    dtype = getattr(torch, config.dtype)
    width, vocab_size = config.input_size or 0, plan.vocab_size
    n, steps = len(lengths), max(lengths)
    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    codes = None
    produced: dict[str, torch.Tensor] = {}
    embedding = None
    if plan.given is not None and plan.given.input is not None:  # the caller's own batch, as given
        batch = produced["input"] = plan.given.input.to(dtype)
    elif plan.source == "random features":
        batch = random_features(lengths, width, config.seed, batch_first=config.batch_first, dtype=dtype)
        produced["input"] = batch
    else:
        codes = token_codes(plan.tokenized.flat) if plan.tokenized else random_codes(lengths, vocab_size, config.seed)
        if config.embed:
            ids = padded_ids(codes, lengths, vocab_size, batch_first=config.batch_first)
            embedding = construct_embedding(config, vocab_size)
            batch = embedding(ids.to(device)).cpu()
            produced["input"], produced["embedded"] = ids, batch
        else:
            batch, lengths_t = one_hot_batch(codes, lengths, vocab_size, batch_first=config.batch_first, dtype=dtype)
            produced["input"] = batch
    initial = None
    rows, lstm = config.num_layers * config.directions, config.cell == "lstm"
    if config.initial_state != "default":
        h0, c0 = initial_states(
            config.initial_state, rows, n, config.out_size, config.hidden_size if lstm else None, config.seed, dtype
        )
        initial = (h0, c0)
        produced["h_0"] = h0
        if c0 is not None:
            produced["c_0"] = c0
    passed: Any = None if initial is None else (initial if lstm else initial[0])
    passed = _to_device(passed, device)
    module = plan.module if plan.module is not None else build_module(config, width)
    forward_seconds: float | None = None
    timing: str | None = None
    with _inference(module):
        start = time.perf_counter()
        forward = run_forward(config, batch, lengths_t, module, passed)
        cold = time.perf_counter() - start
        if plan.timed:
            forward_seconds, timing = _time_forward(
                lambda: run_forward(config, batch, lengths_t, module, passed), cold, device
            )
    params = dict(module.named_parameters())
    batch_major_in = batch if config.batch_first else batch.transpose(0, 1)
    output_bm = forward.output if config.batch_first else forward.output.transpose(0, 1)
    checked = n if work <= VERIFY_ALL_MULT_ADDS else min(n, VERIFY_WORDS)
    if checked == n:
        reference = recurrence(
            config,
            params,
            batch_major_in,
            lengths_t,
            order=forward.sorted_indices,
            trace_words=plan.trace_words,
            initial=initial,
        )
        if reference.packed:  # compare the rows torch computed, before pad_packed_sequence spreads them out
            assert forward.packed_output is not None
            actual = {"output": forward.packed_output, "h_n": forward.h_n}
        else:
            actual = {"output": output_bm, "h_n": forward.h_n}
        expected = {"output": reference.output, "h_n": reference.h_n}
        if forward.c_n is not None and reference.c_n is not None:
            actual["c_n"], expected["c_n"] = forward.c_n, reference.c_n
    else:  # a very large run: the first words, recomputed whole (every layer, direction and step)
        first = (
            None
            if initial is None
            else (initial[0][:, :checked], None if initial[1] is None else initial[1][:, :checked])
        )
        reference = recurrence(
            config,
            params,
            batch_major_in[:checked],
            lengths_t[:checked],
            trace_words=plan.trace_words,
            initial=first,
            whole_layer_projection=True,
        )
        actual = {"output": output_bm[:checked], "h_n": forward.h_n[:, :checked]}
        expected = {"output": reference.padded_output(lengths_t[:checked], steps), "h_n": reference.h_n}
        if forward.c_n is not None and reference.c_n is not None:
            actual["c_n"], expected["c_n"] = forward.c_n[:, :checked], reference.c_n
    comparison = replace(against_reference(actual, expected, config.dtype), words_checked=checked)

    layouts = tensor_layouts(config, n, steps, width, source=plan.source, vocab_size=vocab_size)
    produced.update({"output": forward.output, "h_n": forward.h_n})
    if forward.c_n is not None:
        produced["c_n"] = forward.c_n
    tensors = {name: TensorFacts(name, layouts[name], produced[name]) for name in layouts}
    for name, facts in tensors.items():
        if facts.shape != facts.layout.shape:  # torch and the documented formula must agree
            raise RunFailure(f"{name} has shape {facts.shape}, documented {facts.layout.shape}")
    documented = {p.name: p for p in parameter_layouts(config, width, vocab_size)}
    named = ([("embedding.weight", embedding.weight)] if embedding is not None else []) + list(params.items())
    # copies: the module is cached (or the caller's), and a Result must not share storage with it
    parameters = [
        ParameterFacts(name, documented[name].symbols, p.detach().cpu().clone(), documented[name].gates)
        for name, p in named
    ]
    last_step = [length - 1 for length in lengths] if config.padding == "packed" else [steps - 1] * n
    top = (config.num_layers - 1) * config.directions
    if config.padding == "packed":
        # the hand-written recurrence over each word's real tokens; torch's own, checked on the
        # first words, when a very large run recomputed only those
        final_h_n = reference.h_n if checked == n else forward.h_n
        packed = PackedFacts(
            forward.packed_data_shape or (),
            forward.batch_sizes or [],
            _index_list(forward.sorted_indices, n),
            _index_list(forward.unsorted_indices, n),
        )
        padding_effects = None
    elif min(lengths) == steps:  # one plain batch: no padding, so each word's final state is h_n's
        final_h_n = reference.h_n if checked == n else forward.h_n
        packed = None
        padding_effects = [PaddingEffect(word, 0, 0.0) for word in plan.labels]
    else:  # the same module over the same words, packed: what each word's final state would be
        with _inference(module):
            final_h_n = run_forward(replace(config, padding="packed"), batch, lengths_t, module, passed).h_n
        packed = None
        padding_effects = [
            PaddingEffect(word, steps - length, float(agreeing_diff(forward.h_n[:, w], final_h_n[:, w]).max()))
            for w, (word, length) in enumerate(zip(plan.labels, lengths, strict=True))
        ]
    final = torch.cat([final_h_n[row] for row in range(top, top + config.directions)], dim=1)
    with _inference(module):
        idioms = check_idioms(
            RunTensors(
                config=config,
                module=module,
                words=plan.labels,
                batch=batch.to(device),
                lengths=lengths_t,
                output=forward.output,
                h_n=forward.h_n,
                c_n=forward.c_n,
                final=final,
                flat_tokens=codes,
                vocab_size=vocab_size,
                atol=comparison.atol,
                rtol=comparison.rtol,
                source=plan.source,
            ),
            large=work >= PARALLEL_MULT_ADDS,
        )
    if plan.given is not None and plan.given.expressions:  # --expr: the caller's own, by the interpreter
        tolerance = (comparison.atol, comparison.rtol)
        idioms += expression_idioms(plan.given, produced, lengths_t, final_h_n, config, plan.labels, tolerance)
    if not comparison.ok:
        raise RunFailure(
            f"torch's answer differs from the hand-computed recurrence by "
            f"{comparison.max_abs_diff:.3g} (tolerance {comparison.atol:g} + "
            f"{comparison.rtol:g}*|value|)"
        )
    parameter_count = sum(p.numel for p in parameters)
    cost = Cost(
        parameters=parameter_count,
        parameter_bytes=sum(p.numel * p.values.element_size() for p in parameters),
        mult_adds=work,
        activation_bytes=sum(
            tensors[k].values.numel() * tensors[k].values.element_size() for k in _ACTIVATIONS if k in tensors
        ),
        forward_seconds=forward_seconds,
        threads=torch.get_num_threads(),
        timing=timing,
    )
    embedding_call = None
    if embedding is not None:
        embedding_call = f"torch.nn.Embedding({vocab_size + 1}, {config.embed}, padding_idx={vocab_size})"
    return Result(
        config=config,
        words=plan.labels,
        tokens=plan.tokenized.tokens if plan.tokenized else [],
        lengths=lengths,
        vocabulary=plan.tokenized.vocabulary if plan.tokenized else [],
        layer_call=constructor_call(config, width),
        embedding_call=embedding_call,
        tensors=tensors,
        parameters=parameters,
        h_n_rows=h_n_rows(config),
        last_step=last_step,
        batch_sizes=forward.batch_sizes,
        identities=identities(config, forward.h_n, output_bm, last_step, comparison.atol),
        verification=comparison,
        trace=reference.trace,
        tokenizer=plan.tokenizer,
        idioms=idioms,
        packed=packed,
        padding_effects=padding_effects,
        input_size=width,
        source=plan.source,
        cost=cost,
        vocabulary_given=plan.tokenized is not None and plan.tokenized.vocabulary_given,
        warnings=module_warnings(module),
    )


def _to_device(state: Any, device: str) -> Any:
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.to(device) for s in state)
    return state.to(device)


@contextlib.contextmanager
def _inference(module: Any) -> Iterator[None]:
    """The module in eval mode for the run (dropout does nothing), as the caller left it after."""
    training = bool(module.training)
    if training:
        module.eval()
    try:
        yield
    finally:
        if training:
            module.train()


def _time_forward(again: Callable[[], object], cold: float, device: str) -> tuple[float, str]:
    """One forward's seconds: a slow one as it ran; a fast one again, warm, up to three times."""
    if cold >= WARM_TIMING_SECONDS:
        return cold, "the run's own forward"
    times: list[float] = []
    while len(times) < 3 and sum(times) < WARM_TIMING_SECONDS:
        start = time.perf_counter()
        again()
        if device == "cuda":
            import torch

            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times), f"median of {len(times)} warm forwards"


def _index_list(indices: torch.Tensor | None, n: int) -> list[int]:
    """torch leaves the indices out when the words came sorted; then they are 0..n-1."""
    return list(range(n)) if indices is None else [int(i) for i in indices.tolist()]
