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
  - ``eager`` repeats K/V too and materialises the scores heads x q x k in the model dtype plus the fp32 softmax.
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
