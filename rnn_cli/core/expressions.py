"""--expr EXPR: your own next line, run on the run's tensors by a small interpreter, never eval.

Reading (``parse_expressions``, no torch) walks Python's AST over a whitelist: the names
``output``, ``h_n``, ``c_n``, ``h_0``, ``c_0``, ``lengths``, ``input`` (``embedded`` with an
embedding) and ``torch``, ``--set`` names, numbers, ``...`` and ``None``; indexing and
slicing; ``+ - * / // % **``; the tensor methods and torch functions in ``METHODS`` and
``FUNCTIONS``; ``.shape``. Anything else (a dunder, another name, another call or attribute,
a lambda, a comprehension) is refused with its column, before torch is imported.

Running (``user_idioms``) walks the same tree. The values are the run's tensors, Python
numbers, tuples, slices: nothing else is ever reachable. Every operation that makes a new
tensor is first run on the meta device, which computes shapes and allocates nothing, and is
refused when its result would not fit in what ``--max-memory`` leaves for the expressions;
whole-number arithmetic is bounded too. torch's own error, when it refuses, is the answer.

Each value is then held against the run's final states, as the checked idioms are: per word,
whether it is the final state of the last layer and, if not, whether it holds the same
numbers in another order (the directions swapped), one direction only, or another layer's.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .budget import human_bytes
from .config import Config
from .errors import BadInput
from .result import Idiom, NamedWords, named_words

if TYPE_CHECKING:
    import torch

#: The run's tensors an expression may name (``c_n``/``c_0`` for an LSTM, ``embedded`` with an embedding).
NAMES = ("output", "h_n", "c_n", "h_0", "c_0", "lengths", "input", "embedded")
#: Tensor methods, with the keywords each takes; ``VIEWS`` of them allocate nothing.
METHODS: dict[str, frozenset[str]] = {
    "view": frozenset(),
    "reshape": frozenset(),
    "permute": frozenset({"dims"}),
    "transpose": frozenset({"dim0", "dim1"}),
    "squeeze": frozenset({"dim"}),
    "unsqueeze": frozenset({"dim"}),
    "flip": frozenset({"dims"}),
    "sum": frozenset({"dim", "keepdim"}),
    "mean": frozenset({"dim", "keepdim"}),
    "contiguous": frozenset(),
    "size": frozenset({"dim"}),
}
#: torch functions, with the keywords each takes.
FUNCTIONS: dict[str, frozenset[str]] = {
    "cat": frozenset({"dim"}),
    "stack": frozenset({"dim"}),
    "arange": frozenset({"start", "end", "step"}),
    "flip": frozenset({"dims"}),
    "sum": frozenset({"dim", "keepdim"}),
    "mean": frozenset({"dim", "keepdim"}),
    "transpose": frozenset({"dim0", "dim1"}),
    "permute": frozenset({"dims"}),
    "squeeze": frozenset({"dim"}),
    "unsqueeze": frozenset({"dim"}),
    "reshape": frozenset({"shape"}),
}
VIEWS = frozenset({"view", "permute", "transpose", "squeeze", "unsqueeze", "size"})
#: Attributes read without a call: the size, and the transpose of a matrix (a view).
ATTRIBUTES = frozenset({"shape", "T"})
MAX_TEXT = 1000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_ITEMS = 64
#: Whole numbers an expression computes stay within this (sizes beyond it are refused at once).
MAX_WHOLE = 2**62

_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_KINDS: dict[type[ast.AST], str] = {
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "a conditional",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "an assignment",
    ast.Starred: "an unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


@dataclass(frozen=True)
class Expression:
    """One --expr, read and checked: its text as typed and its tree."""

    text: str
    tree: ast.expr = field(compare=False, repr=False)
    #: The run's tensors it names.
    names: frozenset[str] = frozenset()
    #: Its place among the --expr given, from 1, for messages.
    number: int = 1


def parse_expressions(
    texts: Sequence[str],
    *,
    config: Config,
    bindings: Mapping[str, Any] | None = None,
    option: str = "--expr",
) -> tuple[Expression, ...]:
    """Each text read over the whitelist, or BadInput naming the column of what is not in it."""
    bound = dict(bindings or {})
    available = {"output", "h_n", "h_0", "lengths", "input"}
    if config.cell == "lstm":
        available |= {"c_n", "c_0"}
    if config.embed:
        available.add("embedded")
    parsed = []
    for number, text in enumerate(texts, start=1):
        where = f"{option} {text.strip()[:40]!r}" if len(texts) == 1 else f"{option} {number} ({text.strip()[:40]!r})"
        parsed.append(_parse(text, where, number, available, bound, config))
    return tuple(parsed)


def _parse(
    text: str, where: str, number: int, available: set[str], bound: Mapping[str, Any], config: Config
) -> Expression:
    if not text.strip():
        raise BadInput(f"{where}: an expression is needed, e.g. h_n[-1]")
    if len(text) > MAX_TEXT:
        raise BadInput(f"{where}: longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise BadInput(f"{where}: not a Python expression at column {error.offset or 0}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise BadInput(f"{where}: nested too deeply") from None
    checker = _Checker(where, available, bound, config)
    checker.visit(tree.body, 0)
    return Expression(text.strip(), tree.body, frozenset(checker.names), number)


class _Checker:
    """The whitelist, node by node; a refusal names the column."""

    def __init__(self, where: str, available: set[str], bound: Mapping[str, Any], config: Config) -> None:
        self.where, self.available, self.bound, self.config = where, available, bound, config
        self.nodes = 0
        self.names: set[str] = set()

    def refuse(self, node: ast.AST, why: str) -> BadInput:
        column = getattr(node, "col_offset", -1) + 1
        if isinstance(node, ast.Attribute) and node.end_col_offset is not None:  # where the attribute's name is
            column = node.end_col_offset - len(node.attr) + 1
        return BadInput(f"{self.where}: column {column}: {why}")

    def visit(self, node: ast.AST, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise self.refuse(node, f"too large or nested too deeply (at most {MAX_NODES} parts, {MAX_DEPTH} deep)")
        if isinstance(node, ast.Constant):
            if node.value is not Ellipsis and type(node.value) not in (int, float, bool, type(None)):
                raise self.refuse(node, f"{type(node.value).__name__} values are not read here: numbers, ... and None")
            if type(node.value) is int and abs(node.value) > MAX_WHOLE:
                raise self.refuse(node, f"{_short(ast.unparse(node))} is larger than {MAX_WHOLE:,}")
            return
        if isinstance(node, ast.Name):
            self.name(node)
            return
        if isinstance(node, ast.Attribute):  # left to right: what stands first is refused first
            if not (isinstance(node.value, ast.Name) and node.value.id == "torch"):
                self.visit(node.value, depth + 1)
            self.attribute(node, called=False)
            return
        if isinstance(node, ast.Call):
            self.call(node, depth)
            return
        if isinstance(node, ast.Subscript):
            self.visit(node.value, depth + 1)
            self.visit(node.slice, depth + 1)
            return
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.visit(part, depth + 1)
            return
        if isinstance(node, ast.Tuple | ast.List):
            if len(node.elts) > MAX_ITEMS:
                raise self.refuse(node, f"at most {MAX_ITEMS} items in a list or tuple")
            for item in node.elts:
                self.visit(item, depth + 1)
            return
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                raise self.refuse(node, "the operators are + - * / // % **")
            self.visit(node.left, depth + 1)
            self.visit(node.right, depth + 1)
            return
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise self.refuse(node, "the signs are - and +")
            self.visit(node.operand, depth + 1)
            return
        kind = _KINDS.get(type(node), f"a {type(node).__name__}")
        raise self.refuse(node, f"{kind} is not read here ({_short(ast.unparse(node))})")

    def name(self, node: ast.Name) -> None:
        if node.id == "torch":
            raise self.refuse(node, "torch is written before one of its functions: torch.cat(...), torch.arange(...)")
        if node.id in self.available:
            self.names.add(node.id)
            return
        if node.id in self.bound:
            return
        if node.id in NAMES:
            what = "an embedding's output" if node.id == "embedded" else "an LSTM's"
            raise self.refuse(node, f"{node.id} is {what}; this run is {self.config.cell}")
        names = ", ".join(sorted(self.available)) + ", torch"
        raise self.refuse(node, f"{_short(node.id)} is not a name here: the names are {names} (and --set names)")

    def attribute(self, node: ast.Attribute, *, called: bool) -> None:
        if node.attr.startswith("_"):
            raise self.refuse(node, f"{_short(node.attr)}: attributes beginning with _ are never touched")
        base = node.value
        if isinstance(base, ast.Name) and base.id == "torch":
            if node.attr not in FUNCTIONS:
                raise self.refuse(node, f"torch.{_short(node.attr)} is not one of torch.{', torch.'.join(FUNCTIONS)}")
            if not called:
                raise self.refuse(node, f"torch.{node.attr} is called here, not passed: torch.{node.attr}(...)")
            return
        if called and node.attr in METHODS:
            return
        if not called and node.attr in ATTRIBUTES:
            return
        allowed = ", ".join(f".{m}()" for m in METHODS) + ", .shape, .T"
        raise self.refuse(node, f".{_short(node.attr)} is not read here: the methods are {allowed}")

    def call(self, node: ast.Call, depth: int) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            raise self.refuse(node, f"{_short(ast.unparse(func))}(...) is not a call here: torch.cat(...), x.view(...)")
        is_torch = isinstance(func.value, ast.Name) and func.value.id == "torch"
        if not is_torch:
            self.visit(func.value, depth + 1)
        self.attribute(func, called=True)
        keywords = (FUNCTIONS if is_torch else METHODS)[func.attr]
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "* unpacking is not read here")
            self.visit(arg, depth + 1)
        for kw in node.keywords:
            if kw.arg is None:
                raise self.refuse(kw.value, "** unpacking is not read here")
            if kw.arg not in keywords:
                takes = ", ".join(sorted(keywords)) or "no keywords"
                raise self.refuse(kw.value, f"{func.attr} takes {takes} here, not {kw.arg}=")
            self.visit(kw.value, depth + 1)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= 120 else line[:120] + "…"


# -- running ---------------------------------------------------------------------------------------


class _Refused(Exception):
    """A Python-level refusal while running (not torch's): the idiom's error."""


class _Evaluator:
    """Walks a checked tree over the run's tensors, every new tensor sized on the meta device first."""

    def __init__(self, expression: Expression, env: Mapping[str, Any], left: int, where: str) -> None:
        self.expression, self.env, self.left, self.where = expression, env, left, where

    def run(self) -> Any:
        return self.value(self.expression.tree)

    def refuse(self, node: ast.AST, why: str) -> BadInput:
        return BadInput(f"{self.where}: column {getattr(node, 'col_offset', -1) + 1}: {why}")

    def source(self, node: ast.AST) -> str:
        """The part of the expression as typed."""
        return _short(ast.get_source_segment(self.expression.text, node) or ast.unparse(node))

    def value(self, node: ast.AST) -> Any:
        import torch

        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.env[node.id]
        if isinstance(node, ast.Attribute):  # .shape or .T, the attributes read without a call
            base = self.value(node.value)
            if not isinstance(base, torch.Tensor):
                raise _Refused(f".{node.attr} is a tensor's, not a {type(base).__name__}'s")
            if node.attr == "T":
                return base.T
            return tuple(int(s) for s in base.shape)
        if isinstance(node, ast.Tuple):
            return tuple(self.value(item) for item in node.elts)
        if isinstance(node, ast.List):
            return [self.value(item) for item in node.elts]
        if isinstance(node, ast.Slice):
            return slice(*(None if p is None else self.value(p) for p in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(operand, torch.Tensor):
                return self.sized(node, lambda t: -t if isinstance(node.op, ast.USub) else +t, operand)
            self.number(node, operand)
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise AssertionError(f"unchecked node {type(node).__name__}")  # the checker refused it before

    def number(self, node: ast.AST, value: Any) -> None:
        """Arithmetic is on numbers and tensors: a list, tuple or string repeated or joined could
        grow without bound, so it is refused here, before it is made."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.refuse(node, f"arithmetic takes numbers and tensors, not a {type(value).__name__}")

    def binary(self, node: ast.BinOp) -> Any:
        import operator

        import torch

        left, right = self.value(node.left), self.value(node.right)
        symbol = _OPERATORS[type(node.op)]
        op: Callable[[Any, Any], Any] = {
            "+": operator.add,
            "-": operator.sub,
            "*": operator.mul,
            "/": operator.truediv,
            "//": operator.floordiv,
            "%": operator.mod,
            "**": operator.pow,
        }[symbol]
        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            for side in (left, right):
                if not isinstance(side, torch.Tensor):
                    self.number(node, side)
            return self.sized(node, op, left, right)
        self.number(node.left, left)
        self.number(node.right, right)
        whole = isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1
        if symbol == "**" and whole and right * math.log2(abs(left)) > math.log2(MAX_WHOLE):
            raise self.refuse(node, f"{self.source(node)} is larger than {MAX_WHOLE:,}")
        result = op(left, right)
        if isinstance(result, complex):
            raise self.refuse(node, f"{self.source(node)} is a complex number")
        if isinstance(result, int) and abs(result) > MAX_WHOLE:
            raise self.refuse(node, f"{self.source(node)} is larger than {MAX_WHOLE:,}")
        return result

    def subscript(self, node: ast.Subscript) -> Any:
        import torch

        base = self.value(node.value)
        key = self.value(node.slice)
        if not isinstance(base, torch.Tensor):  # a shape: a tuple of numbers
            if not isinstance(base, tuple | list):
                raise _Refused(f"a {type(base).__name__} cannot be indexed")
            return base[key]
        parts = key if isinstance(key, tuple) else (key,)
        basic = all(p is None or p is Ellipsis or isinstance(p, int | slice) for p in parts)
        if basic and all(not isinstance(p, slice) or _plain_slice(p) for p in parts):
            return base[key]  # a view: nothing allocated
        return self.sized(node, lambda b, k: b[k], base, key)

    def call(self, node: ast.Call) -> Any:
        import torch

        func = node.func
        assert isinstance(func, ast.Attribute)
        args = [self.value(arg) for arg in node.args]
        kwargs = {kw.arg: self.value(kw.value) for kw in node.keywords if kw.arg is not None}
        name = func.attr
        if isinstance(func.value, ast.Name) and func.value.id == "torch":
            function = getattr(torch, name)
            if name == "arange":
                return self.sized(node, lambda *a, **k: function(*a, **k), *args, creates=True, **kwargs)
            if name in VIEWS:
                return function(*args, **kwargs)
            return self.sized(node, lambda *a, **k: function(*a, **k), *args, **kwargs)
        tensor = self.value(func.value)
        if not isinstance(tensor, torch.Tensor):
            raise _Refused(f".{name}() is a tensor method; this is a {type(tensor).__name__}")
        if name == "size":
            size = tensor.size(*args, **kwargs)
            return int(size) if isinstance(size, int) else tuple(int(s) for s in size)
        method = getattr(torch.Tensor, name)
        if name in VIEWS:
            return method(tensor, *args, **kwargs)
        return self.sized(node, lambda t, *a, **k: method(t, *a, **k), tensor, *args, **kwargs)

    def sized(self, node: ast.AST, make: Callable[..., Any], *args: Any, creates: bool = False, **kwargs: Any) -> Any:
        """``make(*args, **kwargs)``, once its result is known to fit: its shape first, on the
        meta device (nothing allocated), then the real thing."""
        import torch

        shape: tuple[int, ...] | None = None
        try:
            meta_kwargs = {**_meta(kwargs), **({"device": "meta"} if creates else {})}
            shaped = make(*_meta(args), **meta_kwargs)
        except Exception as error:  # what meta cannot size is bounded by its operands; torch says the rest
            if creates:  # a new tensor whose very size torch cannot work out: never made
                raise self.refuse(
                    node, f"{self.source(node)}: torch cannot size it ({_first_line(error)}): refused"
                ) from None
            need = sum(_bytes(t) for t in _tensors((args, kwargs)))
        else:
            need = _bytes(shaped)
            shape = tuple(int(s) for s in shaped.shape) if isinstance(shaped, torch.Tensor) else None
        if need > self.left:
            made = f"a {shape} tensor of {human_bytes(need)}" if shape is not None else human_bytes(need)
            raise self.refuse(
                node,
                f"{self.source(node)} would make {made}, over the {human_bytes(self.left)} "
                "--max-memory leaves for expressions: refused before allocating",
            )
        result = make(*args, **kwargs)
        self.left -= _bytes(result)
        return result


def _plain_slice(part: slice) -> bool:
    return all(
        p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in (part.start, part.stop, part.step)
    )


def _meta(value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return value.to("meta")
    if isinstance(value, tuple):
        return tuple(_meta(v) for v in value)
    if isinstance(value, list):
        return [_meta(v) for v in value]
    if isinstance(value, dict):
        return {k: _meta(v) for k, v in value.items()}
    return value


def _tensors(value: Any) -> list[torch.Tensor]:
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, tuple | list):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _bytes(value: Any) -> int:
    import torch

    if isinstance(value, torch.Tensor):
        return int(value.numel()) * value.element_size()
    return 0


# -- the answer ------------------------------------------------------------------------------------


def user_idioms(
    expressions: Sequence[Expression],
    tensors: Mapping[str, torch.Tensor],
    *,
    final_h_n: torch.Tensor,
    config: Config,
    words: Sequence[str],
    atol: float,
    rtol: float,
    left: int,
    bindings: Mapping[str, Any] | None = None,
    option: str = "--expr",
) -> list[Idiom]:
    """Each expression run on ``tensors`` (the run's own, by name) and ``bindings`` (--set
    names), and held against the final states."""
    import torch

    env: dict[str, Any] = {**(bindings or {}), **tensors}
    rows, n = config.num_layers * config.directions, len(words)
    dtype = tensors["output"].dtype
    if "h_0" not in env:  # torch's default initial state: zeros
        env["h_0"] = torch.zeros(rows, n, config.out_size, dtype=dtype)
    if config.cell == "lstm" and "c_0" not in env:
        env["c_0"] = torch.zeros(rows, n, config.hidden_size, dtype=dtype)
    checks = _Finals(final_h_n, config, list(words), atol, rtol)
    idioms = []
    for expression in expressions:
        where = f"{option} {expression.text[:40]!r}" if len(expressions) == 1 else f"{option} {expression.number}"
        evaluator = _Evaluator(expression, env, left, where)
        try:
            value = evaluator.run()
        except BadInput:
            raise
        except _Refused as error:
            idioms.append(_idiom(expression, None, None, str(error), "user_refused"))
            continue
        except (RuntimeError, IndexError, TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
            text = str(error).strip()
            message = text.splitlines()[0] if text else type(error).__name__
            idioms.append(_idiom(expression, None, None, message, "user_error"))
            continue
        idioms.append(checks.idiom(expression, value))
    return idioms


def _idiom(
    expression: Expression,
    shape: tuple[int, ...] | None,
    final_state: list[bool] | None,
    error: str | None,
    kind: str,
    facts: Mapping[str, object] | None = None,
    value: float | None = None,
) -> Idiom:
    return Idiom(expression.text, shape, final_state, error, kind, facts or {}, value, topic="user", user=True)


#: An arrangement of one layer's final state: (layer, how): ``both`` (forward half first, or
#: the only direction), ``swapped`` (backward half first), ``forward`` or ``backward`` alone.
Arrangement = tuple[int, str]
#: Each arrangement found (None: no final state) and the words whose row it is, in the order found.
Found = tuple[tuple[Arrangement | None, NamedWords], ...]


class _Finals:
    """Every layer's and direction's final state, per word, arranged as people arrange them."""

    def __init__(self, final_h_n: torch.Tensor, config: Config, words: list[str], atol: float, rtol: float) -> None:
        import torch

        from .checks import tolerance_bound

        self.config, self.words = config, words
        d, self.top = config.directions, config.num_layers - 1
        self.candidates: list[tuple[Arrangement, torch.Tensor]] = []
        for layer in range(self.top, -1, -1):  # the last layer first: its final state is the target
            rows = [final_h_n[layer * d + k] for k in range(d)]
            if d == 1:
                self.candidates.append(((layer, "both"), rows[0]))
                continue
            self.candidates += [
                ((layer, "both"), torch.cat(rows, dim=1)),
                ((layer, "swapped"), torch.cat(rows[::-1], dim=1)),
                ((layer, "forward"), rows[0]),
                ((layer, "backward"), rows[1]),
            ]
        self.target = self.candidates[0][1]
        self.bounds = [tolerance_bound(c, atol, rtol) for _, c in self.candidates]

    def matches(self, value: torch.Tensor) -> list[Arrangement | None]:
        """Per word, the first arrangement its row equals (within the check's tolerance), or None."""
        from .checks import agreeing_diff

        found: list[Arrangement | None] = [None] * len(self.words)
        for (label, candidate), bound in zip(self.candidates, self.bounds, strict=True):
            if tuple(candidate.shape) != tuple(value.shape):
                continue
            same = (agreeing_diff(value.to(candidate.dtype), candidate) <= bound).all(dim=1).tolist()
            for w, hit in enumerate(same):
                if hit and found[w] is None:
                    found[w] = label
        return found

    def idiom(self, expression: Expression, value: Any) -> Idiom:
        import torch

        if not isinstance(value, torch.Tensor):
            number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
            facts = {"size": isinstance(value, tuple), "type": type(value).__name__, "text": _short(repr(value))}
            return _idiom(expression, None, None, None, "user_not_tensor", facts, number)
        shape = tuple(int(s) for s in value.shape)
        if value.dim() == 0:
            number = None if value.is_complex() else float(value)
            return _idiom(expression, shape, None, None, "user_scalar", None, number)
        n = len(self.words)
        width = int(self.target.shape[1])
        both = self.config.directions == 2
        if value.dim() != 2 or not value.is_floating_point() or n not in value.shape:
            facts = {"bidirectional": both, "final_shape": (n, width)}
            return _idiom(expression, shape, None, None, "user_not_per_word", facts)
        transposed = int(value.shape[0]) != n
        rows = value.T if transposed else value
        found = self.matches(rows)
        final = [label == (self.top, "both") and not transposed for label in found]
        halves = None in found and both and int(rows.shape[1]) == width  # then: what each half is
        h = width // 2
        facts = {
            "transposed": transposed,
            "bidirectional": both,
            "last_layer": self.top,
            "words": n,
            "found": self.grouped(found),
            "half_width": h if halves else None,
            "first_half": self.grouped(self.matches(rows[:, :h])) if halves else (),
            "second_half": self.grouped(self.matches(rows[:, h:])) if halves else (),
        }
        return _idiom(expression, shape, final, None, "user_tensor", facts)

    def grouped(self, found: list[Arrangement | None]) -> Found:
        return tuple((label, named_words(self.words, words)) for label, words in _grouped(found).items())


def _grouped(found: list[Arrangement | None]) -> dict[Arrangement | None, list[int]]:
    groups: dict[Arrangement | None, list[int]] = {}
    for w, label in enumerate(found):
        groups.setdefault(label, []).append(w)
    return groups
