"""generator/calc/seed_method.py at its edges (the survivors of benchmarks/mutation.py, scope seed_method): the seed's
per-token rate is the growth of peak memory over the extra tokens, in MiB (1 GiB = 1,024 MiB), defined for one extra
token or more and refused, with its reason, for none."""

from __future__ import annotations

import pytest

from generator.calc import seed_method


def test_a_rate_over_a_single_extra_token():
    # 0.5 GiB more for one more token: 512 MiB per token.
    assert seed_method.per_token_mib(0.5, 1) == 512.0


@pytest.mark.parametrize("tokens", [0, -1])
def test_no_rate_without_extra_tokens(tokens):
    with pytest.raises(ValueError) as info:
        seed_method.per_token_mib(1.0, tokens)
    assert str(info.value) == "a per-token rate needs more tokens than the baseline row"
