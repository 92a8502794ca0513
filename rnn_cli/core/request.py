"""One request, however it arrived: the command line, a batch line, each side of ``--vs``, the
explorer, ``explore()`` from Python, and each call a ``watch`` records.

A request is the caller's settings (with which of them they said), the module they come from
(a constructor's text, a module object, or a checkpoint's layer), their own tensors (or the
files holding them), sizes instead of words, their expressions, and the limits. ``config``
merges the settings with the module's in one place, refusing a setting said that contradicts
it; ``plan`` checks everything that needs no torch and returns the run's ``Plan``.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .budget import DEFAULT_MAX_MEMORY, DEFAULT_MAX_WORK, Drawn
from .config import Config, Tokenizer
from .errors import BadInput, SettingNames
from .plan import ALL_STAGES, Plan, SizesInput, Stages
from .settings import torch_attributes
from .tokens import DEFAULT_MAX_STEPS

if TYPE_CHECKING:
    from .bindings import Bindings
    from .checkpoint import Checkpoint, FoundLayer
    from .exported.formats import ExportRequest
    from .given import Given

__all__ = ["Limits", "Request", "Tensors", "check_module_tensors", "module_config"]


@dataclass(frozen=True)
class Limits:
    """What a run may cost, checked before it starts, and how many rows ``--steps`` traces."""

    max_steps: int = DEFAULT_MAX_STEPS
    max_memory: int = DEFAULT_MAX_MEMORY
    max_work: int = DEFAULT_MAX_WORK
    trace_words: int = 0


@dataclass(frozen=True)
class Tensors:
    """The caller's own batch and initial state (``state``: h_0, or (h_0, c_0)), or the files
    holding them (``files``: ``input``, ``h_0``, ``c_0``, read with nothing in them run)."""

    input: Any = field(default=None, compare=False)
    state: Any = field(default=None, compare=False)
    #: Each row's real steps in ``input``; None: every row runs every step.
    lengths: tuple[int, ...] | None = None
    files: Mapping[str, str | None] = field(default_factory=dict)

    def any(self) -> bool:
        return self.input is not None or self.state is not None or any(self.files.values())

    def loaded(self, names: SettingNames, max_bytes: int) -> tuple[Any, Any]:
        """(input, state), each file read (to at most ``max_bytes``)."""
        if not any(self.files.values()):
            return self.input, self.state
        from .given import load_tensor

        options = {"input": "input", "h_0": "h0", "c_0": "c0"}
        got = {
            label: self._get(label) if path is None else load_tensor(path, names[options[label]], max_bytes=max_bytes)
            for label, path in ((label, self.files.get(label)) for label in options)
        }
        state = got["h_0"] if got["c_0"] is None else (got["h_0"], got["c_0"])
        return got["input"], state

    def _get(self, label: str) -> Any:
        if label == "input":
            return self.input
        state = self.state
        h_0, c_0 = state if isinstance(state, tuple) and len(state) == 2 else (state, None)
        return h_0 if label == "h_0" else c_0


@dataclass(frozen=True)
class Request:
    """Everything a run was asked for, before anything is checked; ``plan`` checks it."""

    #: The settings as the caller gave them (each field of Config; unvalidated).
    settings: Config = field(default_factory=Config)
    #: The settings the caller said (even at their defaults): those the module must not contradict.
    stated: frozenset[str] = frozenset()
    #: The module the run's layer comes from: a constructor's text (``--module``, read in the
    #: expression language with ``set_names``' values, never run), a module object, or a
    #: checkpoint's layer (``layer`` picks one; weights only, never code).
    module_text: str | None = None
    set_names: tuple[str, ...] = ()
    module: Any = field(default=None, compare=False)
    checkpoint: str | None = None
    layer: str | None = None
    tensors: Tensors | None = None
    #: Sizes instead of words: seeded random tokens or features.
    sizes: SizesInput | None = None
    expressions: tuple[str, ...] = ()
    vocab: str | Sequence[str] | None = None
    tokenizer: Tokenizer = "graphemes"
    limits: Limits = Limits()
    #: Whether the values are kept for the JSON (the memory estimate counts them).
    values: bool = True
    timed: bool = False
    drawn: Drawn | None = None
    stages: Stages = ALL_STAGES
    #: --export: the layer exported and checked after the run.
    export: ExportRequest | None = None
    #: What the caller calls each setting in messages (``--hidden``; ``hidden_size`` from Python).
    names: Mapping[str, str] = field(default_factory=dict)

    @functools.cached_property
    def name(self) -> SettingNames:
        return SettingNames(self.names)

    # -- the settings ------------------------------------------------------------------------

    def config(self) -> Config:
        """The run's settings (unvalidated: ``plan`` validates them): the caller's, merged with
        what the module says (its text, the object, or the checkpoint's weights)."""
        return self._config

    @functools.cached_property
    def _config(self) -> Config:
        settings = {f.name: getattr(self.settings, f.name) for f in fields(Config)}
        said_by: dict[str, str] = {}
        for label, given in self._sources():
            for key, value in given.items():
                if key in said_by and not _same(settings[key], value):
                    raise BadInput(f"{said_by[key]}'s {key}={settings[key]!r} does not fit {label}'s {key}={value!r}")
                if key in self.stated and key not in said_by and not _same(settings[key], value):
                    raise BadInput(f"{self.name[key]} contradicts {label}'s {key}={value!r}: say it once, in one place")
                settings[key], said_by[key] = value, label
        if self.checkpoint is not None and "dtype" not in self.stated and "dtype" not in said_by:
            settings["dtype"] = self.checkpoint_layer()[1].dtype  # the weights' own, unless asked
        return Config(**settings)

    def _sources(self) -> list[tuple[str, Mapping[str, Any]]]:
        """What each source of the module says, in order: its text or object, then the weights."""
        sources: list[tuple[str, Mapping[str, Any]]] = []
        if self.module_text is not None:
            sources.append((self.name["module"], self.module_settings()))
        if self.module is not None:
            settings = module_config(self.module)
            check_module_tensors(self.module)
            sources.append((self.name["module"], settings))
        if self.checkpoint is not None:
            layer = self.checkpoint_layer()[1]
            sources.append((f"{self.name['checkpoint']}'s {layer.shown}", layer.settings()))
        return sources

    def module_settings(self) -> Mapping[str, Any]:
        """The constructor's settings, read once (its text, with ``set_names``' values, never run)."""
        return self._module_settings

    @functools.cached_property
    def _module_settings(self) -> Mapping[str, Any]:
        from .module_text import parse_module

        assert self.module_text is not None
        try:
            self.module_text.encode("utf-8")
        except UnicodeEncodeError as error:  # bytes that were not UTF-8, or a lone surrogate in JSON
            raise BadInput(f"{self.name['module']} is not valid UTF-8 (at character {error.start + 1})") from None
        return types.MappingProxyType(parse_module(self.module_text, self.bindings()))

    def bindings(self) -> Bindings:
        """``set_names``' names and their values (read in the expression language, never run)."""
        return self._bindings

    @functools.cached_property
    def _bindings(self) -> Bindings:
        from .bindings import parse_bindings

        return parse_bindings(self.set_names, option=self.name["set_names"])

    def checkpoint_layer(self) -> tuple[Checkpoint, FoundLayer]:
        """The checkpoint read (weights only, never code) and the layer ``layer`` picks, once."""
        return self._checkpoint_layer

    @functools.cached_property
    def _checkpoint_layer(self) -> tuple[Checkpoint, FoundLayer]:
        from .checkpoint import choose_layer, read_checkpoint

        if self.layer is not None and self.checkpoint is None:
            raise BadInput(f"{self.name['layer']} picks a recurrent layer of a checkpoint: give the checkpoint too")
        assert self.checkpoint is not None
        found = read_checkpoint(self.checkpoint, max_bytes=self.limits.max_memory, option=self.name["checkpoint"])
        return found, choose_layer(found, self.layer, option=self.name["layer"])

    # -- the run -----------------------------------------------------------------------------

    def plan(self, words: Sequence[str] | None = None) -> Plan:
        """Everything checked that needs no torch, every setting named as the caller names it."""
        from .prepare import prepare

        config = self.config()
        given, module = self.given(config.validated(self.names))
        return prepare(
            words,
            config,
            module=module if module is not None else self.module,
            given=given,
            expressions=self.expressions,
            vocab=self.vocab,
            trace_words=self.limits.trace_words,
            max_steps=self.limits.max_steps,
            max_memory=self.limits.max_memory,
            max_work=self.limits.max_work,
            values=self.values,
            tokenizer=self.tokenizer,
            names=self.names,
            random=self.sizes,
            timed=self.timed,
            drawn=self.drawn,
            stages=self.stages,
            export=self.export,
        )

    def given(self, config: Config) -> tuple[Given | None, Any]:
        """What the caller brought, loaded (never run): their tensors, the checkpoint's layer as
        a module with its trained weights, and the facts the report, JSON and --code tell."""
        module, checkpoint_facts, held = (
            self._checkpoint_module(config) if self.checkpoint is not None else (None, None, 0)
        )
        given = None
        tensors = self.tensors
        if tensors is not None and (
            tensors.input is not None or tensors.state is not None or any(tensors.files.values())
        ):
            from .given import given_tensors

            batch, state = tensors.loaded(self.name, self.limits.max_memory)
            given = given_tensors(
                batch,
                state,
                lengths=tensors.lengths if batch is not None else None,
                files=dict(tensors.files),
                names=self.name,
            )
        bindings = self.bindings()
        if bindings.values or self.module_text is not None or checkpoint_facts is not None:
            from .given import Given

            given = given or Given()
            given.facts.module_text = self.module_text
            given.facts.names = bindings.by_name()
            given.facts.set_texts = bindings.by_text()
            given.facts.bindings = bindings
            given.facts.checkpoint = checkpoint_facts
            given.held_bytes = held
        return given, module

    def _checkpoint_module(self, config: Config) -> tuple[Any, Any, int]:
        """The layer as a module with its weights (held to the memory limit in the run's dtype),
        the facts told of the checkpoint, and the bytes kept read beside the layer."""
        from .checkpoint import held_beside, layer_module, notes
        from .result import CheckpointFacts

        checkpoint, layer = self.checkpoint_layer()
        facts = CheckpointFacts(
            file=checkpoint.path,
            format=checkpoint.format,
            key=layer.key,
            layer=layer.name,
            prefix=layer.prefix,
            layers=[(found.shown, found.call()) for found in checkpoint.layers],
            notes=notes(layer, config),
        )
        module = layer_module(checkpoint, layer, config, max_bytes=self.limits.max_memory, names=self.name)
        return module, facts, held_beside(checkpoint, layer, config)


def _same(a: object, b: object) -> bool:
    """Whether two settings agree (2 and 2.0 do; True and 1 do not); a value that cannot be
    compared (a tensor) does not."""
    numbers = (int, float)
    kinds_agree = type(a) is type(b) or (
        isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool)
    )
    try:
        return kinds_agree and bool(a == b)
    except Exception:
        return False


def check_module_tensors(module: Any) -> None:
    """A caller's module must hold values, on the CPU or CUDA, and all in one place: refused
    at once otherwise (a meta-device module has shapes and no numbers to show)."""
    places = {t.device.type for t in [*module.parameters(), *module.buffers()]}
    odd = sorted(places - {"cpu", "cuda"})
    if odd:
        raise BadInput(
            f"module's parameters are on the {odd[0]} device, which rnn-shapes cannot run"
            + (": a meta tensor has a shape and no values; build it on the CPU" if odd[0] == "meta" else "")
            + " (module.to('cpu'))"
        )
    if len(places) > 1:
        raise BadInput("module's parameters are on both the CPU and CUDA: move them to one (module.to(...))")


def module_config(module: Any) -> dict[str, Any]:
    """The settings of a caller's own module, read from it."""
    import torch

    kinds = {torch.nn.RNN: "rnn", torch.nn.LSTM: "lstm", torch.nn.GRU: "gru"}
    cell = next((name for kind, name in kinds.items() if type(module) is kind), None)
    if cell is None:
        raise BadInput(f"module must be a torch.nn.RNN, LSTM or GRU, not {type(module).__name__}")
    weight = module.weight_ih_l0
    dtype = {torch.float32: "float32", torch.float64: "float64"}.get(weight.dtype)
    if dtype is None:
        raise BadInput(f"module's dtype is {weight.dtype}; rnn-shapes checks float32 and float64 runs")
    device = "cuda" if weight.device.type == "cuda" else "cpu"
    return {"cell": cell, **torch_attributes(module), "dtype": dtype, "device": device}
