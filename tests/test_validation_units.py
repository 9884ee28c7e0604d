"""generator/calc/validation.py on the Qwen2 speed benchmark (the survivors of benchmarks/mutation.py, scope
calc.validation): which rows the seed method's rate comes from, the signed error of each row, the per-model means,
and the attention the benchmark ran with.

Expected values come from the benchmark's own rows (content/benchmarks/qwen2-speed-benchmark.yaml, read here
directly): Qwen2-7B-Instruct BF16 measured 14.92 GiB at input 1 and 42.62 GiB at input 30720, so the seed post's rate
is (42.62 - 14.92) x 1024 / (30720 - 1) = 0.9234 MiB per token; its 6144 and 14336 rows, the other models and the
quantized rows do not enter it.
"""

from __future__ import annotations

import pytest

from generator.calc.estimator import GIB, estimate, parse_framework, parse_quantization
from generator.calc.validation import BenchmarkRow, seed_rate_mib_per_token, validate_against_benchmark
from generator.families.model_config import architecture_from_model_entry
from generator.engines.profiles import load_frameworks
from generator.core.yamlio import read_yaml_file

MODELS = {m["id"]: m for m in read_yaml_file("content/models.yaml")["models"]}
DATA = read_yaml_file("content/benchmarks/qwen2-speed-benchmark.yaml")["rows"]
TF438 = parse_framework("transformers==4.38.2", load_frameworks())


def _row(r):
    return BenchmarkRow(r["model"], architecture_from_model_entry(MODELS[r["model"]]), MODELS[r["model"]]["params_b"],
                        r["quantization"], r["input_length"], r["gpus"], r["memory_gib"])


ROWS = [_row(r) for r in DATA]
SEED_RATE = (42.62 - 14.92) * 1024 / (30720 - 1)


def test_the_seed_rate_comes_from_the_7b_bf16_rows_at_input_1_and_30720():
    assert SEED_RATE == pytest.approx(0.9234, abs=1e-4)
    assert seed_rate_mib_per_token(ROWS) == pytest.approx(SEED_RATE, rel=1e-12)


def test_two_bf16_rows_are_enough_and_one_is_refused():
    two = [r for r in ROWS if r.model == "Qwen2-7B-Instruct" and r.input_length in (1, 30720)]
    assert len(two) == 8  # BF16, GPTQ-Int8, GPTQ-Int4, AWQ at each length
    assert seed_rate_mib_per_token(two) == pytest.approx(SEED_RATE, rel=1e-12)
    one = [r for r in two if r.input_length == 1]
    with pytest.raises(ValueError) as caught:
        seed_rate_mib_per_token(one)
    assert str(caught.value) == ("the seed method takes its rate from two BF16 rows of one of Qwen2-7B-Instruct, "
                                 "Qwen2.5-7B-Instruct")


@pytest.fixture(scope="module")
def validation():
    return validate_against_benchmark(ROWS, TF438, generate=2048)


def test_each_rows_error_is_signed_and_relative_to_the_measurement(validation):
    for item in validation.rows:
        measured = item.row.measured_gib
        assert item.error_pct == pytest.approx(100 * (item.estimate_gib - measured) / measured, rel=1e-12)
        assert item.seed_error_pct == pytest.approx(100 * (item.seed_gib - measured) / measured, rel=1e-12)


def test_the_means_per_model_and_overall(validation):
    for model in {item.row.model for item in validation.rows}:
        errors = [abs(item.error_pct) for item in validation.rows if item.row.model == model]
        seed = [abs(item.seed_error_pct) for item in validation.rows if item.row.model == model]
        assert validation.per_model_mape[model] == pytest.approx(sum(errors) / len(errors), rel=1e-12)
        assert validation.per_model_seed_mape[model] == pytest.approx(sum(seed) / len(seed), rel=1e-12)
    seed = [abs(item.seed_error_pct) for item in validation.rows]
    assert validation.seed_mape == pytest.approx(sum(seed) / len(seed), rel=1e-12)


def test_the_benchmark_is_estimated_with_flash_attention_2_and_2048_new_tokens(validation):
    # The benchmark's environment (qwen2-speed-benchmark.yaml: "flash_attention: 2.3.3"); 2048 tokens generated.
    item = next(i for i in validation.rows if i.row.model == "Qwen2-7B-Instruct" and i.row.input_length == 1
                and i.row.quantization == "BF16")
    row = item.row
    est = estimate(row.arch, parse_quantization("bf16"), 1, TF438, generate=2048, batch=1, gpus=1,
                   attn="flash_attention_2")
    assert item.estimate_gib == est.peak / GIB


def test_without_a_7b_model_the_seed_rate_is_refused_with_its_reason():
    others = [r for r in ROWS if r.model not in ("Qwen2-7B-Instruct", "Qwen2.5-7B-Instruct")]
    with pytest.raises(ValueError, match="the seed method takes its rate from two BF16 rows of one of"):
        seed_rate_mib_per_token(others)


def test_the_worst_rows_are_the_rows_with_the_largest_errors(validation):
    assert validation.worst_row in validation.rows and validation.seed_worst_row in validation.rows
    assert abs(validation.worst_row.error_pct) == validation.worst_error_pct == \
        max(abs(item.error_pct) for item in validation.rows)
    assert abs(validation.seed_worst_row.seed_error_pct) == validation.seed_worst_error_pct == \
        max(abs(item.seed_error_pct) for item in validation.rows)


def test_the_batch_is_the_callers():
    rows = [r for r in ROWS if r.model == "Qwen2-7B-Instruct" and r.quantization == "BF16"]
    two = validate_against_benchmark(rows, TF438, generate=2048, batch=2)
    for item in two.rows:
        row = item.row
        est = estimate(row.arch, parse_quantization("bf16"), row.input_length, TF438, generate=2048, batch=2, gpus=1,
                       attn="flash_attention_2")
        assert item.estimate_gib == est.peak / GIB
