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


# modules_to_not_convert as published checkpoints write it (the module names of transformers' modeling files), and
# the linear kinds each keeps at 16 bits. gpt-oss (openai/gpt-oss-20b config.json, Mxfp4Config): attention, the
# router, embeddings and head stay bf16, so of the linear kinds only attention. Names that are not a whole MLP
# (a router, a gate projection, one projection of the MLP) keep no MLP kind.
@pytest.mark.parametrize("modules, kinds", [
    (["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"], ("attention",)),
    (["lm_head"], ()),
    ([], ()),
    (None, ()),
    (["model.layers.0.attention"], ("attention",)),
    (["model.layers.*.mlp.experts"], ("experts",)),
    (["model.layers.*.mlp.shared_expert"], ("mlp",)),
    (["model.layers.*.mlp.shared_experts"], ("mlp",)),
    (["model.layers.0.mlp"], ("mlp",)),
    (["model.layers.0.mlp.*"], ("mlp",)),
    (["model.layers.0.feed_forward"], ("mlp",)),
    (["model.layers.0.mlp.gate_proj"], ()),
    (["model.layers.0.mlp.gate.weight"], ()),
    (["model.layers.0.feed_forward.router"], ()),
    (["model.layers.0.self_attn", "model.layers.0.mlp", "model.layers.0.mlp.experts"], ("attention", "experts", "mlp")),
])
def test_modules_to_not_convert_keep_these_linear_kinds_at_16_bits(modules, kinds):
    config = {"quantization_config": {"quant_method": "mxfp4", "modules_to_not_convert": modules}}
    assert quantization_from_config(config, "config.json").keep_16bit == kinds


def test_bitsandbytes_skip_modules_count_as_not_converted():
    config = {"quantization_config": {"quant_method": "bitsandbytes", "load_in_8bit": True,
                                      "llm_int8_skip_modules": ["model.layers.0.self_attn"]}}
    assert quantization_from_config(config, "config.json").keep_16bit == ("attention",)
