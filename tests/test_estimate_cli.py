"""python -m generator estimate: the breakdown, JSON, vLLM capacity, and errors that list the valid values."""

import json

import pytest

from conftest import ROOT, run_cli

CONFIG = {
    "architectures": ["Qwen2ForCausalLM"], "hidden_size": 3584, "intermediate_size": 18944,
    "max_position_embeddings": 32768, "num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "vocab_size": 152064,
}


@pytest.fixture
def config_json(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(CONFIG, indent=2), encoding="utf-8")
    return str(path)


def estimate(*argv):
    result = run_cli("estimate", *argv)
    assert result.code == 0, result.err
    return result


def test_json_breakdown_from_a_config_file(config_json):
    result = estimate("--config", config_json, "--quantization", "awq", "--context", "32768",
                      "--framework", "transformers==4.46.0", "--json")
    report = json.loads(result.out)
    for key in ("weights_gib", "kv_cache_gib", "activations_gib", "overhead_gib", "peak_gib", "steady_gib"):
        assert isinstance(report[key], float) and report[key] >= 0, key
    assert report["params_total"] == 7615616512
    # 28 layers x 4 KV heads x 128 x 2 (K and V) x 2 bytes x 32768 tokens = 1.75 GiB exactly.
    assert report["kv_cache_gib"] == 1.75
    assert report["peak_gib"] >= report["weights_gib"] + report["kv_cache_gib"]
    assert report["peak_gib"] >= report["steady_gib"]


def test_vllm_reports_kv_cache_capacity(config_json):
    report = json.loads(estimate("--config", config_json, "--quantization", "awq", "--context", "32768",
                                 "--framework", "vllm==0.6.3", "--gpu", "A100-80GB", "--json").out)
    capacity = report["kv_cache_capacity_tokens"]
    per_token = 28 * 4 * 128 * 2 * 2
    budget = 0.9 * 80 * 2 ** 30 - report["weights_gib"] * 2 ** 30
    assert 0 < capacity * per_token < budget
    assert report["max_concurrency"] == pytest.approx(capacity / 32768, abs=0.01)
    assert report["fits"] is True


def test_model_id_and_benchmark_label_give_the_same_as_the_config_file(config_json):
    by_file = json.loads(estimate("--config", config_json, "--quantization", "GPTQ-Int4", "--context", "6144",
                                  "--generate", "2048", "--framework", "transformers==4.38.2", "--json").out)
    by_id = json.loads(estimate("--config", "Qwen2-7B-Instruct", "--quantization", "gptq-int4", "--context", "6144",
                                "--generate", "2048", "--framework", "transformers==4.38.2", "--json").out)
    assert {k: v for k, v in by_file.items() if k != "model"} == {k: v for k, v in by_id.items() if k != "model"}


def test_readable_breakdown(config_json):
    out = estimate("--config", "Qwen2-72B-Instruct", "--quantization", "bf16", "--context", "8192", "--gpus", "2",
                   "--gpu", "H100-80GB").out
    for word in ("weights", "KV cache", "activations", "peak", "steady", "per GPU peak", "H100-80GB"):
        assert word in out
    # A part of zero is not drawn (transformers has no overhead here), and the parts drawn add up to the peak.
    assert "overhead" not in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("peak "))
    peak = float(lines[start].split()[1])
    parts = []
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        parts.append(float(line.split()[-2]))
    assert parts and round(sum(parts), 2) == peak


def test_newer_transformers_needs_less_at_long_context(config_json):
    def peak(version):
        return json.loads(estimate("--config", "Qwen2-7B-Instruct", "--quantization", "bf16", "--context", "30720",
                                   "--framework", f"transformers=={version}", "--json").out)["peak_gib"]
    assert peak("4.44.0") > peak("4.45.0") + 20  # the 6 x tokens x vocab bytes of logits are gone


@pytest.mark.parametrize("argv, message", [
    (["--quantization", "q9"], "unknown quantization 'q9'; use one of: "),
    (["--framework", "tensorrt==1"], "unknown framework 'tensorrt'; use one of: "),
    (["--kv-dtype", "int3"], "unknown KV cache type 'int3'; use one of: "),
    (["--gpu", "Voodoo 5"], "unknown GPU 'Voodoo 5'; use one of: "),
    (["--config", "Qwen9"], "--config 'Qwen9' is neither a file, a folder, a model id nor a Hub id"),
    (["--context", "0"], "--context must be at least 1"),
    (["--context", "many"], "--context: expected a whole number of tokens, got 'many'"),
    (["--framework", "vllm==0.6.3"], "pass --gpu"),
])
def test_bad_values_exit_2_with_the_valid_ones(config_json, argv, message):
    base = {"--config": config_json, "--quantization": "bf16", "--context": "1024"}
    for flag, value in zip(argv[::2], argv[1::2]):
        base[flag] = value
    result = run_cli("estimate", *[x for pair in base.items() for x in pair])
    assert result.code == 2
    assert message in result.err.splitlines()[-1]


def test_config_missing_a_field_names_field_and_file(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "config.json"
    path.write_text(json.dumps({k: v for k, v in CONFIG.items() if k != "num_hidden_layers"}), encoding="utf-8")
    result = run_cli("estimate", "--config", str(path), "--quantization", "bf16", "--context", "10")
    assert result.code == 2
    assert str(path) in result.err and "num_hidden_layers" in result.err


# --- llama.cpp by build -------------------------------------------------------------------------------------------
def _cpp(*argv):
    return json.loads(estimate("--config", "Llama-3.1-8B", "--quantization", "q4_k_m", "--json", *argv).out)


def test_llama_cpp_flash_attention_by_build(monkeypatch):
    monkeypatch.chdir(ROOT)
    old = _cpp("--context", "8192", "--framework", "llama.cpp==b4000")
    new = _cpp("--context", "8192", "--framework", "llama.cpp==b6500")
    assert old["framework"] == "llama.cpp==b4000"
    # Without flash attention the f32 KQ scores (8192 x 512 x 32 heads x 4 bytes = 512 MiB) dominate; with it,
    # the output stage (128256 x 512 logits + one hidden state, f32) = 258.5 MiB, as llama.cpp logs it.
    assert new["activations_gib"] == round(258.5 / 1024, 4)
    assert old["activations_gib"] > 0.5
    assert _cpp("--context", "8192", "--framework", "llama.cpp==b4000", "--flash-attn", "on") == {
        **old, "activations_gib": new["activations_gib"], "peak_gib": new["peak_gib"], "steady_gib": new["steady_gib"],
        "per_gpu_peak_gib": new["per_gpu_peak_gib"]}
    # The KV cache: 32 layers x 1024 x 2 x 2 bytes x 8192 = 1 GiB; token_embd (Q4_K) in host memory.
    assert new["kv_cache_gib"] == 1.0 and new["host_gib"] > 0.25


def test_llama_cpp_ubatch_and_partial_offload(monkeypatch):
    monkeypatch.chdir(ROOT)
    full = _cpp("--context", "8192", "--framework", "llama.cpp")
    small = _cpp("--context", "8192", "--framework", "llama.cpp", "--ubatch", "128")
    assert small["activations_gib"] < full["activations_gib"] / 3
    half = _cpp("--context", "8192", "--framework", "llama.cpp", "--n-gpu-layers", "16")
    assert half["kv_cache_gib"] == 0.5 and half["host_gib"] > full["host_gib"] + 1.5
    assert half["weights_gib"] < full["weights_gib"] / 1.8
    two = _cpp("--context", "8192", "--framework", "llama.cpp", "--gpus", "2")
    assert two["per_gpu_peak_gib"][1] > two["per_gpu_peak_gib"][0]  # the last card holds the output and logits


@pytest.mark.parametrize("argv, message", [
    (("--quantization", "q4_k_m", "--framework", "transformers==4.46.0"), "only llama.cpp runs GGUF"),
    (("--quantization", "awq", "--framework", "llama.cpp"), "llama.cpp does not load awq"),
    (("--quantization", "nf4", "--framework", "llama.cpp"), "llama.cpp does not load nf4"),
    (("--quantization", "bf16", "--framework", "llama.cpp", "--max-num-seqs", "8"), "is a vLLM flag"),
    (("--quantization", "bf16", "--framework", "vllm==0.8.0", "--gpu", "A100-80GB", "--ubatch", "256"),
     "llama.cpp setting"),
    (("--quantization", "q4_k_m", "--framework", "llama.cpp==b4000", "--kv-dtype", "q8_0"), "requires flash_attn"),
    (("--quantization", "q4_k_m", "--framework", "llama.cpp", "--kv-dtype", "fp8"), "no fp8 KV cache"),
    (("--quantization", "bf16", "--framework", "transformers==4.46.0", "--flash-attn", "on"), "llama.cpp setting"),
    (("--quantization", "q4_k_m", "--framework", "llama.cpp==b5000", "--flash-attn", "auto"), "no -fa auto"),
    (("--quantization", "iq3_m", "--framework", "llama.cpp", "--flash-attn", "sometimes"), "invalid choice"),
])
def test_impossible_runs_are_refused(monkeypatch, argv, message):
    monkeypatch.chdir(ROOT)
    result = run_cli("estimate", "--config", "Llama-3.1-8B", "--context", "4096", *argv)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1 and result.out == ""


# Phi-2's attention (config.json: hidden_size 2560, 32 heads, 32 KV heads: heads of 80) on a Llama body.
HEADS_OF_80 = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2560,
               "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
               "intermediate_size": 10240, "vocab_size": 51200, "max_position_embeddings": 2048}


@pytest.mark.parametrize("kv_dtype, flash", [("q4_0", ()), ("q8_0", ("--flash-attn", "on")),
                                             ("iq4_nl", ("--flash-attn", "auto")), ("q5_1", ())])
def test_a_quantized_cache_of_heads_that_are_not_whole_blocks_is_refused(tmp_path, kv_dtype, flash):
    """llama_init_from_model (src/llama-context.cpp) refuses the context with "K cache type %s with block size %u
    does not divide n_embd_head_k=%u": every cache type here has blocks of 32 (ggml's type table) and 80 is 2.5 of
    them. The 16-bit cache (blocks of 1) runs; -fa off stops at the quantized V cache's own refusal first."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(HEADS_OF_80), encoding="utf-8")
    argv = ("estimate", "--config", str(config), "--quantization", "q4_k_m", "--context", "2048")
    result = run_cli(*argv, "--kv-dtype", kv_dtype, *flash)
    line = f"K cache type {kv_dtype} with block size 32 does not divide n_embd_head_k=80"
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1, result.err
    assert f'("{line}")' in result.err and "--kv-dtype 16-bit" in result.err
    assert run_cli(*argv, "--kv-dtype", "16-bit", *flash).code == 0
    off = run_cli(*argv, "--kv-dtype", kv_dtype, "--flash-attn", "off")
    assert off.code == 2 and "V cache quantization requires flash_attn" in off.err


def test_context_above_the_maximum_is_warned(monkeypatch):
    monkeypatch.chdir(ROOT)
    report = _cpp("--context", "200000", "--framework", "llama.cpp")
    assert report["warnings"] and "131072" in report["warnings"][0]
    assert "warnings" not in _cpp("--context", "4096", "--framework", "llama.cpp")


def test_transformers_attention_flag(monkeypatch):
    monkeypatch.chdir(ROOT)
    def run(*argv):
        return json.loads(estimate("--config", "Llama-3.1-8B", "--quantization", "bf16", "--context", "8192",
                                   "--json", *argv).out)
    default = run()
    assert default["attn"] == "sdpa" and default["framework"] == "transformers==4.46.0"
    assert run("--attn", "flash_attention_2")["steady_gib"] < default["steady_gib"]
    assert default["peak_gib"] < run("--attn", "eager")["peak_gib"]
    refused = run_cli("estimate", "--config", "Llama-3.1-8B", "--quantization", "q4_k_m", "--context", "8192",
                      "--attn", "eager")
    assert refused.code == 2 and "--attn is a transformers setting" in refused.err


def test_llama_cpp_flash_attn_auto_and_every_setting_of_a_log(monkeypatch):
    """-fa auto is the default from b6327 (it did not exist before); a log's build, -fa, -ub, -ngl and cache type
    all go on the command line, with the host memory of the layers left on the CPU."""
    monkeypatch.chdir(ROOT)
    auto = _cpp("--context", "8192", "--framework", "llama.cpp==b7000", "--flash-attn", "auto")
    assert auto == _cpp("--context", "8192", "--framework", "llama.cpp==b7000")
    assert auto == _cpp("--context", "8192", "--framework", "llama.cpp==b7000", "--flash-attn", "on")
    log = _cpp("--context", "32768", "--framework", "llama.cpp==b5505", "--flash-attn", "on", "--ubatch", "256",
               "--n-gpu-layers", "20", "--kv-dtype", "q8_0")
    # 20 of 32 layers on the card: their KV cache, 20 x 1024 x 2 x 34/32 bytes x 32768 cells.
    assert log["kv_cache_gib"] == round(20 * 1024 * 2 * 34 / 32 * 32768 / 2 ** 30, 4)
    assert log["host_gib"] > 1.5 and log["framework"] == "llama.cpp==b5505"
    # Every llama.cpp cache type (-ctk/-ctv): q5_1 is 24 bytes per 32 values (ggml-common.h block_q5_1).
    q5 = _cpp("--context", "8192", "--framework", "llama.cpp", "--kv-dtype", "Q5_1")
    assert q5["kv_dtype"] == "q5_1" and q5["kv_cache_gib"] == round(32 * 1024 * 2 * 24 / 32 * 8192 / 2 ** 30, 4)
    assert _cpp("--context", "8192", "--framework", "llama.cpp", "--kv-dtype", "iq4-nl")["kv_dtype"] == "iq4_nl"
