"""--svg and --html, drawn by a real Chromium in a light and a dark theme: every text at 4.5:1
contrast or more against what is behind it, nothing fetched, nothing clipped."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_refused, invoke, require_client

pytestmark = pytest.mark.process  # a browser process draws the files

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--disable-sync", "--no-first-run", "--disable-quic"]


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(css: str) -> tuple[float, ...]:
    numbers = tuple(float(x) for x in re.findall(r"[\d.]+", css))
    assert len(numbers) == 3 or numbers[3] == 1, f"not an opaque colour: {css}"
    return numbers


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium (or $RNN_SHAPES_CHROMIUM), driven by playwright. Tests ask for it in
    their body (``request.getfixturevalue``), so a missing Chromium skips them, or under
    CI=true fails them, rather than erroring their setup."""
    chromium = require_client("chromium", names=("chromium-browser",), env_var="RNN_SHAPES_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    svg, html = folder / "report.svg", folder / "report.html"
    words = ["hello", "hi", "a_b", "\x1b[31mred"]  # underscores to clip, a control character to escape
    result = invoke(*words, "--cell", "lstm", "--bidirectional", "--steps", "--svg", str(svg), "--html", str(html))
    assert result.exit_code == 0, result.stderr
    return {"svg": svg, "html": html}


TEXTS = """() => {
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && !c.endsWith(", 0)") && c !== "transparent") return c;
    }
    return "rgb(255, 255, 255)";
  };
  const svg = document.querySelector("svg");
  if (svg) {
    const bg = getComputedStyle(svg.querySelector("rect.bg")).fill;
    const box = svg.viewBox.baseVal;
    return [...svg.querySelectorAll("text")].map((t) => {
      const b = t.getBBox();
      return {text: t.textContent, fg: getComputedStyle(t).fill, bg: bg, top: b.y, bottom: b.y + b.height,
              height: box.height, drawn: t.getComputedTextLength(), wanted: t.textLength.baseVal.value};
    });
  }
  return [...document.querySelectorAll("pre span")].filter((s) => s.textContent.trim()).map(
    (s) => ({text: s.textContent, fg: getComputedStyle(s).color, bg: background(s)}));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", ["svg", "html"])
def test_every_text_reads_in_both_themes(
    request: pytest.FixtureRequest, exports: dict[str, Path], kind: str, scheme: str
) -> None:
    browser = request.getfixturevalue("browser")
    page = browser.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.emulate_media(color_scheme=scheme)
    page.goto(exports[kind].as_uri())
    texts = page.evaluate(TEXTS)
    page.close()
    assert len(texts) > 100
    assert fetched == [exports[kind].as_uri()]  # self-contained: no font, no script, nothing else
    worst = min(texts, key=lambda t: _contrast(t["fg"], t["bg"]))
    assert _contrast(worst["fg"], worst["bg"]) >= 4.5, worst
    backgrounds = {t["bg"] for t in texts}
    assert len(backgrounds) == 1  # one background behind every text
    assert (_luminance(_rgb(backgrounds.pop())) > 0.5) == (scheme == "light")
    if kind == "svg":
        for t in texts:  # inside the picture, and laid out on the character grid
            assert t["top"] >= 0 and t["bottom"] <= t["height"], t
            assert abs(t["drawn"] - t["wanted"]) < 1, t
        assert "clip-path" not in exports["svg"].read_text()
        assert any("_" in t["text"] for t in texts) and any("\\x1b[31mred" in t["text"] for t in texts)


def test_plot_draws_an_svg_or_png_picture(tmp_path: Path) -> None:
    svg, png = tmp_path / "h.svg", tmp_path / "h.png"
    assert invoke("hello", "hi", "--bidirectional", "--plot", str(svg)).exit_code == 0
    assert invoke("hello", "hi", "--hidden", "4", "--padding", "zeros", "--plot", str(png), "--json").exit_code == 0
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "forward" in text and "backward" in text
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_plot_refuses_other_formats_and_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_refused(invoke("hello", "--plot", str(tmp_path / "h.pdf")), "--plot draws .svg or .png files")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were not installed
    assert_refused(
        invoke("hello", "--plot", str(tmp_path / "h.svg")),
        "--plot needs matplotlib, which is not installed: pip install 'rnn-shapes[plot]'",
    )
    assert not (tmp_path / "h.svg").exists()
