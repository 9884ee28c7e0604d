"""The seed post's method, worked out from its numbers.

The seed (2024-09-03) estimated inference memory in two parts:

* load memory: the weights alone, parameters (billions) x bits / 8, in GiB;
* context memory: tokens x a per-token rate, where the rate comes from the Qwen2 speed benchmark as the
  growth of peak memory between the 1-token row and a longer row, divided by the extra tokens.

All memory here is in GiB (2**30 bytes) and rates in MiB per token, the units the seed writes as "G" and "M".
"""

from __future__ import annotations

MIB_PER_GIB = 1024


def load_memory_gib(params_billion: float, bits_per_param: float) -> float:
    """Weights only: 1e9 parameters x bits / 8 bytes, which the seed writes as GiB (it ignores 1e9 vs 2**30)."""
    return params_billion * bits_per_param / 8


def token_difference(baseline_tokens: int, tokens: int) -> int:
    return tokens - baseline_tokens


def memory_difference_gib(baseline_gib: float, memory_gib: float) -> float:
    return memory_gib - baseline_gib


def per_token_mib(memory_difference: float, token_difference: int) -> float:
    """The marginal cost of one more context token, in MiB."""
    if token_difference <= 0:
        raise ValueError("a per-token rate needs more tokens than the baseline row")
    return memory_difference * MIB_PER_GIB / token_difference


def context_memory_gib(tokens: int, rate_mib_per_token: float) -> float:
    return tokens * rate_mib_per_token / MIB_PER_GIB


def total_memory_gib(load_gib: float, context_gib: float) -> float:
    return load_gib + context_gib
