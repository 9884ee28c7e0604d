"""One meaning per word: the terms every page, the calculator, the picker and the CLI use for their figures.

Each term names one number of the estimate (generator/calc/estimator.py, gpu_fit.py, vllm.py); the guide and the
calculator show these definitions, the CLI prints the English ones beside its figures, and the JSON keys carry the
same names (``peak_gib``, ``steady_gib``, ``needed_gib``, ``startup_reserve_gib``, ``usable_gib``).
"""

from __future__ import annotations

from generator.calc.estimator import ALLOCATOR_SLACK_FRACTION, CUDA_CONTEXT_BYTES

# (key, Chinese word, Chinese definition, English word, English definition), in the order a reader needs them.
TERMS = (
    ("peak", "峰值",
     "任一时刻分配得最多的显存（预填充或解码），口径同 torch.cuda.max_memory_allocated。每张卡各有一个峰值；"
     "“峰值”不加说明时是各卡峰值之和，“最忙那张卡的峰值”决定装不装得下。",
     "peak", "the most allocated at once (prefill or decode), as torch.cuda.max_memory_allocated counts it; per "
     "GPU, and summed over GPUs where not said otherwise"),
    ("steady", "稳态",
     "解码时一直占着的显存：权重、整个请求的 KV cache、混合架构模型的循环状态和一步的 logits（vLLM：权重、这次请求的 "
     "KV cache、循环状态和非 torch 显存）。",
     "steady", "what stays allocated while decoding: weights, the whole request's KV cache, a hybrid model's "
     "recurrent state and one step's logits"),
    ("needed", "所需显存",
     f"最忙那张卡的峰值，加上 PyTorch 分配器的余量（{ALLOCATOR_SLACK_FRACTION * 100:g}%）和 CUDA 上下文"
     f"（{CUDA_CONTEXT_BYTES // 2 ** 20} MiB）；不超过显卡的可用显存就装得下。",
     "needed", f"the busiest GPU's peak plus the allocator's slack ({ALLOCATOR_SLACK_FRACTION * 100:g}%) and the "
     f"CUDA context ({CUDA_CONTEXT_BYTES // 2 ** 20} MiB); it fits when this is within the card's usable memory"),
    ("usable", "可用显存",
     "一次运行能用的显存：驱动报告的总量（torch.cuda.mem_get_info，低于标称值）；Mac 为 Metal 允许 GPU 使用的工作集"
     "（recommendedMaxWorkingSetSize；sudo sysctl iogpu.wired_limit_mb=N 把它设为 N MiB）。",
     "usable", "what a run can use of the card: the total the driver reports (torch.cuda.mem_get_info), or on a Mac "
     "Metal's working set (recommendedMaxWorkingSetSize; `sudo sysctl iogpu.wired_limit_mb=N` sets it to N MiB)"),
    ("startup_reserve", "启动预留",
     "vLLM 启动时占下的显存：gpu_memory_utilization × 每张卡的可用显存。其中放权重、激活峰值和非 torch 显存，"
     "剩下的全部预分配给 KV cache；nvidia-smi 看到的占用就是它。",
     "startup reserve", "what vLLM takes at start-up on each GPU: gpu_memory_utilization x the card's usable memory, "
     "holding the weights, the activation peak and non-torch memory, the rest pre-allocated as KV cache"),
    ("requests", "完整请求",
     "KV cache 同时放得下的整个请求数（向下取整：半个请求不能服务）。",
     "whole requests", "how many whole requests the KV cache holds at once (rounded down)"),
)


def words(lang: str = "zh-CN") -> dict:
    """key -> the word in ``lang`` ("zh-CN" or "en")."""
    return {key: (zh if lang == "zh-CN" else en) for key, zh, _, en, _ in TERMS}


def definitions(lang: str = "zh-CN") -> list[dict]:
    """[{key, word, text}] in the order of TERMS."""
    return [{"key": key, "word": zh if lang == "zh-CN" else en, "text": zh_text if lang == "zh-CN" else en_text}
            for key, zh, zh_text, en, en_text in TERMS]


def markdown(lang: str = "zh-CN") -> str:
    """The definitions as a Markdown list (the guide's glossary)."""
    return "\n".join(f"- **{d['word']}**：{d['text']}" if lang == "zh-CN" else f"- **{d['word']}**: {d['text']}"
                     for d in definitions(lang))


# A figure that is a sum is drawn with its parts; when the parts do not add up to it (the KV cache of the whole
# request and the prefill activations are not allocated at the same moment), the difference is a part of its own.
NOT_AT_ONCE = {"zh-CN": "不同时占用", "en": "not at once"}


def drawn_parts(total: float, parts: list[tuple[str, float]], decimals: int = 2,
                lang: str = "zh-CN") -> list[tuple[str, float]]:
    """``parts`` (label, value) shown beside ``total``, each rounded so that the shown parts add up to the shown
    total exactly (largest remainder); a difference between ``total`` and the parts becomes the part
    ``NOT_AT_ONCE`` (negative when the parts are more than the total). Parts of zero are left out."""
    parts = [(label, value) for label, value in parts if value]
    difference = total - sum(value for _, value in parts)
    if abs(difference) >= 0.5 * 10 ** -decimals:
        parts.append((NOT_AT_ONCE[lang], difference))
    scale = 10 ** decimals
    target = round(total * scale)
    floors = [int(value * scale // 1) for _, value in parts]
    remainders = sorted(range(len(parts)), key=lambda i: (-(parts[i][1] * scale - floors[i]), i))
    for i in remainders[:max(0, target - sum(floors))]:
        floors[i] += 1
    return [(label, units / scale) for (label, _), units in zip(parts, floors)]
