"""What an export will cost and which sizes it is checked at, and the packages it needs: pure
Python, so a request is refused (a missing extra, a budget it would exceed) before torch is
imported.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

from ..budget import STEP_WORK, check_memory, human_count, mult_adds_from, sequential_steps
from ..config import Config
from ..errors import BadInput, SettingNames
from ..layout import parameter_layouts
from .formats import SUFFIX, ExportFormat, ExportRequest

#: The packages an ONNX export needs beyond torch (the ``export`` extra), by import name.
ONNX_PACKAGES = ("onnx", "onnxruntime", "onnxscript")
INSTALL = "pip install 'rnn-shapes[export]'"
#: How many exporter paths a format may try, each exported once and checked at every size.
ATTEMPTS: dict[ExportFormat, int] = {"onnx": 2, "torch": 3}
#: What the exporters hold beyond the tensors counted: graphs, protos, an onnxruntime session.
EXPORTER_BYTES = 64 * 1024**2


def missing_packages(export_format: ExportFormat) -> list[str]:
    """The packages the format needs that cannot be imported here (found without importing them)."""
    if export_format != "onnx":
        return []
    return [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]


def require_packages(export_format: ExportFormat, option: str = "--export") -> None:
    """Refuse an export whose packages are missing, naming the install command."""
    missing = missing_packages(export_format)
    if missing:
        raise BadInput(f"{option} {export_format} needs {', '.join(missing)}: {INSTALL}")


def export_request(
    export_format: str | None, file: str | None, names: Mapping[str, str] | None = None
) -> ExportRequest | None:
    """``--export`` and ``--export-file`` (``export`` and ``export_file`` in Python) as one request,
    checked before anything runs: a known format, its packages, the file's suffix."""
    name = SettingNames(names or {})
    option, file_option = name["export_format"], name["export_file"]
    if export_format is None:
        if file is not None:
            raise BadInput(f"{file_option} writes what {option} makes: give {option} onnx or {option} torch too")
        return None
    if export_format not in SUFFIX:
        raise BadInput(f"{option} exports to onnx or torch, not {export_format!r}")
    require_packages(export_format, option)
    suffix = SUFFIX[export_format]
    if file is not None and not file.lower().endswith(suffix):
        raise BadInput(f"{option} {export_format} writes a {suffix} file, not {file!r}")
    return ExportRequest(export_format, file)


def check_sizes(batch: int, steps: int, *, steps_frozen: bool = False) -> list[tuple[int, int]]:
    """(batch, steps) the exported program is run at: the run's own, a larger batch of longer
    rows, and a smaller batch of shorter ones (the run's steps when an export froze them)."""
    larger = (batch + 2, steps if steps_frozen else steps + 3)
    smaller_batch = batch // 2 if batch > 1 else 2
    smaller_steps = steps if steps_frozen else (steps // 2 if steps > 1 else 2)
    return [(batch, steps), larger, (smaller_batch, smaller_steps)]


def export_work(config: Config, batch: int, steps: int, input_size: int, export_format: ExportFormat) -> int:
    """Multiply-adds of exporting and checking: torch's module once at every checked size, and
    for each exporter path one forward at the run's sizes (tracing) and its program at each size."""

    def forward(b: int, s: int) -> int:
        return mult_adds_from(config, b, s, b * s, input_size) + sequential_steps(config, s) * STEP_WORK

    checks = sum(forward(b, s) for b, s in check_sizes(batch, steps))
    return checks + ATTEMPTS[export_format] * (forward(batch, steps) + checks)


def export_bytes(config: Config, batch: int, steps: int, input_size: int) -> int:
    """Bytes exporting holds: the parameters four times (the layer's copy, the serialized program,
    the program loaded back, the runtime's own), each checked size's inputs and outputs, twice."""
    item = 4 if config.dtype == "float32" else 8
    params = sum(_numel(p.shape) for p in parameter_layouts(config, input_size))
    largest = max(b * s for b, s in check_sizes(batch, steps))
    states = config.num_layers * config.directions * (batch + 2) * (config.out_size + config.hidden_size)
    tensors = largest * (input_size + config.directions * config.out_size) + states
    return (4 * params + 4 * tensors) * item + EXPORTER_BYTES


def check_export_budget(
    config: Config,
    sizes: tuple[int, int, int, int],
    request: ExportRequest,
    limits: tuple[int, int],
    spent: int,
    names: Mapping[str, str] | None = None,
) -> None:
    """Refuse an export that takes the run over its limits (``--max-work``, ``--max-memory``):
    the run's own work from its ``sizes`` (rows, longest, tokens, input width), and ``spent``
    bytes, its own memory estimate."""
    name = SettingNames(names or {})
    n, steps, tokens, width = sizes
    run_work = mult_adds_from(config, n, steps, tokens, width) + sequential_steps(config, steps) * STEP_WORK
    work = export_work(config, n, steps, width, request.format)
    if run_work + work > limits[0]:
        option, needed = name["max_work"], -(-(run_work + work) // 10**9)
        raise BadInput(
            f"this run and its export are about {human_count(run_work + work)} multiply-adds of work "
            f"({human_count(work)} exporting and checking the export at {len(check_sizes(n, steps))} sizes), "
            f"over the {human_count(limits[0])} limit; raise it with {option} {needed}G if you mean it"
        )
    check_memory(spent + export_bytes(config, n, steps, width), limits[1], names)


def _numel(shape: tuple[int, ...]) -> int:
    total = 1
    for s in shape:
        total *= s
    return total
