"""Charts of the updated edition and the model pages: which numbers each chart shows.

The numbers come from the same estimator and tables as the published tables; generator/tables/svg.py draws them.
"""

from __future__ import annotations

from generator.calc.estimator import GIB, parse_quantization
from generator.core import memo
from generator.core.errors import GeneratorError
from generator.render.formatting import format_number
from generator.render.i18n import DEFAULT_LANGUAGE, text
from generator.tables import svg as charts
from generator.tables.estimates import Estimator, tokens_label
from generator.tables.seed import validate_benchmark
from generator.tables.table import Table

# The phases of an estimate a stacked bar shows, bottom to top.
BREAKDOWN = (("weights", "权重"), ("kv_cache", "KV cache"), ("activations", "激活与 logits"), ("overhead", "框架开销"))


def _runs(runs, size: int, example: str) -> list:
    if not isinstance(runs, (list, tuple)) or not runs or \
            any(not isinstance(r, (list, tuple)) or len(r) != size for r in runs):
        raise GeneratorError(f"runs must be a non-empty list of {size}-item lists, not {runs!r}",
                             fix=f"write runs=[{example}]")
    return list(runs)


def _drawn(function, *args, **kwargs) -> str:
    """The chart's SVG. Drawing is a pure function of the numbers and labels passed here (computed afresh by
    every build and check), so the SVG comes from the cache of rendered bytes (memo.py) when those are the same."""
    def draw() -> bytes:
        try:
            return function(*args, **kwargs).encode("utf-8")
        except ValueError as exc:
            raise GeneratorError(f"cannot draw the chart: {exc}", fix="check the chart call's arguments") from None
    inputs = (args, sorted(kwargs.items()))
    parts = [function.__qualname__, repr(inputs)] if _plain(inputs) else None
    return memo.cached("svg", parts, draw).decode("utf-8")


def _plain(value) -> bool:
    """Only text, numbers and lists of them: values whose repr() is all there is to them."""
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return value is None or type(value) in (str, int, float, bool)


def _reference_lines(estimator: Estimator, gpus) -> list[tuple[str, float]]:
    lines, seen = [], set()
    for gpu in gpus:
        # The line is what a run may use on the card (the CUDA total, a Mac's Metal working set).
        gib = round(estimator.limit_bytes(gpu) / GIB, 2)
        if gib not in seen:
            seen.add(gib)
            lines.append((f"{gpu} {gib:g} GiB", gib))
    return lines


def _gib(value: float) -> str:
    return format_number(value, "f2")


# The alt texts' sentences (a chart's takeaway, computed from its data), by language.
_TAKEAWAY = {
    "zh-CN": {"rise": "{name} 从 {first} 的 {low} GiB 升到 {last} 的 {high} GiB",
              "context": "{title}：峰值显存随上下文长度增长，{rises}。", "join": "；",
              "all": "{card} 装得下图中全部组合。", "some": "{card} 在图中每个长度都装得下的：{names}。",
              "none": "{card} 装不下图中任何一条线的全部长度。", "names": "、",
              "bars": "{title}：{top} 最多，{top_gib} GiB，其中权重占 {share}%；{bottom} 最少，{bottom_gib} GiB。"
                      "每根柱子自下而上：{segments}。",
              "bar": "{title}：{top} 需要 {top_gib} GiB，其中权重占 {share}%。自下而上：{segments}。",
              "errors": "平均绝对误差 {mean}，{rows} 行中 {within} 行在 ±10% 以内",
              "validation": "{title}：本文估算{ours}；原方法{seed}。两轴均为对数刻度，对角线表示估算等于实测。"},
    "en": {"rise": "{name} rises from {low} GiB at {first} to {high} GiB at {last}",
           "context": "{title}: peak memory grows with the context; {rises}.", "join": "; ",
           "all": " {card} holds every line.", "some": " {card} holds every length of: {names}.",
           "none": " {card} holds no line at every length.", "names": ", ",
           "bars": "{title}: {top} needs the most, {top_gib} GiB, {share}% of it weights; {bottom} the least, "
                   "{bottom_gib} GiB. Each bar, bottom to top: {segments}.",
           "bar": "{title}: {top} needs {top_gib} GiB, {share}% of it weights. Bottom to top: {segments}.",
           "errors": "mean absolute error {mean}, {within} of {rows} rows within ±10%",
           "validation": "{title}: this estimate has {ours}; the seed method {seed}. Both axes are logarithmic; "
                         "the diagonal is estimate = measured."},
}


def context_takeaway(title: str, series, references, lang: str = DEFAULT_LANGUAGE) -> str:
    """The alt text of a context chart: how far each line rises, and which lines the smallest card holds."""
    words = _TAKEAWAY.get(lang, _TAKEAWAY[DEFAULT_LANGUAGE])
    rises = [words["rise"].format(name=name, first=tokens_label(points[0][0]), low=_gib(points[0][1]),
                                  last=tokens_label(points[-1][0]), high=_gib(points[-1][1]))
             for name, points in series if points]
    sentence = words["context"].format(title=title, rises=words["join"].join(rises))
    for label, gib in sorted(references, key=lambda r: r[1])[:1]:  # the smallest card
        held = [name for name, points in series if points and max(y for _, y in points) <= gib]
        key = "all" if len(held) == len(series) else "some" if held else "none"
        sentence += words[key].format(card=label, names=words["names"].join(held))
    return sentence


def context_chart(estimator: Estimator, title: str, runs, contexts, framework: str, gpus=(),
                  label_with_model: bool = True, lang: str = DEFAULT_LANGUAGE) -> str:
    """Peak memory against context length, one line per (model, quantization), with cards as reference lines."""
    series = []
    for model_id, quantization in _runs(runs, 2, '["Qwen2.5-7B-Instruct", "bf16"]'):
        points = [(t, estimator(model_id, quantization, t, framework).peak / GIB)
                  for t in contexts if t <= estimator.max_context(model_id)]
        name = parse_quantization(quantization).name
        series.append((f"{model_id} {name}" if label_with_model else name, points))
    references = _reference_lines(estimator, gpus)
    return _drawn(charts.line_chart, title, text("上下文长度（Token）", lang), text("峰值显存（GiB）", lang), series,
                  reference_lines=references, desc=context_takeaway(title, series, references, lang))


def breakdown_chart(estimator: Estimator, title: str, runs, context: int, framework: str,
                    lang: str = DEFAULT_LANGUAGE) -> str:
    """What the peak is made of, per (model, quantization), at one context length."""
    runs = _runs(runs, 2, '["Qwen2.5-7B-Instruct", "bf16"]')
    results = [estimator(m, q, context, framework) for m, q in runs]
    categories = [f"{m} {parse_quantization(q).name}" for m, q in runs]
    segments = [(text(label, lang), [getattr(r, field) / GIB for r in results]) for field, label in BREAKDOWN]
    if any(r.state for r in results):
        # Hybrid models (linear attention, Mamba2): their fixed per-sequence state, beside the KV cache.
        segments.insert(2, (text("state（线性注意力/Mamba 状态）", lang), [r.state / GIB for r in results]))
    full_title = text(f"{title}（{tokens_label(context)} 上下文）", lang)
    totals = [sum(values[j] for _, values in segments) for j in range(len(categories))]
    top = max(range(len(categories)), key=lambda j: totals[j])
    bottom = min(range(len(categories)), key=lambda j: totals[j])
    share = segments[0][1][top] / totals[top] * 100 if totals[top] else 0.0
    words = _TAKEAWAY.get(lang, _TAKEAWAY[DEFAULT_LANGUAGE])
    # One bar has no "most" and "least": the takeaway names its total alone.
    desc = words["bars" if len(categories) > 1 else "bar"].format(title=full_title, top=categories[top], top_gib=_gib(totals[top]),
                                share=format_number(share, "g2"), bottom=categories[bottom],
                                bottom_gib=_gib(totals[bottom]), segments=words["names"].join(n for n, _ in segments))
    return _drawn(charts.stacked_bar_chart, full_title, text("显存（GiB）", lang), categories, segments, desc=desc)


def validation_chart(content, title: str, benchmark_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Estimated against measured peak for every benchmark row, this estimator beside the seed's method, on
    log axes (the rows span 1 to 150 GiB)."""
    result = validate_benchmark(content, benchmark_id)
    points = [(text("本文估算", lang), r.row.measured_gib, r.estimate_gib) for r in result.rows]
    points += [(text("原方法", lang), r.row.measured_gib, r.seed_gib) for r in result.rows]
    words = _TAKEAWAY.get(lang, _TAKEAWAY[DEFAULT_LANGUAGE])

    def summary(errors) -> str:
        within = sum(1 for e in errors if abs(e) <= 10)
        mean = sum(abs(e) for e in errors) / len(errors)
        return words["errors"].format(mean=format_number(mean, "pct1"), rows=len(errors), within=within)
    desc = words["validation"].format(title=title, ours=summary([r.error_pct for r in result.rows]),
                                      seed=summary([r.seed_error_pct for r in result.rows]))
    return _drawn(charts.scatter_chart, title, text("实测峰值（GiB）", lang), text("估算峰值（GiB）", lang), points,
                  desc=desc, log_scale=True)


def model_chart(estimator: Estimator, model_id: str, quantizations, contexts, gpus, framework: str,
                lang: str = DEFAULT_LANGUAGE) -> str:
    """A model page's chart: peak against context, one line per quantization, and the cards near that range."""
    runs = [[model_id, q] for q in quantizations]
    biggest = max(estimator(model_id, q, max(contexts), framework).peak / GIB for q in quantizations)
    # Reference lines only for cards within reach of the lines, so the chart's scale stays readable.
    # One card per size (the first listed), so four lines show four sizes.
    sizes: dict[int, str] = {}
    for gpu in gpus:
        sizes.setdefault(estimator.limit_bytes(gpu), gpu)
    cards = [g for size, g in sorted(sizes.items()) if size / GIB <= max(24.0, biggest * 1.25)]
    return context_chart(estimator, text(f"{model_id}：峰值显存与上下文长度", lang), runs, contexts, framework,
                         cards[-4:], label_with_model=False, lang=lang)


SEED_HEADER = ("Memory to load an LLM's weights at 16 bits", "GiB")


def seed_header_data(load_table: Table) -> dict:
    """The seed post's header image: its load table as bars (English labels: the PNG font has no CJK)."""
    title, unit = SEED_HEADER
    categories = [f"{row.cells[0].text}B" for row in load_table.rows]
    values = [row.cells[2].value for row in load_table.rows]
    return charts.png_bar_chart_data(title, categories, values, unit)


def seed_header_png(data: dict) -> bytes:
    return charts.png_bar_chart(data["title"], data["categories"], data["values"], data["unit"])
