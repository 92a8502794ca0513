"""--plot: each word's hidden state over its steps, as a picture (matplotlib, an optional extra).

Hidden size 2 draws the path of h_t in the plane, a point per step labelled with its token;
any other size draws a line per unit over the steps (the first MAX_UNITS units). Forward and
backward directions of the last layer are drawn apart; steps that only zero padding reached
are marked. Words and tokens are drawn as text, never read as matplotlib's math (``$x$``),
and a long word costs what its points cost: a few dozen labels and ticks, whatever its length.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.errors import BadInput, RunFailure
from ..core.result import Result
from .visible import visible

if TYPE_CHECKING:
    import torch

#: Words drawn, the first of the batch; a plot of thousands of paths says nothing.
MAX_WORDS = 8
#: Units drawn per word when the state is not a point in the plane.
MAX_UNITS = 8
#: Tokens labelled on a path, and steps marked with a dot; a longer word has every k-th.
MAX_LABELS = 40
MAX_MARKED = 200
INSTALL = "pip install 'rnn-shapes[plot]'"


@contextlib.contextmanager
def _our_backend() -> Iterator[None]:
    """matplotlib imported for drawing into memory: $MPLBACKEND (read at import, and fatal when
    it names no backend) is not ours to follow, since no window is ever opened."""
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "agg"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


def require_matplotlib() -> None:
    """Refuse before anything runs when the optional extra is missing (or cannot start)."""
    _matplotlib()


def _matplotlib() -> Any:
    try:
        with _our_backend(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a font cache being built, an unwritable config directory
            import matplotlib

            matplotlib.use("Agg")  # no display needed, and none is touched
    except ImportError:
        raise BadInput(f"--plot needs matplotlib, which is not installed: {INSTALL}") from None
    except Exception as error:  # a broken matplotlibrc, a font cache it cannot write
        raise RunFailure(f"--plot: matplotlib could not start: {type(error).__name__}: {error}") from None
    return matplotlib


def plot_bytes(result: Result, image_format: str) -> bytes:
    """The picture as SVG or PNG bytes."""
    matplotlib = _matplotlib()
    # as text, in matplotlib's own defaults: no LaTeX a matplotlibrc asked for; no warning
    # (a glyph the font lacks) raised as an error under PYTHONWARNINGS=error
    with matplotlib.rc_context({"text.usetex": False}), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _draw(matplotlib, result, image_format)


def _draw(matplotlib: Any, result: Result, image_format: str) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

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
            label = visible(result.words[w][:20])
            if planar:
                _path(ax, states, real, result.tokens[w] if w < len(result.tokens) else [], colour, label)
            else:
                _units(ax, states, real, colour, label)
                ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
            if row == 0 or planar:
                ax.set_title(f"{direction}" + (" (runs from the last step back)" if k else ""), fontsize=10)
        if planar:
            ax = axes[0][k]
            ax.set_xlabel("h[0]")
            ax.set_ylabel("h[1]")
            for text in ax.legend(fontsize=8, loc="best").get_texts():
                text.set_parse_math(False)
    shown = f"first {len(words)} of {len(result.words)} words" if len(result.words) > len(words) else "every word"
    if not planar and h > MAX_UNITS:
        shown += f", units 0 to {MAX_UNITS - 1} of {h}"
    if c.padding == "packed":
        pads = "packed: pad steps are not run"
    elif len(set(result.lengths)) == 1:
        pads = "one plain batch: nothing is padded"
    else:
        pads = "× marks steps reached only by zero padding"
    figure.suptitle(f"{result.call}\n{shown}; {pads}", fontsize=9, parse_math=False)
    _declutter(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=110, metadata=_metadata(image_format))
    return buffer.getvalue()


def _declutter(figure: Any) -> None:
    """Step labels that would cover one already placed, or the legend, are left out: where
    states crowd together, the first word's labels stay and a pile of text does not."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()  # type: ignore[no-untyped-call]
    figure.draw_without_rendering()  # the layout settled: each label where it will be drawn
    for ax in figure.axes:
        legend = ax.get_legend()
        placed = [legend.get_window_extent(renderer)] if legend is not None else []
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            if any(box.overlaps(other) for other in placed):
                text.set_visible(False)
            else:
                placed.append(box)


def _steps(result: Result, half: torch.Tensor, w: int) -> tuple[list[list[float]], int]:
    """The word's states at every step the run computed, and how many of them are real tokens."""
    length = result.lengths[w]
    computed = length if result.config.padding == "packed" else half.shape[1]
    states: list[list[float]] = half[w, :computed, :MAX_UNITS].tolist()  # only the units drawn
    return states, length


def _every(count: int, most: int) -> range:
    """At most ``most`` of 0..count-1, evenly spaced."""
    return range(0, count, max(1, -(-count // most)))


def _path(ax: Any, states: list[list[float]], real: int, tokens: list[str], colour: Any, label: str) -> None:
    xs, ys = [s[0] for s in states], [s[1] for s in states]
    ax.plot(xs[:real], ys[:real], "-o" if real <= MAX_MARKED else "-", color=colour, label=label, markersize=4)
    for t in _every(real, MAX_LABELS):
        ax.annotate(
            f"{t}:{visible(tokens[t])}" if t < len(tokens) else f"{t}",
            (xs[t], ys[t]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
            parse_math=False,
        )
    if len(states) > real:  # zero padding ran through the cell
        ax.plot(xs[real - 1 :], ys[real - 1 :], ":x" if len(states) - real <= MAX_MARKED else ":", color=colour)


def _units(ax: Any, states: list[list[float]], real: int, colour: Any, label: str) -> None:
    steps = range(len(states))
    marked = len(states) <= MAX_MARKED
    for unit in range(len(states[0]) if states else 0):
        values = [s[unit] for s in states]
        alpha = 0.35 + 0.65 / (1 + unit)
        ax.plot(steps[:real], values[:real], "-o" if marked else "-", color=colour, alpha=alpha, markersize=3)
        if len(states) > real:
            ax.plot(steps[real - 1 :], values[real - 1 :], ":x" if marked else ":", color=colour, alpha=0.5)
    ax.set_ylabel(label, fontsize=8, parse_math=False)
    ax.set_xlabel("step t", fontsize=8)


def _metadata(image_format: str) -> dict[str, Any]:
    """No dates in the files: the same run draws the same bytes."""
    return {"Date": None} if image_format == "svg" else {"Software": None}
