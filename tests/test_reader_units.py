"""generator/families/reader.py, function by function (issue 23, item 7: the mutation run's survivors): what each
family's config.json means, read off transformers 5.24.0 (the release tests/data/transformers_param_counts.yaml
names; files under src/transformers/models/), and every refusal's message, file and line.

Expected values are written out here from the config.json keys and the cited transformers lines, or are
transformers' recorded parameter counts; none comes from the reader. One rule is the reader's own: a 0 where
transformers needs a positive count (num_key_value_heads, head_dim, num_ln_in_parallel_attn, a layer interval or
period, moe_layer_freq) is read as "not set", the config class default, not refused; the rows with a 0 pin it. In-process calls only (no CLI, no chdir), so
the whole file runs in about a second.
"""

from __future__ import annotations

import json

import pytest

from generator.calc.architecture import kv_cache_bytes_per_token, params_total
from generator.core.errors import GeneratorError
from generator.core.yamlio import read_yaml_file
from generator.families.reader import architecture_from_config, family_of
from generator.families.table import FAMILIES

COUNTS = read_yaml_file("tests/data/transformers_param_counts.yaml")["counts"]
CONFIGS = {name: entry["config"] for name, entry in read_yaml_file("tests/data/family_configs.yaml")["configs"].items()}
CONFIGS.update({entry["id"]: entry["config"] for entry in read_yaml_file("content/models.yaml")["models"]})
DROP = object()
PATH = "config.json"
HOW_TO_ADD = ("add an entry for it to generator/families/table.py (and its vision tower, if any, to "
              "generator/families/vision.py), then record its transformers count with "
              "benchmarks/transformers_param_counts.py")
AS_PUBLISHED = "give the model's config.json as published"


def _plain(value):
    """The YAML loader's mappings and lists as plain dicts and lists (a config.json as json.load gives it)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def config_of(name, nested=None, **changes):
    """A copy of a published config.json with some keys changed (DROP removes one); ``nested`` edits text_config."""
    config = _plain(CONFIGS[name])
    target = config[nested] if nested else config
    for key, value in changes.items():
        if value is DROP:
            target.pop(key, None)
        else:
            target[key] = value
    return config


def lines_of(config):
    """``line_of`` as the CLI builds it for a config.json file (generator/families/model_config.py,
    read_config_mapping): the line where a key first appears in the file's text (nested ones too), else 1."""
    lines = {}
    for number, line in enumerate(json.dumps(config, indent=1).splitlines(), 1):
        if line.strip().startswith('"'):
            lines.setdefault(line.strip()[1:].split('"', 1)[0], number)
    return lambda key: lines.get(key, 1)


def read(name, nested=None, text_only=False, **changes):
    config = config_of(name, nested, **changes)
    return architecture_from_config(config, PATH, lines_of(config), text_only=text_only)


def refusal(config):
    """(path, line, message, fix) of the refusal of a config.json read with a path and line_of."""
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config, PATH, lines_of(config))
    error = info.value
    return error.path, error.line, error.message, error.fix


def line(config, key):
    return lines_of(config)(key)


# --- family_of: model_type first, else the architecture class ----------------------------------------------------
@pytest.mark.parametrize("config,family", [
    ({"model_type": "mistral", "architectures": ["LlamaForCausalLM"]}, "mistral"),   # model_type wins
    ({"model_type": "llava_text", "architectures": ["LlamaForCausalLM"]}, "llama"),   # unknown type: the class
    ({"architectures": ["Qwen2ForCausalLM"]}, "qwen2"),
    ({"architectures": "Qwen2ForCausalLM"}, "qwen2"),                                 # one class as text
    ({"architectures": ["Foo", "RWForCausalLM"]}, "falcon"),                          # any listed class
    ({"model_type": "qwen3", "architectures": None}, "qwen3"),
])
def test_family_from_model_type_or_class(config, family):
    assert family_of(config) == family


def test_family_refusals_name_the_key_and_the_supported_list():
    supported = "supported model_type values: " + ", ".join(sorted(FAMILIES)) + "; to add one, " + HOW_TO_ADD
    config = {"hidden_size": 8, "model_type": "mamba"}
    assert refusal(config) == (PATH, line(config, "model_type"), "unsupported model family (model_type 'mamba')",
                               supported)
    config = {"hidden_size": 8, "architectures": ["MambaForCausalLM"]}
    assert refusal(config) == (PATH, 1, "unsupported model family (architectures ['MambaForCausalLM'])", supported)
    assert refusal({"hidden_size": 8}) == (PATH, 1, "unsupported model family (no model_type)", supported)
    for bad, shown in ((5, "5"), (["LlamaForCausalLM", 3], "['LlamaForCausalLM', 3]")):
        config = {"hidden_size": 8, "architectures": bad, "model_type": "llama"}
        assert refusal(config) == (PATH, line(config, "architectures"),
                                   f"field 'architectures' must be a list of class names, got {shown}",
                                   'write it as in config.json: ["Qwen2ForCausalLM"]')
    # A line_of that tells "no key" (None: the config's own line, as generator/catalogue/llamacpp_logs.py gives)
    # from a key that is absent: a refusal without model_type points at the config, not at a model_type line.
    with pytest.raises(GeneratorError) as info:
        family_of({"architectures": ["MambaForCausalLM"]}, PATH, lambda key: 3 if key is None else 9)
    assert info.value.line == 3
    with pytest.raises(GeneratorError) as info:
        family_of({"model_type": "mamba"}, PATH, lambda key: 3 if key is None else 9)
    assert info.value.line == 9
    # Without line_of the refusal still names the file.
    with pytest.raises(GeneratorError) as info:
        family_of({"model_type": "mamba"}, PATH)
    assert (info.value.path, info.value.line) == (PATH, None)
    with pytest.raises(GeneratorError) as info:
        family_of({"architectures": 5}, PATH)
    assert (info.value.path, info.value.line) == (PATH, None)


def test_the_architecture_names_the_first_class_else_the_family():
    arch = read("Qwen2.5-7B-Instruct", architectures="Qwen2ForCausalLM")
    assert arch.family == "Qwen2ForCausalLM" and arch.architectures == ("Qwen2ForCausalLM",)
    arch = read("Qwen2.5-7B-Instruct", architectures=["Qwen2ForCausalLM", "Other"], model_type="qwen2")
    assert arch.family == "Qwen2ForCausalLM" and arch.architectures == ("Qwen2ForCausalLM", "Other")
    arch = read("Qwen2.5-7B-Instruct", architectures=[], model_type="qwen2")
    assert arch.family == "qwen2" and arch.architectures == () and arch.model_type == "qwen2"


# --- top-level refusals: message, file, line and fix ---------------------------------------------------------------
def test_a_config_that_is_not_a_mapping_is_refused():
    with pytest.raises(GeneratorError) as info:
        architecture_from_config([1], PATH, lambda key: 7)
    error = info.value
    assert (error.path, error.line, error.message, error.fix) == (
        PATH, None, "the model config must be a mapping of config.json keys", "give the keys of the model's config.json")


def _refused(name, key, message, fix, nested=None, **changes):
    config = config_of(name, nested, **changes)
    assert refusal(config) == (PATH, line(config, key), message, fix)


@pytest.mark.parametrize("name,key,message,fix,changes", [
    ("gemma-3-4b-it", "text_config", "field 'text_config' must be a mapping", "give the config.json as published",
     {"text_config": "x"}),
    ("Qwen2.5-7B-Instruct", "tie_word_embeddings", "field 'tie_word_embeddings' must be true or false, not 'false'",
     "write tie_word_embeddings: true or false, without quotes", {"tie_word_embeddings": "false"}),
    ("Qwen2.5-7B-Instruct", "use_sliding_window", "field 'use_sliding_window' must be true or false, not 0",
     "write use_sliding_window: true or false, without quotes", {"use_sliding_window": 0}),
    ("Qwen2.5-7B-Instruct", "num_hidden_layers", "field 'num_hidden_layers' must be at most 10,000 layers, got 10,001",
     "fix 'num_hidden_layers'", {"num_hidden_layers": 10_001}),
    ("gpt2", "n_layer", "field 'n_layer' must be at most 10,000 layers, got 20,000", "fix 'n_layer'",
     {"n_layer": 20_000}),
    ("Qwen2.5-7B-Instruct", "num_key_value_heads",
     "field 'num_key_value_heads' (3) must divide num_attention_heads (28): each KV head serves a whole group of "
     "query heads", "fix 'num_key_value_heads' from the model's config.json", {"num_key_value_heads": 3}),
    ("Qwen2.5-7B-Instruct", "num_key_value_heads",
     "field 'num_key_value_heads' (56) must divide num_attention_heads (28): each KV head serves a whole group of "
     "query heads", "fix 'num_key_value_heads' from the model's config.json", {"num_key_value_heads": 56}),
    ("falcon-40b", "num_kv_heads",
     "field 'num_kv_heads' (3) must divide num_attention_heads (128): each KV head serves a whole group of "
     "query heads", "fix 'num_kv_heads' from the model's config.json", {"num_kv_heads": 3}),
    ("Qwen2.5-7B-Instruct", "hidden_size", "hidden_size 3585 is not a multiple of num_attention_heads 28",
     AS_PUBLISHED, {"hidden_size": 3585}),
    ("Qwen2.5-7B-Instruct", "hidden_size", "field 'hidden_size' must be a positive integer, got True",
     "fix 'hidden_size'", {"hidden_size": True}),
    ("Qwen2.5-7B-Instruct", "hidden_size", "field 'hidden_size' must be a positive integer, got 0",
     "fix 'hidden_size'", {"hidden_size": 0}),
    ("Qwen2.5-7B-Instruct", "hidden_size", "field 'hidden_size' must be a positive integer, got '3584'",
     "fix 'hidden_size'", {"hidden_size": "3584"}),
    ("Qwen2.5-7B-Instruct", "hidden_size", "field 'hidden_size' must be a positive integer, got 3584.0",
     "fix 'hidden_size'", {"hidden_size": 3584.0}),
    ("Qwen2.5-7B-Instruct", "head_dim", "field 'head_dim' must be a non-negative integer, got -1",
     "fix 'head_dim'", {"head_dim": -1}),
    ("Qwen2.5-7B-Instruct", "hidden_size", "field 'hidden_size' must be at most 1,000,000,000, got 1000000001",
     "fix 'hidden_size'", {"hidden_size": 10 ** 9 + 1}),
    ("Qwen2.5-7B-Instruct", "max_position_embeddings",
     "field 'max_position_embeddings' must be at most 1,000,000,000, got 1000000001", "fix 'max_position_embeddings'",
     {"max_position_embeddings": 10 ** 9 + 1}),
    ("Qwen2.5-7B-Instruct", None, "missing field 'hidden_size' in a qwen2 config.json",
     f"{AS_PUBLISHED}: every qwen2 config.json has it", {"hidden_size": DROP}),
    ("Qwen2.5-7B-Instruct", None, "missing field 'hidden_size' in a qwen2 config.json",
     f"{AS_PUBLISHED}: every qwen2 config.json has it", {"hidden_size": None}),
    ("falcon-7b", None, "missing field 'n_layer' or 'num_hidden_layers' in a falcon config.json",
     f"{AS_PUBLISHED}: every falcon config.json has it", {"num_hidden_layers": DROP}),
    ("Qwen2.5-7B-Instruct", None, "missing field 'vocab_size' in a qwen2 config.json",
     f"{AS_PUBLISHED}: every qwen2 config.json has it", {"vocab_size": DROP}),
    ("Qwen2.5-7B-Instruct", None, "missing field 'num_attention_heads' in a qwen2 config.json",
     f"{AS_PUBLISHED}: every qwen2 config.json has it", {"num_attention_heads": DROP}),
    ("Qwen2.5-7B-Instruct", None, "missing field 'intermediate_size' in a qwen2 config.json",
     f"{AS_PUBLISHED}: every qwen2 config.json has it", {"intermediate_size": DROP}),
    ("Qwen3-30B-A3B", None, "missing field 'num_experts_per_tok' in a qwen3_moe config.json",
     f"{AS_PUBLISHED}: every qwen3_moe config.json has it", {"num_experts_per_tok": DROP}),
    ("Qwen3-30B-A3B", None, "missing field 'moe_intermediate_size' in a qwen3_moe config.json",
     f"{AS_PUBLISHED}: every qwen3_moe config.json has it", {"moe_intermediate_size": DROP}),
    ("Qwen3-30B-A3B", "num_experts", "field 'num_experts' must be a non-negative integer, got -2",
     "fix 'num_experts'", {"num_experts": -2}),
    ("Qwen3-30B-A3B", "mlp_only_layers", "'mlp_only_layers' (dense layers among MoE layers) is not modelled",
     "use a config.json without mlp_only_layers", {"mlp_only_layers": [0]}),
    ("gpt2", None, "missing field 'n_positions' or 'max_position_embeddings' in a gpt2 config.json",
     f"{AS_PUBLISHED}: every gpt2 config.json has it", {"n_positions": DROP}),
    ("gemma-2-2b", "layer_types", "'layer_types' must list one text per layer (26)",
     "give the config.json as published", {"layer_types": ["full_attention"] * 25}),
    ("gemma-2-2b", "layer_types", "'layer_types' must list one text per layer (26)",
     "give the config.json as published", {"layer_types": ["full_attention"] * 25 + [1]}),
    ("gemma-3-1b-it", "sliding_window_pattern", "field 'sliding_window_pattern' must be a positive integer, got 0",
     "fix 'sliding_window_pattern'", {"sliding_window_pattern": 0}),
])
def test_refusals_name_the_file_line_and_fix(name, key, message, fix, changes):
    _refused(name, key, message, fix, **changes)


def test_more_than_a_quadrillion_parameters_is_refused_at_hidden_size():
    config = config_of("Qwen2.5-7B-Instruct", hidden_size=10 ** 9 - 1, num_attention_heads=1, num_key_value_heads=1,
                       vocab_size=10 ** 9)
    path, at, message, fix = refusal(config)
    # The embedding alone: 10**9 x (10**9 - 1) values, more than MAX_PARAMS = 10**15.
    assert (path, at, fix) == (PATH, line(config, "hidden_size"),
                               "check the sizes (hidden_size, layers, experts) against the model's config.json")
    assert message.startswith("the architecture has ") and message.endswith(" parameters, more than 1e+15")
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config, PATH)
    assert info.value.line is None


def test_bounds_are_inclusive():
    # MAX_FIELD = 10**9 and MAX_LAYERS = 10,000 are allowed values (generator/core/limits.py: "at most").
    assert read("Qwen2.5-7B-Instruct", max_position_embeddings=10 ** 9).max_position_embeddings == 10 ** 9
    tiny = dict(hidden_size=64, num_attention_heads=1, num_key_value_heads=1, intermediate_size=1, vocab_size=1,
                num_hidden_layers=10_000)
    arch = read("Qwen2.5-7B-Instruct", **tiny)
    assert (arch.layers, arch.heads, arch.kv_heads, arch.head_dim, arch.intermediate_size, arch.vocab_size) == \
        (10_000, 1, 1, 64, 1, 1)


def test_the_nested_text_config_refusal_without_line_of():
    config = config_of("gemma-3-4b-it", text_config=[1])
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config, PATH)
    assert (info.value.path, info.value.line, info.value.message) == (PATH, None, "field 'text_config' must be a mapping")


# --- _Fields: names, null, defaults ---------------------------------------------------------------------------------
def test_a_null_key_falls_through_to_the_next_name_and_the_class_default():
    # FalconConfig: num_hidden_layers is an alias of n_layer (attribute_map); a null n_layer is "not set".
    assert read("falcon-7b", n_layer=None, num_hidden_layers=3).layers == 3
    assert read("falcon-7b", num_hidden_layers=DROP, n_layer=5).layers == 5
    # Falcon-40B names its KV heads num_kv_heads (FalconConfig), the reader's second name for them.
    assert read("falcon-40b").kv_heads == 8
    # Gemma3TextConfig defaults (configuration_gemma3.py): num_attention_heads 8, num_key_value_heads 4, head_dim 256,
    # vocab_size 262208, max_position_embeddings 131072, sliding_window 4096, sliding_window_pattern 6.
    arch = read("gemma-3-1b-it", num_attention_heads=DROP, num_key_value_heads=None, head_dim=DROP, vocab_size=DROP,
                max_position_embeddings=DROP, sliding_window=DROP, sliding_window_pattern=DROP)
    assert (arch.heads, arch.kv_heads, arch.head_dim, arch.vocab_size, arch.max_position_embeddings,
            arch.sliding_window, arch.sliding_window_layers) == (8, 4, 256, 262208, 131072, 4096, 26 - 26 // 6)


def test_chatglm_names():
    # glm-4-9b-chat's own names (THUDM's configuration_chatglm.py): num_layers, multi_query_group_num, kv_channels,
    # ffn_hidden_size, padded_vocab_size, seq_length.
    config = {"architectures": ["ChatGLMModel"], "hidden_size": 4096, "num_layers": 40, "num_attention_heads": 32,
              "multi_query_group_num": 2, "kv_channels": 128, "ffn_hidden_size": 13696, "padded_vocab_size": 151552,
              "seq_length": 131072, "add_qkv_bias": True, "add_bias_linear": False}
    arch = architecture_from_config(config)
    assert (arch.layers, arch.kv_heads, arch.head_dim, arch.intermediate_size, arch.vocab_size,
            arch.max_position_embeddings, arch.qkv_bias, arch.o_bias, arch.mlp_bias, arch.tie_word_embeddings) == \
        (40, 2, 128, 13696, 151552, 131072, True, False, False, False)


# --- per family: the fields a parameter count does not pin ----------------------------------------------------------
# (name, changes, expected fields). Sliding-window layers as transformers' config classes list them:
# Gemma2Config/GptOssConfig: sliding where (i + 1) % 2 (configuration_gemma2.py:95-96), the even layers;
# Gemma3TextConfig/Cohere2Config: where (i + 1) % sliding_window_pattern (configuration_gemma3.py:108-109);
# Exaone4Config: where (i + 1) % sliding_window_pattern != 0 (configuration_exaone4.py:103-105);
# Qwen2Config: where i >= max_window_layers, only with use_sliding_window (configuration_qwen2.py:88-93);
# MistralConfig/Phi3Config/Starcoder2Config: every layer; Llama4TextConfig: chunked attention on the RoPE layers,
# no_rope_layers[i] = (i + 1) % no_rope_layer_interval != 0 (configuration_llama4.py:169-171, default interval 4).
FIELDS = [
    ("Mistral-7B-v0.1", {}, dict(sliding_window=4096, sliding_window_layers=32, max_position_embeddings=32768,
                                 kv_heads=8, head_dim=128, family="MistralForCausalLM", model_type="mistral")),
    ("Mistral-7B-v0.1", {"use_sliding_window": False}, dict(sliding_window=0, sliding_window_layers=0)),
    ("Mistral-7B-v0.1", {"use_sliding_window": True}, dict(sliding_window=4096, sliding_window_layers=32)),
    ("Mistral-7B-v0.1", {"sliding_window": None}, dict(sliding_window=0, sliding_window_layers=0)),
    ("gemma-2-2b", {}, dict(sliding_window=4096, sliding_window_layers=13, norms_per_layer=4)),
    ("gemma-2-2b", {"num_hidden_layers": 27}, dict(sliding_window_layers=14)),
    ("gemma-3-1b-it", {}, dict(sliding_window=512, sliding_window_layers=26 - 4, qk_norm=True)),
    ("gemma-3-1b-it", {"sliding_window_pattern": 2}, dict(sliding_window_layers=13)),
    ("gemma-3-1b-it", {"sliding_window_pattern": "LG"}, dict(sliding_window_layers=13)),
    ("gemma-3-1b-it", {"layer_types": ["chunked_attention", "full_attention"] * 13}, dict(sliding_window_layers=13)),
    ("gemma-3-1b-it", {"layer_types": ["sliding_attention"] * 25 + ["x"]}, dict(sliding_window_layers=25)),
    ("gemma-3-1b-it", {"layer_types": []}, dict(sliding_window_layers=22)),
    ("EXAONE-4.0-32B", {"sliding_window_pattern": "LLLG"}, dict(sliding_window_layers=48)),
    ("EXAONE-4.0-32B", {"sliding_window_pattern": "LGG"}, dict(sliding_window_layers=22)),  # i % 3 == 0: 22 of 64
    ("EXAONE-4.0-32B", {"sliding_window_pattern": 3}, dict(sliding_window_layers=64 - 21)),
    ("c4ai-command-r7b-12-2024", {}, dict(sliding_window=4096, sliding_window_layers=24, norms_per_layer=1)),
    ("c4ai-command-r7b-12-2024", {"sliding_window_pattern": DROP}, dict(sliding_window_layers=24)),
    ("Qwen2.5-7B-Instruct", {"sliding_window": 4096, "use_sliding_window": True, "max_window_layers": 20},
     dict(sliding_window=4096, sliding_window_layers=8)),
    ("Qwen2.5-7B-Instruct", {"sliding_window": 4096, "use_sliding_window": True, "max_window_layers": 40},
     dict(sliding_window=4096, sliding_window_layers=0)),
    ("Qwen2.5-7B-Instruct", {"sliding_window": 4096, "use_sliding_window": True},
     dict(sliding_window=4096, sliding_window_layers=28)),
    ("Qwen2.5-7B-Instruct", {"sliding_window": 4096, "max_window_layers": 20},
     dict(sliding_window=0, sliding_window_layers=0)),
    ("Qwen2.5-7B-Instruct", {"sliding_window": 4096, "use_sliding_window": False, "max_window_layers": 20},
     dict(sliding_window=0, sliding_window_layers=0)),
    ("Llama-4-Scout-17B-16E", {}, dict(sliding_window=8192, sliding_window_layers=36, max_position_embeddings=10485760,
                                       tie_word_embeddings=False)),
    ("Llama-4-Scout-17B-16E", {"no_rope_layer_interval": 3}, dict(sliding_window_layers=32)),
    ("Llama-4-Scout-17B-16E", {"no_rope_layer_interval": 0}, dict(sliding_window_layers=36)),
    ("Llama-4-Scout-17B-16E", {"no_rope_layers": [1, 0] * 24}, dict(sliding_window_layers=24)),
    # An empty list is "not set": Llama4TextConfig.__post_init__ takes the default list (configuration_llama4.py:172).
    ("Llama-4-Scout-17B-16E", {"no_rope_layers": []}, dict(sliding_window_layers=36)),
    ("Llama-4-Scout-17B-16E", {"no_rope_layers": [2, 0, 0] * 16}, dict(sliding_window_layers=16)),
    ("Phi-3.5-mini-instruct", {}, dict(sliding_window=262144, sliding_window_layers=32)),
    ("starcoder2-3b", {}, dict(sliding_window=4096, sliding_window_layers=30, norm_bias=True, mlp_gated=False)),
    ("Qwen3-30B-A3B", {"sliding_window": 4096}, dict(sliding_window=0, sliding_window_layers=0)),
    ("Llama-3.1-8B", {"sliding_window": 4096}, dict(sliding_window=0, sliding_window_layers=0)),
    ("Llama-3.1-8B", {"sliding_window": 4096, "use_sliding_window": True}, dict(sliding_window=0)),
    ("Llama-3.1-8B", {"layer_types": ["sliding_attention"] * 32}, dict(sliding_window=0, sliding_window_layers=0)),
    ("gpt-oss-20b", {}, dict(sliding_window=128, sliding_window_layers=12, attention_sinks=True,
                             tie_word_embeddings=False)),
    ("gpt-oss-20b", {"layer_types": DROP}, dict(sliding_window=128, sliding_window_layers=24)),
    # KV heads: GPT-2 and OPT have one per head (no num_key_value_heads in GPT2Config/OPTConfig).
    ("gpt2", {"num_key_value_heads": 4}, dict(kv_heads=12, heads=12, head_dim=64, position_embeddings=1024,
                                              intermediate_size=4 * 768, mlp_gated=False, norm_bias=True)),
    ("opt-125m", {"num_key_value_heads": 4}, dict(kv_heads=12, position_embeddings=2048 + 2, final_norm=True)),
    ("opt-350m", {}, dict(final_norm=False, position_embeddings=2050)),
    ("opt-125m", {"_remove_final_layer_norm": True}, dict(final_norm=False)),
    ("opt-125m", {"do_layer_norm_before": DROP}, dict(final_norm=True)),
    ("opt-125m", {"do_layer_norm_before": None}, dict(final_norm=False)),
    # FalconAttention (modeling_falcon.py:230-241): new_decoder_architecture uses num_kv_heads; else multi_query
    # (FalconConfig default True) gives one KV head, and without it one per head.
    ("falcon-7b", {}, dict(kv_heads=1, norms_per_layer=1, intermediate_size=4 * 4544)),
    ("falcon-7b", {"multi_query": DROP}, dict(kv_heads=1)),
    ("falcon-7b", {"multi_query": False}, dict(kv_heads=71)),
    ("falcon-7b", {"num_kv_heads": 71}, dict(kv_heads=1)),
    ("falcon-40b", {}, dict(kv_heads=8, norms_per_layer=2)),
    ("falcon-40b", {"num_kv_heads": DROP}, dict(kv_heads=128)),
    ("falcon-40b", {"num_kv_heads": 0}, dict(kv_heads=128)),
    ("falcon-40b", {"new_decoder_architecture": False, "multi_query": False}, dict(kv_heads=128)),
    # FalconDecoderLayer (modeling_falcon.py:552-560): new_decoder_architecture, num_ln_in_parallel_attn default 2;
    # the old layout has one norm with parallel_attn (the default), two without.
    ("falcon-40b", {"num_ln_in_parallel_attn": 1}, dict(norms_per_layer=1)),
    ("falcon-40b", {"num_ln_in_parallel_attn": 0}, dict(norms_per_layer=2)),
    ("falcon-7b", {"parallel_attn": False}, dict(norms_per_layer=2)),
    ("falcon-7b", {"parallel_attn": DROP}, dict(norms_per_layer=1)),
    ("falcon-7b", {"ffn_hidden_size": 1000}, dict(intermediate_size=1000)),
    ("Qwen2.5-7B-Instruct", {"num_key_value_heads": 0}, dict(kv_heads=28)),
    ("Qwen2.5-7B-Instruct", {"num_key_value_heads": DROP}, dict(kv_heads=28)),
    ("Qwen2.5-7B-Instruct", {"num_key_value_heads": DROP, "num_kv_heads": 7}, dict(kv_heads=7)),
    ("Qwen2.5-7B-Instruct", {"head_dim": 0}, dict(head_dim=128)),
    ("Qwen2.5-7B-Instruct", {"head_dim": 64}, dict(head_dim=64)),
    ("Qwen2.5-7B-Instruct", {}, dict(norms_per_layer=2, qkv_bias=True, o_bias=False, mlp_bias=False, qk_norm=False,
                                     final_norm=True, attention_sinks=False, position_embeddings=0,
                                     tie_word_embeddings=False)),
    ("Qwen2.5-7B-Instruct", {"tie_word_embeddings": DROP}, dict(tie_word_embeddings=False)),  # Qwen2Config default
    # null: "not set" is falsy, and PreTrainedModel ties only when it is true (modeling_utils.py:2492-2493).
    ("Qwen2.5-7B-Instruct", {"tie_word_embeddings": None}, dict(tie_word_embeddings=False)),
    ("Qwen2.5-7B-Instruct", {"tie_word_embeddings": True}, dict(tie_word_embeddings=True)),
    ("gpt-oss-20b", {"tie_word_embeddings": DROP}, dict(tie_word_embeddings=False)),
    ("gpt-oss-20b", {"tie_word_embeddings": True}, dict(tie_word_embeddings=True)),
    ("Qwen3-8B", {"attention_bias": True}, dict(qkv_bias=True, o_bias=True, qk_norm=True)),
    ("Llama-3.1-8B", {"mlp_bias": True}, dict(mlp_bias=True, qkv_bias=False, o_bias=False)),
    ("Llama-3.1-8B", {"attention_bias": True}, dict(mlp_bias=False, qkv_bias=True, o_bias=True)),
    ("opt-125m", {"enable_bias": DROP}, dict(qkv_bias=True, o_bias=True, mlp_bias=True)),   # OPTConfig default True
    ("opt-125m", {"enable_bias": False}, dict(qkv_bias=False, o_bias=False, mlp_bias=False)),
    ("phi-2", {}, dict(norms_per_layer=1, norm_bias=True, qkv_bias=True, mlp_gated=False)),
    ("DeepSeek-V3", {}, dict(kv_heads=128, kv_lora_rank=512, q_lora_rank=1536, qk_nope_head_dim=128,
                             qk_rope_head_dim=64, v_head_dim=128, first_k_dense_replace=3, n_shared_experts=1,
                             moe_layer_step=1, num_experts=256, experts_per_token=8, moe_intermediate_size=2048)),
    ("DeepSeek-V2-Lite", {}, dict(q_lora_rank=0, first_k_dense_replace=1, n_shared_experts=2, kv_heads=16)),
    ("DeepSeek-V2-Lite", {"moe_layer_freq": 2}, dict(moe_layer_step=2)),
    ("DeepSeek-V2-Lite", {"moe_layer_freq": 0}, dict(moe_layer_step=1)),
    ("Qwen1.5-MoE-A2.7B", {}, dict(shared_expert_intermediate_size=5632, shared_expert_gate=True, moe_layer_step=1,
                                   intermediate_size=5632, moe_intermediate_size=1408)),
    ("Qwen1.5-MoE-A2.7B", {"shared_expert_intermediate_size": 0}, dict(shared_expert_gate=False)),
    # Qwen2MoeSparseMoeBlock: shared_expert_gate = nn.Linear(hidden_size, 1) beside any shared expert.
    ("Qwen1.5-MoE-A2.7B", {"shared_expert_intermediate_size": 1}, dict(shared_expert_gate=True)),
    ("Qwen1.5-MoE-A2.7B", {"decoder_sparse_step": 2}, dict(moe_layer_step=2, intermediate_size=5632)),
    ("Qwen1.5-MoE-A2.7B", {"num_experts": 0}, dict(num_experts=0, experts_per_token=0, intermediate_size=5632)),
    ("Qwen1.5-MoE-A2.7B", {"num_experts": None}, dict(num_experts=0)),
    ("Llama-4-Scout-17B-16E", {}, dict(shared_expert_intermediate_size=8192, moe_intermediate_size=8192,
                                       moe_layer_step=1, num_experts=16, intermediate_size=16384)),
    ("Llama-4-Maverick-17B-128E", {}, dict(moe_layer_step=2, intermediate_size=16384)),
    ("gpt-oss-20b", {}, dict(expert_bias=True, num_experts=32, experts_per_token=4)),
    ("Mixtral-8x7B-v0.1", {}, dict(expert_bias=False, num_experts=8, shared_expert_intermediate_size=0,
                                   n_shared_experts=0, moe_layer_step=1, first_k_dense_replace=0)),
    ("AI21-Jamba-1.5-Mini", {"num_experts": DROP, "num_local_experts": 4}, dict(num_experts=4)),
    ("Phi-3.5-MoE-instruct", {}, dict(norm_bias=True, extra_params=32064, sliding_window_layers=32)),
    ("Phi-3.5-MoE-instruct", {"lm_head_bias": False}, dict(extra_params=0)),
    ("phi-2", {}, dict(extra_params=51200)),   # PhiForCausalLM: lm_head = nn.Linear(..., bias=True)
    ("opt-125m", {}, dict(extra_params=0)),
    # OPTDecoder (modeling_opt.py): project_in/project_out (no bias) when word_embed_proj_dim != hidden_size, and an
    # embedding of word_embed_proj_dim: 50272 x (512 - 1024) + 2 x 1024 x 512.
    ("opt-350m", {}, dict(extra_params=50272 * (512 - 1024) + 2 * 1024 * 512)),
    ("opt-350m", {"word_embed_proj_dim": DROP}, dict(extra_params=0)),
    ("OLMo-2-1124-7B", {}, dict(qk_norm_full=True, experts_gated=True)),
    ("Nemotron-H-8B-Base-8K", {}, dict(experts_gated=False, qk_norm_full=False, norms_per_layer=1)),
]


@pytest.mark.parametrize("name,changes,expected", FIELDS)
def test_fields_a_count_does_not_pin(name, changes, expected):
    arch = read(name, **changes)
    assert {key: getattr(arch, key) for key in expected} == expected


def test_llama4_chunk_size_null_is_no_chunking():
    # Llama4TextConfig.attention_chunk_size: null in config.json means no chunked attention (a plain causal mask).
    arch = read("Llama-4-Scout-17B-16E", nested="text_config", attention_chunk_size=None)
    assert (arch.sliding_window, arch.sliding_window_layers) == (0, 0)
    # 47 layers: NoPE layers at i = 3, 7, ... 43 ((i + 1) % 4 == 0: 11 of them), chunked attention on the other 36.
    arch = read("Llama-4-Scout-17B-16E", nested="text_config", num_hidden_layers=47)
    assert (arch.sliding_window, arch.sliding_window_layers) == (8192, 36)


def test_mla_ignores_num_key_value_heads():
    # DeepseekV3Attention (modeling_deepseek_v3.py): kv_b_proj gives every one of num_attention_heads its own K and
    # V, so num_key_value_heads sizes no weight and is not checked against the heads.
    arch = read("DeepSeek-V3", num_key_value_heads=3)
    assert arch.kv_heads == 128 and params_total(arch) == COUNTS["DeepSeek-V3"]


@pytest.mark.parametrize("name", ["gemma-4-E2B-it-text", "gemma4-towers-k-eq-v", "gemma4-moe", "GLM-5.1",
                                  "Falcon-H1-0.5B", "AI21-Jamba-1.5-Mini", "Nemotron-H-8B-Base-8K",
                                  "granite-4.0-h-tiny", "Qwen3.5-4B-text", "opt-350m", "Phi-3.5-MoE-instruct"])
def test_hybrid_and_odd_families_count_as_transformers(name):
    # transformers 5.24.0's own count (benchmarks/transformers_param_counts.py, tests/data).
    assert params_total(read(name)) == COUNTS[name]


def test_an_all_moe_model_needs_no_dense_width():
    # Qwen3MoeDecoderLayer (modeling_qwen3_moe.py): with decoder_sparse_step 1 and no mlp_only_layers every layer is
    # a Qwen3MoeSparseMoeBlock, so intermediate_size sizes no weight; a config.json without it reads the same.
    arch = read("Qwen3-30B-A3B", intermediate_size=DROP)
    assert arch.intermediate_size == 0 and params_total(arch) == COUNTS["Qwen3-30B-A3B"]
    # With a dense layer (DeepSeek's first_k_dense_replace, Qwen2-MoE's decoder_sparse_step 2) it is needed.
    for name, changes in (("DeepSeek-V2-Lite", {}), ("Qwen1.5-MoE-A2.7B", {"decoder_sparse_step": 2})):
        config = config_of(name, intermediate_size=DROP, **changes)
        family = family_of(config)
        assert refusal(config)[2] == f"missing field 'intermediate_size' in a {family} config.json"


INT_FIELDS = ("hidden_size", "layers", "heads", "kv_heads", "head_dim", "intermediate_size", "vocab_size",
              "norms_per_layer", "max_position_embeddings", "sliding_window", "sliding_window_layers", "extra_params",
              "conv_dim", "recurrent_state_values", "global_head_dim", "global_kv_heads", "indexer_layers")


@pytest.mark.parametrize("name", ["Qwen2.5-7B-Instruct", "gpt2", "Falcon-H1-0.5B", "granite-4.0-h-tiny",
                                  "AI21-Jamba-1.5-Mini", "gemma4-towers-k-eq-v", "GLM-5.1", "opt-350m",
                                  "Qwen3-Next-80B-A3B-Instruct", "Llama-4-Scout-17B-16E", "gemma-2-2b"])
def test_sizes_are_whole_numbers(name):
    # A size is a count of values: int, never a float that only compares equal (128.0) and prints as one.
    arch = read(name)
    assert all(type(getattr(arch, key)) is int for key in INT_FIELDS)
    assert all(type(v) is int for shape in arch.mixer_shapes for v in shape)


def test_text_config_null_tie_falls_back_to_the_top_level():
    # PreTrainedModel ties lm_head by its own config's key (modeling_utils.py:2492): a composite model's top-level
    # tie_word_embeddings, which a null in text_config ("not set") does not override.
    arch = read("gemma-3-4b-it", tie_word_embeddings=False, text_config=dict(
        config_of("gemma-3-4b-it")["text_config"], tie_word_embeddings=None))
    assert arch.tie_word_embeddings is False


def test_text_config_is_read_over_the_top_level_and_towers_are_dropped():
    # Gemma3ForConditionalGeneration: text sizes in text_config; a top-level key the text_config lacks still counts.
    arch = read("gemma-3-4b-it", max_position_embeddings=4096, vision_config={"hidden_size": 1})
    assert arch.max_position_embeddings == 4096 and arch.hidden_size == 2560
    arch = read("gemma-3-4b-it", text_only=True, hidden_size=1, audio_config={"x": 1})
    assert arch.hidden_size == 2560 and arch.vision_params == 0
    # A vision_config or audio_config inside the merged text never shadows the text keys.
    config = config_of("gemma-3-4b-it")
    config["vision_config"]["sliding_window"] = 7
    assert architecture_from_config(config).sliding_window == 1024
    config = config_of("gemma-3-4b-it", audio_config={"sliding_window": 7})
    merged_ok = architecture_from_config(config)
    assert merged_ok.sliding_window == 1024
    # text_config null: the top-level keys are the text model's.
    flat = dict(config_of("gemma-3-4b-it")["text_config"], model_type="gemma3", text_config=None,
                architectures=["Gemma3ForConditionalGeneration"])
    arch = architecture_from_config(flat, text_only=True)
    assert (arch.hidden_size, arch.layers, arch.sliding_window) == (2560, 34, 1024)


def test_a_vision_tower_refusal_keeps_the_file():
    config = config_of("gemma-3-4b-it", vision_config={"hidden_size": "x"})
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config, PATH, lines_of(config))
    assert info.value.path == PATH and info.value.line == line(config, "vision_config")


def test_tie_top_follows_the_top_level_key():
    # transformers 5.x: a composite model ties lm_head by the top-level tie_word_embeddings (Qwen3.5: class default
    # False; Gemma 4 / Mistral 3: True), whatever text_config says.
    assert read("Qwen3.5-4B-text", tie_word_embeddings=True).tie_word_embeddings is True
    assert read("Qwen3.5-4B-text", tie_word_embeddings=DROP).tie_word_embeddings is False
    assert read("Qwen3.5-4B-text", tie_word_embeddings=None).tie_word_embeddings is False
    assert read("gemma4-defaults", tie_word_embeddings=DROP).tie_word_embeddings is True
    assert read("gemma4-defaults", tie_word_embeddings=False).tie_word_embeddings is False
    arch = read("gemma4-defaults", nested="text_config", tie_word_embeddings=False)
    assert arch.tie_word_embeddings is True
    # Not tie_top: text_config's own key first, then the top level, then the class default.
    assert read("gemma-3-4b-it", tie_word_embeddings=False).tie_word_embeddings is False
    assert read("gemma-3-4b-it", nested="text_config", tie_word_embeddings=False).tie_word_embeddings is False


# --- hybrid layers --------------------------------------------------------------------------------------------------
def test_gated_deltanet_layers_and_sizes():
    # Qwen3NextConfig: layer_types default full_attention where (i + 1) % full_attention_interval == 0 (default 4).
    arch = read("Qwen3-Next-80B-A3B-Instruct", layer_types=DROP, full_attention_interval=DROP)
    assert arch.layer_kinds == "SSSA" * 12 and arch.attention_output_gate
    assert read("Qwen3-Next-80B-A3B-Instruct", layer_types=DROP, full_attention_interval=3).layer_kinds == "SSA" * 16
    assert read("Qwen3-Next-80B-A3B-Instruct", layer_types=DROP, full_attention_interval=0).layer_kinds == "SSSA" * 12
    arch = read("Qwen3-Next-80B-A3B-Instruct", layer_types=["linear_attention", "full_attention"] * 24)
    assert arch.layer_kinds == "SA" * 24


def test_gated_deltanet_mixer_sizes():
    # Qwen3NextGatedDeltaNet (modeling_qwen3_next.py:591-625): key_dim = linear_key_head_dim x linear_num_key_heads,
    # value_dim = linear_value_head_dim x linear_num_value_heads, conv_dim = 2 x key_dim + value_dim; conv1d
    # conv_dim x kernel without bias; in_proj_qkvz hidden -> 2 x key_dim + 2 x value_dim, in_proj_ba hidden ->
    # 2 x value heads, dt_bias and A_log (value heads each), the gated norm over one value head, out_proj
    # value_dim -> hidden. Its recurrent state: value heads x key head size x value head size.
    arch = read("Qwen3-Next-80B-A3B-Instruct", linear_key_head_dim=64, linear_value_head_dim=96,
                linear_num_key_heads=16, linear_num_value_heads=32, linear_conv_kernel_dim=3)
    key_dim, value_dim = 64 * 16, 96 * 32
    conv = 2 * key_dim + value_dim
    assert (arch.conv_dim, arch.conv_kernel, arch.recurrent_state_values) == (conv, 3, 32 * 64 * 96)
    assert arch.mixer_shapes == ((2048, 2 * key_dim + 2 * value_dim, 36), (2048, 2 * 32, 36), (value_dim, 2048, 36))
    assert arch.extra_params == 36 * (conv * 3 + 2 * 32 + 96)


def test_layer_types_refusals():
    name = "Qwen3-Next-80B-A3B-Instruct"
    kinds = "*, -, E, M, attention, full_attention, linear_attention, mamba, mlp, moe, sliding_attention"
    _refused(name, "layer_types", f"field 'layer_types' must list each layer's type ({kinds}), got 5",
             AS_PUBLISHED, layer_types=5)
    _refused(name, "layer_types", f"field 'layer_types' must list each layer's type ({kinds}), got [1]",
             AS_PUBLISHED, layer_types=[1])
    _refused(name, "layer_types", f"field 'layer_types' must list each layer's type ({kinds}), got "
             "['linear_attention', 'wide_attention']", AS_PUBLISHED, layer_types=["linear_attention", "wide_attention"])
    _refused(name, "layer_types", "field 'layer_types' has 2 entries for 48 layers", AS_PUBLISHED,
             layer_types=["full_attention"] * 2)
    _refused("granite-4.0-h-tiny", "layers_block_type",
             f"field 'layers_block_type' must list each layer's type ({kinds}), got 7", AS_PUBLISHED,
             layer_types=DROP, layers_block_type=7)
    # Granite 4: layers_block_type is read when layer_types is left out; its letters spelled out work too.
    arch = read("granite-4.0-h-tiny", layer_types=DROP, layers_block_type="MMM*" * 10)
    assert arch.layer_kinds == "SSSA" * 10


def test_nemotron_h_blocks():
    base = "nemotron_h-defaults"
    assert read(base).layer_kinds == "SFAF"
    arch = read(base, layers_block_type=DROP, hybrid_override_pattern="M-M*EM")
    assert (arch.layer_kinds, arch.layers, arch.dense_layers, arch.moe_layers) == ("SFSAFS", 6, 1, 1)
    arch = read(base, layers_block_type=DROP, layer_types=["mamba", "attention", "mlp", "moe", "moe"])
    assert (arch.layer_kinds, arch.moe_layers) == ("SAFFF", 2)
    for bad, shown in (("M*X", "'M*X'"), ("", "''"), (["mamba", 3], "'M?'"), (["mamba", [3]], "'M?'"),
                       (["mamba", "wide"], "'M?'"), (5, "5")):
        _refused(base, "hybrid_override_pattern",
                 f"field 'hybrid_override_pattern' must name each block (M, *, - or E), got {shown}", AS_PUBLISHED,
                 layers_block_type=bad)
    _refused(base, "hybrid_override_pattern",
             "field 'hybrid_override_pattern' must name each block (M, *, - or E), got 'M*X'", AS_PUBLISHED,
             layers_block_type=DROP, hybrid_override_pattern="M*X")
    # The dense blocks without routed experts: no MoE layers.
    arch = read(base, n_routed_experts=0)
    assert arch.moe_layers == 0 and arch.dense_layers == 1


def test_mamba2_sizes_of_nemotron_h():
    # NemotronHMamba2Mixer (modeling_nemotron_h.py): in_proj hidden -> inner + conv_dim + heads (bias use_bias),
    # conv1d over conv_dim = inner + 2 x n_groups x d_state (bias use_conv_bias), dt_bias, A_log, D (heads each),
    # the gated RMSNorm over inner, out_proj inner -> hidden (bias use_bias).
    base = "nemotron_h-defaults"
    arch = read(base)
    inner, conv, heads, hidden = 128 * 64, 128 * 64 + 2 * 8 * 128, 128, 4096
    assert (arch.conv_dim, arch.conv_kernel, arch.recurrent_state_values) == (conv, 4, 128 * 64 * 128)
    assert arch.mixer_shapes == ((hidden, inner + conv + heads, 1), (inner, hidden, 1))
    plain = params_total(arch)
    assert params_total(read(base, use_conv_bias=False)) == plain - conv
    assert params_total(read(base, use_bias=True)) == plain + (inner + conv + heads) + hidden
    # NemotronHConfig defaults (configuration_nemotron_h.py:128, 146): use_conv_bias True, use_bias False.
    assert params_total(read(base, use_conv_bias=DROP, use_bias=DROP)) == plain
    # One Mamba2 block's extras: conv weight and bias, dt_bias, A_log, D, the gated norm over inner.
    assert arch.extra_params == conv * 4 + conv + 3 * heads + inner


def test_granite_4_mamba2_sizes():
    # GraniteMoeHybridMambaLayer (modeling_granitemoehybrid.py): inner = mamba_expand x hidden; head size
    # mamba_d_head ("auto": inner / heads, GraniteMoeHybridConfig); mamba_n_groups default 1.
    base = "granite-4.0-h-tiny"
    arch = read(base)
    inner, conv, heads, hidden = 2 * 1536, 2 * 1536 + 2 * 1 * 128, 48, 1536
    assert (arch.conv_dim, arch.conv_kernel, arch.recurrent_state_values) == (conv, 4, 48 * 64 * 128)
    assert arch.mixer_shapes == ((hidden, inner + conv + heads, 36), (inner, hidden, 36))
    assert read(base, mamba_d_head="auto").recurrent_state_values == 48 * (inner // 48) * 128
    assert read(base, mamba_d_head=DROP).recurrent_state_values == 48 * (inner // 48) * 128
    assert read(base, mamba_d_head=None).recurrent_state_values == 48 * (inner // 48) * 128
    assert read(base, mamba_d_head=32).recurrent_state_values == 48 * 32 * 128
    assert read(base, mamba_n_groups=DROP).conv_dim == conv
    assert read(base, mamba_n_groups=2).conv_dim == inner + 2 * 2 * 128
    assert read(base, mamba_expand=DROP).conv_dim == conv
    assert read(base, mamba_expand=1).conv_dim == 1536 + 256
    assert read(base, mamba_expand=1.5).conv_dim == int(1.5 * 1536) + 256
    assert read(base, mamba_expand=64).conv_dim == 64 * 1536 + 256
    plain = params_total(arch)
    assert arch.extra_params == 36 * (conv * 4 + conv + 3 * heads + inner)
    assert params_total(read(base, mamba_conv_bias=False)) == plain - 36 * conv
    assert params_total(read(base, mamba_proj_bias=True)) == plain + 36 * ((inner + conv + heads) + hidden)
    # GraniteMoeHybridConfig defaults (configuration_granitemoehybrid.py:102-103): conv bias on, projection bias off.
    assert params_total(read(base, mamba_conv_bias=DROP, mamba_proj_bias=DROP)) == plain
    for bad, shown in (("2", "'2'"), (True, "True"), (0, "0"), (65, "65"), (-1, "-1")):
        _refused(base, "mamba_expand", f"field 'mamba_expand' must be a number from 0 to 64, got {shown}",
                 AS_PUBLISHED, mamba_expand=bad)
    _refused(base, "mamba_d_head", "field 'mamba_d_head' must be a positive integer, got 0", "fix 'mamba_d_head'",
             mamba_d_head=0)


def test_falcon_h1_mixer_sizes():
    # FalconH1Mixer (modeling_falcon_h1.py:596-653): inner = mamba_d_ssm (else mamba_expand x hidden);
    # conv_dim = inner + 2 x groups x d_state; in_proj hidden -> inner + conv_dim + heads (bias mamba_proj_bias);
    # conv1d bias mamba_conv_bias; dt_bias, A_log, D; the gated norm only with mamba_rms_norm; out_proj bias
    # projectors_bias.
    base = "Falcon-H1-0.5B"
    arch = read(base)
    inner, conv, heads, hidden = 1536, 1536 + 2 * 128, 24, 1024
    assert (arch.layer_kinds, arch.conv_dim, arch.conv_kernel, arch.recurrent_state_values) == \
        ("B" * 36, conv, 4, 24 * 64 * 128)
    assert arch.mixer_shapes == ((hidden, inner + conv + heads, 36), (inner, hidden, 36))
    plain = params_total(arch)
    assert params_total(read(base, mamba_conv_bias=False)) == plain - 36 * conv
    assert params_total(read(base, mamba_proj_bias=True)) == plain + 36 * (inner + conv + heads)
    assert params_total(read(base, mamba_rms_norm=True)) == plain + 36 * inner
    assert params_total(read(base, projectors_bias=True)) == plain + 36 * hidden
    # conv weight + bias, dt_bias, A_log, D per state layer (no norm, no projection biases in this file).
    assert arch.extra_params == 36 * (conv * 4 + conv + 3 * heads)
    # FalconH1Config defaults (configuration_falcon_h1.py:80-90): mamba_conv_bias True, mamba_proj_bias,
    # mamba_rms_norm and projectors_bias False.
    assert params_total(read(base, mamba_conv_bias=DROP, mamba_proj_bias=DROP, mamba_rms_norm=DROP,
                             projectors_bias=DROP)) == plain
    assert read(base, mamba_n_groups=2).conv_dim == 1536 + 2 * 2 * 128
    arch = read(base, mamba_d_ssm=DROP, mamba_d_head="auto")
    assert arch.conv_dim == 2 * 1024 + 256 and arch.recurrent_state_values == 24 * (2048 // 24) * 128


def test_jamba_mamba_sizes():
    # JambaMambaMixer (modeling_jamba.py): in_proj hidden -> 2 x inner (bias mamba_proj_bias), conv1d over inner
    # (bias mamba_conv_bias), x_proj inner -> dt_rank + 2 x d_state, dt_proj dt_rank -> inner with bias, A_log
    # inner x d_state, D inner, out_proj (bias mamba_proj_bias), RMSNorms over dt_rank, d_state, d_state.
    # JambaConfig: mamba_dt_rank "auto" = ceil(hidden / 16); mamba_d_state 16, mamba_d_conv 4, mamba_expand 2.
    base = "AI21-Jamba-1.5-Mini"
    arch = read(base)
    hidden, inner, rank, state = 4096, 8192, 256, 16
    assert arch.mixer_shapes == ((hidden, 2 * inner, 28), (inner, rank + 2 * state, 28), (rank, inner, 28),
                                 (inner, hidden, 28))
    assert (arch.conv_dim, arch.conv_kernel, arch.recurrent_state_values) == (inner, 4, inner * state)
    plain = params_total(arch)
    assert params_total(read(base, mamba_conv_bias=False)) == plain - 28 * inner
    assert params_total(read(base, mamba_proj_bias=True)) == plain + 28 * (2 * inner + hidden)
    assert read(base, mamba_dt_rank="auto").mixer_shapes[2] == (256, inner, 28)
    assert read(base, mamba_dt_rank=None, hidden_size=4100, num_attention_heads=41,
                num_key_value_heads=41).mixer_shapes[2][0] == 257   # ceil(4100 / 16)
    assert read(base, mamba_dt_rank=100).mixer_shapes[2][0] == 100
    assert read(base, mamba_dt_rank=DROP).mixer_shapes[2][0] == 256
    _refused(base, "mamba_dt_rank", "field 'mamba_dt_rank' must be a positive integer, got 0", "fix 'mamba_dt_rank'",
             mamba_dt_rank=0)
    # JambaConfig defaults (configuration_jamba.py:95-96): mamba_conv_bias True, mamba_proj_bias False.
    assert params_total(read(base, mamba_conv_bias=DROP, mamba_proj_bias=DROP)) == plain
    other = read(base, mamba_d_state=DROP, mamba_d_conv=DROP, mamba_expand=DROP)
    assert (other.conv_kernel, other.recurrent_state_values) == (4, inner * 16)
    other = read(base, mamba_d_state=8, mamba_d_conv=2, mamba_expand=1)
    assert (other.conv_dim, other.conv_kernel, other.recurrent_state_values) == (4096, 2, 4096 * 8)
    # One state layer's extras: conv weight + bias, dt_proj bias, A_log, D, and the dt/B/C norms.
    extra = inner * 4 + inner + inner + inner * state + inner + rank + 2 * state
    assert arch.extra_params == 28 * extra


def test_jamba_layer_periods():
    # JambaConfig.layers_block_type: attention where i % attn_layer_period == attn_layer_offset (defaults 8, 4);
    # layers_num_experts: experts where i % expert_layer_period == expert_layer_offset (defaults 2, 1).
    base = "AI21-Jamba-1.5-Mini"
    arch = read(base, attn_layer_period=DROP, attn_layer_offset=DROP, expert_layer_period=DROP,
                expert_layer_offset=DROP)
    assert [i for i, k in enumerate(arch.layer_kinds) if k == "A"] == [4, 12, 20, 28] and arch.moe_layers == 16
    arch = read(base, attn_layer_period=4, attn_layer_offset=1, expert_layer_period=4, expert_layer_offset=3)
    assert [i for i, k in enumerate(arch.layer_kinds) if k == "A"] == list(range(1, 32, 4))
    assert (arch.moe_layers, arch.dense_layers) == (8, 24)
    assert read(base, attn_layer_period=0).layer_kinds == read(base).layer_kinds
    arch = read(base, num_experts=1)
    assert (arch.moe_layers, arch.dense_layers) == (0, 32)
    # JambaDecoderLayer: a JambaSparseMoeBlock wherever layers_num_experts[i] > 1, so two experts are MoE layers.
    arch = read(base, num_experts=2)
    assert (arch.moe_layers, arch.dense_layers) == (16, 16)
    _refused(base, "attn_layer_offset", "field 'attn_layer_offset' (8) must be smaller than 'attn_layer_period' (8)",
             AS_PUBLISHED, attn_layer_offset=8)
    _refused(base, "expert_layer_offset",
             "field 'expert_layer_offset' (3) must be smaller than 'expert_layer_period' (2)", AS_PUBLISHED,
             expert_layer_offset=3)


def test_mlp_layer_types_decide_the_dense_layers():
    # Qwen3.5-MoE / GLM-style mlp_layer_types: "dense" layers have the MLP, the rest experts.
    arch = read("Qwen3-30B-A3B", mlp_layer_types=["dense"] * 3 + ["sparse"] * 45)
    assert (arch.dense_layers, arch.moe_layers) == (3, 45)
    arch = read("Qwen3-30B-A3B", mlp_layer_types=["dense"] * 3)
    assert (arch.dense_layers, arch.moe_layers) == (0, 48)


def test_glm5_indexer_layers():
    # GlmMoeDsaConfig: indexer_types full/shared per layer; else index_topk_pattern (F/S); else every
    # index_topk_freq-th layer counted from index_skip_topk_offset (defaults 1 and 2: every layer).
    base = "glm_moe_dsa-defaults"
    assert read(base).indexer_layers == 78 and read(base).indexer_head_dim == 128
    assert read(base, indexer_types=["full", "shared"] * 39).indexer_layers == 39
    assert read(base, indexer_types=DROP, index_topk_pattern="FSS" * 26).indexer_layers == 26
    assert read(base, indexer_types=DROP, index_topk_pattern=["full", "shared"] * 39).indexer_layers == 39
    assert read(base, indexer_types=DROP).indexer_layers == 78
    # freq 3 from offset 2: max(i - 1, 0) % 3 == 0 for i = 0, 1, 4, 7, ... 76: 2 + 25.
    assert read(base, indexer_types=DROP, index_topk_freq=3).indexer_layers == 27
    assert read(base, indexer_types=DROP, index_topk_freq=3, index_skip_topk_offset=0).indexer_layers == 26
    assert read(base, indexer_types=DROP, index_topk_freq=0).indexer_layers == 78
    _refused(base, "indexer_types", "field 'indexer_types' must give full or shared for each of the 78 layers, got 5",
             AS_PUBLISHED, indexer_types=5)
    _refused(base, "indexer_types", "field 'indexer_types' must give full or shared for each of the 78 layers, got "
             "['full', 'full']", AS_PUBLISHED, indexer_types=["full", "full"])
    _refused(base, "index_topk_pattern", "field 'index_topk_pattern' must give full or shared for each of the 78 "
             "layers, got [['full']]", AS_PUBLISHED, indexer_types=DROP, index_topk_pattern=[["full"]])
    _refused(base, "index_topk_pattern",
             "field 'index_topk_pattern' must give full or shared for each of the 78 layers, got ['full', 'X']",
             AS_PUBLISHED, indexer_types=DROP, index_topk_pattern="FX")
    arch = read(base)
    # GlmMoeDsaIndexer: wq_b q_lora_rank -> heads x index_head_dim, wk hidden -> index_head_dim, weights_proj
    # hidden -> heads, per indexed layer; k_norm LayerNorm (weight and bias) over index_head_dim.
    assert arch.mixer_shapes == ((2048, 32 * 128, 78), (6144, 128, 78), (6144, 32, 78))
    assert kv_cache_bytes_per_token(read(base, indexer_types=["full", "shared"] * 39), 2) == \
        78 * 64 * (192 + 64 + 256) * 2 + 39 * 128 * 2


# --- Gemma 4 --------------------------------------------------------------------------------------------------------
def test_gemma4_layers_and_sizes():
    # modeling_gemma4.py (5.24.0): global layers global_head_dim (default 512); with attention_k_eq_v, they use
    # num_global_key_value_heads and no v_proj; the last num_kv_shared_layers layers have no k/v projections.
    base = "gemma4-defaults"
    arch = read(base)
    assert arch.layer_kinds == "A" * 30 and arch.sliding_window == 512 and arch.sliding_window_layers == 25
    assert (arch.global_head_dim, arch.global_kv_heads) == (512, 4) and not arch.qk_norm
    arch = read(base, nested="text_config", layer_types=DROP)
    assert arch.sliding_window_layers == 25
    arch = read(base, nested="text_config", layer_types=["sliding_attention"] * 30)
    assert arch.sliding_window_layers == 29    # the last layer is always global (Gemma4TextConfig)
    arch = read(base, nested="text_config", num_kv_shared_layers=10)
    assert arch.layer_kinds == "A" * 20 + "F" * 10 and arch.sliding_window_layers == 20 - 3
    arch = read(base, nested="text_config", sliding_window=DROP)
    assert arch.sliding_window == 512
    arch = read(base, nested="text_config", sliding_window=0)
    assert (arch.sliding_window, arch.sliding_window_layers) == (0, 0)
    arch = read(base, nested="text_config", global_head_dim=256)
    assert (arch.global_head_dim, arch.global_kv_heads) == (0, 0)
    arch = read(base, nested="text_config", global_head_dim=128)
    assert (arch.global_head_dim, arch.global_kv_heads) == (128, 4)
    arch = read(base, nested="text_config", attention_k_eq_v=True, num_global_key_value_heads=2)
    assert (arch.global_head_dim, arch.global_kv_heads) == (512, 2)
    arch = read(base, nested="text_config", attention_k_eq_v=False, num_global_key_value_heads=2)
    assert arch.global_kv_heads == 4
    arch = read(base, nested="text_config", attention_k_eq_v=True)
    assert arch.global_kv_heads == 4
    assert params_total(read(base, nested="text_config", attention_k_eq_v=DROP)) == params_total(read(base))
    # transformers 5.x writes per_layer_config with the global layers' sizes.
    arch = read(base, nested="text_config", per_layer_config={"5": {"head_dim": 384, "num_key_value_heads": 2}})
    assert (arch.global_head_dim, arch.global_kv_heads) == (384, 2)
    arch = read(base, nested="text_config", per_layer_config={"0": {"head_dim": 384}, "x": {}, "99": {"head_dim": 7}, "30": {"head_dim": 7},
                                                              "11": 5})
    assert (arch.global_head_dim, arch.global_kv_heads) == (512, 4)
    arch = read(base, nested="text_config", per_layer_config={"11": {"head_dim": 384}, "5": {"head_dim": 128}})
    assert arch.global_head_dim == 384
    arch = read(base, nested="text_config", per_layer_config={"29": {}})
    assert (arch.global_head_dim, arch.global_kv_heads) == (512, 4)
    config = config_of(base, nested="text_config", per_layer_config={"5": {"head_dim": 0}})
    assert refusal(config) == (PATH, line(config, "per_layer_config"),
                               "field 'per_layer_config' must be a positive integer, got 0", "fix 'per_layer_config'")
    config = config_of(base, nested="text_config", per_layer_config={"5": {"num_key_value_heads": "2"}})
    assert refusal(config) == (PATH, line(config, "per_layer_config"),
                               "field 'per_layer_config' must be a positive integer, got '2'", "fix 'per_layer_config'")
    for bad in (["sliding_attention"] * 29, ["x"] * 30, "sliding_attention"):
        config = config_of(base, nested="text_config", layer_types=bad)
        assert refusal(config) == (
            PATH, line(config, "layer_types"), "field 'layer_types' must list sliding_attention or full_attention for each of the 30 layers, got "
            + repr(bad)[:57] + ("..." if len(repr(bad)) > 60 else repr(bad)[57:]), AS_PUBLISHED)
    config = config_of(base, nested="text_config", num_kv_shared_layers=31)
    assert refusal(config) == (PATH, line(config, "num_kv_shared_layers"),
                                   "field 'num_kv_shared_layers' (31) exceeds the 30 layers", AS_PUBLISHED)
    assert read(base, nested="text_config", num_kv_shared_layers=30).layer_kinds == "F" * 30


def test_gemma4_parameters_by_part():
    # Per layer (modeling_gemma4.py): q_proj, o_proj; k_proj and v_proj unless the layer shares K/V (and no v_proj on
    # global layers with attention_k_eq_v); q_norm over head_dim, k_norm unless shared; the per-layer input gate
    # and projection (hidden x per_layer both ways) and post_per_layer_input_norm; use_double_wide_mlp: the shared
    # layers' MLP is twice as wide (one more gate/up/down of intermediate_size).
    base = "gemma4-defaults"
    plain = params_total(read(base))
    hidden, inter = 2304, 9216
    shared = params_total(read(base, nested="text_config", num_kv_shared_layers=10))
    # 10 shared layers (3 global: 5 of 4 KV heads x 256 ... ) lose k/v projections and k_norm:
    # layers 20-29: sliding 20-22, 24-28 (8 layers, d 256), global 23, 29 (2 layers, d 512), 4 KV heads.
    lost = 8 * (2 * hidden * 4 * 256 + 256) + 2 * (2 * hidden * 4 * 512 + 512)
    assert plain - shared == lost
    wide = params_total(read(base, nested="text_config", num_kv_shared_layers=10, use_double_wide_mlp=True))
    assert wide - shared == 10 * 3 * hidden * inter
    # Gemma4TextConfig: use_double_wide_mlp defaults to False.
    assert params_total(read(base, nested="text_config", num_kv_shared_layers=10, use_double_wide_mlp=DROP)) == shared
    k_eq_v = params_total(read(base, nested="text_config", attention_k_eq_v=True))
    assert plain - k_eq_v == 5 * hidden * 4 * 512          # the 5 global layers lose v_proj
    no_per_layer = params_total(read(base, nested="text_config", hidden_size_per_layer_input=0))
    # per layer: gate hidden -> 256, projection 256 -> hidden, norm hidden; once: the per-layer embedding
    # vocab_size_per_layer_input x (30 x 256), its projection norm (256) and the model projection hidden -> 30 x 256.
    assert plain - no_per_layer == 30 * (2 * hidden * 256 + hidden) + 262144 * 30 * 256 + 256 + hidden * 30 * 256
    small_vocab = params_total(read(base, nested="text_config", vocab_size_per_layer_input=1000))
    assert plain - small_vocab == (262144 - 1000) * 30 * 256
    assert params_total(read(base, nested="text_config", vocab_size_per_layer_input=DROP)) == plain
    # Left out, the per-layer vocabulary is Gemma4TextConfig's 262144 (configuration_gemma4.py:173), not vocab_size.
    small = read(base, nested="text_config", vocab_size=1000)
    assert params_total(read(base, nested="text_config", vocab_size=1000, vocab_size_per_layer_input=DROP)) == \
        params_total(small)
    default_width = params_total(read(base, nested="text_config", hidden_size_per_layer_input=DROP))
    assert default_width == plain
    moe = read("gemma4-moe")
    assert (moe.num_experts, moe.experts_per_token, moe.moe_intermediate_size, moe.moe_layers, moe.dense_layers) == \
        (16, 4, 256, 30, 30)
    dense = params_total(read("gemma4-moe", nested="text_config", enable_moe_block=False))
    # 30 layers x (16 experts x 3 x hidden x 256 + router hidden x 16 + router scale hidden + per-expert scale 16 +
    # three RMSNorms of hidden).
    assert params_total(moe) - dense == 30 * (16 * 3 * hidden * 256 + hidden * 16 + hidden + 16 + 3 * hidden)


# --- tie_word_embeddings left out: the family's transformers config class default ------------------------------------
# (family, a published config of it, the default, where transformers 5.24.0 sets it: models/<type>/configuration_<type>.py)
TIE_DEFAULTS = [
    ("llama", "Llama-3.1-8B", False, "llama:78"), ("mistral", "Mistral-7B-v0.1", False, "mistral:77"),
    ("mixtral", "Mixtral-8x7B-v0.1", False, "mixtral:81"), ("qwen2", "Qwen2.5-7B-Instruct", False, "qwen2:71"),
    ("qwen2_moe", "Qwen1.5-MoE-A2.7B", False, "qwen2_moe:89"), ("qwen3", "Qwen3-8B", False, "qwen3:73"),
    ("qwen3_moe", "Qwen3-30B-A3B", False, "qwen3_moe:91"), ("phi3", "Phi-3.5-mini-instruct", False, "phi3:75"),
    ("phimoe", "Phi-3.5-MoE-instruct", False, "phimoe:75"), ("deepseek_v2", "DeepSeek-V2-Lite", False, "deepseek_v2:90"),
    ("deepseek_v3", "DeepSeek-V3", False, "deepseek_v3:111"), ("glm", "glm-4-9b-chat-hf", False, "glm:68"),
    ("glm4", "GLM-4-9B-0414", False, "glm4:68"), ("granitemoe", "granite-3.0-3b-a800m-instruct", False, "granitemoe:72"),
    ("exaone4", "EXAONE-4.0-32B", False, "exaone4:92"), ("qwen3_next", "Qwen3-Next-80B-A3B-Instruct", False,
                                                         "qwen3_next:102"),
    ("qwen2_vl", "Qwen2-VL-7B-Instruct", False, "qwen2_vl:167"),
    ("qwen2_5_vl", "Qwen2.5-VL-7B-Instruct", False, "qwen2_5_vl:190"),
    ("gpt_oss", "gpt-oss-20b", False, "gpt_oss"), ("olmo2", "OLMo-2-1124-7B", False, "olmo2"),
    ("gemma", "gemma-7b", True, "gemma:81"), ("gemma2", "gemma-2-2b", True, "gemma2:82"),
    ("gemma3_text", "gemma-3-1b-it", True, "gemma3:88"), ("falcon", "falcon-7b", True, "falcon:88"),
    ("gpt2", "gpt2", True, "gpt2:102"), ("opt", "opt-125m", True, "opt:73"), ("starcoder2", "starcoder2-3b", True,
                                                                           "starcoder2:80"),
    ("cohere2", "c4ai-command-r7b-12-2024", True, "cohere2:80"), ("smollm3", "SmolLM3-3B", True, "smollm3:94"),
]


@pytest.mark.parametrize("family,name,tied,where", TIE_DEFAULTS)
def test_tie_word_embeddings_left_out_is_the_config_class_default(family, name, tied, where):
    config = config_of(name, tie_word_embeddings=DROP)
    if isinstance(config.get("text_config"), dict):
        config["text_config"].pop("tie_word_embeddings", None)
    arch = architecture_from_config(config)
    assert arch.model_type == family and arch.tie_word_embeddings is tied
    # A tied lm_head is not a parameter of its own: the count moves by vocab x hidden.
    untied = architecture_from_config(dict(config, tie_word_embeddings=False))
    assert params_total(untied) - params_total(arch) == (arch.vocab_size * arch.hidden_size if tied else 0)
