"""Tables of the updated edition: memory by model, quantization and context; which GPU fits; vLLM capacity.

Every number goes through the architecture-aware estimator (generator/calc/estimator.py) and
generator/calc/gpu_fit.py; these functions only choose what to estimate and name the cells.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from generator.calc import gpu_fit
from generator.calc import vllm as vllm_engine
from generator.calc.architecture import kv_cache_bytes_per_token, params_total, state_bytes_per_sequence
from generator.calc.estimator import (GIB, Estimate, estimate, parse_framework, parse_quantization, runnable_framework,
                             vllm_no_start_budget, vllm_rules, weight_bytes)
from generator.calc.vllm import VllmSettings
from generator.catalogue.loading import Content
from generator.core.errors import GeneratorError, shown
from generator.core.limits import MAX_TOKENS
from generator.render.escape import path_slug
from generator.render.formatting import format_number
from generator.tables.table import Cell, Column, Row, Table, value_cell

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
        self._smallest_first: dict = {}  # (cards, quantization, framework) -> cards smallest first
        self._sizes: dict = {}  # id of such a list -> (the list, its sizes)
        self._kept: dict = {}  # Estimator.kept
        self._runnable: dict = {}  # (model, quantization, framework) -> the profile its estimates run under

    def kept(self, key, make):
        """``make()``, once per estimator: what several pages show alike, from this content set."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]

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

    def limit_bytes(self, name: str) -> int:
        """What a run may use on the card: the total CUDA (or ROCm) reports, or a Mac's Metal working set."""
        self.gpu_bytes(name)
        return self._gpus[str(name).lower()].usable_bytes

    def card(self, name: str):
        self.gpu_bytes(name)
        return self._gpus[str(name).lower()]

    def engine_label(self, quantization: str, framework: str) -> str:
        """The engine and version a table's numbers come from: "transformers 4.46.0", "llama.cpp b6327+"."""
        return engine_label(self.framework_for(quantization, framework), framework if parse_quantization(
            quantization).format != "gguf" else "llama.cpp")

    def __call__(self, model_id: str, quantization: str, context: int, framework: str, gpus: int = 1,
                 gpu: str | None = None, max_model_len: int | None = None) -> Estimate:
        return self._cached(model_id, quantization, context, framework, gpus, gpu, max_model_len)

    def _estimate(self, model_id, quantization, context, framework, gpus, gpu, max_model_len) -> Estimate:
        profile = self.framework_for(quantization, framework)
        settings = None
        if profile.engine == "vllm" and gpu:
            # vLLM budgets what CUDA reports, and picks some defaults by the card's name and size.
            self.gpu_bytes(gpu)
            card = self._gpus[str(gpu).lower()]
            settings = VllmSettings(card.usable_bytes, card.name, unified_memory=card.unified_memory,
                                    max_model_len=max_model_len)
        # A family newer than the table's transformers release is shown under its first release (issue 21).
        key = (model_id, quantization, framework)
        if key not in self._runnable:  # the same few per model, asked for by every estimate
            self._runnable[key] = runnable_framework(self.architecture(model_id), profile, self.content.frameworks)
        profile = self._runnable[key]
        # Tables ask only whether vLLM starts, never print its refusal: no search for what would fit instead.
        return estimate(self.architecture(model_id), parse_quantization(quantization), context, profile, gpus=gpus,
                        gpu_memory_bytes=self.gpu_bytes(gpu) if gpu else None, vllm_settings=settings, advise=False)


def engine_label(profile, spec: str) -> str:
    """``transformers==4.46.0`` -> "transformers 4.46.0"; a bare ``llama.cpp`` or ``vllm`` -> the newest profile's
    range ("llama.cpp b6327+", "vLLM 0.11.0+"), so every caption names the version its numbers hold for."""
    name = {"vllm": "vLLM"}.get(profile.engine, profile.engine)
    text = str(spec)
    if "==" in text:
        return f"{name} {text.split('==', 1)[1].strip()}"
    low = ".".join(str(p) for p in (profile.min_version or ())[:3]) if profile.min_version else ""
    if profile.engine == "llama.cpp":
        return f"{name} b{profile.min_version[0]}+" if profile.min_version else name
    return f"{name} {low}+" if low else name


def engines_caption(estimator: "Estimator", quantizations, framework: str) -> str:
    """Which engine (and version) a table's rows come from: "transformers 4.46.0", or with GGUF rows
    "transformers 4.46.0；GGUF 行：llama.cpp b6327+"."""
    labels = []
    for quantization in quantizations:
        label = estimator.engine_label(quantization, framework)
        gguf = parse_quantization(quantization).format == "gguf"
        entry = (f"GGUF 行：{label}" if gguf else label)
        if entry not in labels:
            labels.append(entry)
    if len(labels) == 1 and labels[0].startswith("GGUF 行："):
        return labels[0].removeprefix("GGUF 行：")
    return "；".join(labels)


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
                 framework: str, show_model: bool = True, caption: str | None = None) -> Table:
    """Per model and quantization: weights, KV cache per 1K tokens, and the peak at each context length.

    Models come in the order the call lists them. A model's own page leaves out the model column."""
    _check_lists(models=models, quantizations=quantizations)
    contexts = _context_list(contexts)
    # Hybrid-state models (Mamba / linear-attention layers): their fixed state per sequence, as this engine keeps
    # it (estimator.py: transformers_state_bytes, llamacpp_state_bytes, vLLM's state slots), is a part of its own
    # beside the weights and the KV cache; a table without such a model has no such column.
    hybrid = any(estimator.architecture(m).is_hybrid for m in models)
    parts = (Column("权重（GiB）", "f2"), Column("KV cache（MiB / 1K Token）", "g2")) + \
        ((Column("state（MiB / 序列）", "f1"),) if hybrid else ())
    columns = (MODEL, QUANT) + parts + tuple(Column(f"峰值 @{tokens_label(t)}（GiB）", "f2") for t in contexts)
    peaks = columns[2 + len(parts):]
    rows = []
    for model_id in models:
        arch = estimator.architecture(model_id)
        for quantization in quantizations:
            first = estimator(model_id, quantization, contexts[0], framework)
            kv_per_1k = kv_cache_bytes_per_token(arch, 2) * 1024 / MIB
            cells = [self_link(model_id), Cell(parse_quantization(quantization).name),
                     value_cell(first.weights / GIB, columns[2]), value_cell(kv_per_1k, columns[3])]
            if hybrid:
                # One sequence (the table's batch is 1); a model without state layers has none.
                cells.append(value_cell(first.state / MIB, columns[4]) if arch.is_hybrid else Cell(NOT_APPLICABLE))
            for tokens, column in zip(contexts, peaks):
                if tokens > estimator.max_context(model_id):
                    cells.append(Cell(NOT_APPLICABLE))  # past the model's maximum context
                else:
                    cells.append(value_cell(estimator(model_id, quantization, tokens, framework).peak / GIB, column))
            rows.append(Row(f"{model_id} {quantization}", tuple(cells)))
    caption = caption or f"峰值显存（GiB），按模型、量化和上下文长度（{engines_caption(estimator, quantizations, framework)}，批大小 1）"
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
    """Each card: the memory it is sold with, and what a run may use of it: the total CUDA (ROCm) reports, which
    vLLM's utilisation multiplies, or on a Mac the Metal working set (recommendedMaxWorkingSetSize)."""
    columns = (Column("显卡", "text"), Column("显存（GiB）", "g2"), Column("可用（GiB）", "f2"),
               Column("可用的口径", "text"))
    rows = []
    for gpu in sorted(content.gpus.values(), key=lambda g: (g.usable_bytes, g.memory_bytes, g.name)):
        if gpu.unified_memory:
            origin = "Metal 工作集（" + ("按规则推算" if gpu.working_set_derived else "日志") + "）"
        else:
            origin = "CUDA 报告总量（" + ("推算" if gpu.cuda_derived else "公开报告") + "）"
        rows.append(Row(gpu.name, (Cell(gpu.name), value_cell(gpu.memory_bytes / GIB, columns[1]),
                                   value_cell(gpu.usable_bytes / GIB, columns[2]), Cell(origin))))
    return Table(name, columns, tuple(rows), caption="显卡：标称显存，和一次运行实际能用的部分")


def smallest_fit(estimator: Estimator, model_id: str, quantization: str, context: int, framework: str,
                 gpus: list[str], multi_card: str) -> str:
    """The smallest single card that holds the run, else how many of ``multi_card`` it takes."""
    if context > estimator.max_context(model_id):
        return NOT_APPLICABLE
    single = estimator(model_id, quantization, context, framework)
    cards = _smallest_first(estimator, gpus, quantization, framework)
    if single.kv_cache_capacity_tokens is None:
        # fits() is "the busiest GPU's need <= the card's bytes": the first card (smallest first) of at least that.
        index = bisect.bisect_left(_sizes(estimator, cards), gpu_fit.busiest_gpu_bytes(single))
        if index < len(cards):
            return cards[index][0]
    else:
        for gpu, card_bytes in cards:
            if gpu_fit.fits(single, card_bytes):
                return gpu
    limit = estimator.limit_bytes(multi_card)
    # Too few cards to hold even the weights are not asked (gpu_fit.fewest_cards_possible; vLLM asks its start-up).
    start = gpu_fit.fewest_cards_possible(single.weights, limit) if single.kv_cache_capacity_tokens is None else 1
    cards = gpu_fit.cards_needed(lambda k: estimator(model_id, quantization, context, framework, gpus=k), limit,
                                 start=start)
    return f"{cards} × {multi_card}" if cards else f"> {gpu_fit.MAX_CARDS} × {multi_card}"


def _sizes(estimator: Estimator, cards: list[tuple[str, int]]) -> list[int]:
    """The bytes of _smallest_first's cards, in its order (ascending), for bisect; kept with that list."""
    key = id(cards)
    found = estimator._sizes.get(key)
    if found is None or found[0] is not cards:
        found = estimator._sizes[key] = (cards, [size for _, size in cards])
    return found[1]


def runs_on(estimator: Estimator, gpu: str, quantization: str, framework: str) -> bool:
    """Whether the tables answer for this engine on this card: a Mac (unified memory, Metal) answers for
    llama.cpp only: vLLM is not offered there, and transformers' GPTQ/AWQ/FP8 kernels and its memory accounting
    (the CUDA caching allocator, estimator.py) are CUDA's."""
    return not estimator.card(gpu).unified_memory or \
        estimator.framework_for(quantization, framework).engine == "llama.cpp"


def _smallest_first(estimator: Estimator, gpus: list[str], quantization: str | None = None,
                    framework: str | None = None) -> list[tuple[str, int]]:
    """(card, the bytes a run may use on it), smallest first; equal sizes in the order given. With a
    quantization and framework, only the cards that engine runs on (``runs_on``)."""
    key = (tuple(gpus), quantization, framework)
    cache = estimator._smallest_first  # asked for once per cell: the same few lists
    if key not in cache:
        chosen = [g for g in gpus if quantization is None or runs_on(estimator, g, quantization, framework)]
        cache[key] = sorted(((g, estimator.limit_bytes(g)) for g in chosen), key=lambda pair: pair[1])
    return cache[key]


def gpu_fit_table(name: str, content: Content, estimator: Estimator, models, quantizations, contexts,
                  framework: str, gpus, multi_card: str, show_model: bool = True, caption: str | None = None) -> Table:
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
    caption = caption or (f"能装下的最小显卡；一张不够时需要几张 {multi_card}"
                          f"（{engines_caption(estimator, quantizations, framework)}）")
    return _without_model(Table(name, columns, tuple(rows), caption=caption,
                                row_header_columns=MODEL_AND_QUANT), show_model)


def fit_grid_table(name: str, content: Content, estimator: Estimator, models, quantization: str, contexts,
                   framework: str, gpus, multi_card: str) -> Table:
    """Model x context: the smallest card that holds each run, coloured from green (the smallest card) to red
    (several of ``multi_card``)."""
    _check_lists(models=models, gpus=gpus)
    contexts = _context_list(contexts)
    tiers = sorted(gpus, key=lambda g: (estimator.limit_bytes(g), list(gpus).index(g)))
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
                 caption=f"{name_q}（{estimator.engine_label(quantization, framework)}）：每个模型和上下文长度能装下的"
                         f"最小显卡（一张不够时需要几张 {multi_card}）")


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
            if not runs_on(estimator, gpu, quantization, framework):
                cells.append(Cell(NOT_APPLICABLE))
                continue
            longest = gpu_fit.longest_context(lambda t: estimator(model_id, quantization, t, framework),
                                              estimator.limit_bytes(gpu), estimator.max_context(model_id))
            cells.append(value_cell(longest // 1024, columns[len(cells)]))
        rows.append(Row(f"{model_id} {quantization}", tuple(cells)))
    engines = engines_caption(estimator, [run[1] for run in runs], framework)
    return Table(name, columns, tuple(rows),
                 caption=f"每张显卡能跑的最长上下文（K Token，0 表示装不下；{engines}）",
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
            counts = (value_cell(capacity, columns[3]), value_cell(capacity // request_tokens, columns[4]))
        cells = (self_link(model_id), Cell(parse_quantization(quantization).name), Cell(gpu)) + counts
        rows.append(Row(f"{model_id} {quantization} {gpu}", cells))
    label = engine_label(parse_framework(framework, content.frameworks), framework)
    return Table(name, columns, tuple(rows),
                 caption=f"{label}：预分配的 KV cache 能放多少 Token，能同时服务几个请求",
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


# -- engines by format: vLLM's start, the answer first, what a card runs --------------------------------------

def is_gguf(quantization: str) -> bool:
    return parse_quantization(quantization).format == "gguf"


def page_max_model_len(estimator: Estimator, model_id: str, wanted: int) -> int:
    """The --max-model-len a page states: the one asked for, or the model's maximum context when that is lower."""
    return min(wanted, estimator.max_context(model_id))


def vllm_smallest_start(estimator: Estimator, model_id: str, quantization: str, framework: str, max_model_len: int,
                        gpus) -> tuple:
    """(card, estimate) of the smallest card on which vLLM starts with this --max-model-len (its KV cache holds
    one whole request of that length); (None, None) when no single card listed does."""
    profile = estimator.framework_for(quantization, framework)
    # Cards whose whole start-up budget the weights fill cannot start it (estimator.vllm_no_start_budget): not asked.
    floor = vllm_no_start_budget(estimator.architecture(model_id), parse_quantization(quantization)) \
        if profile.engine == "vllm" else None
    for gpu, usable in _smallest_first(estimator, list(gpus), quantization, framework):
        if floor is not None and int(usable * profile.gpu_memory_utilization) <= floor:
            continue
        result = estimator(model_id, quantization, max_model_len, framework, gpu=gpu, max_model_len=max_model_len)
        if result.refusal is None:
            return gpu, result
    return None, None


def whole_requests(capacity_tokens: int, request_tokens: int) -> int:
    """How many whole requests of ``request_tokens`` the KV cache holds at once (vLLM's "maximum concurrency"
    rounded down: a part of a request is not served)."""
    return capacity_tokens // request_tokens


def vllm_start_table(name: str, content: Content, estimator: Estimator, model_id: str, quantizations, framework: str,
                     max_model_len: int, gpus) -> Table:
    """vLLM, one row per format: the smallest card it starts on at this --max-model-len, the KV cache it allocates
    there (tokens) and how many whole requests of that length run at once."""
    _check_lists(quantizations=quantizations, gpus=gpus)
    max_model_len = _context_list([max_model_len])[0]
    profile = parse_framework(framework, content.frameworks)
    columns = (QUANT, Column("能启动的最小显卡", "text"), Column("可用（GiB）", "f2"),
               Column("KV cache（Token）", "intc"), Column("同时服务的完整请求（个）", "intc"))
    rows = []
    for quantization in quantizations:
        gpu, result = vllm_smallest_start(estimator, model_id, quantization, framework, max_model_len, gpus)
        cells = [Cell(parse_quantization(quantization).name)]
        if gpu is None:
            cells += [Cell(NOT_APPLICABLE)] * 4
        else:
            capacity = result.kv_cache_capacity_tokens
            cells += [Cell(gpu), value_cell(estimator.limit_bytes(gpu) / GIB, columns[2]), value_cell(capacity, columns[3]),
                      value_cell(whole_requests(capacity, max_model_len), columns[4])]
        rows.append(Row(f"{model_id} {quantization}", tuple(cells)))
    label = engine_label(profile, framework)
    return Table(name, columns, tuple(rows),
                 caption=f"{label}，--max-model-len {max_model_len}，gpu_memory_utilization "
                         f"{profile.gpu_memory_utilization:g}：能启动的最小显卡，它预分配的 KV cache 和能同时服务的"
                         f"完整请求（每个 {max_model_len} Token）")


def answer_facts(content: Content, estimator: Estimator, model_id: str, pages, contexts) -> dict:
    """The figures a model page states first, each equal to a cell of the page's tables: GGUF on llama.cpp,
    bf16 on transformers, and vLLM's start. ``contexts``: the page's context columns."""
    context = max([t for t in contexts if t <= pages.answer_context] or [min(contexts)])
    gguf = [q for q in pages.quantizations if is_gguf(q)]
    formats = [q for q in pages.quantizations if not is_gguf(q)]
    # Every engine's key is there (None when the page's settings leave it out): the page asks each of them.
    facts = {"context": context, "context_label": tokens_label(context), "gguf": None, "transformers": None,
             "vllm": None}

    def answer(quantization: str) -> dict:
        run = estimator(model_id, quantization, context, pages.framework)
        return {"quantization": parse_quantization(quantization).name,
                "engine": estimator.engine_label(quantization, pages.framework),
                "peak_gib": format_number(run.peak / GIB, "f2"),
                "card": smallest_fit(estimator, model_id, quantization, context, pages.framework, list(pages.gpus),
                                     pages.multi_card)}

    if gguf:
        facts["gguf"] = answer("q4_k_m" if "q4_k_m" in gguf else gguf[-1])
    if formats:
        quantization = "bf16" if "bf16" in formats else formats[0]
        facts["transformers"] = answer(quantization)
        if pages.vllm:
            length = page_max_model_len(estimator, model_id, pages.vllm_max_model_len)
            gpu, result = vllm_smallest_start(estimator, model_id, quantization, pages.vllm, length, pages.gpus)
            facts["vllm"] = {"quantization": parse_quantization(quantization).name,
                             "engine": engine_label(parse_framework(pages.vllm, content.frameworks), pages.vllm),
                             "max_model_len": length, "card": gpu}
            if gpu is not None:
                capacity = result.kv_cache_capacity_tokens
                facts["vllm"].update(tokens=format_number(capacity, "intc"),
                                     requests=format_number(whole_requests(capacity, length), "intc"))
    return facts


def card_size_label(estimator: Estimator, gpu: str) -> str:
    """"8 GB": how readers name a card's size (the memory it is sold with)."""
    return f"{estimator.gpu_bytes(gpu) / GIB:g} GB"


def fits_slug(estimator: Estimator, gpu: str) -> str:
    return f"{estimator.gpu_bytes(gpu) / GIB:g}gb".replace(".", "-")


_LONGEST: dict = {}  # (arch, weights, act bytes, rules, settings) -> tokens: a pure search, kept for this process


def _longest_max_model_len(arch, weights: int, act_bytes: int, rules, settings) -> int:
    """vllm.longest_max_model_len (a search of some 15 start-up plans), kept by value for this process: a check after
    a build, or the test suite, asks for the same ones again (all the arguments are frozen values)."""
    key = (arch, weights, act_bytes, rules, settings)
    try:
        return _LONGEST[key]
    except KeyError:
        pass
    except TypeError:  # a value that cannot be hashed: not kept
        return vllm_engine.longest_max_model_len(arch, weights, act_bytes, rules, settings, None)
    if len(_LONGEST) >= 50_000:
        _LONGEST.clear()
    _LONGEST[key] = vllm_engine.longest_max_model_len(arch, weights, act_bytes, rules, settings, None)
    return _LONGEST[key]


def fits_tables(content: Content, estimator: Estimator, gpu: str, pages) -> list[Table]:
    """What one card runs, per engine: llama.cpp (each GGUF type), vLLM (each format) and transformers (bf16),
    each model that fits with the longest context it holds (0 and models that do not fit are left out)."""
    limit = estimator.limit_bytes(gpu)
    models = sorted_models(m.id for m in content.models.values() if m.architecture is not None)
    gguf = [q for q in pages.quantizations if is_gguf(q)]
    formats = [q for q in pages.quantizations if not is_gguf(q)]
    longest_k = Column("最长上下文（K Token）", "int")
    tables = []

    def longest(model_id, quantization, framework) -> int:
        return gpu_fit.longest_context(lambda t: estimator(model_id, quantization, t, framework), limit,
                                       estimator.max_context(model_id)) // 1024

    rows = []
    for model_id in models:
        for quantization in gguf:
            k = longest(model_id, quantization, pages.framework)
            if k:
                rows.append(Row(f"{model_id} {quantization}", (self_link(model_id),
                                                               Cell(parse_quantization(quantization).name),
                                                               value_cell(k, longest_k))))
    label = engines_caption(estimator, gguf, pages.framework) if gguf else "llama.cpp"
    tables.append(Table("fits-llama-cpp", (MODEL, QUANT, longest_k), tuple(rows),
                        caption=f"{gpu}（可用 {format_number(limit / GIB, 'f2')} GiB）上的 {label}：能跑的模型、GGUF "
                                f"类型和最长上下文", row_header_columns=MODEL_AND_QUANT))
    if pages.vllm and not estimator.card(gpu).unified_memory:
        profile = parse_framework(pages.vllm, content.frameworks)
        request = pages.vllm_max_model_len
        columns = (MODEL, QUANT, Column("最长 --max-model-len（Token）", "intc"),
                   Column(f"--max-model-len {request} 时的完整请求（个）", "text"))
        rows = []
        settings = VllmSettings(estimator.card(gpu).usable_bytes, estimator.card(gpu).name)  # frozen: one per card
        for model_id in models:
            arch = estimator.architecture(model_id)
            for quantization in formats:
                quant = parse_quantization(quantization)
                weights, _ = weight_bytes(arch, quant)
                tokens = _longest_max_model_len(arch, weights, quant.compute_bytes, vllm_rules(profile), settings)
                if not tokens:
                    continue
                length = page_max_model_len(estimator, model_id, request)
                run = estimator(model_id, quantization, length, pages.vllm, gpu=gpu, max_model_len=length)
                served = NOT_APPLICABLE if run.refusal else format_number(
                    whole_requests(run.kv_cache_capacity_tokens, length), "intc")
                rows.append(Row(f"{model_id} {quantization}", (self_link(model_id), Cell(quant.name),
                                                               value_cell(tokens, columns[2]), Cell(served))))
        tables.append(Table("fits-vllm", columns, tuple(rows),
                            caption=f"{gpu} 上的 {engine_label(profile, pages.vllm)}（gpu_memory_utilization "
                                    f"{profile.gpu_memory_utilization:g}）：能启动的模型和格式、最长的 --max-model-len，"
                                    f"和 --max-model-len {request}（或模型的最大上下文）时同时服务的完整请求",
                            row_header_columns=MODEL_AND_QUANT))
    if "bf16" in formats and not estimator.card(gpu).unified_memory:
        rows = []
        for model_id in models:
            k = longest(model_id, "bf16", pages.framework)
            if k:
                rows.append(Row(f"{model_id} bf16", (self_link(model_id), Cell("bf16"), value_cell(k, longest_k))))
        tables.append(Table("fits-transformers", (MODEL, QUANT, longest_k), tuple(rows),
                            caption=f"{gpu} 上的 {estimator.engine_label('bf16', pages.framework)}：bf16 能跑的模型"
                                    f"和最长上下文（峰值不超过可用显存）", row_header_columns=MODEL_AND_QUANT))
    return tables
