"""Sweeps in one process: modules built once per configuration, tiny runs on one thread."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from conftest import invoke

import rnn_cli.core.forward
import rnn_cli.core.run
from rnn_cli import explore

#: torch's oneDNN switch (a property of the module object, which its stubs type as a descriptor).
MKLDNN: Any = torch.backends.mkldnn
CONFIGS = [{"hidden": h, "cell": c} for h in (1, 2, 3, 5) for c in ("rnn", "gru", "lstm")]


def _requests(count: int) -> str:
    return "".join(
        json.dumps({"words": ["hello", "eolll", "lleel"], **CONFIGS[i % len(CONFIGS)]}) + "\n" for i in range(count)
    )


def test_a_batch_builds_each_configuration_once_and_answers_as_single_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    rnn_cli.core.forward._MODULES.clear()
    rnn_cli.core.forward._MODULE_BYTES.clear()
    built: list[Any] = []
    real = rnn_cli.core.forward.construct_module

    def counted(config: Any, input_size: int) -> Any:
        built.append(config)
        return real(config, input_size)

    monkeypatch.setattr(rnn_cli.core.forward, "construct_module", counted)
    result = invoke("--batch", input=_requests(3 * len(CONFIGS)))
    assert result.exit_code == 0, result.stderr
    assert len(built) == len(CONFIGS)
    lines = result.stdout.splitlines()
    for i, config in enumerate(CONFIGS):
        single = invoke("hello", "eolll", "lleel", "--hidden", str(config["hidden"]), "--cell", str(config["cell"]))
        assert single.exit_code == 0
        as_json = invoke(
            "hello", "eolll", "lleel", "--hidden", str(config["hidden"]), "--cell", str(config["cell"]), "--json"
        )
        # byte for byte, but the measured forward time
        assert lines[i] + "\n" == lines[i + len(CONFIGS)] + "\n" == as_json.stdout


def test_the_module_cache_is_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    rnn_cli.core.forward._MODULES.clear()
    rnn_cli.core.forward._MODULE_BYTES.clear()
    monkeypatch.setattr(rnn_cli.core.forward, "MODULE_CACHE_BYTES", 40_000)
    for hidden in (10, 20, 30, 40, 50):  # an LSTM of hidden 50 over 4 inputs holds 44,000 bytes
        explore(["hello"], hidden_size=hidden, cell="lstm")
    assert len(rnn_cli.core.forward._MODULES) == 1  # the newest stays even when it alone is over
    explore(["hello"], hidden_size=2)
    assert len(rnn_cli.core.forward._MODULES) == 1
    assert sum(rnn_cli.core.forward._MODULE_BYTES.values()) <= 40_000


def test_tiny_runs_use_one_thread_and_give_the_callers_count_back(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = rnn_cli.core.forward.run_forward

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(rnn_cli.core.forward, "run_forward", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        explore(["hello", "eolll"], hidden_size=4)
        assert seen[-1] == 1
        assert torch.get_num_threads() == 2
        monkeypatch.setattr(rnn_cli.core.run, "PARALLEL_MULT_ADDS", 10)  # now the same run counts as big
        explore(["hello", "eolll"], hidden_size=4)
        assert seen[-1] == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_only_the_idioms_extra_calls_leave_onednn_and_the_callers_setting_comes_back(cell: str) -> None:
    """oneDNN compiles an LSTM primitive for each new set of shapes: the extra calls (the layout
    trap, the carried chunks) run on torch's own kernels; the run's own forward, whose values are
    printed, on the caller's choice, which is as it was after."""
    module = getattr(torch.nn, cell.upper())(4, 3, batch_first=True)
    seen: list[tuple[tuple[int, ...], bool]] = []
    hook = module.register_forward_hook(lambda _m, args, _out: seen.append((tuple(args[0].shape), _onednn())))
    before = _onednn()
    try:
        for enabled in (True, False):
            MKLDNN.enabled = enabled
            seen.clear()
            result = explore(["hello", "eolll", "lleel"], module=module, input_size=4)
            assert seen[0] == ((3, 5, 4), enabled)  # the run itself, as the caller set it
            # the layout trap (the batch read the other way), and the carried chunks: a GRU of one
            # layer starts from the run's own first steps, an LSTM's cell state is not in output
            chunks = {(3, 2, 4), (3, 3, 4)} if cell == "lstm" else {(3, 3, 4)}
            assert {shape for shape, _ in seen[1:]} == {(3, 5, 4), *chunks}
            assert not any(on for _, on in seen[1:])  # every extra call on torch's own kernels
            assert _onednn() == enabled
            assert [i.kind for i in result.idioms if i.kind == "carry_chunks"]
    finally:
        hook.remove()
        MKLDNN.enabled = before


def _onednn() -> bool:
    return bool(MKLDNN.enabled)
