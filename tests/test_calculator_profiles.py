"""Browser parity for every framework profile (issue 23, item 5): each profile of content/frameworks.yaml (every
transformers range, every vLLM release range with each engine it has, every llama.cpp build range), and for vLLM each
card rule on both sides of its edge (an A100 and a card under 70 GiB keep the small defaults; an H100, an H200 and a
card of 160 GiB or more take the large ones where the release has them), typed into the calculator page: the page
shows exactly what `python -m generator estimate --json` says for the same inputs, or the same refusal.

The seeded random cases of tests/test_calculator.py draw from a fixed list of fourteen releases; this file walks the
profiles themselves, so a profile added to frameworks.yaml is covered without touching a list."""

from __future__ import annotations

import pytest

from generator.calc.estimator import parse_framework
from generator.core.errors import GeneratorError
from generator.render.i18n import page_word
from generator.engines.profiles import load_frameworks
from test_calculator import _expected_text, _python_report, _runnable, catalogue, page, site_dir  # noqa: F401

PROFILES = load_frameworks()
# A release inside each engine's first range, where the range starts at zero (no release 0.0.0 or b0 exists).
FIRST_RELEASE = {"transformers": "4.38.2", "vllm": "0.6.3", "llama.cpp": "4000"}
# Cards on both sides of the vLLM large-card rules: under 70 GiB; the A100 (excluded by name); an H100 (the
# h100-name rule); an H200 (over 70 GiB, not an A100); a B200 (over 160 GiB: the huge tier from v0.28).
VLLM_CARDS = ["RTX 4090", "A100-80GB", "H100-80GB", "H200", "B200"]


def _version(profile):
    low = ".".join(str(part) for part in profile.min_version)
    if all(part == 0 for part in profile.min_version):
        low = FIRST_RELEASE[profile.engine]
    if profile.engine == "llama.cpp":
        return "b" + low.split(".")[0]
    return low


def _spec(profile):
    return f"{profile.engine}=={_version(profile)}"


def _case(profile, **fields):
    version = _version(profile)
    case = {"model": "Qwen2.5-7B-Instruct", "quantization": "bf16", "context": 8192, "generate": 512, "batch": 1,
            "framework": _spec(profile), "engine": profile.engine, "version": version, "gpus": 1, "kv_dtype": "",
            "gpu": "", "config": "", "config_path": None}
    case.update(fields)
    return _runnable(case)


def _cases():
    cases = []
    for profile in PROFILES:
        if profile.engine == "transformers":
            for model, attn, gpus in (("Qwen2.5-7B-Instruct", "", 1), ("Qwen2.5-7B-Instruct", "eager", 2),
                                      ("gemma-2-9b", "sdpa", 1), ("Mistral-7B-v0.3", "", 1)):
                cases.append(_case(profile, model=model, attn=attn, gpus=gpus, gpu="A100-80GB"))
        elif profile.engine == "vllm":
            for engine in profile.vllm_engines.split():
                for card in VLLM_CARDS:
                    cases.append(_case(profile, gpu=card, vllm={"vllm-engine": engine}))
            cases.append(_case(profile, gpu="H100-80GB", model="DeepSeek-V2-Lite", context=4096))
        else:
            for model, quantization, flash in (("Qwen2.5-7B-Instruct", "q4_k_m", ""), ("DeepSeek-V2-Lite", "q8_0", "on"),
                                               ("gemma-2-9b", "q4_k_m", "off"), ("Llama-3.1-8B", "q6_k", "on")):
                cases.append(_case(profile, model=model, quantization=quantization, flash_attn=flash, gpu="RTX 4090"))
    return cases


def _profile_of(spec):
    """The profile the estimator picks for ``spec``; for a release marked unmodelled, the one that refuses it."""
    try:
        return parse_framework(spec, PROFILES).min_version
    except GeneratorError as error:
        assert "is not modelled" in error.message, error.message
        return next(p.min_version for p in PROFILES if p.unmodelled and _spec(p) == spec)


def test_the_cases_reach_every_profile_and_every_vllm_engine():
    cases = _cases()
    reached = {_profile_of(case["framework"]) + (case["engine"],) for case in cases}
    assert reached == {profile.min_version + (profile.engine,) for profile in PROFILES}
    engines = {(case["framework"], case["vllm"]["vllm-engine"]) for case in cases if case.get("vllm")}
    assert engines == {(_spec(p), e) for p in PROFILES if p.engine == "vllm" for e in p.vllm_engines.split()}


@pytest.mark.e2e
def test_the_page_matches_the_cli_for_every_profile(page):  # noqa: F811
    cases = _cases()
    results = page.run(cases)
    compared = refused = 0
    for case, result in zip(cases, results):
        expected = _python_report(case)
        refusal = expected.get("refused") or expected.get("refused_framework")
        if refusal:
            assert result["report"] is None, case
            assert page_word("err.engine", "zh-CN", detail=refusal) in result["errors"].values(), \
                (case, result["errors"])
            refused += 1
            continue
        assert result["errors"] == {k: "" for k in result["errors"]}, (case, result["errors"])
        assert result["report"] == expected, case
        assert result["outputs"] == _expected_text(expected), case
        compared += 1
    page.check_clean()
    # Most runs start; the 7B model in bf16 does not fit an RTX 4090 with vLLM's defaults at every release, and
    # releases past the modelled ones are refused: the refusals must agree too, but they must not be the bulk.
    assert compared > 2 * refused, (compared, refused)
    print(f"\n{len(cases)} cases over {len(PROFILES)} profiles: {compared} compared, {refused} refused alike")
