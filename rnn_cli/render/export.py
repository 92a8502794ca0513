"""--svg and --html: the report as a self-contained page or picture, readable light or dark.

rich lays the report out; we write the markup ourselves from its lines, so that every
colour is held to a contrast of at least 4.5:1 (WCAG AA) against the background of a light
and of a dark theme (chosen by the reader's prefers-color-scheme), nothing is fetched from
the network, and no line is clipped. Files are written whole or not at all (see ``cli``).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style

from .console import bounded_width

#: The contrast every text keeps against its background (WCAG 2 AA for normal text).
MIN_CONTRAST = 4.5
FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace"


@dataclass(frozen=True)
class Theme:
    name: str
    background: tuple[int, int, int]
    text: tuple[int, int, int]


LIGHT = Theme("light", (255, 255, 255), (31, 35, 40))
DARK = Theme("dark", (13, 17, 23), (230, 237, 243))


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(color: tuple[int, int, int], theme: Theme, *, dim: bool = False) -> tuple[int, int, int]:
    """``color`` darkened (light theme) or lightened (dark theme) just far enough to reach
    MIN_CONTRAST, keeping its hue; dim text starts a third of the way to the background."""
    if dim:
        color = _mix(color, theme.background, 0.35)
    toward = (0, 0, 0) if theme is LIGHT else (255, 255, 255)
    step = 0.0
    result = color
    while contrast(result, theme.background) < MIN_CONTRAST and step < 1.0:
        step = min(1.0, step + 0.02)
        result = _mix(color, toward, step)
    return result


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return (r, g, bl)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


# -- from rich's lines to classes --------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    """What a run of text looks like, before a theme gives it colours."""

    color: tuple[int, int, int] | None
    bold: bool
    dim: bool
    italic: bool
    underline: bool


def _look(style: Style | None) -> _Look:
    style = style or Style()
    rgb = None
    if style.color is not None and not style.color.is_default:
        r, g, b = style.color.get_truecolor()
        rgb = (r, g, b)
    return _Look(rgb, bool(style.bold), bool(style.dim), bool(style.italic), bool(style.underline))


def _lines(renderable: RenderableType, width: int) -> list[list[tuple[str, _Look]]]:
    """The report as rich draws it at ``width``: per line, runs of (text, look)."""
    console = Console(
        file=io.StringIO(), width=bounded_width(width), force_terminal=True, color_system="truecolor", highlight=False
    )
    rendered = console.render_lines(renderable, console.options, pad=False)
    lines = []
    for line in rendered:
        runs: list[tuple[str, _Look]] = []
        for segment in Segment.simplify(Segment.filter_control(line)):
            if segment.text:
                runs.append((segment.text, _look(segment.style)))
        while runs and not runs[-1][0].strip():  # nothing trails a line
            runs.pop()
        if runs:
            text, look = runs[-1]
            runs[-1] = (text.rstrip(), look)
        lines.append(runs)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _classes(lines: Iterable[list[tuple[str, _Look]]]) -> dict[_Look, str]:
    looks: dict[_Look, str] = {}
    for line in lines:
        for _, look in line:
            looks.setdefault(look, f"s{len(looks)}")
    return looks


def _css(looks: dict[_Look, str], scope: str) -> str:
    """Colours per class for both themes: light by default, dark when the reader prefers it."""

    def rules(theme: Theme) -> str:
        out = [f"{scope} {{ background: {_hex(theme.background)}; color: {_hex(theme.text)}; }}"]
        for look, name in looks.items():
            color = readable(look.color or theme.text, theme, dim=look.dim)
            out.append(f"{scope} .{name} {{ color: {_hex(color)}; fill: {_hex(color)}; }}")
        out.append(f"{scope} .bg {{ fill: {_hex(theme.background)}; }}")
        return "\n".join(out)

    shapes = []
    for look, name in looks.items():
        decl = []
        if look.bold:
            decl.append("font-weight: bold;")
        if look.italic:
            decl.append("font-style: italic;")
        if look.underline:
            decl.append("text-decoration: underline;")
        if decl:
            shapes.append(f".{name} {{ {' '.join(decl)} }}")
    return "\n".join([rules(LIGHT), "@media (prefers-color-scheme: dark) {", rules(DARK), "}", *shapes])


# -- the two formats -------------------------------------------------------------------------------


def _html_body(renderable: RenderableType, width: int) -> tuple[str, dict[_Look, str]]:
    """The report's lines as escaped spans, and the classes their looks were given."""
    lines = _lines(renderable, width)
    looks = _classes(lines)
    body = "\n".join(
        "".join(f'<span class="{looks[look]}">{html.escape(text)}</span>' for text, look in line) for line in lines
    )
    return body, looks


def html_page(renderable: RenderableType, width: int, title: str = "rnn-shapes") -> str:
    body, looks = _html_body(renderable, width)
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n"
        f"body {{ margin: 0; }}\npre {{ margin: 0; padding: 1em; font-family: {FONT}; "
        "font-size: 14px; line-height: 1.4; }\n"
        f"{_css(looks, 'html')}\n</style>\n</head>\n<body>\n<pre>{body}</pre>\n</body>\n</html>\n"
    )


def html_fragment(renderable: RenderableType, width: int, scope: str) -> str:
    """The report as a <div> for a page that holds other things (a notebook): its colours
    scoped to the div's class, light or dark as the page prefers."""
    body, looks = _html_body(renderable, width)
    return (
        f'<div class="{scope}"><style>\n{_css(looks, "." + scope)}\n'
        f".{scope} pre {{ margin: 0; padding: 0.5em; font-family: {FONT}; font-size: 13px; line-height: 1.35; }}\n"
        f"</style><pre>{body}</pre></div>"
    )


#: Picture metrics: a cell's width and a line's height, in pixels of the viewBox.
FONT_SIZE = 14
CELL = 8.4
LINE = 20.0
MARGIN = 12.0


def svg_picture(renderable: RenderableType, width: int) -> str:
    """Each run of text placed at its column and stretched to its exact cells (textLength), so
    any monospace font lines up; no clip paths, so descenders such as _ are never cut."""
    lines = _lines(renderable, width)
    looks = _classes(lines)
    columns = max((sum(cell_len(t) for t, _ in line) for line in lines), default=1)
    picture_width = 2 * MARGIN + columns * CELL
    picture_height = 2 * MARGIN + len(lines) * LINE
    texts = []
    for row, line in enumerate(lines):
        x = 0
        baseline = MARGIN + row * LINE + FONT_SIZE
        for text, look in line:
            cells = cell_len(text)
            if text.strip():
                texts.append(
                    f'<text x="{MARGIN + x * CELL:.1f}" y="{baseline:.1f}" textLength="{cells * CELL:.1f}" '
                    f'lengthAdjust="spacingAndGlyphs" class="{looks[look]}">{html.escape(text)}</text>'
                )
            x += cells
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{picture_width:.0f}" height="{picture_height:.0f}" '
        f'viewBox="0 0 {picture_width:.1f} {picture_height:.1f}" font-family="{html.escape(FONT)}" '
        f'font-size="{FONT_SIZE}" xml:space="preserve">\n'
        f"<style>\n{_css(looks, 'svg')}\ntext {{ white-space: pre; }}\n</style>\n"
        f'<rect class="bg" width="100%" height="100%"/>\n' + "\n".join(texts) + "\n</svg>\n"
    )
