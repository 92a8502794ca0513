"""--diagnose on messages torch makes here and now, with sizes no test was tuned on; the joins;
torch's warnings for the run's module."""

from __future__ import annotations

import json
import random
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from conftest import assert_refused, assert_valid, invoke, invoke_json, strict_loads
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_cli.core.diagnose import KINDS

#: Sizes drawn once, from a seed of their own: not the README's, not the ones the code was tried on.
DRAW = random.Random(20260521)
I_SIZE, I_GOT = DRAW.randint(11, 60), DRAW.randint(61, 300)
H, N, ROWS, STEPS = DRAW.randint(3, 40), DRAW.randint(5, 12), DRAW.randint(2, 4), DRAW.randint(3, 9)
V = DRAW.randint(13, 50)


def _message(call: Callable[[], object]) -> str:
    """``Class: message`` of what torch raises (a warning raised as an error), made live."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            call()
        except Exception as error:
            return f"{type(error).__name__}: {error}"
    raise AssertionError("torch raised nothing")


#: kind -> (torch's call that fails, the numbers its explanation must quote)
LIVE: dict[str, tuple[Callable[[], object], list[int]]] = {
    "input_size": (lambda: nn.LSTM(I_SIZE, H)(torch.zeros(2, N, I_GOT)), [I_SIZE, I_GOT]),
    "hidden_size": (
        lambda: nn.GRU(4, H, num_layers=ROWS)(torch.zeros(STEPS, N, 4), torch.zeros(1, N, H)),
        [ROWS, N, H],
    ),
    "hidden0_size": (
        lambda: nn.LSTM(4, H, batch_first=True)(torch.zeros(N, STEPS, 4), (torch.zeros(1, N + 3, H),) * 2),
        [N, N + 3],
    ),
    "hidden1_size": (
        lambda: nn.LSTM(4, H)(torch.zeros(STEPS, N, 4), (torch.zeros(1, N, H), torch.zeros(1, N, H + 2))),
        [H, H + 2],
    ),
    "hx_dims": (lambda: nn.RNN(4, H)(torch.zeros(STEPS, N, 4), torch.zeros(N, H)), [3, 2]),
    "input_dims": (lambda: nn.GRU(4, H)(torch.zeros(2, N, STEPS, 4)), [4]),
    "packed_input_dims": (
        lambda: nn.GRU(4, H)(pack_padded_sequence(torch.zeros(STEPS, N, 2, 4), torch.full((N,), STEPS))),
        [3],
    ),
    "input_dtype": (lambda: nn.LSTM(4, H)(torch.zeros(STEPS, N, 4, dtype=torch.int64)), []),
    "lengths_sorted": (lambda: pack_padded_sequence(torch.zeros(STEPS + 1, N, 3), torch.arange(1, N + 1)), []),
    "lengths_positive": (
        lambda: pack_padded_sequence(torch.zeros(STEPS, N, 3), torch.tensor([STEPS] * (N - 1) + [0])),
        [],
    ),
    "lengths_tensor": (lambda: pack_padded_sequence(torch.zeros(STEPS, N, 3), torch.ones(N, 1)), [2]),
    "lengths_count": (lambda: pack_padded_sequence(torch.zeros(N, STEPS, 3), torch.ones(N)), [N, STEPS]),
    "total_length": (
        lambda: pad_packed_sequence(
            pack_padded_sequence(torch.zeros(I_GOT, N, 2), torch.full((N,), I_GOT)), total_length=I_SIZE
        ),
        [I_SIZE, I_GOT],
    ),
    "target_size": (
        lambda: nn.CrossEntropyLoss()(torch.zeros(N, STEPS, V), torch.zeros(N, STEPS, dtype=torch.long)),
        [N, STEPS, V],
    ),
    "target_batch": (
        lambda: nn.CrossEntropyLoss()(torch.zeros(N * STEPS, V), torch.zeros(N * (STEPS - 1), dtype=torch.long)),
        [N * STEPS, N * (STEPS - 1)],
    ),
    "dropout_warning": (lambda: nn.GRU(4, H, dropout=0.35), [1]),
}


def _raised_by(code: str) -> str:
    """What the script raises, run in a namespace of its own (it imports torch itself)."""
    with warnings.catch_warnings():  # a script may turn warnings into errors: not for the tests after it
        try:
            exec(compile(code, "reproduction.py", "exec"), {"__name__": "__main__"})
        except Exception as error:
            return " ".join(str(error).split())
    raise AssertionError("the script raised nothing")


@pytest.mark.parametrize("kind", sorted(LIVE))
def test_a_live_message_is_recognised_explained_and_reproduced(kind: str) -> None:
    call, numbers = LIVE[kind]
    message = _message(call)
    doc = invoke_json("--diagnose", message)
    assert_valid(doc)
    found = doc["diagnosis"]
    assert found["kind"] == kind, (message, found["kind"])
    said = message.split(": ", 1)[1]
    assert found["message"] == " ".join(said.split())
    explained = found["cause"] + found["fix"] + found["fix_code"] + json.dumps(found["axes"])
    for number in numbers:
        assert str(number) in explained, (number, found["cause"])
    assert found["reproduced"] == found["message"] and found["same"], found
    assert _raised_by(found["code"]) == found["message"]
    assert invoke("--diagnose", message, "--code").stdout == found["code"]


def test_the_tables_say_what_torch_wanted_on_which_axis() -> None:
    message = _message(lambda: nn.GRU(4, H)(torch.zeros(STEPS, N, 4), torch.zeros(1, N + 2, H)))
    result = invoke("--diagnose", message)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert f"Expected hidden size (1, {N}, {H}), got [1, {N + 2}, {H}]" in text
    assert "a last batch smaller than the first" in text and f"h[:, :{N}]" in text
    assert "batch (N)" in text and "✓ the same message" in text and "rnn(x, h_0)" in text


def test_a_whole_traceback_on_stdin_is_recognised() -> None:
    rnn = nn.LSTM(3, H, batch_first=True)
    try:
        rnn(torch.zeros(N, STEPS, 3), (torch.zeros(2, N, H), torch.zeros(1, N, H)))
    except RuntimeError:
        log = "/home/me/train.py:12: UserWarning: something else\n" + traceback.format_exc()
    doc = strict_loads(invoke("--diagnose", "-", "--json", input=log).stdout)
    assert doc["diagnosis"]["kind"] == "hidden0_size"
    assert doc["diagnosis"]["expected"] == [1, N, H] and doc["diagnosis"]["got"] == [2, N, H]
    assert "LSTM" in doc["diagnosis"]["code"] and doc["diagnosis"]["same"]


def test_the_last_error_is_diagnosed_and_the_warning_before_it_named() -> None:
    log = "\n".join(
        [
            _message(lambda: nn.GRU(4, H, dropout=0.5)).replace("UserWarning: ", "x.py:3: UserWarning: "),
            f"  rnn = nn.GRU(4, {H}, dropout=0.5)",  # the line a warning quotes
            "Traceback (most recent call last):",
            '  File "x.py", line 9, in <module>',
            _message(lambda: nn.GRU(4, H)(torch.zeros(1, N, 4 + 1))),
        ]
    )
    found = invoke_json("--diagnose", log)["diagnosis"]
    assert found["kind"] == "input_size" and found["others"] == ["dropout_warning"]
    assert "nn.GRU(4, 1)" in found["code"]  # the class the text names


def test_unrelated_text_is_exit_1_with_one_line_naming_the_kinds() -> None:
    result = invoke("--diagnose", "KeyError: 'weight'\nSegmentation fault")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no recurrent-layer error or warning" in result.stderr
    assert "internal error" not in result.stderr
    assert all(kind in result.stderr for kind in KINDS)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["hello", "--diagnose", "x"], "not words"),
        (["--diagnose", "x", "--hidden", "3"], "--hidden does not go with --diagnose"),
        (["--diagnose", "x", "--batch"], "--batch does not go with --diagnose"),
        (["--diagnose", " "], "needs the text"),
    ],
)
def test_diagnose_beside_what_makes_no_sense_is_refused(args: list[str], needle: str) -> None:
    assert_refused(invoke(*args), needle)


def test_cudnn_eval_backward_is_explained_and_reproduced_only_with_cuda() -> None:
    found = invoke_json("--diagnose", "RuntimeError: cudnn RNN backward can only be called in training mode")
    assert_valid(found)
    d = found["diagnosis"]
    assert d["kind"] == "cudnn_eval_backward" and d["needs_cuda"] and ".train()" in d["fix"]
    assert 'device="cuda"' in d["code"] and "backward()" in d["code"]
    if not torch.cuda.is_available():
        assert d["reproduced"] is None and "CUDA" in d["note"]


def test_the_weights_warning_is_explained() -> None:
    text = (
        "UserWarning: RNN module weights are not part of single contiguous chunk of memory. This means they "
        "need to be compacted at every call, possibly greatly increasing memory usage. To compact weights "
        "again call flatten_parameters()."
    )
    d = invoke_json("--diagnose", text)["diagnosis"]
    assert d["kind"] == "weights_warning" and "flatten_parameters()" in d["fix_code"] and d["needs_cuda"]


# -- the joins --------------------------------------------------------------------------------------


def _idioms(doc: dict[str, Any], topic: str) -> list[dict[str, Any]]:
    return [i for i in doc["idioms"] if i["topic"] == topic]


def test_the_joins_on_a_bidirectional_gru() -> None:
    doc = invoke_json("hello", "hi", "abc", "--cell", "gru", "--bidirectional", "--hidden", "3", "--no-values")
    assert_valid(doc)
    assert all(i["topic"] for i in doc["idioms"])
    bridge, summed, as_is = _idioms(doc, "bridge")
    assert bridge["shape"] == [1, 3, 3] and bridge["holds"] and "nn.Linear(6, 3)" in bridge["expression"]
    assert summed["shape"] == [1, 3, 3] and summed["holds"]
    assert as_is["error"] == "Expected hidden size (1, 3, 3), got [2, 3, 3]" and as_is["holds"]
    scores, weights, context = _idioms(doc, "attention")
    assert scores["shape"] == weights["shape"] == [3, 5] and context["shape"] == [3, 6]
    assert weights["holds"] and "sum to 1 over its real steps (checked)" in weights["note"]
    assert all(i["holds"] for i in _idioms(doc, "carry")) and all(i["holds"] for i in _idioms(doc, "cell"))


def test_carry_and_cell_check_on_a_seq_first_lstm() -> None:
    doc = invoke_json("hello", "hi", "--cell", "lstm", "--layers", "2", "--seq-first", "--h0", "random", "--no-values")
    carry, smaller = _idioms(doc, "carry")
    assert carry["holds"] and "equal one long run (checked" in carry["note"]
    assert smaller["error"].startswith("Expected hidden[0] size (2, 1, 2)") and smaller["holds"]
    (cell,) = _idioms(doc, "cell")
    assert cell["holds"] and cell["shape"] == [2, 2] and "nn.LSTMCell(" in cell["expression"]


# -- settings torch warns about ---------------------------------------------------------------------


def test_torch_s_dropout_warning_is_reported_even_under_pythonwarnings_error() -> None:
    args = ["--module", "nn.LSTM(10, 20, dropout=0.5)", "--batch-size", "2", "--seq-len", "3", "--seed", "7"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as PYTHONWARNINGS=error sets it: the warning is recorded, not raised
        doc = invoke_json(*args)
    assert_valid(doc)
    (warned,) = doc["warnings"]
    assert warned["category"] == "UserWarning" and "but got dropout=0.5 and num_layers=1" in warned["message"]
    assert "eval mode" in warned["meaning"] and "nn.Dropout(0.5)" in warned["meaning"]
    tables = invoke(*args).stdout
    assert "torch warned: dropout option adds dropout" in tables
    assert invoke_json("hello", "--layers", "2")["warnings"] == []
