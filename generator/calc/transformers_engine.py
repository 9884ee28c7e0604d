"""What transformers' own code adds to a run, by version and attention implementation.

Pure. Each behaviour below was read off the released wheels of transformers (modeling_*.py, cache_utils.py,
integrations/sdpa_attention.py of 4.38.2, 4.40.2, 4.42.4, 4.44.2, 4.48.0-4.56.0) and measured on CPU with a
tiny random-weight model (benchmarks/measure_transformers_cache.py, figures in
benchmarks/transformers_cache_measurements.json); the version boundaries are in
content/frameworks.yaml.

* Attention (``attn_implementation`` of ``from_pretrained``; its default is ``sdpa``):
  - ``flash_attention_2`` reads the grouped K/V heads directly (no score matrix, no copies), except in the families
    whose own FlashAttention2 class, copied from Mistral's, calls ``repeat_kv`` on the K/V (the whole cache while
    decoding) before ``_flash_attention_forward``: Qwen2FlashAttention2 in modeling_qwen2.py, v4.38.2 L430-L431,
    v4.46.0 L402-L403, v4.47.1 L402-L403; from 4.48.0 Qwen2, Mistral, Mixtral, Phi-3 and Starcoder2 use
    integrations/flash_attention.py (no repeat), Qwen2-VL and Qwen2.5-VL from 4.53, Qwen2-MoE, PhiMoE and Jamba from
    5.0. The profile's ``flash_repeats_kv_families`` lists them, read off the wheels of 4.38.2, 4.40.2, 4.44.2,
    4.46.0, 4.47.1, 4.48.0, 4.49.0, 4.51.3, 4.52.4, 4.53.3, 4.55.4, 4.56.0, 4.57.6 and 5.0.0 (every class named
    ``*FlashAttention2`` whose forward calls ``repeat_kv(key_states``). Measured: the input-1 rows of both Qwen speed
    benchmarks (flash attention 2, decoding is the peak) were low by about this copy (Qwen2.5-72B: 0.062 GiB of
    0.061-0.067; content/benchmarks/qwen25-speed-benchmark.yaml).
  - ``sdpa``: the attention layer calls ``repeat_kv`` before ``scaled_dot_product_attention``, which
    materialises K and V expanded to every query head (expand + reshape copies). integrations/sdpa_attention.py
    has ``use_gqa_in_sdpa`` (grouped heads with ``enable_gqa=True``) from 4.54, but measured with torch 2.13 the
    copies are still allocated in 4.55.4 and gone in 4.56.0 (benchmarks/measure_transformers_cache.py); the
    profiles follow the measurement.
  - ``eager`` repeats K/V too and materialises the scores batch x heads x q x k (eager_attention_bytes below).
  During decoding the repeat covers the whole cached length of one layer.
* Sliding windows: ``DynamicCache`` kept every token of every layer until 4.56 (``DynamicSlidingWindowLayer``,
  transformers PR #40039; generate() passes the config to DynamicCache so it sees ``sliding_window`` and
  ``layer_types``). Gemma-2 (from 4.42) generates with its own ``cache_implementation: "hybrid"``, a static cache
  whose sliding layers hold only the window.
* Rotary tables: the families listed in the profile's ``rope_table_families`` keep a cos/sin table of
  ``max_position_embeddings`` rows in every attention layer (Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE before 4.42;
  Mixtral, Qwen2, Qwen2-MoE in 4.42-4.44); Gemma and Phi-3 compute them per call.
"""

from __future__ import annotations

import functools
from dataclasses import replace

ATTN_IMPLEMENTATIONS = ("sdpa", "flash_attention_2", "eager")
DEFAULT_ATTN = "sdpa"


def families(profile, field: str = "rope_table_families") -> tuple:
    return tuple(name.strip() for name in getattr(profile, field).split(",") if name.strip())


def cache_architecture(arch, profile):
    """The architecture as the version's cache sees it: sliding layers keep every token unless the cache trims."""
    if not arch.sliding_window_layers:
        return arch
    if profile.sliding_window_cache or (profile.gemma2_hybrid_cache and arch.family.startswith("Gemma2")):
        return arch
    return _without_windows(arch)


@functools.lru_cache(maxsize=256)
def _without_windows(arch):
    # One copy per architecture (frozen, so the same value each time): the estimates of every context share it.
    return replace(arch, sliding_window=0, sliding_window_layers=0)


def rope_table_bytes(arch, profile, act_bytes: int) -> int:
    if not profile.rope_table_per_layer or arch.is_mla or arch.family not in families(profile):
        return 0
    return arch.layers * 2 * arch.max_position_embeddings * arch.head_dim * act_bytes


def repeats_kv(arch, profile, attn: str) -> bool:
    if arch.kv_heads >= arch.heads:
        return False  # repeat_kv with one repeat returns its input
    if attn == "flash_attention_2":
        return arch.family in families(profile, "flash_repeats_kv_families")
    return attn == "eager" or (attn == "sdpa" and profile.sdpa_repeats_kv)


def expanded_kv_bytes(arch, profile, attn: str, tokens: int, act_bytes: int) -> int:
    """K and V of one layer expanded to every query head, over ``tokens`` positions (batch included)."""
    if not repeats_kv(arch, profile, attn):
        return 0
    return 2 * tokens * arch.heads * arch.head_dim * act_bytes


# --- Hidden states alive during prefill --------------------------------------------------------------------------
# Besides the layer's own intermediates, prefill holds whole tokens x hidden_size tensors (model dtype) through
# Python references. transformers v4.46.0 src/transformers/models/qwen2/modeling_qwen2.py (the same lines in
# 4.38.2 at L1003-L1067 and L768-L786):
#     L854  inputs_embeds = self.embed_tokens(input_ids)      # referenced by Qwen2Model.forward until it returns
#     L868  hidden_states = inputs_embeds
#     L895  layer_outputs = decoder_layer(hidden_states, ...) # the loop variable holds the layer's input meanwhile
#     L906  hidden_states = layer_outputs[0]
# and inside Qwen2DecoderLayer.forward:
#     L618  residual = hidden_states                           # the layer input (already held by the loop)
#     L633  hidden_states = residual + hidden_states           # input + attention output: a new tensor
#     L636  residual = hidden_states
#     L637  hidden_states = self.post_attention_layernorm(hidden_states)   # the normed copy
#     L638  hidden_states = self.mlp(hidden_states)           # 3 intermediates of intermediate_size (L223)
# So while the MLP of any layer after the first runs: inputs_embeds, the layer's input, residual and the normed copy,
# 4 hidden states; during attention 3 (the sum does not exist yet, the layer input is the residual). On a layer
# split (device_map="auto") inputs_embeds stays on the first GPU; the other GPUs hold one fewer.
# The same in every release measured (below), so it is a constant, not a profile field.
# Also read for the Qwen2.5 gap (transformers v4.46.0; the benchmark script is QwenLM/Qwen2.5
# examples/speed-benchmark/speed_benchmark_transformers.py: attn_implementation="flash_attention_2", device_map
# "auto", the model's generation_config (sampling), max_memory_allocated summed over GPUs, never reset after
# from_pretrained) and found already modelled or too small to matter:
# * prefill logits: generate() sets num_logits_to_keep=1 (generation/utils.py L2062-L2066) and the model computes
#   lm_head on the last position without upcasting (modeling_qwen2.py L1178-L1179); _sample takes
#   ``outputs.logits.clone()[:, -1, :].float()`` (utils.py L3219): vocab x (2 + 4) bytes, the step logits here;
# * the mask: with flash_attention_2 and no padding _update_causal_mask returns None (modeling_qwen2.py L942-L945),
#   no 4-D mask; SDPA's and eager's masks are modelled (eager_attention_bytes);
# * DynamicCache.update appends on the first call (cache_utils.py L441-L442, no copy in prefill) and torch.cat()s one
#   layer at a time while decoding (L447): one layer held twice, kv_cache_copies_in_decode 1;
# * the MLP: 3 intermediates (act(gate), up, their product), confirmed by the CPU measurement below;
# * sampling (top-k, top-p, repetition penalty): vocab-sized tensors, under 5 MB.
# Measured on CPU with a tiny random-weight Qwen2 (benchmarks/measure_prefill_hidden_states.py, figures in
# benchmarks/prefill_hidden_states_measurements.json): the prefill peak minus the KV cache and the 3 MLP intermediates
# is 4.008 x tokens x hidden in 4.38.2 and 4.133 x in 4.46.0 and 5.24.0 with 3 layers (3.008 / 3.133 with 1 layer):
# 4 hidden states, 8 bytes a token of int64 positions and, from 4.45, the cos/sin position_embeddings shared by the
# layers (2 x tokens x head_dim; not modelled: 0.14 of one hidden state for Qwen2.5-0.5B, 0.07 for 7B).
# The Qwen2 benchmark (4.38.2) could not show the 2 hidden states the estimator lacked: its prefill peak is the fp32
# logits of every position. On 4.46 (last position only) the peak is this layer's, and every Qwen2.5 row at inputs
# 6144-30720 was low by about 2 x tokens x hidden x 2 bytes (content/benchmarks/qwen25-speed-benchmark.yaml).
HIDDEN_STATES_AT_MLP = 4
HIDDEN_STATES_AT_ATTENTION = 3


def held_hidden_states(arch, first_gpu: bool = True) -> tuple:
    """(at the MLP, during attention): whole hidden-state tensors alive in the peak layer of prefill (see above)."""
    at_mlp, at_attention = HIDDEN_STATES_AT_MLP, HIDDEN_STATES_AT_ATTENTION
    if arch.layers < 2:
        at_mlp -= 1  # the only layer's input is inputs_embeds itself
    if not first_gpu:
        at_mlp, at_attention = at_mlp - 1, at_attention - 1  # inputs_embeds is on the first GPU
    return at_mlp, at_attention


# --- Eager attention's score matrix ---------------------------------------------------------------------------
# The three lines every eager path runs (modeling_llama.py LlamaAttention.forward up to 4.47; from 4.48
# integrations' eager_attention_forward in each modeling file, the same lines):
#     attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) * scaling      # scores, model dtype
#     attn_weights = attn_weights + causal_mask                                             # masked scores
#     attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query_states.dtype)
# The masked scores stay referenced by ``attn_weights`` until the last line's assignment completes. PyTorch's
# softmax with dtype (aten/src/ATen/native/SoftMax.cpp, ``softmax(input_, dim_, dtype)``) takes a fused
# half->float kernel only for CUDA float16 input; any other input is first copied with ``input_.toType(Float)``
# and then soft-maxed into a new fp32 tensor. So per score element, live at once:
#   bfloat16: 2 (masked scores) + 4 (the fp32 copy) + 4 (fp32 softmax) = 10 bytes; after softmax returns the copy
#             is freed and ``.to(bfloat16)`` needs 2 + 4 + 2 = 8;
#   float16 (CUDA): 2 + 4 (fused fp32 softmax) = 6, then the cast: 2 + 4 + 2 = 8;
#   float32: toType is a no-op and ``.to`` returns the same tensor: 4 + 4 = 8.
# The 4-D mask (batch x 1 x q x k in the model dtype) is built once per forward and shared by the layers:
# _update_causal_mask up to 4.52 (``torch.full(..., fill_value=min_dtype, dtype=dtype)``, cloned when generate()
# passes an attention_mask), masking_utils.eager_mask from 4.53 (``torch.where(mask, 0.0, min_dtype)`` in dtype).
FP32_BYTES = 4


def eager_bytes_per_score(act_bytes: int, float16: bool) -> int:
    """Peak bytes per score element of one eager attention call (see above)."""
    if act_bytes >= FP32_BYTES:
        return 2 * FP32_BYTES
    softmax = FP32_BYTES + (0 if float16 else FP32_BYTES)  # the fp32 output, plus the fp32 copy unless fused
    cast = FP32_BYTES + act_bytes                            # the fp32 output and its cast back
    return act_bytes + max(softmax, cast)


def eager_attention_bytes(arch, batch: int, q_len: int, k_len: int, act_bytes: int, float16: bool) -> int:
    """One layer's eager scores at their peak plus the shared 4-D mask, for ``batch`` sequences."""
    scores = batch * arch.heads * q_len * k_len * eager_bytes_per_score(act_bytes, float16)
    mask = batch * q_len * k_len * act_bytes
    return scores + mask


def computes_in_float16(quant) -> bool:
    """fp16 checkpoints and GPTQ/AWQ kernels (their configs load in torch.float16); everything else bf16/fp32."""
    return quant.compute_bytes == 2 and (quant.name == "fp16" or quant.format in ("gptq", "awq"))
