"""The vLLM validation tables: each start-up log of content/benchmarks/vllm-startup-logs.yaml against the estimate.

The numbers come from generator/calc/vllm_validation.py; these functions only name the cells.
"""

from __future__ import annotations

from generator.calc.estimator import parse_framework, parse_quantization
from generator.calc.vllm_validation import check_refusal, compare_log, validate_logs
from generator.catalogue.loading import Content
from generator.core.errors import GeneratorError
from generator.tables.table import Column, Row, Table, value_cell

VALIDATION_COLUMNS = (Column("日志", "text"), Column("模型", "text"), Column("量化", "text"), Column("显卡", "text"),
                      Column("卡数", "int"), Column("vLLM", "text"), Column("引擎", "text"),
                      Column("gpu_memory_utilization", "g2"), Column("max_model_len", "int"),
                      Column("日志 KV cache（Token）", "int"), Column("估算（Token）", "int"), Column("误差", "spct1"),
                      Column("用途", "text"))
SUMMARY_COLUMNS = (Column("日志数", "int"), Column("平均绝对误差", "pct1"), Column("最大绝对误差", "pct1"),
                   Column("最大误差的日志", "text"))


def vllm_logs(content: Content):
    if content.vllm_logs is None or not content.vllm_logs.logs:
        raise GeneratorError("no vLLM start-up logs", "content/benchmarks/vllm-startup-logs.yaml", None,
                             "add the file with at least one log")
    return content.vllm_logs


def validate(content: Content, held_out: bool = False):
    """Every log that reports a cache (``held_out``: only those no constant was calibrated on)."""
    comparisons = []
    for log in vllm_logs(content).logs:
        if log.observed_kind == "refused" or (held_out and log.calibrated):
            continue
        arch = content.models[log.model].require_architecture()
        comparisons.append(compare_log(log, arch, parse_framework(log.framework, content.frameworks)))
    return validate_logs(comparisons)


def _gpu_label(log) -> str:
    return log.gpu or f"{log.gpu_memory_bytes / 2 ** 30:.2f} GiB"


def vllm_validation_table(name: str, content: Content) -> Table:
    """Every log: its settings, the capacity it reports, the estimate, the signed error and whether a constant of
    generator/calc/vllm.py was set from it (校准) or it is held out (留出)."""
    rows = []
    for item in validate(content).rows:
        log = item.log
        values = (log.id, log.model, parse_quantization(log.quantization).name, _gpu_label(log), log.tensor_parallel,
                  log.version, item.plan.engine.upper(), log.gpu_memory_utilization, log.max_model_len,
                  item.observed_tokens, item.estimated_tokens, item.error_pct, "校准" if log.calibrated else "留出")
        rows.append(Row(log.id, tuple(value_cell(v, c) for v, c in zip(values, VALIDATION_COLUMNS))))
    return Table(name, VALIDATION_COLUMNS, tuple(rows), caption="vLLM 启动日志中的 KV cache 容量与本文估算")


REFUSAL_COLUMNS = (Column("日志", "text"), Column("模型", "text"), Column("量化", "text"), Column("显卡", "text"),
                   Column("卡数", "int"), Column("vLLM", "text"), Column("gpu_memory_utilization", "g2"),
                   Column("max_model_len", "int"), Column("估算是否拒绝启动", "text"))


def refusals(content: Content) -> tuple:
    found = []
    for log in vllm_logs(content).logs:
        if log.observed_kind == "refused":
            arch = content.models[log.model].require_architecture()
            found.append(check_refusal(log, arch, parse_framework(log.framework, content.frameworks)))
    return tuple(found)


def vllm_refusal_table(name: str, content: Content) -> Table:
    """The logs where vLLM refused to start, and whether the estimate refuses the same settings."""
    rows = []
    for item in refusals(content):
        log = item.log
        values = (log.id, log.model, parse_quantization(log.quantization).name, _gpu_label(log), log.tensor_parallel,
                  log.version, log.gpu_memory_utilization, log.max_model_len, "拒绝" if item.agrees else "启动")
        rows.append(Row(log.id, tuple(value_cell(v, c) for v, c in zip(values, REFUSAL_COLUMNS))))
    return Table(name, REFUSAL_COLUMNS, tuple(rows), caption="vLLM 拒绝启动的日志与本文估算")


def vllm_validation_summary_table(name: str, content: Content) -> Table:
    result = validate(content, held_out=True)
    values = (len(result.rows), result.mean_abs_error_pct, result.worst_abs_error_pct, result.worst.log.id)
    return Table(name, SUMMARY_COLUMNS, (Row("全部", tuple(value_cell(v, c) for v, c in zip(values, SUMMARY_COLUMNS))),),
                 caption="vLLM 启动日志：估算误差汇总")
