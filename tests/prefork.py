"""Real rnn-shapes processes without a fresh torch import each: a parent that has torch and
rnn_cli imported forks one child per command.

A test that runs ``rnn-shapes`` (a shell line, a pipe into jq, a closed stdout) needs a real
process: real file descriptors, a real exit status, real signals. It does not need a new
interpreter that imports torch again (1.2 to 1.6 s each, about 120 times a suite). So a test
run has one server (``serve``, started by the first worker to need it and shared by the others),
which imports torch and rnn_cli once and waits on a Unix socket; ``rnn-shapes`` on the tests'
PATH is a small client (``CLIENT``) that sends the server its argv, environment, working
directory, the signals its parent ignores, and its own standard streams as file descriptors
(SCM_RIGHTS). The server forks; the child takes those
descriptors as 0, 1 and 2, that directory, that environment, those signals, and runs the
console script's ``main``; its exit status (or the signal that ended it) goes back to the
client, which ends the same way. A signal sent to the client is passed to the child, and a
client that dies takes its child with it.

``python`` beside it is the same client for a script a test or a page of the manual runs after
the tool (``python repro.py``, ``python -c CODE``, ``python -``): the child runs it as the
interpreter would, in a ``__main__`` of its own, from a parent that imported torch and never
ran anything. Any other use of ``python`` (an option, no script) runs the real interpreter.

Tests about a process's start (torch not imported for ``--help``, Ctrl-C while torch loads,
a locale at interpreter start, peak memory, a script where only torch is installed) run a
fresh interpreter instead: ``fresh=True``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Signals the client passes on to its child, and records as ignored when its parent ignores them.
SIGNALS = [
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGPIPE")
    if hasattr(signal, name)
]
#: The largest request: argv and the environment (a hostile test passes arguments of 100 KB).
MAX_REQUEST = 4 << 20

#: The client, run as ``rnn-shapes`` or ``python``: -S, so it starts in milliseconds (no site,
#: no torch).
CLIENT = """#!{python} -S
import json, os, signal, socket, sys
program = {program!r}
if program == "python" and not (sys.argv[1:] and (sys.argv[1] in ("-c", "-") or sys.argv[1][:1] != "-")):
    os.execv({python!r}, [{python!r}, *sys.argv[1:]])  # not a script: the real interpreter
fds, closed = [], []
for fd in (0, 1, 2):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        closed.append(fd)
wanted = {signals!r}
ignored = [s for s in wanted if signal.getsignal(s) == signal.SIG_IGN]
request = {{
    "program": program, "argv": sys.argv, "env": dict(os.environ), "cwd": os.getcwd(), "closed": closed,
    "ignored": ignored,
}}
data = json.dumps(request, ensure_ascii=True).encode()
client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, len(data) + 4096)
client.connect({path!r})
socket.send_fds(client, [data], fds)
pid = int(client.recv(64))
for s in wanted:
    if s not in ignored and s != signal.SIGPIPE:
        signal.signal(s, lambda number, frame: os.kill(pid, number))
while True:
    try:
        status = json.loads(client.recv(256))
        break
    except InterruptedError:
        continue
if status["signal"]:
    signal.signal(status["signal"], signal.SIG_DFL)
    os.kill(os.getpid(), status["signal"])
sys.exit(status["code"])
"""


def write_clients(directory: Path, path: str) -> None:
    """``directory/rnn-shapes`` and ``directory/python``, the clients of the server at ``path``."""
    signals = [int(s) for s in SIGNALS]
    for program in ("rnn-shapes", "python"):
        client = directory / program
        client.write_text(CLIENT.format(python=sys.executable, program=program, signals=signals, path=path))
        client.chmod(0o755)


def serve(path: str) -> None:
    """Import what a run imports, then fork a child per request, forever."""
    import gc

    import torch  # the point: once, here
    import torch.nn.utils.rnn  # noqa: F401

    _import_rnn_cli()
    gc.collect()
    gc.freeze()  # what the children inherit is never walked again: fewer pages copied
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path + ".tmp")
    listener.listen(256)
    os.rename(path + ".tmp", path)  # ready: the tests wait for the name
    _loop(listener)


#: What the server leaves to the child that needs it: the explorer (it imports textual, which no
#: other run does) and the ``-m`` entry point (importing it runs the command).
NOT_PRELOADED = ("rnn_cli.cli.tui", "rnn_cli.__main__")


def _import_rnn_cli() -> None:
    """Every module of rnn_cli but ``NOT_PRELOADED`` (and what is inside them). The tool imports
    most of them lazily (so that ``--help`` is quick), so each child imported them again: about
    20 ms a run here, where no bytecode is written and each is compiled from source."""
    import importlib
    import pkgutil

    import rnn_cli

    packages = [rnn_cli]
    while packages:
        package = packages.pop()
        for found in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if found.name not in NOT_PRELOADED:
                module = importlib.import_module(found.name)
                if found.ispkg:
                    packages.append(module)


def _loop(listener: socket.socket) -> None:
    """Accept requests, fork their children, report each child's end to its client."""
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, its client)
    clients: dict[int, int] = {}  # a client's fileno -> its child's pidfd
    while True:
        waiting: list[Any] = [listener, *children, *clients]
        readable, _, _ = select.select(waiting, [], [])
        for ready in readable:
            if ready is listener:
                _start(listener, children, clients)
            elif ready in children:
                pid, client = children.pop(ready)
                clients.pop(client.fileno(), None)
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
                with contextlib.suppress(OSError):
                    client.send(json.dumps({"code": max(code, 0), "signal": max(-code, 0)}).encode())
                client.close()
                os.close(ready)
            elif ready in clients:  # the client went away first: its child goes too
                pidfd = clients.pop(ready)
                pid, client = children[pidfd]
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _start(listener: socket.socket, children: dict[int, Any], clients: dict[int, int]) -> None:
    client, _ = listener.accept()
    data, fds, _, _ = socket.recv_fds(client, MAX_REQUEST, 3)
    request = json.loads(data)
    pid = os.fork()
    if pid == 0:
        listener.close()
        for pidfd, (_, other) in children.items():
            os.close(pidfd)
            other.close()
        _child(request, fds, client)
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    children[pidfd] = (pid, client)
    clients[client.fileno()] = pidfd
    client.send(str(pid).encode())


def _child(request: dict[str, Any], fds: list[int], client: socket.socket) -> None:
    """Become the command: its streams, directory, environment, signals, then its main."""
    client.close()
    given = iter(fds)
    for fd in (0, 1, 2):
        if fd in request["closed"]:
            with contextlib.suppress(OSError):
                os.close(fd)
            continue
        source = next(given)
        os.dup2(source, fd)
        if source > 2:
            os.close(source)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    fresh: dict[int, Any] = {signal.SIGINT: signal.default_int_handler, signal.SIGPIPE: signal.SIG_IGN}
    for s in SIGNALS:  # as a fresh interpreter has them, then what the parent ignored
        signal.signal(s, signal.SIG_IGN if s in request["ignored"] else fresh.get(s, signal.SIG_DFL))
    code = _run_script(request["argv"][1:]) if request["program"] == "python" else _run()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(code)


def _run() -> int:
    """The console script's main, with the interpreter's own handling of how it ends."""
    from rnn_cli.entry import main

    return _ended(main)


def _run_script(args: list[str]) -> int:
    """``python FILE|-c CODE|- [ARGS]``: the script in a ``__main__`` of its own, with the
    ``sys.argv`` and ``sys.path[0]`` the interpreter gives it, and its ending (a syntax error
    included) as the interpreter reports it."""
    import types

    source: str | bytes
    if args[0] == "-c":
        source, filename, sys.argv, sys.path[0] = args[1], "<string>", ["-c", *args[2:]], ""
    elif args[0] == "-":
        source, filename, sys.argv, sys.path[0] = sys.stdin.read(), "<stdin>", ["-", *args[1:]], ""
    else:
        try:
            with open(args[0], "rb") as script:  # compile() reads its encoding line, as python does
                source = script.read()
        except OSError as error:
            said = f"can't open file {args[0]!r}: [Errno {error.errno}] {error.strerror}"
            print(f"{sys.executable}: {said}", file=sys.stderr)
            return 2
        filename, sys.argv, sys.path[0] = args[0], list(args), os.path.dirname(os.path.abspath(args[0]))
    main = types.ModuleType("__main__")
    if filename[:1] != "<":
        main.__file__ = filename
    sys.modules["__main__"] = main
    return _ended(lambda: exec(compile(source, filename, "exec"), main.__dict__), frames=1)


def _ended(run: Callable[[], object], frames: int = 0) -> int:
    """The exit status of ``run`` as the interpreter sets it: ``SystemExit``'s code, or 1 and the
    traceback (without the first ``frames`` frames, ours) for any other exception."""
    import traceback

    try:
        run()
    except SystemExit as end:
        if end.code is None:
            return 0
        if isinstance(end.code, int):
            return end.code
        print(end.code, file=sys.stderr)
        return 1
    except BaseException as error:
        trace = error.__traceback__
        for _ in range(frames + 1):  # this function's frame, then ``frames`` more of ours
            trace = trace.tb_next if trace is not None else None
        traceback.print_exception(type(error), error, trace)
        return 1
    return 0


if __name__ == "__main__":
    serve(sys.argv[1])
