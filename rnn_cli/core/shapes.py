"""A run of shapes alone, for a caller who asked for no number: ``--fields`` of the keys that
hold no value (config, call, tensors without values, the words and their lengths...).

Every shape comes from PyTorch's documented formulas (``layout``), which every full run holds
torch's real shapes against and which the property tests hold across every cell and layout:
so no module is built and nothing runs forward, and the answer's keys are, byte for byte, the
full answer's (``tests/test_fields.py`` compares them). The tensors carry meta tensors: a shape,
and no values to show.
"""

from __future__ import annotations

from dataclasses import replace

from .given import before_run
from .layout import h_n_rows, tensor_layouts
from .plan import Plan
from .result import Result, TensorFacts


def shapes_result(plan: Plan) -> Result:
    """The plan's Result with every shape and no value: no parameters, no check, no idioms."""
    import torch

    from .forward import constructor_call, resolve_device

    config = plan.config
    device = resolve_device(config.device)
    if device != config.device:
        config = replace(config, device=device)
    before_run(plan.given, plan.config, plan.module, plan.lengths)  # torch's own check of a given h_0
    lengths, width, tokenized = plan.lengths, config.input_size or 0, plan.tokenized
    steps = max(lengths)
    layouts = tensor_layouts(config, len(lengths), steps, width, source=plan.source, vocab_size=plan.vocab_size)
    tensors = {
        name: TensorFacts(name, layout, torch.empty(layout.shape, device="meta")) for name, layout in layouts.items()
    }
    embedding_call = None
    if config.embed:
        embedding_call = f"torch.nn.Embedding({plan.vocab_size + 1}, {config.embed}, padding_idx={plan.vocab_size})"
    return Result(
        config=config,
        words=plan.labels,
        tokens=tokenized.tokens if tokenized else [],
        lengths=lengths,
        vocabulary=tokenized.vocabulary if tokenized else [],
        layer_call=constructor_call(config, width),
        embedding_call=embedding_call,
        tensors=tensors,
        parameters=[],
        h_n_rows=h_n_rows(config),
        last_step=[length - 1 for length in lengths] if config.padding == "packed" else [steps - 1] * len(lengths),
        batch_sizes=None,
        identities=[],
        verification=None,
        tokenizer=plan.tokenizer,
        input_size=width,
        source=plan.source,
        vocabulary_given=tokenized is not None and tokenized.vocabulary_given,
    )
