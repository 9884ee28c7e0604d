"""generator/calc/transformers_engine.py, rule by rule (the survivors of benchmarks/mutation.py, scope
calc.transformers_engine), each expected value from transformers' own code as the module cites it:

* ``repeat_kv`` (modeling_llama.py): ``if n_rep == 1: return hidden_states``: a model with as many KV heads as query
  heads (multi-head attention) is never copied, under SDPA or eager;
* ``DynamicCache`` before 4.56 keeps every token of every layer: the cache sees no sliding window at all;
* GPTQ and AWQ checkpoints load in torch.float16 (their quantization configs), as fp16 checkpoints do; bf16 does not;
* a version whose rotary tables are computed per call (``rope_table_per_layer: false`` in content/frameworks.yaml)
  keeps no table, whatever family the model is.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from generator.calc import transformers_engine as tf
from generator.calc.estimator import parse_framework, parse_quantization
from generator.catalogue.loading import load_catalogue
from generator.engines.profiles import load_frameworks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = load_catalogue(os.path.join(ROOT, "content")).models
PROFILES = load_frameworks()
TF438 = parse_framework("transformers==4.38.2", PROFILES)   # SDPA repeats K/V; Llama keeps rotary tables per layer
TF448 = parse_framework("transformers==4.48.0", PROFILES)   # DynamicCache without sliding windows


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_multi_head_attention_is_never_repeated(attn):
    arch = MODELS["Phi-3.5-mini-instruct"].require_architecture()  # 32 query heads, 32 KV heads
    assert arch.heads == arch.kv_heads == 32
    assert tf.repeats_kv(arch, TF438, attn) is False
    assert tf.expanded_kv_bytes(arch, TF438, attn, 4096, 2) == 0
    grouped = MODELS["Llama-3.1-8B"].require_architecture()  # 32 query heads over 8 KV heads: copied to all 32
    assert tf.expanded_kv_bytes(grouped, TF438, attn, 4096, 2) == 2 * 4096 * 32 * 128 * 2


def test_a_cache_without_sliding_windows_sees_none():
    arch = MODELS["gemma-3-4b-it"].require_architecture()  # 29 of 34 layers slide over 1024 tokens
    assert (arch.sliding_window, arch.sliding_window_layers) == (1024, 29)
    assert not TF448.sliding_window_cache
    seen = tf.cache_architecture(arch, TF448)
    assert (seen.sliding_window, seen.sliding_window_layers) == (0, 0)
    assert seen == replace(arch, sliding_window=0, sliding_window_layers=0)


@pytest.mark.parametrize("name, float16", [("gptq-int4", True), ("gptq-int8", True), ("awq-int4", True),
                                           ("fp16", True), ("bf16", False), ("fp32", False)])
def test_which_checkpoints_compute_in_float16(name, float16):
    assert tf.computes_in_float16(parse_quantization(name)) is float16


def test_a_version_without_per_layer_rotary_tables_keeps_none():
    arch = MODELS["Llama-3.1-8B"].require_architecture()
    # 4.38.2 keeps one cos/sin table of max_position_embeddings rows per attention layer for Llama:
    # 32 layers x 2 x 131072 x 128 x 2 bytes.
    assert tf.rope_table_bytes(arch, TF438, 2) == 32 * 2 * 131072 * 128 * 2
    listed_but_per_call = replace(TF438, rope_table_per_layer=False)
    assert "LlamaForCausalLM" in tf.families(listed_but_per_call)
    assert tf.rope_table_bytes(arch, listed_but_per_call, 2) == 0
