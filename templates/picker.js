/* Answer first: fits / does not fit on my card, with N cards, or at most this context. The numbers come from
   the calculator's estimator (calculator.js, a port of generator/calc/) and gpu_fit's rules, as the tables. */
(function () {
  "use strict";
  var calc = window.vramCalculator;
  if (!calc || !document.getElementById("picker")) { return; }
  var DATA = calc.data, C = DATA.constants, GIB = C.gib;
  var $ = function (id) { return document.getElementById(id); };

  // Two decimals, as the calculator and `python -m generator estimate` print them.
  function gib(bytes) { return calc.formatFixed(bytes / GIB, 2); }
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function tokens(n) { return n % 1024 === 0 ? (n / 1024) + "K" : thousands(n); }
  function model(id) { return DATA.models.filter(function (m) { return m.id === id; })[0]; }

  // The card: one of the catalogue (judged by what a run may use of it, glossary "usable": the CUDA total, a Mac's
  // Metal working set), or "my VRAM" typed in GB and taken as usable as typed.
  function card() {
    var name = $("pick-gpu").value;
    $("pick-vram-field").hidden = name !== "";
    if (name) {
      var found = DATA.gpus.filter(function (g) { return g.name === name; })[0];
      return { name: name, bytes: calc.usableBytes(found), sold: found.memory_bytes, mac: found.unified_memory };
    }
    var typed = Number($("pick-vram").value);
    if (!(typed > 0) || typed > 2048) { return null; }
    var bytes = Math.round(typed * GIB);
    return { name: "你的 " + typed + " GB 显卡", bytes: bytes, sold: bytes, mac: false };
  }

  function answer() {
    var m = model($("pick-model").value), arch = m.architecture;
    var context = Number($("pick-context").value);
    var quant = calc.parseQuantization($("pick-quantization").value);
    var spec = $("pick-engine").value;
    var engine = spec.split("==")[0];
    var gpu = card();
    if (gpu === null) { return { verdict: "no", number: "—", sentence: "请填写显存大小（GB），例如 12。" }; }
    if (quant.format === "gguf" && engine !== "llama.cpp") { spec = "llama.cpp"; engine = spec; }
    if (quant.format !== "gguf" && engine === "llama.cpp") {
      return { verdict: "no", number: "—", sentence: "llama.cpp 运行 GGUF 量化（如 q4_k_m、q8_0），请换一个量化或框架。" };
    }
    if (gpu.mac && engine !== "llama.cpp") {
      return { verdict: "no", number: "—", sentence: "Mac 上跑的是 llama.cpp（Ollama、LM Studio）：请选 GGUF 量化（如 q4_k_m）。" };
    }
    var framework = calc.parseFramework(spec);
    var limit = arch.max_position_embeddings;
    if (limit && context > limit) {
      return { verdict: "no", number: "—", sentence: m.id + " 最长支持 " + tokens(limit) + " Token 上下文，请选短一些的长度。" };
    }
    function at(tokensCount, cards) {
      return calc.estimate(arch, quant, tokensCount, framework, undefined, 1, cards, null, gpu.bytes);
    }
    var one = at(context, 1);
    var needs = calc.busiestGpuBytes(one);
    var where = gpu.name + "（可用 " + gib(gpu.bytes) + " GiB）";
    var via = engine === "llama.cpp" && quant.format === "gguf" && $("pick-engine").value.split("==")[0] !== "llama.cpp"
      ? "（GGUF 按 llama.cpp 估算）" : "";
    if (calc.fits(one, gpu.bytes)) {
      var sentence = m.id + " " + quant.name + " 在 " + tokens(context) + " 上下文下" + via + "，" + where + " 能装下";
      if (one.kv_cache_capacity_tokens !== null) {
        sentence += "：vLLM 启动预留 " + gib(one.per_gpu_peak[0]) + " GiB，其中 KV cache 可容纳 " +
          thousands(one.kv_cache_capacity_tokens) + " Token，可同时服务 " +
          thousands(Math.floor(one.kv_cache_capacity_tokens / context)) + " 个完整请求。";
      } else {
        sentence += "：峰值 " + gib(one.peak) + " GiB，所需显存 " + gib(needs) + " GiB（最忙那张卡的峰值加分配器余量和 CUDA 上下文）。";
      }
      return { verdict: "yes", number: "能装下", sentence: sentence };
    }
    var cards = 0;
    for (var k = 2; k <= C.max_cards; k++) { if (calc.fits(at(context, k), gpu.bytes)) { cards = k; break; } }
    // The longest context one card holds: memory grows with context, so a binary search in 1K steps (gpu_fit.py).
    var low = 0, high = Math.floor((limit || context) / 1024);
    while (low < high) {
      var middle = Math.floor((low + high + 1) / 2);
      if (calc.fits(at(middle * 1024, 1), gpu.bytes)) { low = middle; } else { high = middle - 1; }
    }
    var longest = low * 1024;
    var text = m.id + " " + quant.name + " 在 " + tokens(context) + " 上下文下" + via + "，一张" + where + "装不下" +
      (one.kv_cache_capacity_tokens !== null ? "（vLLM 启动不了或放不下这个请求）。" : "（所需显存 " + gib(needs) + " GiB）。");
    var number;
    if (longest > 0) {
      number = "最多 " + tokens(longest) + " 上下文";
      text += "一张卡最长能跑 " + thousands(longest) + " Token 上下文";
      text += cards ? "；或用 " + cards + " 张同样的卡。" : "。";
    } else if (cards) {
      number = "需要 " + cards + " 张";
      text += "要 " + cards + " 张同样的卡才能跑" + (engine === "vllm" ? "（张量并行）。" : "（按层切分）。");
    } else {
      number = "装不下";
      text += C.max_cards + " 张以内都装不下，请换更小的量化或模型。";
    }
    return { verdict: "no", number: number, sentence: text };
  }

  function update() {
    var result;
    try {
      result = answer();
    } catch (error) {
      result = { verdict: "no", number: "—", sentence: "无法计算：" + (error && error.message ? error.message : error) };
    }
    $("pick-number").textContent = result.number;
    $("pick-number").className = "picker-number " + result.verdict;
    $("pick-sentence").textContent = result.sentence;
    // The calculator opens with the same setup (see its URL state).
    var params = new URLSearchParams({
      model: $("pick-model").value, context: $("pick-context").value, q: $("pick-quantization").value,
      engine: $("pick-engine").value,
    });
    if ($("pick-gpu").value) { params.set("gpu", $("pick-gpu").value); } else { params.set("vram", $("pick-vram").value); }
    var link = $("pick-calculator");
    link.href = link.href.split("#")[0].split("?")[0] + "#" + params.toString();
    showFits();
  }

  // "What can my card run": the page of the largest memory size whose card gives a run no more than this one.
  function showFits() {
    var fitsLink = $("pick-fits");
    if (!fitsLink || !fitsLink.getAttribute) { return; }
    var gpu = card(), sizes = String(fitsLink.getAttribute("data-pages") || "").split(",").map(Number);
    var hrefs = String(fitsLink.getAttribute("data-hrefs") || "").split(","), labels = String(fitsLink.getAttribute("data-labels") || "").split(",");
    var best = -1;
    sizes.forEach(function (bytes, i) { if (gpu !== null && bytes <= gpu.bytes) { best = i; } });
    $("pick-fits-line").hidden = best < 0;
    if (best >= 0) {
      fitsLink.href = hrefs[best];
      fitsLink.textContent = "这张卡还能跑什么：" + labels[best] + " 显卡能跑的全部模型 →";
    }
  }

  // For the tests: the picker's answer for the form as it is set.
  window.vramPicker = { answer: answer };

  $("picker").addEventListener("input", update);
  $("picker").addEventListener("change", update);
  $("picker").addEventListener("submit", function (event) { event.preventDefault(); update(); });
  update();
})();
