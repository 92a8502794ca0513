"""The core: words -> tokens -> vocabulary -> one-hot batch -> recurrent run -> Result.

``prepare`` does everything that needs no torch (settings, tokens, the work and memory
budget), so a caller can refuse a bad request, or two (``--vs``), before torch is imported;
``run_plan`` does the rest. ``explore`` is both, for Python callers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from .budget import DEFAULT_MAX_MEMORY, check_memory, check_work, estimate_bytes, mult_adds
from .config import Config, Tokenizer
from .errors import BadInput, RunFailure
from .layout import h_n_rows, parameter_layouts, tensor_layouts
from .result import PackedFacts, PaddingEffect, ParameterFacts, Result, TensorFacts
from .tokens import DEFAULT_MAX_STEPS, Tokenized, tokenize_words

if TYPE_CHECKING:
    import torch

_SETTINGS = {f.name for f in fields(Config)}


@dataclass(frozen=True)
class Plan:
    """A request that passed every check that needs no torch: ready to run."""

    config: Config
    tokenized: Tokenized
    tokenizer: Tokenizer
    trace_words: int


def prepare(
    words: Sequence[str],
    config: Config,
    *,
    vocab: str | Sequence[str] | None = None,
    trace_words: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_memory: int = DEFAULT_MAX_MEMORY,
    values: bool = True,
    tokenizer: Tokenizer = "graphemes",
    names: Mapping[str, str] | None = None,
) -> Plan:
    """Validate, tokenize and budget a request without importing torch.

    Raises :class:`BadInput` naming each setting as ``names`` calls it.
    """
    config = config.validated(names)
    tokenized = tokenize_words(words, vocab, max_steps=max_steps, tokenizer=tokenizer, names=names)
    check_work(config, max(tokenized.lengths), names)
    traced = min(trace_words, len(tokenized.words))
    estimate = estimate_bytes(config, tokenized.lengths, len(tokenized.vocabulary), values=values, trace_words=traced)
    check_memory(estimate, max_memory, names)
    return Plan(config, tokenized, tokenizer, traced)


def explore(
    words: Sequence[str],
    config: Config | None = None,
    *,
    vocab: str | Sequence[str] | None = None,
    trace_words: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_memory: int = DEFAULT_MAX_MEMORY,
    values: bool = True,
    tokenizer: Tokenizer = "graphemes",
    **settings: Any,
) -> Result:
    """Run one recurrent layer over ``words`` and return every shape, value and check.

    Settings are :class:`Config` fields (``hidden_size=2, cell="lstm", ...``), given
    directly or as ``config``. Raises :class:`BadInput` for a request that cannot be run and
    :class:`RunFailure` when torch's answer disagrees with the hand-computed recurrence.
    """
    unknown = sorted(set(settings) - _SETTINGS)
    if unknown:
        raise BadInput(f"unknown setting {unknown[0]!r}")
    if config is None:
        config = Config(**settings)
    elif settings:
        config = replace(config, **settings)
    plan = prepare(
        words,
        config,
        vocab=vocab,
        trace_words=trace_words,
        max_steps=max_steps,
        max_memory=max_memory,
        values=values,
        tokenizer=tokenizer,
    )
    return run_plan(plan)


#: Below this many multiply-adds a run uses one thread: more threads only wait for each other,
#: and they take cores from processes running beside it (measured: 5,000 words at hidden 64,
#: 2e8 multiply-adds, run as fast on one thread as on two; 50,000 words gain 15% from two).
PARALLEL_MULT_ADDS = 200_000_000


def plan_work(plan: Plan) -> int:
    """Multiply-adds of the plan's forward pass."""
    return mult_adds(plan.config, plan.tokenized.lengths, len(plan.tokenized.vocabulary))


def run_plan(plan: Plan) -> Result:
    """Build and run the module, check it against the reference and gather the facts."""
    import torch

    threads = torch.get_num_threads()
    if plan_work(plan) < PARALLEL_MULT_ADDS and threads > 1:
        torch.set_num_threads(1)
    try:
        with torch.no_grad():  # nothing is differentiated; the tensors stay ordinary ones a caller may change
            return _run(plan)
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _run(plan: Plan) -> Result:
    import torch

    from .checks import against_reference, agreeing_diff, identities
    from .encode import one_hot_batch, token_codes
    from .forward import constructor_call, resolve_device, run_forward
    from .idioms import RunTensors, check_idioms
    from .reference import recurrence

    config, tokenized = plan.config, plan.tokenized
    device = resolve_device(config.device)
    if device != config.device:
        config = replace(config, device=device)
    batch, lengths = one_hot_batch(
        tokenized.flat,
        tokenized.lengths,
        len(tokenized.vocabulary),
        batch_first=config.batch_first,
        dtype=getattr(torch, config.dtype),
    )
    forward = run_forward(config, batch, lengths)
    params = dict(forward.module.named_parameters())
    batch_major_in = batch if config.batch_first else batch.transpose(0, 1)
    reference = recurrence(
        config, params, batch_major_in, lengths, order=forward.sorted_indices, trace_words=plan.trace_words
    )

    output_bm = forward.output if config.batch_first else forward.output.transpose(0, 1)
    if reference.packed:  # compare the rows torch computed, before pad_packed_sequence spreads them out
        assert forward.packed_output is not None
        actual = {"output": forward.packed_output, "h_n": forward.h_n}
    else:
        actual = {"output": output_bm, "h_n": forward.h_n}
    expected = {"output": reference.output, "h_n": reference.h_n}
    if forward.c_n is not None and reference.c_n is not None:
        actual["c_n"], expected["c_n"] = forward.c_n, reference.c_n
    comparison = against_reference(actual, expected, config.dtype)

    n, steps, vocab_size = len(tokenized.words), int(lengths.max()), len(tokenized.vocabulary)
    layouts = tensor_layouts(config, n, steps, vocab_size)
    produced = {"input": batch, "output": forward.output, "h_n": forward.h_n}
    if forward.c_n is not None:
        produced["c_n"] = forward.c_n
    tensors = {name: TensorFacts(name, layouts[name], values) for name, values in produced.items()}
    for name, facts in tensors.items():
        if facts.shape != facts.layout.shape:  # torch and the documented formula must agree
            raise RunFailure(f"{name} has shape {facts.shape}, documented {facts.layout.shape}")
    documented = {p.name: p for p in parameter_layouts(config, vocab_size)}
    # copies: the module is cached, and a Result must not share storage with it
    parameters = [
        ParameterFacts(name, documented[name].symbols, p.detach().cpu().clone(), documented[name].gates)
        for name, p in params.items()
    ]
    last_step = [length - 1 for length in tokenized.lengths] if config.padding == "packed" else [steps - 1] * n
    top = (config.num_layers - 1) * config.directions
    if config.padding == "packed":
        final_h_n = reference.h_n  # the hand-written recurrence, over each word's real tokens
        packed = PackedFacts(
            forward.packed_data_shape or (),
            forward.batch_sizes or [],
            _index_list(forward.sorted_indices, n),
            _index_list(forward.unsorted_indices, n),
        )
        padding_effects = None
    else:  # the same module over the same words, packed: what each word's final state would be
        final_h_n = run_forward(replace(config, padding="packed"), batch, lengths, module=forward.module).h_n
        packed = None
        padding_effects = [
            PaddingEffect(word, steps - length, float(agreeing_diff(forward.h_n[:, w], final_h_n[:, w]).max()))
            for w, (word, length) in enumerate(zip(tokenized.words, tokenized.lengths, strict=True))
        ]
    final = torch.cat([final_h_n[row] for row in range(top, top + config.directions)], dim=1)
    idioms = check_idioms(
        RunTensors(
            config=config,
            module=forward.module,
            words=tokenized.words,
            batch=batch.to(config.device),
            lengths=lengths,
            output=forward.output,
            h_n=forward.h_n,
            c_n=forward.c_n,
            final=final,
            flat_tokens=token_codes(tokenized.flat),
            vocab_size=vocab_size,
            atol=comparison.atol,
            rtol=comparison.rtol,
        ),
        large=plan_work(plan) >= PARALLEL_MULT_ADDS,
    )
    if not comparison.ok:
        raise RunFailure(
            f"torch's answer differs from the hand-computed recurrence by "
            f"{comparison.max_abs_diff:.3g} (tolerance {comparison.atol:g} + "
            f"{comparison.rtol:g}*|value|)"
        )
    return Result(
        config=config,
        words=tokenized.words,
        tokens=tokenized.tokens,
        lengths=tokenized.lengths,
        vocabulary=tokenized.vocabulary,
        call=constructor_call(config, vocab_size),
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
    )


def _index_list(indices: torch.Tensor | None, n: int) -> list[int]:
    """torch leaves the indices out when the words came sorted; then they are 0..n-1."""
    return list(range(n)) if indices is None else [int(i) for i in indices.tolist()]
