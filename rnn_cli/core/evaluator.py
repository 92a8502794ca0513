"""The second pass over a checked text: its value. The scalar semantics are here (numbers,
strings, lists, dicts, comparisons, conditionals, calls of the language's functions and of a
recurrent class); ``--expr`` adds tensors in a subclass (``expressions``). Every result is
bounded: a number too large, a string too long, a list too long is refused at its node."""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable
from typing import Any

from .errors import BadInput
from .functions import Call, Function, Scope
from .language import (
    CLASSES,
    MAX_ITEMS,
    MAX_STRING,
    MAX_WHOLE,
    Constructor,
    Namespace,
    Path,
    RecurrentClass,
    Source,
    reference,
    short,
    shown,
    spelled,
)

BINARY: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
#: What a construct outside the language is called in a refusal.
# -- the second pass: values -------------------------------------------------------------------------


class Evaluator:
    """Computes a checked tree's value. The scalar semantics are here; ``--expr`` adds tensors in
    a subclass (its attributes, methods, indexing and arithmetic)."""

    #: How to go on after a value is refused, where the message does not say already.
    WAY_ON = "; write the value itself, or a name given with --set NAME=VALUE"

    def __init__(self, source: Source, scope: Scope, *, max_whole: int = MAX_WHOLE) -> None:
        self.source, self.scope, self.max_whole = source, scope, max_whole
        #: The node whose call may make a constructor (--module's own call), if any.
        self.constructor_at: ast.AST | None = None

    def run(self) -> Any:
        return self.value(self.source.tree)

    def refuse(self, node: ast.AST, why: str) -> BadInput:
        way_on = "" if "--set" in why or "(...)" in why else self.WAY_ON
        return self.source.refuse(node, why + way_on)

    def value(self, node: ast.AST) -> Any:
        handler: Callable[[Any], Any] = getattr(self, f"value_{type(node).__name__}")
        return handler(node)

    def value_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def value_Name(self, node: ast.Name) -> Any:
        return self.lookup((node.id,), node)

    def lookup(self, path: Path, node: ast.AST) -> Any:
        if path in self.scope.bound:
            return self.scope.bound[path]
        name = path[0]
        if len(path) == 1 and name in self.scope.extra:
            return self.scope.extra[name]
        if len(path) == 1 and name in self.scope.builtins:
            return self.scope.builtins[name]
        raise self.refuse(node, f"{spelled(path)} is not bound")  # the checker lists these first

    def value_Attribute(self, node: ast.Attribute) -> Any:
        path = reference(node)
        if path is not None and path in self.scope.bound:
            return self.scope.bound[path]
        return self.attribute(self.value(node.value), node)

    def attribute(self, base: Any, node: ast.Attribute) -> Any:
        if isinstance(base, Namespace):
            if node.attr in base.members:
                return base.members[node.attr]
            hint = difflib.get_close_matches(node.attr, list(base.members), n=1)
            raise self.refuse(
                node,
                f"{base.name}.{short(node.attr)} is not read here"
                + (f" (did you mean {base.name}.{hint[0]}?)" if hint else "")
                + f": {base.name} gives {', '.join(f'{base.name}.{m}' for m in list(base.members)[:6])}",
            )
        if isinstance(base, dict) and node.attr in base:
            return base[node.attr]
        raise self.refuse(node, f"{shown(base)} has no attribute {short(node.attr)} here")

    def value_Subscript(self, node: ast.Subscript) -> Any:
        path = reference(node)
        if path is not None and path in self.scope.bound:
            return self.scope.bound[path]
        return self.index(self.value(node.value), self.value(node.slice), node)

    def index(self, base: Any, key: Any, node: ast.Subscript) -> Any:
        if isinstance(base, dict):
            if not isinstance(key, str | int) or key not in base:
                raise self.refuse(node, f"{shown(key)} is not a key of {self.source.segment(node.value)}")
            return base[key]
        if not isinstance(base, list | tuple | str):
            raise self.refuse(node, f"{self.source.segment(node.value)} cannot be indexed: it is {shown(base)}")
        if not (isinstance(key, slice) or (type(key) is int)):
            raise self.refuse(node, f"a list is indexed by whole numbers and slices, not {shown(key)}")
        try:
            return base[key]
        except IndexError:
            raise self.refuse(node, f"index {key} is outside {self.source.segment(node.value)}") from None

    def value_Slice(self, node: ast.Slice) -> slice:
        return slice(*(None if p is None else self.value(p) for p in (node.lower, node.upper, node.step)))

    def value_Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.value(item) for item in node.elts)

    def value_List(self, node: ast.List) -> list[Any]:
        return [self.value(item) for item in node.elts]

    def value_Dict(self, node: ast.Dict) -> dict[Any, Any]:
        made = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            assert key_node is not None  # the checker refused ** unpacking
            key = self.value(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise self.refuse(key_node, f"a dict's key is a number or a string, not {shown(key)}")
            made[key] = self.value(value_node)
        return made

    def value_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.value(node.operand)
        if isinstance(node.op, ast.Not):
            return not self.truth(operand, node.operand)
        return self.unary(node, operand)

    def unary(self, node: ast.UnaryOp, operand: Any) -> Any:
        self.number(node.operand, operand)
        return -operand if isinstance(node.op, ast.USub) else +operand

    def value_BinOp(self, node: ast.BinOp) -> Any:
        return self.binary(node, self.value(node.left), self.value(node.right))

    def binary(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        symbol, op = BINARY[type(node.op)]
        if symbol == "+" and isinstance(left, str) and isinstance(right, str):
            if len(left) + len(right) > MAX_STRING:
                raise self.refuse(node, f"a string longer than {MAX_STRING} characters")
            return left + right
        if symbol == "+" and isinstance(left, list | tuple) and type(left) is type(right):
            if len(left) + len(right) > MAX_ITEMS:
                raise self.refuse(node, f"at most {MAX_ITEMS} items in a list or tuple")
            joined: Any = op(left, right)
            return joined
        self.number(node.left, left)
        self.number(node.right, right)
        return self.arithmetic(node, symbol, op, left, right)

    def arithmetic(self, node: ast.BinOp, symbol: str, op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
        """Numbers only, every result bounded; ``**`` is bounded before it is computed."""
        if symbol in ("/", "//", "%") and right == 0:
            raise self.refuse(node, f"{self.source.segment(node)}: division by zero")
        whole = isinstance(left, int) and isinstance(right, int)
        big = whole and symbol == "**" and right > 0 and abs(left) > 1
        if big and right * math.log2(abs(left)) > math.log2(self.max_whole) + 1:
            raise self.refuse(node, f"{self.source.segment(node)} is larger than {self.max_whole:,}")
        try:
            result = op(left, right)
        except (OverflowError, ZeroDivisionError, ValueError):
            raise self.refuse(node, f"{self.source.segment(node)} is not a finite number") from None
        return self.bounded(node, result)

    def bounded(self, node: ast.AST, result: Any) -> Any:
        if isinstance(result, complex) or (isinstance(result, float) and not math.isfinite(result)):
            raise self.refuse(node, f"{self.source.segment(node)} is not a finite number")
        if isinstance(result, int) and abs(result) > self.max_whole:
            raise self.refuse(node, f"{self.source.segment(node)} is larger than {self.max_whole:,}")
        return result

    def number(self, node: ast.AST, value: Any) -> None:
        """Arithmetic is on numbers: a list or string repeated could grow without bound."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.refuse(node, f"arithmetic takes numbers, not {shown(value)}")

    def truth(self, value: Any, node: ast.AST) -> bool:
        if isinstance(value, bool | int | float | str | list | tuple | dict) or value is None:
            return bool(value)
        raise self.refuse(node, f"{shown(value)} is neither true nor false here")

    def value_BoolOp(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        result: Any = None
        for part in node.values:
            result = self.value(part)
            if self.truth(result, part) != is_and:
                return result
        return result

    def value_Compare(self, node: ast.Compare) -> bool:
        left = self.value(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.value(comparator)
            if not self.compare(node, op, left, right):
                return False
            left = right
        return True

    def compare(self, node: ast.Compare, op: ast.cmpop, left: Any, right: Any) -> bool:
        if isinstance(op, ast.In | ast.NotIn) and not isinstance(right, list | tuple | dict | str):
            raise self.refuse(node, f"'in' looks in a list, tuple, dict or string, not {shown(right)}")
        if isinstance(op, ast.In | ast.NotIn) and isinstance(right, str) and not isinstance(left, str):
            raise self.refuse(node, f"'in' a string takes a string, not {shown(left)}")
        if isinstance(op, ast.Is | ast.IsNot):  # only None, True and False are themselves
            same = left == right and type(left) is type(right) and left in (None, True, False)
            return same if isinstance(op, ast.Is) else not same
        try:
            return bool(_COMPARE[type(op)](left, right))
        except TypeError:
            raise self.refuse(node, f"{shown(left)} and {shown(right)} cannot be compared") from None

    def value_IfExp(self, node: ast.IfExp) -> Any:
        return self.value(node.body if self.truth(self.value(node.test), node.test) else node.orelse)

    def value_Call(self, node: ast.Call) -> Any:
        callee = self.value(node.func)
        args = [self.value(arg) for arg in node.args]
        kwargs = {kw.arg: self.value(kw.value) for kw in node.keywords if kw.arg is not None}
        return self.call(callee, args, kwargs, node)

    def call(self, callee: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if isinstance(callee, Function):
            return callee.apply(args, kwargs, Call(self, node))
        if isinstance(callee, RecurrentClass):
            if node is not self.constructor_at:
                raise self.refuse(node, f"{callee} is built by --module's own call, not inside an expression")
            values = tuple(zip(node.args, args, strict=True))
            named = tuple((kw.arg, kw.value, kwargs[kw.arg]) for kw in node.keywords if kw.arg is not None)
            return Constructor(callee, values, named, node)
        if isinstance(callee, str) and callee in CLASSES:
            raise self.refuse(
                node.func,
                f"{self.source.segment(node.func)} is the string {callee!r}, not a class: bind the class, "
                f"--set {self.source.segment(node.func)}=nn.{callee}",
            )
        raise self.refuse(node.func, f"{self.source.segment(node.func)} is {shown(callee)}, not something to call here")
