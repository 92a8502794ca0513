"""How a run the machine could not carry out is said: what was asked, and how to ask for less."""

from __future__ import annotations

from .options import Options, flag

#: The options that decide how much a run allocates, in the order a message names them.
SIZES = (
    "hidden",
    "layers",
    "proj_size",
    "embed",
    "input_size",
    "batch_size",
    "seq_len",
    "lengths",
    "vocab_size",
    "module",
    "checkpoint",
    "input",
    "file",
)


def out_of_memory(options: Options, error: MemoryError) -> str:
    """One line for a run that passed its estimate but found less memory than --max-memory
    allowed: what torch asked for, the input that made it ask, and the two ways on."""
    asked = str(error) or "the machine could not give what the run asked for"
    given = options.given()
    named = [f"{flag(name)} {given[name]}" for name in SIZES if name in given]
    if options.words:
        named.append(f"{len(options.words):,} word{'s' if len(options.words) != 1 else ''}")
    what = ", ".join(named) or "this run"
    return (
        f"out of memory: {asked} for {what}, within --max-memory {options.max_memory} but more than this "
        "machine had free: lower --max-memory to what it has, or ask for less"
    )
