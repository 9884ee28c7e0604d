"""The index page's picker ("will it run on my card?", templates/picker.js) against its Python twin,
generator/calc/gpu_fit.py ``picker_answer`` (issue 23, item 5: the numbers only JavaScript computed get a Python twin).

The twin follows picker.js's rules: a GGUF quantization runs on llama.cpp whatever engine is chosen; llama.cpp runs
only GGUF; a Mac runs only llama.cpp; a context past the model's maximum is refused; otherwise one card of the chosen
size either holds the run ("fits"), or the answer is the longest context one card holds (a multiple of 1,024,
gpu_fit.longest_context), else the fewest cards that hold it (up to MAX_CARDS), else "does not fit". The numbers come
from the Python estimator; the page must show the same answer, and the same figures in its sentence, for 200 seeded
choices of model, context, quantization, engine and card."""

from __future__ import annotations

import os
import random

import pytest

from conftest import ROOT
from generator.calc.gpu_fit import busiest_gpu_bytes, picker_answer
from generator.core.errors import GeneratorError
from generator.render.i18n import page_word
from generator.catalogue.loading import load_content
from test_answer_first_browser import server  # noqa: F401

pytestmark = pytest.mark.e2e
INDEX = os.path.join(ROOT, "site", "index.html")
CONTENT = load_content(os.path.join(ROOT, "content"))
LANG = CONTENT.site.lang
GIB = 2 ** 30


def _tokens(n):
    return f"{n // 1024}K" if n % 1024 == 0 else f"{n:,}"


def twin(model_id, context, quantization, spec, gpu_name):
    """(verdict, the big number, figures the sentence must hold) as picker.js's answer() states them, from the
    Python twin."""
    arch = CONTENT.models[model_id].require_architecture()
    gpu = CONTENT.gpus[gpu_name]
    try:
        answer = picker_answer(arch, quantization, context, spec, gpu.usable_bytes, gpu.unified_memory,
                               CONTENT.frameworks)
    except GeneratorError:
        return "no", "—", []      # the page says it cannot (pick.cannot), with the estimator's words
    if answer.estimate is None:
        return "no", "—", []
    one = answer.estimate
    needs = f"{busiest_gpu_bytes(one) / GIB:.2f}"
    if answer.kind == "fits":
        if one.kv_cache_capacity_tokens is not None:
            figures = [f"{one.per_gpu_peak[0] / GIB:.2f}", f"{one.kv_cache_capacity_tokens:,}"]
        else:
            figures = [f"{one.peak / GIB:.2f}", needs]
        return "yes", page_word("pick.yes", LANG), figures
    if answer.kind == "at-most":
        return "no", page_word("pick.at-most", LANG, context=_tokens(answer.longest)), [needs, f"{answer.longest:,}"]
    if answer.kind == "needs-cards":
        return "no", page_word("pick.needs-cards", LANG, cards=answer.cards), [needs]
    return "no", page_word("pick.never", LANG), [needs]


_ANSWERS = """(cases) => cases.map((c) => {
  const set = (id, value) => { document.getElementById(id).value = value; };
  set("pick-model", c.model); set("pick-context", String(c.context)); set("pick-quantization", c.quantization);
  set("pick-engine", c.engine); set("pick-gpu", c.gpu); set("pick-vram", "");
  try {
    const answer = window.vramPicker.answer();
    return [answer.verdict, answer.number, answer.sentence];
  } catch (error) {
    return ["no", "—", ""];   // update() shows pick.cannot with the estimator's words
  }
})"""

_OPTIONS = """() => Object.fromEntries(["pick-model", "pick-context", "pick-quantization", "pick-engine", "pick-gpu"]
  .map((id) => [id, Array.from(document.getElementById(id).options).map((o) => o.value).filter(Boolean)]))"""


def test_the_picker_answers_as_the_python_twin(tab, server):  # noqa: F811
    if not os.path.exists(INDEX):
        pytest.skip("site/index.html is not built (run python -m generator build)")
    page = tab.open(f"{server}/index.html", 1280, 720)  # what browser.new_page() opens
    page.wait_for_function("window.vramPicker !== undefined")
    options = page.evaluate(_OPTIONS)
    rng = random.Random(20261207)
    cases = []
    for index in range(200):
        pick = {key: (values[index % len(values)] if index < len(values) else rng.choice(values))
                for key, values in options.items()}
        cases.append({"model": pick["pick-model"], "context": int(pick["pick-context"]),
                      "quantization": pick["pick-quantization"], "engine": pick["pick-engine"],
                      "gpu": pick["pick-gpu"]})
    shown = page.evaluate(_ANSWERS, cases)
    kinds = {}
    for case, (verdict, number, sentence) in zip(cases, shown):
        expected_verdict, expected_number, figures = twin(case["model"], case["context"], case["quantization"],
                                                          case["engine"], case["gpu"])
        assert (verdict, number) == (expected_verdict, expected_number), case
        for figure in figures:
            assert figure in sentence, (case, figure, sentence)
        kind = "refused" if number == "—" else verdict if verdict == "yes" else number.split(" ")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"\npicker answers: {kinds}")
    # Every kind of answer is exercised: fits, a shorter context, more cards or none, and the refusals.
    assert kinds.get("yes", 0) >= 20 and kinds.get("refused", 0) >= 5 and len(kinds) >= 4, kinds
