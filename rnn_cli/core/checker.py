"""The first pass over a text: the language's grammar, node by node, before anything is
evaluated (and before torch is imported); every unbound name collected, so that one refusal
lists them all with the ``--set`` to write."""

from __future__ import annotations

import ast
import difflib
import keyword
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import BadInput
from .evaluator import BINARY
from .functions import FUNCTION_NAMES, Scope
from .language import CLASSES, MAX_ITEMS, MAX_STRING, MAX_WHOLE, Path, Source, reference, short, spelled

_KINDS: dict[type[ast.AST], str] = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Set: "a set",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "an assignment",
    ast.Starred: "an unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


#: Names --set may not bind: the language's own.
RESERVED = frozenset({"nn", "torch", *CLASSES, *FUNCTION_NAMES})
#: The most parts a --set name has (``a.b.c``: three).
MAX_PARTS = 8


def unsettable(path: Path) -> str | None:
    """Why --set cannot bind this dotted name, or None when it can: one rule for the names --set
    takes and the names an unbound one is told to --set."""
    if path[0] in RESERVED:
        return f"{path[0]} is the language's own name (nn.LSTM, int(...)), not a value to set"
    if len(path) > MAX_PARTS:
        return f"a name has at most {MAX_PARTS} parts"
    if any(isinstance(k, str) and (not k or k.startswith("__") or _keyword(k)) for k in path):
        return "a part is empty, a keyword or begins with __"
    return None


def _keyword(part: str) -> bool:
    return part.isidentifier() and keyword.iskeyword(part)


# -- the first pass: the grammar, and every unbound name ----------------------------------------------


@dataclass
class Unbound:
    """A name the text uses that nothing binds: where it stands, and whether it is called."""

    path: Path
    node: ast.AST
    called: bool


class Checker:
    """The language's grammar, node by node, before anything is evaluated; every unbound name is
    collected. ``--expr`` adds its tensors' attributes and methods in a subclass."""

    def __init__(self, source: Source, scope: Scope, *, open_callee: ast.AST | None = None) -> None:
        self.source, self.scope = source, scope
        self.unbound: list[Unbound] = []
        #: The one called name that may be unbound: --module's class held in a variable.
        self.open_callee = open_callee

    def check(self) -> None:
        self.visit(self.source.tree)

    def refuse(self, node: ast.AST, why: str) -> BadInput:
        return self.source.refuse(node, why)

    def visit(self, node: ast.AST, *, called: bool = False) -> None:
        handler = getattr(self, f"visit_{type(node).__name__}", None)
        if handler is None:
            kind = _KINDS.get(type(node), f"a {type(node).__name__}")
            raise self.refuse(node, f"{kind} is not read here ({self.source.segment(node)}){self.way_on()}")
        handler(node, called)

    def unbound_note(self) -> str:
        """What else the names could have been, after the list of unbound ones."""
        return ""

    def way_on(self) -> str:
        """How to go on after a refusal: what the language reads instead."""
        return "; give the value itself, or name it and give it with --set NAME=VALUE"

    def visit_Constant(self, node: ast.Constant, called: bool) -> None:
        value = node.value
        if value is not Ellipsis and type(value) not in (int, float, bool, str, type(None)):
            raise self.refuse(node, f"{type(value).__name__} values are not read here: numbers, strings and None")
        if type(value) is int and abs(value) > MAX_WHOLE:
            raise self.refuse(node, f"{self.source.segment(node)} is larger than {MAX_WHOLE:,}")
        if type(value) is float and not math.isfinite(value):
            raise self.refuse(node, f"{self.source.segment(node)} is not a finite number")
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise self.refuse(node, f"a string longer than {MAX_STRING} characters")

    def visit_Name(self, node: ast.Name, called: bool) -> None:
        self.name((node.id,), node, called)

    def name(self, path: Path, node: ast.AST, called: bool) -> None:
        """A dotted name: bound, one of the language's, or collected as unbound."""
        if any(isinstance(k, str) and k.startswith("_") for k in path):
            part = next(k for k in path if isinstance(k, str) and k.startswith("_"))
            raise self.refuse(node, f"{short(str(part))}: names beginning with _ are never touched")
        if self.scope.resolves(path):
            return
        if called and node is not self.open_callee:
            calls = ", ".join(f"{name}(...)" for name in FUNCTION_NAMES)
            raise self.refuse(node, f"{self.source.segment(node)}(...) is not a call here: the calls are {calls}")
        why = unsettable(path)
        if why is not None:  # a way on that --set would refuse is none
            raise self.refuse(node, f"{spelled(path)} is not bound, and --set cannot bind it: {why}")
        self.unbound.append(Unbound(path, node, called))

    def visit_Attribute(self, node: ast.Attribute, called: bool) -> None:
        path = reference(node)
        if path is not None and not self.scope.resolves(path[:1]):
            self.name(path, node, called)  # a dotted name: bound as a whole, or unbound as a whole
            return
        self.visit(node.value)  # left to right: what stands first is refused first
        if node.attr.startswith("_"):
            raise self.refuse(node, f"{short(node.attr)}: attributes beginning with _ are never touched")
        self.attribute(node, called)

    def attribute(self, node: ast.Attribute, called: bool) -> None:
        """An attribute of a value: the language reads those of nn and torch (checked as it runs)."""

    def visit_Subscript(self, node: ast.Subscript, called: bool) -> None:
        path = reference(node)
        if path is not None and not self.scope.resolves(path[:1]):
            self.name(path, node, called)
            return
        self.visit(node.value)
        self.visit(node.slice)

    def visit_Slice(self, node: ast.Slice, called: bool) -> None:
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                self.visit(part)

    def visit_Tuple(self, node: ast.Tuple | ast.List, called: bool) -> None:
        if len(node.elts) > MAX_ITEMS:
            raise self.refuse(node, f"at most {MAX_ITEMS} items in a list or tuple")
        for item in node.elts:
            if isinstance(item, ast.Starred):
                raise self.refuse(item, "* unpacking is not read here: write the items out")
            self.visit(item)

    visit_List = visit_Tuple

    def visit_Dict(self, node: ast.Dict, called: bool) -> None:
        if len(node.keys) > MAX_ITEMS:
            raise self.refuse(node, f"at most {MAX_ITEMS} items in a dict")
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise self.refuse(value, "** unpacking is not read here: write the items out")
            self.visit(key)
            self.visit(value)

    def visit_BinOp(self, node: ast.BinOp, called: bool) -> None:
        if type(node.op) not in BINARY:
            raise self.refuse(node, "the operators are + - * / // % **")
        self.visit(node.left)
        self.visit(node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp, called: bool) -> None:
        if isinstance(node.op, ast.Invert):
            raise self.refuse(node, "the signs are - and +, and not")
        self.visit(node.operand)

    def visit_BoolOp(self, node: ast.BoolOp, called: bool) -> None:
        for value in node.values:
            self.visit(value)

    def visit_Compare(self, node: ast.Compare, called: bool) -> None:
        self.visit(node.left)
        for comparator in node.comparators:
            self.visit(comparator)

    def visit_IfExp(self, node: ast.IfExp, called: bool) -> None:
        for part in (node.test, node.body, node.orelse):
            self.visit(part)

    def visit_Call(self, node: ast.Call, called: bool) -> None:
        self.visit(node.func, called=True)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "* unpacking is not read here: write the arguments out")
            self.visit(arg)
        for kw in node.keywords:
            if kw.arg is None:
                raise self.refuse(kw.value, "** unpacking is not read here: write the arguments out as name=value")
            self.visit(kw.value)
        self.call(node)

    def call(self, node: ast.Call) -> None:
        """A call, once its parts are checked: ``--expr`` checks its methods' keywords here."""


def check(checker: Checker, *, hints: Mapping[str, Any] | None = None, callee: str = "VALUE") -> None:
    """Run ``checker``; every unbound name is refused at once, each with the ``--set`` to write
    (``callee`` for a name that is called: ``nn.LSTM`` for a constructor's class)."""
    checker.check()
    if checker.unbound:
        message = unbound_message(checker.source, checker.unbound, checker.scope, hints or {}, callee)
        raise BadInput(message + checker.unbound_note())


def unbound_message(
    source: Source, unbound: Sequence[Unbound], scope: Scope, hints: Mapping[str, Any], callee: str
) -> str:
    """One line: every unbound name, where it stands, and the --set that binds it."""
    seen: dict[Path, Unbound] = {}
    for item in unbound:
        seen.setdefault(item.path, item)
    parts, sets = [], []
    for path, item in seen.items():
        name = spelled(path)
        hint = difflib.get_close_matches(name, scope.names(), n=1, cutoff=0.92)
        parts.append(f"{name} ({source.at(item.node, start=True)})" + (f" (did you mean {hint[0]}?)" if hint else ""))
        sets.append(f"--set {name}={_suggested(name, item, hints, callee)}")
    many = len(seen) > 1
    return (
        f"{source.where}: {'these names are' if many else 'a name is'} not bound: {', '.join(parts)}; "
        f"give {'each' if many else 'it'} a value: {' '.join(sets)}"
    )


def _suggested(name: str, item: Unbound, hints: Mapping[str, Any], callee: str) -> str:
    """What to write after ``--set NAME=``: the run's value of a setting the name resembles, the
    class for a called name, else VALUE."""
    if item.called:
        return callee
    last = name.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(last, list(hints), n=1, cutoff=0.75)
    return repr(hints[close[0]]) if close else "VALUE"
