"""rnn-shapes: see every shape and value of PyTorch's RNN, LSTM and GRU.

``from rnn_cli import explore`` runs the core without any command-line machinery; importing
this package imports neither torch, typer nor rich.
"""

from __future__ import annotations

from .core.config import Config
from .core.errors import BadInput, RunFailure
from .core.explore import explore
from .core.result import Result

__version__ = "0.1.0"
__all__ = ["BadInput", "Config", "Result", "RunFailure", "__version__", "explore"]
