"""What the caller brought, for a person: where the weights and tensors came from (under the
header), and their own expressions (``--expr``) with the idioms' checks."""

from __future__ import annotations

from typing import cast

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ..core.result import Result
from .blocks import DEFAULT_WIDTH, code_text, shape_text
from .idiom_notes import note
from .mistakes import _verdicts
from .visible import visible


def given_lines(result: Result) -> list[str]:
    """One line each: the checkpoint's layer, the caller's tensor files, the --set names."""
    given = result.given
    if given is None:
        return []
    lines = []
    if given.names:
        names = ", ".join(f"{name}={value!r}" for name, value in given.names.items())
        lines.append(f"--set {names}")
    checkpoint = given.checkpoint
    if checkpoint is not None:
        under = f" under key {checkpoint.key!r}" if checkpoint.key is not None else ""
        layer = repr(checkpoint.layer) if checkpoint.layer else "the whole state dict"
        others = len(checkpoint.layers) - 1
        more = f" ({others} other recurrent layer{'s' if others > 1 else ''} in it)" if others else ""
        lines.append(f"weights: {checkpoint.file}{under}, layer {layer}{more}")
        lines += [f"  {note}" for note in checkpoint.notes]
    for origin in given.tensors:
        where = origin.file if origin.file is not None else "from Python"
        lines.append(f"{origin.name}: yours, {where}, {origin.dtype} {shape_text(origin.shape)} as given")
    return [visible(line) for line in lines]


def expressions_section(result: Result, max_rows: int, width: int = DEFAULT_WIDTH) -> Group | None:
    """Each --expr on a line of its own, with its shape, per word whether it is the final state
    of the last layer, and what it holds instead."""
    mine = [idiom for idiom in result.idioms if idiom.user]
    if not mine:
        return None
    parts: list[RenderableType] = [
        Text(),
        Text("Your expressions, run on these tensors", style="bold"),
        Text(
            "final state: per word, ✓ where the value is that word's final state of the last layer "
            "(both directions when bidirectional)",
            style="dim",
        ),
    ]
    for idiom in mine:
        parts.append(Text())
        parts.append(code_text(visible(idiom.expression), width))
        facts = Text("returns " if idiom.returns and not idiom.error else "shape ", style="dim")
        if idiom.error:
            facts.append("— refused", style="red")
        elif idiom.returns:  # a tuple of tensors: each one's shape
            facts.append(", ".join(f"{name} {shape_text(shape)}" for name, shape in idiom.returns))
        elif idiom.shape is None:
            facts.append("not a tensor")
        else:
            facts.append("scalar" if idiom.shape == () else shape_text(idiom.shape))
        if idiom.final_state is not None:
            facts.append("   final state ", style="dim")
            facts.append_text(_verdicts(idiom.final_state, max_rows))
        lines = [facts]
        if idiom.error:
            said = "torch: " if idiom.kind == "user_error" else "not run: "
            lines.append(Text.assemble((said, "bold red"), (visible(idiom.error), "red")))
        named = cast("tuple[tuple[str, str, object], ...]", idiom.facts.get("run_names") or ())
        if named:
            said = ", ".join(
                f"{name} = {value}" + (f" (the run's {setting})" if setting != name else "")
                for name, setting, value in named
            )
            lines.append(Text(f"from the run: {said}; --set gives another value", style="dim"))
        sentence = note(idiom)
        lines.append(
            Text(visible(sentence if idiom.value is None or idiom.shape != () else f"{idiom.value:.6g}: {sentence}"))
        )
        parts.append(Padding(Group(*lines), (0, 0, 0, 2)))
    return Group(*parts)
