"""torch's recurrent-layer warnings (dropout with one layer; weights outside cuDNN's flat
buffer) and the cuDNN error of backward in eval mode."""

from __future__ import annotations

import math

from .common import Call, Message, Ref, assign, module, zeros
from .model import Cause, Diagnosis, diagnosis
from .steps import Reproduction, Statement


def dropout_warning(message: Message) -> Diagnosis:
    text, layers = message.numbers["p"], message.whole("layers")
    try:
        p: float | int = int(text) if text.isdigit() else float(text)
    except ValueError:
        p = float("nan")
    ok = isinstance(p, int) or math.isfinite(p)
    cell = message.cell("LSTM")
    repro = Reproduction(
        [Statement(module(cell, 1, 1, dropout=p), (), "num_layers=1")],
        warning=True,
        unavailable=None if ok and layers == 1 else "odd_dropout",
    )
    facts = {"cell": cell, "p": text, "layers": layers}
    return diagnosis(
        "dropout_warning",
        message.found,
        facts,
        [Cause("dropout_one_layer")],
        repro,
        expected="num_layers > 1",
        got=f"num_layers={layers}",
        numbers={"dropout": p if ok else 0, "num_layers": layers},
    )


def weights_warning(message: Message) -> Diagnosis:
    cell = message.cell("LSTM")
    weight = Ref("rnn.weight_hh_l0")
    fresh = Call("nn.Parameter", (Call("clone", on=Call("detach", on=weight)),))
    repro = Reproduction(
        [
            assign("rnn", Call("to", ("cuda",), on=module(cell, 1, 1))),
            Statement(fresh, ("rnn.weight_hh_l0",), "a weight outside the flat buffer"),
            Statement(Call("rnn", (zeros(1, 1, 1, device="cuda"),))),
        ],
        warning=True,
        needs_cuda=True,
    )
    return diagnosis(
        "weights_warning",
        message.found,
        {"cell": cell},
        [Cause("weights_moved")],
        repro,
    )


def cudnn_eval_backward(message: Message) -> Diagnosis:
    cell = message.cell("LSTM")
    x = zeros(1, 1, 1, device="cuda")
    x = Call(x.func, x.args, (*x.kwargs, ("requires_grad", True)))
    repro = Reproduction(
        [
            assign("rnn", Call("eval", on=Call("to", ("cuda",), on=module(cell, 1, 1)))),
            assign("x", x),
            Statement(Call("rnn", (Ref("x"),)), ("output", "_"), grad=True),
            Statement(
                Call("backward", on=Call("sum", on=Ref("output"))), (), "in eval mode, cuDNN kept nothing", grad=True
            ),
        ],
        needs_cuda=True,
    )
    return diagnosis(
        "cudnn_eval_backward",
        message.found,
        {"cell": cell},
        [Cause("gradients_in_eval")],
        repro,
        expected="training mode",
        got="eval mode",
    )
