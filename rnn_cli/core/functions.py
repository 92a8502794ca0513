"""The language's functions and built-in names: ``int``, ``float``, ``round``, ``min``, ``max``,
``abs``, ``len``, ``getattr``; ``nn``, ``torch`` and the recurrent classes; and ``Scope``, what
each name means where a text is read."""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import BadInput
from .language import (
    CLASSES,
    DTYPES,
    MAX_ITEMS,
    Dtype,
    Namespace,
    Path,
    RecurrentClass,
    Source,
    short,
    shown,
    spelled,
)


class Refuser(Protocol):
    """What a function reports its refusals through: the evaluator."""

    source: Source

    def refuse(self, node: ast.AST, why: str) -> BadInput: ...

    def bounded(self, node: ast.AST, result: Any) -> Any: ...


@dataclass(frozen=True)
class Call:
    """A function's call site: what it reports its refusals against."""

    evaluator: Refuser
    node: ast.Call

    def refuse(self, why: str) -> BadInput:
        name = self.evaluator.source.segment(self.node.func)
        return self.evaluator.refuse(self.node, f"{name}(...): {why}")

    def bounded(self, value: Any) -> Any:
        return self.evaluator.bounded(self.node, value)


@dataclass(frozen=True)
class Function:
    """One of the language's functions; ``apply(args, kwargs, call)`` refuses what it does not take."""

    name: str
    apply: Callable[[list[Any], dict[str, Any], Call], Any] = field(compare=False)

    def __repr__(self) -> str:  # as a message quotes it
        return f"{self.name}(...)"


# -- the functions -----------------------------------------------------------------------------------


def _arguments(
    args: list[Any], kwargs: dict[str, Any], call: Call, *, least: int, most: int, keywords: Iterable[str] = ()
) -> None:
    allowed = set(keywords)
    extra = [k for k in kwargs if k not in allowed]
    if extra:
        raise call.refuse(f"takes no keyword {extra[0]}=")
    if not least <= len(args) <= most:
        count = f"{least}" if least == most else f"{least} to {most}"
        raise call.refuse(f"takes {count} argument{'' if most == 1 else 's'}, got {len(args)}")


def _real(value: Any, call: Call) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise call.refuse(f"takes a number, not {shown(value)}")
    return value


def _int(args: list[Any], kwargs: dict[str, Any], call: Call) -> int:
    _arguments(args, kwargs, call, least=1, most=1)
    (value,) = args
    if isinstance(value, str):
        try:
            return int(call.bounded(int(value.strip())))
        except ValueError:
            raise call.refuse(f"{shown(value)} is not a whole number") from None
    number = _real(value, call)
    if isinstance(number, float) and not math.isfinite(number):
        raise call.refuse(f"{number} is not a finite number")
    return int(call.bounded(int(number)))


def _float(args: list[Any], kwargs: dict[str, Any], call: Call) -> float:
    _arguments(args, kwargs, call, least=1, most=1)
    (value,) = args
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise call.refuse(f"{shown(value)} is not a number") from None
    else:
        number = float(_real(value, call))
    return float(call.bounded(number))


def _round(args: list[Any], kwargs: dict[str, Any], call: Call) -> int | float:
    _arguments(args, kwargs, call, least=1, most=2, keywords=("ndigits",))
    digits = args[1] if len(args) == 2 else kwargs.get("ndigits")
    if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int) or abs(digits) > 30):
        raise call.refuse(f"ndigits is a whole number up to 30, not {shown(digits)}")
    number = _real(args[0], call)
    rounded: int | float = round(number) if digits is None else round(number, digits)
    call.bounded(rounded)
    return rounded


def _extreme(pick: Callable[..., Any]) -> Callable[[list[Any], dict[str, Any], Call], Any]:
    def apply(args: list[Any], kwargs: dict[str, Any], call: Call) -> Any:
        _arguments(args, kwargs, call, least=1, most=MAX_ITEMS)
        items = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
        if not items:
            raise call.refuse("takes at least one number")
        return pick(_real(item, call) for item in items)

    return apply


def _abs(args: list[Any], kwargs: dict[str, Any], call: Call) -> int | float:
    _arguments(args, kwargs, call, least=1, most=1)
    return abs(_real(args[0], call))


def _len(args: list[Any], kwargs: dict[str, Any], call: Call) -> int:
    _arguments(args, kwargs, call, least=1, most=1)
    if not isinstance(args[0], list | tuple | str | dict):
        raise call.refuse(f"takes a list, tuple, dict or string, not {shown(args[0])}")
    return len(args[0])


def _getattr(args: list[Any], kwargs: dict[str, Any], call: Call) -> Any:
    """``getattr(nn, rnn_type)``: a member of nn or torch by its name (or a class already)."""
    _arguments(args, kwargs, call, least=2, most=3)
    base, name = args[0], args[1]
    if isinstance(name, RecurrentClass):  # --set rnn_type=LSTM bound the class itself
        name = name.name
    if isinstance(base, Namespace) and isinstance(name, str):
        if name in base.members:
            return base.members[name]
        if len(args) == 3:
            return args[2]
        hint = difflib.get_close_matches(name, list(base.members), n=1)
        raise call.refuse(f"{base.name} has no {short(name)}" + (f" (did you mean {hint[0]}?)" if hint else ""))
    if isinstance(base, dict) and isinstance(name, str) and (name in base or len(args) == 3):
        return base.get(name, args[2] if len(args) == 3 else None)
    raise call.refuse(f"reads a member of nn or torch by its name, not of {shown(base)}")


_NUMBER_FUNCTIONS = (
    Function("int", _int),
    Function("float", _float),
    Function("round", _round),
    Function("min", _extreme(min)),
    Function("max", _extreme(max)),
    Function("abs", _abs),
    Function("len", _len),
)
#: The functions, by name (for messages that list them).
FUNCTION_NAMES = (*(f.name for f in _NUMBER_FUNCTIONS), "getattr")


# -- what names mean ---------------------------------------------------------------------------------


def _builtin_functions() -> dict[str, Function]:
    return {f.name: f for f in (*_NUMBER_FUNCTIONS, Function("getattr", _getattr))}


NN = Namespace("nn", {name: RecurrentClass(name) for name in CLASSES})
TORCH = Namespace("torch", {"nn": NN, **{name: Dtype(dtype) for name, dtype in DTYPES.items()}})


class Scope:
    """What each name means where a text is read: ``--set``'s bindings (dotted paths), then the
    language's own names (``nn``, ``torch``, ``LSTM``, ``int``, ...), then ``extra`` (the run's
    tensors in --expr)."""

    def __init__(self, bound: Mapping[Path, Any] | None = None, extra: Mapping[str, Any] | None = None) -> None:
        self.bound = dict(bound or {})
        self.builtins: dict[str, Any] = {
            "nn": NN,
            "torch": TORCH,
            **{name: RecurrentClass(name) for name in CLASSES},
            **_builtin_functions(),
        }
        self.extra = dict(extra or {})

    def resolves(self, path: Path) -> bool:
        """Whether the name, or a bound name it starts with, has a value."""
        if path[0] in self.extra or path[0] in self.builtins:
            return True
        return any(path[:k] in self.bound for k in range(1, len(path) + 1))

    def names(self) -> list[str]:
        return [spelled(p) for p in self.bound]
