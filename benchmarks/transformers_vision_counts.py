"""Record transformers' own parameter count of the vision/audio towers and projectors of multimodal configs (test data
for tests/test_vision_units.py, not a project dependency).

Each case is a published config.json (a content/models.yaml entry or a tests/data/family_configs.yaml one) as it is,
or with some vision_config/audio_config keys changed or left out: leaving a key out tests the defaults that
generator/families/vision.py assumes for it (transformers' config class default), odd values (a patch size that does
not divide the image, a single channel, a merge of 1) test the formulas where the published values hide a term.
For each case build the transformers class the config names on the meta device (no memory, no weights) and sum
``numel()`` over ``model.named_parameters()`` (tied weights once) of every parameter outside the text model (the
names under ``model.language_model``, ``language_model.`` and ``lm_head``): the towers, their projectors and
embedders. Writes tests/data/transformers_vision_counts.yaml with the transformers and torch versions, each case's
change, the text model's hidden size transformers used, and the count.

Run it in a scratch virtualenv, never the project's (as benchmarks/transformers_param_counts.py):

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install torch transformers accelerate pyyaml
    /tmp/tf/bin/python benchmarks/transformers_vision_counts.py
"""

from __future__ import annotations

import copy
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks.transformers_param_counts import NOT_CONFIG, _configs  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "transformers_vision_counts.yaml")
DELETE = "<leave out>"
TEXT_PREFIXES = ("model.language_model.", "language_model.", "lm_head.")

# (case, base config, {section: {key: value or DELETE} (changed keys), "section=": {...} (replaced whole), section:
# {} or None (given empty or null), section: DELETE (left out), "top": {key: value or DELETE} (top-level keys)}, why)
CASES = [
    # Published configs, as they are.
    ("Qwen2-VL-7B-Instruct", "Qwen2-VL-7B-Instruct", {}, "published"),
    ("Qwen2.5-VL-3B-Instruct", "Qwen2.5-VL-3B-Instruct", {}, "published"),
    ("Qwen2.5-VL-7B-Instruct", "Qwen2.5-VL-7B-Instruct", {}, "published"),
    ("Qwen2.5-VL-72B-Instruct", "Qwen2.5-VL-72B-Instruct", {}, "published"),
    ("gemma-3-4b-it", "gemma-3-4b-it", {}, "published"),
    ("gemma-3-27b-it", "gemma-3-27b-it", {}, "published"),
    ("Llama-4-Scout-17B-16E", "Llama-4-Scout-17B-16E", {}, "published"),
    ("Qwen3.5-35B-A3B", "Qwen3.5-35B-A3B", {}, "published"),
    ("gemma-4-E2B-it", "gemma-4-E2B-it", {}, "published"),
    ("gemma4-towers-k-eq-v", "gemma4-towers-k-eq-v", {}, "published (a public preset)"),
    ("Mistral-Small-3.1-24B-Instruct-2503", "Mistral-Small-3.1-24B-Instruct-2503", {}, "published"),
    # Every vision key left out: the config class's defaults.
    ("qwen2_vl-vision-defaults", "Qwen2-VL-7B-Instruct", {"vision_config": {}}, "Qwen2VLVisionConfig defaults"),
    ("qwen2_vl-no-vision-config", "Qwen2-VL-7B-Instruct", {"vision_config": DELETE}, "vision_config left out"),
    ("qwen2_5_vl-vision-defaults", "Qwen2.5-VL-3B-Instruct", {"vision_config": {}},
     "Qwen2_5_VLVisionConfig defaults"),
    ("qwen2_5_vl-no-vision-config", "Qwen2.5-VL-3B-Instruct", {"vision_config": DELETE}, "vision_config left out"),
    ("siglip-vision-defaults", "gemma-3-4b-it", {"vision_config=": {"vision_use_head": False}},
     "SiglipVisionConfig defaults (Gemma 3 has no pooling head)"),
    ("llama4-vision-defaults", "Llama-4-Scout-17B-16E", {"vision_config": {}}, "Llama4VisionConfig defaults"),
    ("llama4-no-vision-config", "Llama-4-Scout-17B-16E", {"vision_config": DELETE}, "vision_config left out"),
    ("qwen3_5-vision-defaults", "Qwen3.5-35B-A3B", {"vision_config": {}}, "Qwen3_5MoeVisionConfig defaults"),
    ("qwen3_5-no-vision-config", "Qwen3.5-35B-A3B", {"vision_config": DELETE}, "vision_config left out"),
    ("gemma4-tower-defaults", "gemma-4-E2B-it", {"vision_config": {}, "audio_config": {}},
     "Gemma4VisionConfig and Gemma4AudioConfig defaults"),
    ("pixtral-vision-defaults", "Mistral-Small-3.1-24B-Instruct-2503", {"vision_config": {}},
     "PixtralVisionConfig defaults"),
    ("pixtral-merge-default", "Mistral-Small-3.1-24B-Instruct-2503", {"top": {"spatial_merge_size": DELETE}},
     "Mistral3Config's spatial_merge_size default"),
    # Single keys changed to values the published configs never take.
    ("qwen2_vl-in_channels-1", "Qwen2-VL-7B-Instruct", {"vision_config": {"in_chans": DELETE, "in_channels": 1}},
     "one channel, under transformers' own key"),
    ("qwen2_vl-small", "Qwen2-VL-7B-Instruct",
     {"vision_config": {"embed_dim": 64, "depth": 2, "mlp_ratio": 3, "num_heads": 4, "patch_size": 7,
                        "temporal_patch_size": 1, "spatial_merge_size": 1, "hidden_size": 96}},
     "every size other than the defaults, a merge and a temporal patch of 1"),
    ("qwen2_5_vl-in_channels-1", "Qwen2.5-VL-3B-Instruct",
     {"vision_config": {"in_chans": DELETE, "in_channels": 1}}, "one channel, under transformers' own key"),
    ("qwen2_5_vl-small", "Qwen2.5-VL-3B-Instruct",
     {"vision_config": {"hidden_size": 64, "depth": 2, "intermediate_size": 96, "num_heads": 4, "patch_size": 7,
                        "temporal_patch_size": 1, "spatial_merge_size": 1, "out_hidden_size": 80,
                        "fullatt_block_indexes": [1], "window_size": 28}},
     "every size other than the defaults, a merge and a temporal patch of 1"),
    ("siglip-patch-15", "gemma-3-4b-it", {"vision_config=": {"vision_use_head": False, "patch_size": 15}},
     "a patch that does not divide the default image (224 // 15 = 14)"),
    ("siglip-small", "gemma-3-4b-it",
     {"vision_config": {"vision_use_head": False, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
                        "num_attention_heads": 4, "num_channels": 1, "patch_size": 4, "image_size": 18}},
     "every size other than the defaults, one channel, 18 // 4 = 4"),
    ("llama4-patch-1", "Llama-4-Scout-17B-16E", {"vision_config": {"image_size": DELETE, "patch_size": 1}},
     "the default image size with a patch of 1 (448 x 448 patches)"),
    ("llama4-small", "Llama-4-Scout-17B-16E",
     {"vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
                        "num_channels": 1, "patch_size": 4, "image_size": 18, "projector_input_dim": 24,
                        "projector_output_dim": 40, "vision_output_dim": 56}},
     "every size other than the defaults, one channel, 18 // 4 = 4"),
    ("qwen3_5-small", "Qwen3.5-35B-A3B",
     {"vision_config": {"hidden_size": 64, "depth": 2, "intermediate_size": 96, "num_heads": 4, "in_channels": 1,
                        "patch_size": 4, "temporal_patch_size": 1, "spatial_merge_size": 1, "out_hidden_size": 80,
                        "num_position_embeddings": 16}},
     "every size other than the defaults, one channel, a merge and a temporal patch of 1"),
    ("gemma4-small", "gemma-4-E2B-it",
     {"vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
                        "num_key_value_heads": 2, "head_dim": 8, "patch_size": 4, "position_embedding_size": 20},
      "audio_config": {"hidden_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4, "conv_kernel_size": 3,
                       "subsampling_conv_channels": [10, 6], "output_proj_dims": 24}},
     "every size other than the defaults; 10 // 4 = 2 subsampled channels"),
    ("gemma4-audio-only", "gemma-4-E2B-it", {"vision_config": None}, "vision_config null: no vision tower"),
    ("gemma4-vision-only", "gemma-4-E2B-it", {"audio_config": None}, "audio_config null: no audio tower"),
    ("gemma4-audio-heads-3", "gemma-4-E2B-it", {"audio_config": {"num_attention_heads": 3}},
     "1024 // 3 = 341 per head"),
    # Keys transformers' config classes do not read, and absent sub-configs that take another class's defaults.
    ("qwen2_vl-in_chans-1", "Qwen2-VL-7B-Instruct", {"vision_config": {"in_chans": 1}},
     "in_chans (the published key) is not Qwen2VLVisionConfig's: transformers keeps in_channels = 3"),
    ("qwen2_5_vl-in_chans-1", "Qwen2.5-VL-3B-Instruct", {"vision_config": {"in_chans": 1}},
     "in_chans (the published key) is not Qwen2_5_VLVisionConfig's: transformers keeps in_channels = 3"),
    ("qwen3_5-in_chans-1", "Qwen3.5-35B-A3B", {"vision_config": {"in_channels": DELETE, "in_chans": 1}},
     "in_chans is not Qwen3_5MoeVisionConfig's: transformers keeps in_channels = 3"),
    ("pixtral-vision-merge-1", "Mistral-Small-3.1-24B-Instruct-2503",
     {"vision_config": {"spatial_merge_size": 1}, "top": {"spatial_merge_size": DELETE}},
     "spatial_merge_size is Mistral3Config's (top level), not PixtralVisionConfig's"),
    ("mistral3-no-vision-config", "Mistral-Small-3.1-24B-Instruct-2503", {"vision_config": DELETE},
     "vision_config left out: Mistral3Config's own vision defaults"),
    ("gemma3-no-vision-config", "gemma-3-4b-it", {"vision_config": DELETE},
     "vision_config left out: SiglipVisionConfig defaults, pooling head included"),
    ("pixtral-small", "Mistral-Small-3.1-24B-Instruct-2503",
     {"vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
                        "head_dim": 8, "num_channels": 1, "patch_size": 4, "image_size": 16},
      "top": {"spatial_merge_size": 1}},
     "every size other than the defaults, one channel, a merge of 1"),
]


def build_config(base: dict, change: dict) -> dict:
    """The base config with the case's change applied (tests/test_vision_units.py applies it the same way)."""
    config = copy.deepcopy(base)
    for section, keys in change.items():
        if section.endswith("="):  # the section replaced whole
            config[section[:-1]] = copy.deepcopy(keys)
            continue
        if section != "top" and (keys is None or keys == DELETE or keys == {}):
            if keys == DELETE:
                config.pop(section, None)
            else:
                config[section] = keys
            continue
        target = config if section == "top" else config.setdefault(section, {})
        for key, value in keys.items():
            if value == DELETE:
                target.pop(key, None)
            else:
                target[key] = value
    return config


def count(config: dict) -> tuple[int, int]:
    import torch
    import transformers

    config = {k: v for k, v in config.items() if k not in NOT_CONFIG and k != "quantization_config"}
    hf_config = transformers.AutoConfig.for_model(config["model_type"],
                                                  **{k: v for k, v in config.items() if k != "model_type"})
    cls = getattr(transformers, config["architectures"][0])
    with torch.device("meta"):
        model = cls(hf_config)
    towers = sum(p.numel() for name, p in model.named_parameters() if not name.startswith(TEXT_PREFIXES))
    return towers, hf_config.get_text_config().hidden_size


def main() -> int:
    import torch
    import transformers

    bases = dict(_configs())
    cases = {}
    for name, base, change, why in CASES:
        towers, text_hidden = count(build_config(bases[base], change))
        cases[name] = {"base": base, "change": change, "why": why, "text_hidden": text_hidden, "count": towers}
        print(f"{name}: {towers:,}", flush=True)
    data = {"transformers_version": str(transformers.__version__), "torch_version": str(torch.__version__),
            "how": "sum of numel() over model.named_parameters() outside the text model (model.language_model, "
                   "language_model., lm_head) of the transformers class built on the meta device "
                   "(benchmarks/transformers_vision_counts.py)",
            "delete": DELETE, "cases": cases}
    with open(OUT, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False, width=120)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
