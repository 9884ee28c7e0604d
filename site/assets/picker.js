/* Answer first: fits / does not fit on my card, with N cards, or at most this context. The numbers come from
   the calculator's estimator (calculator.js, a port of generator/calc/) and gpu_fit's rules, as the tables. */
(function () {
  "use strict";
  var calc = window.vramCalculator;
  if (!calc || !document.getElementById("picker")) { return; }
  var DATA = calc.data, C = DATA.constants, GIB = C.gib;
  var $ = function (id) { return document.getElementById(id); };
  var msg = calc.msg;  // the page's words (i18n.PAGE_WORDS)

  // Two decimals, as the calculator and `python -m generator estimate` print them.
  function gib(bytes) { return calc.formatFixed(bytes / GIB, 2); }
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function tokens(n) { return n % 1024 === 0 ? (n / 1024) + "K" : thousands(n); }
  function model(id) { return DATA.models.filter(function (m) { return m.id === id; })[0]; }

  // The card: one of the catalogue, judged by what a run may use of it (glossary "usable": the CUDA total, a Mac's
  // Metal working set), or "my VRAM" typed in GB as sold (a card sold as 12 GB has 12 GiB, as gpus.yaml says),
  // decimals allowed, shown as typed; the same rule as the calculator.
  function card() {
    var name = $("pick-gpu").value;
    $("pick-vram-field").hidden = name !== "";
    if (name) {
      var found = DATA.gpus.filter(function (g) { return g.name === name; })[0];
      var usable = calc.usableBytes(found);
      return { name: msg("pick.where", { name: name, gib: gib(usable) }), bytes: usable, mac: found.unified_memory };
    }
    var text = String($("pick-vram").value).trim().replace(/^\+/, "");
    var typed = Number(text);
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text) || !(typed > 0) || typed > C.max_card_gb) { return null; }
    return { name: msg("pick.your-card", { gb: text }), bytes: Math.round(typed * GIB) };
  }

  function answer() {
    var m = model($("pick-model").value), arch = m.architecture;
    var context = Number($("pick-context").value);
    var quant = calc.parseQuantization($("pick-quantization").value);
    var spec = $("pick-engine").value;
    var engine = spec.split("==")[0];
    var gpu = card();
    if (gpu === null) { return { verdict: "no", number: "—", sentence: msg("pick.need-vram") }; }
    if (quant.format === "gguf" && engine !== "llama.cpp") { spec = "llama.cpp"; engine = spec; }
    if (quant.format !== "gguf" && engine === "llama.cpp") {
      return { verdict: "no", number: "—", sentence: msg("pick.llamacpp-gguf") };
    }
    if (gpu.mac && engine !== "llama.cpp") {
      return { verdict: "no", number: "—", sentence: msg("pick.mac-llamacpp") };
    }
    var framework = calc.parseFramework(spec);
    var limit = arch.max_position_embeddings;
    if (limit && context > limit) {
      return { verdict: "no", number: "—", sentence: msg("pick.max-context", { model: m.id, limit: tokens(limit) }) };
    }
    function at(tokensCount, cards) {
      return calc.estimate(arch, quant, tokensCount, framework, undefined, 1, cards, null, gpu.bytes);
    }
    var one = at(context, 1);
    var needs = calc.busiestGpuBytes(one);
    var where = gpu.name;
    var via = engine === "llama.cpp" && quant.format === "gguf" && $("pick-engine").value.split("==")[0] !== "llama.cpp"
      ? msg("pick.via-llamacpp") : "";
    var run = { model: m.id, quant: quant.name, context: tokens(context), via: via, where: where };
    if (calc.fits(one, gpu.bytes)) {
      var sentence = msg("pick.fits", run);
      if (one.kv_cache_capacity_tokens !== null) {
        sentence += msg("pick.fits-vllm", { gib: gib(one.per_gpu_peak[0]), tokens: thousands(one.kv_cache_capacity_tokens),
          requests: thousands(Math.floor(one.kv_cache_capacity_tokens / context)) });
      } else {
        sentence += msg("pick.fits-peak", { peak: gib(one.peak), gib: gib(needs) });
      }
      return { verdict: "yes", number: msg("pick.yes"), sentence: sentence };
    }
    var cards = 0;
    for (var k = 2; k <= C.max_cards; k++) { if (calc.fits(at(context, k), gpu.bytes)) { cards = k; break; } }
    // The longest context one card holds: memory grows with context, so a binary search in 1K steps (gpu_fit.py
    // longest_context; the twin of this whole answer is gpu_fit.py picker_answer).
    var step = C.context_step_tokens;
    var low = 0, high = Math.floor((limit || context) / step);
    while (low < high) {
      var middle = Math.floor((low + high + 1) / 2);
      if (calc.fits(at(middle * step, 1), gpu.bytes)) { low = middle; } else { high = middle - 1; }
    }
    var longest = low * step;
    var text = msg("pick.no-fit", Object.assign({ gib: gib(needs) }, run));
    var number;
    if (longest > 0) {
      number = msg("pick.at-most", { context: tokens(longest) });
      text += msg("pick.longest", { tokens: thousands(longest) });
      text += cards ? msg("pick.or-cards", { cards: cards }) : msg("pick.end");
    } else if (cards) {
      number = msg("pick.needs-cards", { cards: cards });
      text += msg(engine === "vllm" ? "pick.cards-tp" : "pick.cards-layers", { cards: cards });
    } else {
      number = msg("pick.never");
      text += msg("pick.never-sentence", { cards: C.max_cards });
    }
    return { verdict: "no", number: number, sentence: text };
  }

  // The choices in the URL, as the calculator's (#model=...&context=...&q=...&engine=...&gpu=... or vram=...): a
  // shared link opens the same answer; a value the picker has no choice for is named, with the nearest ones.
  var FIELDS = { model: "pick-model", context: "pick-context", q: "pick-quantization", engine: "pick-engine",
    gpu: "pick-gpu", vram: "pick-vram" };
  var WHAT = { model: "model", context: "context", q: "quantization", engine: "engine", gpu: "gpu" };
  var fromUrl = {};
  function params() {
    var found = new URLSearchParams({
      model: $("pick-model").value, context: $("pick-context").value, q: $("pick-quantization").value,
      engine: $("pick-engine").value,
    });
    if ($("pick-gpu").value) { found.set("gpu", $("pick-gpu").value); } else { found.set("vram", $("pick-vram").value); }
    Object.keys(fromUrl).forEach(function (key) { found.set(key, fromUrl[key]); });
    return found;
  }
  function readUrl() {
    fromUrl = {};
    var text = window.location.hash.replace(/^#/, "");
    if (text.indexOf("=") < 0) { return false; }
    var given = new URLSearchParams(text);
    if (given.has("vram") && !given.has("gpu")) { given.set("gpu", ""); }
    Object.keys(FIELDS).forEach(function (key) {
      if (!given.has(key)) { return; }
      var element = $(FIELDS[key]), value = given.get(key);
      if (element.tagName !== "SELECT") { element.value = value; return; }
      var options = Array.prototype.map.call(element.options, function (o) { return o.value; });
      if (options.indexOf(value) >= 0) { element.value = value; } else { fromUrl[key] = value; }
    });
    return true;
  }
  function unknownInUrl() {
    var key = Object.keys(fromUrl)[0];
    if (key === undefined) { return null; }
    var element = $(FIELDS[key]);
    var choices = Array.prototype.map.call(element.options, function (o) { return o.value; }).filter(Boolean);
    var close = calc.nearest(fromUrl[key], choices);
    var sentence = msg("url.unknown-" + WHAT[key], { value: fromUrl[key] }) +
      (close.length ? msg("suggest.did-you-mean") + close.join(msg("suggest.or")) + msg("suggest.end") : msg("suggest.pick"));
    return { verdict: "no", number: "—", sentence: sentence };
  }
  function writeUrl() {
    if (window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", "#" + params().toString()); } catch (error) { /* file:// */ }
    }
  }

  function update() {
    var result = unknownInUrl();
    if (result) { return show(result); }
    try {
      result = answer();
    } catch (error) {
      result = { verdict: "no", number: "—", sentence: msg("pick.cannot", { detail: error && error.message ? error.message : error }) };
    }
    show(result);
  }

  function show(result) {
    $("pick-number").textContent = result.number;
    $("pick-number").className = "picker-number " + result.verdict;
    $("pick-sentence").textContent = result.sentence;
    // The calculator opens with the same setup (see its URL state).
    var link = $("pick-calculator");
    link.href = link.href.split("#")[0].split("?")[0] + "#" + params().toString();
    showFits();
  }

  // "What can my card run": the page of the largest memory size whose card gives a run no more than this one.
  function showFits() {
    var fitsLink = $("pick-fits");
    if (!fitsLink || !fitsLink.getAttribute) { return; }
    var gpu = card(), sizes = String(fitsLink.getAttribute("data-pages") || "").split(",").map(Number);
    var hrefs = String(fitsLink.getAttribute("data-hrefs") || "").split(",");
    var labels = String(fitsLink.getAttribute("data-labels") || "").split(",");
    var best = -1;
    sizes.forEach(function (bytes, i) { if (gpu !== null && bytes <= gpu.bytes) { best = i; } });
    $("pick-fits-line").hidden = best < 0;
    if (best >= 0) {
      fitsLink.href = hrefs[best];
      fitsLink.textContent = msg("pick.fits-page", { size: labels[best] });
    }
  }

  // For the tests: the picker's answer for the form as it is set.
  window.vramPicker = { answer: answer };

  var defaults = {};
  Object.keys(FIELDS).forEach(function (key) { defaults[key] = $(FIELDS[key]).value; });
  function chosen(event) {
    Object.keys(FIELDS).forEach(function (key) { if (event.target && event.target.id === FIELDS[key]) { delete fromUrl[key]; } });
    update();
    writeUrl();
  }
  $("picker").addEventListener("input", chosen);
  $("picker").addEventListener("change", chosen);
  $("picker").addEventListener("submit", function (event) { event.preventDefault(); update(); });
  calc.shareButtons($("pick-answer"), function () {
    Object.keys(FIELDS).forEach(function (key) { $(FIELDS[key]).value = defaults[key]; });
    fromUrl = {};
    if (window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", window.location.pathname + window.location.search); } catch (error) { /* file:// */ }
    }
    update();
  }).querySelector(".copy-link").addEventListener("click", writeUrl, true);
  readUrl();
  window.addEventListener("hashchange", function () { if (readUrl()) { update(); } });
  update();
})();
