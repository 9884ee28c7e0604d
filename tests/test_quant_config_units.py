"""generator/families/quant.py: a GPTQ/AWQ quantization_config's bits and group_size are positive integers, or -1
(transformers' GPTQConfig: group_size -1 means one group per row); anything else is refused with one line naming
the field, the value, the file and line, and the fix (the survivors of benchmarks/mutation.py, scope families.quant).
"""

from __future__ import annotations

import pytest

from generator.core.errors import GeneratorError
from generator.families.quant import quantization_from_config


def _gptq(**fields):
    return {"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, **fields}}


@pytest.mark.parametrize("field, value, shown", [
    ("bits", 0, "0"), ("bits", -2, "-2"), ("bits", True, "True"), ("bits", 4.0, "4.0"), ("bits", "4", "'4'"),
    ("group_size", 0, "0"), ("group_size", -128, "-128"), ("group_size", None, "None"),
])
def test_a_field_that_is_not_a_positive_integer_is_refused_with_its_line(field, value, shown):
    with pytest.raises(GeneratorError) as caught:
        quantization_from_config(_gptq(**{field: value}), "config.json", lambda key: 7)
    error = caught.value
    assert error.message == f"quantization_config field {field!r} must be a positive integer (or -1), got {shown}"
    assert (error.path, error.line, error.fix) == ("config.json", 7, "give the config.json as published")


@pytest.mark.parametrize("group", [-1, 1, 32, 128])
def test_minus_one_and_positive_group_sizes_are_accepted(group):
    assert quantization_from_config(_gptq(group_size=group), "config.json").group_size == group
