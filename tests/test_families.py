"""Family readers (generator/families/): every published config.json of the table's families is read as downloaded,
its parameter count equals transformers' own (recorded by benchmarks/transformers_param_counts.py), its KV cache
follows the family's attention, and an unknown family is refused with the supported list."""

import json

import pytest

from generator import cli
from generator.calc.architecture import kv_cache_bytes_per_token, params_total
from generator.core.errors import GeneratorError
from generator.families.reader import architecture_from_config
from generator.families.table import FAMILIES
from generator.catalogue.loading import load_catalogue
from generator.core.yamlio import read_yaml_file

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
    assert got == expected


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


# --- Issue 21: hybrid-state models --------------------------------------------------------------------------------
from generator.calc.architecture import state_bytes_per_sequence  # noqa: E402
from generator.calc.estimator import estimate, parse_framework, parse_kv_dtype  # noqa: E402

GIB = 2 ** 30


def _framework(spec):
    return parse_framework(spec, CATALOGUE.frameworks)


def test_qwen3_next_layers_and_state_from_its_config():
    arch = _architecture("Qwen3-Next-80B-A3B-Instruct")
    # full_attention_interval 4 over 48 layers: 12 attention layers, 36 Gated DeltaNet layers.
    assert arch.attention_layers == 12 and arch.state_layers == 36
    # conv channels: 2 x 16 key heads x 128 + 32 value heads x 128 = 8192; recurrent: 32 x 128 x 128 per layer.
    assert arch.conv_dim == 8192 and arch.conv_kernel == 4 and arch.recurrent_state_values == 32 * 128 * 128
    # K/V only on the 12 attention layers: 2 x 2 KV heads x 256 x 2 bytes each.
    assert kv_cache_bytes_per_token(arch, 2) == 12 * 2 * 2 * 256 * 2
    # transformers: conv state at the full kernel in bf16, recurrent state fp32 (cache_utils.LinearAttentionLayer).
    assert state_bytes_per_sequence(arch, 2, 4, conv_columns=4) == 36 * (8192 * 4 * 2 + 32 * 128 * 128 * 4)


def test_hybrid_estimate_grows_only_by_attention_kv():
    arch = _architecture("Qwen3-Next-80B-A3B-Instruct")
    quant = parse_quantization("bf16")
    framework = _framework("transformers==5.3.0")
    short = estimate(arch, quant, 1024, framework)
    long = estimate(arch, quant, 131072, framework)
    assert short.state == long.state > 0
    assert long.kv_cache - short.kv_cache == (131072 - 1024) * 12 * 2 * 2 * 256 * 2
    # The state is per sequence: a batch of 64 holds 64 of them, whatever the context.
    batch = estimate(arch, quant, 128, framework, batch=64)
    assert batch.state == 64 * short.state


def test_hybrid_state_in_the_json_report(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FAMILY_CONFIGS["Qwen3-Next-80B-A3B-Instruct"]["config"]))
    code = cli.main(["estimate", "--config", str(path), "--quantization", "bf16", "--context", "1024",
                     "--framework", "transformers==5.3.0", "--json"])
    report = json.loads(capsys.readouterr().out)
    arch = _architecture("Qwen3-Next-80B-A3B-Instruct")
    assert code == 0 and report["state_gib"] == round(state_bytes_per_sequence(arch, 2, 4, 4) / GIB, 4)


def test_release_without_the_family_is_refused_naming_the_first():
    arch = _architecture("Qwen3-Next-80B-A3B-Instruct")
    with pytest.raises(GeneratorError) as info:
        estimate(arch, parse_quantization("bf16"), 1024, _framework("transformers==4.56.0"))
    assert "4.57.0" in info.value.message and "4.57.0" in info.value.fix


def test_llama_cpp_keeps_an_fp32_state_per_sequence_slot():
    arch = _architecture("Qwen3-Next-80B-A3B-Instruct")
    result = estimate(arch, parse_quantization("q8_0"), 4096, _framework("llama.cpp"), batch=4)
    # n_embd_r = (ssm_d_conv - 1) x conv channels, n_embd_s = d_state x d_inner, both f32, x 4 slots.
    assert result.state == 4 * 36 * ((4 - 1) * 8192 + 128 * 32 * 128) * 4
    one = estimate(arch, parse_quantization("q8_0"), 4096, _framework("llama.cpp"), batch=1)
    assert one.kv_cache * 1 > 0 and result.state == 4 * one.state


def test_nemotron_h_blocks_and_granite_hybrid():
    nemotron = _architecture("nemotron_h-defaults")
    # NemotronHConfig's default blocks: linear_attention, moe, full_attention, mlp.
    assert nemotron.layer_kinds == "SFAF" and nemotron.moe_layers == 1 and nemotron.dense_layers == 1
    # Mamba2 state: heads x head_dim x d_state; conv channels: heads x head_dim + 2 x groups x d_state.
    assert nemotron.recurrent_state_values == 128 * 64 * 128 and nemotron.conv_dim == 128 * 64 + 2 * 8 * 128
    granite = _architecture("granitemoehybrid-defaults")
    assert granite.state_layers == granite.layers and granite.attention_layers == 0


def test_glm5_indexer_key_is_cached_beside_mla():
    arch = _architecture("glm_moe_dsa-defaults")
    per_layer = 64 * (192 + 64 + 256) + 128  # full K and V per head, plus the indexer's 128-value key
    assert kv_cache_bytes_per_token(arch, 2) == 78 * per_layer * 2


def test_kimi_k2_reads_as_deepseek_v3():
    arch = _architecture("Kimi-K2-Instruct")
    assert arch.is_mla and arch.num_experts == 384 and arch.first_k_dense_replace == 1


def test_transformers_cache_holds_what_the_estimator_says():
    """benchmarks/measure_hybrid_state.py: tiny bf16 models, generate() on a batch, every cache tensor's bytes."""
    with open("benchmarks/hybrid_state_measurements.json", encoding="utf-8") as handle:
        measured = json.load(handle)
    framework = _framework("transformers==" + measured["transformers_version"])
    for name, run in measured["models"].items():
        arch = architecture_from_config(run["config"])
        result = estimate(arch, parse_quantization("bf16"), run["cached_tokens"], framework,
                          batch=measured["batch"])
        assert result.state == run["state_bytes"], name
        if name == "gemma4":
            # DynamicSlidingWindowLayer keeps sliding_window - 1 tokens; the estimator counts the window: one token
            # per cached sliding layer (3 here: 2 KV heads x 16 x K and V x 2 bytes) per sequence more.
            assert result.kv_cache - run["kv_bytes"] == 3 * 2 * 16 * 2 * 2 * measured["batch"]
            continue
        assert result.kv_cache == run["kv_bytes"], name


def test_gemma4_global_layers_and_kv_sharing():
    arch = _architecture("gemma4-towers-k-eq-v")
    # 30 layers, every 6th global; the last 10 reuse earlier layers' K/V and cache nothing.
    assert arch.layer_kinds == "A" * 20 + "F" * 10 and arch.attention_layers == 20
    # Cached: 20 - 3 global (layers 5, 11, 17) = 17 sliding layers of 4 KV heads x 256, 3 global of 1 x 512.
    assert arch.sliding_window_layers == 17 and (arch.global_head_dim, arch.global_kv_heads) == (512, 1)
    assert kv_cache_bytes_per_token(arch, 2, context=256) == 2 * 2 * (17 * 4 * 256 + 3 * 1 * 512)
    # Past the 512-token window only the global layers grow.
    assert kv_cache_bytes_per_token(arch, 2, context=4096) * 4096 == \
        2 * 2 * (17 * 4 * 256 * 512 + 3 * 1 * 512 * 4096)
    assert arch.vision_params > 0
    assert _architecture("gemma4-defaults").vision_params == 0


@pytest.mark.parametrize("name,change,key", [
    ("Qwen3-Next-80B-A3B-Instruct", {"layer_types": ["full_attention"] * 3}, "layer_types"),
    ("Qwen3-Next-80B-A3B-Instruct", {"layer_types": ["linear_attention"] * 47 + ["wide_attention"]}, "layer_types"),
    ("nemotron_h-defaults", {"layers_block_type": None, "hybrid_override_pattern": "M*X-"}, "hybrid_override_pattern"),
    ("granitemoehybrid-defaults", {"mamba_expand": "2"}, "mamba_expand"),
    ("glm_moe_dsa-defaults", {"indexer_types": ["full"] * 3}, "indexer_types"),
])
def test_hybrid_fields_refused_with_the_key(name, change, key):
    config = dict(FAMILY_CONFIGS[name]["config"], **change)
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config)
    assert key in info.value.message and "as published" in info.value.fix


def test_gemma4_more_shared_layers_than_layers_is_refused():
    config = dict(FAMILY_CONFIGS["gemma4-defaults"]["config"])
    config["text_config"] = dict(config["text_config"], num_kv_shared_layers=99)
    with pytest.raises(GeneratorError) as info:
        architecture_from_config(config)
    assert "num_kv_shared_layers" in info.value.message


def test_no_framework_named_runs_a_new_family_on_its_first_release(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FAMILY_CONFIGS["Qwen3-Next-80B-A3B-Instruct"]["config"]))
    code = cli.main(["estimate", "--config", str(path), "--quantization", "bf16", "--context", "1024", "--json"])
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["framework"] == "transformers==4.57.0"
    assert "needs transformers 4.57.0" in captured.err
    # Named explicitly, an older release is refused.
    code = cli.main(["estimate", "--config", str(path), "--quantization", "bf16", "--context", "1024",
                     "--framework", "transformers==4.46.0"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot run qwen3_next" in err and "transformers==4.57.0" in err


# --- Issue 21: published config.json files, Falcon-H1 and Jamba -------------------------------------------------------
PUBLISHED = ["GLM-5.1", "AI21-Jamba-1.5-Mini", "Falcon-H1-0.5B", "Falcon-H1-Tiny-90M-Instruct", "EXAONE-4.0-32B",
             "gemma-4-E2B-it-text", "Mistral-Small-3.1-24B-Instruct-2503", "Nemotron-H-8B-Base-8K",
             "granite-4.0-h-tiny", "granite-4.0-h-1b", "Qwen3.5-4B-text", "Falcon-H1-3B", "Falcon-H1-7B"]


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_configs_name_their_source_and_have_a_count(name):
    entry = FAMILY_CONFIGS[name]
    assert entry["url"].startswith("https://huggingface.co/") and entry["url"].endswith("/config.json")
    assert entry["read_from"] and name in COUNTS["counts"]


def test_falcon_h1_every_layer_holds_kv_and_a_state():
    arch = _architecture("Falcon-H1-0.5B")
    assert arch.layer_kinds == "B" * 36 and arch.attention_layers == arch.state_layers == 36
    # FalconH1Mixer: conv channels mamba_d_ssm + 2 x groups x d_state; SSM state heads x head_dim x d_state.
    assert arch.conv_dim == 1536 + 2 * 128 and arch.recurrent_state_values == 24 * 64 * 128


def test_jamba_attention_every_eighth_layer_experts_every_second():
    arch = _architecture("AI21-Jamba-1.5-Mini")
    # attn_layer_period 8, offset 4: layers 4, 12, 20, 28 hold K/V; the other 28 are Mamba layers.
    assert [i for i, k in enumerate(arch.layer_kinds) if k == "A"] == [4, 12, 20, 28] and arch.state_layers == 28
    assert arch.moe_layers == 16 and arch.dense_layers == 16 and arch.num_experts == 16
    # JambaMambaMixer: conv over d_inner = 2 x 4096 channels, SSM state d_inner x d_state 16.
    assert arch.conv_dim == 8192 and arch.recurrent_state_values == 8192 * 16


def test_exaone4_pattern_spelled_out_or_counted():
    config = dict(FAMILY_CONFIGS["EXAONE-4.0-32B"]["config"])
    # sliding_window_pattern 4: (i + 1) % 4 != 0 layers slide (Exaone4Config), 48 of 64.
    assert architecture_from_config(config).sliding_window_layers == 48
    config["sliding_window_pattern"] = "LLLG"
    assert architecture_from_config(config).sliding_window_layers == 48


@pytest.mark.parametrize("name,family,older,first", [
    ("Falcon-H1-0.5B", "falcon_h1", "4.52.4", "4.53.0"),
    ("AI21-Jamba-1.5-Mini", "jamba", "4.39.3", "4.40.0"),
    ("EXAONE-4.0-32B", "exaone4", "4.53.3", "4.54.0"),
    ("gemma-4-E2B-it-text", "gemma4", "5.4.0", "5.5.0"),
    ("GLM-5.1", "glm_moe_dsa", "5.1.0", "5.2.0"),
    ("Mistral-Small-3.1-24B-Instruct-2503", "mistral3", "4.49.0", "4.50.0"),
])
def test_a_release_without_the_family_is_refused_naming_the_first(name, family, older, first):
    arch = _architecture(name)
    assert arch.model_type == family
    with pytest.raises(GeneratorError) as info:
        estimate(arch, parse_quantization("bf16"), 1024, _framework("transformers==" + older))
    assert first in info.value.message and first in info.value.fix
    assert estimate(arch, parse_quantization("bf16"), 1024, _framework("transformers==" + first)).steady > 0


def _transformers_cache(arch_name, tokens, batch):
    framework = _framework("transformers==5.3.0")
    return estimate(_architecture(arch_name), parse_quantization("bf16"), tokens, framework, batch=batch)


def test_jamba_cache_short_context_large_batch_as_transformers_holds_it():
    # transformers' cache (benchmarks/hybrid_state_measurements.json, "jamba"): K and V of the 4 attention layers in
    # bf16, and per Mamba layer a conv state of d_inner x d_conv columns in bf16 and an SSM state d_inner x d_state
    # in fp32, for every sequence of the batch.
    result = _transformers_cache("AI21-Jamba-1.5-Mini", 1024, 64)
    assert result.kv_cache == 64 * 1024 * 4 * 2 * 8 * 128 * 2
    assert result.state == 64 * 28 * (8192 * 4 * 2 + 8192 * 16 * 4)


def test_falcon_h1_cache_short_context_large_batch_as_transformers_holds_it():
    # Every layer: K/V of 2 KV heads x 64 and a Mamba2 state (conv 1792 channels x 4 in bf16, SSM 24 x 64 x 128 fp32).
    result = _transformers_cache("Falcon-H1-0.5B", 1024, 64)
    assert result.kv_cache == 64 * 1024 * 36 * 2 * 2 * 64 * 2
    assert result.state == 64 * 36 * (1792 * 4 * 2 + 24 * 64 * 128 * 4)


@pytest.mark.parametrize("name,attention_kv_per_token", [
    # 4 attention layers x K and V x 8 KV heads x 128 x 2 bytes.
    ("AI21-Jamba-1.5-Mini", 4 * 2 * 8 * 128 * 2),
    # 36 layers x K and V x 2 KV heads x 64 x 2 bytes.
    ("Falcon-H1-0.5B", 36 * 2 * 2 * 64 * 2),
])
def test_hybrid_at_128k_grows_only_by_its_attention_kv(name, attention_kv_per_token):
    short = _transformers_cache(name, 1024, 1)
    long = _transformers_cache(name, 131072, 1)
    assert long.state == short.state > 0
    assert long.kv_cache - short.kv_cache == (131072 - 1024) * attention_kv_per_token


def test_glm51_published_config_indexes_every_layer():
    arch = _architecture("GLM-5.1")
    # No indexer_types / index_topk_freq in the published file: GlmMoeDsaConfig gives every layer its own indexer.
    assert arch.indexer_layers == 78 and arch.moe_layers == 75 and arch.first_k_dense_replace == 3


def test_nemotron_h_head_size_is_the_config_class_default_when_left_out():
    config = {k: v for k, v in CATALOGUE.models["NVIDIA-Nemotron-Nano-9B-v2"].config.items() if k != "head_dim"}
    # NemotronHConfig.head_dim defaults to 128 (hidden_size / heads would be 4480 / 40 = 112).
    assert architecture_from_config(config).head_dim == 128


def test_granite_4_dense_hybrid_mlp_is_the_shared_mlp():
    # Granite-4.0-H-1B publishes num_local_experts 0: no routed experts, and every layer's MLP is shared_mlp
    # (shared_intermediate_size), whatever intermediate_size says (GraniteMoeHybridDecoderLayer).
    config = dict(FAMILY_CONFIGS["granite-4.0-h-1b"]["config"], intermediate_size=1000)
    arch = architecture_from_config(config)
    assert not arch.is_moe and arch.intermediate_size == 4096 and arch.dense_layers == 40
    assert params_total(arch) == COUNTS["counts"]["granite-4.0-h-1b"]
    # 4 attention layers (5, 15, 25, 35) hold K/V, 36 Mamba2 layers a state.
    assert arch.attention_layers == 4 and arch.state_layers == 36


def test_published_configs_cache_as_transformers_holds_it():
    """benchmarks/measure_published_cache.py: each layer's cache bytes at the published sizes (one pattern period
    built, random bf16 weights, generate() on a batch), times the published layer counts, against the estimator's
    transformers engine for the full model at a short context and a large batch: within 1%."""
    with open("benchmarks/published_cache_measurements.json", encoding="utf-8") as handle:
        measured = json.load(handle)
    framework = _framework("transformers==" + measured["transformers_version"])
    batch = 64
    assert set(measured["models"]) >= {"AI21-Jamba-1.5-Mini", "Falcon-H1-0.5B", "granite-4.0-h-tiny",
                                       "Nemotron-H-8B-Base-8K", "Qwen3.5-4B-text", "GLM-5.1", "EXAONE-4.0-32B",
                                       "Mistral-Small-3.1-24B-Instruct-2503", "gemma-4-E2B-it-text"}
    for name, run in measured["models"].items():
        arch = _architecture(name)
        if run["all_layers"]:
            # Gemma 4: every layer built; below its 512-token window each cached layer keeps every token.
            context = 256
            kv = sum(run["kv_per_token"]) * context * batch
        else:
            # One kind of layer in the run; the full model has arch.attention_layers of them.
            context = 1024
            assert len(set(run["kv_per_token"])) == 1, name
            kv = arch.attention_layers * run["kv_per_token"][0] * context * batch
        result = estimate(arch, parse_quantization("bf16"), context, framework, batch=batch)
        assert result.kv_cache == pytest.approx(kv, rel=0.01), name
        if run["state"]:
            assert len(set(run["state"])) == 1, name
            assert result.state == pytest.approx(arch.state_layers * run["state"][0] * batch, rel=0.01), name
            assert run["state_dtypes"] == ["conv_states:torch.bfloat16", "recurrent_states:torch.float32"], name
        else:
            assert result.state == 0, name
