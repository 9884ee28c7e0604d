"""The interactive calculator page (generator/site/calculator.py, templates/calculator/): its data and its numbers.

The browser tests open the page from disk (file://) in headless Chromium through Playwright and compare every
number the page shows with `python -m generator estimate --json` run in-process on the same inputs. Without
Chromium or Playwright they are skipped locally and fail in CI (environment variable CI set).
"""

from __future__ import annotations

import io
import json
import os
import random
import time
from pathlib import Path

import pytest

from generator.render.i18n import page_word

from generator import api, cli
from generator.site import calculator
from generator.catalogue import loading
from generator.render import pages as render
from generator.calc.architecture import Architecture
from generator.calc.estimator import FrameworkProfile, Quantization, parse_quantization, valid_quantization_names
from generator.catalogue.loading import load_catalogue
from generator.core.yamlio import read_yaml_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT = os.path.join(ROOT, "content")
TEMPLATES = os.path.join(ROOT, "templates")
SITE = {"title": "LLM 推理显存计算", "description": "大模型推理需要多少显存？"}
OUTPUT_IDS = ["out-model", "out-params", "out-quantization", "out-framework", "out-weights", "out-kv-cache",
              "out-state", "out-activations", "out-overhead", "out-peak", "out-steady", "out-per-gpu", "out-gpu", "out-gpu-memory",
              "out-fits", "out-busiest", "out-capacity", "out-concurrency"]
FITS_TEXT = {True: "能装下", False: "装不下"}
DASH = "—"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CONTENT)


def _files(catalogue):
    return calculator.calculator_files(catalogue, render.page_environment(TEMPLATES), SITE, "zh-CN")


# --- The data: pure, deterministic, and the same catalogue -------------------------------------------------------
def test_json_is_deterministic(catalogue):
    first = calculator.data_json(calculator.calculator_data(catalogue))
    second = calculator.data_json(calculator.calculator_data(load_catalogue(CONTENT)))
    assert first == second
    assert first.endswith("}\n") and not first.endswith("\n\n")
    assert first == json.dumps(json.loads(first), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    files_a, files_b = _files(catalogue), _files(catalogue)
    assert files_a == files_b
    assert sorted(files_a) == sorted([calculator.DATA_PATH, calculator.SCRIPT_PATH, calculator.PAGE_PATH])
    assert files_a[calculator.DATA_PATH] == first.encode("utf-8")
    with open(os.path.join(TEMPLATES, "calculator", "calculator.js"), "rb") as handle:
        assert files_a[calculator.SCRIPT_PATH] == handle.read()


def test_json_round_trips_the_catalogue(catalogue):
    data = json.loads(calculator.data_json(calculator.calculator_data(catalogue)))
    assert [m["id"] for m in data["models"]] == list(catalogue.models)
    for entry in data["models"]:
        model = catalogue.models[entry["id"]]
        assert entry["params_b"] == model.params_b
        fields = entry["architecture"]
        assert Architecture(**{**fields, "architectures": tuple(fields["architectures"]),
                               "mixer_shapes": tuple(tuple(s) for s in fields["mixer_shapes"])}) == model.architecture
    profiles = []
    for fields in data["frameworks"]:
        bounds = {k: tuple(fields[k]) if fields[k] is not None else None for k in ("min_version", "max_version")}
        profiles.append(FrameworkProfile(**{**fields, **bounds}))
    assert tuple(profiles) == catalogue.frameworks
    assert {g["name"]: g["memory_bytes"] for g in data["gpus"]} == {n: g.memory_bytes for n, g in catalogue.gpus.items()}
    assert [g["name"] for g in data["gpus"]] == list(catalogue.gpus)
    assert data["default_framework"] == api.DEFAULT_FRAMEWORK   # what `estimate` runs when no framework is named
    quant = data["quantization"]
    assert quant["valid_names"] == valid_quantization_names()
    for name in valid_quantization_names():
        q = parse_quantization(name)
        if q.format == "gguf":
            assert quant["gguf_bits_per_weight"][q.name] == q.bits
        else:
            fields = quant["formats"][q.name]
            assert Quantization(**{**fields, "block_size": tuple(fields["block_size"]),
                                   "keep_16bit": tuple(fields["keep_16bit"])}) == q
    constants = data["constants"]
    assert constants["allocator_slack_fraction"] == 0.05 and constants["cuda_context_bytes"] == 512 * 2 ** 20


def test_page_embeds_the_same_json(catalogue):
    files = _files(catalogue)
    html = files[calculator.PAGE_PATH].decode("utf-8")
    start = html.index('<script type="application/json" id="estimator-data">') + len(
        '<script type="application/json" id="estimator-data">')
    embedded = html[start:html.index("</script>", start)]
    assert json.loads(embedded) == json.loads(files[calculator.DATA_PATH])
    assert '<script src="calculator.js"></script>' in html
    assert 'href="../index.html"' in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "fetch(" not in files[calculator.SCRIPT_PATH].decode("utf-8")


# --- The browser (one Chromium for the session: conftest.browser) -----------------------------------------------
@pytest.fixture(scope="module")
def site_dir(tmp_path_factory, catalogue):
    folder = tmp_path_factory.mktemp("calculator-site")
    for path, data in _files(catalogue).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    # The site's icon, stylesheet and table script, which every page loads (site/plan.py writes them beside the
    # calculator).
    (folder / "assets").mkdir(exist_ok=True)
    for name in ("favicon.svg", "style.css", "site.js"):
        (folder / "assets" / name).write_bytes((Path(TEMPLATES) / name).read_bytes())
    return folder


class Page:
    """The calculator page freshly loaded for one test, with every request and script error of that load recorded.

    A module's tests share one page (conftest.calculator_tab; a new one costs Chromium a renderer process): each
    loads the calculator again at its own size, with listeners of its own, removed when it closes."""

    def __init__(self, shared, site_dir, width=1280, height=900):
        self.requests, self.errors = [], []
        self.page = shared
        self._listeners = [("request", lambda request: self.requests.append(request.url)),
                           ("pageerror", lambda error: self.errors.append(str(error))),
                           ("console", lambda message: message.type == "error" and self.errors.append(message.text))]
        self.page.goto("about:blank")
        self.page.set_viewport_size({"width": width, "height": height})
        for event, handler in self._listeners:
            self.page.on(event, handler)
        self.page.goto((site_dir / "calculator" / "index.html").as_uri())
        self.page.wait_for_function("window.vramCalculator && window.vramCalculator.last !== undefined")

    def run(self, cases):
        return self.page.evaluate(_RUN_CASES, cases)

    def check_clean(self):
        assert self.errors == []
        assert self.requests, "the page made no request at all?"
        leaving = [url for url in self.requests if not (url.startswith("file:") or url.startswith("data:"))]
        assert leaving == []

    def close(self):
        for event, handler in self._listeners:
            self.page.remove_listener(event, handler)


@pytest.fixture
def page(calculator_tab, site_dir):
    opened = Page(calculator_tab, site_dir)
    yield opened
    opened.close()


# Set each case's inputs, fire one input event (as typing would), read every output and error element.
_RUN_CASES = """(cases) => {
  const $ = (id) => document.getElementById(id);
  const results = [];
  for (const c of cases) {
    $("model").value = c.model;
    $("config").value = c.config || "";
    $("quantization").value = c.quantization;
    $("context").value = c.context;
    $("generate").value = c.generate;
    $("batch").value = c.batch;
    $("framework").value = c.engine;
    $("framework-version").value = c.version;
    $("gpus").value = c.gpus;
    $("kv-dtype").value = c.kv_dtype;
    $("gpu").value = c.gpu;
    $("attn").value = c.attn || "";
    $("flash-attn").value = c.flash_attn || "";
    $("ubatch").value = c.ubatch || "";
    $("n-gpu-layers").value = c.n_gpu_layers === undefined || c.n_gpu_layers === null ? "" : c.n_gpu_layers;
    for (const id of ["vllm-utilization", "vllm-max-model-len", "vllm-max-num-seqs", "vllm-max-num-batched-tokens",
                      "vllm-engine", "vllm-enforce-eager", "vllm-flashinfer-sampler"]) {
      $(id).value = (c.vllm || {})[id] || "";
    }
    $(c.touch || "context").dispatchEvent(new Event("input", { bubbles: true }));
    const outputs = {};
    for (const id of %s) { outputs[id] = $(id).textContent; }
    const errors = {};
    for (const element of document.querySelectorAll(".error[id^=err-]")) {
      errors[element.id] = element.hidden ? "" : element.textContent;
    }
    // The bar's segments and the legend's items: [class, text].
    const items = (id) => Array.from($(id).children).map((e) => [(e.firstElementChild || e).className, e.textContent]);
    results.push({ outputs, errors, report: window.vramCalculator.last, legend: items("out-legend"),
                   segments: items("out-bar"), bar: $("out-bar").children.length, invalid: document.querySelectorAll("[aria-invalid=true]").length });
  }
  return results;
}""" % json.dumps(OUTPUT_IDS)

FRAMEWORKS = ["transformers==4.38.2", "transformers==4.43.0", "transformers==4.46.0", "vllm==0.6.3", "vllm==0.8.0",
              "llama.cpp", "transformers==4.56.0", "llama.cpp==b4000", "llama.cpp==b7000", "llama.cpp==b5500",
              "vllm==0.11.0", "vllm==0.20.0", "vllm", "transformers==5.3.0"]
# The extreme cases keep the first six: their seeded inputs stay within what the browser computes exactly.
EXTREME_FRAMEWORKS = FRAMEWORKS[:6]
KV_DTYPES = ["", "16-bit", "fp32", "fp8", "q8_0", "q4_0", "q5_1", "iq4_nl"]
LABELS = ["BF16", "GPTQ-Int8", "GPTQ-Int4", "AWQ", "AWQ-INT4", "Q4_K_M", "gguf-q8_0", "int4", "float16", "bfloat16",
          "Q5_K_S"]


_ENGINE_KV = {"llama.cpp": ("", "16-bit", "fp32", "q8_0", "q4_0", "q5_1", "iq4_nl"), "vllm": ("", "16-bit", "fp8"),
              "transformers": ("", "16-bit", "fp32")}


def _runnable(case):
    """Only runs the engine can do (GGUF only in llama.cpp, nothing but GGUF and float files there, its own cache
    types): the others are refused, which test_estimate_cli.py checks."""
    engine = case["engine"]
    fmt = parse_quantization(case["quantization"]).format
    if engine == "llama.cpp" and fmt not in ("float", "gguf"):
        case["quantization"] = "q4_k_m"
    elif engine != "llama.cpp" and fmt == "gguf":
        case["quantization"] = "bf16"
    if case["kv_dtype"] not in _ENGINE_KV[engine]:
        case["kv_dtype"] = ""
    if engine != "transformers":
        case["attn"] = ""
    if engine != "llama.cpp":
        case.update(flash_attn="", ubatch="", n_gpu_layers=None)
    old_build = case["framework"] in ("llama.cpp==b4000", "llama.cpp==b5500")
    if old_build and case.get("flash_attn") == "auto":
        case["flash_attn"] = ""  # -fa auto arrived in b6327: refused before (test_estimate_cli.py)
    flash = {"on": True, "off": False}.get(case.get("flash_attn") or "", not old_build)
    if not flash and case["kv_dtype"] in ("q8_0", "q4_0", "q5_1", "iq4_nl"):
        case["kv_dtype"] = ""  # without flash attention a quantized V cache is refused
    return case


def _engine_settings(rng, engine, layers):
    """--attn for transformers; --flash-attn, --ubatch, --n-gpu-layers for llama.cpp (blank: the default)."""
    return {"attn": rng.choice(["", "sdpa", "flash_attention_2", "eager"]) if engine == "transformers" else "",
            "flash_attn": rng.choice(["", "on", "off", "auto"]) if engine == "llama.cpp" else "",
            "ubatch": str(rng.choice([1, 64, 256, 512, 2048])) if engine == "llama.cpp" and rng.random() < 0.5 else "",
            "n_gpu_layers": rng.choice([None, 0, 1, layers // 2, layers, layers + 1, 999])
            if engine == "llama.cpp" else None}


def _split_framework(spec):
    engine, _, version = spec.partition("==")
    return engine, version


def _cases(catalogue, count, seed, config_dir):
    rng = random.Random(seed)
    models = [m.id for m in catalogue.models.values() if m.architecture is not None]
    quantizations = valid_quantization_names() + LABELS
    gpus = list(catalogue.gpus)
    cases = []
    for index in range(count):
        framework = FRAMEWORKS[index % len(FRAMEWORKS)] if index < 2 * len(FRAMEWORKS) else rng.choice(FRAMEWORKS)
        context = rng.choice([1, 131072, rng.randint(1, 131072), int(round(2 ** rng.uniform(0, 17)))])
        gpu = rng.choice([""] + gpus)
        if framework.startswith("vllm") and not gpu:
            gpu = rng.choice(gpus)
        engine, version = _split_framework(framework)
        case = {"model": models[index % len(models)] if index < len(models) else rng.choice(models),
                "quantization": quantizations[index % len(quantizations)] if index < len(quantizations)
                else rng.choice(quantizations),
                "context": context, "generate": rng.choice([0, rng.randint(0, 4096)]), "batch": rng.randint(1, 8),
                "framework": framework, "engine": engine, "version": version, "gpus": rng.randint(1, 4),
                "kv_dtype": rng.choice(KV_DTYPES), "gpu": gpu, "config": "", "config_path": None}
        layers = catalogue.models[case["model"]].architecture.layers
        case.update(_engine_settings(rng, engine, layers))
        if index % 10 == 9:
            # Paste the model's config.json instead of picking it from the list.
            model = catalogue.models[case["model"]]
            folder = config_dir / f"case-{index}"
            folder.mkdir()
            text = json.dumps(dict(model.config), indent=2)
            (folder / "config.json").write_text(text, encoding="utf-8")
            case.update(model="__config_json__", config=text, config_path=str(folder / "config.json"))
        cases.append(_runnable(case))
    return cases


# config.json files that exercise model_config.py's branches: alias names, sliding-window rules, MoE and MLA variants.
PASTED_CONFIGS = [
    {"architectures": ["ChatGLMModel"], "model_type": "chatglm", "hidden_size": 4096, "num_layers": 40,
     "num_attention_heads": 32, "multi_query_group_num": 2, "kv_channels": 128, "ffn_hidden_size": 13696,
     "padded_vocab_size": 151552, "vocab_size": 151552, "seq_length": 131072, "add_qkv_bias": True},
    {"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
     "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 32000, "max_position_embeddings": 32768,
     "sliding_window": 4096, "tie_word_embeddings": False},
    {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 3584, "num_hidden_layers": 28, "num_attention_heads": 28,
     "num_key_value_heads": 4, "intermediate_size": 18944, "vocab_size": 152064, "max_position_embeddings": 131072,
     "sliding_window": 131072, "use_sliding_window": False, "tie_word_embeddings": False},
    {"architectures": ["Gemma3ForCausalLM"], "hidden_size": 2560, "num_hidden_layers": 34, "num_attention_heads": 8,
     "num_key_value_heads": 4, "head_dim": 256, "intermediate_size": 10240, "vocab_size": 262208,
     "sliding_window": 1024, "sliding_window_pattern": 6, "max_position_embeddings": 131072},
    {"architectures": ["DeepseekV2ForCausalLM"], "hidden_size": 5120, "num_hidden_layers": 60,
     "num_attention_heads": 128, "num_key_value_heads": 128, "q_lora_rank": 1536, "kv_lora_rank": 512,
     "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "intermediate_size": 12288,
     "n_routed_experts": 160, "num_experts_per_tok": 6, "n_shared_experts": 2, "moe_intermediate_size": 1536,
     "first_k_dense_replace": 1, "vocab_size": 102400, "max_position_embeddings": 163840,
     "tie_word_embeddings": False},
    {"architectures": ["Qwen3MoeForCausalLM"], "hidden_size": 2048, "num_hidden_layers": 48,
     "num_attention_heads": 32, "num_key_value_heads": 4, "head_dim": 128, "num_experts": 128,
     "num_experts_per_tok": 8, "moe_intermediate_size": 768, "vocab_size": 151936, "max_position_embeddings": 40960},
    {"architectures": ["LlamaForCausalLM"], "hidden_size": 3000, "num_hidden_layers": 26, "num_attention_heads": 24,
     "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 8000, "vocab_size": 128256,
     "attention_bias": True, "max_position_embeddings": 8192, "tie_word_embeddings": False},
    {"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257, "intermediate_size": 3072,
     "n_positions": 1024, "torch_dtype": "float32", "num_key_value_heads": None},
]


# Published config.json files of the families the page reads with generator/families/table.py (nested text_config,
# vision towers, legacy names, MQA, sinks, MoE steps).
_FAMILY_FILES = read_yaml_file(os.path.join(ROOT, "tests", "data", "family_configs.yaml"))["configs"]
PASTED_CONFIGS += [_FAMILY_FILES[name]["config"] for name in ("falcon-7b", "falcon-40b", "opt-350m", "gpt2",
                                                              "Qwen2-VL-7B-Instruct", "gemma-2-2b", "GLM-4-9B-0414",
                                                              "Qwen1.5-MoE-A2.7B")]
_CATALOGUE_FILES = {m["id"]: m["config"] for m in read_yaml_file(os.path.join(CONTENT, "models.yaml"))["models"]}
PASTED_CONFIGS += [_CATALOGUE_FILES[name] for name in ("gemma-3-4b-it", "Llama-4-Maverick-17B-128E", "gpt-oss-20b",
                                                       "Phi-3.5-MoE-instruct", "DeepSeek-V3", "Qwen2.5-VL-7B-Instruct")]
# Issue 21: the hybrid-state families and the other new readers, through the page's own reader.
PASTED_CONFIGS += [_FAMILY_FILES[name]["config"] for name in (
    "Qwen3-Next-80B-A3B-Instruct", "phi-2", "SmolLM3-3B", "OLMo-2-1124-7B", "c4ai-command-r7b-12-2024", "starcoder2-3b",
    "granite-3.0-3b-a800m-instruct", "qwen3_5-defaults", "qwen3_5_moe-defaults", "nemotron_h-defaults",
    "granitemoehybrid-defaults", "mistral3-defaults", "exaone4-defaults", "glm_moe_dsa-defaults", "gemma4-defaults",
    "gemma4-towers-k-eq-v", "gemma4-moe")]
PASTED_CONFIGS += [_CATALOGUE_FILES[name] for name in ("Qwen3.5-35B-A3B", "Nemotron-3-Nano-30B-A3B", "Kimi-K2-Instruct")]
# Published config.json files (issue 21): Mamba hybrids and the families first read from class defaults.
PASTED_CONFIGS += [_FAMILY_FILES[name]["config"] for name in (
    "Falcon-H1-0.5B", "AI21-Jamba-1.5-Mini", "GLM-5.1", "EXAONE-4.0-32B", "gemma-4-E2B-it-text",
    "Nemotron-H-8B-Base-8K", "granite-4.0-h-tiny", "granite-4.0-h-1b", "Qwen3.5-4B-text", "Falcon-H1-7B")]
PASTED_CONFIGS += [dict(_FAMILY_FILES["EXAONE-4.0-32B"]["config"], sliding_window_pattern="LLLG")]
PASTED_CONFIGS += [_CATALOGUE_FILES[name] for name in ("gemma-4-E2B-it", "Mistral-Small-3.1-24B-Instruct-2503")]
# Vision towers off the published values (tests/test_vision_units.py has transformers' counts of these): class
# defaults, keys transformers does not read, a left-out vision_config, SigLIP's pooling head, a head count that does
# not divide Gemma 4's audio width, Mistral 3's merge only at the top level.
_NO_VISION = ("vision_config",)
PASTED_CONFIGS += [
    dict(_CATALOGUE_FILES["Qwen2.5-VL-7B-Instruct"], vision_config={}),
    dict(_FAMILY_FILES["Qwen2-VL-7B-Instruct"]["config"],
         vision_config=dict(_FAMILY_FILES["Qwen2-VL-7B-Instruct"]["config"]["vision_config"], in_chans=1)),
    {k: v for k, v in _CATALOGUE_FILES["gemma-3-4b-it"].items() if k not in _NO_VISION},
    dict(_CATALOGUE_FILES["Llama-4-Maverick-17B-128E"], vision_config={}),
    dict(_CATALOGUE_FILES["gemma-4-E2B-it"],
         audio_config=dict(_CATALOGUE_FILES["gemma-4-E2B-it"]["audio_config"], num_attention_heads=3)),
    {k: v for k, v in _CATALOGUE_FILES["Mistral-Small-3.1-24B-Instruct-2503"].items() if k not in _NO_VISION},
    dict({k: v for k, v in _CATALOGUE_FILES["Mistral-Small-3.1-24B-Instruct-2503"].items()
          if k != "spatial_merge_size"},
         vision_config=dict(_CATALOGUE_FILES["Mistral-Small-3.1-24B-Instruct-2503"]["vision_config"],
                            spatial_merge_size=1)),
]


def _pasted_cases(seed, config_dir):
    rng = random.Random(seed)
    cases = []
    for index, config in enumerate(PASTED_CONFIGS * 3):
        framework = FRAMEWORKS[index % len(FRAMEWORKS)]
        engine, version = _split_framework(framework)
        text = ("\ufeff" if index % 5 == 0 else "") + json.dumps(config, indent=1 + index % 3)
        folder = config_dir / f"pasted-{index}"
        folder.mkdir()
        (folder / "config.json").write_text(text, encoding="utf-8")
        cases.append(_runnable({"model": "__config_json__", "config": text, "config_path": str(folder / "config.json"),
                      "quantization": rng.choice(valid_quantization_names() + LABELS),
                      "context": int(round(2 ** rng.uniform(0, 17))), "generate": rng.randint(0, 4096),
                      "batch": rng.randint(1, 8), "framework": framework, "engine": engine, "version": version,
                      "gpus": rng.randint(1, 4), "kv_dtype": rng.choice(KV_DTYPES),
                      "gpu": rng.choice(["", "A100-80GB", "RTX 4090"]) if engine != "vllm" else "H100-80GB"}))
    return cases


def _extreme_cases(catalogue, seed):
    """The page's upper limits (context and new tokens 2^20, batch 1024, 64 GPUs): still exact."""
    rng = random.Random(seed)
    limits = calculator.PAGE_LIMITS
    cases = []
    for index, model in enumerate(m.id for m in catalogue.models.values() if m.architecture is not None):
        framework = EXTREME_FRAMEWORKS[index % len(EXTREME_FRAMEWORKS)]
        engine, version = _split_framework(framework)
        cases.append(_runnable({"model": model, "quantization": rng.choice(valid_quantization_names()),
                      "context": rng.choice([limits["context"], rng.randint(1, limits["context"])]),
                      "generate": rng.choice([0, limits["generate"]]),
                      "batch": rng.choice([1, limits["batch"]]), "framework": framework, "engine": engine,
                      "version": version, "gpus": rng.choice([1, 7, limits["gpus"]]), "kv_dtype": rng.choice(KV_DTYPES),
                      "gpu": rng.choice(list(catalogue.gpus)), "config": "", "config_path": None}))
    return cases


_VLLM_PAGE_FLAGS = {"vllm-utilization": "--gpu-memory-utilization", "vllm-max-model-len": "--max-model-len",
                    "vllm-max-num-seqs": "--max-num-seqs", "vllm-max-num-batched-tokens": "--max-num-batched-tokens",
                    "vllm-engine": "--vllm-engine"}


def _python_report(case) -> dict:
    argv = ["estimate", "--config", case["config_path"] or case["model"], "--quantization", case["quantization"],
            "--context", str(case["context"]), "--generate", str(case["generate"]), "--batch", str(case["batch"]),
            "--framework", case["framework"], "--gpus", str(case["gpus"]), "--json"]
    for field, flag in _VLLM_PAGE_FLAGS.items():
        if case.get("vllm", {}).get(field):
            argv += [flag, case["vllm"][field]]
    if case.get("vllm", {}).get("vllm-enforce-eager"):
        argv += ["--enforce-eager"]
    if case.get("vllm", {}).get("vllm-flashinfer-sampler"):
        argv += ["--flashinfer-sampler"]
    if case["kv_dtype"]:
        argv += ["--kv-dtype", case["kv_dtype"]]
    if case["gpu"]:
        argv += ["--gpu", case["gpu"]]
    for flag, key in (("--attn", "attn"), ("--flash-attn", "flash_attn"), ("--ubatch", "ubatch"),
                      ("--n-gpu-layers", "n_gpu_layers")):
        if case.get(key) not in (None, ""):
            argv += [flag, str(case[key])]
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, out=out, err=err)
    if code == 2 and case["engine"] == "vllm":
        # A run vLLM would refuse (it would not start, or not serve this request): the page must say the same.
        return {"refused": err.getvalue().strip().removeprefix("error: ")}
    if code == 2 and case["engine"] == "llama.cpp" and "does not divide n_embd_head_k" in err.getvalue():
        # A quantized cache of heads that are not whole blocks (a pasted config): the page refuses it the same.
        return {"refused_kv": err.getvalue().strip().removeprefix("error: ")}
    if code == 2 and case["engine"] == "transformers" and "cannot run" in err.getvalue():
        # A release older than the family's first (estimator.check_family_release): the page refuses it the same.
        return {"refused_framework": err.getvalue().strip().removeprefix("error: ")}
    assert code == 0, (argv, err.getvalue())
    return json.loads(out.getvalue())


def _expected_text(report: dict) -> dict:
    text = {
        "out-model": report["model"], "out-params": f"{report['params_total']:,}",
        "out-quantization": report["quantization"], "out-framework": report["framework"],
        "out-weights": f"{report['weights_gib']:.2f}", "out-kv-cache": f"{report['kv_cache_gib']:.2f}",
        "out-state": f"{report['state_gib']:.2f}", "out-activations": f"{report['activations_gib']:.2f}", "out-overhead": f"{report['overhead_gib']:.2f}",
        "out-peak": f"{report['peak_gib']:.2f}", "out-steady": f"{report['steady_gib']:.2f}",
        "out-per-gpu": ", ".join(f"{p:.2f}" for p in report["per_gpu_peak_gib"]),
        "out-gpu": DASH, "out-gpu-memory": DASH, "out-fits": DASH, "out-busiest": DASH,
        "out-capacity": DASH, "out-concurrency": DASH,
    }
    if "gpu" in report:
        text.update({"out-gpu": report["gpu"], "out-gpu-memory": f"{report['gpu_memory_gib']:.2f}",
                     "out-fits": FITS_TEXT[report["fits"]],
                     "out-busiest": f"{report['busiest_gpu_needs_gib']:.2f}"})
    if "kv_cache_capacity_tokens" in report:
        text.update({"out-capacity": f"{report['kv_cache_capacity_tokens']:,}",
                     "out-concurrency": f"{report['concurrent_requests']:,} 个"})
    return text


def test_page_matches_the_python_estimator(page, catalogue, tmp_path, monkeypatch):
    """At least 200 seeded random inputs, all run in one page: every number shown equals the CLI's."""
    monkeypatch.setattr(loading, "load_catalogue", lambda root: catalogue)  # load the YAML once, not 240 times
    # Every storage format runs at least once whatever the random draw lands on (the catalogue's many small cards
    # and Macs make a refused or mismatched run likely for some formats).
    fixed = [{"model": "Qwen2.5-7B-Instruct", "quantization": quantization, "context": 8192, "generate": 0, "batch": 1,
              "framework": "transformers==4.46.0", "engine": "transformers", "version": "4.46.0", "gpus": 1,
              "kv_dtype": "", "gpu": "H100-80GB", "config": "", "config_path": None}
             for quantization in ("bf16", "fp8", "gptq-int4", "awq", "q4_k_m")]
    fixed[-1].update(framework="llama.cpp", engine="llama.cpp", version="")
    cases = _cases(catalogue, 240, seed=20261125, config_dir=tmp_path) + _extreme_cases(catalogue, seed=2) + \
        _pasted_cases(seed=3, config_dir=tmp_path) + fixed
    started = time.perf_counter()
    results = page.run(cases)
    browser_seconds = time.perf_counter() - started
    engines, quants, pasted, refused, too_large, states = set(), set(), 0, 0, 0, 0
    for case, result in zip(cases, results):
        expected = _python_report(case)
        pasted += bool(case["config"])
        if "refused" in expected:
            assert result["report"] is None, case
            # The CLI's words, introduced in the page's language (zh-CN here).
            assert result["errors"]["err-gpu"] == page_word("err.engine", "zh-CN", detail=expected["refused"]), \
                (case, result["errors"])
            refused += 1
            continue
        if "refused_framework" in expected:
            assert result["report"] is None, case
            assert result["errors"]["err-framework"] == page_word("err.engine", "zh-CN",
                                                                  detail=expected["refused_framework"]), \
                (case, result["errors"])
            continue
        if "refused_kv" in expected:
            assert result["report"] is None, case
            want = page_word("err.engine", "zh-CN", detail=expected["refused_kv"])
            assert result["errors"]["err-kv-dtype"] == want, (case, result["errors"])
            continue
        if max(expected[k] for k in ("weights_gib", "kv_cache_gib", "activations_gib", "peak_gib", "steady_gib")) \
                * 2 ** 30 > 2 ** 53:
            # Past 2^53 bytes (a 671B model at the page's limits) a JS number is no longer exact: the page says so.
            assert page_word("err.too-large", "zh-CN") in result["errors"]["err-status"], case
            too_large += 1
            continue
        assert result["errors"] == {k: "" for k in result["errors"]}, (case, result["errors"])
        assert result["outputs"] == _expected_text(expected), case
        # The page's own report (before formatting) equals the CLI's JSON to the last bit.
        assert result["report"] == expected, case
        assert result["bar"] >= 1 or expected["peak_gib"] == 0, case  # -ngl 0: nothing on the card
        # Hybrid-state models: the state is a part of the bar and the legend of its own (vLLM: when the request is
        # served, its state pages come out of the pre-allocated KV cache); no state, no such part.
        legend = [key for key, _ in result["legend"]]
        if not expected["state_gib"]:
            assert "key-state" not in legend, (case, legend)
        elif "kv_cache_capacity_tokens" not in expected or expected.get("fits"):
            assert "key-state" in legend, (case, legend)
            states += 1
        engines.add(case["engine"])
        quants.add(parse_quantization(case["quantization"]).format)
    assert engines == {"transformers", "vllm", "llama.cpp"}
    assert {"float", "fp8", "gptq", "awq", "gguf"} <= quants
    assert pasted >= 40 and too_large <= 10 and states >= 10
    # Five of the eleven frameworks are vLLM releases, which refuse what does not fit the card: under a third.
    assert 0 < refused < len(cases) // 3, refused
    page.check_clean()
    print(f"\n{len(cases)} cases in the browser: {browser_seconds:.2f} s")


def test_every_vllm_log_is_expressible_on_the_page(page, catalogue, monkeypatch):
    """Each start-up log of content/benchmarks/vllm-startup-logs.yaml, its settings typed into the page's vLLM
    fields: the page shows what the CLI says for the same flags (the capacity, or the same refusal)."""
    from generator.catalogue.loading import load_content
    monkeypatch.setattr(loading, "load_catalogue", lambda root: catalogue)
    logs = load_content(CONTENT).vllm_logs.logs
    cases = []
    for log in logs:
        assert log.gpu, f"{log.id}: the page names cards from the catalogue"
        flags = {"vllm-utilization": f"{log.gpu_memory_utilization:g}", "vllm-max-model-len": str(log.max_model_len),
                 "vllm-max-num-seqs": str(log.max_num_seqs or ""),
                 "vllm-max-num-batched-tokens": str(log.max_num_batched_tokens or ""), "vllm-engine": log.engine or "",
                 "vllm-enforce-eager": "1" if log.enforce_eager else "",
                 "vllm-flashinfer-sampler": "1" if log.flashinfer_sampler else ""}
        # The page's context field stops at 1,048,576 tokens (calculator.py PAGE_LIMITS); the request does not change
        # the cache vLLM sizes, only whether it admits the request (fuhengwu-h200x8-llama-4-scout-5m: 5,242,880).
        cases.append({"model": log.model, "quantization": log.quantization,
                      "context": min(log.max_model_len, calculator.PAGE_LIMITS["context"]),
                      "generate": 0, "batch": 1, "framework": log.framework, "engine": "vllm",
                      "version": log.version, "gpus": log.tensor_parallel,
                      "kv_dtype": "" if log.kv_cache_dtype == "auto" else log.kv_cache_dtype, "gpu": log.gpu,
                      "config": "", "config_path": None, "vllm": flags})
    results = page.run(cases)
    for case, log, result in zip(cases, logs, results):
        expected = _python_report(case)
        if "refused" in expected:
            assert log.observed_kind == "refused" or log.max_model_len > 0
            assert result["errors"]["err-gpu"] == page_word("err.engine", "zh-CN", detail=expected["refused"]), \
                (log.id, result["errors"])
            continue
        assert result["report"] == expected, (log.id, {k: v for k, v in result["errors"].items() if v})
    assert sum("refused" in _python_report(c) for c in cases) >= sum(log.observed_kind == "refused" for log in logs)
    page.check_clean()


def test_a_tensor_parallel_split_vllm_cannot_make_is_refused_as_the_cli_does(page, catalogue, monkeypatch):
    """phi-4 (40 heads, 10 KV heads) at 4 GPUs: 40 % 4 is 0, but QKVParallelLinear's divide(10, 4) asserts
    (vllm/model_executor/layers/linear.py); at 5 and 10 GPUs it splits. The page refuses and suggests as the CLI."""
    monkeypatch.setattr(loading, "load_catalogue", lambda root: catalogue)
    cases = [{"model": "phi-4", "quantization": "bf16", "context": 4096, "generate": 0, "batch": 1,
              "framework": "vllm==0.11.0", "engine": "vllm", "version": "0.11.0", "gpus": gpus, "kv_dtype": "",
              "gpu": gpu, "config": "", "config_path": None, "vllm": {}}
             for gpus, gpu in ((4, "RTX 4090"), (8, "RTX 4090"), (5, "RTX 4090"), (10, "RTX 4090"), (1, "RTX 4090"))]
    refused = 0
    for case, result in zip(cases, page.run(cases)):
        expected = _python_report(case)
        if "refused" in expected:
            assert result["errors"]["err-gpu"] == page_word("err.engine", "zh-CN", detail=expected["refused"]), \
                (case["gpus"], result["errors"])
            if case["gpus"] in (4, 8):
                assert "10 KV heads" in expected["refused"]
            refused += 1
            continue
        assert result["report"] == expected, case
    assert refused >= 2
    page.check_clean()


_STATE_RUNS = [("transformers", "5.3.0", "bf16", ""), ("llama.cpp", "", "bf16", ""), ("llama.cpp", "", "q4_k_m", ""),
               ("vllm", "0.11.0", "bf16", "H100-80GB")]


@pytest.mark.parametrize("model", ["NVIDIA-Nemotron-Nano-9B-v2", "Qwen3-Next-80B-A3B-Instruct", "Qwen2.5-7B-Instruct"])
def test_bar_and_legend_draw_the_state_of_a_hybrid_model(page, catalogue, monkeypatch, model):
    """A hybrid-state model's state is a segment and a legend item of its own on every engine, labelled from the
    page's words, its value the report's state_gib (vLLM: per the whole reserve, taken from the KV cache it
    pre-allocates); a pure-attention model has none. Before, the page folded it into "not at once"."""
    monkeypatch.setattr(loading, "load_catalogue", lambda root: catalogue)
    cases = [{"model": model, "quantization": quantization, "context": 4096, "generate": 0, "batch": 4,
              "framework": f"{engine}=={version}" if version else engine, "engine": engine, "version": version,
              "gpus": 4 if model.startswith("Qwen3-Next") and engine != "llama.cpp" else 1, "kv_dtype": "",
              "gpu": gpu, "config": "", "config_path": None} for engine, version, quantization, gpu in _STATE_RUNS]
    hybrid = catalogue.models[model].architecture.is_hybrid
    for case, result in zip(cases, page.run(cases)):
        expected = _python_report(case)
        assert result["report"] == expected, case
        states = [text for key, text in result["legend"] if key == "key-state"]
        if not hybrid:
            assert expected["state_gib"] == 0 and states == [], (case, result["legend"])
            assert all("seg-state" not in key for key, _ in result["segments"]), case
            continue
        label = page_word("result.state-pool" if case["engine"] == "vllm" else "result.state", "zh-CN")
        assert len(states) == 1 and states[0].startswith(label + " "), (case, result["legend"])
        shown = float(states[0][len(label):].split()[0])
        # Shown to two decimals, the parts adding up to the headline (drawnParts: a part may be 0.01 off).
        assert abs(shown - expected["state_gib"]) <= 0.011, (case, states, expected["state_gib"])
        assert any(key == "seg seg-state" for key, _ in result["segments"]), (case, result["segments"])
    page.check_clean()


def test_python_number_semantics(page):
    """round(x, n), f"{x:.2f}" and float // float, ported: ties to even on the exact binary value."""
    values = [0.125, 0.375, 1.125, 2.675, 1.005, 0.03125, 0.09375, 2 ** 25 / 2 ** 30, 3 * 2 ** 25 / 2 ** 30,
              12345.6789, 1e-9, 0.0, 7.5, 8.5, 0.5, 1.5, 2.5, 1 / 3, 2 / 3, 79.99999999, 141.0]
    rng = random.Random(7)
    values += [rng.randrange(0, 2 ** 40) / 2 ** 30 for _ in range(300)]
    values += [rng.randrange(0, 2 ** 36) * 2 ** 25 / 2 ** 30 for _ in range(100)]
    got = page.page.evaluate("""(values) => values.map((x) => [window.vramCalculator.pyRound(x, 4),
        window.vramCalculator.pyRound(x, 2), window.vramCalculator.formatFixed(x, 2),
        window.vramCalculator.formatFixed(x, 4)])""", values)
    for x, (r4, r2, f2, f4) in zip(values, got):
        assert (r4, r2, f2, f4) == (round(x, 4), round(x, 2), f"{x:.2f}", f"{x:.4f}"), x
    pairs = [(rng.uniform(-1e12, 1e12), rng.uniform(1, 1e6)) for _ in range(300)]
    pairs += [(0.3, 0.1), (1.0, 0.1), (7.0, 0.7), (-7.0, 0.7), (69578470195.2, 131072.0), (5e-324, 1.0)]
    floors = page.page.evaluate("(pairs) => pairs.map(([a, b]) => window.vramCalculator.floorDiv(a, b))", pairs)
    assert floors == [a // b for a, b in pairs]


def _set_valid(page):
    return page.run([{"model": "Qwen2.5-7B-Instruct", "config": "", "quantization": "bf16", "context": "4096",
                      "generate": "512", "batch": "1", "engine": "transformers", "version": "4.46.0", "gpus": "1",
                      "kv_dtype": "", "gpu": "RTX 4090"}])[0]


_MISSING_HIDDEN = json.dumps({"architectures": ["Qwen2ForCausalLM"], "num_hidden_layers": 28,
                              "num_attention_heads": 28, "vocab_size": 152064, "intermediate_size": 18944})
_FLOAT_HIDDEN = json.dumps({"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 32, "num_attention_heads": 32,
                            "vocab_size": 32000, "intermediate_size": 11008}).replace("{", '{"hidden_size": 4096.0, ', 1)

# (what changes from the valid inputs, the error element that must speak, a word its message must contain)
INVALID = [
    ({"context": ""}, "err-context", "不能为空"),
    ({"context": "-5"}, "err-context", "至少为 1"),
    ({"context": "abc"}, "err-context", "必须是数字"),
    ({"context": "0"}, "err-context", "至少为 1"),
    ({"context": "1.5"}, "err-context", "必须是整数"),
    ({"context": "99999999999"}, "err-context", "最多为"),
    ({"generate": "-1"}, "err-generate", "不能为负数"),
    ({"generate": "x1"}, "err-generate", "必须是数字"),
    ({"generate": "2.5"}, "err-generate", "必须是整数"),
    ({"batch": "0"}, "err-batch", "至少为 1"),
    ({"batch": ""}, "err-batch", "不能为空"),
    ({"gpus": "1.25"}, "err-gpus", "必须是整数"),
    ({"gpus": "-2"}, "err-gpus", "至少为 1"),
    # The page's words (zh-CN), naming the value the reader gave.
    ({"quantization": "q9_z"}, "err-quantization", "不认识的量化 “q9_z”"),
    ({"quantization": ""}, "err-quantization", "不认识的量化"),
    ({"engine": "transformers", "version": ""}, "err-framework", "transformers 需要填写版本号"),
    ({"engine": "transformers", "version": "3.0.0"}, "err-framework", "没有 transformers 3.0.0 版本的显存数据"),
    ({"engine": "transformers", "version": "4.x 1"}, "err-framework", "推理框架写法不对：“transformers==4.x 1”"),
    ({"engine": "vllm", "version": "0.6.3", "gpu": ""}, "err-gpu", "vLLM"),
    ({"model": "__config_json__", "config": ""}, "err-config", "config.json"),
    ({"model": "__config_json__", "config": "{\"hidden_size\": 4096,"}, "err-config", "invalid JSON"),
    ({"model": "__config_json__", "config": "[1, 2]"}, "err-config", "mapping"),
    ({"model": "__config_json__", "config": _MISSING_HIDDEN}, "err-config", "missing field 'hidden_size'"),
    ({"model": "__config_json__", "config": _FLOAT_HIDDEN}, "err-config",
     "field 'hidden_size' must be a positive integer, got 4096.0"),
]


def test_invalid_inputs_show_a_message_and_no_nan(page):
    valid = _set_valid(page)
    assert valid["report"] is not None and valid["outputs"]["out-peak"] not in ("", DASH)
    base = {"model": "Qwen2.5-7B-Instruct", "config": "", "quantization": "bf16", "context": "4096",
            "generate": "512", "batch": "1", "engine": "transformers", "version": "4.46.0", "gpus": "1",
            "kv_dtype": "", "gpu": "RTX 4090"}
    cases = [{**base, **change} for change, _, _ in INVALID]
    for case, (change, _, _) in zip(cases, INVALID):
        case["touch"] = next(iter(change)).replace("engine", "framework").replace("version", "framework-version")
    results = page.run(cases)
    for (change, error_id, words), result in zip(INVALID, results):
        shown = {k: v for k, v in result["errors"].items() if v}
        assert error_id in shown, (change, shown)
        assert words in shown[error_id], (change, shown)
        assert shown.get("err-status"), change
        assert result["report"] is None, change
        assert result["invalid"] >= 1, change
        for element, text in result["outputs"].items():
            assert text.strip() == DASH, (change, element, text)
    # A page that errs recovers when the input is fixed.
    again = _set_valid(page)
    assert again["outputs"] == valid["outputs"]
    assert not any(again["errors"].values())
    text = page.page.inner_text("body")
    assert "NaN" not in text and "undefined" not in text and "Infinity" not in text
    page.check_clean()


def test_a_quantized_cache_of_heads_that_are_not_whole_blocks_is_refused_as_the_cli_does(page, tmp_path):
    """phi-2's heads (2560 / 32 = 80 values) are 2.5 blocks of 32: llama_init_from_model refuses a q8_0, q4_0,
    q5_1 or iq4_nl cache for them ("K cache type q4_0 with block size 32 does not divide n_embd_head_k=80",
    src/llama-context.cpp), with -fa auto (the default since b6327) and on; the 16-bit cache runs. The page says
    what the CLI says, under the KV cache field, and computes the 16-bit run to the last bit."""
    config = _FAMILY_FILES["phi-2"]["config"]
    path = tmp_path / "config.json"
    text = json.dumps(config)
    path.write_text(text, encoding="utf-8")
    cases = [{"model": "__config_json__", "config": text, "config_path": str(path), "quantization": "q4_k_m",
              "context": 4096, "generate": 0, "batch": 1, "framework": framework, "engine": "llama.cpp",
              "version": framework.partition("==")[2], "gpus": 1, "kv_dtype": kv, "gpu": "", "flash_attn": flash,
              "touch": "config"}
             for framework, kv, flash in (("llama.cpp", "q4_0", ""), ("llama.cpp", "q8_0", "on"),
                                          ("llama.cpp==b7000", "iq4_nl", "auto"), ("llama.cpp==b4000", "q5_1", "on"),
                                          ("llama.cpp", "16-bit", ""), ("llama.cpp", "fp32", "off"))]
    refused = 0
    for case, result in zip(cases, page.run(cases)):
        expected = _python_report(case)
        if "refused_kv" in expected:
            assert "with block size 32 does not divide n_embd_head_k=80" in expected["refused_kv"]
            assert result["report"] is None, case
            assert result["errors"]["err-kv-dtype"] == page_word("err.engine", "zh-CN", detail=expected["refused_kv"])
            refused += 1
        else:
            assert result["errors"] == {k: "" for k in result["errors"]}, (case, result["errors"])
            assert result["report"] == expected, case
    assert refused == 4
    page.check_clean()


_LLAMA = {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
          "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256}
# Pasted configs that model_config.py refuses: the page must say what the CLI says (less the file and line).
BAD_CONFIGS = [
    {k: v for k, v in _LLAMA.items() if k != "vocab_size"},
    {k: v for k, v in _LLAMA.items() if k != "num_attention_heads"},
    {**_LLAMA, "hidden_size": 4097},
    {**_LLAMA, "num_hidden_layers": 0},
    {**_LLAMA, "num_key_value_heads": -8},
    {**_LLAMA, "num_key_value_heads": True},
    {**_LLAMA, "intermediate_size": "14336"},
    {**_LLAMA, "intermediate_size": 0},
    {**_LLAMA, "num_experts": 8, "num_experts_per_tok": 2},
    {**_LLAMA, "num_experts": 8, "moe_intermediate_size": 1024},
    {**_LLAMA, "sliding_window": 4096, "sliding_window_pattern": 0.5},
    {**_LLAMA, "architectures": [1, 2]},
    {**_LLAMA, "architectures": {"a": 1}},
    {**_LLAMA, "hidden_size": 4096 * 10 ** 6},
    {**_LLAMA, "num_hidden_layers": 10 ** 9, "vocab_size": 10 ** 9},
    {**_LLAMA, "model_type": "mamba", "architectures": ["MambaForCausalLM"]},
    {k: v for k, v in _LLAMA.items() if k not in ("model_type", "architectures")},
    {"model_type": "gemma3", "text_config": [1], "vision_config": {}},
    {"model_type": "gemma3", "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 34},
     "vision_config": {"hidden_size": 1.5}},
    dict(_CATALOGUE_FILES["gemma-3-4b-it"],
         vision_config=dict(_CATALOGUE_FILES["gemma-3-4b-it"]["vision_config"], vision_use_head=1)),
    dict(_CATALOGUE_FILES["gemma-4-E2B-it"],
         audio_config=dict(_CATALOGUE_FILES["gemma-4-E2B-it"]["audio_config"], conv_kernel_size=0)),
    {"model_type": "gpt_oss", "hidden_size": 2880, "num_hidden_layers": 2, "num_attention_heads": 64,
     "head_dim": 64, "intermediate_size": 2880, "num_local_experts": 4, "num_experts_per_tok": 2,
     "vocab_size": 1000, "sliding_window": 128, "layer_types": ["sliding_attention"]},
    {"model_type": "qwen2_moe", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
     "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "vocab_size": 100,
     "mlp_only_layers": [0]},
]


def test_config_errors_match_the_cli(page, tmp_path):
    from generator.core.errors import GeneratorError
    from generator.families.model_config import read_config_json
    base = {"model": "__config_json__", "quantization": "bf16", "context": "4096", "generate": "0", "batch": "1",
            "engine": "transformers", "version": "4.46.0", "gpus": "1", "kv_dtype": "", "gpu": "", "touch": "config"}
    expected, cases = [], []
    for index, config in enumerate(BAD_CONFIGS):
        text = json.dumps(config)
        path = tmp_path / f"bad-{index}.json"
        path.write_text(text, encoding="utf-8")
        try:
            read_config_json(str(path))
        except GeneratorError as error:
            expected.append((config, f"{error.message}; {error.fix}"))
            cases.append({**base, "config": text})
    # The bounds (architectures as text, at most MAX_FIELD, MAX_PARAMS) exist only where model_config.py has them.
    assert len(cases) >= 11
    for (config, want), result in zip(expected, page.run(cases)):
        assert result["errors"]["err-config"] == page_word("err.config", "zh-CN", detail=want), config
        assert result["report"] is None
    page.check_clean()


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_screenshots_and_no_sideways_scroll(calculator_tab, site_dir, tmp_path, width, height):
    opened = Page(calculator_tab, site_dir, width, height)
    try:
        # A multi-GPU vLLM run shows every output row (per-GPU peaks, the GPU verdict, vLLM capacity).
        opened.run([{"model": "Qwen2.5-32B-Instruct", "config": "", "quantization": "awq", "context": "32768",
                     "generate": "1024", "batch": "2", "engine": "vllm", "version": "0.6.3", "gpus": "2",
                     "kv_dtype": "", "gpu": "RTX 4090"}])
        path = tmp_path / f"calculator-{width}.png"
        opened.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        overflow = opened.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
        # Every input and output is at least partly on screen horizontally and not squeezed to nothing.
        boxes = opened.page.evaluate("""() => Array.from(document.querySelectorAll(
            '#calculator input, #calculator select, [id^=out-]')).filter((e) => e.offsetParent !== null)
            .map((e) => { const r = e.getBoundingClientRect(); return [e.id, r.left, r.right, r.width]; })""")
        for element, left, right, box_width in boxes:
            assert left >= 0 and right <= width + 0.5, (element, left, right)
            assert box_width > 10 or element == "out-bar", (element, box_width)
        opened.check_clean()
        print(f"\nscreenshot: {path}")
    finally:
        opened.close()
