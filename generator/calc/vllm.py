"""vLLM's start-up arithmetic: how big a KV cache it allocates, and when it refuses to start.

Pure: numbers in, numbers out. The mechanism follows vLLM's own code (read at the tags named), written anew:

* The budget (V0 ``vllm/worker/worker.py`` ``determine_num_available_blocks``; V1
  ``vllm/v1/worker/gpu_worker.py`` ``determine_available_memory``; ``vllm/utils.py`` ``memory_profiling`` from
  v0.6.5, PR #10511): total memory as CUDA reports it x ``gpu_memory_utilization``, less the weights on this rank,
  less the peak that PyTorch allocated during one profiling forward pass, less the memory allocated outside
  PyTorch (cuBLAS workspaces, NCCL and custom all-reduce buffers; before v0.6.5 this figure also held the CUDA
  context, because it was measured as ``total - free - torch``).
* The KV cache is whole blocks of 16 tokens (``CacheConfig.block_size``); a block holds K and V of every layer for
  the KV heads of this rank, ``max(1, kv_heads // tp)`` (vLLM replicates KV heads when there are fewer than
  ranks: ``ModelConfig.get_num_kv_heads``). The "# GPU blocks" / "GPU KV cache size: N tokens" lines report that
  count for full-attention layers: sliding windows do not shrink the figure.
* The profiling pass. V0 (``ModelRunner.profile_run``): ``max_num_seqs`` dummy sequences sharing
  ``max_num_batched_tokens`` tokens; without chunked prefill that is ``max(max_model_len, 2048)`` tokens
  (``SchedulerConfig``), so the peak grows with the context. V1 (``GPUModelRunner.profile_run``): a forward pass of
  ``max_num_batched_tokens`` tokens (chunked prefill is always on), then ``_dummy_sampler_run`` over
  ``max_num_seqs`` dummy requests.
* The engine's defaults that depend on the card (V1 ``EngineArgs`` usage-context defaults for ``vllm serve``):
  see ``batch_defaults``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from generator.calc.architecture import (Architecture, kv_cache_bytes_per_token, remembered_hash,
                                         state_bytes_per_sequence)

GIB = 2 ** 30
BLOCK_TOKENS = 16  # CacheConfig.block_size default on CUDA

# V0 without chunked prefill profiles max(max_model_len, 2048) tokens (SchedulerConfig, _DEFAULT_MAX_NUM_BATCHED_TOKENS).
V0_MIN_BATCHED_TOKENS = 2048
# `vllm serve` turns chunked prefill on by itself in V0 when max_model_len exceeds 32K
# (EngineArgs.create_engine_config: use_long_context = max_model_len > 32K, OPENAI_API_SERVER usage context).
V0_LONG_CONTEXT = 32 * 1024
# fused_moe processes at most VLLM_FUSED_MOE_CHUNK_SIZE tokens at once (vllm/envs.py default 64 * 1024) and
# sizes its intermediate caches for that chunk.
FUSED_MOE_CHUNK_TOKENS = 64 * 1024
# The sampler warm-up of the profiling pass sorts every logit: V1 GPUModelRunner._dummy_sampler_run (top-k =
# vocab - 1, top-p 0.9) and V0 ModelRunner.profile_run (SamplingParams(top_p=0.99, top_k=vocab - 1)) both reach
# apply_top_k_top_p's logits.sort (vllm/v1/sample/ops/topk_topp_sampler.py at v0.11.0). While torch.sort runs, per
# logit: the logits in the model dtype (2 bytes, still referenced by the caller), their fp32 copy (Sampler:
# logits.to(torch.float32), 4), torch.sort's int64 index input (8), its outputs (fp32 values 4, int64 indices 8)
# and the alternate key/value buffers cub's segmented radix sort keeps in its temporary storage (4 + 8): 38 bytes
# per logit (2 of them the model dtype's). The V0 TP=2 RTX 4090 log (issue-13061-4090-tp2 in
# content/benchmarks/vllm-startup-logs.yaml) implies about 34 (rank 0's cache is 1.23 GiB smaller than rank 1's over
# 256 x 152064 logits); no log in that file isolates the V1 figure, which is the sum above.
SAMPLER_SORT_BYTES_PER_LOGIT = 38
# From v0.17.0 top-k/top-p run in place in a Triton kernel (batches of 8 or more): per logit the model-dtype logits
# (2), the fp32 copy (4), the softmax probabilities (4), the exponential noise (torch.empty_like(probs), 4) and
# probs.div(q) (4): 18 bytes (random_sample, vllm/v1/sample/ops/topk_topp_sampler.py at v0.20.0).
SAMPLER_TRITON_BYTES_PER_LOGIT = 18
SAMPLER_TRITON_MIN_SEQS = 8
# V1 with FlashInfer installed and its sampler on (the log says "Using FlashInfer for top-p & top-k sampling.":
# VLLM_USE_FLASHINFER_SAMPLER unset meant on from PR #11394 until PR #26859 made it opt-in in v0.11.1) samples
# without a sort: flashinfer.sampling.top_k_top_p_sampling_from_logits (PR #18608) masks the top-k logits and
# softmaxes them. Per logit: the model-dtype logits (2), the fp32 copy (4), the masked logits (4), the
# probabilities (4): 14 bytes. The four v0.10.1.1 A100 logs of dennislee22/vLLM-benchmarking (Qwen2-7B, 256
# sequences x 152064 logits) leave 0.55 GiB (TP=1) outside weights and cache, 0.51 GiB of it this figure.
SAMPLER_FLASHINFER_BYTES_PER_LOGIT = 14
# CUDA-graph memory that vLLM subtracts before sizing the cache (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS, default
# on from v0.21.0, as its start-up line says; GPUModelRunner.profile_cudagraph_memory: the first capture plus the
# second capture's increase times the rest). Each captured graph costs about 24 MiB: "the real FULL graphs cost ~24 MiB each" (vLLM issue
# #50780); 16 piecewise graphs logged "Estimated CUDA graph memory: 0.36 GiB total" (23 MiB each, gpustack/runner
# PR #251, vLLM 0.27.1).
CUDA_GRAPH_BYTES = 24 * 2 ** 20
# What the CUDA context and cuBLAS hold before vLLM's start-up snapshot: 0.35 GiB (non_torch_memory of an RTX 3090
# at TP=1, vLLM 0.6.4, issue #10517, measured as total - free - torch). V1 refuses to start when the free memory
# is below gpu_memory_utilization x total ("Free memory on device ... on startup is less than desired GPU memory
# utilization", gpu_worker.py init_device, v0.9.1 on: issue #20305).
STARTUP_USED_BYTES = int(0.35 * GIB)
# The "would fit" advice never proposes more than this utilisation (V1's start-up check above; other processes).
MAX_SUGGESTED_UTILISATION = 0.98
# Memory outside PyTorch after profiling (the "non_torch_memory" of the logs), by how vLLM measures it.
# V0 (from v0.6.5) and V1 before v0.9.2: cuBLAS workspaces, about 0.1 GiB once the CUDA context is no longer counted
# in it (an estimate: no single-GPU log of such a version in content/benchmarks/vllm-startup-logs.yaml prints it),
# and with tensor parallelism about 0.2 GiB more per rank: the V0 TP=2 logs print non_torch_memory 0.30 GiB
# (issue-15815-l40s-tp2) and 0.25 GiB (issue-13061-4090-tp2). V0 takes its baseline after the distributed
# environment is up (Worker.init_device, then determine_num_available_blocks), so NCCL's own set-up is not in it.
NON_TORCH_BASE_BYTES = int(0.1 * GIB)
NON_TORCH_TP_BYTES = int(0.2 * GIB)
# V1 from v0.9.2 (PR #19312: gpu_worker.init_device takes its MemorySnapshot before init_worker_distributed_environment,
# and determine_available_memory profiles against it) counts everything allocated outside PyTorch since that
# snapshot: NCCL communicators and their channel buffers, the custom all-reduce and symmetric-memory buffers.
# One GPU: 0.13 GiB ("Non-torch memory: 0.13 GiB" in llm-d's DEBUG logs of v0.11.0 on an H100: llmd-h100-llama-3.1-8b
# in content/benchmarks/vllm-startup-logs.yaml; its Qwen3-0.6B and gpt-oss-20b runs print 0.13 too, Qwen3-32B 0.14).
V1_NON_TORCH_BASE_BYTES = int(0.13 * GIB)
# Tensor parallel, cards joined by NVLink / NVSwitch or Infinity Fabric (custom all-reduce and symmetric memory on,
# NCCL with its many NVLink channels): 0.41 GiB more per rank (llm-d, v0.11.0, two H100: non-torch 0.54 GiB for
# Qwen3-32B and 0.55 for Llama-3.3-70B at TP=2, against 0.13-0.14 at TP=1: llmd-h100-qwen3-32b-tp2 and
# llmd-h100-llama-3.3-70b-fp8-tp2). What makes it up on Hopper at TP=2
# (vllm/distributed/device_communicators/all_reduce_utils.py: CUSTOM_ALL_REDUCE_MAX_SIZES and
# SYMM_MEM_ALL_REDUCE_MAX_SIZES["9.0"][2] = 64 MiB; CustomAllreduce cudaMallocs its buffer and its meta + buffer,
# the symmetric-memory communicator one more buffer): about 0.19 GiB of all-reduce buffers, the rest NCCL's channel
# buffers. Those tables shrink for 4 and 8 ranks (32 MiB, 256 KiB-64 MiB), so the figure may be high above TP=2;
# no log in the file separates it there.
V1_NON_TORCH_TP_NVLINK_BYTES = int(0.41 * GIB)
# Tensor parallel without peer-to-peer access (PCIe cards, containers without P2P: "Custom allreduce is disabled
# because your platform lacks GPU P2P capability"): NCCL alone, 0.12 GiB more per rank. The v0.10.1.1 A100 logs of
# dennislee22/vLLM-benchmarking leave 0.67 GiB per rank outside weights and cache at TP=2 (dennislee-a100-qwen2-7b-tp2-025:
# 19.81 - 7.12 - 12.02) against 0.55 GiB at TP=1 with the same model, sampler and card (dennislee-a100-qwen2-7b-025:
# 19.81 - 14.25 - 5.01).
V1_NON_TORCH_TP_PCIE_BYTES = int(0.12 * GIB)
# Cards that vLLM joins by NVLink (custom all-reduce's full-NVLink check passes) or, on ROCm, by Infinity Fabric.
# The A100 is not among them: the only A100 tensor-parallel logs in the file ran without P2P (see above).
NVLINK_CARDS = ("h100", "h200", "h800", "h20", "b200", "b100", "gb200", "b300", "mi300", "mi325", "mi355")
# V0 before v0.6.5 (PR #10511) and V1 before v0.9.2 (PR #19312) measured non-torch memory as total - free - torch
# allocated, which includes the CUDA context and the cuBLAS handle: 0.35 GiB on an RTX 3090 with TP=1 (vLLM 0.6.4,
# issue #10517), 0.25 GiB above the later baseline-relative figure.
CUDA_CONTEXT_IN_NON_TORCH_BYTES = int(0.25 * GIB)
# EngineArgs (v0.28.0 on): "device_memory >= 160 * GiB_bytes" selects the largest `vllm serve` defaults.
HUGE_CARD_BYTES = 160 * GIB
# Llama 4's chunked local attention runs without the hybrid manager by default from v0.10.1 (PR #21761, merged
# 2025-07-28: "There is a latency regression when using chunked local attention with the hybrid KV cache manager.
# Disabling it, by default") until PR #29627 (opened 2025-11-27) turned VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE
# on; v0.12.0 still logs the warning (fuhengwu-h200x8-llama-4-scout-5m), and 0.13.0 is taken as the first release with
# it on (not read at the tag). Every layer then holds every token for the concurrency, while the start-up check still
# sums each layer's own need: Scout at 5,242,880 tokens logs 0.75x and starts.
CHUNKED_LOCAL_WITHOUT_HYBRID = ((0, 10, 1), (0, 13, 0))
KV_DTYPES = {"auto": None, "16-bit": None, "fp8": 1.0, "fp8_e4m3": 1.0, "fp8_e5m2": 1.0}
ENGINES = ("v0", "v1")
# The KV cache types vLLM takes (--kv-cache-dtype auto | fp8 | fp8_e4m3 | fp8_e5m2, CacheConfig), as check() compares
# them: lower case, "_" written "-", with the estimator's own name for the model's dtype ("16-bit").
KV_CACHE_NAMES = ("16-bit", "auto", "fp8", "fp8-e4m3", "fp8-e5m2")
# batch_defaults: a "large" card is at least 70 GiB ("device_memory >= 70 * GiB_bytes", EngineArgs v0.9.0 on) and
# not an A100 (PR #17885); v0.8.x looked for "h100" or "h200" in the device name instead.
LARGE_CARD_BYTES = 70 * GIB
LARGE_CARD_NAMES = ("h100", "h200")
LARGE_CARD_EXCLUDED = "a100"
# cuda_graph_capture_sizes: VllmConfig's default sizes [1, 2, 4] + range(8, 256, 8) + range(256, max + 1, 16), where
# max = min(2 x max_num_seqs, CUDA_GRAPH_MAX_SIZE) (vllm/config/vllm.py at v0.20.0).
CUDA_GRAPH_MAX_SIZE = 512
CUDA_GRAPH_CAPTURE_SIZES = tuple([1, 2, 4] + list(range(8, 256, 8)) + list(range(256, CUDA_GRAPH_MAX_SIZE + 1, 16)))
# group_size: "max_num_layers < min_num_layers * 1.25" (kv_cache_utils._get_kv_cache_groups_uniform_page_size).
GROUP_SIZE_TOLERANCE = 1.25
# mxfp4_padding_bytes: cards with native FP4 (Blackwell) by name, the paddings and MXFP4's 4.25 bits per weight
# (4-bit values plus one 8-bit scale per 32: 4 + 8/32), see that function's docstring for the sources.
BLACKWELL_CARDS = ("b200", "b100", "gb200", "rtx 50", "5090", "5080", "rtx pro 6000")
MXFP4_MARLIN_PAD = 128
MXFP4_FLASHINFER_PAD = 256
MXFP4_HIDDEN_PAD = 256
MXFP4_BITS = 4.25
# AMD Instinct cards (MI300X ...) run ROCm: their names start so in content/gpus.yaml.
ROCM_NAME_PREFIX = "mi"
# what_would_fit tries up to this many tensor-parallel ranks (a node of 16 GPUs), and longest_max_model_len searches
# up to 2**20 tokens for a model that states no maximum.
MAX_SUGGESTED_TENSOR_PARALLEL = 16
LONGEST_SEARCH_TOKENS = 2 ** 20


@remembered_hash
@dataclass(frozen=True)
class VllmRules:
    """What a vLLM version does (from content/frameworks.yaml): its engines and its card-dependent defaults."""

    version: tuple = (0, 0, 0)
    engines: tuple = ("v0",)
    default_engine: str = "v0"
    gpu_memory_utilization: float = 0.9
    max_num_seqs: int = 256
    max_num_batched_tokens: int = 2048       # V1 `vllm serve` default on most cards
    large_card_rule: str = "none"            # none | h100-name | 70gib-not-a100
    large_card_max_num_batched_tokens: int = 8192
    large_card_max_num_seqs: int = 256
    huge_card_max_num_batched_tokens: int = 0  # v0.28 on: cards of HUGE_CARD_BYTES or more (0: no such tier)
    v0_chunked_prefill_tokens: int = 512     # V0 max_num_batched_tokens when chunked prefill is on
    non_torch_context_engines: tuple = ()    # engines whose non-torch figure includes the CUDA context
    mla_compressed_cache: bool = False
    hybrid_kv_cache: bool = False            # V1 groups layers by attention type (v0.9.2 on)
    kv_report: str = "blocks"                # blocks: num_blocks // groups x 16; concurrency: max_concurrency x len
    cuda_graph_estimate: bool = False        # V1 subtracts the CUDA-graph estimate before sizing (v0.21.0 on)
    free_memory_check: bool = False          # V1 refuses when free memory < utilisation x total (v0.9.1 on)
    sampler: str = "sort"                    # sort | triton (v0.17.0 on): the warm-up's top-k/top-p


@dataclass(frozen=True)
class VllmSettings:
    """The flags of one `vllm serve`: None means vLLM's default."""

    gpu_memory_bytes: int
    gpu_name: str = ""
    tensor_parallel: int = 1
    gpu_memory_utilization: float | None = None
    max_model_len: int | None = None
    max_num_seqs: int | None = None
    max_num_batched_tokens: int | None = None
    engine: str | None = None
    enforce_eager: bool = False
    kv_dtype: str = "auto"
    unified_memory: bool = False
    flashinfer_sampler: bool = False         # V1 samples top-k/top-p with FlashInfer (VLLM_USE_FLASHINFER_SAMPLER)


@dataclass(frozen=True)
class VllmPlan:
    """What vLLM would do at start-up, per rank (bytes), and whether it would start at all."""

    engine: str
    max_model_len: int
    max_num_seqs: int
    max_num_batched_tokens: int
    chunked_prefill: bool
    gpu_memory_utilization: float
    budget: int
    weights: int
    activation_peak: int
    non_torch: int
    kv_budget: int
    kv_bytes_per_token: float
    num_blocks: int
    refusal: str | None = None
    warnings: tuple = field(default=())
    # The KV cache layout (generator/calc/vllm.py kv_layout) and what vLLM reports and admits.
    reported_tokens: int = 0                 # "GPU KV cache size: N tokens"
    kv_groups: int = 1
    kv_needed_bytes: int = 0                 # one max_model_len request, as check_enough_kv_cache_memory sums it
    cuda_graphs: int = 0
    cuda_graph_bytes: int = 0
    # Requests of max_model_len the cache holds at once, as "Maximum concurrency for N tokens per request" reports
    # it (get_max_concurrency_for_kv_cache_config: the blocks over one request's blocks in every group).
    max_concurrency: float = 0.0

    @property
    def capacity_tokens(self) -> int:
        return self.reported_tokens

    @property
    def admits(self) -> bool:
        """vLLM starts: room for one max_model_len request (V1 sums every layer's need; V0 counts tokens)."""
        return self.num_blocks > 0 and self.kv_budget >= self.kv_needed_bytes

    def concurrency(self, tokens: int) -> float:
        return self.capacity_tokens / max(tokens, 1)


def batch_defaults(rules: VllmRules, engine: str, gpu_memory_bytes: int, gpu_name: str) -> tuple:
    """(max_num_batched_tokens, max_num_seqs) that `vllm serve` picks when neither is given.

    V1 from v0.8.0 (EngineArgs._set_default_args_v1): 2048 tokens and 256 sequences, except on "large" cards:
    v0.8.x when the device name contains "h100" or "h200" (8192 tokens); from v0.9.0 any card of at least 70 GiB
    whose name does not contain "a100" (8192 tokens and 1024 sequences; the A100 exception is vLLM PR #17885);
    from v0.28.0 any card of at least 160 GiB (B200) 16384 tokens and 1024 sequences.
    V0 sizes the batch from max_model_len instead (see plan()).
    """
    name = gpu_name.lower()
    large = (rules.large_card_rule == "h100-name" and any(tag in name for tag in LARGE_CARD_NAMES)) or \
        (rules.large_card_rule == "70gib-not-a100" and gpu_memory_bytes >= LARGE_CARD_BYTES and
         LARGE_CARD_EXCLUDED not in name)
    if engine == "v1" and rules.huge_card_max_num_batched_tokens and gpu_memory_bytes >= HUGE_CARD_BYTES:
        return rules.huge_card_max_num_batched_tokens, rules.large_card_max_num_seqs
    if engine == "v1" and large:
        return rules.large_card_max_num_batched_tokens, rules.large_card_max_num_seqs
    return rules.max_num_batched_tokens, rules.max_num_seqs


def kv_heads_per_rank(arch: Architecture, tp: int) -> int:
    return max(1, arch.kv_heads // tp)


def kv_bytes_per_token_per_rank(arch: Architecture, tp: int, bytes_per_value: float, mla_compressed: bool) -> float:
    """K and V of every layer for one token on one rank, as vLLM's block size counts it (no sliding-window saving)."""
    if arch.is_mla:
        if mla_compressed:
            # The compressed latent is one vector per layer, replicated on every rank.
            return kv_cache_bytes_per_token(arch, bytes_per_value, True)
        # Before MLA-aware attention (v0.7.1) DeepSeek's K and V share one head size: V (v_head_dim) is padded to
        # K's qk_nope + qk_rope (128 -> 192 for DeepSeek-V2/V3), and the full cache splits by heads.
        qk_head = arch.qk_nope_head_dim + arch.qk_rope_head_dim
        return 2 * arch.layers * arch.heads * max(qk_head, arch.v_head_dim) * bytes_per_value / tp
    # Only attention layers hold K/V (hybrid-state models: architecture.py layer_kinds "A").
    return 2 * arch.attention_layers * kv_heads_per_rank(arch, tp) * arch.head_dim * bytes_per_value


def rotary_cache_bytes(arch: Architecture, act_bytes: int) -> int:
    """RotaryEmbedding's cos_sin_cache: max_position x rotary_dim in the model dtype, one per model, on every rank.

    It is allocated with the weights, so "Loading model weights took" includes it (Llama-3.1-8B: 131072 x 128 x 2
    bytes = 32 MiB, the difference between 14.96 GiB of parameters and the logged 14.99).
    """
    rotary_dim = arch.qk_rope_head_dim if arch.is_mla else arch.head_dim
    return arch.max_position_embeddings * rotary_dim * act_bytes


def layer_activation_peak(arch: Architecture, tokens: int, tp: int, act_bytes: int) -> float:
    """The most PyTorch holds inside one decoder layer for a forward pass of ``tokens`` tokens on one rank.

    Dense MLP (vLLM's LlamaMLP, eager): the gate_up output (2 x I/tp) stays referenced while SiluAndMul writes I/tp
    and down_proj writes the hidden size, next to the normed input and the residual: (3 I/tp + 3 h) values a token.
    With TP > 1 the row-parallel output is all-reduced out of place (pynccl / custom all-reduce): one more h.
    MoE (fused_moe): per chunk of tokens, top-k copies of the expert intermediate (2 I + I) and of the output (h).
    Attention: q, k and v of this rank and the attention output, next to the stream.
    """
    h = arch.hidden_size
    stream = 3 * h + (h if tp > 1 else 0)
    if arch.is_moe:
        moe_i = math.ceil(arch.moe_intermediate_size / tp)
        chunk = min(tokens, FUSED_MOE_CHUNK_TOKENS)
        workspace = chunk * arch.experts_per_token * (3 * moe_i + h)
        shared = arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size
        mlp_values = tokens * (stream + 3 * math.ceil(shared / tp)) + workspace
        if arch.dense_layers:
            mlp_values = max(mlp_values, tokens * (3 * math.ceil(arch.intermediate_size / tp) + stream))
    else:
        mlp_values = tokens * (3 * math.ceil(arch.intermediate_size / tp) + stream)
    q_width = math.ceil(arch.heads / tp) * (arch.v_head_dim or arch.head_dim)
    qkv_width = math.ceil(arch.heads / tp) * arch.head_dim + 2 * kv_heads_per_rank(arch, tp) * arch.head_dim
    attention_values = tokens * (qkv_width + q_width + stream)
    return max(mlp_values, attention_values) * act_bytes


def sampler_peak(arch: Architecture, num_seqs: int, act_bytes: int, sampler: str = "sort") -> float:
    """The sampler warm-up: ``num_seqs`` rows of logits over the whole vocabulary through the sort path.

    V1 samples on every rank; V0 on rank 0 only. Either way the engine sizes every rank's cache by the smallest
    block count over the ranks (V0 determine_num_available_blocks, V1 get_kv_cache_configs min_num_blocks), so the
    sampler's rank decides the cache.
    """
    if sampler == "flashinfer":
        per_logit = SAMPLER_FLASHINFER_BYTES_PER_LOGIT
    elif sampler == "triton" and num_seqs >= SAMPLER_TRITON_MIN_SEQS:
        per_logit = SAMPLER_TRITON_BYTES_PER_LOGIT
    else:
        per_logit = SAMPLER_SORT_BYTES_PER_LOGIT
    return num_seqs * arch.vocab_size * (per_logit - 2 + act_bytes)


def nvlink_card(gpu_name: str) -> bool:
    name = gpu_name.lower()
    return any(tag in name for tag in NVLINK_CARDS)


def non_torch_bytes(rules: VllmRules, engine: str, tp: int, gpu_name: str = "") -> int:
    """Memory outside PyTorch that the budget loses, per rank. V1 from v0.9.2 measures it from a snapshot taken
    before the distributed environment exists (the versions where V1 does not count the CUDA context in it), so
    NCCL and the all-reduce buffers are in it, more of them over NVLink."""
    if engine == "v1" and "v1" not in rules.non_torch_context_engines:   # V1 from v0.9.2 (content/frameworks.yaml)
        if tp <= 1:
            return V1_NON_TORCH_BASE_BYTES
        return V1_NON_TORCH_BASE_BYTES + (V1_NON_TORCH_TP_NVLINK_BYTES if nvlink_card(gpu_name)
                                          else V1_NON_TORCH_TP_PCIE_BYTES)
    extra = CUDA_CONTEXT_IN_NON_TORCH_BYTES if engine in rules.non_torch_context_engines else 0
    return NON_TORCH_BASE_BYTES + (NON_TORCH_TP_BYTES if tp > 1 else 0) + extra


def cuda_graph_capture_sizes(max_num_seqs: int, max_num_batched_tokens: int) -> list:
    """The batch sizes V1 captures by default (VllmConfig: [1, 2, 4] + range(8, 256, 8) + range(256, max + 1, 16)
    with max = min(2 x max_num_seqs, 512), none above max_num_batched_tokens; vllm/config/vllm.py at v0.20.0)."""
    largest = min(max_num_seqs * 2, CUDA_GRAPH_MAX_SIZE)
    return [n for n in CUDA_GRAPH_CAPTURE_SIZES if n <= min(largest, max_num_batched_tokens)]


def cuda_graph_count(max_num_seqs: int, max_num_batched_tokens: int) -> int:
    """FULL_AND_PIECEWISE (the default cudagraph_mode): a piecewise graph per capture size, and a full decode graph
    per size up to max_num_seqs (uniform decode batches of one token per request)."""
    sizes = cuda_graph_capture_sizes(max_num_seqs, max_num_batched_tokens)
    return len(sizes) + sum(1 for n in sizes if n <= max_num_seqs)


def _blocks(tokens: int) -> int:
    return -(-tokens // BLOCK_TOKENS)


def group_size(counts) -> int:
    """Layers per KV cache group (kv_cache_utils._get_kv_cache_groups_uniform_page_size): the fewest layers of any
    type, or the most when the types are within 25% of each other ("max_num_layers < min_num_layers * 1.25")."""
    low, high = min(counts), max(counts)
    return high if high < low * GROUP_SIZE_TOLERANCE else low


def state_page_bytes(arch: Architecture, tp: int, act_bytes: int) -> float:
    """One state layer's page on one rank (MambaSpec.page_size_bytes): the conv state (conv_kernel - 1 columns) and
    the SSM / recurrent state of one sequence, in the model dtype (mamba_cache_dtype and mamba_ssm_cache_dtype
    "auto"), split over the ranks by heads."""
    if not arch.state_layers:
        return 0.0
    return state_bytes_per_sequence(arch, act_bytes, act_bytes) / arch.state_layers / tp


def state_block_tokens(attention_page_1_token: float, state_page: float) -> int:
    """The attention block size vLLM sets so that one attention page holds at least one state page
    (HybridAttentionMambaModelConfig.verify_and_update_config: 16 x cdiv(mamba_page_size, 16 x
    attn_page_size_1_token); the state page is then padded to the attention page). Qwen3-Next: 544 tokens;
    NVIDIA-Nemotron-Nano-9B-v2: 672 (vLLM issue #24280: "large attention page sizes (672 tokens for
    nvidia/NVIDIA-Nemotron-Nano-9B-v2)")."""
    return BLOCK_TOKENS * -(-int(state_page) // int(BLOCK_TOKENS * attention_page_1_token))


def kv_layout(arch: Architecture, tp: int, kv_value: float, rules: VllmRules, engine: str, max_model_len: int,
              batched: int, kv_budget: float, act_bytes: int = 2) -> tuple:
    """(num_blocks, reported_tokens, groups, needed_bytes, max_concurrency) of the KV cache vLLM builds in
    ``kv_budget`` bytes; max_concurrency: requests of max_model_len it holds at once.

    One attention type (or V0, or V1 before the hybrid manager of v0.9.2): every layer in one block table, blocks
    of 16 tokens x every layer. Hybrid (V1 from v0.9.2, vllm/v1/core/kv_cache_utils.py
    _get_kv_cache_groups_uniform_page_size): full and sliding-window (or Llama 4 chunked) layers with the same page
    size are split into groups of g = min(full, sliding) layers, padded to whole groups; the cache is g tensors
    of num_blocks = budget // (page x g) pages, shared by the groups; "GPU KV cache size" is num_blocks // groups
    x 16 (v0.9.2-v0.20) or max_concurrency x max_model_len (v0.21 on, _report_kv_cache_config). One request
    needs (check_enough_kv_cache_memory, summed over layers): a full layer cdiv(max_model_len, 16) pages, a
    sliding layer cdiv(min(window - 1 + max_num_batched_tokens, max_model_len), 16) + 1 (SlidingWindowSpec), a
    chunked layer cdiv(min(chunk + max_num_batched_tokens, max_model_len), 16) (ChunkedLocalAttentionSpec).
    """
    per_token = kv_bytes_per_token_per_rank(arch, tp, kv_value, rules.mla_compressed_cache)
    if not per_token:
        return 0, 0, 1, 0, 0.0
    block = per_token * BLOCK_TOKENS
    if arch.layer_kinds and not arch.is_mla and arch.state_layers and rules.hybrid_kv_cache and engine == "v1":
        return _state_layout(arch, tp, per_token, rules, max_model_len, kv_budget, act_bytes)
    # The grouping needs one page size for every layer: not for Gemma 4's global layers with their own head size,
    # which this estimator does not lay out.
    uniform = not arch.is_mla and not arch.layer_kinds and not arch.global_head_dim and not arch.global_kv_heads
    sliding = arch.sliding_window_layers if arch.sliding_window and uniform else 0
    if not (rules.hybrid_kv_cache and engine == "v1" and sliding):
        blocks = max(0, int(kv_budget // block))
        return blocks, blocks * BLOCK_TOKENS, 1, int(_blocks(max_model_len) * block), \
            blocks * BLOCK_TOKENS / max_model_len
    page = block / arch.layers                       # one layer's 16 tokens
    full = arch.layers - sliding
    if arch.model_type == "llama4":                  # attention_chunk_size: chunked local attention
        local_pages = _blocks(min(arch.sliding_window + batched, max_model_len))
    else:
        local_pages = _blocks(min(arch.sliding_window - 1 + batched, max_model_len)) + 1
    full_pages = _blocks(max_model_len)
    needed = int((full * full_pages + sliding * local_pages) * page)
    if not full:                                     # every layer sliding: one group
        blocks = max(0, int(kv_budget // block))
        return blocks, blocks * BLOCK_TOKENS, 1, needed, blocks / local_pages
    group = group_size((full, sliding))
    full_groups, local_groups = -(-full // group), -(-sliding // group)
    groups = full_groups + local_groups
    blocks = max(0, int(kv_budget // (page * group)))
    per_request = full_groups * full_pages + local_groups * local_pages
    if rules.kv_report == "concurrency":
        reported = int(blocks / per_request * max_model_len)
    else:
        reported = blocks // groups * BLOCK_TOKENS
    low, high = CHUNKED_LOCAL_WITHOUT_HYBRID
    if arch.model_type == "llama4" and low <= tuple(rules.version) < high:
        return blocks, reported, groups, needed, reported / max_model_len
    return blocks, reported, groups, needed, blocks / per_request


def _state_layout(arch: Architecture, tp: int, per_token: float, rules: VllmRules, max_model_len: int,
                  kv_budget: float, act_bytes: int) -> tuple:
    """Hybrid-state models (Qwen3-Next, Nemotron-H, Granite 4.0-H: attention next to Mamba / Gated DeltaNet layers)
    in V1's hybrid KV cache manager. The attention block grows to state_block_tokens so that one attention page
    (block x one layer's K/V) holds one layer's state; the state page is padded to it. Attention and state layers are
    grouped by type (group_size), the cache is `group` tensors of num_blocks = budget // (page x group) pages shared
    by the groups, and each running sequence takes one page in every state group (prefix caching is off for these
    models: MambaModelConfig) and cdiv(tokens, block) pages in the attention group. Reported: num_blocks // groups x
    block (to v0.20) or max_concurrency x max_model_len (v0.21 on)."""
    attention_1 = per_token / arch.attention_layers          # one attention layer's K/V per token on this rank
    state_page = state_page_bytes(arch, tp, act_bytes)
    block_tokens = max(BLOCK_TOKENS, state_block_tokens(attention_1, state_page))
    page = block_tokens * attention_1
    attention, state = arch.attention_layers, arch.state_layers
    group = group_size((attention, state))
    attention_groups, state_groups = -(-attention // group), -(-state // group)
    groups = attention_groups + state_groups
    blocks = max(0, int(kv_budget // (page * group)))
    full_pages = -(-max_model_len // block_tokens)
    needed = int((attention * full_pages + state) * page)
    per_request = attention_groups * full_pages + state_groups
    if rules.kv_report == "concurrency":
        reported = int(blocks / per_request * max_model_len)
    else:
        reported = blocks // groups * block_tokens
    return blocks, reported, groups, needed, blocks / per_request


def _scheduler(rules: VllmRules, s: VllmSettings, engine: str, max_model_len: int) -> tuple:
    """(max_num_batched_tokens, max_num_seqs, chunked_prefill) as vLLM settles them."""
    default_tokens, default_seqs = batch_defaults(rules, engine, s.gpu_memory_bytes, s.gpu_name)
    seqs = s.max_num_seqs or (rules.max_num_seqs if engine == "v0" else default_seqs)
    if engine == "v1":
        return s.max_num_batched_tokens or default_tokens, seqs, True
    chunked = max_model_len > V0_LONG_CONTEXT or bool(s.max_num_batched_tokens and s.max_num_batched_tokens < max_model_len)
    if s.max_num_batched_tokens:
        return s.max_num_batched_tokens, seqs, chunked
    if chunked:
        return rules.v0_chunked_prefill_tokens, seqs, True
    return max(max_model_len, V0_MIN_BATCHED_TOKENS), seqs, False


def mxfp4_padding_bytes(arch: Architecture, tp: int, gpu_name: str) -> int:
    """Bytes vLLM adds to MXFP4 expert weights on one rank by padding them for its MoE kernel.

    Cards without native FP4 (before Blackwell) run GPT-OSS's MXFP4 experts through the Marlin kernel, which needs
    the intermediate size per rank rounded up to 128 and the hidden size to 256 (Mxfp4MoEMethod.create_weights,
    vllm/model_executor/layers/quantization/mxfp4.py at v0.10.1: 2880 x 2880 -> 2944 x 3072 for GPT-OSS, 9% more).
    Blackwell's FlashInfer path rounds both to 256. GPT-OSS-120B on an H100 logs "Model loading took 65.97 GiB"
    (issue #23278) where the unpadded experts make 60.8.
    """
    if not arch.is_moe:
        return 0
    name = gpu_name.lower()
    blackwell = any(tag in name for tag in BLACKWELL_CARDS)
    inter = -(-arch.moe_intermediate_size // tp)
    pad = MXFP4_FLASHINFER_PAD if blackwell else MXFP4_MARLIN_PAD
    padded_inter, padded_hidden = -(-inter // pad) * pad, -(-arch.hidden_size // MXFP4_HIDDEN_PAD) * MXFP4_HIDDEN_PAD
    per_expert = 3 * (padded_inter * padded_hidden - inter * arch.hidden_size) * MXFP4_BITS / 8
    return int(arch.moe_layers * arch.num_experts * per_expert)


def weights_per_rank(weights: int, arch: Architecture, tp: int, act_bytes: int, quant_format: str = "",
                     gpu_name: str = "") -> int:
    padding = mxfp4_padding_bytes(arch, tp, gpu_name) if quant_format == "mxfp4" else 0
    return int(weights / tp + padding + rotary_cache_bytes(arch, act_bytes))


def plan(arch: Architecture, weights: int, act_bytes: int, rules: VllmRules, s: VllmSettings,
         request_tokens: int, kv_bytes_per_value: float | None = None, quant_format: str = "") -> VllmPlan:
    """vLLM's start-up for this model and these flags; ``refusal`` says why vLLM would not start (or not at all)."""
    engine = s.engine or rules.default_engine
    tp = s.tensor_parallel
    util = rules.gpu_memory_utilization if s.gpu_memory_utilization is None else s.gpu_memory_utilization
    warnings = []
    model_max = arch.max_position_embeddings or request_tokens
    max_model_len = s.max_model_len or max(model_max, request_tokens)
    if max_model_len > model_max and arch.max_position_embeddings:
        warnings.append(f"max_model_len {max_model_len} is above the model's maximum context ({model_max}): vLLM "
                        "refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, and the model was not trained for it")
    batched, seqs, chunked = _scheduler(rules, s, engine, max_model_len)
    kv_value = act_bytes if kv_bytes_per_value is None else kv_bytes_per_value
    per_token = kv_bytes_per_token_per_rank(arch, tp, kv_value, rules.mla_compressed_cache)
    w = weights_per_rank(weights, arch, tp, act_bytes, quant_format, s.gpu_name)
    layer = layer_activation_peak(arch, batched, tp, act_bytes)
    sampler_kind = "flashinfer" if s.flashinfer_sampler and engine == "v1" else rules.sampler
    sampler = sampler_peak(arch, min(seqs, batched), act_bytes, sampler_kind)
    activation = int(max(layer, sampler))
    non_torch = non_torch_bytes(rules, engine, tp, s.gpu_name)
    # gpu_worker.determine_available_memory skips the CUDA-graph profile on ROCm (AMD Instinct: MI300X ...).
    rocm = s.gpu_name.lower().startswith(ROCM_NAME_PREFIX)
    graphs = cuda_graph_count(seqs, batched) if rules.cuda_graph_estimate and engine == "v1" and \
        not s.enforce_eager and not rocm else 0
    graph_bytes = graphs * CUDA_GRAPH_BYTES
    budget = int(s.gpu_memory_bytes * util)
    kv_budget = budget - w - activation - non_torch - graph_bytes
    blocks, reported, groups, needed, concurrency = kv_layout(arch, tp, kv_value, rules, engine, max_model_len,
                                                              batched, kv_budget, act_bytes)
    return VllmPlan(engine, max_model_len, seqs, batched, chunked, util, budget, w, activation, non_torch,
                    int(kv_budget), per_token, blocks, None, tuple(warnings), reported, groups, needed, graphs,
                    graph_bytes, concurrency)


def tensor_parallel_refusal(arch: Architecture, tp: int) -> str | None:
    """Why vLLM cannot split this model's attention over ``tp`` GPUs (None: it can). The query heads must divide
    evenly (ModelConfig.verify_with_parallel_config); QKVParallelLinear (vllm/model_executor/layers/linear.py) then
    splits the KV heads, ``divide(total_num_kv_heads, tp_size)``, or, with more GPUs than KV heads, copies them,
    ``divide(tp_size, total_num_kv_heads)``, and ``divide`` asserts that the division is exact. MLA models project
    K and V from a latent with their own layers, not QKVParallelLinear."""
    if arch.heads % tp:
        return (f"vLLM refuses tensor parallel size {tp}: the model's {arch.heads} attention heads "
                "do not divide evenly (ModelConfig.verify_with_parallel_config)")
    if arch.is_mla:
        return None
    split = tp < arch.kv_heads  # split the KV heads over the GPUs, or copy each over several GPUs
    if (arch.kv_heads % tp if split else tp % arch.kv_heads) == 0:
        return None
    need = "the KV heads to be a multiple of the GPUs" if split else "the GPUs to be a multiple of the KV heads"
    return (f"vLLM cannot split the model's {arch.kv_heads} KV heads over {tp} GPUs: QKVParallelLinear needs {need} "
            "(vllm/model_executor/layers/linear.py, divide)")


def check(arch: Architecture, result: VllmPlan, rules: VllmRules, s: VllmSettings, request_tokens: int,
          kv_dtype: str) -> str | None:
    """Why vLLM would refuse this run (None: it starts and serves the request). Without a card's size only the
    refusals that do not depend on memory are known."""
    if result.engine not in rules.engines:
        return (f"this vLLM version has no {result.engine.upper()} engine (it has "
                f"{', '.join(e.upper() for e in rules.engines)}): V1 arrived in 0.7.0, V0 was removed in 0.11.0")
    if s.unified_memory:
        return "vLLM is not offered on Apple M-series (unified memory, no CUDA): pick a CUDA or ROCm card"
    if (refusal := tensor_parallel_refusal(arch, s.tensor_parallel)) is not None:
        return refusal
    if kv_dtype.lower().replace("_", "-") not in KV_CACHE_NAMES:
        return f"vLLM has no {kv_dtype} KV cache: its kv_cache_dtype is auto (the model's dtype) or fp8"
    if not s.gpu_memory_bytes:
        return None
    if rules.free_memory_check and result.engine == "v1" and \
            result.budget > s.gpu_memory_bytes - STARTUP_USED_BYTES:
        return (f"vLLM would not start: free memory on the device at start-up (about "
                f"{(s.gpu_memory_bytes - STARTUP_USED_BYTES) / GIB:.2f}/{s.gpu_memory_bytes / GIB:.2f} GiB after the "
                f"CUDA context) is less than the desired GPU memory utilization ({result.gpu_memory_utilization:g}, "
                f"{result.budget / GIB:.2f} GiB)")
    if result.num_blocks <= 0:
        return (f"vLLM would not start: weights {result.weights / GIB:.2f} GiB, activation peak "
                f"{result.activation_peak / GIB:.2f} GiB, non-torch {result.non_torch / GIB:.2f} GiB"
                + (f" and CUDA graphs {result.cuda_graph_bytes / GIB:.2f} GiB" if result.cuda_graph_bytes else "")
                + f" per GPU leave no room for the KV cache in {result.budget / GIB:.2f} GiB "
                f"({result.gpu_memory_utilization:g} x {s.gpu_memory_bytes / GIB:.2f} GiB)")
    if not result.admits and result.kv_groups == 1:
        return (f"vLLM would not start: its KV cache holds {result.capacity_tokens} tokens, less than one "
                f"max_model_len request ({result.max_model_len} tokens)")
    if not result.admits:
        return (f"vLLM would not start: one max_model_len request ({result.max_model_len} tokens) needs "
                f"{result.kv_needed_bytes / GIB:.2f} GiB of KV cache per GPU, more than the "
                f"{result.kv_budget / GIB:.2f} GiB left (the cache holds {result.capacity_tokens} tokens)")
    if request_tokens > result.max_model_len:
        return f"vLLM refuses the request: {request_tokens} tokens is more than max_model_len ({result.max_model_len})"
    return None


def _starts(result: VllmPlan, request_tokens: int) -> bool:
    return result.admits and result.max_model_len >= request_tokens


def max_utilisation(rules: VllmRules, gpu_memory_bytes: int) -> float:
    """The highest --gpu-memory-utilization worth suggesting: V1's start-up check (free memory after the CUDA
    context) where the version has it, and never above MAX_SUGGESTED_UTILISATION."""
    bound = MAX_SUGGESTED_UTILISATION
    if rules.free_memory_check:
        bound = min(bound, math.floor((gpu_memory_bytes - STARTUP_USED_BYTES) / gpu_memory_bytes * 100) / 100)
    return bound


def what_would_fit(arch, result: VllmPlan, rules: VllmRules, s: VllmSettings, request_tokens: int, kv_value,
                   act_bytes: int, weights_of, quant, smaller: tuple) -> str:
    """What would make vLLM start: the longest context, a higher utilisation, more cards, a smaller format."""
    if s.unified_memory or tensor_parallel_refusal(arch, s.tensor_parallel) or result.num_blocks < 0:
        return ""
    weights = weights_of(quant)
    options = []
    longest = longest_max_model_len(arch, weights, act_bytes, rules, s, kv_value, quant_format=quant.format)
    if 0 < longest < result.max_model_len:
        options.append(f"--max-model-len {longest} (the longest that fits)")
    # The utilisation at which this plan admits its max_model_len request: the KV cache that request needs in this
    # layout (check_enough_kv_cache_memory's sum: a sliding layer holds its window, not the whole request). None
    # where the request is longer than max_model_len: no utilisation serves it.
    needed = result.weights + result.activation_peak + result.non_torch + result.cuda_graph_bytes + \
        result.kv_needed_bytes
    utilisation = math.ceil(needed / s.gpu_memory_bytes * 100) / 100
    if result.max_model_len >= request_tokens and \
            result.gpu_memory_utilization < utilisation <= max_utilisation(rules, s.gpu_memory_bytes):
        options.append(f"--gpu-memory-utilization {utilisation:g}")
    for tp in range(s.tensor_parallel + 1, MAX_SUGGESTED_TENSOR_PARALLEL + 1):
        if tensor_parallel_refusal(arch, tp) is None and _starts(plan(arch, weights, act_bytes, rules, replace(s, tensor_parallel=tp),
                                                 request_tokens, kv_value, quant.format), request_tokens):
            options.append(f"--gpus {tp}")
            break
    for other in smaller:
        if _starts(plan(arch, weights_of(other), act_bytes, rules, s, request_tokens, kv_value, other.format),
                   request_tokens):
            options.append(f"--quantization {other.name}")
            break
    return ("; would fit: " + ", ".join(options)) if options else "; nothing smaller fits on this card"


def longest_max_model_len(arch, weights: int, act_bytes: int, rules: VllmRules, s: VllmSettings, kv_value,
                          granularity: int = BLOCK_TOKENS, quant_format: str = "") -> int:
    """The longest max_model_len vLLM would start with: the last multiple of ``granularity`` up to the cap
    (--max-model-len, else the model's maximum, else LONGEST_SEARCH_TOKENS) whose plan admits one request.

    V1 sizes its budget without max_model_len, so there the answer is found from the plan at the top length and
    checked at the edge (_longest_v1): the same number, from 2 or 3 plans instead of some 15. V0 profiles
    max(max_model_len, 2048) tokens up to V0_LONG_CONTEXT, so there the budget shrinks as the length grows, but above
    it `vllm serve` turns chunked prefill on and profiles a fixed batch: the budget grows back, and a length above
    32K can start where a shorter one does not (Llama-3.1-8B on an RTX 4090, vLLM 0.6.4: 26,368 tokens start, 32K do
    not, 38,912 do). On each side of that line ``admits`` holds up to one length, so each side is a bisection, the
    upper side first."""
    top = s.max_model_len or arch.max_position_embeddings or LONGEST_SEARCH_TOKENS
    high = top // granularity
    if (s.engine or rules.default_engine) == "v1":
        return _longest_v1(arch, weights, act_bytes, rules, s, kv_value, granularity, quant_format, high)

    def last_admitted(low: int, high: int) -> int:
        """The last m in (low, high] whose plan admits, else low (never asked)."""
        while low < high:
            middle = (low + high + 1) // 2
            tokens = middle * granularity
            trial = plan(arch, weights, act_bytes, rules, with_max_model_len(s, tokens), tokens, kv_value,
                         quant_format)
            if trial.admits:
                low = middle
            else:
                high = middle - 1
        return low

    split = min(high, V0_LONG_CONTEXT // granularity)   # m <= split: m x granularity <= V0_LONG_CONTEXT
    above = last_admitted(split, high)
    return (above if above > split else last_admitted(0, split)) * granularity


def _longest_v1(arch, weights: int, act_bytes: int, rules: VllmRules, s: VllmSettings, kv_value, granularity: int,
                quant_format: str, high: int) -> int:
    """longest_max_model_len's bisection, for V1, in a few plans. In V1 nothing of a plan but the KV cache a request
    needs depends on max_model_len: the scheduler's batch (_scheduler: the flag or the card's default), the
    activation and sampler peaks, the CUDA graphs, the non-torch memory and so the KV budget and num_blocks are the
    same at every length, and kv_layout's ``needed`` only grows with it (whole pages of every full layer, pages up to
    the window of a sliding one, one page per state layer). So ``admits`` holds up to one length and never above it,
    and the bisection returns the last multiple where it holds. Its first guess: the blocks the budget holds (exact
    for one attention type); then the guess is checked against plan() at it and one step above, and where it is off
    (grouped or hybrid layouts) a bisection between the guess and the right end finds the edge."""
    if high <= 0:
        return 0

    def admits(m: int) -> bool:
        tokens = m * granularity
        return plan(arch, weights, act_bytes, rules, with_max_model_len(s, tokens), tokens, kv_value,
                    quant_format).admits

    top = plan(arch, weights, act_bytes, rules, with_max_model_len(s, high * granularity), high * granularity,
               kv_value, quant_format)
    if top.admits:
        return high * granularity
    guess = min(high - 1, max(0, top.num_blocks) * BLOCK_TOKENS // granularity)
    if guess == 0 or admits(guess):
        low, upper = guess, high - 1  # admits(high) is False
        if low == upper or not admits(low + 1):
            return low * granularity
        low += 1
    else:
        low, upper = 0, guess - 1  # admits(0) is never asked: the bisection takes it as its floor
    while low < upper:
        middle = (low + upper + 1) // 2
        if admits(middle):
            low = middle
        else:
            upper = middle - 1
    return low * granularity


def with_max_model_len(s: VllmSettings, tokens: int) -> VllmSettings:
    """``replace(s, max_model_len=tokens)`` without dataclasses.replace's field walk (the searches ask thousands of
    times); VllmSettings is frozen, without __post_init__, so a copy of its fields is the same value."""
    copy = object.__new__(VllmSettings)
    copy.__dict__.update(s.__dict__, max_model_len=tokens)
    return copy
