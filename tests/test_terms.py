"""One meaning per word (issue 20 item 5): the picker, the calculator and the CLI give the same figures under the
same words on the same setups; a sum is drawn with parts that add up to it; counts are whole numbers; the guide
and the calculator define the words once, from generator/engines/glossary.py.

The picker and the calculator run in Node (calculator.js and picker.js as the site ships them, with a stub of the
few DOM calls they make), so this needs no browser.
"""

import json
import math
import shutil
import subprocess

import pytest

from conftest import repo_plan, run_cli
from generator.engines import glossary
from generator.render import i18n
from generator.site.calculator import DATA_PATH, SCRIPT_PATH

NODE = shutil.which("node") or shutil.which("nodejs")

# Model, quantization, context, framework, card: one per engine, small and large cards, a Mac.
SETUPS = [
    ("Qwen2.5-7B-Instruct", "awq", 8192, "transformers==4.46.0", "RTX 3060 12GB"),
    ("Qwen2.5-7B-Instruct", "bf16", 4096, "transformers==4.46.0", "RTX 4060 8GB"),
    ("Qwen2.5-7B-Instruct", "q4_k_m", 4096, "llama.cpp", "RTX 4060 8GB"),
    ("Llama-3.1-8B", "q4_k_m", 8192, "llama.cpp", "M4 16GB"),
    ("Qwen2.5-7B-Instruct", "awq", 8192, "vllm==0.11.0", "RTX 4090"),
    ("Llama-3.1-8B", "bf16", 8192, "vllm==0.11.0", "L40S"),
]

# The stub DOM: elements by id with the properties the scripts touch; the scripts run as the site ships them.
HARNESS = r"""
const fs = require("fs");
const [dataPath, calcPath, pickerPath, setupsPath, wordsPath] = process.argv.slice(2);
const elements = {};
// Any method the scripts call on an element (querySelector, appendChild ...) answers with another stub element.
function element(id) {
  if (!elements[id]) {
    const base = { id, value: "", hidden: false, textContent: "", className: "", href: "calculator/index.html",
      innerHTML: "", disabled: false, style: {}, dataset: {}, options: [], children: [],
      classList: { add() {}, remove() {}, toggle() {}, contains() { return false; } },
      querySelectorAll() { return []; }, getAttribute() { return null; } };
    elements[id] = new Proxy(base, { get(target, prop) {
      if (prop in target || typeof prop === "symbol") { return target[prop]; }
      return () => element(id + "/" + String(prop));
    } });
  }
  return elements[id];
}
element("estimator-data").textContent = fs.readFileSync(dataPath, "utf8");
element("page-words").textContent = fs.readFileSync(wordsPath, "utf8");
element("picker");
global.window = { location: { hash: "", search: "", pathname: "/index.html", href: "http://localhost/index.html" }, addEventListener() {}, history: null, navigator: {} };
global.document = { getElementById: (id) => (id === "calculator" ? null : element(id)), readyState: "complete",
  createElement: () => element("__scratch__"), addEventListener() {} };
global.URLSearchParams = URLSearchParams;
eval(fs.readFileSync(calcPath, "utf8"));
eval(fs.readFileSync(pickerPath, "utf8"));
const calc = window.vramCalculator;
const out = [];
for (const [model, quantization, context, framework, gpu] of JSON.parse(fs.readFileSync(setupsPath, "utf8"))) {
  const arch = calc.data.models.filter((m) => m.id === model)[0].architecture;
  const report = calc.report({ name: model, arch, quantization, context, generate: 0, batch: 1, gpus: 1,
    framework, kvDtype: null, gpu });
  delete report.estimate;
  element("pick-model").value = model;
  element("pick-context").value = String(context);
  element("pick-quantization").value = quantization;
  element("pick-engine").value = framework;
  element("pick-gpu").value = gpu;
  out.push({ report, picker: window.vramPicker.answer() });
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def browser_side(tmp_path_factory):
    if NODE is None:
        pytest.skip("Node.js is not installed")
    plan = repo_plan()
    folder = tmp_path_factory.mktemp("terms")
    paths = {}
    picker_source = open(f"{__import__('conftest').ROOT}/templates/picker.js", encoding="utf-8").read()
    for name, data in (("data.json", plan.files[DATA_PATH]), ("calculator.js", plan.files[SCRIPT_PATH]),
                       ("picker.js", picker_source.encode("utf-8")),
                       ("setups.json", json.dumps(SETUPS).encode("utf-8")), ("harness.js", HARNESS.encode("utf-8")),
                       ("words.json", json.dumps(i18n.page_words("zh-CN"), ensure_ascii=False).encode("utf-8"))):
        (folder / name).write_bytes(data)
        paths[name] = str(folder / name)
    done = subprocess.run([NODE, paths["harness.js"], paths["data.json"], paths["calculator.js"], paths["picker.js"],
                           paths["setups.json"], paths["words.json"]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cli(model, quantization, context, framework, gpu) -> dict:
    result = run_cli("estimate", "--config", model, "--quantization", quantization, "--context", str(context),
                     "--framework", framework, "--gpu", gpu, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("index", range(len(SETUPS)))
def test_picker_calculator_and_cli_agree(browser_side, index):
    setup = SETUPS[index]
    want = cli(*setup)
    page, picker = browser_side[index]["report"], browser_side[index]["picker"]
    # The calculator: the same figures under the same keys as the CLI's JSON.
    for key in ("peak_gib", "steady_gib", "needed_gib", "usable_gib", "fits", "gpu_memory_gib"):
        assert page[key] == want[key], key
    sentence = picker["sentence"]
    if "kv_cache_capacity_tokens" in want:
        # vLLM: the startup reserve per GPU, the tokens its KV cache holds, whole requests.
        assert page["kv_cache_capacity_tokens"] == want["kv_cache_capacity_tokens"]
        assert page["vllm"]["startup_reserve_gib"] == want["vllm"]["startup_reserve_gib"]
        requests = want["kv_cache_capacity_tokens"] // setup[2]
        assert want["concurrent_requests"] == page["concurrent_requests"] == requests
        assert isinstance(want["concurrent_requests"], int)
        assert f"启动预留 {want['vllm']['startup_reserve_gib']:.2f} GiB" in sentence
        assert f"{want['kv_cache_capacity_tokens']:,} Token" in sentence
        assert f"{requests:,} 个完整请求" in sentence
        assert "峰值" not in sentence
    elif want["fits"]:
        assert f"峰值 {want['peak_gib']:.2f} GiB" in sentence
        assert f"所需显存 {want['needed_gib']:.2f} GiB" in sentence
    else:
        assert f"所需显存 {want['needed_gib']:.2f} GiB" in sentence
    assert f"可用 {want['usable_gib']:.2f} GiB" in sentence
    assert picker["verdict"] == ("yes" if want["fits"] else "no")


def test_a_mac_is_judged_by_its_metal_working_set(browser_side):
    # 16 GiB of unified memory, of which Metal lets the GPU use 2/3 (10922.67 MiB, the llama.cpp log of
    # ise-uiuc/magicoder#19): the usable figure is that, not the 16.
    index = [s[4] for s in SETUPS].index("M4 16GB")
    report = cli(*SETUPS[index])
    assert report["usable_gib"] == round(10922.67 / 1024, 4)
    assert browser_side[index]["report"]["usable_gib"] == report["usable_gib"]


def test_drawn_parts_add_up_to_the_figure():
    # Largest remainder: 1.005 + 2.005 + 3.005 = 6.015 -> shown 6.02 (rounded half to even would say 6.01/6.02);
    # the parts are shown so that they add up to what is shown for the whole.
    parts = glossary.drawn_parts(6.015, [("a", 1.005), ("b", 2.005), ("c", 3.005)])
    assert round(sum(v for _, v in parts), 2) == round(6.015 * 100) / 100
    # Parts worth more than the figure (not all allocated at once): the difference is a named part.
    parts = glossary.drawn_parts(10.0, [("weights", 5.0), ("KV cache", 6.0)])
    assert parts[-1] == (glossary.NOT_AT_ONCE["zh-CN"], -1.0) and sum(v for _, v in parts) == 10.0
    # A part of zero is not drawn.
    assert [label for label, _ in glossary.drawn_parts(3.0, [("a", 3.0), ("overhead", 0.0)])] == ["a"]


def test_the_cli_draws_parts_that_add_up_to_its_figure():
    for setup in SETUPS:
        result = run_cli("estimate", "--config", setup[0], "--quantization", setup[1], "--context", str(setup[2]),
                         "--framework", setup[3], "--gpu", setup[4])
        lines = result.out.splitlines()
        head = next(i for i, line in enumerate(lines) if line.strip().startswith(("peak ", "startup reserve ")))
        total = float(lines[head].split("GiB")[0].split()[-1])
        parts = []
        for line in lines[head + 1:]:
            if not line.startswith("    "):
                break
            parts.append(float(line.split()[-2]))
        assert parts and round(sum(parts), 2) == total, setup
        assert "0.00 GiB" not in "\n".join(lines[head + 1:head + 1 + len(parts)])


def test_the_words_are_defined_once_in_the_guide_and_the_calculator():
    plan = repo_plan()
    guide = plan.files["posts/llm-inference-vram-guide.html"].decode("utf-8")
    calculator = plan.files["calculator/index.html"].decode("utf-8")
    for term in glossary.definitions("zh-CN"):
        for page in (guide, calculator):
            assert page.count(term["text"]) == 1, term["key"]
    assert 'id="glossary"' in calculator
    # The CLI's text uses the English words with the same definitions.
    result = run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--context", "4096", "--gpu", "RTX 3090")
    english = {d["key"]: d["text"] for d in glossary.definitions("en")}
    for key in ("peak", "steady", "needed"):
        assert english[key] in result.out


def test_request_counts_are_whole_numbers_on_the_pages():
    plan = repo_plan()
    for path, tables in plan.tables.items():
        for table in tables:
            for column_index, column in enumerate(table.columns):
                if ("请求" in column.header or "Token）" in column.header) and "iB" not in column.header:
                    for row in table.rows:
                        cell = row.cells[column_index]
                        if cell.value is not None:
                            assert float(cell.value) == math.floor(float(cell.value)), (path, table.name, row.label)
