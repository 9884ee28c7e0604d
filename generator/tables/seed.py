"""The seed post's tables (load, context, benchmark) and the validation tables of the measured benchmarks and the
llama.cpp load logs, built from content records through the calculation module (the Table type is in table.py)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.calc import llamacpp_validation, seed_method, validation
from generator.calc.architecture import kv_cache_bytes_per_token as arch_kv_cache_bytes_per_token
from generator.calc.estimator import parse_framework
from generator.catalogue.loading import BenchmarkRow, Content
from generator.core.errors import GeneratorError
from generator.tables.table import Cell, Column, Row, Table, number_cell, value_cell


REPEATED = Cell("")
ABSENT = Cell("", absent=True)

PARAMS = Column("模型参数（B）", "g2")

LOAD_COLUMNS = (PARAMS, Column("参数使用的位数（bits）", "g2"), Column("加载需要显存（G）", "g2"))

CONTEXT_COLUMNS = (PARAMS, Column("加载显存（G）", "g2"), Column("上下文长度（Token）", "int"),
                   Column("上下文需要显存（G）", "f2"), Column("总计需要显存（G）", "f2"))

BENCHMARK_COLUMNS = (PARAMS, Column("卡数", "int"), Column("上下文长度（Token）", "int"), Column("显存使用（G）", "g2"),
                     Column("上下文长度差值（Token）", "int"), Column("显存使用差值（G）", "g2"),
                     Column("每 Token 使用显存（M）", "f2"))


def load_table(name: str, content: Content, models: list[str], bits: float) -> Table:
    """Memory to load each model's weights at ``bits`` per parameter."""
    rows = []
    for model_id in models:
        model = content.models[model_id]
        load = seed_method.load_memory_gib(model.params_b, bits)
        values = (model.params_b, bits, load)
        rows.append(Row(model_id, tuple(number_cell(v, c) for v, c in zip(values, LOAD_COLUMNS))))
    return Table(name, LOAD_COLUMNS, tuple(rows), aligned=False, caption=f"按 {bits:g} 位加载模型权重需要的显存")


@dataclass(frozen=True)
class ContextRow:
    """One model of a context table: where its load memory and its per-token rate come from."""

    model: str
    rate_from: BenchmarkRow
    load_from: BenchmarkRow | None  # None: the formula, parameters x bits / 8


def benchmark_baseline(content: Content, row: BenchmarkRow) -> BenchmarkRow:
    """The shortest-input row of the same model and quantization: the seed's "1 token" row."""
    same = [r for r in content.rows.values() if (r.model, r.quantization) == (row.model, row.quantization)]
    return min(same, key=lambda r: r.input_length)


def per_token_rate_mib(content: Content, row: BenchmarkRow) -> float:
    baseline = benchmark_baseline(content, row)
    if baseline is row:
        raise GeneratorError(f"benchmark row {row.label} is its model's shortest input, so it gives no per-token rate",
                             None, None, "take the rate from a longer row of the same model and quantization")
    return seed_method.per_token_mib(seed_method.memory_difference_gib(baseline.memory_gib, row.memory_gib),
                                     seed_method.token_difference(baseline.input_length, row.input_length))


def context_table(name: str, content: Content, rows: list[ContextRow], tokens: list[int], bits: float) -> Table:
    """Load memory plus tokens x a benchmark row's per-token rate, for each model and context length."""
    table_rows = []
    params_c, load_c, tokens_c, context_c, total_c = CONTEXT_COLUMNS
    for spec in rows:
        model = content.models[spec.model]
        if spec.load_from is None:
            load = seed_method.load_memory_gib(model.params_b, bits)
        else:
            load = spec.load_from.memory_gib
        rate = per_token_rate_mib(content, spec.rate_from)
        for index, count in enumerate(tokens):
            context = seed_method.context_memory_gib(count, rate)
            total = seed_method.total_memory_gib(load, context)
            first = index == 0
            cells = (number_cell(model.params_b, params_c) if first else REPEATED,
                     number_cell(load, load_c) if first else REPEATED,
                     number_cell(count, tokens_c), number_cell(context, context_c), number_cell(total, total_c))
            table_rows.append(Row(f"{spec.model}, {count} tokens", cells))
    return Table(name, CONTEXT_COLUMNS, tuple(table_rows), tuple(rows), aligned=False,
                 caption=f"{bits:g} 位模型在不同上下文长度下需要的显存")


def benchmark_table(name: str, content: Content, models: list[str], quantization: str) -> Table:
    """Benchmark rows of each model, their growth over the shortest input, and the per-token rate.

    The highest rate of each model is bold: the conservative choice, and the one the seed used.
    """
    params_c, gpus_c, length_c, memory_c, dlength_c, dmemory_c, rate_c = BENCHMARK_COLUMNS
    table_rows = []
    for model_id in models:
        measured = sorted((r for r in content.rows.values() if (r.model, r.quantization) == (model_id, quantization)),
                          key=lambda r: r.input_length)
        if len(measured) < 2:
            raise GeneratorError(f"the benchmark has {len(measured)} {quantization} row(s) of {model_id}; "
                                 "a benchmark table needs at least two", None, None,
                                 "choose a model and quantization that the benchmark measured at two lengths")
        baseline, longer = measured[0], measured[1:]
        rates = {row.key: per_token_rate_mib(content, row) for row in longer}
        highest = max(rates.values())
        model = content.models[model_id]
        table_rows.append(Row(baseline.label, (
            number_cell(model.params_b, params_c), number_cell(baseline.gpus, gpus_c), number_cell(baseline.input_length, length_c),
            number_cell(baseline.memory_gib, memory_c), ABSENT, ABSENT, ABSENT)))
        for row in longer:
            rate = rates[row.key]
            table_rows.append(Row(row.label, (
                REPEATED, number_cell(row.gpus, gpus_c), number_cell(row.input_length, length_c),
                number_cell(row.memory_gib, memory_c),
                number_cell(seed_method.token_difference(baseline.input_length, row.input_length), dlength_c),
                number_cell(seed_method.memory_difference_gib(baseline.memory_gib, row.memory_gib), dmemory_c),
                number_cell(rate, rate_c, bold=rate == highest))))
    return Table(name, BENCHMARK_COLUMNS, tuple(table_rows), aligned=False,
                 caption=f"{quantization} 实测：显存随上下文长度的增长，以及每 Token 的显存")


def _architecture(content: Content, model_id: str):
    return content.models[model_id].require_architecture()


def kv_cache_bytes_per_token(content: Content, model_id: str, bytes_per_value: float) -> float:
    """K and V of every layer for one token (full attention, no sliding window)."""
    return arch_kv_cache_bytes_per_token(_architecture(content, model_id), bytes_per_value)


def logits_bytes_per_token(content: Content, model_id: str, bytes_per_value: float) -> float:
    """One position's logits: vocabulary x bytes (6 = a bf16 and an fp32 copy alive together)."""
    return _architecture(content, model_id).vocab_size * bytes_per_value


VALIDATION_COLUMNS = (Column("模型", "text"), Column("量化", "text"), Column("输入长度（Token）", "intc"),
                      Column("卡数", "int"), Column("实测峰值（GiB）", "g2"), Column("本文估算（GiB）", "f2"),
                      Column("本文误差", "spct1"), Column("原方法估算（GiB）", "f2"), Column("原方法误差", "spct1"))

SUMMARY_COLUMNS = (Column("模型", "text"), Column("行数", "int"), Column("本文平均绝对误差", "pct1"),
                   Column("本文最大绝对误差", "pct1"), Column("原方法平均绝对误差", "pct1"),
                   Column("原方法最大绝对误差", "pct1"))


def _benchmark_setting(content: Content, benchmark_id: str):
    """The framework, new tokens and batch size the benchmark ran with, from its environment."""
    benchmark = content.benchmarks.get(benchmark_id)
    if benchmark is None:
        raise GeneratorError(f"unknown benchmark {benchmark_id!r}",
                             fix="use one of: " + ", ".join(sorted(content.benchmarks)))
    environment = benchmark.environment
    for key in ("transformers", "generated_tokens", "batch_size"):
        if key not in environment:
            raise GeneratorError(f"the benchmark's environment has no {key!r}", benchmark.path,
                                 getattr(environment, "line", None),
                                 f"add {key} to its environment")
    framework = parse_framework(f"transformers=={environment['transformers']}", content.frameworks)
    return benchmark, framework, int(environment["generated_tokens"]), int(environment["batch_size"])


def validate_benchmark(content: Content, benchmark_id: str) -> validation.ValidationResult:
    benchmark, framework, generate, batch = _benchmark_setting(content, benchmark_id)
    rows = []
    for row in benchmark.rows:
        model = content.models[row.model]
        rows.append(validation.BenchmarkRow(row.model, _architecture(content, row.model), model.params_b,
                                            row.quantization,
                                            row.input_length, row.gpus, row.memory_gib))
    return validation.validate_against_benchmark(rows, framework, generate=generate, batch=batch)


def validation_table(name: str, content: Content, benchmark_id: str) -> Table:
    """Every benchmark row: measured peak, this estimator's, the seed method's, and their signed errors."""
    result = validate_benchmark(content, benchmark_id)
    rows = []
    for item in result.rows:
        row = item.row
        values = (row.model, row.quantization, row.input_length, row.gpus, row.measured_gib, item.estimate_gib,
                  item.error_pct, item.seed_gib, item.seed_error_pct)
        rows.append(Row(f"{row.model} {row.quantization} {row.input_length} tokens",
                        tuple(value_cell(v, c) for v, c in zip(values, VALIDATION_COLUMNS))))
    return Table(name, VALIDATION_COLUMNS, tuple(rows), caption=f"{benchmark_id} 的每一行：实测峰值与两种估算",
                 row_header_columns=2)


def validation_summary_table(name: str, content: Content, benchmark_id: str) -> Table:
    """Per model and overall: mean and worst absolute error of this estimator and of the seed's method."""
    result = validate_benchmark(content, benchmark_id)
    groups: dict[str, list] = {}
    for item in result.rows:
        groups.setdefault(item.row.model, []).append(item)
    groups["全部"] = list(result.rows)
    rows = []
    for label, items in groups.items():
        ours = [abs(i.error_pct) for i in items]
        seed = [abs(i.seed_error_pct) for i in items]
        values = (label, len(items), sum(ours) / len(ours), max(ours), sum(seed) / len(seed), max(seed))
        rows.append(Row(label, tuple(value_cell(v, c) for v, c in zip(values, SUMMARY_COLUMNS))))
    role = content.benchmarks[benchmark_id].role
    caption = "估算误差汇总：按模型和全部行" + ("（校准数据：估算器的常数是对照这些行选定的）" if role == "calibration"
                                             else "（留出数据：没有常数是对照这些行选定的）")
    return Table(name, SUMMARY_COLUMNS, tuple(rows), caption=caption)


LLAMACPP_COLUMNS = (Column("日志", "text"), Column("模型", "text"), Column("量化", "text"), Column("n_ctx", "int"),
                    Column("flash attention", "text"), Column("KV 实测（MiB）", "f2"), Column("KV 估算（MiB）", "f2"),
                    Column("KV 误差", "spct1"), Column("合计实测（MiB）", "f2"), Column("合计估算（MiB）", "f2"),
                    Column("合计误差", "spct1"))
LLAMACPP_SUMMARY_COLUMNS = (Column("项目", "text"), Column("日志数", "int"), Column("平均绝对误差", "pct1"),
                            Column("最大绝对误差", "pct1"))


def validate_llamacpp_logs(content: Content):
    """Every llama.cpp load log against this estimator, each with the profile of its build."""
    if not content.llamacpp_logs:
        raise GeneratorError("no llama.cpp load logs", fix="add content/benchmarks/llamacpp-load-logs.yaml")

    def profile_of(build):
        return parse_framework(f"llama.cpp==b{build or 0}", content.frameworks)

    return llamacpp_validation.validate_logs(content.llamacpp_logs, profile_of)


def llamacpp_validation_table(name: str, content: Content) -> Table:
    """Each log: KV buffer and model + KV + compute buffers as llama.cpp printed them and as estimated."""
    rows = []
    for item in validate_llamacpp_logs(content).rows:
        log = item.log
        values = (log.id, log.model, log.quantization, log.n_ctx, "on" if log.flash_attn else "off", log.kv_mib,
                  item.kv_mib, item.kv_error_pct, log.total_mib, item.total_mib, item.total_error_pct)
        rows.append(Row(log.id, tuple(value_cell(v, c) for v, c in zip(values, LLAMACPP_COLUMNS))))
    return Table(name, LLAMACPP_COLUMNS, tuple(rows), caption="llama.cpp 加载日志：KV 与合计缓冲区，实测与估算")


def llamacpp_validation_summary_table(name: str, content: Content) -> Table:
    """Mean and worst absolute error over all logs: the KV buffer, the model buffer, the compute buffer, all three."""
    rows = validate_llamacpp_logs(content).rows
    held_out = all(row.log.role == "held-out" for row in rows)
    parts = (("KV cache", lambda r: r.kv_error_pct), ("模型权重", lambda r: r.model_error_pct),
             ("计算缓冲区", lambda r: r.compute_error_pct), ("合计", lambda r: r.total_error_pct))
    out = []
    for label, error in parts:
        errors = [abs(error(r)) for r in rows]
        values = (label, len(errors), sum(errors) / len(errors), max(errors))
        out.append(Row(label, tuple(value_cell(v, c) for v, c in zip(values, LLAMACPP_SUMMARY_COLUMNS))))
    caption = "llama.cpp 加载日志（留出数据）的估算误差汇总" if held_out else "llama.cpp 加载日志的估算误差汇总"
    return Table(name, LLAMACPP_SUMMARY_COLUMNS, tuple(out), caption=caption)
