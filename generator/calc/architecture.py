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


def remembered_hash(cls):
    """A frozen dataclass whose hash is worked out once per object: the same value as the dataclass's own hash (its
    fields never change), kept beside the fields, outside them (so eq, repr, replace and asdict never see it), and
    left out when the object is pickled (a string's hash differs from process to process). The estimate caches hash
    an Architecture or a profile thousands of times a build."""
    computed = cls.__hash__

    def __hash__(self):
        try:
            return self.__dict__["_hash"]
        except KeyError:
            value = self.__dict__["_hash"] = computed(self)
            return value

    def __getstate__(self):
        return {name: value for name, value in self.__dict__.items() if name != "_hash"}

    cls.__hash__ = __hash__
    cls.__getstate__ = __getstate__
    return cls


@remembered_hash
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
    # Hybrid-state models (issue 21). ``layer_kinds``: one letter per layer, "A" self-attention (holds K/V), "S" a
    # linear-attention (Gated DeltaNet) or Mamba2 mixer (holds a fixed conv + recurrent state per sequence instead),
    # "F" a feed-forward-only block (Nemotron-H's MLP/MoE blocks: neither), "B" both an attention and a Mamba2 mixer
    # side by side (Falcon-H1: K/V and a state); "" = every layer is attention.
    layer_kinds: str = ""
    conv_dim: int = 0               # channels of a state layer's causal conv1d (its conv state keeps conv_kernel columns)
    conv_kernel: int = 0            # that convolution's kernel width
    recurrent_state_values: int = 0  # values of one state layer's recurrent/SSM state for one sequence
    mixer_shapes: tuple = ()        # (in, out, count) of the state layers' matrices (and other extra mixer matrices)
    attention_output_gate: bool = False  # q_proj also emits a per-head output gate (Qwen3-Next/Qwen3.5): 2x its width
    qk_norm_full: bool = False      # q/k RMSNorm over the whole projection width (OLMo-2), not one head_dim
    experts_gated: bool = True      # routed experts are gate/up/down (False: up/down, Nemotron-H)
    moe_layers_override: int = -1   # layers with routed experts when no first_k_dense/step rule says it (-1: the rule)
    mlp_layers_override: int = -1   # layers with a dense MLP (-1: every layer that is not MoE)
    # Gemma 4: the global (full-attention) layers' own head size and KV heads (0: the same as the sliding ones).
    global_head_dim: int = 0
    global_kv_heads: int = 0
    # GLM-5 (glm_moe_dsa): the sparse-attention indexer caches one key of index_head_dim per token per layer.
    indexer_head_dim: int = 0
    indexer_layers: int = 0         # layers that run (and cache for) their own indexer; indexer_types "shared" reuse
    # Gemma 4: every attention matrix is listed in mixer_shapes (layers differ: KV-sharing layers have no K/V
    # projections, global layers their own head size); the layer_kinds "A" layers are the ones that cache K/V.
    attention_shapes_given: bool = False

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
        if self.moe_layers_override >= 0:
            return self.moe_layers_override
        return max(0, self.layers - self.first_k_dense_replace) // max(1, self.moe_layer_step)

    @property
    def dense_layers(self) -> int:
        if self.mlp_layers_override >= 0:
            return self.mlp_layers_override
        return self.layers - self.moe_layers

    @property
    def attention_layers(self) -> int:
        """Layers that hold K/V (every layer unless ``layer_kinds`` says otherwise)."""
        if not self.layer_kinds:
            return self.layers
        return self.layer_kinds.count("A") + self.layer_kinds.count("B")

    @property
    def state_layers(self) -> int:
        """Layers that hold a fixed per-sequence state (linear attention, Mamba2) instead of K/V."""
        return self.layer_kinds.count("S") + self.layer_kinds.count("B")

    @property
    def is_hybrid(self) -> bool:
        return self.state_layers > 0

    def holds_kv(self, layer: int) -> bool:
        return not self.layer_kinds or self.layer_kinds[layer] in "AB"

    def holds_state(self, layer: int) -> bool:
        return bool(self.layer_kinds) and self.layer_kinds[layer] in "SB"


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


def _attention_shapes(arch: Architecture, head_dim: int | None = None, kv_heads: int | None = None) -> list:
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
    head_dim = head_dim or arch.head_dim
    kv_heads = kv_heads or arch.kv_heads
    q_out = arch.heads * head_dim
    kv_out = kv_heads * head_dim
    gate = 2 if arch.attention_output_gate else 1
    return [(h, gate * q_out), (h, kv_out), (h, kv_out), (q_out, h)]


def _attention_extra(arch: Architecture, head_dim: int | None = None, kv_heads: int | None = None) -> tuple:
    """(biases, norm weights) inside one attention block."""
    if arch.is_mla:
        norms = arch.kv_lora_rank + (arch.q_lora_rank if arch.q_lora_rank else 0)
        return 0, norms
    head_dim = head_dim or arch.head_dim
    kv_heads = kv_heads or arch.kv_heads
    bias = (arch.heads + 2 * kv_heads) * head_dim if arch.qkv_bias else 0
    bias += arch.hidden_size if arch.o_bias else 0
    if arch.qk_norm_full:
        norms = (arch.heads + kv_heads) * head_dim
    else:
        norms = 2 * head_dim if arch.qk_norm else 0
    norms += arch.heads if arch.attention_sinks else 0
    return bias, norms


def attention_groups(arch: Architecture) -> list:
    """[(layers, head_dim, kv_heads)] of the attention layers: one group, or Gemma 4's sliding and global ones."""
    layers = arch.attention_layers
    if not (arch.global_head_dim or arch.global_kv_heads) or not arch.sliding_window_layers:
        return [(layers, arch.head_dim, arch.kv_heads)]
    local = min(arch.sliding_window_layers, layers)
    return [(local, arch.head_dim, arch.kv_heads),
            (layers - local, arch.global_head_dim or arch.head_dim, arch.global_kv_heads or arch.kv_heads)]


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
    shapes = []
    attention_linear = attention_bias = attention_norms = 0
    for count, head_dim, kv_heads in attention_groups(arch):
        if not count or arch.attention_shapes_given:
            continue
        group_shapes = _attention_shapes(arch, head_dim, kv_heads)
        bias, norms_ = _attention_extra(arch, head_dim, kv_heads)
        shapes += [(i, o, count) for i, o in group_shapes]
        attention_linear += count * sum(i * o for i, o in group_shapes)
        attention_bias += count * bias
        attention_norms += count * norms_
    # State layers' (and other extra) mixer matrices: quantized like attention.
    shapes += [(i, o, c) for i, o, c in arch.mixer_shapes]
    attention_linear += sum(i * o * c for i, o, c in arch.mixer_shapes)
    kinds = ["attention"] * len(shapes)

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
        if not arch.experts_gated:
            expert = expert[1:]
        experts_linear = arch.moe_layers * arch.num_experts * sum(i * o for i, o in expert)
        shapes += [(i, o, arch.moe_layers * arch.num_experts) for i, o in expert]
        kinds += ["experts"] * len(expert)
        shared_intermediate = arch.shared_expert_intermediate_size or arch.n_shared_experts * arch.moe_intermediate_size
        if shared_intermediate:
            shared = _dense_mlp_shapes(arch, shared_intermediate)
            mlp_linear += arch.moe_layers * sum(i * o for i, o in shared)
            shapes += [(i, o, arch.moe_layers) for i, o in shared]
            kinds += ["mlp"] * len(shared)
        router = arch.moe_layers * (h * arch.num_experts + (h if arch.shared_expert_gate else 0))
        if arch.expert_bias:
            # GPT-OSS: router bias, and gate_up (2 x intermediate) and down (hidden) biases per expert.
            router += arch.moe_layers * arch.num_experts * (1 + 2 * arch.moe_intermediate_size + h)

    norm_size = 2 * h if arch.norm_bias else h
    norms = arch.layers * arch.norms_per_layer * norm_size + attention_norms
    norms += norm_size if arch.final_norm else 0
    embedding = (arch.vocab_size + arch.position_embeddings) * h
    lm_head = 0 if arch.tie_word_embeddings else arch.vocab_size * h
    result = ParamBreakdown(
        embedding=embedding, lm_head=lm_head, attention_linear=attention_linear,
        attention_bias=attention_bias + mlp_bias, mlp_linear=mlp_linear, experts_linear=experts_linear,
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
    per_expert = (3 if arch.experts_gated else 2) * arch.hidden_size * arch.moe_intermediate_size
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
        return arch.attention_layers * per_layer * bytes_per_value + \
            arch.indexer_layers * arch.indexer_head_dim * bytes_per_value
    groups = attention_groups(arch)
    local = min(arch.sliding_window_layers, arch.attention_layers) if arch.sliding_window else 0
    fraction = arch.sliding_window / context if local and context and context > arch.sliding_window else 1.0
    if len(groups) == 2:
        (n_local, d_local, kv_local), (n_global, d_global, kv_global) = groups
        return 2 * bytes_per_value * (n_local * kv_local * d_local * fraction + n_global * kv_global * d_global)
    per_layer = 2 * arch.kv_heads * arch.head_dim * bytes_per_value
    return per_layer * ((arch.attention_layers - local) + local * fraction)


# --- Hybrid-state models: the fixed per-sequence state of the linear-attention / Mamba2 layers ----------------------
def conv_state_values(arch: Architecture, columns: int) -> int:
    """Values of every state layer's conv state for one sequence, ``columns`` kernel positions kept."""
    return arch.state_layers * arch.conv_dim * columns


def recurrent_state_values(arch: Architecture) -> int:
    return arch.state_layers * arch.recurrent_state_values


def state_bytes_per_sequence(arch: Architecture, conv_bytes: float, recurrent_bytes: float,
                             conv_columns: int | None = None) -> float:
    """Bytes one sequence's state takes over all state layers, independent of its length.

    ``conv_columns``: how many kernel positions the engine keeps (transformers keeps ``conv_kernel``, vLLM and
    llama.cpp ``conv_kernel - 1``; None: conv_kernel - 1). ``conv_bytes``/``recurrent_bytes``: the element size
    each engine keeps them in (transformers: model dtype / fp32; llama.cpp: fp32 / fp32; vLLM: model dtype and
    mamba_ssm_cache_dtype). For vLLM (generator/calc/vllm.py): one such state per sequence slot (max_num_seqs),
    divided over tensor-parallel ranks by heads.
    """
    if not arch.is_hybrid:
        return 0.0
    columns = arch.conv_kernel - 1 if conv_columns is None else conv_columns
    return conv_state_values(arch, columns) * conv_bytes + recurrent_state_values(arch) * recurrent_bytes
