"""--checkpoint FILE: the recurrent layers of a state dict, found by their parameters.

A file written by ``torch.save`` is read with ``torch.load(weights_only=True)``: tensors and
plain containers only, never a class or a function unpickled, so nothing in the file runs. A
``.safetensors`` file is read with the ``safetensors`` package (the ``checkpoint`` extra). The
state dict may be the file itself or sit under a key (``{"model": state_dict, "epoch": 3}``).

Every recurrent layer in it is found by its parameter names (``<prefix>.weight_ih_l0`` and its
siblings) and shapes: the cell from the gate rows (1x RNN, 3x GRU, 4x LSTM), input and hidden
sizes, layers, directions, ``proj_size`` and bias, each shape checked against the documented
layout. What a state dict does not hold (``batch_first``, an RNN's ``nonlinearity``, dropout)
comes from the options, or torch's default.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from .budget import PARAMETER_COPIES, check_memory
from .config import MAX_CELLS, TORCH_CLASS, Cell, Config
from .errors import BadInput, quoted
from .files import check_zip_sizes, opened_regular, regular_status, tensor_problem
from .layout import parameter_layouts

if TYPE_CHECKING:
    import torch

Format = Literal["torch", "safetensors"]
#: A recurrent layer's parameter, by torch's names: weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0.
PARAMETER = re.compile(
    r"^(?:(?P<prefix>.*)\.)?(?P<kind>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(?P<layer>\d+)(?P<reverse>_reverse)?$"
)
_CELLS: dict[int, Cell] = {1: "rnn", 3: "gru", 4: "lstm"}
#: The dtypes a run has; half precision weights are run in float32 (said in the notes).
_RUN_DTYPES = {"float32": "float32", "float64": "float64", "float16": "float32", "bfloat16": "float32"}
#: Checkpoints kept read, most recent last: a batch of requests over one file reads it once.
#: What they hold beside the layer a run uses is counted in its estimate (``held_beside``).
_CACHE: OrderedDict[tuple[str, int, int], Checkpoint] = OrderedDict()
_CACHE_FILES = 2


@dataclass(frozen=True)
class FoundLayer:
    """One recurrent layer of a checkpoint, as its parameters say it was built."""

    #: What --layer calls it: the module's path (``encoder.rnn``), "" for a bare module's state dict.
    name: str
    #: The checkpoint's key holding its state dict (``model``), or None when the file is one.
    key: str | None
    #: The path of its parameters inside that state dict.
    prefix: str
    cell: Cell
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    bias: bool
    proj_size: int
    #: The weights' dtype as stored, e.g. ``float32``.
    stored_dtype: str

    @property
    def dtype(self) -> str:
        return _RUN_DTYPES[self.stored_dtype]

    @property
    def shown(self) -> str:
        return self.name or "(the whole state dict)"

    def settings(self) -> dict[str, Any]:
        """What the weights decide, by Config's names."""
        return {
            "cell": self.cell,
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "bias": self.bias,
            "proj_size": self.proj_size,
        }

    def call(self) -> str:
        """The constructor the weights fit, as torch spells it (what a state dict cannot say left out)."""
        args = [str(self.input_size), str(self.hidden_size)]
        defaults = {"num_layers": 1, "bias": True, "bidirectional": False, "proj_size": 0}
        args += [f"{k}={v!r}" for k, v in self.settings().items() if k in defaults and v != defaults[k]]
        return f"torch.nn.{TORCH_CLASS[self.cell]}({', '.join(args)})"

    def entry(self) -> str:
        return f"{self.shown}: {self.call()}"


@dataclass(eq=False)
class Checkpoint:
    """A checkpoint file read: its recurrent layers and their tensors."""

    path: str
    format: Format
    layers: tuple[FoundLayer, ...]
    #: Each state dict holding a layer, by its key (None: the file's top level).
    states: dict[str | None, dict[str, torch.Tensor]] = field(repr=False)
    #: What could not be read as a layer, and why (said when nothing was found).
    skipped: tuple[str, ...] = ()

    def held_bytes(self) -> int:
        """The bytes of every tensor kept: what the cache holds for this file."""
        return sum(t.numel() * t.element_size() for state in self.states.values() for t in state.values())

    def tensors(self, layer: FoundLayer) -> dict[str, torch.Tensor]:
        """The layer's parameters by the names its module gives them (weight_ih_l0, ...)."""
        state = self.states[layer.key]
        start = f"{layer.prefix}." if layer.prefix else ""
        return {
            name[len(start) :]: tensor
            for name, tensor in state.items()
            if name.startswith(start) and PARAMETER.match(name) and "." not in name[len(start) :]
        }


def read_checkpoint(path: str, *, max_bytes: int, option: str = "--checkpoint") -> Checkpoint:
    """The checkpoint at ``path``, read without running anything in it (kept for the next request)."""
    where = f"{option} {path!r}"
    status = regular_status(path, where, max_bytes=max_bytes)
    key = (os.path.realpath(path), status.st_size, status.st_mtime_ns)
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    while _CACHE and sum(c.held_bytes() for c in _CACHE.values()) + status.st_size > max_bytes:
        _CACHE.popitem(last=False)  # room to read this one within the limit
    loaded = _load(path, where, max_bytes)
    checkpoint = _found(path, loaded, where)
    _CACHE[key] = checkpoint
    while len(_CACHE) > _CACHE_FILES:
        _CACHE.popitem(last=False)
    return checkpoint


def _load(path: str, where: str, max_bytes: int) -> tuple[Format, Any]:
    if path.lower().endswith(".safetensors"):
        try:
            from safetensors import SafetensorError
            from safetensors.torch import load_file
        except ImportError:
            raise BadInput(
                f"{where} is a .safetensors file, read with the safetensors package: "
                "pip install 'rnn-shapes[checkpoint]'"
            ) from None
        try:
            return "safetensors", load_file(path, device="cpu")
        except (SafetensorError, OSError, ValueError, RuntimeError) as error:
            raise BadInput(f"{where} is not a safetensors file that can be read: {_first_line(error)}") from None
    return "torch", load_weights_only(path, where, what="a state dict", max_bytes=max_bytes)


def load_weights_only(path: str, where: str, *, what: str, max_bytes: int) -> Any:
    """``torch.load(path, weights_only=True)``: tensors and plain containers; anything that
    needs code unpickled is refused before any of it runs. Only a regular file is opened, and a
    zip's declared sizes are held to ``max_bytes`` before anything is inflated."""
    with opened_regular(path, where, max_bytes=max_bytes) as handle:
        head = handle.read(1)
        handle.seek(0)
        if zipfile.is_zipfile(handle):
            check_zip_sizes(handle, where, max_bytes=max_bytes)
        elif head != b"\x80":  # neither torch.save's zip nor a pickle
            raise BadInput(f"{where} is not a file torch.save wrote (nor .safetensors)")
        handle.seek(0)
        return _torch_load(handle, where, what=what)


def _torch_load(handle: BinaryIO, where: str, *, what: str) -> Any:
    import pickle

    import torch

    try:
        with warnings.catch_warnings():  # torch notes odd pickle protocols: not the user's business here
            warnings.simplefilter("ignore")
            return torch.load(handle, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        wanted = re.search(r"GLOBAL ([\w.]+)", str(error))
        asks = f" (it asks for {wanted.group(1)})" if wanted else ""
        save = "torch.save(model.state_dict(), PATH)" if what == "a state dict" else "torch.save(tensor, PATH)"
        raise BadInput(
            f"{where} needs code unpickled to load{asks}, and rnn-shapes never runs code from a file: "
            f"save {what} alone with {save} and give that"
        ) from None
    except (RuntimeError, EOFError, ValueError, OSError, KeyError, AttributeError) as error:
        raise BadInput(f"{where} cannot be read by torch.load: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= 200 else line[:200] + "…"


def _found(path: str, loaded: tuple[Format, Any], where: str) -> Checkpoint:
    import torch

    form, obj = loaded
    if isinstance(obj, torch.nn.Module):  # weights_only never builds one; a safeguard all the same
        raise BadInput(f"{where} holds a whole module: save model.state_dict() instead")
    if not isinstance(obj, Mapping):
        raise BadInput(f"{where} holds {type(obj).__name__}, not a state dict: save model.state_dict()")
    states: dict[str | None, dict[str, torch.Tensor]] = {}
    top = _tensors(obj)
    if any(PARAMETER.match(name) for name in top):
        states[None] = top
    for key, value in obj.items():
        if isinstance(key, str) and isinstance(value, Mapping):
            inner = _tensors(value)
            if any(PARAMETER.match(name) for name in inner):
                states[key] = inner
    layers: list[FoundLayer] = []
    skipped: list[str] = []
    one_key = len(states) == 1
    for key, state in states.items():
        groups: dict[str, dict[str, torch.Tensor]] = {}
        for name, tensor in state.items():
            match = PARAMETER.match(name)
            if match:
                groups.setdefault(match.group("prefix") or "", {})[name.rsplit(".", 1)[-1]] = tensor
        for prefix, params in groups.items():
            name = prefix if one_key or key is None else ".".join(part for part in (key, prefix) if part)
            layer = _layer(name, key, prefix, params)
            if isinstance(layer, str):
                skipped.append(f"{name or '(top level)'}: {layer}")
            else:
                layers.append(layer)
    if not layers:
        keys = [str(k) for k in list(obj)[:6]]
        why = f"; {skipped[0]}" if skipped else ""
        raise BadInput(
            f"{where} has no nn.RNN, nn.LSTM or nn.GRU parameters (weight_ih_l0, weight_hh_l0, ...){why}; "
            f"its keys begin {', '.join(map(repr, keys)) or 'nowhere: it is empty'}"
        )
    return Checkpoint(path, form, tuple(layers), _layers_only(states, layers), tuple(skipped))


def _layers_only(
    states: Mapping[str | None, Mapping[str, torch.Tensor]], layers: list[FoundLayer]
) -> dict[str | None, dict[str, torch.Tensor]]:
    """The state dicts cut to the recurrent layers' parameters: what the cache keeps, not the
    rest of the model (an embedding of gigabytes beside a small LSTM)."""
    kept: dict[str | None, dict[str, torch.Tensor]] = {}
    for layer in layers:
        start = f"{layer.prefix}." if layer.prefix else ""
        for name, tensor in states[layer.key].items():
            if name.startswith(start) and PARAMETER.match(name) and "." not in name[len(start) :]:
                kept.setdefault(layer.key, {})[name] = tensor
    return kept


def _tensors(mapping: Mapping[Any, Any]) -> dict[str, torch.Tensor]:
    import torch

    return {k: v for k, v in mapping.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}


def _layer(name: str, key: str | None, prefix: str, params: dict[str, torch.Tensor]) -> FoundLayer | str:
    """The layer these parameters make, or why they make none."""
    w_ih, w_hh = params.get("weight_ih_l0"), params.get("weight_hh_l0")
    if w_ih is None or w_hh is None:
        return "no weight_ih_l0 and weight_hh_l0"
    if w_ih.dim() != 2 or w_hh.dim() != 2:
        return "weight_ih_l0 and weight_hh_l0 are not matrices"
    rows, h_out = int(w_hh.shape[0]), int(w_hh.shape[1])
    w_hr = params.get("weight_hr_l0")
    proj, hidden = (0, h_out) if w_hr is None or w_hr.dim() != 2 else (int(w_hr.shape[0]), int(w_hr.shape[1]))
    if not hidden or rows % hidden or rows // hidden not in _CELLS:
        return f"weight_hh_l0 has {rows} rows, not 1, 3 or 4 times its hidden size {hidden}"
    cell = _CELLS[rows // hidden]
    if proj and (cell != "lstm" or proj >= hidden):
        return "weight_hr_l0 is a projection, which only an LSTM has (smaller than its hidden size)"
    odd = _odd_tensor(params)
    if odd is not None:
        return odd
    dtypes = {str(t.dtype).removeprefix("torch.") for t in params.values()}
    if len(dtypes) != 1 or next(iter(dtypes)) not in _RUN_DTYPES:
        return f"its weights are {', '.join(sorted(dtypes))}, not floating point of one dtype"
    layers = _layer_count(params)
    if isinstance(layers, str):
        return layers
    config = Config(
        hidden_size=hidden,
        cell=cell,
        num_layers=layers,
        bidirectional=any(n.endswith("_reverse") for n in params),
        bias="bias_ih_l0" in params,
        proj_size=proj,
    )
    input_size = int(w_ih.shape[1])
    expected = {p.name: p.shape for p in parameter_layouts(config, input_size)}
    actual = {n: tuple(int(s) for s in t.shape) for n, t in params.items()}
    if expected != actual:
        wrong = next(
            (n for n in sorted(set(expected) | set(actual)) if expected.get(n) != actual.get(n)), "a parameter"
        )
        got = "missing" if wrong not in actual else str(actual[wrong])
        return f"{wrong} is {got}, where {TORCH_CLASS[cell]} needs {expected.get(wrong, 'none')}"
    return FoundLayer(
        name=name,
        key=key,
        prefix=prefix,
        cell=cell,
        input_size=input_size,
        hidden_size=hidden,
        num_layers=config.num_layers,
        bidirectional=config.bidirectional,
        bias=config.bias,
        proj_size=proj,
        stored_dtype=next(iter(dtypes)),
    )


def _odd_tensor(params: Mapping[str, torch.Tensor]) -> str | None:
    """Why one of these parameters cannot be a weight (sparse, quantized, meta...), or None."""
    for name, tensor in params.items():
        problem = tensor_problem(tensor)
        if problem is not None:
            return f"{name} is {problem}"
    return None


def _layer_count(params: Mapping[str, torch.Tensor]) -> int | str:
    """How many layers the parameters' names number, 0 to k - 1 with none missing, or why not;
    counted from the names, so ``weight_ih_l99999999999`` builds no layout of its size."""
    matches = {name: PARAMETER.match(name) for name in params}
    layer_of = {name: int(m.group("layer")) for name, m in matches.items() if m}
    numbers = set(layer_of.values())
    top = max(numbers)
    if top >= MAX_CELLS:
        named = next(name for name, layer in layer_of.items() if layer == top)
        return f"{named} numbers a layer {top:,}, over the limit of {MAX_CELLS:,} cells"
    missing = next((n for n in range(top) if n not in numbers), None)
    if missing is not None:
        return f"it has parameters of layer {top} but none of layer {missing}"
    return top + 1


def choose_layer(checkpoint: Checkpoint, name: str | None, *, option: str = "--layer") -> FoundLayer:
    """The layer ``--layer`` names; with one layer in the file, that one."""
    layers = checkpoint.layers
    listed = "; ".join(layer.entry() for layer in layers)
    if name is None:
        if len(layers) == 1:
            return layers[0]
        raise BadInput(
            f"--checkpoint {checkpoint.path!r} holds {len(layers)} recurrent layers: {listed}; "
            f"choose one with {option} NAME"
        )
    for layer in layers:
        if layer.name == name:
            return layer
    import difflib

    hint = difflib.get_close_matches(name, [layer.name for layer in layers], n=1)
    raise BadInput(
        f"{option} {quoted(name)} is not a recurrent layer of {checkpoint.path!r}"
        + (f" (did you mean {hint[0]}?)" if hint else "")
        + f"; it holds {listed}"
    )


def layer_module(
    checkpoint: Checkpoint,
    layer: FoundLayer,
    config: Config,
    *,
    max_bytes: int | None = None,
    names: Mapping[str, str] | None = None,
) -> torch.nn.RNNBase:
    """The layer's module with its trained weights, built as ``config`` says (batch_first,
    nonlinearity, dtype, device: what a state dict does not hold). The weights' bytes in the
    run's dtype are held to ``max_bytes`` first: a stride-0 half tensor of a few bytes on disk
    is gigabytes once converted."""
    import torch

    from .forward import module_kwargs

    cls = getattr(torch.nn, TORCH_CLASS[layer.cell])
    dtype = getattr(torch, config.dtype)
    if max_bytes is not None:
        numbers = sum(tensor.numel() for tensor in checkpoint.tensors(layer).values())
        item = torch.empty((), dtype=dtype).element_size()
        check_memory(PARAMETER_COPIES * numbers * item, max_bytes, names)
    with warnings.catch_warnings():  # dropout with one layer: the run is in eval mode, where it does nothing
        warnings.simplefilter("ignore")
        module: torch.nn.RNNBase = cls(**module_kwargs(config, layer.input_size), dtype=dtype, device="meta")
    weights = {name: tensor.to(dtype) for name, tensor in checkpoint.tensors(layer).items()}
    try:
        module.load_state_dict(weights, strict=True, assign=True)  # the file's tensors, nothing initialised
    except RuntimeError as error:  # found by the same layout, so a bug of ours if it happens
        raise BadInput(f"--checkpoint: {layer.shown} does not load into {layer.call()}: {_first_line(error)}") from None
    if config.device != "cpu":
        from .forward import resolve_device

        module = module.to(resolve_device(config.device))
    return module.eval()


def held_beside(checkpoint: Checkpoint, layer: FoundLayer, config: Config) -> int:
    """Bytes the cache of checkpoints holds beside what a run over ``layer`` counts: every kept
    tensor but the layer's own, which the module runs on as they are (unless converted)."""
    held = sum(cached.held_bytes() for cached in _CACHE.values())
    if checkpoint not in _CACHE.values():
        held += checkpoint.held_bytes()
    if layer.stored_dtype == config.dtype:
        held -= sum(t.numel() * t.element_size() for t in checkpoint.tensors(layer).values())
    return max(held, 0)


def notes(layer: FoundLayer, config: Config) -> list[str]:
    """What the run took from elsewhere than the file, said once."""
    said = [f"batch_first={config.batch_first}: a state dict does not hold it"]
    if layer.cell == "rnn":
        said.append(f"nonlinearity={config.nonlinearity!r}: a state dict does not hold it (--nonlinearity)")
    if layer.stored_dtype != config.dtype:
        said.append(f"weights stored as {layer.stored_dtype}, run in {config.dtype}")
    return said
