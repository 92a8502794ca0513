"""A tensor's values for the JSON document, fast and short, read back as the very same values.

float32 values are written with 9 significant digits, the fewest that always give the same
float32 back (IEEE 754's round-trip bound), instead of the 17 digits of the double each one
becomes in Python, in one C-level pass into a template of the tensor's nesting; a whole
number keeps its ``.0``. float64 values and integers are listed as they are, for ``json``.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

#: Significant digits that always give the same float32 back.
FLOAT32_DIGITS = 9


class NonFinite(ValueError):
    """The tensor holds a NaN or an infinity, which strict JSON has no number for."""


@functools.lru_cache(maxsize=256)
def _template(shape: tuple[int, ...], number: str) -> str:
    """The JSON text of a tensor of ``shape`` with ``number`` (a %-format) in place of each value."""
    if not shape:
        return number
    inner = _template(shape[1:], number)
    return "[" + ",".join([inner] * shape[0]) + "]"


def json_values(tensor: torch.Tensor) -> str | list[Any] | float | int:
    """``tensor``'s values: JSON text (nested arrays) for float32, else nested lists for
    ``json`` to write. Raises NonFinite for a float32 NaN or infinity."""
    import torch

    if tensor.dtype != torch.float32:  # json's strict encoder refuses a NaN or an infinity in these
        listed: list[Any] | float | int = tensor.tolist()
        return listed
    text = _template(tuple(tensor.shape), f"%.{FLOAT32_DIGITS}g") % tuple(tensor.reshape(-1).tolist())
    if "n" in text or "i" in text:  # 'nan', 'inf': never part of a finite number
        raise NonFinite(str(tensor.dtype))
    if not _FRACTION.search(text):  # whole numbers only (one-hot rows, zeros): json writes them short
        every: list[Any] | float = tensor.tolist()
        return every
    if _WHOLE.search(text):  # a float stays a float: 1 is written 1.0, as json writes it
        text = _WHOLE_AT.sub(r"\1.0", text)
    return text


#: A number written with neither a point nor an exponent, between JSON's brackets and commas.
_WHOLE = re.compile(r"[\[,]-?\d+[,\]]")
_WHOLE_AT = re.compile(r"(?<=[\[,])(-?\d+)(?=[,\]])")
_FRACTION = re.compile(r"[.e]")
