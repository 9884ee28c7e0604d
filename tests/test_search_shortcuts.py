"""The shortcuts that make `check` fast give the numbers of the plain searches they replace, case by case.

Each expected value comes from the plain definition written out here (a bisection over every multiple, a scan
over every card), not from the code under test."""

import pytest

from conftest import ROOT
from generator.tables import estimates
from generator.calc import vllm
from generator.calc.gpu_fit import MAX_CARDS, cards_needed, fewest_cards_possible, fits
from generator.calc.estimator import parse_framework, parse_quantization, vllm_rules, weight_bytes
from generator.catalogue.loading import load_content

CONTENT = load_content(f"{ROOT}/content")
MODELS = sorted(m.id for m in CONTENT.models.values() if m.architecture is not None)
# Every vLLM profile with a V1 engine; the catalogue's cards from 8 GB to 192 GB, named so that each card rule
# (large-card batch defaults, ROCm, Blackwell MXFP4 padding, NVLink) is met.
V1_VERSIONS = sorted({p.version or ".".join(map(str, p.min_version)) for p in CONTENT.frameworks
                      if p.engine == "vllm" and "v1" in p.vllm_engines.split() and not p.unmodelled})
CARDS = ["RTX 4060 8GB", "RTX 3060 12GB", "RTX 4090", "RTX 5090", "L40S", "A100-80GB", "H100-80GB", "H200",
         "MI300X"]


def plain_longest(arch, weights, act, rules, s, kv_value, granularity=vllm.BLOCK_TOKENS, quant_format=""):
    """vllm.longest_max_model_len as it was written before the V1 shortcut: a bisection of full plans."""
    top = s.max_model_len or arch.max_position_embeddings or vllm.LONGEST_SEARCH_TOKENS
    low, high = 0, top // granularity
    while low < high:
        middle = (low + high + 1) // 2
        tokens = middle * granularity
        trial = vllm.plan(arch, weights, act, rules, vllm.with_max_model_len(s, tokens), tokens, kv_value,
                          quant_format)
        if trial.admits:
            low = middle
        else:
            high = middle - 1
    return low * granularity


def test_the_v1_cases_cover_every_model_and_version():
    assert len(V1_VERSIONS) >= 3 and len(MODELS) >= 60


# Each case also varies one setting (tensor parallel, a max_model_len cap, the batch flag), the KV value size (fp8)
# and the search step, in turn, so that every model meets each of them on some card.
EXTRAS = ({}, {"tensor_parallel": 2}, {"max_model_len": 20000}, {"engine": "v1"}, {"max_num_batched_tokens": 512})
STEPS = ((None, vllm.BLOCK_TOKENS), (1.0, vllm.BLOCK_TOKENS), (None, 1024))


@pytest.mark.parametrize("version", V1_VERSIONS)
def test_longest_max_model_len_in_v1_is_the_plain_bisection(version):
    rules = vllm_rules(parse_framework(f"vllm=={version}", CONTENT.frameworks))
    compared = nonzero = 0
    for index, model_id in enumerate(MODELS):
        arch = CONTENT.models[model_id].require_architecture()
        for quant_name in ("bf16", "gptq-int4"):
            quant = parse_quantization(quant_name)
            weights = weight_bytes(arch, quant)[0]
            for turn, card_name in enumerate(CARDS, start=index):
                card = CONTENT.gpus[card_name]
                extra = EXTRAS[turn % len(EXTRAS)]
                kv_value, granularity = STEPS[turn % len(STEPS)]
                # The V1 engine also where the profile's default is V0 (0.7.x): V0 is the scan test's below.
                s = vllm.VllmSettings(card.usable_bytes, card.name, **{"engine": "v1", **extra})
                want = plain_longest(arch, weights, quant.compute_bytes, rules, s, kv_value, granularity,
                                     quant.format)
                got = vllm.longest_max_model_len(arch, weights, quant.compute_bytes, rules, s, kv_value,
                                                 granularity, quant.format)
                assert got == want, (version, model_id, quant_name, card_name, extra, kv_value, granularity)
                compared += 1
                nonzero += bool(want)
    # Both sides of the edge are exercised: runs that fit at some length, and runs that fit at none.
    assert compared == len(MODELS) * 2 * len(CARDS) and 0 < nonzero < compared


def scan_longest(arch, weights, act, rules, s, kv_value, granularity=vllm.BLOCK_TOKENS, quant_format=""):
    """The definition itself: every multiple of ``granularity`` up to the cap, the last whose plan admits."""
    top = s.max_model_len or arch.max_position_embeddings or vllm.LONGEST_SEARCH_TOKENS
    longest = 0
    for m in range(1, top // granularity + 1):
        tokens = m * granularity
        if vllm.plan(arch, weights, act, rules, vllm.with_max_model_len(s, tokens), tokens, kv_value,
                     quant_format).admits:
            longest = tokens
    return longest


def test_longest_max_model_len_in_v0_is_the_scan():
    """V0 sizes its batch by max_model_len up to 32K and `vllm serve` turns chunked prefill on above it, so the budget
    is not monotone: one bisection over the whole range missed the lengths above 32K that start (Llama-3.1-8B on an
    RTX 4090: 26,368 where 38,912 starts). Asked against every multiple of 1024."""
    profile = parse_framework("vllm==0.6.4", CONTENT.frameworks)
    rules = vllm_rules(profile)
    above = 0
    for model_id in MODELS[::3] + ["Llama-3.1-8B"]:
        arch = CONTENT.models[model_id].require_architecture()
        quant = parse_quantization("bf16")
        weights = weight_bytes(arch, quant)[0]
        for card_name in CARDS:
            card = CONTENT.gpus[card_name]
            s = vllm.VllmSettings(card.usable_bytes, card.name)
            want = scan_longest(arch, weights, 2, rules, s, None, 1024)
            assert vllm.longest_max_model_len(arch, weights, 2, rules, s, None, 1024) == want, (model_id, card_name)
            above += want > vllm.V0_LONG_CONTEXT > plain_longest(arch, weights, 2, rules, s, None, 1024)
    assert above  # the case the single bisection got wrong is among them


# --- The tables' scans over cards (generator/tables/estimates.py) ---------------------------------------------------
PAGES = CONTENT.site.model_pages


def plain_smallest_fit(estimator, model_id, quantization, context, framework, gpus, multi_card):
    """smallest_fit written out: every card the engine runs on, smallest first, asked in turn."""
    if context > estimator.max_context(model_id):
        return estimates.NOT_APPLICABLE
    single = estimator(model_id, quantization, context, framework)
    chosen = [g for g in gpus if estimates.runs_on(estimator, g, quantization, framework)]
    for gpu in sorted(chosen, key=estimator.limit_bytes):
        if fits(single, estimator.limit_bytes(gpu)):
            return gpu
    cards = cards_needed(lambda k: estimator(model_id, quantization, context, framework, gpus=k),
                         estimator.limit_bytes(multi_card))
    return f"{cards} × {multi_card}" if cards else f"> {MAX_CARDS} × {multi_card}"


def plain_vllm_smallest_start(estimator, model_id, quantization, framework, max_model_len, gpus):
    """vllm_smallest_start written out: an estimate on every card vLLM runs on, smallest first."""
    chosen = [g for g in gpus if estimates.runs_on(estimator, g, quantization, framework)]
    for gpu in sorted(chosen, key=estimator.limit_bytes):
        result = estimator(model_id, quantization, max_model_len, framework, gpu=gpu, max_model_len=max_model_len)
        if result.refusal is None:
            return gpu, result
    return None, None


def test_smallest_fit_is_the_plain_scan():
    estimator = estimates.Estimator(CONTENT)
    answers = set()
    for model_id in MODELS:
        for quantization in PAGES.quantizations:
            for context in PAGES.contexts:
                want = plain_smallest_fit(estimator, model_id, quantization, context, PAGES.framework,
                                          list(PAGES.gpus), PAGES.multi_card)
                assert estimates.smallest_fit(estimator, model_id, quantization, context, PAGES.framework,
                                                 list(PAGES.gpus), PAGES.multi_card) == want, (model_id, quantization)
                answers.add(want)
    # The smallest card, cards in between, several data-centre cards and "not applicable" all occur.
    assert {PAGES.gpus[0], estimates.NOT_APPLICABLE} <= answers and len(answers) > 10
    assert any("×" in answer for answer in answers)


@pytest.mark.parametrize("version", ["0.6.4", "0.21.0"])
def test_vllm_smallest_start_is_the_plain_scan(version):
    estimator = estimates.Estimator(CONTENT)
    framework = f"vllm=={version}"
    starts = none = 0
    for index, model_id in enumerate(MODELS):
        for quantization in [q for q in PAGES.quantizations if not estimates.is_gguf(q)] + ["fp32"]:
            for length in ((4096, 32768)[index % 2],):
                length = estimates.page_max_model_len(estimator, model_id, length)
                gpu, result = estimates.vllm_smallest_start(estimator, model_id, quantization, framework, length,
                                                               PAGES.gpus)
                want_gpu, want = plain_vllm_smallest_start(estimator, model_id, quantization, framework, length,
                                                           PAGES.gpus)
                assert (gpu, result) == (want_gpu, want), (model_id, quantization, length)
                starts += gpu is not None and gpu != PAGES.gpus[0]
                none += gpu is None
    assert starts and none  # runs that start on a larger card, and runs no single card starts


@pytest.mark.parametrize("multi_card", ["RTX 3060 12GB", "RTX 4090", "A100-40GB"])
def test_cards_below_the_fewest_possible_never_fit(multi_card):
    """gpu_fit.fewest_cards_possible only rules out counts whose estimates do not fit: asked directly for every
    count below it, on a small, a middle and a large card (transformers' and llama.cpp's layer splits)."""
    estimator = estimates.Estimator(CONTENT)
    limit = estimator.limit_bytes(multi_card)
    skipped = 0
    for index, model_id in enumerate(MODELS):
        context = PAGES.contexts[index % len(PAGES.contexts)]
        if context > estimator.max_context(model_id):
            continue
        for quantization in ("bf16", "gptq-int4", "q4_k_m", "q8_0"):
            single = estimator(model_id, quantization, context, PAGES.framework)
            start = fewest_cards_possible(single.weights, limit)
            for cards in range(1, min(start, MAX_CARDS + 1)):
                assert not fits(estimator(model_id, quantization, context, PAGES.framework, gpus=cards), limit), \
                    (model_id, quantization, cards)
                skipped += 1
            assert estimates.smallest_fit(estimator, model_id, quantization, context, PAGES.framework,
                                             list(PAGES.gpus), multi_card) == \
                plain_smallest_fit(estimator, model_id, quantization, context, PAGES.framework, list(PAGES.gpus),
                                   multi_card)
    assert skipped > 50
