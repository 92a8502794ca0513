"""``--export onnx|torch``: the run's recurrent layer exported with the batch and the steps
dynamic and h_0 (and c_0) as inputs, by every path the format's exporters offer, each program
run against torch's module at the run's sizes and at others.

``formats`` and ``request`` are pure Python (the request, the budget, the sizes, the extra's
packages, before torch);
``program`` wraps the layer; ``onnx_paths`` and ``torch_paths`` try the exporters, and
``attempts`` checks what each made. ``export_layer`` puts them together into ``ExportFacts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .formats import ExportFormat, ExportRequest

if TYPE_CHECKING:
    import torch

    from ..config import Config
    from .facts import Attempt, ExportFacts

__all__ = ["ExportFormat", "ExportRequest", "export_layer"]


def export_layer(
    config: Config,
    module: Any,
    batch: torch.Tensor,
    lengths: torch.Tensor,
    initial: Any,
    request: ExportRequest,
    tolerance: tuple[float, float],
) -> ExportFacts:
    """The layer exported by each path of ``request.format`` and checked to ``tolerance`` (atol,
    rtol); the chosen program is the first that keeps every axis dynamic and matches torch, else
    the first that matches."""
    from .facts import ExportFacts
    from .program import exportable

    layer = exportable(config, module, batch, lengths, initial, tolerance)
    if request.format == "onnx":
        from .onnx_paths import onnx_attempts

        attempts = onnx_attempts(layer)
    else:
        from .torch_paths import torch_attempts

        attempts = torch_attempts(layer)
    chosen = _chosen(attempts)
    for attempt in attempts:  # only the chosen program is kept: it is the one written
        if attempt is not chosen:
            attempt.program = None
    atol, rtol = tolerance
    return ExportFacts(
        format=request.format,
        inputs=layer.inputs,
        outputs=layer.outputs,
        attempts=attempts,
        chosen=None if chosen is None else chosen.exporter,
        atol=atol,
        rtol=rtol,
        file=request.file,
        state_added=initial is None,
        embedding_left_out=bool(config.embed),
    )


def _chosen(attempts: list[Attempt]) -> Attempt | None:
    working = [a for a in attempts if a.ok]
    return next((a for a in working if a.outcome == "dynamic"), working[0] if working else None)
