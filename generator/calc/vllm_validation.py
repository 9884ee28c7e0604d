"""The vLLM model against vLLM's own start-up logs: KV cache capacity in tokens, estimate vs log.

Pure: takes each log's settings (duck-typed: generator/catalogue/vllm_logs.py VllmLog) with its architecture and framework
profile, returns numbers. The estimate uses exactly the flags the CLI offers; nothing is fitted per log.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.calc import vllm
from generator.calc.architecture import Architecture
from generator.calc.estimator import GIB, FrameworkProfile, parse_kv_dtype, parse_quantization, vllm_rules, weight_bytes
from generator.core.errors import GeneratorError

# The targets the validation post states and tests/test_vllm.py holds the model to (issue 10).
TARGET_MEAN_ERROR_PCT = 5.0
TARGET_WORST_ERROR_PCT = 15.0


@dataclass(frozen=True)
class LogComparison:
    log: object
    observed_tokens: int
    estimated_tokens: int
    error_pct: float
    plan: vllm.VllmPlan


@dataclass(frozen=True)
class LogValidation:
    rows: tuple
    mean_abs_error_pct: float
    worst_abs_error_pct: float
    worst: LogComparison


def settings_of(log) -> vllm.VllmSettings:
    return vllm.VllmSettings(log.gpu_memory_bytes, log.gpu, log.tensor_parallel, log.gpu_memory_utilization,
                             log.max_model_len, log.max_num_seqs, log.max_num_batched_tokens, log.engine,
                             log.enforce_eager, log.kv_cache_dtype, flashinfer_sampler=log.flashinfer_sampler)


def observed_tokens(log, kv_bytes_per_token: float, layout=None) -> int:
    """The capacity the log reports, in tokens. A KV size in GiB ("Available KV cache memory") becomes what vLLM
    would report for that budget: whole 16-token blocks, through the hybrid layout where the version has it
    (``layout``: bytes -> reported tokens, generator/calc/vllm.py kv_layout)."""
    if log.observed_kind == "gpu_blocks":
        return int(log.observed_value) * vllm.BLOCK_TOKENS
    if log.observed_kind == "kv_cache_tokens":
        return int(log.observed_value)
    if layout is not None:
        return layout(log.observed_value * GIB)
    block = kv_bytes_per_token * vllm.BLOCK_TOKENS
    return int(log.observed_value * GIB // block) * vllm.BLOCK_TOKENS


def compare_log(log, arch: Architecture, framework: FrameworkProfile) -> LogComparison:
    quant = parse_quantization(log.quantization)
    kv_dtype = parse_kv_dtype(log.kv_cache_dtype)
    kv_value = None if kv_dtype.name == "16-bit" else kv_dtype.bytes_per_value
    weights, _ = weight_bytes(arch, quant)
    rules = vllm_rules(framework)
    plan = vllm.plan(arch, weights, quant.compute_bytes, rules, settings_of(log), log.max_model_len, kv_value,
                     quant.format)
    kv = quant.compute_bytes if kv_value is None else kv_value
    observed = observed_tokens(log, plan.kv_bytes_per_token, lambda budget: vllm.kv_layout(
        arch, log.tensor_parallel, kv, rules, plan.engine, plan.max_model_len, plan.max_num_batched_tokens,
        budget, quant.compute_bytes)[1])
    if observed <= 0:
        raise GeneratorError(f"log {log.id!r} reports less than one block of KV cache", log.path, log.line,
                             "check the figure and its unit")
    error = 100.0 * (plan.capacity_tokens - observed) / observed
    return LogComparison(log, observed, plan.capacity_tokens, error, plan)


@dataclass(frozen=True)
class RefusalCheck:
    log: object
    refusal: str | None           # the estimate's reason to refuse (None: the estimate says vLLM starts)
    plan: vllm.VllmPlan

    @property
    def agrees(self) -> bool:
        return self.refusal is not None


def check_refusal(log, arch: Architecture, framework: FrameworkProfile) -> RefusalCheck:
    """A log where vLLM did not start: does the estimate refuse the same settings?"""
    quant = parse_quantization(log.quantization)
    kv_dtype = parse_kv_dtype(log.kv_cache_dtype)
    kv_value = None if kv_dtype.name == "16-bit" else kv_dtype.bytes_per_value
    weights, _ = weight_bytes(arch, quant)
    rules = vllm_rules(framework)
    settings = settings_of(log)
    plan = vllm.plan(arch, weights, quant.compute_bytes, rules, settings, log.max_model_len, kv_value, quant.format)
    return RefusalCheck(log, vllm.check(arch, plan, rules, settings, log.max_model_len, kv_dtype.name), plan)


def validate_logs(comparisons) -> LogValidation:
    rows = tuple(comparisons)
    worst = max(rows, key=lambda c: abs(c.error_pct))
    mean = sum(abs(c.error_pct) for c in rows) / len(rows)
    return LogValidation(rows, mean, abs(worst.error_pct), worst)
