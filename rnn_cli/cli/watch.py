"""--watch SCRIPT [ARGS]...: the user's own script, run as ``python SCRIPT ARGS`` would run it,
with every recurrent call watched (``core.watch``); the report goes to stderr when it ends.

This is the one place rnn-shapes runs code, and only the file the user names: as ``__main__``,
with ``sys.argv`` its own and its folder first on ``sys.path``. Its output is its own (stdout
flushed by line on a terminal, as Python's is), and so is its exit status: ``sys.exit(n)`` is
n, an exception it does not catch is its traceback and 1, Ctrl-C is 130 (the script may catch
KeyboardInterrupt, as under Python).
"""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import sys
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.errors import BadInput, quoted
from ..core.files import regular_status
from .exit_codes import ExitStatus
from .files import write_atomically
from .options import Options, check_output_path, flag

if TYPE_CHECKING:
    from ..core.watch import Watch

#: Options that go with --watch: where its report goes, and --traceback for our own bugs.
BESIDE = {"watch", "json_file", "svg", "html", "traceback"}


def check_watch_options(options: Options) -> None:
    """Refuse what cannot apply: words and run options (the script makes its own calls)."""
    if options.watch is None:
        if options.json_file is not None:
            raise BadInput("--json-file writes the document of --watch SCRIPT: give the script too")
        return
    if options.words or options.file is not None:
        raise BadInput("--watch runs your script: give no words before it (its arguments go after SCRIPT)")
    for name in options.given():
        if name == "json_out":
            raise BadInput(
                "--json does not go with --watch: stdout is the script's; write the JSON with --json-file FILE"
            )
        if name not in BESIDE:
            raise BadInput(f"{flag(name)} does not go with --watch, which runs your script: give it alone")
    script = options.watch
    if not script:
        raise BadInput("--watch needs the path of your script")
    if os.path.isdir(script):
        raise BadInput(f"--watch: {quoted(script)} is a folder: name the script itself")
    # a device, a FIFO or a file over --max-memory would be read whole before a line of it ran
    where = f"--watch: {quoted(script)}"
    regular_status(script, where, max_bytes=options.memory_limit(), give="give your script's file")
    for name in ("json_file", "svg", "html"):
        path = getattr(options, name)
        if path is not None:
            check_output_path(path, flag(name))


def run_watched(options: Options) -> int:
    """Run the script under a watch; the report at its end, then the script's exit status."""
    from ..core.watch import Watch
    from .torch_import import load_torch

    check_watch_options(options)
    assert options.watch is not None
    load_torch()
    script = options.watch
    status: int = ExitStatus.OK
    with _as_main(script, options.script_args), Watch() as watched:
        status = _run(script)
    _report(options, watched, os.getcwd())
    return status


def _run(script: str) -> int:
    """The script's own exit status, as Python gives it."""
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit:
        return _exit_status(exit.code)
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except Exception as error:  # the script's own: its traceback, as python prints it
        _flush()
        traceback.print_exception(type(error), error, _from_script(error.__traceback__, script), file=sys.stderr)
        return 1
    return 0


def _exit_status(code: Any) -> int:
    """``sys.exit(code)`` as Python ends on it: None is 0, a number itself, anything else printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    _flush()
    print(code, file=sys.stderr)
    return 1


def _from_script(tb: Any, script: str) -> Any:
    """The traceback from the script's first frame: runpy's and ours are not the script's."""
    target = os.path.abspath(script)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != target:
        tb = tb.tb_next
    return tb


@contextlib.contextmanager
def _as_main(script: str, args: tuple[str, ...]) -> Iterator[None]:
    """``sys.argv``, ``sys.path[0]``, Ctrl-C and the streams as ``python SCRIPT ARGS`` has them."""
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)  # the script may catch it
    _line_buffered(True)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, interrupt)
        _line_buffered(False)
        _flush()
        sys.argv, sys.path[:] = saved_argv, saved_path


def _line_buffered(on: bool) -> None:
    """Output by line where Python's is: stdout on a terminal, stderr always."""
    for stream, line in ((sys.stdout, on and _isatty(sys.stdout)), (sys.stderr, on)):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(line_buffering=line)  # type: ignore[union-attr]


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()


def _report(options: Options, watched: Watch, root: str) -> None:
    """The report on stderr (colour only for a terminal); the JSON, SVG and HTML as asked."""
    from ..render.watch import watch_document, watch_report

    if options.json_file is not None:
        from ..render.json_doc import dumps

        write_atomically(options.json_file, dumps(dict(watch_document(watched))) + "\n", flag("json_file"))
    drawn = watch_report(watched, root=root)
    from ..render.console import make_console, render_text, usable_width

    console = make_console(sys.stderr)
    width, _ = usable_width(console)
    color = console.is_terminal and not console.no_color
    text = render_text(drawn, width=width, color=color)
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(text)
        sys.stderr.flush()
    if options.svg or options.html:
        from ..render.export import html_page, svg_picture

        if options.svg:
            write_atomically(options.svg, svg_picture(drawn, width), flag("svg"))
        if options.html:
            write_atomically(options.html, html_page(drawn, width), flag("html"))
