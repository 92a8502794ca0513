"""A reproduction as data: statements of a few known torch calls, from which both the script a
user reads and the call run live are made, so the two can never say different things.

A statement is ``target = call(args, keywords)`` (the target may be absent, or a tuple to
unpack), optionally inside ``with torch.enable_grad()`` or with warnings raised as errors. An
argument is a literal, a name an earlier statement bound (``Ref``), a nested call, a tuple or
a known constant (``torch.int64``). Only the callables in ``CALLABLES`` (and methods from
``METHODS`` on what they return) can appear: the messages' numbers are the only data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: What a reproduction may call, by the name its script writes.
CALLABLES = (
    "nn.RNN",
    "nn.LSTM",
    "nn.GRU",
    "nn.CrossEntropyLoss",
    "nn.Parameter",
    "torch.zeros",
    "torch.ones",
    "torch.full",
    "torch.tensor",
    "torch.arange",
    "torch._pack_padded_sequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
)
#: Methods a reproduction may call on what it made.
METHODS = frozenset({"to", "eval", "sum", "backward", "detach", "clone"})
#: Constants a reproduction may name.
CONSTANTS = (
    *("torch.int64", "torch.int32", "torch.int16", "torch.int8", "torch.uint8", "torch.bool"),
    *("torch.float32", "torch.float64", "torch.float16", "torch.bfloat16"),
)


@dataclass(frozen=True)
class Ref:
    """A name an earlier statement bound (``rnn``, ``x``) or an attribute of it (``rnn.weight_hh_l0``)."""

    name: str


@dataclass(frozen=True)
class Const:
    """A constant of torch's, as written (``torch.int64``)."""

    name: str


@dataclass(frozen=True)
class Call:
    """A call: one of ``CALLABLES``, a name bound before (the module: ``rnn(x)``), or a method
    of an argument (``method`` with ``on``)."""

    func: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    on: Any = None


@dataclass(frozen=True)
class Statement:
    """``targets = value  # comment``; ``targets`` empty for an expression statement."""

    value: Call
    targets: tuple[str, ...] = ()
    comment: str = ""
    #: Run with gradients on (``with torch.enable_grad():``).
    grad: bool = False


@dataclass
class Reproduction:
    """The smallest statements that make the message, and what running them needs."""

    statements: list[Statement]
    #: ``from torch.nn.utils.rnn import ...``: the names the script imports beside torch and nn.
    utils: tuple[str, ...] = ()
    #: Raised as a warning: the script turns warnings into errors so it stops with the message.
    warning: bool = False
    #: Needs CUDA (cuDNN): run only on a machine that has it.
    needs_cuda: bool = False
    #: Why it cannot be run here, when it cannot (a key render words: ``too_large``, ...).
    unavailable: str | None = None
    #: Tensors above LIVE_ELEMENTS are made on the meta device: shapes, no memory.
    meta: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runnable(self) -> bool:
        return self.unavailable is None


def run(repro: Reproduction) -> None:
    """Carry the statements out, in order (warnings are the caller's to turn into errors)."""
    import torch

    names: dict[str, Any] = {}
    for statement in repro.statements:
        if statement.grad:
            with torch.enable_grad():
                value = _value(statement.value, names)
        else:
            value = _value(statement.value, names)
        _bind(statement.targets, value, names)


def _bind(targets: Sequence[str], value: Any, names: dict[str, Any]) -> None:
    if not targets:
        return
    if len(targets) == 1:
        target = targets[0]
        if "." in target:  # rnn.weight_hh_l0 = ...: an attribute of a name bound before
            owner, attribute = target.split(".", 1)
            setattr(names[owner], attribute, value)
        else:
            names[target] = value
        return
    for target, item in zip(targets, value, strict=True):
        if target != "_":
            names[target] = item


def _value(arg: Any, names: Mapping[str, Any]) -> Any:
    if isinstance(arg, Call):
        args = [_value(a, names) for a in arg.args]
        kwargs = {k: _value(v, names) for k, v in arg.kwargs}
        return _callable(arg, names)(*args, **kwargs)
    if isinstance(arg, Ref):
        owner, _, attribute = arg.name.partition(".")
        return getattr(names[owner], attribute) if attribute else names[owner]
    if isinstance(arg, Const):
        import torch

        assert arg.name in CONSTANTS
        return getattr(torch, arg.name.removeprefix("torch."))
    if isinstance(arg, tuple):
        return tuple(_value(a, names) for a in arg)
    return arg


def _callable(call: Call, names: Mapping[str, Any]) -> Callable[..., Any]:
    import torch
    from torch.nn.utils import rnn as utils

    if call.on is not None:
        assert call.func in METHODS
        method: Callable[..., Any] = getattr(_value(call.on, names), call.func)
        return method
    if call.func in names:  # the module the statements built
        built: Callable[..., Any] = names[call.func]
        return built
    assert call.func in CALLABLES, call.func
    module, _, name = call.func.rpartition(".")
    owner = {"nn": torch.nn, "torch": torch, "": utils}[module]
    found: Callable[..., Any] = getattr(owner, name)
    return found


# -- the script -------------------------------------------------------------------------------------


def code(arg: Any) -> str:
    """An argument as the script writes it."""
    if isinstance(arg, Call):
        args = [code(a) for a in arg.args] + [f"{k}={code(v)}" for k, v in arg.kwargs]
        head = f"{code(arg.on)}.{arg.func}" if arg.on is not None else arg.func
        return f"{head}({', '.join(args)})"
    if isinstance(arg, Ref | Const):
        return arg.name
    if isinstance(arg, tuple):
        inner = ", ".join(code(a) for a in arg)
        return f"({inner},)" if len(arg) == 1 else f"({inner})"
    if isinstance(arg, str) and arg.isprintable() and '"' not in arg and "\\" not in arg:
        return f'"{arg}"'  # as people write a device: "cuda"
    return repr(arg)


def lines(repro: Reproduction) -> list[str]:
    """The statements as the script's lines (imports are the script's own, see ``imports``)."""
    out = []
    if repro.warning:
        out += ['warnings.simplefilter("error")  # the warning raised as an error: the script stops with its message']
    in_grad = False
    for statement in repro.statements:
        text = code(statement.value)
        if statement.targets:
            text = f"{', '.join(statement.targets)} = {text}"
        if statement.comment:
            text += f"  # {statement.comment}"
        if statement.grad and not in_grad:  # consecutive statements with gradients: one block
            out.append("with torch.enable_grad():")
        in_grad = statement.grad
        out.append(f"    {text}" if statement.grad else text)
    return out


def imports(repro: Reproduction) -> list[str]:
    """What the script imports: torch, nn where a module is built, the utils it calls."""
    found = ["import warnings"] if repro.warning else []
    found.append("import torch")
    if any(_names_nn(s.value) for s in repro.statements):
        found.append("from torch import nn")
    if repro.utils:
        found.append(f"from torch.nn.utils.rnn import {', '.join(repro.utils)}")
    return found


def _names_nn(arg: Any) -> bool:
    if isinstance(arg, Call):
        parts = (*arg.args, *(v for _, v in arg.kwargs), arg.on)
        return arg.func.startswith("nn.") or any(_names_nn(a) for a in parts)
    if isinstance(arg, tuple):
        return any(_names_nn(a) for a in arg)
    return False
