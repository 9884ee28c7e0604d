"""The interactive calculator page: the estimator's data as JSON, and the page's files.

``calculator_data`` is pure: it gathers everything ``templates/calculator/calculator.js`` (a port of
generator/calc/estimator.py, architecture.py, gpu_fit.py and model_config.py) needs, taken from the Python
modules themselves so the page and the CLI share one set of constants. ``calculator_files`` renders the page,
which embeds the JSON (the page must work opened from disk, where fetch() of a local file is refused) and also
writes it as ``calculator/estimator-data.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os

from generator.calc import estimator as est
from generator.calc import gguf_mix, gpu_fit, llamacpp, vllm
from generator.calc import transformers_engine
from generator.calc.estimator import DEFAULT_FRAMEWORK
from generator.core import limits
from generator.core.errors import GeneratorError
from generator.engines import glossary
from generator.families import model_config
from generator.families import reader as families_reader
from generator.families import table as families_table
from generator.families import vision as families_vision
from generator.render import pages as render
from generator.render.escape import script_json

DEFAULT_MODEL = "Qwen2.5-7B-Instruct"

# The page's own input limits: beyond these, Python's exact integers would exceed 2^53 in the estimator's products,
# where a JavaScript number is no longer exact (calculator.js says why). llama.cpp's --ubatch and --n-gpu-layers stop
# at SETTING_MAX; vLLM's token flags at limits.MAX_TOKENS, as the CLI's.
PAGE_LIMITS = {"context": 1048576, "generate": 1048576, "batch": 1024, "gpus": 64}
SETTING_MAX = 1_000_000
# Python's str.strip() strips what str.isspace() calls whitespace (not JavaScript's trim() set): the page's pyStrip.
# Written out, not scanned: asking isspace() of all 1,114,112 code points cost every build and check 45 ms at import;
# tests/test_calculator_data.py makes that scan and fails when an interpreter's Unicode tables differ from this list
# (str.isspace: bidirectional class WS, B or S, or category Zs).
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
                 "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                 "\u2028\u2029\u202f\u205f\u3000")

DATA_PATH = "calculator/estimator-data.json"
SCRIPT_PATH = "calculator/calculator.js"
PAGE_PATH = "calculator/index.html"
SCRIPT_TEMPLATE = os.path.join("calculator", "calculator.js")
PAGE_TEMPLATE = "calculator.html.j2"


def _architecture_fields(arch) -> dict:
    fields = dataclasses.asdict(arch)
    fields["architectures"] = list(arch.architectures)
    return fields


def _quantization_fields(quant) -> dict:
    fields = dataclasses.asdict(quant)
    fields["block_size"] = list(quant.block_size)
    fields["keep_16bit"] = list(quant.keep_16bit)
    return fields


def _version(value):
    return list(value) if value is not None else None


def _framework_fields(profile) -> dict:
    fields = dataclasses.asdict(profile)
    fields["min_version"] = _version(profile.min_version)
    fields["max_version"] = _version(profile.max_version)
    return fields


def calculator_data(catalogue) -> dict:
    """Everything the calculator page needs, as plain JSON-able values (pure: the catalogue in, a dict out)."""
    models = []
    for model in catalogue.models.values():
        models.append({
            "id": model.id,
            "params_b": model.params_b,
            "architecture": _architecture_fields(model.architecture) if model.architecture is not None else None,
        })
    floats = {name: _quantization_fields(q) for name, q in est._FLOAT_QUANTS.items()}
    return {
        "models": models,
        "default_model": DEFAULT_MODEL if DEFAULT_MODEL in catalogue.models else next(iter(catalogue.models), None),
        "quantization": {
            "formats": floats,
            "aliases": dict(est._QUANT_ALIASES),
            "gguf_bits_per_weight": dict(est.GGUF_BITS_PER_WEIGHT),
            "group_size": est.QUANT_GROUP_SIZE,
            # JSON keys are strings: {"29568": 29696}.
            "padded_intermediate": {str(k): v for k, v in est.QUANT_PADDED_INTERMEDIATE.items()},
            "valid_names": est.valid_quantization_names(),
        },
        "kv_dtypes": {
            "bytes_per_value": dict(est.KV_BYTES_PER_VALUE),
            "aliases": dict(est._KV_ALIASES),
        },
        "gguf": {
            # Block layouts [weights per block, bytes per block], each mix's default type and the fallbacks.
            "block": {name: list(v) for name, v in gguf_mix.BLOCK.items()},
            "mix_default": dict(gguf_mix.MIX_DEFAULT),
            "fallback": dict(gguf_mix._FALLBACK),
            "imatrix_mixes": list(gguf_mix.IMATRIX_MIXES),
            # The named type lists of llama_tensor_get_type_impl (gguf_mix.py RULE_TABLES).
            "rules": {name: (dict(table) if isinstance(table, dict) else list(table))
                      for name, table in gguf_mix.RULE_TABLES.items()},
            "layers_70b": gguf_mix.LAYERS_70B,
            "f32_bytes": gguf_mix.F32_BYTES,
        },
        "llamacpp": {
            "ctx_pad_flash": llamacpp.CTX_PAD_FLASH, "ctx_pad_plain": llamacpp.CTX_PAD_PLAIN,
            "swa_pad": llamacpp.SWA_PAD, "kv_type_bytes": dict(llamacpp.KV_TYPE_BYTES),
            "kv_type_block": {name: llamacpp.kv_block_size(name) for name in llamacpp.KV_TYPE_BYTES},
            "kv_types": dict(est._LLAMA_CPP_KV), "float_mix": dict(est.LLAMA_CPP_FLOAT_MIX),
            "default_ubatch": llamacpp.DEFAULT_UBATCH, "default_kv": est.LLAMA_CPP_DEFAULT_KV,
            "unquantized_kv": list(est.LLAMA_CPP_UNQUANTIZED_KV), "f32_bytes": llamacpp.F32,
        },
        "transformers": {"attn_implementations": list(transformers_engine.ATTN_IMPLEMENTATIONS),
                         "default_attn": transformers_engine.DEFAULT_ATTN,
                         "fp32_bytes": transformers_engine.FP32_BYTES,
                         "hidden_states_at_mlp": transformers_engine.HIDDEN_STATES_AT_MLP,
                         "hidden_states_at_attention": transformers_engine.HIDDEN_STATES_AT_ATTENTION,
                         "exllama_temp_state_bytes": est.EXLLAMA_TEMP_STATE_BYTES,
                         "balanced_map_headroom_layers": est.BALANCED_MAP_HEADROOM_LAYERS,
                         "packed_formats": list(est.PACKED_FORMATS)},
        "engine_kv_dtypes": {engine: list(names) for engine, names in est.ENGINE_KV_DTYPES.items()},
        "frameworks": [_framework_fields(p) for p in catalogue.frameworks],
        "default_framework": DEFAULT_FRAMEWORK,
        "gpus": [{"name": g.name, "memory_bytes": g.memory_bytes, "cuda_bytes": g.cuda_bytes,
                  "usable_bytes": g.usable_bytes, "unified_memory": g.unified_memory}
                 for g in catalogue.gpus.values()],
        # generator/calc/vllm.py's constants, for the page's port of vLLM's start-up arithmetic.
        "vllm": {
            "block_tokens": vllm.BLOCK_TOKENS,
            "v0_min_batched_tokens": vllm.V0_MIN_BATCHED_TOKENS,
            "v0_long_context": vllm.V0_LONG_CONTEXT,
            "fused_moe_chunk_tokens": vllm.FUSED_MOE_CHUNK_TOKENS,
            "sampler_sort_bytes_per_logit": vllm.SAMPLER_SORT_BYTES_PER_LOGIT,
            "sampler_triton_bytes_per_logit": vllm.SAMPLER_TRITON_BYTES_PER_LOGIT,
            "sampler_triton_min_seqs": vllm.SAMPLER_TRITON_MIN_SEQS,
            "sampler_flashinfer_bytes_per_logit": vllm.SAMPLER_FLASHINFER_BYTES_PER_LOGIT,
            "cuda_graph_bytes": vllm.CUDA_GRAPH_BYTES,
            "huge_card_bytes": vllm.HUGE_CARD_BYTES,
            "startup_used_bytes": vllm.STARTUP_USED_BYTES,
            "max_suggested_utilisation": vllm.MAX_SUGGESTED_UTILISATION,
            "non_torch_base_bytes": vllm.NON_TORCH_BASE_BYTES,
            "non_torch_tp_bytes": vllm.NON_TORCH_TP_BYTES,
            "v1_non_torch_base_bytes": vllm.V1_NON_TORCH_BASE_BYTES,
            "v1_non_torch_tp_nvlink_bytes": vllm.V1_NON_TORCH_TP_NVLINK_BYTES,
            "v1_non_torch_tp_pcie_bytes": vllm.V1_NON_TORCH_TP_PCIE_BYTES,
            "nvlink_cards": list(vllm.NVLINK_CARDS),
            "chunked_local_without_hybrid": [list(v) for v in vllm.CHUNKED_LOCAL_WITHOUT_HYBRID],
            "cuda_context_in_non_torch_bytes": vllm.CUDA_CONTEXT_IN_NON_TORCH_BYTES,
            "smaller_quantizations": list(est._SMALLER),
            "kv_cache_names": list(vllm.KV_CACHE_NAMES),
            "large_card_bytes": vllm.LARGE_CARD_BYTES,
            "large_card_names": list(vllm.LARGE_CARD_NAMES),
            "large_card_excluded": vllm.LARGE_CARD_EXCLUDED,
            "cuda_graph_max_size": vllm.CUDA_GRAPH_MAX_SIZE,
            "cuda_graph_capture_sizes": list(vllm.CUDA_GRAPH_CAPTURE_SIZES),
            "group_size_tolerance": vllm.GROUP_SIZE_TOLERANCE,
            "blackwell_cards": list(vllm.BLACKWELL_CARDS),
            "mxfp4_marlin_pad": vllm.MXFP4_MARLIN_PAD,
            "mxfp4_flashinfer_pad": vllm.MXFP4_FLASHINFER_PAD,
            "mxfp4_hidden_pad": vllm.MXFP4_HIDDEN_PAD,
            "mxfp4_bits": vllm.MXFP4_BITS,
            "rocm_name_prefix": vllm.ROCM_NAME_PREFIX,
            "max_suggested_tensor_parallel": vllm.MAX_SUGGESTED_TENSOR_PARALLEL,
            "longest_search_tokens": vllm.LONGEST_SEARCH_TOKENS,
            # What a profile that leaves a setting out gets (estimator.py VLLM_RULE_DEFAULTS).
            "rule_defaults": {key: getattr(est.VLLM_RULE_DEFAULTS, key) for key in (
                "max_num_seqs", "max_num_batched_tokens", "large_card_max_num_batched_tokens",
                "large_card_max_num_seqs", "v0_chunked_prefill_tokens")} | {
                "engines": list(est.VLLM_RULE_DEFAULTS.engines), "version": list(est.VLLM_RULE_DEFAULTS.version)},
        },
        "constants": {
            "gib": est.GIB,
            "default_generate": est.DEFAULT_GENERATE,
            "cuda_context_bytes": est.CUDA_CONTEXT_BYTES,
            "allocator_slack_fraction": est.ALLOCATOR_SLACK_FRACTION,
            "max_cards": gpu_fit.MAX_CARDS,
            "card_step_bytes": gpu_fit.CARD_STEP_BYTES,
            "max_card_gb": gpu_fit.MAX_CARD_GB,
            "context_step_tokens": gpu_fit.CONTEXT_STEP_TOKENS,
            # Hybrid-state models: the element size each engine keeps a state layer's recurrent state in.
            "transformers_recurrent_state_bytes": est.TRANSFORMERS_RECURRENT_STATE_BYTES,
            "llama_cpp_state_bytes": est.LLAMA_CPP_STATE_BYTES,
        },
        "config": {
            # The family table (generator/families/table.py) the page reads pasted config.json files with.
            "families": families_table.FAMILIES,
            "default_names": families_table.DEFAULT_NAMES,
            "supported": families_table.supported_families(),
            "how_to_add": families_reader.HOW_TO_ADD,
            "vision_defaults": families_vision.tower_defaults(),
            "vision_when_absent": families_vision.towers_when_absent(),
            # Plausibility bounds of a pasted config.json, where the reader and model_config.py define them.
            "max_field": families_reader.MAX_FIELD,
            "max_params": families_reader.MAX_PARAMS,
            "max_layers": families_reader.limits.MAX_LAYERS,
            "flags": list(families_reader._FLAGS),
            "max_json_depth": model_config.MAX_JSON_DEPTH,
            "max_number_digits": model_config.MAX_NUMBER_DIGITS,
            "number_shown": model_config.NUMBER_SHOWN,
            # The reader's layer kinds, block letters and the configuration classes' defaults (families/reader.py).
            "layer_kind": dict(families_reader.LAYER_KIND),
            "block_letters": dict(families_reader.BLOCK_LETTERS),
            "defaults": dict(families_reader.CONFIG_DEFAULTS),
            "max_mamba_expand": families_reader.MAX_MAMBA_EXPAND,
        },
        # The page's own inputs and Python's semantics it ports.
        "page": {
            "limits": dict(PAGE_LIMITS),
            "setting_max": SETTING_MAX,
            "max_tokens": limits.MAX_TOKENS,
            "py_whitespace": PY_WHITESPACE,
            "framework_spec": est._FRAMEWORK_SPEC.pattern,
        },
    }


def data_json(data: dict) -> str:
    """The JSON text, deterministic: sorted keys, fixed separators, UTF-8 as is, one trailing newline."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


def _script_source(templates_dir: str) -> bytes:
    path = os.path.join(templates_dir, SCRIPT_TEMPLATE)
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise GeneratorError(f"cannot read the calculator script: {exc.strerror}", path, None,
                             "add templates/calculator/calculator.js") from None


def calculator_files(catalogue, page_env, site: dict, lang: str | None = None) -> dict[str, bytes]:
    """The calculator's site files: {relative path: bytes}.

    ``page_env`` is render.page_environment(templates_dir); ``site`` has ``title`` and ``description`` (and
    optionally ``lang``; ``lang`` given here wins, default zh-CN).
    """
    text = data_json(calculator_data(catalogue))
    embedded = script_json(text.rstrip("\n"))
    templates_dir = page_env.loader.searchpath[0]
    page = render.render_page(page_env, PAGE_TEMPLATE, {
        "site": site, "lang": lang or site.get("lang") or "zh-CN", "root": "../", "data_json": embedded,
        "script": "calculator.js", "slack_percent": est.ALLOCATOR_SLACK_FRACTION * 100,
        "context_mib": est.CUDA_CONTEXT_BYTES // 2 ** 20, "glossary": glossary.definitions("en" if (lang or site.get("lang")) == "en" else "zh-CN")})
    return {
        DATA_PATH: text.encode("utf-8"),
        SCRIPT_PATH: _script_source(templates_dir),
        PAGE_PATH: page.encode("utf-8"),
    }
