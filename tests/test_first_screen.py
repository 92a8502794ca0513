"""What a learner sees first, the same bytes every run, padding that matches the words, and a
pager for a report taller than the terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import assert_refused, invoke, invoke_json, prefork_bin, run_on_terminal

from rnn_cli import explore
from rnn_cli.render.sections import FIRST_SCREEN, SECTIONS

SEED = ("hello", "eolll", "lleel", "--hidden", "2")


def test_the_seed_example_fits_a_first_screen_with_what_a_learner_came_for() -> None:
    text = invoke(*SEED, env={"COLUMNS": "80"}).stdout
    lines = text.splitlines()
    assert len(lines) <= 60, len(lines)
    for needed in (
        "Vocabulary",
        "input    (3, 5, 4)   batch=3 × seq=5 × input=4",
        "output   (3, 5, 2)   batch=3 × seq=5 × hidden=2",
        "h_n      (1, 3, 2)   layer*direction=1 × batch=3 × hidden=2",
        "hello   h     e     l     l     o",  # the input tokens
        "[-0.8996, +0.3307]",  # output and h_n values
        "✓ verified",
    ):
        assert needed in text, needed
    assert lines[-1].startswith("more with --all: "), lines[-1]
    for hidden in ("Parameters", "The run", "Using the output", "Cost of one forward pass"):
        assert hidden not in text
    assert "one plain batch: every word is 5 long" in text  # equal words are not packed


def test_all_and_show_choose_the_sections() -> None:
    everything = invoke(*SEED, "--all", env={"COLUMNS": "80"}).stdout
    for heading in ("Parameters", "The run", "Using the output", "Cost of one forward pass", "Shapes"):
        assert heading in everything
    assert "more with --all" not in everything
    only = invoke(*SEED, "--show", "shapes,h_n").stdout
    assert "Shapes" in only and "h_n: final state" in only and "Vocabulary" not in only and "✓ verified" not in only
    assert "more with --all: 10 other sections" in only
    assert_refused(invoke(*SEED, "--show", "shapez"), "no section 'shapez'; the sections are header, vocabulary")
    assert_refused(invoke(*SEED, "--show", "shapes", "--all"), "--all and --show")
    assert set(FIRST_SCREEN) < set(SECTIONS)


def test_the_last_line_names_an_expression_that_is_wrong_for_these_words() -> None:
    text = invoke("hello", "hi", env={"COLUMNS": "80"}).stdout
    assert "careful: output[:, -1] is not every word's final state here (--show idioms)" in text
    assert "careful" not in invoke(*SEED).stdout  # equal lengths: output[:, -1] is every final state


def test_json_stays_complete_whatever_the_tables_show() -> None:
    assert invoke_json(*SEED) == invoke_json(*SEED, "--show", "shapes")
    doc = invoke_json(*SEED)
    assert doc["idioms"] and doc["parameters"] and doc["cost"]["mult_adds"] == 240


def test_the_same_arguments_give_the_same_bytes() -> None:
    for extra in ((), ("--json",), ("--all",), ("--all", "--bidirectional", "--cell", "lstm")):
        first, second = invoke(*SEED, *extra), invoke(*SEED, *extra)
        assert first.exit_code == 0 and first.stdout == second.stdout
    lines = '{"words": ["hello", "hi"]}\n{"words": ["ab"], "cell": "lstm"}\n'
    assert invoke("--batch", input=lines).stdout == invoke("--batch", input=lines).stdout


def test_time_measures_the_forward_only_when_asked() -> None:
    cost = invoke_json(*SEED)["cost"]
    assert cost["forward_seconds"] is None and cost["timing"] is None
    cost = invoke_json(*SEED, "--time")["cost"]
    assert cost["forward_seconds"] > 0 and "forward" in cost["timing"]
    answers = invoke("--batch", "--time", input='{"words": ["ab"]}\n{"words": ["ab"], "time": false}\n')
    first, second = (json.loads(line)["cost"]["forward_seconds"] for line in answers.stdout.splitlines())
    assert first > 0 and second is None
    assert explore(["ab"]).cost.forward_seconds is None  # type: ignore[union-attr]
    assert (explore(["ab"], timed=True).cost.forward_seconds or 0) > 0  # type: ignore[union-attr]


def test_padding_matches_the_words() -> None:
    equal = invoke_json(*SEED)
    assert equal["config"]["padding"] == "zeros" and equal["packed"] is None and equal["batch_sizes"] is None
    assert all(e["pad_steps"] == 0 and e["h_n_max_abs_diff"] == 0 for e in equal["padding_effects"])
    differ = invoke_json("hello", "hi")
    assert differ["config"]["padding"] == "packed" and differ["packed"]["batch_sizes"] == [2, 2, 1, 1, 1]
    assert invoke_json(*SEED, "--padding", "packed")["config"]["padding"] == "packed"
    assert invoke_json("hello", "hi", "--padding", "zeros")["config"]["padding"] == "zeros"
    assert explore(["ab", "cd"]).config.padding == "zeros"
    assert explore(["ab", "c"]).config.padding == "packed"


def _on_a_terminal(tmp_path: Path, *args: str, env: dict[str, str]) -> tuple[bytes, int]:
    """Run in a pseudo-terminal of 80x24; what the terminal showed and the exit status."""
    return run_on_terminal(*args, env=env, cwd=tmp_path)


@pytest.mark.process
def test_a_report_taller_than_the_terminal_opens_in_the_pager(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    pager = {"RNN_SHAPES_PAGER": f"cat > {paged}"}
    shown, status = _on_a_terminal(tmp_path, *SEED, env=pager)
    assert status == 0 and b"Shapes" not in shown  # it went to the pager, not the screen
    text = re.sub(r"\x1b\[[0-9;]*m", "", paged.read_text(encoding="utf-8"))  # the pager gets the colours
    assert "Shapes" in text and "✓ verified" in text and "more with --all" in text
    paged.unlink()
    shown, status = _on_a_terminal(tmp_path, *SEED, "--no-pager", env=pager)
    assert status == 0 and b"Shapes" in shown and not paged.exists()
    shown, status = _on_a_terminal(tmp_path, *SEED, "--show", "shapes", env=pager)  # fits: no pager
    assert status == 0 and b"Shapes" in shown and not paged.exists()
    shown, status = _on_a_terminal(tmp_path, *SEED, env={"PAGER": f"cat > {paged}"})  # $PAGER when ours is unset
    assert status == 0 and paged.exists()


@pytest.mark.process
def test_a_pipe_is_never_paged(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({"RNN_SHAPES_PAGER": f"cat > {paged}", "COLUMNS": "80"})
    proc = subprocess.run(
        [str(prefork_bin() / "rnn-shapes"), *SEED, "--all"], capture_output=True, env=env, timeout=60, check=False
    )
    assert proc.returncode == 0 and b"Parameters" in proc.stdout and not paged.exists()
