"""Load content/benchmarks/llamacpp-load-logs.yaml: llama.cpp load logs, each with the settings that decide its
buffers and the buffer sizes it printed. Every error names the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.calc.architecture import Architecture
from generator.calc.estimator import GGUF_BITS_PER_WEIGHT
from generator.calc.llamacpp import KV_TYPE_BYTES
from generator.core import limits
from generator.core.errors import GeneratorError, shown
from generator.core.fields import FLAG, Field, MAPPING, NAME, ROLE, TEXT, Choice, Number, Whole, check_fields
from generator.core.fields import check_source as _source, mapping_fields as _fields
from generator.core.fields import require_list as _list, require_mapping as _mapping
from generator.core.yamlio import read_yaml_file
from generator.families.model_config import CONFIG_FIELDS, architecture_from_config

LLAMACPP_LOGS_FILE = "llamacpp-load-logs.yaml"

# A log's fields: type, range and unit (generator/core/fields.py). Adding a field is one line here.
LOG_FIELDS = {
    "id": NAME, "source": MAPPING, "build": Whole(1, 10 ** 6, "build number", nullable=True), "gpu": NAME,
    "model": NAME, "model_id": NAME, "config": MAPPING, "note": TEXT,
    "quantization": Choice(*sorted(GGUF_BITS_PER_WEIGHT)),
    "n_ctx": Whole(1, limits.MAX_TOKENS, "tokens"), "n_ubatch": Whole(1, limits.MAX_TOKENS, "tokens"),
    "flash_attn": FLAG, "kv_type": Choice(*sorted(KV_TYPE_BYTES)),
    "n_gpu_layers": Whole(0, limits.MAX_LAYERS + 1, "layers"), "measured_mib": MAPPING,
    # "held-out": no constant was chosen by comparing with this log; "calibration" (the default): one was.
    "role": ROLE,
}
_REQUIRED = ("id", "source", "build", "gpu", "model", "quantization", "n_ctx", "n_ubatch", "flash_attn",
             "kv_type", "measured_mib")
# The CUDA buffers the log printed, in MiB.
MEASURED_FIELDS = {key: Number(0, 2 ** 30, "MiB") for key in ("model", "kv", "compute")}


@dataclass(frozen=True)
class LlamaCppLog:
    """One load log: what was run and the CUDA buffers llama.cpp reported for it (MiB)."""

    id: str
    source: dict
    build: int | None
    gpu: str
    model: str
    arch: Architecture
    quantization: str
    n_ctx: int
    n_ubatch: int
    flash_attn: bool
    kv_type: str
    n_gpu_layers: int | None
    model_mib: float
    kv_mib: float
    compute_mib: float
    path: str
    line: int
    role: str = "calibration"

    @property
    def total_mib(self) -> float:
        return self.model_mib + self.kv_mib + self.compute_mib


def _architecture(entry, models, path) -> Architecture:
    has_id, has_config = "model_id" in entry, "config" in entry
    if has_id == has_config:
        raise GeneratorError("give either 'model_id' (a model of content/models.yaml) or 'config' (its config.json "
                             "keys), not both or neither", path, entry.line, "add one of them")
    if has_id:
        model = models.get(entry["model_id"])
        if model is None:
            raise GeneratorError(f"unknown model_id {shown(entry['model_id'])}", path, entry.line_of("model_id"),
                                 "use a model id from content/models.yaml or give 'config'")
        return model.require_architecture()
    config = entry["config"]
    _fields(config, path, entry.line_of("config"), "'config'", CONFIG_FIELDS)
    return architecture_from_config(config, path, lambda key: config.line_of(key) if key else entry.line_of("config"))


def _build(entry, arch, path) -> int | None:
    value = entry["build"]
    if value is None:
        # Without a build the SWA and MLA caches cannot be told apart; plain attention needs no build.
        if arch.sliding_window_layers or arch.is_mla:
            raise GeneratorError("this model's KV cache depends on the llama.cpp build, which the log must state",
                                 path, entry.line_of("build"), "give the build number the log prints")
        return None
    return value


def _log(entry, models, path) -> LlamaCppLog:
    fields = check_fields(entry, path, "a llama.cpp log", LOG_FIELDS, _REQUIRED)
    arch = _architecture(entry, models, path)
    measured = _fields(entry["measured_mib"], path, entry.line_of("measured_mib"), "'measured_mib'", MEASURED_FIELDS,
                       tuple(MEASURED_FIELDS))
    return LlamaCppLog(
        id=fields["id"], source=_source(entry, path), build=_build(entry, arch, path), gpu=fields["gpu"],
        model=fields["model"], arch=arch, quantization=fields["quantization"], n_ctx=fields["n_ctx"],
        n_ubatch=fields["n_ubatch"], flash_attn=fields["flash_attn"], kv_type=fields["kv_type"],
        n_gpu_layers=fields.get("n_gpu_layers"), model_mib=measured["model"], kv_mib=measured["kv"],
        compute_mib=measured["compute"], path=path, line=entry.line, role=fields.get("role", "calibration"))


def load_llamacpp_logs(path: str, models: dict) -> tuple:
    data = _mapping(read_yaml_file(path), path, 1, "a llama.cpp log file")
    check_fields(data, path, "a llama.cpp log file", {"logs": Field("any"), "note": TEXT}, ("logs",))
    entries = _list(data, "logs", path)
    logs, seen = [], {}
    for index, entry in enumerate(entries):
        entry = _mapping(entry, path, entries.line_of(index), "a llama.cpp log")
        log = _log(entry, models, path)
        if log.id in seen:
            raise GeneratorError(f"duplicate log id {log.id!r} (first at line {seen[log.id]})", path,
                                 entry.line_of("id"), "give each log its own id")
        seen[log.id] = entry.line_of("id")
        logs.append(log)
    return tuple(logs)
