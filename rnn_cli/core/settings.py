"""Every setting of a run, declared once: its field, type, default, how it is checked, its JSON
name and what torch calls it.

A setting is a :class:`Config` field (whose name is torch's keyword where torch takes one), or
the one run argument the JSON ``config`` reports beside them (``tokenizer``). ``SETTINGS`` lists
them in the order the JSON document's ``config`` has them; the JSON ``config`` and its schema
(``render``), the ``--module`` reader and the constructor a run prints (``forward``) follow from
it. The command line's part of each declaration (its flags, help, where it may be used) stands
beside it in ``cli/options.py``.

Pure Python: the JSON Schema and ``--module`` read it before torch is imported.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .config import MAX_CELLS, MAX_SEED, MAX_SIZE, TORCH_CLASS, Config, Tokenizer

#: What the tokenizer is when nobody says: what a reader sees.
DEFAULT_TOKENIZER: Tokenizer = "graphemes"


@dataclass(frozen=True)
class Whole:
    """A whole number from ``low`` to ``high``."""

    low: int
    high: int


@dataclass(frozen=True)
class Choice:
    """One of the values of the setting's Literal type (or None, where its type allows None)."""


@dataclass(frozen=True)
class Flag:
    """True or False."""


@dataclass(frozen=True)
class Fraction:
    """A number from 0 up to, not including, 1."""


#: How a setting's value is checked (``Config.validated`` holds each one to its kind).
Check = Whole | Choice | Flag | Fraction

#: Each class's constructor arguments, in torch's order (RNN takes nonlinearity fourth; only LSTM projects).
TORCH_ARGUMENTS: dict[str, tuple[str, ...]] = {
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
#: Arguments torch's constructors cannot do without.
TORCH_REQUIRED = ("input_size", "hidden_size")
#: Keyword-only arguments every class takes: where the module is built, and in what precision.
FACTORY_KEYWORDS = ("device", "dtype")


class _ConfigDefault:
    """Torch's default is the Config field's."""

    def __repr__(self) -> str:
        return "the Config field's default"


_CONFIG_DEFAULT: Any = _ConfigDefault()


@dataclass(frozen=True)
class Setting:
    """One setting, declared once (build one with :func:`config_setting` for a Config field)."""

    #: The Config field, which is torch's keyword where torch takes one (``hidden_size``).
    field: str
    #: Its Python type and default: the Config field's.
    kind: Any
    default: Any
    #: How its value is checked.
    check: Check
    #: Its key in the JSON document's ``config``.
    json: str
    #: Its type in the JSON document, when that is not ``kind``'s (input_size is always known there).
    json_kind: Any = None
    #: The JSON document reports the run's resolved value (``Result.<field>``), not the Config's.
    on_result: bool = False
    #: Torch takes it as a keyword of the constructor (``TORCH_ARGUMENTS``, ``FACTORY_KEYWORDS``).
    torch: bool = False
    #: What torch takes when the keyword is left out, where that is not the Config's default.
    torch_default: Any = _CONFIG_DEFAULT

    @property
    def value_kind(self) -> type:
        """The Python type a value of it has: int, bool, float or str (a choice)."""
        return {Whole: int, Flag: bool, Fraction: float, Choice: str}[type(self.check)]

    @property
    def json_type(self) -> Any:
        """Its type as the JSON document writes it (whole numbers are never negative there)."""
        if self.json_kind is not None:
            return self.json_kind
        return self.kind if isinstance(self.check, Choice) else self.value_kind

    @property
    def choices(self) -> tuple[Any, ...]:
        """What a choice may be: its Literal's values (and None, where its type allows None)."""
        kinds = typing.get_args(self.kind) if typing.get_origin(self.kind) is not Literal else (self.kind,)
        return tuple(
            value for kind in kinds for value in (typing.get_args(kind) if kind is not type(None) else (None,))
        )

    def default_for_torch(self) -> Any:
        """What torch takes when the constructor is called without it."""
        return self.default if self.torch_default is _CONFIG_DEFAULT else self.torch_default


_HINTS = typing.get_type_hints(Config)
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Config)}


def config_setting(
    field: str,
    check: Check,
    *,
    json: str | None = None,
    json_kind: Any = None,
    on_result: bool = False,
    torch: bool = False,
    torch_default: Any = _CONFIG_DEFAULT,
) -> Setting:
    """The declaration of a Config field: its type and default are the field's own."""
    return Setting(
        field,
        _HINTS[field],
        _DEFAULTS[field],
        check,
        json or field,
        json_kind=json_kind,
        on_result=on_result,
        torch=torch,
        torch_default=torch_default,
    )


#: Every setting, in the order the JSON document's ``config`` lists them.
SETTINGS: tuple[Setting, ...] = (
    config_setting("cell", Choice()),
    config_setting("input_size", Whole(1, MAX_SIZE), json_kind=int, on_result=True, torch=True),
    config_setting("hidden_size", Whole(1, MAX_SIZE), torch=True),
    config_setting("num_layers", Whole(1, MAX_CELLS), torch=True),
    config_setting("bidirectional", Flag(), torch=True),
    config_setting("batch_first", Flag(), torch=True, torch_default=False),
    config_setting("nonlinearity", Choice(), torch=True, torch_default="tanh"),
    config_setting("bias", Flag(), torch=True),
    config_setting("proj_size", Whole(0, MAX_SIZE), torch=True),
    config_setting("padding", Choice()),
    config_setting("seed", Whole(0, MAX_SEED)),
    config_setting("dtype", Choice(), torch=True, torch_default="float32"),
    # the run's device, as resolved: "auto" never reaches the document
    config_setting("device", Choice(), json_kind=str, torch=True, torch_default="cpu"),
    Setting("tokenizer", Tokenizer, DEFAULT_TOKENIZER, Choice(), "tokenizer", on_result=True),
    config_setting("dropout", Fraction(), torch=True),
    config_setting("embed", Whole(0, MAX_SIZE)),
    config_setting("initial_state", Choice()),
)

#: Each setting by its field.
BY_FIELD: Mapping[str, Setting] = {s.field: s for s in SETTINGS}
#: Config's fields: the settings a Config holds.
CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(Config))


def reported(result: Any, settings: Sequence[Setting] = SETTINGS) -> dict[str, Any]:
    """A run's settings by their JSON names, in the declaration's order: the JSON ``config``
    and what ``--vs`` compares first (``result`` is a Result; read by attribute only)."""
    return {s.json: getattr(result if s.on_result else result.config, s.field) for s in settings}


def torch_keywords(config: Config, input_size: int) -> dict[str, Any]:
    """The constructor's arguments that differ from torch's defaults, in torch's order (the
    required ones always), with ``dtype`` when it is not torch's (``device`` never: a call
    says what is built, not where)."""
    arguments: dict[str, Any] = {"input_size": input_size}
    for name in TORCH_ARGUMENTS[TORCH_CLASS[config.cell]][1:]:
        value = getattr(config, name)
        if name in TORCH_REQUIRED or value != BY_FIELD[name].default_for_torch():
            arguments[name] = value
    if config.dtype != BY_FIELD["dtype"].default_for_torch():
        arguments["dtype"] = config.dtype
    return arguments


def torch_defaults(cls: str) -> dict[str, Any]:
    """What a constructor of ``cls`` ("RNN", "LSTM", "GRU") takes for each argument it is called
    without, by Config's names: torch's default; for an argument the class does not have
    (an LSTM's nonlinearity), what a Config of that class holds (None, 0)."""
    names = dict.fromkeys(name for arguments in TORCH_ARGUMENTS.values() for name in arguments)
    return {
        name: BY_FIELD[name].default_for_torch() if name in TORCH_ARGUMENTS[cls] else BY_FIELD[name].default
        for name in names
        if name not in TORCH_REQUIRED
    }


def torch_attributes(module: Any) -> dict[str, Any]:
    """The constructor's arguments as a built torch module holds them, by Config's names (an
    LSTM's nonlinearity is None; dropout a float); dtype and device are read from its weights."""
    names = dict.fromkeys(name for arguments in TORCH_ARGUMENTS.values() for name in arguments)
    found = {name: getattr(module, name, BY_FIELD[name].default) for name in names}
    found["dropout"] = float(found["dropout"])
    return found


#: What people call a setting, by the setting they mean: ``explore(hidden=2)`` suggests hidden_size.
ALIASES: Mapping[str, str] = {
    "hidden": "hidden_size",
    "layers": "num_layers",
    "n_layers": "num_layers",
    "seq_first": "batch_first",
    "no_bias": "bias",
    "type": "cell",
    "mode": "cell",
    "embedding": "embed",
    "h0": "initial_state",
    "h_0": "initial_state",
    "tokens": "tokenizer",
    "batch_size": "lengths=[seq_len] * batch_size",
    "seq_len": "lengths=[seq_len] * batch_size",
}


def suggestion(name: str) -> str | None:
    """The setting someone most likely meant by an unknown ``name``, or None."""
    return ALIASES.get(name) or next(iter(difflib.get_close_matches(name, sorted(CONFIG_FIELDS), n=1)), None)
