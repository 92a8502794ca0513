"""Settings torch warns about: its warnings for a run's module, captured live, and what they mean.

A module's constructor warns once, when it is built (``dropout`` with one layer); the run
keeps what it said beside the module, since a cached module is not built again. Captured
warnings are recorded, never printed and never raised, whatever ``PYTHONWARNINGS`` says.
"""

from __future__ import annotations

import contextlib
import re
import warnings
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .result import RunWarning

if TYPE_CHECKING:
    import torch

#: torch's dropout warning, as rnn.py words it (torch 2.x).
DROPOUT_WARNING = re.compile(
    r"dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
    r"num_layers greater than 1, but got dropout=(?P<p>[0-9][0-9.e+-]{0,30}) and num_layers=(?P<layers>[0-9]{1,9})",
    re.ASCII,
)
#: cuDNN's warning when a module's weights are no longer its one flat buffer (CUDA only).
CONTIGUOUS_WARNING = re.compile(r"RNN module weights are not part of single contiguous chunk of memory", re.ASCII)

#: What each built (or caller's) module was warned about, kept as long as the module lives.
_WARNED: weakref.WeakKeyDictionary[Any, list[RunWarning]] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def recording(into: list[RunWarning]) -> Iterator[None]:
    """Record every warning raised inside into ``into``, each explained; none is shown or raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # ahead of any "error" filter: recorded, not raised
        yield
    for item in caught:
        message = str(item.message)
        into.append(RunWarning(item.category.__name__, message, meaning(message)))


def remember(module: Any, said: list[RunWarning]) -> None:
    """What ``module`` was warned about when it was built (or run)."""
    _WARNED.setdefault(module, []).extend(said)


def module_warnings(module: torch.nn.RNNBase) -> list[RunWarning]:
    """torch's warnings for this module: those its construction raised, or, for a module the
    caller built, those its settings raise now, asked of a twin on the meta device (no memory)."""
    said = _WARNED.get(module)
    if said is None:
        said = []
        if float(module.dropout) > 0:  # the one setting torch's constructor warns about
            with recording(said):
                twin: Any = type(module)
                twin(1, 1, num_layers=module.num_layers, dropout=module.dropout, device="meta")
        _WARNED[module] = said
    return list(said)


def dropout_meaning(p: str, layers: int) -> str:
    """What dropout=p does with ``layers`` layers, in eval mode and in training."""
    if layers <= 1:
        return (
            f"dropout acts between stacked layers, on the output of every layer but the last: with "
            f"num_layers={layers} there is no such place, so dropout={p} drops nothing, in training or not. "
            f"This run is in eval mode, where dropout is off anyway; for dropout in training give "
            f"num_layers=2 or more, or put nn.Dropout({p}) after the layer (on output)"
        )
    return (
        f"dropout={p} is off in this run (eval mode); in training (module.train()) each value passed from "
        f"one layer to the next ({layers - 1} such place{'s' if layers > 2 else ''}) is zeroed with "
        f"probability {p} and the rest scaled by 1/(1 - {p}); output, h_n and c_n of the last layer are not"
    )


def meaning(message: str) -> str:
    """What a torch warning about a recurrent module means, in a sentence."""
    found = DROPOUT_WARNING.search(message)
    if found:
        return dropout_meaning(found["p"], int(found["layers"]))
    if CONTIGUOUS_WARNING.search(message):
        return (
            "cuDNN wants the weights in one flat buffer; they were moved or replaced (DataParallel, "
            "weight_norm, assigning a Parameter), so every call copies them first: call "
            "module.flatten_parameters() after changing them (or at the start of forward)"
        )
    return "torch's warning for this module, as it said it"
