"""A request checked without torch: settings validated, the words tokenized (or the sizes or
the caller's batch read), and the work and memory budgeted, before anything of the batch's size
is built. ``Request.plan`` calls it; ``run_plan`` runs what it returns."""

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
from .exported.formats import ExportRequest
from .exported.request import check_export_budget
from .expressions import parse_expressions
from .given import Given, check_given, prepare_given, with_expressions
from .plan import ALL_STAGES, Plan, RandomInput, Repeated, RunInput, SizesInput, Stages, TensorInput, WordsInput
from .tokens import DEFAULT_MAX_STEPS, tokenize_words

__all__ = ["prepare", "resolved_padding"]


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
    export: ExportRequest | None = None,
) -> Plan:
    """Validate, tokenize and budget a request without importing torch.

    ``given`` holds the caller's own batch and initial state (already loaded), ``expressions``
    their own next lines (``--expr``), read here over the interpreter's whitelist.

    The work (``max_work`` multiply-adds) and memory (``max_memory`` bytes, counting what
    ``drawn`` says is drawn) are estimated from the batch's sizes alone, before anything of
    its size is built; ``export`` (the layer exported and checked after the run) counts in both.
    Raises :class:`BadInput` naming each setting as ``names`` calls it.
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
    if export is not None:
        check_export_budget(config, (n, longest, tokens, width), export, (max_work, max_memory), estimate, names)
    if expressions:
        work_left = check_expressions(len(expressions), work, max_work, names)
        left = (max_memory - estimate - EXPRESSION_BYTES, work_left)
        given = _with_expressions(given, expressions, config, (n, longest), left, name)
    return Plan(config, run_input, tokenizer, traced, module, timed, given=given, stages=stages, export=export)


def _with_expressions(
    given: Given | None,
    expressions: Sequence[str],
    config: Config,
    sizes: tuple[int, int],
    left: tuple[int, int],
    name: SettingNames,
) -> Given | None:
    """The caller's --expr read over the language, with the bytes and work the run leaves them."""
    bindings = given.facts.bindings if given else None
    parsed = parse_expressions(expressions, config=config, bindings=bindings, option=name["expressions"], sizes=sizes)
    return with_expressions(given, parsed, left, name)


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
