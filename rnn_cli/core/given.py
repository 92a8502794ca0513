"""What the caller brings: their own batch and initial state, where the weights came from, and
the expressions they want run (``--input``, ``--h0 FILE``, ``--c0 FILE``, ``--checkpoint``,
``--set``, ``--expr``; ``explore(input=..., initial_state=...)`` from Python).

A tensor file is read without running anything in it: ``.pt`` with
``torch.load(weights_only=True)``, ``.npy`` with ``numpy.load(allow_pickle=False)``. The batch
is taken as given and read in the module's layout: a (3, 5, 4) tensor given to a module built
with ``batch_first=False`` is 3 steps of a batch of 5, as torch reads it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .config import Config
from .encode import holding_state
from .errors import BadInput, SettingNames
from .files import opened_regular, read_npy, regular_status, tensor_problem
from .result import GivenFacts, Idiom, TensorOrigin

if TYPE_CHECKING:
    import torch

    from .expressions import Expression


@dataclass(eq=False)
class Given:
    """The caller's own tensors (each optional), what to say about them, and their expressions."""

    input: torch.Tensor | None = None
    #: Real steps per row of ``input``; None: every row runs every step.
    lengths: tuple[int, ...] | None = None
    h_0: torch.Tensor | None = None
    c_0: torch.Tensor | None = None
    facts: GivenFacts = field(default_factory=GivenFacts)
    expressions: tuple[Expression, ...] = ()
    #: Bytes the expressions may allocate: what --max-memory leaves after the run's own estimate.
    expression_bytes: int = 0
    #: Work the expressions may do, all together: what --max-work leaves after the run's own.
    expression_work: int = 0
    #: How the caller names each setting, for messages made while running.
    names: Mapping[str, str] = field(default_factory=dict)
    #: Bytes already held for what the caller brought beside what the run allocates (the
    #: checkpoints kept read), which its estimate counts.
    held_bytes: int = 0

    @property
    def shape(self) -> tuple[int, ...] | None:
        return None if self.input is None else tuple(int(s) for s in self.input.shape)

    @property
    def state(self) -> bool:
        return self.h_0 is not None


def load_tensor(path: str, option: str, *, max_bytes: int) -> torch.Tensor:
    """One tensor from a ``.pt`` (torch.save of a tensor) or ``.npy`` file, nothing in it run:
    a regular file only, its declared sizes held to ``max_bytes`` before anything is allocated."""
    where = f"{option} {path!r}"
    regular_status(path, where, max_bytes=max_bytes)
    import torch

    if path.lower().endswith(".npy"):
        try:
            import numpy
        except ImportError:
            raise BadInput(
                f"{where}: reading .npy needs numpy (pip install numpy), or save it with torch.save"
            ) from None
        with opened_regular(path, where, max_bytes=max_bytes) as handle:
            array = read_npy(handle, where, max_bytes=max_bytes)
        return torch.from_numpy(numpy.ascontiguousarray(array, dtype=array.dtype.newbyteorder("=")))
    if not path.lower().endswith((".pt", ".pth")):
        raise BadInput(f"{where}: give a .pt file (torch.save of a tensor) or a .npy file")
    from .checkpoint import load_weights_only

    loaded = load_weights_only(path, where, what="the tensor", max_bytes=max_bytes)
    if not isinstance(loaded, torch.Tensor):
        raise BadInput(f"{where} holds {type(loaded).__name__}, not a tensor: save the tensor itself")
    return loaded


def _first(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:200]


def given_tensors(
    batch: Any = None,
    state: Any = None,
    *,
    lengths: Sequence[int] | None = None,
    files: dict[str, str | None] | None = None,
    names: SettingNames | None = None,
) -> Given:
    """The caller's tensors checked for what they are (shapes are checked against the module
    in ``checked_against``): ``state`` is h_0, or (h_0, c_0) for an LSTM."""
    import torch

    name = names or SettingNames({})
    files = files or {}
    h_0 = c_0 = None
    if state is not None:
        if isinstance(state, tuple | list):
            if len(state) != 2:
                raise BadInput(f"{name['initial_state']} is h_0, or (h_0, c_0) for an LSTM; got {len(state)} tensors")
            h_0, c_0 = state
        else:
            h_0 = state
    origins = []
    for label, tensor in (("input", batch), ("h_0", h_0), ("c_0", c_0)):
        if tensor is None:
            continue
        if not isinstance(tensor, torch.Tensor):
            raise BadInput(f"{label} must be a torch.Tensor, not {type(tensor).__name__}")
        problem = tensor_problem(tensor)
        if problem is not None:
            raise BadInput(f"{_where(label, files, name)} is {problem}")
        if tensor.is_complex() or (tensor.dtype == torch.bool and label != "input"):
            raise BadInput(f"{label} is {tensor.dtype}: give real numbers")
        origins.append(
            TensorOrigin(label, files.get(label), str(tensor.dtype).removeprefix("torch."), tuple(tensor.shape))
        )
    if batch is not None and batch.dim() != 3:
        fix = ""
        if batch.dim() == 2:
            fix = ": this one is unbatched (L, H_in); give input.unsqueeze(1) (or unsqueeze(0) with batch_first=True)"
        raise BadInput(f"{name['input']} must have 3 axes, (L, N, H_in) or (N, L, H_in) as batch_first says{fix}")
    if batch is not None and 0 in batch.shape:
        raise BadInput(f"{name['input']} is empty: shape {tuple(batch.shape)}")
    if lengths is not None and batch is None:
        raise BadInput("lengths with your own tensors mark the real steps of input: give input too")
    facts = GivenFacts(tensors=origins)
    return Given(
        input=batch,
        lengths=None if lengths is None else tuple(lengths),
        h_0=h_0,
        c_0=c_0,
        facts=facts,
    )


def _where(label: str, files: Mapping[str, str | None], name: SettingNames) -> str:
    """How a message names one of the caller's tensors: its option and file, or its name."""
    path = files.get(label)
    option = {"input": name["input"], "h_0": name["initial_state"], "c_0": name["c0"]}[label]
    return label if path is None else f"{option} {path!r}"


def batch_sizes(given: Given, config: Config, name: SettingNames, max_steps: int) -> tuple[list[int], int]:
    """The rows' lengths and the feature width of the caller's batch, read in the module's layout."""
    shape = given.shape
    assert shape is not None
    steps, rows = (shape[1], shape[0]) if config.batch_first else (shape[0], shape[1])
    width = shape[2]
    if config.input_size is not None and config.input_size != width:
        raise BadInput(
            f"{name['input']} is {shape}: its last axis is {width} wide, but the module's input_size is "
            f"{config.input_size} (torch: input.size(-1) must be equal to input_size. "
            f"Expected {config.input_size}, got {width})"
        )
    if config.embed:
        raise BadInput(f"{name['input']} is what the recurrent layer reads; {name['embed']} embeds words")
    if steps > max_steps:
        raise BadInput(f"{name['input']} has {steps} steps, over the limit of {max_steps} ({name['max_steps']})")
    lengths = list(given.lengths) if given.lengths is not None else [steps] * rows
    if len(lengths) != rows:
        layout = "batch_first=True" if config.batch_first else "batch_first=False"
        raise BadInput(
            f"{name['lengths']} gives {len(lengths)} lengths, but {name['input']} {shape} has {rows} rows "
            f"as {layout} reads it"
        )
    for length in lengths:
        if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= steps:
            raise BadInput(f"{name['lengths']} are whole numbers from 1 to the {steps} steps (got {length!r})")
    return lengths, width


@contextlib.contextmanager
def given_state(given: Given | None) -> Iterator[None]:
    """The caller's h_0 (and c_0) as the run's initial state while the run lasts."""
    if given is None or given.h_0 is None:
        yield
        return
    with holding_state(given.h_0, given.c_0):
        yield


def check_state(
    given: Given, config: Config, module: torch.nn.RNNBase, lengths: Sequence[int], width: int, name: SettingNames
) -> None:
    """torch's own shape check of the caller's initial state against the run's batch, before
    anything runs (on shapes alone: meta tensors), as one line with torch's message and the fix."""
    import torch

    lstm = config.cell == "lstm"
    if given.h_0 is None:
        return
    dtype = getattr(torch, config.dtype)
    n, steps = len(lengths), max(lengths)
    shape = (n, steps, width) if config.batch_first else (steps, n, width)

    def meta(size: Sequence[int]) -> torch.Tensor:
        return torch.empty(tuple(size), dtype=dtype, device="meta")

    h_0 = meta(given.h_0.shape)
    hx: Any = (h_0, meta(given.c_0.shape)) if lstm and given.c_0 is not None else h_0
    try:
        module.check_forward_args(meta(shape), hx, None)
    except RuntimeError as error:
        raise BadInput(f"torch: {_first(error)}; {state_fix(config, n)}") from None


def state_fix(config: Config, n: int) -> str:
    rows = config.num_layers * config.directions
    fix = f"the fix: h_0 is (D*num_layers, N, H_out) = {(rows, n, config.out_size)}"
    if config.cell == "lstm":
        fix += f", c_0 (D*num_layers, N, H_cell) = {(rows, n, config.hidden_size)}"
    return fix + ": batch on axis 1, even with batch_first=True"


def prepare_given(
    given: Given,
    config: Config,
    name: SettingNames,
    *,
    words: Sequence[str] | None,
    sizes: bool,
    max_steps: int,
) -> tuple[Given, Config, tuple[int, int, int, int]]:
    """The caller's batch checked without torch: the rows' lengths in the module's layout, and
    the config with its input_size; (rows, shortest, longest, tokens) for the budget."""
    if words:
        raise BadInput(f"{name['input']} is the batch: give no words beside it")
    if sizes:
        raise BadInput(
            f"{name['input']} is the batch, with its own sizes: leave out sizes (mark real steps with lengths)"
        )
    lengths, width = batch_sizes(given, config, name, max_steps)
    stats = (len(lengths), min(lengths), max(lengths), sum(lengths))
    return replace(given, lengths=tuple(lengths)), replace(config, input_size=width), stats


def check_given(given: Given | None, config: Config, name: SettingNames) -> Given | None:
    """What can be said of the caller's initial state without torch: an LSTM takes both."""
    if config.initial_state == "given" and (given is None or given.h_0 is None):
        raise BadInput(f"{name['initial_state']} 'given' needs your tensors: h_0, or (h_0, c_0) for an LSTM")
    if given is None:
        return None
    lstm = config.cell == "lstm"
    if given.h_0 is None and given.c_0 is not None:
        raise BadInput(f"{name['c0']} goes with {name['initial_state']}: an LSTM starts from (h_0, c_0)")
    if given.h_0 is not None and lstm and given.c_0 is None:
        raise BadInput(f"an LSTM starts from (h_0, c_0): give c_0 too ({name['c0']} FILE, or a pair from Python)")
    if given.c_0 is not None and not lstm:
        raise BadInput(f"only an LSTM has a cell state; this is {config.cell}: leave c_0 out")
    return replace(given, names=dict(name))


def with_expressions(
    given: Given | None, expressions: tuple[Expression, ...], left: tuple[int, int], names: SettingNames
) -> Given | None:
    """The plan's Given with the caller's expressions, and the bytes and work (what the limits
    leave after the run's own) they may spend."""
    if not expressions:
        return given
    memory, work = (max(value, 0) for value in left)
    return replace(
        given or Given(), expressions=expressions, expression_bytes=memory, expression_work=work, names=dict(names)
    )


def before_run(given: Given | None, config: Config, module: Any, lengths: Sequence[int]) -> None:
    """torch's own checks of the caller's batch and initial state, before the run: their dtypes
    as the module takes them, the state's shape against the batch."""
    if given is None or (given.h_0 is None and given.input is None):
        return
    from .forward import build_module, resolve_device

    config = replace(config, device=resolve_device(config.device))
    width = config.input_size or 0
    module = module if module is not None else build_module(config, width)
    check_dtypes(given, config, module, width, SettingNames(given.names))
    check_state(given, config, module, lengths, width, SettingNames(given.names))


def check_dtypes(given: Given, config: Config, module: torch.nn.RNNBase, width: int, name: SettingNames) -> None:
    """The caller's tensors of another dtype than the module's, run as torch runs them: the
    batch checked as the module checks it (on the meta device), a state tried on one step of
    one row; torch's refusal is the answer, in its words, with the fix. Nothing is cast."""
    import torch

    dtype = getattr(torch, config.dtype)
    files = {origin.name: origin.file for origin in given.facts.tensors}
    if given.input is not None and given.input.dtype != dtype:
        try:
            module.check_input(torch.empty(tuple(given.input.shape), dtype=given.input.dtype, device="meta"), None)
        except (ValueError, RuntimeError) as error:
            where = _where("input", files, name)
            raise BadInput(_dtype_refused(error, "input", given.input, config, where, name)) from None
    if given.h_0 is None or all(t.dtype == dtype for t in (given.h_0, given.c_0) if t is not None):
        return
    step = torch.zeros((1, 1, width), dtype=dtype, device=config.device)
    h_0 = given.h_0[:, :1].to(config.device)
    state = (h_0, given.c_0[:, :1].to(config.device)) if given.c_0 is not None else h_0
    try:
        with torch.no_grad():
            module(step, state)
    except (ValueError, RuntimeError) as error:
        label = "h_0" if given.h_0.dtype != dtype else "c_0"
        tensor = given.h_0 if label == "h_0" else given.c_0
        assert tensor is not None
        raise BadInput(_dtype_refused(error, label, tensor, config, _where(label, files, name), name)) from None


def _dtype_refused(
    error: BaseException, label: str, tensor: torch.Tensor, config: Config, where: str, name: SettingNames
) -> str:
    """torch's refusal of a tensor of another dtype, what it was, and how to give what it takes."""
    given = str(tensor.dtype).removeprefix("torch.")
    fix = f"{label}.float()" if config.dtype == "float32" else f"{label}.double()"
    if where.endswith(".npy'") and given == "float64" and config.dtype == "float32":
        fix += " (numpy.save writes float64: save x.astype('float32'))"
    if given == "float64" and config.dtype == "float32":
        fix += f", or {name['dtype']} float64 to run the module in float64"
    return f"torch: {_first(error)}; {where} is {given}, the module {config.dtype}: the fix: {fix}"


def expression_idioms(
    given: Given,
    produced: Mapping[str, torch.Tensor],
    lengths: torch.Tensor,
    final_h_n: torch.Tensor,
    config: Config,
    words: Sequence[str],
    tolerance: tuple[float, float],
) -> list[Idiom]:
    """The caller's --expr, run on the run's tensors (see ``expressions``)."""
    from .expressions import user_idioms

    return user_idioms(
        given.expressions,
        {**produced, "lengths": lengths},
        final_h_n=final_h_n,
        config=config,
        words=words,
        atol=tolerance[0],
        rtol=tolerance[1],
        left=given.expression_bytes,
        work=given.expression_work,
        bindings=given.facts.bindings,
        option=SettingNames(given.names)["expressions"],
    )
