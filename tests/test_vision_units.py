"""generator/families/vision.py on its own: the vision/audio towers and projectors of multimodal configs (issue 23,
items 1, 2 and 7).

Expected counts are transformers' own: tests/data/transformers_vision_counts.yaml, written by
benchmarks/transformers_vision_counts.py (transformers 5.24.0 on the meta device: every parameter outside the text
model). Its cases are published config.json files (content/models.yaml, tests/data/family_configs.yaml, each with its
URL there) as they are, with keys left out (the config class's defaults), with values the published files never take
(a patch that does not divide the image, one channel, a merge of 1, a head count that does not divide the width), with
keys transformers does not read (``in_chans``, a vision_config ``spatial_merge_size``) and with the sub-config left
out (the composite config's own defaults). The refusals are checked word for word, with the line they point at.
In-process, no files, no network: it runs once per mutant of vision.py.
"""

import copy
import os

import pytest

from generator.core import limits
from generator.core.errors import GeneratorError
from generator.core.yamlio import read_yaml_file
from generator.families.table import FAMILIES
from generator.families.vision import tower_defaults, towers_when_absent, vision_params

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORDED = read_yaml_file(os.path.join(ROOT, "tests", "data", "transformers_vision_counts.yaml"))
DELETE = RECORDED["delete"]
NOT_CONFIG = {"params_total", "params_active_per_token"}
BASES = {entry["id"]: {k: v for k, v in entry["config"].items() if k not in NOT_CONFIG}
         for entry in read_yaml_file(os.path.join(ROOT, "content", "models.yaml"))["models"] if entry.get("config")}
BASES.update((name, entry["config"]) for name, entry in
             read_yaml_file(os.path.join(ROOT, "tests", "data", "family_configs.yaml"))["configs"].items())
LINES = {"vision_config": 7, "audio_config": 19}
PUBLISHED = "give the config.json as published"


def build_config(base: dict, change: dict) -> dict:
    """The case's config: its change applied to the published one, as benchmarks/transformers_vision_counts.py does
    ("section=": replaced whole; {} or None: given so; DELETE: left out; "top": top-level keys)."""
    config = copy.deepcopy(base)
    for section, keys in change.items():
        if section.endswith("="):
            config[section[:-1]] = copy.deepcopy(keys)
        elif section != "top" and (keys is None or keys == DELETE or keys == {}):
            if keys == DELETE:
                config.pop(section, None)
            else:
                config[section] = keys
        else:
            target = config if section == "top" else config.setdefault(section, {})
            for key, value in keys.items():
                if value == DELETE:
                    target.pop(key, None)
                else:
                    target[key] = value
    return config


def _case(name):
    case = RECORDED["cases"][name]
    config = build_config(BASES[case["base"]], case["change"])
    return FAMILIES[config["model_type"]]["vision"], config, case["text_hidden"]


def test_the_counts_name_their_transformers_version():
    assert RECORDED["transformers_version"] == "5.24.0" and RECORDED["torch_version"]
    assert len(RECORDED["cases"]) >= 40


@pytest.mark.parametrize("name", sorted(RECORDED["cases"]))
def test_towers_equal_transformers_count(name):
    kind, config, text_hidden = _case(name)
    assert vision_params(kind, config, text_hidden) == RECORDED["cases"][name]["count"]


@pytest.mark.parametrize("name", sorted(RECORDED["cases"]))
def test_the_count_is_a_whole_number(name):
    # A '/' where transformers floors ('//') can give the same value as a float on the published sizes.
    kind, config, text_hidden = _case(name)
    assert type(vision_params(kind, config, text_hidden)) is int


def test_the_cases_reach_every_tower_with_and_without_its_defaults():
    kinds = {_case(name)[0] for name in RECORDED["cases"]}
    assert kinds == {"qwen2_vl", "qwen2_5_vl", "siglip", "llama4", "qwen3_5", "gemma4", "pixtral"}


@pytest.mark.parametrize("kind", [None, "", False])
def test_a_text_only_family_has_no_tower(kind):
    _, config, text_hidden = _case("Qwen2-VL-7B-Instruct")
    assert vision_params(kind, config, text_hidden) == 0
    assert vision_params(kind, {"vision_config": [1]}, 8) == 0


# --- refusals: one line naming the field, the value, the config's line and the fix ---------------------------------
def _refusal(kind, config, text_hidden=4096, line_of=LINES.get, path="config.json"):
    with pytest.raises(GeneratorError) as info:
        vision_params(kind, config, text_hidden, path, line_of)
    return info.value


@pytest.mark.parametrize("value,shown", [(True, "True"), (False, "False"), (1.5, "1.5"), (14.0, "14.0"),
                                         ("14", "'14'"), (0, "0"), (-1, "-1"), ([14], "[14]"),
                                         (limits.MAX_FIELD + 1, str(limits.MAX_FIELD + 1))])
@pytest.mark.parametrize("kind,section,key", [("qwen2_vl", "vision_config", "depth"),
                                              ("qwen2_vl", "vision_config", "in_channels"),
                                              ("llama4", "vision_config", "patch_size"),
                                              ("gemma4", "vision_config", "head_dim"),
                                              ("gemma4", "audio_config", "conv_kernel_size")])
def test_a_field_that_is_not_a_positive_integer_is_refused(kind, section, key, value, shown):
    error = _refusal(kind, {section: {key: value}})
    assert error.message == f"{section} field {key!r} must be a positive integer, got {shown}"
    assert (error.path, error.line, error.fix) == ("config.json", LINES[section], PUBLISHED)
    error = _refusal(kind, {section: {key: value}}, line_of=None, path=None)
    assert (error.path, error.line) == (None, None)


@pytest.mark.parametrize("value", [1, 2, limits.MAX_FIELD])
def test_the_bounds_of_a_field_are_accepted(value):
    # 1 and limits.MAX_FIELD are the field's bounds (a merge or a temporal patch of 1 is a real Qwen2-VL layout).
    assert vision_params("qwen2_vl", {"vision_config": {"spatial_merge_size": value}}, 8) > 0
    assert vision_params("qwen2_5_vl", {"vision_config": {"temporal_patch_size": value}}, 8) > 0


@pytest.mark.parametrize("value,shown", [(1, "1"), ("false", "'false'"), (0, "0"), ([], "[]")])
def test_vision_use_head_that_is_not_a_boolean_is_refused(value, shown):
    error = _refusal("siglip", {"vision_config": {"vision_use_head": value}})
    assert error.message == f"vision_config field 'vision_use_head' must be true or false, got {shown}"
    assert (error.path, error.line, error.fix) == ("config.json", LINES["vision_config"], PUBLISHED)
    error = _refusal("siglip", {"vision_config": {"vision_use_head": value}}, line_of=None, path=None)
    assert (error.path, error.line) == (None, None)


def test_vision_use_head_adds_the_pooling_head():
    # SiglipMultiheadAttentionPoolingHead (modeling_siglip.py, transformers 5.24.0): probe (1, 1, d),
    # nn.MultiheadAttention(d) (in_proj_weight 3d x d, in_proj_bias 3d, out_proj d x d + d), LayerNorm (2d), SiglipMLP
    # (d x inter + inter, inter x d + d); the recorded gemma3-no-vision-config case counts it with the defaults.
    d, inter = 1152, 4304
    head = d + 3 * d * d + 3 * d + d * d + d + 2 * d + d * inter + inter + inter * d + d
    _, config, text_hidden = _case("gemma-3-4b-it")
    without = vision_params("siglip", config, text_hidden)
    config["vision_config"]["vision_use_head"] = True
    assert vision_params("siglip", config, text_hidden) - without == head


@pytest.mark.parametrize("kind,value,shown", [("qwen2_vl", [1], "[1]"), ("siglip", "yes", "'yes'"),
                                              ("pixtral", 3, "3"), ("gemma4", [], "[]")])
def test_a_vision_config_that_is_not_a_mapping_is_refused(kind, value, shown):
    error = _refusal(kind, {"vision_config": value})
    assert error.message == "'vision_config' must be a mapping"
    assert (error.path, error.line, error.fix) == ("config.json", LINES["vision_config"], PUBLISHED)
    error = _refusal(kind, {"vision_config": value}, line_of=None, path=None)
    assert (error.path, error.line) == (None, None)


@pytest.mark.parametrize("value", [[], "audio", 5])
def test_an_audio_config_that_is_not_a_mapping_is_refused(value):
    error = _refusal("gemma4", {"vision_config": {}, "audio_config": value})
    assert error.message == "'audio_config' must be a mapping"
    assert (error.path, error.line, error.fix) == ("config.json", LINES["audio_config"], PUBLISHED)
    error = _refusal("gemma4", {"vision_config": None, "audio_config": value}, line_of=None, path=None)
    assert (error.path, error.line) == (None, None)


@pytest.mark.parametrize("value,shown", [([128], "[128]"), ([128, 32, 8], "[128, 32, 8]"), (128, "128"),
                                         ("128,32", "'128,32'"), ({"0": 128, "1": 32}, "{'0': 128, '1': 32}")])
def test_subsampling_conv_channels_must_be_two_numbers(value, shown):
    error = _refusal("gemma4", {"audio_config": {"subsampling_conv_channels": value}})
    assert error.message == f"audio_config field 'subsampling_conv_channels' must be two numbers, got {shown}"
    assert (error.path, error.line, error.fix) == ("config.json", LINES["audio_config"], PUBLISHED)
    error = _refusal("gemma4", {"audio_config": {"subsampling_conv_channels": value}}, line_of=None, path=None)
    assert (error.path, error.line) == (None, None)


def test_subsampling_conv_channels_items_are_checked_as_fields():
    error = _refusal("gemma4", {"audio_config": {"subsampling_conv_channels": [128, 0]}})
    assert error.message == "audio_config field 'subsampling_channels_1' must be a positive integer, got 0"
    assert error.line == LINES["audio_config"]
    error = _refusal("gemma4", {"audio_config": {"subsampling_conv_channels": [True, 32]}})
    assert error.message == "audio_config field 'subsampling_channels_0' must be a positive integer, got True"


def test_a_vision_config_key_is_not_read_as_an_audio_one():
    # The two towers read their own sub-configs: Gemma 4's subsampling_conv_channels only counts in audio_config.
    _, config, text_hidden = _case("gemma4-vision-only")
    config["vision_config"] = dict(config["vision_config"], subsampling_conv_channels=[1])
    assert vision_params("gemma4", config, text_hidden) == RECORDED["cases"]["gemma4-vision-only"]["count"]


def test_gemma4_without_both_towers_has_none():
    # Gemma4Config builds a tower only for a sub-config that is given (the recorded gemma4-defaults: no tower).
    assert vision_params("gemma4", {"vision_config": None, "audio_config": None}, 1536) == 0
    assert vision_params("gemma4", {}, 1536) == 0


# --- the defaults the calculator page reads --------------------------------------------------------------------------
def test_tower_defaults_are_transformers_config_defaults():
    # The values of each vision config class (transformers 5.24.0: configuration_qwen2_vl.py Qwen2VLVisionConfig,
    # configuration_qwen2_5_vl.py Qwen2_5_VLVisionConfig, configuration_siglip.py SiglipVisionConfig,
    # configuration_llama4.py Llama4VisionConfig, configuration_qwen3_5.py Qwen3_5VisionConfig,
    # configuration_gemma4.py Gemma4VisionConfig/Gemma4AudioConfig (subsampling_conv_channels (128, 32)),
    # configuration_pixtral.py PixtralVisionConfig, configuration_mistral3.py Mistral3Config.spatial_merge_size).
    expected = {
        "qwen2_vl": {"embed_dim": 1280, "depth": 32, "mlp_ratio": 4, "in_channels": 3, "patch_size": 14,
                     "temporal_patch_size": 2, "spatial_merge_size": 2, "hidden_size": 3584},
        "qwen2_5_vl": {"hidden_size": 3584, "depth": 32, "intermediate_size": 3420, "in_channels": 3,
                       "patch_size": 14, "temporal_patch_size": 2, "spatial_merge_size": 2, "out_hidden_size": 3584},
        "siglip": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_channels": 3,
                   "patch_size": 16, "image_size": 224, "vision_use_head": True},
        "llama4": {"hidden_size": 768, "intermediate_size": 5632, "num_hidden_layers": 34, "num_channels": 3,
                   "patch_size": 14, "image_size": 448, "projector_input_dim": 4096, "projector_output_dim": 4096,
                   "vision_output_dim": 7680},
        "qwen3_5": {"hidden_size": 1152, "depth": 27, "intermediate_size": 4304, "in_channels": 3, "patch_size": 16,
                    "temporal_patch_size": 2, "spatial_merge_size": 2, "out_hidden_size": 3584,
                    "num_position_embeddings": 2304},
        "gemma4": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 16, "num_attention_heads": 12,
                   "num_key_value_heads": 12, "head_dim": 64, "patch_size": 16, "position_embedding_size": 10240},
        "gemma4_audio": {"hidden_size": 1024, "num_hidden_layers": 12, "num_attention_heads": 8,
                         "conv_kernel_size": 5, "subsampling_channels_0": 128, "subsampling_channels_1": 32,
                         "output_proj_dims": 1536},
        "pixtral": {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_channels": 3,
                    "patch_size": 16, "spatial_merge_size": 2},
    }
    assert tower_defaults() == expected
    # Mistral3Config's SubConfigSpec init_kwargs for a left-out vision_config: patch_size 14 where Pixtral's is 16.
    assert towers_when_absent() == {"pixtral": {"patch_size": 14}}


def test_the_defaults_handed_out_are_copies():
    tower_defaults()["llama4"]["intermediate_size"] = 1
    towers_when_absent()["pixtral"]["patch_size"] = 1
    assert tower_defaults()["llama4"]["intermediate_size"] == 5632
    assert towers_when_absent()["pixtral"]["patch_size"] == 14
    _, config, text_hidden = _case("mistral3-no-vision-config")
    assert vision_params("pixtral", config, text_hidden) == RECORDED["cases"]["mistral3-no-vision-config"]["count"]
