"""What the explorer holds, and what each knob does: Options in, Options out.

A knob changes one option, as a user would on the command line, and the result is planned by
``Options.plan``: a refusal is the command line's own message. The command line printed on
exit says the same options, so running it gives the same run. No Textual or rich here.
"""

from __future__ import annotations

import dataclasses
import operator
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, get_args

from ...core.config import CELLS, Padding
from ...core.errors import BadInput
from ..options import Options, cli_names, flag

if TYPE_CHECKING:
    from ...core.explore import Plan
    from ...core.result import Result

#: Rows the step view can show without asking: the first few of a run (more when one is chosen).
TRACE_WORDS = 8
PADDINGS: tuple[Padding, ...] = get_args(Padding)
#: Options a command line for the explorer's state leaves out: the explorer itself, and a debugging switch.
_NOT_STATE = ("tui", "traceback")

_T = TypeVar("_T")


@dataclass(frozen=True, eq=False)
class Run:
    """One run as the explorer shows it: the options that made it (as the command line says
    them), its words, its result, and the result before the last knob, which what changed is
    highlighted against. Compared by identity: a Result holds tensors."""

    options: Options
    words: list[str]
    result: Result
    before: Result | None = None
    #: What the last knob changed, as the command line says it (``--cell rnn → lstm``).
    change: str = ""

    @property
    def rows(self) -> int:
        return len(self.result.lengths)

    @property
    def steps(self) -> int:
        return max(self.result.lengths)


def _after(values: Sequence[_T], value: _T, step: int = 1) -> _T:
    return values[(values.index(value) + step) % len(values)]


#: What each knob changes, by the name its key's action gives it.
KNOBS: dict[str, Callable[[Options], dict[str, Any]]] = {
    "cell": lambda o: {"cell": _after(CELLS, o.cell)},
    "cell_back": lambda o: {"cell": _after(CELLS, o.cell, -1)},
    "hidden_up": lambda o: {"hidden": o.hidden + 1},
    "hidden_down": lambda o: {"hidden": o.hidden - 1},
    "layers_up": lambda o: {"layers": o.layers + 1},
    "layers_down": lambda o: {"layers": o.layers - 1},
    "bidirectional": lambda o: {"bidirectional": not o.bidirectional},
    "batch_first": lambda o: {"seq_first": not o.seq_first},
    "padding": lambda o: {"padding": _after(PADDINGS, o.padding)},
    "proj_up": lambda o: {"proj_size": o.proj_size + 1},
    "proj_down": lambda o: {"proj_size": o.proj_size - 1},
}


def turned(options: Options, knob: str) -> Options:
    """The options after one knob. --module's settings are first written out as the options
    that say the same, when they can be, so the knob changes one of them."""
    base = unfolded(options)
    return dataclasses.replace(base, **KNOBS[knob](base))


def with_words(options: Options, words: list[str]) -> Options:
    """The options with these words instead of the input they had (arguments, --file or sizes);
    random features' width (--input-size, or --module's) goes with the sizes."""
    base = unfolded(options)
    sizes = base.random_input() is not None
    changes: dict[str, Any] = {"words": list(words), "file": None}
    if sizes:
        changes.update(batch_size=None, seq_len=None, lengths=None, vocab_size=None)
        if base.module is None and base.vocab_size is None:
            changes["input_size"] = None
    return dataclasses.replace(base, **changes)


def _as_options(settings: dict[str, Any]) -> dict[str, Any]:
    """--module's settings as the options that give them hold them: each option declared to set
    one (``sets=``), its value read back (``--no-bias`` is not bias; tanh is the RNN's default)."""
    changes: dict[str, Any] = {}
    for name, spec in Options.declared().items():
        key, reads = spec.option.sets, spec.option.reads
        if key in settings and reads in (None, operator.not_):
            changes[name] = settings[key] if reads is None else not settings[key]
    if changes.get("nonlinearity") == "tanh":
        changes["nonlinearity"] = None
    return changes


def unfolded(options: Options) -> Options:
    """--module written out as options (--cell lstm --hidden 512 ...), when the options give the
    very same settings; otherwise the options as they are (a knob is then refused as the
    command line refuses an option that contradicts --module)."""
    if options.module is None:
        return options
    from ...core.module_text import parse_module

    changes = {"module": None, **_as_options(parse_module(options.module))}
    plain = dataclasses.replace(options, **changes)
    try:
        same = plain.config().validated(cli_names()) == options.config().validated(cli_names())
    except BadInput:
        return options
    return plain if same else options


def planned(options: Options, words: list[str], word: int = 0) -> Plan:
    """The plan of ``options`` as the command line makes it (its checks, its messages), tracing
    the first rows for the step view (and row ``word``) when the memory budget allows."""
    options.check()
    plan = options.plan(words)
    want = max(word + 1, min(len(plan.lengths), TRACE_WORDS))
    for count in dict.fromkeys((want, 1)):
        if count <= plan.trace_words:
            break
        try:
            return dataclasses.replace(options, steps=True, steps_words=count).plan(words)
        except BadInput:
            continue  # the trace is what is over budget: fewer traced rows, or none
    return plan


def command_line(options: Options) -> str:
    """The command line that runs what the explorer shows, as a shell reads it."""
    declared = Options.declared()
    args = ["rnn-shapes"]
    words: list[str] = []
    for name, value in options.given().items():
        spec = declared[name]
        if name in _NOT_STATE:
            continue
        if not spec.flags:
            words = list(value or [])
        elif value is True:
            args.append(spec.flags[0])
        else:
            args += [spec.flags[0], str(value)]
    if any(word.startswith("-") for word in words):
        args.append("--")
    return shlex.join(args + words)


def change_text(before: Options, after: Options) -> str:
    """What differs between two states, as the command line names it: ``--hidden 2 → 3``."""
    old, new = unfolded(before).values(), after.values()
    parts = []
    for name, value in new.items():
        if name in _NOT_STATE or old[name] == value:
            continue
        if name == "words":
            parts.append("words " + " ".join(value or []))
        elif isinstance(value, bool):
            parts.append(f"{flag(name)} {'on' if value else 'off'}")
        else:
            parts.append(f"{flag(name)} {_shown(old[name])} → {_shown(value)}")
    return ", ".join(parts)


def _shown(value: object) -> str:
    return "none" if value is None else str(value)
