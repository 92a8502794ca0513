"""The code stays readable: no function in rnn_cli is longer than a screen.

Every ``.py`` file under ``rnn_cli/`` is parsed, and every function in it (module-level,
methods, and functions nested in others, each counted on its own and inside its parent) is
measured from its ``def`` line to its last line, decorators not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "rnn_cli"
#: The longest a function may be, in lines: ``end_lineno - lineno + 1`` of its ``def``.
LONGEST = 60

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(tree: ast.AST, outer: str = "") -> list[tuple[str, Function]]:
    """Every function under ``tree`` with its dotted name (``Class.method``, ``outer.inner``)."""
    found: list[tuple[str, Function]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, Function | ast.ClassDef):
            name = outer + node.name
            if isinstance(node, Function):
                found.append((name, node))
            found += _functions(node, f"{name}.")
        else:  # a statement or expression holding a def (under if, try, with) adds nothing to the name
            found += _functions(node, outer)
    return found


def _length(node: Function) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def long_functions(package: Path = PACKAGE, longest: int = LONGEST) -> list[str]:
    """``file:line name length`` of each function in ``package`` over ``longest`` lines."""
    return [
        f"{path.relative_to(package.parent).as_posix()}:{node.lineno} {name} {_length(node)}"
        for path in sorted(package.rglob("*.py"))
        for name, node in _functions(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if _length(node) > longest
    ]


def _body(lines: int, indent: int) -> list[str]:
    """``lines`` statements at ``indent`` levels: a function of ``lines + 1`` lines with its def."""
    return [f"{'    ' * indent}x{i} = {i}" for i in range(lines)]


def test_the_scan_names_functions_methods_and_nested_functions_over_the_limit(tmp_path: Path) -> None:
    source = [
        "def fits():", *_body(LONGEST - 1, 1),
        "def over():", *_body(LONGEST, 1),
        "class C:", "    @property", "    async def method(self):", *_body(LONGEST, 2),
        "def outer():", "    def inner():", *_body(LONGEST, 2),
    ]  # fmt: skip
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "m.py").write_text("\n".join(source) + "\n", encoding="utf-8")
    at = {line.strip(): number for number, line in enumerate(source, 1) if "def " in line}
    assert long_functions(package) == [
        f"pkg/sub/m.py:{at['def over():']} over {LONGEST + 1}",
        f"pkg/sub/m.py:{at['async def method(self):']} C.method {LONGEST + 1}",
        f"pkg/sub/m.py:{at['def outer():']} outer {LONGEST + 2}",
        f"pkg/sub/m.py:{at['def inner():']} outer.inner {LONGEST + 1}",
    ]


def test_no_function_in_rnn_cli_is_longer_than_a_screen() -> None:
    assert list(PACKAGE.rglob("*.py")), PACKAGE
    long = long_functions()
    assert not long, f"{len(long)} functions over {LONGEST} lines (file:line name length):\n" + "\n".join(long)
