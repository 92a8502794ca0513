"""Shared ways of running rnn-shapes the way its users do."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import gc
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner, Result

from rnn_cli.cli import app

if TYPE_CHECKING:
    import jsonschema

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
#: The environment every in-process and subprocess run gets: no colour, a fixed width.
PLAIN_ENV: dict[str, str | None] = {"COLUMNS": "160", "NO_COLOR": "1", "FORCE_COLOR": None}


#: How to get each system client the tests drive, for the reason a test skips without it.
INSTALL = {"jq": "apt-get install jq", "chromium": "apt-get install chromium"}


def require_client(name: str, *, names: tuple[str, ...] = (), env_var: str | None = None) -> str:
    """The path of a system client a test drives (jq, chromium), found as the tests run it.

    ``env_var``, when set, names the binary and must be one; otherwise the first of ``name``
    and ``names`` on ``$PATH``. Where it is missing the test skips, with the install step as
    its reason; under ``CI=true`` it fails, so CI never passes by skipping what it should run.
    """
    chosen = os.environ.get(env_var, "") if env_var else ""
    if chosen:
        found = shutil.which(chosen)
        if not found:
            pytest.fail(f"{env_var}={chosen} is not an executable file", pytrace=False)
        return found
    for candidate in (name, *names):
        found = shutil.which(candidate)
        if found:
            return found
    reason = f"needs {name}: {INSTALL[name]}"
    if env_var:
        reason += f" (or set {env_var} to its binary)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so the tests that drive it must run", pytrace=False)
    pytest.skip(reason)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from current output")


#: The order tests are handed out in: the exporters' tests, then real processes, then the rest.
FIRST = ("export", "process")
#: Where each test's time in the last run is kept (pytest's cache, ``.pytest_cache``).
DURATIONS = "rnn-shapes/durations"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests first, the shortest last (pytest-xdist's worksteal gives each worker a
    contiguous share and steals from the end of a share): the workers end together, on short
    tests, and the exporters' tests share one worker, which pays torch's export warm-up alone.

    Within each group, the tests that took longest in the last run come first. That time only
    orders them (every worker reads the same file, so they agree on the order); a test never
    seen keeps its place, and a fresh checkout runs in the groups' own order.
    """
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    took: dict[str, float] = cache.get(DURATIONS, {}) if cache else {}

    def rank(item: pytest.Item) -> tuple[int, float]:
        group = next((i for i, name in enumerate(FIRST) if item.get_closest_marker(name)), len(FIRST))
        return group, -took.get(item.nodeid, 0.0)

    items.sort(key=rank)  # stable: tests of equal rank keep the order they were collected in


#: Each test's time in this run (setup, call and teardown), as the process that reports it sees it.
_took: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _took[report.nodeid] = _took.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """This run's times kept for the next run's order, by the process that saw every test (the
    controller under xdist); tests this run did not take keep their last time."""
    cache = getattr(session.config, "cache", None)
    if cache and not hasattr(session.config, "workerinput") and _took:
        kept = cache.get(DURATIONS, {})
        cache.set(DURATIONS, {**kept, **{k: round(v, 3) for k, v in _took.items()}})


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """An xdist worker ends without tearing down its modules: it has reported everything (its
    ``workerfinished`` is sent at session finish, before this), and tearing down torch, onnx and
    textual took 3 to 5 s, while the whole run waited for it. Exit handlers run first, and the
    output is flushed. The process that ran pytest ends the run's prefork server, after them."""
    if hasattr(config, "workerinput"):
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    _end_prefork()


def invoke(*args: str, input: str | bytes | None = None, env: dict[str, str | None] | None = None) -> Result:
    """Run the app in-process with typer's CliRunner (stdout and stderr kept apart).

    The command's own ``main`` maps every ending to an exit status, as for the console script.
    """
    return CliRunner().invoke(app, list(args), input=input, env={**PLAIN_ENV, **(env or {})})


def assert_refused(result: Result, needle: str = "") -> None:
    """Exit 2, nothing on stdout, one line on stderr that names the problem; never a bug of ours."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("rnn-shapes: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr
    assert needle in result.stderr, result.stderr


def invoke_json(*args: str) -> dict[str, Any]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout, parse_constant=_refuse)
    return doc


@functools.cache
def schema_validator() -> jsonschema.Draft202012Validator:
    """A validator of the schema ``rnn-shapes --json-schema`` prints, which is checked against
    its metaschema once here: ``jsonschema.validate`` checks the schema again on every call
    (about 0.1 s each; the suite's 47 checks took about 5 s)."""
    import jsonschema

    result = invoke("--json-schema")
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid(doc: Any) -> None:
    """``doc`` holds to the published schema; if not, the error jsonschema finds most relevant,
    as ``jsonschema.validate`` raises it."""
    import jsonschema

    error = jsonschema.exceptions.best_match(schema_validator().iter_errors(doc))
    if error is not None:
        raise error


def _refuse(name: str) -> None:
    raise AssertionError(f"non-strict JSON token {name}")


def strict_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse)


#: How xdist's controller hands each worker the run's prefork directory (``workerinput``).
PREFORK = "rnn_shapes_prefork"
#: The run's prefork directory, and the server this process started there, if it did.
_prefork: dict[str, Any] = {}


def _prefork_directory() -> Path:
    """One directory, so one server, for the whole run: made by the process that runs pytest and
    handed to xdist's workers (``pytest_configure_node``); a server's start imports torch, 1.5 s
    of CPU that a second server would spend again."""
    if "directory" not in _prefork:
        _prefork["directory"] = Path(tempfile.mkdtemp(prefix="rnn-shapes-prefork-"))
    directory: Path = _prefork["directory"]
    return directory


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput[PREFORK] = str(_prefork_directory())


def pytest_configure(config: pytest.Config) -> None:
    """A process that runs tests pauses the collector until they are collected; an xdist worker
    takes the run's prefork directory and its share of the cores."""
    _pause_the_collector(config)
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        if PREFORK in worker:
            _prefork["directory"] = Path(worker[PREFORK])
        _share_the_cores(int(worker["workercount"]))


def _runs_tests(config: pytest.Config) -> bool:
    """Not xdist's controller, which hands the tests out (and collects them only to list them,
    under ``--collect-only``): an xdist worker, or the only process (``-n 0``, ``-p no:xdist``).
    The hooks after this one run in such a process only, so only the pause asks."""
    if hasattr(config, "workerinput"):
        return True
    distributes = config.getoption("dist", "no") != "no" and config.getoption("tx", None)
    return not distributes or bool(config.getoption("collectonly"))


#: How many modules the process had when it last froze what it holds.
_frozen_at = {"modules": 0}


def _pause_the_collector(config: pytest.Config) -> None:
    """Until the tests are collected, the cyclic garbage collector is paused: importing torch,
    textual, hypothesis and the test modules made 7 full collections in each worker, each over
    everything imported so far (about 0.5 s of CPU). ``pytest_collection_finish`` freezes it all."""
    if _runs_tests(config):
        gc.disable()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the process holds once the tests are collected lives as long as it does: frozen
    (``gc.freeze``), no later full collection walks it again. Without it a worker's full
    collections, its imports' included, took 2.8 to 2.9 s of CPU (16 or 17 of them)."""
    _freeze()
    gc.enable()


@pytest.hookimpl(trylast=True)  # after the test's fixtures are finalised
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """A test that imported modules (the exporters, matplotlib, playwright) adds objects that
    live as long as the process: frozen too."""
    if len(sys.modules) > _frozen_at["modules"]:
        _freeze()


def _freeze() -> None:
    """Garbage collected first: frozen, it would never be freed, nor its finalisers run (an
    unclosed file's warning, say). The collection walks only what is not frozen yet."""
    gc.collect()
    gc.freeze()
    _frozen_at["modules"] = len(sys.modules)


def _share_the_cores(workers: int) -> None:
    """Each xdist worker runs torch on its share of the cores. With torch's default (a thread per
    core) in each of two workers on two cores, a 64 x 100 LSTM's forward took 2.2 to 3.0 s of
    CPU where one thread took 1.0: the threads wait for cores the other worker holds. The tests
    of thread counts set the count they test; real processes keep torch's default."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(max(1, cores // workers))


@functools.cache
def prefork_bin() -> Path:
    """The directory of the run's ``rnn-shapes`` and ``python`` clients (tests/prefork.py): real
    processes, forked from a server that imported torch once. The first worker to need them
    starts the server; the others wait on the directory's lock, then share it."""
    directory = _prefork_directory()
    with open(directory / "lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "python").exists():  # the clients are written once the server listens
            _start_prefork(directory)
    return directory


def _start_prefork(directory: Path) -> None:
    from prefork import write_clients

    path = str(directory / "server")
    with open(directory / "server.log", "wb") as log:  # the server's own, for as long as it runs
        server = subprocess.Popen(
            [sys.executable, str(HERE / "prefork.py"), path],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    _prefork["server"] = server
    (directory / "server.pid").write_text(str(server.pid))
    deadline = time.monotonic() + 300  # torch's import, on a machine as busy as a test run makes it
    while not os.path.exists(path):
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the prefork server did not start: " + (directory / "server.log").read_text())
        time.sleep(0.05)
    write_clients(directory, path)


def _end_prefork() -> None:
    """The run's prefork server gone, with its children and its directory, once every worker
    has ended: by the process that made the directory."""
    directory = _prefork.pop("directory", None)
    if directory is None:
        return
    with contextlib.suppress(FileNotFoundError):
        pid = int((directory / "server.pid").read_text())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    server = _prefork.pop("server", None)
    if server is not None:  # started here, where the tests ran in this process (-n 0)
        server.wait()
    shutil.rmtree(directory, ignore_errors=True)


def run_shell(
    script: str, env: dict[str, str], *, merge_stderr: bool = False, timeout: float = 300, fresh: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run a bash line as a user types it, ``pipefail`` on; a timed-out or interrupted test
    kills the whole pipeline (its own session), so no process outlives the test. ``rnn-shapes``
    in it is a real process forked from a parent with torch imported (``prefork_bin``), or a
    fresh interpreter with ``fresh``."""
    if not fresh:
        env = {**env, "PATH": f"{prefork_bin()}:{env.get('PATH', os.defpath)}"}
    bash = subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = bash.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(bash.pid, signal.SIGKILL)
        bash.wait()
    return subprocess.CompletedProcess(bash.args, bash.returncode, stdout, stderr or b"")


def run_process(
    *args: str, input: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 120, fresh: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run the real console script's code in a real process, as a shell would: forked from a
    parent with torch imported (``prefork_bin``), or with ``fresh`` a new interpreter."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full_env.update({"COLUMNS": "160", **(env or {})})
    command = [sys.executable, "-m", "rnn_cli"] if fresh else [str(prefork_bin() / "rnn-shapes")]
    return subprocess.run(
        [*command, *args],
        input=input if input is not None else b"",
        capture_output=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME, or rewrite it under --update-golden."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"

    return check


def run_on_terminal(
    *args: str, env: dict[str, str], rows: int = 24, columns: int = 80, cwd: Path | None = None, fresh: bool = False
) -> tuple[bytes, int]:
    """Run the console script's code in a pseudo-terminal of ``columns`` x ``rows`` (stdin and
    stdout both on it, as a person's shell has them): what the terminal showed, and the exit status.
    A process forked from a parent with torch imported (``prefork_bin``), or with ``fresh`` a new
    interpreter (one that makes the terminal its controlling terminal, as the explorer needs).

    The environment's own colour, width and pager settings are left out; ``env`` sets what a test needs.
    """
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    dropped = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "PAGER", "RNN_SHAPES_PAGER")
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update({"TERM": "xterm-256color", **env})
    command = [sys.executable, "-m", "rnn_cli"] if fresh else [str(prefork_bin() / "rnn-shapes")]
    process = subprocess.Popen(
        [*command, *args],
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=cwd,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed: the process has gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks), process.returncode
