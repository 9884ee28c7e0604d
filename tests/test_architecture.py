"""Parameter counts and KV cache sizes from config.json facts, checked against content/models.yaml."""

import json

import pytest

from generator.calc.architecture import kv_cache_bytes_per_token, params_active_per_token, params_total
from generator.core.errors import GeneratorError
from generator.families.model_config import architecture_from_config, architecture_from_model_entry, read_config_json
from generator.core.yamlio import parse_yaml, read_yaml_file

ALL_MODELS = read_yaml_file("content/models.yaml")["models"]
BY_ID = {m["id"]: m for m in ALL_MODELS}
# Every entry carries transformers' count (tests/data/transformers_param_counts.yaml; checked entry by entry in
# tests/test_numbers_from_sources.py); the architecture computed from its config must give the same number.
MODELS = [m for m in ALL_MODELS if "params_total" in m.get("config", {})]


@pytest.mark.parametrize("entry", MODELS, ids=[m["id"] for m in MODELS])
def test_params_total_matches_data(entry):
    assert params_total(architecture_from_model_entry(entry)) == entry["config"]["params_total"]


ACTIVE = [m for m in MODELS if "params_active_per_token" in m["config"]]


@pytest.mark.parametrize("entry", ACTIVE, ids=[m["id"] for m in ACTIVE])
def test_params_active_matches_data(entry):
    assert params_active_per_token(architecture_from_model_entry(entry)) == entry["config"]["params_active_per_token"]


def test_every_model_carries_params_total_and_4_moe_their_active_count():
    assert len(MODELS) == len(ALL_MODELS)
    assert len(ACTIVE) == 4


def test_dense_active_equals_total():
    arch = architecture_from_model_entry(BY_ID["Qwen2.5-7B-Instruct"])
    assert params_active_per_token(arch) == params_total(arch)


def test_tied_embeddings_counted_once():
    entry = BY_ID["Qwen2-0.5B-Instruct"]
    config = dict(entry["config"], tie_word_embeddings=False)
    untied = architecture_from_config(config)
    assert params_total(untied) - entry["config"]["params_total"] == 151936 * 896


GLM_CONFIG = {
    "architectures": ["ChatGLMModel"], "model_type": "chatglm", "hidden_size": 4096, "num_layers": 40,
    "num_attention_heads": 32, "multi_query_group_num": 2, "kv_channels": 128, "ffn_hidden_size": 13696,
    "padded_vocab_size": 151552, "seq_length": 131072, "add_qkv_bias": True, "add_bias_linear": False,
}


def test_chatglm_names():
    arch = architecture_from_config(GLM_CONFIG)
    assert (arch.layers, arch.kv_heads, arch.head_dim, arch.intermediate_size) == (40, 2, 128, 13696)
    assert arch.vocab_size == 151552 and arch.max_position_embeddings == 131072
    assert not arch.tie_word_embeddings
    assert params_total(arch) == BY_ID["glm-4-9b-chat"]["config"]["params_total"]


def test_read_config_json(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(GLM_CONFIG, indent=2))
    assert params_total(read_config_json(str(path))) == 9399951360


def test_missing_field_names_field_and_file(tmp_path):
    config = dict(GLM_CONFIG)
    del config["num_layers"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, indent=2))
    with pytest.raises(GeneratorError) as info:
        read_config_json(str(path))
    assert "num_hidden_layers" in info.value.message
    assert info.value.path == str(path)


def test_bad_json_is_located(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{\n  "hidden_size": 8,\n  oops\n}')
    with pytest.raises(GeneratorError) as info:
        read_config_json(str(path))
    assert info.value.path == str(path) and info.value.line == 3


def test_missing_field_in_models_yaml_entry_is_located():
    text = ("models:\n  - id: x\n    config:\n      model_type: llama\n      hidden_size: 8\n      num_attention_heads: 2\n"
            "      vocab_size: 10\n")
    entry = parse_yaml(text, "content/models.yaml")["models"][0]
    with pytest.raises(GeneratorError) as info:
        architecture_from_model_entry(entry)
    assert "num_hidden_layers" in info.value.message
    assert info.value.path == "content/models.yaml" and info.value.line == 3


def test_bad_value_is_located():
    text = "models:\n  - id: x\n    config:\n      model_type: llama\n      hidden_size: 8\n      num_hidden_layers: -1\n"
    entry = parse_yaml(text, "m.yaml")["models"][0]
    with pytest.raises(GeneratorError) as info:
        architecture_from_model_entry(entry)
    assert info.value.line == 6 and "num_hidden_layers" in info.value.message


def test_mla_kv_cache_compressed_vs_full():
    arch = architecture_from_model_entry(BY_ID["DeepSeek-V2-Lite"])
    assert kv_cache_bytes_per_token(arch, 2, mla_compressed=True) == 31104  # 27 x (512 + 64) x 2
    assert kv_cache_bytes_per_token(arch, 2, mla_compressed=False) == 27 * 16 * (192 + 128) * 2


def test_gqa_kv_cache_bytes():
    arch = architecture_from_model_entry(BY_ID["Llama-3.1-8B"])
    assert kv_cache_bytes_per_token(arch, 2) == 2 * 32 * 8 * 128 * 2  # 131072 bytes = 128 KiB per token


def test_gemma2_sliding_window_layers():
    arch = architecture_from_model_entry(BY_ID["gemma-2-9b"])
    assert arch.sliding_window == 4096 and arch.sliding_window_layers == 21 and arch.norms_per_layer == 4
    full = kv_cache_bytes_per_token(arch, 2, context=4096)
    long = kv_cache_bytes_per_token(arch, 2, context=8192)
    assert full == 2 * 42 * 8 * 256 * 2
    assert long == pytest.approx(full * (21 + 21 * 0.5) / 42)


def test_qwen2_sliding_window_off_when_unused():
    arch = architecture_from_config(dict(BY_ID["Qwen2-7B-Instruct"]["config"], sliding_window=131072,
                                         use_sliding_window=False))
    assert arch.sliding_window_layers == 0
