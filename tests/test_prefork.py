"""The prefork server's ``python`` client (tests/prefork.py) stands in for the interpreter in the
manual's shell blocks and the export loader: what it prints and how it ends are python's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import prefork_bin

pytestmark = pytest.mark.process

SCRIPT = """import sys
print(sys.argv, __name__, __file__, sys.path[0])
def fails():
    raise ValueError("in the script")
fails()
"""


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["{script}", "a", "b c"], b""),  # argv, __main__, __file__, sys.path[0], a traceback from the script
        (["-c", "import sys; print(sys.argv, sys.path[0] == ''); raise SystemExit(3)", "x"], b""),
        (["-"], b"import sys\nprint(sys.argv)\n1 / 0\n"),
        (["-c", "def ("], b""),  # a syntax error: no frame of ours
        (["{missing}"], b""),  # python's own words, status 2
        (["-c", "import sys; sys.exit('said')"], b""),
        (["-V"], b""),  # not a script: the real interpreter
    ],
)
def test_the_python_client_ends_as_python_does(tmp_path: Path, args: list[str], stdin: bytes) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    argv = [a.format(script=script, missing=tmp_path / "missing.py") for a in args]
    ours = subprocess.run([str(prefork_bin() / "python"), *argv], input=stdin, capture_output=True, timeout=60)
    theirs = subprocess.run([sys.executable, *argv], input=stdin, capture_output=True, timeout=60)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
