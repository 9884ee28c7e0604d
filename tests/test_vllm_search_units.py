"""vLLM's start-up plan, its searches and its defaults, unit by unit (generator/calc/vllm.py; the survivors of
benchmarks/mutation.py, scope calc.vllm: longest_max_model_len, what_would_fit, check, the scheduler, the batch
defaults and the CUDA graph sizes).

Where the expected values come from:
* the searches: their definition, written out here. The longest --max-model-len is the last multiple of the step, up
  to the cap (--max-model-len, else the model's max_position_embeddings, else LONGEST_SEARCH_TOKENS), whose plan
  admits one request; "--gpus N" is the first N above the current one, up to a node of 16, that divides the heads and
  starts; "--quantization Q" the first smaller format that starts; "--gpu-memory-utilization U" the smallest
  two-decimal utilisation above the current one, up to the start-up bound, at which the plan starts. Each is a scan
  of plan() over every candidate (plan() is vLLM's start-up arithmetic, tested against its logs in test_vllm.py);
* the defaults and refusals: vLLM's source at the versions content/frameworks.yaml lists, quoted at each test;
* the messages: the figures of the plan in GiB (bytes / 2**30), worked out here from the inputs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from conftest import ROOT
from generator.calc import vllm
from generator.calc.estimator import GIB, parse_framework, parse_quantization, vllm_rules, weight_bytes
from generator.catalogue.loading import load_content

CONTENT = load_content(f"{ROOT}/content")
_RULES: dict = {}


def rules(version: str) -> vllm.VllmRules:
    if version not in _RULES:
        _RULES[version] = vllm_rules(parse_framework(f"vllm=={version}", CONTENT.frameworks))
    return _RULES[version]


def arch(model_id: str):
    if model_id == "no-max-position":
        # A config without max_position_embeddings (the field is optional in HF configs): the searches fall back to
        # the request and LONGEST_SEARCH_TOKENS.
        return replace(arch("Llama-3.1-8B"), max_position_embeddings=0)
    return CONTENT.models[model_id].require_architecture()


def card_bytes(card) -> int:
    return CONTENT.gpus[card].usable_bytes if isinstance(card, str) else card


def settings(card, **flags) -> vllm.VllmSettings:
    return vllm.VllmSettings(card_bytes(card), card if isinstance(card, str) else "", **flags)


def admits(a, weights, act, r, s, tokens, kv_value, quant_format) -> bool:
    return vllm.plan(a, weights, act, r, vllm.with_max_model_len(s, tokens), tokens, kv_value, quant_format).admits


def scan_longest(a, weights, act, r, s, kv_value, step, quant_format) -> int:
    """The definition: every multiple of ``step`` up to the cap, the last whose plan admits (0: none)."""
    cap = s.max_model_len or a.max_position_embeddings or vllm.LONGEST_SEARCH_TOKENS
    longest = 0
    for m in range(1, cap // step + 1):
        if admits(a, weights, act, r, s, m * step, kv_value, quant_format):
            longest = m * step
    return longest


def starts(p: vllm.VllmPlan, request_tokens: int, s: vllm.VllmSettings, r: vllm.VllmRules) -> bool:
    """vLLM starts and serves the request: room for one max_model_len request, the request within max_model_len and,
    where the version checks it (V1, v0.9.1 on), the budget within the free memory after the CUDA context
    (gpu_worker.init_device: "if self.init_snapshot.free_memory < self.requested_memory: raise ValueError(...)")."""
    free_ok = not (r.free_memory_check and p.engine == "v1" and
                   p.budget > s.gpu_memory_bytes - vllm.STARTUP_USED_BYTES)
    return p.admits and p.max_model_len >= request_tokens and free_ok


# --- longest_max_model_len against the scan --------------------------------------------------------------------------
# (model, format, vLLM, card, flags, KV bytes per value (None: the model's), step). Each meets something the broad
# comparisons of test_search_shortcuts.py do not: MXFP4's padding (the format reaches every plan), an fp8 cache, a
# step the first guess does not divide, the model's maximum as the cap, caps below one and two steps, the engine flag
# against the version's default, a config without max_position_embeddings, V0's chunked prefill above 32K.
SEARCH_CASES = [
    ("gpt-oss-120b", "mxfp4", "0.21.0", "H100-80GB", {}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4090", {}, 1.0, 16),
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4090", {}, None, 1024),
    ("gemma-3-12b-it", "bf16", "0.11.0", "RTX 4090", {"max_model_len": 32768}, None, 16),
    ("Qwen2.5-0.5B-Instruct", "bf16", "0.11.0", "H100-80GB", {}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4090", {"max_model_len": 10}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4090", {"max_model_len": 16}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.7.0", "RTX 4090", {"engine": "v1", "max_model_len": 65536}, None, 16),
    ("no-max-position", "bf16", "0.11.0", "RTX 4090", {}, None, 1024),
    ("Llama-3.1-8B", "bf16", "0.6.4", "RTX 4090", {"max_model_len": 65536}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.9.0", "RTX 4090", {"engine": "v0", "max_model_len": 65536}, None, 16),
    ("gpt-oss-20b", "mxfp4", "0.6.4", "RTX 4090", {}, None, 1024),
    ("Llama-3.1-8B", "bf16", "0.6.4", "RTX 4090", {"max_model_len": 32768}, 1.0, 16),
    ("Llama-3.1-70B", "bf16", "0.6.4", "RTX 4090", {"max_model_len": 8192}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.6.4", "A100-80GB", {"max_model_len": 20000}, None, 1024),
    ("Qwen2.5-0.5B-Instruct", "bf16", "0.6.4", "H100-80GB", {}, None, 1024),
    ("no-max-position", "bf16", "0.6.4", "RTX 4090", {"max_model_len": 30000}, None, 16),
    ("Llama-3.1-8B", "bf16", "0.6.4", "RTX 4090", {"max_model_len": 10}, None, 16),
]


@pytest.mark.parametrize("model_id, quant_name, version, card, flags, kv_value, step", SEARCH_CASES)
def test_longest_max_model_len_is_the_last_length_that_admits(model_id, quant_name, version, card, flags, kv_value,
                                                              step):
    a, quant, r = arch(model_id), parse_quantization(quant_name), rules(version)
    weights = weight_bytes(a, quant)[0]
    s = settings(card, **flags)
    want = scan_longest(a, weights, quant.compute_bytes, r, s, kv_value, step, quant.format)
    got = vllm.longest_max_model_len(a, weights, quant.compute_bytes, r, s, kv_value, step, quant.format)
    # A token count: printed as "--max-model-len N", which vLLM parses as an int.
    assert type(got) is int and got == want


def test_the_cases_reach_both_ends_and_the_middle():
    """The search cases include runs that fit at no length, at the cap, and in between (so neither end is assumed)."""
    answers = set()
    for model_id, quant_name, version, card, flags, kv_value, step in SEARCH_CASES:
        a, quant = arch(model_id), parse_quantization(quant_name)
        s = settings(card, **flags)
        cap = s.max_model_len or a.max_position_embeddings or vllm.LONGEST_SEARCH_TOKENS
        longest = scan_longest(a, weight_bytes(a, quant)[0], quant.compute_bytes, rules(version), s, kv_value, step,
                               quant.format)
        answers.add("none" if not longest else "cap" if longest == cap // step * step else "inside")
    assert answers == {"none", "cap", "inside"}


def test_v0_finds_the_lengths_above_32k_that_start():
    """V0 profiles max(max_model_len, 2048) tokens, and `vllm serve` turns chunked prefill on above 32K
    (EngineArgs.create_engine_config, v0.6.x: "use_long_context = max_model_len > 32K"), which profiles 512 tokens
    (SchedulerConfig: chunked prefill's max_num_batched_tokens default): on an RTX 4090 Llama-3.1-8B starts at 26K,
    not at 32K, and again above 32K. The longest is above 32K."""
    a, r = arch("Llama-3.1-8B"), rules("0.6.4")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    s = settings("RTX 4090")
    assert admits(a, weights, 2, r, s, 26368, None, "") and not admits(a, weights, 2, r, s, 32768, None, "")
    longest = vllm.longest_max_model_len(a, weights, 2, r, s, None)
    assert longest > 32768 and admits(a, weights, 2, r, s, longest, None, "")
    assert longest == scan_longest(a, weights, 2, r, s, None, vllm.BLOCK_TOKENS, "")


def test_v1_ends_at_the_cap_when_the_last_step_below_it_is_the_answer():
    """A hybrid-state layout (NVIDIA-Nemotron-Nano-9B-v2: 672-token attention blocks) on a card that holds some
    40K tokens, capped one step above the longest that starts: the answer is the last step below the cap."""
    a, r = arch("NVIDIA-Nemotron-Nano-9B-v2"), rules("0.11.0")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    s = settings(20 * GIB)
    longest = scan_longest(a, weights, 2, r, replace(s, max_model_len=131072), None, 1024, "")
    assert 0 < longest < 131072
    capped = replace(s, max_model_len=longest + 1024)
    assert vllm.longest_max_model_len(a, weights, 2, r, capped, None, 1024) == \
        scan_longest(a, weights, 2, r, capped, None, 1024, "") == longest


def test_v1_with_blocks_but_no_room_for_one_step():
    """gpt-oss-20b (MXFP4) with a KV budget of two blocks of its 12-layer groups (24 pages of 16 tokens), capped at
    16 tokens: a 16-token request needs a page in each of the 12 full layers and two in each of the 12 sliding ones
    (SlidingWindowSpec: cdiv(min(window - 1 + batch, len), 16) + 1), 36 pages: nothing starts, the longest is 0."""
    a, r, quant = arch("gpt-oss-20b"), rules("0.11.0"), parse_quantization("mxfp4")
    weights = weight_bytes(a, quant)[0]
    page = 16 * 2 * a.kv_heads * a.head_dim * 2          # one layer's 16 tokens of K and V, bf16
    reference = settings(20 * GIB, max_model_len=16)
    left = vllm.plan(a, weights, 2, r, reference, 16, None, "mxfp4").kv_budget
    total = int((20 * GIB * 0.9 - left + 24.5 * page) / 0.9)
    s = settings(total, max_model_len=16)
    p = vllm.plan(a, weights, 2, r, s, 16, None, "mxfp4")
    assert p.num_blocks == 2 and not p.admits
    assert vllm.longest_max_model_len(a, weights, 2, r, s, None, quant_format="mxfp4") == 0


# --- what_would_fit against the scans ----------------------------------------------------------------------------------
def expected_advice(a, quant, r, s, request_tokens, kv_value, smaller) -> str:
    """The advice written out from its definition, each option a scan of plans."""
    act, weights = quant.compute_bytes, weight_bytes(a, quant)[0]
    p = vllm.plan(a, weights, act, r, s, request_tokens, kv_value, quant.format)
    options = []
    longest = scan_longest(a, weights, act, r, s, kv_value, vllm.BLOCK_TOKENS, quant.format)
    if 0 < longest < p.max_model_len:
        options.append(f"--max-model-len {longest} (the longest that fits)")
    # The start-up bound: never above 0.98, and from v0.9.1 the free memory after the CUDA context (0.35 GiB).
    bound = 0.98
    if r.free_memory_check:
        bound = min(bound, math.floor((s.gpu_memory_bytes - vllm.STARTUP_USED_BYTES) / s.gpu_memory_bytes * 100) / 100)
    for hundredths in range(round(p.gpu_memory_utilization * 100) + 1, round(bound * 100) + 1):
        u = hundredths / 100
        if starts(vllm.plan(a, weights, act, r, replace(s, gpu_memory_utilization=u), request_tokens, kv_value,
                            quant.format), request_tokens, replace(s, gpu_memory_utilization=u), r):
            options.append(f"--gpu-memory-utilization {u:g}")
            break
    for tp in range(s.tensor_parallel + 1, 17):
        # vLLM splits the query heads evenly (ModelConfig.verify_with_parallel_config) and the KV heads too, or copies
        # them when there are more GPUs (QKVParallelLinear: divide(kv_heads, tp) or divide(tp, kv_heads), exact).
        kv_split = a.is_mla or (a.kv_heads % tp == 0 if tp < a.kv_heads else tp % a.kv_heads == 0)
        if a.heads % tp == 0 and kv_split and starts(vllm.plan(a, weights, act, r, replace(s, tensor_parallel=tp), request_tokens,
                                                  kv_value, quant.format), request_tokens, s, r):
            options.append(f"--gpus {tp}")
            break
    for other in smaller:
        if starts(vllm.plan(a, weight_bytes(a, other)[0], act, r, s, request_tokens, kv_value, other.format),
                  request_tokens, s, r):
            options.append(f"--quantization {other.name}")
            break
    return ("; would fit: " + ", ".join(options)) if options else "; nothing smaller fits on this card"


def advice(a, quant, r, s, request_tokens, kv_value, smaller) -> str:
    p = vllm.plan(a, weight_bytes(a, quant)[0], quant.compute_bytes, r, s, request_tokens, kv_value, quant.format)
    return vllm.what_would_fit(a, p, r, s, request_tokens, kv_value, quant.compute_bytes,
                               lambda q: weight_bytes(a, q)[0], quant, smaller)


SMALLER_THAN_BF16 = tuple(parse_quantization(n) for n in ("fp8", "gptq-int8", "awq-int4"))
# (model, format, vLLM, card, request tokens, flags, KV bytes per value, smaller formats, the advice it gives).
ADVICE_CASES = [
    # 131 GiB of weights on one H100: no length fits; two ranks leave no room either, four do.
    ("Llama-3.1-70B", "bf16", "0.11.0", "H100-80GB", 8192, {}, None, (), "; would fit: --gpus 4"),
    # 756 GiB: eight H100s hold 94 GiB each, too much; sixteen (the most offered) hold it.
    ("Llama-3.1-405B", "bf16", "0.11.0", "H100-80GB", 8192, {}, None, (), "; would fit: --gpus 16"),
    # 15 GiB on a 16 GB card: two ranks.
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4060 Ti 16GB", 8192, {"max_model_len": 8192}, None, (),
     "; would fit: --gpus 2"),
    # 131072 tokens of fp8 cache fit two ranks of a 16 GB card (a 16-bit cache needs four), and an fp8 model with
    # it on a 24 GB card (a 16-bit cache does not fit beside any smaller format).
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4060 Ti 16GB", 131072, {}, 1.0, SMALLER_THAN_BF16,
     "; would fit: --gpus 2"),
    ("Llama-3.1-8B", "bf16", "0.11.0", "RTX 4090", 131072, {}, 1.0, SMALLER_THAN_BF16,
     "; would fit: --max-model-len 81840 (the longest that fits), --gpus 2, --quantization fp8"),
    # MXFP4's padding decides both the longest length and whether MXFP4 is offered for the bf16 checkpoint.
    # Its sliding layers hold 128 tokens, not the request: 0.97 leaves room for the 4.79 GiB one request needs.
    ("gpt-oss-120b", "mxfp4", "0.21.0", "H100-80GB", 131072, {}, None, (),
     "; would fit: --max-model-len 20784 (the longest that fits), --gpu-memory-utilization 0.97, --gpus 2"),
    # On 40 GB cards the padding decides the rank count: 2 hold the unpadded experts, not the padded ones.
    ("gpt-oss-120b", "mxfp4", "0.11.0", "A100-40GB", 8192, {}, None, (), "; would fit: --gpus 4"),
    ("gpt-oss-120b", "bf16", "0.21.0", "H100-80GB", 131072, {}, None, (parse_quantization("mxfp4"),),
     "; would fit: --gpus 4"),
    # A higher utilisation (with the CUDA-graph estimate of v0.21 on) and a shorter length both help.
    ("Llama-3.1-8B", "bf16", "0.21.0", "RTX 4090", 40000, {"max_model_len": 40000}, None, SMALLER_THAN_BF16,
     "; would fit: --max-model-len 33280 (the longest that fits), --gpu-memory-utilization 0.96, --gpus 2, "
     "--quantization fp8"),
]


@pytest.mark.parametrize("model_id, quant_name, version, card, request_tokens, flags, kv_value, smaller, message",
                         ADVICE_CASES)
def test_what_would_fit_is_each_options_scan(model_id, quant_name, version, card, request_tokens, flags, kv_value,
                                             smaller, message):
    a, quant, r = arch(model_id), parse_quantization(quant_name), rules(version)
    s = settings(card, **flags)
    assert expected_advice(a, quant, r, s, request_tokens, kv_value, smaller) == message
    assert advice(a, quant, r, s, request_tokens, kv_value, smaller) == message


def test_what_would_fit_stops_at_a_node_of_16():
    """A head count of 68 divides by 17 but not by 5 to 16 save 4: with weights that only 17 ranks hold, nothing is
    offered (what_would_fit tries up to MAX_SUGGESTED_TENSOR_PARALLEL = 16 ranks, a node of 16 GPUs)."""
    a = replace(arch("Llama-3.1-8B"), heads=68, kv_heads=68)
    quant, r = parse_quantization("bf16"), rules("0.11.0")
    s = settings("H100-80GB", max_model_len=4096)
    weights = 17 * 60 * GIB
    p = vllm.plan(a, weights, 2, r, s, 4096)
    got = vllm.what_would_fit(a, p, r, s, 4096, None, 2, lambda q: weights, quant, ())
    assert starts(vllm.plan(a, weights, 2, r, replace(s, tensor_parallel=17), 4096), 4096, s, r)
    assert got == "; nothing smaller fits on this card"


def test_what_would_fit_offers_nothing_where_vllm_refuses_before_memory():
    """No advice where the refusal is not about memory: Apple unified memory (vLLM has no Metal backend) and a tensor
    parallel size that does not divide the heads (ModelConfig.verify_with_parallel_config)."""
    a, quant, r = arch("Llama-3.1-8B"), parse_quantization("bf16"), rules("0.11.0")
    for s in (settings("M4 Max 128GB", unified_memory=True), settings("RTX 4060 8GB", tensor_parallel=3),
              settings("RTX 4060 8GB", tensor_parallel=3, unified_memory=True)):
        assert advice(a, quant, r, s, 8192, None, SMALLER_THAN_BF16) == ""


def test_what_would_fit_never_repeats_the_length_or_utilisation_already_set():
    """Refused because the request is longer than --max-model-len: the plan admits at its length, so that length is
    not offered again as "the longest", and no utilisation starts a run whose request exceeds max_model_len."""
    a, quant, r = arch("Llama-3.1-8B"), parse_quantization("bf16"), rules("0.11.0")
    s = settings("H100-80GB", max_model_len=4096)
    p = vllm.plan(a, weight_bytes(a, quant)[0], 2, r, s, 8192)
    assert p.admits and vllm.check(a, p, r, s, 8192, "16-bit").startswith("vLLM refuses the request")
    assert vllm.longest_max_model_len(a, weight_bytes(a, quant)[0], 2, r, s, None) == 4096
    assert advice(a, quant, r, s, 8192, None, ()) == expected_advice(a, quant, r, s, 8192, None, ()) == \
        "; nothing smaller fits on this card"


def test_the_utilisation_offered_may_be_the_bound_itself():
    """The start-up bound is inclusive: on a card where the smallest utilisation that starts is exactly the bound
    (0.98 here, below the free-memory bound of an 80 GB card), it is offered."""
    a, quant, r = arch("Llama-3.1-8B"), parse_quantization("bf16"), rules("0.11.0")
    weights = weight_bytes(a, quant)[0]
    # Find a max_model_len whose plan starts at 0.98 and not at 0.97 on a 24 GiB card (cards are any size here).
    s0 = settings(24 * GIB)
    for length in range(4096, 131072, 16):
        s = replace(s0, max_model_len=length)
        at = [starts(vllm.plan(a, weights, 2, r, replace(s, gpu_memory_utilization=u), length), length,
                     replace(s, gpu_memory_utilization=u), r) for u in (0.97, 0.98)]
        if at == [False, True]:
            break
    else:
        pytest.fail("no such length")
    message = advice(a, quant, r, s, length, None, ())
    assert message == expected_advice(a, quant, r, s, length, None, ())
    assert "--gpu-memory-utilization 0.98" in message


# --- check(): the refusals and their figures ---------------------------------------------------------------------------
def test_check_names_the_engines_a_version_has():
    a, r = arch("Llama-3.1-8B"), rules("0.11.0")
    s = settings("RTX 4090", engine="v0")
    p = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, r, s, 8192)
    assert vllm.check(a, p, r, s, 8192, "16-bit") == (
        "this vLLM version has no V0 engine (it has V1): V1 arrived in 0.7.0, V0 was removed in 0.11.0")
    both = rules("0.9.0")
    assert vllm.check(a, replace(p, engine="v2"), both, s, 8192, "16-bit") == (
        "this vLLM version has no V2 engine (it has V0, V1): V1 arrived in 0.7.0, V0 was removed in 0.11.0")


def test_check_refusals_that_do_not_depend_on_memory():
    a, r = arch("Llama-3.1-8B"), rules("0.11.0")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    s = settings("M4 Max 128GB", unified_memory=True)
    assert vllm.check(a, vllm.plan(a, weights, 2, r, s, 8192), r, s, 8192, "16-bit") == (
        "vLLM is not offered on Apple M-series (unified memory, no CUDA): pick a CUDA or ROCm card")
    s = settings("RTX 4090", tensor_parallel=3)
    assert vllm.check(a, vllm.plan(a, weights, 2, r, s, 8192), r, s, 8192, "16-bit") == (
        "vLLM refuses tensor parallel size 3: the model's 32 attention heads do not divide evenly "
        "(ModelConfig.verify_with_parallel_config)")


@pytest.mark.parametrize("kv_dtype", ["fp8_e4m3", "FP8_E5M2", "fp8-e4m3", "auto", "fp8"])
def test_check_takes_every_kv_cache_dtype_vllm_has(kv_dtype):
    """vllm/config/cache.py: CacheDType = Literal["auto", "fp8", "fp8_e4m3", "fp8_e5m2", ...]; the CLI spelling with
    "_" and any case are the same choice."""
    a, r = arch("Llama-3.1-8B"), rules("0.11.0")
    s = settings("H100-80GB", max_model_len=8192)
    p = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, r, s, 8192, 1.0)
    assert vllm.check(a, p, r, s, 8192, kv_dtype) is None


def test_check_free_memory_message_and_its_boundary():
    """V1 (v0.9.1 on) refuses when the free memory at start-up is LESS than utilisation x total (gpu_worker.py:
    "if self.init_snapshot.free_memory < self.requested_memory"): equal is accepted. The free memory is the card
    less the CUDA context, 0.35 GiB (STARTUP_USED_BYTES)."""
    a, r = arch("Qwen2.5-0.5B-Instruct"), rules("0.11.0")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    total = 24 * GIB
    s = settings(total, gpu_memory_utilization=0.99, max_model_len=4096)
    p = vllm.plan(a, weights, 2, r, s, 4096)
    # 0.99 x 24 = 23.76 GiB requested, 24 - 0.35 = 23.65 GiB free.
    assert vllm.check(a, p, r, s, 4096, "16-bit") == (
        "vLLM would not start: free memory on the device at start-up (about 23.65/24.00 GiB after the CUDA context) "
        "is less than the desired GPU memory utilization (0.99, 23.76 GiB)")
    free = total - vllm.STARTUP_USED_BYTES
    assert vllm.check(a, replace(p, budget=free), r, s, 4096, "16-bit") is None
    assert vllm.check(a, replace(p, budget=free + 1), r, s, 4096, "16-bit").startswith("vLLM would not start: free")


def test_check_no_room_message_names_every_part_in_gib():
    """70B in bf16 on one H100 at v0.21.0: the weights alone pass the budget (0.92 x 79.22 GiB)."""
    a, r = arch("Llama-3.1-70B"), rules("0.21.0")
    s = settings("H100-80GB", max_model_len=8192)
    p = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, r, s, 8192)
    gib = lambda b: f"{b / 2 ** 30:.2f}"  # noqa: E731
    assert p.cuda_graph_bytes > 0 and p.num_blocks == 0
    assert vllm.check(a, p, r, s, 8192, "16-bit") == (
        f"vLLM would not start: weights {gib(p.weights)} GiB, activation peak {gib(p.activation_peak)} GiB, "
        f"non-torch {gib(p.non_torch)} GiB and CUDA graphs {gib(p.cuda_graph_bytes)} GiB per GPU leave no room for "
        f"the KV cache in {gib(p.budget)} GiB (0.92 x 79.22 GiB)")
    # The figures themselves: 70.6e9 parameters x 2 bytes = 131.45 GiB (with the 32 MiB rotary table), 0.92 x 79.22.
    assert (gib(p.weights), gib(p.budget)) == ("131.45", "72.88")
    old = rules("0.11.0")
    q = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, old, s, 8192)
    assert q.cuda_graph_bytes == 0 and vllm.check(a, q, old, s, 8192, "16-bit") == (
        f"vLLM would not start: weights {gib(q.weights)} GiB, activation peak {gib(q.activation_peak)} GiB, "
        f"non-torch {gib(q.non_torch)} GiB per GPU leave no room for the KV cache in {gib(q.budget)} GiB "
        f"(0.9 x 79.22 GiB)")


def test_check_one_block_is_room_for_a_16_token_request():
    """One block of 16 tokens holds one request of max_model_len 16: vLLM starts (num_blocks > 0)."""
    a, r = arch("Llama-3.1-8B"), rules("0.6.4")
    s = settings("H100-80GB", max_model_len=16)
    p = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, r, s, 16)
    one = replace(p, num_blocks=1, reported_tokens=16, kv_budget=p.kv_needed_bytes)
    assert one.admits and vllm.check(a, one, r, s, 16, "16-bit") is None


def test_check_hybrid_shortfall_message_in_gib():
    """gemma-3-12b-it (GPTQ int4) at 131072 tokens on a 16 GB card (v0.11.0, grouped sliding layers): the request's
    pages pass the KV budget; the message gives both in GiB."""
    a, r = arch("gemma-3-12b-it"), rules("0.11.0")
    s = settings("RTX 4060 Ti 16GB", max_model_len=131072)
    p = vllm.plan(a, weight_bytes(a, parse_quantization("gptq-int4"))[0], 2, r, s, 131072, None, "gptq")
    assert p.kv_groups > 1 and p.num_blocks > 0 and not p.admits
    assert vllm.check(a, p, r, s, 131072, "16-bit") == (
        f"vLLM would not start: one max_model_len request (131072 tokens) needs {p.kv_needed_bytes / 2 ** 30:.2f} GiB "
        f"of KV cache per GPU, more than the {p.kv_budget / 2 ** 30:.2f} GiB left (the cache holds "
        f"{p.capacity_tokens} tokens)")


# --- The scheduler, the batch defaults, the CUDA graph sizes ----------------------------------------------------------
def test_v1_always_runs_chunked_prefill():
    """vllm/engine/arg_utils.py _set_default_args_v1 (v0.8 on): "# V1 always uses chunked prefills.
    self.enable_chunked_prefill = True"."""
    a = arch("Llama-3.1-8B")
    for version in ("0.8.0", "0.11.0", "0.21.0"):
        p = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, rules(version),
                      settings("H100-80GB", max_model_len=4096), 4096)
        assert p.engine == "v1" and p.chunked_prefill


def test_v0_chunked_prefill_follows_the_flags():
    """V0 (vllm/config.py SchedulerConfig._verify_args): "if self.max_num_batched_tokens < self.max_model_len and not
    self.chunked_prefill_enabled: raise ValueError(max_num_batched_tokens (...) is smaller than max_model_len ...)":
    a batch flag below max_model_len runs only with chunked prefill, one equal to it runs without. With no flag,
    chunked prefill is off up to 32K (EngineArgs: use_long_context = max_model_len > 32K)."""
    a, r = arch("Llama-3.1-8B"), rules("0.6.4")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]

    def chunked(**flags):
        return vllm.plan(a, weights, 2, r, settings("H100-80GB", **flags), 4096).chunked_prefill

    assert chunked(max_model_len=4096, max_num_batched_tokens=1024)
    assert not chunked(max_model_len=4096, max_num_batched_tokens=4096)
    assert not chunked(max_model_len=4096)
    assert chunked(max_model_len=40960)


def test_v0_and_v1_take_the_sequence_count_from_their_own_defaults():
    """V0: max_num_seqs 256 on every card (EngineArgs: "# Set max_num_seqs to 256 for VLLM_V0."); V1 on a large card
    (v0.9.0 on, at least 70 GiB and not an A100): 1024."""
    a = arch("Llama-3.1-8B")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    v0 = vllm.plan(a, weights, 2, rules("0.9.0"), settings("H100-80GB", engine="v0", max_model_len=4096), 4096)
    v1 = vllm.plan(a, weights, 2, rules("0.9.0"), settings("H100-80GB", max_model_len=4096), 4096)
    assert (v0.max_num_seqs, v1.max_num_seqs) == (256, 1024)


def test_large_card_defaults_start_at_70_and_160_gib_exactly():
    """vllm/engine/arg_utils.py: "if device_memory >= 70 * GiB_bytes and "a100" not in device_name:" (v0.9.0 on:
    8192 tokens and 1024 sequences for `vllm serve`) and, at v0.28.0, "if device_memory >= 160 * GiB_bytes:" (16384
    tokens). Both are >=: a card of exactly 70 or 160 GiB gets the larger defaults."""
    assert vllm.batch_defaults(rules("0.11.0"), "v1", 70 * GIB, "some card") == (8192, 1024)
    assert vllm.batch_defaults(rules("0.11.0"), "v1", 70 * GIB - 1, "some card") == (2048, 256)
    assert vllm.batch_defaults(rules("0.28.0"), "v1", 160 * GIB, "some card") == (16384, 1024)
    assert vllm.batch_defaults(rules("0.28.0"), "v1", 160 * GIB - 1, "some card") == (8192, 1024)


def test_cuda_graph_sizes_stop_at_twice_max_num_seqs():
    """vllm/config/vllm.py _set_cudagraph_sizes (v0.20.0): "max_graph_size = min(max_num_seqs * 2, 512)", sizes
    [1, 2, 4] + range(8, 256, 8) + range(256, max_graph_size + 1, 16): with 64 sequences, up to 128."""
    assert vllm.cuda_graph_capture_sizes(64, 8192) == [1, 2, 4] + list(range(8, 129, 8))
    assert vllm.cuda_graph_capture_sizes(200, 8192)[-1] == 400


def test_concurrency_of_one_token_requests():
    """"Maximum concurrency for N tokens per request" is the cache's tokens over N: for N = 1, the tokens."""
    a = arch("Llama-3.1-8B")
    p = vllm.plan(a, weight_bytes(a, parse_quantization("bf16"))[0], 2, rules("0.11.0"),
                  settings("H100-80GB", max_model_len=4096), 4096)
    assert p.capacity_tokens > 0
    assert p.concurrency(1) == p.capacity_tokens and p.concurrency(2) == p.capacity_tokens / 2


# --- plan(): the warning, the card name, the model dtype ---------------------------------------------------------------
def test_plan_warns_only_above_the_models_maximum():
    """vLLM refuses a max_model_len above the model's max_position_embeddings unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1
    (ModelConfig / _get_and_verify_max_len); at the maximum itself there is nothing to say."""
    a, r = arch("Qwen2.5-0.5B-Instruct"), rules("0.11.0")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    at = vllm.plan(a, weights, 2, r, settings("H100-80GB", max_model_len=32768), 32768)
    above = vllm.plan(a, weights, 2, r, settings("H100-80GB", max_model_len=32769), 32769)
    assert at.warnings == ()
    assert above.warnings == (
        "max_model_len 32769 is above the model's maximum context (32768): vLLM refuses it unless "
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, and the model was not trained for it",)


def test_plan_pads_mxfp4_experts_by_the_card():
    """The card's name picks the MoE kernel's padding (mxfp4.py, v0.10.1): Hopper's Marlin pads GPT-OSS-20B's 2880 x
    2880 experts to 2944 x 3072 (intermediate to 128, hidden to 256), Blackwell's FlashInfer to 3072 x 3072. Per
    expert matrix trio, the padding holds 3 x (padded - 2880 x 2880) values of 4.25 bits (MXFP4: 4 bits and one 8-bit
    scale per 32)."""
    a, r = arch("gpt-oss-20b"), rules("0.11.0")
    quant = parse_quantization("mxfp4")
    weights = weight_bytes(a, quant)[0]
    rotary = a.max_position_embeddings * a.head_dim * 2
    experts = a.layers * a.num_experts
    for card, padded in (("H100-80GB", 2944 * 3072), ("B200", 3072 * 3072)):
        p = vllm.plan(a, weights, 2, r, settings(card, max_model_len=4096), 4096, None, "mxfp4")
        pad = int(experts * 3 * (padded - 2880 * 2880) * 4.25 / 8)
        assert p.weights == int(weights + pad + rotary), card


def test_plan_in_fp32_keeps_the_hybrid_block_size():
    """With the model in float32 (--dtype float32) the KV cache (kv_cache_dtype auto) and the Mamba state
    (mamba_ssm_cache_dtype auto) are both 4 bytes a value, so the attention page and the state page double together
    and the attention block that holds one state page keeps its 672 tokens (NVIDIA-Nemotron-Nano-9B-v2, vLLM issue
    #24280: "672 tokens for nvidia/NVIDIA-Nemotron-Nano-9B-v2"): the cache reports whole blocks of 672."""
    a, r = arch("NVIDIA-Nemotron-Nano-9B-v2"), rules("0.11.0")
    weights = weight_bytes(a, parse_quantization("bf16"))[0]
    for act in (2, 4):
        p = vllm.plan(a, weights * act // 2, act, r, settings("H200", max_model_len=8192), 8192)
        assert p.capacity_tokens > 0 and p.capacity_tokens % 672 == 0, act
