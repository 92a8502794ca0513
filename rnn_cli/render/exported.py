"""--export for a person and for JSON: which axes the program keeps dynamic, what each exporter
path did (in its own words where it froze an axis or failed), what works instead, and the
program held against torch at each size."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..core.exported.facts import Attempt, ExportCheck, Exporter, ExportFacts, Frozen
from ..core.result import Result
from .blocks import section, titled_table
from .document_types import AttemptDoc, ExportCheckDoc, ExportDoc, FrozenDoc
from .visible import visible

#: Each path as a script calls it.
CALLS: dict[Exporter, str] = {
    "onnx-dynamo": "torch.onnx.export(dynamo=True, dynamic_shapes=...)",
    "onnx-torchscript": "torch.onnx.export(dynamo=False, dynamic_axes=...)",
    "torch-export": "torch.export.export(dynamic_shapes=...)",
    "torch-export-while-loop": "torch.export.export(strict=True) under torch's while_loop LSTM/GRU decompositions",
    "torch-export-static-seq": "torch.export.export(dynamic_shapes=...) for the batch alone",
}
#: Each path in a few words, for the table.
SHORT: dict[Exporter, str] = {
    "onnx-dynamo": "dynamo=True",
    "onnx-torchscript": "dynamo=False",
    "torch-export": "torch.export",
    "torch-export-while-loop": "strict, while_loop",
    "torch-export-static-seq": "steps fixed",
}
FORMAT_NAMES = {"onnx": "ONNX (run in onnxruntime)", "torch": "torch.export (saved, loaded back)"}


def export_document(result: Result) -> ExportDoc | None:
    """The export's facts as JSON-ready data, keys always present and in one order."""
    export = result.export
    if export is None:
        return None
    return {
        "format": export.format,
        "ok": export.ok,
        "exporter": export.chosen,
        "inputs": export.inputs,
        "outputs": export.outputs,
        "axes": export.axes,
        "frozen": [_frozen_document(f) for f in export.frozen],
        "checked": [_check_document(c) for c in export.checked],
        "attempts": [_attempt_document(a) for a in export.attempts],
        "atol": export.atol,
        "rtol": export.rtol,
        "file": export.file if export.ok else None,
        "instead": instead(result),
        "state_added": export.state_added,
    }


def _frozen_document(frozen: Frozen) -> FrozenDoc:
    return {
        "exporter": frozen.exporter,
        "axis": frozen.axis,
        "size": frozen.size,
        "tensors": frozen.tensors,
        "reason": frozen.reason,
    }


def _check_document(check: ExportCheck) -> ExportCheckDoc:
    return {
        "batch": check.batch,
        "seq": check.seq,
        "max_abs_diff": check.max_abs_diff,
        "ok": check.ok,
        "error": check.error,
        "own": check.own,
    }


def _attempt_document(attempt: Attempt) -> AttemptDoc:
    return {
        "exporter": attempt.exporter,
        "call": CALLS[attempt.exporter],
        "outcome": attempt.outcome,
        "message": attempt.message,
        "axes": attempt.axes,
        "declared": {name: list(sizes) for name, sizes in attempt.declared.items()},
        "checked": [_check_document(c) for c in attempt.checked],
    }


def instead(result: Result) -> str | None:
    """What works where the first path froze an axis or failed, from what was tried and the run's
    settings; None when the first path kept every axis dynamic."""
    export = result.export
    assert export is not None
    first = export.attempts[0]
    if export.chosen == first.exporter and first.outcome == "dynamic":
        return None
    if export.chosen is not None:
        best = export.best
        assert best is not None
        kept = "keeps the batch and the steps dynamic" if best.outcome == "dynamic" else _kept(best)
        private = ""
        if export.chosen == "torch-export-while-loop":
            private = " (torch.export._patches, which torch.onnx registers while it exports: private, may move)"
        return f"{CALLS[export.chosen]} {kept}{private}: that is the program here"
    return _none_works(result)


def _kept(attempt: Attempt) -> str:
    """Which of the batch and the steps a program keeps dynamic, and which it fixed."""
    names = {"batch": "the batch", "seq": "the steps"}
    static = {axis for axes in attempt.axes.values() for axis, state in axes.items() if state == "static"}
    kept = " and ".join(names[a] for a in names if a not in static) or "neither the batch nor the steps"
    fixed = " and ".join(names[a] for a in names if a in static)
    return f"keeps {kept} dynamic, {fixed} fixed at the run's"


def _none_works(result: Result) -> str:
    """No path made a program: what does, from the settings that stopped them."""
    c, export = result.config, result.export
    assert export is not None
    if export.format == "torch" and c.padding == "packed":
        return (
            "--export onnx exports the packing (its dynamo=False path); or export without it "
            "(--padding zeros: every step runs) and mask the padded steps in your own code"
        )
    if export.format == "onnx" and c.proj_size:
        return "--export torch exports an LSTM with proj_size; neither ONNX exporter makes one onnxruntime runs"
    if export.format == "onnx" and c.dtype == "float64":
        return "onnxruntime's CPU kernels take float32 here: --dtype float32, or --export torch"
    other = "torch" if export.format == "onnx" else "onnx"
    return f"--export {other} may: no {export.format} path made a program that matches torch on this torch"


def export_section(result: Result) -> RenderableType | None:
    """The Export section: the program's axes, the paths tried, the checks, and what to know."""
    export = result.export
    if export is None:
        return None
    parts: list[RenderableType] = []
    if export.ok:
        parts.append(section(_axes_table(export)))
    parts.append(section(_paths_table(export)))
    if export.ok:
        parts.append(section(_checks_table(export)))
    return Group(*parts, *_notes(result))


def _axes_table(export: ExportFacts) -> Table:
    chosen = export.chosen
    assert chosen is not None
    table = titled_table(f"Export: {FORMAT_NAMES[export.format]}, by {CALLS[chosen]}")
    table.add_column("tensor", style="bold")
    table.add_column("axes: any size, or the one it was exported at", no_wrap=True)
    for name in [*export.inputs, *export.outputs]:
        axes, sizes = export.axes.get(name, {}), export.declared.get(name, ())
        cells = [
            Text(f"{axis}=any", style="green") if state == "dynamic" else Text(f"{axis}={size}")
            for (axis, state), size in zip(axes.items(), sizes, strict=True)
        ]
        table.add_row(name, Text(" × ").join(cells) + Text(" (in)" if name in export.inputs else " (out)", style="dim"))
    return table


def _paths_table(export: ExportFacts) -> Table:
    tried = "both ONNX exporters torch offers" if export.format == "onnx" else "torch.export, then what works instead"
    table = titled_table(f"Export: {tried}, tried")
    table.add_column("path", style="bold", no_wrap=True)
    table.add_column("what it did")
    for attempt in export.attempts:
        table.add_row(SHORT[attempt.exporter], _did(attempt, chosen=attempt.exporter == export.chosen))
    return table


def _did(attempt: Attempt, *, chosen: bool) -> Text:
    if attempt.outcome == "failed":
        said = Text("failed: ", style="red")
        return said.append(visible(attempt.message or "no message"))
    text = Text()
    if attempt.outcome == "dynamic":
        text.append("kept the batch and the steps dynamic", style="green")
    for frozen in attempt.frozen:
        where = ", ".join(frozen.tensors)
        text.append(f"froze {frozen.axis} at {frozen.size} ({where})", style="yellow")
        text.append(f": {visible(frozen.reason)}" if frozen.reason else ": said nothing; the program declares it")
        text.append("\n")
    if attempt.outcome == "frozen" and not attempt.frozen:
        text.append("the steps fixed, the batch dynamic")
    text.rstrip()
    failed = [c for c in attempt.checked if not c.ok]
    if failed:
        text.append(f"\n{_check_failure(failed[0])}", style="red")
    if chosen:
        text.append("\nchosen", style="bold green")
    return text


def _check_failure(check: ExportCheck) -> str:
    if check.error is not None:
        return f"at batch {check.batch}, {check.seq} steps: {visible(check.error)}"
    return f"at batch {check.batch}, {check.seq} steps it differs from torch by {check.max_abs_diff:.3g}"


def _checks_table(export: ExportFacts) -> Table:
    table = titled_table("Export: the program and torch's module on the same inputs")
    table.add_column("batch", justify="right")
    table.add_column("steps", justify="right")
    table.add_column("inputs")
    table.add_column("every output", no_wrap=True)
    for check in export.checked:
        inputs = "the run's own" if check.own else "seeded, and their own h_0"
        mark = Text("✓", style="bold green") if check.ok else Text("✗", style="bold red")
        # a fixed width, so the table is laid out the same whatever the last digit
        diff = "refused, " if check.max_abs_diff is None else f"max |diff| {check.max_abs_diff:.1e}, "
        table.add_row(str(check.batch), str(check.seq), inputs, Text(diff) + mark)
    table.caption = f"tolerance {export.atol:g} + {export.rtol:g}·|value|, on every value of every output"
    return table


def _notes(result: Result) -> list[Text]:
    export = result.export
    assert export is not None
    lines = []
    if export.state_added:
        states = "h_0 and c_0 are inputs" if "c_0" in export.inputs else "h_0 is an input"
        lines.append(f"{states} of the program though the run passed none: give zeros for torch's default")
    if export.embedding_left_out:
        lines.append("the embedding in front is not exported: the program starts at the layer's input")
    if export.ok and export.file:
        lines.append(f"written to {visible(export.file)}")
    said = instead(result)
    if said:
        lines.append(f"{'instead' if export.ok else 'what works'}: {said}")
    return [Text(), *(Text(line, style="dim") for line in lines)] if lines else []
