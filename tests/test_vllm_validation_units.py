"""generator/calc/vllm_validation.py reads each vLLM log as vLLM reports it and re-estimates it from the log's own
settings (the survivors of benchmarks/mutation.py, scope calc.vllm_validation: the targets test only bounds the mean
and the worst error, and no collected log sets kv_cache_dtype).

Expected values come from the logs' own figures and vLLM's rules, worked out here:
* "# GPU blocks: N" is N blocks of 16 tokens (vLLM's default block_size, 16);
* "Available KV cache memory: X GiB" (V1, one rank) is int(X GiB // page) blocks of 16 tokens, where a page holds
  16 tokens of K and V of every layer: 16 x layers x 2 x KV heads (per rank) x head_dim x bytes per value
  (vllm/v1/core/kv_cache_utils.py: num_blocks = available_memory // page_size_bytes // num_layers, the same);
  bf16 KV is 2 bytes a value, ``--kv-cache-dtype fp8`` 1 byte (vLLM docs, "Quantized KV Cache");
* the error column is (estimate - log) / log x 100 (the validation post's definition).
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from generator.calc.estimator import GIB, parse_framework
from generator.calc.vllm_validation import check_refusal, compare_log, observed_tokens, settings_of, validate_logs
from generator.core.errors import GeneratorError
from generator.catalogue.loading import load_content

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT = load_content(os.path.join(ROOT, "content"))
LOGS = {log.id: log for log in CONTENT.vllm_logs.logs}


def _compare(log):
    return compare_log(log, CONTENT.models[log.model].require_architecture(),
                       parse_framework(log.framework, CONTENT.frameworks))


def _refusal(log):
    return check_refusal(log, CONTENT.models[log.model].require_architecture(),
                         parse_framework(log.framework, CONTENT.frameworks))


# (log, its figure, the tokens vLLM reports for it). Bytes per token of K and V (bf16): Llama-3.1-8B 32 layers x 2 x
# 8 heads x 128 x 2 = 131,072; Qwen3-0.6B 28 x 2 x 8 x 128 x 2 = 114,688; Qwen3-32B 64 x 2 x 8 x 128 x 2 = 262,144,
# half per rank at TP=2; Llama-3.1-70B at TP=2: 80 x 2 x 8 x 128 x 2 / 2 = 163,840.
@pytest.mark.parametrize("log_id, tokens", [
    ("issue-10517-3090-20k", 1952 * 16),
    ("issue-15815-l40s-tp2", 3947 * 16),
    ("issue-13061-4090-tp2", 81536),
    ("llmd-h100-llama-3.1-8b", int(51.38 * GIB // (16 * 131072)) * 16),           # 26306 blocks
    ("llmd-h100-qwen3-0.6b-16k", int(64.45 * GIB // (16 * 114688)) * 16),
    ("llmd-h100-qwen3-32b", int(4.45 * GIB // (16 * 262144)) * 16),                # 1139 blocks
    ("llmd-h100-qwen3-32b-tp2", int(34.49 * GIB // (16 * 131072)) * 16),
    ("llmd-h100-llama-3.3-70b-fp8-tp2", int(32.0 * GIB // (16 * 163840)) * 16),    # 13107 blocks
])
def test_the_logs_figure_in_tokens(log_id, tokens):
    row = _compare(LOGS[log_id])
    assert row.observed_tokens == tokens
    assert row.error_pct == pytest.approx(100 * (row.estimated_tokens - tokens) / tokens, abs=1e-9)


def test_a_size_in_gib_in_whole_blocks_without_the_hybrid_layout():
    log = LOGS["llmd-h100-llama-3.1-8b"]
    assert observed_tokens(log, 131072) == 26306 * 16
    assert observed_tokens(log, 131072, layout=None) == 26306 * 16


def test_an_fp8_kv_cache_holds_twice_the_tokens():
    # The same log with --kv-cache-dtype fp8: 65,536 bytes a token, 51.38 GiB // (16 x 65536) = 52613 blocks.
    log = replace(LOGS["llmd-h100-llama-3.1-8b"], kv_cache_dtype="fp8")
    row = _compare(log)
    assert row.plan.kv_bytes_per_token == 32 * 2 * 8 * 128 * 1
    assert row.observed_tokens == 52613 * 16
    assert _refusal(log).plan.kv_bytes_per_token == 32 * 2 * 8 * 128 * 1


def test_the_estimate_refuses_exactly_the_logs_whose_own_cache_is_shorter_than_max_model_len():
    # vLLM refuses to start when one max_model_len request does not fit the cache it found ("larger than the maximum
    # number of tokens that can be stored in KV cache"): the logs that report a cache at least max_model_len long
    # started; the estimate must not refuse them, and must refuse the two whose logged cache is shorter. (Models with
    # sliding-window layers are left out: there vLLM compares the memory one request needs, its sliding layers
    # holding only their window, with the cache; tests/test_vllm.py covers them.)
    for log in CONTENT.vllm_logs.logs:
        if log.observed_kind == "refused" or CONTENT.models[log.model].require_architecture().sliding_window_layers:
            continue
        started = _compare(log).observed_tokens >= log.max_model_len
        assert (_refusal(log).refusal is None) == started, log.id


def test_a_log_of_less_than_one_block_is_refused_with_its_line():
    log = replace(LOGS["issue-10517-3090-20k"], observed_value=0)  # "# GPU blocks: 0"
    with pytest.raises(GeneratorError) as caught:
        _compare(log)
    error = caught.value
    assert error.message == ("log 'issue-10517-3090-20k' reports less than one block of KV cache")
    assert error.path == log.path and error.line == log.line and error.line > 0
    assert error.fix == "check the figure and its unit"
    # One block (16 tokens) is a cache.
    assert _compare(replace(log, observed_value=1)).observed_tokens == 16


def test_the_settings_are_the_logs_own():
    # issue #27508's log runs --max-num-batched-tokens 1024 on V1; the other flags as a log may state them.
    log = replace(LOGS["issue-27508-h100-gpt-oss-120b"], max_num_seqs=64, enforce_eager=True, kv_cache_dtype="fp8")
    settings = settings_of(log)
    assert (settings.gpu_memory_bytes, settings.gpu_name, settings.tensor_parallel) == \
        (log.gpu_memory_bytes, "H100-80GB", 1)
    assert (settings.gpu_memory_utilization, settings.max_model_len) == (0.95, 131072)
    assert (settings.max_num_seqs, settings.max_num_batched_tokens, settings.engine) == (64, 1024, "v1")
    assert (settings.enforce_eager, settings.kv_dtype, settings.flashinfer_sampler) == (True, "fp8", False)
    assert settings_of(LOGS["dennislee-a100-qwen2-7b-025"]).flashinfer_sampler is True


def test_the_worst_log_is_the_row_with_the_largest_error():
    rows = [_compare(log) for log in CONTENT.vllm_logs.logs if log.observed_kind != "refused"]
    result = validate_logs(rows)
    assert result.worst in rows and abs(result.worst.error_pct) == result.worst_abs_error_pct
    assert result.worst_abs_error_pct == max(abs(row.error_pct) for row in rows)
    assert result.mean_abs_error_pct == pytest.approx(sum(abs(row.error_pct) for row in rows) / len(rows))
