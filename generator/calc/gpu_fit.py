"""Will it fit? Cards needed, the longest context a card holds. Pure: estimates and sizes in, numbers out.

A card holds an estimate when its busiest GPU's peak, plus the caching allocator's slack and the CUDA context
(both outside ``torch.cuda.max_memory_allocated``, see estimator.py), is within the card's memory.
"""

from __future__ import annotations

from typing import Callable

from generator.calc.estimator import ALLOCATOR_SLACK_FRACTION, CUDA_CONTEXT_BYTES, Estimate

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
