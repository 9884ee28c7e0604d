"""Parameter counts of the vision towers and projectors that multimodal checkpoints carry beside the text model.

Pure. Each layout was read off the family's modeling file in transformers and is checked against transformers'
own count: of whole models (tests/data/transformers_param_counts.yaml) and of the towers alone, on published configs
and on configs with keys left out or off the published values (tests/data/transformers_vision_counts.yaml, written by
benchmarks/transformers_vision_counts.py). The defaults are those of the family's vision config class, for keys a
published config.json leaves out; only the keys that config class reads count (Qwen's published ``in_chans`` is
not one: transformers reads ``in_channels``).
"""

from __future__ import annotations

from generator.core import limits
from generator.core.errors import GeneratorError, shown


def _getter(vc: dict, defaults: dict, path, line_of, section: str = "vision_config"):
    """get(name): the sub-config's whole-number field, or the tower's default; get.flag(name): its true/false one."""
    def get(name):
        value = vc.get(name)
        if value is None:
            return defaults[name]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > limits.MAX_FIELD:
            raise GeneratorError(f"{section} field {name!r} must be a positive integer, got {shown(value)}", path,
                                 line_of(section) if line_of else None, "give the config.json as published")
        return value

    def flag(name):
        value = vc.get(name)
        if value is None:
            return defaults[name]
        if not isinstance(value, bool):
            raise GeneratorError(f"{section} field {name!r} must be true or false, got {shown(value)}", path,
                                 line_of(section) if line_of else None, "give the config.json as published")
        return value
    get.flag = flag
    return get


def _linear(fan_in: int, fan_out: int) -> int:
    """A linear layer with its bias (the bias-free ones are written as the product alone)."""
    return fan_in * fan_out + fan_out


def _qwen2_vl(get, text_hidden: int) -> int:
    """Qwen2-VL: Conv3d patch embedding, LayerNorm ViT blocks (fused qkv with bias, GELU MLP), a patch merger."""
    d, depth, ratio = get("embed_dim"), get("depth"), get("mlp_ratio")
    channels, patch, temporal, merge = get("in_channels"), get("patch_size"), get("temporal_patch_size"), \
        get("spatial_merge_size")
    out = get("hidden_size")
    mlp = d * ratio
    block = 2 * 2 * d + _linear(d, 3 * d) + _linear(d, d) + _linear(d, mlp) + _linear(mlp, d)
    context = d * merge * merge
    merger = 2 * d + _linear(context, context) + _linear(context, out)
    return channels * temporal * patch * patch * d + depth * block + merger


def _qwen2_5_vl(get, text_hidden: int) -> int:
    """Qwen2.5-VL: RMSNorm ViT blocks with a gated MLP (all with biases), an RMSNorm patch merger."""
    d, depth, inter = get("hidden_size"), get("depth"), get("intermediate_size")
    channels, patch, temporal, merge = get("in_channels"), get("patch_size"), get("temporal_patch_size"), \
        get("spatial_merge_size")
    out = get("out_hidden_size")
    block = 2 * d + _linear(d, 3 * d) + _linear(d, d) + 2 * _linear(d, inter) + _linear(inter, d)
    context = d * merge * merge
    merger = d + _linear(context, context) + _linear(context, out)
    return channels * temporal * patch * patch * d + depth * block + merger


def _siglip(get, text_hidden: int) -> int:
    """SigLIP vision model (Gemma 3) with its pooling head where vision_use_head is true (SiglipVisionConfig's
    default; the published Gemma 3 configs say false), and Gemma 3's projector (an RMSNorm and a matrix)."""
    d, inter, layers = get("hidden_size"), get("intermediate_size"), get("num_hidden_layers")
    channels, patch, image = get("num_channels"), get("patch_size"), get("image_size")
    embeddings = channels * patch * patch * d + d + (image // patch) ** 2 * d
    layer = 2 * 2 * d + 4 * _linear(d, d) + _linear(d, inter) + _linear(inter, d)
    # SiglipMultiheadAttentionPoolingHead: a probe, nn.MultiheadAttention (in_proj 3d x d with bias, out_proj with
    # bias), a LayerNorm and the MLP.
    head = d + _linear(d, 3 * d) + _linear(d, d) + 2 * d + _linear(d, inter) + _linear(inter, d) \
        if get.flag("vision_use_head") else 0
    projector = d * text_hidden + d
    return embeddings + layers * layer + 2 * d + head + projector


def _llama4(get, text_hidden: int) -> int:
    """Llama 4: unfold-conv patch embedding, class token, learned positions, LayerNorm ViT with biases, the
    pixel-shuffle MLP adapter and the projector into the text model."""
    d, inter, layers = get("hidden_size"), get("intermediate_size"), get("num_hidden_layers")
    channels, patch, image = get("num_channels"), get("patch_size"), get("image_size")
    proj_in, proj_out, vision_out = get("projector_input_dim"), get("projector_output_dim"), get("vision_output_dim")
    embeddings = channels * patch * patch * d + d + ((image // patch) ** 2 + 1) * d + 2 * 2 * d
    layer = 2 * 2 * d + 4 * _linear(d, d) + _linear(d, inter) + _linear(inter, d)
    adapter = inter * proj_in + proj_out * proj_out
    return embeddings + layers * layer + adapter + vision_out * text_hidden


def _qwen3_5(get, text_hidden: int) -> int:
    """Qwen3.5: Conv3d patch embedding with bias, a learned position table, LayerNorm ViT blocks (fused qkv, GELU
    MLP, all with biases), a LayerNorm + two-matrix patch merger (Qwen3_5VisionModel, transformers 5.24)."""
    d, depth, inter = get("hidden_size"), get("depth"), get("intermediate_size")
    channels, patch, temporal, merge = get("in_channels"), get("patch_size"), get("temporal_patch_size"), \
        get("spatial_merge_size")
    out, positions = get("out_hidden_size"), get("num_position_embeddings")
    block = 2 * 2 * d + _linear(d, 3 * d) + _linear(d, d) + _linear(d, inter) + _linear(inter, d)
    context = d * merge * merge
    merger = 2 * d + _linear(context, context) + _linear(context, out)
    return _linear(channels * temporal * patch * patch, d) + positions * d + depth * block + merger


def _pixtral(get, text_hidden: int) -> int:
    """Mistral 3: the Pixtral ViT (bias-free conv patch embedding, RMSNorms, gated MLP) and Mistral3's projector
    (an RMSNorm, the spatial patch merger, two matrices into the text model; multimodal_projector_bias is false
    in the published configs)."""
    d, inter, layers = get("hidden_size"), get("intermediate_size"), get("num_hidden_layers")
    channels, patch, merge = get("num_channels"), get("patch_size"), get("spatial_merge_size")
    layer = 2 * d + 4 * d * d + 3 * d * inter
    projector = d + d * merge * merge * d + d * text_hidden + text_hidden * text_hidden
    return channels * patch * patch * d + d + layers * layer + projector


def _gemma4_vision(get, text_hidden: int) -> int:
    """Gemma 4's vision encoder (Gemma4VisionModel: a bias-free patch projection, a 2 x positions x hidden position
    table, Gemma-style layers with four RMSNorms, q/k norms and a gated MLP) and its embedder into the text model."""
    d, inter, layers = get("hidden_size"), get("intermediate_size"), get("num_hidden_layers")
    heads, kv_heads, head_dim = get("num_attention_heads"), get("num_key_value_heads"), get("head_dim")
    patch, positions = get("patch_size"), get("position_embedding_size")
    layer = 4 * d + d * heads * head_dim * 2 + d * kv_heads * head_dim * 2 + 2 * head_dim + 3 * d * inter
    return 3 * patch * patch * d + 2 * positions * d + layers * layer + d * text_hidden


def _gemma4_audio(get, text_hidden: int) -> int:
    """Gemma 4's audio encoder (Gemma4AudioModel: two conv subsampling layers, conformer layers of two 4x feed-
    forwards, a light conv and relative-position attention, an output projection with bias) and its embedder."""
    h, layers, heads, kernel = get("hidden_size"), get("num_hidden_layers"), get("num_attention_heads"), \
        get("conv_kernel_size")
    c0, c1, out = get("subsampling_channels_0"), get("subsampling_channels_1"), get("output_proj_dims")
    head_dim = h // heads
    # q, k, v and relative_k project to heads x head_dim (below h where heads does not divide it); the rest is 20 h x h.
    layer = 20 * h * h + 4 * h * heads * head_dim + 9 * h + h * kernel + head_dim
    subsample = 9 * c0 + c0 + 9 * c0 * c1 + c1 + (c0 // 4) * c1 * h
    return subsample + layers * layer + h * out + out + out * text_hidden


_TOWERS = {
    "qwen2_vl": (_qwen2_vl, {"embed_dim": 1280, "depth": 32, "mlp_ratio": 4, "in_channels": 3, "patch_size": 14,
                             "temporal_patch_size": 2, "spatial_merge_size": 2, "hidden_size": 3584}),
    "qwen2_5_vl": (_qwen2_5_vl, {"hidden_size": 3584, "depth": 32, "intermediate_size": 3420, "in_channels": 3,
                                 "patch_size": 14, "temporal_patch_size": 2, "spatial_merge_size": 2,
                                 "out_hidden_size": 3584}),
    # SiglipVisionConfig defaults (transformers 5.24.0; Gemma3Config's vision_config is a siglip_vision_model).
    "siglip": (_siglip, {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_channels": 3,
                         "patch_size": 16, "image_size": 224, "vision_use_head": True}),
    "llama4": (_llama4, {"hidden_size": 768, "intermediate_size": 5632, "num_hidden_layers": 34, "num_channels": 3,
                         "patch_size": 14, "image_size": 448, "projector_input_dim": 4096,
                         "projector_output_dim": 4096, "vision_output_dim": 7680}),
    # Qwen3_5VisionConfig defaults (transformers 5.24.0).
    "qwen3_5": (_qwen3_5, {"hidden_size": 1152, "depth": 27, "intermediate_size": 4304, "in_channels": 3,
                           "patch_size": 16, "temporal_patch_size": 2, "spatial_merge_size": 2,
                           "out_hidden_size": 3584, "num_position_embeddings": 2304}),
    # Gemma4VisionConfig and Gemma4AudioConfig defaults (transformers 5.24.0).
    "gemma4": (_gemma4_vision, {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 16,
                                "num_attention_heads": 12, "num_key_value_heads": 12, "head_dim": 64,
                                "patch_size": 16, "position_embedding_size": 10240}),
    "gemma4_audio": (_gemma4_audio, {"hidden_size": 1024, "num_hidden_layers": 12, "num_attention_heads": 8,
                                     "conv_kernel_size": 5, "subsampling_channels_0": 128,
                                     "subsampling_channels_1": 32, "output_proj_dims": 1536}),
    # PixtralVisionConfig defaults (transformers 5.24.0); spatial_merge_size is Mistral3Config's (top level, default 2).
    "pixtral": (_pixtral, {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
                           "num_channels": 3, "patch_size": 16, "spatial_merge_size": 2}),
}


# Where a composite config leaves vision_config out (null or absent; {} keeps the class defaults above), transformers
# builds the tower with its SubConfigSpec's init_kwargs: Mistral3Config's differ from PixtralVisionConfig's in the
# patch size (configuration_mistral3.py, transformers 5.24.0: init_kwargs={"patch_size": 14, "image_size": 1540, ...}).
_WHEN_ABSENT = {"pixtral": {"patch_size": 14}}


def tower_defaults() -> dict:
    """{tower: its vision config defaults}, for the calculator page."""
    return {name: dict(defaults) for name, (_, defaults) in _TOWERS.items()}


def towers_when_absent() -> dict:
    """{tower: the keys its composite config gives a left-out vision_config}, for the calculator page."""
    return {name: dict(keys) for name, keys in _WHEN_ABSENT.items()}


def vision_params(kind, config: dict, text_hidden: int, path=None, line_of=None) -> int:
    """Parameters of the family's vision tower and projector (0 for a text-only family)."""
    if not kind:
        return 0
    vc = config.get("vision_config")
    if vc is None:
        vc = dict(_WHEN_ABSENT.get(kind, {}))
    if not isinstance(vc, dict):
        raise GeneratorError("'vision_config' must be a mapping", path, line_of("vision_config") if line_of else None,
                             "give the config.json as published")
    if kind == "gemma4":
        # Gemma4Config builds each tower only when its config is given (not null).
        total = 0
        for key, tower in (("vision_config", "gemma4"), ("audio_config", "gemma4_audio")):
            sub = config.get(key)
            if sub is None:
                continue
            if not isinstance(sub, dict):
                raise GeneratorError(f"{key!r} must be a mapping", path, line_of(key) if line_of else None,
                                     "give the config.json as published")
            channels = sub.get("subsampling_conv_channels")
            if tower == "gemma4_audio" and channels is not None:
                if not isinstance(channels, list) or len(channels) != 2:
                    raise GeneratorError("audio_config field 'subsampling_conv_channels' must be two numbers, got "
                                         f"{shown(channels)}", path, line_of(key) if line_of else None,
                                         "give the config.json as published")
                sub = {**sub, "subsampling_channels_0": channels[0], "subsampling_channels_1": channels[1]}
            count, defaults = _TOWERS[tower]
            total += count(_getter(sub, defaults, path, line_of, key), text_hidden)
        return total
    count, defaults = _TOWERS[kind]
    if kind == "pixtral":
        # Mistral3's projector reads the top-level spatial_merge_size; PixtralVisionConfig has none.
        vc = {**vc, "spatial_merge_size": config.get("spatial_merge_size")}
    return count(_getter(vc, defaults, path, line_of), text_hidden)
