"""Compare the estimator with measured peak memory (the Qwen2 speed benchmark), next to the seed post's method.

Pure: takes rows already read, returns numbers (no formatting).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.calc import seed_method
from generator.calc.architecture import Architecture
from generator.calc.estimator import GIB, FrameworkProfile, estimate, parse_quantization

# The seed post's method: load = params_b x bits / 8 GiB, context = input tokens x a per-token rate taken from one
# measured pair (Qwen2-7B-Instruct BF16 at input 30720 and at input 1). On the Qwen2.5 edition of the benchmark
# (held out, content/benchmarks/qwen25-speed-benchmark.yaml) the same pair of its 7B model stands in.
SEED_BITS = {"bf16": 16, "gptq-int8": 8, "gptq-int4": 4, "awq-int4": 4}
SEED_RATE_MODEL = "Qwen2-7B-Instruct"
SEED_RATE_MODELS = (SEED_RATE_MODEL, "Qwen2.5-7B-Instruct")


@dataclass(frozen=True)
class BenchmarkRow:
    model: str
    arch: Architecture
    params_b: float
    quantization: str
    input_length: int
    gpus: int
    measured_gib: float


@dataclass(frozen=True)
class RowComparison:
    row: BenchmarkRow
    estimate_gib: float
    error_pct: float
    seed_gib: float
    seed_error_pct: float


@dataclass(frozen=True)
class ValidationResult:
    rows: tuple
    per_model_mape: dict
    per_model_seed_mape: dict
    mape: float
    worst_error_pct: float
    worst_row: RowComparison
    seed_mape: float
    seed_worst_error_pct: float
    seed_worst_row: RowComparison
    seed_rate_mib_per_token: float


def seed_rate_mib_per_token(rows) -> float:
    """(memory at the longest input - memory at input 1) x 1024 / (longest - 1), for the 7B model's BF16 rows."""
    models = {r.model for r in rows}
    model = next((m for m in SEED_RATE_MODELS if m in models), SEED_RATE_MODEL)
    pairs = sorted((r.input_length, r.measured_gib) for r in rows
                   if r.model == model and parse_quantization(r.quantization).name == "bf16")
    if len(pairs) < 2:
        raise ValueError(f"the seed method takes its rate from two BF16 rows of one of {', '.join(SEED_RATE_MODELS)}")
    (short, mem_short), (long, mem_long) = pairs[0], pairs[-1]
    return seed_method.per_token_mib(seed_method.memory_difference_gib(mem_short, mem_long),
                                     seed_method.token_difference(short, long))


def seed_estimate_gib(row: BenchmarkRow, rate_mib: float) -> float:
    bits = SEED_BITS[parse_quantization(row.quantization).name]
    return seed_method.total_memory_gib(seed_method.load_memory_gib(row.params_b, bits),
                                        seed_method.context_memory_gib(row.input_length, rate_mib))


def _error(estimated: float, measured: float) -> float:
    return 100.0 * (estimated - measured) / measured


def validate_against_benchmark(rows, framework: FrameworkProfile, generate: int = 2048, batch: int = 1):
    """Per-row estimate vs measurement (signed error %), per-model and overall mean absolute % error."""
    rows = list(rows)
    rate = seed_rate_mib_per_token(rows)
    compared = []
    for row in rows:
        quant = parse_quantization(row.quantization)
        # The benchmark ran with flash attention 2 (its environment's attention), not the library's default SDPA.
        est = estimate(row.arch, quant, row.input_length, framework, generate=generate, batch=batch, gpus=row.gpus,
                       attn="flash_attention_2")
        est_gib = est.peak / GIB
        seed_gib = seed_estimate_gib(row, rate)
        compared.append(RowComparison(row, est_gib, _error(est_gib, row.measured_gib), seed_gib,
                                      _error(seed_gib, row.measured_gib)))
    per_model, per_model_seed = {}, {}
    for item in compared:
        per_model.setdefault(item.row.model, []).append(abs(item.error_pct))
        per_model_seed.setdefault(item.row.model, []).append(abs(item.seed_error_pct))
    worst = max(compared, key=lambda c: abs(c.error_pct))
    seed_worst = max(compared, key=lambda c: abs(c.seed_error_pct))
    return ValidationResult(
        rows=tuple(compared),
        per_model_mape={m: sum(v) / len(v) for m, v in per_model.items()},
        per_model_seed_mape={m: sum(v) / len(v) for m, v in per_model_seed.items()},
        mape=sum(abs(c.error_pct) for c in compared) / len(compared),
        worst_error_pct=abs(worst.error_pct), worst_row=worst,
        seed_mape=sum(abs(c.seed_error_pct) for c in compared) / len(compared),
        seed_worst_error_pct=abs(seed_worst.seed_error_pct), seed_worst_row=seed_worst,
        seed_rate_mib_per_token=rate,
    )
