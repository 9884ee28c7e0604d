"""llama-quantize's per-tensor type rules, rule by rule (generator/calc/gguf_mix.py), for issue 23's mutation run.

Every expected type is read off ggml-org/llama.cpp src/llama-quant.cpp (at 007dbbf3, the commit gguf_mix.py names),
function ``llama_tensor_get_type_impl``; each table row quotes the C++ condition it comes from. ``default`` is
``llama_ftype_get_default_type`` of the preset (LLAMA_FTYPE_MOSTLY_Q4_K_M -> GGML_TYPE_Q4_K, IQ3_M/IQ3_XS -> IQ3_S,
Q2_K_S -> Q2_K ...). ``use_more_bits(i, n)`` is ``i < n/8 || i >= 7*n/8 || (i - n/8) % 3 == 2`` (C++ integer
division); the layer counts below are picked so that n/8 and n/16 are not whole (42: n/8 = 5, 7n/8 = 36, 42/9 = 4;
33: n/16 = 2, 33/17 = 1), which tells ``<`` from ``<=``, ``//`` from ``/`` and a wrong divisor apart.
Sizes: ggml-common.h block structs (q4_k: 144 bytes per 256, q5_0: 22 per 32, q8_0: 34 per 32).
"""

from __future__ import annotations

import pytest

from generator.calc import gguf_mix as g
from generator.calc.architecture import Architecture, param_breakdown

# llama_ftype_get_default_type (src/llama-quant.cpp): the preset's default tensor type.
DEFAULT = {"q2_k": "q2_k", "q2_k_s": "q2_k", "q3_k_s": "q3_k", "q3_k_m": "q3_k", "q3_k_l": "q3_k",
           "q4_k_s": "q4_k", "q4_k_m": "q4_k", "q5_k_s": "q5_k", "q5_k_m": "q5_k", "q6_k": "q6_k", "q8_0": "q8_0",
           "q4_0": "q4_0", "q5_0": "q5_0", "iq3_xxs": "iq3_xxs", "iq3_xs": "iq3_s", "iq3_s": "iq3_s",
           "iq3_m": "iq3_s", "iq4_nl": "iq4_nl", "iq4_xs": "iq4_xs", "iq2_xxs": "iq2_xxs"}


def ctx(mix, n=42, gqa=1.0, n_expert=0, is_70b=False, falcon=False, imatrix=False):
    return g.MixContext(mix, n, gqa, n_expert, is_70b, falcon, imatrix)


# (mix, n_layer, i_layer, extra context, expected) for FFN_DOWN, each from the C++ branch quoted.
FFN_DOWN = [
    # if (ftype == Q2_K_S) { if (i_layer < n_layer/8) new_type = Q4_K; }
    ("q2_k_s", 42, 4, {}, "q4_k"), ("q2_k_s", 42, 5, {}, "q2_k"),
    # else if (ftype == IQ3_XXS && !qs.has_imatrix) new_type = i_layer < n_layer/8 ? Q4_K : Q3_K;
    ("iq3_xxs", 42, 4, {}, "q4_k"), ("iq3_xxs", 42, 5, {}, "q3_k"),
    # ... with an imatrix no FFN_DOWN branch matches IQ3_XXS: the default stays.
    ("iq3_xxs", 42, 0, {"imatrix": True}, "iq3_xxs"), ("iq3_xxs", 42, 20, {"imatrix": True}, "iq3_xxs"),
    # Q3_K_M: i_layer < n_layer/16 ? Q5_K : arch != FALCON || use_more_bits(i_layer, n_layer) ? Q4_K : Q3_K
    ("q3_k_m", 33, 1, {}, "q5_k"), ("q3_k_m", 33, 2, {}, "q4_k"), ("q3_k_m", 42, 6, {}, "q4_k"),
    ("q3_k_m", 42, 6, {"falcon": True}, "q3_k"),          # (6 - 5) % 3 == 1: not more bits
    ("q3_k_m", 42, 7, {"falcon": True}, "q4_k"),          # (7 - 5) % 3 == 2: more bits
    # IQ3_M && (i_layer < n_layer/8 || (n_expert == 8 && use_more_bits(i_layer, n_layer))) -> Q4_K
    ("iq3_m", 42, 4, {}, "q4_k"), ("iq3_m", 42, 5, {}, "iq3_s"), ("iq3_m", 42, 7, {}, "iq3_s"),
    ("iq3_m", 42, 7, {"n_expert": 8}, "q4_k"), ("iq3_m", 42, 6, {"n_expert": 8}, "iq3_s"),
    # Q3_K_L: arch == FALCON ? Q4_K : Q5_K
    ("q3_k_l", 42, 20, {}, "q5_k"), ("q3_k_l", 42, 20, {"falcon": True}, "q4_k"),
    # Q4_K_M, FALCON: i_layer < n_layer/16 ? Q6_K : use_more_bits(i_layer, n_layer) ? Q5_K : Q4_K
    # (n = 33: n/8 = 4, 7n/8 = 28; i = 2 < 4 more bits, i = 5: (5-4)%3 = 1 no, i = 6: (6-4)%3 = 2 yes)
    ("q4_k_m", 33, 1, {"falcon": True}, "q6_k"), ("q4_k_m", 33, 2, {"falcon": True}, "q5_k"),
    ("q4_k_m", 33, 5, {"falcon": True}, "q4_k"), ("q4_k_m", 33, 6, {"falcon": True}, "q5_k"),
    # Q4_K_M otherwise: if (use_more_bits(i_layer, n_layer)) new_type = Q6_K;
    ("q4_k_m", 42, 7, {}, "q6_k"), ("q4_k_m", 42, 6, {}, "q4_k"), ("q4_k_m", 42, 36, {}, "q6_k"),
    # i_layer < n_layer/8 && (IQ4_NL || IQ4_XS) && !qs.has_imatrix -> Q5_K
    ("iq4_nl", 42, 4, {}, "q5_k"), ("iq4_nl", 42, 5, {}, "iq4_nl"), ("iq4_xs", 42, 4, {}, "q5_k"),
    ("iq4_xs", 42, 5, {}, "iq4_xs"), ("iq4_nl", 42, 0, {"imatrix": True}, "iq4_nl"),
    ("iq4_xs", 42, 0, {"imatrix": True}, "iq4_xs"),
    # Q5_K_M && use_more_bits(i_layer, n_layer) -> Q6_K
    ("q5_k_m", 42, 7, {}, "q6_k"), ("q5_k_m", 42, 6, {}, "q5_k"),
    # Q4_K_S && arch != FALCON && i_layer < n_layer/8 -> Q5_K
    ("q4_k_s", 42, 4, {}, "q5_k"), ("q4_k_s", 42, 5, {}, "q4_k"), ("q4_k_s", 42, 0, {"falcon": True}, "q4_k"),
    # (Q4_0 || Q5_0) && qs.has_imatrix && i_layer < n_layer/8 -> Q4_0 ? Q4_1 : Q5_1
    ("q4_0", 42, 4, {"imatrix": True}, "q4_1"), ("q5_0", 42, 4, {"imatrix": True}, "q5_1"),
    ("q4_0", 42, 5, {"imatrix": True}, "q4_0"), ("q5_0", 42, 5, {"imatrix": True}, "q5_0"),
    ("q4_0", 42, 0, {}, "q4_0"),
    # no FFN_DOWN branch names Q8_0, Q6_K or Q5_K_S: the default stays, imatrix or not.
    ("q8_0", 42, 0, {"imatrix": True}, "q8_0"), ("q6_k", 42, 0, {"imatrix": True}, "q6_k"),
    ("q5_k_s", 42, 0, {"imatrix": True}, "q5_k"),
    # if (ftype == Q2_K) new_type = Q3_K;
    ("q2_k", 42, 20, {}, "q3_k"),
]


@pytest.mark.parametrize("mix,n,i,extra,expected", FFN_DOWN)
def test_ffn_down_rules(mix, n, i, extra, expected):
    assert g._ffn_down_type(ctx(mix, n, **extra), i, DEFAULT[mix]) == expected


# ATTENTION_V (category_is_attn_v), the branch for every mix but the 1-2 bit i-quants: (mix, i, context, expected).
ATTN_V = [
    # Q2_K: n_gqa() >= 4 ? Q4_K : Q3_K
    ("q2_k", 0, {"gqa": 1}, "q3_k"), ("q2_k", 0, {"gqa": 4}, "q4_k"),
    # Q2_K_S && n_gqa() >= 4 -> Q4_K
    ("q2_k_s", 0, {"gqa": 4}, "q4_k"), ("q2_k_s", 0, {"gqa": 2}, "q2_k"),
    # IQ3_XXS: n_gqa() >= 4 ? Q4_K : !qs.has_imatrix ? IQ3_S : IQ3_XXS
    ("iq3_xxs", 0, {"gqa": 4}, "q4_k"), ("iq3_xxs", 0, {"gqa": 4, "imatrix": True}, "q4_k"),
    ("iq3_xxs", 0, {"gqa": 2}, "iq3_s"), ("iq3_xxs", 0, {"gqa": 2, "imatrix": True}, "iq3_xxs"),
    # (IQ3_XS || IQ3_S) && n_gqa() >= 4 -> Q4_K
    ("iq3_xs", 0, {"gqa": 4}, "q4_k"), ("iq3_s", 0, {"gqa": 4}, "q4_k"), ("iq3_s", 0, {"gqa": 2}, "iq3_s"),
    # IQ3_M -> Q4_K
    ("iq3_m", 9, {"gqa": 1}, "q4_k"),
    # Q3_K_M: qs.i_attention_wv < 2 ? Q5_K : Q4_K
    ("q3_k_m", 1, {}, "q5_k"), ("q3_k_m", 2, {}, "q4_k"),
    # Q3_K_L -> Q5_K
    ("q3_k_l", 9, {}, "q5_k"),
    # (IQ4_NL || IQ4_XS) && n_gqa() >= 4 -> Q5_K
    ("iq4_nl", 0, {"gqa": 4}, "q5_k"), ("iq4_xs", 0, {"gqa": 4}, "q5_k"), ("iq4_xs", 0, {"gqa": 2}, "iq4_xs"),
    # (Q4_K_M || Q5_K_M) && use_more_bits(i_attention_wv, n_attention_wv) -> Q6_K  (n = 42: 7 yes, 6 no)
    ("q4_k_m", 7, {}, "q6_k"), ("q5_k_m", 7, {}, "q6_k"), ("q5_k_m", 6, {}, "q5_k"),
    # Q4_K_S && qs.i_attention_wv < 4 -> Q5_K
    ("q4_k_s", 3, {}, "q5_k"), ("q4_k_s", 4, {}, "q4_k"),
    # no branch for Q6_K / Q5_K_S, first layers included
    ("q6_k", 0, {}, "q6_k"), ("q5_k_s", 0, {}, "q5_k"),
    # LLM_TYPE_70B: if (new_type == Q3_K || new_type == Q4_K) new_type = Q5_K;
    ("q3_k_s", 9, {"is_70b": True}, "q5_k"), ("q4_k_s", 9, {"is_70b": True}, "q5_k"),
    ("q6_k", 9, {"is_70b": True}, "q6_k"),
    # if (qs.model.hparams.n_expert == 8) new_type = Q8_0;
    ("q4_k_m", 0, {"n_expert": 8}, "q8_0"), ("q4_k_m", 0, {"n_expert": 9}, "q6_k"),
]


@pytest.mark.parametrize("mix,i,extra,expected", ATTN_V)
def test_attn_v_rules(mix, i, extra, expected):
    assert g._attn_v_type(ctx(mix, **extra), i, DEFAULT[mix]) == expected


# ATTENTION_OUTPUT: (mix, context, expected)
ATTN_O = [
    # arch == FALCON: if (ftype == Q3_K_L) new_type = Q4_K;  (nothing else)
    ("q3_k_l", {"falcon": True}, "q4_k"), ("q3_k_m", {"falcon": True}, "q3_k"),
    # n_expert == 8: Q2_K, IQ3_XS, ..., Q4_K_M, ... -> Q5_K
    ("q4_k_m", {"n_expert": 8}, "q5_k"), ("q2_k", {"n_expert": 8}, "q5_k"), ("q6_k", {"n_expert": 8}, "q6_k"),
    ("q4_k_m", {"n_expert": 9}, "q4_k"),
    # otherwise Q2_K -> Q3_K, IQ3_XXS -> IQ3_S, Q3_K_M -> Q4_K, Q3_K_L -> Q5_K, IQ3_M -> Q4_K
    ("q2_k", {}, "q3_k"), ("q3_k_l", {}, "q5_k"), ("q6_k", {}, "q6_k"),
]


@pytest.mark.parametrize("mix,extra,expected", ATTN_O)
def test_attn_output_rules(mix, extra, expected):
    assert g._attn_output_type(ctx(mix, **extra), DEFAULT[mix]) == expected


# _matrix_type: the dispatch by category; (mix, category, i, context, expected); n = 42, rows of 4096.
MATRIX = [
    # 1-2 bit i-quants, category_is_attn_v: n_gqa() >= 4 || n_expert >= 4 ? Q4_K : (IQ2_S/IQ2_M ? IQ3_S : Q2_K)
    ("iq2_xxs", "v", 0, {}, "q2_k"),
    # ATTENTION_K: n_expert == 8 -> Q8_0; else IQ3_XS -> IQ3_XXS; IQ3_XXS -> IQ2_S
    ("q4_k_m", "k", 0, {"n_expert": 8}, "q8_0"), ("q4_k_m", "k", 0, {"n_expert": 9}, "q4_k"),
    ("iq3_xs", "k", 0, {}, "iq3_xxs"), ("iq3_xxs", "k", 0, {"imatrix": True}, "iq2_s"),
    # ATTENTION_Q: IQ3_XS -> IQ3_XXS; IQ3_XXS -> IQ2_S
    ("iq3_xs", "q", 0, {}, "iq3_xxs"), ("iq3_xxs", "q", 0, {"imatrix": True}, "iq2_s"),
    ("q4_k_m", "q", 0, {}, "q4_k"),
    # FFN_GATE / FFN_UP: IQ3_XS && i_layer >= n_layer/8 && i_layer < 7*n_layer/8 -> IQ3_XXS  (42: 5 .. 35)
    ("iq3_xs", "gate", 4, {}, "iq3_s"), ("iq3_xs", "gate", 5, {}, "iq3_xxs"), ("iq3_xs", "gate", 20, {}, "iq3_xxs"),
    ("iq3_xs", "gate", 33, {}, "iq3_xxs"), ("iq3_xs", "gate", 35, {}, "iq3_xxs"), ("iq3_xs", "gate", 36, {}, "iq3_s"),
    ("iq3_xs", "up", 4, {}, "iq3_s"), ("iq3_xs", "up", 5, {}, "iq3_xxs"), ("iq3_xs", "up", 35, {}, "iq3_xxs"),
    ("iq3_xs", "up", 36, {}, "iq3_s"), ("q4_k_m", "up", 20, {}, "q4_k"),
    # OTHER (no branch): the default
    ("iq3_xs", "other", 20, {}, "iq3_s"),
]


@pytest.mark.parametrize("mix,category,i,extra,expected", MATRIX)
def test_matrix_type_dispatch(mix, category, i, extra, expected):
    assert g._matrix_type(ctx(mix, **extra), category, i, 4096, False, 10 ** 6) == expected


def test_token_embd_untied_low_iq():
    # TOKEN_EMBD (untied): IQ2_XXS || IQ2_XS || IQ1_S || IQ1_M -> Q2_K (4096-long rows fill 256-blocks)
    assert g.token_embd_type(ctx("iq2_xxs"), 4096, False) == "q2_k"


# ---- layouts: which matrices a layer has, with GGUF's shapes (ne[0] is the input width). A Llama-3-8B quantize log
# (ggml-org/llama.cpp PR #6745): "blk.17.attn_k.weight - [ 4096, 1024, 1, 1]", "blk.17.attn_q.weight - [ 4096,
# 4096, ...]", "blk.18.ffn_down.weight - [14336, 4096, 1, 1]", "blk.18.ffn_gate.weight - [ 4096, 14336, ...]".

LLAMA3_8B = dict(family="llama", hidden_size=4096, layers=32, heads=32, kv_heads=8, head_dim=128,
                 intermediate_size=14336, vocab_size=128256)


def test_dense_layer_matrices_llama3_8b():
    got = g._layer_matrices(Architecture(**LLAMA3_8B), 0)
    assert got == [("q", 4096, 4096 * 4096, False), ("k", 4096, 4096 * 1024, False), ("v", 4096, 4096 * 1024, False),
                   ("o", 4096, 4096 * 4096, False), ("down", 14336, 14336 * 4096, False),
                   ("gate", 4096, 4096 * 14336, False), ("up", 4096, 4096 * 14336, False)]


def test_plain_mlp_has_no_gate():
    # GPT-2/OPT/Falcon-style MLP: ffn_up and ffn_down only.
    got = g._layer_matrices(Architecture(**LLAMA3_8B, mlp_gated=False), 0)
    assert [c for c, *_ in got] == ["q", "k", "v", "o", "down", "up"]


# Qwen1.5-MoE-A2.7B (config.json: hidden 2048, 16 heads of 128, 60 experts of 1408, shared expert 5632): GGUF's
# blk.N.ffn_{down,gate,up}_exps are 3-D [in, out, 60]; ffn_{down,gate,up}_shexp 2-D.
QWEN_MOE = dict(family="qwen2_moe", hidden_size=2048, layers=24, heads=16, kv_heads=16, head_dim=128,
                intermediate_size=5632, vocab_size=151936, num_experts=60, moe_intermediate_size=1408,
                shared_expert_intermediate_size=5632)


def test_moe_layer_with_shared_expert():
    got = g._layer_matrices(Architecture(**QWEN_MOE), 0)[4:]
    assert got == [("down", 1408, 60 * 1408 * 2048, True), ("down", 5632, 5632 * 2048, False),
                   ("gate", 2048, 60 * 2048 * 1408, True), ("gate", 2048, 2048 * 5632, False),
                   ("up", 2048, 60 * 2048 * 1408, True), ("up", 2048, 2048 * 5632, False)]


def test_moe_layer_plain_experts_with_shared():
    # experts and shared expert without a gate matrix: ffn_down and ffn_up of each
    got = g._layer_matrices(Architecture(**QWEN_MOE, mlp_gated=False), 0)[4:]
    assert [(c, three_d) for c, _, _, three_d in got] == [("down", True), ("down", False), ("up", True), ("up", False)]


def test_moe_layer_without_shared_expert():
    # Mixtral-8x7B: ffn_{down,gate,up}_exps only
    arch = Architecture(family="mixtral", hidden_size=4096, layers=32, heads=32, kv_heads=8, head_dim=128,
                        intermediate_size=14336, vocab_size=32000, num_experts=8, moe_intermediate_size=14336)
    got = g._layer_matrices(arch, 0)[4:]
    assert got == [("down", 14336, 8 * 14336 * 4096, True), ("gate", 4096, 8 * 4096 * 14336, True),
                   ("up", 4096, 8 * 4096 * 14336, True)]


def test_mla_attention_element_counts():
    # DeepSeek-V2-Lite (config.json: hidden 2048, 16 heads, kv_lora_rank 512, no q_lora, qk_nope 128, qk_rope 64,
    # v_head 128): attn_q [2048, 16*192], attn_kv_a_mqa [2048, 512+64], attn_k_b [128, 512, 16],
    # attn_v_b [512, 128, 16], attn_output [16*128, 2048].
    arch = Architecture(family="deepseek_v2", hidden_size=2048, layers=27, heads=16, kv_heads=16, head_dim=192,
                        intermediate_size=10944, vocab_size=102400, kv_lora_rank=512, qk_nope_head_dim=128,
                        qk_rope_head_dim=64, v_head_dim=128)
    got = g._layer_matrices(arch, 0)[:5]
    assert [(row, count) for _, row, count, _ in got] == [
        (2048, 2048 * 16 * 192), (2048, 2048 * 576), (128, 128 * 512 * 16), (512, 512 * 128 * 16),
        (16 * 128, 16 * 128 * 2048)]


def _moe_layers(**kw):
    arch = Architecture(**{**QWEN_MOE, "layers": 9, **kw})
    return [i for i in range(arch.layers) if g.is_moe_layer(arch, i)]


def test_moe_layer_positions():
    # transformers Qwen2MoeDecoderLayer: MoE when (layer_idx + 1) % decoder_sparse_step == 0
    assert _moe_layers(moe_layer_step=3) == [2, 5, 8]
    assert _moe_layers(moe_layer_step=1) == list(range(9))
    # transformers DeepseekV2DecoderLayer: MoE when layer_idx >= first_k_dense_replace and
    # layer_idx % moe_layer_freq == 0
    assert _moe_layers(first_k_dense_replace=1) == list(range(1, 9))
    assert _moe_layers(first_k_dense_replace=1, moe_layer_step=3) == [3, 6]


def test_is_70b_class_dense_80_layers():
    # llama-model.cpp load_hparams (LLM_ARCH_LLAMA): case 80: type = LLM_TYPE_70B
    assert g.is_70b_class(Architecture(**{**LLAMA3_8B, "layers": 80, "hidden_size": 8192}))


# mix_context: (config facts, mix) -> MixContext(mix, n_layer, n_gqa = n_head / n_head_kv, n_expert, 70B, Falcon,
# imatrix); imatrix for the presets tensor_requires_imatrix refuses without one (Q2_K_S, IQ3_XXS, ...).
MIX_CONTEXT = [
    (dict(family="mixtral", hidden_size=4096, layers=32, heads=32, kv_heads=8, head_dim=128,
          intermediate_size=14336, vocab_size=32000, num_experts=8, moe_intermediate_size=14336), "q4_k_m",
     g.MixContext("q4_k_m", 32, 4.0, 8, False, False, False)),
    (dict(**{**LLAMA3_8B, "layers": 80, "hidden_size": 8192, "heads": 64}), "q2_k_s",
     g.MixContext("q2_k_s", 80, 8.0, 0, True, False, True)),
    # Falcon-7B (config.json: 71 heads, multi-query: one K/V head; model_type "falcon"); LLM_ARCH_FALCON
    (dict(family="falcon", hidden_size=4544, layers=32, heads=71, kv_heads=1, head_dim=64, intermediate_size=18176,
          vocab_size=65024, model_type="falcon"), "q3_k_m", g.MixContext("q3_k_m", 32, 71.0, 0, False, True, False)),
    (dict(family="falcon", hidden_size=4544, layers=32, heads=71, kv_heads=1, head_dim=64, intermediate_size=18176,
          vocab_size=65024, architectures=("FalconForCausalLM",)), "q3_k_m",
     g.MixContext("q3_k_m", 32, 71.0, 0, False, True, False)),
]


@pytest.mark.parametrize("config,mix,expected", MIX_CONTEXT)
def test_mix_context(config, mix, expected):
    assert g.mix_context(Architecture(**config), mix) == expected


def test_tensor_types_low_iq_down_counter():
    # IQ2_XXS, FFN_DOWN: if (qs.i_ffn_down < qs.n_ffn_down/8) new_type = Q2_K; ++qs.i_ffn_down;  a dense 16-layer
    # model has 16 ffn_down tensors: the first 16/8 = 2 are Q2_K, the rest keep IQ2_XXS.
    arch = Architecture(**{**LLAMA3_8B, "layers": 16})
    down = [t for layer, c, t, _ in g.tensor_types(arch, "iq2_xxs") if c == "down"]
    assert down == ["q2_k", "q2_k"] + ["iq2_xxs"] * 14


def test_tensor_types_output_row_and_unknown_mix():
    rows = g.tensor_types(Architecture(**LLAMA3_8B), "q4_k_m")
    # OUTPUT: new_type != Q8_0 -> Q6_K
    assert rows[-1] == (None, "output", "q6_k", 128256 * 4096)
    with pytest.raises(KeyError, match="q9_k"):
        g.tensor_types(Architecture(**LLAMA3_8B), "q9_k")


def test_tied_output_bytes():
    # Llama-3.2-1B ties output to token_embd (hidden 2048, vocab 128256): the output rule gives Q6_K (210 bytes per
    # 256 weights) and that is the head the file's output_bytes holds.
    arch = Architecture(**{**LLAMA3_8B, "hidden_size": 2048, "layers": 16, "tie_word_embeddings": True})
    assert g.gguf_layout(arch, "q4_k_m").output_bytes == 128256 * 2048 / 256 * 210


# ---- layers that differ from one another (_uneven_layers): an f32 GGUF holds 4 bytes per parameter, every one
# of param_breakdown's (no vision tower in the GGUF), the final norm once.
SMALL = dict(family="t", hidden_size=320, layers=4, heads=4, kv_heads=2, head_dim=80, intermediate_size=640,
             vocab_size=1000)
UNEVEN = [dict(layer_kinds="SASA"), dict(mixer_shapes=((96, 320, 2),)), dict(attention_shapes_given=True),
          dict(layer_kinds="SASA", mixer_shapes=((96, 320, 2),), extra_params=5000, qkv_bias=True, num_experts=4,
               moe_intermediate_size=64)]


@pytest.mark.parametrize("extra", UNEVEN)
def test_uneven_f32_file_is_four_bytes_a_parameter(extra):
    arch = Architecture(**SMALL, **extra)
    assert g.gguf_layout(arch, "f32").total == pytest.approx(4 * param_breakdown(arch).total, abs=1e-6)


def test_uneven_q4_k_falls_back_by_row():
    # Q4_K_S (default Q4_K: 144 bytes per 256) where the input width fills 256-blocks; tensor_type_fallback: Q4_K -> Q5_0 (22 bytes
    # per 32) where it does not (320 and 96 here); extra_params at the default type by hidden_size (320: Q5_0);
    # norms, biases and routers f32. Per layer: the sum over the layers, evenly spread.
    arch = Architecture(**SMALL, **UNEVEN[3])
    b = param_breakdown(arch)
    def q4k(row, n):
        return n / 256 * 144 if row % 256 == 0 else n / 32 * 22
    matrices = sum(q4k(i, i * o * c) for i, o, c in b.linear_shapes)
    rest = (b.norms - 5000 - 320 + b.attention_bias + b.router) * 4      # less the final norm (output_norm)
    expected = (matrices + 5000 / 32 * 22 + rest) / 4
    assert g._uneven_layers(arch, g.mix_context(arch, "q4_k_s")) == pytest.approx([expected] * 4, abs=1e-6)
    assert b.attention_bias and b.router
