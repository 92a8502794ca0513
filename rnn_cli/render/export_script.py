"""--code with --export: the run's script (its input, module, weights, initial state), then the
export that worked here, written out, and its program run at another size against torch."""

from __future__ import annotations

from ..core.exported.facts import Exporter, ExportFacts
from ..core.result import Result
from .script import script

WRAPPER = '''
class Exportable(torch.nn.Module):
    """The layer with every tensor an argument: {states} so the batch stays dynamic."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, input, {arguments}):
{body}

model = Exportable(rnn).eval()
'''
PLAIN_BODY = "        output, {state} = self.rnn(input, {initial})\n        return output, {results}"
PACKED_BODY = """\
        packed = pack_padded_sequence(input, lengths, batch_first={bf}, enforce_sorted=False)
        packed_output, {state} = self.rnn(packed, {initial})
        steps = input.shape[{seq_axis}]
        output, _ = pad_packed_sequence(packed_output, batch_first={bf}, total_length=steps)
        return output, {results}"""
ONNX_DYNAMO = """\
batch_dim, seq_dim = torch.export.Dim("batch"), torch.export.Dim("seq")
torch.onnx.export(
    model, example, {file!r}, dynamo=True, dynamic_shapes={shapes},
    input_names={inputs!r}, output_names={outputs!r},
)
"""
ONNX_TORCHSCRIPT = """\
torch.onnx.export(
    model, example, {file!r}, dynamo=False,
    input_names={inputs!r}, output_names={outputs!r},
    dynamic_axes={axes!r},
)
"""
TORCH_EXPORT = """\
{dims}
{call}
torch.export.save(program, {file!r})
"""
WHILE_LOOP = """\
# torch.export alone fixes the steps ("specialized it to be a constant"); torch's own while_loop
# decompositions of LSTM and GRU (torch.export._patches, private) keep them dynamic
from torch.export._patches import register_gru_while_loop_decomposition, register_lstm_while_loop_decomposition

# torch.onnx.export(dynamo=True), run before in the same process, leaves these ops' dispatch caches
# pointing past the decompositions: cleared, this export sees them
for op in (torch.ops.aten.lstm.input, torch.ops.aten.gru.input):
    op._dispatch_cache.clear()
with register_lstm_while_loop_decomposition(), register_gru_while_loop_decomposition():
    """
RUN_ONNX = """\
import onnxruntime

session = onnxruntime.InferenceSession({file!r}, providers=["CPUExecutionProvider"])
got = [torch.from_numpy(out) for out in session.run(None, {{name: t.numpy() for name, t in zip({inputs!r}, checked)}})]
"""
RUN_TORCH = """\
with torch.no_grad():
    got = list(torch.export.load({file!r}).module()(*checked))
"""
CHECK = """
# the program at batch {batch}, {steps} steps, with an initial state of its own, against torch
draw = torch.Generator().manual_seed(0)
checked = ({made})
{run}with torch.no_grad():
    expected = model(*checked)
worst = max(float((g - e).abs().max()) for g, e in zip(got, expected))
print("max |diff| at batch {batch}, {steps} steps:", worst)
"""


def export_script(result: Result) -> str:
    """The run's script without its printing, then the export that worked and its check."""
    export = result.export
    assert export is not None and export.chosen is not None
    needs = "Needs torch, onnx, onnxscript and onnxruntime." if export.format == "onnx" else "Needs only torch."
    head = (
        script(result, printing=False)
        .replace(
            '"""Reproduces an rnn-shapes run of', '"""Exports, as rnn-shapes --export did, the layer of a run of', 1
        )
        .replace("Needs only torch.", needs, 1)
    )
    file = export.file or f"exported{'.onnx' if export.format == 'onnx' else '.pt2'}"
    return "".join(
        [
            head,
            _wrapper(result),
            _example(result, export),
            _call(result, export, export.chosen, file),
            _check(result, export, file),
        ]
    )


def _wrapper(result: Result) -> str:
    c = result.config
    lstm, packed = c.cell == "lstm", c.padding == "packed"
    arguments = ("lengths, " if packed else "") + ("h_0, c_0" if lstm else "h_0")
    state, initial = ("(h_n, c_n)", "(h_0, c_0)") if lstm else ("h_n", "h_0")
    results = "h_n, c_n" if lstm else "h_n"
    bf = "True" if c.batch_first else "False"
    template = PACKED_BODY if packed else PLAIN_BODY
    body = template.format(state=state, initial=initial, results=results, bf=bf, seq_axis=1 if c.batch_first else 0)
    states = "h_0 and c_0 are inputs," if lstm else "h_0 is an input,"
    return WRAPPER.format(states=states, arguments=arguments, body=body)


def _example(result: Result, export: ExportFacts) -> str:
    """What the exporter traced: the run's own tensors (torch's zeros for a state it did not pass),
    or seeded ones of at least 2 where the run has a single row or step."""
    c = result.config
    n, steps = len(result.lengths), max(result.lengths)
    lstm = c.cell == "lstm"
    traced_steps = steps if export.chosen == "torch-export-static-seq" else max(steps, 2)
    if n >= 2 and traced_steps == steps:
        lines = ""
        if c.initial_state == "default":
            lines = "# torch's default initial state, zeros, as inputs of the program\n"
            lines += f"h_0 = {_zeros(result, c.out_size, n)}\n"
            lines += f"c_0 = {_zeros(result, c.hidden_size, n)}\n" if lstm else ""
        names = ["fed"] + (["lengths"] if c.padding == "packed" else []) + ["h_0"] + (["c_0"] if lstm else [])
        return f"\n{lines}example = ({', '.join(names)},)\n"
    made = _seeded(result, max(n, 2), traced_steps)
    return (
        "\n# torch.export fixes a size of 1 as a constant: trace with at least 2 rows and steps\n"
        f"draw = torch.Generator().manual_seed(1)\nexample = ({made})\n"
    )


def _zeros(result: Result, width: int, n: int) -> str:
    c = result.config
    return f"torch.zeros({c.num_layers * c.directions}, {n}, {width}, dtype=torch.{c.dtype})"


def _seeded(result: Result, batch: int, steps: int) -> str:
    """Seeded features, each row's length (the first row full) when packed, and an initial state."""
    c = result.config
    dtype = f"dtype=torch.{c.dtype}"
    shape = (batch, steps, result.input_size) if c.batch_first else (steps, batch, result.input_size)
    rows = c.num_layers * c.directions
    made = [f"torch.randn({', '.join(map(str, shape))}, generator=draw, {dtype})"]
    if c.padding == "packed":
        made.append(f"torch.tensor([{steps}] + [max(1, {steps} - k) for k in range(1, {batch})])")
    made.append(f"torch.randn({rows}, {batch}, {c.out_size}, generator=draw, {dtype})")
    if c.cell == "lstm":
        made.append(f"torch.randn({rows}, {batch}, {c.hidden_size}, generator=draw, {dtype})")
    return ", ".join(made) + ","


def _shapes(result: Result, *, steps: bool) -> str:
    c = result.config
    batch, seq = ("0", "1") if c.batch_first else ("1", "0")
    first = f"{batch}: batch_dim" + (f", {seq}: seq_dim" if steps else "")
    shapes = [f'"input": {{{first}}}']
    if c.padding == "packed":
        shapes.append('"lengths": {0: batch_dim}')
    shapes.append('"h_0": {1: batch_dim}')
    if c.cell == "lstm":
        shapes.append('"c_0": {1: batch_dim}')
    return "{" + ", ".join(shapes) + "}"


def _call(result: Result, export: ExportFacts, chosen: Exporter, file: str) -> str:
    inputs, outputs = export.inputs, export.outputs
    if chosen == "onnx-dynamo":
        return ONNX_DYNAMO.format(file=file, shapes=_shapes(result, steps=True), inputs=inputs, outputs=outputs)
    if chosen == "onnx-torchscript":
        return ONNX_TORCHSCRIPT.format(file=file, inputs=inputs, outputs=outputs, axes=_dynamic_axes(result, export))
    steps = chosen != "torch-export-static-seq"
    dims = 'batch_dim, seq_dim = torch.export.Dim("batch"), torch.export.Dim("seq")'
    dims = dims if steps else 'batch_dim = torch.export.Dim("batch")'
    call = f"program = torch.export.export(model, example, dynamic_shapes={_shapes(result, steps=steps)}"
    if chosen == "torch-export-while-loop":
        call = f"{WHILE_LOOP}{call}, strict=True)"
    else:
        call += ")"
    return TORCH_EXPORT.format(dims=dims, call=call, file=file)


def _dynamic_axes(result: Result, export: ExportFacts) -> dict[str, dict[int, str]]:
    c = result.config
    sequence = {0: "batch", 1: "seq"} if c.batch_first else {0: "seq", 1: "batch"}
    axes = {name: {1: "batch"} for name in [*export.inputs, *export.outputs]}
    axes.update(input=sequence, output=dict(sequence))
    if "lengths" in axes:
        axes["lengths"] = {0: "batch"}
    return axes


def _check(result: Result, export: ExportFacts, file: str) -> str:
    other = next((c for c in export.checked if not c.own), None) or export.checked[0]
    run = (RUN_ONNX if export.format == "onnx" else RUN_TORCH).format(file=file, inputs=export.inputs)
    return CHECK.format(batch=other.batch, steps=other.seq, made=_seeded(result, other.batch, other.seq), run=run)
