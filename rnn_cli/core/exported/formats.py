"""The formats --export writes and what a request for one says: no imports, so the command
line's declaration can name them without loading anything else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Where the exported program runs: ONNX (onnxruntime) or torch.export's program.
ExportFormat = Literal["onnx", "torch"]
#: What the file of each format is called.
SUFFIX: dict[ExportFormat, str] = {"onnx": ".onnx", "torch": ".pt2"}


@dataclass(frozen=True)
class ExportRequest:
    """``--export FORMAT`` (and ``--export-file FILE``): the run's layer exported and checked."""

    format: ExportFormat
    #: Where the caller has the exported model written (the command line writes it), or None.
    file: str | None = None
