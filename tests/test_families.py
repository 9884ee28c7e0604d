"""Family readers (generator/families/): every published config.json of the table's families is read as downloaded,
its parameter count equals transformers' own (recorded by benchmarks/transformers_param_counts.py), its KV cache
follows the family's attention, and an unknown family is refused with the supported list."""

import json

import pytest

from generator import cli
from generator.calc.architecture import kv_cache_bytes_per_token, params_total
from generator.errors import GeneratorError
from generator.families.reader import architecture_from_config
from generator.families.table import FAMILIES
from generator.loading import load_catalogue
from generator.yamlio import read_yaml_file

COUNTS = read_yaml_file("tests/data/transformers_param_counts.yaml")
FAMILY_CONFIGS = read_yaml_file("tests/data/family_configs.yaml")["configs"]
CATALOGUE = load_catalogue("content")


def _architecture(name, text_only=False):
    if name in CATALOGUE.models:
        config = CATALOGUE.models[name].config
    else:
        config = FAMILY_CONFIGS[name]["config"]
    return architecture_from_config(config, text_only=text_only)


@pytest.mark.parametrize("name", sorted(COUNTS["counts"]))
def test_params_equal_transformers_count(name):
    expected = COUNTS["counts"][name]
    got = params_total(_architecture(name))
    assert abs(got - expected) <= expected * 0.001, (got, expected)


def test_counts_name_their_transformers_version():
    assert COUNTS["transformers_version"] and COUNTS["torch_version"]


def test_every_family_has_a_recorded_count_or_a_published_one():
    families = {_architecture(name).model_type for name in COUNTS["counts"]}
    # chatglm has no transformers class (remote code): its count is checked against safetensors in
    # tests/test_architecture.py (glm-4-9b-chat).
    missing = set(FAMILIES) - families - {"chatglm", "llama4_text"}
    assert not missing, missing


def test_vision_towers_counted_and_text_only_drops_them():
    full = _architecture("Qwen2.5-VL-7B-Instruct")
    text = _architecture("Qwen2.5-VL-7B-Instruct", text_only=True)
    assert full.vision_params > 600_000_000 and text.vision_params == 0
    assert params_total(full) - params_total(text) == full.vision_params


def test_unknown_family_is_refused_with_the_list():
    with pytest.raises(GeneratorError) as info:
        architecture_from_config({"model_type": "mamba", "hidden_size": 8})
    assert "unsupported model family" in info.value.message
    for family in ("llama", "gpt_oss", "falcon"):
        assert family in info.value.fix
    assert "generator/families/table.py" in info.value.fix


def test_no_hint_asks_for_an_invented_key():
    config = dict(FAMILY_CONFIGS["gpt2"]["config"])
    del config["n_layer"]
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config)
    assert "as published" in info.value.fix and "add" not in info.value.fix.split()[0]


# --- KV cache per family -------------------------------------------------------------------------------------------
def test_falcon_7b_is_multi_query():
    arch = _architecture("falcon-7b")
    assert arch.kv_heads == 1
    assert kv_cache_bytes_per_token(arch, 2) == 2 * 32 * 1 * 64 * 2


def test_falcon_40b_grouped():
    assert _architecture("falcon-40b").kv_heads == 8


def test_gpt_oss_alternates_windows_and_has_sinks():
    arch = _architecture("gpt-oss-20b")
    assert arch.sliding_window == 128 and arch.sliding_window_layers == 12 and arch.attention_sinks
    per_layer = 2 * 8 * 64 * 2
    assert kv_cache_bytes_per_token(arch, 2, context=128) == 24 * per_layer
    assert kv_cache_bytes_per_token(arch, 2, context=8192) == pytest.approx(per_layer * (12 + 12 * 128 / 8192))


def test_gemma3_five_local_to_one_global():
    arch = _architecture("gemma-3-27b-it")
    assert arch.sliding_window == 1024 and arch.sliding_window_layers == 62 - 62 // 6


def test_llama4_chunked_attention_on_rope_layers():
    arch = _architecture("Llama-4-Scout-17B-16E")
    assert arch.sliding_window == 8192 and arch.sliding_window_layers == 36
    maverick = _architecture("Llama-4-Maverick-17B-128E")
    assert maverick.moe_layers == 24 and maverick.dense_layers == 24


def test_deepseek_v3_mla_and_dense_prefix():
    arch = _architecture("DeepSeek-V3")
    assert arch.is_mla and arch.first_k_dense_replace == 3 and arch.moe_layers == 58
    assert kv_cache_bytes_per_token(arch, 2, mla_compressed=True) == 61 * (512 + 64) * 2


def test_layer_types_win_over_the_family_rule():
    config = dict(FAMILY_CONFIGS["gemma-2-2b"]["config"])
    config["layer_types"] = ["full_attention"] * 26
    assert architecture_from_config(config).sliding_window_layers == 0


def test_estimate_json_reports_params_total(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FAMILY_CONFIGS["falcon-7b"]["config"]))
    code = cli.main(["estimate", "--config", str(path), "--quantization", "bf16", "--context", "1024", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["params_total"] == COUNTS["counts"]["falcon-7b"]


# --- Embedded quantization ------------------------------------------------------------------------------------------
from generator.calc.estimator import parse_quantization, weight_bytes  # noqa: E402
from generator.families.quant import quantization_from_config  # noqa: E402


def test_gptq_group_size_from_the_config():
    arch = _architecture("DeepSeek-R1-Distill-Qwen-7B")
    q32 = quantization_from_config({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 32,
                                                            "desc_act": True}})
    q128 = quantization_from_config({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128}})
    assert q32.name == q128.name == "gptq-int4" and q32.group_size == 32
    # Four times the groups: scales and zeros grow, the packed weights do not.
    assert weight_bytes(arch, q32)[0] > weight_bytes(arch, q128)[0] == weight_bytes(arch, parse_quantization("gptq-int4"))[0]


def test_awq_without_zero_points_is_smaller():
    arch = _architecture("QwQ-32B")
    with_zero = quantization_from_config({"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128,
                                                                  "zero_point": True}})
    without = quantization_from_config({"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128,
                                                                "zero_point": False}})
    assert weight_bytes(arch, with_zero)[0] > weight_bytes(arch, without)[0]


def test_fp8_block_scales_and_mxfp4_experts():
    v3 = CATALOGUE.models["DeepSeek-V3"]
    fp8 = quantization_from_config(v3.config)
    assert fp8.format == "fp8" and fp8.block_size == (128, 128)
    assert weight_bytes(v3.architecture, fp8)[0] > weight_bytes(v3.architecture, parse_quantization("fp8"))[0]
    oss = CATALOGUE.models["gpt-oss-20b"]
    mx = quantization_from_config(oss.config)
    assert mx.name == "mxfp4" and "attention" in mx.keep_16bit
    # The published checkpoint: 13.8 GB (12.8 GiB) of safetensors.
    assert 12.5 < weight_bytes(oss.architecture, mx)[0] / 2**30 < 13.2


def test_bitsandbytes_and_dtype():
    nf4 = quantization_from_config({"quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": True,
                                                            "bnb_4bit_quant_type": "nf4",
                                                            "bnb_4bit_use_double_quant": True}})
    int8 = quantization_from_config({"quantization_config": {"quant_method": "bitsandbytes", "load_in_8bit": True}})
    assert nf4.name == "nf4" and int8.name == "bnb-int8"
    assert quantization_from_config({"torch_dtype": "float32"}).name == "fp32"
    assert quantization_from_config({}) is None
    with pytest.raises(GeneratorError):
        quantization_from_config({"quantization_config": {"quant_method": "hqq"}})
