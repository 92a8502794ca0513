"""--module "nn.LSTM(300, 512, num_layers=2, batch_first=True)": a constructor, read, never run.

The text is parsed with Python's ast and only literals are taken from it: numbers, strings,
True/False, and torch's dtype names. A name, a call, an attribute or a keyword that is not
the class and its literal arguments is refused with the column where it stands. Nothing in
the text is evaluated or imported.
"""

from __future__ import annotations

import ast
import difflib
from typing import Any

from ..core.errors import BadInput

#: Positional parameters in torch's order, per class (RNN takes nonlinearity fourth).
POSITIONAL = {
    "RNN": (
        "input_size",
        "hidden_size",
        "num_layers",
        "nonlinearity",
        "bias",
        "batch_first",
        "dropout",
        "bidirectional",
    ),
    "LSTM": ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size"),
    "GRU": ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional"),
}
KEYWORD_ONLY = ("device", "dtype")
#: torch's names for the two dtypes a run can have.
DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64"}
#: The module's attribute path a user may write before the class.
PREFIXES = ((), ("nn",), ("torch", "nn"))


def parse_module(text: str) -> dict[str, Any]:
    """The constructor's settings by torch's names, with ``cell`` for the class."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise BadInput(f"--module: not a Python call at column {error.offset or 0}: {error.msg}") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise BadInput(f"--module: write the constructor as a call, e.g. nn.LSTM(4, 8); got {_what(call)}")
    cls = _class(call.func)
    allowed = POSITIONAL[cls] + KEYWORD_ONLY
    settings: dict[str, Any] = {"cell": cls.lower()}
    if len(call.args) > len(POSITIONAL[cls]):
        raise BadInput(f"--module: {cls} takes at most {len(POSITIONAL[cls])} positional arguments")
    for name, node in zip(POSITIONAL[cls], call.args, strict=False):
        settings[name] = _value(name, node, cls)
    for keyword in call.keywords:
        if keyword.arg is None:
            raise BadInput(f"--module: column {keyword.value.col_offset + 1}: ** unpacking is not a literal argument")
        if keyword.arg not in allowed:
            hint = difflib.get_close_matches(keyword.arg, allowed, n=1)
            refused = {"proj_size": f"{cls} has no proj_size: only LSTM projects"}.get(keyword.arg)
            raise BadInput(
                f"--module: {refused or f'{cls} has no keyword {keyword.arg!r}'}"
                + (f" (did you mean {hint[0]}?)" if hint and not refused else "")
            )
        if keyword.arg in settings:
            raise BadInput(f"--module: {keyword.arg} is given twice")
        settings[keyword.arg] = _value(keyword.arg, keyword.value, cls)
    missing = [name for name in ("input_size", "hidden_size") if name not in settings]
    if missing:
        raise BadInput(f"--module: {cls} needs {' and '.join(missing)}")
    # what the text leaves out is torch's default, as it would be in torch: batch_first=False too
    defaults = {
        "num_layers": 1,
        "bias": True,
        "batch_first": False,
        "dropout": 0.0,
        "bidirectional": False,
        "nonlinearity": "tanh" if cls == "RNN" else None,
        "proj_size": 0,
    }
    return {**defaults, **settings}


def _class(func: ast.expr) -> str:
    path: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        path.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise BadInput(f"--module: column {func.col_offset + 1}: the class must be a name such as nn.LSTM")
    path.insert(0, node.id)
    *prefix, name = path
    if tuple(prefix) not in PREFIXES or name not in POSITIONAL:
        raise BadInput(f"--module takes nn.RNN, nn.LSTM or nn.GRU, not {'.'.join(path)}")
    return name


def _value(name: str, node: ast.expr, cls: str) -> Any:
    """A literal argument, checked against what torch takes for that parameter."""
    where = f"--module: column {node.col_offset + 1}: {name}"
    if name == "dtype":
        return _dtype(node, where)
    if not _is_literal(node):
        raise BadInput(f"{where} must be a literal, not {_what(node)}")
    value = ast.literal_eval(node)
    kind = {
        "input_size": int,
        "hidden_size": int,
        "num_layers": int,
        "proj_size": int,
        "bias": bool,
        "batch_first": bool,
        "bidirectional": bool,
        "nonlinearity": str,
        "device": str,
        "dropout": float,
    }[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadInput(f"{where} must be a whole number, not {value!r}")
    if kind is bool and not isinstance(value, bool):
        raise BadInput(f"{where} must be True or False, not {value!r}")
    if kind is str and not isinstance(value, str):
        raise BadInput(f"{where} must be a string, not {value!r}")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadInput(f"{where} must be a number, not {value!r}")
        value = float(value)
    return value


def _dtype(node: ast.expr, where: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in DTYPES:
        return DTYPES[node.value]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch":
        if node.attr in DTYPES:
            return DTYPES[node.attr]
        raise BadInput(f"{where} must be torch.float32 or torch.float64, not torch.{node.attr}")
    raise BadInput(f"{where} must be torch.float32 or torch.float64, not {_what(node)}")


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool | int | float | str)
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)


def _what(node: ast.expr) -> str:
    """A short name for what stands where a literal should."""
    names = {
        ast.Call: "a call",
        ast.Name: "a name",
        ast.Attribute: "an attribute",
        ast.BinOp: "an expression",
        ast.Lambda: "a lambda",
        ast.List: "a list",
        ast.Dict: "a dict",
        ast.Tuple: "a tuple",
        ast.Subscript: "a subscript",
    }
    text = ast.unparse(node)
    shown = text if len(text) <= 40 else text[:40] + "…"
    return f"{names.get(type(node), 'an expression')} ({shown})"
