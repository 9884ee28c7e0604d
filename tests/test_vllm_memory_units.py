"""The memory terms of vLLM's start-up in generator/calc/vllm.py, one at a time (the survivors of
benchmarks/mutation.py, scope calc.vllm: the KV cache layout and its pages, the profile run's activation peak, the
sampler warm-up, non-torch memory, the MXFP4 padding, the weights on one rank).

Every expected value is worked out here from vLLM's own code (the lines are quoted where they are used), a start-up
log of content/benchmarks/vllm-startup-logs.yaml, or the model's config.json values (asserted first, so a changed
catalogue fails loudly). The helpers below only fetch the catalogue's models and a version's rules.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from generator.calc import vllm
from generator.calc.estimator import GIB, parse_framework, vllm_rules
from generator.catalogue.loading import load_content

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT = load_content(os.path.join(ROOT, "content"))


def arch(model_id):
    return CONTENT.models[model_id].require_architecture()


def rules(version):
    return vllm_rules(parse_framework(f"vllm=={version}", CONTENT.frameworks))


def cdiv(a, b):
    return -(-a // b)


# --- kv_layout: every layer sliding (one KV cache group) -----------------------------------------------------------
# Phi-3.5-mini-instruct's config.json: 32 layers, 32 KV heads of 96, "sliding_window": 262144 on every layer.
# vllm/v1/core/kv_cache_utils.py (v0.9.2 on): one attention type -> _get_kv_cache_groups_uniform_spec, one group of
# every layer; get_num_blocks: "num_blocks = int(available_memory // page_size // num_layers)" and
# "num_blocks = max(num_blocks, 0)"; get_max_concurrency_for_kv_cache_config: num_blocks over one request's pages,
# where SlidingWindowSpec.max_memory_usage_bytes is "num_tokens = min(self.sliding_window - 1 +
# max_num_batched_tokens, max_model_len)" and "(cdiv(num_tokens, self.block_size) + 1) * self.page_size_bytes".
PHI_PAGE_ALL_LAYERS = 16 * 2 * 32 * 32 * 96 * 2     # 16 tokens x K and V x 32 layers x 32 KV heads x 96 x bf16


def test_a_model_sliding_on_every_layer_is_one_group_of_whole_blocks():
    a = arch("Phi-3.5-mini-instruct")
    assert (a.layers, a.kv_heads, a.head_dim, a.sliding_window, a.sliding_window_layers) == (32, 32, 96, 262144, 32)
    budget = 10 * GIB
    blocks, reported, groups, needed, concurrency = vllm.kv_layout(a, 1, 2, rules("0.11.0"), "v1", 131072, 2048,
                                                                   budget, 2)
    assert blocks == 10 * GIB // PHI_PAGE_ALL_LAYERS == 1706
    assert groups == 1
    assert reported == 1706 * 16
    # One 131,072-token request: min(262144 - 1 + 2048, 131072) = 131072 tokens -> cdiv(131072, 16) + 1 = 8193 pages.
    assert needed == 8193 * PHI_PAGE_ALL_LAYERS
    assert concurrency == 1706 / 8193


def test_no_block_fits_in_less_than_one_page_of_every_layer():
    a = arch("Phi-3.5-mini-instruct")
    for budget in (PHI_PAGE_ALL_LAYERS - 1, 0, -GIB):
        blocks, reported, _, _, concurrency = vllm.kv_layout(a, 1, 2, rules("0.11.0"), "v1", 131072, 2048, budget, 2)
        assert (blocks, reported, concurrency) == (0, 0, 0)


# --- kv_layout: full and sliding layers in groups ------------------------------------------------------------------
# gemma-3-27b-it: 62 layers, 10 full and 52 sliding (window 1024), 16 KV heads of 128. One layer's page of 16 tokens:
# 16 x 2 x 16 x 128 x 2 bytes = 131,072. Groups of min(10, 52) = 10 layers: 1 full group and cdiv(52, 10) = 6
# sliding ones (_get_kv_cache_groups_uniform_page_size: "num_groups = cdiv(len(layers), group_size)");
# num_blocks = budget // (page x 10) (get_kv_cache_config_from_groups: group_size tensors of page_size x num_blocks).
GEMMA_PAGE = 16 * 2 * 16 * 128 * 2


def _gemma_request_pages(max_model_len, batched):
    full = cdiv(max_model_len, 16)
    sliding = cdiv(min(1024 - 1 + batched, max_model_len), 16) + 1
    return full, sliding


def test_sliding_pages_reserve_the_window_less_one_plus_the_batch():
    a = arch("gemma-3-27b-it")
    assert (a.layers - a.sliding_window_layers, a.sliding_window_layers, a.sliding_window) == (10, 52, 1024)
    # 8194 batched tokens: 1024 - 1 + 8194 = 9217 tokens -> cdiv(9217, 16) + 1 = 578 pages (577 + 1) per sliding layer.
    _, _, _, needed, _ = vllm.kv_layout(a, 1, 2, rules("0.11.0"), "v1", 131072, 8194, 40 * GIB, 2)
    assert _gemma_request_pages(131072, 8194) == (8192, 578)
    assert needed == (10 * 8192 + 52 * 578) * GEMMA_PAGE


def test_maximum_concurrency_counts_one_request_in_every_group():
    # get_max_concurrency_for_kv_cache_config: "num_block_per_request = cdiv(max_memory_usage_per_request,
    # memory_per_block)", the pages of one request in each group summed: 1 full group x 8192 pages + 6 sliding
    # groups x 577 pages at max_model_len 131072 and 8192 batched tokens (an H200's default from v0.9.0).
    a = arch("gemma-3-27b-it")
    full, sliding = _gemma_request_pages(131072, 8192)
    assert (full, sliding) == (8192, 577)
    per_request = 1 * full + 6 * sliding
    budget = 40 * GIB
    blocks, reported, groups, _, concurrency = vllm.kv_layout(a, 1, 2, rules("0.11.0"), "v1", 131072, 8192,
                                                              budget, 2)
    assert blocks == budget // (GEMMA_PAGE * 10) and groups == 7
    assert reported == blocks // 7 * 16               # "GPU KV cache size" until v0.20: num_blocks // groups x 16
    assert concurrency == blocks / per_request
    # v0.21 on (_report_kv_cache_config): the size is max_concurrency x max_model_len.
    blocks, reported, _, _, concurrency = vllm.kv_layout(a, 1, 2, rules("0.21.0"), "v1", 131072, 8192, budget, 2)
    assert reported == int(blocks / per_request * 131072)
    assert concurrency == blocks / per_request


def test_no_group_block_fits_in_less_than_one_page_per_group_layer():
    a = arch("gemma-3-27b-it")
    for budget in (GEMMA_PAGE * 10 - 1, -GIB):
        blocks, reported, groups, _, concurrency = vllm.kv_layout(a, 1, 2, rules("0.11.0"), "v1", 131072, 8192,
                                                                  budget, 2)
        assert (blocks, reported, groups, concurrency) == (0, 0, 7, 0)


def test_the_full_layers_take_whole_groups_when_they_outnumber_the_sliding_ones():
    # A gemma-2-9b with 30 full and 12 sliding layers (not a published model: vLLM's grouping rule itself): groups of
    # min(30, 12) = 12 layers, as 30 >= 12 x 1.25; cdiv(30, 12) = 3 full groups (6 padding layers) + 1 sliding = 4.
    a = replace(arch("gemma-2-9b"), sliding_window_layers=12)
    assert a.layers == 42
    _, _, groups, _, _ = vllm.kv_layout(a, 1, 2, rules("0.11.0"), "v1", 8192, 2048, 10 * GIB, 2)
    assert groups == 4


# --- kv_layout: Llama 4's chunked local attention ------------------------------------------------------------------
# Llama-4-Scout-17B-16E: 48 layers, every fourth full (12), 36 chunked local ones with attention_chunk_size 8192;
# 8 KV heads of 128, one per rank at TP=8: one layer's page = 16 x 2 x 1 x 128 x 2 = 8,192 bytes.
# ChunkedLocalAttentionSpec.max_memory_usage_bytes: "num_tokens = min(self.attention_chunk_size +
# max_num_batched_tokens, max_model_len)", "return cdiv(num_tokens, self.block_size) * self.page_size_bytes" (no
# extra page, unlike a sliding window).
SCOUT_PAGE = 16 * 2 * 1 * 128 * 2


def test_chunked_local_layers_need_the_chunk_plus_the_batch():
    a = arch("Llama-4-Scout-17B-16E")
    assert (a.model_type, a.layers, a.sliding_window_layers, a.sliding_window, a.kv_heads) == ("llama4", 48, 36, 8192, 8)
    _, _, groups, needed, _ = vllm.kv_layout(a, 8, 2, rules("0.12.0"), "v1", 1048576, 8192, 60 * GIB, 2)
    assert groups == 1 + 3
    assert needed == (12 * cdiv(1048576, 16) + 36 * cdiv(8192 + 8192, 16)) * SCOUT_PAGE


def test_llama4_concurrency_counts_every_token_in_every_layer_from_0_10_1():
    # PR #21761 (merged 2025-07-28, in v0.10.1: "Disable chunked local attention by default with llama4") runs
    # Llama 4 without the hybrid manager: every layer keeps every token, so the concurrency is the reported tokens
    # over max_model_len. v0.10.0 still had the hybrid manager's per-group concurrency.
    a = arch("Llama-4-Scout-17B-16E")
    per_request = 1 * cdiv(1048576, 16) + 3 * cdiv(8192 + 8192, 16)
    blocks, reported, _, _, concurrency = vllm.kv_layout(a, 8, 2, rules("0.10.1"), "v1", 1048576, 8192, 60 * GIB, 2)
    assert blocks == 60 * GIB // (SCOUT_PAGE * 12)
    assert reported == blocks // 4 * 16
    assert concurrency == reported / 1048576
    blocks, _, _, _, concurrency = vllm.kv_layout(a, 8, 2, rules("0.10.0"), "v1", 1048576, 8192, 60 * GIB, 2)
    assert concurrency == blocks / per_request


# --- _state_layout: hybrid-state models -------------------------------------------------------------------------------
# Qwen3-Next-80B-A3B at TP=2 (tests/test_vllm.py derives the 544-token attention block from its config.json): one
# attention page = 544 tokens x 1,024 bytes (one KV head of 256 per rank, K and V, bf16); 12 attention + 36 state
# layers -> groups of 12, num_blocks = budget // (page x 12).
def test_hybrid_state_blocks_are_whole_pages_of_a_group_and_bf16_is_the_default():
    q = arch("Qwen3-Next-80B-A3B-Instruct")
    page = 544 * 1024
    budget = 64 * GIB
    blocks, _, groups, _, _ = vllm.kv_layout(q, 2, 2, rules("0.11.0"), "v1", 32768, 8192, budget)  # act_bytes: 2
    assert groups == 4 and blocks == budget // (page * 12)
    for budget in (page * 12 - 1, -GIB):
        assert vllm.kv_layout(q, 2, 2, rules("0.11.0"), "v1", 32768, 8192, budget, 2)[0] == 0


def test_hybrid_state_attention_layers_take_whole_groups():
    # A Qwen3-Next with 30 attention and 18 state layers (vLLM's grouping rule itself, not a published model):
    # 30 >= 18 x 1.25, so groups of 18; cdiv(30, 18) = 2 attention groups + 1 state group.
    q = arch("Qwen3-Next-80B-A3B-Instruct")
    synthetic = replace(q, layer_kinds="A" * 30 + "S" * 18)
    assert (synthetic.attention_layers, synthetic.state_layers) == (30, 18)
    assert vllm.kv_layout(synthetic, 2, 2, rules("0.11.0"), "v1", 32768, 8192, 64 * GIB, 2)[2] == 3


# --- group_size --------------------------------------------------------------------------------------------------------
def test_group_size_needs_strictly_less_than_a_quarter_more():
    # kv_cache_utils._get_kv_cache_groups_uniform_page_size, as vLLM PR #29303 wrote it (gpt-oss-20b + eagle): "if
    # max_num_layers < min_num_layers * 1.25: group_size = max_num_layers" -- strictly: 5 layers against
    # 4 x 1.25 = 5.0 keep groups of 4. (Later releases raise the factor to 1.5; no catalogue model lies in between.)
    assert vllm.group_size((4, 5)) == 4
    assert vllm.group_size((8, 10)) == 8
    assert vllm.group_size((8, 9)) == 9


# --- KV bytes per token -------------------------------------------------------------------------------------------------
def test_deepseek_before_mla_attention_splits_the_padded_heads_over_the_ranks():
    # DeepSeek-V2-Lite: 27 layers, 16 heads, qk_nope 128 + qk_rope 64 = 192 (V's 128 padded to it); TP=2 holds 8 heads.
    a = arch("DeepSeek-V2-Lite")
    assert (a.layers, a.heads, a.qk_nope_head_dim, a.qk_rope_head_dim, a.v_head_dim) == (27, 16, 128, 64, 128)
    assert vllm.kv_bytes_per_token_per_rank(a, 2, 2, False) == 2 * 27 * 8 * 192 * 2


# --- The weights on one rank ---------------------------------------------------------------------------------------------
def test_the_rotary_cache_of_mla_models_is_the_rope_part_only():
    # vllm/model_executor/models/deepseek_v2.py: "self.rotary_emb = get_rope(qk_rope_head_dim,
    # rotary_dim=qk_rope_head_dim, max_position=max_position_embeddings, ...)": 163,840 positions x 64 x bf16.
    a = arch("DeepSeek-V2-Lite")
    assert a.max_position_embeddings == 163840
    assert vllm.rotary_cache_bytes(a, 2) == 163840 * 64 * 2


def test_unquantized_experts_are_not_padded():
    # gpt-oss-20b in bf16 (the unquantized MoE method pads nothing): the weights split over the ranks plus the rotary
    # cache (131,072 positions x head_dim 64 x 2 bytes) on every rank.
    a = arch("gpt-oss-20b")
    assert (a.max_position_embeddings, a.head_dim) == (131072, 64)
    weights = 40 * GIB
    assert vllm.weights_per_rank(weights, a, 2, 2, "bf16", "H100-80GB") == weights // 2 + 131072 * 64 * 2
    assert vllm.weights_per_rank(weights, a, 1, 2) == weights + 131072 * 64 * 2


def test_mxfp4_padding_is_for_experts_only():
    # Mxfp4MoEMethod.create_weights pads FusedMoE layers; a dense model has none.
    assert vllm.mxfp4_padding_bytes(arch("Llama-3.1-8B"), 1, "H100-80GB") == 0


def test_blackwell_pads_mxfp4_experts_to_256_for_flashinfer():
    # vllm/model_executor/layers/quantization/mxfp4.py (FlashInfer MXFP4 MoE, Blackwell):
    # "intermediate_size_per_partition_after_pad = round_up(intermediate_size_per_partition, 256)" and
    # "hidden_size = round_up(hidden_size, 256)". gpt-oss-120b: 36 MoE layers x 128 experts, 2880 x 2880 ->
    # 3072 x 3072; gate_up (2 x I x h) and down (h x I) at MXFP4's 4.25 bits a weight.
    a = arch("gpt-oss-120b")
    assert (a.moe_layers, a.num_experts, a.hidden_size, a.moe_intermediate_size) == (36, 128, 2880, 2880)
    added = 36 * 128 * 3 * (3072 * 3072 - 2880 * 2880) * 4.25 / 8
    for card in ("B200", "NVIDIA GB200", "RTX 5090"):
        assert vllm.mxfp4_padding_bytes(a, 1, card) == int(added)
    # Marlin (before Blackwell): the intermediate size to 128 (2880 -> 2944), the hidden size to 256 (-> 3072).
    assert vllm.mxfp4_padding_bytes(a, 1, "H100-80GB") == int(36 * 128 * 3 * (2944 * 3072 - 2880 * 2880) * 4.25 / 8)


# --- Non-torch memory -------------------------------------------------------------------------------------------------------
def test_non_torch_memory_held_the_cuda_context_until_0_6_5():
    # issue-10517-3090-20k (vLLM 0.6.4, RTX 3090, TP=1): "non_torch_memory=0.35GiB", measured as total - free - torch.
    assert vllm.non_torch_bytes(rules("0.6.4"), "v0", 1, "RTX 3090") == int(0.35 * GIB)
    # V1 before v0.9.2 (PR #19312) measured it the same way, the CUDA context included.
    assert vllm.non_torch_bytes(rules("0.8.5"), "v1", 1, "H100-80GB") == int(0.35 * GIB)
    # PR #10511 (v0.6.5) takes V0's baseline after the CUDA context: the same card loses the context's 0.25 GiB.
    assert vllm.non_torch_bytes(rules("0.6.5"), "v0", 1, "RTX 3090") == \
        vllm.non_torch_bytes(rules("0.6.4"), "v0", 1, "RTX 3090") - int(0.25 * GIB)


def test_v0_keeps_its_measurement_while_v1_moves_to_the_early_snapshot():
    # V0 measures after the distributed set-up in every version that has it (0.30 GiB at TP=2 in
    # issue-15815-l40s-tp2, v0.7.1); the early snapshot of PR #19312 (v0.9.2) is V1's gpu_worker only.
    for version in ("0.7.1", "0.9.2", "0.10.0"):
        assert vllm.non_torch_bytes(rules(version), "v0", 2, "L40S") / GIB == pytest.approx(0.30, abs=0.005)


# --- The sampler warm-up -------------------------------------------------------------------------------------------------------
def test_the_triton_top_k_top_p_starts_at_a_batch_of_eight():
    # vllm/v1/sample/ops/topk_topp_sampler.py (v0.17.0 on): "if HAS_TRITON and logits.shape[0] >= 8: return
    # apply_top_k_top_p_triton(logits, k, p)"; smaller batches sort (38 bytes a logit, see tests/test_vllm.py).
    a = arch("Llama-3.1-8B")
    assert a.vocab_size == 128256
    assert vllm.sampler_peak(a, 8, 2, "triton") == 8 * 128256 * 18
    assert vllm.sampler_peak(a, 7, 2, "triton") == 7 * 128256 * 38


# --- The profile run's activation peak in one decoder layer ------------------------------------------------------------------
# layer_activation_peak's model (its docstring): the residual stream holds 3 h values a token (input, residual, normed
# input), one more with TP > 1 (the all-reduce writes out of place). A dense MLP adds gate_up (2 I/tp) and the
# activation (I/tp); vLLM's fused_moe adds, per chunk of min(tokens, 65536) tokens (VLLM_FUSED_MOE_CHUNK_SIZE,
# "M = min(num_tokens, CHUNK_SIZE)") and per top-k copy, intermediate_cache1 (M, top_k, N = 2 I/tp),
# intermediate_cache2 (M x top_k, N // 2) and intermediate_cache3 (M, top_k, K = h), three allocations as in the
# fused_experts of v0.5-v0.6 ("intermediate_cache1 = torch.empty((M, topk_ids.shape[1], N), ...)" and so on). Later
# releases let cache1 and cache3 share one buffer ("cache13 = torch.empty(M_sum * max(N, K), ...)", fused_moe.py
# around v0.9): top_k x (max(2 I/tp, h) + I/tp) a token, less than this model counts; these tests pin the model as it
# is and change with it. Shared experts are a dense MLP of their own width. Attention holds q, k, v of this rank (QKVParallelLinear: heads/tp + 2 x KV heads/tp, of head_dim)
# and its output (heads/tp x v_head_dim, head_dim without MLA). The peak is the larger side, in the model's dtype.
def test_moe_activation_is_the_stream_plus_the_fused_moe_caches():
    # Qwen3-30B-A3B: hidden 2048, 128 experts of 768, top-8, no shared expert; 2048 tokens at TP=2.
    a = arch("Qwen3-30B-A3B")
    assert (a.hidden_size, a.moe_intermediate_size, a.experts_per_token, a.shared_expert_intermediate_size,
            a.n_shared_experts) == (2048, 768, 8, 0, 0)
    stream = 4 * 2048                                  # 3 h + the out-of-place all-reduce
    caches = 2048 * 8 * (2 * 384 + 384 + 2048)         # 768 / 2 = 384 per rank
    attention = 2048 * ((16 + 2 * 2) * 128 + 16 * 128 + stream)
    assert 2048 * stream + caches > attention
    assert vllm.layer_activation_peak(a, 2048, 2, 2) == (2048 * stream + caches) * 2


def test_shared_experts_add_their_own_mlp():
    # Qwen2-57B-A14B: hidden 3584, 64 experts of 2560, top-8, one shared expert of 20480; 2048 tokens at TP=2.
    a = arch("Qwen2-57B-A14B-Instruct")
    assert (a.hidden_size, a.moe_intermediate_size, a.experts_per_token, a.shared_expert_intermediate_size) == \
        (3584, 2560, 8, 20480)
    stream = 4 * 3584
    shared = 3 * (20480 // 2)
    caches = 2048 * 8 * (3 * 1280 + 3584)
    assert vllm.layer_activation_peak(a, 2048, 2, 2) == (2048 * (stream + shared) + caches) * 2


def test_deepseek_shared_experts_are_n_routed_experts_wide():
    # DeepSeek-V2-Lite: 2 shared experts of moe_intermediate_size 1408 (its config has no shared_expert_intermediate_size),
    # 64 routed experts of 1408, top-6, hidden 2048; the first layer is dense (intermediate 10944). 2048 tokens, one GPU.
    a = arch("DeepSeek-V2-Lite")
    assert (a.n_shared_experts, a.shared_expert_intermediate_size, a.moe_intermediate_size, a.experts_per_token,
            a.hidden_size, a.intermediate_size, a.dense_layers) == (2, 0, 1408, 6, 2048, 10944, 1)
    stream = 3 * 2048
    moe = 2048 * (stream + 3 * 2 * 1408) + 2048 * 6 * (3 * 1408 + 2048)
    dense = 2048 * (3 * 10944 + stream)
    assert moe > dense
    assert vllm.layer_activation_peak(a, 2048, 1, 2) == moe * 2


def test_the_dense_layers_of_a_moe_model_peak_once_the_experts_are_chunked():
    # DeepSeek-V2-Lite at its whole context, 163,840 tokens, TP=2: fused_moe's caches stop at 65,536 tokens, while the
    # dense first layer's MLP grows with every token: 3 x 10944 / 2 + 4 h a token.
    a = arch("DeepSeek-V2-Lite")
    tokens, stream = 163840, 4 * 2048
    moe = tokens * (stream + 3 * 1408) + 65536 * 6 * (3 * 704 + 2048)
    dense = tokens * (3 * 5472 + stream)
    assert dense > moe
    assert vllm.layer_activation_peak(a, tokens, 2, 2) == dense * 2


def test_attention_peaks_when_the_experts_are_chunked():
    # Qwen3-30B-A3B: 32 heads and 4 KV heads of 128. With 262,144 tokens in one pass (V1 --max-num-batched-tokens)
    # on one GPU the MoE side is 3 h + 65536 / 262144 x 8 x (3 x 768 + h) = 14,848 values a token; attention's
    # q, k, v (32 + 2 x 4 heads) and output (32 heads), next to 3 h, are 15,360.
    a = arch("Qwen3-30B-A3B")
    assert (a.heads, a.kv_heads, a.head_dim, a.v_head_dim) == (32, 4, 128, 0)
    tokens = 262144
    moe = tokens * 3 * 2048 + 65536 * 8 * (3 * 768 + 2048)
    attention = tokens * ((32 + 2 * 4) * 128 + 32 * 128 + 3 * 2048)
    assert moe == tokens * 14848 and attention == tokens * 15360
    assert vllm.layer_activation_peak(a, tokens, 1, 2) == attention * 2
    # At TP=2, 2**20 tokens: 16 heads and 2 KV heads a rank, 4 h of stream: 12,800 values a token against 9,792.
    tokens = 2 ** 20
    attention = tokens * ((16 + 2 * 2) * 128 + 16 * 128 + 4 * 2048)
    assert tokens * 4 * 2048 + 65536 * 8 * (3 * 384 + 2048) == tokens * 9792
    assert vllm.layer_activation_peak(a, tokens, 2, 2) == attention * 2
