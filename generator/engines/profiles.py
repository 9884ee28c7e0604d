"""Load content/frameworks.yaml and content/gpus.yaml into the estimator's pure dataclasses.

Validation errors are GeneratorError with file and line.
"""

from __future__ import annotations

from generator.calc.estimator import GB, GIB, FrameworkProfile, GpuSpec, parse_framework, version_tuple
from generator.core import limits
from generator.core.errors import GeneratorError
from generator.core.fields import FLAG, NAME, TEXT, URL, Choice, Field, Number, Whole, check_fields
from generator.core.yamlio import read_yaml_file

FRAMEWORKS_PATH = "content/frameworks.yaml"
GPUS_PATH = "content/gpus.yaml"

_ENGINES = ("transformers", "vllm", "llama.cpp")
_MULTI_GPU = ("layer_split", "tensor_parallel")
# A framework entry's fields: type, range and unit. Adding a field is one line here (and one in FrameworkProfile).
FRAMEWORK_FIELDS = {
    "engine": Choice(*_ENGINES),
    "min_version": Field("version", 1, 40, nullable=True),
    "max_version": Field("version", 1, 40, nullable=True),
    "multi_gpu": Choice(*_MULTI_GPU),
    "logits_all_positions": FLAG,
    "kv_cache_copies_in_decode": Whole(1, 8, "copies"),
    "rope_table_per_layer": FLAG,
    "gpu_memory_utilization": Number(0, 1),  # a fraction of the card's memory
    "profile_tokens": Whole(1, limits.MAX_TOKENS, "tokens"),
    "max_num_seqs": Whole(1, limits.MAX_BATCH, "sequences"),
    "mla_compressed_cache": FLAG,
    # llama.cpp MLA: a V cache of kv_lora_rank values beside the latent K (PR #12801 until PR #19067).
    "mla_v_cache": FLAG,
    "cuda_graph_bytes": Whole(0, limits.MAX_BYTES, "bytes"),
    "ubatch_tokens": Whole(1, limits.MAX_TOKENS, "tokens"),
    "flash_attention": FLAG,
    # llama.cpp: sliding-window layers keep only their window (the SWA cache, PR #13194 / #13833).
    "swa_cache": FLAG,
    # transformers by version (generator/calc/transformers_engine.py): what its cache and attention keep.
    "sliding_window_cache": FLAG,
    "gemma2_hybrid_cache": FLAG,
    "sdpa_repeats_kv": FLAG,
    "rope_table_families": TEXT,  # config.json "architectures" names, separated by commas
    "flash_repeats_kv_families": TEXT,  # the same: families whose FlashAttention2 class repeats K/V heads
    # vLLM by version (generator/calc/vllm.py VllmRules): engines, and the defaults that depend on the card.
    "vllm_engines": NAME,  # "v0", "v1" or "v0 v1"
    "vllm_default_engine": Choice("v0", "v1"),
    "max_num_batched_tokens": Whole(1, limits.MAX_TOKENS, "tokens"),
    "large_card_rule": Choice("none", "h100-name", "70gib-not-a100"),
    "large_card_max_num_batched_tokens": Whole(1, limits.MAX_TOKENS, "tokens"),
    "large_card_max_num_seqs": Whole(1, limits.MAX_BATCH, "sequences"),
    "huge_card_max_num_batched_tokens": Whole(1, limits.MAX_TOKENS, "tokens"),  # cards of 160 GiB or more
    "v0_chunked_prefill_tokens": Whole(1, limits.MAX_TOKENS, "tokens"),
    "non_torch_context_engines": NAME,  # the engines whose non-torch figure includes the CUDA context
    "vllm_hybrid_kv_cache": FLAG,  # V1 groups layers by attention type (generator/calc/vllm.py kv_layout)
    "vllm_kv_report": Choice("blocks", "concurrency"),  # how "GPU KV cache size" is computed
    "vllm_cuda_graph_estimate": FLAG,  # the CUDA-graph estimate is subtracted before sizing the cache
    "vllm_free_memory_check": FLAG,
    "vllm_sampler": Choice("sort", "triton"),  # how the sampler warm-up applies top-k/top-p  # V1 refuses when free memory < utilisation x total at start-up
    "unmodelled": TEXT,  # releases this profile stands for but the estimator does not model: why (refused)
}
# Fields an engine's estimate reads unconditionally: a profile must state them.
_ENGINE_NEEDS = {"vllm": ("gpu_memory_utilization", "max_num_seqs")}
_ENGINE_WORDS = ("vllm_engines", "non_torch_context_engines")
GPU_FIELDS = {"name": NAME, "memory": Number(0, limits.MAX_MEMORY_GIB, "GiB or GB, as memory_unit says"),
              "memory_unit": Choice("GiB", "GB"), "source": URL,
              # What torch.cuda.mem_get_info reports as total, with where that figure comes from.
              "cuda_total_gib": Number(0, limits.MAX_MEMORY_GIB, "GiB"), "cuda_total_source": TEXT,
              "cuda_total_derived": FLAG, "unified_memory": FLAG,
              # Apple M-series: Metal's recommendedMaxWorkingSetSize as llama.cpp logs it (MiB), and its source.
              "metal_working_set_mib": Number(0, limits.MAX_MEMORY_GIB * 1024, "MiB"),
              "metal_working_set_source": TEXT}
_GPU_REQUIRED = ("name", "memory", "memory_unit", "source")


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
        fields = check_fields(item, path, "a framework entry", FRAMEWORK_FIELDS, ("engine",))
        for key in _ENGINE_NEEDS.get(fields["engine"], ()):
            if key not in fields:
                raise GeneratorError(f"a {fields['engine']} profile needs {key!r}", path, line,
                                     f"add {key}: with its source")
        for key in _ENGINE_WORDS:
            if key in fields and any(word not in ("v0", "v1") for word in fields[key].split()):
                raise GeneratorError(f"field {key!r} lists vLLM engines: v0, v1 or both, not {fields[key]!r}", path,
                                     at(key), "write e.g. v0 v1")
        for bound in ("min_version", "max_version"):
            if fields.get(bound) is not None:
                fields[bound] = version_tuple(fields[bound])
        profiles.append(FrameworkProfile(**{k: v for k, v in fields.items() if v is not None}))
    return tuple(profiles)


# macOS lets the GPU of an Apple M-series Mac use only its "recommended working set"
# (MTLDevice.recommendedMaxWorkingSetSize), not the whole unified memory. llama.cpp prints it at start-up
# (ggml-metal: "recommendedMaxWorkingSetSize = %8.2f MB", divided by 1024 * 1024 until 2023, by 1e6 since), and the
# logged figures follow one rule: 2/3 of the memory up to 32 GiB, 3/4 above.
#   16 GiB: 10922.67 MiB (Apple M1, https://github.com/ise-uiuc/magicoder/issues/19)
#   32 GiB: 21845.34 MiB (M2 Max 32GB, https://github.com/ollama/ollama/issues/434)
#   36 GiB: 28991.03 MB / 1e6 = 27648 MiB (M4 Max 36GB, llama.cpp b7690 log)
#   48 GiB: 38654.71 MB / 1e6 = 36864 MiB (M3 Max 48GB, llama.cpp b3892 log)
#   64 GiB: 49152.00 MiB (M1 Max 64GB, https://github.com/ggml-org/llama.cpp/issues/1870)
#   96 GiB: 73728.00 MiB (M2 Max 96GB, https://github.com/ggml-org/llama.cpp/issues/3213)
# `sudo sysctl iogpu.wired_limit_mb=N` replaces it with N MiB until the next reboot (0 = the default rule):
# recommendedMaxWorkingSetSize read 112.00 GiB with iogpu.wired_limit_mb = 114688 on a 128 GB M5 Max
# (https://github.com/antirez/ds4/pull/893).
METAL_SMALL_MEMORY_GIB = 32
METAL_SMALL_FRACTION = (2, 3)
METAL_LARGE_FRACTION = (3, 4)


def metal_working_set_bytes(memory_bytes: int) -> int:
    """Metal's default recommendedMaxWorkingSetSize for a Mac of ``memory_bytes`` unified memory (rule above)."""
    num, den = METAL_SMALL_FRACTION if memory_bytes <= METAL_SMALL_MEMORY_GIB * GIB else METAL_LARGE_FRACTION
    return memory_bytes * num // den


def _metal_working_set(fields: dict, memory_bytes: int, path, at) -> tuple:
    """(bytes, source, derived) of the Metal working set of a unified-memory entry; (None, "", False) otherwise."""
    given = [key for key in ("metal_working_set_mib", "metal_working_set_source") if key in fields]
    if not fields.get("unified_memory"):
        if given:
            raise GeneratorError(f"{given[0]!r} applies to unified memory only", path, at(given[0]),
                                 f"remove {given[0]!r}, or add unified_memory: true")
        return None, "", False
    if len(given) == 1:
        missing = ({"metal_working_set_mib", "metal_working_set_source"} - set(given)).pop()
        raise GeneratorError(f"{given[0]!r} needs {missing!r}", path, at(given[0]),
                             "give both the logged figure and where it was logged, or neither (the rule applies)")
    if given:
        mib = fields["metal_working_set_mib"]
        if mib * 2 ** 20 > memory_bytes:
            raise GeneratorError(f"a working set of {mib:g} MiB is more than the memory", path,
                                 at("metal_working_set_mib"), "give the MiB llama.cpp logs")
        return int(mib * 2 ** 20), fields["metal_working_set_source"], False
    return metal_working_set_bytes(memory_bytes), "derived: 2/3 of the memory up to 32 GiB, 3/4 above (profiles.py)", \
        True


def _cuda_total(fields: dict, path, at) -> tuple:
    """(bytes, source, derived, unified) of the total torch.cuda.mem_get_info reports; no bytes for unified memory."""
    if fields.get("unified_memory"):
        for key in ("cuda_total_gib", "cuda_total_source", "cuda_total_derived"):
            if key in fields:
                raise GeneratorError(f"{key!r} does not apply to unified memory", path, at(key), f"remove {key!r}")
        return None, "", False, True
    for key in ("cuda_total_gib", "cuda_total_source"):
        if key not in fields:
            raise GeneratorError(f"missing field {key!r}", path, at("name"),
                                 f"add {key!r} (what torch.cuda.mem_get_info reports), or unified_memory: true")
    return int(fields["cuda_total_gib"] * GIB), fields["cuda_total_source"], bool(fields.get("cuda_total_derived")), \
        False


def gpus_from_data(data, path: str = GPUS_PATH) -> dict:
    gpus = {}
    for item, line, at in _entries(data, "gpus", path, "a GPU entry", "give name, memory, memory_unit, source"):
        fields = check_fields(item, path, "a GPU entry", GPU_FIELDS, _GPU_REQUIRED)
        name, memory, unit = fields["name"], fields["memory"], fields["memory_unit"]
        if name in gpus:
            raise GeneratorError(f"duplicate GPU {name!r}", path, at("name"), "remove one entry")
        if memory * (GIB if unit == "GiB" else GB) < 2 ** 20:
            raise GeneratorError(f"memory {memory:g} {unit} is less than a MiB", path, at("memory"),
                                 "give the card's memory in GiB or GB")
        cuda_bytes, cuda_source, derived, unified = _cuda_total(fields, path, at)
        memory_bytes = int(memory * (GIB if unit == "GiB" else GB))
        working_set = _metal_working_set(fields, memory_bytes, path, at)
        gpus[name] = GpuSpec(name, memory_bytes, fields["source"], cuda_bytes, cuda_source, derived, unified,
                             *working_set)
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
