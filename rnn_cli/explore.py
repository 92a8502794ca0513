"""The core: words -> tokens -> vocabulary -> one-hot batch -> recurrent run -> Result.

No typer or rich here; torch is imported inside the functions that need it, so importing
this module is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

from .config import Config
from .errors import BadInput, RunFailure
from .layout import h_n_rows, parameter_layouts, tensor_layouts
from .memory import DEFAULT_MAX_MEMORY, check_memory, check_work, estimate_bytes
from .result import Identity, ParameterFacts, Result, TensorFacts
from .tokens import DEFAULT_MAX_STEPS, Tokenized, tokenize_words

_SETTINGS = {f.name for f in fields(Config)}


def explore(
    words: Sequence[str],
    config: Config | None = None,
    *,
    vocab: str | Sequence[str] | None = None,
    trace_words: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_memory: int = DEFAULT_MAX_MEMORY,
    values: bool = True,
    tokenizer: str = "graphemes",
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
    config = config.validated()
    tokenized = tokenize_words(words, vocab, max_steps=max_steps, tokenizer=tokenizer)
    check_work(config, max(tokenized.lengths))
    check_memory(
        estimate_bytes(
            config,
            tokenized.lengths,
            len(tokenized.vocabulary),
            values=values,
            trace_words=trace_words,
        ),
        max_memory,
    )
    return _run(config, tokenized, trace_words, tokenizer)


def _run(config: Config, tokenized: Tokenized, trace_words: int, tokenizer: str) -> Result:
    import torch

    with torch.inference_mode():  # nothing here is ever differentiated; this skips autograd's bookkeeping
        return _run_inference(config, tokenized, trace_words, tokenizer)


def _run_inference(config: Config, tokenized: Tokenized, trace_words: int, tokenizer: str) -> Result:
    import torch

    from .encode import one_hot_batch
    from .recurrent import constructor_call, resolve_device, run_forward
    from .verify import compare, recurrence

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
        config, params, batch_major_in, lengths, order=forward.sorted_indices, trace_words=trace_words
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
    comparison = compare(actual, expected, config.dtype)

    n, steps, vocab_size = len(tokenized.words), int(lengths.max()), len(tokenized.vocabulary)
    layouts = tensor_layouts(config, n, steps, vocab_size)
    produced = {"input": batch, "output": forward.output, "h_n": forward.h_n}
    if forward.c_n is not None:
        produced["c_n"] = forward.c_n
    tensors = {name: TensorFacts(name, layouts[name], values) for name, values in produced.items()}
    for name, facts in tensors.items():
        if facts.shape != facts.layout.shape:  # torch and the documented formula must agree
            raise RunFailure(f"{name} has shape {facts.shape}, documented {facts.layout.shape}")
    symbols = {p.name: p.symbols for p in parameter_layouts(config, vocab_size)}
    parameters = [ParameterFacts(name, symbols[name], p.detach().cpu()) for name, p in params.items()]
    last_step = [length - 1 for length in tokenized.lengths] if config.padding == "packed" else [steps - 1] * n
    result = Result(
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
        identities=[],
        verification=comparison,
        trace=reference.trace,
        tokenizer=tokenizer,
    )
    result.identities = _identities(result, output_bm)
    if not comparison.ok:
        raise RunFailure(
            f"torch's answer differs from the hand-computed recurrence by "
            f"{comparison.max_abs_diff:.3g} (tolerance {comparison.atol:g} + "
            f"{comparison.rtol:g}*|value|)"
        )
    return result


def _identities(result: Result, output_bm: Any) -> list[Identity]:
    """Where each word's last-layer h_n rows stand in ``output``, checked for all words at once."""
    import torch

    from .verify import agreeing_diff

    config = result.config
    h_out = config.out_size
    h_n = result.tensors["h_n"].values
    top = (config.num_layers - 1) * config.directions
    n = len(result.words)
    if len(set(result.last_step)) == 1:  # one step for every word: a plain slice
        forward_pieces = output_bm[:, result.last_step[0], :h_out]
    else:
        forward_pieces = output_bm[torch.arange(n), torch.tensor(result.last_step), :h_out]
    pairs = [("forward", result.last_step, top, forward_pieces)]
    if config.bidirectional:
        pairs.append(("backward", [0] * n, top + 1, output_bm[:, 0, h_out:]))
    identities: list[Identity] = []
    for direction, steps, row, pieces in pairs:
        if torch.equal(pieces, h_n[row]):  # the usual case: the very same numbers
            identities.append(Identity(direction, row, steps, 0.0, []))
            continue
        per_word = agreeing_diff(pieces, h_n[row]).amax(dim=1)
        failing = torch.nonzero(per_word > result.verification.atol).flatten().tolist()
        identities.append(Identity(direction, row, steps, float(per_word.max()), failing))
    return identities
