"""How many bytes a run will need, estimated before anything is allocated.

Pure Python on purpose: an absurd request (``--hidden 100000000``) is refused in the time
it takes to start, without importing torch.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import Config, gate_count
from .errors import BadInput, SettingNames
from .layout import parameter_layouts

DEFAULT_MAX_MEMORY = 2 * 1024**3
#: Python float objects in lists plus their JSON text, per value printed.
JSON_BYTES_PER_VALUE = 64


def estimate_bytes(config: Config, lengths: list[int], vocab_size: int, *, values: bool, trace_words: int = 0) -> int:
    """An upper-side estimate of the peak bytes of a run, verification and output included."""
    return estimate_from(
        config, len(lengths), max(lengths), sum(lengths), vocab_size, values=values, trace_words=trace_words
    )


def estimate_from(
    config: Config, n: int, steps: int, tokens: int, vocab_size: int, *, values: bool, trace_words: int = 0
) -> int:
    """The estimate from the batch's size alone (words, longest, tokens, vocabulary), so a
    reader can keep it up to date while words still arrive and stop before the run is too big.

    It follows what the run allocates: the one-hot batch (and the int64 ``one_hot`` it is
    scattered from), torch's packed and padded outputs with its gate workspace per layer,
    the reference recurrence's per-layer outputs, the comparison's difference tensor, the
    idioms' logits and losses, and the JSON text when values are printed.
    """
    item = 4 if config.dtype == "float32" else 8
    cells = n * steps
    d, h_out, h = config.directions, config.out_size, config.hidden_size
    gates = gate_count(config.cell)
    params = sum(_numel(p.shape) for p in parameter_layouts(config, vocab_size))
    states = config.num_layers * d * n * (h_out + h)
    layer_out = cells * d * h_out  # one layer's output, padded
    encode = tokens * vocab_size * (8 + item) + cells * vocab_size * item * (1 if config.batch_first else 2)
    torch_side = (
        tokens * vocab_size  # the packed input
        + config.num_layers * tokens * d * (h_out + gates * h)  # packed outputs and gates, per layer
        + layer_out  # the padded output
    ) * item
    reference = (cells * vocab_size + 2 * layer_out + n * d * gates * h * 4) * item  # sorted input, outputs
    comparison = layer_out * item
    # the idioms: a final-state pick or two of (N, D*H_out), the next-token logits (N, L, V)
    # with CrossEntropyLoss's log-softmax of them three times, and int64 targets
    idioms = cells * (vocab_size * item * 4 + 16) + 4 * n * d * h_out * item
    printed = 0
    if values:
        printed = cells * (vocab_size + d * h_out) + states + params
    traced = trace_words * steps * config.num_layers * d * (3 * gates * h + 2 * h_out) * 2
    fixed = (params + 2 * states) * item
    return encode + torch_side + reference + comparison + idioms + fixed + (printed + traced) * JSON_BYTES_PER_VALUE


def mult_adds(config: Config, lengths: list[int], input_size: int) -> int:
    """Multiply-adds of one forward pass, counted as torchinfo counts a recurrent layer: one
    per parameter per token (each weight's multiply-add, each bias's add), over the real
    tokens when packed (every step of every word with zero padding). The gates' elementwise
    arithmetic is not counted; neither is an embedding's lookup.
    """
    tokens = sum(lengths) if config.padding == "packed" else len(lengths) * max(lengths)
    per_token = sum(
        _numel(p.shape) for p in parameter_layouts(config, input_size) if not p.name.startswith("embedding")
    )
    return tokens * per_token


#: Sequential cell steps a run may take (layers × directions × longest word): each is a few
#: tensor operations in torch and again in the hand-written check, about 40 µs together.
MAX_CELL_STEPS = 100_000
#: Cells in the module (layers × directions): building each costs about a millisecond.
MAX_CELLS = 1_000


def check_work(config: Config, longest: int, names: Mapping[str, str] | None = None) -> None:
    """Refuse runs that would take minutes, before anything is built."""
    cells = config.num_layers * config.directions
    if cells > MAX_CELLS:
        layers = SettingNames(names or {})["num_layers"]
        raise BadInput(f"{layers} {config.num_layers} builds {cells:,} cells; the limit is {MAX_CELLS:,}")
    steps = cells * longest
    if steps > MAX_CELL_STEPS:
        raise BadInput(
            f"this run takes {steps:,} sequential cell steps (layers × directions × longest word); "
            f"the limit is {MAX_CELL_STEPS:,}"
        )


def check_memory(estimate: int, limit: int, names: Mapping[str, str] | None = None, *, so_far: bool = False) -> None:
    """Refuse a run estimated over ``limit``; ``so_far``: the words read so far already are."""
    if estimate > limit:
        option = SettingNames(names or {})["max_memory"]
        what = "the words read so far already need" if so_far else "this run needs"
        raise BadInput(
            f"{what} about {human_bytes(estimate)}, over the {human_bytes(limit)} limit; "
            f"raise it with {_suggest(option, estimate)} if you mean it"
        )


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _suggest(option: str, estimate: int) -> str:
    """A limit just above the estimate, in whole GiB, written the way the caller writes sizes."""
    gib = -(-estimate // 1024**3)
    return f"{option} {gib}G" if option.startswith("--") else f"{option}={gib} * 1024**3"


def _numel(shape: tuple[int, ...]) -> int:
    total = 1
    for s in shape:
        total *= s
    return total
