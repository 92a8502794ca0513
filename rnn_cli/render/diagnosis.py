"""--diagnose for people and for programs: the report, the JSON document, the reproduction script.

Everything quoted from the user's text is made visible (escapes, never markup) before it is
drawn; the script is built from the reproduction's own statements, which hold only numbers
read from the message, never the text itself.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from ..core.diagnose import Diagnosis
from .document_types import SCHEMA_VERSION, DiagnosisDoc, DiagnosisDocument

if TYPE_CHECKING:
    from rich.console import Group, RenderableType
    from rich.text import Text

#: The widest line of code shown: indented by 2, it fits 80 columns unfolded.
CODE_WIDTH = 76


def diagnosis_script(d: Diagnosis) -> str:
    """A standalone script that raises the message: torch only, the smallest configuration."""
    repro = d.reproduction
    said = d.reproduced if d.same and d.reproduced else d.message
    needs = "torch and CUDA" if repro.needs_cuda else "only torch"
    stops = textwrap.fill(
        f"{d.raised}: {_docstring_safe(said)}", width=CODE_WIDTH, initial_indent="    ", subsequent_indent="        "
    )
    title = textwrap.fill(f'"""Reproduces torch\'s {d.severity}: {d.title}.', width=CODE_WIDTH)
    header = f'{title}\n\nNeeds {needs}. It stops with\n{stops}\n"""\n'
    imports = [line for line in repro.imports if line != "import warnings"]
    body = list(repro.lines)
    if "import warnings" in body:  # the statements ask for warnings: imported with the others
        body.remove("import warnings")
        imports[:0] = ["import warnings", ""]
        if body and body[0] == "":
            body.pop(0)
    return header + "\n".join(imports) + "\n\n" + "\n".join(fitted(line) for line in body) + "\n"


def fitted(code: str) -> str:
    """Each line of ``code`` within CODE_WIDTH where a trailing comment can go on a line above."""
    lines = []
    for line in code.splitlines() or [""]:
        statement, sep, comment = line.rpartition("  # ")
        if len(line) <= CODE_WIDTH or not sep or not statement.strip():
            lines.append(line)
            continue
        indent = statement[: len(statement) - len(statement.lstrip())]
        lines += [f"{indent}# {comment}", statement]
    return "\n".join(lines)


def _docstring_safe(text: str) -> str:
    """A message inside the docstring: no quotes that could end it, no backslash escapes."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def diagnosis_document(d: Diagnosis) -> DiagnosisDocument:
    """The --json --diagnose document: stable keys, one order."""
    diagnosis: DiagnosisDoc = {
        "kind": d.kind,
        "severity": d.severity,
        "raised": d.raised,
        "title": d.title,
        "message": d.message,
        "cause": d.cause,
        "fix": d.fix,
        "fix_code": d.fix_code,
        "expected": d.expected,
        "got": d.got,
        "numbers": d.numbers,
        "axes": [
            {"axis": a.axis, "name": a.name, "expected": a.expected, "got": a.got, "agrees": a.agrees, "why": a.why}
            for a in d.axes
        ],
        "code": diagnosis_script(d),
        "reproduced": d.reproduced,
        "reproduced_as": d.reproduced_as,
        "same": d.same,
        "needs_cuda": d.reproduction.needs_cuda,
        "note": d.note or None,
        "others": list(d.others),
    }
    return {"schema_version": SCHEMA_VERSION, "diagnosis": diagnosis}


def diagnosis_report(d: Diagnosis) -> Group:
    """The diagnosis for a person: what torch said, why, the fix, the axes, and the live run."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    from .visible import visible

    parts: list[RenderableType] = [
        Text.assemble(("rnn-shapes --diagnose  ", "bold"), (visible(d.title), "bold cyan")),
        Text.assemble((f"{d.severity}: ", "dim"), (f"{d.raised}: ", "bold red"), (visible(d.message), "red")),
        Text(),
        Text("Why", style="bold"),
        Padding(Text(visible(d.cause)), (0, 0, 0, 2)),
        *_axes(d),
        Text(),
        Text("Fix", style="bold"),
        Padding(Group(Text(visible(d.fix)), _code(fitted(visible(d.fix_code)), style="cyan")), (0, 0, 0, 2)),
        Text(),
        Text("Reproduced live, with the smallest configuration the message implies", style="bold"),
        Padding(_live(d), (0, 0, 0, 2)),
        Text(),
        Text("The script (rnn-shapes --diagnose ... --code prints it alone)", style="bold"),
        Padding(_code(diagnosis_script(d).rstrip("\n")), (0, 0, 0, 2)),
    ]
    if d.others:
        parts += [
            Text(),
            Text(f"also in the text: {', '.join(d.others)} (give that message alone to see it)", style="dim"),
        ]
    return Group(*parts)


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
        table.add_row(str(a.axis), Text(a.name), expected, got, mark)
    parts: list[RenderableType] = [section(table)]
    whys = [Text.assemble((f"axis {a.axis}: ", "dim"), a.why) for a in d.axes if a.why]
    if whys:
        parts.append(Padding(Group(*whys), (0, 0, 0, 2)))
    return parts


def _live(d: Diagnosis) -> Text:
    """What the live run of the reproduction said, and whether it is the message given."""
    from rich.text import Text

    from .visible import visible

    if d.reproduced is None:
        return Text(visible(d.note or "not reproduced"), style="yellow")
    verdict = ("✓ the same message", "bold green") if d.same else ("✗ another message", "bold red")
    return Text.assemble(
        (f"{d.reproduced_as}: ", "dim"), visible(d.reproduced), "\n", verdict, (f" {d.note}" if d.note else "")
    )


def _code(text: str, style: str = "") -> Text:
    """Code as it is (its lines are kept short enough not to be folded at 80 columns)."""
    from rich.text import Text

    return Text(text, style=style)
