"""rnn-shapes: see every shape and value of PyTorch's RNN, LSTM and GRU.

``from rnn_cli import explore`` runs the core without any command-line machinery. Importing
this package imports nothing else until a name is asked for (neither torch, typer nor rich,
ever), so the command's entry point can take charge of signals before anything loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["BadInput", "Config", "Result", "RunFailure", "__version__", "explore", "watch"]

_WHERE = {
    "BadInput": "rnn_cli.core.errors",
    "RunFailure": "rnn_cli.core.errors",
    "Config": "rnn_cli.core.config",
    "Result": "rnn_cli.core.result",
    "explore": "rnn_cli.display",
    "watch": "rnn_cli.display",
}

if TYPE_CHECKING:
    from .core.config import Config
    from .core.errors import BadInput, RunFailure
    from .core.result import Result
    from .display import explore, watch


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'rnn_cli' has no attribute {name!r}")
