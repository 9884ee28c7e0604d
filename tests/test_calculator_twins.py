"""The calculator's "vLLM starts on a card of at least N GiB" against its Python twin (issue 23, item 5).

The number used to exist only in templates/calculator/calculator.js (vllmMinimumCard). Its twin is
generator/calc/gpu_fit.py ``vllm_minimum_card``: the smallest card, in whole MiB up to MAX_CARD_GB, on which vLLM
with the same flags starts and holds the request (gpu_fit.fits), found by bisection. For 120 seeded choices of model,
format, context, new tokens, batch, tensor parallel size, vLLM release and engine, KV cache type and flags, the page
gives the same byte count as the Python; where the run starts on the chosen card the page also shows it, to two
decimals of GiB, in its summary line.

The seeded choices cover every vLLM profile of content/frameworks.yaml with each engine it has (the first 2 x
profiles cases walk them in order), so the sampler, non-torch, CUDA-graph and hybrid-cache rules of each release all
take part; the expected value never comes from the page.
"""

from __future__ import annotations

import random

import pytest

from generator.calc.estimator import parse_framework, parse_kv_dtype, parse_quantization
from generator.calc.gpu_fit import CARD_STEP_BYTES, MAX_CARD_GB, vllm_minimum_card
from generator.calc.vllm import VllmSettings
from generator.core.errors import GeneratorError
from generator.engines.profiles import load_frameworks
from test_calculator import catalogue, page, site_dir  # noqa: F401

PROFILES = load_frameworks()
GIB = 2 ** 30
FIRST = {(0, 0, 0): "0.6.3"}


def _vllm_specs():
    """(framework spec, engine) for every vLLM profile and engine, a release inside each range."""
    specs = []
    for profile in PROFILES:
        if profile.engine != "vllm" or profile.unmodelled:
            continue
        version = FIRST.get(profile.min_version, ".".join(str(p) for p in profile.min_version))
        for engine in profile.vllm_engines.split():
            specs.append((f"vllm=={version}", engine))
    return specs


def _cases(catalogue, count, seed):  # noqa: F811
    rng = random.Random(seed)
    models = [m.id for m in catalogue.models.values() if m.architecture is not None and m.params_b <= 80]
    specs = _vllm_specs()
    quantizations = ["bf16", "fp16", "fp8", "gptq-int4", "gptq-int8", "awq", "fp32"]
    cases = []
    for index in range(count):
        spec, engine = specs[index % len(specs)] if index < 2 * len(specs) else rng.choice(specs)
        flags = {"engine": engine,
                 "gpu_memory_utilization": rng.choice([None, None, 0.5, 0.8, 0.95]),
                 "max_model_len": rng.choice([None, None, 4096, 32768]),
                 "max_num_seqs": rng.choice([None, None, 16, 512]),
                 "max_num_batched_tokens": rng.choice([None, None, 1024, 8192]),
                 "enforce_eager": rng.random() < 0.2, "flashinfer_sampler": rng.random() < 0.2}
        cases.append({"model": rng.choice(models), "quantization": rng.choice(quantizations),
                      "context": rng.choice([1, 512, 4096, rng.randint(1, 65536)]),
                      "generate": rng.choice([0, 256, rng.randint(0, 4096)]), "batch": rng.randint(1, 4),
                      "gpus": rng.choice([1, 1, 2, 4]), "framework": spec, "kv_dtype": rng.choice(["", "fp8"]),
                      "flags": flags})
    return cases


def python_minimum(catalogue, case):  # noqa: F811
    arch = catalogue.models[case["model"]].architecture
    flags = case["flags"]
    settings = VllmSettings(0, "", case["gpus"], flags["gpu_memory_utilization"], flags["max_model_len"],
                            flags["max_num_seqs"], flags["max_num_batched_tokens"], flags["engine"],
                            flags["enforce_eager"], "auto", False, flags["flashinfer_sampler"])
    kv = parse_kv_dtype(case["kv_dtype"]) if case["kv_dtype"] else None
    return vllm_minimum_card(arch, parse_quantization(case["quantization"]), case["context"],
                             parse_framework(case["framework"], PROFILES), case["generate"], case["batch"],
                             case["gpus"], kv, settings)


# The page's own function on each request (the shape readRequest builds), and the summary line as the form shows it
# on a large card.
_MINIMA = """(cases) => cases.map((c) => {
  const calc = window.vramCalculator;
  const model = calc.data.models.filter((m) => m.id === c.model)[0];
  const f = c.flags;
  const request = { arch: model.architecture, quantization: c.quantization, context: c.context, generate: c.generate,
    batch: c.batch, gpus: c.gpus, framework: c.framework, kvDtype: c.kv_dtype || null,
    vllm: { gpu_memory_utilization: f.gpu_memory_utilization, max_model_len: f.max_model_len,
            max_num_seqs: f.max_num_seqs, max_num_batched_tokens: f.max_num_batched_tokens, engine: f.engine,
            enforce_eager: f.enforce_eager, flashinfer_sampler: f.flashinfer_sampler } };
  const $ = (id) => document.getElementById(id);
  $("model").value = c.model; $("config").value = ""; $("quantization").value = c.quantization;
  $("context").value = String(c.context); $("generate").value = String(c.generate); $("batch").value = String(c.batch);
  $("framework").value = "vllm"; $("framework-version").value = c.framework.split("==")[1];
  $("gpus").value = String(c.gpus); $("kv-dtype").value = c.kv_dtype; $("gpu").value = "B200";
  $("vllm-utilization").value = f.gpu_memory_utilization === null ? "" : String(f.gpu_memory_utilization);
  $("vllm-max-model-len").value = f.max_model_len === null ? "" : String(f.max_model_len);
  $("vllm-max-num-seqs").value = f.max_num_seqs === null ? "" : String(f.max_num_seqs);
  $("vllm-max-num-batched-tokens").value = f.max_num_batched_tokens === null ? "" : String(f.max_num_batched_tokens);
  $("vllm-engine").value = f.engine; $("vllm-enforce-eager").value = f.enforce_eager ? "1" : "";
  $("vllm-flashinfer-sampler").value = f.flashinfer_sampler ? "1" : "";
  $("context").dispatchEvent(new Event("input", { bubbles: true }));
  const shown = $("vllm-summary").hidden ? null : $("out-vllm-minimum").textContent;
  return [calc.vllmMinimumCard(request), shown];
})"""


@pytest.mark.e2e
def test_the_vllm_minimum_card_equals_the_python_twin(page, catalogue):  # noqa: F811
    cases = _cases(catalogue, 120, seed=20261207)
    results = page.page.evaluate(_MINIMA, cases)
    found = none = shown = 0
    for case, (minimum, text) in zip(cases, results):
        expected = python_minimum(catalogue, case)
        assert minimum == expected, case
        if expected is None:
            none += 1
        else:
            found += 1
            assert expected % CARD_STEP_BYTES == 0 and 0 < expected <= MAX_CARD_GB * GIB
        if text is not None:
            # The page's summary line, where the run starts on the B200 the form names.
            assert text == ("—" if expected is None else f"{expected / GIB:.2f}"), case
            shown += 1
    page.check_clean()
    print(f"\n{len(cases)} cases: {found} with a minimum card, {none} on no card up to {MAX_CARD_GB} GB, "
          f"{shown} shown on the page")
    # Most runs start on some card, the summary line shows most of them, and a few refusals (a head count that
    # does not divide, a context past max_model_len) take part.
    assert found >= 80 and shown >= 60 and none >= 1, (found, shown, none)


def test_the_twin_is_the_smallest_card_that_holds_the_run(catalogue):  # noqa: F811
    """The bisection's answer, checked from outside the search: vLLM starts on it and not on one MiB less
    (estimator.estimate with the card's size, gpu_fit.fits), for a few seeded cases."""
    from generator.calc.estimator import estimate
    from generator.calc.gpu_fit import fits
    for case in _cases(catalogue, 12, seed=5):
        minimum = python_minimum(catalogue, case)
        if minimum is None:
            continue
        arch = catalogue.models[case["model"]].architecture
        flags = case["flags"]
        kv = parse_kv_dtype(case["kv_dtype"]) if case["kv_dtype"] else None

        def holds(card):
            settings = VllmSettings(card, "", case["gpus"], flags["gpu_memory_utilization"], flags["max_model_len"],
                                    flags["max_num_seqs"], flags["max_num_batched_tokens"], flags["engine"],
                                    flags["enforce_eager"], "auto", False, flags["flashinfer_sampler"])
            result = estimate(arch, parse_quantization(case["quantization"]), case["context"],
                              parse_framework(case["framework"], PROFILES), case["generate"], case["batch"],
                              case["gpus"], kv, card, vllm_settings=settings)
            return fits(result, card)
        assert holds(minimum), case
        assert minimum == CARD_STEP_BYTES or not holds(minimum - CARD_STEP_BYTES), case


def test_the_picker_twin_answers_what_the_estimator_says(catalogue):  # noqa: F811
    """gpu_fit.picker_answer's answers, checked from outside its own searches for seeded picks: "fits" fits;
    "at-most" fits at that context and not 1,024 tokens more (below the model's maximum); "needs-cards" fits on
    that many cards and on none fewer; "never" fits on no count of cards up to MAX_CARDS and at no context."""
    from generator.calc.estimator import estimate
    from generator.calc.gpu_fit import CONTEXT_STEP_TOKENS, MAX_CARDS, fits, picker_answer
    rng = random.Random(11)
    models = [m.id for m in catalogue.models.values() if m.architecture is not None]
    cards = list(catalogue.gpus.values())
    specs = ["transformers==4.46.0", "vllm==0.8.0", "vllm", "llama.cpp"]
    kinds = {}
    for _ in range(40):
        arch = catalogue.models[rng.choice(models)].architecture
        quantization = rng.choice(["bf16", "fp8", "gptq-int4", "q4_k_m", "q8_0"])
        context, spec, gpu = rng.choice([1024, 8192, 32768, 131072]), rng.choice(specs), rng.choice(cards)
        try:
            answer = picker_answer(arch, quantization, context, spec, gpu.usable_bytes, gpu.unified_memory, PROFILES)
        except GeneratorError:
            kinds["cannot"] = kinds.get("cannot", 0) + 1   # the estimator's refusal: the page says it (pick.cannot)
            continue
        kinds[answer.kind] = kinds.get(answer.kind, 0) + 1
        if answer.estimate is None:
            continue
        quant = parse_quantization(quantization)
        framework = parse_framework("llama.cpp" if answer.via_llamacpp else spec, PROFILES)

        def holds(tokens, count):
            return fits(estimate(arch, quant, tokens, framework, gpus=count, gpu_memory_bytes=gpu.usable_bytes),
                        gpu.usable_bytes)
        assert holds(context, 1) == (answer.kind == "fits")
        if answer.kind == "at-most":
            assert holds(answer.longest, 1) and answer.longest % CONTEXT_STEP_TOKENS == 0
            limit = arch.max_position_embeddings or context
            assert answer.longest + CONTEXT_STEP_TOKENS > limit or not holds(answer.longest + CONTEXT_STEP_TOKENS, 1)
        if answer.cards:
            assert holds(context, answer.cards) and not any(holds(context, k) for k in range(2, answer.cards))
        if answer.kind == "never":
            assert not any(holds(context, k) for k in range(2, MAX_CARDS + 1))
    print(f"\npicker twin: {kinds}")
    assert len(kinds) >= 4, kinds


@pytest.mark.e2e
def test_the_bars_parts_equal_the_python_twin(page):  # noqa: F811
    """The headline bar's parts (calculator.js drawnParts) against generator/engines/glossary.py drawn_parts, the
    twin the CLI's readable report uses: for 400 seeded totals and parts (GiB at four decimals, as the report gives
    them, ties at the third decimal among them) the page rounds each part as the Python does."""
    from generator.engines.glossary import NOT_AT_ONCE, drawn_parts
    rng = random.Random(23)
    cases = []
    for index in range(400):
        parts = [(label, round(rng.uniform(0, 40), rng.choice([3, 4]))) for label in ("a", "b", "c", "d")
                 if rng.random() < 0.8]
        total = round(sum(value for _, value in parts) + rng.choice([0, 0, rng.uniform(-2, 2)]), rng.choice([3, 4]))
        if index % 7 == 0:
            total = rng.randrange(0, 40000) / 1000 + 0.0005 * rng.choice([0, 1])  # ties: x.xx5
        cases.append((total, parts))
    shown = page.page.evaluate("""([cases, label]) => cases.map(([total, parts]) =>
        window.vramCalculator.drawnParts(total, parts.map((p) => [p[0], p[1], "k"]), label)
          .map((p) => [p[0], p[1]]))""", [cases, NOT_AT_ONCE["zh-CN"]])
    for (total, parts), got in zip(cases, shown):
        assert [tuple(p) for p in got] == drawn_parts(total, parts, lang="zh-CN"), (total, parts)
