"""--set NAME=VALUE: names (dotted ones too: ``hparams.x``, ``config["x"]``) and their values,
each read in the language, in any order (a value may use another --set name)."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checker import RESERVED, Checker, check, unsettable
from .errors import BadInput
from .evaluator import Evaluator
from .functions import Scope
from .language import Path, Source, plain, read, reference, short, spelled

# -- --set: names and their values ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bindings:
    """``--set``'s names and their values, each read in the language (a value may use other
    ``--set`` names, in any order). ``values`` are by dotted path; ``spellings`` as first written."""

    values: Mapping[Path, Any] = field(default_factory=dict)
    spellings: Mapping[Path, str] = field(default_factory=dict)
    #: Each value as typed.
    texts: Mapping[Path, str] = field(default_factory=dict)

    def by_name(self) -> dict[str, Any]:
        """Each name as written, and its value as JSON shows it."""
        return {self.spellings[path]: plain(value) for path, value in self.values.items()}

    def by_text(self) -> dict[str, str]:
        """Each name as written, and its value as typed."""
        return {self.spellings[path]: self.texts[path] for path in self.values}

    def scope(self, extra: Mapping[str, Any] | None = None) -> Scope:
        return Scope(self.values, extra)


def parse_bindings(items: Sequence[str] | None, *, option: str = "--set") -> Bindings:
    """``NAME=VALUE`` pairs (``NAME`` may be dotted: ``hparams.x``, ``config["x"]``), each VALUE
    read in the language. A name given twice takes its last value."""
    texts: dict[Path, tuple[str, Source]] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"{option} takes NAME=VALUE, e.g. {option} hidden_dim=256 (got {short(item)!r})")
        path = _bound_path(name.strip(), option)
        where = f"{option} {spelled(path)}"
        if not text.strip():
            raise BadInput(f"{where}: a value is needed after =, e.g. {option} {spelled(path)}=256")
        texts[path] = (name.strip(), read(text, where, max_text=4000))
    bindings = _evaluate_bindings(texts)
    return Bindings(bindings.values, bindings.spellings, {p: " ".join(t[1].text.split()) for p, t in texts.items()})


def _bound_path(name: str, option: str) -> Path:
    """The dotted name on the left of ``=``: identifiers, ``.attr`` and ``["key"]``, never a dunder."""
    refused = BadInput(
        f"{option} {short(name)!r}: a name is a Python identifier such as hidden_dim, or a dotted one such as "
        "hparams.hidden_dim or config['hidden']"
    )
    try:
        node = ast.parse(name, mode="eval").body
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise refused from None
    path = reference(node)
    if path is None:
        raise refused
    why = unsettable(path)
    if why is not None and path[0] in RESERVED:
        raise BadInput(f"{option} {path[0]}: {why}")
    if why is not None:
        raise refused
    return path


def _evaluate_bindings(texts: Mapping[Path, tuple[str, Source]]) -> Bindings:
    """Every value, each once: a value that uses another name evaluates that one first."""
    values: dict[Path, Any] = {}
    visiting: list[Path] = []
    names = {path: None for path in texts}

    def value_of(path: Path) -> Any:
        if path in values:
            return values[path]
        if path in visiting:
            cycle = " -> ".join(spelled(p) for p in [*visiting[visiting.index(path) :], path])
            raise BadInput(f"--set {spelled(path)}: its value uses itself ({cycle})")
        visiting.append(path)
        source = texts[path][1]
        needed = [p for p in _references(source.tree) if p in names and p not in values]
        for other in needed:
            value_of(other)
        scope = Scope({p: values[p] for p in values})
        if isinstance(source.tree, ast.Name) and not scope.resolves((source.tree.id,)):
            name = source.tree.id
            raise BadInput(
                f"{source.where}: {short(name)} is not bound: quote a string, --set {spelled(path)}='{short(name)}', "
                f"or give {short(name)} a value with --set {short(name)}=VALUE"
            )
        check(Checker(source, scope), callee="VALUE")
        values[path] = Evaluator(source, scope).run()
        visiting.pop()
        return values[path]

    for path in texts:
        value_of(path)
    return Bindings({path: values[path] for path in texts}, {path: spelled(path) for path in texts})


def _references(tree: ast.AST) -> list[Path]:
    """Every dotted name in a tree, and each of its prefixes (a bound name may be a prefix)."""
    found = []
    for node in ast.walk(tree):
        path = reference(node)
        if path is not None:
            found += [path[:k] for k in range(1, len(path) + 1)]
    return found
