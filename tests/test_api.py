"""The library (generator/api.py, issue 19): ``generator.estimate`` gives what the CLI prints, and the CLI, now a
caller of it, prints byte for byte what it printed before the move (tests/data/estimate_cli_recorded.json, recorded
on main by tests/record_estimate_cli.py before the estimator left cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli
from record_estimate_cli import write_configs

import generator
from generator.core.errors import GeneratorError

with open(os.path.join(ROOT, "tests", "data", "estimate_cli_recorded.json"), encoding="utf-8") as _handle:
    RECORDED = json.load(_handle)


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("configs"))
    write_configs(folder)
    return folder


@pytest.mark.parametrize("case", range(len(RECORDED)), ids=lambda i: " ".join(RECORDED[i]["argv"][2:5])[:60])
def test_cli_prints_what_it_printed_before(case, configs, monkeypatch):
    monkeypatch.chdir(ROOT)
    record = RECORDED[case]
    run = run_cli(*[arg.replace("{TMP}", configs) for arg in record["argv"]])
    # A number that another issue changes on purpose (a new engine constant, a family fix) changes the record too:
    # then re-record with tests/record_estimate_cli.py and review the diff of the JSON file (numbers only).
    assert (run.code, run.out.replace(configs, "{TMP}"), run.err.replace(configs, "{TMP}")) == \
        (record["code"], record["out"], record["err"]), f"estimate {' '.join(record['argv'][1:])}"


def test_the_done_command_prints_the_clis_peak():
    """Issue 19's check, run as written (a fresh interpreter in the repository)."""
    printed = subprocess.run([sys.executable, "-c", "import generator; print(generator.estimate("
                              "'Qwen2.5-7B-Instruct', quantization='bf16', context=8192).peak_gib)"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    cli = json.loads(run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context",
                             "8192", "--json").out)
    assert printed == str(cli["peak_gib"])
    # The record on main (before the move) has the same number.
    recorded = next(r for r in RECORDED if r["argv"][1:] == ["--config", "Qwen2.5-7B-Instruct", "--quantization",
                                                              "bf16", "--context", "8192", "--json"])
    assert json.loads(recorded["out"])["peak_gib"] == float(printed)


def test_import_generator_stays_cheap():
    """``import generator`` loads no submodule: estimate and the rest load on first use (a no-op build is timed)."""
    code = "import sys, generator; print(sorted(m for m in sys.modules if m.startswith('generator.')))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_fields_are_the_json_keys_in_order():
    result = generator.estimate("Qwen2.5-7B-Instruct", quantization="awq", context=32768, framework="vllm==0.6.3",
                                gpu="A100-80GB")
    line = run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "awq", "--context", "32768",
                   "--framework", "vllm==0.6.3", "--gpu", "A100-80GB", "--json").out
    assert result.to_json() + "\n" == line
    assert list(result.to_dict()) == list(json.loads(line))
    assert result.kv_cache_capacity_tokens == json.loads(line)["kv_cache_capacity_tokens"]
    assert result.vllm.max_model_len == json.loads(line)["vllm"]["max_model_len"]
    assert result.attn is None and result.fits is True


def test_a_dict_config_gives_what_the_same_config_json_gives(configs):
    with open(os.path.join(configs, "qwen2.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    from_dict = generator.estimate(config, quantization="bf16", context=4096)
    from_file = generator.estimate(os.path.join(configs, "qwen2.json"), quantization="bf16", context=4096)
    assert from_dict.peak_gib == from_file.peak_gib and from_dict.params_total == 7615616512
    assert from_dict.model == "config"


def test_notes_reach_on_message_and_the_result(configs):
    heard = []
    result = generator.estimate(os.path.join(configs, "qwen2.json"), context=1024,
                                on_message=lambda kind, text: heard.append((kind, text)))
    assert result.notes and heard == [("note", note) for note in result.notes]


def test_the_result_is_frozen():
    result = generator.estimate("Qwen2.5-7B-Instruct", quantization="bf16", context=8192)
    with pytest.raises(AttributeError):
        result.peak_gib = 0


@pytest.mark.parametrize("kwargs, words", [
    ({"context": 0}, "--context must be at least 1"),
    ({"context": "8192"}, "context must be a whole number"),
    ({"context": True}, "context must be a whole number"),
    ({"context": 100, "quantization": "q9_z"}, "q9_z"),
    ({"context": 100, "bogus_setting": 1}, "no setting 'bogus_setting'"),
    ({"context": 100, "attn": "magic"}, "--attn 'magic' is not one of"),
    ({"context": 100, "flash_attn": "on"}, "--flash-attn is a llama.cpp setting"),
    ({"context": 100, "max_model_len": 4096}, "--max-model-len is a vLLM flag"),
    ({"context": 100, "gpu_memory_utilization": "0.9", "framework": "vllm==0.6.3"}, "must be a number"),
    ({}, "the following arguments are required: --context"),
])
def test_bad_input_raises_the_one_error_type(kwargs, words):
    with pytest.raises(GeneratorError) as caught:
        generator.estimate("Qwen2.5-7B-Instruct", **kwargs)
    assert words in str(caught.value)


def test_a_quantized_cache_of_heads_that_are_not_whole_blocks_raises_the_one_error_type():
    # Heads of 2560 / 32 = 80 values: 2.5 of q8_0's 32-value blocks, which llama_init_from_model refuses ("K cache
    # type q8_0 with block size 32 does not divide n_embd_head_k=80", src/llama-context.cpp).
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2560,
              "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
              "intermediate_size": 10240, "vocab_size": 51200, "max_position_embeddings": 2048}
    with pytest.raises(GeneratorError) as caught:
        generator.estimate(config, quantization="q4_k_m", context=2048, kv_dtype="q8_0")
    assert "does not divide n_embd_head_k=80" in str(caught.value)
    assert generator.estimate(config, quantization="q4_k_m", context=2048).kv_cache_gib > 0


def test_vllm_context_defaults_to_max_model_len():
    result = generator.estimate("Qwen2.5-7B-Instruct", quantization="bf16", framework="vllm==0.6.3",
                                gpu="A100-80GB", max_model_len=8192, generate=100)
    assert result.context == 8092 and result.vllm.max_model_len == 8192


def test_models_lists_the_catalogue():
    assert "Qwen2.5-7B-Instruct" in generator.models()
