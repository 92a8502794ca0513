"""The core: words -> tokens -> vocabulary -> one-hot batch -> recurrent run -> Result.

A ``Request`` (``request``) holds what was asked; its ``plan`` does everything that needs no
torch (settings, tokens, the work and memory budget), so a caller can refuse a bad request, or
two (``--vs``), before torch is imported; ``run_plan`` does the rest. ``explore`` is both, for
Python callers. Instead of words, a run can take sizes (``SizesInput``): seeded random tokens
or features for a practitioner's model and batch; instead of a seeded new module, the caller's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .budget import DEFAULT_MAX_MEMORY, DEFAULT_MAX_WORK
from .config import Config, Tokenizer
from .errors import BadInput, quoted
from .exported.request import export_request
from .plan import Plan, RandomInput, Repeated, SizesInput
from .prepare import prepare
from .request import Limits, Request, Tensors
from .result import Result
from .run import plan_work, run_plan
from .settings import CONFIG_FIELDS, suggestion
from .tokens import DEFAULT_MAX_STEPS

__all__ = ["Plan", "RandomInput", "Repeated", "SizesInput", "explore", "plan_work", "prepare", "run_plan"]


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
    export: str | None = None,
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

    ``export`` (``"onnx"``, ``"torch"``) exports the layer as ``--export`` does and checks it
    (``Result.export``, whose ``program`` is the chosen program's bytes, for you to write).
    """
    _check_call(settings, config, lengths)
    request = _request(
        config,
        settings,
        module=module,
        input=input,
        lengths=lengths,
        vocab_size=vocab_size,
        vocab=vocab,
        tokenizer=tokenizer,
        expressions=tuple(expressions),
        limits=Limits(max_steps, max_memory, max_work, trace_words),
        values=values,
        timed=timed,
        export=export_request(export, None, {"export_format": "export"}),
    )
    return run_plan(request.plan(words))


def _request(
    config: Config | None,
    settings: dict[str, Any],
    *,
    input: Any,
    lengths: Any,
    vocab_size: Any,
    **rest: Any,
) -> Request:
    """explore()'s arguments as one Request: the settings given (each one said), the caller's
    own tensors (an initial_state that is a tensor is theirs), and sizes."""
    state = settings.get("initial_state")
    tensors = None
    if input is not None or not (state is None or isinstance(state, str)):  # your own tensors
        if state is not None and not isinstance(state, str):
            settings = {**settings, "initial_state": "given"}
        else:
            state = None
        tensors = Tensors(input, state, tuple(lengths) if input is not None and lengths is not None else None)
        lengths = None if input is not None else lengths
    base = replace(config or Config(), **settings)
    sizes = None
    if lengths is not None:
        sizes = SizesInput(lengths if isinstance(lengths, Repeated) else tuple(lengths), vocab_size)
    elif vocab_size is not None:
        raise BadInput("vocab_size goes with lengths: random tokens of those lengths")
    return Request(base, frozenset(settings), tensors=tensors, sizes=sizes, **rest)


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
