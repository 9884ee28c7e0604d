"""The fit rules and searches of generator/calc/gpu_fit.py at their edges, with the expected values written out here
from the rules the module's docstring and estimator.py cite (kills the mutants benchmarks/mutation.py found
surviving in gpu_fit).

* A card holds a run when the busiest GPU's peak plus the allocator's slack (5% of it: max_memory_reserved over
  max_memory_allocated) plus one CUDA context (512 MiB) is within the card's bytes: equal is enough.
* vLLM holds a request when it starts (no refusal) and its KV cache holds (context + new tokens) x batch tokens.
* The searches return the fewest cards that hold the run, and the longest multiple of 1,024 tokens that fits."""

from __future__ import annotations

import pytest

from generator.calc.estimator import Estimate
from generator.calc.gpu_fit import busiest_gpu_bytes, cards_needed, fits, longest_context

MIB, GIB = 2 ** 20, 2 ** 30
CONTEXT = 512 * MIB    # estimator.py CUDA_CONTEXT_BYTES (PyTorch's CUDA context and handles, ~0.5 GiB)


def _estimate(per_gpu_peak, capacity=None, refusal=None, context=1000, generate=24, batch=1):
    return Estimate(weights=0, kv_cache=0, activations=0, overhead=0, peak=sum(per_gpu_peak), steady=0,
                    per_gpu_peak=tuple(per_gpu_peak), gpus=len(per_gpu_peak), context=context, generate=generate,
                    batch=batch, kv_cache_capacity_tokens=capacity, refusal=refusal)


def test_the_busiest_gpu_counts_slack_and_one_context():
    # 20 GiB on the busiest of two GPUs: 20 x 1.05 = 21 GiB reserved, plus 0.5 GiB of context.
    assert busiest_gpu_bytes(_estimate([12 * GIB, 20 * GIB])) == 21 * GIB + CONTEXT


def test_a_card_of_exactly_the_bytes_needed_holds_the_run():
    needed = 20 * GIB * 105 // 100 + CONTEXT
    run = _estimate([20 * GIB])
    assert fits(run, needed)
    assert not fits(run, needed - 1)


@pytest.mark.parametrize("capacity, batch, refusal, holds", [
    (1024, 1, None, True),              # exactly (1000 + 24) x 1 tokens
    (1023, 1, None, False),
    (2048, 2, None, True),              # two sequences need twice the tokens
    (2047, 2, None, False),
    (10 ** 6, 1, "vLLM would not start", False),   # it refuses to start: nothing fits, whatever the cache
])
def test_vllm_holds_a_request_when_it_starts_and_its_cache_holds_every_sequence(capacity, batch, refusal, holds):
    # The card's bytes play no part: vLLM sizes itself to gpu_memory_utilization of the card.
    assert fits(_estimate([80 * GIB], capacity=capacity, refusal=refusal, batch=batch), 1) is holds


def test_vllm_counts_the_new_tokens_too():
    # 1000 prompt tokens + 24 new ones need 1024 tokens of cache; a cache of 1000 holds the prompt only.
    assert not fits(_estimate([GIB], capacity=1000), 100 * GIB)
    assert fits(_estimate([GIB], capacity=1024), 100 * GIB)


def test_cards_needed_is_the_fewest_that_hold_the_run():
    # 60 GiB of model split evenly: 80 GiB cards hold it on one; 24 GiB cards on 3 (20 GiB each, 21.5 GiB needed);
    # 16 GiB cards on 5 (12 GiB each: 13.1 GiB).
    def on(cards):
        return _estimate([60 * GIB / cards] * cards)
    assert cards_needed(on, 80 * GIB) == 1
    assert cards_needed(on, 24 * GIB) == 3
    assert cards_needed(on, 16 * GIB) == 5
    assert cards_needed(on, 16 * GIB, max_cards=4) is None
    assert cards_needed(on, 16 * GIB, max_cards=5) == 5


@pytest.mark.parametrize("edge, maximum, expected", [
    (5000, 131072, 4096),     # 4,096 fits, 5,120 does not
    (8192, 131072, 8192),     # the edge itself is a multiple
    (1023, 131072, 0),        # not even 1,024 tokens fit: 0
    (10 ** 9, 10000, 9216),   # everything fits: the largest multiple of 1,024 within the model's 10,000
    (10 ** 9, 1024, 1024),
])
def test_longest_context_is_the_last_multiple_of_1024_that_fits(edge, maximum, expected):
    # Memory grows with the context: a run fits while its context is at most `edge` tokens.
    def at(tokens):
        assert tokens % 1024 == 0 and 0 < tokens <= maximum   # the search only asks about whole steps it may give
        return _estimate([GIB if tokens <= edge else 100 * GIB])
    found = longest_context(at, 2 * GIB, maximum)
    assert found == expected and isinstance(found, int)
