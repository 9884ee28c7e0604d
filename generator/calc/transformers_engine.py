"""What transformers' own code adds to a run, by version and attention implementation.

Pure. Each behaviour below was read off the released wheels of transformers (modeling_*.py, cache_utils.py,
integrations/sdpa_attention.py of 4.38.2, 4.40.2, 4.42.4, 4.44.2, 4.48.0-4.56.0) and measured on CPU with a
tiny random-weight model (benchmarks/measure_transformers_cache.py, figures in
benchmarks/transformers_cache_measurements.json); the version boundaries are in
content/frameworks.yaml.

* Attention (``attn_implementation`` of ``from_pretrained``; its default is ``sdpa``):
  - ``flash_attention_2`` reads the grouped K/V heads directly: no score matrix, no copies.
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


def families(profile) -> tuple:
    return tuple(name.strip() for name in profile.rope_table_families.split(",") if name.strip())


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
    return attn == "eager" or (attn == "sdpa" and profile.sdpa_repeats_kv)


def expanded_kv_bytes(arch, profile, attn: str, tokens: int, act_bytes: int) -> int:
    """K and V of one layer expanded to every query head, over ``tokens`` positions (batch included)."""
    if not repeats_kv(arch, profile, attn):
        return 0
    return 2 * tokens * arch.heads * arch.head_dim * act_bytes


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
