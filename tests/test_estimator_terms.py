"""Estimator terms checked against what the engines' own code does, written out here from the cited source, not
read back from the estimator: the decoding step's extra layer of KV cache, accelerate's balanced device map, and
the longest-context search's edge."""

from __future__ import annotations

import math

import pytest

from generator.calc.architecture import param_breakdown
from generator.calc.estimator import estimate, parse_framework, parse_quantization
from generator.calc.gpu_fit import fits, longest_context
from generator.families.model_config import architecture_from_model_entry
from generator.engines.profiles import load_frameworks
from generator.core.yamlio import read_yaml_file

MODELS = {m["id"]: m for m in read_yaml_file("content/models.yaml")["models"]}
PROFILES = load_frameworks()
TF446 = parse_framework("transformers==4.46.0", PROFILES)
BF16 = parse_quantization("bf16")
GIB = 1024 ** 3


def arch_of(model_id):
    return architecture_from_model_entry(MODELS[model_id])


@pytest.mark.parametrize("model_id", ["Llama-3.1-8B", "Qwen2.5-7B-Instruct", "Mistral-7B-v0.3"])
def test_decoding_holds_one_layer_of_kv_cache_twice(model_id):
    """transformers 4.46 DynamicCache.update (cache_utils.py):
    ``self.key_cache[layer_idx] = torch.cat([self.key_cache[layer_idx], key_states], dim=-2)`` (and the same for
    values): while one layer's cat runs, its old and its new K/V tensors both exist, so a decoding step holds the
    whole cache plus one more layer's K and V. With a 1-token prompt and 8,192 new tokens, decoding is the peak:
    peak = weights + fixed overheads + KV cache x (1 + 1/layers) + the step's logits (bf16 and their fp32 copy)."""
    config = MODELS[model_id]["config"]  # config.json as published
    layers = config["num_hidden_layers"]
    kv_heads = config.get("num_key_value_heads", config["num_attention_heads"])
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    prompt, new = 1, 8192
    tokens = prompt + new
    kv_cache = 2 * layers * kv_heads * head_dim * 2 * tokens  # K and V, bf16, every layer
    one_layer = kv_cache // layers
    step_logits = config["vocab_size"] * (2 + 4)  # the last position's logits in bf16, then .float()
    # flash_attention_2 repeats no K/V heads, so no other decode term is left.
    got = estimate(arch_of(model_id), BF16, prompt, TF446, generate=new, attn="flash_attention_2")
    assert got.kv_cache == kv_cache
    assert got.peak - got.weights - got.overhead == kv_cache + one_layer + step_logits


@pytest.mark.parametrize("model_id, gpus", [("Qwen2.5-72B-Instruct", 2), ("Qwen2.5-72B-Instruct", 3),
                                            ("Llama-3.1-70B", 2), ("Llama-3.1-70B", 4), ("Qwen2.5-32B-Instruct", 2)])
def test_multi_gpu_split_follows_accelerates_balanced_map(model_id, gpus):
    """accelerate's get_balanced_memory (utils/modeling.py): every GPU but the last gets
    ``total_size / num_devices + buffer`` with ``buffer = int(1.25 * max(buffer, mean_leaves))``, the buffer being
    the largest no-split module (one decoder layer here); infer_auto_device_map then keeps the largest module's
    size free on the first GPU beside what it places, puts the embedding first, and fills each GPU with whole
    layers until the next one does not fit. With a 1-token prompt and 1 new token, the first GPU's peak is its
    weights (embedding + its layers) to within one token's activations."""
    arch = arch_of(model_id)
    b = param_breakdown(arch)
    bytes_per = 2  # bf16
    embed, head = b.embedding * bytes_per, b.lm_head * bytes_per
    weights = b.total * bytes_per
    per_layer = (weights - embed - head) / arch.layers
    rope = estimate(arch, BF16, 1, TF446, generate=1).overhead  # the rotary tables, sized with the layers
    layer_size = per_layer + rope / arch.layers
    capacity = (weights + rope) / gpus + 1.25 * layer_size
    largest = max(layer_size, embed, head)
    first_gpu_layers = math.floor((capacity - largest - embed) / layer_size)
    expected_first = first_gpu_layers * layer_size + embed
    got = estimate(arch, BF16, 1, TF446, generate=1, gpus=gpus, attn="flash_attention_2")
    assert len(got.per_gpu_peak) == gpus
    # A quarter of a layer is the smallest change in the split the headroom can make; one token's activations are
    # far below it.
    assert abs(got.per_gpu_peak[0] - expected_first) < layer_size / 4, (got.per_gpu_peak[0] / GIB,
                                                                         expected_first / GIB)


@pytest.mark.parametrize("model_id, quantization, card_gib", [
    ("Llama-3.1-8B", "bf16", 24), ("Qwen2.5-7B-Instruct", "awq", 12), ("Qwen2.5-14B-Instruct", "gptq-int4", 16),
    ("Llama-3.1-8B", "q4_k_m", 8), ("Qwen2.5-32B-Instruct", "q4_k_m", 24)])
def test_longest_context_is_the_edge(model_id, quantization, card_gib):
    """The search returns the last multiple of 1,024 that fits: it fits, and 1,024 more does not (or the model's
    maximum is reached)."""
    arch = arch_of(model_id)
    quant = parse_quantization(quantization)
    framework = parse_framework("llama.cpp" if quant.format == "gguf" else "transformers==4.46.0", PROFILES)
    card = card_gib * GIB

    def at(tokens):
        return estimate(arch, quant, tokens, framework)

    maximum = arch.max_position_embeddings
    found = longest_context(at, card, maximum)
    assert found % 1024 == 0 and 0 < found <= maximum
    assert fits(at(found), card)
    if found + 1024 <= maximum:
        assert not fits(at(found + 1024), card)
