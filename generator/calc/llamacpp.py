"""llama.cpp's memory, buffer by buffer, as its load log reports it.

Pure. For each card: the model buffer (the offloaded layers' tensors; the output head on the card that holds the
last layer), the KV buffer (its layers' K and V for n_ctx cells) and the compute buffer (the largest set of
tensors alive at once in the worst-case graph, since ggml's allocator reuses freed memory). ``token_embd`` stays
in host memory: llama.cpp runs the embedding lookup on the CPU (llama-model.cpp: the input layer is always
assigned to the CPU device), so it is reported as host memory with the layers left on the CPU by -ngl.

Sources (the build boundaries are in content/frameworks.yaml):
* Layer split across cards: llama-model.cpp ``load_tensors``: with the default split (proportional to each
  card's free memory; equal cards split evenly), layer ``il`` goes to the card whose cumulative share first
  exceeds ``il / act_gpu_layers``, where act_gpu_layers = min(n_gpu_layers, n_layer + 1) counts the output
  layer; the output head goes to the card of position ``n_layer``.
* n_ctx is rounded up to a multiple of 256 (llama_context: GGML_PAD(n_ctx, 256) since flash attention and the
  unified cache; older builds without flash attention used 32).
* KV cache: n_ctx cells x layers x (n_embd_k_gqa + n_embd_v_gqa) x the type's bytes (f16 2, q8_0 34/32,
  q4_0 18/32). Sliding-window layers: the full n_ctx until the SWA cache (PR #13194); since PR #13833 an SWA
  layer keeps pad(min(n_ctx, n_swa + n_ubatch), 256) cells. MLA (DeepSeek-V2/V3, GLM-4.7-Flash), three eras:
  - before PR #12801: full per-head K (n_head x (qk_nope + qk_rope)) and V (n_head x v_head_dim), e.g.
    "n_embd_k_gqa = 24576, n_embd_v_gqa = 16384" per layer for DeepSeek-V3 (llama.cpp PR #11397's logs);
  - PR #12801 (April 2025) to PR #19067: the latent as one K head of kv_lora_rank + qk_rope (576) and a V
    cache of kv_lora_rank (512) per layer ("n_embd_head_k = 576, n_embd_head_v = 512, n_head_kv = 1" in
    GLM-4.7-Flash load logs, ollama issue #15855);
  - since PR #19067 ("kv-cache : support V-less cache", 2026-01-24: "store combined latent data represented
    by the K cache ... almost x2 less memory"): the K latent only, 576 per layer.
* A quantized V cache needs flash attention: llama_init_from_model refuses it otherwise ("V cache
  quantization requires flash_attn"). A quantized cache needs heads of whole blocks (kv_block_refusal): "K cache
  type q4_0 with block size 32 does not divide n_embd_head_k=80" (llama_init_from_model, -fa auto and, since
  PR #21586, -fa on).
* Compute buffer: ggml-alloc frees a tensor after its last use and reuses the memory; the reserve graph has
  n_ubatch tokens and all n_ctx cells, with every token an output. The stages (f32 activations):
  - attention without flash attention: the residual stream, the f32 KQ mask (n_kv x ubatch), Q, the KQ
    scores n_kv x ubatch x n_head (softmax works in place) and the attention output;
  - attention with flash attention: residual, the f32 mask and its f16 copy, Q and the output (no KQ matrix);
  - feed-forward: residual, the normed input, gate and up (activation and product in place);
  - output (the card holding the head): the normed hidden state and the logits, n_vocab x ubatch f32.
  A Qwen2.5-3B log (LLamaSharp issue #1099: "CUDA0 compute buffer size = 300.75 MiB") is exactly the output
  stage: 151936 x 512 x 4 + 2048 x 512 x 4 bytes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from generator.calc.architecture import Architecture
from generator.calc.gguf_mix import BLOCK, gguf_layout

F32 = 4
# llama.cpp cache types and their bytes per value (ggml-common.h block sizes).
KV_TYPE_BYTES = {"f16": 2.0, "bf16": 2.0, "f32": 4.0, "q8_0": 34 / 32, "q4_0": 18 / 32, "q4_1": 20 / 32,
                 "q5_0": 22 / 32, "q5_1": 24 / 32, "iq4_nl": 18 / 32}
DEFAULT_UBATCH = 512
CTX_PAD_FLASH = 256
CTX_PAD_PLAIN = 32
SWA_PAD = 256


@dataclass(frozen=True)
class LlamaCppRun:
    """The settings of one llama.cpp context."""

    n_ctx: int
    n_ubatch: int = DEFAULT_UBATCH
    flash_attention: bool = False
    n_gpu_layers: int | None = None   # None: every layer and the output head (-ngl 99)
    gpus: int = 1
    kv_type: str = "f16"
    swa_cache: bool = False
    mla_latent_cache: bool = False
    # MLA with the latent cache: a V cache of kv_lora_rank values beside the latent K (builds before PR #19067).
    mla_v_cache: bool = False


@dataclass(frozen=True)
class LlamaCppMemory:
    """Bytes per card (model, KV, compute buffers) and in host memory."""

    model: tuple
    kv: tuple
    compute: tuple
    host_weights: float
    host_kv: float
    n_ctx: int

    @property
    def per_card(self) -> tuple:
        return tuple(m + k + c for m, k, c in zip(self.model, self.kv, self.compute))

    @property
    def host(self) -> float:
        return self.host_weights + self.host_kv


def padded_ctx(tokens: int, flash_attention: bool) -> int:
    pad = CTX_PAD_FLASH if flash_attention else CTX_PAD_PLAIN
    return max(pad, -(-tokens // pad) * pad)


@functools.lru_cache(maxsize=4096)
def layer_devices(n_layer: int, n_gpu_layers: int | None, gpus: int) -> tuple:
    """Card index of each layer (None: host) and of the output head, as llama-model.cpp assigns them.
    (Memoised: a pure function of three integers, asked for by every llama.cpp estimate; the result is a tuple.)"""
    ngl = n_layer + 1 if n_gpu_layers is None else max(0, n_gpu_layers)
    act = min(ngl, n_layer + 1)
    start = max(n_layer - ngl, 0)
    splits = [(k + 1) / gpus for k in range(gpus)]

    def card(position: int):
        if position < start or act == 0:
            return None
        share = (position - start) / act
        return min(gpus - 1, sum(1 for s in splits if s <= share))

    layers = tuple(card(i) for i in range(n_layer))
    output = card(n_layer) if ngl > n_layer else None
    return layers, output


def _kv_cells(arch: Architecture, layer: int, run: LlamaCppRun) -> int:
    local = arch.sliding_window and arch.sliding_window_layers and _is_swa_layer(arch, layer)
    if local and run.swa_cache:
        wanted = arch.sliding_window + run.n_ubatch
        return min(run.n_ctx, -(-wanted // SWA_PAD) * SWA_PAD)
    return run.n_ctx


def _is_swa_layer(arch: Architecture, layer: int) -> bool:
    # Which layers slide only matters for a split across cards: spread them evenly (Gemma-2 alternates).
    n, local = arch.layers, min(arch.sliding_window_layers, arch.layers)
    return (layer + 1) * local // n > layer * local // n


def kv_layer_bytes(arch: Architecture, layer: int, run: LlamaCppRun) -> float:
    if not arch.holds_kv(layer):
        return 0.0  # a hybrid model's state layer: its recurrent state is estimator.llamacpp_state_bytes
    return _kv_cells(arch, layer, run) * _kv_values(arch, run) * KV_TYPE_BYTES[run.kv_type]


def _kv_values(arch: Architecture, run: LlamaCppRun) -> int:
    """K and V values a cell of one layer holds (the same for every layer that holds K/V)."""
    if arch.is_mla:
        if run.mla_latent_cache:
            # K: the latent c_kv and the shared rope key (one head of kv_lora_rank + qk_rope). V: the latent again
            # (kv_lora_rank) until the V-less cache of PR #19067 reads V from the K cache.
            values = arch.kv_lora_rank + arch.qk_rope_head_dim + (arch.kv_lora_rank if run.mla_v_cache else 0)
        else:
            values = arch.heads * (arch.qk_nope_head_dim + arch.qk_rope_head_dim + arch.v_head_dim)
    else:
        values = 2 * arch.kv_heads * arch.head_dim
    return values


def _kv_layers(arch: Architecture, run: LlamaCppRun) -> list:
    """kv_layer_bytes of every layer, with what is the same for all of them worked out once (the same products,
    in the same order, as kv_layer_bytes: cells x values x bytes a value)."""
    values, size = _kv_values(arch, run), KV_TYPE_BYTES[run.kv_type]
    holds = [arch.holds_kv(i) for i in range(arch.layers)] if arch.layer_kinds else [True] * arch.layers
    sliding = arch.sliding_window and arch.sliding_window_layers and run.swa_cache
    if not sliding:
        full = run.n_ctx * values * size
        return [full if holds[i] else 0.0 for i in range(arch.layers)]
    return [_kv_cells(arch, i, run) * values * size if holds[i] else 0.0 for i in range(arch.layers)]


def _stage_bytes(arch: Architecture, run: LlamaCppRun, holds_output: bool) -> float:
    t = min(run.n_ubatch, run.n_ctx)
    h = arch.hidden_size
    n_kv = run.n_ctx
    heads = arch.heads
    q_width = heads * (arch.qk_nope_head_dim + arch.qk_rope_head_dim if arch.is_mla else arch.head_dim)
    out_width = heads * (arch.v_head_dim or arch.head_dim)
    residual = h * t * F32
    mask = n_kv * t * F32
    if run.flash_attention:
        attention = residual + mask + n_kv * t * 2 + q_width * t * F32 + out_width * t * F32
    else:
        attention = residual + mask + q_width * t * F32 + n_kv * t * heads * F32 + out_width * t * F32
    if arch.is_moe:
        shared = arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size
        # Routed experts: each token's top-k expert outputs (mul_mat_id), plus the shared expert.
        ffn_width = max(arch.experts_per_token * arch.moe_intermediate_size, shared,
                        arch.intermediate_size if arch.dense_layers else 0)
    else:
        ffn_width = arch.intermediate_size
    ffn = 2 * residual + 2 * ffn_width * t * F32
    stages = [attention, ffn]
    if holds_output:
        stages.append(residual + arch.vocab_size * t * F32)
    return max(stages)


def llamacpp_memory(arch: Architecture, mix: str, run: LlamaCppRun) -> LlamaCppMemory:
    layout = gguf_layout(arch, mix)
    layers, output_card = layer_devices(arch.layers, run.n_gpu_layers, run.gpus)
    model = [0.0] * run.gpus
    kv = [0.0] * run.gpus
    host_weights = layout.token_embd_bytes
    host_kv = 0.0
    layer_kvs = _kv_layers(arch, run)
    for index, card in enumerate(layers):
        layer_kv = layer_kvs[index]
        if card is None:
            host_weights += layout.layer_bytes[index]
            host_kv += layer_kv
        else:
            model[card] += layout.layer_bytes[index]
            kv[card] += layer_kv
    head = layout.output_bytes + layout.output_norm_bytes
    if output_card is None:
        host_weights += 0 if layout.tied else layout.output_bytes
        host_weights += layout.output_norm_bytes
    else:
        model[output_card] += head
    used = {card for card in layers if card is not None} | ({output_card} if output_card is not None else set())
    compute = [_stage_bytes(arch, run, card == output_card) if card in used else 0.0 for card in range(run.gpus)]
    return LlamaCppMemory(tuple(model), tuple(kv), tuple(compute), host_weights, host_kv, run.n_ctx)


def kv_block_size(kv_type: str) -> int:
    """Values in one block of a cache type (ggml's type table: 32 for q8_0, q4_0, q4_1, q5_0, q5_1 and iq4_nl;
    1 for f16, bf16 and f32)."""
    return BLOCK[kv_type][0]


def kv_head_widths(arch: Architecture, run: LlamaCppRun) -> tuple:
    """(n_embd_head_k, n_embd_head_v): one cached head's K and V widths as llama.cpp's hparams hold them. MLA with
    the latent cache: K is the latent and the rope key (576), V the latent (512) ("n_embd_head_k = 576,
    n_embd_head_v = 512" in GLM-4.7-Flash load logs); before it, one head's nope + rope key and its value. Gemma 4's
    global layers cache heads of their own size: every size is checked."""
    if arch.is_mla:
        if run.mla_latent_cache:
            return ((arch.kv_lora_rank + arch.qk_rope_head_dim,), (arch.kv_lora_rank,))
        return ((arch.qk_nope_head_dim + arch.qk_rope_head_dim,), (arch.v_head_dim,))
    widths = tuple(sorted({arch.head_dim, arch.global_head_dim or arch.head_dim}))
    return widths, widths


def kv_block_refusal(arch: Architecture, run: LlamaCppRun) -> tuple:
    """llama.cpp's refusal of a quantized cache whose heads do not split into whole blocks: () when they do, else
    (the head's width, llama.cpp's error line).

    ggml stores one head's K (and V) row per cell as whole blocks: the cache view's row stride is
    ggml_row_size(type, n_embd_head), and ggml.c's ``assert(ne % ggml_blck_size(type) == 0)`` there is a plain
    assert, compiled out of release builds, so a head of 80 values in q4_0 (2.5 blocks) starts mid-block. Since -fa
    auto, llama_init_from_model (src/llama-context.cpp) refuses such a context first; PR #21586 ("kv-cache : extend
    cache quantization checks", 2026-04-07) made the same check cover -fa on. Without flash attention a quantized V
    cache is refused anyway ("V cache quantization requires flash_attn"). The messages are llama.cpp's own, V's
    included (it prints n_embd_head_v as n_embd_head_k)."""
    block = kv_block_size(run.kv_type)
    keys, values = kv_head_widths(arch, run)
    for kind, widths in (("K", keys), ("V", values)):
        for width in widths:
            if width % block:
                return width, (f"{kind} cache type {run.kv_type} with block size {block} does not divide "
                               f"n_embd_head_k={width}")
    return ()


__all__ = ["LlamaCppRun", "LlamaCppMemory", "llamacpp_memory", "layer_devices", "padded_ctx", "kv_layer_bytes",
           "KV_TYPE_BYTES", "DEFAULT_UBATCH", "kv_block_size", "kv_head_widths", "kv_block_refusal"]
