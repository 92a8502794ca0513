"""--diagnose: torch's recurrent-layer errors and warnings, recognised in every wording torch has
used since 1.0, explained by their numbers, and reproduced live.

The text (one message, or a whole traceback or log) is searched for every message of
``table.WORDINGS`` (``wordings`` forgives what copying does to a message). Each one found is
read by its kind's reader into facts: the numbers, the causes they allow (most likely first),
each axis torch compared, and the smallest statements that make the same message
(``steps``), run live here. Every error and warning is reported, in the text's order; the
text itself is never evaluated. A message it does not know that names shapes near a
recurrent layer is read against the layouts instead (``reading``), and marked as such.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

from ..errors import RunFailure
from . import inputs, losses, packing, states, warned
from .common import Message
from .model import AxisFact, Cause, Diagnosis, Found
from .reading import reading
from .steps import Reproduction, run
from .table import WORDINGS
from .wordings import KINDS, Kind, Severity, find

__all__ = ["KINDS", "AxisFact", "Cause", "Diagnosis", "Found", "Kind", "Reproduction", "Severity", "diagnose"]

#: Each kind's reader: the message's numbers into a Diagnosis.
READERS: dict[Kind, Callable[[Message], Diagnosis]] = {
    "input_size": inputs.input_size,
    "hidden_size": states.hidden_size,
    "hx_dims": states.hx_dims,
    "input_dims": inputs.input_dims,
    "packed_input_dims": inputs.packed_input_dims,
    "input_dtype": inputs.input_dtype,
    "lengths_sorted": packing.lengths_sorted,
    "lengths_positive": packing.lengths_positive,
    "lengths_tensor": packing.lengths_tensor,
    "lengths_count": packing.lengths_count,
    "total_length": packing.total_length,
    "target_size": losses.target_size,
    "target_batch": losses.target_batch,
    "dropout_warning": warned.dropout_warning,
    "weights_warning": warned.weights_warning,
    "cudnn_eval_backward": warned.cudnn_eval_backward,
    "device_mismatch": inputs.device_mismatch,
    "target_dims": losses.target_dims,
}
# hidden[0] and hidden[1] are read by the hidden size reader and told apart by its index
assert set(READERS) | {"hidden0_size", "hidden1_size"} == set(KINDS)
assert {w.kind for w in WORDINGS} == set(READERS)


class Unrecognised(RunFailure):
    """The text holds no message rnn-shapes knows (exit 1 on the command line)."""


def diagnose_all(text: str) -> list[Diagnosis]:
    """Every recurrent-layer message in ``text``, in order, each explained and reproduced live;
    a reading of an unknown shape message when there is none. Raises Unrecognised."""
    searched, found = find(text, WORDINGS)
    diagnoses = [READERS[f.kind](Message(f, searched)) for f in found]
    if not diagnoses:
        read = reading(searched)
        if read is None:
            raise Unrecognised(
                "no recurrent-layer error or warning rnn-shapes knows is in the text; it knows: " + ", ".join(KINDS)
            )
        diagnoses = [read]
    for d in diagnoses:
        _reproduce(d)
        d.others = [o.kind for o in diagnoses if o is not d and o.kind != d.kind]
        d.others = list(dict.fromkeys(d.others))
    return diagnoses


def diagnose(text: str) -> Diagnosis:
    """The message that stopped the program: the last error in ``text``, else the last warning."""
    return main(diagnose_all(text))


def main(diagnoses: list[Diagnosis]) -> Diagnosis:
    errors = [d for d in diagnoses if d.severity == "error"]
    return (errors or diagnoses)[-1]


def _reproduce(d: Diagnosis) -> None:
    """Run the reproduction live and keep torch's message; a warning is raised as an error."""
    repro = d.reproduction
    if not repro.runnable:
        d.outcome = repro.unavailable
        return
    if repro.needs_cuda:
        import torch

        if not torch.cuda.is_available():
            d.outcome = "needs_cuda"
            return
    with warnings.catch_warnings():
        warnings.simplefilter("error" if repro.warning else "ignore")
        try:
            run(repro)
        except Exception as error:  # torch's message is what we came for, whatever its class
            d.reproduced = " ".join(str(error).split())
            d.reproduced_as = type(error).__name__
    if d.reproduced is None:
        d.outcome = "no_error"
    elif not d.same:
        d.outcome = "reworded" if _same_numbers(d) else "differs"


def _same_numbers(d: Diagnosis) -> bool:
    """The live message is the text's in this torch's wording: the same kind, the same numbers."""
    assert d.reproduced is not None
    _, live = find(d.reproduced, WORDINGS)
    _, given = find(d.message, WORDINGS)
    if len(live) != 1 or len(given) != 1 or live[0].kind != given[0].kind:
        return False
    digits = [[int(n) for n in re.findall(r"-?\d+", " ".join(f.numbers.values()))] for f in (live[0], given[0])]
    return digits[0] == digits[1]
