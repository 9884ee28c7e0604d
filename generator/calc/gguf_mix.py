"""The bytes of a GGUF file, tensor by tensor, as llama.cpp's quantize tool writes each mix.

Pure. A GGUF "mix" (Q4_K_M, Q2_K, IQ3_M ...) is not one block type: llama.cpp's quantize tool picks a type per
tensor. The rules below follow ``llama_tensor_get_type_impl`` and ``llama_ftype_get_default_type`` in
src/llama-quant.cpp (ggml-org/llama.cpp, read at commit 007dbbf3; the rules for these mixes are unchanged since
the k-quants of PR #1684 and the i-quants of 2024), without an importance matrix:

* ``output.weight`` (and ``token_embd`` when it is tied to it) -> Q6_K, except Q8_0 files keep Q8_0 and the
  2-bit and 1-bit i-quant mixes use Q5_K; a row length not divisible by the block size -> Q8_0.
* ``token_embd.weight`` (untied) -> the mix's default type; Q2_K for IQ2_XXS/IQ2_XS/IQ1_S/IQ1_M, IQ3_S for
  IQ2_S/IQ2_M/IQ3_XXS.
* ``attn_v`` (and fused qkv, MLA's ``attn_kv_b``): Q2_K -> Q4_K when n_head/n_head_kv >= 4 else Q3_K;
  Q3_K_M -> Q5_K for the first two layers then Q4_K; Q3_K_L -> Q5_K; Q4_K_M/Q5_K_M -> Q6_K on "more bits"
  layers; Q4_K_S -> Q5_K for the first four; IQ4_NL/IQ4_XS/IQ3_XS/IQ3_S -> a higher type on GQA models;
  70B-class models (80 layers) bump Q3_K/Q4_K to Q5_K; eight-expert models use Q8_0.
* ``ffn_down``: Q2_K -> Q3_K; Q3_K_M -> Q5_K in the first n/16 layers then Q4_K on "more bits" layers;
  Q3_K_L -> Q5_K; Q4_K_M/Q5_K_M -> Q6_K on "more bits" layers; Q4_K_S -> Q5_K in the first n/8 layers.
* ``attn_output``: Q2_K -> Q3_K; Q3_K_M -> Q4_K; Q3_K_L -> Q5_K; IQ3_M -> Q4_K (Q5_K for eight experts).
* 1-D tensors (norms, biases) stay f32; the MoE router (``ffn_gate_inp``) is never quantized (f32 as converted).
* A tensor whose rows do not split into whole blocks falls back (Q4_K -> Q5_0, Q6_K -> Q8_0, Q2_K/Q3_K -> Q4_0,
  i-quants -> IQ4_NL).

"More bits" layers: ``i < n/8 or i >= 7n/8 or (i - n/8) % 3 == 2`` (use_more_bits in llama-quant.cpp).
"""

from __future__ import annotations

from dataclasses import dataclass

from .architecture import Architecture, param_breakdown

# ggml block layouts (ggml/src/ggml-common.h): (weights per block, bytes per block).
BLOCK = {
    "f32": (1, 4), "f16": (1, 2), "bf16": (1, 2),
    "q8_0": (32, 34), "q4_0": (32, 18), "q4_1": (32, 20), "q5_0": (32, 22), "q5_1": (32, 24),
    "q2_k": (256, 84), "q3_k": (256, 110), "q4_k": (256, 144), "q5_k": (256, 176), "q6_k": (256, 210),
    "iq4_nl": (32, 18), "iq4_xs": (256, 136), "iq3_s": (256, 110), "iq3_xxs": (256, 98),
    "iq2_xxs": (256, 66), "iq2_xs": (256, 74), "iq2_s": (256, 82), "iq1_s": (256, 50), "iq1_m": (256, 56),
}

# llama_ftype_get_default_type: the type every quantizable tensor gets unless a rule says otherwise.
MIX_DEFAULT = {
    "f32": "f32", "f16": "f16", "bf16": "bf16",
    "q8_0": "q8_0", "q4_0": "q4_0", "q4_1": "q4_1", "q5_0": "q5_0", "q5_1": "q5_1",
    "q2_k": "q2_k", "q2_k_s": "q2_k", "q3_k_s": "q3_k", "q3_k_m": "q3_k", "q3_k_l": "q3_k",
    "q4_k_s": "q4_k", "q4_k_m": "q4_k", "q5_k_s": "q5_k", "q5_k_m": "q5_k", "q6_k": "q6_k",
    "iq2_xxs": "iq2_xxs", "iq2_xs": "iq2_xs", "iq2_s": "iq2_xs", "iq2_m": "iq2_s", "iq3_xxs": "iq3_xxs",
    "iq3_xs": "iq3_s", "iq3_s": "iq3_s", "iq3_m": "iq3_s", "iq1_s": "iq1_s", "iq1_m": "iq1_m",
    "iq4_nl": "iq4_nl", "iq4_xs": "iq4_xs",
}
_FLOAT = ("f32", "f16", "bf16")
_LOW_IQ = ("iq2_xxs", "iq2_xs", "iq1_s", "iq2_s", "iq2_m", "iq1_m")
_FALLBACK = {"iq1_s": "iq4_nl", "iq1_m": "iq4_nl", "iq2_xxs": "iq4_nl", "iq2_xs": "iq4_nl", "iq2_s": "iq4_nl",
             "iq3_xxs": "iq4_nl", "iq3_s": "iq4_nl", "iq4_xs": "iq4_nl", "q2_k": "q4_0", "q3_k": "q4_0",
             "q4_k": "q5_0", "q5_k": "q5_1", "q6_k": "q8_0"}


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


def output_type(ctx: MixContext, row: int) -> str:
    default = MIX_DEFAULT[ctx.mix]
    if default in _FLOAT:
        return default
    if row % BLOCK[default][0] != 0:
        return "q8_0"
    if ctx.mix in _LOW_IQ:
        return "q5_k"
    return default if default == "q8_0" else "q6_k"


def token_embd_type(ctx: MixContext, row: int, tied: bool) -> str:
    if tied:
        return output_type(ctx, row)
    default = MIX_DEFAULT[ctx.mix]
    if ctx.mix in ("iq2_xxs", "iq2_xs", "iq1_s", "iq1_m"):
        return _fallback("q2_k", row)
    if ctx.mix in ("iq2_s", "iq2_m", "iq3_xxs"):
        return _fallback("iq3_s", row)
    return _fallback(default, row)


def _attn_v_type(ctx: MixContext, i: int, default: str) -> str:
    mix, gqa, n = ctx.mix, ctx.gqa, ctx.n_layer
    t = default
    if mix in _LOW_IQ:
        if gqa >= 4 or ctx.n_expert >= 4:
            return "q4_k"
        return "iq3_s" if mix in ("iq2_s", "iq2_m") else "q2_k"
    if mix == "q2_k":
        t = "q4_k" if gqa >= 4 else "q3_k"
    elif mix == "q2_k_s" and gqa >= 4:
        t = "q4_k"
    elif mix == "iq3_xxs":
        t = "q4_k" if gqa >= 4 else "iq3_s"
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
    elif mix in ("q4_k_m", "q5_k_m") and _more_bits(i, n):
        t = "q6_k"
    elif mix == "q4_k_s" and i < 4:
        t = "q5_k"
    if ctx.is_70b and t in ("q3_k", "q4_k"):
        t = "q5_k"
    if ctx.n_expert == 8:
        t = "q8_0"
    return t


def _ffn_down_type(ctx: MixContext, i: int, default: str) -> str:
    mix, n = ctx.mix, ctx.n_layer
    if mix in _LOW_IQ:
        if i < n // 8:
            return "iq3_s" if mix in ("iq2_s", "iq2_m") else "q2_k"
        return default
    if mix == "q2_k":
        return "q3_k"
    if mix == "q2_k_s":
        return "q4_k" if i < n // 8 else default
    if mix == "iq3_xxs":
        return "q4_k" if i < n // 8 else "q3_k"
    if mix == "q3_k_m":
        return "q5_k" if i < n // 16 else "q4_k"  # non-Falcon: always Q4_K past the first n/16
    if mix == "iq3_m" and (i < n // 8 or (ctx.n_expert == 8 and _more_bits(i, n))):
        return "q4_k"
    if mix == "q3_k_l":
        return "q5_k"
    if mix == "q4_k_m":
        return "q6_k" if _more_bits(i, n) else default
    if mix in ("iq4_nl", "iq4_xs") and i < n // 8:
        return "q5_k"
    if mix == "q5_k_m" and _more_bits(i, n):
        return "q6_k"
    if mix == "q4_k_s" and i < n // 8:
        return "q5_k"
    return default


def _attn_output_type(ctx: MixContext, default: str) -> str:
    mix = ctx.mix
    if mix in _LOW_IQ:
        if ctx.n_expert == 8:
            return "q5_k"
        if mix in ("iq1_s", "iq1_m"):
            return "iq2_xxs"
        return "iq3_s" if mix in ("iq2_s", "iq2_m") else default
    if ctx.n_expert == 8:
        bump = ("q2_k", "iq3_xs", "iq3_xxs", "q3_k_s", "q3_k_m", "iq4_nl", "q4_k_s", "q4_k_m", "iq3_s", "iq3_m",
                "iq4_xs")
        return "q5_k" if mix in bump else default
    return {"q2_k": "q3_k", "iq3_xxs": "iq3_s", "q3_k_m": "q4_k", "q3_k_l": "q5_k", "iq3_m": "q4_k"}.get(mix, default)


def _q_k_type(ctx: MixContext, default: str, is_k: bool) -> str:
    if ctx.mix in _LOW_IQ:
        return "q4_k" if (is_k and ctx.n_expert == 8) else default
    if is_k and ctx.n_expert == 8:
        return "q8_0"
    if ctx.mix == "iq3_xs":
        return "iq3_xxs"
    if ctx.mix == "iq3_xxs":
        return "iq2_s"
    return default


def _gate_up_type(ctx: MixContext, i: int, default: str) -> str:
    n = ctx.n_layer
    if ctx.mix == "iq3_xs" and n // 8 <= i < 7 * n // 8:
        return "iq3_xxs"
    return default


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
    """(category, row length, count) of MLA attention matrices, as llama.cpp names them."""
    h = arch.hidden_size
    qk = arch.qk_nope_head_dim + arch.qk_rope_head_dim
    parts = []
    if arch.q_lora_rank:
        parts += [("other", h, arch.q_lora_rank), ("other", arch.q_lora_rank, arch.heads * qk)]
    else:
        parts.append(("q", h, arch.heads * qk))
    parts.append(("other", h, arch.kv_lora_rank + arch.qk_rope_head_dim))
    parts.append(("v", arch.kv_lora_rank, arch.heads * (arch.qk_nope_head_dim + arch.v_head_dim)))
    parts.append(("o", arch.heads * arch.v_head_dim, h))
    return parts


def _layer_matrices(arch: Architecture, i: int) -> list:
    """(category, row length = input features, element count) of each quantizable matrix of layer i."""
    h = arch.hidden_size
    if arch.is_mla:
        parts = [(c, row, row * out) for c, row, out in _mla_attention(arch)]
    else:
        q, kv = arch.heads * arch.head_dim, arch.kv_heads * arch.head_dim
        parts = [("q", h, h * q), ("k", h, h * kv), ("v", h, h * kv), ("o", q, q * h)]
    moe = arch.is_moe and i >= arch.first_k_dense_replace
    if not moe:
        f = arch.intermediate_size
        return parts + [("gate", h, h * f), ("up", h, h * f), ("down", f, f * h)]
    f = arch.moe_intermediate_size
    e = arch.num_experts
    parts += [("gate", h, e * h * f), ("up", h, e * h * f), ("down", f, e * f * h)]
    shared = arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size
    if shared:
        parts += [("gate", h, h * shared), ("up", h, h * shared), ("down", shared, shared * h)]
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
    if arch.is_moe and i >= arch.first_k_dense_replace:
        count += h * arch.num_experts + (h if arch.shared_expert_gate else 0)
    return count * 4


def _matrix_type(ctx: MixContext, category: str, i: int, row: int) -> str:
    default = MIX_DEFAULT[ctx.mix]
    if default in _FLOAT:
        return default
    if category == "v":
        t = _attn_v_type(ctx, i, default)
    elif category == "down":
        t = _ffn_down_type(ctx, i, default)
    elif category == "o":
        t = _attn_output_type(ctx, default)
    elif category in ("q", "k"):
        t = _q_k_type(ctx, default, category == "k")
    elif category in ("gate", "up"):
        t = _gate_up_type(ctx, i, default)
    else:
        t = default
    return _fallback(t, row)


def is_70b_class(arch: Architecture) -> bool:
    # llama.cpp sets LLM_TYPE_70B from the layer count (80) for Llama and Qwen2 (llama-model.cpp load_hparams).
    return arch.layers == 80 and not arch.is_moe and not arch.is_mla


_layout_cache: dict = {}


def gguf_layout(arch: Architecture, mix: str) -> GgufLayout:
    key = (arch, mix)
    cached = _layout_cache.get(key)
    if cached is not None:
        return cached
    ctx = MixContext(mix, arch.layers, arch.heads / max(1, arch.kv_heads), arch.num_experts, is_70b_class(arch))
    layers = _uneven_layers(arch, ctx)
    if layers is None:
        layers = []
        for i in range(arch.layers):
            total = _layer_small_bytes(arch, i)
            for category, row, count in _layer_matrices(arch, i):
                total += type_bytes(_matrix_type(ctx, category, i, row), count)
            layers.append(total)
    h, vocab = arch.hidden_size, arch.vocab_size
    tied = arch.tie_word_embeddings
    embd = type_bytes(token_embd_type(ctx, h, tied), vocab * h)
    output = type_bytes(output_type(ctx, h), vocab * h)
    result = GgufLayout(tuple(layers), embd, output, h * 4.0, tied)
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
    # extra_params (conv weights, Gemma 4's per-layer embedding table) at the default type; the rest f32.
    extra_type = default if default in _FLOAT else _fallback(default, arch.hidden_size)
    total += type_bytes(extra_type, arch.extra_params)
    total += (b.norms - arch.extra_params + b.attention_bias + b.router) * 4
    return [total / arch.layers] * arch.layers


def bits_per_weight(arch: Architecture, mix: str, params: int) -> float:
    """The file's average bits per weight, as llama.cpp's "model size ... (X BPW)" line reports it."""
    return gguf_layout(arch, mix).total * 8 / params
