"""How much GPU memory an inference run needs: weights, KV cache, activations, overheads, peak.

Pure: no I/O. ``peak`` is what ``torch.cuda.max_memory_allocated`` would report summed over the GPUs (the
CUDA context and allocator slack are outside it; ``Estimate.reserved_bytes`` adds them for "will it fit").
Calibrated only on the Qwen2 speed benchmark (transformers 4.38.2, flash attention 2, batch 1, 2048 new tokens);
see generator/calc/validation.py.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace

from generator.calc import transformers_engine as tf_engine
from generator.calc import vllm as vllm_engine
from generator.calc.architecture import (Architecture, kv_cache_bytes_per_token, param_breakdown, remembered_hash,
                                         state_bytes_per_sequence)
from generator.calc.gguf_mix import gguf_layout
from generator.calc.llamacpp import (DEFAULT_UBATCH, LlamaCppRun, kv_block_refusal, kv_block_size, layer_devices,
                                      llamacpp_memory, padded_ctx)
from generator.core.errors import GeneratorError

GIB = 2 ** 30
GB = 10 ** 9

# Default new tokens: 0 means "prompt only"; the Qwen2 benchmark uses 2048 and passes it explicitly.
DEFAULT_GENERATE = 0
# The framework an estimate assumes when none is named: current transformers (4.45 and later keep only the last
# position's logits during generate()).
DEFAULT_FRAMEWORK = "transformers==4.46.0"

# --- Fixed overheads (named, with where each comes from) -------------------------------------------------------
# CUDA context + cuBLAS/cuDNN handles: resident in the process but NOT counted by torch.cuda.max_memory_allocated.
# Counted only in Estimate.reserved_bytes. Published measurements of a bare context with lazy module loading (the
# default since CUDA 11.7): "a flat 256 MiB" (InvokeAI issue #9413, torch 2.7.1, RTX 3090); "~300MB" (pytorch issue
# #107667); "around 400MB if CUDA >= 11.7" (pytorch issue #109888); 426 MiB by nvidia-smi after mem_get_info (unsloth-zoo
# PR #1053, torch 2.10.0+cu130, RTX 6000 Ada). The kernels a model's first forward loads come on top, so 512 MiB sits
# above the largest bare figure. Not measured by us: no device run has isolated it yet.
CUDA_CONTEXT_BYTES = 512 * 2 ** 20
# The caching allocator reserves more than it allocates (block rounding to 2 MiB segments, fragmentation). PyTorch's
# out-of-memory message states both: "75.31 GiB is allocated by PyTorch, and 1.83 GiB is reserved" (2.4%,
# compressed-tensors PR #587, Llama 3.3 70B, which then reserves 5% of model memory for it) and 13.81 GiB allocated
# with 121.43 MiB reserved but unallocated (0.9%, vLLM issue #10637). 5% keeps above both: a fits answer errs safe.
ALLOCATOR_SLACK_FRACTION = 0.05
# GPTQ group size of the official Qwen GPTQ/AWQ checkpoints (quantization_config.group_size in their config.json).
QUANT_GROUP_SIZE = 128
# Official quantized Qwen2/Qwen2.5 72B checkpoints pad intermediate_size 29568 -> 29696 so that it splits into
# whole 128-groups across 8 tensor-parallel ranks (Qwen2-72B-Instruct-GPTQ-Int8 and Qwen2.5-72B-Instruct-AWQ
# config.json). Applied to every GPTQ/AWQ checkpoint of that shape: the benchmark's Int4/AWQ rows move by
# 0.12 GiB either way, within their scatter.
QUANT_PADDED_INTERMEDIATE = {29568: 29696}
# The exllama kernel's buffers (4-bit GPTQ): transformers' GPTQConfig.post_init sets exllama_config to
# {"version": ExllamaVersion.ONE} when the checkpoint names none (the Qwen GPTQ-Int4 config.json files say
# {"version": 1}), so optimum loads auto-gptq's exllama (v1) QuantLinear and autogptq_post_init
# (auto_gptq/modeling/_utils.py, auto-gptq 0.7.1) allocates on each GPU:
#   temp_dq = torch.zeros((1, max_dq_buffer_size), dtype=torch.float16), max_dq_buffer_size = the largest
#     qweight.numel() * 8 = in_features * out_features: the largest dequantized matrix, 2 bytes a value;
#   temp_state = torch.zeros((max_input_len, max_inner_outer_dim), dtype=torch.float16), where without act-order
#     (desc_act false, as in the Qwen checkpoints) max_input_len = 1 and max_inner_outer_dim stays 1: 2 bytes.
# (The 128 this term once added has no source in that path: it is the "+ 128" of the exllama v2 kernel's
# temp_dq_size, whose scratch_space_fixed also holds outfeatures x 2048 x 8 x 4 bytes of forward scratch: about
# 1.2 GiB for Qwen2-7B, which the benchmark's 6.06 GiB at input 1 leaves no room for.)
EXLLAMA_TEMP_STATE_BYTES = 1 * 1 * 2
# accelerate's balanced map (get_balanced_memory): each GPU but the last may hold total/gpus + 1.25 layers.
BALANCED_MAP_HEADROOM_LAYERS = 1.25

# --- Quantization formats ------------------------------------------------------------------------------------------
# GGUF types the estimator knows: every ``llama-quantize`` preset (tools/quantize/quantize.cpp QUANT_OPTIONS) and the
# float files, with a nominal bits per weight used only as a label (the quantization's ``bits``). The bytes of a file
# come from its per-tensor types (generator/calc/gguf_mix.py): a Q2_K file of Llama-3-8B is 3.16 bits per weight,
# not Q2_K's 2.625. Labels: averages llama.cpp's quantize tool reported for 7B-8B Llama models (llama.cpp PR #1684
# and examples/quantize/README.md) for the k-quants and legacy types; the "X bpw" of QUANT_OPTIONS' descriptions
# for the i-quants, TQ1_0/TQ2_0, Q1_0 and Q2_0; the block's own bits (ggml-common.h) for MXFP4_MOE (17 bytes per
# 32), NVFP4 (36 bytes per 64) and Q2_K_S (Q2_K's 84 bytes per 256).
GGUF_BITS_PER_WEIGHT = {
    "f32": 32.0, "f16": 16.0, "bf16": 16.0,
    "q8_0": 8.5, "q6_k": 6.5625, "q5_k_m": 5.69, "q5_k_s": 5.54, "q5_1": 6.0, "q5_0": 5.5,
    "q4_k_m": 4.85, "q4_k_s": 4.58, "q4_1": 5.0, "q4_0": 4.5, "iq4_xs": 4.25, "iq4_nl": 4.5,
    "q3_k_l": 4.27, "q3_k_m": 3.91, "q3_k_s": 3.5, "q2_k": 2.63, "q2_k_s": 2.625, "iq3_xxs": 3.06, "iq2_xs": 2.31,
    "iq3_m": 3.66, "iq3_s": 3.44, "iq3_xs": 3.3, "iq2_m": 2.7, "iq2_s": 2.5, "iq2_xxs": 2.06, "iq1_m": 1.75,
    "iq1_s": 1.56, "tq1_0": 1.69, "tq2_0": 2.06, "q1_0": 1.125, "q2_0": 2.25, "mxfp4_moe": 4.25, "nvfp4": 4.5,
}


@remembered_hash
@dataclass(frozen=True)
class Quantization:
    """How weights are stored. ``format``: float, fp8, gptq, awq, gguf, nf4, bnb-int8 or mxfp4.

    The fields after ``compute_bytes`` come from a checkpoint's own quantization_config (generator/families/quant.py);
    their defaults are what the named format means when nothing else is known.
    """

    name: str
    format: str
    bits: float
    compute_bytes: int = 2
    group_size: int = 0             # GPTQ/AWQ input rows per scale (0: QUANT_GROUP_SIZE; -1: one group per column)
    zero_point: bool = True         # AWQ zero_point / GPTQ: packed zeros stored beside the scales
    block_size: tuple = ()          # FP8 weight_block_size: one fp32 scale per (rows, columns) block
    keep_16bit: tuple = ()          # linear kinds left unquantized (modules_to_not_convert): attention, mlp, experts
    exact_weight_bytes: int = 0     # the checkpoint's own tensor bytes (safetensors headers, GGUF tensor table)
    note: str = ""                  # where the settings came from, shown by estimate


_FLOAT_QUANTS = {
    "fp32": Quantization("fp32", "float", 32, 4),
    "bf16": Quantization("bf16", "float", 16),
    "fp16": Quantization("fp16", "float", 16),
    "fp8": Quantization("fp8", "fp8", 8),
    "gptq-int8": Quantization("gptq-int8", "gptq", 8),
    "gptq-int4": Quantization("gptq-int4", "gptq", 4),
    "awq-int4": Quantization("awq-int4", "awq", 4),
    # bitsandbytes NF4 with double quantization (transformers' bnb_4bit_use_double_quant, as QLoRA uses it): 4-bit
    # codes, one 8-bit absmax per 64 weights and one fp32 constant per 256 absmax values, 4 + 8/64 + 32/(64*256)
    # = 4.127 bits per weight (Dettmers et al., QLoRA, arXiv:2305.14314, section 3 "Double Quantization").
    "nf4": Quantization("nf4", "nf4", 4 + 8 / 64 + 32 / (64 * 256)),
    # bitsandbytes LLM.int8(): int8 weights and one fp32 scale per output row (Int8Params CB and SCB;
    # Dettmers et al., arXiv:2208.07339).
    "bnb-int8": Quantization("bnb-int8", "bnb-int8", 8),
    # MXFP4 (OCP Microscaling Formats v1.0, 2023): blocks of 32 FP4 E2M1 values sharing one 8-bit E8M0 scale,
    # 4 + 8/32 = 4.25 bits per weight. transformers' Mxfp4 quantizer stores only the routed experts so (GPT-OSS).
    "mxfp4": Quantization("mxfp4", "mxfp4", 4.25),
}
_QUANT_ALIASES = {
    "float32": "fp32", "bfloat16": "bf16", "float16": "fp16", "awq": "awq-int4", "awq-int4": "awq-int4",
    "gptq-int8": "gptq-int8", "gptq-int4": "gptq-int4", "int8": "bnb-int8", "int4": "gptq-int4",
    "bnb-nf4": "nf4", "bnb-4bit": "nf4", "bnb-8bit": "bnb-int8", "llm-int8": "bnb-int8",
}
# Formats whose packed matrices carry per-group or per-block scales; everything else in them stays 16-bit.
PACKED_FORMATS = ("gptq", "awq", "fp8", "nf4", "bnb-int8", "mxfp4")


def valid_quantization_names() -> list:
    floats = sorted(_FLOAT_QUANTS) + ["awq", "int8"]
    return floats + sorted(set(GGUF_BITS_PER_WEIGHT) - set(floats))


def parse_quantization(name) -> Quantization:
    """Case-insensitive: bf16, fp16, fp32, fp8, gptq-int8, gptq-int4, awq(-int4), GGUF type names (q4_k_m ...)."""
    if type(name) is str:
        return _parse_quantization(name)  # the tables ask for the same few names thousands of times
    return _parse_quantization_uncached(name)


@functools.lru_cache(maxsize=1024)
def _parse_quantization(name: str) -> Quantization:
    return _parse_quantization_uncached(name)  # a frozen Quantization: safe to hand out again


def _parse_quantization_uncached(name) -> Quantization:
    key = str(name).strip().lower().replace("_", "-") if name is not None else ""
    key = _QUANT_ALIASES.get(key, key)
    if key in _FLOAT_QUANTS:
        return _FLOAT_QUANTS[key]
    gguf = key.removeprefix("gguf-").replace("-", "_")
    if gguf in GGUF_BITS_PER_WEIGHT:
        return Quantization(gguf, "gguf", GGUF_BITS_PER_WEIGHT[gguf])
    raise GeneratorError(f"unknown quantization {name!r}", fix="use one of: " + ", ".join(valid_quantization_names()))


# --- KV cache element types -----------------------------------------------------------------------------------
# q8_0, q4_0, q4_1, q5_0, q5_1 and iq4_nl are llama.cpp cache types (-ctk/-ctv): 34, 18, 20, 22, 24 and 18 bytes per
# 32 values (ggml-common.h's block structs; generator/calc/gguf_mix.py BLOCK).
KV_BYTES_PER_VALUE = {"16-bit": 2.0, "fp32": 4.0, "fp8": 1.0, "q8_0": 34 / 32, "q4_0": 18 / 32, "q4_1": 20 / 32,
                      "q5_0": 22 / 32, "q5_1": 24 / 32, "iq4_nl": 18 / 32}
_KV_ALIASES = {"16bit": "16-bit", "bf16": "16-bit", "fp16": "16-bit", "f16": "16-bit", "auto": "16-bit",
               "f32": "fp32", "fp8-e4m3": "fp8", "fp8-e5m2": "fp8", "int8": "q8_0", "q8-0": "q8_0", "q4-0": "q4_0"}


@dataclass(frozen=True)
class KvDtype:
    name: str
    bytes_per_value: float


def parse_kv_dtype(name) -> KvDtype:
    key = str(name).strip().lower().replace("_", "-") if name is not None else "16-bit"
    key = _KV_ALIASES.get(key, key)
    if key not in KV_BYTES_PER_VALUE and key.replace("-", "_") in KV_BYTES_PER_VALUE:
        key = key.replace("-", "_")  # q8-0 -> q8_0, iq4-nl -> iq4_nl
    if key in KV_BYTES_PER_VALUE:
        return KvDtype(key, KV_BYTES_PER_VALUE[key])
    raise GeneratorError(f"unknown KV cache type {name!r}", fix="use one of: " + ", ".join(sorted(KV_BYTES_PER_VALUE)))


# --- Frameworks and GPUs (loaded from content/*.yaml by generator/engines/profiles.py) -------------------------------
@remembered_hash
@dataclass(frozen=True)
class FrameworkProfile:
    engine: str
    min_version: tuple | None = None
    max_version: tuple | None = None
    version: str = ""
    multi_gpu: str = "layer_split"
    logits_all_positions: bool = False
    kv_cache_copies_in_decode: int = 1
    rope_table_per_layer: bool = False
    gpu_memory_utilization: float = 0.0
    profile_tokens: int = 0
    max_num_seqs: int = 0
    mla_compressed_cache: bool = False
    # llama.cpp MLA: a V cache of kv_lora_rank values beside the latent K (PR #12801 until PR #19067).
    mla_v_cache: bool = False
    cuda_graph_bytes: int = 0
    ubatch_tokens: int = 0
    flash_attention: bool = True
    # llama.cpp: sliding-window layers keep only their window (the SWA cache, PR #13194 / #13833).
    swa_cache: bool = False
    # transformers (generator/calc/transformers_engine.py): DynamicCache trims sliding layers to the window;
    # Gemma-2's hybrid cache does; SDPA repeats grouped K/V heads; families with per-layer rotary tables.
    sliding_window_cache: bool = False
    gemma2_hybrid_cache: bool = False
    sdpa_repeats_kv: bool = False
    rope_table_families: str = ""
    # transformers: families whose own FlashAttention2 class calls repeat_kv (4.38-4.57; transformers_engine.py).
    flash_repeats_kv_families: str = ""
    # vLLM by version (generator/calc/vllm.py VllmRules; content/frameworks.yaml says where each comes from).
    vllm_engines: str = ""
    vllm_default_engine: str = ""
    max_num_batched_tokens: int = 0
    large_card_rule: str = "none"
    large_card_max_num_batched_tokens: int = 0
    large_card_max_num_seqs: int = 0
    huge_card_max_num_batched_tokens: int = 0
    v0_chunked_prefill_tokens: int = 0
    non_torch_context_engines: str = ""
    vllm_hybrid_kv_cache: bool = False
    vllm_kv_report: str = "blocks"
    vllm_cuda_graph_estimate: bool = False
    vllm_free_memory_check: bool = False
    vllm_sampler: str = "sort"
    unmodelled: str = ""

    @property
    def label(self) -> str:
        return f"{self.engine}=={self.version}" if self.version else self.engine


@dataclass(frozen=True)
class GpuSpec:
    """A card: ``memory_bytes`` as its maker sells it; ``cuda_bytes`` what torch.cuda.mem_get_info reports as total
    (None for unified memory, where vLLM is not offered)."""

    name: str
    memory_bytes: int
    source: str = ""
    cuda_bytes: int | None = None
    cuda_source: str = ""
    cuda_derived: bool = False
    unified_memory: bool = False
    # Apple M-series: Metal's recommendedMaxWorkingSetSize, the most the GPU may use (generator/engines/profiles.py).
    working_set_bytes: int | None = None
    working_set_source: str = ""
    working_set_derived: bool = False

    @property
    def usable_bytes(self) -> int:
        """What the GPU can allocate: the CUDA total, the Metal working set of a Mac, else the memory sold."""
        if self.cuda_bytes is not None:
            return self.cuda_bytes
        return self.working_set_bytes if self.working_set_bytes is not None else self.memory_bytes


def version_tuple(text: str) -> tuple:
    return _version_tuple(str(text))


@functools.lru_cache(maxsize=1024)
def _version_tuple(text: str) -> tuple:
    parts = re.findall(r"\d+", str(text))
    return tuple(int(p) for p in parts[:3]) + (0,) * (3 - len(parts[:3]))


# llama.cpp names its builds bNNNN (the release tag); "b" is kept in the label.
_FRAMEWORK_SPEC = re.compile(r"^\s*([a-z][a-z0-9_.\-]*)\s*(?:==\s*(v?b?)([0-9][0-9a-z.\-+]*))?\s*$", re.IGNORECASE)


def _before(version: str) -> str:
    """The release just below ``version`` as a reader would type it (0.34.0 -> 0.33.0)."""
    parts = [int(p) for p in version.split(".")]
    if len(parts) > 1 and parts[1] > 0:
        return f"{parts[0]}.{parts[1] - 1}.0"
    return version


def parse_framework(spec, profiles) -> FrameworkProfile:
    """``transformers==4.38.2``, ``vllm==0.6.3``, ``vllm``, ``llama.cpp``: the profile whose range holds the version."""
    match = _FRAMEWORK_SPEC.match(str(spec)) if spec is not None else None
    engines = sorted({p.engine for p in profiles})
    if not match:
        raise GeneratorError(f"bad framework {spec!r}", fix="write ENGINE==VERSION, ENGINE one of: " + ", ".join(engines))
    engine, version = match.group(1).lower(), match.group(3)
    if version is not None and match.group(2).lower().endswith("b"):
        version = "b" + version
    candidates = [p for p in profiles if p.engine == engine]
    if not candidates:
        raise GeneratorError(f"unknown framework {engine!r}", fix="use one of: " + ", ".join(engines))
    modelled = [p for p in candidates if not p.unmodelled]
    if version is None:
        if engine == "transformers":
            raise GeneratorError("transformers needs a version (memory behaviour changed across versions)",
                                 fix="write e.g. transformers==4.38.2")
        # The newest profile the estimator models (a profile marked unmodelled never stands in for a bare name).
        chosen = max(modelled or candidates, key=lambda p: p.min_version or (0, 0, 0))
        return chosen
    wanted = version_tuple(version)
    for profile in candidates:
        if (profile.min_version is None or wanted >= profile.min_version) and \
                (profile.max_version is None or wanted < profile.max_version):
            if profile.unmodelled:
                newest = max(modelled, key=lambda p: p.min_version or (0, 0, 0)) if modelled else None
                last = ".".join(str(n) for n in newest.max_version) if newest and newest.max_version else ""
                raise GeneratorError(f"{engine} {version} is not modelled: {profile.unmodelled}",
                                     fix=f"use a release before {last}, e.g. --framework {engine}=={_before(last)}"
                                     if last else "use an earlier release")
            return replace(profile, version=version)
    raise GeneratorError(f"no {engine} profile covers version {version}", fix="add a range to content/frameworks.yaml")


# --- Weights ---------------------------------------------------------------------------------------------------
def _padded_intermediate(arch: Architecture) -> Architecture:
    # Only the Qwen 72B shape is known to be padded by its official quantized checkpoints.
    padded = QUANT_PADDED_INTERMEDIATE.get(arch.intermediate_size)
    if padded and not arch.is_moe:
        return replace(arch, intermediate_size=padded)
    return arch


_weights_cache: dict = {}


def weight_bytes(arch: Architecture, quant: Quantization) -> tuple:
    """(total weight bytes, largest quantized matrix in*out) for this storage format.

    GPTQ (auto-gptq layout): qweight in*out*bits/8, qzeros (in/g)*out*bits/8, fp16 scales (in/g)*out*2,
    g_idx int32 per input row. AWQ GEMM: the same without g_idx. Embedding, lm_head, norms, biases and MoE
    routers stay 16-bit in GPTQ/AWQ/FP8 checkpoints. GGUF: bits per weight over every parameter.
    """
    key = (arch, quant)
    cached = _weights_cache.get(key)
    if cached is not None:
        return cached
    if quant.format in ("gptq", "awq"):
        arch_q = _padded_intermediate(arch)
    else:
        arch_q = arch
    b = param_breakdown(arch_q)
    largest = b.largest_linear
    if quant.exact_weight_bytes:
        total = quant.exact_weight_bytes
    elif quant.format == "float":
        total = b.total * quant.bits / 8
    elif quant.format == "gguf":
        # The mix's per-tensor types, as llama.cpp's quantize tool writes the file (generator/calc/gguf_mix.py).
        total = gguf_layout(arch, quant.name).total
    else:
        total = (b.embedding + b.lm_head + b.norms + b.attention_bias + b.router + b.vision) * 2
        kinds = b.linear_kinds or ("",) * len(b.linear_shapes)
        for (in_features, out_features, count), kind in zip(b.linear_shapes, kinds):
            if kind in quant.keep_16bit or (quant.format == "mxfp4" and arch.is_moe and kind != "experts"):
                total += in_features * out_features * 2 * count
            else:
                total += packed_matrix_bytes(quant, in_features, out_features) * count
    result = (int(total), largest)
    _weights_cache[key] = result
    return result


def packed_matrix_bytes(quant: Quantization, in_features: int, out_features: int) -> float:
    """Bytes of one quantized in x out matrix with its scales (and zeros) in the format's own layout."""
    weights = in_features * out_features * quant.bits / 8
    if quant.format in ("gptq", "awq"):
        g = quant.group_size or QUANT_GROUP_SIZE
        groups = 1 if g < 0 else math.ceil(in_features / g)
        zeros = quant.bits / 8 if (quant.zero_point or quant.format == "gptq") else 0
        weights += groups * out_features * (2 + zeros)
        if quant.format == "gptq":
            weights += in_features * 4  # g_idx, int32 per input row
    elif quant.format == "fp8":
        if quant.block_size:
            rows, cols = quant.block_size
            weights += math.ceil(out_features / rows) * math.ceil(in_features / cols) * 4
        else:
            weights += 4  # one fp32 scale per tensor
    elif quant.format == "bnb-int8":
        weights += out_features * 4  # SCB: one fp32 scale per output row
    return weights


# --- The estimate ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """Bytes; ``peak`` sums the per-GPU peaks (as max_memory_allocated summed over GPUs reports it)."""

    weights: int
    kv_cache: int
    activations: int
    overhead: int
    peak: int
    steady: int
    per_gpu_peak: tuple
    gpus: int
    context: int
    generate: int
    batch: int
    kv_cache_capacity_tokens: int | None = None
    max_concurrency: float | None = None
    # llama.cpp: what stays in host memory (token_embd, layers not offloaded, their KV cache).
    host: int | None = None
    # vLLM: what it would do at start-up (generator/calc/vllm.py VllmPlan), why it would refuse, and warnings.
    vllm: object | None = None
    refusal: str | None = None
    warnings: tuple = ()
    # Hybrid-state models: the conv + recurrent state of the linear-attention / Mamba2 layers for every sequence,
    # beside the KV cache (included in peak and steady; independent of the context length).
    state: int = 0

    @property
    def peak_gib(self) -> float:
        return self.peak / GIB

    @property
    def steady_gib(self) -> float:
        return self.steady / GIB

    @property
    def reserved_bytes(self) -> int:
        """What nvidia-smi would show: peak plus allocator slack plus one CUDA context per GPU."""
        return int(self.peak * (1 + ALLOCATOR_SLACK_FRACTION)) + CUDA_CONTEXT_BYTES * self.gpus

    def gib(self, field: str) -> float:
        return getattr(self, field) / GIB


def bytes_to_gib(value: float) -> float:
    return value / GIB


def _prefill_layer_activations(arch: Architecture, tokens: int, act_bytes: int, flash: bool,
                               attention_extra: float = 0, eager_scores: float = 0, first_gpu: bool = True) -> float:
    """Largest transient set inside one decoder layer during prefill (besides weights and cache).

    ``attention_extra``: what the attention implementation adds (transformers' repeated K/V heads).
    ``eager_scores``: without flash attention, the score matrix at its peak and the mask
    (transformers_engine.eager_attention_bytes). ``first_gpu``: the GPU that holds inputs_embeds.
    """
    h = arch.hidden_size
    # Whole hidden states held meanwhile: inputs_embeds, the layer's input, residual, the normed copy
    # (transformers_engine.held_hidden_states).
    at_mlp, at_attention = tf_engine.held_hidden_states(arch, first_gpu)
    hidden = tokens * h * act_bytes
    if arch.is_moe:
        shared = arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size
        # Gated MLP keeps act(gate), up and their product: 3 intermediates. Routed experts see a slice of tokens;
        # transformers' loop also builds a one-hot int64 expert mask (tokens x top-k x experts) and fp32 router probs.
        mlp = 3 * tokens * max(shared, arch.moe_intermediate_size) * act_bytes
        mlp += tokens * arch.experts_per_token * arch.num_experts * 8 + tokens * arch.num_experts * 4
        if arch.dense_layers:
            mlp = max(mlp, 3 * tokens * arch.intermediate_size * act_bytes)
    else:
        mlp = 3 * tokens * arch.intermediate_size * act_bytes
    q_width = arch.heads * (arch.v_head_dim or arch.head_dim)
    qkv = tokens * (arch.heads + 2 * arch.kv_heads) * arch.head_dim * act_bytes
    if flash:
        attention = 2 * qkv + tokens * q_width * act_bytes
    else:
        attention = qkv + eager_scores
    return max(at_mlp * hidden + mlp, at_attention * hidden + attention + attention_extra)


# Estimates already made in this process, by value: estimate() is a pure function of its (frozen) arguments, and a
# process that plans a site more than once (a check after a build, the test suite, a long-lived MkDocs server) asks
# for the same ones again. Values, not ids: each load of content/ makes new but equal objects. Bounded: emptied when
# full. Errors are not kept (they are raised afresh).
_ESTIMATES: dict = {}
_ESTIMATES_LIMIT = 60_000  # about 1.6 KB each: at most ~100 MB (the default site makes 10,775)


def estimate(arch: Architecture, quantization: Quantization, context: int, framework: FrameworkProfile,
             generate: int = DEFAULT_GENERATE, batch: int = 1, gpus: int = 1, kv_dtype: KvDtype | None = None,
             gpu_memory_bytes: int | None = None, flash_attention: bool | str | None = None, ubatch: int | None = None,
             n_gpu_layers: int | None = None, attn: str | None = None,
             vllm_settings: vllm_engine.VllmSettings | None = None, advise: bool = True) -> Estimate:
    """Memory for ``batch`` sequences of ``context`` prompt tokens followed by ``generate`` new tokens
    (see _estimate; the same arguments give the same, frozen, Estimate)."""
    scalars = (context, generate, batch, gpus, gpu_memory_bytes, flash_attention, ubatch, n_gpu_layers, attn, advise)
    # The types too: 4096 and 4096.0 (or True and 1) are equal keys but need not give equal estimates.
    key = (arch, quantization, framework, kv_dtype, vllm_settings, scalars, tuple(map(type, scalars)))
    try:
        return _ESTIMATES[key]
    except KeyError:
        pass
    except TypeError:  # an argument that cannot be hashed (not what the callers pass): not kept
        key = None
    result = _estimate(arch, quantization, context, framework, generate, batch, gpus, kv_dtype, gpu_memory_bytes,
                       flash_attention, ubatch, n_gpu_layers, attn, vllm_settings, advise)
    if key is not None:
        if len(_ESTIMATES) >= _ESTIMATES_LIMIT:
            _ESTIMATES.clear()
        _ESTIMATES[key] = result
    return result


def _estimate(arch: Architecture, quantization: Quantization, context: int, framework: FrameworkProfile,
              generate: int = DEFAULT_GENERATE, batch: int = 1, gpus: int = 1, kv_dtype: KvDtype | None = None,
              gpu_memory_bytes: int | None = None, flash_attention: bool | str | None = None,
              ubatch: int | None = None, n_gpu_layers: int | None = None, attn: str | None = None,
              vllm_settings: vllm_engine.VllmSettings | None = None, advise: bool = True) -> Estimate:
    """Memory for ``batch`` sequences of ``context`` prompt tokens followed by ``generate`` new tokens.

    ``flash_attention``: llama.cpp's -fa: True, False, "auto" (on where the backend supports it, which CUDA
    does for these head sizes; from b6327) or None (the build's default); vLLM always uses flash attention.
    ``attn``: transformers' attn_implementation (None: sdpa, the library's default). ``ubatch`` and
    ``n_gpu_layers`` are llama.cpp's -ub and -ngl. ``vllm_settings``: the vLLM start-up settings
    (generator/calc/vllm.py VllmSettings). ``advise``: when vLLM would refuse to start, add to the refusal what would
    fit instead (a search over settings and formats; the tables, which only ask whether it starts, skip it).
    """
    if context < 0 or generate < 0 or batch < 1 or gpus < 1:
        raise GeneratorError("context and generate must be >= 0, batch and gpus >= 1",
                             fix="check the numbers given to the estimator")
    check_engine_formats(quantization, framework, kv_dtype)
    if framework.engine == "llama.cpp":
        return _estimate_llama_cpp(arch, quantization, context, framework, generate, batch, gpus, kv_dtype,
                                   flash_attention, ubatch, n_gpu_layers)
    if framework.engine == "vllm":
        settings = vllm_settings or vllm_engine.VllmSettings(gpu_memory_bytes or 0)
        if gpu_memory_bytes and not vllm_settings:
            settings = _settings_with(settings, gpu_memory_bytes=gpu_memory_bytes)
        return _estimate_vllm(arch, quantization, context, framework, generate, batch, gpus, kv_dtype,
                              _settings_with(settings, tensor_parallel=gpus), advise)
    attn = tf_engine.DEFAULT_ATTN if attn is None else attn
    if attn not in tf_engine.ATTN_IMPLEMENTATIONS:
        raise GeneratorError(f"unknown attention implementation {attn!r}",
                             fix="use one of: " + ", ".join(tf_engine.ATTN_IMPLEMENTATIONS))
    return _estimate_transformers(arch, quantization, context, framework, generate, batch, gpus, kv_dtype, attn)


def _settings_with(settings: vllm_engine.VllmSettings, **changes) -> vllm_engine.VllmSettings:
    """``replace(settings, **changes)`` for the frozen VllmSettings (no __post_init__), without dataclasses.replace's
    walk over the fields: every vLLM estimate makes one."""
    copy = object.__new__(type(settings))
    copy.__dict__.update(settings.__dict__, **changes)
    return copy


# transformers keeps a state layer's conv state at the full kernel width in the model dtype and its recurrent state
# in fp32: cache_utils.LinearAttentionLayer.lazy_initialization allocates conv_states (batch, conv_dim,
# conv_kernel_size) in the dtype of the conv input, and recurrent_states zeros_like the kernel's final state, which
# torch_chunk_gated_delta_rule (Qwen3-Next / Qwen3.5) and mamba2_chunk_scan (Nemotron-H, Granite 4) compute in
# float32 (transformers 5.24.0, cache_utils.py and modeling_qwen3_next.py / modeling_nemotron_h.py).
TRANSFORMERS_RECURRENT_STATE_BYTES = 4


def transformers_state_bytes(arch: Architecture, act_bytes: int, batch: int) -> int:
    return int(batch * state_bytes_per_sequence(arch, act_bytes, TRANSFORMERS_RECURRENT_STATE_BYTES,
                                                conv_columns=arch.conv_kernel))


def check_family_release(arch: Architecture, framework: FrameworkProfile) -> None:
    """Refuse a transformers release older than the first one with the family's classes."""
    from generator.families.table import FAMILIES  # data only; imported here to keep calc free of the readers
    first = FAMILIES.get(arch.model_type, {}).get("first_release")
    if first and framework.version and version_tuple(framework.version) < version_tuple(first):
        raise GeneratorError(f"transformers {framework.version} cannot run {arch.model_type} models: its classes "
                             f"arrived in transformers {first}", fix=f"use --framework transformers=={first} or later")


def runnable_framework(arch: Architecture, framework: FrameworkProfile, profiles) -> FrameworkProfile:
    """The transformers profile a table can show the model under: its own, or the family's first release when the
    table's release predates the family (a hybrid model in a table of transformers 4.46 runs on 4.57 or later)."""
    from generator.families.table import FAMILIES
    first = FAMILIES.get(arch.model_type, {}).get("first_release")
    if framework.engine != "transformers" or not first or not framework.version or \
            version_tuple(framework.version) >= version_tuple(first):
        return framework
    return parse_framework(f"transformers=={first}", profiles)


def _estimate_transformers(arch, quant, context, framework, generate, batch, gpus, kv_dtype, attn):
    check_family_release(arch, framework)
    weights, largest = weight_bytes(arch, quant)
    act = quant.compute_bytes
    kv_value = kv_dtype.bytes_per_value if kv_dtype else act
    total_tokens = context + generate
    # The version's cache: sliding layers keep every token until the sliding-window cache layers (4.56).
    cache_arch = tf_engine.cache_architecture(arch, framework)
    latent = framework.mla_compressed_cache  # 5.15+: MLA caches the latent (content/frameworks.yaml)
    kv_full = kv_cache_bytes_per_token(cache_arch, kv_value, latent, total_tokens) * total_tokens * batch
    kv_prompt = kv_cache_bytes_per_token(cache_arch, kv_value, latent, context) * context * batch
    layer_kv_full = kv_full / max(1, arch.attention_layers)
    state = transformers_state_bytes(arch, act, batch)

    # Overheads that live as long as the model does.
    rope = tf_engine.rope_table_bytes(arch, framework, act)
    # The exllama kernel's temp_dq (the largest dequantized matrix in fp16) and temp_state on each GPU.
    scratch_per_gpu = largest * 2 + EXLLAMA_TEMP_STATE_BYTES if quant.format == "gptq" and quant.bits == 4 else 0
    flash = attn != "eager"
    # SDPA/eager before 4.54 repeat the grouped K/V heads: over the prompt in prefill, over the cache in decode.
    prefill_repeat = tf_engine.expanded_kv_bytes(arch, framework, attn, context * batch, act)
    decode_repeat = tf_engine.expanded_kv_bytes(arch, framework, attn, total_tokens * batch, act)

    tokens = context * batch
    vocab = arch.vocab_size
    h = arch.hidden_size
    if framework.logits_all_positions:
        logits_16 = tokens * vocab * act
        logits_32 = tokens * vocab * 4
    else:
        logits_16 = batch * vocab * act
        logits_32 = batch * vocab * 4
    logits = logits_16 + logits_32 + tokens * h * act
    eager = 0 if flash else tf_engine.eager_attention_bytes(arch, batch, context, context, act,
                                                            tf_engine.computes_in_float16(quant))
    layer_peak = _prefill_layer_activations(arch, tokens, act, flash, prefill_repeat, eager)
    activations = max(logits, layer_peak)

    step_logits = batch * vocab * (act + 4)
    if framework.kv_cache_copies_in_decode >= 2:
        decode_kv = 2 * kv_full
    else:
        decode_kv = kv_full + layer_kv_full

    fixed = rope + scratch_per_gpu * gpus
    if gpus == 1:
        prefill = kv_prompt + state + activations
        decode = decode_kv + state + step_logits + decode_repeat
        peak = weights + fixed + max(prefill, decode)
        per_gpu = (int(peak),)
    else:
        copies = max(1, framework.kv_cache_copies_in_decode)
        # The state is spread over the cards with its layers, as the K/V is.
        per_gpu = _layer_split_peaks(arch, quant, weights, rope, scratch_per_gpu, gpus, kv_prompt + state,
                                     kv_full + state, decode_kv + state, logits, logits_32, layer_peak, step_logits,
                                     copies, decode_repeat,
                                     _prefill_layer_activations(arch, tokens, act, flash, prefill_repeat, eager,
                                                                first_gpu=False))
        per_gpu = [int(p) for p in per_gpu]
        peak = sum(per_gpu)
    steady = weights + fixed + kv_full + state + step_logits + decode_repeat
    return Estimate(
        weights=int(weights), kv_cache=int(kv_full), activations=int(activations), overhead=int(fixed),
        peak=int(peak), steady=int(steady), per_gpu_peak=tuple(int(p) for p in per_gpu), gpus=gpus,
        context=context, generate=generate, batch=batch, state=state,
    )


def _layer_split_peaks(arch, quant, weights, rope, scratch, gpus, kv_prompt, kv_full, decode_kv, logits, logits_32,
                       layer_peak, step_logits, copies, decode_repeat=0, later_layer_peak=None):
    """device_map="auto": consecutive layers per GPU, embedding on the first, norm + lm_head on the last.

    Each GPU reaches its own peak at its own moment, and the benchmark sums the per-GPU peaks. The last GPU
    computes the logits; accelerate's top-level hook (io_same_device) copies the fp32 logits back to the first GPU,
    where generate() keeps them referenced through the first decoding step, while that step holds the first GPU's
    cache ``copies`` times (legacy tuple + new DynamicCache). ``later_layer_peak``: the prefill layer peak on the
    GPUs after the first, which do not hold inputs_embeds (default ``layer_peak``).
    """
    if later_layer_peak is None:
        later_layer_peak = layer_peak
    b = param_breakdown(arch)
    if quant.format in PACKED_FORMATS:
        # These checkpoints keep the embedding and lm_head at 16 bits (see weight_bytes): 2.3 GiB each for
        # Qwen2-72B, five times a 4-bit decoder layer, so they weigh far more in the split than their share of
        # parameters.
        embed_w = b.embedding * quant.compute_bytes
        head_w = b.lm_head * quant.compute_bytes
    else:
        scale = weights / b.total
        embed_w = b.embedding * scale
        head_w = b.lm_head * scale
    per_layer = (weights - embed_w - head_w) / arch.layers
    # accelerate's balanced map (get_balanced_memory): each GPU but the last may hold total/gpus + 1.25 layers;
    # infer_auto_device_map then keeps room for the largest module (a layer, the embedding or lm_head) free on
    # the first GPU, and fills GPUs in module order until the next layer does not fit. accelerate sizes modules by
    # their parameters and buffers (compute_module_sizes), so a layer's rotary cos/sin tables count with it.
    layer_size = per_layer + rope / arch.layers
    capacity = (weights + rope) / gpus + BALANCED_MAP_HEADROOM_LAYERS * layer_size
    largest_module = max(layer_size, embed_w, head_w)
    counts = []
    left = arch.layers
    for index in range(gpus - 1):
        room = capacity - (largest_module + embed_w if index == 0 else 0)
        count = max(0, min(left, math.floor(room / layer_size)))
        counts.append(count)
        left -= count
    counts.append(left)
    peaks = []
    for index, count in enumerate(counts):
        fraction = count / arch.layers
        w = count * per_layer + (embed_w if index == 0 else 0) + (head_w if index == gpus - 1 else 0)
        prefill = kv_prompt * fraction + (layer_peak if index == 0 else later_layer_peak)
        # Each card repeats the grouped K/V heads of its own layers while decoding (SDPA/eager before 4.56, flash
        # attention in the profile's flash_repeats_kv_families).
        decode = decode_kv * fraction + (decode_repeat if count else 0)
        if index == gpus - 1:
            prefill = max(prefill, kv_prompt * fraction + logits)
        if index == 0:
            decode = max(decode + step_logits, copies * kv_prompt * fraction + logits_32)
        peaks.append(w + rope * fraction + scratch + max(prefill, decode))
    return peaks


_RULES: dict = {}  # id(profile) -> (profile, its rules): every vLLM estimate asks, for the same few profiles


def vllm_rules(framework: FrameworkProfile) -> vllm_engine.VllmRules:
    """The version's behaviour, from its content/frameworks.yaml profile (both frozen: the same profile object
    always gives equal rules, so they are kept while the profile lives; the stored profile keeps its id taken)."""
    found = _RULES.get(id(framework))
    if found is not None and found[0] is framework:
        return found[1]
    if len(_RULES) >= 256:
        _RULES.clear()
    rules = _vllm_rules(framework)
    _RULES[id(framework)] = (framework, rules)
    return rules


# What a profile that leaves a vLLM setting out (0 or empty) gets: VllmRules' own defaults (generator/calc/vllm.py).
VLLM_RULE_DEFAULTS = vllm_engine.VllmRules()


def _vllm_rules(framework: FrameworkProfile) -> vllm_engine.VllmRules:
    d = VLLM_RULE_DEFAULTS
    engines = tuple(framework.vllm_engines.split()) or d.engines
    return vllm_engine.VllmRules(
        version=version_tuple(framework.version) if framework.version else (framework.min_version or d.version),
        engines=engines, default_engine=framework.vllm_default_engine or engines[0],
        gpu_memory_utilization=framework.gpu_memory_utilization, max_num_seqs=framework.max_num_seqs or d.max_num_seqs,
        max_num_batched_tokens=framework.max_num_batched_tokens or d.max_num_batched_tokens,
        large_card_rule=framework.large_card_rule,
        large_card_max_num_batched_tokens=framework.large_card_max_num_batched_tokens or
        d.large_card_max_num_batched_tokens,
        large_card_max_num_seqs=framework.large_card_max_num_seqs or d.large_card_max_num_seqs,
        huge_card_max_num_batched_tokens=framework.huge_card_max_num_batched_tokens,
        v0_chunked_prefill_tokens=framework.v0_chunked_prefill_tokens or d.v0_chunked_prefill_tokens,
        non_torch_context_engines=tuple(framework.non_torch_context_engines.split()),
        mla_compressed_cache=framework.mla_compressed_cache, hybrid_kv_cache=framework.vllm_hybrid_kv_cache,
        kv_report=framework.vllm_kv_report, cuda_graph_estimate=framework.vllm_cuda_graph_estimate,
        free_memory_check=framework.vllm_free_memory_check, sampler=framework.vllm_sampler)


def _vllm_quantization(quant: Quantization) -> tuple:
    """(the format vLLM loads, a note when that is not the checkpoint's own)."""
    if quant.format == "float" and quant.bits > 16:
        # vLLM runs a float32 checkpoint in 16 bits unless --dtype float32 is given (ModelConfig
        # _get_and_verify_dtype: "auto" turns float32 into bfloat16 where the card has it, float16 before v0.7).
        return _FLOAT_QUANTS["bf16"], ("vLLM loads a float32 checkpoint in 16 bits (--dtype auto): estimated as bf16",)
    return quant, ()


def vllm_no_start_budget(arch: Architecture, quant: Quantization, tensor_parallel: int = 1) -> int:
    """A start-up budget (gpu_memory_utilization x the card's memory, bytes) at or below which vLLM cannot start this
    run: the weights on one rank fill it, so the KV cache gets no block (vllm.plan: kv_budget = budget - weights per
    rank (at least weights / tp) - activation - non-torch - CUDA graphs, none of them negative) and check() refuses.
    A shortcut for the tables' scans over cards: the same answer as estimating on each card."""
    quant, _ = _vllm_quantization(quant)
    return int(weight_bytes(arch, quant)[0] / tensor_parallel)


def _estimate_vllm(arch, quant, context, framework, generate, batch, gpus, kv_dtype, settings, advise=True):
    """Tensor parallel over ``gpus``: vLLM's own start-up arithmetic (generator/calc/vllm.py)."""
    quant, note = _vllm_quantization(quant)
    weights, _ = weight_bytes(arch, quant)
    act = quant.compute_bytes
    request = max(context + generate, 1)
    rules = vllm_rules(framework)
    kv_value = kv_dtype.bytes_per_value if kv_dtype else None
    plan = vllm_engine.plan(arch, weights, act, rules, settings, request, kv_value, quant.format)
    if note:
        plan = replace(plan, warnings=note + plan.warnings)
    refusal = vllm_engine.check(arch, plan, rules, settings, request, kv_dtype.name if kv_dtype else "16-bit")
    if refusal and settings.gpu_memory_bytes and advise:
        refusal += vllm_engine.what_would_fit(arch, plan, rules, settings, request, kv_value, act,
                                              lambda q: weight_bytes(arch, q)[0], quant, _smaller_quantizations(quant))
    kv_needed = int(plan.kv_bytes_per_token * request * batch * gpus)
    # Hybrid models: vLLM keeps one state slot per running sequence (conv state in the model dtype, the SSM /
    # recurrent state in mamba_ssm_cache_dtype, "auto" = the model dtype); generator/calc/vllm.py sizes the slots.
    state = int(batch * state_bytes_per_sequence(arch, act, act))
    if not settings.gpu_memory_bytes:
        # No card: what this request needs on each GPU (vLLM itself would take utilisation x the card).
        per_gpu = int(plan.weights + plan.activation_peak + plan.non_torch + plan.kv_bytes_per_token * request * batch
                      + state / gpus)
        return Estimate(
            weights=int(weights), kv_cache=kv_needed, activations=plan.activation_peak * gpus,
            overhead=plan.non_torch * gpus, peak=per_gpu * gpus,
            steady=int(weights + kv_needed + state + plan.non_torch * gpus), per_gpu_peak=(per_gpu,) * gpus,
            gpus=gpus, context=context, generate=generate, batch=batch, vllm=plan, refusal=refusal,
            warnings=plan.warnings, state=state)
    # With a card, the state slots of this batch are pages of the KV cache vLLM pre-allocates (V1's hybrid
    # manager, vllm.py _state_layout): inside the startup reserve, and held while decoding as in the branch above.
    per_gpu = int(max(plan.budget, plan.weights + plan.activation_peak + plan.non_torch))
    return Estimate(
        weights=int(weights), kv_cache=kv_needed, activations=plan.activation_peak * gpus,
        overhead=plan.non_torch * gpus, peak=per_gpu * gpus,
        steady=int(weights + kv_needed + state + plan.non_torch * gpus),
        per_gpu_peak=(per_gpu,) * gpus, gpus=gpus, context=context, generate=generate, batch=batch,
        kv_cache_capacity_tokens=plan.capacity_tokens, max_concurrency=plan.concurrency(request), vllm=plan,
        refusal=refusal, warnings=plan.warnings, state=state,
    )


# Smaller formats to suggest when a run does not fit, in the order a reader would try them.
_SMALLER = ("bf16", "fp8", "gptq-int8", "awq-int4")


def _smaller_quantizations(quant: Quantization) -> tuple:
    if quant.format == "float" and quant.bits >= 16:
        names = _SMALLER[1:]
    elif quant.name in _SMALLER:
        names = _SMALLER[_SMALLER.index(quant.name) + 1:]
    else:
        names = ()  # gptq-int4 is already the smallest; GGUF files are llama.cpp's
    return tuple(_FLOAT_QUANTS[n] for n in names)


# llama.cpp's cache types; the 16-bit cache is f16 there.
_LLAMA_CPP_KV = {"16-bit": "f16", "fp32": "f32", "q8_0": "q8_0", "q4_0": "q4_0", "q4_1": "q4_1", "q5_0": "q5_0",
                 "q5_1": "q5_1", "iq4_nl": "iq4_nl"}
# What each engine stores its KV cache in (vLLM: --kv-cache-dtype auto/fp8; transformers: the model dtype, or a
# quantized cache that this estimator does not model).
ENGINE_KV_DTYPES = {"llama.cpp": tuple(_LLAMA_CPP_KV), "vllm": ("16-bit", "fp8"), "transformers": ("16-bit", "fp32")}


def check_engine_formats(quant: Quantization, framework: FrameworkProfile, kv_dtype: KvDtype | None) -> None:
    """Refuse runs an engine cannot do: GGUF files outside llama.cpp, GPTQ/AWQ/FP8/bitsandbytes/MXFP4 checkpoints
    in llama.cpp, KV cache types the engine has no such cache for."""
    engine = framework.engine
    if quant.format == "gguf" and engine != "llama.cpp":
        raise GeneratorError(f"{quant.name} is a GGUF file type: only llama.cpp runs GGUF files",
                             fix="use --framework llama.cpp, or a format this engine loads (bf16, gptq-int4, awq ...)")
    if engine == "llama.cpp" and quant.format not in ("float", "gguf"):
        raise GeneratorError(f"llama.cpp does not load {quant.name} checkpoints (it runs GGUF files)",
                             fix="use a GGUF type such as q4_k_m or q8_0, or --framework vllm / transformers")
    if kv_dtype is not None and kv_dtype.name not in ENGINE_KV_DTYPES.get(engine, (kv_dtype.name,)):
        raise GeneratorError(f"{engine} has no {kv_dtype.name} KV cache",
                             fix="use one of: " + ", ".join(ENGINE_KV_DTYPES[engine]))


# Float checkpoints run as f16/bf16/f32 GGUF files.
LLAMA_CPP_FLOAT_MIX = {"fp16": "f16", "bf16": "bf16", "fp32": "f32"}
# llama.cpp's cache without --cache-type-k/-v is f16; only these unquantized types run without flash attention
# (llama-context.cpp: "V cache quantization requires flash_attn").
LLAMA_CPP_DEFAULT_KV = "f16"
LLAMA_CPP_UNQUANTIZED_KV = ("f16", "bf16", "f32")


def _llama_cpp_mix(quant: Quantization) -> str:
    return LLAMA_CPP_FLOAT_MIX.get(quant.name, quant.name)


def _estimate_llama_cpp(arch, quant, context, framework, generate, batch, gpus, kv_dtype, flash_attention, ubatch,
                        n_gpu_layers):
    """llama.cpp's buffers: model, KV and compute per card, token_embd and CPU layers in host memory."""
    if flash_attention == "auto" and not framework.flash_attention:
        # -fa auto arrived with PR #15434 (b6327), which made it the default; before it -fa was on or off.
        raise GeneratorError(f"{framework.label} has no -fa auto (it arrived in b6327)",
                             fix="pass --flash-attn on or off, or a build from b6327")
    flash = framework.flash_attention if flash_attention in (None, "auto") else flash_attention
    kv_type = _LLAMA_CPP_KV[kv_dtype.name] if kv_dtype else LLAMA_CPP_DEFAULT_KV
    if kv_type not in LLAMA_CPP_UNQUANTIZED_KV and not flash:
        raise GeneratorError(f"llama.cpp refuses a {kv_type} V cache without flash attention "
                             "(\"V cache quantization requires flash_attn\")",
                             fix="pass --flash-attn on, or use the 16-bit cache")
    n_ubatch = ubatch or framework.ubatch_tokens or DEFAULT_UBATCH
    if n_ubatch < 1:
        raise GeneratorError("--ubatch must be at least 1", fix="pass --ubatch 512")
    if n_gpu_layers is not None and n_gpu_layers < 0:
        raise GeneratorError("--n-gpu-layers must be 0 or more", fix="pass --n-gpu-layers 99 for every layer")
    n_ctx = padded_ctx(max(context + generate, 1) * batch, flash)
    run = LlamaCppRun(n_ctx=n_ctx, n_ubatch=min(n_ubatch, n_ctx), flash_attention=flash, n_gpu_layers=n_gpu_layers,
                      gpus=gpus, kv_type=kv_type, swa_cache=framework.swa_cache,
                      mla_latent_cache=framework.mla_compressed_cache, mla_v_cache=framework.mla_v_cache)
    refusal = kv_block_refusal(arch, run)
    if refusal:
        # llama_init_from_model (src/llama-context.cpp) refuses the context; builds without the check (before -fa
        # auto, or -fa on before PR #21586) read heads that start mid-block (generator/calc/llamacpp.py).
        width, line = refusal
        raise GeneratorError(f"llama.cpp refuses a {kv_type} cache for heads of {width} values, not a whole number "
                             f"of its {kv_block_size(kv_type)}-value blocks (\"{line}\")",
                             fix="use the 16-bit cache (--kv-dtype 16-bit)")
    memory = llamacpp_memory(arch, _llama_cpp_mix(quant), run)
    state_cards, state_host = llamacpp_state_bytes(arch, batch, n_gpu_layers, gpus)
    per_gpu = tuple(int(p + s) for p, s in zip(memory.per_card, state_cards))
    peak = sum(per_gpu)
    return Estimate(
        weights=int(sum(memory.model)), kv_cache=int(sum(memory.kv)), activations=int(sum(memory.compute)),
        overhead=0, peak=peak, steady=peak, per_gpu_peak=per_gpu, gpus=gpus, context=context, generate=generate,
        batch=batch, host=int(memory.host + state_host), state=int(sum(state_cards)),
    )


# llama.cpp's recurrent memory (src/llama-memory-recurrent.cpp, made by llama_model::create_memory for hybrid and
# recurrent architectures): per state layer one r tensor of n_embd_r() = (ssm_d_conv - 1) x conv channels and one
# s tensor of n_embd_s() = ssm_d_state x ssm_d_inner (for Gated DeltaNet: key head dim x value heads x value head
# dim), both GGML_TYPE_F32, times mem_size = max(1, n_seq_max) sequence slots, on the layer's device (offload_kqv).
LLAMA_CPP_STATE_BYTES = 4


def llamacpp_state_bytes(arch: Architecture, sequences: int, n_gpu_layers, gpus: int) -> tuple:
    """([bytes per card], bytes in host memory) of the recurrent-state buffer for ``sequences`` slots."""
    cards = [0.0] * gpus
    if not arch.is_hybrid:
        return cards, 0.0
    per_layer = state_bytes_per_sequence(arch, LLAMA_CPP_STATE_BYTES, LLAMA_CPP_STATE_BYTES) / arch.state_layers
    per_layer *= max(1, sequences)
    devices, _ = layer_devices(arch.layers, n_gpu_layers, gpus)
    host = 0.0
    for index, card in enumerate(devices):
        if arch.holds_state(index):
            if card is None:
                host += per_layer
            else:
                cards[card] += per_layer
    return cards, host
