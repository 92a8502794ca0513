"""watch(model) and --watch SCRIPT: every recurrent call of a real forward found, named and
checked, and each line of the forward that uses their outputs judged per row, at its file and
line; the forward's outputs and gradients untouched, nothing of it kept."""

from __future__ import annotations

import gc
import io
import os
import weakref
from pathlib import Path
from typing import Any

import pytest
import torch
import watched_models
from conftest import assert_refused, assert_valid, invoke, run_shell, strict_loads
from rich.console import Console
from torch import nn
from watched_models import CellLoop, Flattener, PackedClassifier, Seq2Seq, Tagger, UnpackedClassifier

from rnn_cli import watch
from rnn_cli.core.watch import Finding, Watch
from rnn_cli.display import ShownWatch

MODELS = Path(watched_models.__file__)
#: What a line may be judged and still be right: nothing to fix.
RIGHT = {"final_state", "state_rows", "rows", "computed", "layers_joined"}


def line_of(mark: str) -> int:
    """The number of the line of watched_models.py that ends with ``# mark: MARK``."""
    lines = MODELS.read_text(encoding="utf-8").splitlines()
    found = [k + 1 for k, text in enumerate(lines) if text.rstrip().endswith(f"# mark: {mark}")]
    assert len(found) == 1, mark
    return found[0]


def finding(w: Watch, mark: str) -> Finding:
    line = line_of(mark)
    found = [f for f in w.findings if Path(f.file) == MODELS and f.line == line]
    assert len(found) == 1, (mark, [(f.line, f.kind) for f in w.findings])
    return found[0]


def watched(model: nn.Module, *args: Any, **kwargs: Any) -> ShownWatch:
    with watch(model) as w:
        model(*args, **kwargs)
    return w


def packed_batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    return torch.randint(1, 30, (4, 6), generator=generator), torch.tensor([6, 4, 2, 5])


def padded_tokens(lengths: list[int], steps: int, seed: int) -> torch.Tensor:
    """Random tokens 1.. for each sequence's length, then 0 (the padding index) to ``steps``."""
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, 20, (len(lengths), steps), generator=generator)
    return tokens * (torch.arange(steps)[None, :] < torch.tensor(lengths)[:, None])


@pytest.mark.parametrize("lengths", [[5, 3, 1], [2, 6, 6, 4], [7, 1]])
def test_a_padded_batch_given_unpacked_is_seen_and_its_last_step_is_not_called_final(lengths: list[int]) -> None:
    torch.manual_seed(len(lengths))
    steps = max(lengths)
    w = watched(UnpackedClassifier(), padded_tokens(lengths, steps, seed=steps), torch.tensor(lengths))
    [call] = w.calls
    assert not call.packed and call.zero_tails == lengths
    short = [k for k, n in enumerate(lengths) if n < steps]
    for mark in ("unpacked-last", "unpacked-state"):
        found = finding(w, mark)
        assert found.kind == "through_padding" and found.final_state == [n == steps for n in lengths]
        assert found.facts["reasons"] == {"through_padding": short}
        assert found.facts["zero_steps"] == [steps - lengths[k] for k in short]
    assert finding(w, "unpacked-ends").kind == "final_state"  # each sequence's own last step
    document = w.to_json()
    assert_valid(document)
    assert document["calls"][0]["zero_tails"] == lengths
    fixes = {f["line"]: f["fix"] for f in document["findings"]}
    assert "pack_padded_sequence(x, lengths, batch_first=True" in fixes[line_of("unpacked-last")]
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(w)
    assert f"{len(short)} of {len(lengths)} sequences' input ends in all-zero steps" in console.export_text()


def test_zero_tails_only_where_some_sequences_end_in_zeros_and_others_do_not() -> None:
    torch.manual_seed(1)
    model = UnpackedClassifier(bidirectional=True)
    full = watched(model, padded_tokens([4, 4], 4, seed=1), torch.tensor([4, 4]))
    assert full.calls[0].zero_tails is None and finding(full, "unpacked-last").kind == "backward_half"
    both = watched(model, padded_tokens([3, 2], 4, seed=2), torch.tensor([3, 2]))  # every one ends in zeros
    assert both.calls[0].zero_tails is None
    mixed = watched(model, padded_tokens([4, 2], 4, seed=3), torch.tensor([4, 2]))
    assert mixed.calls[0].zero_tails == [4, 2]
    # bidirectional: even each sequence's own last step has the backward half run through the padding
    ends = finding(mixed, "unpacked-ends")
    assert ends.kind == "through_padding" and ends.facts["reasons"]["through_padding"] == [1]
    last = finding(mixed, "unpacked-last")
    assert last.facts["reasons"] == {"backward_half": [0], "through_padding": [1]}
    [said] = [f["note"] for f in mixed.to_json()["findings"] if f["line"] == line_of("unpacked-last")]
    assert said.endswith(
        "row 0 of 2: the forward half is the final state, the backward half has seen one step only (it starts there)"
    )


def test_a_packed_bidirectional_classifier_each_line_judged_per_row() -> None:
    torch.manual_seed(0)
    tokens, lengths = packed_batch()
    w = watched(PackedClassifier(), tokens, lengths)
    [call] = w.calls
    assert (call.name, call.count, call.packed, call.lengths) == ("rnn", 1, True, [6, 4, 2, 5])
    assert call.verification is not None and call.verification.ok
    assert {t.name: t.shape for t in call.tensors}["h_n"] == (4, 4, 5)
    last = finding(w, "padded-last")
    # the longest sequence's last step: its forward half final, its backward half one step in
    assert last.kind == "padding" and last.final_state == [False] * 4
    assert last.facts["reasons"] == {"backward_half": [0], "padding": [1, 2, 3]}
    assert last.code == "last = out[:, -1]  # mark: padded-last" and last.shape == (4, 10)
    backward = finding(w, "backward-only")
    assert backward.kind == "one_direction" and backward.final_state == [False] * 4
    final = finding(w, "final")
    assert final.kind == "final_state" and final.final_state == [True] * 4
    assert finding(w, "unpacked").kind == "rows"


def test_a_bridge_that_hands_layer_0_to_the_decoder_is_found_and_the_right_bridge_is_not() -> None:
    torch.manual_seed(1)
    model = Seq2Seq()
    source, target = torch.randn(6, 3, 4), torch.randn(5, 3, 4)
    wrong = watched(model, source, target, bridged=False)
    assert [(c.name, c.count) for c in wrong.calls] == [("encoder", 1), ("decoder", 1)]
    assert all(c.verification is not None and c.verification.ok for c in wrong.calls)
    handed = finding(wrong, "handed")
    assert handed.kind == "handed_state" and handed.call == "encoder"
    # the decoder reads row 1 (layer 0's backward half) as its layer 1
    assert handed.facts["mismatches"] == [(1, 0, 1)] and handed.facts["receiver"] == "decoder"
    right = watched(model, source, target, bridged=True)
    assert finding(right, "paired").kind == "state_rows"
    for w in (wrong, right):  # attention: computed, or each row one sequence's, never a mistake
        for mark in ("queries", "weights", "context", "joined"):
            assert finding(w, mark).kind in RIGHT, mark


def test_state_rows_handed_on_are_judged_by_the_layers_the_receiver_reads_them_as() -> None:
    encoder, one, two = nn.GRU(4, 5, num_layers=3), nn.GRU(4, 5), nn.GRU(4, 5, num_layers=2)
    x = torch.randn(6, 2, 4)
    with watch() as w:
        _, h_n = encoder(x)
        top = h_n[-1:]
        one(x, top)
        last_two = h_n[-2:]
        two(x, last_two)
        reversed_rows = h_n[[2, 1]]
        two(x, reversed_rows)
    kinds = {f.code: f.kind for f in w.findings}
    assert kinds == {
        "top = h_n[-1:]": "state_rows",
        "last_two = h_n[-2:]": "state_rows",
        "reversed_rows = h_n[[2, 1]]": "handed_state",
    }
    assert [(c.name, c.count) for c in w.calls] == [("encoder", 1), ("one", 1), ("two", 2)]


def test_a_tagger_that_flattens_steps_is_right() -> None:
    torch.manual_seed(2)
    w = watched(Tagger(), torch.randn(2, 5, 4))
    flat = finding(w, "flat-steps")
    assert flat.kind == "rows" and flat.final_state is None


def test_a_cell_loop_is_one_call_with_a_count_checked_by_the_cells_equations() -> None:
    torch.manual_seed(3)
    w = watched(CellLoop(), torch.randn(7, 2, 3))
    [call] = w.calls
    assert (call.name, call.kind, call.count) == ("cell", "cell", 7)
    assert call.verification is not None and call.verification.ok
    assert call.call == "torch.nn.LSTMCell(input_size=3, hidden_size=4)"


def test_view_that_mixes_sequences_is_found_and_the_transpose_is_not() -> None:
    torch.manual_seed(4)
    w = watched(Flattener(), torch.randn(5, 3, 3))
    mixed = finding(w, "view-mixes")
    assert mixed.kind == "mixed_words" and mixed.facts["rows"][0] == [0, 1]
    joined = finding(w, "transposed")
    assert joined.kind == "layers_joined" and joined.facts["order"] == [(0, 0), (1, 0)]


def test_a_training_step_under_watch_gives_the_same_outputs_and_gradients() -> None:
    tokens, lengths = packed_batch()

    def step(watching: bool) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        torch.manual_seed(5)
        model = PackedClassifier()
        if watching:
            with watch(model):
                loss = model(tokens, lengths)["logits"].logsumexp(1).sum()
                loss.backward()
        else:
            loss = model(tokens, lengths)["logits"].logsumexp(1).sum()
            loss.backward()
        return loss.detach(), {k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None}

    plain, watched_step = step(False), step(True)
    assert torch.equal(plain[0], watched_step[0])
    assert plain[1].keys() == watched_step[1].keys()
    assert all(torch.equal(plain[1][k], watched_step[1][k]) for k in plain[1])


def test_nothing_of_the_forward_is_kept_once_the_block_ends() -> None:
    model = Flattener()
    kept: list[weakref.ref[torch.Tensor]] = []
    hook = model.rnn.register_forward_hook(
        lambda m, args, out: kept.extend([weakref.ref(out[0]), weakref.ref(args[0])])
    )
    with watch(model) as w:
        model(torch.randn(5, 3, 3))
    hook.remove()
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None and all(ref() is None for ref in kept)
    assert w.findings and w.calls  # what was found outlives the forward


def test_the_document_matches_its_schema_and_names_each_finding() -> None:
    torch.manual_seed(6)
    tokens, lengths = packed_batch()
    w = watched(PackedClassifier(), tokens, lengths)
    doc = w.to_json()
    assert_valid(doc)
    assert list(doc) == ["schema_version", "calls", "findings"]
    [call] = doc["calls"]
    assert call["tensors"]["h_n"] == {"shape": [4, 4, 5], "axes": ["layer*direction", "batch", "hidden"]}
    assert call["verification"]["ok"] is True
    by_line = {f["line"]: f for f in doc["findings"]}
    last = by_line[line_of("padded-last")]
    assert last["file"] == str(MODELS) and last["fix"] and last["final_state"] == [False] * 4
    assert by_line[line_of("final")]["fix"] is None
    assert "# mark: padded-last" in w.to_svg() and "# mark: padded-last" in w.to_html()  # the report, drawn


def test_a_recurrent_call_outside_any_model_is_named_by_its_variable() -> None:
    rnn = nn.GRU(3, 4, num_layers=2)
    with watch() as w:
        _, h_n = rnn(torch.randn(5, 2, 3))
        top = h_n[-1]
    assert [c.name for c in w.calls] == ["rnn"]
    assert [f.kind for f in w.findings] == ["final_state"] and top.shape == (2, 4)


def test_a_module_rnn_shapes_cannot_check_is_listed_and_the_forward_runs() -> None:
    rnn = nn.LSTM(3, 4).to(torch.bfloat16)
    with watch() as w:
        out, _ = rnn(torch.randn(5, 2, 3, dtype=torch.bfloat16))
    assert out.dtype == torch.bfloat16
    [call] = w.calls
    assert call.note is not None and "bfloat16" in call.note and call.verification is None


def test_a_forward_that_fails_fails_as_it_would_without_watch(recwarn: pytest.WarningsRecorder) -> None:
    rnn = nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match=r"input\.size"), watch():
        rnn(torch.randn(5, 2, 6))
    assert not [w for w in recwarn if "hook" in str(w.message)]


# -- the command line -----------------------------------------------------------------------------

SCRIPT = """\
import sys
import torch
from torch import nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 4, num_layers=2, bidirectional=True)

    def forward(self, x):
        _, (h_n, _) = self.rnn(x)
        return h_n[-1]

torch.manual_seed(0)
model = Encoder()
print("args", sys.argv[1:])
print("shape", tuple(model(torch.randn(5, 2, 3)).shape))
{ending}
"""


def write_script(tmp_path: Path, ending: str = "") -> Path:
    path = tmp_path / "train.py"
    path.write_text(SCRIPT.format(ending=ending), encoding="utf-8")
    return path


def test_watch_runs_the_script_with_its_own_arguments_and_reports_on_stderr(tmp_path: Path) -> None:
    script = write_script(tmp_path, "sys.exit(3)")
    result = invoke("--json-file", str(tmp_path / "w.json"), "--watch", str(script), "--hidden", "-x", "--json")
    assert result.exit_code == 3, result.stderr
    assert result.stdout == "args ['--hidden', '-x', '--json']\nshape (2, 4)\n"
    assert "Recurrent calls in the forward" in result.stderr and "train.py:12" in result.stderr
    doc = strict_loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert_valid(doc)
    assert [c["name"] for c in doc["calls"]] == ["rnn"]
    [line] = doc["findings"]
    assert (line["line"], line["code"], line["final_state"]) == (12, "return h_n[-1]", [False, False])


@pytest.mark.parametrize(
    ("ending", "status", "said"),
    [
        ("raise ValueError('the script failed')", 1, "ValueError: the script failed"),
        ("sys.exit('a message of its own')", 1, "a message of its own"),
        ("try:\n    raise KeyboardInterrupt\nexcept KeyboardInterrupt:\n    print('caught')", 0, ""),
        ("raise KeyboardInterrupt", 130, ""),
    ],
    ids=["exception", "exit-message", "caught-interrupt", "interrupt"],
)
def test_the_script_ends_as_python_would_end_it(tmp_path: Path, ending: str, status: int, said: str) -> None:
    result = invoke("--watch", str(write_script(tmp_path, ending)))
    assert result.exit_code == status, result.stderr
    assert said in result.stderr and "Recurrent calls in the forward" in result.stderr
    if status == 1 and "Error" in said:
        line = SCRIPT.splitlines().index("{ending}") + 1
        assert f'File "{tmp_path / "train.py"}", line {line}' in result.stderr
        assert "runpy" not in result.stderr and "rnn_cli" not in result.stderr


@pytest.mark.process
def test_the_report_follows_the_scripts_own_output_in_a_real_process(tmp_path: Path) -> None:
    script = write_script(tmp_path, "sys.exit(4)")
    done = run_shell(f"cd {tmp_path} && rnn-shapes --watch train.py a b", env=dict(os.environ), merge_stderr=True)
    text = done.stdout.decode()
    assert done.returncode == 4, text
    assert text.index("shape (2, 4)") < text.index("Recurrent calls in the forward")
    assert "\ntrain.py:12\n  return h_n[-1]\n" in text and str(script.parent) not in text  # relative to where it ran


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--json", "--watch", "{script}"], "--json does not go with --watch"),
        (["hello", "--watch", "{script}"], "give no words before it"),
        (["--hidden", "3", "--watch", "{script}"], "--hidden does not go with --watch"),
        (["--watch", "{missing}"], "does not exist"),
        (["--watch", "{folder}"], "is a folder"),
        (["--watch", "{fifo}"], "is a FIFO (named pipe), not a regular file: give your script's file"),
        (["--watch", "/dev/zero"], "is a character device, not a regular file"),
        (["--json-file", "{folder}/w.json"], "--json-file writes the document of --watch SCRIPT"),
    ],
)
def test_watch_refuses_what_cannot_apply(tmp_path: Path, args: list[str], needle: str) -> None:
    script = write_script(tmp_path)
    paths = {"script": str(script), "missing": str(tmp_path / "none.py"), "folder": str(tmp_path)}
    os.mkfifo(tmp_path / "fifo.py")  # read whole before it runs: it would wait for a writer forever
    paths["fifo"] = str(tmp_path / "fifo.py")
    assert_refused(invoke(*[a.format(**paths) for a in args]), needle)


def test_only_a_real_watch_option_splits_the_command_line(tmp_path: Path) -> None:
    script = write_script(tmp_path, "print('the script ran')")
    words = invoke("--json", "--", "--watch", str(script))  # words after --, not the option
    assert words.exit_code == 0 and "the script ran" not in words.stdout
    assert strict_loads(words.stdout)["words"] == ["--watch", str(script)]
    valued = invoke("--watch=" + str(script), "x")
    assert valued.exit_code == 0 and "args ['x']" in valued.stdout and "the script ran" in valued.stdout


def test_every_kind_a_line_can_be_judged_has_its_words_and_is_in_the_schema() -> None:
    """The kinds are listed three times, for three readers (the judge's reasons, the sentences,
    the document's type): a kind added to one is added to all."""
    from typing import get_args, get_type_hints

    from rnn_cli.core.watch.judge import REASONS
    from rnn_cli.render.document_types import WatchFindingDoc
    from rnn_cli.render.watch_notes import FIXES, NOTES

    documented = set(get_args(get_type_hints(WatchFindingDoc)["kind"]))
    assert documented == set(NOTES)
    assert set(REASONS) <= documented and set(FIXES) <= documented
    # a wrong line has its fix, but for not_final: no reason read from its rows, so none to undo
    assert {kind for kind in documented if kind not in RIGHT} == set(FIXES) | {"not_final"}
