"""``with watch(model) as w: model(batch, lengths)``: every recurrent call of a real forward, and
every line of that forward that uses its outputs, judged per row.

While the block runs, torch's global module hooks see each call of an ``nn.RNN``/``LSTM``/``GRU``
(padded or packed, ``h_0`` given or not) and of an ``nn.RNNCell``/``LSTMCell``/``GRUCell``
(``calls``), and a ``TorchFunctionMode`` follows every tensor the forward derives from their
outputs (``follow``) until it enters a library module (``nn.Linear``, ...), feeds another
recurrent call, or leaves the model's forward. Each line of the user's code that made such a
tensor is judged on the last tensor it made (``judge``): per row, whether it is that sequence's
final state, padding, one direction, another layer's state, or rows of several sequences; a
stack of state rows handed to a recurrent call is held against the layers that call reads
them as. Findings name the file, the line and its text.

Transparent: the forward's own calls run first and their results are returned unchanged (the
shadows are computed beside them, under ``no_grad``), so outputs and gradients are bit for bit
the same, and ``backward()`` works inside the block. Nothing of the forward is kept once the
block ends: tensors are held weakly, and the last tensor of each line only until it is judged.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .calls import SeenTensor, WatchedCall, cell_call, layer_call, unread_call
from .follow import Shadows, follow, tensors_in
from .ids import Source
from .judge import Verdict, handed_mismatches, judge
from .sites import Site, bound_name

if TYPE_CHECKING:
    import torch

__all__ = ["Finding", "SeenTensor", "Watch", "WatchedCall", "watch"]

_W = TypeVar("_W", bound="Watch")


@dataclass
class Finding:
    """One line of the forward, judged on the last tensor it made."""

    file: str
    line: int
    code: str
    #: The recurrent call whose outputs it derives from (its name in ``Watch.calls``).
    call: str
    shape: tuple[int, ...]
    #: What its rows hold (``judge.Verdict``'s kinds; ``handed_state`` for state rows a recurrent
    #: call reads as other layers than they are).
    kind: str
    final_state: list[bool] | None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Line:
    """A line of the forward while the block runs: the last tensor it made, its verdict once judged."""

    site: Site
    call: int
    latest: Any = None
    verdict: Verdict | None = None
    shape: tuple[int, ...] = ()


class Watch:
    """The watch of one block: ``calls`` and ``findings`` (complete when the block ends)."""

    def __init__(self, model: Any = None) -> None:
        self.model = model
        self.calls: list[WatchedCall] = []
        self.findings: list[Finding] = []
        self._names: dict[int, str] = {}
        self._seen: dict[int, int] = {}  # id(module) -> its call's index
        self._lines: dict[tuple[str, int], _Line] = {}
        self._shadows: Shadows | None = None
        self._root: Any = None  # the outermost user module running: its outputs leave the forward
        self._depth = 0  # inside a library or recurrent module: not followed
        self._busy = False  # our own work inside a hook: not followed
        self._exits = contextlib.ExitStack()

    # -- the block ---------------------------------------------------------------------------------

    def __enter__(self: _W) -> _W:
        import torch
        from torch.nn.modules import module as modules

        self._shadows = Shadows()
        if self.model is not None:
            self._name_modules(self.model)
        self._exits.callback(modules.register_module_forward_pre_hook(self._before).remove)
        after = modules.register_module_forward_hook(self._after, with_kwargs=True, always_call=True)
        self._exits.callback(after.remove)
        self._exits.enter_context(_Mode(self))
        del torch
        return self

    def __exit__(self, *exc: object) -> None:
        self._exits.close()
        try:
            self._judge_remaining()
        finally:
            self._lines.clear()
            self._shadows = self._root = self.model = None  # nothing of the forward is kept

    def _name_modules(self, model: Any) -> None:
        """Each module of ``model`` by its qualified name (``encoder.rnn``), unless named already."""
        for name, module in model.named_modules():
            self._names.setdefault(id(module), name or type(module).__name__)

    # -- hooks -------------------------------------------------------------------------------------

    def _before(self, module: Any, args: tuple[Any, ...]) -> None:
        if self._busy:
            return
        kind = _kind(module)
        if kind == "user":
            if self._root is None and not self._depth:  # a forward starts: its modules get their names
                self._root = module
                self._name_modules(module)
            return
        self._busy = True
        try:
            receiver = module if kind == "layer" else None
            for t in tensors_in(args):
                self._judge(t, receiver)
        finally:
            self._busy = False
            self._depth += 1

    def _after(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any = None) -> None:
        kind = _kind(module)
        if kind != "user":
            self._depth = max(0, self._depth - 1)
        if self._busy or output is None:
            return
        self._busy = True
        try:
            if kind in ("layer", "cell"):
                self._record(module, kind, args, kwargs, output)
            elif module is self._root:
                self._root = None
                for t in tensors_in(output):  # leaving the forward
                    self._judge(t, None)
        finally:
            self._busy = False

    # -- calls -------------------------------------------------------------------------------------

    def _record(self, module: Any, kind: str, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        index = self._seen.get(id(module))
        if index is not None:
            self.calls[index].count += 1
        else:
            index = len(self.calls)
            name = self._names.get(id(module)) or bound_name(module) or f"{type(module).__name__} #{index}"
            try:
                made = (
                    layer_call(index, name, module, args, kwargs, output)
                    if kind == "layer"
                    else cell_call(index, name, module, args, output)
                )
            except Exception as error:  # a call rnn-shapes cannot read is listed, never breaks the forward
                made = unread_call(index, name, module, kind, error)
            self.calls.append(made)
            self._seen[id(module)] = index
        if kind == "layer" and self.calls[index].config is not None:
            self._sources(index, output)

    def _sources(self, index: int, output: Any) -> None:
        """The call's output, h_n and c_n, numbered for following (their ids made on first use)."""
        from torch.nn.utils.rnn import PackedSequence

        assert self._shadows is not None
        call = self.calls[index]
        config = call.config
        assert config is not None
        out, state = output
        h_n, c_n = state if isinstance(state, tuple) else (state, None)
        d = config.directions
        if isinstance(out, PackedSequence):
            steps, words = _packed_rows(out)
            self._shadows.add_source(
                out.data,
                Source(index, "output", tuple(out.data.shape), 0, d, config.out_size, row_step=steps, row_word=words),
            )
        else:
            self._shadows.add_source(
                out, Source(index, "output", tuple(out.shape), 0, d, config.out_size, batch_first=config.batch_first)
            )
        self._shadows.add_source(h_n, Source(index, "h_n", tuple(h_n.shape), 0, d, config.out_size))
        if c_n is not None:
            self._shadows.add_source(c_n, Source(index, "c_n", tuple(c_n.shape), 0, d, config.hidden_size))

    # -- lines -------------------------------------------------------------------------------------

    def _follow(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        if self._busy or self._depth or self._shadows is None:
            return
        self._busy = True
        try:
            for out, shadow in follow(self._shadows, func, args, kwargs, result):
                if shadow.site is None:
                    continue
                key = (shadow.site.file, shadow.site.line)
                line = self._lines.setdefault(key, _Line(shadow.site, shadow.call))
                line.latest, line.verdict, line.shape = out, None, tuple(int(s) for s in out.shape)
        finally:
            self._busy = False

    def _judge(self, tensor: Any, receiver: Any) -> None:
        """A followed tensor at the end of its chain: judged for the line that made it."""
        assert self._shadows is not None
        shadow = self._shadows.get(tensor)
        if shadow is None or shadow.site is None:
            return
        line = self._lines.get((shadow.site.file, shadow.site.line))
        if line is None:
            return
        verdict = judge(self._shadows.pair(shadow), self._shadows.ids, self.calls)
        if verdict is not None and receiver is not None and verdict.kind == "state_rows":
            verdict = _handed(verdict, receiver, self._names)
        line.verdict, line.shape = verdict, tuple(int(s) for s in tensor.shape)

    def _judge_remaining(self) -> None:
        """Every line judged (on its last tensor, if its chain never ended), as findings."""
        for (file, number), line in sorted(self._lines.items()):
            if line.verdict is None and line.latest is not None and self._shadows is not None:
                shadow = self._shadows.get(line.latest)
                if shadow is not None:
                    line.verdict = judge(self._shadows.pair(shadow), self._shadows.ids, self.calls)
            if line.verdict is None:
                continue
            call = self.calls[line.call].name if line.call < len(self.calls) else ""
            v = line.verdict
            self.findings.append(
                Finding(file, number, line.site.code, call, line.shape, v.kind, v.final_state, v.facts)
            )


def watch(model: Any = None) -> Watch:
    """Watch a block of code that runs ``model`` (optional: it names the recurrent layers)."""
    return Watch(model)


class _Mode:
    """The TorchFunctionMode of a watch, made when the block starts (torch imported then)."""

    def __init__(self, owner: Watch) -> None:
        self.owner = owner
        self.mode: Any = None

    def __enter__(self) -> None:
        from torch.overrides import TorchFunctionMode

        owner = self.owner

        class Following(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
                kwargs = kwargs or {}
                result = func(*args, **kwargs)
                try:
                    owner._follow(func, args, kwargs, result)
                except Exception:  # following never breaks the forward: that tensor is not followed
                    owner._busy = False
                return result

        self.mode = Following()
        self.mode.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.mode.__exit__(*exc)


def _kind(module: Any) -> str:
    """``layer`` (nn.RNN/LSTM/GRU), ``cell``, ``library`` (a module of torch's own) or ``user``."""
    import torch

    if isinstance(module, torch.nn.RNNBase):
        return "layer" if type(module) in (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU) else "library"
    if isinstance(module, torch.nn.RNNCellBase):
        return "cell"
    return "library" if type(module).__module__.startswith("torch.") else "user"


def _packed_rows(packed: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row of a PackedSequence's data: its step, and its sequence in the batch's own order."""
    import torch

    sizes = packed.batch_sizes.tolist()
    steps = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    position = torch.cat([torch.arange(k) for k in sizes])
    order = packed.sorted_indices if packed.sorted_indices is not None else torch.arange(sizes[0])
    return steps, order[position]


def _handed(verdict: Verdict, receiver: Any, names: dict[int, str]) -> Verdict:
    """A stack of state rows handed to a recurrent call: the rows it reads as other layers."""
    d = 2 if receiver.bidirectional else 1
    wrong = handed_mismatches(verdict.facts["rows"], d)
    facts = verdict.facts | {
        "receiver": names.get(id(receiver), type(receiver).__name__),
        "receiver_directions": d,
        "receiver_layers": receiver.num_layers,
        "mismatches": wrong,
    }
    return Verdict("handed_state" if wrong else "state_rows", None, facts)
