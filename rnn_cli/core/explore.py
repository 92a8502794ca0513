"""The core: words -> tokens -> vocabulary -> one-hot batch -> recurrent run -> Result.

``prepare`` does everything that needs no torch (settings, tokens, the work and memory
budget), so a caller can refuse a bad request, or two (``--vs``), before torch is imported;
``run_plan`` does the rest. ``explore`` is both, for Python callers. Instead of words, a run
can take sizes (``SizesInput``): seeded random tokens or features for a practitioner's
model and batch; instead of a seeded new module, the caller's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .budget import (
    DEFAULT_MAX_MEMORY,
    DEFAULT_MAX_WORK,
    EXPRESSION_BYTES,
    Drawn,
    check_expressions,
    check_memory,
    check_work,
    estimate_from,
)
from .config import MAX_SIZE, Config, Padding, Tokenizer
from .errors import BadInput, SettingNames, quoted
from .expressions import parse_expressions
from .given import Given, check_given, prepare_given, with_expressions
from .plan import ALL_STAGES, Plan, RandomInput, Repeated, RunInput, SizesInput, Stages, TensorInput, WordsInput
from .result import Result
from .run import plan_work, run_plan
from .settings import CONFIG_FIELDS, suggestion, torch_attributes
from .tokens import DEFAULT_MAX_STEPS, tokenize_words

__all__ = ["Plan", "RandomInput", "Repeated", "SizesInput", "explore", "plan_work", "prepare", "run_plan"]


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
    stages: Stages = ALL_STAGES,
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
    given = check_given(given, config, name)
    run_input, given, config, (n, shortest, longest, tokens) = _input(
        words, config, name, vocab=vocab, max_steps=max_steps, tokenizer=tokenizer, random=random, given=given
    )
    width = _input_width(config, run_input.vocab_size or 0, name, random)
    config = replace(config, input_size=width, padding=resolved_padding(config.padding, (shortest, longest)))
    traced = min(trace_words, n)
    vocab_size = run_input.vocab_size or 0
    estimate = estimate_from(config, n, longest, tokens, vocab_size, values=values, trace_words=traced, drawn=drawn)
    estimate += given.held_bytes if given is not None else 0
    check_memory(estimate, max_memory, names)
    work = check_work(config, n, longest, tokens, width, max_work, names)
    if expressions:
        work_left = check_expressions(len(expressions), work, max_work, names)
        parsed = parse_expressions(
            expressions,
            config=config,
            bindings=given.facts.bindings if given else None,
            option=name["expressions"],
            sizes=(n, longest),
        )
        left = (max_memory - estimate - EXPRESSION_BYTES, work_left)
        given = with_expressions(given, parsed, left, name)
    return Plan(config, run_input, tokenizer, traced, module, timed, given=given, stages=stages)


Stats = tuple[int, int, int, int]


def _input(
    words: Sequence[str] | None,
    config: Config,
    name: SettingNames,
    *,
    vocab: str | Sequence[str] | None,
    max_steps: int,
    tokenizer: Tokenizer,
    random: SizesInput | None,
    given: Given | None,
) -> tuple[RunInput, Given | None, Config, Stats]:
    """The one input the run takes, and its (rows, shortest, longest, tokens): the caller's batch
    (its sizes, its width), their words tokenized, or sizes."""
    if given is not None and given.input is not None:
        given, config, stats = prepare_given(
            given, config, name, words=words, sizes=random is not None, max_steps=max_steps
        )
        assert given.input is not None and given.lengths is not None
        return TensorInput(given.input, given.lengths), given, config, stats
    if random is None:
        tokenized = tokenize_words(words or [], vocab, max_steps=max_steps, tokenizer=tokenizer, names=name)
        lengths = tokenized.lengths
        return WordsInput(tokenized), given, config, (len(lengths), min(lengths), max(lengths), sum(lengths))
    if words:
        raise BadInput(f"sizes ({name['lengths']}) stand in for words: give one or the other")
    stats, _ = _checked_sizes(random, name, max_steps)
    return random, given, config, stats


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
    _check_call(settings, config, lengths)
    config, given, random = _request(
        config, settings, module=module, input=input, lengths=lengths, vocab_size=vocab_size
    )
    plan = prepare(
        words,
        config,
        vocab=vocab,
        trace_words=trace_words,
        values=values,
        tokenizer=tokenizer,
        random=random,
        module=module,
        timed=timed,
        given=given,
        expressions=expressions,
        max_steps=max_steps,
        max_memory=max_memory,
        max_work=max_work,
    )
    return run_plan(plan)


def _request(
    config: Config | None, settings: dict[str, Any], *, module: Any, input: Any, lengths: Any, vocab_size: Any
) -> tuple[Config, Given | None, SizesInput | None]:
    """explore()'s arguments as prepare() takes them: one Config (the module's settings merged in),
    the caller's own tensors, and sizes."""
    if module is not None:
        settings = _with_module(settings, module)
    given = None
    state = settings.get("initial_state")
    if input is not None or not (state is None or isinstance(state, str)):  # your own tensors
        settings, given, lengths = _own_tensors(settings, input, state, lengths)
    if config is None:
        config = Config(**settings)
    elif settings:
        config = replace(config, **settings)
    random = None
    if lengths is not None:
        random = SizesInput(lengths if isinstance(lengths, Repeated) else tuple(lengths), vocab_size)
    elif vocab_size is not None:
        raise BadInput("vocab_size goes with lengths: random tokens of those lengths")
    return config, given, random


def _check_call(settings: Mapping[str, Any], config: Any, lengths: Any) -> None:
    """explore()'s own arguments: known settings (with a guess at a misspelt one), a Config, a list."""
    unknown = sorted(set(settings) - CONFIG_FIELDS)
    if unknown:
        guess = suggestion(unknown[0])
        raise BadInput(f"unknown setting {unknown[0]!r}" + (f"; did you mean {guess}?" if guess else ""))
    if config is not None and not isinstance(config, Config):
        raise BadInput(f"config must be a Config, not {quoted(config)}")
    if lengths is not None and (isinstance(lengths, str | bytes) or not isinstance(lengths, Sequence)):
        raise BadInput(f"lengths must be a list of whole numbers, not {quoted(lengths)}")


def _with_module(settings: dict[str, Any], module: Any) -> dict[str, Any]:
    """The settings the caller's module has, which those given beside it must agree with."""
    from_module = module_config(module)
    _check_module_tensors(module)
    clash = [k for k, v in settings.items() if k in from_module and not _same(from_module[k], v)]
    if clash:
        raise BadInput(
            f"{clash[0]}={settings[clash[0]]!r} contradicts the module's {clash[0]}={from_module[clash[0]]!r}"
        )
    return {**settings, **from_module}


def _own_tensors(settings: dict[str, Any], input: Any, state: Any, lengths: Any) -> tuple[dict[str, Any], Given, Any]:
    """The caller's batch and initial state as Given; lengths then mark the batch's real steps."""
    from .given import given_tensors

    own_state = None if state is None or isinstance(state, str) else state
    if own_state is not None:
        settings = {**settings, "initial_state": "given"}
    given = given_tensors(input, own_state, lengths=lengths if input is not None else None)
    return settings, given, None if input is not None else lengths


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
    device = "cuda" if weight.device.type == "cuda" else "cpu"
    return {"cell": cell, **torch_attributes(module), "dtype": dtype, "device": device}
