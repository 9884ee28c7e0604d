"""The bytes of a GGUF file, tensor by tensor, as llama.cpp's quantize tool writes each mix.

Pure. A GGUF "mix" (Q4_K_M, Q2_K, IQ3_M ...) is not one block type: ``llama-quantize`` picks a type per tensor.
Sources (ggml-org/llama.cpp):

* Block sizes: ggml/src/ggml-common.h, the ``block_*`` structs and their static_asserts (read at commit
  01243c58); QK_K = 256. The table ``BLOCK`` below is (weights per block, bytes per block).
* Presets: tools/quantize/quantize.cpp ``QUANT_OPTIONS`` (read at commit 03161a4e) lists every ``--quantize``
  type; src/llama-quant.cpp (read at commit 007dbbf3) ``llama_ftype_get_default_type`` gives each preset's
  default tensor type and ``llama_tensor_get_type_impl`` the per-tensor rules, applied here without
  ``--pure``, ``--tensor-type`` or ``--output-tensor-type`` overrides:

  - ``output.weight`` (and ``token_embd`` when the model ties them): MXFP4_MOE -> Q8_0; Falcon, or a row length
    not divisible by the default type's block -> Q8_0; IQ2_XXS/IQ2_XS/IQ3_XXS/IQ1_S/IQ2_S/IQ2_M/IQ1_M -> Q5_K;
    otherwise Q6_K unless the default is Q8_0 (then the row fallback below: Q6_K on rows that are no multiple of
    256 -> Q8_0).
  - MXFP4_MOE: 3-D tensors (the routed experts, and MLA's attn_k_b/attn_v_b) -> MXFP4, every other -> Q8_0.
  - ``token_embd`` (untied): IQ2_XXS/IQ2_XS/IQ1_S/IQ1_M -> Q2_K; IQ2_S/IQ2_M/IQ3_XXS -> IQ3_S; TQ1_0/TQ2_0/Q2_0
    -> Q4_K; otherwise the default.
  - The 1- and 2-bit i-quant mixes (IQ2_XXS, IQ2_XS, IQ1_S, IQ2_S, IQ2_M, IQ1_M): attn_v (and fused qkv,
    attn_kv_b) -> Q4_K when n_gqa >= 4 or n_expert >= 4, else IQ3_S (IQ2_S/IQ2_M) or Q2_K; attn_k -> Q4_K for
    8 experts; the first n_layer/8 ffn_down tensors (counted tensor by tensor) -> IQ3_S or Q2_K; attn_output ->
    Q5_K for 8 experts, else IQ2_XXS (IQ1_S/IQ1_M) or IQ3_S (IQ2_S/IQ2_M).
  - attn_v for the others: Q2_K -> Q4_K (gqa >= 4) or Q3_K; Q2_K_S -> Q4_K (gqa >= 4); IQ3_XXS -> Q4_K (gqa >= 4)
    or IQ3_S without an imatrix / IQ3_XXS with one; IQ3_XS, IQ3_S -> Q4_K (gqa >= 4); IQ3_M -> Q4_K; Q3_K_M -> Q5_K
    for the first two then Q4_K; Q3_K_L -> Q5_K; IQ4_NL, IQ4_XS -> Q5_K (gqa >= 4); Q4_K_M, Q5_K_M -> Q6_K on
    "more bits" layers; Q4_K_S -> Q5_K for the first four; then 70B-class models bump Q3_K/Q4_K to Q5_K and
    eight-expert models use Q8_0.
  - attn_k: Q8_0 for eight experts; IQ3_XS -> IQ3_XXS; IQ3_XXS -> IQ2_S. attn_q: IQ3_XS -> IQ3_XXS;
    IQ3_XXS -> IQ2_S.
  - ffn_down (by layer): Q2_K -> Q3_K; Q2_K_S -> Q4_K in the first n/8; IQ3_XXS without imatrix -> Q4_K in the
    first n/8 then Q3_K; Q3_K_M -> Q5_K in the first n/16, then Q4_K (Falcon: Q3_K off "more bits" layers);
    IQ3_M -> Q4_K in the first n/8 (and "more bits" layers for 8 experts); Q3_K_L -> Q5_K (Falcon Q4_K);
    Q4_K_M -> Q6_K on "more bits" layers (Falcon: Q6_K first n/16, Q5_K more bits, else Q4_K); IQ4_NL/IQ4_XS
    without imatrix -> Q5_K in the first n/8; Q5_K_M -> Q6_K on "more bits" layers; Q4_K_S -> Q5_K in the
    first n/8 (not Falcon); Q4_0/Q5_0 with an imatrix -> Q4_1/Q5_1 in the first n/8.
  - attn_output: eight experts -> Q5_K for Q2_K, IQ3_XS, IQ3_XXS, Q3_K_S, Q3_K_M, IQ4_NL, Q4_K_S, Q4_K_M,
    IQ3_S, IQ3_M, IQ4_XS; otherwise Q2_K -> Q3_K, IQ3_XXS -> IQ3_S, Q3_K_M -> Q4_K, Q3_K_L -> Q5_K,
    IQ3_M -> Q4_K (Falcon: only Q3_K_L -> Q4_K).
  - ffn_gate / ffn_up: IQ3_XS -> IQ3_XXS between n/8 and 7n/8.
  - 1-D tensors (norms, biases) stay f32; the MoE router (``ffn_gate_inp``) is never quantized (f32 as converted).
  - ``tensor_type_fallback``: a tensor whose rows do not split into whole blocks falls back (the 256-block
    i-quants -> IQ4_NL; Q2_0/Q2_K/Q3_K/TQ1_0/TQ2_0 -> Q4_0; Q4_K -> Q5_0; Q5_K -> Q5_1; Q6_K -> Q8_0; F16 if
    even that does not fit).

  "More bits" layers: ``i < n/8 or i >= 7n/8 or (i - n/8) % 3 == 2`` (use_more_bits). ``n_gqa`` is
  n_head / n_head_kv; ``n_expert`` the routed experts. The counters run over tensors in the loader's order (by
  layer, then by name), so an MoE layer with a shared expert has two ffn_down tensors.

* Importance matrix: ``tensor_requires_imatrix`` refuses IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S and IQ3_XXS tensors
  (and Q2_K inside a Q2_K_S file) without one, so the mixes that produce those (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS,
  IQ2_S, IQ2_M, IQ3_XXS, IQ3_XS, Q2_K_S) are modelled as made with an imatrix; the others as made without one.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.calc.architecture import Architecture, param_breakdown

# ggml block layouts: (weights per block, bytes per block), from ggml-common.h's block structs (QK_K = 256):
# q4_0 = d(2) + 16, q4_1 = 2*2 + 16, q5_0 = 2 + 4 + 16, q5_1 = 4 + 4 + 16, q8_0 = 2 + 32, q2_K = 16 + 64 + 4,
# q3_K = 32 + 64 + 12 + 2, q4_K = 4 + 12 + 128, q5_K = 4 + 12 + 32 + 128, q6_K = 128 + 64 + 16 + 2,
# iq2_xxs = 2 + 64, iq2_xs = 2 + 64 + 8, iq2_s = 2 + 64 + 16, iq3_xxs = 2 + 96, iq3_s = 2 + 13*8 + 4,
# iq1_s = 2 + 32 + 16, iq1_m = 32 + 16 + 8, iq4_nl = 2 + 16 (32 weights), iq4_xs = 2 + 2 + 4 + 128,
# tq1_0 = 48 + 4 + 2, tq2_0 = 64 + 2, mxfp4 = e(1) + 16 (32 weights), nvfp4 = 4 + 32 (64 weights),
# q1_0 = 2 + 16 (128 weights), q2_0 = 2 + 16 (64 weights).
BLOCK = {
    "f32": (1, 4), "f16": (1, 2), "bf16": (1, 2),
    "q8_0": (32, 34), "q4_0": (32, 18), "q4_1": (32, 20), "q5_0": (32, 22), "q5_1": (32, 24),
    "q2_k": (256, 84), "q3_k": (256, 110), "q4_k": (256, 144), "q5_k": (256, 176), "q6_k": (256, 210),
    "iq4_nl": (32, 18), "iq4_xs": (256, 136), "iq3_s": (256, 110), "iq3_xxs": (256, 98),
    "iq2_xxs": (256, 66), "iq2_xs": (256, 74), "iq2_s": (256, 82), "iq1_s": (256, 50), "iq1_m": (256, 56),
    "tq1_0": (256, 54), "tq2_0": (256, 66), "mxfp4": (32, 17), "nvfp4": (64, 36), "q1_0": (128, 18),
    "q2_0": (64, 18),
}

# llama_ftype_get_default_type: the type every quantizable tensor gets unless a rule says otherwise. The keys are
# the ``--quantize`` presets of tools/quantize/quantize.cpp (lower case); the float ones are what a converted
# f32/f16/bf16 file holds.
MIX_DEFAULT = {
    "f32": "f32", "f16": "f16", "bf16": "bf16",
    "q8_0": "q8_0", "q4_0": "q4_0", "q4_1": "q4_1", "q5_0": "q5_0", "q5_1": "q5_1",
    "q1_0": "q1_0", "q2_0": "q2_0", "mxfp4_moe": "mxfp4", "nvfp4": "nvfp4",
    "q2_k": "q2_k", "q2_k_s": "q2_k", "q3_k_s": "q3_k", "q3_k_m": "q3_k", "q3_k_l": "q3_k",
    "q4_k_s": "q4_k", "q4_k_m": "q4_k", "q5_k_s": "q5_k", "q5_k_m": "q5_k", "q6_k": "q6_k",
    "tq1_0": "tq1_0", "tq2_0": "tq2_0",
    "iq2_xxs": "iq2_xxs", "iq2_xs": "iq2_xs", "iq2_s": "iq2_xs", "iq2_m": "iq2_s", "iq3_xxs": "iq3_xxs",
    "iq3_xs": "iq3_s", "iq3_s": "iq3_s", "iq3_m": "iq3_s", "iq1_s": "iq1_s", "iq1_m": "iq1_m",
    "iq4_nl": "iq4_nl", "iq4_xs": "iq4_xs",
}
_FLOAT = ("f32", "f16", "bf16")
_LOW_IQ = ("iq2_xxs", "iq2_xs", "iq1_s", "iq2_s", "iq2_m", "iq1_m")
# Output head at Q5_K (the tied embedding too).
_Q5K_OUTPUT = _LOW_IQ + ("iq3_xxs",)
# Mixes whose tensors llama-quantize refuses to make without an importance matrix (tensor_requires_imatrix).
IMATRIX_MIXES = _LOW_IQ + ("iq3_xxs", "iq3_xs", "q2_k_s")
# tensor_type_fallback (types without an entry have no fallback in llama-quant.cpp: F16 here).
_FALLBACK = {"iq1_s": "iq4_nl", "iq1_m": "iq4_nl", "iq2_xxs": "iq4_nl", "iq2_xs": "iq4_nl", "iq2_s": "iq4_nl",
             "iq3_xxs": "iq4_nl", "iq3_s": "iq4_nl", "iq4_xs": "iq4_nl", "q2_0": "q4_0", "q2_k": "q4_0",
             "q3_k": "q4_0", "tq1_0": "q4_0", "tq2_0": "q4_0", "q4_k": "q5_0", "q5_k": "q5_1", "q6_k": "q8_0"}
_EIGHT_EXPERT_O = ("q2_k", "iq3_xs", "iq3_xxs", "q3_k_s", "q3_k_m", "iq4_nl", "q4_k_s", "q4_k_m", "iq3_s", "iq3_m",
                   "iq4_xs")
_O_BUMP = {"q2_k": "q3_k", "iq3_xxs": "iq3_s", "q3_k_m": "q4_k", "q3_k_l": "q5_k", "iq3_m": "q4_k"}
# attn_k (without eight experts) and attn_q: IQ3_XS -> IQ3_XXS; IQ3_XXS -> IQ2_S.
_QK_BUMP = {"iq3_xs": "iq3_xxs", "iq3_xxs": "iq2_s"}
# token_embd (untied) of the low-bit mixes, before the row fallback: IQ2_XXS/IQ2_XS/IQ1_S/IQ1_M -> Q2_K;
# IQ2_S/IQ2_M/IQ3_XXS -> IQ3_S; TQ1_0/TQ2_0/Q2_0 -> Q4_K.
_TOKEN_EMBD = {"iq2_xxs": "q2_k", "iq2_xs": "q2_k", "iq1_s": "q2_k", "iq1_m": "q2_k",
               "iq2_s": "iq3_s", "iq2_m": "iq3_s", "iq3_xxs": "iq3_s", "tq1_0": "q4_k", "tq2_0": "q4_k", "q2_0": "q4_k"}
# llama.cpp's LLM_TYPE_70B: the layer count of the 70B-class dense models (see is_70b_class).
LAYERS_70B = 80
# Norms, biases and routers stay f32 (4 bytes) in a GGUF file.
F32_BYTES = 4

# The tables above as the calculator page reads them (generator/site/calculator.py calculator_data).
RULE_TABLES = {"float": _FLOAT, "low_iq": _LOW_IQ, "q5k_output": _Q5K_OUTPUT, "eight_expert_o": _EIGHT_EXPERT_O,
               "o_bump": _O_BUMP, "qk_bump": _QK_BUMP, "token_embd": _TOKEN_EMBD}


def type_bytes(ggml_type: str, count: int) -> float:
    per_block, size = BLOCK[ggml_type]
    return count / per_block * size


def _more_bits(i: int, n: int) -> bool:
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def _fallback(ggml_type: str, row: int) -> str:
    """tensor_type_fallback: rows that do not split into whole blocks."""
    if ggml_type in _FLOAT or row % BLOCK[ggml_type][0] == 0:
        return ggml_type
    other = _FALLBACK.get(ggml_type, "f16")
    return other if row % BLOCK[other][0] == 0 else "f16"


@dataclass(frozen=True)
class MixContext:
    mix: str
    n_layer: int
    gqa: float
    n_expert: int
    is_70b: bool
    falcon: bool = False
    imatrix: bool = False


def output_type(ctx: MixContext, row: int) -> str:
    default = MIX_DEFAULT[ctx.mix]
    if default in _FLOAT:
        return default
    if ctx.mix == "mxfp4_moe" or ctx.falcon or row % BLOCK[default][0] != 0:
        return "q8_0"
    if ctx.mix in _Q5K_OUTPUT:
        return "q5_k"
    # llama_tensor_get_type runs tensor_type_fallback after these rules: a Q6_K head whose rows fill the default's
    # smaller block but not Q6_K's 256 (Qwen2.5-0.5B's 896 under Q4_0) is written Q8_0.
    return _fallback(default if default == "q8_0" else "q6_k", row)


def token_embd_type(ctx: MixContext, row: int, tied: bool) -> str:
    if tied:
        return output_type(ctx, row)
    default = MIX_DEFAULT[ctx.mix]
    if default in _FLOAT:
        return default
    if ctx.mix == "mxfp4_moe":
        return "q8_0"
    return _fallback(_TOKEN_EMBD.get(ctx.mix, default), row)


def _attn_v_type(ctx: MixContext, i: int, default: str) -> str:
    mix, gqa = ctx.mix, ctx.gqa
    t = default
    if mix == "q2_k":
        t = "q4_k" if gqa >= 4 else "q3_k"
    elif mix == "q2_k_s" and gqa >= 4:
        t = "q4_k"
    elif mix == "iq3_xxs":
        t = "q4_k" if gqa >= 4 else ("iq3_xxs" if ctx.imatrix else "iq3_s")
    elif mix in ("iq3_xs", "iq3_s") and gqa >= 4:
        t = "q4_k"
    elif mix == "iq3_m":
        t = "q4_k"
    elif mix == "q3_k_m":
        t = "q5_k" if i < 2 else "q4_k"
    elif mix == "q3_k_l":
        t = "q5_k"
    elif mix in ("iq4_nl", "iq4_xs") and gqa >= 4:
        t = "q5_k"
    elif mix in ("q4_k_m", "q5_k_m") and _more_bits(i, ctx.n_layer):
        t = "q6_k"
    elif mix == "q4_k_s" and i < 4:
        t = "q5_k"
    if ctx.is_70b and t in ("q3_k", "q4_k"):
        t = "q5_k"
    if ctx.n_expert == 8:
        t = "q8_0"
    return t


def _ffn_down_type(ctx: MixContext, i: int, default: str) -> str:
    """``i``: the layer (llama.cpp's layer_info: the counter for dense models, the name's layer for MoE)."""
    mix, n, falcon = ctx.mix, ctx.n_layer, ctx.falcon
    if mix == "q2_k":
        return "q3_k"
    if mix == "q2_k_s":
        return "q4_k" if i < n // 8 else default
    if mix == "iq3_xxs" and not ctx.imatrix:
        return "q4_k" if i < n // 8 else "q3_k"
    if mix == "iq3_xxs":
        return default
    if mix == "q3_k_m":
        if i < n // 16:
            return "q5_k"
        return "q4_k" if not falcon or _more_bits(i, n) else "q3_k"
    if mix == "iq3_m":
        return "q4_k" if (i < n // 8 or (ctx.n_expert == 8 and _more_bits(i, n))) else default
    if mix == "q3_k_l":
        return "q4_k" if falcon else "q5_k"
    if mix == "q4_k_m":
        if falcon:
            return "q6_k" if i < n // 16 else ("q5_k" if _more_bits(i, n) else "q4_k")
        return "q6_k" if _more_bits(i, n) else default
    if i < n // 8 and mix in ("iq4_nl", "iq4_xs") and not ctx.imatrix:
        return "q5_k"
    if mix == "q5_k_m" and _more_bits(i, n):
        return "q6_k"
    if mix == "q4_k_s" and not falcon and i < n // 8:
        return "q5_k"
    if mix in ("q4_0", "q5_0") and ctx.imatrix and i < n // 8:
        return "q4_1" if mix == "q4_0" else "q5_1"
    return default


def _attn_output_type(ctx: MixContext, default: str) -> str:
    mix = ctx.mix
    if ctx.falcon:
        return "q4_k" if mix == "q3_k_l" else default
    if ctx.n_expert == 8:
        return "q5_k" if mix in _EIGHT_EXPERT_O else default
    return _O_BUMP.get(mix, default)


def _low_iq_type(ctx: MixContext, category: str, down_counter: int, default: str) -> str:
    """The 1- and 2-bit i-quant mixes' own branch of llama_tensor_get_type_impl."""
    mix = ctx.mix
    higher = "iq3_s" if mix in ("iq2_s", "iq2_m") else "q2_k"
    if category == "v":
        return "q4_k" if ctx.gqa >= 4 or ctx.n_expert >= 4 else higher
    if category == "k" and ctx.n_expert == 8:
        return "q4_k"
    if category == "down":
        return higher if down_counter < ctx.n_layer // 8 else default
    if category == "o":
        if ctx.n_expert == 8:
            return "q5_k"
        if mix in ("iq1_s", "iq1_m"):
            return "iq2_xxs"
        return "iq3_s" if mix in ("iq2_s", "iq2_m") else default
    return default


def _matrix_type(ctx: MixContext, category: str, i: int, row: int, expert: bool, down_counter: int) -> str:
    """The type of one quantizable matrix of layer ``i``; ``down_counter``: ffn_down tensors before this one."""
    default = MIX_DEFAULT[ctx.mix]
    if default in _FLOAT:
        return default
    if ctx.mix == "mxfp4_moe":
        t = "mxfp4" if expert else "q8_0"
    elif ctx.mix in _LOW_IQ:
        t = _low_iq_type(ctx, category, down_counter, default)
    elif category == "v":
        t = _attn_v_type(ctx, i, default)
    elif category == "k":
        t = "q8_0" if ctx.n_expert == 8 else _QK_BUMP.get(ctx.mix, default)
    elif category == "q":
        t = _QK_BUMP.get(ctx.mix, default)
    elif category == "down":
        t = _ffn_down_type(ctx, i, default)
    elif category == "o":
        t = _attn_output_type(ctx, default)
    elif category in ("gate", "up"):
        n = ctx.n_layer
        t = "iq3_xxs" if ctx.mix == "iq3_xs" and n // 8 <= i < 7 * n // 8 else default
    else:
        t = default
    return _fallback(t, row)


@dataclass(frozen=True)
class GgufLayout:
    """Bytes of a GGUF file by where llama.cpp puts them: per layer, the input embedding, the output head."""

    layer_bytes: tuple
    token_embd_bytes: float
    output_bytes: float
    output_norm_bytes: float
    tied: bool

    @property
    def total(self) -> float:
        head = 0 if self.tied else self.output_bytes
        return sum(self.layer_bytes) + self.token_embd_bytes + head + self.output_norm_bytes


def _mla_attention(arch: Architecture) -> list:
    """(category, row length, output rows, 3-D) of MLA attention matrices, as llama.cpp names them.

    convert_hf_to_gguf.py (DeepseekV2Model.modify_tensors, with PR #12801: "MLA with the absorption optimization,
    needs these two split and k_b_proj transposed") writes kv_b_proj as two 3-D tensors, attn_k_b (per head
    kv_lora_rank rows of qk_nope) and attn_v_b (per head v_head_dim rows of kv_lora_rank), and no attn_kv_b:
    neither name is an attn_v-like category in llama-quant.cpp, so both take the mix's default (attn_k_b's
    128-long rows fall back from 256-blocks)."""
    h = arch.hidden_size
    qk = arch.qk_nope_head_dim + arch.qk_rope_head_dim
    parts = []
    if arch.q_lora_rank:
        parts += [("other", h, arch.q_lora_rank, False), ("other", arch.q_lora_rank, arch.heads * qk, False)]
    else:
        parts.append(("q", h, arch.heads * qk, False))
    parts.append(("other", h, arch.kv_lora_rank + arch.qk_rope_head_dim, False))
    parts.append(("other", arch.qk_nope_head_dim, arch.heads * arch.kv_lora_rank, True))    # attn_k_b
    parts.append(("other", arch.kv_lora_rank, arch.heads * arch.v_head_dim, True))         # attn_v_b
    parts.append(("o", arch.heads * arch.v_head_dim, h, False))
    return parts


def is_moe_layer(arch: Architecture, i: int) -> bool:
    """Layers i >= first_k_dense_replace with (i - first_k_dense_replace + 1) % moe_layer_step == 0."""
    if not arch.is_moe or i < arch.first_k_dense_replace:
        return False
    return (i - arch.first_k_dense_replace + 1) % max(1, arch.moe_layer_step) == 0


def _shared_width(arch: Architecture) -> int:
    return arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size


def _layer_matrices(arch: Architecture, i: int) -> list:
    """(category, row length = input features, element count, is a 3-D expert tensor) of layer i's matrices,
    in the loader's order within the layer (by tensor name: attn_*, then ffn_down*, ffn_gate*, ffn_up*)."""
    h = arch.hidden_size
    if arch.is_mla:
        parts = [(c, row, row * out, three_d) for c, row, out, three_d in _mla_attention(arch)]
    else:
        q, kv = arch.heads * arch.head_dim, arch.kv_heads * arch.head_dim
        parts = [("q", h, h * q, False), ("k", h, h * kv, False), ("v", h, h * kv, False), ("o", q, q * h, False)]
    gated = arch.mlp_gated
    if not is_moe_layer(arch, i):
        f = arch.intermediate_size
        return parts + [("down", f, f * h, False)] + ([("gate", h, h * f, False)] if gated else []) + \
            [("up", h, h * f, False)]
    f = arch.moe_intermediate_size
    e = arch.num_experts
    parts += [("down", f, e * f * h, True)]
    shared = _shared_width(arch)
    if shared:
        parts += [("down", shared, shared * h, False)]
    parts += [("gate", h, e * h * f, True)] if gated else []
    parts += [("gate", h, h * shared, False)] if shared and gated else []
    parts += [("up", h, e * h * f, True)]
    parts += [("up", h, h * shared, False)] if shared else []
    return parts


def _layer_small_bytes(arch: Architecture, i: int) -> float:
    """f32 tensors of a layer: norms, biases, q/k norms, the MoE router and shared-expert gate."""
    h = arch.hidden_size
    count = arch.norms_per_layer * h
    if arch.is_mla:
        count += arch.kv_lora_rank + (arch.q_lora_rank or 0)
    else:
        if arch.qkv_bias:
            count += (arch.heads + 2 * arch.kv_heads) * arch.head_dim
        if arch.qk_norm:
            count += 2 * arch.head_dim
    if is_moe_layer(arch, i):
        count += h * arch.num_experts + (h if arch.shared_expert_gate else 0)
    return count * F32_BYTES


def is_70b_class(arch: Architecture) -> bool:
    # llama.cpp sets LLM_TYPE_70B from the layer count (80) for Llama and Qwen2 (llama-model.cpp load_hparams).
    return arch.layers == LAYERS_70B and not arch.is_moe and not arch.is_mla


def mix_context(arch: Architecture, mix: str) -> MixContext:
    falcon = arch.model_type == "falcon" or "FalconForCausalLM" in arch.architectures
    return MixContext(mix, arch.layers, arch.heads / max(1, arch.kv_heads), arch.num_experts, is_70b_class(arch),
                      falcon, mix in IMATRIX_MIXES)


def tensor_types(arch: Architecture, mix: str) -> list:
    """(layer or None, category, ggml type, element count) of every quantizable tensor, in the loader's order;
    token_embd and output come first and last."""
    if mix not in MIX_DEFAULT:
        raise KeyError(mix)
    ctx = mix_context(arch, mix)
    h, vocab = arch.hidden_size, arch.vocab_size
    rows = [(None, "token_embd", token_embd_type(ctx, h, arch.tie_word_embeddings), vocab * h)]
    down_counter = 0
    for i in range(arch.layers):
        for category, row, count, expert in _layer_matrices(arch, i):
            rows.append((i, category, _matrix_type(ctx, category, i, row, expert, down_counter), count))
            if category == "down":
                down_counter += 1
    if not arch.tie_word_embeddings:
        rows.append((None, "output", output_type(ctx, h), vocab * h))
    return rows


_layout_cache: dict = {}


def gguf_layout(arch: Architecture, mix: str) -> GgufLayout:
    key = (arch, mix)
    cached = _layout_cache.get(key)
    if cached is not None:
        return cached
    # Layers that differ from one another are sized from their own matrices (_uneven_layers, issue 21).
    uneven = _uneven_layers(arch, mix_context(arch, mix))
    layers = [_layer_small_bytes(arch, i) for i in range(arch.layers)] if uneven is None else list(uneven)
    embd = output = 0.0
    for layer, category, ggml_type, count in tensor_types(arch, mix):
        if layer is not None:
            if uneven is None:
                layers[layer] += type_bytes(ggml_type, count)
        elif category == "token_embd":
            embd = type_bytes(ggml_type, count)
        else:
            output = type_bytes(ggml_type, count)
    h, vocab = arch.hidden_size, arch.vocab_size
    if arch.tie_word_embeddings:
        output = type_bytes(output_type(mix_context(arch, mix), h), vocab * h)
    result = GgufLayout(tuple(layers), embd, output, h * float(F32_BYTES), arch.tie_word_embeddings)
    _layout_cache[key] = result
    return result


def _uneven_layers(arch: Architecture, ctx: MixContext) -> list | None:
    """Layers that differ from one another (issue 21: hybrid-state models' linear-attention / Mamba2 layers, Gemma
    4's global and KV-sharing layers, GLM-5's indexer): the per-layer tensor rules above assume one layout for
    every layer, so these files are sized from the architecture's own matrices at the mix's default type (f32 for
    norms, biases and routers), spread evenly over the layers. An approximation of the per-tensor choices; the
    total follows the model's parameters. None: every layer alike, the rules above apply."""
    if not (arch.layer_kinds or arch.mixer_shapes or arch.attention_shapes_given):
        return None
    b = param_breakdown(arch)
    default = MIX_DEFAULT[ctx.mix]
    total = 0.0
    for in_features, out_features, count in b.linear_shapes:
        kind = default if default in _FLOAT else _fallback(default, in_features)
        total += type_bytes(kind, in_features * out_features * count)
    # extra_params (conv weights, Gemma 4's per-layer embedding table) at the default type; the rest f32, less the
    # final norm: param_breakdown counts it in ``norms`` and gguf_layout adds it as output_norm_bytes.
    extra_type = default if default in _FLOAT else _fallback(default, arch.hidden_size)
    total += type_bytes(extra_type, arch.extra_params)
    final_norm = arch.hidden_size if arch.final_norm else 0
    total += (b.norms - arch.extra_params - final_norm + b.attention_bias + b.router) * F32_BYTES
    return [total / arch.layers] * arch.layers


def bits_per_weight(arch: Architecture, mix: str, params: int) -> float:
    """The file's average bits per weight, as llama.cpp's "model size ... (X BPW)" line reports it."""
    return gguf_layout(arch, mix).total * 8 / params
