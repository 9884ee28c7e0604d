"""vLLM's start-up arithmetic (generator/calc/vllm.py): the flags, the defaults by version and card, the refusals,
and the validation against vLLM's own start-up logs (content/benchmarks/vllm-startup-logs.yaml)."""

import json

import pytest

from conftest import ROOT, run_cli
from generator.calc import vllm
from generator.calc.estimator import GIB, parse_framework, parse_quantization, vllm_rules, weight_bytes
from generator.calc.vllm_validation import TARGET_MEAN_ERROR_PCT, TARGET_WORST_ERROR_PCT
from generator.site.check import markdown_tables
from generator.catalogue.loading import load_content
from generator.tables.vllm_validation import refusals, validate

CONTENT = load_content(f"{ROOT}/content")
POST = f"{ROOT}/site/_posts/2026-11-25-vram-estimate-vs-measured.md"


def arch(model_id):
    return CONTENT.models[model_id].require_architecture()


def plan(model_id, quant="bf16", version="0.6.4", gpu="A100-80GB", **settings):
    a, q = arch(model_id), parse_quantization(quant)
    rules = vllm_rules(parse_framework(f"vllm=={version}", CONTENT.frameworks))
    card = CONTENT.gpus[gpu]
    s = vllm.VllmSettings(card.cuda_bytes, card.name, **settings)
    return vllm.plan(a, weight_bytes(a, q)[0], q.compute_bytes, rules, s, settings.get("max_model_len") or 1)


def estimate_json(*flags):
    result = run_cli("estimate", "--json", *flags)
    return result, (json.loads(result.out) if result.code == 0 else None)


# --- The validation against the logs -----------------------------------------------------------------------------
CAPACITY_LOGS = [log for log in CONTENT.vllm_logs.logs if log.observed_kind != "refused"]


def test_logs_meet_the_targets():
    result = validate(CONTENT)
    assert len(result.rows) == len(CAPACITY_LOGS) >= 4
    held_out = validate(CONTENT, held_out=True)
    assert 0 < len(held_out.rows) < len(result.rows)
    assert held_out.mean_abs_error_pct <= TARGET_MEAN_ERROR_PCT
    assert held_out.worst_abs_error_pct <= TARGET_WORST_ERROR_PCT


def test_start_up_refusals_agree_with_the_logs_that_failed():
    found = refusals(CONTENT)
    assert len(found) >= 2 and all(item.agrees for item in found)
    # issue #23278 logs "Available KV cache memory: -2.14 GiB" (weights 65.97 GiB); #27508 logs 1.71 GiB.
    by_id = {item.log.id: item.plan for item in found}
    assert by_id["issue-23278-h100-gpt-oss-120b"].kv_budget / GIB == pytest.approx(-2.14, abs=0.3)
    assert by_id["issue-27508-h100-gpt-oss-120b"].kv_budget / GIB == pytest.approx(1.71, abs=0.3)
    assert by_id["issue-23278-h100-gpt-oss-120b"].weights / GIB == pytest.approx(65.97, abs=0.3)


def test_every_log_is_published_with_its_error():
    tables = markdown_tables(open(POST, encoding="utf-8").read())
    # The post's llama.cpp tables also start with a 日志 column: the vLLM one has the logged KV cache in tokens.
    table = next(t for t in tables if t.rows[0].cells[0] == "日志" and "日志 KV cache（Token）" in t.rows[0].cells)
    published = {row.cells[0]: row.cells for row in table.rows[1:]}
    assert set(published) == {log.id for log in CAPACITY_LOGS}
    for item in validate(CONTENT).rows:
        cells = published[item.log.id]
        observed, estimated, error = int(cells[9]), int(cells[10]), float(cells[11].rstrip("%"))
        assert (observed, estimated) == (item.observed_tokens, item.estimated_tokens)
        assert abs(100 * (estimated - observed) / observed - error) <= 0.05


def test_a_log_with_a_setting_the_flags_cannot_express_is_refused_with_its_line(project):
    path = project / "content" / "benchmarks" / "vllm-startup-logs.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip() == "gpu: L40S") + 1
    path.write_text(text.replace("    gpu: L40S\n", "    gpu: L40\n"), encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2
    assert f"vllm-startup-logs.yaml:{number}: unknown CUDA card 'L40'" in result.err
    path.write_text(text.replace("    gpu_blocks: 3947\n", ""), encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2 and "exactly one of gpu_blocks, kv_cache_tokens, kv_cache_gib" in result.err


# --- The mechanism ---------------------------------------------------------------------------------------------
def test_utilisation_goes_entirely_to_the_kv_cache():
    low = plan("Llama-3.1-8B", max_model_len=8192, gpu_memory_utilization=0.8)
    high = plan("Llama-3.1-8B", max_model_len=8192, gpu_memory_utilization=0.9)
    per_block = high.kv_bytes_per_token * vllm.BLOCK_TOKENS
    assert high.num_blocks - low.num_blocks == pytest.approx(0.1 * CONTENT.gpus["A100-80GB"].cuda_bytes / per_block,
                                                             abs=1)


def test_v0_profiles_the_whole_context_and_switches_to_chunked_prefill_above_32k():
    short, long, chunked = (plan("Llama-3.1-8B", max_model_len=n) for n in (8192, 32768, 65536))
    assert short.max_num_batched_tokens == 8192 and long.max_num_batched_tokens == 32768
    a = arch("Llama-3.1-8B")
    # Every rank's cache is sized by the sampler's rank: the peak is the larger of one layer over the batch and
    # the sort over 256 sequences x 128256 logits.
    assert short.activation_peak == int(max(vllm.layer_activation_peak(a, 8192, 1, 2), vllm.sampler_peak(a, 256, 2)))
    assert long.activation_peak == int(vllm.layer_activation_peak(a, 32768, 1, 2))
    assert chunked.chunked_prefill and chunked.max_num_batched_tokens == 512
    assert chunked.activation_peak <= short.activation_peak


def test_v1_defaults_follow_the_card():
    # v0.9+: 8192 tokens and 1024 sequences on cards of at least 70 GiB that are not A100s (vLLM PR #17885).
    h100 = plan("Llama-3.1-8B", version="0.10.0", gpu="H100-80GB", max_model_len=8192)
    a100 = plan("Llama-3.1-8B", version="0.10.0", gpu="A100-80GB", max_model_len=8192)
    l40s = plan("Llama-3.1-8B", version="0.10.0", gpu="L40S", max_model_len=8192)
    assert (h100.max_num_batched_tokens, h100.max_num_seqs) == (8192, 1024)
    assert (a100.max_num_batched_tokens, a100.max_num_seqs) == (2048, 256)
    assert (l40s.max_num_batched_tokens, l40s.max_num_seqs) == (2048, 256)
    # v0.8.x: only the device name (h100/h200) mattered, and max_num_seqs stayed 256.
    old = plan("Llama-3.1-8B", version="0.8.4", gpu="H100-80GB", max_model_len=8192)
    mi300 = plan("Llama-3.1-8B", version="0.8.4", gpu="MI300X", max_model_len=8192)
    assert (old.max_num_batched_tokens, old.max_num_seqs) == (8192, 256)
    assert mi300.max_num_batched_tokens == 2048
    # The sampler warm-up over 1024 dummy requests is part of V1's profile peak.
    assert h100.activation_peak >= vllm.sampler_peak(arch("Llama-3.1-8B"), 1024, 2)


def test_the_engine_default_and_the_engines_a_version_has():
    assert plan("Llama-3.1-8B", version="0.7.3", max_model_len=8192).engine == "v0"
    assert plan("Llama-3.1-8B", version="0.8.0", max_model_len=8192).engine == "v1"
    result, _ = estimate_json("--config", "Llama-3.1-8B", "--quantization", "bf16", "--context", "1024",
                              "--framework", "vllm==0.6.3", "--gpu", "A100-80GB", "--vllm-engine", "v1")
    assert result.code == 2 and "no V1 engine" in result.err
    result, _ = estimate_json("--config", "Llama-3.1-8B", "--quantization", "bf16", "--context", "1024",
                              "--framework", "vllm==0.11.0", "--gpu", "A100-80GB", "--vllm-engine", "v0")
    assert result.code == 2 and "no V0 engine" in result.err


def test_kv_heads_are_replicated_when_there_are_fewer_than_ranks():
    a = arch("Qwen3-235B-A22B")  # 4 KV heads
    assert vllm.kv_heads_per_rank(a, 8) == 1 == vllm.kv_heads_per_rank(a, 4)
    assert vllm.kv_bytes_per_token_per_rank(a, 8, 2, False) == vllm.kv_bytes_per_token_per_rank(a, 4, 2, False)


def test_capacity_counts_whole_blocks_without_sliding_window_savings():
    gemma = plan("gemma-2-9b", max_model_len=8192)
    full = 2 * arch("gemma-2-9b").layers * arch("gemma-2-9b").kv_heads * arch("gemma-2-9b").head_dim * 2
    assert gemma.kv_bytes_per_token == full
    assert gemma.capacity_tokens % vllm.BLOCK_TOKENS == 0


def test_non_torch_memory_grows_with_tensor_parallelism():
    one = plan("Llama-3.1-70B", version="0.7.3", gpu="H100-80GB", tensor_parallel=4, max_model_len=8192)
    alone = plan("Llama-3.1-8B", version="0.7.3", gpu="H100-80GB", max_model_len=8192)
    assert one.non_torch > alone.non_torch


# --- The command line ----------------------------------------------------------------------------------------
BASE = ("--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context", "8192", "--framework", "vllm==0.9.2")


def test_flags_change_the_numbers_as_vllm_does():
    _, default = estimate_json(*BASE, "--gpu", "RTX 4090")
    _, more = estimate_json(*BASE, "--gpu", "RTX 4090", "--gpu-memory-utilization", "0.95")
    _, fp8 = estimate_json(*BASE, "--gpu", "RTX 4090", "--kv-dtype", "fp8")
    _, custom = estimate_json(*BASE, "--gpu-memory-gib", "23.64")
    _, seqs = estimate_json(*BASE, "--gpu", "RTX 4090", "--max-num-seqs", "16", "--max-num-batched-tokens", "512")
    assert more["kv_cache_capacity_tokens"] > default["kv_cache_capacity_tokens"]
    assert fp8["kv_cache_capacity_tokens"] > 1.9 * default["kv_cache_capacity_tokens"]
    assert custom["kv_cache_capacity_tokens"] == default["kv_cache_capacity_tokens"]
    assert seqs["vllm"]["max_num_seqs"] == 16 and seqs["kv_cache_capacity_tokens"] > default["kv_cache_capacity_tokens"]
    assert default["vllm"]["max_model_len"] == 32768 and default["vllm"]["engine"] == "v1"
    assert default["max_concurrency"] == round(default["kv_cache_capacity_tokens"] / 8192, 2)
    _, eager = estimate_json(*BASE, "--gpu", "RTX 4090", "--enforce-eager", "--vllm-engine", "v0",
                             "--max-model-len", "8192")
    assert eager["vllm"]["engine"] == "v0" and eager["vllm"]["max_num_batched_tokens"] == 8192


def test_a_run_vllm_would_not_start_is_refused_with_what_would_fit():
    result, _ = estimate_json("--config", "Llama-3.1-8B", "--quantization", "bf16", "--context", "1024",
                              "--framework", "vllm==0.6.4", "--gpu", "RTX 3090", "--max-model-len", "29000")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "less than one max_model_len request (29000 tokens)" in result.err
    assert "--max-model-len" in result.err and "--gpu-memory-utilization" in result.err
    result, _ = estimate_json("--config", "Llama-3.1-70B", "--quantization", "bf16", "--context", "1024",
                              "--framework", "vllm==0.9.2", "--gpu", "RTX 4090")
    assert result.code == 2 and "no room for the KV cache" in result.err and "--gpus" in result.err


@pytest.mark.parametrize("flags, message", [
    (("--gpus", "3"), "28 attention heads do not divide evenly"),
    (("--kv-dtype", "q8_0"), "no q8_0 KV cache"),
    (("--gpu", "M4 Max 128GB"), "not offered on Apple M-series"),
])
def test_runs_vllm_refuses(flags, message):
    flags = flags if "--gpu" in flags else flags + ("--gpu", "A100-80GB")
    result, _ = estimate_json(*BASE, *flags)
    assert result.code == 2 and message in result.err


def test_context_above_the_model_maximum_is_warned():
    result, report = estimate_json("--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context", "40000",
                                   "--framework", "vllm==0.9.2", "--gpu", "H100-80GB")
    assert result.code == 0 and "warning: max_model_len 40000 is above the model's maximum context" in result.err
    assert report["warnings"] and "VLLM_ALLOW_LONG_MAX_MODEL_LEN" in report["warnings"][0]


@pytest.mark.parametrize("flags, message", [
    (("--framework", "transformers==4.46.0", "--max-num-seqs", "4"), "--max-num-seqs is a vLLM flag"),
    (("--framework", "vllm==0.9.2", "--gpu-memory-utilization", "1.5", "--gpu", "L4"), "at most 1"),
    (("--framework", "vllm==0.9.2", "--gpu", "L4", "--gpu-memory-gib", "22"), "pass one of them"),
    (("--framework", "vllm==0.9.2"), "pass --gpu"),
])
def test_bad_vllm_flags(flags, message):
    result = run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context", "1024",
                     *flags)
    assert result.code == 2 and message in result.err


def test_gpu_catalogue_has_cuda_totals_below_the_marketing_size():
    for gpu in CONTENT.gpus.values():
        if gpu.unified_memory:
            assert gpu.cuda_bytes is None
        else:
            assert 0.9 * gpu.memory_bytes < gpu.cuda_bytes < gpu.memory_bytes, gpu.name
            assert gpu.cuda_source
    assert CONTENT.gpus["H100-80GB"].cuda_bytes == pytest.approx(79.22 * GIB, abs=2 ** 20)


def test_every_log_is_expressible_with_the_command_line_flags():
    """Each log's settings, given as `estimate` flags, give the capacity the validation table publishes."""
    for item in validate(CONTENT).rows:
        log = item.log
        flags = ["--config", log.model, "--quantization", log.quantization, "--context", "1", "--framework",
                 log.framework, "--gpus", str(log.tensor_parallel), "--gpu-memory-utilization",
                 str(log.gpu_memory_utilization), "--max-model-len", str(log.max_model_len), "--kv-dtype",
                 log.kv_cache_dtype]
        flags += ["--gpu", log.gpu] if log.gpu else ["--gpu-memory-gib", repr(log.gpu_memory_bytes / GIB)]
        for name in ("engine", "max_num_seqs", "max_num_batched_tokens"):
            value = getattr(log, name)
            if value is not None:
                flags += ["--vllm-engine" if name == "engine" else "--" + name.replace("_", "-"), str(value)]
        if log.enforce_eager:
            flags.append("--enforce-eager")
        if log.flashinfer_sampler:
            flags.append("--flashinfer-sampler")
        result, report = estimate_json(*flags)
        if result.code == 0:
            assert report["kv_cache_capacity_tokens"] == item.estimated_tokens, log.id
        else:  # vLLM refused this one too (issue-10517-3090-29k): the refusal names the same capacity.
            assert f"holds {item.estimated_tokens} tokens" in result.err, (log.id, result.err)


# --- Issue 17: V1 as it runs today ------------------------------------------------------------------------------
def test_the_sampler_warm_up_sorts_38_bytes_per_logit_then_18_with_the_triton_kernel():
    a = arch("Llama-3.1-8B")
    # bf16 logits 2 + fp32 copy 4 + torch.sort's int64 index input 8 + sorted values 4 + indices 8 + cub's
    # alternate key/value buffers 4 + 8 = 38 bytes per logit (vllm/v1/sample/ops/topk_topp_sampler.py at v0.11.0).
    assert vllm.sampler_peak(a, 1024, 2) == 1024 * 128256 * 38
    # From v0.17.0: top-k/top-p in place (Triton); logits 2 + fp32 4 + probs 4 + noise 4 + probs / noise 4 = 18.
    assert vllm.sampler_peak(a, 1024, 2, "triton") == 1024 * 128256 * 18
    # The issue's v0.11 H100 logs: activation peaks of 4.8-7.4 GiB for 7-8B models at 1024 sequences.
    h100 = plan("Llama-3.1-8B", version="0.11.0", gpu="H100-80GB", max_model_len=8192)
    assert h100.max_num_seqs == 1024 and 4.5 <= h100.activation_peak / GIB <= 7.4


def test_v0_rank_zero_samples_and_the_engine_keeps_the_smallest_cache():
    # Issue #13061 (V0 0.7.2, 2 x RTX 4090, DeepSeek-R1-Distill-Qwen-14B): rank 1 profiles 0.19 GiB of
    # activations and 8.69 GiB of cache; the engine reports 81,536 tokens, rank 0's smaller cache.
    tp2 = plan("DeepSeek-R1-Distill-Qwen-14B", version="0.7.2", gpu="RTX 4090", tensor_parallel=2,
               gpu_memory_utilization=0.98, max_model_len=131072)
    assert tp2.activation_peak == vllm.sampler_peak(arch("DeepSeek-R1-Distill-Qwen-14B"), 256, 2)
    assert abs(tp2.capacity_tokens - 81536) / 81536 < 0.05


def test_hybrid_layout_groups_layers_by_attention_type():
    # Gemma-3-27B: 10 full and 52 sliding layers (window 1024). g = min(10, 52) = 10; groups 1 + ceil(52/10) = 7
    # (8 padding layers); num_blocks = budget // (page x 10); reported num_blocks // 7 x 16
    # (kv_cache_utils.py at v0.11.0). Against counting every layer as full: 62 / 70 of the tokens.
    a = arch("gemma-3-27b-it")
    assert (a.layers - a.sliding_window_layers, a.sliding_window_layers, a.sliding_window) == (10, 52, 1024)
    new = plan("gemma-3-27b-it", version="0.11.0", gpu="H200", max_model_len=8192)
    old = plan("gemma-3-27b-it", version="0.9.0", gpu="H200", max_model_len=8192, engine="v1")
    assert new.kv_groups == 7 and old.kv_groups == 1
    page = new.kv_bytes_per_token * vllm.BLOCK_TOKENS / a.layers
    assert new.num_blocks == int(new.kv_budget // (page * 10))
    assert new.capacity_tokens == new.num_blocks // 7 * vllm.BLOCK_TOKENS
    assert new.capacity_tokens / (new.kv_budget / new.kv_bytes_per_token) == pytest.approx(62 / 70, rel=0.01)


def test_sliding_layers_need_only_their_window_to_admit_max_model_len():
    # One 131072-token request: 10 full layers x 8192 pages + 52 sliding x (cdiv(1024 - 1 + 8192, 16) + 1) pages.
    a = arch("gemma-3-27b-it")
    p = plan("gemma-3-27b-it", version="0.11.0", gpu="H200", max_model_len=131072)
    page = p.kv_bytes_per_token * vllm.BLOCK_TOKENS / a.layers
    assert p.kv_needed_bytes == int((10 * 8192 + 52 * (-(-(1024 - 1 + 8192) // 16) + 1)) * page)
    assert p.kv_needed_bytes < 0.25 * 131072 * p.kv_bytes_per_token


def test_current_releases_subtract_cuda_graphs_and_default_to_092():
    """0.92 from v0.20.0 (vllm/config/cache.py); the CUDA-graph estimate from v0.21.0, as vLLM's own start-up line
    says: "CUDA graph memory profiling is enabled (default since v0.21.0)" (gpustack/runner PR #251)."""
    p19 = plan("Llama-3.1-8B", version="0.19.0", gpu="L40S", max_model_len=8192)
    p20 = plan("Llama-3.1-8B", version="0.20.0", gpu="L40S", max_model_len=8192)
    p21 = plan("Llama-3.1-8B", version="0.21.0", gpu="L40S", max_model_len=8192)
    eager = plan("Llama-3.1-8B", version="0.21.0", gpu="L40S", max_model_len=8192, enforce_eager=True)
    assert (p19.gpu_memory_utilization, p20.gpu_memory_utilization) == (0.9, 0.92)
    assert p19.cuda_graph_bytes == 0 and p20.cuda_graph_bytes == 0
    # 256 sequences: sizes [1, 2, 4] + range(8, 256, 8) + range(256, 513, 16) = 3 + 31 + 17 = 51 piecewise graphs,
    # 51 full decode graphs (all sizes <= 256 except 272..512: 35); none with --enforce-eager.
    sizes = vllm.cuda_graph_capture_sizes(256, 8192)
    assert len(sizes) == 51 and p21.cuda_graphs == 51 + sum(1 for n in sizes if n <= 256)
    assert p21.cuda_graph_bytes == p21.cuda_graphs * 24 * 2 ** 20
    assert eager.cuda_graphs == 0 and eager.kv_budget - p21.kv_budget == p21.cuda_graph_bytes


def test_releases_the_estimator_never_read_are_refused_and_the_bare_name_is_the_newest_modelled():
    result, _ = estimate_json("--config", "Llama-3.1-8B", "--quantization", "bf16", "--context", "1024",
                              "--framework", "vllm==0.34.0", "--gpu", "H100-80GB")
    assert result.code == 2 and result.err.count("\n") == 1 and "not modelled" in result.err
    assert "vllm==0.33.0" in result.err
    bare = parse_framework("vllm", CONTENT.frameworks)
    assert not bare.unmodelled and bare.min_version == (0, 28, 0)


def test_would_fit_respects_v1_free_memory_refusal():
    # V1 refuses to start when free memory < utilisation x total (issue #20305): 0.99 x 23.55 GiB is more than an
    # RTX 4090 has free after the CUDA context.
    result, _ = estimate_json("--config", "Llama-3.1-8B", "--quantization", "bf16", "--context", "1024",
                              "--framework", "vllm==0.11.0", "--gpu", "RTX 4090", "--gpu-memory-utilization", "0.99")
    assert result.code == 2 and "free memory" in result.err
    # The advice stops below that: (15.58 - 0.35) / 15.58 GiB on a 16 GB card rounds down to 0.97, never 0.99.
    rules = vllm_rules(parse_framework("vllm==0.11.0", CONTENT.frameworks))
    small = CONTENT.gpus["RTX 4060 Ti 16GB"].cuda_bytes
    assert vllm.max_utilisation(rules, small) == \
        int((small - vllm.STARTUP_USED_BYTES) / small * 100) / 100 <= vllm.MAX_SUGGESTED_UTILISATION == 0.98


def test_fp32_checkpoints_run_in_16_bits():
    _, fp32 = estimate_json("--config", "Qwen2.5-7B-Instruct", "--quantization", "fp32", "--context", "1024",
                            "--framework", "vllm==0.11.0", "--gpu", "A100-80GB", "--max-model-len", "8192")
    _, bf16 = estimate_json("--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--context", "1024",
                            "--framework", "vllm==0.11.0", "--gpu", "A100-80GB", "--max-model-len", "8192")
    assert fp32["kv_cache_capacity_tokens"] == bf16["kv_cache_capacity_tokens"]
    assert any("16 bits" in w for w in fp32["warnings"])


def test_deepseek_pads_v_to_the_k_head_before_mla_attention():
    a = arch("DeepSeek-V2-Lite")
    # Before v0.7.1 K and V share K's head size: qk_nope 128 + qk_rope 64 = 192 for both (V's 128 padded).
    assert vllm.kv_bytes_per_token_per_rank(a, 1, 2, False) == 2 * a.layers * a.heads * 192 * 2


def test_rocm_cards_skip_the_cuda_graph_estimate():
    # gpu_worker.determine_available_memory: "Skip on ROCm/HIP as graph pool handles and mem_get_info behave
    # differently" (v0.18.0 on).
    mi300 = plan("Llama-3.1-70B", version="0.21.0", gpu="MI300X", max_model_len=8192)
    h200 = plan("Llama-3.1-70B", version="0.21.0", gpu="H200", max_model_len=8192)
    assert mi300.cuda_graphs == 0 and h200.cuda_graphs > 0


def test_cards_of_160_gib_batch_16384_tokens_from_028():
    # EngineArgs at v0.28.0: "device_memory >= 160 * GiB_bytes" -> 16384 tokens for `vllm serve`; v0.27.0 has no
    # such tier. The B200 reports more than 160 GiB, the H200 less.
    assert CONTENT.gpus["B200"].cuda_bytes >= 160 * GIB > CONTENT.gpus["H200"].cuda_bytes
    new = plan("Llama-3.1-8B", version="0.28.0", gpu="B200", max_model_len=8192)
    old = plan("Llama-3.1-8B", version="0.27.0", gpu="B200", max_model_len=8192)
    h200 = plan("Llama-3.1-8B", version="0.28.0", gpu="H200", max_model_len=8192)
    assert (new.max_num_batched_tokens, new.max_num_seqs) == (16384, 1024)
    assert (old.max_num_batched_tokens, h200.max_num_batched_tokens) == (8192, 8192)


def test_every_log_is_expressible_on_the_command_line():
    """Each log's settings as `generator estimate` flags give the capacity (or the refusal) the validation shows."""
    estimates = {item.log.id: item.estimated_tokens for item in validate(CONTENT).rows}
    for log in CONTENT.vllm_logs.logs:
        flags = ["--config", log.model, "--quantization", log.quantization, "--context", str(log.max_model_len),
                 "--generate", "0", "--framework", log.framework, "--gpus", str(log.tensor_parallel),
                 "--gpu-memory-utilization", f"{log.gpu_memory_utilization:g}",
                 "--max-model-len", str(log.max_model_len)]
        flags += ["--gpu", log.gpu] if log.gpu else ["--gpu-memory-gib", f"{log.gpu_memory_bytes / GIB:.4f}"]
        for name in ("max_num_seqs", "max_num_batched_tokens"):
            if getattr(log, name):
                flags += [f"--{name.replace('_', '-')}", str(getattr(log, name))]
        flags += ["--vllm-engine", log.engine] if log.engine else []
        flags += ["--enforce-eager"] if log.enforce_eager else []
        flags += ["--flashinfer-sampler"] if log.flashinfer_sampler else []
        flags += ["--kv-dtype", log.kv_cache_dtype] if log.kv_cache_dtype != "auto" else []
        result, report = estimate_json(*flags)
        if log.observed_kind == "refused":
            assert result.code == 2 and "vLLM would not start" in result.err, log.id
        elif log.id in estimates and report is not None:
            assert report["kv_cache_capacity_tokens"] == estimates[log.id], log.id
        else:  # a log that vLLM itself refused after reporting its cache (issue #10517, 29k)
            assert result.code == 2 and "less than one max_model_len request" in result.err, log.id


def test_only_attention_layers_hold_kv_in_hybrid_state_models():
    # Qwen3-Next-80B-A3B: 48 layers, every fourth full attention (12), the rest Gated DeltaNet with a fixed state;
    # 2 KV heads x head_dim 256: 2 x 12 x 2 x 256 x 2 bytes = 24,576 bytes a token on one GPU.
    a = arch("Qwen3-Next-80B-A3B-Instruct")
    assert (a.layers, a.attention_layers) == (48, 12)
    assert vllm.kv_bytes_per_token_per_rank(a, 1, 2, False) == 2 * 12 * 2 * 256 * 2


# --- Issue 17, the data and the held-out check ------------------------------------------------------------------
# What the held-out logs (no `calibrated` field) reached when these limits were set: mean 0.99 %, worst 3.95 %
# (llmd-h100-qwen3-32b, +4.0 %: 4.45 GiB of cache after 61.03 GiB of weights, where 0.16 GiB is 4 %). The limits
# leave half a point on the mean and one point on the worst; the issue's targets (5 % and 15 %) stay the
# published ones (generator/calc/vllm_validation.py).
HELD_OUT_MEAN_LIMIT_PCT = 1.5
HELD_OUT_WORST_LIMIT_PCT = 5.0


def _hybrid(model_id) -> bool:
    """Sliding-window or chunked-local layers next to full ones, or state layers (Mamba / linear attention)."""
    a = arch(model_id)
    return bool(a.sliding_window_layers and a.sliding_window_layers < a.layers) or bool(a.layer_kinds)


def test_the_logs_file_holds_what_issue_17_asks_for():
    logs = CONTENT.vllm_logs.logs
    v1 = [log for log in logs if log.engine == "v1" or (log.engine is None and vllm_rules(
        parse_framework(log.framework, CONTENT.frameworks)).default_engine == "v1")]
    assert len(logs) >= 20
    assert len(v1) >= 10
    assert len([log for log in logs if log.tensor_parallel >= 2]) >= 5
    assert len({log.model for log in logs if _hybrid(log.model)}) >= 3
    for log in logs:
        assert log.url.startswith("https://") and log.lines, log.id
    # Every exclusion says why.
    assert len(CONTENT.vllm_logs.excluded) >= 10 and all(len(reason) > 40 for _, reason in CONTENT.vllm_logs.excluded)


def test_held_out_logs_capacity_within_the_limits():
    held_out = validate(CONTENT, held_out=True)
    calibrated = [log for log in CAPACITY_LOGS if log.calibrated]
    assert len(held_out.rows) >= 10 and len(held_out.rows) + len(calibrated) == len(CAPACITY_LOGS)
    assert held_out.mean_abs_error_pct <= HELD_OUT_MEAN_LIMIT_PCT, held_out.mean_abs_error_pct
    assert held_out.worst_abs_error_pct <= HELD_OUT_WORST_LIMIT_PCT, held_out.worst.log.id
    # The held-out logs cover both V1 tensor-parallel cases and a hybrid model, not only one GPU.
    ids = {row.log.id for row in held_out.rows}
    assert {"dennislee-a100-qwen2-7b-tp2-050", "fuhengwu-h200x8-llama-4-scout-5m", "llmd-h100-gpt-oss-20b"} <= ids


def test_v1_non_torch_memory_is_measured_before_nccl_and_grows_over_nvlink():
    # V1 from v0.9.2: one GPU 0.13 GiB (llm-d, "Non-torch memory: 0.13 GiB"); TP=2 on H100 0.54-0.55 GiB
    # (llm-d, Qwen3-32B and Llama-3.3-70B); TP=2 on A100 pods without P2P: 0.67 - 0.55 = 0.12 GiB more
    # (dennislee22, v0.10.1.1).
    h100 = plan("Qwen3-32B", version="0.11.0", gpu="H100-80GB", max_model_len=16000)
    h100_tp2 = plan("Qwen3-32B", version="0.11.0", gpu="H100-80GB", tensor_parallel=2, max_model_len=16000)
    a100_tp2 = plan("Qwen2-7B-Instruct", version="0.10.1.1", gpu="A100-80GB", tensor_parallel=2, max_model_len=16384)
    assert h100.non_torch / GIB == pytest.approx(0.13, abs=0.005)
    assert h100_tp2.non_torch / GIB == pytest.approx(0.54, abs=0.005)
    assert a100_tp2.non_torch / GIB == pytest.approx(0.25, abs=0.005)
    # V0 and V1 before v0.9.2 keep their figures: 0.1 + 0.2 at TP=2 (V0 logs 0.25 and 0.30 GiB).
    v0 = plan("Qwen2.5-32B-Instruct", version="0.7.1", gpu="L40S", tensor_parallel=2, max_model_len=10000)
    assert v0.non_torch / GIB == pytest.approx(0.30, abs=0.005)


def test_the_flashinfer_sampler_does_not_sort():
    # flashinfer.sampling.top_k_top_p_sampling_from_logits: bf16 logits 2 + fp32 4 + masked logits 4 + probs 4.
    a = arch("Qwen2-7B-Instruct")
    assert vllm.sampler_peak(a, 256, 2, "flashinfer") == 256 * 152064 * 14
    sort = plan("Qwen2-7B-Instruct", version="0.10.1.1", max_model_len=16384, gpu_memory_utilization=0.25)
    fast = plan("Qwen2-7B-Instruct", version="0.10.1.1", max_model_len=16384, gpu_memory_utilization=0.25,
                flashinfer_sampler=True)
    assert fast.activation_peak < sort.activation_peak and fast.capacity_tokens > sort.capacity_tokens
    # dennislee-a100-qwen2-7b-025 logs 5.01 GiB of cache: 19.81 - 14.25 (weights) - 0.55 outside weights and cache.
    assert fast.kv_budget / GIB == pytest.approx(5.01, abs=0.05)
    # V0 has no FlashInfer sampler path in this model: the flag changes nothing there.
    v0 = plan("Qwen2-7B-Instruct", version="0.7.2", max_model_len=4096, engine="v0", flashinfer_sampler=True)
    assert v0.activation_peak == plan("Qwen2-7B-Instruct", version="0.7.2", max_model_len=4096,
                                      engine="v0").activation_peak


def test_flashinfer_sampler_flag_is_a_vllm_flag():
    result = run_cli("estimate", "--config", "Qwen2-7B-Instruct", "--context", "1024", "--flashinfer-sampler")
    assert result.code == 2 and "--flashinfer-sampler is a vLLM flag" in result.err


def test_hybrid_state_models_page_the_state_with_the_attention_blocks():
    # vLLM grows the attention block until one attention page holds one state layer's page
    # (HybridAttentionMambaModelConfig: 16 x cdiv(mamba_page, 16 x attn_page_1_token)).
    # Qwen3-Next, one GPU: a Gated DeltaNet layer's state is conv 3 x 8192 x 2 bytes + recurrent 32 x 128 x 128 x 2
    # bytes = 1,097,728; an attention layer's K/V is 2 x 2 heads x 256 x 2 = 2,048 bytes a token -> 16 x 34 = 544.
    qwen = arch("Qwen3-Next-80B-A3B-Instruct")
    assert vllm.state_page_bytes(qwen, 1, 2) == 3 * 8192 * 2 + 32 * 128 * 128 * 2
    assert vllm.state_block_tokens(2 * 2 * 256 * 2, vllm.state_page_bytes(qwen, 1, 2)) == 544
    # NVIDIA-Nemotron-Nano-9B-v2: vLLM issue #24280 reports "672 tokens" for its attention page size.
    nemo = arch("NVIDIA-Nemotron-Nano-9B-v2")
    assert vllm.state_block_tokens(2 * 8 * 128 * 2, vllm.state_page_bytes(nemo, 1, 2)) == 672
    # Qwen3-Next at TP=2 on an H200 (v0.11.0): 12 attention + 36 state layers -> groups of 12: 1 + 3 groups;
    # the cache is 12 tensors of num_blocks = budget // (page x 12) pages, page = 544 x 1,024 bytes (one KV head
    # per rank); "GPU KV cache size" = num_blocks // 4 x 544 (v0.9.2-v0.20).
    p = plan("Qwen3-Next-80B-A3B-Instruct", version="0.11.0", gpu="H200", tensor_parallel=2, max_model_len=32768)
    page = 544 * 1024
    assert p.kv_groups == 4
    assert p.num_blocks == p.kv_budget // (page * 12)
    assert p.capacity_tokens == p.num_blocks // 4 * 544
    # One max_model_len request: cdiv(32768, 544) = 61 pages in each of 12 attention layers, one page per state layer.
    assert p.kv_needed_bytes == (12 * 61 + 36) * page
    # v0.21 on: max_concurrency x max_model_len, one request taking 61 attention pages and one page in 3 state groups.
    new = plan("Qwen3-Next-80B-A3B-Instruct", version="0.21.0", gpu="H200", tensor_parallel=2, max_model_len=32768)
    assert new.capacity_tokens == int(new.num_blocks / (61 + 3) * 32768)
    # "Maximum concurrency" counts one request's pages in every group, in every version: v0.11 reports a
    # "GPU KV cache size" of num_blocks // 4 x 544 (vLLM PR #40694 calls it misleading) but the concurrency is right.
    assert p.max_concurrency == p.num_blocks / (61 + 3) and new.max_concurrency == new.num_blocks / (61 + 3)
    assert p.max_concurrency > p.capacity_tokens / 32768
    # Nemotron-Nano-9B-v2: 4 attention + 27 Mamba2 layers -> groups of 4: 1 + 7 groups (one padding layer).
    assert plan("NVIDIA-Nemotron-Nano-9B-v2", version="0.11.0", max_model_len=32768).kv_groups == 8


def test_group_size_follows_vllm_rule_of_a_quarter():
    # kv_cache_utils: the fewest layers of a type, unless the most is under 1.25 x that (gpt-oss-20b + eagle:
    # 12 sliding + 13 full -> groups of 13).
    assert vllm.group_size((12, 13)) == 13
    assert vllm.group_size((10, 52)) == 10
    assert vllm.group_size((12, 36)) == 12


def test_maximum_concurrency_is_reported_as_vllm_logs_it():
    # One attention type: the "Maximum concurrency for 16,384 tokens per request: 72.76x" of
    # dennislee-a100-qwen2-7b-tp2-050 is its 1,192,160 tokens over 16,384; the estimate keeps that ratio.
    item = next(row for row in validate(CONTENT).rows if row.log.id == "dennislee-a100-qwen2-7b-tp2-050")
    assert item.plan.max_concurrency == item.plan.capacity_tokens / 16384
    assert abs(item.plan.max_concurrency - 72.76) / 72.76 < 0.01
    # Llama-4-Scout at 5,242,880 tokens (v0.12.0): the analysis logs 0.75x ("2,939,748 tokens (75%)"); 12 full
    # layers need the whole context, 36 chunked ones only chunk + batch, so the estimate is about 3,933,360 / 5,242,880.
    scout = next(row for row in validate(CONTENT).rows if row.log.id == "fuhengwu-h200x8-llama-4-scout-5m")
    assert abs(scout.plan.max_concurrency - 0.75) < 0.01
