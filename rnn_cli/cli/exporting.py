"""--export's ends on the command line: the program written to --export-file, and the exit
status of an export that no path could make (the report or JSON still says what each did)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import RunFailure
from .exit_codes import ExitStatus
from .files import write_atomically
from .streams import error_line

if TYPE_CHECKING:
    from ..core.exported.facts import ExportFacts
    from .options import Options


def write_export(options: Options, export: ExportFacts) -> None:
    """The chosen program into --export-file; with --code, refuse when there is no script that
    worked (nothing else would be printed to say why)."""
    if not export.ok and options.code:
        raise RunFailure(f"{_none_worked(export)}, so there is no script that worked (run without --code to see why)")
    if export.ok and options.export_file is not None:
        assert export.program is not None
        write_atomically(options.export_file, export.program, "--export-file")


def export_status(export: ExportFacts) -> int:
    """0 when a program was made and matches torch; 1, with one line, when none was."""
    if export.ok:
        return ExitStatus.OK
    error_line(f"{_none_worked(export)}: the Export section (JSON: export) says what each path did")
    return ExitStatus.FAILURE


def _none_worked(export: ExportFacts) -> str:
    written = " and nothing was written" if export.file else ""
    return f"--export {export.format}: no exporter made a program that matches torch here{written}"
