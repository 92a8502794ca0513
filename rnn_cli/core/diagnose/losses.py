"""nn.CrossEntropyLoss after a recurrent layer: the classes on the wrong axis, the targets of
another count than the logits' rows."""

from __future__ import annotations

from .common import Message, Ref, assign, call, module, zeros
from .model import AxisFact, Cause, Diagnosis, diagnosis, on_meta, too_big
from .steps import Reproduction


def target_size(message: Message) -> Diagnosis:
    expected, got = message.shape("expected"), message.shape("got")
    logits = (expected[0], 1, *expected[1:]) if expected else (1, 1)
    causes: list[Cause] = []
    steps: int | None = None
    if len(expected) == 2 and len(got) == 2 and got[0] == expected[0]:
        steps = got[1]
        causes.append(Cause("classes_last", {"n": expected[0], "v": expected[1], "steps": steps}))
    causes.append(Cause("targets_shape"))
    meta = on_meta(logits, tuple(got))
    repro = Reproduction(
        [
            assign("logits", zeros(*logits, meta=meta), "(N, C, d1, ...): one class on axis 1"),
            assign("targets", zeros(*got, meta=meta, dtype="torch.int64")),
            call("loss", Ref("logits"), Ref("targets")),
        ],
        meta=meta,
        unavailable=None if not too_big(*expected, *got) and len(expected) >= 2 and len(got) <= 16 else "too_large",
    )
    repro.statements.insert(0, assign("loss", module("CrossEntropyLoss")))
    axes = [
        AxisFact(k, "batch" if k == 0 else f"d{k}", expected[k], got[k] if k < len(got) else None)
        for k in range(len(expected))
    ]
    facts = {"expected": expected, "got": got, "steps": steps}
    return diagnosis(
        "target_size",
        message.found,
        facts,
        causes,
        repro,
        expected=expected,
        got=got,
        numbers={"batch": expected[0]} if expected else {},
        axes=axes,
    )


def target_batch(message: Message) -> Diagnosis:
    rows, targets = message.whole("input"), message.whole("target")
    causes = []
    gap = rows - targets
    if gap > 0 and rows % gap == 0 and targets % gap == 0:
        causes.append(Cause("shift_not_cut", {"n": gap, "steps": rows // gap, "target_steps": targets // gap}))
    if targets and rows % targets == 0 and rows > targets:
        causes.append(Cause("one_target_per_sequence", {"n": targets, "steps": rows // targets}))
    causes.append(Cause("flattened_differently"))
    meta = on_meta((rows, 1), (targets,))
    repro = Reproduction(
        [
            assign("loss", module("CrossEntropyLoss")),
            assign("logits", zeros(rows, 1, meta=meta), f"(N, C): {rows} rows"),
            assign("targets", zeros(targets, meta=meta, dtype="torch.int64"), f"{targets} targets"),
            call("loss", Ref("logits"), Ref("targets")),
        ],
        meta=meta,
        unavailable="too_large" if too_big(rows, targets) else None,
    )
    return diagnosis(
        "target_batch",
        message.found,
        {"rows": rows, "targets": targets},
        causes,
        repro,
        expected=rows,
        got=targets,
        numbers={"logit_rows": rows, "targets": targets},
        axes=[AxisFact(0, "batch", rows, targets)],
    )


def target_dims(message: Message) -> Diagnosis:
    """Targets with more axes than the logits leave once the classes are taken: (N, L) targets
    against (N, V) logits, typically the last step's logits against every step's targets."""
    causes = [Cause("targets_per_step"), Cause("one_hot_targets")]
    repro = Reproduction(
        [
            assign("loss", module("CrossEntropyLoss")),
            assign("logits", zeros(2, 3), "(N, C): one row of scores per sequence"),
            assign("targets", zeros(2, 4, dtype="torch.int64"), "(N, L): a target per step"),
            call("loss", Ref("logits"), Ref("targets")),
        ]
    )
    return diagnosis("target_dims", message.found, {}, causes, repro)
