"""Every option, declared once: its type, default, help, its --help panel, and where it may be used.

The command line is built from this declaration (``app``; ``--help`` groups the options by
their ``rich_help_panel``), batch mode checks request keys against it, ``--vs`` accepts what it
marks for --vs, and the manual's option table is generated from it. The choices themselves are
the core's Literal types.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..core.config import MAX_SIZE, Cell, Config, Device, Dtype, Nonlinearity, Padding, Tokenizer
from ..core.errors import BadInput, quoted
from ..core.tokens import DEFAULT_MAX_STEPS
from ..render.sections import FIRST_SCREEN, SECTIONS, Section, complete_sections, parse_sections

if TYPE_CHECKING:
    from ..core.budget import Drawn
    from ..core.checkpoint import Checkpoint, FoundLayer
    from ..core.explore import Plan, RandomInput
    from ..core.given import Given


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
    """The groups ``--help`` shows the options in: each option's typer ``rich_help_panel``."""

    INPUT = "Words and input"
    LAYER = "The layer"
    MODEL = "Your model"
    OUTPUT = "Output"
    SCRIPTS = "Scripts"


#: What --h0 takes besides a file: torch's default (not passed), zeros, seeded random.
H0_CHOICES = ("default", "zeros", "random")

#: The panels in the order ``--help`` shows them.
PANELS = (Panel.INPUT, Panel.LAYER, Panel.MODEL, Panel.OUTPUT, Panel.SCRIPTS)


def _version(value: bool) -> bool:
    if value:
        from .. import __version__
        from .streams import write_stdout

        write_stdout(f"rnn-shapes {__version__}\n")
        raise typer.Exit()
    return value  # click keeps what a callback returns as the option's value


def _schema(value: bool) -> bool:
    if value:
        from ..render.schema import schema_text
        from .streams import write_stdout

        write_stdout(schema_text() + "\n")
        raise typer.Exit()
    return value


@dataclass(frozen=True)
class Options:
    """The options of one request, as the command line names them."""

    words: Annotated[
        list[str] | None,
        typer.Argument(help="Words to encode (or on stdin).", show_default=False, rich_help_panel=Panel.INPUT),
        SHOWN,
    ] = None
    hidden: Annotated[int, typer.Option("--hidden", "-H", help="hidden_size.", rich_help_panel=Panel.LAYER), RUN] = 2
    cell: Annotated[Cell, typer.Option(help="The recurrent layer.", rich_help_panel=Panel.LAYER), RUN] = "rnn"
    layers: Annotated[int, typer.Option(help="num_layers.", rich_help_panel=Panel.LAYER), RUN] = 1
    bidirectional: Annotated[
        bool, typer.Option("--bidirectional", help="Two directions.", rich_help_panel=Panel.LAYER), RUN
    ] = False
    nonlinearity: Annotated[
        Nonlinearity | None,
        typer.Option(help="RNN only (default tanh).", show_default=False, rich_help_panel=Panel.LAYER),
        RUN,
    ] = None
    no_bias: Annotated[bool, typer.Option("--no-bias", help="bias=False.", rich_help_panel=Panel.LAYER), RUN] = False
    proj_size: Annotated[
        int, typer.Option(help="LSTM projection, 0 < N < hidden.", rich_help_panel=Panel.LAYER), RUN
    ] = 0
    seq_first: Annotated[
        bool,
        typer.Option(
            "--seq-first", help="Feed (seq, batch, input) with batch_first=False.", rich_help_panel=Panel.LAYER
        ),
        RUN,
    ] = False
    padding: Annotated[
        Padding,
        typer.Option(
            help="auto: one plain batch when every word has the same length, else packed.", rich_help_panel=Panel.LAYER
        ),
        RUN,
    ] = "auto"
    dtype: Annotated[
        Dtype, typer.Option(help="The module's and the batch's dtype.", rich_help_panel=Panel.LAYER), RUN
    ] = "float32"
    device: Annotated[
        Device, typer.Option(help="Where it runs (cuda without CUDA is exit 1).", rich_help_panel=Panel.LAYER), RUN
    ] = "cpu"
    seed: Annotated[
        int, typer.Option(help="torch.manual_seed before the module is built.", rich_help_panel=Panel.LAYER), RUN
    ] = 0
    tokens: Annotated[
        Tokenizer,
        typer.Option(
            help="What a token is: what a reader sees (NFC), or raw code points.", rich_help_panel=Panel.INPUT
        ),
        RUN,
    ] = "graphemes"
    vocab: Annotated[
        str | None,
        typer.Option(
            metavar="TOKENS",
            help="Explicit vocabulary order, e.g. 'helo'.",
            show_default=False,
            rich_help_panel=Panel.INPUT,
        ),
        RUN,
    ] = None
    module: Annotated[
        str | None,
        typer.Option(
            metavar="CALL",
            help='Your constructor, e.g. "nn.LSTM(300, 512, num_layers=2, batch_first=True)": read, never run.',
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    set_names: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=VALUE",
            help="Bind a name --module or --expr uses, e.g. --set emb_dim=256 (repeatable; a literal, never run).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    checkpoint: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Run a recurrent layer of your state dict (torch.save, weights_only; or .safetensors).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    layer: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Which recurrent layer of --checkpoint, e.g. encoder.rnn (one found: that one).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    input_size: Annotated[
        int | None,
        typer.Option(
            help="input_size, for random features (else the input decides).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    embed: Annotated[
        int,
        typer.Option(
            help="An nn.Embedding of this width in front: the input is token ids.", rich_help_panel=Panel.MODEL
        ),
        RUN,
    ] = 0
    h0: Annotated[
        str | None,
        typer.Option(
            "--h0",
            metavar="zeros|random|FILE",
            help="Pass h_0 (and c_0) explicitly: zeros, seeded random, or yours (.pt or .npy, as given).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
            autocompletion=lambda incomplete: [c for c in H0_CHOICES if c.startswith(incomplete)],
        ),
        RUN,
    ] = None
    c0: Annotated[
        str | None,
        typer.Option(
            "--c0",
            metavar="FILE",
            help="Your c_0 beside --h0 FILE, for an LSTM (.pt or .npy).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    input: Annotated[
        str | None,
        typer.Option(
            "--input",
            metavar="FILE",
            help="Your batch (.pt or .npy), read in the module's layout; --lengths marks real steps.",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Sizes instead of words: N, with --seq-len.", show_default=False, rich_help_panel=Panel.MODEL
        ),
        RUN,
    ] = None
    seq_len: Annotated[
        int | None,
        typer.Option(
            help="Sizes instead of words: L, with --batch-size.", show_default=False, rich_help_panel=Panel.MODEL
        ),
        RUN,
    ] = None
    lengths: Annotated[
        str | None,
        typer.Option(
            metavar="L,L,...",
            help="Sizes instead of words, one length a row, e.g. 100,80,3 (with --input: its rows' real steps).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    vocab_size: Annotated[
        int | None,
        typer.Option(
            help="With sizes: random token ids in [0, V), one-hot or embedded (else random features).",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        RUN,
    ] = None
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            metavar="PATH",
            help="Read words from a file ('-' for stdin).",
            show_default=False,
            rich_help_panel=Panel.INPUT,
        ),
        Scope.COMMAND,
    ] = None
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout.", rich_help_panel=Panel.SCRIPTS), Scope.COMMAND
    ] = False
    no_values: Annotated[
        bool, typer.Option("--no-values", help="Shapes only: leave values out.", rich_help_panel=Panel.OUTPUT), SHOWN
    ] = False
    values_wanted: Annotated[
        bool,
        typer.Option(
            "--values", help="Values too when running sizes instead of words (summarised).", rich_help_panel=Panel.MODEL
        ),
        SHOWN,
    ] = False
    max_rows: Annotated[
        int, typer.Option(help="Words shown in tables before summarising.", rich_help_panel=Panel.OUTPUT), Scope.COMMAND
    ] = 10
    max_steps: Annotated[
        int, typer.Option(help="Longest word accepted, in tokens.", rich_help_panel=Panel.INPUT), RUN
    ] = DEFAULT_MAX_STEPS
    max_memory: Annotated[
        str,
        typer.Option(
            metavar="SIZE", help="Refuse runs estimated above this size (e.g. 512M, 8G).", rich_help_panel=Panel.INPUT
        ),
        RUN,
    ] = "2G"
    max_work: Annotated[
        str,
        typer.Option(
            metavar="N",
            help="Refuse runs estimated above this many multiply-adds (e.g. 500G, 2T).",
            rich_help_panel=Panel.INPUT,
        ),
        RUN,
    ] = "100G"
    show_all: Annotated[
        bool,
        typer.Option(
            "--all", help="Every section of the report, not the first screen's.", rich_help_panel=Panel.OUTPUT
        ),
        Scope.COMMAND,
    ] = False
    show: Annotated[
        str | None,
        typer.Option(
            metavar="SECTION,...",
            help=f"Only these sections of the report: {', '.join(SECTIONS)}.",
            autocompletion=complete_sections,
            show_default=False,
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = None
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Never page a report taller than the terminal (else $PAGER, less -FRX).",
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = False
    timed: Annotated[
        bool,
        typer.Option(
            "--time",
            help="Time the forward pass (cost.forward_seconds); nothing is timed otherwise.",
            rich_help_panel=Panel.OUTPUT,
        ),
        SHOWN,
    ] = False
    steps: Annotated[
        bool, typer.Option("--steps", help="Trace the equations step by step.", rich_help_panel=Panel.OUTPUT), SHOWN
    ] = False
    steps_words: Annotated[int, typer.Option(help="Words traced by --steps.", rich_help_panel=Panel.OUTPUT), SHOWN] = 2
    expr: Annotated[
        list[str] | None,
        typer.Option(
            "--expr",
            metavar="EXPR",
            help='Your next line, e.g. "torch.cat([h_n[-1], h_n[-2]], dim=1)": checked like the idioms (repeatable).',
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        SHOWN,
    ] = None
    svg: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Also write the report as SVG to this file.",
            show_default=False,
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = None
    html: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Also write the report as HTML to this file.",
            show_default=False,
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = None
    plot: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Also draw each word's hidden state over its steps, .svg or .png (needs rnn-shapes[plot]).",
            show_default=False,
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = None
    code: Annotated[
        bool,
        typer.Option(
            "--code", help="Print a standalone torch script that reproduces the run.", rich_help_panel=Panel.OUTPUT
        ),
        Scope.COMMAND,
    ] = False
    diagnose: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT",
            help="Explain torch's error or warning in TEXT ('-': stdin; a whole traceback works) and reproduce it.",
            show_default=False,
            rich_help_panel=Panel.MODEL,
        ),
        Scope.COMMAND,
    ] = None
    vs: Annotated[
        str | None,
        typer.Option(
            metavar="OPTIONS",
            help="Compare with a second configuration, e.g. --vs '--seq-first'.",
            show_default=False,
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = None
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Read NDJSON requests on stdin; one JSON line out per line in.",
            rich_help_panel=Panel.SCRIPTS,
        ),
        Scope.COMMAND,
    ] = False
    tui: Annotated[
        bool,
        typer.Option(
            "--tui",
            help="A full-screen explorer: change a knob, watch every shape and value move (needs rnn-shapes[tui]).",
            rich_help_panel=Panel.OUTPUT,
        ),
        Scope.COMMAND,
    ] = False
    traceback: Annotated[
        bool,
        typer.Option(
            "--traceback",
            envvar="RNN_SHAPES_TRACEBACK",
            help="Show the whole traceback of an internal error (a bug), not one line.",
            rich_help_panel=Panel.SCRIPTS,
        ),
        Scope.COMMAND,
    ] = False
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version.", rich_help_panel=Panel.SCRIPTS
        ),
        Scope.COMMAND,
    ] = False
    json_schema: Annotated[
        bool,
        typer.Option(
            "--json-schema",
            callback=_schema,
            is_eager=True,
            help="Print the JSON Schema of --json output.",
            rich_help_panel=Panel.SCRIPTS,
        ),
        Scope.COMMAND,
    ] = False
    #: The options said on the command line or in a batch request, even at their defaults
    #: (not an option: no declaration).
    said: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    # -- what the declaration says about each option ----------------------------------------

    def __post_init__(self) -> None:
        # typer gives a repeatable option that was not given as (): the same as not given
        for name in ("set_names", "expr"):
            if getattr(self, name) == ():
                object.__setattr__(self, name, None)

    @staticmethod
    def declared() -> dict[str, OptionSpec]:
        return _SPECS

    def given(self) -> dict[str, Any]:
        """The options whose value differs from the default."""
        return {name: value for name, value in self.values().items() if value != _SPECS[name].default}

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _SPECS}

    def stated(self) -> set[str]:
        """The options said (on the command line, in a request) or set away from their default."""
        return set(self.said) | set(self.given())

    # -- the core's view of the options ------------------------------------------------------

    def config(self) -> Config:
        """The run's settings (unvalidated: ``prepare`` validates them with CLI names).

        --module sets what its constructor says; an option given as well must agree with it.
        """
        settings: dict[str, Any] = {
            "hidden_size": self.hidden,
            "cell": self.cell,
            "num_layers": self.layers,
            "bidirectional": self.bidirectional,
            "nonlinearity": self.nonlinearity,
            "bias": not self.no_bias,
            "proj_size": self.proj_size,
            "batch_first": not self.seq_first,
            "padding": self.padding,
            "dtype": self.dtype,
            "device": self.device,
            "seed": self.seed,
            "input_size": self.input_size,
            "embed": self.embed,
            "initial_state": "given" if self.own_state_file() else self.h0 or "default",
        }
        from_module: dict[str, Any] = {}
        if self.module is not None:
            from .module_text import parse_module

            try:
                self.module.encode("utf-8")
            except UnicodeEncodeError as error:  # bytes that were not UTF-8, or a lone surrogate in JSON
                raise BadInput(f"--module is not valid UTF-8 (at character {error.start + 1})") from None
            stated = self.stated()  # at its default too: --hidden 2 --module "nn.LSTM(2, 8)" contradicts
            from_module = parse_module(self.module, self.bindings())
            for key, value in from_module.items():
                option = CONFIG_FIELDS.get(key, key)
                if option in stated and settings[key] != value:
                    raise BadInput(f"{flag(option)} contradicts --module's {key}={value!r}: say it once, in one place")
                settings[key] = value
        if self.checkpoint is not None:  # what the weights say, which the options and --module must fit
            layer = self.checkpoint_layer()[1]
            stated = self.stated()
            for key, value in layer.settings().items():
                option = CONFIG_FIELDS.get(key, key)
                if key in from_module and from_module[key] != value:
                    raise BadInput(
                        f"--module's {key}={from_module[key]!r} does not fit the weights of --checkpoint's "
                        f"{layer.entry()}"
                    )
                if option in stated and key not in from_module and settings[key] != value:
                    raise BadInput(f"{flag(option)} contradicts --checkpoint's {layer.shown}: {key}={value!r}")
                settings[key] = value
            if "dtype" not in stated and "dtype" not in from_module:  # the weights' own dtype, unless asked
                settings["dtype"] = layer.dtype
        return Config(**settings)

    def bindings(self) -> dict[str, Any]:
        """--set's names and their values (literals, read with ast, never run)."""
        from .module_text import parse_bindings

        return parse_bindings(self.set_names)

    def checkpoint_layer(self) -> tuple[Checkpoint, FoundLayer]:
        """--checkpoint read (weights only, never code) and the layer --layer picks."""
        from ..core.checkpoint import choose_layer, read_checkpoint

        assert self.checkpoint is not None
        checkpoint = read_checkpoint(self.checkpoint, max_bytes=self.memory_limit(), option=flag("checkpoint"))
        return checkpoint, choose_layer(checkpoint, self.layer, option=flag("layer"))

    def given_things(self, config: Config) -> tuple[Given | None, Any]:
        """What the caller brought, loaded (never run): their tensors, the checkpoint's layer as a
        module with its trained weights, and the facts the report, JSON and --code tell."""
        from ..core.errors import SettingNames
        from ..core.result import CheckpointFacts

        names = self.bindings()
        module = None
        checkpoint_facts = None
        if self.checkpoint is not None:
            from ..core.checkpoint import layer_module, notes

            checkpoint, layer = self.checkpoint_layer()
            module = layer_module(checkpoint, layer, config)
            checkpoint_facts = CheckpointFacts(
                file=checkpoint.path,
                format=checkpoint.format,
                key=layer.key,
                layer=layer.name,
                prefix=layer.prefix,
                layers=[(found.shown, found.call()) for found in checkpoint.layers],
                notes=notes(layer, config),
            )
        files = {"input": self.input, "h_0": self.own_state_file(), "c_0": self.c0}
        given = None
        if any(files.values()):
            from ..core.given import given_tensors, load_tensor

            limit = self.memory_limit()
            loaded = {
                label: None if path is None else load_tensor(path, flag(option), max_bytes=limit)
                for (label, path), option in zip(files.items(), ("input", "h0", "c0"), strict=True)
            }
            state = loaded["h_0"] if loaded["c_0"] is None else (loaded["h_0"], loaded["c_0"])
            given = given_tensors(
                loaded["input"],
                state,
                lengths=self.own_lengths(),
                files=files,
                names=SettingNames(cli_names()),
            )
        if names or self.module is not None or checkpoint_facts is not None:
            from ..core.given import Given

            given = given or Given()
            given.facts.module_text = self.module
            given.facts.names = dict(names)
            given.facts.checkpoint = checkpoint_facts
        return given, module

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
        from ..core.explore import prepare

        config = self.config()
        given, module = self.given_things(config.validated(cli_names()))
        return prepare(
            words,
            config,
            module=module,
            given=given,
            expressions=self.expr or (),
            vocab=self.vocab,
            trace_words=self.traced_words(),
            max_steps=self.max_steps,
            max_memory=self.memory_limit(),
            values=self.json_out and self.shows_values(),
            tokenizer=self.tokens,
            names=cli_names(),
            random=self.random_input(),
            timed=self.timed,
            max_work=self.work_limit(),
            drawn=self.drawn(),
        )

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

        config, limit, names = self.config().validated(cli_names()), self.memory_limit(), cli_names()
        values, traced, drawn = self.json_out and self.shows_values(), self.traced_words(), self.drawn()

        def budget(words: int, longest: int, tokens: int, distinct: int) -> None:
            width = config.embed or distinct
            estimate = estimate_from(
                config, words, longest, tokens, width, values=values, trace_words=min(traced, words), drawn=drawn
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
        files = [(name, getattr(self, name)) for name in ("svg", "html", "plot") if getattr(self, name)]
        for k, (name, path) in enumerate(files):
            for other, other_path in files[k + 1 :]:
                if os.path.realpath(path) == os.path.realpath(other_path):
                    raise BadInput(f"{flag(name)} and {flag(other)} name the same file {path!r}: give each its own")
        self.sections()
        if self.max_steps < 1:
            raise BadInput(f"--max-steps must be at least 1 (got {self.max_steps})")
        self.memory_limit()
        self.work_limit()
        self.check_yours()
        if self.file == "":
            raise BadInput("--file needs a path ('-' for stdin)")
        for name in ("svg", "html", "plot"):
            path = getattr(self, name)
            if path is not None:
                check_output_path(path, flag(name))
        if self.plot is not None:
            if os.path.splitext(self.plot)[1].lower() not in (".svg", ".png"):
                raise BadInput(f"--plot draws .svg or .png files, not {self.plot!r}")
            from ..render.plot import require_matplotlib

            require_matplotlib()

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
]


@dataclass(frozen=True)
class OptionSpec:
    """One option as declared: its field name, Python type, default, typer info and scope."""

    name: str
    kind: Any
    default: Any
    info: typer.models.ParameterInfo
    scope: Scope
    #: Names a user types, e.g. ("--hidden", "-H"); empty for the words argument.
    flags: tuple[str, ...] = field(default=())

    @property
    def help(self) -> str:
        return self.info.help or ""


def _specs() -> dict[str, OptionSpec]:
    hints = typing.get_type_hints(Options, include_extras=True)
    specs = {}
    for f in dataclasses.fields(Options):
        if typing.get_origin(hints[f.name]) is not Annotated:
            continue  # not an option (``said``)
        kind, *metadata = typing.get_args(hints[f.name])
        info = next(m for m in metadata if isinstance(m, typer.models.ParameterInfo))
        scope = next(m for m in metadata if isinstance(m, Scope))
        flags: tuple[str, ...] = ()
        if isinstance(info, typer.models.OptionInfo):
            declared = [info.default] if isinstance(info.default, str) else []
            flags = tuple(declared + list(info.param_decls or ())) or ("--" + f.name.replace("_", "-"),)
        specs[f.name] = OptionSpec(f.name, kind, f.default, info, scope, flags)
    return specs


_SPECS = _specs()

#: Config fields and explore() keywords by the option that sets them, for messages.
CONFIG_FIELDS = {
    "hidden_size": "hidden",
    "num_layers": "layers",
    "bias": "no_bias",
    "batch_first": "seq_first",
    "tokenizer": "tokens",
    "initial_state": "h0",
    "expressions": "expr",
}


def flag(name: str) -> str:
    """The long option a user types for an option (``max_memory`` -> ``--max-memory``)."""
    return _SPECS[name].flags[0]


def cli_names() -> Mapping[str, str]:
    """Every setting the core names in a message, by the option a user types (read-only)."""
    return _CLI_NAMES


def _cli_names() -> Mapping[str, str]:
    names = {key: flag(option) for key, option in CONFIG_FIELDS.items()}
    names.update({name: flag(name) for name, spec in _SPECS.items() if spec.flags})
    return types.MappingProxyType(names)


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


def options_table() -> str:
    """The manual's option table, as Markdown, from the declaration."""
    from ..render.reference_tables import table_code  # only the docs' tests ask for it

    rows = ["| option | meaning | default | also in |", "| --- | --- | --- | --- |"]
    for spec in _SPECS.values():
        if not spec.flags:
            rows.append(f"| `WORDS...` | {spec.help} Put `--` before words that start with `-`. | | batch |")
            continue
        names = "/".join(spec.flags) + _value_name(spec)
        default = "" if spec.default is None or spec.default is False else f"`{spec.default}`"
        where = ", ".join(word for scope, word in ((Scope.BATCH, "batch"), (Scope.VS, "--vs")) if scope in spec.scope)
        meaning = spec.help.replace("|", "\\|")
        rows.append(f"| {table_code(names)} | {meaning} | {default} | {where} |")
    return "\n".join(rows) + "\n"


def _value_name(spec: OptionSpec) -> str:
    """What follows the flag in the table: nothing for a flag, the choices, or a metavar."""
    if spec.info.metavar:
        return " " + spec.info.metavar
    kind = spec.kind
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind is bool:
        return ""
    if typing.get_origin(kind) is typing.Literal:
        return " " + "|".join(typing.get_args(kind))
    return " N" if kind is int else " TEXT"


#: Built once from the declaration: batch mode asks for it on every request.
_CLI_NAMES = _cli_names()
