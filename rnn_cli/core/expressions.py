"""--expr EXPR: your own next line, run on the run's tensors in the expression language, never eval.

The language is ``language``'s (names, dotted ``--set`` names, arithmetic, conditionals,
indexing, ``int``/``min``/...), with the run's tensors as names (``output``, ``h_n``,
``c_n``, ``h_0``, ``c_0``, ``lengths``, ``input``; ``embedded`` with an embedding), the
tensor methods in ``METHODS`` and the torch functions in ``FUNCTIONS``, and ``.shape`` and
``.T``. Reading (``parse_expressions``, no torch) refuses anything else at its column, and
lists every unbound name at once, before torch is imported.

Running (``user_idioms``) evaluates the same tree. The values are the run's tensors, Python
numbers, tuples, slices: nothing else is ever reachable. Every operation that makes a new
tensor is first run on the meta device, which computes shapes and allocates nothing, and is
refused when its result would not fit in what ``--max-memory`` leaves for the expressions;
whole-number arithmetic is bounded too. torch's own error, when it refuses, is the answer.

Each value is then held against the run's final states, as the checked idioms are: per word,
whether it is the final state of the last layer and, if not, whether it holds the same
numbers in another order (the directions swapped), one direction only, or another layer's.
And ``provenance`` traces where its numbers came from: which layer and direction (or step)
of which word each row holds, whichever operations moved them there.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .bindings import Bindings
from .budget import ELEMENT_WORK, human_bytes, human_count
from .checker import Checker, check
from .config import Config
from .errors import BadInput
from .evaluator import Evaluator
from .functions import FUNCTION_NAMES, Function, Scope
from .language import Namespace, Source, read, shown
from .provenance import Origin, trace
from .result import Idiom, NamedWords, named_words
from .settings import ALIASES

if TYPE_CHECKING:
    import torch

#: The run's tensors an expression may name (``c_n``/``c_0`` for an LSTM, ``embedded`` with an embedding).
NAMES = ("output", "h_n", "c_n", "h_0", "c_0", "lengths", "input", "embedded")
#: Operations that pick, split or move parts of a tensor, with the keywords each takes: the same
#: as a tensor method and as a torch function.
_PICKING: dict[str, frozenset[str]] = {
    "index_select": frozenset({"dim", "index"}),
    "gather": frozenset({"dim", "index"}),
    "narrow": frozenset({"dim", "start", "length"}),
    "select": frozenset({"dim", "index"}),
    "chunk": frozenset({"chunks", "dim"}),
    "split": frozenset({"split_size_or_sections", "dim"}),
    "unbind": frozenset({"dim"}),
    "flatten": frozenset({"start_dim", "end_dim"}),
    "movedim": frozenset({"source", "destination"}),
}
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
    **_PICKING,
    "expand": frozenset(),
    "detach": frozenset(),
    "clone": frozenset(),
    "t": frozenset(),
}
#: torch functions, with the keywords each takes.
FUNCTIONS: dict[str, frozenset[str]] = {
    "cat": frozenset({"dim"}),
    "stack": frozenset({"dim"}),
    "arange": frozenset({"start", "end", "step"}),
    "tensor": frozenset(),
    "flip": frozenset({"dims"}),
    "sum": frozenset({"dim", "keepdim"}),
    "mean": frozenset({"dim", "keepdim"}),
    "transpose": frozenset({"dim0", "dim1"}),
    "permute": frozenset({"dims"}),
    "squeeze": frozenset({"dim"}),
    "unsqueeze": frozenset({"dim"}),
    "reshape": frozenset({"shape"}),
    **_PICKING,
}
#: What allocates nothing: a view of its operand (``size`` makes no tensor at all).
VIEWS = frozenset(
    {"view", "permute", "transpose", "squeeze", "unsqueeze", "size", "narrow", "select", "chunk", "split"}
    | {"unbind", "movedim", "expand", "detach", "t"}
)
#: Functions that make a tensor from numbers alone (sized from their arguments, on the meta device).
CREATES = frozenset({"arange", "tensor"})
#: Attributes read without a call: the size, and the transpose of a matrix (a view).
ATTRIBUTES = frozenset({"shape", "T"})
MAX_TEXT = 1000
#: The functions an --expr may call besides torch's and the tensors' own.
NUMBER_FUNCTIONS = tuple(name for name in FUNCTION_NAMES if name != "getattr")


@dataclass(frozen=True)
class Expression:
    """One --expr, read and checked: its text as typed and its tree."""

    text: str
    tree: ast.expr = field(compare=False, repr=False)
    #: The run's tensors it names.
    names: frozenset[str] = frozenset()
    #: Its place among the --expr given, from 1, for messages.
    number: int = 1
    source: Source | None = field(default=None, compare=False, repr=False)
    #: The run's own names it reads (``num_layers``, ``n_layers``...), and their values.
    run_names: tuple[tuple[str, str, Any], ...] = ()


def parse_expressions(
    texts: Sequence[str],
    *,
    config: Config,
    bindings: Bindings | None = None,
    option: str = "--expr",
    sizes: tuple[int, int] | None = None,
) -> tuple[Expression, ...]:
    """Each text read in the language, or BadInput naming the column of what is not in it (and
    every name that is not bound). ``sizes`` (the batch, the longest word) bind the run's own
    names: ``batch_size``, ``seq_len`` beside the settings (``num_layers``, ``n_layers``...)."""
    available = {"output", "h_n", "h_0", "lengths", "input"}
    if config.cell == "lstm":
        available |= {"c_n", "c_0"}
    if config.embed:
        available.add("embedded")
    bound = bindings or Bindings()
    parsed = []
    for number, text in enumerate(texts, start=1):
        where = f"{option} {text.strip()[:40]!r}" if len(texts) == 1 else f"{option} {number} ({text.strip()[:40]!r})"
        source = read(text, where, max_text=MAX_TEXT)
        own = run_names(config, sizes)
        checker = _Checker(source, _scope(bound, dict.fromkeys(available), own), available, config)
        check(checker)
        used = tuple((name, *own[name]) for name in sorted(checker.run_names))
        parsed.append(Expression(text.strip(), source.tree, frozenset(checker.names), number, source, used))
    return tuple(parsed)


def run_names(config: Config, sizes: tuple[int, int] | None) -> dict[str, tuple[str, Any]]:
    """The run's own numbers an expression may name, as torch's constructor names them and as
    people do (``ALIASES``: ``n_layers``, ``layers``, ``hidden``), each with the setting it is."""
    values: dict[str, Any] = {
        "num_layers": config.num_layers,
        "hidden_size": config.hidden_size,
        "input_size": config.input_size,
        "proj_size": config.proj_size,
        "bidirectional": config.bidirectional,
        "num_directions": config.directions,
    }
    if sizes is not None:
        values |= {"batch_size": sizes[0], "seq_len": sizes[1]}
    named = {name: (name, value) for name, value in values.items() if value is not None}
    named |= {alias: (target, values[target]) for alias, target in ALIASES.items() if values.get(target) is not None}
    return named


def _scope(bindings: Bindings, tensors: Mapping[str, Any], own: Mapping[str, tuple[str, Any]] | None = None) -> Scope:
    """The names of an expression: the run's tensors first (a --set of the same name is refused
    where it is used), then --set's, then the run's own numbers, torch and the number functions."""
    scope = bindings.scope(tensors)
    scope.builtins = {name: scope.builtins[name] for name in NUMBER_FUNCTIONS}
    scope.builtins["torch"] = Namespace("torch", {name: _TorchFunction(name) for name in FUNCTIONS})
    scope.builtins |= {name: value for name, (_, value) in (own or {}).items() if name not in scope.builtins}
    return scope


class _Checker(Checker):
    """The language with the run's tensors: their methods and torch's functions, by name."""

    def __init__(self, source: Source, scope: Scope, available: set[str], config: Config) -> None:
        super().__init__(source, scope)
        self.available, self.config = available, config
        self.names: set[str] = set()
        #: The run's own names it reads, where no --set binds them.
        self.run_names: set[str] = set()

    def way_on(self) -> str:
        return "; an expression reads the run's tensors with indexing, methods and torch's functions"

    def unbound_note(self) -> str:
        return f" (the run's tensors are {', '.join(sorted(self.available))})"

    def name(self, path: tuple[Any, ...], node: ast.AST, called: bool) -> None:
        root = path[0]
        if root in self.available:
            if len(path) == 1 and (root,) in self.scope.bound:
                raise self.refuse(node, f"{root} is the run's tensor here and a --set name: rename the --set")
            self.names.add(root)
            return
        if root in NAMES:
            what = "an embedding's output" if root == "embedded" else "an LSTM's"
            raise self.refuse(node, f"{root} is {what}; this run is {self.config.cell}")
        if root == "torch" and len(path) == 1:
            raise self.refuse(node, "torch is written before one of its functions: torch.cat(...), torch.arange(...)")
        own = root in self.scope.builtins and root not in (*NUMBER_FUNCTIONS, "torch")
        if len(path) == 1 and (root,) not in self.scope.bound and own:
            self.run_names.add(root)
        if called and not self.scope.resolves(path):
            calls = ", ".join(f"{n}(...)" for n in NUMBER_FUNCTIONS)
            raise self.refuse(
                node, f"{self.source.segment(node)}(...) is not a call here: torch.cat(...), x.view(...), {calls}"
            )
        super().name(path, node, called)

    def attribute(self, node: ast.Attribute, called: bool) -> None:
        base = node.value
        if isinstance(base, ast.Name) and base.id == "torch":
            if node.attr not in FUNCTIONS:
                raise self.refuse(node, f"torch.{node.attr[:40]} is not one of torch.{', torch.'.join(FUNCTIONS)}")
            if not called:
                raise self.refuse(node, f"torch.{node.attr} is called here, not passed: torch.{node.attr}(...)")
            return
        if called and node.attr in METHODS:
            return
        if not called and node.attr in ATTRIBUTES:
            return
        allowed = ", ".join(f".{m}()" for m in METHODS) + ", .shape, .T"
        raise self.refuse(node, f".{node.attr[:40]} is not read here: the methods are {allowed}")

    def visit_Attribute(self, node: ast.Attribute, called: bool) -> None:
        if isinstance(node.value, ast.Name) and node.value.id == "torch" and not node.attr.startswith("_"):
            self.attribute(node, called)  # torch.cat: torch is no name of its own here
            return
        super().visit_Attribute(node, called)

    def call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            return  # int(...), min(...): their arguments are checked as they run
        is_torch = isinstance(func.value, ast.Name) and func.value.id == "torch"
        keywords = (FUNCTIONS if is_torch else METHODS).get(func.attr)
        if keywords is None:
            return
        for kw in node.keywords:
            if kw.arg not in keywords:
                takes = ", ".join(sorted(keywords)) or "no keywords"
                raise self.refuse(kw.value, f"{func.attr} takes {takes} here, not {kw.arg}=")


# -- running ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TorchFunction:
    """``torch.cat`` and the others, as values the evaluator calls."""

    name: str


@dataclass(frozen=True)
class _Method:
    """``h_n.view``: a tensor's method, bound to its tensor."""

    tensor: Any
    name: str


class _Refused(Exception):
    """A Python-level refusal while running (not torch's): the idiom's error."""


@dataclass
class _Work:
    """The work every expression may still do, together (in multiply-adds, as --max-work counts)."""

    left: int


class _TensorEvaluator(Evaluator):
    """The language over the run's tensors, every new tensor sized on the meta device first."""

    def __init__(self, source: Source, scope: Scope, left: int, work: _Work) -> None:
        super().__init__(source, scope)
        self.left = left
        self.work = work

    def attribute(self, base: Any, node: ast.Attribute) -> Any:
        import torch

        if isinstance(base, torch.Tensor):
            if node.attr == "T":
                return base.T
            if node.attr == "shape":
                return tuple(int(s) for s in base.shape)
            return _Method(base, node.attr)
        if isinstance(base, tuple | int | float) and node.attr in ATTRIBUTES | set(METHODS):
            raise _Refused(f".{node.attr} is a tensor's, not a {type(base).__name__}'s")
        return super().attribute(base, node)

    def index(self, base: Any, key: Any, node: ast.Subscript) -> Any:
        import torch

        if not isinstance(base, torch.Tensor):
            if isinstance(base, tuple | list):  # a shape: a tuple of numbers
                return base[key]
            raise _Refused(f"a {type(base).__name__} cannot be indexed")
        parts = key if isinstance(key, tuple) else (key,)
        basic = all(p is None or p is Ellipsis or isinstance(p, int | slice) for p in parts)
        if basic and all(not isinstance(p, slice) or _plain_slice(p) for p in parts):
            return base[key]  # a view: nothing allocated
        return self.sized(node, lambda b, k: b[k], base, key)

    def unary(self, node: ast.UnaryOp, operand: Any) -> Any:
        import torch

        if isinstance(operand, torch.Tensor):
            return self.sized(node, lambda t: -t if isinstance(node.op, ast.USub) else +t, operand)
        return super().unary(node, operand)

    def binary(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        import torch

        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            for side, at in ((left, node.left), (right, node.right)):
                if not isinstance(side, torch.Tensor):
                    self.number(at, side)
            _, op = _OPERATORS[type(node.op)]
            return self.sized(node, op, left, right)
        if isinstance(left, list | tuple) or isinstance(right, list | tuple):
            self.number(node, left if isinstance(left, list | tuple) else right)
        return super().binary(node, left, right)

    def number(self, node: ast.AST, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.refuse(node, f"arithmetic takes numbers and tensors, not a {type(value).__name__}")

    def truth(self, value: Any, node: ast.AST) -> bool:
        import torch

        if isinstance(value, torch.Tensor):
            raise self.refuse(node, "a tensor is neither true nor false here: compare numbers, such as h_n.size(0)")
        return super().truth(value, node)

    def compare(self, node: ast.Compare, op: ast.cmpop, left: Any, right: Any) -> bool:
        import torch

        if isinstance(left, torch.Tensor) or isinstance(right, torch.Tensor):
            raise self.refuse(node, "tensors are not compared here: compare numbers, such as h_n.size(0) == 2")
        return super().compare(node, op, left, right)

    def call(self, callee: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        import torch

        if isinstance(callee, _TorchFunction):
            function = getattr(torch, callee.name)
            if callee.name in CREATES:
                return self.sized(node, function, *args, creates=True, **kwargs)
            if callee.name in VIEWS:
                return function(*args, **kwargs)
            return self.sized(node, function, *args, **kwargs)
        if isinstance(callee, _Method):
            if callee.name not in METHODS:
                raise _Refused(f".{callee.name}() is not a method read here")
            if callee.name == "size":
                size = callee.tensor.size(*args, **kwargs)
                return int(size) if isinstance(size, int) else tuple(int(s) for s in size)
            method = getattr(torch.Tensor, callee.name)
            if callee.name in VIEWS:
                return method(callee.tensor, *args, **kwargs)
            return self.sized(node, method, callee.tensor, *args, **kwargs)
        if isinstance(callee, Function):
            return super().call(callee, args, kwargs, node)
        raise _Refused(f"{shown(callee)} is not something to call")

    def sized(self, node: ast.AST, make: Callable[..., Any], *args: Any, creates: bool = False, **kwargs: Any) -> Any:
        """``make(*args, **kwargs)``, once its result is known to fit: its shape first, on the
        meta device (nothing allocated), then the real thing."""
        import torch

        shape: tuple[int, ...] | None = None
        copied = False
        try:
            meta_kwargs = {**_meta(kwargs), **({"device": "meta"} if creates else {})}
            shaped = make(*_meta(args), **meta_kwargs)
        except Exception as error:  # what meta cannot size is bounded by its operands; torch says the rest
            if creates:  # a new tensor whose very size torch cannot work out: never made
                raise self.refuse(
                    node, f"{self.source.segment(node)}: torch cannot size it ({_first_line(error)}): refused"
                ) from None
            need = sum(_bytes(t) for t in _tensors((args, kwargs)))
            made = sum(int(t.numel()) for t in _tensors((args, kwargs)))
        else:
            need = sum(_bytes(t) for t in _tensors(shaped))
            copied = _promotes((args, kwargs), shaped)
            made = sum(int(t.numel()) for t in _tensors(shaped))
            shape = tuple(int(s) for s in shaped.shape) if isinstance(shaped, torch.Tensor) else None
        if need * (2 if copied else 1) > self.left:
            size = f"a {shape} tensor of {human_bytes(need)}" if shape is not None else human_bytes(need)
            size += " and an operand converted to its dtype, as large" if copied else ""
            raise self.source.refuse(
                node,
                f"{self.source.segment(node)} would make {size}, over the {human_bytes(self.left)} "
                "--max-memory leaves for expressions: refused before allocating; raise --max-memory if you mean it",
            )
        self.charge(node, made, args, kwargs)
        result = make(*args, **kwargs)
        self.left -= sum(_bytes(t) for t in _tensors(result))
        return result

    def charge(self, node: ast.AST, made: int, args: Any, kwargs: Any) -> None:
        """The operation's work (each element it reads or makes), taken from what every
        expression may still do, or refused before it runs."""
        elements = sum(int(t.numel()) for t in _tensors((args, kwargs))) + made
        cost = elements * ELEMENT_WORK
        if cost > self.work.left:
            raise self.source.refuse(
                node,
                f"{self.source.segment(node)} would be about {human_count(cost)} multiply-adds of work, with "
                f"{human_count(self.work.left)} left of what --max-work leaves for expressions: refused before "
                "running; raise --max-work if you mean it",
            )
        self.work.left -= cost


_OPERATORS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
    ast.Div: ("/", lambda a, b: a / b),
    ast.FloorDiv: ("//", lambda a, b: a // b),
    ast.Mod: ("%", lambda a, b: a % b),
    ast.Pow: ("**", lambda a, b: a**b),
}


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= 120 else line[:120] + "…"


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


def _promotes(operands: Any, result: Any) -> bool:
    """Whether torch converts an operand to the result's dtype first, a temporary as large as
    the result (measured: torch.arange(n) / 2 holds the int64 range, a float copy and the quotient)."""
    made = {t.dtype for t in _tensors(result)}
    return any(t.dtype not in made for t in _tensors(operands))


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
    work: int | None = None,
    bindings: Bindings | None = None,
    option: str = "--expr",
) -> list[Idiom]:
    """Each expression run on ``tensors`` (the run's own, by name) and ``bindings`` (--set
    names), held against the final states, and traced to where its numbers came from. Each
    may allocate ``left`` bytes, its value gone before the next runs; together they may do
    ``work`` multiply-adds (None: unbounded)."""
    import torch

    env: dict[str, Any] = dict(tensors)
    rows, n = config.num_layers * config.directions, len(words)
    dtype = tensors["output"].dtype
    if "h_0" not in env:  # torch's default initial state: zeros
        env["h_0"] = torch.zeros(rows, n, config.out_size, dtype=dtype)
    if config.cell == "lstm" and "c_0" not in env:
        env["c_0"] = torch.zeros(rows, n, config.hidden_size, dtype=dtype)
    answer = _Answer(
        env, _Finals(final_h_n, config, list(words), atol, rtol), bindings or Bindings(), config, list(words)
    )
    spent = _Work(2**63 if work is None else work)
    return [
        answer.idiom(
            expression,
            f"{option} {expression.text[:40]!r}" if len(expressions) == 1 else f"{option} {expression.number}",
            left,
            spent,
        )
        for expression in expressions
    ]


@dataclass
class _Answer:
    """What every expression is run on and held against."""

    env: Mapping[str, Any]
    checks: _Finals
    bindings: Bindings
    config: Config
    words: list[str]

    def idiom(self, expression: Expression, where: str, left: int, work: _Work) -> Idiom:
        """One expression's idiom, with what torch warned while running it (its own words, as
        the caller's code would see them: part of the answer, not stray lines on stderr)."""
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # ahead of any "error" filter: recorded, not raised
            idiom = self.evaluated(expression, where, left, work)
        said = [str(w.message).split(" (Triggered internally", 1)[0].strip() for w in caught]
        if not said:
            return idiom
        return replace(idiom, facts={**idiom.facts, "torch_warned": list(dict.fromkeys(said))})

    def evaluated(self, expression: Expression, where: str, left: int, work: _Work) -> Idiom:
        """One expression's idiom: its value lives only while this call does."""
        assert expression.source is not None
        source = replace(expression.source, where=where)
        own = {name: (setting, value) for name, setting, value in expression.run_names}

        def run(tensors: Mapping[str, Any], budget: int = left) -> Any:
            return _TensorEvaluator(source, _scope(self.bindings, tensors, own), budget, work).run()

        try:
            value = run(self.env)
        except BadInput:
            raise
        except _Refused as error:
            return _idiom(expression, None, None, str(error), "user_refused")
        except (RuntimeError, IndexError, TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
            text = str(error).strip()
            message = text.splitlines()[0] if text else type(error).__name__
            return _idiom(expression, None, None, message, "user_error")
        origin = _origin(run, value, self.env, self.config, self.words, left - sum(map(_bytes, _tensors(value))))
        return self.checks.idiom(expression, value, origin)


def _origin(
    run: Callable[..., Any], value: Any, env: Mapping[str, Any], config: Config, words: Sequence[str], left: int
) -> Origin | None:
    """Where a tensor value's numbers came from (``provenance``), on ids in place of the run's
    tensors: run twice (in order and shuffled), each held to half of what --max-memory leaves
    beside the value, since all three are alive at once."""
    import torch

    if not isinstance(value, torch.Tensor) or value.dim() == 0 or not value.is_floating_point():
        return None

    def on_ids(ids: Mapping[str, Any]) -> Any:
        return run({**env, **ids}, max(left, 0) // 2)

    try:
        return trace(on_ids, env, config, words)
    except BadInput:  # ids are float64: twice the value's bytes may not fit where the value did
        return None


def _idiom(
    expression: Expression,
    shape: tuple[int, ...] | None,
    final_state: list[bool] | None,
    error: str | None,
    kind: str,
    facts: Mapping[str, object] | None = None,
    value: float | None = None,
) -> Idiom:
    facts = {**(facts or {}), "run_names": expression.run_names}
    return Idiom(expression.text, shape, final_state, error, kind, facts, value, topic="user", user=True)


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
        found: list[Arrangement | None] = [None] * len(self.words)
        for (label, candidate), bound in zip(self.candidates, self.bounds, strict=True):
            if tuple(candidate.shape) != tuple(value.shape):
                continue
            same = ((value.to(candidate.dtype) - candidate).abs() <= bound).all(dim=1).tolist()  # NaN: never
            for w, hit in enumerate(same):
                if hit and found[w] is None:
                    found[w] = label
        return found

    def idiom(self, expression: Expression, value: Any, origin: Origin | None = None) -> Idiom:
        import torch

        if isinstance(value, tuple | list) and value and all(isinstance(v, torch.Tensor) for v in value):
            returns = tuple((f"[{k}]", tuple(int(s) for s in v.shape)) for k, v in enumerate(value))
            idiom = _idiom(expression, None, None, None, "user_tuple", {"count": len(value)})
            return replace(idiom, returns=returns)
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
        traced = origin is not None and not origin.computed_only
        # where the words are: traced, else guessed from the sizes (a computed value)
        word_axis = origin.word_axis if origin is not None and traced else _size_axis(value, n)
        if value.dim() != 2 or not value.is_floating_point() or word_axis not in (0, 1):
            facts = {"bidirectional": both, "final_shape": (n, width), "origin": origin}
            return _idiom(expression, shape, None, None, "user_not_per_word" if origin is None else "user_rows", facts)
        transposed = word_axis == 1
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
            "origin": origin,
        }
        return _idiom(expression, shape, final, None, "user_tensor", facts)

    def grouped(self, found: list[Arrangement | None]) -> Found:
        return tuple((label, named_words(self.words, words)) for label, words in _grouped(found).items())


def _size_axis(value: torch.Tensor, n: int) -> int | None:
    """The axis of a 2-D value that is as long as the batch, the first; None when none is."""
    if value.dim() != 2:
        return None
    return 0 if int(value.shape[0]) == n else 1 if int(value.shape[1]) == n else None


def _grouped(found: list[Arrangement | None]) -> dict[Arrangement | None, list[int]]:
    groups: dict[Arrangement | None, list[int]] = {}
    for w, label in enumerate(found):
        groups.setdefault(label, []).append(w)
    return groups
