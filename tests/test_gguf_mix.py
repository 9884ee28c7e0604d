"""GGUF files as llama.cpp's quantize tool writes them (generator/calc/gguf_mix.py): block sizes, preset mixes, and
the estimator and CLI taking every preset.

Expected values come from outside the code under test: the block sizes are ggml-common.h's static_assert
expressions typed here; the tensor counts and file sizes are from llama.cpp's own output quoted in each test; the
IQ3_M mix is derived here from llama-quant.cpp's rules.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from conftest import ROOT, run_cli
from generator.calc import gguf_mix
from generator.calc.estimator import GGUF_BITS_PER_WEIGHT, parse_quantization
from generator.catalogue.loading import load_catalogue

GIB = 2 ** 30
QK_K = 256
HALF = 2  # sizeof(ggml_half)

# ggml/src/ggml-common.h (ggml-org/llama.cpp at 01243c58): each block struct's size, as its static_assert states it.
GGML_COMMON_BLOCKS = {
    "q4_0": (32, HALF + 32 // 2),
    "q4_1": (32, 2 * HALF + 32 // 2),
    "q5_0": (32, HALF + 4 + 32 // 2),                      # sizeof(uint32_t) high bits
    "q5_1": (32, 2 * HALF + 4 + 32 // 2),
    "q8_0": (32, HALF + 32),
    "q1_0": (128, HALF + 128 // 8),
    "q2_0": (64, HALF + 64 // 4),
    "mxfp4": (32, 1 + 32 // 2),                            # one E8M0 byte
    "nvfp4": (64, 64 // 16 + 64 // 2),                     # UE4M3 scale per 16
    "tq1_0": (QK_K, HALF + QK_K // 64 + (QK_K - 4 * QK_K // 64) // 5),
    "tq2_0": (QK_K, HALF + QK_K // 4),
    "q2_k": (QK_K, 2 * HALF + QK_K // 16 + QK_K // 4),
    "q3_k": (QK_K, HALF + QK_K // 4 + QK_K // 8 + 12),
    "q4_k": (QK_K, 2 * HALF + 12 + QK_K // 2),             # K_SCALE_SIZE 12
    "q5_k": (QK_K, 2 * HALF + 12 + QK_K // 2 + QK_K // 8),
    "q6_k": (QK_K, HALF + QK_K // 16 + 3 * QK_K // 4),
    "iq2_xxs": (QK_K, HALF + QK_K // 8 * 2),               # uint16_t qs[QK_K/8]
    "iq2_xs": (QK_K, HALF + QK_K // 8 * 2 + QK_K // 32),
    "iq2_s": (QK_K, HALF + QK_K // 4 + QK_K // 16),
    "iq3_xxs": (QK_K, HALF + 3 * (QK_K // 8)),
    "iq3_s": (QK_K, HALF + 13 * (QK_K // 32) + QK_K // 64),
    "iq1_s": (QK_K, HALF + QK_K // 8 + QK_K // 16),
    "iq1_m": (QK_K, QK_K // 8 + QK_K // 16 + QK_K // 32),
    "iq4_nl": (32, HALF + 32 // 2),
    "iq4_xs": (QK_K, HALF + 2 + QK_K // 64 + QK_K // 2),   # uint16_t scales_h
    "f32": (1, 4), "f16": (1, 2), "bf16": (1, 2),
}

# tools/quantize/quantize.cpp QUANT_OPTIONS (ggml-org/llama.cpp at 03161a4e): every --quantize preset but COPY.
QUANTIZE_PRESETS = ["q1_0", "q2_0", "q4_0", "q4_1", "mxfp4_moe", "q5_0", "q5_1", "iq2_xxs", "iq2_xs", "iq2_s", "iq2_m",
                    "iq1_s", "iq1_m", "tq1_0", "tq2_0", "q2_k", "q2_k_s", "iq3_xxs", "iq3_s", "iq3_m", "iq3_xs",
                    "q3_k_s", "q3_k_m", "q3_k_l", "iq4_nl", "iq4_xs", "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k",
                    "q8_0", "f16", "bf16", "f32"]
# llama-quant.cpp (at 007dbbf3) also maps LLAMA_FTYPE_MOSTLY_NVFP4 -> GGML_TYPE_NVFP4 in llama_ftype_get_default_type.
LLAMA_QUANT_ONLY = ["nvfp4"]


@pytest.fixture(scope="module")
def llama8():
    return load_catalogue(os.path.join(ROOT, "content")).models["Llama-3.1-8B"].require_architecture()


def test_every_block_type_has_ggml_commons_size():
    assert gguf_mix.BLOCK == GGML_COMMON_BLOCKS


def test_every_quantize_preset_is_known_and_parses():
    presets = QUANTIZE_PRESETS + LLAMA_QUANT_ONLY
    assert sorted(gguf_mix.MIX_DEFAULT) == sorted(presets)
    assert sorted(GGUF_BITS_PER_WEIGHT) == sorted(presets)
    for name in presets:
        if name in ("f16", "bf16", "f32"):
            continue  # a float checkpoint in llama.cpp is an f16/bf16/f32 file (estimator.LLAMA_CPP_FLOAT_MIX)
        quant = parse_quantization(name.upper())
        assert quant.format == "gguf" and quant.name == name
    # The defaults are llama_ftype_get_default_type's (llama-quant.cpp): the mixes whose default is another type.
    assert {k: v for k, v in gguf_mix.MIX_DEFAULT.items() if k != v} == {
        "mxfp4_moe": "mxfp4", "q2_k_s": "q2_k", "q3_k_s": "q3_k", "q3_k_m": "q3_k", "q3_k_l": "q3_k",
        "q4_k_s": "q4_k", "q4_k_m": "q4_k", "q5_k_s": "q5_k", "q5_k_m": "q5_k", "iq2_s": "iq2_xs", "iq2_m": "iq2_s",
        "iq3_xs": "iq3_s", "iq3_m": "iq3_s"}


def _counts(arch, mix):
    return dict(Counter(t for _, _, t, _ in gguf_mix.tensor_types(arch, mix)))


def test_q4_k_m_tensor_counts_match_a_real_file(llama8):
    """Meta-Llama-3.1-8B-Instruct Q4_K_M, as llama.cpp's loader lists it (mozilla-ai/llamafile issue #516):
    "type f32: 66 tensors / type q4_K: 193 tensors / type q6_K: 33 tensors" (the f32 ones are norms and rope_freqs,
    which the mix does not choose)."""
    assert _counts(llama8, "q4_k_m") == {"q4_k": 193, "q6_k": 33}


def test_iq3_m_mix_derived_from_llama_quant(llama8):
    """IQ3_M on Llama-3-8B (32 layers, 8 KV heads), from llama_tensor_get_type_impl: default IQ3_S; attn_v -> Q4_K;
    ffn_down -> Q4_K in the first 32/8 = 4 layers; attn_output -> Q4_K; output -> Q6_K; token_embd (untied)
    keeps the default."""
    layers = 32
    q4k = layers + 4 + layers           # attn_v, first ffn_down, attn_output
    iq3s = 7 * layers - q4k + 1         # the layers' other matrices, plus token_embd
    assert _counts(llama8, "iq3_m") == {"iq3_s": iq3s, "q4_k": q4k, "q6_k": 1}
    # The bytes follow: IQ3_S 110 and Q4_K 144 bytes per 256 weights, Q6_K 210.
    h, f, kv, vocab = 4096, 14336, 1024, 128256
    by_kind = {"q": h * h, "k": h * kv, "v": h * kv, "o": h * h, "gate": h * f, "up": h * f, "down": f * h}
    q4k_weights = layers * (by_kind["v"] + by_kind["o"]) + 4 * by_kind["down"]
    iq3s_weights = layers * sum(by_kind.values()) - q4k_weights + vocab * h
    expected = (iq3s_weights * 110 + q4k_weights * 144 + vocab * h * 210) / 256 + (layers * 2 + 1) * h * 4
    assert gguf_mix.gguf_layout(llama8, "iq3_m").total == expected


# tools/quantize/quantize.cpp QUANT_OPTIONS describes presets by their Llama-3-8B file: "4.34G, +0.4685 ppl @
# Llama-3-8B" (Q4_0) ... The file also holds the tokenizer (~0.01 GiB), hence the tolerance. (Q2_K_S's line repeats
# Q2_K's 2.96G; its rules, Q2_K but ffn_down and attn_output left at Q2_K, give a smaller file, so it is not here.)
QUANTIZE_SIZES_GIB = {"q4_0": 4.34, "q4_1": 4.78, "q5_0": 5.21, "q5_1": 5.65, "q2_k": 2.96, "q3_k_s": 3.41,
                      "q3_k_m": 3.74, "q3_k_l": 4.03, "q4_k_s": 4.37, "q4_k_m": 4.58, "q5_k_s": 5.21, "q5_k_m": 5.33,
                      "q6_k": 6.14, "q8_0": 7.96}


@pytest.mark.parametrize("mix, gib", sorted(QUANTIZE_SIZES_GIB.items()))
def test_preset_sizes_match_llama_quantizes_own_table(llama8, mix, gib):
    assert gguf_mix.gguf_layout(llama8, mix).total / GIB == pytest.approx(gib, abs=0.02)


def test_mxfp4_moe_quantizes_only_the_experts():
    """MXFP4_MOE: 3-D (expert) tensors MXFP4 (17 bytes per 32), everything else Q8_0 (34 per 32)."""
    arch = load_catalogue(os.path.join(ROOT, "content")).models["gpt-oss-20b"].require_architecture()
    rows = gguf_mix.tensor_types(arch, "mxfp4_moe")
    experts = arch.num_experts
    for layer, category, ggml_type, count in rows:
        is_expert = layer is not None and category in ("gate", "up", "down") and count % experts == 0 and \
            count == experts * arch.hidden_size * arch.moe_intermediate_size
        assert ggml_type == ("mxfp4" if is_expert else "q8_0"), (layer, category)


def test_imatrix_mixes_are_the_ones_llama_quantize_refuses_without_one(llama8):
    """tensor_requires_imatrix: IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS tensors (and Q2_K in a Q2_K_S file)."""
    needs = {"iq1_s", "iq1_m", "iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs"}
    for mix in QUANTIZE_PRESETS:
        types = set(_counts(llama8, mix))
        refused = bool(types & needs) or mix == "q2_k_s"
        assert refused == (mix in gguf_mix.IMATRIX_MIXES), mix


@pytest.mark.parametrize("quantization", ["iq3_m", "IQ2_XXS", "tq1_0", "mxfp4_moe", "iq4_nl", "q2_k_s"])
def test_every_preset_runs_in_llama_cpp(monkeypatch, quantization):
    monkeypatch.chdir(ROOT)
    result = run_cli("estimate", "--config", "Llama-3.1-8B", "--quantization", quantization, "--context", "4096",
                     "--framework", "llama.cpp", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["quantization"] == quantization.lower() and report["weights_gib"] > 0


def test_iq3_m_tensor_counts_match_a_real_file():
    """Llama-3.2-1B-Instruct IQ3_M (an imatrix file), as llama.cpp's loader lists it (ggml-org/llama.cpp issue
    #10052): "type f32: 34 / type q4_K: 34 / type q6_K: 1 / type iq3_s: 78" (16 layers; tied embeddings, so
    token_embd takes the output's Q6_K)."""
    from generator.families.model_config import architecture_from_config
    arch = architecture_from_config({
        "architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "num_hidden_layers": 16,
        "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 8192, "vocab_size": 128256,
        "tie_word_embeddings": True, "max_position_embeddings": 131072})
    assert _counts(arch, "iq3_m") == {"q4_k": 34, "q6_k": 1, "iq3_s": 78}


def test_mla_k_b_and_v_b_take_the_default_with_the_row_fallback():
    """Since PR #12801 convert_hf_to_gguf.py writes attn_k_b (rows of qk_nope_head_dim = 128) and attn_v_b (rows
    of kv_lora_rank = 512) instead of attn_kv_b; llama-quant.cpp has no rule for them, so Q4_K_M gives them Q4_K,
    and attn_k_b's 128-long rows, which do not fill a 256-block, fall back to Q5_0 (tensor_type_fallback)."""
    arch = load_catalogue(os.path.join(ROOT, "content")).models["DeepSeek-V2-Lite"].require_architecture()
    rows = gguf_mix.tensor_types(arch, "q4_k_m")
    # Per layer, the "other" (no-rule) attention tensors: attn_kv_a_mqa (rows 2048), attn_k_b, attn_v_b.
    for layer in range(arch.layers):
        others = [t for i, cat, t, _ in rows if i == layer and cat == "other"]
        assert others == ["q4_k", "q5_0", "q4_k"], layer
