"""Tables of the updated edition: memory by model, quantization and context; which GPU fits; vLLM capacity.

Every number goes through the architecture-aware estimator (generator/calc/estimator.py) and
generator/calc/gpu_fit.py; these functions only choose what to estimate and name the cells.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .calc import gpu_fit
from .calc.architecture import kv_cache_bytes_per_token, params_total, state_bytes_per_sequence
from .calc.estimator import GIB, Estimate, estimate, parse_framework, parse_quantization, runnable_framework
from .calc.vllm import VllmSettings
from .errors import GeneratorError, shown
from .escape import path_slug
from .limits import MAX_TOKENS
from .loading import Content
from .tables import Cell, Column, Row, Table, _cell

MIB = 2 ** 20
MODEL, QUANT = Column("模型", "text"), Column("量化", "text")
NOT_APPLICABLE = "—"
UNSTATED_MAX_CONTEXT = 2 ** 20


def model_href(model_id: str) -> str:
    """Where a model's page is (site-absolute, as Jekyll serves it; standalone pages make it relative)."""
    return "/models/" + path_slug(model_id) + ".html"


def self_link(model_id: str) -> Cell:
    return Cell(model_id, href=model_href(model_id))


def model_sort_key(model_id: str) -> tuple:
    """Natural order: digits compare as numbers, so Qwen2-7B comes before Qwen2-72B and 0.5B before 1.5B."""
    parts = re.split(r"(\d+(?:\.\d+)?)", model_id.lower())
    return tuple((0, float(p), "") if k % 2 else (1, 0.0, p) for k, p in enumerate(parts))


def sorted_models(model_ids) -> list[str]:
    return sorted(model_ids, key=model_sort_key)


def tokens_label(tokens: int) -> str:
    """4096 -> 4K, 131072 -> 128K: how readers name context lengths."""
    return f"{tokens // 1024}K" if tokens % 1024 == 0 else str(tokens)


class Estimator:
    """Estimates for one content set, memoised: the same run is asked for by several tables and charts."""

    def __init__(self, content: Content):
        self.content = content
        self._cached = lru_cache(maxsize=None)(self._estimate)
        self._gpu_bytes = {gpu.name.lower(): gpu.memory_bytes for gpu in content.gpus.values()}
        self._gpus = {gpu.name.lower(): gpu for gpu in content.gpus.values()}
        self._frameworks: dict = {}

    def framework_for(self, quantization: str, framework: str):
        # GGUF files are what llama.cpp runs; the other formats run in the framework the table names.
        key = (quantization, framework)
        if key not in self._frameworks:  # the same few pairs, asked for by every estimate
            spec = "llama.cpp" if parse_quantization(quantization).format == "gguf" else framework
            self._frameworks[key] = parse_framework(spec, self.content.frameworks)
        return self._frameworks[key]

    def architecture(self, model_id: str):
        model = self.content.models.get(model_id)
        if model is None:
            raise GeneratorError(f"unknown model {model_id!r}", fix="use a model id from content/models.yaml")
        return model.require_architecture()

    def max_context(self, model_id: str) -> int:
        # A config without max_position_embeddings states no limit: take the tables' contexts as they come.
        return self.architecture(model_id).max_position_embeddings or UNSTATED_MAX_CONTEXT

    def gpu_bytes(self, name: str) -> int:
        found = self._gpu_bytes.get(str(name).lower())
        if found is None:
            raise GeneratorError(f"unknown GPU {name!r}", fix="use one of: " + ", ".join(self.content.gpus))
        return found

    def __call__(self, model_id: str, quantization: str, context: int, framework: str, gpus: int = 1,
                 gpu: str | None = None) -> Estimate:
        return self._cached(model_id, quantization, context, framework, gpus, gpu)

    def _estimate(self, model_id, quantization, context, framework, gpus, gpu) -> Estimate:
        profile = self.framework_for(quantization, framework)
        settings = None
        if profile.engine == "vllm" and gpu:
            # vLLM budgets what CUDA reports, and picks some defaults by the card's name and size.
            self.gpu_bytes(gpu)
            card = self._gpus[str(gpu).lower()]
            settings = VllmSettings(card.usable_bytes, card.name, unified_memory=card.unified_memory)
        # A family newer than the table's transformers release is shown under its first release (issue 21).
        profile = runnable_framework(self.architecture(model_id), profile, self.content.frameworks)
        return estimate(self.architecture(model_id), parse_quantization(quantization), context, profile, gpus=gpus,
                        gpu_memory_bytes=self.gpu_bytes(gpu) if gpu else None, vllm_settings=settings)


def _check_lists(**lists) -> None:
    for name, values in lists.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise GeneratorError(f"{name} must be a non-empty list", fix=f"write {name}=[...]")


def _context_list(contexts) -> list[int]:
    _check_lists(contexts=contexts)
    for tokens in contexts:
        if isinstance(tokens, bool) or not isinstance(tokens, int) or not 0 < tokens <= MAX_TOKENS:
            raise GeneratorError(f"each context must be a whole number of tokens from 1 to {MAX_TOKENS:,}, not "
                                 f"{shown(tokens)}", fix="write contexts=[4096, 8192]")
    return list(contexts)


def memory_table(name: str, content: Content, estimator: Estimator, models, quantizations, contexts,
                 framework: str, show_model: bool = True) -> Table:
    """Per model and quantization: weights, KV cache per 1K tokens, and the peak at each context length.

    Models come in the order the call lists them. A model's own page leaves out the model column."""
    _check_lists(models=models, quantizations=quantizations)
    contexts = _context_list(contexts)
    columns = (MODEL, QUANT, Column("权重（GiB）", "f2"), Column("KV cache（MiB / 1K Token）", "g2")) + tuple(
        Column(f"峰值 @{tokens_label(t)}（GiB）", "f2") for t in contexts)
    rows = []
    for model_id in models:
        arch = estimator.architecture(model_id)
        for quantization in quantizations:
            first = estimator(model_id, quantization, contexts[0], framework)
            kv_per_1k = kv_cache_bytes_per_token(arch, 2) * 1024 / MIB
            cells = [self_link(model_id), Cell(parse_quantization(quantization).name),
                     _cell(first.weights / GIB, columns[2]), _cell(kv_per_1k, columns[3])]
            for tokens, column in zip(contexts, columns[4:]):
                if tokens > estimator.max_context(model_id):
                    cells.append(Cell(NOT_APPLICABLE))  # past the model's maximum context
                else:
                    cells.append(_cell(estimator(model_id, quantization, tokens, framework).peak / GIB, column))
            rows.append(Row(f"{model_id} {quantization}", tuple(cells)))
    caption = "峰值显存（GiB），按模型、量化和上下文长度"
    return _without_model(Table(name, columns, tuple(rows), caption=caption,
                                row_header_columns=MODEL_AND_QUANT), show_model)


def _without_model(table: Table, show_model: bool) -> Table:
    """On a model's own page every row names the same model: drop that column (the row labels keep it)."""
    if show_model:
        return table
    rows = tuple(Row(row.label, row.cells[1:]) for row in table.rows)
    return Table(table.name, table.columns[1:], rows, table.sources, table.aligned, table.caption,
                 table.row_header_columns - 1)


MODEL_AND_QUANT = 2  # the row header columns of a table by model and quantization


def gpu_catalogue_table(name: str, content: Content) -> Table:
    """Each card: the memory it is sold with, and the total CUDA reports (what vLLM's utilisation multiplies)."""
    columns = (Column("显卡", "text"), Column("显存（GiB）", "g2"), Column("CUDA 报告总量（GiB）", "f2"),
               Column("总量来源", "text"))
    rows = []
    for gpu in sorted(content.gpus.values(), key=lambda g: (g.memory_bytes, g.name)):
        if gpu.unified_memory:
            cuda, origin = Cell(NOT_APPLICABLE), Cell("统一内存，无 CUDA")
        else:
            cuda, origin = _cell(gpu.cuda_bytes / GIB, columns[2]), Cell("推算" if gpu.cuda_derived else "公开报告")
        rows.append(Row(gpu.name, (Cell(gpu.name), _cell(gpu.memory_bytes / GIB, columns[1]), cuda, origin)))
    return Table(name, columns, tuple(rows), caption="显卡和它的显存")


def smallest_fit(estimator: Estimator, model_id: str, quantization: str, context: int, framework: str,
                 gpus: list[str], multi_card: str) -> str:
    """The smallest single card that holds the run, else how many of ``multi_card`` it takes."""
    if context > estimator.max_context(model_id):
        return NOT_APPLICABLE
    single = estimator(model_id, quantization, context, framework)
    for gpu, card_bytes in _smallest_first(estimator, gpus):
        if gpu_fit.fits(single, card_bytes):
            return gpu
    cards = gpu_fit.cards_needed(lambda k: estimator(model_id, quantization, context, framework, gpus=k),
                                 estimator.gpu_bytes(multi_card))
    return f"{cards} × {multi_card}" if cards else f"> {gpu_fit.MAX_CARDS} × {multi_card}"


def _smallest_first(estimator: Estimator, gpus: list[str]) -> list[tuple[str, int]]:
    """(card, bytes), smallest first; equal sizes in the order given."""
    return sorted(((g, estimator.gpu_bytes(g)) for g in gpus), key=lambda pair: pair[1])


def gpu_fit_table(name: str, content: Content, estimator: Estimator, models, quantizations, contexts,
                  framework: str, gpus, multi_card: str, show_model: bool = True) -> Table:
    """Per model and quantization, for each context: the smallest card that fits, or how many cards it takes."""
    _check_lists(models=models, quantizations=quantizations, gpus=gpus)
    contexts = _context_list(contexts)
    for gpu in list(gpus) + [multi_card]:
        estimator.gpu_bytes(gpu)
    columns = (MODEL, QUANT) + tuple(Column(f"{tokens_label(t)} 上下文", "text") for t in contexts)
    rows = []
    for model_id in models:
        for quantization in quantizations:
            cells = [self_link(model_id), Cell(parse_quantization(quantization).name)]
            cells += [Cell(smallest_fit(estimator, model_id, quantization, t, framework, list(gpus), multi_card))
                      for t in contexts]
            rows.append(Row(f"{model_id} {quantization}", tuple(cells)))
    caption = f"能装下的最小显卡；一张不够时需要几张 {multi_card}"
    return _without_model(Table(name, columns, tuple(rows), caption=caption,
                                row_header_columns=MODEL_AND_QUANT), show_model)


def fit_grid_table(name: str, content: Content, estimator: Estimator, models, quantization: str, contexts,
                   framework: str, gpus, multi_card: str) -> Table:
    """Model x context: the smallest card that holds each run, coloured from green (the smallest card) to red
    (several of ``multi_card``)."""
    _check_lists(models=models, gpus=gpus)
    contexts = _context_list(contexts)
    tiers = sorted(gpus, key=lambda g: (estimator.gpu_bytes(g), list(gpus).index(g)))
    columns = (MODEL,) + tuple(Column(tokens_label(t), "text") for t in contexts)

    def hue(answer: str) -> int | None:
        if answer == NOT_APPLICABLE:
            return None
        rank = tiers.index(answer) if answer in tiers else len(tiers)
        return round(140 - 140 * rank / len(tiers))  # 140: green, 0: red

    rows = []
    for model_id in sorted_models(models):
        answers = [smallest_fit(estimator, model_id, quantization, t, framework, list(gpus), multi_card)
                   for t in contexts]
        rows.append(Row(f"{model_id} {quantization}", (self_link(model_id),) + tuple(
            Cell(answer, hue=hue(answer)) for answer in answers)))
    name_q = parse_quantization(quantization).name
    return Table(name, columns, tuple(rows),
                 caption=f"{name_q}：每个模型和上下文长度能装下的最小显卡（一张不够时需要几张 {multi_card}）")


def max_context_table(name: str, content: Content, estimator: Estimator, runs, gpus, framework: str) -> Table:
    """For a few (model, quantization) runs: the longest context each card holds, in K tokens (0: not at all)."""
    _check_lists(runs=runs, gpus=gpus)
    columns = (MODEL, QUANT) + tuple(Column(f"{gpu}（K Token）", "int") for gpu in gpus)
    rows = []
    for run in runs:
        if not isinstance(run, (list, tuple)) or len(run) != 2:
            raise GeneratorError(f"each run must be [model, quantization], not {run!r}",
                                 fix='write runs=[["Qwen2.5-7B-Instruct", "bf16"]]')
        model_id, quantization = run
        cells = [self_link(model_id), Cell(parse_quantization(quantization).name)]
        for gpu in gpus:
            longest = gpu_fit.longest_context(lambda t: estimator(model_id, quantization, t, framework),
                                              estimator.gpu_bytes(gpu), estimator.max_context(model_id))
            cells.append(_cell(longest // 1024, columns[len(cells)]))
        rows.append(Row(f"{model_id} {quantization}", tuple(cells)))
    return Table(name, columns, tuple(rows), caption="每张显卡能跑的最长上下文（K Token，0 表示装不下）",
                 row_header_columns=MODEL_AND_QUANT)


def vllm_capacity_table(name: str, content: Content, estimator: Estimator, runs, framework: str,
                        request_tokens: int) -> Table:
    """vLLM: KV cache capacity in tokens at its gpu_memory_utilization, and how many requests fit at once."""
    _check_lists(runs=runs)
    request_tokens = _context_list([request_tokens])[0]
    columns = (MODEL, QUANT, Column("显卡", "text"), Column("KV cache 容量（Token）", "intc"),
               Column(f"{tokens_label(request_tokens)} 请求并发数", "intc"))
    rows = []
    for run in runs:
        if not isinstance(run, (list, tuple)) or len(run) != 3:
            raise GeneratorError(f"each run must be [model, quantization, GPU], not {run!r}",
                                 fix='write runs=[["Qwen2.5-7B-Instruct", "bf16", "A100-80GB"]]')
        model_id, quantization, gpu = run
        result = estimator(model_id, quantization, request_tokens, framework, gpu=gpu)
        if result.refusal:
            # vLLM would not start (or not serve this request): no capacity to show.
            counts = (Cell(NOT_APPLICABLE), Cell(NOT_APPLICABLE))
        else:
            capacity = result.kv_cache_capacity_tokens
            counts = (_cell(capacity, columns[3]), _cell(capacity // request_tokens, columns[4]))
        cells = (self_link(model_id), Cell(parse_quantization(quantization).name), Cell(gpu)) + counts
        rows.append(Row(f"{model_id} {quantization} {gpu}", cells))
    return Table(name, columns, tuple(rows), caption="vLLM 预分配的 KV cache 能放多少 Token，能同时服务几个请求",
                 row_header_columns=MODEL_AND_QUANT)


def architecture_table(name: str, content: Content, estimator: Estimator, model_id: str) -> Table:
    """A model's architecture facts, the parameter count computed from them."""
    arch = estimator.architecture(model_id)
    facts = [("参数量（计算）", params_total(arch)), ("层数", arch.layers), ("隐藏维度", arch.hidden_size),
             ("注意力头", arch.heads), ("KV 头", arch.kv_heads), ("每头维度", arch.head_dim),
             ("MLP 中间维度", arch.intermediate_size), ("词表", arch.vocab_size),
             ("最大上下文（Token）", arch.max_position_embeddings),
             ("词嵌入与 lm_head 共享", "是" if arch.tie_word_embeddings else "否")]
    if arch.is_moe:
        facts += [("专家数", arch.num_experts), ("每 Token 激活专家", arch.experts_per_token)]
    if arch.is_mla:
        facts += [("MLA 潜向量维度", arch.kv_lora_rank)]
    if arch.sliding_window:
        facts += [("滑动窗口（Token）", arch.sliding_window), ("滑动窗口层数", arch.sliding_window_layers)]
    if arch.is_hybrid:
        # The state the version's transformers keeps (conv state at the full kernel in bf16, recurrent state fp32).
        state = state_bytes_per_sequence(arch, 2, 4, conv_columns=arch.conv_kernel)
        facts += [("存 KV 的注意力层", arch.attention_layers),
                  ("线性注意力 / Mamba2 层（存固定状态）", arch.state_layers),
                  ("KV cache 每 1K Token（16 位，MiB）", f"{kv_cache_bytes_per_token(arch, 2) * 1024 / 2 ** 20:.1f}"),
                  ("state 每个序列（transformers，MiB，与上下文长度无关）", f"{state / 2 ** 20:.1f}")]
    columns = (Column("项目", "text"), Column("值", "text"))
    return Table(name, columns, tuple(Row(label, (Cell(label), Cell(_thousands(value)))) for label, value in facts),
                 caption=f"{model_id} 的架构（来自 config.json）")


def _thousands(value) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
