"""How many bytes a run will need and how much work it is, estimated before anything is allocated.

Pure Python on purpose: an absurd request (``--hidden 100000000``) is refused in the time
it takes to start, without importing torch. Every estimate works from the batch's sizes
(words, longest, tokens), never from a list as long as the batch, so sizes that are too
large are refused before anything of their size is built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .config import MAX_CELLS, Config, gate_count
from .errors import BadInput, SettingNames
from .layout import parameter_layouts

DEFAULT_MAX_MEMORY = 2 * 1024**3
#: Python float objects in lists plus their JSON text, per value printed.
JSON_BYTES_PER_VALUE = 64
#: Every parameter is held twice: by the module, and by the Result's own copy of it
#: (measured: an RNN or GRU of hidden 16,000 peaks at 2.0 times its parameters).
PARAMETER_COPIES = 2
#: What a run holds beyond torch's baseline and the terms counted: the allocator's own
#: overhead and fragmentation, a twentieth of the rest (measured: 1 to 2% on large runs),
#: and a little more.
SLACK = 1.05
SLACK_BYTES = 32 * 1024**2


@dataclass(frozen=True)
class Drawn:
    """What is drawn for a person beside the run; it costs memory too. The report is laid out
    ``layouts`` times (the screen's, and the whole report for --svg/--html), ``exported`` as
    SVG or HTML (one at a time), its tables show up to ``max_rows`` words, and ``plot`` draws
    each word's states. ``document``: the JSON document is written (its objects per row)."""

    layouts: int = 0
    exported: bool = False
    max_rows: int = 10
    plot: bool = False
    document: bool = False


#: Bytes rich holds per table cell while laying the report out, and while exporting it
#: (measured: 4,000 words of 8 steps, every section, 26 KiB a word laid out, 42 KiB more exported).
LAYOUT_BYTES_PER_CELL = 1280
EXPORT_BYTES_PER_CELL = 2560
#: Step columns a word-by-step table shows: eight steps and an ellipsis.
SHOWN_STEPS = 9
#: matplotlib and an empty figure; then each point drawn (a word's unit at a step).
PLOT_BYTES = 64 * 1024**2
PLOT_BYTES_PER_POINT = 200
#: Words and units --plot draws (render.plot draws no more).
PLOT_WORDS = PLOT_UNITS = 8
#: Python objects a run holds for each row (a word, or #i of sizes) beside its tensors: the word
#: and its token list, its length and label, a verdict per idiom, its padding effect; and for
#: each token its place in the token lists (measured: 1,000,000 one-letter words, 130 B a word
#: beyond the tensors).
ROW_BYTES = 192
TOKEN_BYTES = 8
#: The JSON document's objects and text per row beyond the values (its word, tokens, length,
#: verdicts and padding effect), and per token (measured: 1,000,000 one-letter words, 280 B a
#: word beyond the run's own; 200,000 words of five letters, 105 B).
DOCUMENT_ROW_BYTES = 384
DOCUMENT_TOKEN_BYTES = 24


def estimate_from(
    config: Config,
    n: int,
    steps: int,
    tokens: int,
    vocab_size: int,
    *,
    values: bool,
    trace_words: int = 0,
    drawn: Drawn | None = None,
) -> int:
    """The estimate from the batch's size alone (words, longest, tokens, the tokens' vocabulary:
    0 for features), so a reader can keep it up to date while words still arrive and stop
    before the run is too big. The layer's input is as wide as ``config.embed`` (an embedding
    table of vocab x embed in front), else the one-hot vocabulary, else ``config.input_size``.

    It follows what the run allocates: the one-hot batch (and the int64 ``one_hot`` it is
    scattered from) or the embedded ids, torch's packed and padded outputs with its gate
    workspace per layer, the reference recurrence's per-layer outputs, the comparison's
    difference tensor, the idioms' logits over the vocabulary and losses, every copy of the
    parameters (the embedding's too), each row's Python objects, the JSON document and its
    values when printed, and what ``drawn`` says is drawn (tables, exports, the plot).
    """
    item = 4 if config.dtype == "float32" else 8
    width = config.embed or vocab_size or config.input_size or 0
    cells = n * steps
    d, h_out, h = config.directions, config.out_size, config.hidden_size
    gates = gate_count(config.cell)
    params = sum(_numel(p.shape) for p in parameter_layouts(config, width, vocab_size))
    states = config.num_layers * d * n * (h_out + h)
    layer_out = cells * d * h_out  # one layer's output, padded
    torch_side = (
        tokens * width  # the packed input
        + config.num_layers * tokens * d * (h_out + gates * h)  # packed outputs and gates, per layer
        + layer_out  # the padded output
    ) * item
    reference = (cells * width + 2 * layer_out + n * d * gates * h * 4) * item  # sorted input, outputs
    comparison = layer_out * item
    # the idioms: a final-state pick or two of (N, D*H_out), the next-token logits (N, L, V)
    # with CrossEntropyLoss's log-softmax of them three times, and int64 targets
    idioms = cells * (vocab_size * item * 4 + 16) + 4 * n * d * h_out * item
    printed = 0
    if values:
        printed = cells * (width + d * h_out + (1 if config.embed else 0)) + states + params
    traced = trace_words * steps * config.num_layers * d * (3 * gates * h + 2 * h_out) * 2
    drawn_table = (vocab_size + 1) * config.embed  # the embedding's seeded weights, drawn before they are copied in
    fixed = (PARAMETER_COPIES * params + drawn_table + _working_copy(config, width) + 2 * states) * item
    shown = 0 if drawn is None else drawn_bytes(config, n, steps, vocab_size, trace_words, drawn)
    printed_bytes = (printed + traced) * JSON_BYTES_PER_VALUE
    encode = _encode_bytes(config, cells, tokens, width, item)
    rows = _row_bytes(n, tokens, document=drawn is not None and drawn.document)
    counted = encode + torch_side + reference + comparison + idioms + fixed + printed_bytes + shown + rows
    return int(counted * SLACK) + SLACK_BYTES


def _encode_bytes(config: Config, cells: int, tokens: int, width: int, item: int) -> int:
    """The batch as the layer takes it: one-hot (scattered from int64) or random features, or
    the embedding's int64 ids (flat and padded) and what it gives back, in the run's layout."""
    layouts = 1 if config.batch_first else 2
    if config.embed:
        return tokens * 8 + cells * 8 * layouts + cells * config.embed * item * 2 * layouts
    return tokens * width * (8 + item) + cells * width * item * layouts


def _row_bytes(n: int, tokens: int, *, document: bool) -> int:
    """Each row's and token's Python objects, and the JSON document's when it is written."""
    held = n * ROW_BYTES + tokens * TOKEN_BYTES
    if document:
        held += n * DOCUMENT_ROW_BYTES + tokens * DOCUMENT_TOKEN_BYTES
    return held


def _working_copy(config: Config, input_size: int) -> int:
    """Parameters torch's CPU kernel copies while an LSTM runs: oneDNN reorders the weights of
    one layer and direction at a time (measured: a two-layer bidirectional LSTM of 4,000 peaks
    at 1.37 times its parameters during a forward, as much as its largest layer-direction)."""
    if config.cell != "lstm":
        return 0
    blocks: dict[str, int] = {}
    for p in parameter_layouts(config, input_size):
        cell = p.name.split("_", 2)[-1]  # weight_ih_l1_reverse -> l1_reverse
        blocks[cell] = blocks.get(cell, 0) + _numel(p.shape)
    return max(blocks.values(), default=0)


def drawn_bytes(config: Config, n: int, steps: int, vocab_size: int, trace_words: int, drawn: Drawn) -> int:
    """What drawing the report and the plot holds: table cells while rich lays them out and exports them."""
    total = 0
    if drawn.layouts or drawn.exported:
        rows = min(n, drawn.max_rows) + 1  # the words shown, and the line for the rest
        state_rows = config.num_layers * config.directions
        states = (2 if config.cell == "lstm" else 1) * (1 if config.initial_state == "default" else 2)
        step_tables = 3 if config.embed else 2  # input (and embedded), output
        per_word = step_tables * (min(steps, SHOWN_STEPS) + 1) + state_rows * states + 6
        cells = (
            rows * per_word
            + (min(vocab_size, drawn.max_rows) + 1) * 3  # the vocabulary
            + state_rows * 5 * 6  # the parameters, up to five a cell
            + trace_words * state_rows * (min(steps, drawn.max_rows) + 1) * 12  # the step-by-step trace
        )
        total += cells * (drawn.layouts * LAYOUT_BYTES_PER_CELL + (EXPORT_BYTES_PER_CELL if drawn.exported else 0))
    if drawn.plot:
        points = min(n, PLOT_WORDS) * config.directions * min(config.out_size, PLOT_UNITS) * steps
        total += PLOT_BYTES + points * PLOT_BYTES_PER_POINT
    return total


def mult_adds(config: Config, lengths: list[int], input_size: int) -> int:
    """Multiply-adds of one forward pass, counted as torchinfo counts a recurrent layer: one
    per parameter per token (each weight's multiply-add, each bias's add), over the real
    tokens when packed (every step of every word with zero padding). The gates' elementwise
    arithmetic is not counted; neither is an embedding's lookup.
    """
    return mult_adds_from(config, len(lengths), max(lengths), sum(lengths), input_size)


def mult_adds_from(config: Config, n: int, steps: int, tokens: int, input_size: int) -> int:
    """``mult_adds`` from the batch's sizes: words, longest, tokens."""
    counted = tokens if config.padding == "packed" else n * steps
    per_token = sum(
        _numel(p.shape) for p in parameter_layouts(config, input_size) if not p.name.startswith("embedding")
    )
    return counted * per_token


DEFAULT_MAX_WORK = 100 * 10**9
#: What one sequential cell step (layers × directions × longest word) counts for, in
#: multiply-adds: each is a few tensor operations in torch and again in the hand-written
#: check, about 25 µs together, what a million multiply-adds take. The default work bound
#: is thus 100,000 sequential steps of a small layer.
STEP_WORK = 1_000_000


#: What --expr holds beside its values: the meta device's kernels, imported by the first
#: operations it sizes (measured: 36 MiB for torch.arange, 38 MiB more for a division).
EXPRESSION_BYTES = 96 * 1024**2
#: What making or reading one element of a tensor counts for in an --expr, in multiply-adds:
#: such work is bound by memory, not arithmetic (measured: torch.arange(200000000) took 0.78 s,
#: 4 ns an element, where a multiply-add of the forward takes about 0.025 ns).
ELEMENT_WORK = 100


#: What one --expr costs beside its operations, in multiply-adds: read, run, held against the
#: final states and traced twice on ids (measured: 2,000 expressions of h_n took 5.9 s, 3 ms each).
EXPRESSION_WORK = 100_000_000


def check_expressions(count: int, work: int, limit: int, names: Mapping[str, str] | None = None) -> int:
    """Refuse more expressions than ``limit`` leaves after the run's ``work``, before one is read;
    the work left for their operations."""
    fixed = count * EXPRESSION_WORK
    if work + fixed > limit:
        name = SettingNames(names or {})
        raise BadInput(
            f"{count:,} expressions ({name['expressions']}) are about {human_count(fixed)} multiply-adds of work "
            f"before their operations ({human_count(EXPRESSION_WORK)} each: run, checked and traced), over what "
            f"the {human_count(limit)} limit leaves after the run; raise it with "
            f"{_suggest_work(name['max_work'], work + fixed)} if you mean it"
        )
    return limit - work - fixed


def sequential_steps(config: Config, steps: int) -> int:
    """Cell steps that must follow one another: layers × directions × longest word."""
    return config.num_layers * config.directions * steps


def check_work(
    config: Config,
    n: int,
    steps: int,
    tokens: int,
    input_size: int,
    limit: int = DEFAULT_MAX_WORK,
    names: Mapping[str, str] | None = None,
) -> int:
    """Refuse runs that would take minutes, before anything is built: more than ``limit``
    multiply-adds (a sequential step counting for STEP_WORK), or more than MAX_CELLS cells.
    Returns the run's work, so what the limit leaves can go to the expressions."""
    name = SettingNames(names or {})
    cells = config.num_layers * config.directions
    if cells > MAX_CELLS:
        raise BadInput(f"{name['num_layers']} {config.num_layers} builds {cells:,} cells; the limit is {MAX_CELLS:,}")
    forward = mult_adds_from(config, n, steps, tokens, input_size)
    sequential = sequential_steps(config, steps)
    work = forward + sequential * STEP_WORK
    if work > limit:
        option = name["max_work"]
        steps_text = f"{sequential:,} sequential cell step{'s' if sequential != 1 else ''}"
        raise BadInput(
            f"this run is about {human_count(work)} multiply-adds of work ({human_count(forward)} in the forward, "
            f"and {steps_text} at {human_count(STEP_WORK)} each), over the {human_count(limit)} limit; "
            f"raise it with {_suggest_work(option, work)} if you mean it"
        )
    return work


def check_memory(estimate: int, limit: int, names: Mapping[str, str] | None = None, *, so_far: bool = False) -> None:
    """Refuse a run estimated over ``limit``; ``so_far``: the words read so far already are."""
    if estimate > limit:
        option = SettingNames(names or {})["max_memory"]
        what = "the words read so far already need" if so_far else "this run needs"
        raise BadInput(
            f"{what} about {human_bytes(estimate)}, over the {human_bytes(limit)} limit; "
            f"raise it with {_suggest(option, estimate)} if you mean it"
        )


#: How torch's allocators say they could not allocate, and how many bytes were asked for.
_ALLOCATOR = re.compile(r"(?:can't allocate memory|out of memory)(?:.*?tried to allocate (\d+) bytes)?", re.I | re.S)


def allocation_failure(error: BaseException) -> MemoryError | None:
    """torch's allocator refusing (a RuntimeError naming the bytes it was asked for) as the
    MemoryError it is, or None for any other error."""
    found = _ALLOCATOR.search(str(error)) if isinstance(error, RuntimeError) else None
    if found is None:
        return None
    if found.group(1) is None:
        return MemoryError("torch ran out of memory")
    return MemoryError(f"torch could not allocate {human_bytes(int(found.group(1)))}")


def human_bytes(n: float) -> str:
    """A size in binary units: 512 B, 1.5 KiB, ... up to PiB however large."""
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} PiB"


def human_count(n: int) -> str:
    """A count the way --max-work takes it: 950M, 1.2T (decimal units)."""
    if n >= 10**18:
        return f"{n:.3g}"
    for power, unit in ((15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "K")):
        if n >= 10**power:
            return f"{n / 10**power:.3g}{unit}"
    return str(n)


def _suggest(option: str, estimate: int) -> str:
    """A limit just above the estimate, in whole GiB, written the way the caller writes sizes."""
    gib = -(-estimate // 1024**3)
    return f"{option} {gib}G" if option.startswith("--") else f"{option}={gib} * 1024**3"


def _suggest_work(option: str, work: int) -> str:
    """A work bound just above ``work``, in whole G (10**9) multiply-adds."""
    giga = -(-work // 10**9)
    return f"{option} {giga}G" if option.startswith("--") else f"{option}={giga} * 10**9"


def _numel(shape: tuple[int, ...]) -> int:
    total = 1
    for s in shape:
        total *= s
    return total
