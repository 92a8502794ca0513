"""--svg and --html: the whole report through rich's console export."""

from __future__ import annotations

import io

from rich.console import RenderableType

from ..core.errors import BadInput
from .console import make_console

EXPORT_WIDTH = 160


def export(renderable: RenderableType, *, svg: str | None, html: str | None) -> None:
    """Render once into a recording console with colour, then write each format asked for."""
    console = make_console(io.StringIO(), record=True, width=EXPORT_WIDTH)
    console.print(renderable)
    outputs = []
    if svg:
        outputs.append(("--svg", svg, console.export_svg(title="rnn-shapes", clear=False)))
    if html:
        outputs.append(("--html", html, console.export_html(clear=False)))
    for option, path, text in outputs:
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise BadInput(f"cannot write {option} {path!r}: {error.strerror}") from None
