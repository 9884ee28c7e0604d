"""generator/calc/gguf_mix.py rule by rule: llama.cpp's per-tensor type choice, checked one row at a time (the survivors
of benchmarks/mutation.py, scope calc.gguf_mix: the files of the catalogue never reach most of these branches).

Every expected type comes from outside the code under test:
* src/llama-quant.cpp of ggml-org/llama.cpp at 007dbbf3 (the commit gguf_mix.py cites): ``llama_tensor_get_type_impl``
  (each table row quotes the C++ line it comes from), ``tensor_type_fallback`` (run after it on every quantized tensor
  by ``llama_tensor_get_type``) and ``init_quantize_state_counters`` (``n_ffn_down = n_layer_all``);
* the tensor shapes of src/models/deepseek2.cpp and llama-model.cpp's ``create_tensor`` calls (ne[0], the row
  length, first), quoted where used;
* a real file's tensor counts (ollama/ollama issue #9031, a Qwen2.5-0.5B Q4_K_M file as llama.cpp's loader lists it).
Integer divisions are C++'s (``n_layer/8`` with n_layer = 36 is 4).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from generator.calc import gguf_mix
from generator.calc.architecture import Architecture

ROW = 4096  # a row length that fills every block size (256 | 4096), so tensor_type_fallback leaves the type alone


def _ctx(mix, n_layer=32, gqa=1.0, n_expert=0, is_70b=False, falcon=False, imatrix=False):
    return gguf_mix.MixContext(mix, n_layer, gqa, n_expert, is_70b, falcon, imatrix)


def _pick(mix, category, i=0, down=None, row=ROW, expert=False, **ctx):
    """The type of one matrix of layer i; ``down``: the ffn_down tensors before it (default: one per layer)."""
    return gguf_mix._matrix_type(_ctx(mix, **ctx), category, i, row, expert, i if down is None else down)


# --- the 1- and 2-bit i-quant mixes (IQ2_XXS, IQ2_XS, IQ1_S, IQ2_S, IQ2_M, IQ1_M): their own branch -------------------
# "if (category_is_attn_v(category)) { if (qs.model.hparams.n_gqa() >= 4 || qs.model.hparams.n_expert >= 4)
#  new_type = GGML_TYPE_Q4_K; else new_type = ftype == LLAMA_FTYPE_MOSTLY_IQ2_S || ftype == LLAMA_FTYPE_MOSTLY_IQ2_M ?
#  GGML_TYPE_IQ3_S : GGML_TYPE_Q2_K;"
LOW_IQ_V = [
    ("iq2_xxs", dict(gqa=4), "q4_k"),                 # n_gqa() >= 4 at 4
    ("iq2_xxs", dict(gqa=8), "q4_k"),
    ("iq2_xxs", dict(gqa=3), "q2_k"),
    ("iq2_xxs", dict(gqa=1, n_expert=4), "q4_k"),     # n_expert >= 4 at 4
    ("iq2_xs", dict(gqa=2, n_expert=3), "q2_k"),
    ("iq1_s", dict(gqa=1), "q2_k"),
    ("iq1_m", dict(gqa=1), "q2_k"),
    ("iq2_s", dict(gqa=1), "iq3_s"),
    ("iq2_m", dict(gqa=1), "iq3_s"),
    ("iq2_m", dict(gqa=1, n_expert=64), "q4_k"),
    ("iq2_s", dict(gqa=4), "q4_k"),
]


@pytest.mark.parametrize("mix, ctx, expected", LOW_IQ_V)
def test_low_iq_attn_v(mix, ctx, expected):
    assert _pick(mix, "v", **ctx) == expected


# "else if (qs.model.hparams.n_expert == 8 && category == tensor_category::ATTENTION_K) { new_type = GGML_TYPE_Q4_K; }"
# and no rule for attn_q, ffn_gate, ffn_up (the default type: llama_ftype_get_default_type, "case
# LLAMA_FTYPE_MOSTLY_IQ2_S: return GGML_TYPE_IQ2_XS; case LLAMA_FTYPE_MOSTLY_IQ2_M: return GGML_TYPE_IQ2_S;").
LOW_IQ_K_AND_OTHERS = [
    ("iq2_xxs", "k", dict(n_expert=8), "q4_k"),
    ("iq2_m", "k", dict(n_expert=8), "q4_k"),
    ("iq2_xxs", "k", dict(n_expert=0), "iq2_xxs"),
    ("iq2_xxs", "k", dict(n_expert=16), "iq2_xxs"),
    ("iq2_m", "k", dict(), "iq2_s"),
    ("iq2_xxs", "q", dict(n_expert=8), "iq2_xxs"),    # the eight-expert rule is attn_k's only
    ("iq2_m", "q", dict(), "iq2_s"),
    ("iq2_s", "gate", dict(n_expert=8), "iq2_xs"),
    ("iq1_s", "up", dict(), "iq1_s"),
    ("iq1_m", "other", dict(n_expert=8), "iq1_m"),
]


@pytest.mark.parametrize("mix, category, ctx, expected", LOW_IQ_K_AND_OTHERS)
def test_low_iq_attn_k_and_the_rest(mix, category, ctx, expected):
    assert _pick(mix, category, **ctx) == expected


# "else if (category == tensor_category::FFN_DOWN) { if (qs.i_ffn_down < qs.n_ffn_down/8) { new_type = ftype ==
#  LLAMA_FTYPE_MOSTLY_IQ2_S || ftype == LLAMA_FTYPE_MOSTLY_IQ2_M ? GGML_TYPE_IQ3_S : GGML_TYPE_Q2_K; } ++qs.i_ffn_down;"
# with n_ffn_down = n_layer_all: 32/8 = 4, 36/8 = 4 (C++ integer division).
LOW_IQ_DOWN = [
    ("iq2_xxs", 32, 3, "q2_k"),
    ("iq2_xxs", 32, 4, "iq2_xxs"),
    ("iq2_xs", 36, 3, "q2_k"),
    ("iq2_xs", 36, 4, "iq2_xs"),
    ("iq1_m", 32, 0, "q2_k"),
    ("iq2_s", 32, 0, "iq3_s"),
    ("iq2_m", 32, 3, "iq3_s"),
    ("iq2_m", 32, 4, "iq2_s"),
]


@pytest.mark.parametrize("mix, n_layer, counter, expected", LOW_IQ_DOWN)
def test_low_iq_ffn_down_by_the_tensor_counter(mix, n_layer, counter, expected):
    # The counter, not the layer: layer 20 here, but only `counter` ffn_down tensors came before it.
    assert _pick(mix, "down", i=20, down=counter, n_layer=n_layer) == expected


# "else if (category == tensor_category::ATTENTION_OUTPUT) { if (qs.model.hparams.n_expert == 8) { new_type =
#  GGML_TYPE_Q5_K; } else { if (ftype == LLAMA_FTYPE_MOSTLY_IQ1_S || ftype == LLAMA_FTYPE_MOSTLY_IQ1_M) new_type =
#  GGML_TYPE_IQ2_XXS; else if (ftype == LLAMA_FTYPE_MOSTLY_IQ2_S || ftype == LLAMA_FTYPE_MOSTLY_IQ2_M) new_type =
#  GGML_TYPE_IQ3_S; } }"
LOW_IQ_O = [
    ("iq2_xxs", 8, "q5_k"),
    ("iq1_s", 8, "q5_k"),
    ("iq1_s", 0, "iq2_xxs"),
    ("iq1_m", 0, "iq2_xxs"),
    ("iq1_m", 16, "iq2_xxs"),
    ("iq2_s", 0, "iq3_s"),
    ("iq2_m", 0, "iq3_s"),
    ("iq2_xxs", 0, "iq2_xxs"),
    ("iq2_xs", 0, "iq2_xs"),
]


@pytest.mark.parametrize("mix, n_expert, expected", LOW_IQ_O)
def test_low_iq_attn_output(mix, n_expert, expected):
    assert _pick(mix, "o", n_expert=n_expert) == expected


# --- attn_v of the other mixes -----------------------------------------------------------------------------------------
# "} else if (category_is_attn_v(category)) {" ... then "if (qs.model.type == LLM_TYPE_70B) { ... if (new_type ==
# GGML_TYPE_Q3_K || new_type == GGML_TYPE_Q4_K) new_type = GGML_TYPE_Q5_K; }" and "if (qs.model.hparams.n_expert == 8)
# { ... new_type = GGML_TYPE_Q8_0; }". The layer stands for qs.i_attention_wv (one attn_v per layer); n_layer 32.
ATTN_V = [
    # "if (ftype == LLAMA_FTYPE_MOSTLY_Q2_K) { new_type = qs.model.hparams.n_gqa() >= 4 ? GGML_TYPE_Q4_K : GGML_TYPE_Q3_K;"
    ("q2_k", 0, dict(gqa=4), "q4_k"),
    ("q2_k", 0, dict(gqa=3), "q3_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q2_K_S && qs.model.hparams.n_gqa() >= 4) { new_type = GGML_TYPE_Q4_K;"
    ("q2_k_s", 0, dict(gqa=4), "q4_k"),
    ("q2_k_s", 0, dict(gqa=3), "q2_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_XXS) { new_type = qs.model.hparams.n_gqa() >= 4 ? GGML_TYPE_Q4_K :
    #  !qs.has_imatrix ? GGML_TYPE_IQ3_S : GGML_TYPE_IQ3_XXS;"
    ("iq3_xxs", 0, dict(gqa=4, imatrix=True), "q4_k"),
    ("iq3_xxs", 0, dict(gqa=3, imatrix=True), "iq3_xxs"),
    ("iq3_xxs", 0, dict(gqa=3, imatrix=False), "iq3_s"),
    # "else if ((ftype == LLAMA_FTYPE_MOSTLY_IQ3_XS || ftype == LLAMA_FTYPE_MOSTLY_IQ3_S) && n_gqa() >= 4) Q4_K"
    ("iq3_xs", 0, dict(gqa=4), "q4_k"),
    ("iq3_xs", 0, dict(gqa=3), "iq3_s"),
    ("iq3_s", 0, dict(gqa=4), "q4_k"),
    ("iq3_s", 0, dict(gqa=3), "iq3_s"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_M) { new_type = GGML_TYPE_Q4_K; }"
    ("iq3_m", 5, dict(gqa=1), "q4_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q3_K_M) { new_type = qs.i_attention_wv < 2 ? GGML_TYPE_Q5_K : GGML_TYPE_Q4_K;"
    ("q3_k_m", 0, dict(), "q5_k"),
    ("q3_k_m", 1, dict(), "q5_k"),
    ("q3_k_m", 2, dict(), "q4_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q3_K_L) new_type = GGML_TYPE_Q5_K;"
    ("q3_k_l", 10, dict(), "q5_k"),
    # "else if ((ftype == LLAMA_FTYPE_MOSTLY_IQ4_NL || ftype == LLAMA_FTYPE_MOSTLY_IQ4_XS) && n_gqa() >= 4) Q5_K"
    ("iq4_nl", 0, dict(gqa=4), "q5_k"),
    ("iq4_nl", 0, dict(gqa=3), "iq4_nl"),
    ("iq4_xs", 0, dict(gqa=4), "q5_k"),
    ("iq4_xs", 0, dict(gqa=3), "iq4_xs"),
    # "else if ((ftype == LLAMA_FTYPE_MOSTLY_Q4_K_M || ftype == LLAMA_FTYPE_MOSTLY_Q5_K_M) &&
    #  use_more_bits(qs.i_attention_wv, qs.n_attention_wv)) new_type = GGML_TYPE_Q6_K;" (32 layers: 0-3, 6, 9 ... more)
    ("q4_k_m", 0, dict(), "q6_k"),
    ("q4_k_m", 4, dict(), "q4_k"),
    ("q4_k_m", 6, dict(), "q6_k"),
    ("q5_k_m", 0, dict(), "q6_k"),
    ("q5_k_m", 4, dict(), "q5_k"),
    ("q5_k_m", 9, dict(), "q6_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q4_K_S && qs.i_attention_wv < 4) new_type = GGML_TYPE_Q5_K;"
    ("q4_k_s", 3, dict(), "q5_k"),
    ("q4_k_s", 4, dict(), "q4_k"),
    # no rule: the default
    ("q3_k_s", 0, dict(), "q3_k"),
    ("q5_k_s", 0, dict(), "q5_k"),
    ("q6_k", 0, dict(), "q6_k"),
    ("q8_0", 0, dict(), "q8_0"),
    ("q4_0", 0, dict(), "q4_0"),
    # LLM_TYPE_70B: Q3_K and Q4_K become Q5_K, nothing else
    ("q2_k", 0, dict(gqa=8, is_70b=True), "q5_k"),
    ("q2_k", 0, dict(gqa=1, is_70b=True), "q5_k"),
    ("q3_k_s", 0, dict(is_70b=True), "q5_k"),
    ("q4_k_s", 10, dict(is_70b=True), "q5_k"),
    ("q4_k_m", 4, dict(is_70b=True), "q5_k"),
    ("iq3_s", 0, dict(gqa=8, is_70b=True), "q5_k"),
    ("q4_k_m", 0, dict(is_70b=True), "q6_k"),
    ("q2_k_s", 0, dict(gqa=1, is_70b=True), "q2_k"),
    ("q4_0", 0, dict(is_70b=True), "q4_0"),
    # eight experts: Q8_0 whatever came before
    ("q4_k_m", 4, dict(n_expert=8), "q8_0"),
    ("q2_k", 0, dict(gqa=1, n_expert=8), "q8_0"),
    ("q4_k_m", 4, dict(n_expert=16), "q4_k"),
]


@pytest.mark.parametrize("mix, i, ctx, expected", ATTN_V)
def test_attn_v(mix, i, ctx, expected):
    assert _pick(mix, "v", i=i, **ctx) == expected


# "} else if (category == tensor_category::ATTENTION_K) { if (qs.model.hparams.n_expert == 8) { new_type =
#  GGML_TYPE_Q8_0; } else if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_XS) { new_type = GGML_TYPE_IQ3_XXS; } else if (ftype ==
#  LLAMA_FTYPE_MOSTLY_IQ3_XXS) { new_type = GGML_TYPE_IQ2_S; }"
# "} else if (category == tensor_category::ATTENTION_Q) { if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_XS) { new_type =
#  GGML_TYPE_IQ3_XXS; } else if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_XXS) { new_type = GGML_TYPE_IQ2_S; }"
ATTN_K_Q = [
    ("q4_k_m", "k", 8, "q8_0"),
    ("iq3_xs", "k", 8, "q8_0"),
    ("iq3_xs", "k", 0, "iq3_xxs"),
    ("iq3_xxs", "k", 0, "iq2_s"),
    ("q4_k_m", "k", 0, "q4_k"),
    ("iq3_xs", "q", 8, "iq3_xxs"),
    ("iq3_xxs", "q", 0, "iq2_s"),
    ("q4_k_m", "q", 8, "q4_k"),
]


@pytest.mark.parametrize("mix, category, n_expert, expected", ATTN_K_Q)
def test_attn_k_and_attn_q(mix, category, n_expert, expected):
    assert _pick(mix, category, n_expert=n_expert, imatrix=mix == "iq3_xxs") == expected


# "} else if (category == tensor_category::FFN_DOWN) {" with i_layer, n_layer from layer_info (n_layer 32: n/8 = 4,
# n/16 = 2; use_more_bits: 0-3, 6, 9, ..., 27, 28-31).
FFN_DOWN = [
    # "if (ftype == LLAMA_FTYPE_MOSTLY_Q2_K) new_type = GGML_TYPE_Q3_K;"
    ("q2_k", 20, dict(), "q3_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q2_K_S) { if (i_layer < n_layer/8) new_type = GGML_TYPE_Q4_K; }"
    ("q2_k_s", 3, dict(imatrix=True), "q4_k"),
    ("q2_k_s", 4, dict(imatrix=True), "q2_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_XXS && !qs.has_imatrix) { new_type = i_layer < n_layer/8 ?
    #  GGML_TYPE_Q4_K : GGML_TYPE_Q3_K; }"
    ("iq3_xxs", 3, dict(imatrix=False), "q4_k"),
    ("iq3_xxs", 4, dict(imatrix=False), "q3_k"),
    ("iq3_xxs", 3, dict(imatrix=True), "iq3_xxs"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q3_K_M) { new_type = i_layer < n_layer/16 ? GGML_TYPE_Q5_K : arch !=
    #  LLM_ARCH_FALCON || use_more_bits(i_layer, n_layer) ? GGML_TYPE_Q4_K : GGML_TYPE_Q3_K; }"
    ("q3_k_m", 1, dict(), "q5_k"),
    ("q3_k_m", 2, dict(), "q4_k"),
    ("q3_k_m", 4, dict(), "q4_k"),
    ("q3_k_m", 4, dict(falcon=True), "q3_k"),
    ("q3_k_m", 6, dict(falcon=True), "q4_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_M && (i_layer < n_layer/8 || (qs.model.hparams.n_expert == 8 &&
    #  use_more_bits(i_layer, n_layer)))) { new_type = GGML_TYPE_Q4_K; }"
    ("iq3_m", 3, dict(), "q4_k"),
    ("iq3_m", 4, dict(), "iq3_s"),
    ("iq3_m", 6, dict(), "iq3_s"),
    ("iq3_m", 6, dict(n_expert=8), "q4_k"),
    ("iq3_m", 4, dict(n_expert=8), "iq3_s"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q3_K_L) { new_type = arch == LLM_ARCH_FALCON ? GGML_TYPE_Q4_K : GGML_TYPE_Q5_K;"
    ("q3_k_l", 10, dict(), "q5_k"),
    ("q3_k_l", 10, dict(falcon=True), "q4_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q4_K_M) { if (arch == LLM_ARCH_FALCON) { new_type = i_layer < n_layer/16 ?
    #  GGML_TYPE_Q6_K : use_more_bits(i_layer, n_layer) ? GGML_TYPE_Q5_K : GGML_TYPE_Q4_K; } else { if
    #  (use_more_bits(i_layer, n_layer)) new_type = GGML_TYPE_Q6_K; } }"
    ("q4_k_m", 6, dict(), "q6_k"),
    ("q4_k_m", 4, dict(), "q4_k"),
    ("q4_k_m", 1, dict(falcon=True), "q6_k"),
    ("q4_k_m", 2, dict(falcon=True), "q5_k"),
    ("q4_k_m", 4, dict(falcon=True), "q4_k"),
    # "else if (i_layer < n_layer/8 && (ftype == LLAMA_FTYPE_MOSTLY_IQ4_NL || ftype == LLAMA_FTYPE_MOSTLY_IQ4_XS) &&
    #  !qs.has_imatrix) { new_type = GGML_TYPE_Q5_K; }"
    ("iq4_nl", 3, dict(), "q5_k"),
    ("iq4_nl", 4, dict(), "iq4_nl"),
    ("iq4_xs", 0, dict(imatrix=True), "iq4_xs"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q5_K_M && use_more_bits(i_layer, n_layer)) new_type = GGML_TYPE_Q6_K;"
    ("q5_k_m", 6, dict(), "q6_k"),
    ("q5_k_m", 4, dict(), "q5_k"),
    # "else if (ftype == LLAMA_FTYPE_MOSTLY_Q4_K_S && arch != LLM_ARCH_FALCON && i_layer < n_layer/8) Q5_K"
    ("q4_k_s", 3, dict(), "q5_k"),
    ("q4_k_s", 4, dict(), "q4_k"),
    ("q4_k_s", 0, dict(falcon=True), "q4_k"),
    # "else if ((ftype == LLAMA_FTYPE_MOSTLY_Q4_0 || ftype == LLAMA_FTYPE_MOSTLY_Q5_0) && qs.has_imatrix &&
    #  i_layer < n_layer/8) { new_type = ftype == LLAMA_FTYPE_MOSTLY_Q4_0 ? GGML_TYPE_Q4_1 : GGML_TYPE_Q5_1; }"
    ("q4_0", 3, dict(imatrix=True), "q4_1"),
    ("q4_0", 4, dict(imatrix=True), "q4_0"),
    ("q5_0", 0, dict(imatrix=True), "q5_1"),
    ("q4_0", 0, dict(), "q4_0"),
    ("q6_k", 0, dict(), "q6_k"),
    ("iq4_xs", 3, dict(), "q5_k"),
    # 36 layers: C++'s n_layer/8 = 4 and n_layer/16 = 2, so layer 4 (and layer 2 for the n/16 rules) is past them.
    ("q2_k_s", 4, dict(n_layer=36, imatrix=True), "q2_k"),
    ("iq3_xxs", 4, dict(n_layer=36), "q3_k"),
    ("q3_k_m", 2, dict(n_layer=36), "q4_k"),
    ("iq3_m", 4, dict(n_layer=36), "iq3_s"),
    ("q4_k_m", 2, dict(n_layer=36, falcon=True), "q5_k"),
    ("iq4_nl", 4, dict(n_layer=36), "iq4_nl"),
    ("q4_k_s", 4, dict(n_layer=36), "q4_k"),
    ("q4_0", 4, dict(n_layer=36, imatrix=True), "q4_0"),
]


@pytest.mark.parametrize("mix, i, ctx, expected", FFN_DOWN)
def test_ffn_down(mix, i, ctx, expected):
    assert _pick(mix, "down", i=i, **ctx) == expected


# "} else if (category == tensor_category::ATTENTION_OUTPUT) { if (arch != LLM_ARCH_FALCON) { if
#  (qs.model.hparams.n_expert == 8) { if (ftype == Q2_K || IQ3_XS || IQ3_XXS || Q3_K_S || Q3_K_M || IQ4_NL || Q4_K_S ||
#  Q4_K_M || IQ3_S || IQ3_M || IQ4_XS) { new_type = GGML_TYPE_Q5_K; } } else { if (ftype == Q2_K) new_type = Q3_K;
#  else if (ftype == IQ3_XXS) new_type = IQ3_S; else if (ftype == Q3_K_M) new_type = Q4_K; else if (ftype == Q3_K_L)
#  new_type = Q5_K; else if (ftype == IQ3_M) new_type = Q4_K; } } else { if (ftype == Q3_K_L) new_type = Q4_K; }"
EIGHT_EXPERT_Q5K = ["q2_k", "iq3_xs", "iq3_xxs", "q3_k_s", "q3_k_m", "iq4_nl", "q4_k_s", "q4_k_m", "iq3_s", "iq3_m",
                    "iq4_xs"]
ATTN_OUTPUT = [(mix, dict(n_expert=8), "q5_k") for mix in EIGHT_EXPERT_Q5K] + [
    ("q3_k_l", dict(n_expert=8), "q3_k"),
    ("q6_k", dict(n_expert=8), "q6_k"),
    ("q2_k", dict(), "q3_k"),
    ("iq3_xxs", dict(imatrix=True), "iq3_s"),
    ("q3_k_m", dict(), "q4_k"),
    ("q3_k_l", dict(), "q5_k"),
    ("iq3_m", dict(), "q4_k"),
    ("q4_k_m", dict(), "q4_k"),
    ("iq3_xs", dict(), "iq3_s"),
    ("q2_k", dict(n_expert=16), "q3_k"),
    ("q3_k_l", dict(falcon=True), "q4_k"),
    ("q2_k", dict(falcon=True), "q2_k"),
    ("q4_k_m", dict(falcon=True, n_expert=8), "q4_k"),
]


@pytest.mark.parametrize("mix, ctx, expected", ATTN_OUTPUT)
def test_attn_output(mix, ctx, expected):
    assert _pick(mix, "o", **ctx) == expected


# "else if (category == tensor_category::FFN_GATE) { ... if (ftype == LLAMA_FTYPE_MOSTLY_IQ3_XS && (i_layer >=
#  n_layer/8 && i_layer < 7*n_layer/8)) { new_type = GGML_TYPE_IQ3_XXS; }" (FFN_UP the same). 36 layers: 4 .. 30.
GATE_UP = [
    ("gate", 32, 3, "iq3_s"), ("gate", 32, 4, "iq3_xxs"), ("up", 32, 27, "iq3_xxs"), ("up", 32, 28, "iq3_s"),
    ("gate", 36, 30, "iq3_xxs"), ("up", 36, 31, "iq3_s"), ("gate", 36, 4, "iq3_xxs"), ("up", 36, 3, "iq3_s"),
]


@pytest.mark.parametrize("category, n_layer, i, expected", GATE_UP)
def test_iq3_xs_ffn_gate_and_up_in_the_middle_layers(category, n_layer, i, expected):
    assert _pick("iq3_xs", category, i=i, n_layer=n_layer, imatrix=True) == expected
    assert _pick("q4_k_m", category, i=i, n_layer=n_layer) == "q4_k"


def test_mxfp4_moe_and_float_mixes():
    # "if (tensor->ne[2] > 1 && ...) { new_type = GGML_TYPE_MXFP4; } else { new_type = GGML_TYPE_Q8_0; }"
    assert _pick("mxfp4_moe", "down", expert=True) == "mxfp4"
    assert _pick("mxfp4_moe", "down", expert=False) == "q8_0"
    assert _pick("mxfp4_moe", "v", gqa=8, n_expert=8) == "q8_0"
    # llama_tensor_get_type: "if (ggml_is_quantized(default_type)) {" ... else the converted type stays
    assert _pick("f16", "v", gqa=8) == "f16"
    assert _pick("bf16", "down", i=0) == "bf16"


# --- use_more_bits: "return i_layer < n_layers/8 || i_layer >= 7*n_layers/8 || (i_layer - n_layers/8)%3 == 2;" --------
# Worked out by hand with C++ integer division: n = 32: 32/8 = 4, 7*32/8 = 28; n = 36: 36/8 = 4, 252/8 = 31;
# n = 80: 10 and 70.
MORE_BITS = {
    32: {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31},
    36: {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 31, 32, 33, 34, 35},
    80: set(range(10)) | set(range(12, 70, 3)) | set(range(70, 80)),
}


@pytest.mark.parametrize("n", sorted(MORE_BITS))
def test_more_bits_layers(n):
    assert {i for i in range(n) if gguf_mix._more_bits(i, n)} == MORE_BITS[n]


# --- tensor_type_fallback: "if (ncols % qk_k != 0) { switch (target_type) { case IQ1_S: case IQ1_M: case IQ2_XXS: case
# IQ2_XS: case IQ2_S: case IQ3_XXS: case IQ3_S: case IQ4_XS: return_type = IQ4_NL; case Q2_0: case Q2_K: case Q3_K: case
# TQ1_0: case TQ2_0: return_type = Q4_0; case Q4_K: return_type = Q5_0; case Q5_K: return_type = Q5_1; case Q6_K:
# return_type = Q8_0; ... } if (ncols % ggml_blck_size(return_type) != 0) { ... return_type = GGML_TYPE_F16; }"
# Row 4000: 4000 % 256 = 160, 4000 % 64 = 32, 4000 % 32 = 0. Row 48: 48 % 32 = 16.
FALLBACK = [(t, 4000, "iq4_nl") for t in ("iq1_s", "iq1_m", "iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs", "iq3_s", "iq4_xs")] + \
    [(t, 4000, "q4_0") for t in ("q2_0", "q2_k", "q3_k", "tq1_0", "tq2_0")] + [
    ("q4_k", 4000, "q5_0"), ("q5_k", 4000, "q5_1"), ("q6_k", 4000, "q8_0"),
    ("q4_k", 4096, "q4_k"), ("q4_0", 4000, "q4_0"), ("f32", 7, "f32"), ("f16", 7, "f16"),
    # the fallback does not fit either: "(WARNING: must use F16 due to unusual shape)"
    ("q4_k", 48, "f16"), ("iq2_xxs", 48, "f16"), ("q2_k", 48, "f16"),
    # a type without a fallback ("default: throw ... no tensor type fallback is defined"): the module stands in F16,
    # the type llama.cpp takes when the fallback does not fit.
    ("q4_0", 48, "f16"), ("q8_0", 48, "f16"),
]


@pytest.mark.parametrize("ggml_type, row, expected", FALLBACK)
def test_tensor_type_fallback(ggml_type, row, expected):
    assert gguf_mix._fallback(ggml_type, row) == expected


def test_fallback_applies_to_the_chosen_type():
    # llama_tensor_get_type: "new_type = llama_tensor_get_type_impl(...); new_type = tensor_type_fallback(qs, tensor,
    # new_type);": Q4_K_M's more-bits attn_v (Q6_K) on 896-long rows falls back to Q8_0, the others' Q4_K to Q5_0.
    assert _pick("q4_k_m", "v", i=0, row=896) == "q8_0"
    assert _pick("q4_k_m", "v", i=4, row=896) == "q5_0"
    assert _pick("iq2_xxs", "v", gqa=8, row=896) == "q5_0"


# --- output.weight, and token_embd.weight when tied ---------------------------------------------------------------------
# "if (ftype == LLAMA_FTYPE_MOSTLY_MXFP4_MOE) { new_type = GGML_TYPE_Q8_0; } else if (arch == LLM_ARCH_FALCON ||
#  nx % qk_k != 0) { new_type = GGML_TYPE_Q8_0; } else if (ftype == IQ2_XXS || IQ2_XS || IQ3_XXS || IQ1_S || IQ2_S ||
#  IQ2_M || IQ1_M) { new_type = GGML_TYPE_Q5_K; } else if (new_type != GGML_TYPE_Q8_0) { new_type = GGML_TYPE_Q6_K; }"
# (qk_k: the default type's block), then tensor_type_fallback on the result.
OUTPUT = [(mix, ROW, {}, "q5_k") for mix in ("iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s", "iq2_s", "iq2_m", "iq1_m")] + [
    ("q4_k_m", ROW, {}, "q6_k"),
    ("q2_k", ROW, {}, "q6_k"),
    ("iq3_xs", ROW, {}, "q6_k"),
    ("q4_0", ROW, {}, "q6_k"),
    ("q8_0", ROW, {}, "q8_0"),
    ("mxfp4_moe", ROW, {}, "q8_0"),
    ("q4_k_m", ROW, dict(falcon=True), "q8_0"),
    ("q4_k_m", 2880, {}, "q8_0"),     # 2880 % 256 = 64
    ("iq2_xxs", 2880, {}, "q8_0"),
    ("f16", ROW, {}, "f16"),
    ("bf16", 2880, {}, "bf16"),
    # Q4_0's 32-block fits 896 (896 % 32 = 0), so the impl picks Q6_K; 896 % 256 = 128, so tensor_type_fallback
    # makes it Q8_0.
    ("q4_0", 896, {}, "q8_0"),
    ("iq4_nl", 2880, {}, "q8_0"),
    ("q2_0", 896, {}, "q8_0"),        # 896 % 64 = 0: Q6_K, then Q8_0
]


@pytest.mark.parametrize("mix, row, ctx, expected", OUTPUT)
def test_output_head(mix, row, ctx, expected):
    context = _ctx(mix, **ctx)
    assert gguf_mix.output_type(context, row) == expected
    assert gguf_mix.token_embd_type(context, row, tied=True) == expected


# "} else if (category == tensor_category::TOKEN_EMBD) { ... if (ftype == IQ2_XXS || IQ2_XS || IQ1_S || IQ1_M) {
#  new_type = GGML_TYPE_Q2_K; } else if (ftype == IQ2_S || IQ2_M) { new_type = GGML_TYPE_IQ3_S; } else if (ftype ==
#  IQ3_XXS) { new_type = GGML_TYPE_IQ3_S; } else if (ftype == TQ1_0 || TQ2_0 || Q2_0) { new_type = GGML_TYPE_Q4_K; }"
# (the MXFP4_MOE branch comes first: Q8_0), then the fallback (896: Q2_K -> Q4_0, IQ3_S -> IQ4_NL, Q4_K -> Q5_0).
TOKEN_EMBD = [(mix, ROW, "q2_k") for mix in ("iq2_xxs", "iq2_xs", "iq1_s", "iq1_m")] + \
    [(mix, ROW, "iq3_s") for mix in ("iq2_s", "iq2_m", "iq3_xxs")] + \
    [(mix, ROW, "q4_k") for mix in ("tq1_0", "tq2_0", "q2_0")] + [
    ("q4_k_m", ROW, "q4_k"), ("iq3_xs", ROW, "iq3_s"), ("q3_k_l", ROW, "q3_k"), ("mxfp4_moe", ROW, "q8_0"),
    ("f16", ROW, "f16"),
    ("iq2_xxs", 896, "q4_0"), ("iq3_xxs", 896, "iq4_nl"), ("q4_k_m", 896, "q5_0"), ("q4_0", 896, "q4_0"),
]


@pytest.mark.parametrize("mix, row, expected", TOKEN_EMBD)
def test_untied_token_embd(mix, row, expected):
    assert gguf_mix.token_embd_type(_ctx(mix), row, tied=False) == expected


# --- whole files --------------------------------------------------------------------------------------------------------
# Qwen2.5-0.5B (config.json: hidden 896, 24 layers, 14 heads, 2 KV heads of 64, intermediate 4864, vocab 151936, tied).
QWEN05 = Architecture(family="qwen2", hidden_size=896, layers=24, heads=14, kv_heads=2, head_dim=64,
                      intermediate_size=4864, vocab_size=151936, tie_word_embeddings=True, qkv_bias=True)


def _counts(arch, mix):
    return dict(Counter(t for _, _, t, _ in gguf_mix.tensor_types(arch, mix)))


def test_qwen2_5_0_5b_q4_k_m_matches_a_real_file():
    """ollama/ollama issue #9031: "type f32: 121 / type q5_0: 132 / type q8_0: 13 / type q4_K: 12 / type q6_K: 12"
    (n_embd 896, n_layer 24, n_head 14, n_head_kv 2, n_vocab 151936): the 896-long rows fall back from 256-blocks."""
    assert _counts(QWEN05, "q4_k_m") == {"q5_0": 132, "q8_0": 13, "q4_k": 12, "q6_k": 12}


def test_qwen2_5_0_5b_q4_0_token_embd_falls_back_to_q8_0():
    """Tied token_embd of Q4_0: the impl's Q6_K (896 % 32 == 0) falls back to Q8_0 (896 % 256 != 0); the 7 x 24 layer
    matrices keep Q4_0 (896 and 4864 are multiples of 32). Bytes: Q8_0 34 per 32 weights."""
    assert _counts(QWEN05, "q4_0") == {"q4_0": 168, "q8_0": 1}
    layout = gguf_mix.gguf_layout(QWEN05, "q4_0")
    assert layout.token_embd_bytes == layout.output_bytes == 151936 * 896 / 32 * 34


# llama-model.cpp (LLM_ARCH_QWEN2): "layer.attn_norm = create_tensor(tn(LLM_TENSOR_ATTN_NORM, "weight", i), {n_embd})",
# "layer.bq = create_tensor(tn(LLM_TENSOR_ATTN_Q, "bias", i), {n_embd})", "layer.bk = ... {n_embd_gqa}", "layer.bv = ...
# {n_embd_gqa}", "layer.ffn_norm = ... {n_embd}": f32 tensors, 4 bytes a value.
def test_small_f32_tensors_qkv_bias():
    n_embd, n_embd_gqa = 896, 2 * 64
    assert gguf_mix._layer_small_bytes(QWEN05, 0) == (n_embd + n_embd + n_embd_gqa + n_embd_gqa + n_embd) * 4


def test_small_f32_tensors_qk_norm():
    # Qwen3-8B (hidden 4096, 32 heads, 8 KV heads of 128): "layer.attn_q_norm = create_tensor(tn(LLM_TENSOR_ATTN_Q_NORM,
    # "weight", i), {n_embd_head_k})", attn_k_norm the same, besides attn_norm and ffn_norm.
    arch = Architecture(family="qwen3", hidden_size=4096, layers=36, heads=32, kv_heads=8, head_dim=128,
                        intermediate_size=12288, vocab_size=151936, qk_norm=True)
    assert gguf_mix._layer_small_bytes(arch, 0) == (2 * 4096 + 128 + 128) * 4


def test_small_f32_tensors_moe_router_and_shared_gate():
    # Qwen1.5-MoE-A2.7B (hidden 2048, 60 experts, shared expert 5632 wide, 16 heads of 128): "layer.ffn_gate_inp =
    # create_tensor(tn(LLM_TENSOR_FFN_GATE_INP, "weight", i), {n_embd, n_expert})", "layer.ffn_gate_inp_shexp = ...
    # {n_embd}" (never quantized: tensor_allows_quantization skips "ffn_gate_inp.weight"; the shared gate is 1-D), and
    # the q/k/v biases.
    arch = Architecture(family="qwen2_moe", hidden_size=2048, layers=24, heads=16, kv_heads=16, head_dim=128,
                        intermediate_size=5632, vocab_size=151936, qkv_bias=True, num_experts=60,
                        experts_per_token=4, moe_intermediate_size=1408, shared_expert_intermediate_size=5632,
                        shared_expert_gate=True)
    norms, biases = 2 * 2048, 3 * 2048
    assert gguf_mix._layer_small_bytes(arch, 0) == (norms + biases + 2048 * 60 + 2048) * 4


# DeepSeek-V2-Lite (config.json: hidden 2048, 27 layers, 16 heads, kv_lora_rank 512, no q_lora_rank, qk_nope 128,
# qk_rope 64, v_head_dim 128, 64 routed experts of 1408, 2 shared, first_k_dense_replace 1, intermediate 10944).
V2_LITE = Architecture(family="deepseek_v2", hidden_size=2048, layers=27, heads=16, kv_heads=16, head_dim=192,
                       intermediate_size=10944, vocab_size=102400, num_experts=64, experts_per_token=6,
                       moe_intermediate_size=1408, n_shared_experts=2, first_k_dense_replace=1, kv_lora_rank=512,
                       qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128)
# A DeepSeek-V3-shaped model, smaller (q_lora_rank set; 8 routed experts, 1 shared, first 3 layers dense).
V3_LIKE = Architecture(family="deepseek_v3", hidden_size=1024, layers=16, heads=8, kv_heads=8, head_dim=192,
                       intermediate_size=4096, vocab_size=32000, num_experts=8, experts_per_token=2,
                       moe_intermediate_size=512, n_shared_experts=1, first_k_dense_replace=3, kv_lora_rank=512,
                       q_lora_rank=768, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128)


def test_small_f32_tensors_mla():
    # src/models/deepseek2.cpp: "layer.attn_q_a_norm = create_tensor(tn(LLM_TENSOR_ATTN_Q_A_NORM, "weight", i),
    # {q_lora_rank})" (only with q_lora_rank), "layer.attn_kv_a_norm = ... {kv_lora_rank}", attn_norm, ffn_norm, and
    # on MoE layers ffn_gate_inp {n_embd, n_expert}.
    assert gguf_mix._layer_small_bytes(V2_LITE, 0) == (2 * 2048 + 512) * 4
    assert gguf_mix._layer_small_bytes(V2_LITE, 1) == (2 * 2048 + 512 + 2048 * 64) * 4
    assert gguf_mix._layer_small_bytes(V3_LIKE, 0) == (2 * 1024 + 512 + 768) * 4
    assert gguf_mix._layer_small_bytes(V3_LIKE, 3) == (2 * 1024 + 512 + 768 + 1024 * 8) * 4


def _layer(arch, mix, i):
    return [(cat, t, n) for layer, cat, t, n in gguf_mix.tensor_types(arch, mix) if layer == i]


# src/models/deepseek2.cpp, row length (ne[0]) first:
#   attn_q_a {n_embd, q_lora_rank}; attn_q_b {q_lora_rank, n_head * n_embd_head_k_mla}; or attn_q {n_embd, n_head *
#   n_embd_head_k_mla}; attn_kv_a_mqa {n_embd, kv_lora_rank + n_embd_head_qk_rope}; attn_k_b {n_embd_head_qk_nope,
#   kv_lora_rank, n_head}; attn_v_b {kv_lora_rank, n_embd_head_v_mla, n_head}; attn_output {n_head * n_embd_head_v_mla,
#   n_embd}; ffn_down_exps {n_ff_exp, n_embd, n_expert}; ffn_down_shexp {n_ff_exp * n_expert_shared, n_embd}; ffn_gate_exps,
#   ffn_up_exps {n_embd, n_ff_exp, n_expert}; ffn_gate_shexp, ffn_up_shexp {n_embd, n_ff_exp * n_expert_shared}.
# Categories (tensor_get_category): attn_q.weight ATTENTION_Q, attn_output.weight ATTENTION_OUTPUT, "ffn_down" FFN_DOWN,
# "ffn_gate" FFN_GATE, "ffn_up" FFN_UP; attn_q_a, attn_q_b, attn_kv_a_mqa, attn_k_b, attn_v_b: OTHER (no rule).
def test_mla_layer_with_q_lora_and_shared_expert_q4_k_m():
    h, q_lora, heads, qk, kv_lora, rope, nope, v = 1024, 768, 8, 192, 512, 64, 128, 128
    f, e, shared = 512, 8, 512 * 1
    # Layer 3 (the first MoE layer; more bits: 16/8 = 2, (3 - 2) % 3 = 1: no). Eight experts, so ffn_down keeps the
    # default off the more-bits layers and attn_output is Q5_K ("n_expert == 8 ... Q4_K_M ... Q5_K").
    # attn_k_b's 128-long rows: Q4_K -> Q5_0; ffn_down's 512-long rows fill 256-blocks.
    assert _layer(V3_LIKE, "q4_k_m", 3) == [
        ("other", "q4_k", h * q_lora), ("other", "q4_k", q_lora * heads * qk), ("other", "q4_k", h * (kv_lora + rope)),
        ("other", "q5_0", nope * kv_lora * heads), ("other", "q4_k", kv_lora * v * heads), ("o", "q5_k", heads * v * h),
        ("down", "q4_k", f * h * e), ("down", "q4_k", shared * h),
        ("gate", "q4_k", h * f * e), ("gate", "q4_k", h * shared), ("up", "q4_k", h * f * e), ("up", "q4_k", h * shared)]


def test_mla_layer_mxfp4_moe_only_the_3d_tensors():
    # "if (tensor->ne[2] > 1 && (arch != LLM_ARCH_BAILINGMOE3 || is_bailingmoe3_expert)) { new_type = GGML_TYPE_MXFP4; }
    #  else { new_type = GGML_TYPE_Q8_0; }": the 3-D tensors are attn_k_b, attn_v_b and the *_exps.
    types = [t for _, t, _ in _layer(V3_LIKE, "mxfp4_moe", 3)]
    assert types == ["q8_0", "q8_0", "q8_0", "mxfp4", "mxfp4", "q8_0", "mxfp4", "q8_0", "mxfp4", "q8_0", "mxfp4", "q8_0"]
    dense = [t for _, t, _ in _layer(V3_LIKE, "mxfp4_moe", 0)]
    assert dense == ["q8_0", "q8_0", "q8_0", "mxfp4", "mxfp4", "q8_0", "q8_0", "q8_0", "q8_0"]


def test_mla_layer_without_q_lora_iq3_xs():
    # DeepSeek-V2-Lite layer 1 under IQ3_XS: attn_q is ATTENTION_Q ("ftype == LLAMA_FTYPE_MOSTLY_IQ3_XS -> IQ3_XXS");
    # attn_output: 64 experts (not 8), and IQ3_XS is not among the other bumps (Q2_K, IQ3_XXS, Q3_K_M, Q3_K_L, IQ3_M):
    # the default IQ3_S; ffn_down_exps rows of 1408 (1408 % 256 = 128) fall back IQ3_S -> IQ4_NL, the shared
    # expert's 2816 (= 11 x 256) do not; ffn_gate/up (iq3_xs, layer 1 < 27/8 = 3): the default IQ3_S.
    h, heads, qk, kv_lora, rope, nope, v, f, e = 2048, 16, 192, 512, 64, 128, 128, 1408, 64
    shared = 2 * f
    assert _layer(V2_LITE, "iq3_xs", 1) == [
        ("q", "iq3_xxs", h * heads * qk), ("other", "iq3_s", h * (kv_lora + rope)),
        ("other", "iq4_nl", nope * kv_lora * heads), ("other", "iq3_s", kv_lora * v * heads),
        ("o", "iq3_s", heads * v * h),
        ("down", "iq4_nl", f * h * e), ("down", "iq3_s", shared * h),
        ("gate", "iq3_s", h * f * e), ("gate", "iq3_s", h * shared), ("up", "iq3_s", h * f * e), ("up", "iq3_s", h * shared)]


def test_mla_attention_output_and_q_rules_apply():
    # Q2_K on DeepSeek-V2-Lite layer 0 (dense): attn_output "Q2_K -> Q3_K" (64 experts, not 8), attn_q keeps Q2_K
    # (no Q2_K rule), ffn_down "Q2_K -> Q3_K", whose 10944-long rows (10944 % 256 = 192) fall back to Q4_0.
    cats = {cat: t for cat, t, _ in _layer(V2_LITE, "q2_k", 0) if cat in ("q", "o", "down")}
    assert cats == {"q": "q2_k", "o": "q3_k", "down": "q4_0"}


def test_qwen_moe_shared_expert_width():
    # Qwen1.5-MoE: "layer.ffn_down_shexp = create_tensor(tn(LLM_TENSOR_FFN_DOWN_SHEXP, "weight", i), {n_ff_shexp,
    # n_embd})" with n_ff_shexp = shared_expert_intermediate_size 5632.
    arch = Architecture(family="qwen2_moe", hidden_size=2048, layers=24, heads=16, kv_heads=16, head_dim=128,
                        intermediate_size=5632, vocab_size=151936, qkv_bias=True, num_experts=60,
                        experts_per_token=4, moe_intermediate_size=1408, shared_expert_intermediate_size=5632,
                        shared_expert_gate=True)
    counts = [(cat, n) for cat, _, n in _layer(arch, "q8_0", 0) if cat in ("down", "gate", "up")]
    assert counts == [("down", 1408 * 2048 * 60), ("down", 5632 * 2048), ("gate", 2048 * 1408 * 60),
                      ("gate", 2048 * 5632), ("up", 2048 * 1408 * 60), ("up", 2048 * 5632)]


def test_low_iq_ffn_down_counter_runs_over_tensors_not_layers():
    # The i-quant branch counts ffn_down tensors ("if (qs.i_ffn_down < qs.n_ffn_down/8) ... ++qs.i_ffn_down;", with
    # n_ffn_down = n_layer_all = 27: the first 27/8 = 3 tensors), in the loader's order (weight_name_comparer: by layer,
    # then by name, so ffn_down_exps before ffn_down_shexp). DeepSeek-V2-Lite IQ2_XXS: layer 0's dense ffn_down,
    # layer 1's two take Q2_K; layer 2's two keep IQ2_XXS. Rows: 10944 and 1408 fall back (Q2_K -> Q4_0, IQ2_XXS ->
    # IQ4_NL), 2816 = 11 x 256 does not.
    downs = [t for layer, cat, t, _ in gguf_mix.tensor_types(V2_LITE, "iq2_xxs") if cat == "down" and layer < 3]
    assert downs == ["q4_0", "q4_0", "q2_k", "iq4_nl", "iq2_xxs"]


def test_moe_layers():
    # deepseek2.cpp: "if (i < (int) hparams.n_layer_dense_lead) {" a dense FFN, else the experts; Llama 4
    # (llama-model.cpp): "(i + 1) % hparams.n_moe_layer_step == 0" (transformers' Qwen2-MoE: "(layer_idx + 1) %
    # config.decoder_sparse_step == 0").
    assert [gguf_mix.is_moe_layer(V2_LITE, i) for i in (0, 1, 2, 26)] == [False, True, True, True]
    assert [gguf_mix.is_moe_layer(V3_LIKE, i) for i in (0, 2, 3, 15)] == [False, False, True, True]
    interleaved = Architecture(family="llama4", hidden_size=1024, layers=8, heads=8, kv_heads=2, head_dim=128,
                               intermediate_size=4096, vocab_size=32000, num_experts=16, experts_per_token=1,
                               moe_intermediate_size=1024, moe_layer_step=2)
    assert [i for i in range(8) if gguf_mix.is_moe_layer(interleaved, i)] == [1, 3, 5, 7]
    assert not any(gguf_mix.is_moe_layer(QWEN05, i) for i in range(24))


def test_layer_without_a_gate():
    # StarCoder2-3B (config.json: hidden 3072, 30 layers, 24 heads, 2 KV heads of 128, intermediate 12288; c_fc/c_proj,
    # no gate): llama-model.cpp LLM_ARCH_STARCODER2 creates wq {n_embd, n_embd}, wk {n_embd, n_embd_gqa}, wv {n_embd,
    # n_embd_gqa}, wo {n_embd, n_embd}, ffn_down {n_ff, n_embd}, ffn_up {n_embd, n_ff}. Q4_K_M, layer 4 (30 layers:
    # 30/8 = 3, (4 - 3) % 3 = 1: not a more-bits layer; GQA 12 but no 8 experts).
    arch = Architecture(family="starcoder2", hidden_size=3072, layers=30, heads=24, kv_heads=2, head_dim=128,
                        intermediate_size=12288, vocab_size=49152, mlp_gated=False, qkv_bias=True)
    assert _layer(arch, "q4_k_m", 4) == [("q", "q4_k", 3072 * 3072), ("k", "q4_k", 3072 * 256),
                                          ("v", "q4_k", 3072 * 256), ("o", "q4_k", 3072 * 3072),
                                          ("down", "q4_k", 12288 * 3072), ("up", "q4_k", 3072 * 12288)]


def test_mix_context_reads_falcon_gqa_and_the_imatrix():
    llama = Architecture(family="llama", hidden_size=4096, layers=32, heads=32, kv_heads=8, head_dim=128,
                         intermediate_size=14336, vocab_size=128256, model_type="llama",
                         architectures=("LlamaForCausalLM",))
    ctx = gguf_mix.mix_context(llama, "q4_k_m")
    assert (ctx.n_layer, ctx.gqa, ctx.n_expert, ctx.is_70b, ctx.falcon, ctx.imatrix) == (32, 4.0, 0, False, False, False)
    # convert_hf_to_gguf.py registers FalconForCausalLM as MODEL_ARCH.FALCON (LLM_ARCH_FALCON in llama-quant.cpp).
    falcon = Architecture(family="falcon", hidden_size=4544, layers=32, heads=71, kv_heads=1, head_dim=64,
                          intermediate_size=18176, vocab_size=65024, mlp_gated=False, model_type="falcon",
                          architectures=("FalconForCausalLM",))
    assert gguf_mix.mix_context(falcon, "q4_k_m").falcon
    by_name = Architecture(family="falcon", hidden_size=4544, layers=32, heads=71, kv_heads=1, head_dim=64,
                           intermediate_size=18176, vocab_size=65024, architectures=("FalconForCausalLM",))
    assert gguf_mix.mix_context(by_name, "q4_k_m").falcon
    by_type = Architecture(family="falcon", hidden_size=4544, layers=32, heads=71, kv_heads=1, head_dim=64,
                           intermediate_size=18176, vocab_size=65024, model_type="falcon")
    assert gguf_mix.mix_context(by_type, "q4_k_m").falcon
    # tensor_requires_imatrix: the mixes that write IQ1/IQ2/IQ3_XXS tensors (or Q2_K in a Q2_K_S file) need one.
    assert [gguf_mix.mix_context(llama, m).imatrix for m in ("iq2_xxs", "iq3_xs", "q2_k_s", "q2_k", "iq4_nl")] == \
        [True, True, True, False, False]
    assert gguf_mix.mix_context(V2_LITE, "q4_k_m").n_expert == 64


def test_70b_class():
    # llama-model.cpp (LLM_ARCH_LLAMA): "case 80: type = hparams.n_head() == hparams.n_head_kv() ? LLM_TYPE_65B :
    # LLM_TYPE_70B;" (Llama-3.1-70B: 80 layers, 64 heads, 8 KV heads); other layer counts are other types.
    llama70 = Architecture(family="llama", hidden_size=8192, layers=80, heads=64, kv_heads=8, head_dim=128,
                           intermediate_size=28672, vocab_size=128256)
    assert gguf_mix.is_70b_class(llama70)
    assert not gguf_mix.is_70b_class(Architecture(family="llama", hidden_size=8192, layers=79, heads=64, kv_heads=8,
                                                  head_dim=128, intermediate_size=28672, vocab_size=128256))


def test_qwen2_5_0_5b_q4_k_m_bytes():
    """Bytes per type (ggml-common.h: q5_0 22 per 32, q8_0 34 per 32, q4_K 144 per 256, q6_K 210 per 256; f32 4):
    the 12 more-bits layers (24/8 = 3: 0-2, 5, 8, ..., 20, 21-23) hold attn_v Q8_0 and ffn_down Q6_K, the others
    attn_v Q5_0 and ffn_down Q4_K; q, k, o, gate, up Q5_0 everywhere; token_embd (tied) Q8_0; one output_norm."""
    h, kv, f, vocab = 896, 128, 4864, 151936
    small = (2 * h + h + 2 * kv) * 4                        # attn_norm, ffn_norm; q, k, v biases
    q5_0 = (h * h + h * kv + h * h + 2 * h * f) / 32 * 22   # q, k, o, gate, up
    more = small + q5_0 + h * kv / 32 * 34 + f * h / 256 * 210
    other = small + q5_0 + h * kv / 32 * 22 + f * h / 256 * 144
    layout = gguf_mix.gguf_layout(QWEN05, "q4_k_m")
    more_bits = {0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23}
    assert layout.layer_bytes == tuple(more if i in more_bits else other for i in range(24))
    assert layout.token_embd_bytes == layout.output_bytes == vocab * h / 32 * 34
    assert layout.tied and layout.output_norm_bytes == h * 4
    assert layout.total == 12 * more + 12 * other + vocab * h / 32 * 34 + h * 4


LLAMA8 = Architecture(family="llama", hidden_size=4096, layers=32, heads=32, kv_heads=8, head_dim=128,
                      intermediate_size=14336, vocab_size=128256)


def test_dense_layer_iq3_xs():
    # Llama-3.1-8B (config.json: hidden 4096, 32 layers, 32 heads, 8 KV heads, intermediate 14336), IQ3_XS (default
    # IQ3_S), layer 10: attn_q and attn_k "IQ3_XS -> IQ3_XXS"; attn_v "(IQ3_XS || IQ3_S) && n_gqa() >= 4 -> Q4_K";
    # attn_output and ffn_down no IQ3_XS rule; ffn_gate and ffn_up IQ3_XXS (4 <= 10 < 28). llama-model.cpp: wq {n_embd,
    # n_embd_head_k * n_head}, wk/wv {n_embd, n_embd_k_gqa}, wo {n_embd_head_k * n_head, n_embd}, ffn_gate/ffn_up
    # {n_embd, n_ff}, ffn_down {n_ff, n_embd}; the loader's order within a layer is by name.
    h, kv, f = 4096, 1024, 14336
    assert _layer(LLAMA8, "iq3_xs", 10) == [
        ("q", "iq3_xxs", h * h), ("k", "iq3_xxs", h * kv), ("v", "q4_k", h * kv), ("o", "iq3_s", h * h),
        ("down", "iq3_s", f * h), ("gate", "iq3_xxs", h * f), ("up", "iq3_xxs", h * f)]


def test_mxfp4_moe_dense_and_mla_2d_tensors_are_q8_0():
    # "if (tensor->ne[2] > 1 ...) MXFP4 else Q8_0": a dense model has no 3-D tensor; in DeepSeek-V2-Lite's MoE layer the
    # 2-D attn_q, attn_kv_a_mqa, attn_output and shared expert are Q8_0, attn_k_b, attn_v_b and the *_exps MXFP4.
    assert {t for layer, _, t, _ in gguf_mix.tensor_types(LLAMA8, "mxfp4_moe") if layer is not None} == {"q8_0"}
    assert [t for _, t, _ in _layer(V2_LITE, "mxfp4_moe", 1)] == [
        "q8_0", "q8_0", "mxfp4", "mxfp4", "q8_0", "mxfp4", "q8_0", "mxfp4", "q8_0", "mxfp4", "q8_0"]


def test_moe_layer_eight_experts_no_shared():
    # Mixtral-8x7B (config.json: hidden 4096, 32 layers, 32 heads, 8 KV heads, 8 experts of 14336), Q4_K_M, layer 4
    # (not a more-bits layer): attn_k and attn_v "n_expert == 8 -> Q8_0", attn_output "n_expert == 8 ... Q4_K_M ->
    # Q5_K", ffn_down_exps the default; no shared expert, so no *_shexp tensors. ffn_*_exps: {n_embd, n_ff_exp,
    # n_expert}, ffn_down_exps {n_ff_exp, n_embd, n_expert}.
    arch = Architecture(family="mixtral", hidden_size=4096, layers=32, heads=32, kv_heads=8, head_dim=128,
                        intermediate_size=14336, vocab_size=32000, num_experts=8, experts_per_token=2,
                        moe_intermediate_size=14336)
    h, kv, f, e = 4096, 1024, 14336, 8
    assert _layer(arch, "q4_k_m", 4) == [
        ("q", "q4_k", h * h), ("k", "q8_0", h * kv), ("v", "q8_0", h * kv), ("o", "q5_k", h * h),
        ("down", "q4_k", f * h * e), ("gate", "q4_k", h * f * e), ("up", "q4_k", h * f * e)]


def test_moe_layer_without_gates():
    # Experts and a shared expert without a gate projection (llama-model.cpp LLM_ARCH_NEMOTRON_H_MOE creates
    # ffn_up_exps {n_embd, n_ff_exp, n_expert}, ffn_down_exps {n_ff_exp, n_embd, n_expert}, ffn_up_shexp {n_embd,
    # n_ff_shexp}, ffn_down_shexp {n_ff_shexp, n_embd}, and no ffn_gate_*): down and up only.
    arch = Architecture(family="moe", hidden_size=2048, layers=8, heads=16, kv_heads=2, head_dim=128,
                        intermediate_size=4096, vocab_size=32000, num_experts=16, experts_per_token=2,
                        moe_intermediate_size=1024, shared_expert_intermediate_size=2048, mlp_gated=False)
    counts = [(cat, n) for cat, _, n in _layer(arch, "q8_0", 0) if cat in ("down", "gate", "up")]
    assert counts == [("down", 1024 * 2048 * 16), ("down", 2048 * 2048), ("up", 2048 * 1024 * 16), ("up", 2048 * 2048)]


def test_gqa_of_one_kv_head():
    # Gemma-3-1B (config.json: 4 attention heads, 1 KV head): llama_hparams::n_gqa() = n_head / n_head_kv = 4, so
    # Q2_K's attn_v is Q4_K ("n_gqa() >= 4 ? GGML_TYPE_Q4_K : GGML_TYPE_Q3_K"; on a 1024-long row here, as Gemma's own
    # 1152 would then fall back to Q5_0).
    arch = Architecture(family="gemma3", hidden_size=1152, layers=26, heads=4, kv_heads=1, head_dim=256,
                        intermediate_size=6912, vocab_size=262144, tie_word_embeddings=True)
    ctx = gguf_mix.mix_context(arch, "q2_k")
    assert ctx.gqa == 4
    assert gguf_mix._matrix_type(ctx, "v", 0, 1024, False, 0) == "q4_k"


# A hybrid model (layer kinds S, A, S, A: two attention layers, two state layers whose mixer matrices are given), four
# experts in every layer, q/k/v biases, 5000 extra weights: its layers are sized as a whole (gguf_mix._uneven_layers)
# at the mix's default type with the row fallback, the rest f32, spread evenly; output_norm is counted once, by
# GgufLayout.output_norm_bytes.
HYBRID = Architecture(family="hybrid", hidden_size=1024, layers=4, heads=8, kv_heads=2, head_dim=128,
                      intermediate_size=2048, vocab_size=1000, qkv_bias=True, num_experts=4, experts_per_token=2,
                      moe_intermediate_size=512, layer_kinds="SASA", mixer_shapes=((1024, 3000, 2), (1568, 1024, 2)),
                      extra_params=5000)


def _hybrid_layer_bytes(wide, narrow, attention_layers=2):
    """``wide``/``narrow``: bytes per weight of the default type on rows that fill its blocks / its row fallback."""
    attention = attention_layers * (1024 * 1024 + 1024 * 256 + 1024 * 256 + 1024 * 1024)   # q, k, v, o
    mixer = 2 * 1024 * 3000                                                 # 1024-long rows
    mixer_narrow = 2 * 1568 * 1024                                          # 1568 % 256 = 32: the fallback
    experts = 4 * 4 * (1024 * 512 + 1024 * 512 + 512 * 1024)                # gate, up, down of 4 experts, 4 layers
    f32 = 4 * 2 * 1024 + attention_layers * (8 + 2 * 2) * 128 + 4 * 1024 * 4  # 2 norms a layer, q/k/v biases, routers
    return ((attention + mixer + experts + 5000) * wide + mixer_narrow * narrow + f32 * 4) / 4


def test_uneven_layers_q4_k_m():
    # Q4_K_M's default Q4_K: 144 bytes per 256 weights; its fallback Q5_0: 22 per 32 (tensor_type_fallback).
    layout = gguf_mix.gguf_layout(HYBRID, "q4_k_m")
    assert layout.layer_bytes == (_hybrid_layer_bytes(144 / 256, 22 / 32),) * 4
    assert layout.output_norm_bytes == 1024 * 4
    # Without a final norm (OPT-350m's do_layer_norm_before false) the layers' own values are the same.
    no_final = gguf_mix.gguf_layout(dataclasses.replace(HYBRID, final_norm=False), "q4_k_m")
    assert no_final.layer_bytes == layout.layer_bytes


def test_uneven_layers_float_and_no_fallback():
    # F16 keeps every matrix at 2 bytes; Q8_0's 32-block fits 1568 (no fallback).
    assert gguf_mix.gguf_layout(HYBRID, "f16").layer_bytes == (_hybrid_layer_bytes(2, 2),) * 4
    assert gguf_mix.gguf_layout(HYBRID, "q8_0").layer_bytes == (_hybrid_layer_bytes(34 / 32, 34 / 32),) * 4


def test_untied_head_and_bits_per_weight():
    # Llama-3.1-8B Q4_K_M, untied: token_embd the default Q4_K (144 per 256), output Q6_K (210 per 256); llama.cpp's
    # "quant size = ... (X BPW)" is total_size_new * 8.0 / ml.n_elements.
    rows = gguf_mix.tensor_types(LLAMA8, "q4_k_m")
    assert rows[0] == (None, "token_embd", "q4_k", 128256 * 4096)
    assert rows[-1] == (None, "output", "q6_k", 128256 * 4096)
    layout = gguf_mix.gguf_layout(LLAMA8, "q4_k_m")
    assert layout.token_embd_bytes == 128256 * 4096 / 256 * 144
    assert layout.output_bytes == 128256 * 4096 / 256 * 210
    assert layout.total == sum(layout.layer_bytes) + layout.token_embd_bytes + layout.output_bytes + 4096 * 4
    params = 8030261248  # Llama-3.1-8B's parameter count (llama.cpp "model params = 8.03 B")
    assert gguf_mix.bits_per_weight(LLAMA8, "q4_k_m", params) == layout.total * 8 / params
    with pytest.raises(KeyError, match="q9_k"):
        gguf_mix.tensor_types(LLAMA8, "q9_k")


def test_moe_model_layer_bytes_q8_0():
    # DeepSeek-V2-Lite Q8_0 (no rule picks another type: attn_v absent, 64 experts, not 8): every matrix 34 bytes per
    # 32 weights; f32: attn_norm, ffn_norm, attn_kv_a_norm {kv_lora_rank}, and on MoE layers ffn_gate_inp {n_embd,
    # n_expert}.
    attention = 2048 * 3072 + 2048 * 576 + 128 * 512 * 16 + 512 * 128 * 16 + 2048 * 2048
    dense = 3 * 2048 * 10944
    moe = 3 * 64 * 2048 * 1408 + 3 * 2048 * 2816
    layers = gguf_mix.gguf_layout(V2_LITE, "q8_0").layer_bytes
    assert layers[0] == (attention + dense) / 32 * 34 + (2 * 2048 + 512) * 4
    assert layers[1] == layers[26] == (attention + moe) / 32 * 34 + (2 * 2048 + 512 + 2048 * 64) * 4


def test_extra_mixer_matrices_on_attention_layers_are_in_the_file():
    # GLM-5's case: every layer is attention (no layer kinds) but the checkpoint has more matrices per layer than the
    # per-tensor rules know (its indexer): they are in the GGUF file, so the layers are sized as a whole.
    arch = Architecture(family="hybrid", hidden_size=1024, layers=4, heads=8, kv_heads=2, head_dim=128,
                        intermediate_size=2048, vocab_size=1000, qkv_bias=True, num_experts=4, experts_per_token=2,
                        moe_intermediate_size=512, mixer_shapes=((1024, 3000, 2), (1568, 1024, 2)), extra_params=5000)
    assert gguf_mix.gguf_layout(arch, "q4_k_m").layer_bytes == (_hybrid_layer_bytes(144 / 256, 22 / 32, 4),) * 4


def test_uneven_extra_weights_take_the_row_fallback():
    # The extra weights (conv kernels, per-layer embeddings) are sized at the default type on rows of hidden_size: 896
    # does not fill Q4_K's 256-blocks, so tensor_type_fallback's Q5_0 (22 bytes per 32); they replace no f32 value.
    base = dict(family="hybrid", hidden_size=896, layers=4, heads=7, kv_heads=1, head_dim=128, intermediate_size=2048,
                vocab_size=1000, layer_kinds="SASA", mixer_shapes=((896, 2048, 2),))
    with_extra = gguf_mix.gguf_layout(Architecture(**base, extra_params=6400), "q4_k_m").layer_bytes[0]
    without = gguf_mix.gguf_layout(Architecture(**base), "q4_k_m").layer_bytes[0]
    assert with_extra - without == 6400 / 32 * 22 / 4
