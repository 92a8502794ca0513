"""rnn-shapes: see every shape and value of PyTorch's RNN, LSTM and GRU.

``from rnn_cli import explore`` runs the core without any command-line machinery.
"""

from __future__ import annotations

from .config import Config
from .errors import BadInput, RunFailure
from .explore import explore
from .result import Result

__version__ = "0.1.0"
__all__ = ["BadInput", "Config", "Result", "RunFailure", "__version__", "explore"]
