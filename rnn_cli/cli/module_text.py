"""--module "nn.LSTM(300, 512, num_layers=2, batch_first=True)": a constructor, read, never run.

The text is parsed with Python's ast and walked over a whitelist: numbers, strings,
True/False/None, torch's dtype names, names bound with ``--set NAME=VALUE`` and integer
arithmetic on them (``+ - * //`` and parentheses, every result bounded). The line may be
pasted as written, ``self.rnn = nn.LSTM(...)``: the assignment's target is ignored. A call
other than the class, an attribute other than ``nn.``/``torch.nn.``, a subscript, a lambda or
a comprehension is refused with the column where it stands. Nothing in the text is evaluated
or imported, and neither is any ``--set`` value.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import BadInput
from ..core.settings import BY_FIELD, FACTORY_KEYWORDS, TORCH_ARGUMENTS, TORCH_REQUIRED, torch_defaults

#: torch's names for the two dtypes a run can have.
DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64"}
#: The module's attribute path a user may write before the class.
PREFIXES = ((), ("nn",), ("torch", "nn"))
#: Whole numbers in --module arithmetic stay within this (a hidden size of 2**40 is refused
#: long before by the memory budget; this only keeps the arithmetic itself instant).
MAX_WHOLE = 2**40
#: Longest --module or --set text read.
MAX_TEXT = 4000
#: Names a --set may not bind: the constructor's own path.
RESERVED = frozenset({"nn", "torch"})


def parse_bindings(items: Sequence[str] | None, *, option: str = "--set") -> dict[str, Any]:
    """``NAME=VALUE`` pairs to a dict; each value a literal (int, float, bool, None, a quoted
    string), read with ast over a whitelist, never evaluated. A name given twice takes its last value."""
    bound: dict[str, Any] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadInput(f"{option} takes NAME=VALUE, e.g. {option} hidden_dim=256 (got {_short(item)!r})")
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("__"):
            raise BadInput(f"{option} {_short(name)!r}: a name is a Python identifier such as hidden_dim")
        if name in RESERVED:
            raise BadInput(f"{option} {name}: {name} is the constructor's own path (nn.LSTM), not a value to set")
        bound[name] = _literal(text, f"{option} {name}")
    return bound


def _literal(text: str, where: str) -> Any:
    """One literal value: a number (signed), True/False/None or a quoted string."""
    if len(text) > MAX_TEXT:
        raise BadInput(f"{where}: the value is longer than {MAX_TEXT} characters")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise BadInput(f"{where}: not a literal value at column {error.offset or 0}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise BadInput(f"{where}: not a literal value") from None
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
        if not (isinstance(node, ast.Constant) and type(node.value) in (int, float)):
            raise BadInput(f"{where}: a sign goes before a number only")
    if isinstance(node, ast.Name):
        raise BadInput(
            f"{where}: the value must be a literal, not a name ({_short(node.id)}); quote a string: '{node.id}'"
        )
    if not isinstance(node, ast.Constant) or type(node.value) not in (int, float, bool, str, type(None)):
        raise BadInput(
            f"{where}: the value must be a literal (a number, True, False, None or a quoted string), not {_what(node)}"
        )
    value: Any = node.value
    if type(value) is float and not math.isfinite(value):
        raise BadInput(f"{where}: {_short(text.strip())} is not a finite number")
    if type(value) is int and abs(value) > MAX_WHOLE:
        raise BadInput(f"{where}: {_short(str(value))} is larger than {MAX_WHOLE:,}")
    return -value if sign == -1 else value


def parse_module(text: str, names: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The constructor's settings by torch's names, with ``cell`` for the class.

    ``names`` are the values of ``--set``: a name in the text stands for its value.
    """
    if len(text) > MAX_TEXT:
        raise BadInput(f"--module: the text is longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip(), mode="exec")
    except SyntaxError as error:
        raise BadInput(f"--module: not a Python call at column {error.offset or 0}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise BadInput("--module: not a Python call: nested too deeply") from None
    call = _constructor(tree)
    cls = _class(call.func)
    reader = _Reader(names or {}, cls)
    positional = TORCH_ARGUMENTS[cls]
    allowed = positional + FACTORY_KEYWORDS
    settings: dict[str, Any] = {"cell": cls.lower()}
    if len(call.args) > len(positional):
        raise BadInput(f"--module: {cls} takes at most {len(positional)} positional arguments")
    for name, node in zip(positional, call.args, strict=False):
        if isinstance(node, ast.Starred):
            raise BadInput(f"--module: column {node.col_offset + 1}: * unpacking is not a literal argument")
        settings[name] = reader.value(name, node)
    for kw in call.keywords:
        if kw.arg is None:
            raise BadInput(f"--module: column {kw.value.col_offset + 1}: ** unpacking is not a literal argument")
        if kw.arg not in allowed:
            hint = difflib.get_close_matches(kw.arg, allowed, n=1)
            refused = {"proj_size": f"{cls} has no proj_size: only LSTM projects"}.get(kw.arg)
            raise BadInput(
                f"--module: {refused or f'{cls} has no keyword {kw.arg!r}'}"
                + (f" (did you mean {hint[0]}?)" if hint and not refused else "")
            )
        if kw.arg in settings:
            raise BadInput(f"--module: {kw.arg} is given twice")
        settings[kw.arg] = reader.value(kw.arg, kw.value)
    missing = [name for name in TORCH_REQUIRED if name not in settings]
    if missing:
        raise BadInput(f"--module: {cls} needs {' and '.join(missing)}")
    # what the text leaves out is torch's default, as it would be in torch: batch_first=False too
    return {**torch_defaults(cls), **settings}


def _constructor(tree: ast.Module) -> ast.Call:
    """The call of one line: the constructor itself, or assigned (``self.rnn = nn.LSTM(...)``)."""
    if len(tree.body) != 1:
        got = "nothing" if not tree.body else f"{len(tree.body)} statements"
        raise BadInput(f"--module: not a Python call: write one constructor, e.g. nn.LSTM(4, 8) (got {got})")
    statement = tree.body[0]
    value: ast.expr | None = None
    if isinstance(statement, ast.Expr):
        value = statement.value
    elif isinstance(statement, ast.Assign | ast.AnnAssign):
        value = statement.value  # the target is ignored, whatever it is
    else:
        what = type(statement).__name__.lower()
        raise BadInput(
            f"--module: not a Python call: write the constructor, e.g. nn.LSTM(4, 8) (got a {what} statement)"
        )
    if not isinstance(value, ast.Call):
        got = "nothing" if value is None else _what(value)
        raise BadInput(f"--module: write the constructor as a call, e.g. nn.LSTM(4, 8); got {got}")
    return value


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
    if tuple(prefix) not in PREFIXES or name not in TORCH_ARGUMENTS:
        raise BadInput(f"--module takes nn.RNN, nn.LSTM or nn.GRU, not {'.'.join(path)}")
    return name


class _Reader:
    """Reads one argument: a literal, a --set name, or whole-number arithmetic over both."""

    def __init__(self, names: Mapping[str, Any], cls: str) -> None:
        self.names, self.cls = names, cls

    def value(self, name: str, node: ast.expr) -> Any:
        """A literal argument, checked against what torch takes for that parameter."""
        where = f"--module: column {node.col_offset + 1}: {name}"
        if name == "dtype":
            if isinstance(node, ast.Name):  # a --set name holding 'float64'
                return _dtype(ast.Constant(self._name(node, name)), where)
            return _dtype(node, where)
        value = self._read(name, node)
        kind = BY_FIELD[name].value_kind  # what the declaration says it is
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

    def _read(self, name: str, node: ast.expr) -> Any:
        where = f"--module: column {node.col_offset + 1}: {name}"
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float, bool, str, type(None)):
                raise BadInput(f"{where} must be a literal, not {_what(node)}")
            if type(node.value) is int and abs(node.value) > MAX_WHOLE:
                raise BadInput(f"{where}: {_short(str(node.value))} is larger than {MAX_WHOLE:,}")
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node, name)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self._read(name, node.operand)
            if isinstance(operand, bool) or not isinstance(operand, int | float):
                raise BadInput(f"{where}: a sign goes before a number, not {operand!r}")
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self._arithmetic(name, node)
        if isinstance(node, ast.Attribute):
            shown = _short(ast.unparse(node))
            raise BadInput(
                f"{where} must be a literal, not an attribute ({shown}): only the class is written nn.X; "
                f"write a name for the value and give it with --set {node.attr}=VALUE"
            )
        raise BadInput(f"{where} must be a literal, not {_what(node)}")

    def _name(self, node: ast.Name, name: str) -> Any:
        if node.id in self.names:
            return self.names[node.id]
        hint = difflib.get_close_matches(node.id, list(self.names), n=1)
        raise BadInput(
            f"--module: column {node.col_offset + 1}: {name}: {node.id} is not bound; "
            f"give its value with --set {node.id}=VALUE" + (f" (did you mean {hint[0]}?)" if hint else "")
        )

    def _arithmetic(self, name: str, node: ast.BinOp) -> int:
        where = f"--module: column {node.col_offset + 1}: {name}"
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//"}
        symbol = ops.get(type(node.op))
        if symbol is None:
            op = {ast.Pow: "**", ast.Div: "/", ast.Mod: "%", ast.MatMult: "@"}.get(type(node.op), "this operator")
            raise BadInput(f"{where}: {op} is not whole-number arithmetic here: + - * // and parentheses are")
        sides = self._read(name, node.left), self._read(name, node.right)
        for side in sides:
            if isinstance(side, bool) or not isinstance(side, int):
                raise BadInput(f"{where}: arithmetic here takes whole numbers, not {side!r}")
        left, right = int(sides[0]), int(sides[1])
        if symbol == "//" and right == 0:
            raise BadInput(f"{where}: division by zero")
        result = {"+": left + right, "-": left - right, "*": left * right, "//": left // right if right else 0}[symbol]
        if abs(result) > MAX_WHOLE:
            raise BadInput(f"{where}: {_short(ast.unparse(node))} is larger than {MAX_WHOLE:,}")
        return result


def _dtype(node: ast.expr, where: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in DTYPES:
        return DTYPES[node.value]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch":
        if node.attr in DTYPES:
            return DTYPES[node.attr]
        raise BadInput(f"{where} must be torch.float32 or torch.float64, not torch.{node.attr}")
    raise BadInput(f"{where} must be torch.float32 or torch.float64, not {_what(node)}")


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
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.Set: "a set",
        ast.Starred: "an unpacking",
        ast.NamedExpr: "an assignment",
        ast.JoinedStr: "an f-string",
        ast.Compare: "a comparison",
        ast.IfExp: "a conditional",
    }
    return f"{names.get(type(node), 'an expression')} ({_short(ast.unparse(node))})"


def _short(text: str) -> str:
    """Text quoted back in a message: its first 40 characters."""
    return text if len(text) <= 40 else text[:40] + "…"
