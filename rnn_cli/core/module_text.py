"""--module "nn.LSTM(300, 512, num_layers=2, batch_first=True)": a constructor, read, never run.

The line is read as pasted (``self.rnn = nn.LSTM(...)``: the assignment's target is ignored,
and it may span several lines) in the language of ``language``: names and dotted names bound
by ``--set`` (``hparams.x``), arithmetic, conditionals, ``int(...)`` and the rest. The class may
be written ``nn.LSTM``, ``torch.nn.GRU``, ``LSTM``, or held in a name (``rnn_type(...)``,
``getattr(nn, rnn_type)(...)``) bound with ``--set rnn_type=nn.LSTM``. Each argument is then
held to what torch's constructor takes for it. Nothing in the text is evaluated as Python,
imported or run, and neither is any ``--set`` value.
"""

from __future__ import annotations

import ast
import difflib
from typing import Any

from .bindings import Bindings
from .checker import Checker, check
from .errors import BadInput
from .evaluator import Evaluator
from .language import CLASSES, Constructor, Dtype, RecurrentClass, Source, read, reference, shown, spelled
from .settings import BY_FIELD, FACTORY_KEYWORDS, TORCH_ARGUMENTS, TORCH_REQUIRED, torch_defaults

#: Longest --module text read.
MAX_TEXT = 4000
#: Whole numbers in a constructor stay within this (a hidden size of 2**40 is refused long
#: before by the memory budget; this only keeps the arithmetic itself instant).
MAX_WHOLE = 2**40
#: The module paths a class is written under: nn.LSTM, torch.nn.LSTM.
PREFIXES = (("nn",), ("torch", "nn"))
#: The dtypes a run can have, by torch's names for them.
RUN_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64"}


def parse_module(text: str, bindings: Bindings | None = None) -> dict[str, Any]:
    """The constructor's settings by torch's names, with ``cell`` for the class."""
    source = read(text, "--module", statement=True, max_text=MAX_TEXT)
    call, after = _unwrapped(source, source.tree)
    path = reference(call.func)
    if path is not None and path[:-1] in PREFIXES and path[-1] not in CLASSES:
        raise source.refuse(call.func, f"--module takes nn.RNN, nn.LSTM or nn.GRU, not {spelled(path)}")
    scope = (bindings or Bindings()).scope()
    check(Checker(source, scope, open_callee=call.func), callee="nn.LSTM")
    evaluator = Evaluator(source, scope, max_whole=MAX_WHOLE)
    evaluator.constructor_at = call
    cls = evaluator.value(call.func)
    if not isinstance(cls, RecurrentClass):
        named = source.segment(call.func)
        what = f" ({named} is {shown(cls)})" if isinstance(cls, str | int | float) else ""
        hint = ""
        if isinstance(cls, str) and cls.upper() in CLASSES:
            hint = f": bind the class, --set {named}=nn.{cls.upper()}"
        raise source.refuse(call.func, f"--module takes nn.RNN, nn.LSTM or nn.GRU, not {named}{what}{hint}")
    made = evaluator.value(call)
    assert isinstance(made, Constructor)
    settings = _settings(source, made)
    for method, node, args in after:
        _apply(source, settings, method, node, [evaluator.value(a) for a in args])
    return settings


#: Methods people chain after a constructor (``.to(device)``): read, those that change the
#: dtype applied, the rest (where it runs, its mode) left to the run's own options.
AFTER = {"to", "cuda", "cpu", "float", "double", "train", "eval", "requires_grad_"}


def _unwrapped(source: Source, node: ast.expr) -> tuple[ast.Call, list[tuple[str, ast.AST, list[ast.expr]]]]:
    """The constructor's call, and the methods chained after it, in order."""
    after: list[tuple[str, ast.AST, list[ast.expr]]] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
        name = node.func.attr
        if name in ("half", "bfloat16"):
            raise source.refuse(node.func, f".{name}() makes a 16-bit module; rnn-shapes runs float32 and float64")
        if name not in AFTER or node.keywords:
            inner = source.segment(node.func.value)
            raise source.refuse(node.func, f"write the constructor alone, {inner}: .{name}(...) after it is not read")
        after.insert(0, (name, node.func, list(node.args)))
        node = node.func.value
    if not isinstance(node, ast.Call):
        raise source.refuse(node, f"write the constructor as a call, e.g. nn.LSTM(4, 8); got {source.segment(node)}")
    return node, after


def _apply(source: Source, settings: dict[str, Any], method: str, node: ast.AST, args: list[Any]) -> None:
    """A chained method's effect on the settings: .double() and .to(torch.float64) set the dtype."""
    dtype = {"float": "float32", "double": "float64"}.get(method)
    if method == "to":
        found = [a for a in args if isinstance(a, Dtype)]
        dtype = _dtype(found[0], f"{source.at(node)}: .to", source) if found else None
    if dtype is not None:
        settings["dtype"] = dtype


def _settings(source: Source, made: Constructor) -> dict[str, Any]:
    """Each argument by torch's name, held to what torch takes for it; torch's defaults for the rest."""
    cls = made.cls.name
    positional = TORCH_ARGUMENTS[cls]
    allowed = positional + FACTORY_KEYWORDS
    settings: dict[str, Any] = {"cell": cls.lower()}
    if len(made.args) > len(positional):
        raise source.refuse(
            made.args[len(positional)][0], f"{cls} takes at most {len(positional)} positional arguments"
        )
    for name, (node, value) in zip(positional, made.args, strict=False):
        settings[name] = _setting(source, name, node, value)
    for name, node, value in made.keywords:
        if name not in allowed:
            hint = difflib.get_close_matches(name, allowed, n=1)
            refused = {"proj_size": f"{cls} has no proj_size: only LSTM projects"}.get(name)
            raise source.refuse(
                node,
                f"{refused or f'{cls} has no keyword {name!r}'}"
                + (f" (did you mean {hint[0]}?)" if hint and not refused else ""),
            )
        if name in settings:
            raise source.refuse(node, f"{name} is given twice")
        settings[name] = _setting(source, name, node, value)
    missing = [name for name in TORCH_REQUIRED if name not in settings]
    if missing:
        raise source.refuse(made.node, f"{cls} needs {' and '.join(missing)}")
    # what the text leaves out is torch's default, as it would be in torch: batch_first=False too
    return {**torch_defaults(cls), **settings}


def _setting(source: Source, name: str, node: ast.expr, value: Any) -> Any:
    """One argument's value, held to the kind the settings declaration gives it (as torch does:
    a hidden_size of 256.0 is refused, a dropout of 0 is 0.0)."""
    where = f"{source.at(node)}: {name}"
    if name == "dtype":
        return _dtype(value, where, source)
    if name == "device":
        if not isinstance(value, str):
            raise BadInput(f"{source.where}: {where} must be a device name such as 'cpu', not {shown(value)}")
        return value
    kind = BY_FIELD[name].value_kind  # what the declaration says it is
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        fix = ": torch takes an int; int(...) makes one" if isinstance(value, float) else ""
        raise BadInput(f"{source.where}: {where} must be a whole number, not {shown(value)}{fix}")
    if kind is bool and not isinstance(value, bool):
        raise BadInput(f"{source.where}: {where} must be True or False, not {shown(value)}")
    if kind is str and not isinstance(value, str):
        raise BadInput(f"{source.where}: {where} must be a string, not {shown(value)}")
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadInput(f"{source.where}: {where} must be a number, not {shown(value)}")
        value = float(value)
    return value


def _dtype(value: Any, where: str, source: Source) -> str:
    name = value.name if isinstance(value, Dtype) else value
    if isinstance(name, str) and name.removeprefix("torch.") in RUN_DTYPES:
        return RUN_DTYPES[name.removeprefix("torch.")]
    raise BadInput(f"{source.where}: {where} must be torch.float32 or torch.float64, not {shown(value)}")
