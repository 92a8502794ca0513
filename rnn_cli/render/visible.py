"""Make user text safe to show: nothing in it may be read as markup or as a terminal code."""

from __future__ import annotations

import unicodedata

#: Format characters that belong inside grapheme clusters and render harmlessly.
_JOINERS = {"\u200c", "\u200d"}


def visible(text: str) -> str:
    """Replace control, format, separator and surrogate characters with escapes like ``\\x1b``.

    Printable text, including combining marks and emoji joined by ZWJ, is kept as it is.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch in _JOINERS or ch == " " or unicodedata.category(ch) in ("Mn", "Mc", "Me"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)
