"""Load content/frameworks.yaml and content/gpus.yaml into the estimator's pure dataclasses.

Validation errors are GeneratorError with file and line.
"""

from __future__ import annotations

import math

from .calc.estimator import GB, GIB, FrameworkProfile, GpuSpec, parse_framework, version_tuple
from .errors import GeneratorError, shown
from .yamlio import read_yaml_file

FRAMEWORKS_PATH = "content/frameworks.yaml"
GPUS_PATH = "content/gpus.yaml"

_ENGINES = ("transformers", "vllm", "llama.cpp")
_MULTI_GPU = ("layer_split", "tensor_parallel")
_FIELD_TYPES = {
    "logits_all_positions": bool, "kv_cache_copies_in_decode": int, "rope_table_per_layer": bool,
    "gpu_memory_utilization": float, "profile_tokens": int, "max_num_seqs": int, "mla_compressed_cache": bool,
    "cuda_graph_bytes": int, "ubatch_tokens": int, "flash_attention": bool,
    "vllm_engines": str, "vllm_default_engine": str, "max_num_batched_tokens": int, "large_card_rule": str,
    "large_card_max_num_batched_tokens": int, "large_card_max_num_seqs": int, "v0_chunked_prefill_tokens": int,
    "non_torch_context_engines": str,
}
# The words a text field may hold.
_TEXT_VALUES = {"vllm_engines": ("v0", "v1"), "vllm_default_engine": ("v0", "v1"),
                "large_card_rule": ("none", "h100-name", "70gib-not-a100"), "non_torch_context_engines": ("v0", "v1")}


# Whole numbers in a profile (bytes, tokens, copies) beyond this are typos, and would overflow the arithmetic.
_MAX_INT = 10**12
# GPU memory, in GiB or GB: from a kilobyte to a petabyte.
_MIN_MEMORY, _MAX_MEMORY = 1e-6, 1e6


def _list_under(data, key, path):
    if not isinstance(data, dict) or key not in data:
        raise GeneratorError(f"missing top-level {key!r} list", path, getattr(data, "line", None) or 1,
                             f"start the file with '{key}:'")
    for other in data:
        if other != key:
            line = data.line_of(other) if hasattr(data, "line_of") else 1
            raise GeneratorError(f"unknown top-level field {other!r}", path, line, f"remove it; the file has only {key!r}")
    items = data[key]
    if not isinstance(items, list) or not items:
        raise GeneratorError(f"{key!r} must be a non-empty list", path, data.line_of(key), f"list entries under {key!r}")
    return items


def _entries(data, key: str, path: str, what: str, fix: str):
    """Each mapping listed under ``key``, with its line and a function giving the line of one of its fields."""
    items = _list_under(data, key, path)
    for index, item in enumerate(items):
        line = items.line_of(index) if hasattr(items, "line_of") else None
        if not isinstance(item, dict):
            raise GeneratorError(f"{what} must be a mapping", path, line, fix)

        def at(field, item=item, line=line):
            return item.line_of(field) if hasattr(item, "line_of") else line

        yield item, line, at


def frameworks_from_data(data, path: str = FRAMEWORKS_PATH) -> tuple:
    profiles = []
    for item, line, at in _entries(data, "frameworks", path, "a framework entry", "give engine: and its fields"):
        engine = item.get("engine")
        if engine not in _ENGINES:
            raise GeneratorError(f"unknown engine {shown(engine)}", path, at("engine"), "use one of: " + ", ".join(_ENGINES))
        fields = {"engine": engine}
        for bound in ("min_version", "max_version"):
            value = item.get(bound)
            if value is not None:
                if not isinstance(value, str) or len(value) > 40 or not version_tuple(value)[0:1]:
                    raise GeneratorError(f"{bound} must be a quoted version like \"4.45.0\"", path, at(bound),
                                         "quote the version")
                fields[bound] = version_tuple(value)
        multi = item.get("multi_gpu", "layer_split")
        if multi not in _MULTI_GPU:
            raise GeneratorError(f"unknown multi_gpu {shown(multi)}", path, at("multi_gpu"), "use one of: "
                                 + ", ".join(_MULTI_GPU))
        fields["multi_gpu"] = multi
        for key, value in item.items():
            if key in ("engine", "min_version", "max_version", "multi_gpu"):
                continue
            kind = _FIELD_TYPES.get(key)
            if kind is None:
                raise GeneratorError(f"unknown field {key!r}", path, at(key),
                                     "use one of: " + ", ".join(sorted(_FIELD_TYPES)))
            if kind is str:
                words = value.split() if isinstance(value, str) else [None]
                if not words or any(word not in _TEXT_VALUES[key] for word in words):
                    raise GeneratorError(f"field {key!r} must be one or more of {', '.join(_TEXT_VALUES[key])}, got "
                                         f"{shown(value)}", path, at(key), f"fix {key!r}")
                fields[key] = " ".join(words)
                continue
            ok = isinstance(value, bool) if kind is bool else (
                isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
                and (kind is float or isinstance(value, int)) and value <= _MAX_INT
                and (isinstance(value, int) or math.isfinite(value)))
            if not ok:
                raise GeneratorError(f"field {key!r} must be {kind.__name__} (0 to {_MAX_INT:.0e} for numbers), got {shown(value)}", path, at(key),
                                     f"fix {key!r}")
            fields[key] = kind(value)
        if engine == "vllm" and not 0 < fields.get("gpu_memory_utilization", 0) <= 1:
            raise GeneratorError("vllm needs gpu_memory_utilization in (0, 1]", path, at("gpu_memory_utilization"),
                                 "set gpu_memory_utilization: 0.9")
        profiles.append(FrameworkProfile(**fields))
    return tuple(profiles)


_GPU_FIELDS = ("name", "memory", "memory_unit", "source", "cuda_total_gib", "cuda_total_source", "cuda_total_derived",
               "unified_memory")


def _memory_number(value, what, path, line):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise GeneratorError(f"{what} must be a positive number, got {shown(value)}", path, line, f"fix {what}")
    if not _MIN_MEMORY <= value <= _MAX_MEMORY:  # also NaN and infinity
        raise GeneratorError(f"{what} must be between {_MIN_MEMORY:g} and {_MAX_MEMORY:g}, got {shown(value)}", path,
                             line, "give the card's memory in GiB or GB")
    return value


def _cuda_total(item, path, at):
    """(bytes, source, derived) of the total torch.cuda.mem_get_info reports; None for unified memory."""
    unified = item.get("unified_memory", False)
    if not isinstance(unified, bool):
        raise GeneratorError("unified_memory must be true or false", path, at("unified_memory"), "write true or false")
    if unified:
        for key in ("cuda_total_gib", "cuda_total_source", "cuda_total_derived"):
            if key in item:
                raise GeneratorError(f"{key!r} does not apply to unified memory", path, at(key), f"remove {key!r}")
        return None, "", False, True
    for key in ("cuda_total_gib", "cuda_total_source"):
        if key not in item:
            raise GeneratorError(f"missing field {key!r}", path, at("name"),
                                 f"add {key!r} (what torch.cuda.mem_get_info reports), or unified_memory: true")
    total = _memory_number(item["cuda_total_gib"], "cuda_total_gib", path, at("cuda_total_gib"))
    source = item["cuda_total_source"]
    if not isinstance(source, str) or not source.strip():
        raise GeneratorError("cuda_total_source must say where the figure comes from", path, at("cuda_total_source"),
                             "give a link or the rule it was derived by")
    derived = item.get("cuda_total_derived", False)
    if not isinstance(derived, bool):
        raise GeneratorError("cuda_total_derived must be true or false", path, at("cuda_total_derived"),
                             "write true or false")
    return int(total * GIB), source, derived, False


def gpus_from_data(data, path: str = GPUS_PATH) -> dict:
    gpus = {}
    for item, line, at in _entries(data, "gpus", path, "a GPU entry", "give name, memory, memory_unit, source"):
        for key in ("name", "memory", "memory_unit", "source"):
            if key not in item:
                raise GeneratorError(f"missing field {key!r}", path, line, f"add {key!r}")
        for key in item:
            if key not in _GPU_FIELDS:
                raise GeneratorError(f"unknown field {key!r}", path, at(key),
                                     "remove it or use one of: " + ", ".join(_GPU_FIELDS))
        name, unit = item["name"], item["memory_unit"]
        if not isinstance(name, str) or not name.strip():
            raise GeneratorError("name must be a non-empty string", path, at("name"), "name the GPU")
        memory = _memory_number(item["memory"], "memory", path, at("memory"))
        if unit not in ("GiB", "GB"):
            raise GeneratorError(f"memory_unit must be GiB or GB, got {unit!r}", path, at("memory_unit"),
                                 "write GiB (2**30 bytes) or GB (10**9 bytes)")
        if name in gpus:
            raise GeneratorError(f"duplicate GPU {name!r}", path, at("name"), "remove one entry")
        cuda_bytes, cuda_source, derived, unified = _cuda_total(item, path, at)
        gpus[name] = GpuSpec(name, int(memory * (GIB if unit == "GiB" else GB)), str(item["source"]), cuda_bytes,
                             cuda_source, derived, unified)
    return gpus


def load_frameworks(path: str = FRAMEWORKS_PATH) -> tuple:
    return frameworks_from_data(read_yaml_file(path), path)


def load_gpus(path: str = GPUS_PATH) -> dict:
    return gpus_from_data(read_yaml_file(path), path)


def framework_profile(spec: str, path: str = FRAMEWORKS_PATH) -> FrameworkProfile:
    """Convenience: load the catalogue and pick the profile for ``transformers==4.38.2`` and the like."""
    return parse_framework(spec, load_frameworks(path))


def gpu_spec(name: str, gpus: dict) -> GpuSpec:
    for key, spec in gpus.items():
        if key.lower() == str(name).strip().lower():
            return spec
    raise GeneratorError(f"unknown GPU {name!r}", fix="use one of: " + ", ".join(gpus))
