"""The run of a Plan, as named stages, each returning a frozen value the next one reads:

encode (the batch and initial state) -> forward (the module, once) -> verify (against the
hand-written recurrence; a failed check raises here, before anything else is computed) ->
facts (shapes, parameters, padding) -> idioms (what people do next, on this run) -> cost.
``run_plan`` puts the stages together into a Result.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .budget import allocation_failure, mult_adds
from .config import Config
from .errors import RunFailure
from .given import before_run, expression_idioms, given_state
from .layout import h_n_rows, parameter_layouts, tensor_layouts
from .plan import Plan, TensorInput, WordsInput
from .result import Cost, Idiom, PackedFacts, PaddingEffect, ParameterFacts, Result, TensorFacts, Verification

if TYPE_CHECKING:
    import torch

    from .forward import Forward
    from .reference import Reference

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


def plan_work(plan: Plan) -> int:
    """Multiply-adds of the plan's forward pass."""
    return mult_adds(plan.config, plan.lengths, plan.config.input_size or 0)


def run_plan(plan: Plan) -> Result:
    """Build and run the module, check it against the reference and gather the facts."""
    import torch

    if not plan.stages.forward and plan.export is None:  # shapes alone were asked for: nothing to run
        from .shapes import shapes_result

        shaped = shapes_result(plan)
        shaped.given = None if plan.given is None else plan.given.facts
        return shaped
    work = plan_work(plan)
    threads = torch.get_num_threads()
    if work < PARALLEL_MULT_ADDS and threads > 1:
        torch.set_num_threads(1)
    try:
        with torch.no_grad(), given_state(plan.given):  # nothing is differentiated; the tensors stay ordinary ones
            before_run(plan.given, plan.config, plan.module, plan.lengths)
            try:
                result = _stages(plan, work)
            except RuntimeError as error:  # the allocator's refusal is running out of memory, not a bug
                refused = allocation_failure(error)
                if refused is None:
                    raise
                raise refused from None
        result.given = None if plan.given is None else plan.given.facts
        return result
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _stages(plan: Plan, work: int) -> Result:
    """Every stage in order, those the plan leaves out skipped (``Plan.stages``); ``work`` (the
    plan's multiply-adds) decides how much is checked."""
    encoded = encode(plan)
    ran = forward(plan, encoded)
    wanted = plan.stages
    verified = verify(plan, encoded, ran, work) if wanted.check or wanted.idioms or plan.export else None
    found = facts(plan, encoded, ran, verified)
    checked: list[Idiom] = []
    if verified is not None and wanted.idioms:
        checked = idioms(plan, encoded, ran, verified, found, large=work >= PARALLEL_MULT_ADDS)
    result = _result(plan, encoded, ran, verified, found, checked, cost(encoded, ran, found, work))
    if plan.export is not None:
        from .exported import export_layer

        assert verified is not None  # an export is held to the check's tolerance: it always checks
        tolerance = (verified.comparison.atol, verified.comparison.rtol)
        result.export = export_layer(
            encoded.config, ran.module, encoded.batch, encoded.lengths, encoded.initial, plan.export, tolerance
        )
    return result


# -- encode ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    """The batch as the module takes it, and every tensor made on the way there."""

    config: Config  # the device resolved
    batch: torch.Tensor
    lengths: torch.Tensor
    #: Each token's vocabulary index, word after word; None for features and given tensors.
    codes: torch.Tensor | None
    #: input (the ids, with an embedding), embedded, h_0 and c_0 when passed.
    produced: Mapping[str, torch.Tensor]
    embedding: torch.nn.Embedding | None
    #: (h_0, c_0 or None) when passed, else None: torch's default zeros.
    initial: tuple[torch.Tensor, torch.Tensor | None] | None
    #: What the module is called with as its initial state, on its device.
    passed: Any


def encode(plan: Plan) -> Encoded:
    """words -> tokens -> one-hot (or embedded) batch, or the sizes' random one, or the caller's."""
    import torch

    from .encode import one_hot_batch, padded_ids, random_codes, random_features, token_codes
    from .forward import construct_embedding, resolve_device

    config, lengths = plan.config, plan.lengths
    device = resolve_device(config.device)
    if device != config.device:
        config = replace(config, device=device)
    dtype = getattr(torch, config.dtype)
    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    codes, embedding = None, None
    if isinstance(plan.input, TensorInput):  # the caller's own batch, as given
        batch = plan.input.tensor.to(dtype)
        produced = {"input": batch}
    elif plan.source == "random features":
        batch = random_features(
            lengths, config.input_size or 0, config.seed, batch_first=config.batch_first, dtype=dtype
        )
        produced = {"input": batch}
    else:
        vocab_size = plan.vocab_size
        tokenized = plan.input.tokenized if isinstance(plan.input, WordsInput) else None
        codes = token_codes(tokenized.flat) if tokenized else random_codes(lengths, vocab_size, config.seed)
        if config.embed:
            ids = padded_ids(codes, lengths, vocab_size, batch_first=config.batch_first)
            embedding = construct_embedding(config, vocab_size)
            batch = embedding(ids.to(device)).cpu()
            produced = {"input": ids, "embedded": batch}
        else:
            batch, lengths_t = one_hot_batch(codes, lengths, vocab_size, batch_first=config.batch_first, dtype=dtype)
            produced = {"input": batch}
    initial = _initial_state(config, len(lengths), dtype)
    if initial is not None:
        produced["h_0"] = initial[0]
        if initial[1] is not None:
            produced["c_0"] = initial[1]
    passed = None if initial is None else (initial if config.cell == "lstm" else initial[0])
    return Encoded(config, batch, lengths_t, codes, produced, embedding, initial, _to_device(passed, device))


def _initial_state(config: Config, n: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    """h_0 (and c_0) as asked, or None for torch's default; given ones come in with given_state."""
    if config.initial_state == "default":
        return None
    from .encode import initial_states

    rows, lstm = config.num_layers * config.directions, config.cell == "lstm"
    return initial_states(
        config.initial_state, rows, n, config.out_size, config.hidden_size if lstm else None, config.seed, dtype
    )


def _to_device(state: Any, device: str) -> Any:
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.to(device) for s in state)
    return state.to(device)


# -- forward ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    """The module and its one forward pass (timed again, warm, only when asked)."""

    module: torch.nn.RNNBase
    forward: Forward
    params: Mapping[str, torch.nn.Parameter]
    forward_seconds: float | None
    timing: str | None


def forward(plan: Plan, encoded: Encoded) -> Ran:
    """The caller's module, or a seeded new one, run once over the batch."""
    from .forward import build_module, run_forward

    config = encoded.config
    module = plan.module if plan.module is not None else build_module(config, config.input_size or 0)

    def once() -> Forward:
        return run_forward(config, encoded.batch, encoded.lengths, module, encoded.passed)

    seconds: float | None = None
    timing: str | None = None
    with inference(module):
        start = time.perf_counter()
        ran = once()
        if plan.timed:
            seconds, timing = _time_forward(once, time.perf_counter() - start, config.device)
    return Ran(module, ran, dict(module.named_parameters()), seconds, timing)


@contextlib.contextmanager
def inference(module: Any) -> Iterator[None]:
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


# -- verify ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """torch's answer held against the hand-written recurrence, on every word or the first ones."""

    reference: Reference
    comparison: Verification
    #: The words recomputed: all of them, or the first VERIFY_WORDS of a very large run.
    checked: int


def verify(plan: Plan, encoded: Encoded, ran: Ran, work: int) -> Verified:
    """The check; raises RunFailure at once when torch and the recurrence disagree."""
    from .checks import against_reference, not_finite

    n = len(plan.lengths)
    checked = n if work <= VERIFY_ALL_MULT_ADDS else min(n, VERIFY_WORDS)
    if checked == n:
        reference, actual, expected = _every_word(plan, encoded, ran)
    else:
        reference, actual, expected = _first_words(plan, encoded, ran, checked)
    odd = not_finite({**dict(ran.params), "input": encoded.batch, **actual})
    comparison = replace(
        against_reference(actual, expected, encoded.config.dtype), words_checked=checked, not_finite=odd
    )
    if not comparison.ok:
        raise RunFailure(
            f"torch's answer differs from the hand-computed recurrence by "
            f"{comparison.max_abs_diff:.3g} (tolerance {comparison.atol:g} + "
            f"{comparison.rtol:g}*|value|)"
        )
    return Verified(reference, comparison, checked)


Tensors = dict[str, "torch.Tensor"]


def _batch_major(encoded: Encoded, tensor: torch.Tensor) -> torch.Tensor:
    return tensor if encoded.config.batch_first else tensor.transpose(0, 1)


def _every_word(plan: Plan, encoded: Encoded, ran: Ran) -> tuple[Reference, Tensors, Tensors]:
    """The recurrence over every word, held against torch's rows (packed ones before padding)."""
    from .reference import recurrence

    forward = ran.forward
    reference = recurrence(
        encoded.config,
        ran.params,
        _batch_major(encoded, encoded.batch),
        encoded.lengths,
        order=forward.sorted_indices,
        trace_words=plan.trace_words,
        initial=encoded.initial,
    )
    if reference.packed:  # compare the rows torch computed, before pad_packed_sequence spreads them out
        assert forward.packed_output is not None
        actual = {"output": forward.packed_output, "h_n": forward.h_n}
    else:
        actual = {"output": _batch_major(encoded, forward.output), "h_n": forward.h_n}
    expected = {"output": reference.output, "h_n": reference.h_n}
    if forward.c_n is not None and reference.c_n is not None:
        actual["c_n"], expected["c_n"] = forward.c_n, reference.c_n
    return reference, actual, expected


def _first_words(plan: Plan, encoded: Encoded, ran: Ran, k: int) -> tuple[Reference, Tensors, Tensors]:
    """A very large run: its first ``k`` words recomputed whole (every layer, direction and step)."""
    from .reference import recurrence

    forward, initial = ran.forward, encoded.initial
    first = None if initial is None else (initial[0][:, :k], None if initial[1] is None else initial[1][:, :k])
    reference = recurrence(
        encoded.config,
        ran.params,
        _batch_major(encoded, encoded.batch)[:k],
        encoded.lengths[:k],
        trace_words=plan.trace_words,
        initial=first,
        whole_layer_projection=True,
    )
    steps = max(plan.lengths)
    actual = {"output": _batch_major(encoded, forward.output)[:k], "h_n": forward.h_n[:, :k]}
    expected = {"output": reference.padded_output(encoded.lengths[:k], steps), "h_n": reference.h_n}
    if forward.c_n is not None and reference.c_n is not None:
        actual["c_n"], expected["c_n"] = forward.c_n[:, :k], reference.c_n
    return reference, actual, expected


# -- facts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the run is: each tensor beside its documented layout, the parameters, the padding."""

    tensors: Mapping[str, TensorFacts]
    parameters: list[ParameterFacts]
    last_step: list[int]
    packed: PackedFacts | None
    padding_effects: list[PaddingEffect] | None
    #: Each word's h_n over its real tokens only (the reference's, or torch's packed run).
    final_h_n: torch.Tensor
    #: (N, D*H_out): the last layer's final state, directions side by side.
    final: torch.Tensor


def facts(plan: Plan, encoded: Encoded, ran: Ran, verified: Verified | None) -> Facts:
    """Shapes held against PyTorch's documented formulas; parameters copied; padding's effect
    (a second forward pass, left out when the plan's stages leave it out)."""
    import torch

    config, forward = encoded.config, ran.forward
    lengths, n = plan.lengths, len(plan.lengths)
    tensors = _tensor_facts(plan, encoded, ran)
    steps = max(lengths)
    last_step = [length - 1 for length in lengths] if config.padding == "packed" else [steps - 1] * n
    own = verified.reference.h_n if verified is not None and verified.checked == n else forward.h_n
    packed, padding_effects, final_h_n = None, None, own
    if config.padding == "packed":  # the hand-written h_n over each word's real tokens (or torch's, checked)
        packed = PackedFacts(
            forward.packed_data_shape or (),
            forward.batch_sizes or [],
            _index_list(forward.sorted_indices, n),
            _index_list(forward.unsorted_indices, n),
        )
    elif min(lengths) == steps:  # one plain batch: no padding, so each word's final state is h_n's
        padding_effects = [PaddingEffect(word, 0, 0.0) for word in plan.labels]
    elif plan.stages.padding or plan.stages.idioms:  # the idioms' final states are the packed ones
        final_h_n, padding_effects = _padding_effects(plan, encoded, ran)
    top = (config.num_layers - 1) * config.directions
    final = torch.cat([final_h_n[row] for row in range(top, top + config.directions)], dim=1)
    return Facts(tensors, _parameter_facts(plan, encoded, ran), last_step, packed, padding_effects, final_h_n, final)


def _tensor_facts(plan: Plan, encoded: Encoded, ran: Ran) -> dict[str, TensorFacts]:
    """Every tensor beside its layout; a shape torch and the documented formula disagree on fails."""
    config, forward = encoded.config, ran.forward
    steps = max(plan.lengths)
    layouts = tensor_layouts(
        config, len(plan.lengths), steps, config.input_size or 0, source=plan.source, vocab_size=plan.vocab_size
    )
    produced = {**encoded.produced, "output": forward.output, "h_n": forward.h_n}
    if forward.c_n is not None:
        produced["c_n"] = forward.c_n
    tensors = {name: TensorFacts(name, layouts[name], produced[name]) for name in layouts}
    for name, found in tensors.items():
        if found.shape != found.layout.shape:  # torch and the documented formula must agree
            raise RunFailure(f"{name} has shape {found.shape}, documented {found.layout.shape}")
    return tensors


def _parameter_facts(plan: Plan, encoded: Encoded, ran: Ran) -> list[ParameterFacts]:
    """Each parameter by its documented symbols, copied: the module is cached (or the caller's),
    and a Result must not share storage with it."""
    config = encoded.config
    documented = {p.name: p for p in parameter_layouts(config, config.input_size or 0, plan.vocab_size)}
    named: list[tuple[str, torch.Tensor]] = list(ran.params.items())
    if encoded.embedding is not None:
        named.insert(0, ("embedding.weight", encoded.embedding.weight))
    return [
        ParameterFacts(name, documented[name].symbols, p.detach().cpu().clone(), documented[name].gates)
        for name, p in named
    ]


def _padding_effects(plan: Plan, encoded: Encoded, ran: Ran) -> tuple[torch.Tensor, list[PaddingEffect]]:
    """The same module over the same words, packed: what each word's final state would be, and how
    far the zero padding moved it."""
    from .checks import agreeing_diff
    from .forward import run_forward

    config, h_n = encoded.config, ran.forward.h_n
    with inference(ran.module):
        packed = run_forward(
            replace(config, padding="packed"), encoded.batch, encoded.lengths, ran.module, encoded.passed
        )
    steps = max(plan.lengths)
    effects = [
        PaddingEffect(word, steps - length, float(agreeing_diff(h_n[:, w], packed.h_n[:, w]).max()))
        for w, (word, length) in enumerate(zip(plan.labels, plan.lengths, strict=True))
    ]
    return packed.h_n, effects


def _index_list(indices: torch.Tensor | None, n: int) -> list[int]:
    """torch leaves the indices out when the words came sorted; then they are 0..n-1."""
    return list(range(n)) if indices is None else [int(i) for i in indices.tolist()]


# -- idioms ----------------------------------------------------------------------------------------


def idioms(plan: Plan, encoded: Encoded, ran: Ran, verified: Verified, found: Facts, *, large: bool) -> list[Idiom]:
    """What people do next with output, h_n and h_0, checked on this run; then the caller's own."""
    from .idioms import RunTensors, check_idioms

    config, forward, comparison = encoded.config, ran.forward, verified.comparison
    with inference(ran.module):
        checked = check_idioms(
            RunTensors(
                config=config,
                module=ran.module,
                words=plan.labels,
                batch=encoded.batch.to(config.device),
                lengths=encoded.lengths,
                output=forward.output,
                h_n=forward.h_n,
                c_n=forward.c_n,
                final=found.final,
                flat_tokens=encoded.codes,
                vocab_size=plan.vocab_size,
                atol=comparison.atol,
                rtol=comparison.rtol,
                source=plan.source,
            ),
            large=large,
        )
    if plan.given is not None and plan.given.expressions:  # --expr: the caller's own, by the interpreter
        produced = {name: facts.values for name, facts in found.tensors.items()}
        tolerance = (comparison.atol, comparison.rtol)
        checked += expression_idioms(
            plan.given, produced, encoded.lengths, found.final_h_n, config, plan.labels, tolerance
        )
    return checked


# -- cost and the result ---------------------------------------------------------------------------


def _atol(config: Config, verified: Verified | None) -> float:
    """The tolerance the identities are held to: the check's, or the one it would have used."""
    if verified is not None:
        return verified.comparison.atol
    from .checks import tolerances

    return tolerances(config.dtype)[0]


def cost(encoded: Encoded, ran: Ran, found: Facts, work: int) -> Cost:
    """Parameters, multiply-adds and activation bytes (and the forward's time when asked)."""
    import torch

    return Cost(
        parameters=sum(p.numel for p in found.parameters),
        parameter_bytes=sum(p.numel * p.values.element_size() for p in found.parameters),
        mult_adds=work,
        activation_bytes=sum(
            found.tensors[k].values.numel() * found.tensors[k].values.element_size()
            for k in _ACTIVATIONS
            if k in found.tensors
        ),
        forward_seconds=ran.forward_seconds,
        threads=torch.get_num_threads(),
        timing=ran.timing,
    )


def _result(
    plan: Plan, encoded: Encoded, ran: Ran, verified: Verified | None, found: Facts, checked: list[Idiom], spent: Cost
) -> Result:
    from .checks import identities
    from .forward import constructor_call
    from .warned import module_warnings

    config, forward, tokenized = encoded.config, ran.forward, plan.tokenized
    width, vocab_size = config.input_size or 0, plan.vocab_size
    embedding_call = None
    if encoded.embedding is not None:
        embedding_call = f"torch.nn.Embedding({vocab_size + 1}, {config.embed}, padding_idx={vocab_size})"
    return Result(
        config=config,
        words=plan.labels,
        tokens=tokenized.tokens if tokenized else [],
        lengths=plan.lengths,
        vocabulary=tokenized.vocabulary if tokenized else [],
        layer_call=constructor_call(config, width),
        embedding_call=embedding_call,
        tensors=dict(found.tensors),
        parameters=found.parameters,
        h_n_rows=h_n_rows(config),
        last_step=found.last_step,
        batch_sizes=forward.batch_sizes,
        identities=identities(
            config, forward.h_n, _batch_major(encoded, forward.output), found.last_step, _atol(config, verified)
        )
        if plan.stages.identities
        else [],
        verification=None if verified is None or not plan.stages.check else verified.comparison,
        trace=[] if verified is None else verified.reference.trace,
        tokenizer=plan.tokenizer,
        idioms=checked,
        packed=found.packed,
        padding_effects=found.padding_effects,
        input_size=width,
        source=plan.source,
        cost=spent,
        vocabulary_given=tokenized is not None and tokenized.vocabulary_given,
        warnings=module_warnings(ran.module),
    )
