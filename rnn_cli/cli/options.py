"""Every option, declared once: its type, default, help, its --help panel, where it may be used,
and the setting it gives the core.

Each option is one field of ``Options``: its type and default, and an ``Option`` saying the rest.
An option that gives a setting names it (``sets=``, a field of ``core.settings``, which declares
the setting's own part: its JSON name, its check, what torch calls it); its default is that
setting's. The command line's parameters are built from this declaration (``program``), batch
mode checks request keys against it, ``--vs`` accepts what it marks for --vs, ``Options.config``
gives the core each setting, and the manual's option table is generated from it. The choices
themselves are the core's Literal types.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from ..core.config import MAX_SIZE, Cell, Config, Device, Dtype, Nonlinearity, Padding, Tokenizer
from ..core.errors import BadInput, quoted
from ..core.exported.formats import ExportFormat
from ..core.settings import CONFIG_FIELDS, DEFAULT_TOKENIZER
from ..core.tokens import DEFAULT_MAX_STEPS
from ..render.sections import FIRST_SCREEN, SECTIONS, Section, complete_sections, parse_sections

if TYPE_CHECKING:
    from ..core.bindings import Bindings
    from ..core.budget import Drawn
    from ..core.explore import Plan, RandomInput
    from ..core.exported import ExportRequest
    from ..core.plan import Stages
    from ..core.request import Request


class Scope(Flag):
    """Where an option means something."""

    COMMAND = auto()  # on the command line
    BATCH = auto()  # as a key of a --batch request
    VS = auto()  # inside --vs, as what the second configuration changes


#: Settings of the run itself: meaningful everywhere.
RUN = Scope.COMMAND | Scope.BATCH | Scope.VS
#: What a run shows, not what it is: the command line and batch requests.
SHOWN = Scope.COMMAND | Scope.BATCH


class Panel:
    """The groups ``--help`` shows the options in."""

    INPUT = "Words and input"
    LAYER = "The layer"
    MODEL = "Your model"
    OUTPUT = "Output"
    SCRIPTS = "Scripts"


#: What --h0 takes besides a file: torch's default (not passed), zeros, seeded random.
H0_CHOICES = ("default", "zeros", "random")

#: The panels in the order ``--help`` shows them.
PANELS = (Panel.INPUT, Panel.LAYER, Panel.MODEL, Panel.OUTPUT, Panel.SCRIPTS)

#: The settings' defaults, which the options that give them take as their own.
DEFAULT = Config()


@dataclass(frozen=True)
class Option:
    """The command line's part of one option's declaration (its type and default are its
    ``Options`` field's)."""

    help: str
    panel: str
    scope: Scope
    #: What a user types, e.g. ("--hidden", "-H"); by default ``--`` and the field's name with dashes.
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    show_default: bool = True
    #: The setting it gives the core: a field of ``core.settings`` (``Config``'s, torch's keyword),
    #: or a run argument the core names otherwise (``expressions``); None: the core calls it as
    #: the option is called.
    sets: str | None = None
    #: How its value reads as that setting (``bias`` is not ``--no-bias``).
    reads: Callable[[Any], Any] | None = None
    #: An environment variable that gives it too.
    envvar: str | None = None
    #: Answers at once, before anything else is read, and ends the run (``--version``).
    answers: Callable[[], None] | None = None
    #: Shell completion: the values that start with what is typed.
    complete: Callable[[str], list[str]] | None = None
    #: The words: an argument, not an option.
    argument: bool = False


def _print_version() -> None:
    from .. import __version__
    from .streams import write_stdout

    write_stdout(f"rnn-shapes {__version__}\n")


def _print_schema() -> None:
    from ..render.schema import schema_text
    from .streams import write_stdout

    write_stdout(schema_text() + "\n")


def _initial_state(h0: str | None) -> str:
    """--h0 as the setting: torch's default, zeros, random, or a file given."""
    return "given" if h0 and h0 not in H0_CHOICES else h0 or "default"


def _h0_choices(incomplete: str) -> list[str]:
    return [choice for choice in H0_CHOICES if choice.startswith(incomplete)]


@dataclass(frozen=True)
class Options:
    """The options of one request, as the command line names them."""

    words: Annotated[
        list[str] | None,
        Option(
            help="Words to encode (or on stdin).", panel=Panel.INPUT, scope=SHOWN, argument=True, show_default=False
        ),
    ] = None
    hidden: Annotated[
        int, Option(help="hidden_size.", panel=Panel.LAYER, scope=RUN, flags=("--hidden", "-H"), sets="hidden_size")
    ] = DEFAULT.hidden_size
    cell: Annotated[Cell, Option(help="The recurrent layer.", panel=Panel.LAYER, scope=RUN, sets="cell")] = DEFAULT.cell
    layers: Annotated[int, Option(help="num_layers.", panel=Panel.LAYER, scope=RUN, sets="num_layers")] = (
        DEFAULT.num_layers
    )
    bidirectional: Annotated[
        bool, Option(help="Two directions.", panel=Panel.LAYER, scope=RUN, sets="bidirectional")
    ] = DEFAULT.bidirectional
    nonlinearity: Annotated[
        Nonlinearity | None,
        Option(help="RNN only (default tanh).", panel=Panel.LAYER, scope=RUN, show_default=False, sets="nonlinearity"),
    ] = DEFAULT.nonlinearity
    no_bias: Annotated[
        bool, Option(help="bias=False.", panel=Panel.LAYER, scope=RUN, sets="bias", reads=operator.not_)
    ] = not DEFAULT.bias
    proj_size: Annotated[
        int, Option(help="LSTM projection, 0 < N < hidden.", panel=Panel.LAYER, scope=RUN, sets="proj_size")
    ] = DEFAULT.proj_size
    seq_first: Annotated[
        bool,
        Option(
            help="Feed (seq, batch, input) with batch_first=False.",
            panel=Panel.LAYER,
            scope=RUN,
            sets="batch_first",
            reads=operator.not_,
        ),
    ] = not DEFAULT.batch_first
    padding: Annotated[
        Padding,
        Option(
            help="auto: one plain batch when every word has the same length, else packed.",
            panel=Panel.LAYER,
            scope=RUN,
            sets="padding",
        ),
    ] = DEFAULT.padding
    dtype: Annotated[
        Dtype, Option(help="The module's and the batch's dtype.", panel=Panel.LAYER, scope=RUN, sets="dtype")
    ] = DEFAULT.dtype
    device: Annotated[
        Device,
        Option(help="Where it runs (cuda without CUDA is exit 1).", panel=Panel.LAYER, scope=RUN, sets="device"),
    ] = DEFAULT.device
    seed: Annotated[
        int, Option(help="torch.manual_seed before the module is built.", panel=Panel.LAYER, scope=RUN, sets="seed")
    ] = DEFAULT.seed
    tokens: Annotated[
        Tokenizer,
        Option(
            help="What a token is: what a reader sees (NFC), or raw code points.",
            panel=Panel.INPUT,
            scope=RUN,
            sets="tokenizer",
        ),
    ] = DEFAULT_TOKENIZER
    vocab: Annotated[
        str | None,
        Option(
            help="Explicit vocabulary order, e.g. 'helo'.",
            panel=Panel.INPUT,
            scope=RUN,
            metavar="TOKENS",
            show_default=False,
        ),
    ] = None
    module: Annotated[
        str | None,
        Option(
            help='Your constructor, e.g. "nn.LSTM(300, 512, num_layers=2, batch_first=True)": read, never run.',
            panel=Panel.MODEL,
            scope=RUN,
            metavar="CALL",
            show_default=False,
        ),
    ] = None
    set_names: Annotated[
        list[str] | None,
        Option(
            help="Bind a name --module or --expr uses, e.g. --set emb_dim=256 (repeatable; a literal, never run).",
            panel=Panel.MODEL,
            scope=RUN,
            flags=("--set",),
            metavar="NAME=VALUE",
            show_default=False,
        ),
    ] = None
    checkpoint: Annotated[
        str | None,
        Option(
            help="Run a recurrent layer of your state dict (torch.save, weights_only; or .safetensors).",
            panel=Panel.MODEL,
            scope=RUN,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    layer: Annotated[
        str | None,
        Option(
            help="Which recurrent layer of --checkpoint, e.g. encoder.rnn (one found: that one).",
            panel=Panel.MODEL,
            scope=RUN,
            metavar="NAME",
            show_default=False,
        ),
    ] = None
    input_size: Annotated[
        int | None,
        Option(
            help="input_size, for random features (else the input decides).",
            panel=Panel.MODEL,
            scope=RUN,
            show_default=False,
            sets="input_size",
        ),
    ] = DEFAULT.input_size
    embed: Annotated[
        int,
        Option(
            help="An nn.Embedding of this width in front: the input is token ids.",
            panel=Panel.MODEL,
            scope=RUN,
            sets="embed",
        ),
    ] = DEFAULT.embed
    h0: Annotated[
        str | None,
        Option(
            help="Pass h_0 (and c_0) explicitly: zeros, seeded random, or yours (.pt or .npy, as given).",
            panel=Panel.MODEL,
            scope=RUN,
            flags=("--h0",),
            metavar="zeros|random|FILE",
            show_default=False,
            sets="initial_state",
            reads=_initial_state,
            complete=_h0_choices,
        ),
    ] = None
    c0: Annotated[
        str | None,
        Option(
            help="Your c_0 beside --h0 FILE, for an LSTM (.pt or .npy).",
            panel=Panel.MODEL,
            scope=RUN,
            flags=("--c0",),
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    input: Annotated[
        str | None,
        Option(
            help="Your batch (.pt or .npy), read in the module's layout; --lengths marks real steps.",
            panel=Panel.MODEL,
            scope=RUN,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    batch_size: Annotated[
        int | None,
        Option(help="Sizes instead of words: N, with --seq-len.", panel=Panel.MODEL, scope=RUN, show_default=False),
    ] = None
    seq_len: Annotated[
        int | None,
        Option(help="Sizes instead of words: L, with --batch-size.", panel=Panel.MODEL, scope=RUN, show_default=False),
    ] = None
    lengths: Annotated[
        str | None,
        Option(
            help="Sizes instead of words, one length a row, e.g. 100,80,3 (with --input: its rows' real steps).",
            panel=Panel.MODEL,
            scope=RUN,
            metavar="L,L,...",
            show_default=False,
        ),
    ] = None
    vocab_size: Annotated[
        int | None,
        Option(
            help="With sizes: random token ids in [0, V), one-hot or embedded (else random features).",
            panel=Panel.MODEL,
            scope=RUN,
            show_default=False,
        ),
    ] = None
    file: Annotated[
        str | None,
        Option(
            help="Read words from a file ('-' for stdin).",
            panel=Panel.INPUT,
            scope=Scope.COMMAND,
            flags=("--file", "-f"),
            metavar="PATH",
            show_default=False,
        ),
    ] = None
    json_out: Annotated[
        bool,
        Option(help="One JSON document on stdout.", panel=Panel.SCRIPTS, scope=Scope.COMMAND, flags=("--json",)),
    ] = False
    fields: Annotated[
        list[str] | None,
        Option(
            help="Only these keys of the JSON document, e.g. config,tensors: the rest is neither computed nor printed.",
            panel=Panel.SCRIPTS,
            scope=SHOWN,
            metavar="KEY,...",
            show_default=False,
        ),
    ] = None
    no_values: Annotated[bool, Option(help="Shapes only: leave values out.", panel=Panel.OUTPUT, scope=SHOWN)] = False
    values_wanted: Annotated[
        bool,
        Option(
            help="Values too when running sizes instead of words (summarised).",
            panel=Panel.MODEL,
            scope=SHOWN,
            flags=("--values",),
        ),
    ] = False
    max_rows: Annotated[
        int, Option(help="Words shown in tables before summarising.", panel=Panel.OUTPUT, scope=Scope.COMMAND)
    ] = 10
    max_steps: Annotated[int, Option(help="Longest word accepted, in tokens.", panel=Panel.INPUT, scope=RUN)] = (
        DEFAULT_MAX_STEPS
    )
    max_memory: Annotated[
        str,
        Option(
            help="Refuse runs estimated above this size (e.g. 512M, 8G).", panel=Panel.INPUT, scope=RUN, metavar="SIZE"
        ),
    ] = "2G"
    max_work: Annotated[
        str,
        Option(
            help="Refuse runs estimated above this many multiply-adds (e.g. 500G, 2T).",
            panel=Panel.INPUT,
            scope=RUN,
            metavar="N",
        ),
    ] = "100G"
    show_all: Annotated[
        bool,
        Option(
            help="Every section of the report, not the first screen's.",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
            flags=("--all",),
        ),
    ] = False
    show: Annotated[
        str | None,
        Option(
            help=f"Only these sections of the report: {', '.join(SECTIONS)}.",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
            metavar="SECTION,...",
            show_default=False,
            complete=complete_sections,
        ),
    ] = None
    no_pager: Annotated[
        bool,
        Option(
            help="Never page a report taller than the terminal (else $PAGER, less -FRX).",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
        ),
    ] = False
    timed: Annotated[
        bool,
        Option(
            help="Time the forward pass (cost.forward_seconds); nothing is timed otherwise.",
            panel=Panel.OUTPUT,
            scope=SHOWN,
            flags=("--time",),
        ),
    ] = False
    steps: Annotated[bool, Option(help="Trace the equations step by step.", panel=Panel.OUTPUT, scope=SHOWN)] = False
    steps_words: Annotated[int, Option(help="Words traced by --steps.", panel=Panel.OUTPUT, scope=SHOWN)] = 2
    expr: Annotated[
        list[str] | None,
        Option(
            help='Your next line, e.g. "torch.cat([h_n[-1], h_n[-2]], dim=1)": checked like the idioms (repeatable).',
            panel=Panel.MODEL,
            scope=SHOWN,
            metavar="EXPR",
            show_default=False,
            sets="expressions",
        ),
    ] = None
    svg: Annotated[
        str | None,
        Option(
            help="Also write the report as SVG to this file.",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    html: Annotated[
        str | None,
        Option(
            help="Also write the report as HTML to this file.",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    plot: Annotated[
        str | None,
        Option(
            help="Also draw each word's hidden state over its steps, .svg or .png (needs rnn-shapes[plot]).",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    code: Annotated[
        bool,
        Option(
            help="Print a standalone torch script that reproduces the run.", panel=Panel.OUTPUT, scope=Scope.COMMAND
        ),
    ] = False
    export_format: Annotated[
        ExportFormat | None,
        Option(
            help="Export the layer, batch and steps dynamic, and run it at other sizes (onnx: rnn-shapes[export]).",
            panel=Panel.MODEL,
            scope=Scope.COMMAND,
            flags=("--export",),
            show_default=False,
        ),
    ] = None
    export_file: Annotated[
        str | None,
        Option(
            help="Write what --export made: .onnx, or .pt2 (torch.export.save).",
            panel=Panel.MODEL,
            scope=Scope.COMMAND,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    diagnose: Annotated[
        str | None,
        Option(
            help="Explain torch's error or warning in TEXT ('-': stdin; a whole traceback works) and reproduce it.",
            panel=Panel.MODEL,
            scope=Scope.COMMAND,
            metavar="TEXT",
            show_default=False,
        ),
    ] = None
    watch: Annotated[
        str | None,
        Option(
            help=(
                "Run your script as python SCRIPT ARGS would (its output and exit status its own), every "
                "recurrent call and each line using its outputs watched; the report goes to stderr at exit. "
                "The one option that runs code, and only the file you name. Everything after SCRIPT is its own."
            ),
            panel=Panel.MODEL,
            scope=Scope.COMMAND,
            metavar="SCRIPT [ARGS]...",
            show_default=False,
        ),
    ] = None
    json_file: Annotated[
        str | None,
        Option(
            help="With --watch: also write the watch's JSON document to this file.",
            panel=Panel.MODEL,
            scope=Scope.COMMAND,
            metavar="FILE",
            show_default=False,
        ),
    ] = None
    vs: Annotated[
        str | None,
        Option(
            help="Compare with a second configuration, e.g. --vs '--seq-first'.",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
            metavar="OPTIONS",
            show_default=False,
        ),
    ] = None
    batch: Annotated[
        bool,
        Option(
            help="Read NDJSON requests on stdin; one JSON line out per line in.",
            panel=Panel.SCRIPTS,
            scope=Scope.COMMAND,
        ),
    ] = False
    tui: Annotated[
        bool,
        Option(
            help="A full-screen explorer: change a knob, watch every shape and value move (needs rnn-shapes[tui]).",
            panel=Panel.OUTPUT,
            scope=Scope.COMMAND,
        ),
    ] = False
    traceback: Annotated[
        bool,
        Option(
            help="Show the whole traceback of an internal error (a bug), not one line.",
            panel=Panel.SCRIPTS,
            scope=Scope.COMMAND,
            envvar="RNN_SHAPES_TRACEBACK",
        ),
    ] = False
    version: Annotated[
        bool, Option(help="Print the version.", panel=Panel.SCRIPTS, scope=Scope.COMMAND, answers=_print_version)
    ] = False
    json_schema: Annotated[
        bool,
        Option(
            help="Print the JSON Schema of --json output.",
            panel=Panel.SCRIPTS,
            scope=Scope.COMMAND,
            answers=_print_schema,
        ),
    ] = False
    #: The options said on the command line or in a batch request, even at their defaults
    #: (not an option: no declaration).
    said: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    #: What follows --watch SCRIPT on the command line: the script's own arguments, never ours
    #: (not an option: the parser never sees them).
    script_args: tuple[str, ...] = field(default=(), compare=False, repr=False)

    # -- what the declaration says about each option ----------------------------------------

    def __post_init__(self) -> None:
        # a repeatable option arrives from the parser as a tuple, () when it was not given: not given
        for name in _repeatable(type(self)):
            value = getattr(self, name)
            if isinstance(value, tuple):
                object.__setattr__(self, name, list(value) or None)

    @classmethod
    def declared(cls) -> Mapping[str, OptionSpec]:
        """Every option this class declares, in order, by its field's name."""
        return _declared(cls)

    @classmethod
    def names(cls) -> Mapping[str, str]:
        """Every setting the core names in a message, by the option a user types (read-only)."""
        return _names(cls)

    @classmethod
    def flag_for(cls, name: str) -> str:
        """The long option a user types for one of this class's options."""
        return cls.declared()[name].flags[0]

    def given(self) -> dict[str, Any]:
        """The options whose value differs from the default."""
        declared = self.declared()
        return {name: value for name, value in self.values().items() if value != declared[name].default}

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.declared()}

    def stated(self) -> set[str]:
        """The options said (on the command line, in a request) or set away from their default."""
        return set(self.said) | set(self.given())

    # -- the core's view of the options ------------------------------------------------------

    def config(self) -> Config:
        """The run's settings (unvalidated: the plan validates them): each option's setting as it
        reads there (``OptionSpec.setting``), merged with --module's and --checkpoint's by the
        core's one ``Request``, which refuses an option that contradicts them."""
        return self.request.config()

    @functools.cached_property
    def request(self) -> Request:
        """These options as the core's one request (its words apart: ``plan`` takes them)."""
        from ..core.request import Limits, Request, Tensors

        declared = self.declared()
        settings = dict(spec.setting(getattr(self, name)) for name, spec in declared.items() if spec.gives_config)
        giving = _option_giving(type(self))
        said = self.stated()
        stated = frozenset(key for key, option in giving.items() if option in said)
        files = {"input": self.input, "h_0": self.own_state_file(), "c_0": self.c0}
        return Request(
            Config(**settings),
            stated,
            module_text=self.module,
            set_names=tuple(self.set_names or ()),
            checkpoint=self.checkpoint,
            layer=self.layer,
            tensors=Tensors(lengths=self.own_lengths(), files=files) if any(files.values()) else None,
            sizes=self.random_input(),
            expressions=tuple(self.expr or ()),
            vocab=self.vocab,
            tokenizer=self.tokens,
            limits=Limits(self.max_steps, self.memory_limit(), self.work_limit(), self.traced_words()),
            values=self.json_out and self.shows_values(),
            timed=self.timed,
            drawn=self.drawn(),
            stages=_stages(self.fields_wanted(), values=self.shows_values()),
            export=self.export_request(),
            names=self.names(),
        )

    def bindings(self) -> Bindings:
        """--set's names and their values (read in the expression language, never run)."""
        return self.request.bindings()

    def own_state_file(self) -> str | None:
        """--h0 when it names a file, not a choice."""
        return None if self.h0 is None or self.h0 in H0_CHOICES else self.h0

    def own_lengths(self) -> tuple[int, ...] | None:
        """--lengths beside --input: each row's real steps."""
        if self.input is None or self.lengths is None:
            return None
        return self._lengths_given()

    def _lengths_given(self) -> tuple[int, ...]:
        assert self.lengths is not None
        try:
            return tuple(whole_number(part) for part in self.lengths.replace(" ", "").split(","))
        except ValueError:
            raise BadInput(
                f"--lengths takes whole numbers separated by commas, e.g. 100,80,3 (got {quoted(self.lengths)})"
            ) from None

    def random_input(self) -> RandomInput | None:
        """Sizes instead of words, when asked for: --batch-size and --seq-len, or --lengths."""
        from ..core.explore import RandomInput, Repeated

        sizes = (self.batch_size, self.seq_len)
        if self.input is not None:  # your batch has its own sizes; --lengths marks its real steps
            if any(size is not None for size in (*sizes, self.vocab_size)):
                raise BadInput(
                    "--input is the batch, with its own sizes: leave out --batch-size, --seq-len, --vocab-size"
                )
            return None
        if self.lengths is not None:
            if any(size is not None for size in sizes):
                raise BadInput("give --lengths, or --batch-size and --seq-len, not both")
            return RandomInput(self._lengths_given(), self.vocab_size)
        if all(size is None for size in sizes):
            if self.vocab_size is not None:
                raise BadInput("--vocab-size goes with sizes: --batch-size and --seq-len, or --lengths")
            return None
        if self.batch_size is None or self.seq_len is None:
            raise BadInput("sizes need both --batch-size and --seq-len (or --lengths)")
        if not (1 <= self.batch_size <= MAX_SIZE and 1 <= self.seq_len <= MAX_SIZE):
            raise BadInput(
                f"--batch-size and --seq-len must be from 1 to 2**63 - 1 "
                f"(got {quoted(self.batch_size)} and {quoted(self.seq_len)})"
            )
        return RandomInput(Repeated(self.seq_len, self.batch_size), self.vocab_size)  # two numbers, not a list

    def shows_values(self) -> bool:
        """Values are shown for words unless --no-values; for sizes only with --values."""
        return self.values_wanted or (not self.no_values and self.random_input() is None)

    def plan(self, words: list[str]) -> Plan:
        """Everything checked that needs no torch, every setting named as the command line names it."""
        return self.request.plan(words)

    def fields_wanted(self) -> tuple[str, ...] | None:
        """--fields' keys, each once, in the document's order; None for the whole document."""
        if self.fields is None:
            return None
        from ..render.json_doc import KEYS

        asked = [key.strip() for item in self.fields for key in item.split(",") if key.strip()]
        unknown = [key for key in asked if key not in KEYS]
        if unknown or not asked:
            what = f"{quoted(unknown[0])} is not a key of the document" if unknown else "it needs at least one key"
            raise BadInput(f"--fields: {what}; the keys are {', '.join(KEYS)}")
        return tuple(key for key in KEYS if key in asked)

    def export_request(self) -> ExportRequest | None:
        """--export (and --export-file) as the core takes them, checked: the format's packages
        (the export extra, for onnx) and the file's suffix."""
        from ..core.exported.request import export_request

        return export_request(self.export_format, self.export_file, self.names())

    def drawn(self) -> Drawn:
        """What this run draws beside its JSON, for the memory estimate: the screen's report,
        the whole report for --svg/--html, the plot."""
        from ..core.budget import Drawn

        exported = bool(self.svg or self.html) and not self.code
        screen = not (self.json_out or self.code or self.batch)
        whole_again = exported and (not screen or (self.show is None and not self.show_all))
        return Drawn(
            layouts=int(screen) + int(whole_again),
            exported=exported,
            max_rows=self.max_rows,
            plot=bool(self.plot) and not self.batch,
            document=self.json_out or self.batch,
        )

    def sections(self) -> frozenset[Section] | None:
        """The report's sections the terminal shows: --show's, every one with --all (None), or
        the first screen's."""
        if self.show is not None:
            try:
                return parse_sections(self.show, option=flag("show"))
            except ValueError as error:
                raise BadInput(str(error)) from None
        return None if self.show_all else FIRST_SCREEN

    def reading_budget(self) -> Callable[[int, int, int, int], None]:
        """Holds words still being read to --max-memory (see inputs): refuse as soon as they are over."""
        from ..core.budget import check_memory, estimate_from

        request, names = self.request, self.names()
        config, limit, values = request.config().validated(names), request.limits.max_memory, request.values
        traced, drawn = request.limits.trace_words, request.drawn

        def budget(words: int, longest: int, tokens: int, distinct: int) -> None:
            estimate = estimate_from(
                config, words, longest, tokens, distinct, values=values, trace_words=min(traced, words), drawn=drawn
            )
            check_memory(estimate, limit, names, so_far=True)

        return budget

    def traced_words(self) -> int:
        return self.steps_words if self.steps else 0

    def memory_limit(self) -> int:
        return parse_size(self.max_memory, option=flag("max_memory"))

    def work_limit(self) -> int:
        return parse_count(self.max_work, option=flag("max_work"))

    def check(self) -> None:
        """What can be refused from the options alone, before any word is read."""
        if self.max_rows < 2:
            raise BadInput(f"--max-rows must be at least 2 (got {self.max_rows})")
        if self.steps_words < 1:
            raise BadInput(f"--steps-words must be at least 1 (got {self.steps_words})")
        given = {name for name, value in self.values().items() if value is not None and value is not False}
        for first, second, why in CONFLICTS:
            if first in given and second in given:
                raise BadInput(f"{flag(first)} and {flag(second)}: {why}")
        files = [(name, getattr(self, name)) for name in ("svg", "html", "plot", "export_file") if getattr(self, name)]
        for k, (name, path) in enumerate(files):
            for other, other_path in files[k + 1 :]:
                if os.path.realpath(path) == os.path.realpath(other_path):
                    raise BadInput(f"{flag(name)} and {flag(other)} name the same file {path!r}: give each its own")
        self.sections()
        if self.fields is not None:
            self.fields_wanted()
            if not (self.json_out or self.batch):
                raise BadInput("--fields chooses keys of the JSON document: give it with --json (or in --batch)")
        if self.max_steps < 1:
            raise BadInput(f"--max-steps must be at least 1 (got {self.max_steps})")
        self.memory_limit()
        self.work_limit()
        self.check_yours()
        if self.file == "":
            raise BadInput("--file needs a path ('-' for stdin)")
        for name in ("svg", "html", "plot", "export_file"):
            path = getattr(self, name)
            if path is not None:
                check_output_path(path, flag(name))
        self.check_export()
        if self.plot is not None:
            if os.path.splitext(self.plot)[1].lower() not in (".svg", ".png"):
                raise BadInput(f"--plot draws .svg or .png files, not {self.plot!r}")
            from ..render.plot import require_matplotlib

            require_matplotlib()

    def check_export(self) -> None:
        """--export's packages (the export extra, for onnx) and --export-file's suffix."""
        self.export_request()

    def check_yours(self) -> None:
        """What the caller brings, checked before anything is read: --set's values (literals
        only), --layer beside --checkpoint, --h0 as a choice or a file, --input with no words."""
        self.bindings()
        if self.layer is not None and self.checkpoint is None:
            raise BadInput("--layer picks a recurrent layer of --checkpoint FILE: give the checkpoint too")
        state = self.own_state_file()
        if state is not None and not os.path.exists(state):
            raise BadInput(f"--h0 takes {', '.join(H0_CHOICES)} or a file (.pt, .npy); {quoted(state)} is neither")
        if self.c0 is not None and state is None:
            raise BadInput("--c0 FILE goes with --h0 FILE: an LSTM starts from (h_0, c_0)")
        if self.input is not None and (self.words or self.file is not None):
            raise BadInput("--input is the batch: give no words (nor --file) beside it")


#: Options that cannot go together, and why: the command line, batch requests and --vs all
#: refuse them through Options.check.
CONFLICTS = [
    ("json_out", "code", "both want stdout: choose one"),
    ("vs", "code", "--code reproduces one run and --vs compares two: choose one"),
    ("vs", "steps", "--steps traces one run and --vs compares two: trace each on its own"),
    ("vs", "plot", "--plot draws one run and --vs compares two: plot each on its own"),
    ("values_wanted", "no_values", "one asks for values, the other leaves them out"),
    ("show_all", "show", "--all shows every section, --show the ones it names: choose one"),
    ("fields", "vs", "--vs compares two whole documents: leave --fields out"),
    ("fields", "svg", "--svg draws the whole report: leave --fields out"),
    ("fields", "html", "--html draws the whole report: leave --fields out"),
    ("fields", "plot", "--plot draws the whole run: leave --fields out"),
    ("vs", "export_format", "--export exports one run and --vs compares two: export each on its own"),
    ("batch", "export_format", "--export exports one run: give it on the command line, one run at a time"),
    (
        "tui",
        "export_format",
        "--export exports one run; the explorer changes it all the time: export from the command line",
    ),
]


@dataclass(frozen=True)
class OptionSpec:
    """One option as declared: its field's name, Python type and default, and its ``Option``."""

    name: str
    kind: Any
    default: Any
    option: Option
    #: Names a user types, e.g. ("--hidden", "-H"); empty for the words argument.
    flags: tuple[str, ...]

    @property
    def help(self) -> str:
        return self.option.help

    @property
    def scope(self) -> Scope:
        return self.option.scope

    @property
    def panel(self) -> str:
        return self.option.panel

    @property
    def gives_config(self) -> bool:
        """Whether the option gives a field of the run's Config."""
        return self.option.sets in CONFIG_FIELDS

    def setting(self, value: Any) -> tuple[str, Any]:
        """The setting the option gives, and its value there (``bias`` for --no-bias, not value)."""
        assert self.option.sets is not None, self.name
        return self.option.sets, value if self.option.reads is None else self.option.reads(value)


_T = TypeVar("_T")


def _per_class(build: Callable[[type[Options]], _T]) -> Callable[[type[Options]], _T]:
    """``build``, run once for each declaration (Options, or a class that declares more)."""
    built: dict[type[Options], _T] = {}

    def once(cls: type[Options]) -> _T:
        if cls not in built:
            built[cls] = build(cls)
        return built[cls]

    return functools.update_wrapper(once, build)


@_per_class
def _declared(cls: type[Options]) -> Mapping[str, OptionSpec]:
    hints = typing.get_type_hints(cls, include_extras=True)
    specs = {}
    for f in dataclasses.fields(cls):
        if typing.get_origin(hints[f.name]) is not Annotated:
            continue  # not an option (``said``)
        kind, *metadata = typing.get_args(hints[f.name])
        option = next(m for m in metadata if isinstance(m, Option))
        flags = () if option.argument else option.flags or ("--" + f.name.replace("_", "-"),)
        specs[f.name] = OptionSpec(f.name, kind, f.default, option, flags)
    return types.MappingProxyType(specs)


@_per_class
def _repeatable(cls: type[Options]) -> tuple[str, ...]:
    """The options that repeat (the words too), as ``value_type`` says: the parser gives them as tuples."""
    return tuple(name for name, spec in cls.declared().items() if value_type(spec.kind)[1])


@_per_class
def _names(cls: type[Options]) -> Mapping[str, str]:
    specs = cls.declared().values()
    names = {spec.option.sets: spec.flags[0] for spec in specs if spec.option.sets and spec.flags}
    names.update({spec.name: spec.flags[0] for spec in specs if spec.flags})
    return types.MappingProxyType(names)


@_per_class
def _option_giving(cls: type[Options]) -> Mapping[str, str]:
    """Each setting by the option that gives it (``bias``: ``no_bias``)."""
    return types.MappingProxyType({spec.option.sets: spec.name for spec in cls.declared().values() if spec.option.sets})


def _stages(fields: tuple[str, ...] | None, *, values: bool) -> Stages:
    from ..render.json_doc import stages_for

    return stages_for(fields, values=values)


def flag(name: str) -> str:
    """The long option a user types for an option (``max_memory`` -> ``--max-memory``)."""
    return Options.flag_for(name)


def cli_names() -> Mapping[str, str]:
    """Every setting the core names in a message, by the option a user types (read-only)."""
    return Options.names()


def typed(ctx: Any, name: str) -> bool:
    """Whether a command line (a click context's) gave the option itself, even at its default value."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def check_output_path(path: str, option: str) -> None:
    """Refuse, before anything runs, a file that cannot be written where it is asked for
    (``files.target`` decides how each target is written)."""
    from .files import target

    target(path, option)


#: A whole number as a person types it: ASCII digits, an optional sign, nothing else (no
#: Arabic-Indic digits, no underscores), and at most 20 digits (a seed takes up to 2**64 - 1).
_WHOLE = re.compile(r"[+-]?[0-9]{1,20}", re.ASCII)
#: Any whole number an option takes is at most this (the largest seed).
MAX_WHOLE = 2**64 - 1
#: A size or a count: a decimal number, an exponent, a unit ('512M', '1.5GiB', '1e-3').
_AMOUNT = re.compile(r"\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:E[+-]?[0-9]{1,4})?)\s*([KMGTP]?)(I?B)?\s*", re.ASCII)


def whole_number(text: str) -> int:
    """The one parse of a whole number typed on the command line: ValueError for anything else,
    before any arithmetic (so a 200-digit size never reaches a formula)."""
    stripped = text.strip()
    if not _WHOLE.fullmatch(stripped) or abs(int(stripped)) > MAX_WHOLE:
        raise ValueError(f"not a whole number from -(2**64 - 1) to 2**64 - 1: {quoted(text)}")
    return int(stripped)


def parse_size(text: str, *, option: str) -> int:
    """'512M', '2G', '1.5GiB' or a plain number of bytes; at least one byte."""
    return _amount(text, option, 1024, "a size like 512M or 4G", "byte")


def parse_count(text: str, *, option: str) -> int:
    """'500G', '2T', '1e12' or a plain number (decimal units: K is 1,000); at least 1."""
    return _amount(text, option, 1000, "a count like 500G or 2T (G is 10**9)", "")


def _amount(text: str, option: str, base: int, example: str, unit_name: str) -> int:
    found = _AMOUNT.fullmatch(text.upper()) if isinstance(text, str) else None
    if found is None or (base == 1000 and found.group(3)):
        raise BadInput(f"{option} takes {example} (got {quoted(text)})")
    value = float(found.group(1))
    if not value > 0 or value == float("inf"):
        raise BadInput(f"{option} must be a positive {'size' if unit_name else 'count'} (got {quoted(text)})")
    amount = int(value * base ** "_KMGTP".index(found.group(2) or "_"))
    if amount < 1:
        raise BadInput(f"{option} must be at least 1{' ' + unit_name if unit_name else ''} (got {quoted(text)})")
    return amount


def options_table(options: type[Options] = Options) -> str:
    """The manual's option table, as Markdown, from the declaration."""
    from ..render.reference_tables import table_code  # only the docs' tests ask for it

    rows = ["| option | meaning | default | also in |", "| --- | --- | --- | --- |"]
    for spec in options.declared().values():
        if not spec.flags:
            rows.append(f"| `WORDS...` | {spec.help} Put `--` before words that start with `-`. | | batch |")
            continue
        names = "/".join(spec.flags) + _value_name(spec)
        default = "" if spec.default is None or spec.default is False else f"`{spec.default}`"
        where = ", ".join(word for scope, word in ((Scope.BATCH, "batch"), (Scope.VS, "--vs")) if scope in spec.scope)
        meaning = spec.help.replace("|", "\\|")
        rows.append(f"| {table_code(names)} | {meaning} | {default} | {where} |")
    return "\n".join(rows) + "\n"


def value_type(kind: Any) -> tuple[Any, bool]:
    """What one value of an option is (its type without None), and whether it repeats (a list)."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if typing.get_origin(kind) is list:
        return typing.get_args(kind)[0], True
    return kind, False


def _value_name(spec: OptionSpec) -> str:
    """What follows the flag in the table: nothing for a flag, the choices, or a metavar."""
    if spec.option.metavar:
        return " " + spec.option.metavar
    kind, _ = value_type(spec.kind)
    if kind is bool:
        return ""
    if typing.get_origin(kind) is typing.Literal:
        return " " + "|".join(typing.get_args(kind))
    return {int: " N", float: " X"}.get(kind, " TEXT")
