"""Read a config.json, as published, into an Architecture through its family's entry in table.FAMILIES.

Pure: a mapping in, an Architecture out. Errors are GeneratorError at the file and line (``line_of(key)``), and a
hint never asks for a key the family's config.json does not have: a missing key means the file is not the
published one (or not this family's), and the message says so.
"""

from __future__ import annotations

from generator.calc.architecture import Architecture, params_total
from generator.core import limits
from generator.core.errors import GeneratorError, shown
from generator.families import vision as vision_towers
from generator.families.table import DEFAULT_NAMES, FAMILIES, supported_families

MAX_FIELD = limits.MAX_FIELD
MAX_PARAMS = limits.MAX_PARAMS
# config.json switches: true/false (or null, "not set"); "false" in quotes is text, and text is true in Python.
_FLAGS = ("tie_word_embeddings", "attention_bias", "add_qkv_bias", "use_sliding_window")
HOW_TO_ADD = ("add an entry for it to generator/families/table.py (and its vision tower, if any, to "
              "generator/families/vision.py), then record its transformers count with "
              "benchmarks/transformers_param_counts.py")


def family_of(config, path=None, line_of=None) -> str:
    """The config's model_type, or the family whose architecture class it names; unknown ones are refused."""
    model_type = config.get("model_type")
    architectures = config.get("architectures") or ()
    if isinstance(architectures, str):
        architectures = (architectures,)
    if not isinstance(architectures, (list, tuple)) or not all(isinstance(a, str) for a in architectures):
        raise GeneratorError(f"field 'architectures' must be a list of class names, got {shown(architectures)}", path,
                             line_of("architectures") if line_of else None,
                             'write it as in config.json: ["Qwen2ForCausalLM"]')
    if isinstance(model_type, str) and model_type in FAMILIES:
        return model_type
    for name, spec in FAMILIES.items():
        if any(a in spec.get("classes", ()) for a in architectures):
            return name
    what = f"model_type {model_type!r}" if model_type is not None else \
        (f"architectures {list(architectures)}" if architectures else "no model_type")
    raise GeneratorError(f"unsupported model family ({what})", path,
                         line_of("model_type" if model_type is not None else None) if line_of else None,
                         "supported model_type values: " + ", ".join(supported_families()) + "; to add one, "
                         + HOW_TO_ADD)


class _Fields:
    """config.json values of one family, with its names, defaults and bounds."""

    def __init__(self, config, spec, family, path, line_of):
        self.config, self.spec, self.family, self.path, self.line_of = config, spec, family, path, line_of

    def where(self, name):
        return self.line_of(name) if self.line_of else None

    def names(self, key):
        return list(self.spec.get("names", {}).get(key, [])) + DEFAULT_NAMES.get(key, [key])

    def raw(self, key):
        for name in self.names(key):
            if name in self.config and self.config[name] is not None:
                return name, self.config[name]
        defaults = self.spec.get("defaults", {})
        if key in defaults:
            return key, defaults[key]
        return None, None

    def integer(self, name, value, allow_zero):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
            raise GeneratorError(f"field {name!r} must be a {'non-negative' if allow_zero else 'positive'} integer, "
                                 f"got {shown(value)}", self.path, self.where(name), f"fix {name!r}")
        if value > MAX_FIELD:
            raise GeneratorError(f"field {name!r} must be at most {MAX_FIELD:,}, got {shown(value)}", self.path,
                                 self.where(name), f"fix {name!r}")
        return value

    def need(self, key):
        name, value = self.raw(key)
        if name is None:
            names = " or ".join(repr(n) for n in self.names(key))
            raise GeneratorError(f"missing field {names} in a {self.family} config.json", self.path,
                                 self.where(None), f"give the model's config.json as published: every {self.family} "
                                 "config.json has it")
        return self.integer(name, value, False)

    def optional(self, key, default=0):
        name, value = self.raw(key)
        return default if name is None else self.integer(name, value, True)

    def flag(self, setting, default=False):
        """A spec setting that is true/false, or the name of the config.json key that decides it."""
        if isinstance(setting, bool):
            return setting
        if isinstance(setting, str):
            name, value = self.raw(setting)
            return bool(value) if name is not None else default
        return default


def _merged(config, spec):
    nested = spec.get("nested")
    text = config.get(nested) if nested else None
    if text is None:
        return config
    if not isinstance(text, dict):
        raise GeneratorError(f"field {nested!r} must be a mapping", None, None, "give the config.json as published")
    merged = {k: v for k, v in config.items() if k not in (nested, "vision_config", "audio_config")}
    merged.update(text)
    return merged


def _sliding_layers(f: _Fields, layers: int, window: int) -> int:
    layer_types = f.config.get("layer_types")
    if isinstance(layer_types, list) and layer_types:
        if len(layer_types) != layers or not all(isinstance(t, str) for t in layer_types):
            raise GeneratorError(f"'layer_types' must list one text per layer ({layers})", f.path,
                                 f.where("layer_types"), "give the config.json as published")
        return sum(1 for t in layer_types if t in ("sliding_attention", "chunked_attention"))
    rule = f.spec.get("sliding", "none")
    if not window or rule == "none":
        return 0
    if rule == "all":
        return layers
    if rule == "alternate":
        return (layers + 1) // 2
    if rule == "pattern":
        pattern = f.raw("sliding_window_pattern")[1]
        if isinstance(pattern, str) and pattern and set(pattern) <= {"L", "G"}:
            # EXAONE 4 spells the pattern out: "LLLG" = three sliding (local) layers, then a global one, repeated.
            return sum(1 for i in range(layers) if pattern[i % len(pattern)] == "L")
        pattern = f.integer("sliding_window_pattern", pattern, False)
        return layers - layers // pattern
    if rule == "qwen":
        return layers - min(layers, f.optional("max_window_layers"))
    if rule == "chunked":
        rope_layers = f.config.get("no_rope_layers")
        if isinstance(rope_layers, list) and rope_layers:
            return sum(1 for x in rope_layers if x)
        interval = f.optional("no_rope_layer_interval", _D["no_rope_layer_interval"]) or _D["no_rope_layer_interval"]
        return sum(1 for i in range(layers) if (i + 1) % interval)
    return 0


def _window(f: _Fields) -> int:
    rule = f.spec.get("sliding", "none")
    if rule == "chunked":
        return f.optional("attention_chunk_size")
    if rule == "qwen" and not f.config.get("use_sliding_window"):
        return 0
    if f.config.get("use_sliding_window") is False:
        return 0
    return f.optional("sliding_window") if rule != "none" else 0


def _kv_heads(f: _Fields, heads: int) -> int:
    rule = f.spec.get("kv", "config")
    if rule == "mha":
        return heads
    if rule == "falcon":
        if f.config.get("new_decoder_architecture"):
            return f.optional("num_key_value_heads", heads) or heads
        return 1 if f.config.get("multi_query", True) else heads
    return f.optional("num_key_value_heads", heads) or heads


def _norms_per_layer(f: _Fields) -> int:
    if f.family == "falcon":
        if f.config.get("new_decoder_architecture"):
            return f.optional("num_ln_in_parallel_attn", _D["num_ln_in_parallel_attn"]) or _D["num_ln_in_parallel_attn"]
        return 1 if f.config.get("parallel_attn", True) else 2
    return f.spec.get("norms_per_layer", 2)


def _moe_fields(f: _Fields, moe, hidden: int, layers: int) -> dict:
    if not moe:
        return {}
    experts = 0
    for name in moe["experts"]:
        if f.config.get(name) is not None:
            experts = f.integer(name, f.config[name], True)
            break
    if not experts:
        return {}
    only_dense = f.config.get("mlp_only_layers")
    if only_dense:
        raise GeneratorError("'mlp_only_layers' (dense layers among MoE layers) is not modelled", f.path,
                             f.where("mlp_only_layers"), "use a config.json without mlp_only_layers")
    expert_size = f.need(moe["intermediate"])
    shared = moe.get("shared")
    fields = {
        "num_experts": experts,
        "experts_per_token": f.need("num_experts_per_tok"),
        "moe_intermediate_size": expert_size,
        "first_k_dense_replace": f.optional(moe["first_dense"]) if moe.get("first_dense") else 0,
        "moe_layer_step": (f.optional(moe["step"], 1) or 1) if moe.get("step") else 1,
        "expert_bias": bool(moe.get("expert_bias")),
    }
    if shared == "size":
        fields["shared_expert_intermediate_size"] = f.optional("shared_expert_intermediate_size")
        fields["shared_expert_gate"] = bool(moe.get("shared_gate")) and fields["shared_expert_intermediate_size"] > 0
    elif shared == "count":
        fields["n_shared_experts"] = f.optional("n_shared_experts")
    elif shared == "one":
        fields["shared_expert_intermediate_size"] = expert_size
    return fields


def _mla_fields(f: _Fields) -> dict:
    return {"kv_lora_rank": f.need("kv_lora_rank"), "q_lora_rank": f.optional("q_lora_rank"),
            "qk_nope_head_dim": f.need("qk_nope_head_dim"), "qk_rope_head_dim": f.need("qk_rope_head_dim"),
            "v_head_dim": f.need("v_head_dim")}


# What a config.json that leaves a field out means: the default of the family's transformers configuration class
# (Llama4TextConfig no_rope_layer_interval; FalconConfig num_ln_in_parallel_attn; Qwen3NextConfig
# full_attention_interval; JambaConfig mamba_expand, mamba_d_state, mamba_d_conv, attn_layer_period/offset,
# expert_layer_period/offset and mamba_dt_rank "auto" = ceil(hidden_size / 16); GraniteMoeHybridConfig mamba_n_groups;
# Gemma4TextConfig global_head_dim, hidden_size_per_layer_input, vocab_size_per_layer_input and its layer_types of
# five sliding layers then a full one; GlmMoeDsaConfig index_topk_freq and index_skip_topk_offset). The calculator
# page reads the same table (generator/site/calculator.py).
CONFIG_DEFAULTS = {
    "no_rope_layer_interval": 4, "num_ln_in_parallel_attn": 2, "full_attention_interval": 4, "mamba_expand": 2,
    "mamba_d_state": 16, "mamba_d_conv": 4, "mamba_n_groups": 1, "mamba_dt_rank_divisor": 16,
    "attn_layer_period": 8, "attn_layer_offset": 4, "expert_layer_period": 2, "expert_layer_offset": 1,
    "global_head_dim": 512, "hidden_size_per_layer_input": 256, "vocab_size_per_layer_input": 262144,
    "gemma4_full_attention_every": 6, "index_topk_freq": 1, "index_skip_topk_offset": 2,
}
# mamba_expand must lie in (0, MAX_MAMBA_EXPAND]: far above any published model (2), and a bound on the widths.
MAX_MAMBA_EXPAND = 64
_D = CONFIG_DEFAULTS

# Layer kinds a config.json's layer_types / hybrid_override_pattern names: "A" attention (holds K/V), "S" a state
# layer (linear attention, Mamba2), "F" a feed-forward-only block (Nemotron-H "-" MLP and "E" MoE blocks).
LAYER_KIND = {"full_attention": "A", "attention": "A", "sliding_attention": "A", "*": "A",
               "linear_attention": "S", "mamba": "S", "M": "S",
               "mlp": "F", "moe": "F", "-": "F", "E": "F"}


def _layer_kinds(f: _Fields, layers: int, rule: str) -> str:
    """One letter per layer from layer_types (or the family's pattern key); its length must be num_hidden_layers."""
    key = "layer_types"
    types = f.config.get("layer_types")
    if types is None and rule == "mamba2":
        key, types = "layers_block_type", f.config.get("layers_block_type")
    if types is None and rule == "gdn":
        interval = f.optional("full_attention_interval", _D["full_attention_interval"]) or \
            _D["full_attention_interval"]
        return "".join("S" if (i + 1) % interval else "A" for i in range(layers))
    if isinstance(types, str):
        types = list(types)
    if not isinstance(types, list) or not all(isinstance(t, str) and t in LAYER_KIND for t in types):
        raise GeneratorError(f"field {key!r} must list each layer's type ({', '.join(sorted(LAYER_KIND))}), got "
                             f"{shown(types)}", f.path, f.where(key), "give the model's config.json as published")
    if len(types) != layers:
        raise GeneratorError(f"field {key!r} has {len(types)} entries for {layers} layers", f.path, f.where(key),
                             "give the model's config.json as published")
    return "".join(LAYER_KIND[t] for t in types)


# layer_types / layers_block_type spelled as hybrid_override_pattern's letters (Nemotron-H, Granite 4.0-H).
BLOCK_LETTERS = {"linear_attention": "M", "mamba": "M", "full_attention": "*", "attention": "*", "mlp": "-",
                 "moe": "E"}


def _block_pattern(f: _Fields) -> str:
    """Nemotron-H's blocks as its pattern letters (M Mamba2, * attention, - MLP, E MoE), from either spelling."""
    pattern = f.config.get("hybrid_override_pattern")
    if pattern is None:
        pattern = f.config.get("layer_types") or f.config.get("layers_block_type")
    if isinstance(pattern, list):
        pattern = "".join(BLOCK_LETTERS.get(t, "?") if isinstance(t, str) else "?" for t in pattern)
    if not isinstance(pattern, str) or not pattern or set(pattern) - set("M*-E"):
        raise GeneratorError("field 'hybrid_override_pattern' must name each block (M, *, - or E), got "
                             f"{shown(pattern)}", f.path, f.where("hybrid_override_pattern"),
                             "give the model's config.json as published")
    return pattern


def _hybrid_fields(f: _Fields, rule: str, hidden: int, layers: int) -> tuple:
    """(Architecture fields, extra parameters) of a hybrid model's state layers (read off transformers' modeling
    files: Qwen3NextGatedDeltaNet / Qwen3_5GatedDeltaNet, NemotronHMamba2Mixer, GraniteMoeHybridMambaLayer)."""
    if rule == "mamba2_blocks":
        kinds = "".join({"M": "S", "*": "A"}.get(c, "F") for c in _block_pattern(f))
    elif rule == "falcon_h1":
        kinds = "B" * layers   # FalconH1DecoderLayer: attention and a Mamba2 mixer side by side in every layer
    elif rule == "mamba1":
        kinds = _jamba_kinds(f, layers)
    else:
        kinds = _layer_kinds(f, layers, rule)
    states = kinds.count("S") + kinds.count("B")
    if rule == "mamba1":
        return _jamba_mixer(f, hidden, kinds, states)
    if rule == "gdn":
        nk, nv = f.need("linear_num_key_heads"), f.need("linear_num_value_heads")
        dk, dv = f.need("linear_key_head_dim"), f.need("linear_value_head_dim")
        kernel = f.need("linear_conv_kernel_dim")
        key_dim, value_dim = nk * dk, nv * dv
        conv_dim = 2 * key_dim + value_dim
        # in_proj_qkvz (or in_proj_qkv + in_proj_z), in_proj_ba (or in_proj_b + in_proj_a), out_proj.
        shapes = ((hidden, conv_dim + value_dim, states), (hidden, 2 * nv, states), (value_dim, hidden, states))
        # conv1d weight (no bias), dt_bias, A_log, the gated RMSNorm over one value head.
        extra = states * (conv_dim * kernel + 2 * nv + dv)
        recurrent = nv * dk * dv
        fields = {"attention_output_gate": True}
    else:
        if rule == "falcon_h1":        # FalconH1Mixer: mamba_d_ssm wide (else mamba_expand x hidden)
            inner = f.optional("mamba_d_ssm") or int(_expand(f) * hidden)
            heads, d_state, groups, kernel, head_dim, conv_bias, proj_bias = _mamba_mixer(f, inner)
            conv_dim = inner + 2 * groups * d_state
            shapes = ((hidden, inner + conv_dim + heads, states), (inner, hidden, states))
            # conv1d weight (+ bias), dt_bias, A_log, D, the gated RMSNorm only with mamba_rms_norm, in_proj bias
            # with mamba_proj_bias, out_proj bias with projectors_bias.
            extra = states * (conv_dim * kernel + (conv_dim if conv_bias else 0) + 3 * heads
                              + (inner if f.config.get("mamba_rms_norm", False) else 0)
                              + ((inner + conv_dim + heads) if proj_bias else 0)
                              + (hidden if f.config.get("projectors_bias", False) else 0))
            fields = {"layer_kinds": kinds, "conv_dim": conv_dim, "conv_kernel": kernel,
                      "recurrent_state_values": heads * head_dim * d_state, "mixer_shapes": shapes}
            return fields, extra
        if rule == "mamba2_blocks":   # Nemotron-H
            heads, head_dim = f.need("mamba_num_heads"), f.need("mamba_head_dim")
            d_state, groups, kernel = f.need("ssm_state_size"), f.need("n_groups"), f.need("conv_kernel")
            inner = heads * head_dim
            conv_bias = f.config.get("use_conv_bias", True)
            proj_bias = bool(f.config.get("use_bias", False))
        else:                          # Granite 4 (granitemoehybrid)
            inner = int(_expand(f) * hidden)
            heads, d_state, groups, kernel, head_dim, conv_bias, proj_bias = _mamba_mixer(f, inner)
        conv_dim = inner + 2 * groups * d_state
        shapes = ((hidden, inner + conv_dim + heads, states), (inner, hidden, states))
        # conv1d weight (+ bias), dt_bias, A_log, D, the gated RMSNorm over the inner width, projection biases.
        extra = states * (conv_dim * kernel + (conv_dim if conv_bias else 0) + 3 * heads + inner
                          + ((inner + conv_dim + heads + hidden) if proj_bias else 0))
        recurrent = heads * head_dim * d_state
        fields = {}
    fields.update(layer_kinds=kinds, conv_dim=conv_dim, conv_kernel=kernel, recurrent_state_values=recurrent,
                  mixer_shapes=shapes)
    return fields, extra


def _mamba_mixer(f, inner: int):
    """The Mamba2 mixer's sizes under the ``mamba_*`` names Granite 4 and Falcon-H1 share: heads, state size,
    groups, conv kernel, head size (``auto``: the inner width over the heads) and the two bias switches."""
    heads, d_state = f.need("mamba_n_heads"), f.need("mamba_d_state")
    groups, kernel = f.optional("mamba_n_groups", _D["mamba_n_groups"]) or _D["mamba_n_groups"], f.need("mamba_d_conv")
    head_dim = f.config.get("mamba_d_head", "auto")
    head_dim = inner // heads if head_dim in ("auto", None) else f.integer("mamba_d_head", head_dim, False)
    return (heads, d_state, groups, kernel, head_dim, f.config.get("mamba_conv_bias", True),
            bool(f.config.get("mamba_proj_bias", False)))


def _expand(f: _Fields):
    expand = f.config.get("mamba_expand", _D["mamba_expand"])
    if isinstance(expand, bool) or not isinstance(expand, (int, float)) or not 0 < expand <= MAX_MAMBA_EXPAND:
        raise GeneratorError(f"field 'mamba_expand' must be a number from 0 to {MAX_MAMBA_EXPAND}, got {shown(expand)}",
                             f.path, f.where("mamba_expand"), "give the model's config.json as published")
    return expand


def _period(f: _Fields, period_key: str, offset_key: str, period: int, offset: int) -> tuple:
    """(period, offset) of Jamba's every-n-th-layer rules; the offset must be below the period (JambaConfig)."""
    period = f.optional(period_key, period) or period
    offset = f.optional(offset_key, offset)
    if offset >= period:
        raise GeneratorError(f"field {offset_key!r} ({offset}) must be smaller than {period_key!r} ({period})", f.path,
                             f.where(offset_key), "give the model's config.json as published")
    return period, offset


def _jamba_kinds(f: _Fields, layers: int) -> str:
    """Jamba's layers: attention where i % attn_layer_period == attn_layer_offset, Mamba elsewhere
    (JambaConfig.layers_block_type; defaults 8 and 4)."""
    period, offset = _period(f, "attn_layer_period", "attn_layer_offset", _D["attn_layer_period"],
                             _D["attn_layer_offset"])
    return "".join("A" if i % period == offset else "S" for i in range(layers))


def _jamba_mixer(f: _Fields, hidden: int, kinds: str, states: int) -> tuple:
    """(fields, extra parameters) of Jamba's Mamba (v1) layers, read off transformers' JambaMambaMixer: in_proj
    (hidden -> 2 x inner), x_proj (inner -> dt_rank + 2 x d_state), dt_proj (dt_rank -> inner, with bias), out_proj;
    conv1d over the inner channels, A_log (inner x d_state), D (inner), and RMSNorms over dt, B and C. Its state:
    conv over the inner channels, SSM state inner x d_state."""
    d_state = f.optional("mamba_d_state", _D["mamba_d_state"]) or _D["mamba_d_state"]
    kernel = f.optional("mamba_d_conv", _D["mamba_d_conv"]) or _D["mamba_d_conv"]
    inner = int(_expand(f) * hidden)
    rank = f.config.get("mamba_dt_rank", "auto")
    if rank in ("auto", None):
        rank = -(-hidden // _D["mamba_dt_rank_divisor"])
    else:
        rank = f.integer("mamba_dt_rank", rank, False)
    conv_bias = f.config.get("mamba_conv_bias", True)
    proj_bias = bool(f.config.get("mamba_proj_bias", False))
    shapes = ((hidden, 2 * inner, states), (inner, rank + 2 * d_state, states), (rank, inner, states),
              (inner, hidden, states))
    extra = states * (inner * kernel + (inner if conv_bias else 0) + inner + inner * d_state + inner
                      + rank + 2 * d_state + ((2 * inner + hidden) if proj_bias else 0))
    fields = {"layer_kinds": kinds, "conv_dim": inner, "conv_kernel": kernel, "recurrent_state_values": inner * d_state,
              "mixer_shapes": shapes}
    return fields, extra


def _gemma4_fields(f: _Fields, hidden: int, layers: int, heads: int, head_dim: int, kv_heads: int) -> tuple:
    """(Architecture fields, extra parameters) of Gemma 4's text model, read off transformers 5.24.0's
    modeling_gemma4.py: global (full-attention) layers have global_head_dim and, with attention_k_eq_v,
    num_global_key_value_heads and no v_proj; the last num_kv_shared_layers layers reuse an earlier layer's K/V (no
    k/v projections, no cache) and, with use_double_wide_mlp, a twice-as-wide MLP; hidden_size_per_layer_input
    adds a per-layer token embedding and projections; enable_moe_block adds routed experts beside the MLP."""
    types = f.config.get("layer_types")
    if types is None:
        every = _D["gemma4_full_attention_every"]
        types = ["sliding_attention" if (i + 1) % every else "full_attention" for i in range(layers)]
    if not isinstance(types, list) or len(types) != layers or \
            not all(t in ("sliding_attention", "full_attention") for t in types):
        raise GeneratorError(f"field 'layer_types' must list sliding_attention or full_attention for each of the "
                             f"{layers} layers, got {shown(types)}", f.path, f.where("layer_types"),
                             "give the model's config.json as published")
    types = list(types)
    types[-1] = "full_attention"  # Gemma4TextConfig forces the last layer global
    k_eq_v = bool(f.config.get("attention_k_eq_v", False))
    global_dim = f.optional("global_head_dim", _D["global_head_dim"]) or _D["global_head_dim"]
    global_kv = f.optional("num_global_key_value_heads") if k_eq_v else 0
    global_kv = global_kv or kv_heads
    overrides = f.config.get("per_layer_config")
    if isinstance(overrides, dict):
        # A config.json saved by transformers 5.x spells the global layers' sizes out per layer index.
        for index, values in overrides.items():
            if str(index).isdigit() and int(index) < layers and types[int(index)] == "full_attention" and \
                    isinstance(values, dict):
                global_dim = f.integer("per_layer_config", values.get("head_dim", global_dim), False)
                global_kv = f.integer("per_layer_config", values.get("num_key_value_heads", global_kv), False)
                break
    shared = f.optional("num_kv_shared_layers")
    if shared > layers:
        raise GeneratorError(f"field 'num_kv_shared_layers' ({shared}) exceeds the {layers} layers", f.path,
                             f.where("num_kv_shared_layers"), "give the model's config.json as published")
    first_shared = layers - shared
    double_wide = bool(f.config.get("use_double_wide_mlp", False))
    intermediate = f.need("intermediate_size")
    per_layer = f.optional("hidden_size_per_layer_input", _D["hidden_size_per_layer_input"])
    shapes, extra, kinds = [], 0, ""
    for i, kind in enumerate(types):
        is_global = kind == "full_attention"
        d, kv = (global_dim, global_kv) if is_global else (head_dim, kv_heads)
        reuse = i >= first_shared
        shapes += [(hidden, heads * d, 1), (heads * d, hidden, 1)]
        extra += d  # q_norm
        if not reuse:
            shapes.append((hidden, kv * d, 1))
            if not (k_eq_v and is_global):
                shapes.append((hidden, kv * d, 1))
            extra += d  # k_norm (v_norm has no weight)
        if double_wide and reuse:
            shapes += [(hidden, intermediate, 1), (hidden, intermediate, 1), (intermediate, hidden, 1)]
        if per_layer:
            shapes += [(hidden, per_layer, 1), (per_layer, hidden, 1)]
            extra += hidden  # post_per_layer_input_norm
        kinds += "F" if reuse else "A"
    fields = {"attention_shapes_given": True, "layer_kinds": kinds}
    if per_layer:
        vocab_per_layer = f.optional("vocab_size_per_layer_input", _D["vocab_size_per_layer_input"]) or \
            f.need("vocab_size")
        extra += vocab_per_layer * layers * per_layer + per_layer  # embed_tokens_per_layer, its projection norm
        shapes.append((hidden, layers * per_layer, 1))             # per_layer_model_projection
    if f.config.get("enable_moe_block"):
        experts = f.need("num_experts")
        fields.update(num_experts=experts, experts_per_token=f.need("top_k_experts"),
                      moe_intermediate_size=f.need("moe_intermediate_size"), moe_layers_override=layers,
                      mlp_layers_override=layers)
        # Router scale and per-expert scale, and the MoE block's three RMSNorms, per layer.
        extra += layers * (hidden + experts + 3 * hidden)
    if global_dim != head_dim or global_kv != kv_heads:
        fields.update(global_head_dim=global_dim, global_kv_heads=global_kv)
    fields["mixer_shapes"] = _merged_shapes(shapes)
    window = f.optional("sliding_window")
    cached_sliding = sum(1 for i, t in enumerate(types) if t == "sliding_attention" and i < first_shared)
    fields.update(sliding_window=window, sliding_window_layers=cached_sliding if window else 0)
    return fields, extra


def _merged_shapes(shapes) -> tuple:
    """(in, out, count) with equal shapes counted together, in first-seen order."""
    counts = {}
    for i, o, c in shapes:
        counts[(i, o)] = counts.get((i, o), 0) + c
    return tuple((i, o, c) for (i, o), c in counts.items())


def _indexer_layers(f: _Fields, layers: int) -> int:
    """GLM-5's layers with their own indexer (GlmMoeDsaConfig.indexer_types "full"; "shared" layers reuse the
    previous full layer's top-k and have none): indexer_types, else index_topk_pattern (F/S), else every
    index_topk_freq-th layer from index_skip_topk_offset (defaults 1 and 2: every layer)."""
    types = f.config.get("indexer_types")
    key = "indexer_types"
    if types is None and f.config.get("index_topk_pattern") is not None:
        key, pattern = "index_topk_pattern", f.config["index_topk_pattern"]
        types = [{"F": "full", "S": "shared"}.get(c, c) for c in pattern] if isinstance(pattern, str) else pattern
    if types is None:
        freq = max(f.optional("index_topk_freq", _D["index_topk_freq"]), 1)
        offset = f.optional("index_skip_topk_offset", _D["index_skip_topk_offset"])
        return sum(1 for i in range(layers) if max(i - offset + 1, 0) % freq == 0)
    if not isinstance(types, list) or len(types) != layers or not all(t in ("full", "shared") for t in types):
        raise GeneratorError(f"field {key!r} must give full or shared for each of the {layers} layers, got "
                             f"{shown(types)}", f.path, f.where(key), "give the model's config.json as published")
    return sum(1 for t in types if t == "full")


def _opt_projection(f: _Fields, hidden: int, vocab: int) -> int:
    """OPT's word_embed_proj_dim: a narrower embedding with project_in/project_out matrices."""
    width = f.optional("word_embed_proj_dim") or hidden
    if width == hidden:
        return 0
    return vocab * (width - hidden) + 2 * hidden * width


def architecture_from_config(config, path: str | None = None, line_of=None, text_only: bool = False) -> Architecture:
    """Build the Architecture of a published config.json (a mapping); ``line_of(key)`` locates errors."""
    if not isinstance(config, dict):
        raise GeneratorError("the model config must be a mapping of config.json keys", path, None,
                             "give the keys of the model's config.json")
    family = family_of(config, path, line_of)
    spec = FAMILIES[family]
    try:
        text = _merged(config, spec)
    except GeneratorError as exc:
        raise GeneratorError(exc.message, path, line_of(spec["nested"]) if line_of else None, exc.fix) from None
    f = _Fields(text, spec, family, path, line_of)
    architectures = config.get("architectures") or ()
    architectures = (architectures,) if isinstance(architectures, str) else tuple(architectures)

    for flag in _FLAGS:
        if text.get(flag) is not None and not isinstance(text[flag], bool):
            raise GeneratorError(f"field {flag!r} must be true or false, not {shown(text[flag])}", path,
                                 f.where(flag), f"write {flag}: true or false, without quotes")
    hidden = f.need("hidden_size")
    blocks = _block_pattern(f) if spec.get("hybrid") == "mamba2_blocks" else None
    # Nemotron-H: transformers 5.x takes the layer count from the block pattern (num_hidden_layers is deprecated).
    layers = len(blocks) if blocks else f.need("num_hidden_layers")
    if layers > limits.MAX_LAYERS:
        name = f.raw("num_hidden_layers")[0]
        raise GeneratorError(f"field {name!r} must be at most {limits.MAX_LAYERS:,} layers, got {layers:,}", path,
                             f.where(name), f"fix {name!r}")
    heads = f.need("num_attention_heads")
    if not spec.get("mla"):
        kv_heads = _kv_heads(f, heads)
        if kv_heads > heads or heads % kv_heads:
            name = f.raw("num_key_value_heads")[0] or "num_key_value_heads"
            raise GeneratorError(f"field {name!r} ({kv_heads}) must divide num_attention_heads ({heads}): each KV "
                                 "head serves a whole group of query heads", path, f.where(name),
                                 f"fix {name!r} from the model's config.json")
    head_dim = f.optional("head_dim")
    if not head_dim:
        if hidden % heads:
            raise GeneratorError(f"hidden_size {hidden} is not a multiple of num_attention_heads {heads}", path,
                                 f.where("hidden_size"), "give the model's config.json as published")
        head_dim = hidden // heads
    vocab = f.need("vocab_size")
    moe = _moe_fields(f, spec.get("moe"), hidden, layers)
    dense_key = (spec.get("moe") or {}).get("dense_intermediate", "intermediate_size")
    all_moe = moe and not moe["first_k_dense_replace"] and moe["moe_layer_step"] == 1
    if all_moe:
        intermediate = f.optional(dense_key)
    elif f.raw(dense_key)[0] is None and spec.get("intermediate_multiple"):
        intermediate = spec["intermediate_multiple"] * hidden
    else:
        intermediate = f.need(dense_key)
    tie = text.get("tie_word_embeddings")
    if spec.get("tie_top"):
        # transformers 5.x ties a composite model's lm_head by the top-level config's key (its class default when
        # config.json leaves it out), whatever text_config says.
        tie = config.get("tie_word_embeddings")
        tie = spec.get("tie_default", True) if tie is None else tie
    elif tie is None:
        tie = config.get("tie_word_embeddings", spec.get("tie_default", True))
    window = _window(f)
    positions = spec.get("positions")
    position_rows = f.need(positions["key"]) + positions["offset"] if positions else 0
    extra = 0
    if spec.get("lm_head_bias") and f.flag(spec["lm_head_bias"]):
        extra += vocab
    if family == "opt":
        extra += _opt_projection(f, hidden, vocab)
    final_norm = True
    if family == "opt":
        final_norm = bool(text.get("do_layer_norm_before", True)) and not text.get("_remove_final_layer_norm")
    vision = 0 if text_only else vision_towers.vision_params(spec.get("vision"), config, hidden, path, line_of)
    mla = _mla_fields(f) if spec.get("mla") else {}
    hybrid = {}
    if spec.get("hybrid"):
        hybrid, hybrid_extra = _hybrid_fields(f, spec["hybrid"], hidden, layers)
        extra += hybrid_extra
        kinds = hybrid["layer_kinds"]
        if spec["hybrid"] == "mamba2_blocks":
            # Nemotron-H: every block is one mixer, its own pre-norm; "-" blocks are MLPs, "E" blocks MoE.
            pattern = blocks or ""
            hybrid["mlp_layers_override"] = pattern.count("-")
            if moe:
                hybrid["moe_layers_override"] = pattern.count("E")
    if spec.get("indexer"):
        # GLM-5's lightning indexer (GlmMoeDsaIndexer): wq_b (q_lora_rank -> heads x index_head_dim), wk (hidden ->
        # index_head_dim), a LayerNorm on the key, weights_proj (hidden -> heads); it caches one key per token.
        index_heads, index_dim, q_rank = f.need("index_n_heads"), f.need("index_head_dim"), f.need("q_lora_rank")
        indexed = _indexer_layers(f, layers)
        hybrid["mixer_shapes"] = ((q_rank, index_heads * index_dim, indexed), (hidden, index_dim, indexed),
                                  (hidden, index_heads, indexed))
        hybrid["indexer_head_dim"] = index_dim
        hybrid["indexer_layers"] = indexed
        extra += indexed * 2 * index_dim
    if spec.get("gemma4"):
        gemma, gemma_extra = _gemma4_fields(f, hidden, layers, heads, head_dim, _kv_heads(f, heads))
        window = gemma.pop("sliding_window")
        gemma_sliding = gemma.pop("sliding_window_layers")
        hybrid.update(gemma)
        extra += gemma_extra
    if spec.get("hybrid") == "mamba1" and moe:
        # Jamba: routed experts where i % expert_layer_period == expert_layer_offset (JambaConfig.layers_num_experts),
        # a dense MLP of the same intermediate size elsewhere.
        period, offset = _period(f, "expert_layer_period", "expert_layer_offset", _D["expert_layer_period"],
                                 _D["expert_layer_offset"])
        moe_count = sum(1 for i in range(layers) if i % period == offset) if moe["num_experts"] > 1 else 0
        hybrid["moe_layers_override"], hybrid["mlp_layers_override"] = moe_count, layers - moe_count
    mlp_types = f.config.get("mlp_layer_types")
    if moe and isinstance(mlp_types, list) and len(mlp_types) == layers:
        hybrid["mlp_layers_override"] = sum(1 for t in mlp_types if t == "dense")
        hybrid["moe_layers_override"] = layers - hybrid["mlp_layers_override"]
    family_fields = {}
    for key in ("experts_gated", "qk_norm_full"):
        if key in spec:
            family_fields[key] = spec[key]

    architecture = Architecture(
        family=architectures[0] if architectures else family,
        hidden_size=hidden, layers=layers, heads=heads,
        kv_heads=heads if mla else _kv_heads(f, heads),
        head_dim=head_dim, intermediate_size=intermediate, vocab_size=vocab,
        tie_word_embeddings=bool(tie),
        qkv_bias=f.flag(spec.get("qkv_bias")), o_bias=f.flag(spec.get("o_bias")),
        mlp_bias=f.flag(spec.get("mlp_bias")),
        qk_norm=bool(spec.get("qk_norm")) and not spec.get("gemma4"), norms_per_layer=_norms_per_layer(f),
        max_position_embeddings=f.optional("max_position_embeddings"),
        sliding_window=window,
        sliding_window_layers=gemma_sliding if spec.get("gemma4") else
        (_sliding_layers(f, layers, window) if window else 0),
        architectures=architectures, model_type=family,
        mlp_gated=spec.get("mlp", "gated") == "gated", norm_bias=spec.get("norm") == "layer",
        final_norm=final_norm, position_embeddings=position_rows, attention_sinks=bool(spec.get("sinks")),
        extra_params=extra, vision_params=vision,
        **moe, **mla, **hybrid, **family_fields,
    )
    total = params_total(architecture)
    if total > MAX_PARAMS:
        raise GeneratorError(f"the architecture has {total:.3g} parameters, more than {MAX_PARAMS:.0e}", path,
                             f.where("hidden_size") or f.where(None),
                             "check the sizes (hidden_size, layers, experts) against the model's config.json")
    return architecture
