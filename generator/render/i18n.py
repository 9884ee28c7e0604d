"""The words of tables and charts in the reader's language. Numbers never change with the language.

Tables and charts are built with the seed's Chinese words (its headers must stay byte for byte what the 2024 post
published); :func:`localized_table` and :func:`text` put them into another language when a post asks for one.
A phrase with a number in it ("峰值 @32K（GiB）") is translated through a pattern, the number carried over as
written.
"""

from __future__ import annotations

import dataclasses
import re

from generator.core.errors import GeneratorError

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
    "state（MiB / 序列）": "State (MiB per sequence)",
    "显卡": "GPU",
    "显存（GiB）": "Memory (GiB)",
    "KV cache 容量（Token）": "KV cache capacity (tokens)",
    "CUDA 报告总量（GiB）": "Total CUDA reports (GiB)",
    "总量来源": "Total from",
    "公开报告": "a public report",
    "推算": "derived",
    "统一内存，无 CUDA": "unified memory, no CUDA",
    "可用（GiB）": "Usable (GiB)",
    "可用的口径": "Usable means",
    "CUDA 报告总量（公开报告）": "total CUDA reports (a public report)",
    "CUDA 报告总量（推算）": "total CUDA reports (derived)",
    "Metal 工作集（日志）": "Metal working set (logged)",
    "Metal 工作集（按规则推算）": "Metal working set (by the rule)",
    "显卡：标称显存，和一次运行实际能用的部分": "GPUs: memory as sold, and what a run can use of it",
    # Model pages and the "what can my card run" pages.
    "能启动的最小显卡": "Smallest card it starts on",
    "KV cache（Token）": "KV cache (tokens)",
    "同时服务的完整请求（个）": "Whole requests at once",
    "最长上下文（K Token）": "Longest context (K tokens)",
    "最长 --max-model-len（Token）": "Longest --max-model-len (tokens)",
    # The vLLM start-up logs.
    "日志": "Log",
    "引擎": "Engine",
    "日志 KV cache（Token）": "Logged KV cache (tokens)",
    "估算（Token）": "Estimate (tokens)",
    "误差": "Error",
    "日志数": "Logs",
    "估算是否拒绝启动": "Estimate refuses to start",
    "用途": "Use",
    "校准": "calibration",
    "留出": "held out",
    "拒绝": "refuses",
    "启动": "starts",
    "KV cache 每 1K Token（16 位，MiB）": "KV cache per 1K tokens (16-bit, MiB)",
    "state 每个序列（transformers，MiB，与上下文长度无关）": "State per sequence (transformers, MiB, independent of context length)",
    "存 KV 的注意力层": "Attention layers holding K/V",
    "线性注意力 / Mamba2 层（存固定状态）": "Linear-attention / Mamba2 layers (fixed state)",
    "平均绝对误差": "Mean absolute error",
    "最大绝对误差": "Largest absolute error",
    "最大误差的日志": "Log with the largest error",
    # The llama.cpp load logs (generator/tables/seed.py llamacpp_validation_table and its summary).
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
    "llama.cpp 加载日志（留出数据）的估算误差汇总": "llama.cpp load logs (held out): estimate errors",
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
    ("峰值显存（GiB），按模型、量化和上下文长度（{x}，批大小 1）",
     "Peak memory (GiB) by model, quantization and context length ({x}, batch 1)"),
    ("能装下的最小显卡；一张不够时需要几张 {x}（{y}）",
     "The smallest card that holds it; when one is not enough, how many {x} ({y})"),
    ("{x}（{y}）：每个模型和上下文长度能装下的最小显卡（一张不够时需要几张 {z}）",
     "{x} ({y}): the smallest card for each model and context length (when one is not enough, how many {z})"),
    ("每张显卡能跑的最长上下文（K Token，0 表示装不下；{x}）",
     "The longest context each card holds (K tokens, 0: it does not fit; {x})"),
    ("{x}：预分配的 KV cache 能放多少 Token，能同时服务几个请求",
     "{x}: the tokens its pre-allocated KV cache holds, and the requests it serves at once"),
    ("{x}；GGUF 行：{y}", "{x}; GGUF rows: {y}"),
    ("--max-model-len {x} 时的完整请求（个）", "Whole requests at --max-model-len {x}"),
)


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[a-z]\})", template)
    return re.compile("^" + "".join(f"(?P<{p[1]}>.+?)" if re.fullmatch(r"\{[a-z]\}", p) else re.escape(p)
                                     for p in parts) + "$", re.DOTALL)




def language(tag, path: str | None = None, line: int | None = None) -> str:
    """The language a tag such as ``en-US`` or ``zh-CN`` asks for; one we have no words for is bad input."""
    found = _TAGS.get(str(tag).strip().casefold()) if isinstance(tag, str) else None
    if found is None:
        raise GeneratorError(f"no table words for language {tag!r}", path, line,
                             "use one of: " + ", ".join(LANGUAGES) + " (or add its words to generator/render/i18n.py)")
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


# --- The pages' own words (navigation, the table tools, the calculator's and the picker's messages) -------------
# Every key has every language of LANGUAGES (tests/test_page_words.py fails on a missing one, and on a key the
# scripts use that is not here). {x} marks a value the page fills in; each language has the same ones.
PAGE_WORDS = {
    # Issue 20: the model pages' answer, the "what fits" pages, the calculator's words of the glossary.
    "answer.context": {"zh-CN": "{tokens} 上下文", "en": "{tokens} context"},
    "answer.colon": {"zh-CN": "：", "en": ": "},
    "answer.gguf": {"zh-CN": "{quant}（{engine}，Ollama、LM Studio 同）峰值", "en": "{quant} ({engine}; Ollama and LM Studio run it) peak"},
    "answer.smallest": {"zh-CN": "，最小显卡", "en": ", smallest card"},
    "answer.sep": {"zh-CN": "；", "en": "; "},
    "answer.tf": {"zh-CN": "{quant}（{engine}）峰值", "en": "{quant} ({engine}) peak"},
    "answer.end": {"zh-CN": "。", "en": ". "},
    "answer.vllm-start": {"zh-CN": "{engine} 跑 {quant}（--max-model-len {len}）最小在", "en": "{engine} runs {quant} (--max-model-len {len}) from"},
    "answer.vllm-tail": {"zh-CN": "上启动，KV cache 放得下 {tokens} Token，可同时服务 {requests} 个完整请求。",
                         "en": "up; its KV cache holds {tokens} tokens, {requests} whole requests at once."},
    "answer.vllm-none": {"zh-CN": "{engine} 跑 {quant}（--max-model-len {len}）在所列的任何单卡上都启动不了。",
                         "en": "{engine} does not start {quant} (--max-model-len {len}) on any single card listed."},
    "model.meta": {"zh-CN": "名义参数量 {params}B · 批大小 1 · 每张表的标题写明它的推理引擎和版本",
                   "en": "Nominal size {params}B · batch size 1 · each table's caption names its engine and version"},
    "model.by-size": {"zh-CN": " · 按显存看能跑什么：", "en": " · What each memory size runs: "},
    "fits.title": {"zh-CN": "{size} 显卡能跑什么模型", "en": "What a {size} card runs"},
    "fits.home": {"zh-CN": "首页", "en": "Home"},
    "fits.crumb": {"zh-CN": "按显存看能跑什么", "en": "By memory size"},
    "fits.h1": {"zh-CN": "{size} 显卡能跑哪些模型", "en": "Which models a {size} card runs"},
    "fits.computed-on": {"zh-CN": "按", "en": "Computed on"},
    "fits.usable": {"zh-CN": " 计算：它的驱动报告可用", "en": ", whose driver reports"},
    "fits.end": {"zh-CN": "。", "en": " usable. "},
    "fits.same-size": {"zh-CN": "可用不少于它的同尺寸卡（{cards}）也装得下下表列出的一切。",
                       "en": "Cards of this size with at least as much usable memory ({cards}) hold everything listed too. "},
    "fits.mac": {"zh-CN": "Mac 按 Metal 工作集算，{mac} 起可用的不少于这张卡（Mac 只看 llama.cpp 一表）。",
                 "en": "Macs count Metal's working set: from {mac} up they give at least as much (Macs: the llama.cpp table only)."},
    "fits.meta": {"zh-CN": "批大小 1；每张表的标题写明推理引擎和版本。其他显存：",
                  "en": "Batch size 1; each table's caption names its engine and version. Other sizes: "},
    "fits.note": {"zh-CN": "最长上下文以 1K（1024 Token）为单位，上限为模型的最大上下文；表里没有的模型在这张卡上装不下。vLLM 一列是它能启动的最长 --max-model-len（KV cache 至少放得下一个这么长的请求）。",
                  "en": "Longest contexts are in 1K (1024 tokens) steps, up to the model's maximum; a model not listed does not fit this card. vLLM's column is the longest --max-model-len it starts with (its KV cache holds at least one such request)."},
    "fits.calculator": {"zh-CN": "在显存计算器里自己算 →", "en": "Work it out in the calculator →"},
    "result.requests-unit": {"zh-CN": " 个", "en": " requests"},
    "result.usable": {"zh-CN": "，可用", "en": ", usable"},
    "result.needed": {"zh-CN": "所需显存（最忙那张卡）", "en": "Needed (busiest GPU)"},
    "result.whole-requests": {"zh-CN": "同时服务的完整请求", "en": "Whole requests at once"},
    "vllm.sum-1": {"zh-CN": "vLLM 至少需要可用显存", "en": "vLLM needs a card with at least"},
    "vllm.sum-2": {"zh-CN": "GiB 的卡才能启动；启动预留", "en": "GiB usable to start; its startup reserve is"},
    "vllm.sum-3": {"zh-CN": "GiB，其中的 KV cache 可容纳", "en": "GiB, its KV cache holds"},
    "vllm.sum-4": {"zh-CN": "Token。", "en": "tokens."},
    "result.glossary-title": {"zh-CN": "各项的含义", "en": "What the words mean"},
    "result.parts-note": {"zh-CN": "各项（权重、KV cache、state、激活、额外开销）画在数字旁边时加起来等于它；state 是混合模型（Mamba / 线性注意力层）每个序列的固定状态，与上下文长度无关；不同时占用的部分（例如预填充的激活和解码时完整的 KV cache）单列为“不同时占用”。为 0 的项不画。",
                          "en": "The parts drawn beside a figure add up to it; the state is a hybrid model's fixed per-sequence state (its Mamba / linear-attention layers), whatever the context length; what is not allocated at the same moment (prefill activations and the whole decode KV cache) is its own part, \"not at once\". Parts of zero are not drawn."},
    # The navigation bar and the page furniture (base.html.j2, site.js).
    "nav.label": {"zh-CN": "网站导航", "en": "Site navigation"},
    "nav.posts": {"zh-CN": "文章", "en": "Posts"},
    "nav.models": {"zh-CN": "模型", "en": "Models"},
    "nav.calculator": {"zh-CN": "显存计算器", "en": "Calculator"},
    "nav.fits": {"zh-CN": "能跑什么", "en": "What fits"},
    "nav.home": {"zh-CN": "首页", "en": "Home"},
    "table.more": {"zh-CN": "向右滑动查看更多列 →", "en": "Scroll right for more columns →"},
    "table.filter": {"zh-CN": "按名称筛选", "en": "Filter by name"},
    "table.filter-placeholder": {"zh-CN": "输入模型名，如 Qwen", "en": "Type a model name, e.g. Qwen"},
    "table.shown": {"zh-CN": "显示 {shown} / {total} 行", "en": "{shown} of {total} rows"},
    "table.none": {"zh-CN": "没有名称含 “{text}” 的行", "en": "No row names contain “{text}”"},
    # The pages' own text (index, post, model pages, the picker's form).
    "index.fits": {"zh-CN": "按显存看能跑什么（每种推理引擎、量化和最长上下文）：",
                   "en": "What each memory size runs (per engine, quantization and longest context): "},
    "index.grid-title": {"zh-CN": "一眼看懂：每个模型和上下文长度需要的最小显卡",
                         "en": "At a glance: the smallest GPU for each model and context length"},
    "index.grid-note": {"zh-CN": "颜色越绿，需要的显卡越小；红色表示一张装不下、需要几张。设置与模型页相同（批大小 1）；“—”表示超出模型的最大上下文。",
                        "en": "The greener, the smaller the card; red means one card does not hold it and several are needed. Settings as on the model pages (batch size 1); “—” is beyond the model's maximum context."},
    "index.calculator": {"zh-CN": "显存计算器：选择模型、量化、上下文长度和显卡，直接算出需要多少显存 →",
                         "en": "VRAM calculator: pick a model, quantization, context length and GPU, and get the memory it needs →"},
    "post.newer": {"zh-CN": "本文有更新版：", "en": "There is a newer edition of this post: "},
    "post.newer-why": {"zh-CN": "（按模型架构逐项计算，覆盖更多模型、量化和显卡）。",
                       "en": " (computed term by term from each model's architecture, for more models, quantizations and GPUs)."},
    "post.cta-top": {"zh-CN": "用显存计算器算你自己的模型、上下文和显卡 →", "en": "Work out your own model, context and GPU in the calculator →"},
    "post.cta-bottom": {"zh-CN": "用显存计算器算你自己的组合 →", "en": "Work out your own setup in the calculator →"},
    "picker.title": {"zh-CN": "我的显卡能跑吗？", "en": "Does it run on my GPU?"},
    "picker.model": {"zh-CN": "模型", "en": "Model"},
    "picker.context": {"zh-CN": "上下文", "en": "Context"},
    "picker.quantization": {"zh-CN": "量化", "en": "Quantization"},
    "picker.engine": {"zh-CN": "推理框架", "en": "Inference framework"},
    "picker.gpu": {"zh-CN": "我的显卡", "en": "My GPU"},
    "picker.type-vram": {"zh-CN": "我的显存（手动填写）", "en": "My VRAM (type it)"},
    "picker.vram": {"zh-CN": "我的显存（GB）", "en": "My VRAM (GB)"},
    "picker.needs-js": {"zh-CN": "需要 JavaScript", "en": "Needs JavaScript"},
    "picker.details": {"zh-CN": "在计算器里看明细（权重、KV cache、激活）→", "en": "Details in the calculator (weights, KV cache, activations) →"},
    # Links and buttons shared by the calculator and the picker.
    "link.copy": {"zh-CN": "复制链接", "en": "Copy link"},
    "link.copied": {"zh-CN": "链接已复制", "en": "Link copied"},
    "link.copy-failed": {"zh-CN": "无法自动复制，请从地址栏复制", "en": "Could not copy: copy it from the address bar"},
    "link.reset": {"zh-CN": "重置", "en": "Reset"},
    # A shared link naming something the page does not have.
    "url.unknown-model": {"zh-CN": "链接里的模型 “{value}” 不在列表中", "en": "The link names a model “{value}” that is not in the list"},
    "url.unknown-gpu": {"zh-CN": "链接里的显卡 “{value}” 不在列表中", "en": "The link names a GPU “{value}” that is not in the list"},
    "url.unknown-framework": {"zh-CN": "链接里的推理框架 “{value}” 不在列表中", "en": "The link names an inference framework “{value}” that is not in the list"},
    "url.unknown-kv-dtype": {"zh-CN": "链接里的 KV cache 类型 “{value}” 不在列表中", "en": "The link names a KV cache type “{value}” that is not in the list"},
    "url.unknown-context": {"zh-CN": "链接里的上下文 “{value}” 不在列表中", "en": "The link names a context “{value}” that is not in the list"},
    "url.unknown-quantization": {"zh-CN": "链接里的量化 “{value}” 不在列表中", "en": "The link names a quantization “{value}” that is not in the list"},
    "url.unknown-engine": {"zh-CN": "链接里的推理框架 “{value}” 不在列表中", "en": "The link names an inference framework “{value}” that is not in the list"},
    "suggest.did-you-mean": {"zh-CN": "；是不是：", "en": ". Did you mean: "},
    "suggest.or": {"zh-CN": "、", "en": ", "},
    "suggest.pick": {"zh-CN": "；请从列表里选一个。", "en": ". Pick one from the list."},
    "suggest.end": {"zh-CN": "？", "en": "?"},
    # The calculator's input checks.
    "input.empty": {"zh-CN": "{label}不能为空", "en": "{label}: empty"},
    "input.not-number": {"zh-CN": "{label}必须是数字，而不是 “{value}”", "en": "{label} must be a number, not “{value}”"},
    "input.not-whole": {"zh-CN": "{label}必须是整数", "en": "{label} must be a whole number"},
    "input.negative": {"zh-CN": "{label}不能为负数", "en": "{label} cannot be negative"},
    "input.at-least": {"zh-CN": "{label}至少为 {low}", "en": "{label} must be at least {low}"},
    "input.above-zero": {"zh-CN": "{label}必须大于 0", "en": "{label} must be above 0"},
    "input.at-most": {"zh-CN": "{label}最多为 {high}", "en": "{label} must be at most {high}"},
    "label.context": {"zh-CN": "上下文长度", "en": "Context length"},
    "label.generate": {"zh-CN": "生成 token 数", "en": "Tokens to generate"},
    "label.batch": {"zh-CN": "批大小", "en": "Batch size"},
    "label.gpus": {"zh-CN": "GPU 数量", "en": "Number of GPUs"},
    "label.vram": {"zh-CN": "显存（GB）", "en": "VRAM (GB)"},
    "label.ubatch": {"zh-CN": "微批大小", "en": "Micro-batch size"},
    "label.n-gpu-layers": {"zh-CN": "GPU 层数", "en": "GPU layers"},
    "option.default": {"zh-CN": "{name}（默认）", "en": "{name} (default)"},
    "input.utilization": {"zh-CN": "--gpu-memory-utilization 必须大于 0 且不超过 1", "en": "--gpu-memory-utilization must be above 0 and at most 1"},
    "input.paste-config": {"zh-CN": "请粘贴模型的 config.json", "en": "Paste the model's config.json"},
    "input.pick-model": {"zh-CN": "请选择一个模型", "en": "Pick a model"},
    "input.no-config": {"zh-CN": "模型 {model} 没有 config.json 数据", "en": "Model {model} has no config.json data"},
    "input.fix-marked": {"zh-CN": "请先修正标出的输入。", "en": "Fix the marked inputs first."},
    "input.internal": {"zh-CN": "内部错误：{detail}", "en": "Internal error: {detail}"},
    # The estimator's refusals, in the reader's words (the CLI's English stays the CLI's).
    "err.unknown-quantization": {"zh-CN": "不认识的量化 “{value}”", "en": "Unknown quantization “{value}”"},
    "err.bad-framework": {"zh-CN": "推理框架写法不对：“{value}”；请写成 引擎==版本，引擎可选 {list}",
                          "en": "Cannot read the framework “{value}”: write ENGINE==VERSION, ENGINE one of {list}"},
    "err.unknown-framework": {"zh-CN": "不认识的推理框架 “{value}”；可选：{list}", "en": "Unknown framework “{value}”; one of: {list}"},
    "err.needs-version": {"zh-CN": "transformers 需要填写版本号（不同版本的显存行为不同），如 4.46.0",
                          "en": "transformers needs a version (its memory use changed across versions), e.g. 4.46.0"},
    "err.no-profile": {"zh-CN": "没有 {engine} {version} 版本的显存数据；请换一个版本", "en": "No memory data for {engine} {version}; try another version"},
    "err.gguf-engine": {"zh-CN": "{quant} 是 GGUF 文件格式，只有 llama.cpp 能运行；请把框架换成 llama.cpp，或换成 {engine} 能加载的格式（bf16、gptq-int4、awq 等）",
                        "en": "{quant} is a GGUF file type and only llama.cpp runs GGUF files: pick llama.cpp, or a format {engine} loads (bf16, gptq-int4, awq ...)"},
    "err.llamacpp-format": {"zh-CN": "llama.cpp 不加载 {quant} 格式的权重（它运行 GGUF 文件）；请换成 q4_k_m、q8_0 等 GGUF 类型，或换成 vLLM / transformers",
                            "en": "llama.cpp does not load {quant} checkpoints (it runs GGUF files): pick a GGUF type such as q4_k_m or q8_0, or vLLM / transformers"},
    "err.engine-kv": {"zh-CN": "{engine} 没有 {kv} 类型的 KV cache；可选：{list}", "en": "{engine} has no {kv} KV cache; one of: {list}"},
    "err.unknown-kv": {"zh-CN": "不认识的 KV cache 类型 “{value}”", "en": "Unknown KV cache type “{value}”"},
    "err.unknown-gpu": {"zh-CN": "不认识的显卡 “{value}”", "en": "Unknown GPU “{value}”"},
    "err.vllm-needs-gpu": {"zh-CN": "vLLM 会让 KV cache 占满显卡，需要知道显存大小：请选一张显卡",
                           "en": "vLLM fills the card with its KV cache, so it needs the card's size: pick a GPU"},
    "err.too-large": {"zh-CN": "数字太大，浏览器里无法精确计算；请用 python -m generator estimate",
                      "en": "Numbers too large to compute exactly in the browser; use python -m generator estimate"},
    "err.config": {"zh-CN": "config.json 有问题：{detail}", "en": "The config.json has a problem: {detail}"},
    "err.engine": {"zh-CN": "这样跑不起来：{detail}", "en": "This run does not start: {detail}"},
    # The calculator's results and warnings.
    "warn.context": {"zh-CN": "上下文加生成共 {tokens} token，超过了模型的最大长度 {limit}：模型没有为这个长度训练，结果只是按公式外推。",
                     "en": "Context plus generated tokens come to {tokens}, above the model's maximum of {limit}: the model was not trained for this length, and the numbers are the formulas extended."},
    "warn.gguf": {"zh-CN": "GGUF 量化（{quant}）是 llama.cpp 的格式，{engine} 通常不直接运行它；请把框架换成 llama.cpp。",
                  "en": "GGUF ({quant}) is llama.cpp's format; {engine} does not usually run it: pick llama.cpp."},
    "warn.llamacpp": {"zh-CN": "llama.cpp 运行 GGUF 文件（q4_k_m、q8_0 等）；{quant} 需要先转换成 GGUF。",
                      "en": "llama.cpp runs GGUF files (q4_k_m, q8_0 ...); {quant} needs converting to GGUF first."},
    "warn.steady": {"zh-CN": "稳态高于峰值：这次请求放不进 vLLM 预分配的 KV cache，实际会排队或报错。",
                    "en": "Steady state above the peak: this request does not fit vLLM's pre-allocated KV cache; it would wait or fail."},
    "result.peak": {"zh-CN": "峰值（各卡之和）", "en": "Peak (all GPUs)"},
    "result.vllm-peak": {"zh-CN": "启动预留（vLLM，各卡之和）", "en": "Startup reserve (vLLM, all GPUs)"},
    "result.bar-peak": {"zh-CN": "峰值", "en": "Peak"},
    "result.bar-reserve": {"zh-CN": "启动预留", "en": "Startup reserve"},
    "result.not-at-once": {"zh-CN": "不同时占用", "en": "Not at once"},
    "result.activation-peak": {"zh-CN": "激活峰值", "en": "Activation peak"},
    "result.non-torch": {"zh-CN": "非 torch", "en": "Non-torch"},
    "result.kv-pool": {"zh-CN": "KV cache（预分配）", "en": "KV cache (pre-allocated)"},
    # Hybrid-state models: the conv + recurrent state of the Mamba / linear-attention layers, for every sequence
    # (vLLM keeps it in pages of the KV cache it pre-allocates).
    "result.state": {"zh-CN": "state（固定状态）", "en": "State"},
    "result.state-pool": {"zh-CN": "state（本批序列，占预分配的 KV cache）",
                          "en": "State (this batch, in the pre-allocated KV cache)"},
    "result.fits": {"zh-CN": "能装下", "en": "Fits"},
    "result.no-fit": {"zh-CN": "装不下", "en": "Does not fit"},
    "result.weights": {"zh-CN": "权重", "en": "Weights"},
    "result.activations": {"zh-CN": "激活", "en": "Activations"},
    "result.overhead": {"zh-CN": "额外开销", "en": "Overhead"},
    "result.separator": {"zh-CN": "，", "en": ", "},
    "option.paste-config": {"zh-CN": "粘贴 config.json…", "en": "Paste a config.json…"},
    "option.my-vram": {"zh-CN": "我的显存（手动填写 GB）", "en": "My VRAM (type GB)"},
    "option.my-card": {"zh-CN": "我的显卡（{gb} GB）", "en": "My card ({gb} GB)"},
    "option.card": {"zh-CN": "{name}（{gib} GiB）", "en": "{name} ({gib} GiB)"},
    # The picker (picker.js).
    "pick.your-card": {"zh-CN": "你的 {gb} GB 显卡", "en": "your {gb} GB card"},
    "pick.need-vram": {"zh-CN": "请填写显存大小（GB），例如 12 或 12.5。", "en": "Type your VRAM in GB, e.g. 12 or 12.5."},
    "pick.llamacpp-gguf": {"zh-CN": "llama.cpp 运行 GGUF 量化（如 q4_k_m、q8_0），请换一个量化或框架。",
                           "en": "llama.cpp runs GGUF quantizations (q4_k_m, q8_0 ...): pick another quantization or framework."},
    "pick.max-context": {"zh-CN": "{model} 最长支持 {limit} Token 上下文，请选短一些的长度。",
                         "en": "{model} supports at most {limit} tokens of context: pick a shorter one."},
    "pick.where": {"zh-CN": "{name}（可用 {gib} GiB）", "en": "{name} ({gib} GiB usable)"},
    "pick.mac-llamacpp": {"zh-CN": "Mac 上跑的是 llama.cpp（Ollama、LM Studio）：请选 GGUF 量化（如 q4_k_m）。",
                          "en": "A Mac runs llama.cpp (Ollama, LM Studio): pick a GGUF quantization (q4_k_m ...)."},
    "pick.fits-page": {"zh-CN": "这张卡还能跑什么：{size} 显卡能跑的全部模型 →",
                       "en": "What else this card runs: every model a {size} card runs →"},
    "pick.via-llamacpp": {"zh-CN": "（GGUF 按 llama.cpp 估算）", "en": " (GGUF estimated as llama.cpp)"},
    "pick.fits": {"zh-CN": "{model} {quant} 在 {context} 上下文下{via}，{where}能装下", "en": "{model} {quant} at {context} context{via} fits {where}"},
    "pick.fits-vllm": {"zh-CN": "：vLLM 启动预留 {gib} GiB，其中 KV cache 可容纳 {tokens} Token，可同时服务 {requests} 个完整请求。",
                       "en": ": vLLM's startup reserve is {gib} GiB, its KV cache holds {tokens} tokens, {requests} whole requests at once."},
    "pick.fits-peak": {"zh-CN": "：峰值 {peak} GiB，所需显存 {gib} GiB（最忙那张卡的峰值加分配器余量和 CUDA 上下文）。",
                       "en": ": peak {peak} GiB, needed {gib} GiB (the busiest GPU's peak plus allocator slack and the CUDA context)."},
    "pick.yes": {"zh-CN": "能装下", "en": "Fits"},
    "pick.no-fit": {"zh-CN": "{model} {quant} 在 {context} 上下文下{via}，一张{where}装不下（所需显存 {gib} GiB）。",
                    "en": "{model} {quant} at {context} context{via} does not fit one {where} (needed {gib} GiB). "},
    "pick.at-most": {"zh-CN": "最多 {context} 上下文", "en": "At most {context} context"},
    "pick.longest": {"zh-CN": "一张卡最长能跑 {tokens} Token 上下文", "en": "One card runs at most {tokens} tokens of context"},
    "pick.or-cards": {"zh-CN": "；或用 {cards} 张同样的卡。", "en": "; or use {cards} such cards."},
    "pick.end": {"zh-CN": "。", "en": "."},
    "pick.needs-cards": {"zh-CN": "需要 {cards} 张", "en": "Needs {cards} cards"},
    "pick.cards-tp": {"zh-CN": "要 {cards} 张同样的卡才能跑（张量并行）。", "en": "It takes {cards} such cards (tensor parallel)."},
    "pick.cards-layers": {"zh-CN": "要 {cards} 张同样的卡才能跑（按层切分）。", "en": "It takes {cards} such cards (split by layers)."},
    "pick.never": {"zh-CN": "装不下", "en": "Does not fit"},
    "pick.never-sentence": {"zh-CN": "{cards} 张以内都装不下，请换更小的量化或模型。",
                            "en": "Not even {cards} cards hold it: pick a smaller quantization or model."},
    "pick.cannot": {"zh-CN": "无法计算：{detail}", "en": "Cannot compute: {detail}"},
}


def page_words(lang: str) -> dict[str, str]:
    """The pages' words in ``lang`` (zh-CN for a language without them)."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return {key: words[lang] for key, words in PAGE_WORDS.items()}


def page_word(key: str, lang: str, **values) -> str:
    # The word itself, not page_words(lang)[key]: that builds the whole dictionary, and pages ask for hundreds of words.
    text = PAGE_WORDS[key][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


# The standalone pages' own Chinese text (templates/*.html.j2 and the model pages' section titles), in English: an
# English page (site.yaml `lang: en`) is rendered from the same templates and then has each of these replaced,
# longest first; the full-width punctuation left between values goes last. A page with Chinese left after this is
# a test failure (tests/test_page_words.py), naming the words to add here.
PAGE_TEXT_ENGLISH = {
    # The calculator.
    "显存计算器 · ": "VRAM calculator · ",
    "大模型推理显存计算器": "LLM inference VRAM calculator",
    "显存计算器": "VRAM calculator",
    "vLLM 参数（留空为该版本的默认值）": "vLLM settings (blank: the version's default)",
    "引擎：默认": "Engine: default",
    "\"引擎\"": "\"Engine\"",
    "CUDA graph（默认）": "CUDA graph (default)",
    "采样：PyTorch / Triton（默认）": "Sampler: PyTorch / Triton (default)",
    "采样：FlashInfer": "Sampler: FlashInfer",
    "线性注意力 / Mamba2 层每个序列的固定状态（conv + recurrent），与上下文长度无关":
        "The fixed state per sequence of linear-attention / Mamba2 layers (conv + recurrent), whatever the context length",
    "选一个模型（或粘贴它的 config.json），填上量化方式、上下文长度和推理框架，即可算出权重、KV cache、激活和峰值显存。算法与 ":
        "Pick a model (or paste its config.json), a quantization, a context length and an inference framework, and "
        "get its weights, KV cache, activations and peak memory. The method is exactly that of ",
    " 完全相同，结果逐位一致；全部计算在你的浏览器里完成，不联网。":
        ", to the last digit; everything is computed in your browser, offline.",
    "这个计算器需要 JavaScript。": "This calculator needs JavaScript.",
    "从 Hugging Face 上模型的 config.json 原样粘贴。": "Paste the model's config.json from Hugging Face as it is.",
    "bf16、fp8、gptq-int4、awq、q4_k_m 等，大小写均可": "bf16, fp8, gptq-int4, awq, q4_k_m ..., in any case",
    "KV cache 类型": "KV cache type",
    "默认（随计算精度）": "Default (the compute precision)",
    "上下文长度（提示 token 数）": "Context length (prompt tokens)",
    "生成 token 数": "Tokens to generate",
    "批大小": "Batch size",
    "GPU 数量": "Number of GPUs",
    "推理框架与版本": "Inference framework and version",
    "推理框架": "Inference framework",
    "版本，如 4.46.0": "version, e.g. 4.46.0",
    "版本": "Version",
    "注意力实现（transformers）": "Attention implementation (transformers)",
    "Flash attention（llama.cpp -fa）": "Flash attention (llama.cpp -fa)",
    "默认（随版本）": "Default (by version)",
    "微批大小（llama.cpp -ub）": "Micro-batch size (llama.cpp -ub)",
    "默认 512": "default 512",
    "放到 GPU 的层数（llama.cpp -ngl）": "Layers on the GPU (llama.cpp -ngl)",
    "默认全部": "default: all",
    "显卡型号": "GPU model",
    "不指定": "None",
    "我的显存（GB）": "My VRAM (GB)",
    "显卡标称的 GB，如 8、12、16": "The card's GB as sold, e.g. 8, 12, 16",
    "结果": "Result",
    "峰值显存（各卡之和）": "Peak memory (all GPUs)",
    "vLLM 至少需要 ": "vLLM needs a card of at least ",
    " GiB 的卡才能启动；启动后预分配 ": " GiB to start; it then pre-allocates ",
    " GiB，KV cache 可容纳 ": " GiB, and its KV cache holds ",
    " token。": " tokens.",
    "量化 · 框架": "Quantization · framework",
    "参数量": "Parameters",
    "稳态（解码时）": "Steady (decoding)",
    "每卡峰值": "Peak per GPU",
    "装得下吗": "Does it fit",
    "最忙的一张卡需要": "The busiest GPU needs",
    "vLLM KV cache 容量": "vLLM KV cache capacity",
    "可同时处理的请求数": "Concurrent requests",
    "明细 ↓": "Details ↓",
    "各项的含义": "What the terms mean",
    "<strong>峰值</strong>：任一时刻占用的最大显存（预填充或解码），多卡时为各卡峰值之和，口径同 ":
        "<strong>Peak</strong>: the most memory in use at any moment (prefill or decoding), summed over GPUs, as ",
    "</code>。</li>": "</code> reports it.</li>",
    "<strong>稳态</strong>：解码过程中持续占用的显存：权重、完整的 KV cache 和一步的 logits。":
        "<strong>Steady</strong>: the memory held while decoding: the weights, the full KV cache and one step's logits.",
    "<strong>装得下吗</strong>：最忙的一张卡的峰值加上分配器余量（":
        "<strong>Does it fit</strong>: the busiest GPU's peak plus the allocator's slack (",
    "%）和 CUDA 上下文（": "%) and the CUDA context (",
    " MiB），不超过显卡显存即为装得下；vLLM 还要求预分配的 KV cache 放得下这次请求。":
        " MiB) within the card's memory; vLLM also needs its pre-allocated KV cache to hold this request.",
    "<strong>vLLM</strong>：按张量并行切分；KV cache 得到显存预算扣除权重、激活和 CUDA graph 后剩下的部分。":
        "<strong>vLLM</strong>: split by tensor parallelism; the KV cache gets what is left of the memory budget "
        "after the weights, activations and CUDA graphs.",
    "估算只用一个数据集校准过（Qwen2 速度基准，transformers 4.38.2，A100 80GB），误差见":
        "The estimate was calibrated on one data set only (the Qwen2 speed benchmark, transformers 4.38.2, A100 "
        "80GB); its errors are in ",
    "估算与实测的对比": "the estimate against measurements",
    "峰值 <b": "Peak <b",
    "权重": "Weights",
    "激活": "Activations",
    "额外开销": "Overhead",
    "显卡": "GPU",
    "模型": "Model",
    "量化": "Quantization",
    "首页": "Home",
    "文章": "Posts",
    # The model pages.
    " 推理显存 · ": " inference memory · ",
    " 推理需要多少显存": ": how much VRAM inference needs",
    "名义参数量 ": "Nominal parameters ",
    "（GGUF 按 llama.cpp）· 批大小 1": " (GGUF as llama.cpp) · batch size 1",
    "在计算器里算 ": "Work out ",
    "：自选量化、上下文和显卡 →": " in the calculator: your quantization, context and GPU →",
    "更多：": "More: ",
    "在显存计算器里打开 ": "Open ",
    "（换上下文长度、批大小或显卡，自己算）": " in the VRAM calculator (change the context length, batch size or GPU)",
    "由 config.json 计算；参数量按架构逐项相加。": "From config.json; the parameters summed term by term from the architecture.",
    "不同量化和上下文长度下的峰值显存": "Peak memory by quantization and context length",
    "峰值：任一时刻占用的最大显存（torch.cuda.max_memory_allocated 的口径）。":
        "Peak: the most memory in use at any moment (as torch.cuda.max_memory_allocated reports it).",
    "能装下它的最小显卡": "The smallest GPU that holds it",
    "一张卡装不下时：需要几张 ": "Where one card does not hold it: how many ",
    "（按层切分）。": " it takes (split by layers).",
    "架构": "Architecture",
    # The model pages' sections (generator/site/plan.py model_page_tables).
    "llama.cpp：GGUF 的峰值显存": "llama.cpp: peak memory of the GGUF files",
    "Ollama 和 LM Studio 运行的就是 llama.cpp 和这些 GGUF 文件。": "Ollama and LM Studio run llama.cpp and these GGUF files. ",
    "表中是峰值（任一时刻分配得最多的显存）；能装下指所需显存（最忙那张卡的峰值加分配器余量和 CUDA 上下文）不超过显卡的可用显存。这些词的定义见计算器页末。":
        "The tables show the peak (the most memory allocated at any moment); a GPU holds a run when the memory it "
        "needs (the busiest card's peak plus the allocator's slack and the CUDA context) is within the GPU's usable "
        "memory. The calculator's page ends with these definitions.",
    "llama.cpp：能装下的最小显卡": "llama.cpp: the smallest GPU that holds it",
    "Mac 按 Metal 允许 GPU 使用的工作集（recommendedMaxWorkingSetSize）计算，不是全部统一内存；`sudo sysctl iogpu.wired_limit_mb=N` 可以把它提高到 N MiB（重启后恢复）。":
        "A Mac counts the working set Metal lets the GPU use (recommendedMaxWorkingSetSize), not all of its unified "
        "memory; `sudo sysctl iogpu.wired_limit_mb=N` raises it to N MiB (until the next restart).",
    "vLLM：在哪张卡上能启动，能同时服务多少请求": "vLLM: which GPU it starts on, and how many requests it serves at once",
    "vLLM 启动时按 gpu_memory_utilization 把显卡的大部分先占下（启动预留），其中放下权重和激活峰值之后剩下的都给 KV cache；所以问的不是峰值，而是 KV cache 能放多少 Token、能同时服务多少个完整请求。Mac 上没有 vLLM。":
        "At start-up vLLM takes gpu_memory_utilization of the GPU (the startup reserve); what is left after the "
        "weights and the activation peak goes to the KV cache. So the question is not the peak but how many tokens "
        "the KV cache holds and how many whole requests it serves at once. vLLM does not run on a Mac.",
    "transformers：峰值显存": "transformers: peak memory",
    "transformers：能装下的最小显卡": "transformers: the smallest GPU that holds it",
}
# Full-width punctuation between values, after every phrase above.
_PUNCTUATION_ENGLISH = (("（", " ("), ("）", ")"), ("：", ": "), ("，", ", "), ("；", "; "), ("。", ". "),
                        ("、", ", "), ("“", "“"), ("”", "”"))
_PAGE_TEXT_ORDER = sorted(PAGE_TEXT_ENGLISH, key=len, reverse=True)


def english_page(html: str) -> str:
    """A standalone page rendered from the Chinese templates, its own text in English (see PAGE_TEXT_ENGLISH)."""
    for words in _PAGE_TEXT_ORDER:
        html = html.replace(words, PAGE_TEXT_ENGLISH[words])
    for zh, en in _PUNCTUATION_ENGLISH:
        html = html.replace(zh, en)
    return html


_ENGLISH.update({
    # The standalone pages' tables (generator/tables/estimates.py).
    "峰值显存（GiB），按模型、量化和上下文长度": "Peak memory (GiB) by model, quantization and context length",
    "显卡和它的显存": "GPUs and their memory",
    "每张显卡能跑的最长上下文（K Token，0 表示装不下）": "The longest context each GPU runs (K tokens; 0: it does not fit)",
    "vLLM 预分配的 KV cache 能放多少 Token，能同时服务几个请求":
        "How many tokens vLLM's pre-allocated KV cache holds, and how many requests it serves at once",
})
_ENGLISH_PATTERNS += (
    ("能装下的最小显卡；一张不够时需要几张 {x}", "The smallest GPU that holds it; where one is not enough, how many {x}"),
    ("{x}：每个模型和上下文长度能装下的最小显卡（一张不够时需要几张 {y}）",
     "{x}: the smallest GPU for each model and context length (where one is not enough, how many {y})"),
    ("{x} 的架构（来自 config.json）", "{x}'s architecture (from config.json)"),
    ("{x}，--max-model-len {y}，gpu_memory_utilization {z}：能启动的最小显卡，它预分配的 KV cache 和能同时服务的完整请求（每个 {w} Token）",
     "{x}, --max-model-len {y}, gpu_memory_utilization {z}: the smallest GPU it starts on, the KV cache it "
     "pre-allocates and the whole requests it serves at once ({w} tokens each)"),
)
_COMPILED = tuple((_pattern(zh), en) for zh, en in _ENGLISH_PATTERNS)
