"""Charts of the updated edition and the model pages: which numbers each chart shows.

The numbers come from the same estimator and tables as the published tables; generator/charts.py draws them.
"""

from __future__ import annotations

from . import charts
from .i18n import DEFAULT_LANGUAGE, text
from .calc.estimator import GIB, parse_quantization
from .errors import GeneratorError
from .guide_tables import Estimator, tokens_label
from .tables import Table, validate_benchmark

# The phases of an estimate a stacked bar shows, bottom to top.
BREAKDOWN = (("weights", "权重"), ("kv_cache", "KV cache"), ("activations", "激活与 logits"), ("overhead", "框架开销"))


def _runs(runs, size: int, example: str) -> list:
    if not isinstance(runs, (list, tuple)) or not runs or \
            any(not isinstance(r, (list, tuple)) or len(r) != size for r in runs):
        raise GeneratorError(f"runs must be a non-empty list of {size}-item lists, not {runs!r}",
                             fix=f"write runs=[{example}]")
    return list(runs)


def _drawn(function, *args, **kwargs) -> str:
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        raise GeneratorError(f"cannot draw the chart: {exc}", fix="check the chart call's arguments") from None


def _reference_lines(estimator: Estimator, gpus) -> list[tuple[str, float]]:
    lines, seen = [], set()
    for gpu in gpus:
        gib = estimator.gpu_bytes(gpu) / GIB
        if gib not in seen:
            seen.add(gib)
            lines.append((f"{gpu} {gib:g} GiB", gib))
    return lines


def context_chart(estimator: Estimator, title: str, runs, contexts, framework: str, gpus=(),
                  label_with_model: bool = True, lang: str = DEFAULT_LANGUAGE) -> str:
    """Peak memory against context length, one line per (model, quantization), with cards as reference lines."""
    series = []
    for model_id, quantization in _runs(runs, 2, '["Qwen2.5-7B-Instruct", "bf16"]'):
        points = [(t, estimator(model_id, quantization, t, framework).peak / GIB)
                  for t in contexts if t <= estimator.max_context(model_id)]
        name = parse_quantization(quantization).name
        series.append((f"{model_id} {name}" if label_with_model else name, points))
    return _drawn(charts.line_chart, title, text("上下文长度（Token）", lang), text("峰值显存（GiB）", lang), series,
                  reference_lines=_reference_lines(estimator, gpus))


def breakdown_chart(estimator: Estimator, title: str, runs, context: int, framework: str,
                    lang: str = DEFAULT_LANGUAGE) -> str:
    """What the peak is made of, per (model, quantization), at one context length."""
    runs = _runs(runs, 2, '["Qwen2.5-7B-Instruct", "bf16"]')
    results = [estimator(m, q, context, framework) for m, q in runs]
    categories = [f"{m} {parse_quantization(q).name}" for m, q in runs]
    segments = [(text(label, lang), [getattr(r, field) / GIB for r in results]) for field, label in BREAKDOWN]
    return _drawn(charts.stacked_bar_chart, text(f"{title}（{tokens_label(context)} 上下文）", lang),
                  text("显存（GiB）", lang),
                  categories, segments)


def validation_chart(content, title: str, benchmark_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Estimated against measured peak for every benchmark row, this estimator beside the seed's method."""
    result = validate_benchmark(content, benchmark_id)
    points = [(text("本文估算", lang), r.row.measured_gib, r.estimate_gib) for r in result.rows]
    points += [(text("原方法", lang), r.row.measured_gib, r.seed_gib) for r in result.rows]
    return _drawn(charts.scatter_chart, title, text("实测峰值（GiB）", lang), text("估算峰值（GiB）", lang), points)


def model_chart(estimator: Estimator, model_id: str, quantizations, contexts, gpus, framework: str) -> str:
    """A model page's chart: peak against context, one line per quantization, and the cards near that range."""
    runs = [[model_id, q] for q in quantizations]
    biggest = max(estimator(model_id, q, max(contexts), framework).peak / GIB for q in quantizations)
    # Reference lines only for cards within reach of the lines, so the chart's scale stays readable.
    cards = [g for g in gpus if estimator.gpu_bytes(g) / GIB <= max(24.0, biggest * 1.25)]
    return context_chart(estimator, f"{model_id}：峰值显存与上下文长度", runs, contexts, framework, cards[-4:],
                         label_with_model=False)


SEED_HEADER = ("Memory to load an LLM's weights at 16 bits", "GiB")


def seed_header_data(load_table: Table) -> dict:
    """The seed post's header image: its load table as bars (English labels: the PNG font has no CJK)."""
    title, unit = SEED_HEADER
    categories = [f"{row.cells[0].text}B" for row in load_table.rows]
    values = [row.cells[2].value for row in load_table.rows]
    return charts.png_bar_chart_data(title, categories, values, unit)


def seed_header_png(data: dict) -> bytes:
    return charts.png_bar_chart(data["title"], data["categories"], data["values"], data["unit"])
