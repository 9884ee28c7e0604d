"""vLLM's tensor-parallel split of attention (generator/calc/vllm.py tensor_parallel_refusal), from vLLM's code:

    ModelConfig.verify_with_parallel_config: total_num_attention_heads % tensor_parallel_size must be 0;
    QKVParallelLinear.__init__ (vllm/model_executor/layers/linear.py):
        self.num_heads = divide(self.total_num_heads, tp_size)
        if tp_size >= self.total_num_kv_heads:
            self.num_kv_heads = 1
            self.num_kv_head_replicas = divide(tp_size, self.total_num_kv_heads)
        else:
            self.num_kv_heads = divide(self.total_num_kv_heads, tp_size)
    divide() -> ensure_divisibility(): assert numerator % denominator == 0, "{} is not divisible by {}"

Each model's head counts are asserted from its config.json first, so the cases below follow from those lines.
"""

from __future__ import annotations

import os

import pytest

from generator.calc import vllm
from generator.catalogue.loading import load_content

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT = load_content(os.path.join(ROOT, "content"))


def arch(model_id, heads, kv_heads):
    a = CONTENT.models[model_id].require_architecture()
    assert (a.heads, a.kv_heads) == (heads, kv_heads)  # num_attention_heads, num_key_value_heads of config.json
    return a


@pytest.mark.parametrize("model_id, heads, kv_heads, tp, splits", [
    ("phi-4", 40, 10, 2, True),          # 10 % 2 == 0
    ("phi-4", 40, 10, 4, False),         # 40 % 4 == 0 but divide(10, 4) asserts
    ("phi-4", 40, 10, 5, True),          # divide(10, 5)
    ("phi-4", 40, 10, 8, False),         # 40 % 8 == 0 but divide(10, 8) asserts
    ("phi-4", 40, 10, 10, True),         # tp == KV heads: divide(10, 10), one head each
    ("phi-4", 40, 10, 20, True),         # divide(20, 10): each KV head on two GPUs
    ("Llama-3.2-3B", 24, 8, 3, False),   # divide(8, 3) asserts
    ("Llama-3.2-3B", 24, 8, 6, False),   # divide(8, 6) asserts
    ("Llama-3.2-3B", 24, 8, 4, True),
    ("Llama-3.2-3B", 24, 8, 8, True),
    ("Qwen2-1.5B-Instruct", 12, 2, 3, False),   # divide(3, 2) asserts: more GPUs than KV heads, not a multiple
    ("Qwen2-1.5B-Instruct", 12, 2, 4, True),    # divide(4, 2): replicated twice
    ("Qwen2-1.5B-Instruct", 12, 2, 5, False),   # 12 % 5: the query heads already refuse
])
def test_vllm_splits_attention_only_where_its_divisions_are_exact(model_id, heads, kv_heads, tp, splits):
    refusal = vllm.tensor_parallel_refusal(arch(model_id, heads, kv_heads), tp)
    assert (refusal is None) == splits, refusal
    if not splits:
        assert str(tp) in refusal
        assert ("attention heads" in refusal) == (heads % tp != 0)
        if heads % tp == 0:  # the refusal names the division that asserts: vLLM's branch on tp_size >= KV heads
            assert f"{kv_heads} KV heads over {tp} GPUs" in refusal
            needs = ("the GPUs to be a multiple of the KV heads" if tp >= kv_heads
                     else "the KV heads to be a multiple of the GPUs")
            assert f"QKVParallelLinear needs {needs} (vllm/model_executor/layers/linear.py" in refusal, refusal


def test_an_mla_model_is_split_by_its_query_heads_only():
    # DeepSeek's MLA projects K and V from the latent (ColumnParallelLinear/ReplicatedLinear, not QKVParallelLinear).
    a = CONTENT.models["DeepSeek-V3"].require_architecture()
    assert a.is_mla and a.heads == 128
    assert vllm.tensor_parallel_refusal(a, 8) is None
    assert vllm.tensor_parallel_refusal(a, 3) is not None  # 128 % 3
