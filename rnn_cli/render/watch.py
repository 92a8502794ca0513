"""A watched forward for people and for programs: the recurrent calls and the lines of the forward
that use their outputs, as rich tables (the CLI's report, Jupyter's HTML) and as a JSON document."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..core.watch import Finding, Watch, WatchedCall
from .document_types import SCHEMA_VERSION, WatchCallDoc, WatchDocument, WatchFindingDoc
from .json_doc import finite_or_none
from .watch_notes import fix, note

if TYPE_CHECKING:
    from rich.console import Group, RenderableType


def watch_document(w: Watch) -> WatchDocument:
    """Every call and every finding, stable keys, one order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "calls": [_call_doc(c) for c in w.calls],
        "findings": [_finding_doc(f) for f in w.findings],
    }


def _call_doc(c: WatchedCall) -> WatchCallDoc:
    v = c.verification
    return {
        "name": c.name,
        "kind": c.kind,
        "count": c.count,
        "call": c.call,
        "batch_first": c.batch_first,
        "packed": c.packed,
        "lengths": c.lengths,
        "zero_tails": c.zero_tails,
        "tensors": {t.name: {"shape": list(t.shape), "axes": list(t.axes)} for t in c.tensors},
        "verification": None
        if v is None
        else {"ok": v.ok, "max_abs_diff": finite_or_none(v.max_abs_diff), "words_checked": v.words_checked},
        "note": c.note,
    }


def _finding_doc(f: Finding) -> WatchFindingDoc:
    return {
        "file": f.file,
        "line": f.line,
        "code": f.code,
        "call": f.call,
        "shape": list(f.shape),
        "kind": f.kind,  # type: ignore[typeddict-item]  # one of judge.REASONS' and Verdict's kinds
        "final_state": f.final_state,
        "note": note(f),
        "fix": fix(f) or None,
    }


def watch_report(w: Watch, *, root: str | None = None) -> Group:
    """The calls, then the lines: each line's place and text, its verdict per row, and the fix."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from .blocks import section, titled_table
    from .visible import visible

    table = titled_table("Recurrent calls in the forward")
    for column in ("name", "calls", "module", "checked"):
        table.add_column(column)
    for c in w.calls:
        table.add_row(Text(visible(c.name)), str(c.count), Text(visible(c.call)), _checked(c))
    parts: list[RenderableType] = [section(table)]
    for c in w.calls:
        if c.note is not None:
            parts.append(Text(visible(f"{c.name}: not read: {c.note}"), style="yellow"))
            continue
        shapes = ", ".join(f"{t.name} {tuple(t.shape)}" for t in c.tensors)
        layout = "packed" if c.packed else ("batch first" if c.batch_first else "steps first")
        parts.append(Text(visible(f"{c.name}: {layout}; {shapes}"), style="dim"))
        if c.zero_tails is not None:
            parts.append(Text(visible(_zero_tails(c)), style="yellow"))
    parts += [Text(), Text("Lines of your forward that use their outputs", style="bold")]
    if not w.findings:
        parts.append(Text("none: the outputs went straight into modules or out of the forward", style="dim"))
    for f in w.findings:
        parts.append(Text())
        parts.append(Text(f"{visible(_where(f.file, root))}:{f.line}", style="dim"))
        parts.append(Padding(Text(visible(f.code), style="bold cyan"), (0, 0, 0, 2)))
        lines: list[RenderableType] = [_verdict(f), Text(visible(note(f)))]
        if fix(f):
            lines.append(Text.assemble(("fix: ", "bold"), (visible(fix(f)), "cyan")))
        parts.append(Padding(Group(*lines), (0, 0, 0, 4)))
    return Group(*parts)


def _zero_tails(c: WatchedCall) -> str:
    """The call's input, padded but not packed: which sequences end in all-zero steps."""
    tails = c.zero_tails or []
    ending = sum(1 for k in tails if k < c.steps)
    shown = ", ".join(map(str, tails[:8])) + (", …" if len(tails) > 8 else "")
    return (
        f"{c.name}: {ending} of {len(tails)} sequences' input ends in all-zero steps (lengths to the last "
        f"step that is not: {shown}): padding, given unpacked? torch runs every sequence to step {c.steps}"
    )


def _checked(c: WatchedCall) -> RenderableType:
    from rich.text import Text

    v = c.verification
    if v is None:
        return Text("—", style="dim")
    first = "" if c.count == 1 else " (1st call)"
    return Text(("✓" if v.ok else "✗") + first, style="green" if v.ok else "bold red")


def _verdict(f: Finding) -> RenderableType:
    from rich.text import Text

    text = Text(f"shape {tuple(f.shape)}", style="dim")
    if f.final_state is not None:
        text.append("   final state ", style="dim")
        shown = f.final_state[:16]
        for k, ok in enumerate(shown):
            text.append(("✓" if ok else "✗") + (" " if k < len(shown) - 1 else ""), style="green" if ok else "red")
        if len(f.final_state) > len(shown):
            text.append(f" … {sum(f.final_state)} of {len(f.final_state)}", style="dim")
    return text


def _where(file: str, root: str | None) -> str:
    """A file as the report names it: relative to ``root`` (the current folder) when inside it."""
    if root and os.path.abspath(file).startswith(os.path.join(os.path.abspath(root), "")):
        return os.path.relpath(file, root)
    return file
