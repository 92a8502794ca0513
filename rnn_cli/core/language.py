"""The expression language people paste, as data: its values, its limits, and the text read
into a tree with where each part stands (``read``).

One language serves --module, --set values and --expr. Python's ``ast`` reads the text;
nothing in it is ever run as Python. The language is pure: literals (numbers, strings,
True/False/None, lists, tuples, dicts), names and dotted names (``hparams.x``, ``args.x``,
``self.x.p``, ``config["x"]``) bound by ``--set`` with the same spelling, arithmetic
``+ - * / // % **`` with bounded results, comparisons, ``and``/``or``/``not``, conditional
expressions, indexing and slicing, and a few functions (``functions``): ``int``, ``float``,
``round``, ``min``, ``max``, ``abs``, ``len`` and ``getattr``. A recurrent class is a value
(``nn.LSTM``, ``torch.nn.GRU``, ``LSTM``), so a constructor whose class is held in a variable
(``rnn_type(...)``, ``getattr(nn, rnn_type)(...)``) reads once the variable is bound.

Reading happens in two passes: ``checker`` walks the tree before anything is evaluated (and
before torch is imported), refusing what is outside the language at its line and column and
collecting every unbound name; ``evaluator`` then computes the value, refusing a value
outside the bounds at its node. ``--expr`` extends both in ``expressions`` with the run's
tensors; ``bindings`` reads --set.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import BadInput

#: chain (``1+1+...``) is refused in one line instead of exhausting Python's stack.
MAX_NODES = 2000
MAX_DEPTH = 100
#: Items in a list, tuple or dict the language makes.
MAX_ITEMS = 64
#: Characters in a string the language makes.
MAX_STRING = 1000
#: Whole numbers stay within this (a size beyond it is meaningless, and refused at once).
MAX_WHOLE = 2**62
#: The recurrent classes, and the namespaces a constructor's class is written in.
CLASSES = ("RNN", "LSTM", "GRU")
#: torch's names for dtypes, and the dtype each is.
DTYPES = {
    "float32": "float32",
    "float": "float32",
    "float64": "float64",
    "double": "float64",
    "float16": "float16",
    "half": "float16",
    "bfloat16": "bfloat16",
    "int64": "int64",
    "long": "int64",
    "int32": "int32",
    "int": "int32",
    "int16": "int16",
    "short": "int16",
    "int8": "int8",
    "uint8": "uint8",
    "bool": "bool",
    "complex64": "complex64",
    "complex128": "complex128",
}
#: A name in a dotted path: an attribute, or a dict key (``config["x"]`` and ``config.x`` are one).
Key = str | int
Path = tuple[Key, ...]

# -- values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecurrentClass:
    """``nn.LSTM`` as a value: what ``--set rnn_type=nn.LSTM`` binds, and a constructor calls."""

    name: str

    def __str__(self) -> str:
        return f"nn.{self.name}"


@dataclass(frozen=True)
class Dtype:
    """``torch.float64`` as a value (its canonical name)."""

    name: str

    def __str__(self) -> str:
        return f"torch.{self.name}"


@dataclass(frozen=True)
class Namespace:
    """``nn``, ``torch`` or ``torch.nn``: what may be read from it."""

    name: str
    members: Mapping[str, Any]

    def __repr__(self) -> str:  # as a message quotes it: its name, not its members
        return self.name


@dataclass(frozen=True)
class Constructor:
    """A recurrent class called: what --module reads. Its arguments keep their nodes for messages."""

    cls: RecurrentClass
    args: tuple[tuple[ast.expr, Any], ...]
    keywords: tuple[tuple[str, ast.expr, Any], ...]
    node: ast.Call


def plain(value: Any) -> Any:
    """A value as JSON and messages show it: a class as ``nn.LSTM``, a dtype as ``torch.float64``."""
    if isinstance(value, RecurrentClass | Dtype):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def shown(value: Any) -> str:
    """A value quoted in a message, one short line."""
    text = str(value) if isinstance(value, RecurrentClass | Dtype) else repr(plain(value))
    return short(text)


def short(text: str) -> str:
    """Text quoted back in a message: its first 40 characters, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:40] + "…"


# -- the text and where each part of it stands -------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One text read into a tree: where it came from (``--module``, ``--set x``) and where each
    node stands in the text as the user gave it (line and column, counted from 1)."""

    text: str
    tree: ast.expr
    where: str
    #: What was stripped before the text was parsed: lines, and columns on its first line.
    lines_before: int = 0
    columns_before: int = 0

    @property
    def multiline(self) -> bool:
        return "\n" in self.text.strip()

    def at(self, node: ast.AST, *, start: bool = False) -> str:
        """``column 8``, or ``line 2, column 5`` in a text of several lines: where the node
        starts, or for an attribute (unless ``start``) where its name stands."""
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        if (
            isinstance(node, ast.Attribute)
            and not start
            and node.end_col_offset is not None
            and node.end_lineno == line
        ):
            column = node.end_col_offset - len(node.attr) + 1  # where the attribute's name stands
        if line == 1:
            column += self.columns_before
        if not self.multiline:
            return f"column {column}"
        return f"line {line + self.lines_before}, column {column}"

    def refuse(self, node: ast.AST, why: str) -> BadInput:
        return BadInput(f"{self.where}: {self.at(node)}: {why}")

    def segment(self, node: ast.AST) -> str:
        """The part of the text as typed, shortened to one line."""
        stripped = self.text.strip()
        return short(ast.get_source_segment(stripped, node) or ast.unparse(node))


def read(text: str, where: str, *, statement: bool = False, max_text: int = 4000) -> Source:
    """``text`` read into a tree (an expression; or, with ``statement``, one line of code whose
    value is read, ``self.rnn = nn.LSTM(...)``), measured before anything walks it."""
    if not text.strip():
        raise BadInput(f"{where}: an expression is needed")
    if len(text) > max_text:
        raise BadInput(f"{where}: longer than {max_text} characters")
    stripped = text.strip()
    before = text[: len(text) - len(text.lstrip())]
    lines_before = before.count("\n")
    columns_before = len(before) - (before.rfind("\n") + 1)
    try:
        tree = ast.parse(stripped, mode="exec" if statement else "eval")
    except SyntaxError as error:
        line = (error.lineno or 1) + lines_before
        at = f"line {line}, column {error.offset or 0}" if "\n" in stripped else f"column {error.offset or 0}"
        what = "a Python call" if statement else "a Python expression"
        raise BadInput(f"{where}: not {what} at {at}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise BadInput(f"{where}: nested too deeply") from None
    body = _statement_value(tree, where) if isinstance(tree, ast.Module) else tree.body  # type: ignore[attr-defined]
    source = Source(text, body, where, lines_before, columns_before)
    _measure(source)
    return source


def _statement_value(tree: ast.Module, where: str) -> ast.expr:
    """The value of one line as pasted: ``nn.LSTM(...)``, or assigned (the target is ignored)."""
    if len(tree.body) != 1:
        got = "nothing" if not tree.body else f"{len(tree.body)} statements"
        raise BadInput(f"{where}: not a Python call: write one constructor, e.g. nn.LSTM(4, 8) (got {got})")
    statement = tree.body[0]
    if isinstance(statement, ast.Expr | ast.Assign | ast.AnnAssign | ast.Return) and statement.value is not None:
        return statement.value
    what = type(statement).__name__.lower()
    raise BadInput(f"{where}: not a Python call: write the constructor, e.g. nn.LSTM(4, 8) (got a {what} statement)")


def _measure(source: Source) -> None:
    """Refuse a tree too large or too deep, counting without recursion."""
    stack: list[tuple[ast.AST, int]] = [(source.tree, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES or depth > MAX_DEPTH:
            raise source.refuse(
                node,
                f"too large or nested too deeply (at most {MAX_NODES} parts, {MAX_DEPTH} deep): give the "
                "value itself, or name a part with --set NAME=VALUE",
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


# -- dotted names ------------------------------------------------------------------------------------


def reference(node: ast.AST) -> Path | None:
    """The dotted name a node spells (``hparams.x``, ``config["x"]``, ``sizes[0]``), or None."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        base = reference(node.value)
        return None if base is None else (*base, node.attr)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        key = node.slice.value
        if (isinstance(key, str) or type(key) is int) and (base := reference(node.value)) is not None:
            return (*base, key)
    return None


def spelled(path: Path) -> str:
    """A dotted name written out: ``hparams.x``, ``config.x`` for ``config["x"]``, ``sizes[0]``."""
    text = str(path[0])
    for key in path[1:]:
        text += f".{key}" if isinstance(key, str) and key.isidentifier() else f"[{key!r}]"
    return text
