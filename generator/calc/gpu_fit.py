"""Will it fit? Cards needed, the longest context a card holds. Pure: estimates and sizes in, numbers out.

A card holds an estimate when its busiest GPU's peak, plus the caching allocator's slack and the CUDA context
(both outside ``torch.cuda.max_memory_allocated``, see estimator.py), is within the card's memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from generator.calc.estimator import (ALLOCATOR_SLACK_FRACTION, CUDA_CONTEXT_BYTES, Estimate, estimate,
                                      parse_framework, parse_quantization)

# Enough for every model in the catalogue (Qwen3-235B in bf16 needs about 6 cards of 80 GiB); past this we say
# "more than" rather than search on.
MAX_CARDS = 16


def busiest_gpu_bytes(estimate: Estimate) -> float:
    return max(estimate.per_gpu_peak) * (1 + ALLOCATOR_SLACK_FRACTION) + CUDA_CONTEXT_BYTES


def fits(estimate: Estimate, card_bytes: int) -> bool:
    if estimate.kv_cache_capacity_tokens is not None:
        # vLLM sizes itself to gpu_memory_utilization of the card: it fits when it starts (no refusal) and the KV
        # cache it allocates holds this request.
        return estimate.refusal is None and \
            estimate.kv_cache_capacity_tokens >= (estimate.context + estimate.generate) * estimate.batch
    return busiest_gpu_bytes(estimate) <= card_bytes


def cards_needed(estimate_on: Callable[[int], Estimate], card_bytes: int, max_cards: int = MAX_CARDS,
                 start: int = 1) -> int | None:
    """The fewest cards (1, 2, ...) whose split holds the run; None past ``max_cards``. ``start``: fewer cards are
    known not to hold it (fewest_cards_possible)."""
    for cards in range(max(1, start), max_cards + 1):
        if fits(estimate_on(cards), card_bytes):
            return cards
    return None


def fewest_cards_possible(weights: int, card_bytes: int, max_cards: int = MAX_CARDS) -> int:
    """The fewest cards that might hold a layer split whose weights are ``weights`` bytes (Estimate.weights: what sits
    on the cards); fewer cannot. The split puts every byte of the weights on some card, and each card's peak is its
    share of them plus caches and activations (never negative), so the busiest card holds at least weights / cards
    (less a byte per card that the int() of each peak may drop). That alone, with the allocator's slack and the CUDA
    context (busiest_gpu_bytes), above the card (with a margin far beyond float rounding) rules the count out. A
    shortcut for cards_needed: it skips only counts whose estimates would not fit. Not for vLLM (fits() asks its
    start-up, not bytes)."""
    cards = 1
    while cards <= max_cards and \
            (weights / cards - 1) * (1 + ALLOCATOR_SLACK_FRACTION) + CUDA_CONTEXT_BYTES > card_bytes * (1 + 1e-6) + 16:
        cards += 1
    return cards


def longest_context(estimate_at: Callable[[int], Estimate], card_bytes: int, max_tokens: int,
                    granularity: int = 1024) -> int:
    """The longest context (a multiple of ``granularity``, at most ``max_tokens``) that fits; 0 if none does.

    Memory grows with context, so a binary search over multiples of ``granularity`` finds the edge.
    """
    low, high = 0, max_tokens // granularity
    while low < high:
        middle = (low + high + 1) // 2
        if fits(estimate_at(middle * granularity), card_bytes):
            low = middle
        else:
            high = middle - 1
    return low * granularity


# --- The calculator's and the picker's answers (issue 23, item 5: what only the page's JavaScript computed) --------
# The smallest card vLLM starts on is searched in whole MiB, up to the largest card the page takes (a size typed in
# GB as sold: a card sold as 12 GB has 12 GiB, content/gpus.yaml).
CARD_STEP_BYTES = 2 ** 20
MAX_CARD_GB = 4096
# The picker's longest context is a multiple of this many tokens (longest_context's granularity).
CONTEXT_STEP_TOKENS = 1024


def smallest_card(estimate_on: Callable[[int], Estimate], max_bytes: int, step: int = CARD_STEP_BYTES) -> int | None:
    """The smallest card (a multiple of ``step`` bytes, at most ``max_bytes``) that holds the run, where
    ``estimate_on(card_bytes)`` estimates the run on a card of that size; None when not even ``max_bytes`` does.

    A bisection: a vLLM run needs more memory on a bigger card only through what it pre-allocates, which fits()
    accounts for (it asks whether the KV cache vLLM would allocate holds the request), so holding is monotone."""
    def holds(units: int) -> bool:
        return fits(estimate_on(units * step), units * step)

    low, high = 1, max_bytes // step
    if not holds(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low * step


def vllm_minimum_card(arch, quantization, context: int, framework, generate: int, batch: int, gpus: int,
                      kv_dtype, settings, max_bytes: int = MAX_CARD_GB * 2 ** 30) -> int | None:
    """The calculator's "vLLM starts on a card of at least N GiB": the smallest card of no name (so no card-name
    rule applies) on which vLLM, with these flags (``settings``: a VllmSettings whose card fields are replaced),
    starts and holds the request; None past ``max_bytes``."""
    def on(card_bytes: int) -> Estimate:
        flags = replace(settings, gpu_memory_bytes=card_bytes, gpu_name="", unified_memory=False)
        return estimate(arch, quantization, context, framework, generate, batch, gpus, kv_dtype, card_bytes,
                        vllm_settings=flags, advise=False)
    return smallest_card(on, max_bytes)


@dataclass(frozen=True)
class PickerAnswer:
    """The index page's picker ("will it run on my card?", templates/picker.js answer()), in numbers.

    ``kind``: "llamacpp-gguf" (llama.cpp runs only GGUF files), "mac-llamacpp" (a Mac runs only llama.cpp),
    "max-context" (past the model's maximum), "fits", "at-most" (the longest context one card holds:
    ``longest``), "needs-cards" (``cards`` cards hold it), "never". ``estimate``: the run on one card (None for the
    first three); ``cards``: the fewest cards from 2 that hold it (0: none up to MAX_CARDS); ``via_llamacpp``: a
    GGUF file asked of another engine, answered for llama.cpp."""

    kind: str
    estimate: Estimate | None = None
    cards: int = 0
    longest: int = 0
    via_llamacpp: bool = False


def picker_answer(arch, quantization: str, context: int, spec: str, card_bytes: int, unified_memory: bool,
                  profiles) -> PickerAnswer:
    """picker.js answer(), rule by rule, for ``context`` tokens and no new ones, batch 1, on a card of
    ``card_bytes`` usable bytes. A GGUF quantization runs on llama.cpp whatever engine is chosen; llama.cpp runs only
    GGUF; a Mac runs only llama.cpp; a context past the model's maximum is refused; otherwise one card holds the run,
    or the answer is the longest context one card holds, else the fewest cards, else "never". The estimator's own
    refusals (an unknown format, a version it cannot model) raise GeneratorError, as the page says them."""
    quant = parse_quantization(quantization)
    engine = spec.split("==")[0]
    via = False
    if quant.format == "gguf" and engine != "llama.cpp":
        spec = engine = "llama.cpp"
        via = True
    if quant.format != "gguf" and engine == "llama.cpp":
        return PickerAnswer("llamacpp-gguf")
    if unified_memory and engine != "llama.cpp":
        return PickerAnswer("mac-llamacpp")
    framework = parse_framework(spec, profiles)
    limit = arch.max_position_embeddings
    if limit and context > limit:
        return PickerAnswer("max-context")

    def at(tokens: int, cards: int) -> Estimate:
        return estimate(arch, quant, tokens, framework, gpus=cards, gpu_memory_bytes=card_bytes)
    one = at(context, 1)
    if fits(one, card_bytes):
        return PickerAnswer("fits", one, via_llamacpp=via)
    cards = 0
    for count in range(2, MAX_CARDS + 1):
        if fits(at(context, count), card_bytes):
            cards = count
            break
    longest = longest_context(lambda tokens: at(tokens, 1), card_bytes, limit or context, CONTEXT_STEP_TOKENS)
    kind = "at-most" if longest > 0 else "needs-cards" if cards else "never"
    return PickerAnswer(kind, one, cards, longest, via)
