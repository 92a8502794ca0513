"""The parsed options of one request, shared by the command line and batch mode."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .errors import BadInput
from .memory import parse_size


@dataclass
class Params:
    """Option values as the command line names them."""

    words: list[str] = field(default_factory=list)
    hidden: int = 2
    cell: str = "rnn"
    layers: int = 1
    bidirectional: bool = False
    nonlinearity: str | None = None
    no_bias: bool = False
    proj_size: int = 0
    seq_first: bool = False
    padding: str = "packed"
    dtype: str = "float32"
    device: str = "cpu"
    seed: int = 0
    vocab: str | None = None
    file: str | None = None
    json_out: bool = False
    no_values: bool = False
    max_rows: int = 10
    max_steps: int = 10_000
    max_memory: str = "2G"
    steps: bool = False
    steps_words: int = 2
    svg: str | None = None
    html: str | None = None
    code: bool = False
    vs: str | None = None
    tokens: str = "graphemes"

    def config(self) -> Config:
        return Config(
            hidden_size=self.hidden,
            cell=self.cell,
            num_layers=self.layers,
            bidirectional=self.bidirectional,
            nonlinearity=self.nonlinearity,
            bias=not self.no_bias,
            proj_size=self.proj_size,
            batch_first=not self.seq_first,
            padding=self.padding,
            dtype=self.dtype,
            device=self.device,
            seed=self.seed,
        ).validated()

    def traced_words(self, count: int) -> int:
        return min(self.steps_words, count) if self.steps else 0

    def memory_limit(self) -> int:
        return parse_size(self.max_memory)

    def check(self) -> None:
        if self.max_rows < 2:
            raise BadInput(f"--max-rows must be at least 2 (got {self.max_rows})")
        if self.steps_words < 1:
            raise BadInput(f"--steps-words must be at least 1 (got {self.steps_words})")
        if self.json_out and self.code:
            raise BadInput("--json and --code both want stdout: choose one")
        if self.max_steps < 1:
            raise BadInput(f"--max-steps must be at least 1 (got {self.max_steps})")
