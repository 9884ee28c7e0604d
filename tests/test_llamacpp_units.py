"""generator/calc/llamacpp.py's compute buffer stage by stage and its KV cache layer by layer (the survivors of
benchmarks/mutation.py, scope calc.llamacpp: in every collected load log the output stage is the largest, so the
attention and feed-forward stages were never the answer of a test).

Each figure is worked out here from llama.cpp's graph as generator/calc/llamacpp.py cites it (f32 activations,
n_ubatch = 512 tokens, n_kv = n_ctx cells; ggml's allocator keeps the largest set of tensors alive at once) with the
shapes of each model's config.json:
* attention without flash attention: residual (n_embd x t) + the KQ mask (n_kv x t) + Q (n_head x head_dim x t) + the
  KQ scores (n_kv x t x n_head) + the attention output (n_head x v_head_dim x t), 4 bytes each;
* with flash attention: residual + the mask + its f16 copy (2 bytes) + Q + the output, no scores;
* feed-forward of an MoE layer: 2 x residual + 2 x (top-k x expert width) x t;
* KV: only the layers that hold K and V (a hybrid model's linear-attention layers keep a state instead).
"""

from __future__ import annotations

import os

import pytest

from generator.calc.llamacpp import LlamaCppRun, llamacpp_memory
from generator.catalogue.loading import load_catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = load_catalogue(os.path.join(ROOT, "content")).models
MIB = 2 ** 20
T = 512


def _memory(model, n_ctx, flash):
    return llamacpp_memory(MODELS[model].require_architecture(), "q8_0", LlamaCppRun(n_ctx, T, flash))


def test_attention_without_flash_attention_is_the_largest_stage_at_32k():
    # Llama-3.1-8B: n_embd 4096, 32 heads of 128.
    residual, mask = 4096 * T * 4, 32768 * T * 4
    q = out = 32 * 128 * T * 4
    scores = 32768 * T * 32 * 4
    assert _memory("Llama-3.1-8B", 32768, False).compute[0] == residual + mask + q + scores + out == 2136 * MIB


def test_attention_with_flash_attention_at_128k():
    residual, mask, mask_f16 = 4096 * T * 4, 131072 * T * 4, 131072 * T * 2
    q = out = 32 * 128 * T * 4
    attention = residual + mask + mask_f16 + q + out
    assert attention == 408 * MIB > (128256 + 4096) * T * 4  # above the logits stage (258.5 MiB)
    assert _memory("Llama-3.1-8B", 131072, True).compute[0] == attention


def test_mla_attention_queries_are_nope_plus_rope_wide_and_outputs_v_wide():
    # DeepSeek-V2-Lite: n_embd 2048, 16 heads, qk_nope_head_dim 128 + qk_rope_head_dim 64, v_head_dim 128.
    residual, mask = 2048 * T * 4, 8192 * T * 4
    q, out = 16 * (128 + 64) * T * 4, 16 * 128 * T * 4
    scores = 8192 * T * 16 * 4
    assert _memory("DeepSeek-V2-Lite", 8192, False).compute[0] == residual + mask + q + scores + out == 286 * MIB


def test_an_moe_feed_forward_is_top_k_experts_wide():
    # Mixtral-8x7B: 2 of 8 experts of 14336 per token; vocabulary 32000, so the output stage is 70.5 MiB.
    residual = 4096 * T * 4
    ffn = 2 * residual + 2 * (2 * 14336) * T * 4
    assert _memory("Mixtral-8x7B-v0.1", 512, False).compute[0] == ffn == 128 * MIB


def test_only_the_attention_layers_of_a_hybrid_model_hold_kv():
    # Qwen3-Next-80B-A3B: full_attention_interval 4, so 12 of its 48 layers are attention layers, each with 2 KV
    # heads of 256: 12 x 4096 cells x 2 x 2 x 256 x 2 bytes (f16).
    arch = MODELS["Qwen3-Next-80B-A3B-Instruct"].require_architecture()
    assert sum(arch.holds_kv(i) for i in range(arch.layers)) == 12
    assert _memory("Qwen3-Next-80B-A3B-Instruct", 4096, True).kv[0] == 12 * 4096 * 2 * 2 * 256 * 2 == 96 * MIB


def test_cache_types_take_their_block_sizes_from_ggmls_type_table():
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    from generator.calc.llamacpp import KV_TYPE_BYTES, kv_block_size
    for name, bytes_per_value in KV_TYPE_BYTES.items():
        block, size = GGML_QUANT_SIZES[GGMLQuantizationType[name.upper()]]
        assert kv_block_size(name) == block and bytes_per_value == size / block, name


def test_a_quantized_cache_needs_heads_of_whole_blocks():
    """llama_init_from_model (src/llama-context.cpp, ggml-org/llama.cpp 4c7103b9) refuses the context with
    ``"%s: K cache type %s with block size %u does not divide n_embd_head_k=%u\\n"``; a stories15M run (dim 288,
    6 heads: heads of 48) logged "llama_init_from_model: K cache type q8_0 with block size 32 does not divide
    n_embd_head_k=48". Heads of 128 (Llama-3.1-8B) are 4 blocks of 32; f16/bf16/f32 have blocks of 1."""
    from dataclasses import replace

    from generator.calc.llamacpp import kv_block_refusal, kv_head_widths
    llama = MODELS["Llama-3.1-8B"].require_architecture()
    for kv_type in ("q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl", "f16", "bf16", "f32"):
        assert kv_block_refusal(llama, LlamaCppRun(4096, kv_type=kv_type)) == ()
    stories = replace(llama, hidden_size=288, heads=6, kv_heads=6, head_dim=48)
    assert kv_block_refusal(stories, LlamaCppRun(4096, kv_type="q8_0")) == (
        48, "K cache type q8_0 with block size 32 does not divide n_embd_head_k=48")
    assert kv_block_refusal(stories, LlamaCppRun(4096, kv_type="f16")) == ()
    # Phi-2's heads: 2560 / 32 = 80 values, 2.5 blocks of 32. The rows of all 32 KV heads (2560 values) would
    # divide, but ggml views the cache head by head: ggml_row_size(type, n_embd_head_k) is the row stride.
    eighty = replace(llama, head_dim=80)
    assert kv_block_refusal(eighty, LlamaCppRun(4096, kv_type="q4_0"))[0] == 80
    assert kv_block_refusal(eighty, LlamaCppRun(4096, kv_type="bf16")) == ()
    # MLA: "n_embd_head_k = 576, n_embd_head_v = 512" with the latent cache (GLM-4.7-Flash's load log, ollama issue
    # #15855); before it DeepSeek-V3's "n_embd_k_gqa = 24576, n_embd_v_gqa = 16384" over 128 heads (PR #11397's
    # logs): 192 and 128. Every one of them is whole blocks of 32.
    deepseek = MODELS["DeepSeek-V3"].require_architecture()
    assert kv_head_widths(deepseek, LlamaCppRun(4096, mla_latent_cache=True)) == ((576,), (512,))
    assert kv_head_widths(deepseek, LlamaCppRun(4096)) == ((24576 // 128,), (16384 // 128,))
    assert kv_block_refusal(deepseek, LlamaCppRun(4096, kv_type="q4_0", mla_latent_cache=True)) == ()
    # Gemma 4: sliding layers cache heads of head_dim, global layers of global_head_dim (gemma-4-E2B-it's config.json:
    # "head_dim": 256, "global_head_dim": 512); both sizes are checked, each 8 and 16 blocks of 32.
    gemma4 = MODELS["gemma-4-E2B-it"].require_architecture()
    assert kv_head_widths(gemma4, LlamaCppRun(4096)) == ((256, 512), (256, 512))
    assert kv_head_widths(llama, LlamaCppRun(4096)) == ((128,), (128,))
    assert kv_block_refusal(gemma4, LlamaCppRun(4096, kv_type="q8_0")) == ()
    # A V head that does not divide while K does: llama.cpp's V line, which prints n_embd_head_v as n_embd_head_k.
    odd_v = replace(deepseek, kv_lora_rank=496, qk_rope_head_dim=80)   # K 576 = 18 blocks, V 496 = 15.5 blocks
    assert kv_block_refusal(odd_v, LlamaCppRun(4096, kv_type="q8_0", mla_latent_cache=True)) == (
        496, "V cache type q8_0 with block size 32 does not divide n_embd_head_k=496")


def test_kv_layer_bytes_layer_by_layer():
    from generator.calc.llamacpp import kv_layer_bytes
    gemma = MODELS["gemma-2-9b"].require_architecture()  # 21 of 42 layers slide over 4096 tokens, 8 KV heads of 256
    run = LlamaCppRun(32768, T, False, swa_cache=True)
    layers = [kv_layer_bytes(gemma, i, run) / MIB for i in range(gemma.layers)]
    assert sorted(set(layers)) == [36, 256] and layers.count(36) == 21   # pad(4096 + 512, 256) = 4608 cells: 36 MiB
    next_ = MODELS["Qwen3-Next-80B-A3B-Instruct"].require_architecture()
    assert [kv_layer_bytes(next_, i, LlamaCppRun(4096, T, True)) / MIB for i in range(4)] == [0, 0, 0, 8]


def test_layers_left_on_the_host_with_their_kv():
    # Llama-3.1-8B in q8_0: every tensor q8_0 (34 bytes a block of 32) but the 1-D norms, kept f32 (4 bytes):
    # 32 layers x 2 x 4096 + 4096 = 266,240 norm weights of 8,030,261,248 parameters (transformers' count).
    norms = 32 * 2 * 4096 + 4096
    whole_file = (8030261248 - norms) * 34 // 32 + norms * 4
    token_embd = 128256 * 4096 * 34 // 32   # the embedding lookup runs on the CPU: always host memory
    layer_kv = 512 * 2 * 8 * 128 * 2         # one layer's K and V for 512 cells (f16): 2 MiB
    llama = MODELS["Llama-3.1-8B"].require_architecture()

    def memory(ngl):
        return llamacpp_memory(llama, "q8_0", LlamaCppRun(512, T, False, n_gpu_layers=ngl))
    none = memory(0)       # -ngl 0: every layer, the output head and its norm on the host
    assert (none.host_weights, none.host_kv, none.host) == (whole_file, 32 * layer_kv, whole_file + 32 * layer_kv)
    every = memory(None)   # -ngl 99: only token_embd stays
    assert (every.host_weights, every.host_kv) == (token_embd, 0)
    assert sum(every.model) == whole_file - token_embd
    half = memory(16)      # the last 16 layers on the card, the first 16 and the head on the host
    assert half.host_kv == 16 * layer_kv and half.host_weights + sum(half.model) == whole_file


@pytest.mark.parametrize("tokens, flash, cells", [
    (4100, True, 17 * 256), (4100, False, 129 * 32), (1, True, 256), (1, False, 32), (4096, True, 4096),
])
def test_n_ctx_is_padded_to_256_cells_with_flash_attention_and_32_without(tokens, flash, cells):
    from generator.calc.llamacpp import padded_ctx
    assert padded_ctx(tokens, flash) == cells


def test_a_sliding_window_is_padded_to_256_cells():
    # gpt-oss-20b: 12 of 24 layers slide over 128 tokens, 8 KV heads of 64 (2,048 bytes a cell in f16). Since PR
    # #13833 a sliding layer keeps pad(128 + 512, 256) = 768 cells; a full layer all 4096.
    arch = MODELS["gpt-oss-20b"].require_architecture()
    run = LlamaCppRun(4096, T, True, swa_cache=True)
    assert llamacpp_memory(arch, "q8_0", run).kv[0] == 12 * 768 * 2048 + 12 * 4096 * 2048


def test_kv_layer_bytes_of_an_mla_latent_cache():
    from generator.calc.llamacpp import kv_layer_bytes
    arch = MODELS["DeepSeek-V3"].require_architecture()
    run = LlamaCppRun(4096, T, True, mla_latent_cache=True)
    assert kv_layer_bytes(arch, 0, run) == 4096 * 576 * 2   # the latent, kv_lora_rank 512 + rope 64, V-less


def test_two_cards_split_the_layers_and_each_holds_its_own_compute_buffer():
    # llama-model.cpp load_tensors: with two equal cards the splits are 0.5 and 1.0 of act_gpu_layers = 33 (32
    # layers and the output layer); layer il goes to the first card whose share exceeds il / 33: layers 0-16
    # (16 / 33 < 0.5) on card 0, layers 17-31 and the output head on card 1.
    llama = MODELS["Llama-3.1-8B"].require_architecture()
    memory = llamacpp_memory(llama, "q8_0", LlamaCppRun(512, T, False, gpus=2))
    assert memory.kv == (17 * 2 * MIB, 15 * 2 * MIB) and memory.n_ctx == 512
    ffn = 2 * 4096 * T * 4 + 2 * 14336 * T * 4          # card 0's largest stage: 72 MiB
    logits = 4096 * T * 4 + 128256 * T * 4              # card 1 holds the head: 258.5 MiB
    assert memory.compute == (ffn, logits) == (72 * MIB, 258.5 * MIB)


def test_a_tied_output_head_is_the_embedding_not_a_second_copy():
    # Llama-3.2-1B ties its output head to token_embd (tie_word_embeddings: its GGUF has no output.weight):
    # -ngl 0 keeps the whole q8_0 file on the host, 1,235,814,400 parameters (transformers' count, tied) of which
    # 16 x 2 x 2048 + 2048 norm weights stay f32.
    norms = 16 * 2 * 2048 + 2048
    arch = MODELS["Llama-3.2-1B"].require_architecture()
    memory = llamacpp_memory(arch, "q8_0", LlamaCppRun(512, T, False, n_gpu_layers=0))
    assert memory.host_weights == (1235814400 - norms) * 34 // 32 + norms * 4
