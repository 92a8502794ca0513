"""Build the torch module and run it forward: the one place torch's own RNN is called."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import TORCH_CLASS, Config, Device
from .encode import EMBEDDING_SEED, generator
from .errors import RunFailure
from .layout import parameter_layouts
from .result import RunWarning
from .settings import torch_keywords
from .warned import module_warnings, recording, remember

if TYPE_CHECKING:
    import torch
    from torch.nn.utils.rnn import PackedSequence


def module_kwargs(config: Config, input_size: int) -> dict[str, Any]:
    """Constructor arguments that differ from torch's defaults, in torch's own order: the
    declaration's torch keywords (``settings.torch_keywords``) but the dtype, given apart."""
    return {k: v for k, v in torch_keywords(config, input_size).items() if k != "dtype"}


def constructor_call(config: Config, input_size: int) -> str:
    """The equivalent PyTorch call, e.g. ``torch.nn.RNN(input_size=4, hidden_size=2)``: the
    keywords the declaration gives torch (``settings.torch_keywords``), as torch spells them."""
    args = ", ".join(
        f"{k}=torch.{v}" if k == "dtype" else f"{k}={v!r}" for k, v in torch_keywords(config, input_size).items()
    )
    return f"torch.nn.{TORCH_CLASS[config.cell]}({args})"


def resolve_device(requested: Device) -> Device:
    import torch

    if requested == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if requested == "auto":
        return "cpu"
    raise RunFailure("--device cuda was asked for, but CUDA is not available on this machine")


#: Built modules kept for reuse, most recently used last, and the bytes their parameters hold.
_MODULES: OrderedDict[tuple[Any, ...], torch.nn.RNNBase] = OrderedDict()
_MODULE_BYTES: dict[tuple[Any, ...], int] = {}
#: Parameter bytes the cache may hold: every small module of a sweep, a few large ones.
MODULE_CACHE_BYTES = 64 * 1024**2


def build_module(config: Config, input_size: int) -> torch.nn.RNNBase:
    """The seeded module, built once per distinct constructor call, seed, dtype and device.

    The same settings always build the same parameters and we never train them, so a batch
    sweeping configurations pays construction once for each. The cache is bounded by the
    bytes its parameters hold, evicting the least recently used, before a new module is
    built: a large module of the last request is never held beside the next one's.
    """
    key = (config.cell, tuple(module_kwargs(config, input_size).items()), config.seed, config.dtype, config.device)
    module = _MODULES.get(key)
    if module is not None:
        _MODULES.move_to_end(key)
        return module
    coming = sum(math.prod(p.shape) for p in parameter_layouts(config, input_size)) * (
        4 if config.dtype == "float32" else 8
    )
    while _MODULES and sum(_MODULE_BYTES.values()) + coming > MODULE_CACHE_BYTES:
        oldest = next(iter(_MODULES))
        del _MODULES[oldest], _MODULE_BYTES[oldest]
    module = construct_module(config, input_size)
    size = sum(p.numel() * p.element_size() for p in module.parameters())
    _MODULES[key], _MODULE_BYTES[key] = module, size
    while len(_MODULES) > 1 and sum(_MODULE_BYTES.values()) > MODULE_CACHE_BYTES:
        oldest = next(iter(_MODULES))
        del _MODULES[oldest], _MODULE_BYTES[oldest]
    return module


def forget_modules() -> None:
    """Empty the cache of built modules: the next run of each configuration builds it anew."""
    _MODULES.clear()
    _MODULE_BYTES.clear()


def construct_module(config: Config, input_size: int) -> torch.nn.RNNBase:
    """A new module with the run's seed, dtype and device."""
    import torch

    if config.device == "cpu":
        # Only the CPU generator matters here; torch.manual_seed also queues seeding of every
        # accelerator backend, which costs about a millisecond a call.
        torch.default_generator.manual_seed(config.seed)
    else:
        torch.manual_seed(config.seed)
    cls = getattr(torch.nn, TORCH_CLASS[config.cell])
    said: list[RunWarning] = []
    with recording(said):  # torch warns once, here (dropout with one layer): kept with the module
        module: torch.nn.RNNBase = cls(
            **module_kwargs(config, input_size), dtype=getattr(torch, config.dtype), device=config.device
        )
    remember(module, said)
    return module.eval()  # inference: dropout between layers does nothing


def construct_embedding(config: Config, vocab_size: int) -> torch.nn.Embedding:
    """nn.Embedding(V + 1, embed, padding_idx=V): row V is the padding token's, all zeros.

    Its weights are drawn from a generator of the run's seed, not torch's global one, so the
    recurrent module's weights are the same with or without an embedding in front.
    """
    import torch

    embedding = torch.nn.Embedding(
        vocab_size + 1, config.embed, padding_idx=vocab_size, dtype=getattr(torch, config.dtype), device=config.device
    )
    with torch.no_grad():
        weights = torch.randn(vocab_size + 1, config.embed, generator=generator(config.seed, EMBEDDING_SEED))
        weights[vocab_size] = 0
        embedding.weight.copy_(weights)
    return embedding.eval()


@dataclass
class Forward:
    """What torch returned, moved to the CPU, in the run's own layout."""

    module: torch.nn.RNNBase
    output: torch.Tensor
    h_n: torch.Tensor
    c_n: torch.Tensor | None
    batch_sizes: list[int] | None
    #: With packing: the packed output rows (step by step, longest words first) and the
    #: order torch sorted the words in. The check compares these rows directly.
    packed_output: torch.Tensor | None = None
    sorted_indices: torch.Tensor | None = None
    unsorted_indices: torch.Tensor | None = None
    #: With packing: the shape of the packed input's data, (sum of lengths, input_size).
    packed_data_shape: tuple[int, ...] | None = None


@contextlib.contextmanager
def quiet_projection(config: Config) -> Iterator[None]:
    """torch warns on every projected LSTM call that oneDNN lacks it and its own kernel ran: noise."""
    if not config.proj_size:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
        yield


@contextlib.contextmanager
def extra_call_kernels() -> Iterator[None]:
    """The idioms' extra module calls on torch's own CPU kernels, not oneDNN's.

    oneDNN builds (JIT-compiles) an LSTM primitive for each new set of shapes, about 1.4 ms
    apiece, and the extra calls have shapes the run never had (the batch read the other way,
    half the steps), so every one of them paid for a primitive used once. What those calls
    report is shapes, or agreement within the check's tolerance, never a value that is printed:
    the run's own forward stays on torch's default kernels, bit for bit what the caller's torch
    computes.
    """
    import torch

    mkldnn: Any = torch.backends.mkldnn
    if not mkldnn.enabled:
        yield
        return
    mkldnn.enabled = False
    try:
        yield
    finally:
        mkldnn.enabled = True


def run_forward(
    config: Config,
    batch: torch.Tensor,
    lengths: torch.Tensor,
    module: torch.nn.RNNBase | None = None,
    initial: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Forward:
    """Build (or take) the module and run it under ``no_grad``, packed or zero-padded,
    from ``initial`` (h_0, or (h_0, c_0)) when given."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    module = module if module is not None else build_module(config, batch.shape[-1])
    batch = batch.to(config.device)
    packed: PackedSequence | None = None
    packed_out: PackedSequence | None = None
    said: list[RunWarning] = []
    # cuDNN warns at a call (weights no longer one buffer): recorded on CUDA only, free on the CPU
    on_cuda = recording(said) if batch.is_cuda else contextlib.nullcontext()
    with torch.no_grad(), quiet_projection(config), on_cuda:
        if config.padding == "packed":
            packed = pack_padded_sequence(batch, lengths, batch_first=config.batch_first, enforce_sorted=False)
            packed_out, state = module(packed, initial)
            output, _ = pad_packed_sequence(packed_out, batch_first=config.batch_first, total_length=int(lengths.max()))
        else:
            output, state = module(batch, initial)
    if said:
        remember(module, [w for w in said if w not in module_warnings(module)])
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    return Forward(
        module=module,
        output=output.cpu(),
        h_n=h_n.cpu(),
        c_n=None if c_n is None else c_n.cpu(),
        batch_sizes=None if packed is None else packed.batch_sizes.tolist(),
        packed_output=None if packed_out is None else packed_out.data.cpu(),
        sorted_indices=None if packed is None or packed.sorted_indices is None else packed.sorted_indices.cpu(),
        unsorted_indices=None if packed is None or packed.unsorted_indices is None else packed.unsorted_indices.cpu(),
        packed_data_shape=None if packed is None else tuple(packed.data.shape),
    )
