"""Parameter counts of the vision towers and projectors that multimodal checkpoints carry beside the text model.

Pure. Each layout was read off the family's modeling file in transformers and is checked against transformers'
own count (tests/data/transformers_param_counts.yaml). The defaults are those of the family's vision config class,
for keys a published config.json leaves out.
"""

from __future__ import annotations

from ..errors import GeneratorError, shown


def _getter(vc: dict, defaults: dict, path, line_of):
    def get(*names):
        for name in names:
            value = vc.get(name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > 10**9:
                    raise GeneratorError(f"vision_config field {name!r} must be a positive integer, got "
                                         f"{shown(value)}", path, line_of("vision_config") if line_of else None,
                                         "give the config.json as published")
                return value
        return defaults[names[0]]
    return get


def _linear(fan_in: int, fan_out: int, bias: bool = True) -> int:
    return fan_in * fan_out + (fan_out if bias else 0)


def _qwen2_vl(get, text_hidden: int) -> int:
    """Qwen2-VL: Conv3d patch embedding, LayerNorm ViT blocks (fused qkv with bias, GELU MLP), a patch merger."""
    d, depth, ratio = get("embed_dim"), get("depth"), get("mlp_ratio")
    channels, patch, temporal, merge = get("in_chans", "in_channels"), get("patch_size"), get("temporal_patch_size"), \
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
    channels, patch, temporal, merge = get("in_chans", "in_channels"), get("patch_size"), get("temporal_patch_size"), \
        get("spatial_merge_size")
    out = get("out_hidden_size")
    block = 2 * d + _linear(d, 3 * d) + _linear(d, d) + 2 * _linear(d, inter) + _linear(inter, d)
    context = d * merge * merge
    merger = d + _linear(context, context) + _linear(context, out)
    return channels * temporal * patch * patch * d + depth * block + merger


def _siglip(get, text_hidden: int) -> int:
    """SigLIP vision model without its pooling head (Gemma 3), and Gemma 3's projector (an RMSNorm and a matrix)."""
    d, inter, layers = get("hidden_size"), get("intermediate_size"), get("num_hidden_layers")
    channels, patch, image = get("num_channels"), get("patch_size"), get("image_size")
    embeddings = channels * patch * patch * d + d + (image // patch) ** 2 * d
    layer = 2 * 2 * d + 4 * _linear(d, d) + _linear(d, inter) + _linear(inter, d)
    projector = d * text_hidden + d
    return embeddings + layers * layer + 2 * d + projector


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


_TOWERS = {
    "qwen2_vl": (_qwen2_vl, {"embed_dim": 1280, "depth": 32, "mlp_ratio": 4, "in_chans": 3, "patch_size": 14,
                             "temporal_patch_size": 2, "spatial_merge_size": 2, "hidden_size": 3584}),
    "qwen2_5_vl": (_qwen2_5_vl, {"hidden_size": 1280, "depth": 32, "intermediate_size": 3420, "in_chans": 3,
                                 "patch_size": 14, "temporal_patch_size": 2, "spatial_merge_size": 2,
                                 "out_hidden_size": 3584}),
    "siglip": (_siglip, {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_channels": 3,
                         "patch_size": 16, "image_size": 224}),
    "llama4": (_llama4, {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 34, "num_channels": 3,
                         "patch_size": 14, "image_size": 448, "projector_input_dim": 4096,
                         "projector_output_dim": 4096, "vision_output_dim": 7680}),
}


def tower_defaults() -> dict:
    """{tower: its vision config defaults}, for the calculator page."""
    return {name: dict(defaults) for name, (_, defaults) in _TOWERS.items()}


def vision_params(kind, config: dict, text_hidden: int, path=None, line_of=None) -> int:
    """Parameters of the family's vision tower and projector (0 for a text-only family)."""
    if not kind:
        return 0
    vc = config.get("vision_config")
    if vc is None:
        vc = {}
    if not isinstance(vc, dict):
        raise GeneratorError("'vision_config' must be a mapping", path, line_of("vision_config") if line_of else None,
                             "give the config.json as published")
    count, defaults = _TOWERS[kind]
    return count(_getter(vc, defaults, path, line_of), text_hidden)
