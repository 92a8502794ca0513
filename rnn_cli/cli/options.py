"""Every option, declared once: its type, default, help, and where it may be used.

The command line is built from this declaration (``app``), batch mode checks request keys
against it, ``--vs`` accepts what it marks for --vs, and the README's option table is
generated from it. The choices themselves are the core's Literal types.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..core.config import Cell, Config, Device, Dtype, InitialState, Nonlinearity, Padding, Tokenizer
from ..core.errors import BadInput
from ..core.tokens import DEFAULT_MAX_STEPS
from ..render.sections import FIRST_SCREEN, SECTIONS, Section, complete_sections, parse_sections

if TYPE_CHECKING:
    from ..core.explore import Plan, RandomInput


class Scope(Flag):
    """Where an option means something."""

    COMMAND = auto()  # on the command line
    BATCH = auto()  # as a key of a --batch request
    VS = auto()  # inside --vs, as what the second configuration changes


#: Settings of the run itself: meaningful everywhere.
RUN = Scope.COMMAND | Scope.BATCH | Scope.VS
#: What a run shows, not what it is: the command line and batch requests.
SHOWN = Scope.COMMAND | Scope.BATCH


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
        list[str] | None, typer.Argument(help="Words to encode (or on stdin).", show_default=False), SHOWN
    ] = None
    hidden: Annotated[int, typer.Option("--hidden", "-H", help="hidden_size."), RUN] = 2
    cell: Annotated[Cell, typer.Option(help="The recurrent layer."), RUN] = "rnn"
    layers: Annotated[int, typer.Option(help="num_layers."), RUN] = 1
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="Two directions."), RUN] = False
    nonlinearity: Annotated[
        Nonlinearity | None, typer.Option(help="RNN only (default tanh).", show_default=False), RUN
    ] = None
    no_bias: Annotated[bool, typer.Option("--no-bias", help="bias=False."), RUN] = False
    proj_size: Annotated[int, typer.Option(help="LSTM projection, 0 < N < hidden."), RUN] = 0
    seq_first: Annotated[
        bool, typer.Option("--seq-first", help="Feed (seq, batch, input) with batch_first=False."), RUN
    ] = False
    padding: Annotated[
        Padding,
        typer.Option(help="auto: one plain batch when every word has the same length, else packed."),
        RUN,
    ] = "auto"
    dtype: Annotated[Dtype, typer.Option(help="The module's and the batch's dtype."), RUN] = "float32"
    device: Annotated[Device, typer.Option(help="Where it runs (cuda without CUDA is exit 1)."), RUN] = "cpu"
    seed: Annotated[int, typer.Option(help="torch.manual_seed before the module is built."), RUN] = 0
    tokens: Annotated[
        Tokenizer, typer.Option(help="What a token is: what a reader sees (NFC), or raw code points."), RUN
    ] = "graphemes"
    vocab: Annotated[
        str | None,
        typer.Option(metavar="TOKENS", help="Explicit vocabulary order, e.g. 'helo'.", show_default=False),
        RUN,
    ] = None
    module: Annotated[
        str | None,
        typer.Option(
            metavar="CALL",
            help='Your constructor, e.g. "nn.LSTM(300, 512, num_layers=2, batch_first=True)": read, never run.',
            show_default=False,
        ),
        RUN,
    ] = None
    input_size: Annotated[
        int | None,
        typer.Option(help="input_size, for random features (else the input decides).", show_default=False),
        RUN,
    ] = None
    embed: Annotated[int, typer.Option(help="An nn.Embedding of this width in front: the input is token ids."), RUN] = 0
    h0: Annotated[
        InitialState | None,
        typer.Option("--h0", help="Pass h_0 (and c_0) explicitly: zeros or seeded random.", show_default=False),
        RUN,
    ] = None
    batch_size: Annotated[
        int | None, typer.Option(help="Sizes instead of words: N, with --seq-len.", show_default=False), RUN
    ] = None
    seq_len: Annotated[
        int | None, typer.Option(help="Sizes instead of words: L, with --batch-size.", show_default=False), RUN
    ] = None
    lengths: Annotated[
        str | None,
        typer.Option(
            metavar="L,L,...", help="Sizes instead of words, one length a row, e.g. 100,80,3.", show_default=False
        ),
        RUN,
    ] = None
    vocab_size: Annotated[
        int | None,
        typer.Option(
            help="With sizes: random token ids in [0, V), one-hot or embedded (else random features).",
            show_default=False,
        ),
        RUN,
    ] = None
    file: Annotated[
        str | None,
        typer.Option(
            "--file", "-f", metavar="PATH", help="Read words from a file ('-' for stdin).", show_default=False
        ),
        Scope.COMMAND,
    ] = None
    json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout."), Scope.COMMAND] = False
    no_values: Annotated[bool, typer.Option("--no-values", help="Shapes only: leave values out."), SHOWN] = False
    values_wanted: Annotated[
        bool, typer.Option("--values", help="Values too when running sizes instead of words (summarised)."), SHOWN
    ] = False
    max_rows: Annotated[int, typer.Option(help="Words shown in tables before summarising."), Scope.COMMAND] = 10
    max_steps: Annotated[int, typer.Option(help="Longest word accepted, in tokens."), RUN] = DEFAULT_MAX_STEPS
    max_memory: Annotated[
        str, typer.Option(metavar="SIZE", help="Refuse runs estimated above this size (e.g. 512M, 8G)."), RUN
    ] = "2G"
    show_all: Annotated[
        bool, typer.Option("--all", help="Every section of the report, not the first screen's."), Scope.COMMAND
    ] = False
    show: Annotated[
        str | None,
        typer.Option(
            metavar="SECTION,...",
            help=f"Only these sections of the report: {', '.join(SECTIONS)}.",
            autocompletion=complete_sections,
            show_default=False,
        ),
        Scope.COMMAND,
    ] = None
    no_pager: Annotated[
        bool,
        typer.Option("--no-pager", help="Never page a report taller than the terminal (else $PAGER, less -FRX)."),
        Scope.COMMAND,
    ] = False
    timed: Annotated[
        bool,
        typer.Option("--time", help="Time the forward pass (cost.forward_seconds); nothing is timed otherwise."),
        SHOWN,
    ] = False
    steps: Annotated[bool, typer.Option("--steps", help="Trace the equations step by step."), SHOWN] = False
    steps_words: Annotated[int, typer.Option(help="Words traced by --steps."), SHOWN] = 2
    svg: Annotated[
        str | None,
        typer.Option(metavar="FILE", help="Also write the report as SVG to this file.", show_default=False),
        Scope.COMMAND,
    ] = None
    html: Annotated[
        str | None,
        typer.Option(metavar="FILE", help="Also write the report as HTML to this file.", show_default=False),
        Scope.COMMAND,
    ] = None
    plot: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Also draw each word's hidden state over its steps, .svg or .png (needs rnn-shapes[plot]).",
            show_default=False,
        ),
        Scope.COMMAND,
    ] = None
    code: Annotated[
        bool, typer.Option("--code", help="Print a standalone torch script that reproduces the run."), Scope.COMMAND
    ] = False
    vs: Annotated[
        str | None,
        typer.Option(
            metavar="OPTIONS", help="Compare with a second configuration, e.g. --vs '--seq-first'.", show_default=False
        ),
        Scope.COMMAND,
    ] = None
    batch: Annotated[
        bool,
        typer.Option("--batch", help="Read NDJSON requests on stdin; one JSON line out per line in."),
        Scope.COMMAND,
    ] = False
    traceback: Annotated[
        bool,
        typer.Option(
            "--traceback",
            envvar="RNN_SHAPES_TRACEBACK",
            help="Show the whole traceback of an internal error (a bug), not one line.",
        ),
        Scope.COMMAND,
    ] = False
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
        Scope.COMMAND,
    ] = False
    json_schema: Annotated[
        bool,
        typer.Option("--json-schema", callback=_schema, is_eager=True, help="Print the JSON Schema of --json output."),
        Scope.COMMAND,
    ] = False

    # -- what the declaration says about each option ----------------------------------------

    @staticmethod
    def declared() -> dict[str, OptionSpec]:
        return _SPECS

    def given(self) -> dict[str, Any]:
        """The options whose value differs from the default."""
        return {name: value for name, value in self.values().items() if value != _SPECS[name].default}

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

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
            "initial_state": self.h0 or "default",
        }
        if self.module is not None:
            from .module_text import parse_module

            given = self.given()
            for key, value in parse_module(self.module).items():
                option = CONFIG_FIELDS.get(key, key)
                if option in given and settings[key] != value:
                    raise BadInput(f"{flag(option)} contradicts --module's {key}={value!r}: say it once, in one place")
                settings[key] = value
        return Config(**settings)

    def random_input(self) -> RandomInput | None:
        """Sizes instead of words, when asked for: --batch-size and --seq-len, or --lengths."""
        from ..core.explore import RandomInput

        sizes = (self.batch_size, self.seq_len)
        if self.lengths is not None:
            if any(size is not None for size in sizes):
                raise BadInput("give --lengths, or --batch-size and --seq-len, not both")
            try:
                lengths = tuple(int(part) for part in self.lengths.replace(" ", "").split(","))
            except ValueError:
                raise BadInput(
                    f"--lengths takes whole numbers separated by commas, e.g. 100,80,3 (got {self.lengths!r})"
                ) from None
            return RandomInput(lengths, self.vocab_size)
        if all(size is None for size in sizes):
            if self.vocab_size is not None:
                raise BadInput("--vocab-size goes with sizes: --batch-size and --seq-len, or --lengths")
            return None
        if self.batch_size is None or self.seq_len is None:
            raise BadInput("sizes need both --batch-size and --seq-len (or --lengths)")
        if self.batch_size < 1 or self.seq_len < 1:
            raise BadInput(f"--batch-size and --seq-len must be at least 1 (got {self.batch_size} and {self.seq_len})")
        return RandomInput((self.seq_len,) * self.batch_size, self.vocab_size)

    def shows_values(self) -> bool:
        """Values are shown for words unless --no-values; for sizes only with --values."""
        return self.values_wanted or (not self.no_values and self.random_input() is None)

    def plan(self, words: list[str]) -> Plan:
        """Everything checked that needs no torch, every setting named as the command line names it."""
        from ..core.explore import prepare

        return prepare(
            words,
            self.config(),
            vocab=self.vocab,
            trace_words=self.traced_words(),
            max_steps=self.max_steps,
            max_memory=self.memory_limit(),
            values=self.json_out and self.shows_values(),
            tokenizer=self.tokens,
            names=cli_names(),
            random=self.random_input(),
            timed=self.timed,
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
        values, traced = self.json_out and self.shows_values(), self.traced_words()

        def budget(words: int, longest: int, tokens: int, distinct: int) -> None:
            width = config.embed or distinct
            estimate = estimate_from(config, words, longest, tokens, width, values=values, trace_words=traced)
            check_memory(estimate, limit, names, so_far=True)

        return budget

    def traced_words(self) -> int:
        return self.steps_words if self.steps else 0

    def memory_limit(self) -> int:
        return parse_size(self.max_memory, option=flag("max_memory"))

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
}


def flag(name: str) -> str:
    """The long option a user types for an option (``max_memory`` -> ``--max-memory``)."""
    return _SPECS[name].flags[0]


def cli_names() -> dict[str, str]:
    """Every setting the core names in a message, by the option a user types."""
    names = {key: flag(option) for key, option in CONFIG_FIELDS.items()}
    names.update({name: flag(name) for name, spec in _SPECS.items() if spec.flags})
    return names


def check_output_path(path: str, option: str) -> None:
    """Refuse, before anything runs, a file that cannot be written where it is asked for."""
    if not path:
        raise BadInput(f"{option} needs a file name")
    if os.path.isdir(path):
        raise BadInput(f"{option} {path!r} is a directory")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise BadInput(f"{option} {path!r}: there is no directory {folder!r}")
    if not os.access(folder, os.W_OK):
        raise BadInput(f"{option} {path!r}: the directory {folder!r} is not writable")


def parse_size(text: str, *, option: str) -> int:
    """'512M', '2G', '1.5GiB' or a plain number of bytes; at least one byte."""
    units = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    s = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = s[-1] if s and s[-1] in units else ""
    try:
        value = float(s[: len(s) - len(unit)])
    except ValueError:
        raise BadInput(f"{option} takes a size like 512M or 4G (got {text!r})") from None
    if not value > 0 or value == float("inf"):
        raise BadInput(f"{option} must be a positive size (got {text!r})")
    size = int(value * units[unit])
    if size < 1:
        raise BadInput(f"{option} must be at least 1 byte (got {text!r})")
    return size


def options_table() -> str:
    """The README's option table, as Markdown, from the declaration."""
    rows = ["| option | meaning | default | also in |", "| --- | --- | --- | --- |"]
    for spec in _SPECS.values():
        if not spec.flags:
            rows.append(f"| `WORDS...` | {spec.help} Put `--` before words that start with `-`. | | batch |")
            continue
        names = "/".join(spec.flags) + _value_name(spec)
        default = "" if spec.default is None or spec.default is False else f"`{spec.default}`"
        where = ", ".join(word for scope, word in ((Scope.BATCH, "batch"), (Scope.VS, "--vs")) if scope in spec.scope)
        meaning = spec.help.replace("|", "\\|")
        rows.append(f"| `{names}` | {meaning} | {default} | {where} |")
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
        return " " + "\\|".join(typing.get_args(kind))
    return " N" if kind is int else " TEXT"
