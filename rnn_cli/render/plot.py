"""--plot: each word's hidden state over its steps, as a picture (matplotlib, an optional extra).

Hidden size 2 draws the path of h_t in the plane, a point per step labelled with its token;
any other size draws a line per unit over the steps. Forward and backward directions of the
last layer are drawn apart; steps that only zero padding reached are marked.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ..core.errors import BadInput
from ..core.result import Result

if TYPE_CHECKING:
    import torch

#: Words drawn, the first of the batch; a plot of thousands of paths says nothing.
MAX_WORDS = 8
INSTALL = "pip install 'rnn-shapes[plot]'"


def require_matplotlib() -> None:
    """Refuse before anything runs when the optional extra is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise BadInput(f"--plot needs matplotlib, which is not installed: {INSTALL}") from None


def plot_bytes(result: Result, image_format: str) -> bytes:
    """The picture as SVG or PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and none is touched
    from matplotlib.figure import Figure

    c = result.config
    out = result.batch_major("output")
    h, d = c.out_size, c.directions
    words = list(range(min(len(result.words), MAX_WORDS)))
    planar = h == 2
    rows = 1 if planar else len(words)
    figure = Figure(figsize=(5.5 * d, 4.2 if planar else 1.9 * rows + 0.8), layout="constrained")
    axes = figure.subplots(rows, d, squeeze=False)
    colours = matplotlib.colormaps["tab10"]
    for k, direction in enumerate(("forward", "backward")[:d]):
        half = out[:, :, k * h : (k + 1) * h]
        for row, w in enumerate(words):
            ax = axes[0 if planar else row][k]
            states, real = _steps(result, half, w)
            colour = colours(w % 10)
            label = result.words[w][:20]
            if planar:
                _path(ax, states, real, result.tokens[w], colour, label)
            else:
                _units(ax, states, real, colour, label)
            if row == 0 or planar:
                ax.set_title(f"{direction}" + (" (runs from the last step back)" if k else ""), fontsize=10)
        if planar:
            ax = axes[0][k]
            ax.set_xlabel("h[0]")
            ax.set_ylabel("h[1]")
            ax.legend(fontsize=8, loc="best")
    shown = f"first {len(words)} of {len(result.words)} words" if len(result.words) > len(words) else "every word"
    if c.padding == "packed":
        pads = "packed: pad steps are not run"
    elif len(set(result.lengths)) == 1:
        pads = "one plain batch: nothing is padded"
    else:
        pads = "× marks steps reached only by zero padding"
    figure.suptitle(f"{result.call}\n{shown}; {pads}", fontsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=110, metadata=_metadata(image_format))
    return buffer.getvalue()


def _steps(result: Result, half: torch.Tensor, w: int) -> tuple[list[list[float]], int]:
    """The word's states at every step the run computed, and how many of them are real tokens."""
    length = result.lengths[w]
    computed = length if result.config.padding == "packed" else half.shape[1]
    states: list[list[float]] = half[w, :computed].tolist()
    return states, length


def _path(ax: Any, states: list[list[float]], real: int, tokens: list[str], colour: Any, label: str) -> None:
    xs, ys = [s[0] for s in states], [s[1] for s in states]
    ax.plot(xs[:real], ys[:real], "-o", color=colour, label=label, markersize=4)
    for t in range(real):
        ax.annotate(f"{t}:{tokens[t]}", (xs[t], ys[t]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    if len(states) > real:  # zero padding ran through the cell
        ax.plot(xs[real - 1 :], ys[real - 1 :], ":x", color=colour, markersize=5)


def _units(ax: Any, states: list[list[float]], real: int, colour: Any, label: str) -> None:
    steps = range(len(states))
    for unit in range(len(states[0]) if states else 0):
        values = [s[unit] for s in states]
        ax.plot(steps[:real], values[:real], "-o", color=colour, alpha=0.35 + 0.65 / (1 + unit), markersize=3)
        if len(states) > real:
            ax.plot(steps[real - 1 :], values[real - 1 :], ":x", color=colour, alpha=0.5, markersize=4)
    ax.set_ylabel(label, fontsize=8)
    ax.set_xlabel("step t", fontsize=8)
    ax.set_xticks(list(steps))


def _metadata(image_format: str) -> dict[str, Any]:
    """No dates in the files: the same run draws the same bytes."""
    return {"Date": None} if image_format == "svg" else {"Software": None}
