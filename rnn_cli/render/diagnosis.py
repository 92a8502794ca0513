"""--diagnose for people and for programs: the report, the JSON document, the reproduction script.

Everything quoted from the user's text is made visible (escapes, never markup) before it is
drawn; the script is written from the reproduction's statements (``core.diagnose.steps``),
the very statements run live, which hold only numbers read from the message.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..core.diagnose import Diagnosis
from ..core.diagnose import main as main_diagnosis
from ..core.diagnose.steps import imports, lines
from .diagnosis_notes import axis_name, axis_why, cause, causes, fix, outcome, title
from .document_types import SCHEMA_VERSION, DiagnosisDoc, DiagnosisDocument

if TYPE_CHECKING:
    from rich.console import Group, RenderableType
    from rich.text import Text

#: The widest line of code shown: indented by 2, it fits 80 columns unfolded.
CODE_WIDTH = 76


def diagnosis_script(d: Diagnosis) -> str:
    """A standalone script that raises the message: torch only, the smallest configuration."""
    repro = d.reproduction
    if not repro.statements:
        return f'"""{title(d)}: nothing to reproduce."""\n'
    said = d.reproduced if d.same and d.reproduced else d.message
    needs = "torch and CUDA" if repro.needs_cuda else "only torch"
    stops = textwrap.fill(
        f"{d.raised}: {_docstring_safe(said)}", width=CODE_WIDTH, initial_indent="    ", subsequent_indent="        "
    )
    heading = textwrap.fill(f'"""Reproduces torch\'s {d.severity}: {title(d)}.', width=CODE_WIDTH)
    header = f'{heading}\n\nNeeds {needs}. It stops with\n{stops}\n"""\n'
    body = "\n".join(fitted(line) for line in lines(repro))
    return header + "\n".join(imports(repro)) + "\n\n" + body + "\n"


def fitted(code: str) -> str:
    """Each line of ``code`` within CODE_WIDTH where a trailing comment can go on a line above."""
    out = []
    for line in code.splitlines() or [""]:
        statement, sep, comment = line.rpartition("  # ")
        if len(line) <= CODE_WIDTH or not sep or not statement.strip():
            out.append(line)
            continue
        indent = statement[: len(statement) - len(statement.lstrip())]
        out += [f"{indent}# {comment}", statement]
    return "\n".join(out)


def _docstring_safe(text: str) -> str:
    """A message inside the docstring: no quotes that could end it, no backslash escapes."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def diagnosis_doc(d: Diagnosis) -> DiagnosisDoc:
    """One diagnosis, stable keys, one order."""
    said, code = fix(d)
    return {
        "kind": d.kind,
        "severity": d.severity,
        "raised": d.raised,
        "title": title(d),
        "message": d.message,
        "cause": cause(d),
        "fix": said,
        "fix_code": code,
        "expected": d.expected,
        "got": d.got,
        "numbers": d.numbers,
        "axes": [
            {
                "axis": a.axis,
                "name": axis_name(d, a),
                "expected": a.expected,
                "got": a.got,
                "agrees": a.agrees,
                "why": axis_why(d, a),
            }
            for a in d.axes
        ],
        "code": diagnosis_script(d),
        "reproduced": d.reproduced,
        "reproduced_as": d.reproduced_as,
        "same": d.same,
        "needs_cuda": d.reproduction.needs_cuda,
        "note": outcome(d) or None,
        "others": list(d.others),
        "causes": causes(d),
        "recognised": d.recognised,
        "versions": d.versions or None,
    }


def diagnosis_document(found: Sequence[Diagnosis]) -> DiagnosisDocument:
    """The --json --diagnose document: the message that stopped the program (the last error,
    else the last warning) and every one found, in the text's order."""
    main = main_diagnosis(list(found))
    return {
        "schema_version": SCHEMA_VERSION,
        "diagnosis": diagnosis_doc(main),
        "diagnoses": [diagnosis_doc(d) for d in found],
    }


def diagnosis_report(found: Sequence[Diagnosis]) -> Group:
    """Every message found, in order: for a person, what torch said, why, the fix, the axes,
    and the live run."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = []
    for k, d in enumerate(found):
        if len(found) > 1:
            parts += [Text()] if k else []
            parts.append(Text(f"{k + 1} of {len(found)} in the text", style="dim"))
        parts += _one(d)
    return Group(*parts)


def _one(d: Diagnosis) -> list[RenderableType]:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from .visible import visible

    said, code = fix(d)
    reasons = causes(d)
    why: RenderableType = (
        Text(visible(reasons[0]))
        if len(reasons) == 1
        else Group(*(Text(visible(f"{k}. {r}")) for k, r in enumerate(reasons, start=1)))
    )
    heading = "Why" if len(reasons) == 1 else "Why: the causes the numbers allow, the most likely first"
    parts: list[RenderableType] = [
        Text.assemble(("rnn-shapes --diagnose  ", "bold"), (visible(title(d)), "bold cyan")),
        Text.assemble((f"{d.severity}: ", "dim"), (f"{d.raised}: ", "bold red"), (visible(d.message), "red")),
    ]
    if d.versions:
        parts.append(Text(f"worded so by torch {d.versions}", style="dim"))
    parts += [Text(), Text(heading, style="bold"), Padding(why, (0, 0, 0, 2)), *_axes(d)]
    parts += [Text(), Text("Fix", style="bold"), Padding(Group(Text(visible(said)), _code(code, "cyan")), (0, 0, 0, 2))]
    if d.reproduction.statements:
        parts += [
            Text(),
            Text("Reproduced live, with the smallest configuration the message implies", style="bold"),
            Padding(_live(d), (0, 0, 0, 2)),
            Text(),
            Text("The script (rnn-shapes --diagnose ... --code prints it alone)", style="bold"),
            Padding(_code(diagnosis_script(d).rstrip("\n")), (0, 0, 0, 2)),
        ]
    return parts


def _axes(d: Diagnosis) -> list[RenderableType]:
    """Axis by axis, what torch wanted and what it got, and why each axis holds what it does;
    nothing when the message names no axes."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from .blocks import section, titled_table

    if not d.axes:
        return []
    table = titled_table("Axis by axis: what torch wanted, what it got")
    table.add_column("axis", justify="right")
    table.add_column("what it holds")
    table.add_column("wanted", justify="right")
    table.add_column("got", justify="right")
    table.add_column("")
    for a in d.axes:
        mark = Text("✓", style="green") if a.agrees else Text("✗", style="bold red")
        expected, got = "" if a.expected is None else str(a.expected), "—" if a.got is None else str(a.got)
        table.add_row(str(a.axis), Text(axis_name(d, a)), expected, got, mark)
    parts: list[RenderableType] = [section(table)]
    whys = [Text.assemble((f"axis {a.axis}: ", "dim"), why) for a in d.axes if (why := axis_why(d, a))]
    if whys:
        parts.append(Padding(Group(*whys), (0, 0, 0, 2)))
    return parts


def _live(d: Diagnosis) -> Text:
    """What the live run of the reproduction said, and whether it is the message given."""
    from rich.text import Text

    from .visible import visible

    note = outcome(d)
    if d.reproduced is None:
        return Text(visible(note or "not reproduced"), style="yellow")
    verdict = ("✓ the same message", "bold green") if d.same else ("✗ another message", "bold red")
    if d.outcome == "reworded":
        verdict = ("≈ the same message, worded as this torch words it", "bold green")
        note = f"(the text's is torch {d.versions})"
    return Text.assemble(
        (f"{d.reproduced_as}: ", "dim"), visible(d.reproduced), "\n", verdict, (f" {note}" if note else "")
    )


def _code(text: str, style: str = "") -> Text:
    """Code as it is, line by line made visible (a line break in it is a line, never ``\\x0a``),
    each line kept short enough not to be folded at 80 columns."""
    from rich.text import Text

    from .visible import visible

    return Text("\n".join(visible(line) for line in fitted(text).splitlines()), style=style)
