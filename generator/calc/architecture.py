"""A decoder-only transformer's shape and the parameter counts that follow from it.

Pure arithmetic, no I/O. The weight layout of each family was read off its Hugging Face modeling code:

* Llama / Mistral / Qwen2 / Qwen3: q, k, v, o projections (Qwen2 adds q/k/v biases, Qwen3 adds one RMSNorm of
  head_dim on q and on k), a gated MLP (gate, up, down), two RMSNorms per layer, one final norm.
* Qwen2-MoE: every layer has a router (hidden -> experts), the routed experts, one shared expert of
  ``shared_expert_intermediate_size`` and a ``shared_expert_gate`` (hidden -> 1).
* Qwen3-MoE: router and routed experts, no shared expert.
* Gemma-2: four RMSNorms per layer (input, post-attention, pre- and post-feedforward), tied embeddings,
  sliding-window attention on every other layer.
* GLM-4 (ChatGLM code): fused query_key_value with bias, dense output without bias, fused gate+up
  (dense_h_to_4h) and dense_4h_to_h; the same counts as a Llama layer with q/k/v biases.
* DeepSeek-V2 (MLA): q_proj (or q_a/q_b with a norm when q_lora_rank is set), kv_a_proj_with_mqa to
  kv_lora_rank + rope dims, kv_a_layernorm, kv_b_proj back to per-head nope + v dims, o_proj; the first
  ``first_k_dense_replace`` layers have a dense MLP, the rest a router, routed experts and shared experts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Architecture:
    """The shape facts of a model that decide its weight count, KV cache and activations."""

    family: str
    hidden_size: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool = False
    qkv_bias: bool = False
    qk_norm: bool = False
    norms_per_layer: int = 2
    max_position_embeddings: int = 0
    # Mixture of experts (num_experts == 0: dense).
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    shared_expert_gate: bool = False
    n_shared_experts: int = 0
    first_k_dense_replace: int = 0
    # Multi-head latent attention (kv_lora_rank == 0: ordinary attention).
    kv_lora_rank: int = 0
    q_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    # Sliding-window attention: how many of the layers attend only to the last `sliding_window` tokens.
    sliding_window: int = 0
    sliding_window_layers: int = 0
    architectures: tuple = field(default=())
    # Added for the family readers (generator/families/); every default keeps the Llama-style count above.
    model_type: str = ""
    mlp_gated: bool = True          # False: a plain two-matrix MLP (GPT-2, OPT, Falcon)
    mlp_bias: bool = False          # biases on the MLP matrices
    o_bias: bool = False            # bias on the attention output projection
    norm_bias: bool = False         # LayerNorm (weight and bias) instead of RMSNorm (weight only)
    final_norm: bool = True         # one norm after the last layer
    position_embeddings: int = 0    # rows of a learned absolute position table (GPT-2, OPT)
    moe_layer_step: int = 1         # every step-th layer (after the first dense ones) is MoE (Llama 4, Qwen2-MoE)
    expert_bias: bool = False       # routed experts and router carry biases (GPT-OSS)
    attention_sinks: bool = False   # one learned sink logit per head and layer (GPT-OSS)
    extra_params: int = 0           # small tensors a family adds outside the layer pattern (lm_head bias, projections)
    vision_params: int = 0          # vision/audio tower and projector, kept at 16 bits by weight-only formats

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    @property
    def moe_layers(self) -> int:
        """Layers i >= first_k_dense_replace with (i - first_k_dense_replace + 1) % moe_layer_step == 0."""
        if not self.is_moe:
            return 0
        return max(0, self.layers - self.first_k_dense_replace) // max(1, self.moe_layer_step)

    @property
    def dense_layers(self) -> int:
        return self.layers - self.moe_layers


@dataclass(frozen=True)
class ParamBreakdown:
    """Parameter counts by component, so each component can get its own storage format.

    ``*_linear`` counts are weights of matrices that weight-only quantization (GPTQ, AWQ, GGUF k-quants) packs;
    the rest (embedding, lm_head, norms, biases, routers) is usually kept at 16 bits by those formats.
    ``linear_shapes`` lists (in_features, out_features, count) of every quantizable matrix, for formats whose
    size depends on the shape (group scales per input group).
    """

    embedding: int
    lm_head: int
    attention_linear: int
    attention_bias: int
    mlp_linear: int
    experts_linear: int
    router: int
    norms: int
    linear_shapes: tuple
    vision: int = 0
    # Parallel to linear_shapes: "attention", "mlp" (dense and shared-expert MLPs) or "experts" (routed experts),
    # for formats that quantize only some kinds (MXFP4 in GPT-OSS, modules_to_not_convert).
    linear_kinds: tuple = ()

    @property
    def total(self) -> int:
        return (self.embedding + self.lm_head + self.attention_linear + self.attention_bias + self.mlp_linear
                + self.experts_linear + self.router + self.norms + self.vision)

    @property
    def linear(self) -> int:
        return self.attention_linear + self.mlp_linear + self.experts_linear

    @property
    def largest_linear(self) -> int:
        """in_features * out_features of the biggest quantized matrix (dequantization scratch size)."""
        return max((i * o for i, o, _ in self.linear_shapes), default=0)


def _attention_shapes(arch: Architecture) -> list:
    h = arch.hidden_size
    if arch.is_mla:
        qk_head = arch.qk_nope_head_dim + arch.qk_rope_head_dim
        shapes = []
        if arch.q_lora_rank:
            shapes.append((h, arch.q_lora_rank))
            shapes.append((arch.q_lora_rank, arch.heads * qk_head))
        else:
            shapes.append((h, arch.heads * qk_head))
        shapes.append((h, arch.kv_lora_rank + arch.qk_rope_head_dim))
        shapes.append((arch.kv_lora_rank, arch.heads * (arch.qk_nope_head_dim + arch.v_head_dim)))
        shapes.append((arch.heads * arch.v_head_dim, h))
        return shapes
    q_out = arch.heads * arch.head_dim
    kv_out = arch.kv_heads * arch.head_dim
    return [(h, q_out), (h, kv_out), (h, kv_out), (q_out, h)]


def _attention_extra(arch: Architecture) -> tuple:
    """(biases, norm weights) inside one attention block."""
    if arch.is_mla:
        norms = arch.kv_lora_rank + (arch.q_lora_rank if arch.q_lora_rank else 0)
        return 0, norms
    bias = (arch.heads + 2 * arch.kv_heads) * arch.head_dim if arch.qkv_bias else 0
    bias += arch.hidden_size if arch.o_bias else 0
    norms = 2 * arch.head_dim if arch.qk_norm else 0
    norms += arch.heads if arch.attention_sinks else 0
    return bias, norms


def _gated_mlp_shapes(hidden: int, intermediate: int) -> list:
    return [(hidden, intermediate), (hidden, intermediate), (intermediate, hidden)]


def _dense_mlp_shapes(arch: Architecture, intermediate: int) -> list:
    if arch.mlp_gated:
        return _gated_mlp_shapes(arch.hidden_size, intermediate)
    return [(arch.hidden_size, intermediate), (intermediate, arch.hidden_size)]


def _dense_mlp_bias(arch: Architecture, intermediate: int) -> int:
    if not arch.mlp_bias:
        return 0
    return (2 if arch.mlp_gated else 1) * intermediate + arch.hidden_size


_breakdown_cache: dict = {}


def param_breakdown(arch: Architecture) -> ParamBreakdown:
    """Every weight and bias of the model, by component (cached: an Architecture is immutable)."""
    cached = _breakdown_cache.get(arch)
    if cached is not None:
        return cached
    h = arch.hidden_size
    attention_shapes = _attention_shapes(arch)
    attention_bias, attention_norms = _attention_extra(arch)
    shapes = [(i, o, arch.layers) for i, o in attention_shapes]
    kinds = ["attention"] * len(shapes)
    attention_linear = arch.layers * sum(i * o for i, o in attention_shapes)

    mlp_linear = 0
    experts_linear = 0
    router = 0
    mlp_bias = 0
    if arch.dense_layers:
        dense = _dense_mlp_shapes(arch, arch.intermediate_size)
        mlp_linear += arch.dense_layers * sum(i * o for i, o in dense)
        mlp_bias += arch.dense_layers * _dense_mlp_bias(arch, arch.intermediate_size)
        shapes += [(i, o, arch.dense_layers) for i, o in dense]
        kinds += ["mlp"] * len(dense)
    if arch.moe_layers:
        expert = _gated_mlp_shapes(h, arch.moe_intermediate_size)
        experts_linear = arch.moe_layers * arch.num_experts * sum(i * o for i, o in expert)
        shapes += [(i, o, arch.moe_layers * arch.num_experts) for i, o in expert]
        kinds += ["experts"] * len(expert)
        shared_intermediate = arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size
        if shared_intermediate:
            shared = _gated_mlp_shapes(h, shared_intermediate)
            mlp_linear += arch.moe_layers * sum(i * o for i, o in shared)
            shapes += [(i, o, arch.moe_layers) for i, o in shared]
            kinds += ["mlp"] * len(shared)
        router = arch.moe_layers * (h * arch.num_experts + (h if arch.shared_expert_gate else 0))
        if arch.expert_bias:
            # GPT-OSS: router bias, and gate_up (2 x intermediate) and down (hidden) biases per expert.
            router += arch.moe_layers * arch.num_experts * (1 + 2 * arch.moe_intermediate_size + h)

    norm_size = 2 * h if arch.norm_bias else h
    norms = arch.layers * (arch.norms_per_layer * norm_size + attention_norms)
    norms += norm_size if arch.final_norm else 0
    embedding = (arch.vocab_size + arch.position_embeddings) * h
    lm_head = 0 if arch.tie_word_embeddings else arch.vocab_size * h
    result = ParamBreakdown(
        embedding=embedding, lm_head=lm_head, attention_linear=attention_linear,
        attention_bias=arch.layers * attention_bias + mlp_bias, mlp_linear=mlp_linear, experts_linear=experts_linear,
        router=router, norms=norms + arch.extra_params, linear_shapes=tuple(shapes), vision=arch.vision_params,
        linear_kinds=tuple(kinds),
    )
    _breakdown_cache[arch] = result
    return result


def params_total(arch: Architecture) -> int:
    """Every weight and bias, counting tied embeddings once (equals safetensors total_size / 2 at 16 bits)."""
    return param_breakdown(arch).total


def params_active_per_token(arch: Architecture) -> int:
    """Parameters one token passes through: all but the routed experts it is not sent to.

    The input embedding is counted (as the published counts for MoE models do): one row is read, but the
    convention is to count the matrix.
    """
    breakdown = param_breakdown(arch)
    if not arch.is_moe:
        return breakdown.total
    per_expert = 3 * arch.hidden_size * arch.moe_intermediate_size
    inactive = arch.moe_layers * (arch.num_experts - arch.experts_per_token) * per_expert
    return breakdown.total - inactive


def kv_cache_bytes_per_token(arch: Architecture, bytes_per_value: float, mla_compressed: bool = False,
                             context: int | None = None) -> float:
    """KV cache bytes one sequence needs per token, averaged over the first ``context`` tokens.

    Sliding-window layers keep at most ``sliding_window`` tokens, so with ``context`` given they cost
    ``min(context, window) / context`` of a full layer per token. ``mla_compressed``: an MLA-aware engine
    stores the compressed latent (kv_lora_rank) plus the shared rope key per layer instead of full K and V.
    """
    if arch.is_mla:
        if mla_compressed:
            per_layer = arch.kv_lora_rank + arch.qk_rope_head_dim
        else:
            per_layer = arch.heads * (arch.qk_nope_head_dim + arch.qk_rope_head_dim + arch.v_head_dim)
        return arch.layers * per_layer * bytes_per_value
    per_layer = 2 * arch.kv_heads * arch.head_dim * bytes_per_value
    local = arch.sliding_window_layers if arch.sliding_window else 0
    if local and context and context > arch.sliding_window:
        fraction = arch.sliding_window / context
        return per_layer * ((arch.layers - local) + local * fraction)
    return per_layer * arch.layers
