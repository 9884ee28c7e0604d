"""The words of tables and charts in the reader's language. Numbers never change with the language.

Tables and charts are built with the seed's Chinese words (its headers must stay byte for byte what the 2024 post
published); :func:`localized_table` and :func:`text` put them into another language when a post asks for one.
A phrase with a number in it ("峰值 @32K（GiB）") is translated through a pattern, the number carried over as
written.
"""

from __future__ import annotations

import dataclasses
import re

from .errors import GeneratorError

DEFAULT_LANGUAGE = "zh-CN"
LANGUAGES = ("zh-CN", "en")

# Tags people write in front matter or config, to the language whose words we have.
_TAGS = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-sg": "zh-CN", "zh_cn": "zh-CN",
         "en": "en", "en-us": "en", "en-gb": "en", "en_us": "en", "en_gb": "en", "en-au": "en", "en-ca": "en"}

_ENGLISH = {
    # The seed's tables (load, context, benchmark).
    "模型参数（B）": "Parameters (B)",
    "参数使用的位数（bits）": "Bits per parameter",
    "加载需要显存（G）": "Memory to load (GiB)",
    "加载显存（G）": "Load memory (GiB)",
    "上下文长度（Token）": "Context length (tokens)",
    "上下文需要显存（G）": "Context memory (GiB)",
    "总计需要显存（G）": "Total memory (GiB)",
    "卡数": "GPUs",
    "显存使用（G）": "Memory used (GiB)",
    "上下文长度差值（Token）": "Context length difference (tokens)",
    "显存使用差值（G）": "Memory difference (GiB)",
    "每 Token 使用显存（M）": "Memory per token (MiB)",
    # Validation against a benchmark.
    "模型": "Model",
    "量化": "Quantization",
    "输入长度（Token）": "Input length (tokens)",
    "实测峰值（GiB）": "Measured peak (GiB)",
    "本文估算（GiB）": "This estimate (GiB)",
    "本文误差": "This estimate's error",
    "原方法估算（GiB）": "Seed method (GiB)",
    "原方法误差": "Seed method's error",
    "行数": "Rows",
    "本文平均绝对误差": "Mean absolute error",
    "本文最大绝对误差": "Largest absolute error",
    "原方法平均绝对误差": "Seed method: mean absolute error",
    "原方法最大绝对误差": "Seed method: largest absolute error",
    "全部": "All",
    # The updated edition's tables.
    "权重（GiB）": "Weights (GiB)",
    "KV cache（MiB / 1K Token）": "KV cache (MiB per 1K tokens)",
    "显卡": "GPU",
    "显存（GiB）": "Memory (GiB)",
    "KV cache 容量（Token）": "KV cache capacity (tokens)",
    "CUDA 报告总量（GiB）": "Total CUDA reports (GiB)",
    "总量来源": "Total from",
    "公开报告": "a public report",
    "推算": "derived",
    "统一内存，无 CUDA": "unified memory, no CUDA",
    # The vLLM start-up logs.
    "日志": "Log",
    "引擎": "Engine",
    "日志 KV cache（Token）": "Logged KV cache (tokens)",
    "估算（Token）": "Estimate (tokens)",
    "误差": "Error",
    "日志数": "Logs",
    "估算是否拒绝启动": "Estimate refuses to start",
    "KV cache 每 1K Token（16 位，MiB）": "KV cache per 1K tokens (16-bit, MiB)",
    "state 每个序列（transformers，MiB，与上下文长度无关）": "State per sequence (transformers, MiB, independent of context length)",
    "存 KV 的注意力层": "Attention layers holding K/V",
    "线性注意力 / Mamba2 层（存固定状态）": "Linear-attention / Mamba2 layers (fixed state)",
    "平均绝对误差": "Mean absolute error",
    "最大绝对误差": "Largest absolute error",
    "最大误差的日志": "Log with the largest error",
    # The llama.cpp load logs (generator/tables.py llamacpp_validation_table and its summary).
    "KV 实测（MiB）": "Logged KV buffer (MiB)",
    "KV 估算（MiB）": "Estimated KV buffer (MiB)",
    "KV 误差": "KV error",
    "合计实测（MiB）": "Logged total (MiB)",
    "合计估算（MiB）": "Estimated total (MiB)",
    "合计误差": "Total error",
    "模型权重": "Model weights",
    "计算缓冲区": "Compute buffer",
    "合计": "Total",
    "llama.cpp 加载日志：KV 与合计缓冲区，实测与估算": "llama.cpp load logs: KV and total buffers, logged and estimated",
    "llama.cpp 加载日志的估算误差汇总": "llama.cpp load logs: estimate errors",
    "vLLM 启动日志：KV cache 容量，日志与估算": "vLLM start-up logs: KV cache capacity, logged and estimated",
    "vLLM 启动日志的估算误差汇总": "vLLM start-up logs: estimate errors",
    "项目": "Item",
    "值": "Value",
    "参数量（计算）": "Parameters (computed)",
    "层数": "Layers",
    "隐藏维度": "Hidden size",
    "注意力头": "Attention heads",
    "KV 头": "KV heads",
    "每头维度": "Head dimension",
    "MLP 中间维度": "MLP intermediate size",
    "词表": "Vocabulary",
    "最大上下文（Token）": "Maximum context (tokens)",
    "词嵌入与 lm_head 共享": "Embeddings tied to lm_head",
    "是": "yes",
    "否": "no",
    "专家数": "Experts",
    "每 Token 激活专家": "Experts per token",
    "MLA 潜向量维度": "MLA latent size",
    "滑动窗口（Token）": "Sliding window (tokens)",
    "滑动窗口层数": "Sliding-window layers",
    # Charts.
    "峰值显存（GiB）": "Peak memory (GiB)",
    "权重": "Weights",
    "激活与 logits": "Activations and logits",
    "框架开销": "Framework overhead",
    "本文估算": "This estimate",
    "原方法": "Seed method",
    "估算峰值（GiB）": "Estimated peak (GiB)",
}

# Phrases with a value in them: {x} stands for the value, carried over unchanged.
_ENGLISH_PATTERNS = (
    ("峰值 @{x}（GiB）", "Peak @{x} (GiB)"),
    ("{x} 上下文", "{x} context"),
    ("{x} 请求并发数", "Concurrent {x} requests"),
    ("{x}（K Token）", "{x} (K tokens)"),
    ("{x}（{y} 上下文）", "{x} ({y} context)"),
    ("{x}：峰值显存与上下文长度", "{x}: peak memory against context length"),
)


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[a-z]\})", template)
    return re.compile("^" + "".join(f"(?P<{p[1]}>.+?)" if re.fullmatch(r"\{[a-z]\}", p) else re.escape(p)
                                     for p in parts) + "$", re.DOTALL)


_COMPILED = tuple((_pattern(zh), en) for zh, en in _ENGLISH_PATTERNS)


def language(tag, path: str | None = None, line: int | None = None) -> str:
    """The language a tag such as ``en-US`` or ``zh-CN`` asks for; one we have no words for is bad input."""
    found = _TAGS.get(str(tag).strip().casefold()) if isinstance(tag, str) else None
    if found is None:
        raise GeneratorError(f"no table words for language {tag!r}", path, line,
                             "use one of: " + ", ".join(LANGUAGES) + " (or add its words to generator/i18n.py)")
    return found


def text(words: str, lang: str) -> str:
    """``words`` (the seed's Chinese) in ``lang``; words without a translation (a model id) stay as they are."""
    if lang == DEFAULT_LANGUAGE:
        return words
    if words in _ENGLISH:
        return _ENGLISH[words]
    for pattern, english in _COMPILED:
        match = pattern.match(words)
        if match:
            return english.format(**{k: text(v, lang) for k, v in match.groupdict().items()})
    return words


def untranslated(words: str) -> bool:
    """True when ``words`` has Chinese characters and no English: a header someone added without its words."""
    return bool(re.search(r"[\u4e00-\u9fff\uff08\uff09\uff1a]", text(words, "en")))


def localized_table(table, lang: str):
    """The same table (the same numbers and names) with its headers, row labels and word cells in ``lang``."""
    if lang == DEFAULT_LANGUAGE:
        return table
    columns = tuple(dataclasses.replace(c, header=text(c.header, lang)) for c in table.columns)
    rows = tuple(dataclasses.replace(row, label=text(row.label, lang), cells=tuple(
        dataclasses.replace(cell, text=text(cell.text, lang)) if cell.value is None and cell.text else cell
        for cell in row.cells)) for row in table.rows)
    return dataclasses.replace(table, columns=columns, rows=rows, caption=text(table.caption, lang))
