"""The report's sections by name: which a first screen shows, and how ``--show`` names them.

Declared here, with no rich import, so the command line can offer the names (help, completion,
parse-time errors) without loading the renderers.
"""

from __future__ import annotations

from typing import Literal, get_args

#: Every section of the report, in the order it is drawn.
Section = Literal[
    "header",
    "vocabulary",
    "shapes",
    "diagram",
    "input",
    "embedded",
    "h_0",
    "c_0",
    "output",
    "h_n",
    "c_n",
    "expressions",
    "lengths",
    "packed",
    "padding",
    "idioms",
    "parameters",
    "cost",
    "steps",
    "verification",
    "export",
]
SECTIONS: tuple[Section, ...] = get_args(Section)
#: What a learner came for, on the first screen: the words as tokens, every shape with named
#: axes, the values of every tensor, the check (and --steps' trace, when asked for).
FIRST_SCREEN: frozenset[Section] = frozenset(
    (
        "header",
        "vocabulary",
        "shapes",
        "input",
        "embedded",
        "h_0",
        "c_0",
        "output",
        "h_n",
        "c_n",
        "expressions",
        "steps",
        "verification",
        "export",
    )
)


def parse_sections(text: str, *, option: str = "--show") -> frozenset[Section]:
    """``shapes,h_n`` -> those sections; an unknown name is refused with the names there are."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError(f"{option} takes section names separated by commas: {', '.join(SECTIONS)}")
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise ValueError(f"{option}: no section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}")
    return frozenset(name for name in SECTIONS if name in names)


def complete_sections(incomplete: str) -> list[str]:
    """Shell completion for ``--show a,b,<TAB>``: the names not given yet, after what is typed."""
    done, _, last = incomplete.rpartition(",")
    given = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [prefix + name for name in SECTIONS if name.startswith(last) and name not in given]
