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
    peak = weights + fixed overheads + KV cache x (1 + 1/layers) + the step's logits (bf16 and their fp32 copy)
    + in Qwen2 and Mistral, whose FlashAttention2 class calls ``repeat_kv`` on the layer's whole cache before flash
    attention (modeling_qwen2.py v4.46.0 L402-L403, modeling_mistral.py the same), K and V expanded to every query
    head; LlamaFlashAttention2 passes the grouped heads as they are."""
    config = MODELS[model_id]["config"]  # config.json as published
    layers = config["num_hidden_layers"]
    kv_heads = config.get("num_key_value_heads", config["num_attention_heads"])
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    prompt, new = 1, 8192
    tokens = prompt + new
    kv_cache = 2 * layers * kv_heads * head_dim * 2 * tokens  # K and V, bf16, every layer
    one_layer = kv_cache // layers
    step_logits = config["vocab_size"] * (2 + 4)  # the last position's logits in bf16, then .float()
    repeated = 0
    if config["architectures"][0] in ("Qwen2ForCausalLM", "MistralForCausalLM"):
        repeated = 2 * tokens * config["num_attention_heads"] * head_dim * 2  # K and V, every query head, bf16
    got = estimate(arch_of(model_id), BF16, prompt, TF446, generate=new, attn="flash_attention_2")
    assert got.kv_cache == kv_cache
    assert got.peak - got.weights - got.overhead == kv_cache + one_layer + step_logits + repeated
    # 4.48.0: Qwen2 and Mistral call integrations/flash_attention.py, which passes the grouped heads (no repeat_kv).
    later = estimate(arch_of(model_id), BF16, prompt, parse_framework("transformers==4.48.0", PROFILES), generate=new,
                     attn="flash_attention_2")
    assert later.peak - later.weights - later.overhead == kv_cache + one_layer + step_logits


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


def test_prefill_peak_holds_four_hidden_states():
    """transformers 4.46 Qwen2Model.forward keeps ``inputs_embeds`` (modeling_qwen2.py L854) for the whole forward and
    its loop variable ``hidden_states`` holds each layer's input while the layer runs (L895-L906); inside the layer
    ``residual`` (L636) and the normed copy (L637) exist while the MLP computes act(gate), up and their product
    (L223). With the last position's logits only (4.45+), a 30,720-token prompt of Qwen2.5-0.5B peaks in a layer's
    MLP: weights + the prompt's KV cache + 4 x tokens x hidden + 3 x tokens x intermediate (bf16)."""
    config = MODELS["Qwen2.5-0.5B-Instruct"]["config"]
    tokens = 30720
    hidden, intermediate = config["hidden_size"], config["intermediate_size"]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = hidden // heads
    kv_prompt = 2 * config["num_hidden_layers"] * kv_heads * head_dim * 2 * tokens
    mlp_branch = 4 * tokens * hidden * 2 + 3 * tokens * intermediate * 2
    # The attention branch (3 hidden states, Q/K/V and its output twice, the repeated K/V of Qwen2's
    # FlashAttention2) is smaller, so the MLP decides.
    qkv = tokens * (heads + 2 * kv_heads) * head_dim * 2
    attention_branch = 3 * tokens * hidden * 2 + 2 * qkv + tokens * heads * head_dim * 2 + 2 * tokens * hidden * 2
    assert mlp_branch > attention_branch
    got = estimate(arch_of("Qwen2.5-0.5B-Instruct"), BF16, tokens, TF446, generate=1, attn="flash_attention_2")
    assert got.activations == mlp_branch
    assert got.peak - got.weights - got.overhead == kv_prompt + mlp_branch


@pytest.mark.parametrize("model_id", ["Llama-3.1-70B", "Qwen2.5-72B-Instruct"])
def test_prefill_hidden_states_on_a_layer_split(model_id):
    """device_map="auto": inputs_embeds stays on the first GPU (the embedding's), so a later GPU's layers hold one
    hidden state fewer (the layer input copied there by accelerate's hook, residual, the normed copy). With a long
    prompt and 1 new token prefill is each GPU's peak, and growing the prompt by D tokens grows
    GPU 0 by D x (its layers' K/V per token + 4 x hidden x 2 + 3 x intermediate x 2) and
    GPU 1 by D x (its layers' K/V per token + 3 x hidden x 2 + 3 x intermediate x 2) (bf16; the split is the one
    test_multi_gpu_split_follows_accelerates_balanced_map derives)."""
    config = MODELS[model_id]["config"]
    arch = arch_of(model_id)
    hidden, intermediate = config["hidden_size"], config["intermediate_size"]
    head_dim = hidden // config["num_attention_heads"]
    kv_layer_token = 2 * config["num_key_value_heads"] * head_dim * 2
    framework = parse_framework("transformers==4.48.0", PROFILES)  # no K/V repeat in any family's flash attention
    short = estimate(arch, BF16, 8192, framework, generate=1, gpus=2, attn="flash_attention_2").per_gpu_peak
    long = estimate(arch, BF16, 16384, framework, generate=1, gpus=2, attn="flash_attention_2").per_gpu_peak
    b = param_breakdown(arch)
    embed, head = b.embedding * 2, b.lm_head * 2
    per_layer = (b.total * 2 - embed - head) / arch.layers
    capacity = b.total * 2 / 2 + 1.25 * per_layer
    first = math.floor((capacity - max(per_layer, embed, head) - embed) / per_layer)
    grow = 8192
    assert long[0] - short[0] == pytest.approx(grow * (first * kv_layer_token + 4 * hidden * 2 + 3 * intermediate * 2),
                                               abs=2)
    assert long[1] - short[1] == pytest.approx(
        grow * ((arch.layers - first) * kv_layer_token + 3 * hidden * 2 + 3 * intermediate * 2), abs=2)


def test_held_hidden_states_are_the_measured_count():
    """benchmarks/prefill_hidden_states_measurements.json (tiny Qwen2 on CPU, transformers 4.38.2, 4.46.0, 5.24.0):
    the prefill peak less the KV cache and the MLP intermediates is 4 hidden states with 3 layers, 3 with 1 layer,
    plus less than a fifth of one (int64 positions, from 4.45 the shared cos/sin)."""
    import json
    from generator.calc import transformers_engine as tf
    with open("benchmarks/prefill_hidden_states_measurements.json", encoding="utf-8") as handle:
        measured = json.load(handle)
    assert {run["transformers"] for run in measured["runs"]} == {"4.38.2", "4.46.0", "5.24.0"}
    for run in measured["runs"]:
        for row in run["runs"]:
            count = 4 if row["layers"] >= 2 else 3
            assert count <= row["hidden_states_at_peak"] < count + 0.2, (run["transformers"], row)
            assert tf.held_hidden_states(type("A", (), {"layers": row["layers"]})())[0] == count


def test_the_4bit_gptq_overhead_is_the_exllama_kernels_two_buffers():
    """transformers' GPTQConfig.post_init sets exllama_config {"version": ExllamaVersion.ONE} when a checkpoint names
    none (the Qwen GPTQ-Int4 files say {"version": 1}), and auto-gptq 0.7.1's autogptq_post_init
    (auto_gptq/modeling/_utils.py) then allocates per GPU, for the exllama (v1) kernel without act-order:
    temp_dq = torch.zeros((1, max_dq_buffer_size), float16), max_dq_buffer_size = max(qweight.numel() * 8), and
    temp_state = torch.zeros((max_input_len, max_inner_outer_dim), float16) with both left at 1.
    Qwen2-7B's largest quantized matrix is gate_proj/up_proj, hidden 3584 x intermediate 18944 (config.json); its
    qweight is (3584 / 8, 18944) int32 words, 8 values each. 8-bit GPTQ runs another kernel with no such buffers,
    and both formats have the same rotary tables, so the overheads differ by exactly the two buffers."""
    arch = arch_of("Qwen2-7B-Instruct")
    config = MODELS["Qwen2-7B-Instruct"]["config"]
    hidden, intermediate = config["hidden_size"], config["intermediate_size"]
    assert (hidden, intermediate) == (3584, 18944)
    temp_dq = (hidden // 8) * intermediate * 8 * 2
    temp_state = 1 * 1 * 2

    def overhead(quant, gpus=1):
        return estimate(arch, parse_quantization(quant), 1, TF446, generate=16, gpus=gpus).overhead

    assert overhead("gptq-int4") - overhead("gptq-int8") == temp_dq + temp_state == 135_790_594
    assert overhead("gptq-int4", 2) - overhead("gptq-int8", 2) == 2 * (temp_dq + temp_state)  # one pair per GPU
