"""--help, --version and --json-schema answer without importing torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnn_cli import __version__

PROBE = """
import sys
from rnn_cli.cli import main
sys.argv = ["rnn-shapes", *{args!r}]
try:
    main()
except SystemExit as exit:
    code = exit.code
sys.stderr.write("torch" if "torch" in sys.modules else "no-torch")
sys.stderr.write(" code=%s" % code)
"""


pytestmark = pytest.mark.process


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["--json-schema"]])
def test_fast_paths_never_import_torch(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, check=False)
    assert proc.stderr.endswith("no-torch code=0"), proc.stderr
    assert proc.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["hello", "--vs", "--cell cnn"], "--vs: Invalid value for '--cell'"),
        (["hello", "--vs", "--proj-size 1"], "--vs: --proj-size applies to --cell lstm only"),
        (["hello", "--vs", "--hidden 100000000"], "--vs: this run needs about"),
    ],
)
def test_a_bad_second_configuration_is_refused_before_torch_is_imported(args: list[str], needle: str) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, check=False)
    assert proc.stderr.endswith("no-torch code=2"), proc.stderr
    assert needle in proc.stderr and proc.stderr.startswith("rnn-shapes: error: ")


def test_the_main_job_does_import_torch() -> None:
    """The probe itself can fail: a real run shows torch in sys.modules."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=["hi", "--json"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stderr.endswith("torch code=0"), proc.stderr


def test_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "rnn_cli", "--version"], capture_output=True, text=True, check=False)
    assert proc.stdout == f"rnn-shapes {__version__}\n"


def test_importing_the_api_does_not_import_torch() -> None:
    code = "import sys, rnn_cli; print('torch' in sys.modules, 'typer' in sys.modules, 'rich' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.stdout.split() == ["False", "False", "False"]
