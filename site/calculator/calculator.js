/*
 * The VRAM calculator: a port of generator/calc/ (estimator.py, architecture.py, transformers_engine.py, vllm.py,
 * llamacpp.py, gguf_mix.py, gpu_fit.py), generator/families/ (reader.py, vision.py, model_config.py) and the report
 * of `python -m generator estimate --json` (generator/api.py), for the page calculator/index.html.
 *
 * Plain JavaScript, no framework and no network: the estimator's data (models, quantization table, framework
 * profiles, GPUs, constants) is embedded in the page as <script type="application/json" id="estimator-data">,
 * written by generator/site/calculator.py from the Python modules, so the page works opened from disk.
 *
 * One source: everything here that is data (the family table, GGUF block sizes and the named type lists of the
 * quantize rules, vLLM's and llama.cpp's constants and defaults, the configuration classes' defaults, the page's
 * limits) is read from DATA, never typed in. tests/test_calculator_data.py lists every number still written here
 * (formula coefficients, IEEE-754's layout, the page's own drawing) with its reason, and fails on any other.
 *
 * Exactness: every product and sum below is done in the same order as the Python code, so each IEEE double
 * operation is the same one Python performs; Python's integers stay below 2^53 for the inputs the page accepts
 * (see LIMITS), so they are exact here too. Python's round(x, n), f"{x:.2f}" and float // float are ported with
 * their exact semantics (round half to even on the exact binary value; floor division through fmod).
 */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("estimator-data").textContent);
  var C = DATA.constants;
  var GIB = C.gib;

  // Inputs beyond these would make Python's exact integers exceed 2^53 in the products below (calculator.py PAGE_LIMITS).
  var PAGE = DATA.page;
  var LIMITS = PAGE.limits;

  function hasOwn(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  // --- Errors ---------------------------------------------------------------------------------------------------
  function EstimateError(message, fix, field) {
    this.message = message;
    this.fix = fix || "";
    this.field = field || "";
  }
  EstimateError.prototype.toString = function () {
    return this.fix ? this.message + "; " + this.fix : this.message;
  };

  // Python's repr() of a str (close enough for messages) and of JSON values.
  function pyRepr(value) {
    if (value === null || value === undefined) { return "None"; }
    if (value instanceof PyFloat) { return floatRepr(value.value); }
    if (typeof value === "boolean") { return value ? "True" : "False"; }
    if (typeof value === "number") { return Number.isInteger(value) ? String(value) : floatRepr(value); }
    if (typeof value === "string") {
      var quote = value.indexOf("'") >= 0 && value.indexOf('"') < 0 ? '"' : "'";
      var body = value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
      if (quote === "'") { body = body.replace(/'/g, "\\'"); }
      return quote + body + quote;
    }
    if (Array.isArray(value)) { return "[" + value.map(pyRepr).join(", ") + "]"; }
    return "{" + Object.keys(value).map(function (k) { return pyRepr(k) + ": " + pyRepr(value[k]); }).join(", ") + "}";
  }
  function floatRepr(x) {
    if (Number.isInteger(x) && Math.abs(x) < 1e16) { return x.toFixed(1); }
    return String(x);
  }

  // A JSON number written with a fraction or an exponent: Python's json.loads makes it a float, not an int.
  function PyFloat(value) { this.value = value; }

  // Python truthiness of a JSON value.
  function truthy(value) {
    if (value === null || value === undefined) { return false; }
    if (value instanceof PyFloat) { return value.value !== 0; }
    if (typeof value === "boolean") { return value; }
    if (typeof value === "number") { return value !== 0; }
    if (typeof value === "string" || Array.isArray(value)) { return value.length > 0; }
    return Object.keys(value).length > 0;
  }

  // str.strip() with Python's whitespace (str.isspace, listed by calculator.py), which differs from String.prototype.trim.
  var PY_SPACE = PAGE.py_whitespace;
  function pyStrip(text) {
    var start = 0, end = text.length;
    while (start < end && PY_SPACE.indexOf(text.charAt(start)) >= 0) { start++; }
    while (end > start && PY_SPACE.indexOf(text.charAt(end - 1)) >= 0) { end--; }
    return text.slice(start, end);
  }

  // --- Python number semantics -----------------------------------------------------------------------------------
  // x = (-1)^sign * mant * 2^exp exactly.
  function decompose(x) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    var hi = view.getUint32(0), lo = view.getUint32(4);
    var biased = (hi >>> 20) & 0x7ff;
    var mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    var exp;
    if (biased === 0) { exp = -1074; } else { mant |= 1n << 52n; exp = biased - 1075; }
    return { sign: hi >>> 31, mant: mant, exp: exp };
  }

  // |x| * 10^digits rounded to an integer, half to even, on x's exact binary value (as Python's dtoa rounds).
  function scaledHalfEven(x, digits) {
    var d = decompose(x);
    var num = d.mant * (10n ** BigInt(digits)), den = 1n;
    if (d.exp >= 0) { num <<= BigInt(d.exp); } else { den <<= BigInt(-d.exp); }
    var q = num / den, r = num % den;
    if (2n * r > den || (2n * r === den && (q & 1n) === 1n)) { q += 1n; }
    return { sign: d.sign, q: q };
  }

  // Python: f"{x:.{digits}f}".
  function formatFixed(x, digits) {
    if (!isFinite(x)) { return String(x); }
    var s = scaledHalfEven(x, digits);
    var text = s.q.toString();
    while (text.length < digits + 1) { text = "0" + text; }
    var whole = text.slice(0, text.length - digits), frac = text.slice(text.length - digits);
    return (s.sign ? "-" : "") + whole + (digits > 0 ? "." + frac : "");
  }

  // Python: round(x, digits) for a float.
  function pyRound(x, digits) {
    if (!isFinite(x) || x === 0) { return x; }
    var s = scaledHalfEven(x, digits);
    return Number((s.sign ? "-" : "") + s.q.toString() + "e-" + digits);
  }

  // Python: float // float (Objects/floatobject.c float_floor_div via _float_div_mod).
  function floorDiv(vx, wx) {
    var mod = vx % wx;  // fmod: exact
    var div = (vx - mod) / wx;
    if (mod) {
      if ((wx < 0) !== (mod < 0)) { div -= 1.0; }
    }
    var floordiv;
    if (div) {
      floordiv = Math.floor(div);
      if (div - floordiv > 0.5) { floordiv += 1.0; }
    } else {
      floordiv = (vx / wx < 0 || Object.is(vx / wx, -0)) ? -0 : 0;
    }
    return floordiv;
  }

  // Python: f"{n:,}" for an integer.
  function thousands(n) {
    var text = String(Math.abs(n)), out = "";
    while (text.length > 3) { out = "," + text.slice(-3) + out; text = text.slice(0, -3); }
    return (n < 0 ? "-" : "") + text + out;
  }

  // Python's max(a, b, ...): the first of equal maxima.
  function pyMax() {
    var best = arguments[0];
    for (var i = 1; i < arguments.length; i++) { if (arguments[i] > best) { best = arguments[i]; } }
    return best;
  }
  function pyMin() {
    var best = arguments[0];
    for (var i = 1; i < arguments.length; i++) { if (arguments[i] < best) { best = arguments[i]; } }
    return best;
  }

  // --- generator/calc/architecture.py ----------------------------------------------------------------------------
  function isMoe(a) { return a.num_experts > 0; }
  function isMla(a) { return a.kv_lora_rank > 0; }
  function overridden(value) { return value !== undefined && value !== null && value >= 0; }
  function moeLayers(a) {
    if (!isMoe(a)) { return 0; }
    if (overridden(a.moe_layers_override)) { return a.moe_layers_override; }
    return Math.floor(pyMax(0, a.layers - a.first_k_dense_replace) / pyMax(1, a.moe_layer_step || 1));
  }
  function denseLayers(a) { return overridden(a.mlp_layers_override) ? a.mlp_layers_override : a.layers - moeLayers(a); }

  // Hybrid-state models (architecture.py layer_kinds): "A" attention, "S" state layer, "F" feed-forward block,
  // "B" both an attention and a Mamba2 mixer (Falcon-H1).
  function countKind(a, kind) {
    var n = 0, kinds = a.layer_kinds || "";
    for (var i = 0; i < kinds.length; i++) { if (kinds.charAt(i) === kind) { n += 1; } }
    return n;
  }
  function attentionLayers(a) { return a.layer_kinds ? countKind(a, "A") + countKind(a, "B") : a.layers; }
  function stateLayers(a) { return countKind(a, "S") + countKind(a, "B"); }
  function isHybrid(a) { return stateLayers(a) > 0; }
  function holdsKv(a, layer) { return !a.layer_kinds || "AB".indexOf(a.layer_kinds.charAt(layer)) >= 0; }
  function holdsState(a, layer) { return !!a.layer_kinds && "SB".indexOf(a.layer_kinds.charAt(layer)) >= 0; }
  function attentionGroups(a) {
    var layers = attentionLayers(a);
    if (!(a.global_head_dim || a.global_kv_heads) || !a.sliding_window_layers) {
      return [[layers, a.head_dim, a.kv_heads]];
    }
    var local = pyMin(a.sliding_window_layers, layers);
    return [[local, a.head_dim, a.kv_heads],
      [layers - local, a.global_head_dim || a.head_dim, a.global_kv_heads || a.kv_heads]];
  }
  function stateBytesPerSequence(a, convBytes, recurrentBytes, convColumns) {
    if (!isHybrid(a)) { return 0.0; }
    var columns = convColumns === undefined || convColumns === null ? a.conv_kernel - 1 : convColumns;
    return stateLayers(a) * a.conv_dim * columns * convBytes +
      stateLayers(a) * a.recurrent_state_values * recurrentBytes;
  }

  function attentionShapes(a, headDim, kvHeads) {
    var h = a.hidden_size;
    if (isMla(a)) {
      var qkHead = a.qk_nope_head_dim + a.qk_rope_head_dim;
      var shapes = [];
      if (a.q_lora_rank) {
        shapes.push([h, a.q_lora_rank]);
        shapes.push([a.q_lora_rank, a.heads * qkHead]);
      } else {
        shapes.push([h, a.heads * qkHead]);
      }
      shapes.push([h, a.kv_lora_rank + a.qk_rope_head_dim]);
      shapes.push([a.kv_lora_rank, a.heads * (a.qk_nope_head_dim + a.v_head_dim)]);
      shapes.push([a.heads * a.v_head_dim, h]);
      return shapes;
    }
    headDim = headDim || a.head_dim;
    kvHeads = kvHeads || a.kv_heads;
    var qOut = a.heads * headDim, kvOut = kvHeads * headDim, gate = a.attention_output_gate ? 2 : 1;
    return [[h, gate * qOut], [h, kvOut], [h, kvOut], [qOut, h]];
  }

  function attentionExtra(a, headDim, kvHeads) {
    if (isMla(a)) { return [0, a.kv_lora_rank + (a.q_lora_rank ? a.q_lora_rank : 0)]; }
    headDim = headDim || a.head_dim;
    kvHeads = kvHeads || a.kv_heads;
    var bias = a.qkv_bias ? (a.heads + 2 * kvHeads) * headDim : 0;
    bias += a.o_bias ? a.hidden_size : 0;
    var norms;
    if (a.qk_norm_full) {
      norms = (a.heads + kvHeads) * headDim;
    } else {
      norms = a.qk_norm ? 2 * headDim : 0;
    }
    norms += a.attention_sinks ? a.heads : 0;
    return [bias, norms];
  }

  function gatedMlpShapes(hidden, intermediate) {
    return [[hidden, intermediate], [hidden, intermediate], [intermediate, hidden]];
  }

  // Fields added with the family readers; an architecture object without them (older data) means the defaults.
  function mlpGated(a) { return a.mlp_gated === undefined ? true : a.mlp_gated; }
  function denseMlpShapes(a, intermediate) {
    if (mlpGated(a)) { return gatedMlpShapes(a.hidden_size, intermediate); }
    return [[a.hidden_size, intermediate], [intermediate, a.hidden_size]];
  }
  function denseMlpBias(a, intermediate) {
    if (!a.mlp_bias) { return 0; }
    return (mlpGated(a) ? 2 : 1) * intermediate + a.hidden_size;
  }

  function sumProducts(shapes) {
    var total = 0;
    for (var i = 0; i < shapes.length; i++) { total += shapes[i][0] * shapes[i][1]; }
    return total;
  }

  var breakdownCache = new WeakMap();

  function paramBreakdown(a) {
    var cached = breakdownCache.get(a);
    if (cached) { return cached; }
    var h = a.hidden_size;
    var shapes = [], attentionLinear = 0, attentionBias = 0, attentionNorms = 0;
    attentionGroups(a).forEach(function (g) {
      var count = g[0];
      if (!count || a.attention_shapes_given) { return; }
      var groupShapes = attentionShapes(a, g[1], g[2]), extra = attentionExtra(a, g[1], g[2]);
      groupShapes.forEach(function (s) { shapes.push([s[0], s[1], count]); });
      attentionLinear += count * sumProducts(groupShapes);
      attentionBias += count * extra[0];
      attentionNorms += count * extra[1];
    });
    // State layers' (and other extra) mixer matrices: quantized like attention.
    (a.mixer_shapes || []).forEach(function (m) {
      shapes.push([m[0], m[1], m[2]]);
      attentionLinear += m[0] * m[1] * m[2];
    });
    var kinds = shapes.map(function () { return "attention"; });
    var mlpLinear = 0, expertsLinear = 0, router = 0, mlpBias = 0;
    var dense = denseLayers(a), moe = moeLayers(a);
    if (dense) {
      var d = denseMlpShapes(a, a.intermediate_size);
      mlpLinear += dense * sumProducts(d);
      mlpBias += dense * denseMlpBias(a, a.intermediate_size);
      d.forEach(function (s) { shapes.push([s[0], s[1], dense]); kinds.push("mlp"); });
    }
    if (moe) {
      var expert = gatedMlpShapes(h, a.moe_intermediate_size);
      if (a.experts_gated === false) { expert = expert.slice(1); }
      expertsLinear = moe * a.num_experts * sumProducts(expert);
      expert.forEach(function (s) { shapes.push([s[0], s[1], moe * a.num_experts]); kinds.push("experts"); });
      var sharedIntermediate = a.shared_expert_intermediate_size || a.n_shared_experts * a.moe_intermediate_size;
      if (sharedIntermediate) {
        var shared = denseMlpShapes(a, sharedIntermediate);
        mlpLinear += moe * sumProducts(shared);
        shared.forEach(function (s) { shapes.push([s[0], s[1], moe]); kinds.push("mlp"); });
      }
      router = moe * (h * a.num_experts + (a.shared_expert_gate ? h : 0));
      if (a.expert_bias) { router += moe * a.num_experts * (1 + 2 * a.moe_intermediate_size + h); }
    }
    var normSize = a.norm_bias ? 2 * h : h;
    var norms = a.layers * a.norms_per_layer * normSize + attentionNorms;
    norms += a.final_norm === false ? 0 : normSize;
    var embedding = (a.vocab_size + (a.position_embeddings || 0)) * h;
    var lmHead = a.tie_word_embeddings ? 0 : a.vocab_size * h;
    var largest = 0;
    shapes.forEach(function (s) { largest = pyMax(largest, s[0] * s[1]); });
    var b = {
      embedding: embedding, lm_head: lmHead, attention_linear: attentionLinear,
      attention_bias: attentionBias + mlpBias, mlp_linear: mlpLinear, experts_linear: expertsLinear,
      router: router, norms: norms + (a.extra_params || 0), linear_shapes: shapes, largest_linear: largest,
      vision: a.vision_params || 0, linear_kinds: kinds,
    };
    b.total = b.embedding + b.lm_head + b.attention_linear + b.attention_bias + b.mlp_linear +
      b.experts_linear + b.router + b.norms + b.vision;
    breakdownCache.set(a, b);
    return b;
  }

  function paramsTotal(a) { return paramBreakdown(a).total; }

  function kvCacheBytesPerToken(a, bytesPerValue, mlaCompressed, context) {
    var perLayer;
    if (isMla(a)) {
      if (mlaCompressed) {
        perLayer = a.kv_lora_rank + a.qk_rope_head_dim;
      } else {
        perLayer = a.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim);
      }
      return attentionLayers(a) * perLayer * bytesPerValue +
        (a.indexer_layers || 0) * (a.indexer_head_dim || 0) * bytesPerValue;
    }
    var groups = attentionGroups(a);
    var local = a.sliding_window ? pyMin(a.sliding_window_layers, attentionLayers(a)) : 0;
    var fraction = local && context && context > a.sliding_window ? a.sliding_window / context : 1.0;
    if (groups.length === 2) {
      return 2 * bytesPerValue * (groups[0][0] * groups[0][2] * groups[0][1] * fraction +
        groups[1][0] * groups[1][2] * groups[1][1]);
    }
    perLayer = 2 * a.kv_heads * a.head_dim * bytesPerValue;
    return perLayer * ((attentionLayers(a) - local) + local * fraction);
  }

  // --- Quantization, KV dtype, framework: generator/calc/estimator.py -------------------------------------------
  var Q = DATA.quantization;

  function parseQuantization(name) {
    var key = name === null || name === undefined ? "" : pyStrip(String(name)).toLowerCase().replace(/_/g, "-");
    if (hasOwn(Q.aliases, key)) { key = Q.aliases[key]; }
    if (hasOwn(Q.formats, key)) { return Q.formats[key]; }
    var gguf = (key.indexOf("gguf-") === 0 ? key.slice("gguf-".length) : key).replace(/-/g, "_");
    if (hasOwn(Q.gguf_bits_per_weight, gguf)) {
      return { name: gguf, format: "gguf", bits: Q.gguf_bits_per_weight[gguf], compute_bytes: 2 };
    }
    throw new EstimateError("unknown quantization " + pyRepr(name), "use one of: " + Q.valid_names.join(", "),
      "quantization");
  }

  function parseKvDtype(name) {
    var K = DATA.kv_dtypes;
    var key = name === null || name === undefined ? "16-bit" : pyStrip(String(name)).toLowerCase().replace(/_/g, "-");
    key = hasOwn(K.aliases, key) ? K.aliases[key] : key;
    if (!hasOwn(K.bytes_per_value, key) && hasOwn(K.bytes_per_value, key.replace(/-/g, "_"))) {
      key = key.replace(/-/g, "_");  // q8-0 -> q8_0, iq4-nl -> iq4_nl
    }
    if (hasOwn(K.bytes_per_value, key)) { return { name: key, bytes_per_value: K.bytes_per_value[key] }; }
    throw new EstimateError("unknown KV cache type " + pyRepr(name),
      "use one of: " + Object.keys(K.bytes_per_value).sort().join(", "), "kv-dtype");
  }

  function versionTuple(text) {
    var parts = (String(text).match(/\d+/g) || []).slice(0, 3).map(function (p) { return parseInt(p, 10); });
    while (parts.length < 3) { parts.push(0); }
    return parts;
  }

  function compareTuples(x, y) {
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) { return x[i] < y[i] ? -1 : 1; }
    }
    return x.length - y.length;
  }

  // llama.cpp names its builds bNNNN; "b" is kept in the label (estimator.py _FRAMEWORK_SPEC, its pattern).
  var FRAMEWORK_SPEC = new RegExp(PAGE.framework_spec, "i");

  function frameworkLabel(profile) {
    return profile.version ? profile.engine + "==" + profile.version : profile.engine;
  }

  function newestProfile(list) {
    var chosen = list[0];
    for (var i = 1; i < list.length; i++) {
      if (compareTuples(list[i].min_version || [0, 0, 0], chosen.min_version || [0, 0, 0]) > 0) { chosen = list[i]; }
    }
    return chosen;
  }

  // estimator.py _before: the release just below a version (0.34.0 -> 0.33.0).
  function releaseBefore(version) {
    var parts = version.split(".").map(function (x) { return parseInt(x, 10); });
    return parts.length > 1 && parts[1] > 0 ? parts[0] + "." + (parts[1] - 1) + ".0" : version;
  }

  function parseFramework(spec) {
    var profiles = DATA.frameworks;
    var match = spec === null || spec === undefined ? null : FRAMEWORK_SPEC.exec(String(spec));
    var engines = Array.from(new Set(profiles.map(function (p) { return p.engine; }))).sort();
    if (!match) {
      throw new EstimateError("bad framework " + pyRepr(spec), "write ENGINE==VERSION, ENGINE one of: " +
        engines.join(", "), "framework");
    }
    var engine = match[1].toLowerCase(), version = match[3];
    if (version !== undefined && /b$/i.test(match[2])) { version = "b" + version; }
    var candidates = profiles.filter(function (p) { return p.engine === engine; });
    if (!candidates.length) {
      throw new EstimateError("unknown framework " + pyRepr(engine), "use one of: " + engines.join(", "), "framework");
    }
    var modelled = candidates.filter(function (p) { return !p.unmodelled; });
    if (version === undefined) {
      if (engine === "transformers") {
        throw new EstimateError("transformers needs a version (memory behaviour changed across versions)",
          "write e.g. transformers==4.38.2", "framework");
      }
      // The newest profile the estimator models (an unmodelled profile never stands in for a bare name).
      return newestProfile(modelled.length ? modelled : candidates);
    }
    var wanted = versionTuple(version);
    for (var j = 0; j < candidates.length; j++) {
      var p = candidates[j];
      if ((p.min_version === null || compareTuples(wanted, p.min_version) >= 0) &&
          (p.max_version === null || compareTuples(wanted, p.max_version) < 0)) {
        if (p.unmodelled) {
          var newest = modelled.length ? newestProfile(modelled) : null;
          var last = newest && newest.max_version ? newest.max_version.join(".") : "";
          throw new EstimateError(engine + " " + version + " is not modelled: " + p.unmodelled,
            last ? "use a release before " + last + ", e.g. --framework " + engine + "==" + releaseBefore(last) :
              "use an earlier release", "framework");
        }
        return Object.assign({}, p, { version: version });
      }
    }
    throw new EstimateError("no " + engine + " profile covers version " + version,
      "add a range to content/frameworks.yaml", "framework");
  }

  // --- Weights -----------------------------------------------------------------------------------------------------
  function paddedIntermediate(a) {
    var key = String(a.intermediate_size);
    var padded = hasOwn(Q.padded_intermediate, key) ? Q.padded_intermediate[key] : 0;
    if (padded && !isMoe(a)) {
      var copy = Object.assign({}, a);
      copy.intermediate_size = padded;
      return copy;
    }
    return a;
  }

  var T = DATA.transformers;
  var PACKED_FORMATS = T.packed_formats;

  function packedMatrixBytes(quant, inF, outF) {
    var per = inF * outF * quant.bits / 8;
    if (quant.format === "gptq" || quant.format === "awq") {
      var g = quant.group_size || Q.group_size;
      var groups = g < 0 ? 1 : Math.ceil(inF / g);
      var zeros = (quant.zero_point !== false || quant.format === "gptq") ? quant.bits / 8 : 0;
      per += groups * outF * (2 + zeros);
      if (quant.format === "gptq") { per += inF * 4; }
    } else if (quant.format === "fp8") {
      if (quant.block_size && quant.block_size.length) {
        per += Math.ceil(outF / quant.block_size[0]) * Math.ceil(inF / quant.block_size[1]) * 4;
      } else {
        per += 4;
      }
    } else if (quant.format === "bnb-int8") {
      per += outF * 4;
    }
    return per;
  }

  function weightBytes(a, quant) {
    var archQ = quant.format === "gptq" || quant.format === "awq" ? paddedIntermediate(a) : a;
    var b = paramBreakdown(archQ);
    var largest = b.largest_linear;
    var total;
    var keep = quant.keep_16bit || [];
    if (quant.exact_weight_bytes) {
      total = quant.exact_weight_bytes;
    } else if (quant.format === "float") {
      total = b.total * quant.bits / 8;
    } else if (quant.format === "gguf") {
      total = ggufLayout(a, quant.name).total;
    } else {
      total = (b.embedding + b.lm_head + b.norms + b.attention_bias + b.router + b.vision) * 2;
      for (var i = 0; i < b.linear_shapes.length; i++) {
        var inF = b.linear_shapes[i][0], outF = b.linear_shapes[i][1], count = b.linear_shapes[i][2];
        var kind = b.linear_kinds[i];
        if (keep.indexOf(kind) >= 0 || (quant.format === "mxfp4" && isMoe(a) && kind !== "experts")) {
          total += inF * outF * 2 * count;
        } else {
          total += packedMatrixBytes(quant, inF, outF) * count;
        }
      }
    }
    return [Math.trunc(total), largest];
  }

  // --- The estimate -----------------------------------------------------------------------------------------------
  // transformers_engine.held_hidden_states: inputs_embeds, the layer's input, residual, the normed copy.
  function heldHiddenStates(a, firstGpu) {
    var atMlp = T.hidden_states_at_mlp, atAttention = T.hidden_states_at_attention;
    if (a.layers < 2) { atMlp -= 1; }
    if (!firstGpu) { atMlp -= 1; atAttention -= 1; }
    return [atMlp, atAttention];
  }

  function prefillLayerActivations(a, tokens, actBytes, flash, attentionExtra, eagerScores, firstGpu) {
    if (attentionExtra === undefined) { attentionExtra = 0; }
    if (eagerScores === undefined) { eagerScores = 0; }
    if (firstGpu === undefined) { firstGpu = true; }
    var h = a.hidden_size;
    var held = heldHiddenStates(a, firstGpu);
    var hidden = tokens * h * actBytes;
    var mlp;
    if (isMoe(a)) {
      var shared = a.shared_expert_intermediate_size || a.n_shared_experts * a.moe_intermediate_size;
      mlp = 3 * tokens * pyMax(shared, a.moe_intermediate_size) * actBytes;
      mlp += tokens * a.experts_per_token * a.num_experts * 8 + tokens * a.num_experts * 4;
      if (denseLayers(a)) { mlp = pyMax(mlp, 3 * tokens * a.intermediate_size * actBytes); }
    } else {
      mlp = 3 * tokens * a.intermediate_size * actBytes;
    }
    var qWidth = a.heads * (a.v_head_dim || a.head_dim);
    var qkv = tokens * (a.heads + 2 * a.kv_heads) * a.head_dim * actBytes;
    var attention;
    if (flash) {
      attention = 2 * qkv + tokens * qWidth * actBytes;
    } else {
      attention = qkv + eagerScores;
    }
    return pyMax(held[0] * hidden + mlp, held[1] * hidden + attention + attentionExtra);
  }

  function makeEstimate(fields) { return fields; }

  // llama: llama.cpp's settings, {flash_attention, ubatch, n_gpu_layers} (estimateLlamaCpp).
  function estimate(a, quant, context, framework, generate, batch, gpus, kvDtype, gpuMemoryBytes, attn, vllmSettings,
                    llama) {
    if (generate === undefined) { generate = C.default_generate; }
    if (batch === undefined) { batch = 1; }
    if (gpus === undefined) { gpus = 1; }
    if (context < 0 || generate < 0 || batch < 1 || gpus < 1) {
      throw new EstimateError("context and generate must be >= 0, batch and gpus >= 1",
        "check the numbers given to the estimator");
    }
    checkEngineFormats(quant, framework, kvDtype);
    if (framework.engine === "vllm") {
      return estimateVllm(a, quant, context, framework, generate, batch, gpus, kvDtype, gpuMemoryBytes, vllmSettings);
    }
    if (framework.engine === "llama.cpp") {
      return estimateLlamaCpp(a, quant, context, framework, generate, batch, gpus, kvDtype, llama);
    }
    if (attn === undefined || attn === null) { attn = DATA.transformers.default_attn; }
    if (DATA.transformers.attn_implementations.indexOf(attn) < 0) {
      throw new EstimateError("unknown attention implementation " + pyRepr(attn),
        "use one of: " + DATA.transformers.attn_implementations.join(", "), "");
    }
    return estimateTransformers(a, quant, context, framework, generate, batch, gpus, kvDtype, attn);
  }

  // --- generator/calc/transformers_engine.py ---------------------------------------------------------------------
  function ropeFamilies(profile) {
    return profile.rope_table_families.split(",").map(pyStrip).filter(function (n) { return n.length > 0; });
  }
  function cacheArchitecture(a, profile) {
    if (!a.sliding_window_layers) { return a; }
    if (profile.sliding_window_cache || (profile.gemma2_hybrid_cache && String(a.family).indexOf("Gemma2") === 0)) { return a; }
    var copy = Object.assign({}, a);
    copy.sliding_window = 0;
    copy.sliding_window_layers = 0;
    return copy;
  }
  function ropeTableBytes(a, profile, actBytes) {
    if (!profile.rope_table_per_layer || isMla(a) || ropeFamilies(profile).indexOf(a.family) < 0) { return 0; }
    return a.layers * 2 * a.max_position_embeddings * a.head_dim * actBytes;
  }
  function flashRepeatFamilies(profile) {
    return (profile.flash_repeats_kv_families || "").split(",").map(pyStrip)
      .filter(function (n) { return n.length > 0; });
  }
  function repeatsKv(a, profile, attn) {
    if (a.kv_heads >= a.heads) { return false; }
    if (attn === "flash_attention_2") { return flashRepeatFamilies(profile).indexOf(a.family) >= 0; }
    return attn === "eager" || (attn === "sdpa" && profile.sdpa_repeats_kv);
  }
  function expandedKvBytes(a, profile, attn, tokens, actBytes) {
    if (!repeatsKv(a, profile, attn)) { return 0; }
    return 2 * tokens * a.heads * a.head_dim * actBytes;
  }

  // estimator.py check_family_release: a release older than the family's first one is refused.
  function checkFamilyRelease(a, framework) {
    var spec = hasOwn(DATA.config.families, a.model_type) ? DATA.config.families[a.model_type] : null;
    var first = spec && spec.first_release;
    if (first && framework.version && compareTuples(versionTuple(framework.version), versionTuple(first)) < 0) {
      throw new EstimateError("transformers " + framework.version + " cannot run " + a.model_type + " models: its " +
        "classes arrived in transformers " + first, "use --framework transformers==" + first + " or later", "framework");
    }
  }

  // Eager attention's score matrix at its peak plus the shared 4-D mask (transformers_engine.py says why).
  function eagerBytesPerScore(actBytes, float16) {
    var FP32 = T.fp32_bytes;
    if (actBytes >= FP32) { return 2 * FP32; }
    var softmax = FP32 + (float16 ? 0 : FP32), cast = FP32 + actBytes;
    return actBytes + pyMax(softmax, cast);
  }
  function eagerAttentionBytes(a, batch, qLen, kLen, actBytes, float16) {
    return batch * a.heads * qLen * kLen * eagerBytesPerScore(actBytes, float16) + batch * qLen * kLen * actBytes;
  }
  function computesInFloat16(quant) {
    return quant.compute_bytes === 2 && (quant.name === "fp16" || quant.format === "gptq" || quant.format === "awq");
  }

  function estimateTransformers(a, quant, context, framework, generate, batch, gpus, kvDtype, attn) {
    checkFamilyRelease(a, framework);
    var wb = weightBytes(a, quant), weights = wb[0], largest = wb[1];
    var act = quant.compute_bytes;
    var kvValue = kvDtype ? kvDtype.bytes_per_value : act;
    var totalTokens = context + generate;
    var cacheArch = cacheArchitecture(a, framework);
    var latent = !!framework.mla_compressed_cache;
    var kvFull = kvCacheBytesPerToken(cacheArch, kvValue, latent, totalTokens) * totalTokens * batch;
    var kvPrompt = kvCacheBytesPerToken(cacheArch, kvValue, latent, context) * context * batch;
    var layerKvFull = kvFull / pyMax(1, attentionLayers(a));
    var state = Math.trunc(batch * stateBytesPerSequence(a, act, C.transformers_recurrent_state_bytes, a.conv_kernel));

    var rope = ropeTableBytes(a, framework, act);
    var scratchPerGpu = quant.format === "gptq" && quant.bits === 4 ? largest * 2 + T.exllama_temp_state_bytes : 0;
    var flash = attn !== "eager";
    var prefillRepeat = expandedKvBytes(a, framework, attn, context * batch, act);
    var decodeRepeat = expandedKvBytes(a, framework, attn, totalTokens * batch, act);

    var tokens = context * batch;
    var vocab = a.vocab_size, h = a.hidden_size;
    var logits16, logits32;
    if (framework.logits_all_positions) {
      logits16 = tokens * vocab * act;
      logits32 = tokens * vocab * 4;
    } else {
      logits16 = batch * vocab * act;
      logits32 = batch * vocab * 4;
    }
    var logits = logits16 + logits32 + tokens * h * act;
    var eager = flash ? 0 : eagerAttentionBytes(a, batch, context, context, act, computesInFloat16(quant));
    var layerPeak = prefillLayerActivations(a, tokens, act, flash, prefillRepeat, eager);
    var activations = pyMax(logits, layerPeak);

    var stepLogits = batch * vocab * (act + 4);
    var decodeKv;
    if (framework.kv_cache_copies_in_decode >= 2) {
      decodeKv = 2 * kvFull;
    } else {
      decodeKv = kvFull + layerKvFull;
    }

    var fixed = rope + scratchPerGpu * gpus;
    var peak, perGpu;
    if (gpus === 1) {
      var prefill = kvPrompt + state + activations;
      var decode = decodeKv + state + stepLogits + decodeRepeat;
      peak = weights + fixed + pyMax(prefill, decode);
      perGpu = [Math.trunc(peak)];
    } else {
      var copies = pyMax(1, framework.kv_cache_copies_in_decode);
      perGpu = layerSplitPeaks(a, quant, weights, rope, scratchPerGpu, gpus, kvPrompt + state, kvFull + state,
        decodeKv + state, logits, logits32, layerPeak, stepLogits, copies, decodeRepeat,
        prefillLayerActivations(a, tokens, act, flash, prefillRepeat, eager, false)).map(Math.trunc);
      peak = 0;
      perGpu.forEach(function (p) { peak += p; });
    }
    var steady = weights + fixed + kvFull + state + stepLogits + decodeRepeat;
    return makeEstimate({
      weights: Math.trunc(weights), kv_cache: Math.trunc(kvFull), activations: Math.trunc(activations),
      overhead: Math.trunc(fixed), peak: Math.trunc(peak), steady: Math.trunc(steady),
      per_gpu_peak: perGpu.map(Math.trunc), gpus: gpus, context: context, generate: generate, batch: batch,
      kv_cache_capacity_tokens: null, max_concurrency: null, state: state,
    });
  }

  // device_map="auto": consecutive layers per GPU (see _layer_split_peaks in estimator.py for the reasoning).
  function layerSplitPeaks(a, quant, weights, rope, scratch, gpus, kvPrompt, kvFull, decodeKv, logits, logits32,
                           layerPeak, stepLogits, copies, decodeRepeat, laterLayerPeak) {
    if (laterLayerPeak === undefined) { laterLayerPeak = layerPeak; }
    var b = paramBreakdown(a);
    var embedW, headW;
    if (PACKED_FORMATS.indexOf(quant.format) >= 0) {
      embedW = b.embedding * quant.compute_bytes;
      headW = b.lm_head * quant.compute_bytes;
    } else {
      var scale = weights / b.total;
      embedW = b.embedding * scale;
      headW = b.lm_head * scale;
    }
    var perLayer = (weights - embedW - headW) / a.layers;
    var layerSize = perLayer + rope / a.layers;
    var capacity = (weights + rope) / gpus + T.balanced_map_headroom_layers * layerSize;
    var largestModule = pyMax(layerSize, embedW, headW);
    var counts = [];
    var left = a.layers;
    for (var index = 0; index < gpus - 1; index++) {
      var room = capacity - (index === 0 ? largestModule + embedW : 0);
      var count = pyMax(0, pyMin(left, Math.floor(room / layerSize)));
      counts.push(count);
      left -= count;
    }
    counts.push(left);
    var peaks = [];
    for (var i = 0; i < counts.length; i++) {
      var fraction = counts[i] / a.layers;
      var w = counts[i] * perLayer + (i === 0 ? embedW : 0) + (i === gpus - 1 ? headW : 0);
      var prefill = kvPrompt * fraction + (i === 0 ? layerPeak : laterLayerPeak);
      var decode = decodeKv * fraction + (counts[i] ? decodeRepeat : 0);
      if (i === gpus - 1) { prefill = pyMax(prefill, kvPrompt * fraction + logits); }
      if (i === 0) { decode = pyMax(decode + stepLogits, copies * kvPrompt * fraction + logits32); }
      peaks.push(w + rope * fraction + scratch + pyMax(prefill, decode));
    }
    return peaks;
  }

  // --- generator/calc/vllm.py: vLLM's start-up arithmetic ---------------------------------------------------------
  var V = DATA.vllm;

  function vllmRules(framework) {
    var d = V.rule_defaults;
    var engines = framework.vllm_engines ? framework.vllm_engines.split(" ") : d.engines;
    return {
      engines: engines, default_engine: framework.vllm_default_engine || engines[0],
      gpu_memory_utilization: framework.gpu_memory_utilization, max_num_seqs: framework.max_num_seqs || d.max_num_seqs,
      max_num_batched_tokens: framework.max_num_batched_tokens || d.max_num_batched_tokens,
      large_card_rule: framework.large_card_rule,
      large_card_max_num_batched_tokens: framework.large_card_max_num_batched_tokens || d.large_card_max_num_batched_tokens,
      large_card_max_num_seqs: framework.large_card_max_num_seqs || d.large_card_max_num_seqs,
      huge_card_max_num_batched_tokens: framework.huge_card_max_num_batched_tokens,
      v0_chunked_prefill_tokens: framework.v0_chunked_prefill_tokens || d.v0_chunked_prefill_tokens,
      non_torch_context_engines: framework.non_torch_context_engines ? framework.non_torch_context_engines.split(" ") : [],
      mla_compressed_cache: framework.mla_compressed_cache, hybrid_kv_cache: framework.vllm_hybrid_kv_cache,
      kv_report: framework.vllm_kv_report, cuda_graph_estimate: framework.vllm_cuda_graph_estimate,
      free_memory_check: framework.vllm_free_memory_check, sampler: framework.vllm_sampler,
      version: framework.version ? versionTuple(framework.version) : (framework.min_version || d.version),
    };
  }

  function vllmBatchDefaults(rules, engine, gpuMemoryBytes, gpuName) {
    var name = gpuName.toLowerCase();
    var large = (rules.large_card_rule === "h100-name" && V.large_card_names.some(function (tag) {
      return name.indexOf(tag) >= 0;
    })) || (rules.large_card_rule === "70gib-not-a100" && gpuMemoryBytes >= V.large_card_bytes &&
      name.indexOf(V.large_card_excluded) < 0);
    if (engine === "v1" && rules.huge_card_max_num_batched_tokens && gpuMemoryBytes >= V.huge_card_bytes) {
      return [rules.huge_card_max_num_batched_tokens, rules.large_card_max_num_seqs];
    }
    if (engine === "v1" && large) { return [rules.large_card_max_num_batched_tokens, rules.large_card_max_num_seqs]; }
    return [rules.max_num_batched_tokens, rules.max_num_seqs];
  }

  function kvHeadsPerRank(a, tp) { return pyMax(1, Math.floor(a.kv_heads / tp)); }

  function vllmKvBytesPerTokenPerRank(a, tp, bytesPerValue, mlaCompressed) {
    if (isMla(a)) {
      if (mlaCompressed) { return kvCacheBytesPerToken(a, bytesPerValue, true, 0); }
      // Before v0.7.1 V is padded to K's head size (qk_nope + qk_rope).
      var qkHead = a.qk_nope_head_dim + a.qk_rope_head_dim;
      return 2 * a.layers * a.heads * pyMax(qkHead, a.v_head_dim) * bytesPerValue / tp;
    }
    return 2 * attentionLayers(a) * kvHeadsPerRank(a, tp) * a.head_dim * bytesPerValue;
  }

  function rotaryCacheBytes(a, actBytes) {
    var rotaryDim = isMla(a) ? a.qk_rope_head_dim : a.head_dim;
    return a.max_position_embeddings * rotaryDim * actBytes;
  }

  function vllmLayerActivationPeak(a, tokens, tp, actBytes) {
    var h = a.hidden_size;
    var stream = 3 * h + (tp > 1 ? h : 0);
    var mlpValues;
    if (isMoe(a)) {
      var moeI = Math.ceil(a.moe_intermediate_size / tp);
      var chunk = pyMin(tokens, V.fused_moe_chunk_tokens);
      var workspace = chunk * a.experts_per_token * (3 * moeI + h);
      var shared = a.shared_expert_intermediate_size || a.n_shared_experts * a.moe_intermediate_size;
      mlpValues = tokens * (stream + 3 * Math.ceil(shared / tp)) + workspace;
      if (denseLayers(a)) {
        mlpValues = pyMax(mlpValues, tokens * (3 * Math.ceil(a.intermediate_size / tp) + stream));
      }
    } else {
      mlpValues = tokens * (3 * Math.ceil(a.intermediate_size / tp) + stream);
    }
    var qWidth = Math.ceil(a.heads / tp) * (a.v_head_dim || a.head_dim);
    var qkvWidth = Math.ceil(a.heads / tp) * a.head_dim + 2 * kvHeadsPerRank(a, tp) * a.head_dim;
    var attentionValues = tokens * (qkvWidth + qWidth + stream);
    return pyMax(mlpValues, attentionValues) * actBytes;
  }

  function vllmSamplerPeak(a, numSeqs, actBytes, sampler) {
    var perLogit = sampler === "flashinfer" ? V.sampler_flashinfer_bytes_per_logit :
      sampler === "triton" && numSeqs >= V.sampler_triton_min_seqs ? V.sampler_triton_bytes_per_logit : V.sampler_sort_bytes_per_logit;
    return numSeqs * a.vocab_size * (perLogit - 2 + actBytes);
  }

  function cudaGraphCaptureSizes(maxNumSeqs, maxNumBatchedTokens) {
    var largest = pyMin(maxNumSeqs * 2, V.cuda_graph_max_size);
    return V.cuda_graph_capture_sizes.filter(function (x) { return x <= pyMin(largest, maxNumBatchedTokens); });
  }

  function cudaGraphCount(maxNumSeqs, maxNumBatchedTokens) {
    var sizes = cudaGraphCaptureSizes(maxNumSeqs, maxNumBatchedTokens);
    return sizes.length + sizes.filter(function (x) { return x <= maxNumSeqs; }).length;
  }

  function cdivBlocks(tokens) { return Math.ceil(tokens / V.block_tokens); }

  // vllm.py kv_layout: [num_blocks, reported_tokens, groups, needed_bytes].
  // vllm.py group_size: the fewest layers of any type, or the most when the types are within 25% of each other.
  function vllmGroupSize(counts) {
    var low = pyMin.apply(null, counts), high = pyMax.apply(null, counts);
    return high < low * V.group_size_tolerance ? high : low;
  }

  // vllm.py _state_layout: attention pages grown to hold one state layer's page (hybrid-state models, V1).
  function vllmStateLayout(a, tp, perToken, rules, maxModelLen, kvBudget, actBytes) {
    var attention1 = perToken / attentionLayers(a);
    var statePage = stateBytesPerSequence(a, actBytes, actBytes) / stateLayers(a) / tp;
    var blockTokens = pyMax(V.block_tokens,
      V.block_tokens * Math.ceil(Math.trunc(statePage) / Math.trunc(V.block_tokens * attention1)));
    var page = blockTokens * attention1;
    var attention = attentionLayers(a), state = stateLayers(a);
    var group = vllmGroupSize([attention, state]);
    var attentionGroups = Math.ceil(attention / group), stateGroups = Math.ceil(state / group);
    var groups = attentionGroups + stateGroups;
    var blocks = pyMax(0, Math.trunc(floorDiv(kvBudget, page * group)));
    var fullPages = Math.ceil(maxModelLen / blockTokens);
    var needed = Math.trunc((attention * fullPages + state) * page);
    var perRequest = attentionGroups * fullPages + stateGroups;
    var reported = rules.kv_report === "concurrency" ? Math.trunc(blocks / perRequest * maxModelLen) :
      Math.floor(blocks / groups) * blockTokens;
    return [blocks, reported, groups, needed, blocks / perRequest];
  }

  function vllmKvLayout(a, tp, kvValue, rules, engine, maxModelLen, batched, kvBudget, actBytes) {
    var perToken = vllmKvBytesPerTokenPerRank(a, tp, kvValue, rules.mla_compressed_cache);
    if (!perToken) { return [0, 0, 1, 0, 0]; }
    var block = perToken * V.block_tokens;
    if (a.layer_kinds && !isMla(a) && stateLayers(a) && rules.hybrid_kv_cache && engine === "v1") {
      return vllmStateLayout(a, tp, perToken, rules, maxModelLen, kvBudget, actBytes);
    }
    // One page size for every layer: not with Gemma 4's own global head size (vllm.py kv_layout).
    var uniform = !isMla(a) && !a.layer_kinds && !a.global_head_dim && !a.global_kv_heads;
    var sliding = a.sliding_window && uniform ? a.sliding_window_layers : 0;
    var blocks;
    if (!(rules.hybrid_kv_cache && engine === "v1" && sliding)) {
      blocks = pyMax(0, Math.trunc(floorDiv(kvBudget, block)));
      return [blocks, blocks * V.block_tokens, 1, Math.trunc(cdivBlocks(maxModelLen) * block),
        blocks * V.block_tokens / maxModelLen];
    }
    var page = block / a.layers, full = a.layers - sliding, localPages;
    if (a.model_type === "llama4") { localPages = cdivBlocks(pyMin(a.sliding_window + batched, maxModelLen)); }
    else { localPages = cdivBlocks(pyMin(a.sliding_window - 1 + batched, maxModelLen)) + 1; }
    var fullPages = cdivBlocks(maxModelLen);
    var needed = Math.trunc((full * fullPages + sliding * localPages) * page);
    if (!full) {
      blocks = pyMax(0, Math.trunc(floorDiv(kvBudget, block)));
      return [blocks, blocks * V.block_tokens, 1, needed, blocks / localPages];
    }
    var group = vllmGroupSize([full, sliding]);
    var fullGroups = Math.ceil(full / group), localGroups = Math.ceil(sliding / group);
    var groups = fullGroups + localGroups;
    blocks = pyMax(0, Math.trunc(floorDiv(kvBudget, page * group)));
    var perRequest = fullGroups * fullPages + localGroups * localPages;
    var reported;
    if (rules.kv_report === "concurrency") {
      reported = Math.trunc(blocks / perRequest * maxModelLen);
    } else {
      reported = Math.floor(blocks / groups) * V.block_tokens;
    }
    // vllm.py CHUNKED_LOCAL_WITHOUT_HYBRID: Llama 4 without the hybrid manager counts every layer for concurrency.
    var window = V.chunked_local_without_hybrid;
    if (a.model_type === "llama4" && compareTuples(rules.version, window[0]) >= 0 &&
        compareTuples(rules.version, window[1]) < 0) {
      return [blocks, reported, groups, needed, reported / maxModelLen];
    }
    return [blocks, reported, groups, needed, blocks / perRequest];
  }

  // vllm.py mxfp4_padding_bytes: the Marlin (before Blackwell) or FlashInfer padding of MXFP4 experts.
  function mxfp4PaddingBytes(a, tp, gpuName) {
    if (!isMoe(a)) { return 0; }
    var name = gpuName.toLowerCase();
    var blackwell = V.blackwell_cards.some(function (t) { return name.indexOf(t) >= 0; });
    var inter = Math.ceil(a.moe_intermediate_size / tp);
    var pad = blackwell ? V.mxfp4_flashinfer_pad : V.mxfp4_marlin_pad;
    var paddedInter = Math.ceil(inter / pad) * pad;
    var paddedHidden = Math.ceil(a.hidden_size / V.mxfp4_hidden_pad) * V.mxfp4_hidden_pad;
    var perExpert = 3 * (paddedInter * paddedHidden - inter * a.hidden_size) * V.mxfp4_bits / 8;
    return Math.trunc(moeLayers(a) * a.num_experts * perExpert);
  }

  function vllmNvlinkCard(gpuName) {
    var name = gpuName.toLowerCase();
    return V.nvlink_cards.some(function (tag) { return name.indexOf(tag) >= 0; });
  }

  function vllmNonTorchBytes(rules, engine, tp, gpuName) {
    if (engine === "v1" && rules.non_torch_context_engines.indexOf("v1") < 0) {
      if (tp <= 1) { return V.v1_non_torch_base_bytes; }
      return V.v1_non_torch_base_bytes + (vllmNvlinkCard(gpuName) ? V.v1_non_torch_tp_nvlink_bytes :
        V.v1_non_torch_tp_pcie_bytes);
    }
    var extra = rules.non_torch_context_engines.indexOf(engine) >= 0 ? V.cuda_context_in_non_torch_bytes : 0;
    return V.non_torch_base_bytes + (tp > 1 ? V.non_torch_tp_bytes : 0) + extra;
  }

  function vllmScheduler(rules, s, engine, maxModelLen) {
    var defaults = vllmBatchDefaults(rules, engine, s.gpu_memory_bytes, s.gpu_name);
    var seqs = s.max_num_seqs || (engine === "v0" ? rules.max_num_seqs : defaults[1]);
    if (engine === "v1") { return [s.max_num_batched_tokens || defaults[0], seqs, true]; }
    var chunked = maxModelLen > V.v0_long_context ||
      Boolean(s.max_num_batched_tokens && s.max_num_batched_tokens < maxModelLen);
    if (s.max_num_batched_tokens) { return [s.max_num_batched_tokens, seqs, chunked]; }
    if (chunked) { return [rules.v0_chunked_prefill_tokens, seqs, true]; }
    return [pyMax(maxModelLen, V.v0_min_batched_tokens), seqs, false];
  }

  // s: {gpu_memory_bytes, gpu_name, tensor_parallel, gpu_memory_utilization, max_model_len, max_num_seqs,
  //     max_num_batched_tokens, engine, unified_memory} (null: vLLM's default)
  function vllmPlan(a, weights, actBytes, rules, s, requestTokens, kvBytesPerValue, quantFormat) {
    var engine = s.engine || rules.default_engine;
    var tp = s.tensor_parallel;
    var util = s.gpu_memory_utilization === null ? rules.gpu_memory_utilization : s.gpu_memory_utilization;
    var warnings = [];
    var modelMax = a.max_position_embeddings || requestTokens;
    var maxModelLen = s.max_model_len || pyMax(modelMax, requestTokens);
    if (maxModelLen > modelMax && a.max_position_embeddings) {
      warnings.push("max_model_len " + maxModelLen + " is above the model's maximum context (" + modelMax + "): vLLM " +
        "refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, and the model was not trained for it");
    }
    var sched = vllmScheduler(rules, s, engine, maxModelLen);
    var batched = sched[0], seqs = sched[1];
    var kvValue = kvBytesPerValue === null ? actBytes : kvBytesPerValue;
    var perToken = vllmKvBytesPerTokenPerRank(a, tp, kvValue, rules.mla_compressed_cache);
    var padding = quantFormat === "mxfp4" ? mxfp4PaddingBytes(a, tp, s.gpu_name || "") : 0;
    var w = Math.trunc(weights / tp + padding + rotaryCacheBytes(a, actBytes));
    var layer = vllmLayerActivationPeak(a, batched, tp, actBytes);
    var samplerKind = s.flashinfer_sampler && engine === "v1" ? "flashinfer" : rules.sampler;
    var sampler = vllmSamplerPeak(a, pyMin(seqs, batched), actBytes, samplerKind);
    var activation = Math.trunc(pyMax(layer, sampler));
    var nonTorch = vllmNonTorchBytes(rules, engine, tp, s.gpu_name || "");
    // gpu_worker.determine_available_memory skips the CUDA-graph profile on ROCm (AMD Instinct: MI300X ...).
    var rocm = (s.gpu_name || "").toLowerCase().indexOf(V.rocm_name_prefix) === 0;
    var graphs = rules.cuda_graph_estimate && engine === "v1" && !s.enforce_eager && !rocm ?
      cudaGraphCount(seqs, batched) : 0;
    var graphBytes = graphs * V.cuda_graph_bytes;
    var budget = Math.trunc(s.gpu_memory_bytes * util);
    var kvBudget = budget - w - activation - nonTorch - graphBytes;
    var layout = vllmKvLayout(a, tp, kvValue, rules, engine, maxModelLen, batched, kvBudget, actBytes);
    return {
      engine: engine, max_model_len: maxModelLen, max_num_seqs: seqs, max_num_batched_tokens: batched,
      chunked_prefill: sched[2], gpu_memory_utilization: util, budget: budget, weights: w, activation_peak: activation,
      non_torch: nonTorch, kv_budget: Math.trunc(kvBudget), kv_bytes_per_token: perToken, num_blocks: layout[0],
      capacity_tokens: layout[1], kv_groups: layout[2], kv_needed_bytes: layout[3], max_concurrency: layout[4],
      cuda_graphs: graphs,
      cuda_graph_bytes: graphBytes, warnings: warnings,
    };
  }

  // vllm.py tensor_parallel_refusal: the query heads divide evenly; QKVParallelLinear splits or copies the KV heads.
  function vllmTensorParallelRefusal(a, tp) {
    if (a.heads % tp) {
      return "vLLM refuses tensor parallel size " + tp + ": the model's " + a.heads +
        " attention heads do not divide evenly (ModelConfig.verify_with_parallel_config)";
    }
    if (!a.is_mla && (tp < a.kv_heads ? a.kv_heads % tp : tp % a.kv_heads)) {
      return "vLLM cannot split the model's " + a.kv_heads + " KV heads over " + tp + " GPUs: QKVParallelLinear needs " +
        (tp < a.kv_heads ? "the KV heads to be a multiple of the GPUs" : "the GPUs to be a multiple of the KV heads") +
        " (vllm/model_executor/layers/linear.py, divide)";
    }
    return "";
  }

  function vllmCheck(a, plan, rules, s, requestTokens, kvDtype) {
    if (rules.engines.indexOf(plan.engine) < 0) {
      return "this vLLM version has no " + plan.engine.toUpperCase() + " engine (it has " +
        rules.engines.map(function (e) { return e.toUpperCase(); }).join(", ") +
        "): V1 arrived in 0.7.0, V0 was removed in 0.11.0";
    }
    if (s.unified_memory) {
      return "vLLM is not offered on Apple M-series (unified memory, no CUDA): pick a CUDA or ROCm card";
    }
    var tpRefusal = vllmTensorParallelRefusal(a, s.tensor_parallel);
    if (tpRefusal) { return tpRefusal; }
    var kvName = kvDtype.toLowerCase().replace(/_/g, "-");
    if (V.kv_cache_names.indexOf(kvName) < 0) {
      return "vLLM has no " + kvDtype + " KV cache: its kv_cache_dtype is auto (the model's dtype) or fp8";
    }
    if (!s.gpu_memory_bytes) { return null; }
    if (rules.free_memory_check && plan.engine === "v1" && plan.budget > s.gpu_memory_bytes - V.startup_used_bytes) {
      return "vLLM would not start: free memory on the device at start-up (about " +
        formatFixed((s.gpu_memory_bytes - V.startup_used_bytes) / GIB, 2) + "/" +
        formatFixed(s.gpu_memory_bytes / GIB, 2) + " GiB after the CUDA context) is less than the desired GPU " +
        "memory utilization (" + formatG(plan.gpu_memory_utilization) + ", " + formatFixed(plan.budget / GIB, 2) +
        " GiB)";
    }
    if (plan.num_blocks <= 0) {
      return "vLLM would not start: weights " + formatFixed(plan.weights / GIB, 2) + " GiB, activation peak " +
        formatFixed(plan.activation_peak / GIB, 2) + " GiB, non-torch " + formatFixed(plan.non_torch / GIB, 2) +
        " GiB" + (plan.cuda_graph_bytes ? " and CUDA graphs " + formatFixed(plan.cuda_graph_bytes / GIB, 2) + " GiB" : "") +
        " per GPU leave no room for the KV cache in " + formatFixed(plan.budget / GIB, 2) + " GiB (" +
        formatG(plan.gpu_memory_utilization) + " x " + formatFixed(s.gpu_memory_bytes / GIB, 2) + " GiB)";
    }
    if (!vllmAdmits(plan) && plan.kv_groups === 1) {
      return "vLLM would not start: its KV cache holds " + plan.capacity_tokens + " tokens, less than one " +
        "max_model_len request (" + plan.max_model_len + " tokens)";
    }
    if (!vllmAdmits(plan)) {
      return "vLLM would not start: one max_model_len request (" + plan.max_model_len + " tokens) needs " +
        formatFixed(plan.kv_needed_bytes / GIB, 2) + " GiB of KV cache per GPU, more than the " +
        formatFixed(plan.kv_budget / GIB, 2) + " GiB left (the cache holds " + plan.capacity_tokens + " tokens)";
    }
    if (requestTokens > plan.max_model_len) {
      return "vLLM refuses the request: " + requestTokens + " tokens is more than max_model_len (" +
        plan.max_model_len + ")";
    }
    return null;
  }

  // Python's format(x, "g") for the utilisations printed here (0 < x <= 1, at most 6 significant digits).
  function formatG(x) { return String(Number(x.toPrecision(6))); }

  function vllmAdmits(plan) { return plan.num_blocks > 0 && plan.kv_budget >= plan.kv_needed_bytes; }

  function vllmStarts(plan, requestTokens) { return vllmAdmits(plan) && plan.max_model_len >= requestTokens; }

  function vllmMaxUtilisation(rules, gpuMemoryBytes) {
    var bound = V.max_suggested_utilisation;
    if (rules.free_memory_check) {
      bound = pyMin(bound, Math.floor((gpuMemoryBytes - V.startup_used_bytes) / gpuMemoryBytes * 100) / 100);
    }
    return bound;
  }

  function withSetting(s, key, value) { var copy = Object.assign({}, s); copy[key] = value; return copy; }

  // generator/calc/vllm.py longest_max_model_len: the last multiple of 16 up to the cap whose plan admits. V0's
  // budget shrinks with max_model_len up to 32K and grows back above it (chunked prefill), so it is a bisection on
  // each side of V0_LONG_CONTEXT, the upper side first; V1's is one bisection (the same number as the Python shortcut).
  function vllmLongestMaxModelLen(a, weights, actBytes, rules, s, kvValue, quantFormat) {
    var top = s.max_model_len || a.max_position_embeddings || V.longest_search_tokens;
    var high = Math.floor(top / V.block_tokens);
    function lastAdmitted(low, high) {
      while (low < high) {
        var middle = Math.floor((low + high + 1) / 2);
        var tokens = middle * V.block_tokens;
        var trial = vllmPlan(a, weights, actBytes, rules, withSetting(s, "max_model_len", tokens), tokens, kvValue,
          quantFormat);
        if (vllmAdmits(trial)) { low = middle; } else { high = middle - 1; }
      }
      return low;
    }
    if ((s.engine || rules.default_engine) === "v1") { return lastAdmitted(0, high) * V.block_tokens; }
    var split = pyMin(high, Math.floor(V.v0_long_context / V.block_tokens));
    var above = lastAdmitted(split, high);
    return (above > split ? above : lastAdmitted(0, split)) * V.block_tokens;
  }

  function smallerQuantizations(quant) {
    var names = V.smaller_quantizations, index = names.indexOf(quant.name), picked = [];
    if (quant.format === "float" && quant.bits >= 16) { picked = names.slice(1); }
    else if (index >= 0) { picked = names.slice(index + 1); }
    return picked.map(function (name) { return Q.formats[name]; });
  }

  function vllmWhatWouldFit(a, plan, rules, s, requestTokens, kvValue, actBytes, quant) {
    if (s.unified_memory || vllmTensorParallelRefusal(a, s.tensor_parallel) || plan.num_blocks < 0) { return ""; }
    var weights = weightBytes(a, quant)[0];
    var options = [];
    var longest = vllmLongestMaxModelLen(a, weights, actBytes, rules, s, kvValue, quant.format);
    if (longest > 0 && longest < plan.max_model_len) {
      options.push("--max-model-len " + longest + " (the longest that fits)");
    }
    // generator/calc/vllm.py what_would_fit: the utilisation at which this plan admits its max_model_len request
    // (its layout's KV need), none where the request is longer than max_model_len.
    var needed = plan.weights + plan.activation_peak + plan.non_torch + plan.cuda_graph_bytes + plan.kv_needed_bytes;
    var utilisation = Math.ceil(needed / s.gpu_memory_bytes * 100) / 100;
    if (plan.max_model_len >= requestTokens && plan.gpu_memory_utilization < utilisation &&
        utilisation <= vllmMaxUtilisation(rules, s.gpu_memory_bytes)) {
      options.push("--gpu-memory-utilization " + formatG(utilisation));
    }
    for (var tp = s.tensor_parallel + 1; tp <= V.max_suggested_tensor_parallel; tp++) {
      if (!vllmTensorParallelRefusal(a, tp) && vllmStarts(vllmPlan(a, weights, actBytes, rules, withSetting(s, "tensor_parallel", tp),
          requestTokens, kvValue, quant.format), requestTokens)) {
        options.push("--gpus " + tp);
        break;
      }
    }
    var smaller = smallerQuantizations(quant);
    for (var i = 0; i < smaller.length; i++) {
      if (vllmStarts(vllmPlan(a, weightBytes(a, smaller[i])[0], actBytes, rules, s, requestTokens, kvValue,
          smaller[i].format), requestTokens)) {
        options.push("--quantization " + smaller[i].name);
        break;
      }
    }
    return options.length ? "; would fit: " + options.join(", ") : "; nothing smaller fits on this card";
  }

  // generator/calc/estimator.py _estimate_vllm: tensor parallel over ``gpus``, vLLM's own start-up arithmetic.
  function estimateVllm(a, quant, context, framework, generate, batch, gpus, kvDtype, gpuMemoryBytes, settings) {
    var note = [];
    if (quant.format === "float" && quant.bits > 16) {
      // vLLM loads a float32 checkpoint in 16 bits (--dtype auto): estimator.py _estimate_vllm.
      quant = Q.formats.bf16;
      note = ["vLLM loads a float32 checkpoint in 16 bits (--dtype auto): estimated as bf16"];
    }
    var weights = weightBytes(a, quant)[0];
    var act = quant.compute_bytes;
    var request = pyMax(context + generate, 1);
    var rules = vllmRules(framework);
    var s = Object.assign({gpu_memory_bytes: gpuMemoryBytes || 0, gpu_name: "", gpu_memory_utilization: null,
      max_model_len: null, max_num_seqs: null, max_num_batched_tokens: null, engine: null, enforce_eager: false,
      flashinfer_sampler: false, unified_memory: false}, settings || {}, {tensor_parallel: gpus});
    var kvValue = kvDtype ? kvDtype.bytes_per_value : null;
    var plan = vllmPlan(a, weights, act, rules, s, request, kvValue, quant.format);
    if (note.length) { plan.warnings = note.concat(plan.warnings); }
    var refusal = vllmCheck(a, plan, rules, s, request, kvDtype ? kvDtype.name : "16-bit");
    if (refusal && s.gpu_memory_bytes) {
      refusal += vllmWhatWouldFit(a, plan, rules, s, request, kvValue, act, quant);
    }
    var kvNeeded = Math.trunc(plan.kv_bytes_per_token * request * batch * gpus);
    var state = Math.trunc(batch * stateBytesPerSequence(a, act, act));
    var perGpuPeak, capacity = null, concurrency = null;
    if (!s.gpu_memory_bytes) {
      perGpuPeak = Math.trunc(plan.weights + plan.activation_peak + plan.non_torch +
        plan.kv_bytes_per_token * request * batch + state / gpus);
    } else {
      // The batch's state slots are pages of the pre-allocated KV cache (vllm.py _state_layout).
      perGpuPeak = Math.trunc(pyMax(plan.budget, plan.weights + plan.activation_peak + plan.non_torch));
      capacity = plan.capacity_tokens;
      concurrency = plan.capacity_tokens / request;
    }
    var perGpu = [];
    for (var i = 0; i < gpus; i++) { perGpu.push(perGpuPeak); }
    return makeEstimate({
      weights: Math.trunc(weights), kv_cache: kvNeeded, activations: plan.activation_peak * gpus,
      overhead: plan.non_torch * gpus, peak: perGpuPeak * gpus,
      steady: Math.trunc(weights + kvNeeded + state + plan.non_torch * gpus), per_gpu_peak: perGpu, gpus: gpus,
      context: context, generate: generate, batch: batch, kv_cache_capacity_tokens: capacity,
      max_concurrency: concurrency, vllm: plan, refusal: refusal, warnings: plan.warnings, state: state,
    });
  }

  // --- generator/calc/gguf_mix.py: per-tensor types of each GGUF mix -------------------------------------------
  var G = DATA.gguf;
  // The named type lists of llama_tensor_get_type_impl (gguf_mix.py RULE_TABLES).
  var FLOAT_TYPES = G.rules["float"];
  var LOW_IQ = G.rules.low_iq;
  var Q5K_OUTPUT = G.rules.q5k_output;
  var EIGHT_EXPERT_O = G.rules.eight_expert_o;
  var O_BUMP = G.rules.o_bump;
  var QK_BUMP = G.rules.qk_bump;
  var TOKEN_EMBD = G.rules.token_embd;
  function among(value, list) { return list.indexOf(value) >= 0; }
  function pyFloorDiv(a, b) { return Math.floor(a / b); }  // ints of either sign, exact below 2^53
  function pyMod(a, b) { return ((a % b) + b) % b; }

  function typeBytes(type, count) { var blk = G.block[type]; return count / blk[0] * blk[1]; }
  function moreBits(i, n) { return i < pyFloorDiv(n, 8) || i >= pyFloorDiv(7 * n, 8) || pyMod(i - pyFloorDiv(n, 8), 3) === 2; }
  function fallbackType(type, row) {
    if (among(type, FLOAT_TYPES) || row % G.block[type][0] === 0) { return type; }
    var other = hasOwn(G.fallback, type) ? G.fallback[type] : "f16";
    return row % G.block[other][0] === 0 ? other : "f16";
  }
  function outputType(ctx, row) {
    var d = G.mix_default[ctx.mix];
    if (among(d, FLOAT_TYPES)) { return d; }
    if (ctx.mix === "mxfp4_moe" || ctx.falcon || row % G.block[d][0] !== 0) { return "q8_0"; }
    if (among(ctx.mix, Q5K_OUTPUT)) { return "q5_k"; }
    return fallbackType(d === "q8_0" ? d : "q6_k", row);  // tensor_type_fallback runs after the rules
  }
  function tokenEmbdType(ctx, row, tied) {
    if (tied) { return outputType(ctx, row); }
    var d = G.mix_default[ctx.mix];
    if (among(d, FLOAT_TYPES)) { return d; }
    if (ctx.mix === "mxfp4_moe") { return "q8_0"; }
    return fallbackType(hasOwn(TOKEN_EMBD, ctx.mix) ? TOKEN_EMBD[ctx.mix] : d, row);
  }
  function attnVType(ctx, i, d) {
    var mix = ctx.mix, gqa = ctx.gqa, t = d;
    if (mix === "q2_k") { t = gqa >= 4 ? "q4_k" : "q3_k"; }
    else if (mix === "q2_k_s" && gqa >= 4) { t = "q4_k"; }
    else if (mix === "iq3_xxs") { t = gqa >= 4 ? "q4_k" : (ctx.imatrix ? "iq3_xxs" : "iq3_s"); }
    else if (among(mix, ["iq3_xs", "iq3_s"]) && gqa >= 4) { t = "q4_k"; }
    else if (mix === "iq3_m") { t = "q4_k"; }
    else if (mix === "q3_k_m") { t = i < 2 ? "q5_k" : "q4_k"; }
    else if (mix === "q3_k_l") { t = "q5_k"; }
    else if (among(mix, ["iq4_nl", "iq4_xs"]) && gqa >= 4) { t = "q5_k"; }
    else if (among(mix, ["q4_k_m", "q5_k_m"]) && moreBits(i, ctx.n_layer)) { t = "q6_k"; }
    else if (mix === "q4_k_s" && i < 4) { t = "q5_k"; }
    if (ctx.is_70b && among(t, ["q3_k", "q4_k"])) { t = "q5_k"; }
    if (ctx.n_expert === 8) { t = "q8_0"; }
    return t;
  }
  function ffnDownType(ctx, i, d) {
    var mix = ctx.mix, n = ctx.n_layer, n8 = pyFloorDiv(n, 8), falcon = ctx.falcon;
    if (mix === "q2_k") { return "q3_k"; }
    if (mix === "q2_k_s") { return i < n8 ? "q4_k" : d; }
    if (mix === "iq3_xxs" && !ctx.imatrix) { return i < n8 ? "q4_k" : "q3_k"; }
    if (mix === "iq3_xxs") { return d; }
    if (mix === "q3_k_m") {
      if (i < pyFloorDiv(n, 16)) { return "q5_k"; }
      return !falcon || moreBits(i, n) ? "q4_k" : "q3_k";
    }
    if (mix === "iq3_m") { return i < n8 || (ctx.n_expert === 8 && moreBits(i, n)) ? "q4_k" : d; }
    if (mix === "q3_k_l") { return falcon ? "q4_k" : "q5_k"; }
    if (mix === "q4_k_m") {
      if (falcon) { return i < pyFloorDiv(n, 16) ? "q6_k" : (moreBits(i, n) ? "q5_k" : "q4_k"); }
      return moreBits(i, n) ? "q6_k" : d;
    }
    if (i < n8 && among(mix, ["iq4_nl", "iq4_xs"]) && !ctx.imatrix) { return "q5_k"; }
    if (mix === "q5_k_m" && moreBits(i, n)) { return "q6_k"; }
    if (mix === "q4_k_s" && !falcon && i < n8) { return "q5_k"; }
    if (among(mix, ["q4_0", "q5_0"]) && ctx.imatrix && i < n8) { return mix === "q4_0" ? "q4_1" : "q5_1"; }
    return d;
  }
  function attnOutputType(ctx, d) {
    var mix = ctx.mix;
    if (ctx.falcon) { return mix === "q3_k_l" ? "q4_k" : d; }
    if (ctx.n_expert === 8) { return among(mix, EIGHT_EXPERT_O) ? "q5_k" : d; }
    return hasOwn(O_BUMP, mix) ? O_BUMP[mix] : d;
  }
  function lowIqType(ctx, category, downCounter, d) {
    var mix = ctx.mix, higher = among(mix, ["iq2_s", "iq2_m"]) ? "iq3_s" : "q2_k";
    if (category === "v") { return ctx.gqa >= 4 || ctx.n_expert >= 4 ? "q4_k" : higher; }
    if (category === "k" && ctx.n_expert === 8) { return "q4_k"; }
    if (category === "down") { return downCounter < pyFloorDiv(ctx.n_layer, 8) ? higher : d; }
    if (category === "o") {
      if (ctx.n_expert === 8) { return "q5_k"; }
      if (among(mix, ["iq1_s", "iq1_m"])) { return "iq2_xxs"; }
      return among(mix, ["iq2_s", "iq2_m"]) ? "iq3_s" : d;
    }
    return d;
  }
  function matrixType(ctx, category, i, row, expert, downCounter) {
    var d = G.mix_default[ctx.mix], t, n = ctx.n_layer;
    if (among(d, FLOAT_TYPES)) { return d; }
    if (ctx.mix === "mxfp4_moe") { t = expert ? "mxfp4" : "q8_0"; }
    else if (among(ctx.mix, LOW_IQ)) { t = lowIqType(ctx, category, downCounter, d); }
    else if (category === "v") { t = attnVType(ctx, i, d); }
    else if (category === "k") { t = ctx.n_expert === 8 ? "q8_0" : (hasOwn(QK_BUMP, ctx.mix) ? QK_BUMP[ctx.mix] : d); }
    else if (category === "q") { t = hasOwn(QK_BUMP, ctx.mix) ? QK_BUMP[ctx.mix] : d; }
    else if (category === "down") { t = ffnDownType(ctx, i, d); }
    else if (category === "o") { t = attnOutputType(ctx, d); }
    else if (category === "gate" || category === "up") {
      t = ctx.mix === "iq3_xs" && pyFloorDiv(n, 8) <= i && i < pyFloorDiv(7 * n, 8) ? "iq3_xxs" : d;
    } else { t = d; }
    return fallbackType(t, row);
  }
  function mlaAttention(a) {
    var h = a.hidden_size, qk = a.qk_nope_head_dim + a.qk_rope_head_dim, parts = [];
    if (a.q_lora_rank) {
      parts.push(["other", h, a.q_lora_rank]);
      parts.push(["other", a.q_lora_rank, a.heads * qk]);
    } else {
      parts.push(["q", h, a.heads * qk]);
    }
    parts.push(["other", h, a.kv_lora_rank + a.qk_rope_head_dim]);
    parts.push(["other", a.qk_nope_head_dim, a.heads * a.kv_lora_rank, true]);  // attn_k_b (3-D)
    parts.push(["other", a.kv_lora_rank, a.heads * a.v_head_dim, true]);        // attn_v_b (3-D)
    parts.push(["o", a.heads * a.v_head_dim, h]);
    return parts;
  }
  function isMoeLayer(a, i) {
    if (!isMoe(a) || i < a.first_k_dense_replace) { return false; }
    return pyMod(i - a.first_k_dense_replace + 1, pyMax(1, a.moe_layer_step || 1)) === 0;
  }
  function layerMatrices(a, i) {
    var h = a.hidden_size, parts, gated = a.mlp_gated !== false;
    if (isMla(a)) {
      parts = mlaAttention(a).map(function (p) { return [p[0], p[1], p[1] * p[2], p[3] === true]; });
    } else {
      var q = a.heads * a.head_dim, kv = a.kv_heads * a.head_dim;
      parts = [["q", h, h * q, false], ["k", h, h * kv, false], ["v", h, h * kv, false], ["o", q, q * h, false]];
    }
    if (!isMoeLayer(a, i)) {
      var f = a.intermediate_size;
      parts.push(["down", f, f * h, false]);
      if (gated) { parts.push(["gate", h, h * f, false]); }
      parts.push(["up", h, h * f, false]);
      return parts;
    }
    var fe = a.moe_intermediate_size, e = a.num_experts;
    var shared = a.shared_expert_intermediate_size || a.n_shared_experts * a.moe_intermediate_size;
    parts.push(["down", fe, e * fe * h, true]);
    if (shared) { parts.push(["down", shared, shared * h, false]); }
    if (gated) { parts.push(["gate", h, e * h * fe, true]); }
    if (shared && gated) { parts.push(["gate", h, h * shared, false]); }
    parts.push(["up", h, e * h * fe, true]);
    if (shared) { parts.push(["up", h, h * shared, false]); }
    return parts;
  }
  function layerSmallBytes(a, i) {
    var h = a.hidden_size, count = a.norms_per_layer * h;
    if (isMla(a)) {
      count += a.kv_lora_rank + (a.q_lora_rank || 0);
    } else {
      if (a.qkv_bias) { count += (a.heads + 2 * a.kv_heads) * a.head_dim; }
      if (a.qk_norm) { count += 2 * a.head_dim; }
    }
    if (isMoeLayer(a, i)) { count += h * a.num_experts + (a.shared_expert_gate ? h : 0); }
    return count * G.f32_bytes;
  }
  function mixContext(a, mix) {
    var classes = a.architectures || [];
    return { mix: mix, n_layer: a.layers, gqa: a.heads / pyMax(1, a.kv_heads), n_expert: a.num_experts,
      is_70b: a.layers === G.layers_70b && !isMoe(a) && !isMla(a),
      falcon: a.model_type === "falcon" || classes.indexOf("FalconForCausalLM") >= 0,
      imatrix: among(mix, G.imatrix_mixes) };
  }
  var layoutCache = new Map();
  // gguf_mix.py _uneven_layers: hybrid / heterogeneous layers, sized from the architecture's own matrices.
  function unevenLayers(a, ctx) {
    if (!(a.layer_kinds || (a.mixer_shapes && a.mixer_shapes.length) || a.attention_shapes_given)) { return null; }
    var b = paramBreakdown(a), d = G.mix_default[ctx.mix], total = 0.0;
    b.linear_shapes.forEach(function (sh) {
      var kind = FLOAT_TYPES.indexOf(d) >= 0 ? d : fallbackType(d, sh[0]);
      total += typeBytes(kind, sh[0] * sh[1] * sh[2]);
    });
    var extraType = FLOAT_TYPES.indexOf(d) >= 0 ? d : fallbackType(d, a.hidden_size);
    total += typeBytes(extraType, a.extra_params || 0);
    // less the final norm: b.norms holds it and the layout adds output_norm_bytes (gguf_mix.py).
    var finalNorm = a.final_norm === false ? 0 : a.hidden_size;
    total += (b.norms - (a.extra_params || 0) - finalNorm + b.attention_bias + b.router) * G.f32_bytes;
    var out = [];
    for (var i = 0; i < a.layers; i++) { out.push(total / a.layers); }
    return out;
  }

  function ggufLayout(a, mix) {
    var byMix = layoutCache.get(a);
    if (!byMix) { byMix = {}; layoutCache.set(a, byMix); }
    if (hasOwn(byMix, mix)) { return byMix[mix]; }
    var ctx = mixContext(a, mix);
    var layers = unevenLayers(a, ctx), downCounter = 0;
    if (layers === null) {
      layers = [];
      for (var i = 0; i < a.layers; i++) {
        var total = layerSmallBytes(a, i);
        var mats = layerMatrices(a, i);
        for (var j = 0; j < mats.length; j++) {
          total += typeBytes(matrixType(ctx, mats[j][0], i, mats[j][1], mats[j][3], downCounter), mats[j][2]);
          if (mats[j][0] === "down") { downCounter++; }
        }
        layers.push(total);
      }
    }
    var h = a.hidden_size, vocab = a.vocab_size, tied = !!a.tie_word_embeddings;
    var result = { layer_bytes: layers, token_embd_bytes: typeBytes(tokenEmbdType(ctx, h, tied), vocab * h),
      output_bytes: typeBytes(outputType(ctx, h), vocab * h), output_norm_bytes: h * G.f32_bytes, tied: tied };
    var sum = 0;
    layers.forEach(function (x) { sum += x; });
    result.total = sum + result.token_embd_bytes + (tied ? 0 : result.output_bytes) + result.output_norm_bytes;
    byMix[mix] = result;
    return result;
  }

  // --- generator/calc/llamacpp.py -------------------------------------------------------------------------------
  var L = DATA.llamacpp;
  function paddedCtx(tokens, flash) {
    var pad = flash ? L.ctx_pad_flash : L.ctx_pad_plain;
    return pyMax(pad, Math.ceil(tokens / pad) * pad);
  }
  function layerDevices(nLayer, nGpuLayers, gpus) {
    var ngl = nGpuLayers === null ? nLayer + 1 : pyMax(0, nGpuLayers);
    var act = pyMin(ngl, nLayer + 1), start = pyMax(nLayer - ngl, 0), splits = [];
    for (var k = 0; k < gpus; k++) { splits.push((k + 1) / gpus); }
    function card(position) {
      if (position < start || act === 0) { return null; }
      var share = (position - start) / act, count = 0;
      splits.forEach(function (s) { if (s <= share) { count++; } });
      return pyMin(gpus - 1, count);
    }
    var layers = [];
    for (var i = 0; i < nLayer; i++) { layers.push(card(i)); }
    return [layers, ngl > nLayer ? card(nLayer) : null];
  }
  function isSwaLayer(a, layer) {
    var n = a.layers, local = pyMin(a.sliding_window_layers, a.layers);
    return pyFloorDiv((layer + 1) * local, n) > pyFloorDiv(layer * local, n);
  }
  function kvCells(a, layer, run) {
    var local = a.sliding_window && a.sliding_window_layers && isSwaLayer(a, layer);
    if (local && run.swa_cache) {
      var wanted = a.sliding_window + run.n_ubatch;
      return pyMin(run.n_ctx, Math.ceil(wanted / L.swa_pad) * L.swa_pad);
    }
    return run.n_ctx;
  }
  function kvLayerBytes(a, layer, run) {
    if (!holdsKv(a, layer)) { return 0.0; }
    var size = L.kv_type_bytes[run.kv_type], values;
    if (isMla(a)) {
      values = run.mla_latent_cache ? a.kv_lora_rank + a.qk_rope_head_dim + (run.mla_v_cache ? a.kv_lora_rank : 0)
        : a.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim);
    } else {
      values = 2 * a.kv_heads * a.head_dim;
    }
    return kvCells(a, layer, run) * values * size;
  }
  function stageBytes(a, run, holdsOutput) {
    var F32 = L.f32_bytes, t = pyMin(run.n_ubatch, run.n_ctx), h = a.hidden_size, nKv = run.n_ctx, heads = a.heads;
    var qWidth = heads * (isMla(a) ? a.qk_nope_head_dim + a.qk_rope_head_dim : a.head_dim);
    var outWidth = heads * (a.v_head_dim || a.head_dim);
    var residual = h * t * F32, mask = nKv * t * F32, attention;
    if (run.flash_attention) {
      attention = residual + mask + nKv * t * 2 + qWidth * t * F32 + outWidth * t * F32;
    } else {
      attention = residual + mask + qWidth * t * F32 + nKv * t * heads * F32 + outWidth * t * F32;
    }
    var ffnWidth;
    if (isMoe(a)) {
      var shared = a.shared_expert_intermediate_size || a.n_shared_experts * a.moe_intermediate_size;
      ffnWidth = pyMax(a.experts_per_token * a.moe_intermediate_size, shared, denseLayers(a) ? a.intermediate_size : 0);
    } else {
      ffnWidth = a.intermediate_size;
    }
    var stages = [attention, 2 * residual + 2 * ffnWidth * t * F32];
    if (holdsOutput) { stages.push(residual + a.vocab_size * t * F32); }
    return pyMax.apply(null, stages);
  }
  // llamacpp.py kv_head_widths / kv_block_refusal: a quantized cache needs heads of whole blocks; llama.cpp's
  // llama_init_from_model refuses the rest ("K cache type q4_0 with block size 32 does not divide n_embd_head_k=80").
  function kvHeadWidths(a, run) {
    if (isMla(a)) {
      if (run.mla_latent_cache) { return [[a.kv_lora_rank + a.qk_rope_head_dim], [a.kv_lora_rank]]; }
      return [[a.qk_nope_head_dim + a.qk_rope_head_dim], [a.v_head_dim]];
    }
    var other = a.global_head_dim || a.head_dim;
    var widths = other === a.head_dim ? [a.head_dim] : [pyMin(a.head_dim, other), pyMax(a.head_dim, other)];
    return [widths, widths];
  }

  function kvBlockRefusal(a, run) {
    var block = L.kv_type_block[run.kv_type], widths = kvHeadWidths(a, run), kinds = ["K", "V"];
    for (var k = 0; k < 2; k++) {
      for (var w = 0; w < widths[k].length; w++) {
        if (widths[k][w] % block !== 0) {
          return [widths[k][w], kinds[k] + " cache type " + run.kv_type + " with block size " + block +
            " does not divide n_embd_head_k=" + widths[k][w]];
        }
      }
    }
    return null;
  }

  function llamacppMemory(a, mix, run) {
    var layout = ggufLayout(a, mix);
    var devices = layerDevices(a.layers, run.n_gpu_layers, run.gpus), layers = devices[0], outputCard = devices[1];
    var model = [], kv = [], used = {};
    for (var c = 0; c < run.gpus; c++) { model.push(0.0); kv.push(0.0); }
    var hostWeights = layout.token_embd_bytes, hostKv = 0.0;
    for (var i = 0; i < layers.length; i++) {
      var layerKv = kvLayerBytes(a, i, run), card = layers[i];
      if (card === null) {
        hostWeights += layout.layer_bytes[i];
        hostKv += layerKv;
      } else {
        model[card] += layout.layer_bytes[i];
        kv[card] += layerKv;
        used[card] = true;
      }
    }
    var head = layout.output_bytes + layout.output_norm_bytes;
    if (outputCard === null) {
      hostWeights += layout.tied ? 0 : layout.output_bytes;
      hostWeights += layout.output_norm_bytes;
    } else {
      model[outputCard] += head;
      used[outputCard] = true;
    }
    var compute = [];
    for (var k = 0; k < run.gpus; k++) { compute.push(used[k] ? stageBytes(a, run, k === outputCard) : 0.0); }
    return { model: model, kv: kv, compute: compute, host: hostWeights + hostKv };
  }

  // --- estimator.py: which engine runs which format; llama.cpp's estimate ----------------------------------------
  function checkEngineFormats(quant, framework, kvDtype) {
    var engine = framework.engine;
    if (quant.format === "gguf" && engine !== "llama.cpp") {
      throw new EstimateError(quant.name + " is a GGUF file type: only llama.cpp runs GGUF files",
        "use --framework llama.cpp, or a format this engine loads (bf16, gptq-int4, awq ...)", "quantization");
    }
    if (engine === "llama.cpp" && !among(quant.format, ["float", "gguf"])) {
      throw new EstimateError("llama.cpp does not load " + quant.name + " checkpoints (it runs GGUF files)",
        "use a GGUF type such as q4_k_m or q8_0, or --framework vllm / transformers", "quantization");
    }
    var allowed = DATA.engine_kv_dtypes[engine];
    if (kvDtype !== null && kvDtype !== undefined && allowed && !among(kvDtype.name, allowed)) {
      throw new EstimateError(engine + " has no " + kvDtype.name + " KV cache", "use one of: " + allowed.join(", "),
        "kv-dtype");
    }
  }

  // options: {flash_attention: true | false | "auto" | null, ubatch: N | null, n_gpu_layers: N | null}
  function estimateLlamaCpp(a, quant, context, framework, generate, batch, gpus, kvDtype, options) {
    var o = options || {};
    var wanted = o.flash_attention === undefined ? null : o.flash_attention;
    if (wanted === "auto" && !framework.flash_attention) {
      throw new EstimateError(frameworkLabel(framework) + " has no -fa auto (it arrived in b6327)",
        "pass --flash-attn on or off, or a build from b6327", "flash-attn");
    }
    var flash = wanted === null || wanted === "auto" ? framework.flash_attention : wanted;
    var kvType = kvDtype ? L.kv_types[kvDtype.name] : L.default_kv;
    if (!among(kvType, L.unquantized_kv) && !flash) {
      throw new EstimateError("llama.cpp refuses a " + kvType + " V cache without flash attention " +
        "(\"V cache quantization requires flash_attn\")", "pass --flash-attn on, or use the 16-bit cache", "kv-dtype");
    }
    var nUbatch = o.ubatch || framework.ubatch_tokens || L.default_ubatch;
    if (nUbatch < 1) { throw new EstimateError("--ubatch must be at least 1", "pass --ubatch 512", "ubatch"); }
    var ngl = o.n_gpu_layers === undefined ? null : o.n_gpu_layers;
    if (ngl !== null && ngl < 0) {
      throw new EstimateError("--n-gpu-layers must be 0 or more", "pass --n-gpu-layers 99 for every layer", "n-gpu-layers");
    }
    var nCtx = paddedCtx(pyMax(context + generate, 1) * batch, flash);
    var run = { n_ctx: nCtx, n_ubatch: pyMin(nUbatch, nCtx), flash_attention: flash, n_gpu_layers: ngl, gpus: gpus,
      kv_type: kvType, swa_cache: framework.swa_cache, mla_latent_cache: framework.mla_compressed_cache,
      mla_v_cache: framework.mla_v_cache };
    var refusal = kvBlockRefusal(a, run);
    if (refusal !== null) {
      throw new EstimateError("llama.cpp refuses a " + kvType + " cache for heads of " + refusal[0] + " values, " +
        "not a whole number of its " + L.kv_type_block[kvType] + "-value blocks (\"" + refusal[1] + "\")",
        "use the 16-bit cache (--kv-dtype 16-bit)", "kv-dtype");
    }
    var mix = hasOwn(L.float_mix, quant.name) ? L.float_mix[quant.name] : quant.name;
    var memory = llamacppMemory(a, mix, run);
    var st = llamacppStateBytes(a, batch, ngl, gpus), stateCards = st[0], stateTotal = 0;
    stateCards.forEach(function (x) { stateTotal += x; });
    var perGpu = [], peak = 0, weights = 0, kv = 0, compute = 0;
    for (var i = 0; i < gpus; i++) {
      var p = Math.trunc(memory.model[i] + memory.kv[i] + memory.compute[i] + stateCards[i]);
      perGpu.push(p);
      peak += p;
    }
    memory.model.forEach(function (x) { weights += x; });
    memory.kv.forEach(function (x) { kv += x; });
    memory.compute.forEach(function (x) { compute += x; });
    return makeEstimate({
      weights: Math.trunc(weights), kv_cache: Math.trunc(kv), activations: Math.trunc(compute), overhead: 0,
      peak: peak, steady: peak, per_gpu_peak: perGpu, gpus: gpus, context: context,
      generate: generate, batch: batch, kv_cache_capacity_tokens: null, max_concurrency: null,
      host: Math.trunc(memory.host + st[1]), state: Math.trunc(stateTotal),
    });
  }

  // estimator.py llamacpp_state_bytes: the recurrent-state buffer, f32, one slot per sequence, with its layer.
  function llamacppStateBytes(a, sequences, nGpuLayers, gpus) {
    var cards = [];
    for (var c = 0; c < gpus; c++) { cards.push(0.0); }
    if (!isHybrid(a)) { return [cards, 0.0]; }
    var perLayer = stateBytesPerSequence(a, C.llama_cpp_state_bytes, C.llama_cpp_state_bytes) / stateLayers(a);
    perLayer *= pyMax(1, sequences);
    var devices = layerDevices(a.layers, nGpuLayers, gpus)[0], host = 0.0;
    for (var i = 0; i < devices.length; i++) {
      if (holdsState(a, i)) {
        if (devices[i] === null) { host += perLayer; } else { cards[devices[i]] += perLayer; }
      }
    }
    return [cards, host];
  }

  // --- generator/calc/gpu_fit.py --------------------------------------------------------------------------------
  function busiestGpuBytes(e) {
    return pyMax.apply(null, e.per_gpu_peak) * (1 + C.allocator_slack_fraction) + C.cuda_context_bytes;
  }

  function fits(e, cardBytes) {
    if (e.kv_cache_capacity_tokens !== null) {
      return !e.refusal && e.kv_cache_capacity_tokens >= (e.context + e.generate) * e.batch;
    }
    return busiestGpuBytes(e) <= cardBytes;
  }

  // --- generator/families/reader.py and vision.py (the family table comes from generator/families/table.py) ------
  var CFG = DATA.config;
  var CD = CFG.defaults;  // the configuration classes' defaults (reader.py CONFIG_DEFAULTS)
  var FAMILIES = CFG.families;

  function isMapping(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof PyFloat);
  }
  function getKey(object, key) { return hasOwn(object, key) ? object[key] : null; }

  function familyOf(config) {
    var modelType = getKey(config, "model_type");
    var architectures = truthy(getKey(config, "architectures")) ? config.architectures : [];
    if (typeof architectures === "string") { architectures = [architectures]; }
    if (!Array.isArray(architectures) || !architectures.every(function (a) { return typeof a === "string"; })) {
      throw new EstimateError("field 'architectures' must be a list of class names, got " + pyRepr(architectures),
        'write it as in config.json: ["Qwen2ForCausalLM"]', "config");
    }
    if (typeof modelType === "string" && hasOwn(FAMILIES, modelType)) { return modelType; }
    var names = Object.keys(FAMILIES);
    for (var i = 0; i < names.length; i++) {
      var classes = FAMILIES[names[i]].classes || [];
      if (architectures.some(function (a) { return classes.indexOf(a) >= 0; })) { return names[i]; }
    }
    var what = modelType !== null ? "model_type " + pyRepr(modelType) :
      (architectures.length ? "architectures " + pyRepr(architectures) : "no model_type");
    throw new EstimateError("unsupported model family (" + what + ")", "supported model_type values: " +
      CFG.supported.join(", ") + "; to add one, " + CFG.how_to_add, "config");
  }

  function Fields(config, spec, family) {
    this.config = config; this.spec = spec; this.family = family;
  }
  Fields.prototype.names = function (key) {
    var own = (this.spec.names && this.spec.names[key]) || [];
    return own.concat(hasOwn(CFG.default_names, key) ? CFG.default_names[key] : [key]);
  };
  Fields.prototype.raw = function (key) {
    var names = this.names(key);
    for (var i = 0; i < names.length; i++) {
      if (hasOwn(this.config, names[i]) && this.config[names[i]] !== null) { return [names[i], this.config[names[i]]]; }
    }
    var defaults = this.spec.defaults || {};
    if (hasOwn(defaults, key)) { return [key, defaults[key]]; }
    return [null, null];
  };
  Fields.prototype.integer = function (name, value, allowZero) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || (value === 0 && !allowZero)) {
      throw new EstimateError("field " + pyRepr(name) + " must be a " + (allowZero ? "non-negative" : "positive") +
        " integer, got " + pyRepr(value), "fix " + pyRepr(name), "config");
    }
    if (value > CFG.max_field) {
      throw new EstimateError("field " + pyRepr(name) + " must be at most " + thousands(CFG.max_field) + ", got " +
        pyRepr(value), "fix " + pyRepr(name), "config");
    }
    return value;
  };
  Fields.prototype.need = function (key) {
    var found = this.raw(key);
    if (found[0] === null) {
      throw new EstimateError("missing field " + this.names(key).map(pyRepr).join(" or ") + " in a " + this.family +
        " config.json", "give the model's config.json as published: every " + this.family + " config.json has it",
        "config");
    }
    return this.integer(found[0], found[1], false);
  };
  Fields.prototype.optional = function (key, fallback) {
    var found = this.raw(key);
    if (found[0] === null) { return fallback === undefined ? 0 : fallback; }
    return this.integer(found[0], found[1], true);
  };
  Fields.prototype.flag = function (setting) {
    if (typeof setting === "boolean") { return setting; }
    if (typeof setting === "string") {
      var found = this.raw(setting);
      return found[0] !== null ? truthy(found[1]) : false;
    }
    return false;
  };

  function mergedConfig(config, spec) {
    var nested = spec.nested;
    var text = nested ? getKey(config, nested) : null;
    if (text === null) { return config; }
    if (!isMapping(text)) {
      throw new EstimateError("field " + pyRepr(nested) + " must be a mapping", "give the config.json as published",
        "config");
    }
    var merged = {};
    Object.keys(config).forEach(function (k) {
      if (k !== nested && k !== "vision_config" && k !== "audio_config") { merged[k] = config[k]; }
    });
    Object.keys(text).forEach(function (k) { merged[k] = text[k]; });
    return merged;
  }

  function slidingLayersOf(f, layers, window) {
    var layerTypes = getKey(f.config, "layer_types");
    if (Array.isArray(layerTypes) && layerTypes.length) {
      if (layerTypes.length !== layers || !layerTypes.every(function (t) { return typeof t === "string"; })) {
        throw new EstimateError("'layer_types' must list one text per layer (" + layers + ")",
          "give the config.json as published", "config");
      }
      return layerTypes.filter(function (t) { return t === "sliding_attention" || t === "chunked_attention"; }).length;
    }
    var rule = f.spec.sliding || "none";
    if (!window || rule === "none") { return 0; }
    if (rule === "all") { return layers; }
    if (rule === "alternate") { return Math.floor((layers + 1) / 2); }
    if (rule === "pattern") {
      var pattern = f.raw("sliding_window_pattern")[1];
      if (typeof pattern === "string" && /^[LG]+$/.test(pattern)) {
        // EXAONE 4 spells the pattern out: "LLLG" = three sliding (local) layers, then a global one, repeated.
        var local = 0;
        for (var li = 0; li < layers; li++) { if (pattern.charAt(li % pattern.length) === "L") { local += 1; } }
        return local;
      }
      pattern = f.integer("sliding_window_pattern", pattern, false);
      return layers - Math.floor(layers / pattern);
    }
    if (rule === "qwen") { return layers - pyMin(layers, f.optional("max_window_layers")); }
    if (rule === "chunked") {
      var ropeLayers = getKey(f.config, "no_rope_layers");
      if (Array.isArray(ropeLayers) && ropeLayers.length) { return ropeLayers.filter(truthy).length; }
      var interval = f.optional("no_rope_layer_interval", CD.no_rope_layer_interval) || CD.no_rope_layer_interval;
      var count = 0;
      for (var i = 0; i < layers; i++) { if ((i + 1) % interval) { count += 1; } }
      return count;
    }
    return 0;
  }

  function windowOf(f) {
    var rule = f.spec.sliding || "none";
    if (rule === "chunked") { return f.optional("attention_chunk_size"); }
    if (rule === "qwen" && !truthy(getKey(f.config, "use_sliding_window"))) { return 0; }
    if (getKey(f.config, "use_sliding_window") === false) { return 0; }
    return rule !== "none" ? f.optional("sliding_window") : 0;
  }

  function kvHeadsOf(f, heads) {
    var rule = f.spec.kv || "config";
    if (rule === "mha") { return heads; }
    if (rule === "falcon") {
      if (truthy(getKey(f.config, "new_decoder_architecture"))) { return f.optional("num_key_value_heads", heads) || heads; }
      return truthy(hasOwn(f.config, "multi_query") ? f.config.multi_query : true) ? 1 : heads;
    }
    return f.optional("num_key_value_heads", heads) || heads;
  }

  function normsPerLayerOf(f) {
    if (f.family === "falcon") {
      if (truthy(getKey(f.config, "new_decoder_architecture"))) {
        return f.optional("num_ln_in_parallel_attn", CD.num_ln_in_parallel_attn) || CD.num_ln_in_parallel_attn;
      }
      return truthy(hasOwn(f.config, "parallel_attn") ? f.config.parallel_attn : true) ? 1 : 2;
    }
    return f.spec.norms_per_layer || 2;
  }

  function moeFieldsOf(f, moe) {
    if (!moe) { return null; }
    var experts = 0;
    for (var i = 0; i < moe.experts.length; i++) {
      var name = moe.experts[i];
      if (getKey(f.config, name) !== null) { experts = f.integer(name, f.config[name], true); break; }
    }
    if (!experts) { return null; }
    if (truthy(getKey(f.config, "mlp_only_layers"))) {
      throw new EstimateError("'mlp_only_layers' (dense layers among MoE layers) is not modelled",
        "use a config.json without mlp_only_layers", "config");
    }
    var expertSize = f.need(moe.intermediate);
    var fields = {
      num_experts: experts,
      experts_per_token: f.need("num_experts_per_tok"),
      moe_intermediate_size: expertSize,
      first_k_dense_replace: moe.first_dense ? f.optional(moe.first_dense) : 0,
      moe_layer_step: moe.step ? (f.optional(moe.step, 1) || 1) : 1,
      expert_bias: Boolean(moe.expert_bias),
    };
    if (moe.shared === "size") {
      fields.shared_expert_intermediate_size = f.optional("shared_expert_intermediate_size");
      fields.shared_expert_gate = Boolean(moe.shared_gate) && fields.shared_expert_intermediate_size > 0;
    } else if (moe.shared === "count") {
      fields.n_shared_experts = f.optional("n_shared_experts");
    } else if (moe.shared === "one") {
      fields.shared_expert_intermediate_size = expertSize;
    }
    return fields;
  }

  // --- reader.py: hybrid-state layers (issue 21) -------------------------------------------------------------------
  var LAYER_KIND = CFG.layer_kind;

  function layerKindsOf(f, layers, rule) {
    var key = "layer_types", types = getKey(f.config, "layer_types");
    if (types === null && rule === "mamba2") { key = "layers_block_type"; types = getKey(f.config, key); }
    var i;
    if (types === null && rule === "gdn") {
      var interval = f.optional("full_attention_interval", CD.full_attention_interval) || CD.full_attention_interval;
      var out = "";
      for (i = 0; i < layers; i++) { out += (i + 1) % interval ? "S" : "A"; }
      return out;
    }
    if (typeof types === "string") { types = types.split(""); }
    if (!Array.isArray(types) || !types.every(function (t) { return typeof t === "string" && hasOwn(LAYER_KIND, t); })) {
      throw new EstimateError("field " + pyRepr(key) + " must list each layer's type (" +
        Object.keys(LAYER_KIND).sort().join(", ") + "), got " + pyRepr(types), "give the model's config.json as published",
        "config");
    }
    if (types.length !== layers) {
      throw new EstimateError("field " + pyRepr(key) + " has " + types.length + " entries for " + layers + " layers",
        "give the model's config.json as published", "config");
    }
    return types.map(function (t) { return LAYER_KIND[t]; }).join("");
  }

  function blockPatternOf(f) {
    var pattern = getKey(f.config, "hybrid_override_pattern");
    if (pattern === null) { pattern = truthy(getKey(f.config, "layer_types")) ? f.config.layer_types : getKey(f.config, "layers_block_type"); }
    var letters = CFG.block_letters;
    if (Array.isArray(pattern)) {
      pattern = pattern.map(function (t) { return typeof t === "string" && hasOwn(letters, t) ? letters[t] : "?"; }).join("");
    }
    if (typeof pattern !== "string" || !pattern || !/^[M*\-E]+$/.test(pattern)) {
      throw new EstimateError("field 'hybrid_override_pattern' must name each block (M, *, - or E), got " +
        pyRepr(pattern), "give the model's config.json as published", "config");
    }
    return pattern;
  }

  function expandOf(f) {
    var expand = hasOwn(f.config, "mamba_expand") ? f.config.mamba_expand : CD.mamba_expand;
    if (expand instanceof PyFloat) { expand = expand.value; }
    if (typeof expand !== "number" || !(expand > 0 && expand <= CFG.max_mamba_expand)) {
      throw new EstimateError("field 'mamba_expand' must be a number from 0 to " + CFG.max_mamba_expand + ", got " +
        pyRepr(expand),
        "give the model's config.json as published", "config");
    }
    return expand;
  }

  // reader.py _period: Jamba's every-n-th-layer rules.
  function periodOf(f, periodKey, offsetKey, period, offset) {
    period = f.optional(periodKey, period) || period;
    offset = f.optional(offsetKey, offset);
    if (offset >= period) {
      throw new EstimateError("field " + pyRepr(offsetKey) + " (" + offset + ") must be smaller than " +
        pyRepr(periodKey) + " (" + period + ")", "give the model's config.json as published", "config");
    }
    return [period, offset];
  }

  function hybridFieldsOf(f, rule, hidden, layers) {
    var kinds, i;
    if (rule === "mamba2_blocks") {
      kinds = blockPatternOf(f).split("").map(function (c) { return c === "M" ? "S" : (c === "*" ? "A" : "F"); }).join("");
    } else if (rule === "falcon_h1") {
      kinds = "";
      for (i = 0; i < layers; i++) { kinds += "B"; }
    } else if (rule === "mamba1") {
      var ap = periodOf(f, "attn_layer_period", "attn_layer_offset", CD.attn_layer_period, CD.attn_layer_offset);
      kinds = "";
      for (i = 0; i < layers; i++) { kinds += i % ap[0] === ap[1] ? "A" : "S"; }
    } else {
      kinds = layerKindsOf(f, layers, rule);
    }
    var states = kinds.split("").filter(function (c) { return c === "S" || c === "B"; }).length;
    var fields = {}, shapes, extra, recurrent, convDim, kernel;
    if (rule === "mamba1") {
      // reader.py _jamba_mixer (JambaMambaMixer).
      var dS = f.optional("mamba_d_state", CD.mamba_d_state) || CD.mamba_d_state;
      var inner1 = Math.trunc(expandOf(f) * hidden);
      kernel = f.optional("mamba_d_conv", CD.mamba_d_conv) || CD.mamba_d_conv;
      var rank = hasOwn(f.config, "mamba_dt_rank") ? f.config.mamba_dt_rank : "auto";
      rank = rank === "auto" || rank === null ? Math.ceil(hidden / CD.mamba_dt_rank_divisor) :
        f.integer("mamba_dt_rank", rank, false);
      var cBias = hasOwn(f.config, "mamba_conv_bias") ? f.config.mamba_conv_bias : true;
      var pBias = truthy(hasOwn(f.config, "mamba_proj_bias") ? f.config.mamba_proj_bias : false);
      shapes = [[hidden, 2 * inner1, states], [inner1, rank + 2 * dS, states], [rank, inner1, states],
        [inner1, hidden, states]];
      extra = states * (inner1 * kernel + (truthy(cBias) ? inner1 : 0) + inner1 + inner1 * dS + inner1 + rank + 2 * dS +
        (pBias ? 2 * inner1 + hidden : 0));
      fields.layer_kinds = kinds; fields.conv_dim = inner1; fields.conv_kernel = kernel;
      fields.recurrent_state_values = inner1 * dS; fields.mixer_shapes = shapes;
      return [fields, extra];
    }
    if (rule === "gdn") {
      var nk = f.need("linear_num_key_heads"), nv = f.need("linear_num_value_heads");
      var dk = f.need("linear_key_head_dim"), dv = f.need("linear_value_head_dim");
      kernel = f.need("linear_conv_kernel_dim");
      var keyDim = nk * dk, valueDim = nv * dv;
      convDim = 2 * keyDim + valueDim;
      shapes = [[hidden, convDim + valueDim, states], [hidden, 2 * nv, states], [valueDim, hidden, states]];
      extra = states * (convDim * kernel + 2 * nv + dv);
      recurrent = nv * dk * dv;
      fields.attention_output_gate = true;
    } else {
      var heads, headDim, dState, groups, inner, convBias, projBias;
      var gatedNorm = true, outBias = false;
      if (rule === "falcon_h1") {
        // reader.py: FalconH1Mixer, mamba_d_ssm wide (else mamba_expand x hidden).
        heads = f.need("mamba_n_heads"); dState = f.need("mamba_d_state");
        groups = f.optional("mamba_n_groups", CD.mamba_n_groups) || CD.mamba_n_groups; kernel = f.need("mamba_d_conv");
        inner = f.optional("mamba_d_ssm") || Math.trunc(expandOf(f) * hidden);
        headDim = hasOwn(f.config, "mamba_d_head") ? f.config.mamba_d_head : "auto";
        headDim = headDim === "auto" || headDim === null ? Math.floor(inner / heads) : f.integer("mamba_d_head", headDim, false);
        convBias = hasOwn(f.config, "mamba_conv_bias") ? f.config.mamba_conv_bias : true;
        projBias = truthy(hasOwn(f.config, "mamba_proj_bias") ? f.config.mamba_proj_bias : false);
        gatedNorm = truthy(hasOwn(f.config, "mamba_rms_norm") ? f.config.mamba_rms_norm : false);
        outBias = truthy(hasOwn(f.config, "projectors_bias") ? f.config.projectors_bias : false);
      } else if (rule === "mamba2_blocks") {
        heads = f.need("mamba_num_heads"); headDim = f.need("mamba_head_dim");
        dState = f.need("ssm_state_size"); groups = f.need("n_groups"); kernel = f.need("conv_kernel");
        inner = heads * headDim;
        convBias = hasOwn(f.config, "use_conv_bias") ? f.config.use_conv_bias : true;
        projBias = truthy(hasOwn(f.config, "use_bias") ? f.config.use_bias : false);
      } else {
        heads = f.need("mamba_n_heads"); dState = f.need("mamba_d_state");
        groups = f.optional("mamba_n_groups", CD.mamba_n_groups) || CD.mamba_n_groups; kernel = f.need("mamba_d_conv");
        inner = Math.trunc(expandOf(f) * hidden);
        headDim = hasOwn(f.config, "mamba_d_head") ? f.config.mamba_d_head : "auto";
        headDim = headDim === "auto" || headDim === null ? Math.floor(inner / heads) : f.integer("mamba_d_head", headDim, false);
        convBias = hasOwn(f.config, "mamba_conv_bias") ? f.config.mamba_conv_bias : true;
        projBias = truthy(hasOwn(f.config, "mamba_proj_bias") ? f.config.mamba_proj_bias : false);
      }
      convDim = inner + 2 * groups * dState;
      shapes = [[hidden, inner + convDim + heads, states], [inner, hidden, states]];
      if (rule === "falcon_h1") {
        extra = states * (convDim * kernel + (truthy(convBias) ? convDim : 0) + 3 * heads + (gatedNorm ? inner : 0) +
          (projBias ? inner + convDim + heads : 0) + (outBias ? hidden : 0));
      } else {
        extra = states * (convDim * kernel + (truthy(convBias) ? convDim : 0) + 3 * heads + inner +
          (projBias ? inner + convDim + heads + hidden : 0));
      }
      recurrent = heads * headDim * dState;
    }
    fields.layer_kinds = kinds; fields.conv_dim = convDim; fields.conv_kernel = kernel;
    fields.recurrent_state_values = recurrent; fields.mixer_shapes = shapes;
    return [fields, extra];
  }

  // reader.py _indexer_layers: GLM-5's layers with their own indexer.
  function indexerLayersOf(f, layers) {
    var types = getKey(f.config, "indexer_types"), key = "indexer_types", i, n = 0;
    if (types === null && getKey(f.config, "index_topk_pattern") !== null) {
      key = "index_topk_pattern";
      var pattern = f.config.index_topk_pattern;
      types = typeof pattern === "string" ? pattern.split("").map(function (c) {
        return c === "F" ? "full" : (c === "S" ? "shared" : c); }) : pattern;
    }
    if (types === null) {
      var freq = pyMax(f.optional("index_topk_freq", CD.index_topk_freq), 1);
      var offset = f.optional("index_skip_topk_offset", CD.index_skip_topk_offset);
      for (i = 0; i < layers; i++) { if (pyMax(i - offset + 1, 0) % freq === 0) { n += 1; } }
      return n;
    }
    if (!Array.isArray(types) || types.length !== layers ||
        !types.every(function (t) { return t === "full" || t === "shared"; })) {
      throw new EstimateError("field " + pyRepr(key) + " must give full or shared for each of the " + layers +
        " layers, got " + pyRepr(types), "give the model's config.json as published", "config");
    }
    return types.filter(function (t) { return t === "full"; }).length;
  }

  // reader.py _gemma4_fields: Gemma 4's heterogeneous layers.
  function mergedShapes(shapes) {
    var order = [], counts = {};
    shapes.forEach(function (s) {
      var key = s[0] + "x" + s[1];
      if (!hasOwn(counts, key)) { counts[key] = [s[0], s[1], 0]; order.push(key); }
      counts[key][2] += s[2];
    });
    return order.map(function (k) { return counts[k]; });
  }

  function gemma4FieldsOf(f, hidden, layers, heads, headDim, kvHeads) {
    var types = getKey(f.config, "layer_types"), i;
    if (types === null) {
      types = [];
      for (i = 0; i < layers; i++) {
        types.push((i + 1) % CD.gemma4_full_attention_every ? "sliding_attention" : "full_attention");
      }
    }
    if (!Array.isArray(types) || types.length !== layers ||
        !types.every(function (t) { return t === "sliding_attention" || t === "full_attention"; })) {
      throw new EstimateError("field 'layer_types' must list sliding_attention or full_attention for each of the " +
        layers + " layers, got " + pyRepr(types), "give the model's config.json as published", "config");
    }
    types = types.slice();
    types[types.length - 1] = "full_attention";
    var kEqV = truthy(hasOwn(f.config, "attention_k_eq_v") ? f.config.attention_k_eq_v : false);
    var globalDim = f.optional("global_head_dim", CD.global_head_dim) || CD.global_head_dim;
    var globalKv = kEqV ? f.optional("num_global_key_value_heads") : 0;
    globalKv = globalKv || kvHeads;
    var overrides = getKey(f.config, "per_layer_config");
    if (isMapping(overrides)) {
      var keys = Object.keys(overrides);
      for (i = 0; i < keys.length; i++) {
        var index = keys[i], values = overrides[index];
        if (/^[0-9]+$/.test(index) && Number(index) < layers && types[Number(index)] === "full_attention" &&
            isMapping(values)) {
          globalDim = f.integer("per_layer_config", hasOwn(values, "head_dim") ? values.head_dim : globalDim, false);
          globalKv = f.integer("per_layer_config", hasOwn(values, "num_key_value_heads") ? values.num_key_value_heads
            : globalKv, false);
          break;
        }
      }
    }
    var shared = f.optional("num_kv_shared_layers");
    if (shared > layers) {
      throw new EstimateError("field 'num_kv_shared_layers' (" + shared + ") exceeds the " + layers + " layers",
        "give the model's config.json as published", "config");
    }
    var firstShared = layers - shared;
    var doubleWide = truthy(hasOwn(f.config, "use_double_wide_mlp") ? f.config.use_double_wide_mlp : false);
    var intermediate = f.need("intermediate_size");
    var perLayer = f.optional("hidden_size_per_layer_input", CD.hidden_size_per_layer_input);
    var shapes = [], extra = 0, kinds = "";
    for (i = 0; i < layers; i++) {
      var isGlobal = types[i] === "full_attention";
      var d = isGlobal ? globalDim : headDim, kv = isGlobal ? globalKv : kvHeads;
      var reuse = i >= firstShared;
      shapes.push([hidden, heads * d, 1], [heads * d, hidden, 1]);
      extra += d;
      if (!reuse) {
        shapes.push([hidden, kv * d, 1]);
        if (!(kEqV && isGlobal)) { shapes.push([hidden, kv * d, 1]); }
        extra += d;
      }
      if (doubleWide && reuse) {
        shapes.push([hidden, intermediate, 1], [hidden, intermediate, 1], [intermediate, hidden, 1]);
      }
      if (perLayer) {
        shapes.push([hidden, perLayer, 1], [perLayer, hidden, 1]);
        extra += hidden;
      }
      kinds += reuse ? "F" : "A";
    }
    var fields = { attention_shapes_given: true, layer_kinds: kinds };
    if (perLayer) {
      var vocabPerLayer = f.optional("vocab_size_per_layer_input", CD.vocab_size_per_layer_input) || f.need("vocab_size");
      extra += vocabPerLayer * layers * perLayer + perLayer;
      shapes.push([hidden, layers * perLayer, 1]);
    }
    if (truthy(getKey(f.config, "enable_moe_block"))) {
      var experts = f.need("num_experts");
      fields.num_experts = experts;
      fields.experts_per_token = f.need("top_k_experts");
      fields.moe_intermediate_size = f.need("moe_intermediate_size");
      fields.moe_layers_override = layers;
      fields.mlp_layers_override = layers;
      extra += layers * (hidden + experts + 3 * hidden);
    }
    if (globalDim !== headDim || globalKv !== kvHeads) {
      fields.global_head_dim = globalDim;
      fields.global_kv_heads = globalKv;
    }
    fields.mixer_shapes = mergedShapes(shapes);
    var window = f.optional("sliding_window"), cachedSliding = 0;
    for (i = 0; i < firstShared; i++) { if (types[i] === "sliding_attention") { cachedSliding += 1; } }
    return [fields, extra, window, window ? cachedSliding : 0];
  }

  function linear(fanIn, fanOut, bias) { return fanIn * fanOut + (bias === false ? 0 : fanOut); }

  var TOWERS = {
    qwen2_vl: function (get) {
      var d = get("embed_dim"), depth = get("depth"), ratio = get("mlp_ratio");
      var channels = get("in_channels"), patch = get("patch_size"), temporal = get("temporal_patch_size"),
        merge = get("spatial_merge_size");
      var out = get("hidden_size");
      var mlp = d * ratio;
      var block = 2 * 2 * d + linear(d, 3 * d) + linear(d, d) + linear(d, mlp) + linear(mlp, d);
      var context = d * merge * merge;
      var merger = 2 * d + linear(context, context) + linear(context, out);
      return channels * temporal * patch * patch * d + depth * block + merger;
    },
    qwen2_5_vl: function (get) {
      var d = get("hidden_size"), depth = get("depth"), inter = get("intermediate_size");
      var channels = get("in_channels"), patch = get("patch_size"), temporal = get("temporal_patch_size"),
        merge = get("spatial_merge_size");
      var out = get("out_hidden_size");
      var block = 2 * d + linear(d, 3 * d) + linear(d, d) + 2 * linear(d, inter) + linear(inter, d);
      var context = d * merge * merge;
      var merger = d + linear(context, context) + linear(context, out);
      return channels * temporal * patch * patch * d + depth * block + merger;
    },
    siglip: function (get, textHidden) {
      var d = get("hidden_size"), inter = get("intermediate_size"), layers = get("num_hidden_layers");
      var channels = get("num_channels"), patch = get("patch_size"), image = get("image_size");
      var side = Math.floor(image / patch);
      var embeddings = channels * patch * patch * d + d + side * side * d;
      var layer = 2 * 2 * d + 4 * linear(d, d) + linear(d, inter) + linear(inter, d);
      var head = get.flag("vision_use_head") ?
        d + linear(d, 3 * d) + linear(d, d) + 2 * d + linear(d, inter) + linear(inter, d) : 0;
      var projector = d * textHidden + d;
      return embeddings + layers * layer + 2 * d + head + projector;
    },
    llama4: function (get, textHidden) {
      var d = get("hidden_size"), inter = get("intermediate_size"), layers = get("num_hidden_layers");
      var channels = get("num_channels"), patch = get("patch_size"), image = get("image_size");
      var projIn = get("projector_input_dim"), projOut = get("projector_output_dim"), visionOut = get("vision_output_dim");
      var side = Math.floor(image / patch);
      var embeddings = channels * patch * patch * d + d + (side * side + 1) * d + 2 * 2 * d;
      var layer = 2 * 2 * d + 4 * linear(d, d) + linear(d, inter) + linear(inter, d);
      var adapter = inter * projIn + projOut * projOut;
      return embeddings + layers * layer + adapter + visionOut * textHidden;
    },
  };

  TOWERS.qwen3_5 = function (get) {
    var d = get("hidden_size"), depth = get("depth"), inter = get("intermediate_size");
    var channels = get("in_channels"), patch = get("patch_size"), temporal = get("temporal_patch_size"),
      merge = get("spatial_merge_size");
    var out = get("out_hidden_size"), positions = get("num_position_embeddings");
    var block = 2 * 2 * d + linear(d, 3 * d) + linear(d, d) + linear(d, inter) + linear(inter, d);
    var context = d * merge * merge;
    var merger = 2 * d + linear(context, context) + linear(context, out);
    return linear(channels * temporal * patch * patch, d) + positions * d + depth * block + merger;
  };
  TOWERS.gemma4 = function (get, textHidden) {
    var d = get("hidden_size"), inter = get("intermediate_size"), layers = get("num_hidden_layers");
    var heads = get("num_attention_heads"), kvHeads = get("num_key_value_heads"), headDim = get("head_dim");
    var patch = get("patch_size"), positions = get("position_embedding_size");
    var layer = 4 * d + d * heads * headDim * 2 + d * kvHeads * headDim * 2 + 2 * headDim + 3 * d * inter;
    return 3 * patch * patch * d + 2 * positions * d + layers * layer + d * textHidden;
  };
  TOWERS.gemma4_audio = function (get, textHidden) {
    var h = get("hidden_size"), layers = get("num_hidden_layers"), heads = get("num_attention_heads"),
      kernel = get("conv_kernel_size");
    var c0 = get("subsampling_channels_0"), c1 = get("subsampling_channels_1"), out = get("output_proj_dims");
    var headDim = Math.floor(h / heads);
    var layer = 20 * h * h + 4 * h * heads * headDim + 9 * h + h * kernel + headDim;
    var subsample = 9 * c0 + c0 + 9 * c0 * c1 + c1 + Math.floor(c0 / 4) * c1 * h;
    return subsample + layers * layer + h * out + out + out * textHidden;
  };
  TOWERS.pixtral = function (get, textHidden) {
    var d = get("hidden_size"), inter = get("intermediate_size"), layers = get("num_hidden_layers");
    var channels = get("num_channels"), patch = get("patch_size"), merge = get("spatial_merge_size");
    var layer = 2 * d + 4 * d * d + 3 * d * inter;
    var projector = d + d * merge * merge * d + d * textHidden + textHidden * textHidden;
    return channels * patch * patch * d + d + layers * layer + projector;
  };

  function towerParams(kind, vc, textHidden, section) {
    var defaults = CFG.vision_defaults[kind];
    function get() {
      for (var i = 0; i < arguments.length; i++) {
        var name = arguments[i];
        var value = getKey(vc, name);
        if (value !== null) {
          if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > CFG.max_field) {
            throw new EstimateError(section + " field " + pyRepr(name) + " must be a positive integer, got " +
              pyRepr(value), "give the config.json as published", "config");
          }
          return value;
        }
      }
      return defaults[arguments[0]];
    }
    get.flag = function (name) {
      var value = getKey(vc, name);
      if (value === null) { return defaults[name]; }
      if (typeof value !== "boolean") {
        throw new EstimateError(section + " field " + pyRepr(name) + " must be true or false, got " +
          pyRepr(value), "give the config.json as published", "config");
      }
      return value;
    };
    return TOWERS[kind](get, textHidden);
  }

  function visionParams(kind, config, textHidden) {
    if (!kind) { return 0; }
    if (kind === "gemma4") {
      var total = 0;
      [["vision_config", "gemma4"], ["audio_config", "gemma4_audio"]].forEach(function (pair) {
        var sub = getKey(config, pair[0]);
        if (sub === null) { return; }
        if (!isMapping(sub)) {
          throw new EstimateError(pyRepr(pair[0]) + " must be a mapping", "give the config.json as published", "config");
        }
        var channels = getKey(sub, "subsampling_conv_channels");
        if (pair[1] === "gemma4_audio" && channels !== null) {
          if (!Array.isArray(channels) || channels.length !== 2) {
            throw new EstimateError("audio_config field 'subsampling_conv_channels' must be two numbers, got " +
              pyRepr(channels), "give the config.json as published", "config");
          }
          sub = Object.assign({}, sub, { subsampling_channels_0: channels[0], subsampling_channels_1: channels[1] });
        }
        total += towerParams(pair[1], sub, textHidden, pair[0]);
      });
      return total;
    }
    var vc = getKey(config, "vision_config");
    if (vc === null) { vc = Object.assign({}, CFG.vision_when_absent[kind] || {}); }
    if (!isMapping(vc)) {
      throw new EstimateError("'vision_config' must be a mapping", "give the config.json as published", "config");
    }
    var defaults = CFG.vision_defaults[kind];
    if (kind === "pixtral") {
      vc = Object.assign({}, vc, { spatial_merge_size: getKey(config, "spatial_merge_size") });
    }
    function get() {
      for (var i = 0; i < arguments.length; i++) {
        var name = arguments[i];
        var value = getKey(vc, name);
        if (value !== null) {
          if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > CFG.max_field) {
            throw new EstimateError("vision_config field " + pyRepr(name) + " must be a positive integer, got " +
              pyRepr(value), "give the config.json as published", "config");
          }
          return value;
        }
      }
      return defaults[arguments[0]];
    }
    get.flag = function (name) {
      var value = getKey(vc, name);
      if (value === null) { return defaults[name]; }
      if (typeof value !== "boolean") {
        throw new EstimateError("vision_config field " + pyRepr(name) + " must be true or false, got " +
          pyRepr(value), "give the config.json as published", "config");
      }
      return value;
    };
    return TOWERS[kind](get, textHidden);
  }

  function architectureFromConfig(config) {
    if (!isMapping(config)) {
      throw new EstimateError("the model config must be a mapping of config.json keys",
        "give the keys of the model's config.json", "config");
    }
    var family = familyOf(config);
    var spec = FAMILIES[family];
    var text = mergedConfig(config, spec);
    var f = new Fields(text, spec, family);
    var architectures = truthy(getKey(config, "architectures")) ? config.architectures : [];
    if (typeof architectures === "string") { architectures = [architectures]; }

    CFG.flags.forEach(function (flag) {
      var value = getKey(text, flag);
      if (value !== null && typeof value !== "boolean") {
        throw new EstimateError("field " + pyRepr(flag) + " must be true or false, not " + pyRepr(value),
          "write " + flag + ": true or false, without quotes", "config");
      }
    });
    var hidden = f.need("hidden_size");
    var blocks = spec.hybrid === "mamba2_blocks" ? blockPatternOf(f) : null;
    var layers = blocks ? blocks.length : f.need("num_hidden_layers");
    if (layers > CFG.max_layers) {
      var layersName = f.raw("num_hidden_layers")[0];
      throw new EstimateError("field " + pyRepr(layersName) + " must be at most " + thousands(CFG.max_layers) +
        " layers, got " + thousands(layers), "fix " + pyRepr(layersName), "config");
    }
    var heads = f.need("num_attention_heads");
    if (!spec.mla) {
      var kvCheck = kvHeadsOf(f, heads);
      if (kvCheck > heads || heads % kvCheck) {
        var kvName = f.raw("num_key_value_heads")[0] || "num_key_value_heads";
        throw new EstimateError("field " + pyRepr(kvName) + " (" + kvCheck + ") must divide num_attention_heads (" +
          heads + "): each KV head serves a whole group of query heads",
          "fix " + pyRepr(kvName) + " from the model's config.json", "config");
      }
    }
    var headDim = f.optional("head_dim");
    if (!headDim) {
      if (hidden % heads) {
        throw new EstimateError("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads,
          "give the model's config.json as published", "config");
      }
      headDim = Math.floor(hidden / heads);
    }
    var vocab = f.need("vocab_size");
    var moe = moeFieldsOf(f, spec.moe);
    var denseKey = (spec.moe && spec.moe.dense_intermediate) || "intermediate_size";
    var allMoe = moe && !moe.first_k_dense_replace && moe.moe_layer_step === 1;
    var intermediate;
    if (allMoe) {
      intermediate = f.optional(denseKey);
    } else if (f.raw(denseKey)[0] === null && spec.intermediate_multiple) {
      intermediate = spec.intermediate_multiple * hidden;
    } else {
      intermediate = f.need(denseKey);
    }
    var tie = getKey(text, "tie_word_embeddings");
    if (spec.tie_top) {
      tie = getKey(config, "tie_word_embeddings");
      if (tie === null) { tie = spec.tie_default === undefined ? true : spec.tie_default; }
    } else if (tie === null) {
      tie = hasOwn(config, "tie_word_embeddings") ? config.tie_word_embeddings :
        (spec.tie_default === undefined ? true : spec.tie_default);
    }
    var window = windowOf(f);
    var positions = spec.positions;
    var positionRows = positions ? f.need(positions.key) + positions.offset : 0;
    var extra = 0;
    if (spec.lm_head_bias && f.flag(spec.lm_head_bias)) { extra += vocab; }
    if (family === "opt") {
      var width = f.optional("word_embed_proj_dim") || hidden;
      if (width !== hidden) { extra += vocab * (width - hidden) + 2 * hidden * width; }
    }
    var finalNorm = true;
    if (family === "opt") {
      finalNorm = truthy(hasOwn(text, "do_layer_norm_before") ? text.do_layer_norm_before : true) &&
        !truthy(getKey(text, "_remove_final_layer_norm"));
    }
    var vision = visionParams(spec.vision, config, hidden);
    var mla = null;
    if (spec.mla) {
      mla = { kv_lora_rank: f.need("kv_lora_rank"), q_lora_rank: f.optional("q_lora_rank"),
        qk_nope_head_dim: f.need("qk_nope_head_dim"), qk_rope_head_dim: f.need("qk_rope_head_dim"),
        v_head_dim: f.need("v_head_dim") };
    }
    var hybrid = {};
    if (spec.hybrid) {
      var hf = hybridFieldsOf(f, spec.hybrid, hidden, layers);
      hybrid = hf[0];
      extra += hf[1];
      if (spec.hybrid === "mamba2_blocks") {
        hybrid.mlp_layers_override = blocks.split("").filter(function (c) { return c === "-"; }).length;
        if (moe) { hybrid.moe_layers_override = blocks.split("").filter(function (c) { return c === "E"; }).length; }
      }
    }
    if (spec.indexer) {
      var indexHeads = f.need("index_n_heads"), indexDim = f.need("index_head_dim"), qRank = f.need("q_lora_rank");
      var indexed = indexerLayersOf(f, layers);
      hybrid.mixer_shapes = [[qRank, indexHeads * indexDim, indexed], [hidden, indexDim, indexed], [hidden, indexHeads, indexed]];
      hybrid.indexer_head_dim = indexDim;
      hybrid.indexer_layers = indexed;
      extra += indexed * 2 * indexDim;
    }
    var gemmaSliding = 0;
    if (spec.gemma4) {
      var g = gemma4FieldsOf(f, hidden, layers, heads, headDim, kvHeadsOf(f, heads));
      window = g[2];
      gemmaSliding = g[3];
      Object.keys(g[0]).forEach(function (k) { hybrid[k] = g[0][k]; });
      extra += g[1];
    }
    if (spec.hybrid === "mamba1" && moe) {
      // Jamba: routed experts where i % expert_layer_period == expert_layer_offset, a dense MLP elsewhere.
      var ep = periodOf(f, "expert_layer_period", "expert_layer_offset", CD.expert_layer_period, CD.expert_layer_offset);
      var moeCount = 0;
      if (moe.num_experts > 1) {
        for (var mi = 0; mi < layers; mi++) { if (mi % ep[0] === ep[1]) { moeCount += 1; } }
      }
      hybrid.moe_layers_override = moeCount;
      hybrid.mlp_layers_override = layers - moeCount;
    }
    var mlpTypes = getKey(f.config, "mlp_layer_types");
    if (moe && Array.isArray(mlpTypes) && mlpTypes.length === layers) {
      hybrid.mlp_layers_override = mlpTypes.filter(function (t) { return t === "dense"; }).length;
      hybrid.moe_layers_override = layers - hybrid.mlp_layers_override;
    }
    var arch = {
      family: architectures.length ? architectures[0] : family,
      hidden_size: hidden, layers: layers, heads: heads,
      kv_heads: mla ? heads : kvHeadsOf(f, heads),
      head_dim: headDim, intermediate_size: intermediate, vocab_size: vocab,
      tie_word_embeddings: truthy(tie),
      qkv_bias: f.flag(spec.qkv_bias), o_bias: f.flag(spec.o_bias), mlp_bias: f.flag(spec.mlp_bias),
      qk_norm: Boolean(spec.qk_norm) && !spec.gemma4,
    };
    arch.norms_per_layer = normsPerLayerOf(f);
    arch.max_position_embeddings = f.optional("max_position_embeddings");
    arch.sliding_window = window;
    arch.sliding_window_layers = spec.gemma4 ? gemmaSliding : (window ? slidingLayersOf(f, layers, window) : 0);
    arch.architectures = architectures;
    arch.model_type = family;
    arch.mlp_gated = (spec.mlp || "gated") === "gated";
    arch.norm_bias = spec.norm === "layer";
    arch.final_norm = finalNorm;
    arch.position_embeddings = positionRows;
    arch.attention_sinks = Boolean(spec.sinks);
    arch.extra_params = extra;
    arch.vision_params = vision;
    var defaults = { num_experts: 0, experts_per_token: 0, moe_intermediate_size: 0, shared_expert_intermediate_size: 0,
      shared_expert_gate: false, n_shared_experts: 0, first_k_dense_replace: 0, moe_layer_step: 1, expert_bias: false,
      kv_lora_rank: 0, q_lora_rank: 0, qk_nope_head_dim: 0, qk_rope_head_dim: 0, v_head_dim: 0 };
    Object.keys(defaults).forEach(function (k) { arch[k] = defaults[k]; });
    var hybridDefaults = { layer_kinds: "", conv_dim: 0, conv_kernel: 0, recurrent_state_values: 0, mixer_shapes: [],
      attention_output_gate: false, qk_norm_full: Boolean(spec.qk_norm_full),
      experts_gated: spec.experts_gated === undefined ? true : spec.experts_gated, moe_layers_override: -1,
      mlp_layers_override: -1, global_head_dim: 0, global_kv_heads: 0, indexer_head_dim: 0, indexer_layers: 0,
      attention_shapes_given: false };
    Object.keys(hybridDefaults).forEach(function (k) { arch[k] = hybridDefaults[k]; });
    if (moe) { Object.keys(moe).forEach(function (k) { arch[k] = moe[k]; }); }
    if (mla) { Object.keys(mla).forEach(function (k) { arch[k] = mla[k]; }); }
    Object.keys(hybrid).forEach(function (k) { arch[k] = hybrid[k]; });
    if (paramsTotal(arch) > CFG.max_params) {
      throw new EstimateError("the architecture has " + paramsTotal(arch).toPrecision(3).replace(/\.?0+e/, "e") +
        " parameters, more than " + CFG.max_params.toExponential(0),
        "check the sizes (hidden_size, layers, experts) against the model's config.json", "config");
    }
    return arch;
  }

  // JSON.parse, keeping "4096.0" a float as Python's json.loads does (where the browser gives the source text).
  function parseConfigJson(text) {
    text = String(text);
    if (text.charAt(0) === "\ufeff") { text = text.slice(1); }
    if (CFG.max_json_depth) {
      // As model_config.py: brackets nested deeper than max_json_depth (strings skipped) are not a config.
      var depth = 0, inString = false, escaped = false;
      for (var i = 0; i < text.length; i++) {
        var ch = text.charAt(i);
        if (inString) {
          if (escaped) {
            escaped = false;
          } else if (ch === "\\") {
            escaped = true;
          } else if (ch === '"') {
            inString = false;
          }
        } else if (ch === '"') {
          inString = true;
        } else if (ch === "[" || ch === "{") {
          depth += 1;
          if (depth > CFG.max_json_depth) {
            throw new EstimateError("JSON nested more than " + CFG.max_json_depth + " levels deep",
              "flatten the structure", "config");
          }
        } else if (ch === "]" || ch === "}") {
          depth -= 1;
        }
      }
    }
    var config;
    try {
      config = JSON.parse(text, function (key, value, context) {
        if (typeof value === "number" && context && typeof context.source === "string") {
          if (/[.eE]/.test(context.source)) { return new PyFloat(value); }
          var digits = context.source.replace(/^-/, "").length;
          if (digits > CFG.max_number_digits) {
            throw new EstimateError("the number " + context.source.slice(0, CFG.number_shown) + "... has " + digits +
            " digits", "fix the number", "config"); }
        }
        return value;
      });
    } catch (error) {
      if (error instanceof EstimateError) { throw error; }
      throw new EstimateError("invalid JSON: " + error.message, "fix the JSON", "config");
    }
    return architectureFromConfig(config);
  }

  // --- The report of `python -m generator estimate --json` ------------------------------------------------------
  function gib(value) { return pyRound(value / GIB, 4); }

  function findModel(id) {
    for (var i = 0; i < DATA.models.length; i++) { if (DATA.models[i].id === id) { return DATA.models[i]; } }
    return null;
  }

  function findGpu(name) {
    var wanted = pyStrip(String(name)).toLowerCase();
    for (var i = 0; i < DATA.gpus.length; i++) {
      if (DATA.gpus[i].name.toLowerCase() === wanted) { return DATA.gpus[i]; }
    }
    throw new EstimateError("unknown GPU " + pyRepr(name),
      "use one of: " + DATA.gpus.map(function (g) { return g.name; }).join(", "), "gpu");
  }

  function usableBytes(gpu) {
    return gpu.usable_bytes !== undefined ? gpu.usable_bytes : gpu.memory_bytes;
  }

  // The parts drawn beside a sum, rounded so that they add up to the rounded sum (largest remainder); a
  // difference between the sum and its parts is a part of its own, named (generator/engines/glossary.py drawn_parts).
  function drawnParts(total, parts, notAtOnce) {
    parts = parts.filter(function (p) { return p[1]; });
    var difference = total - parts.reduce(function (a, p) { return a + p[1]; }, 0);
    if (Math.abs(difference) >= 0.005) { parts.push([notAtOnce, difference, "difference"]); }
    var target = pyRound(total * 100, 0);  // Python's round(): half to even (5806.5 -> 5806), not Math.round
    var floors = parts.map(function (p) { return Math.floor(p[1] * 100); });
    var order = parts.map(function (p, i) { return i; }).sort(function (a, b) {
      var ra = parts[a][1] * 100 - floors[a], rb = parts[b][1] * 100 - floors[b];
      return rb - ra || a - b;
    });
    var missing = target - floors.reduce(function (a, f) { return a + f; }, 0);
    for (var k = 0; k < missing && k < order.length; k++) { floors[order[k]] += 1; }
    return parts.map(function (p, i) { return [p[0], floors[i] / 100, p[2]]; });
  }

  // request: {name, arch, quantization, context, generate, batch, framework, gpus, kvDtype (null: default), gpu,
  //           attn (transformers), flashAttn ("on", "off", "auto"), ubatch, nGpuLayers (llama.cpp; null: default)}
  var FLASH_ATTN = { on: true, off: false, auto: "auto" };
  function report(request) {
    var quantization = parseQuantization(request.quantization);
    var framework = parseFramework(request.framework);
    var kvDtype = request.kvDtype ? parseKvDtype(request.kvDtype) : null;
    var gpu = request.gpu ? findGpu(request.gpu) : null;
    if (framework.engine === "vllm" && gpu === null) {
      throw new EstimateError("vLLM's KV cache fills the card: its size is needed", "pick a GPU", "gpu");
    }
    var arch = request.arch;
    var vllmSettings = null;
    if (framework.engine === "vllm") {
      // vLLM budgets the total CUDA reports, and picks some defaults by the card's name and size.
      vllmSettings = Object.assign({}, request.vllm || {}, {gpu_memory_bytes: gpu.unified_memory ? gpu.memory_bytes :
        gpu.cuda_bytes, gpu_name: gpu.name, unified_memory: gpu.unified_memory});
    }
    var llama = null;
    if (framework.engine === "llama.cpp") {
      llama = { flash_attention: request.flashAttn ? FLASH_ATTN[request.flashAttn] : null,
        ubatch: request.ubatch === undefined ? null : request.ubatch,
        n_gpu_layers: request.nGpuLayers === undefined ? null : request.nGpuLayers };
    }
    var attn = framework.engine === "transformers" ? (request.attn || null) : undefined;
    var result = estimate(arch, quantization, request.context, framework, request.generate, request.batch,
      request.gpus, kvDtype, gpu ? gpu.memory_bytes : null, attn, vllmSettings, llama);
    if (result.refusal) { throw new EstimateError(result.refusal, "", "gpu"); }
    // Python's integers are exact at any size; past 2^53 these would no longer be (a pasted config of a giant).
    [result.weights, result.kv_cache, result.activations, result.peak, result.steady].forEach(function (v) {
      if (!(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) {
        throw new EstimateError("numbers too large to compute exactly in the browser",
          "use `python -m generator estimate` for this model", "");
      }
    });
    var out = {
      model: request.name, params_total: paramsTotal(arch), quantization: quantization.name,
      framework: frameworkLabel(framework), context: request.context, generate: request.generate,
      batch: request.batch, gpus: request.gpus, kv_dtype: kvDtype ? kvDtype.name : "16-bit",
      weights_gib: gib(result.weights), kv_cache_gib: gib(result.kv_cache), state_gib: gib(result.state || 0),
      activations_gib: gib(result.activations), overhead_gib: gib(result.overhead),
      peak_gib: gib(result.peak), steady_gib: gib(result.steady),
      per_gpu_peak_gib: result.per_gpu_peak.map(gib),
    };
    if (framework.engine === "transformers") { out.attn = request.attn || DATA.transformers.default_attn; }
    if (result.host !== undefined && result.host !== null) { out.host_gib = gib(result.host); }
    // As api.py _context_warnings: a context beyond the model's maximum is a warning (vLLM refuses or warns
    // through max_model_len).
    var warnings = [];
    var tokens = request.context + request.generate, limit = arch.max_position_embeddings;
    if (framework.engine !== "vllm" && limit && tokens > limit) {
      warnings.push(tokens + " tokens exceed the model's maximum context (" + limit + ", max_position_embeddings): " +
        "the engine may refuse it or the output degrade");
    }
    if (result.kv_cache_capacity_tokens !== null) {
      out.kv_cache_capacity_tokens = result.kv_cache_capacity_tokens;
      out.max_concurrency = pyRound(result.max_concurrency, 2);
      // Whole requests (generator/engines/glossary.py "requests"): a part of a request is not served.
      out.concurrent_requests = Math.floor(result.kv_cache_capacity_tokens / Math.max(request.context + request.generate, 1));
    }
    if (result.vllm) {
      var v = result.vllm;
      out.vllm = {engine: v.engine, max_model_len: v.max_model_len, max_num_seqs: v.max_num_seqs,
        max_num_batched_tokens: v.max_num_batched_tokens, gpu_memory_utilization: v.gpu_memory_utilization,
        budget_gib: gib(v.budget), weights_per_gpu_gib: gib(v.weights), activation_peak_gib: gib(v.activation_peak),
        non_torch_gib: gib(v.non_torch), cuda_graph_gib: gib(v.cuda_graph_bytes), kv_cache_budget_gib: gib(v.kv_budget),
        startup_reserve_gib: gib(v.budget),
        max_concurrency_at_max_model_len: pyRound(v.max_concurrency, 2)};
    }
    warnings = warnings.concat(result.warnings || []);
    if (warnings.length) { out.warnings = warnings; }
    if (gpu !== null) {
      out.gpu = gpu.name;
      out.gpu_memory_gib = gib(gpu.memory_bytes);
      // What a run may use (glossary "usable"): the CUDA total, a Mac's Metal working set (gpus.yaml).
      out.usable_gib = gib(usableBytes(gpu));
      out.busiest_gpu_needs_gib = out.needed_gib = gib(busiestGpuBytes(result));
      out.fits = fits(result, usableBytes(gpu));
    }
    out.estimate = result;
    return out;
  }

  // --- The page ---------------------------------------------------------------------------------------------------
  var CUSTOM = "__config_json__";
  var $ = function (id) { return document.getElementById(id); };

  // The page's words in its language (i18n.PAGE_WORDS, embedded by the page as <script id="page-words">).
  var WORDS = (function () {
    var element = document.getElementById("page-words");
    try { return element ? JSON.parse(element.textContent) : {}; } catch (error) { return {}; }
  })();
  function msg(key, values) {
    var text = hasOwn(WORDS, key) ? WORDS[key] : key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  // A message already in the page's language, about one field; suggestions: values the reader may have meant.
  function inputError(text, field, suggestions) {
    var error = new EstimateError(text, "", field);
    error.localized = true;
    error.suggestions = suggestions || [];
    return error;
  }

  // The nearest names to a typed or linked value, best first (as the CLI's "did you mean"): edit distance over
  // the longer name, with a bonus for one containing the other and for a shared beginning.
  function editDistance(a, b) {
    var previous = [], current, i, j;
    for (j = 0; j <= b.length; j++) { previous.push(j); }
    for (i = 1; i <= a.length; i++) {
      current = [i];
      for (j = 1; j <= b.length; j++) {
        current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
      }
      previous = current;
    }
    return previous[b.length];
  }
  function nearest(value, candidates, limit) {
    function fold(text) { return String(text).toLowerCase().replace(/[\s_]+/g, "-"); }
    var wanted = fold(pyStrip(String(value || "")));
    if (!wanted) { return []; }
    return candidates.map(function (name, index) {
      var key = fold(name), prefix = 0;
      while (prefix < Math.min(key.length, wanted.length) && key[prefix] === wanted[prefix]) { prefix++; }
      var score = 1 - editDistance(wanted, key) / Math.max(wanted.length, key.length) + 0.3 * prefix / wanted.length;
      if (key.indexOf(wanted) >= 0 || wanted.indexOf(key) >= 0) { score += 0.5; }
      return { name: name, score: score, index: index };
    }).filter(function (c) { return c.score >= 0.5; }).sort(function (x, y) {
      return y.score - x.score || x.index - y.index;
    }).slice(0, limit || 3).map(function (c) { return c.name; });
  }
  function engineNames() { return Array.from(new Set(DATA.frameworks.map(function (p) { return p.engine; }))).sort(); }
  function unquote(text) { return String(text).replace(/^(['"])([\s\S]*)\1$/, "$2"); }

  // The estimator's messages are the CLI's (English, the same words as `python -m generator estimate`); the page
  // says them in its own language, naming the value and at most a few suggestions.
  function localized(error) {
    if (error.localized) { return { text: error.message, suggestions: error.suggestions || [] }; }
    var m = error.message, match, field = error.field;
    function say(key, values, suggestions) { return { text: msg(key, values), suggestions: suggestions || [] }; }
    if (/^unknown quantization /.test(m)) {
      var typed = $("quantization") ? $("quantization").value : unquote(m.slice("unknown quantization ".length));
      return say("err.unknown-quantization", { value: pyStrip(typed) }, nearest(typed, Q.valid_names));
    }
    if ((match = /^bad framework ([\s\S]*)$/.exec(m))) {
      return say("err.bad-framework", { value: unquote(match[1]), list: engineNames().join(msg("suggest.or")) });
    }
    if ((match = /^unknown framework ([\s\S]*)$/.exec(m))) {
      return say("err.unknown-framework", { value: unquote(match[1]), list: engineNames().join(msg("suggest.or")) });
    }
    if (/^transformers needs a version/.test(m)) { return say("err.needs-version"); }
    if ((match = /^no (\S+) profile covers version ([\s\S]+)$/.exec(m))) {
      return say("err.no-profile", { engine: match[1], version: match[2] });
    }
    if ((match = /^(\S+) is a GGUF file type/.exec(m))) {
      return say("err.gguf-engine", { quant: match[1], engine: $("framework") ? $("framework").value : "" });
    }
    if ((match = /^llama\.cpp does not load (\S+) checkpoints/.exec(m))) {
      return say("err.llamacpp-format", { quant: match[1] });
    }
    if ((match = /^(\S+) has no (\S+) KV cache$/.exec(m))) {
      return say("err.engine-kv", { engine: match[1], kv: match[2],
        list: error.fix.replace(/^use one of: /, "").split(", ").join(msg("suggest.or")) });
    }
    if ((match = /^unknown KV cache type ([\s\S]*)$/.exec(m))) {
      return say("err.unknown-kv", { value: unquote(match[1]) },
        nearest(unquote(match[1]), Object.keys(DATA.kv_dtypes.bytes_per_value)));
    }
    if ((match = /^unknown GPU ([\s\S]*)$/.exec(m))) {
      return say("err.unknown-gpu", { value: unquote(match[1]) },
        nearest(unquote(match[1]), DATA.gpus.map(function (g) { return g.name; })));
    }
    if (/^vLLM's KV cache fills the card/.test(m)) { return say("err.vllm-needs-gpu"); }
    if (/^numbers too large/.test(m)) { return say("err.too-large"); }
    if (field === "config") { return say("err.config", { detail: String(error) }); }
    return say("err.engine", { detail: String(error) });
  }

  var FIELD_ERRORS = {
    model: "err-model", config: "err-config", quantization: "err-quantization", context: "err-context",
    generate: "err-generate", batch: "err-batch", framework: "err-framework", "framework-version": "err-framework",
    gpus: "err-gpus", "kv-dtype": "err-kv-dtype", gpu: "err-gpu", vram: "err-gpu",
    attn: "err-engine", "flash-attn": "err-engine", ubatch: "err-engine", "n-gpu-layers": "err-engine",
    "vllm-utilization": "err-vllm", "vllm-max-model-len": "err-vllm", "vllm-max-num-seqs": "err-vllm",
    "vllm-max-num-batched-tokens": "err-vllm",
  };
  // vLLM's own flags (api.py _vllm_settings): empty means the version's default.
  var VLLM_INTEGER_FLAGS = [["vllm-max-model-len", "max_model_len", "--max-model-len"],
    ["vllm-max-num-seqs", "max_num_seqs", "--max-num-seqs"],
    ["vllm-max-num-batched-tokens", "max_num_batched_tokens", "--max-num-batched-tokens"]];

  function readVllmFlags(attempt) {
    var flags = {gpu_memory_utilization: null, max_model_len: null, max_num_seqs: null, max_num_batched_tokens: null,
      engine: $("vllm-engine").value || null, enforce_eager: $("vllm-enforce-eager").value === "1",
      flashinfer_sampler: $("vllm-flashinfer-sampler").value === "1"};
    var text = pyStrip($("vllm-utilization").value);
    if (text !== "") {
      flags.gpu_memory_utilization = attempt(function () {
        var value = Number(text);
        if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) || !(value > 0 && value <= 1)) {
          throw inputError(msg("input.utilization"), "vllm-utilization");
        }
        return value;
      });
    }
    VLLM_INTEGER_FLAGS.forEach(function (flag) {
      if (pyStrip($(flag[0]).value) !== "") {
        flags[flag[1]] = attempt(function () { return readInteger(flag[0], flag[2], 1, PAGE.max_tokens); });
      }
    });
    return flags;
  }
  // "My VRAM": a card given by its size in GB (as sold: a 12 GB card has 12 GiB, see content/gpus.yaml).
  var MY_VRAM = "__my_vram__";
  var MAX_VRAM_GB = C.max_card_gb;

  // A whole number within [low, high]; the message says what is wrong, in the page's language.
  function readInteger(id, label, low, high) {
    var text = pyStrip($(id).value);
    if (text === "") { throw inputError(msg("input.empty", { label: label }), id); }
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      throw inputError(msg("input.not-number", { label: label, value: text }), id);
    }
    var value = Number(text);
    if (!Number.isInteger(value) || !/^[+-]?\d+$/.test(text)) {
      throw inputError(msg("input.not-whole", { label: label }), id);
    }
    if (value < low) {
      throw inputError(low === 0 ? msg("input.negative", { label: label }) : msg("input.at-least", { label: label, low: low }), id);
    }
    if (value > high) { throw inputError(msg("input.at-most", { label: label, high: thousands(high) }), id); }
    return value;
  }

  // VRAM in GB as sold (a 12 GB card has 12 GiB, content/gpus.yaml), decimals allowed: {text as typed, value}.
  function readGigabytes(id, label, high) {
    var text = pyStrip($(id).value);
    if (text === "") { throw inputError(msg("input.empty", { label: label }), id); }
    if (!/^\+?(\d+(\.\d*)?|\.\d+)$/.test(text)) {
      throw inputError(msg("input.not-number", { label: label, value: text }), id);
    }
    var value = Number(text);
    if (!(value > 0)) { throw inputError(msg("input.above-zero", { label: label }), id); }
    if (value > high) { throw inputError(msg("input.at-most", { label: label, high: thousands(high) }), id); }
    return { text: text.replace(/^\+/, ""), value: value };
  }

  // A message under its field; each suggestion a button that puts it in the field.
  function showError(field, message, suggestions) {
    var element = $(FIELD_ERRORS[field] || "err-status");
    if (element.childNodes.length) { element.appendChild(document.createTextNode(" ")); }
    element.appendChild(document.createTextNode(message));
    var target = $(field);
    if (suggestions && suggestions.length && target) {
      element.appendChild(document.createTextNode(msg("suggest.did-you-mean")));
      suggestions.forEach(function (value, index) {
        if (index) { element.appendChild(document.createTextNode(msg("suggest.or"))); }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "suggestion";
        button.textContent = value;
        button.addEventListener("click", function () {
          delete fromUrl[field];
          target.value = value;
          if (field === "framework") { $("framework-version").value = ""; }
          update();
          target.focus();
        });
        element.appendChild(button);
      });
      element.appendChild(document.createTextNode(msg("suggest.end")));
    } else if (hasOwn(fromUrl, field)) {
      element.appendChild(document.createTextNode(msg("suggest.pick")));
    }
    element.hidden = false;
    if (target) { target.setAttribute("aria-invalid", "true"); }
  }

  function clearErrors() {
    Object.keys(FIELD_ERRORS).forEach(function (field) {
      var element = $(FIELD_ERRORS[field]);
      element.textContent = "";
      element.hidden = true;
      var input = $(field);
      if (input) { input.removeAttribute("aria-invalid"); }
    });
  }

  var OUTPUTS = ["out-model", "out-params", "out-quantization", "out-framework", "out-weights", "out-kv-cache",
    "out-state", "out-activations", "out-overhead", "out-peak", "out-steady", "out-per-gpu", "out-gpu",
    "out-gpu-memory", "out-fits", "out-busiest", "out-capacity", "out-concurrency", "out-gpu-usable"];

  function setOutput(id, text) { $(id).textContent = text; }

  function clearOutputs() {
    OUTPUTS.forEach(function (id) { setOutput(id, "—"); });
    $("out-bar").innerHTML = "";
    $("out-bar").setAttribute("aria-label", "");
    $("out-legend").innerHTML = "";
    $("result").classList.add("stale");
  }

  function readRequest() {
    var errors = [];
    function attempt(fn) {
      try { return fn(); } catch (error) {
        if (error instanceof EstimateError) { errors.push(error); return undefined; }
        throw error;
      }
    }
    // A shared link that names a model, card, framework or cache type the page does not have: said, never
    // replaced by the default without a word.
    Object.keys(fromUrl).forEach(function (id) {
      errors.push(inputError(msg("url.unknown-" + id, { value: fromUrl[id] }), id, nearest(fromUrl[id], urlChoices(id))));
    });
    var modelValue = $("model").value;
    var name, arch;
    if (modelValue === CUSTOM) {
      name = "config.json";
      arch = attempt(function () {
        if (!pyStrip($("config").value)) {
          throw inputError(msg("input.paste-config"), "config");
        }
        return parseConfigJson($("config").value);
      });
    } else {
      var model = findModel(modelValue);
      name = modelValue;
      arch = attempt(function () {
        if (!model) { throw inputError(msg("input.pick-model"), "model"); }
        if (!model.architecture) { throw inputError(msg("input.no-config", { model: model.id }), "model"); }
        return model.architecture;
      });
    }
    var request = {
      name: name, arch: arch,
      quantization: $("quantization").value,
      context: attempt(function () { return readInteger("context", msg("label.context"), 1, LIMITS.context); }),
      generate: attempt(function () { return readInteger("generate", msg("label.generate"), 0, LIMITS.generate); }),
      batch: attempt(function () { return readInteger("batch", msg("label.batch"), 1, LIMITS.batch); }),
      gpus: attempt(function () { return readInteger("gpus", msg("label.gpus"), 1, LIMITS.gpus); }),
      kvDtype: $("kv-dtype").value || null,
      gpu: $("gpu").value || null,
    };
    if (request.gpu === MY_VRAM) {
      var gb = attempt(function () { return readGigabytes("vram", msg("label.vram"), MAX_VRAM_GB); });
      request.gpu = null;
      request.myVram = gb === undefined ? undefined : { name: msg("option.my-card", { gb: gb.text }), typed: gb.text,
        memory_bytes: Math.round(gb.value * GIB) };
    }
    // llama.cpp has one profile for every version: the version field is off and not part of the spec.
    var engine = $("framework").value;
    var version = $("framework-version").disabled ? "" : pyStrip($("framework-version").value);
    request.framework = version ? engine + "==" + version : engine;
    // The engine's own settings (as --attn, --flash-attn, --ubatch, --n-gpu-layers); a blank field is the default.
    if (engine === "transformers") { request.attn = $("attn").value || null; }
    if (engine === "llama.cpp") {
      request.flashAttn = $("flash-attn").value || null;
      request.ubatch = pyStrip($("ubatch").value) ? attempt(function () {
        return readInteger("ubatch", msg("label.ubatch"), 1, PAGE.setting_max); }) : null;
      request.nGpuLayers = pyStrip($("n-gpu-layers").value) ? attempt(function () {
        return readInteger("n-gpu-layers", msg("label.n-gpu-layers"), 0, PAGE.setting_max); }) : null;
    }
    if (engine === "vllm") { request.vllm = readVllmFlags(attempt); }
    attempt(function () { return parseQuantization(request.quantization); });
    attempt(function () { return parseFramework(request.framework); });
    return { request: request, errors: errors };
  }

  // A card the reader typed in is looked up like one of the catalogue's, for this one report.
  function reportOnCard(request) {
    if (!request.myVram) { return report(request); }
    var catalogue = DATA.gpus;
    DATA.gpus = catalogue.concat([request.myVram]);
    try {
      return report(Object.assign({}, request, { gpu: request.myVram.name }));
    } finally {
      DATA.gpus = catalogue;
    }
  }

  // vLLM: the smallest card it starts on with this request (fits, as gpu_fit.py decides), found by bisection in
  // MiB; memory needed grows with the card only through the pre-allocation, which fits() accounts for. Its Python
  // twin: gpu_fit.py vllm_minimum_card (smallest_card), compared in tests/test_calculator_twins.py.
  function vllmMinimumCard(request) {
    var arch = request.arch, quant = parseQuantization(request.quantization);
    var framework = parseFramework(request.framework);
    var kv = request.kvDtype ? parseKvDtype(request.kvDtype) : null;
    var step = C.card_step_bytes;
    function startsOn(units) {
      var bytes = units * step;
      var flags = request.vllm ? Object.assign({}, request.vllm, {gpu_memory_bytes: bytes, gpu_name: ""}) : undefined;
      return fits(estimate(arch, quant, request.context, framework, request.generate, request.batch, request.gpus,
        kv, bytes, undefined, flags), bytes);
    }
    var low = 1, high = Math.floor(MAX_VRAM_GB * GIB / step);
    if (!startsOn(high)) { return null; }
    while (low < high) {
      var middle = Math.floor((low + high) / 2);
      if (startsOn(middle)) { high = middle; } else { low = middle + 1; }
    }
    return low * step;
  }

  // Warnings the numbers alone do not say, in the page's language.
  function warnings(request, r) {
    var list = [];
    var limit = request.arch && request.arch.max_position_embeddings;
    if (limit && request.context + request.generate > limit) {
      list.push(msg("warn.context", { tokens: thousands(request.context + request.generate), limit: thousands(limit) }));
    }
    var quant = parseQuantization(request.quantization);
    var engine = parseFramework(request.framework).engine;
    if (quant.format === "gguf" && engine !== "llama.cpp") {
      list.push(msg("warn.gguf", { quant: quant.name, engine: engine }));
    }
    if (quant.format !== "gguf" && engine === "llama.cpp") {
      list.push(msg("warn.llamacpp", { quant: quant.name }));
    }
    if (r.steady_gib > r.peak_gib) {
      list.push(msg("warn.steady"));
    }
    return list;
  }

  function renderWarnings(list) {
    var box = $("warnings");
    box.innerHTML = "";
    list.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      box.appendChild(item);
    });
    box.hidden = !list.length;
  }

  function renderVllm(request, r) {
    var isVllm = r.kv_cache_capacity_tokens !== undefined;
    $("vllm-summary").hidden = !isVllm;
    $("peak-label").textContent = isVllm ? msg("result.vllm-peak") : msg("result.peak");
    if (!isVllm) { return; }
    var minimum = vllmMinimumCard(request);
    $("out-vllm-minimum").textContent = minimum === null ? "—" : formatFixed(minimum / GIB, 2);
    $("out-vllm-preallocated").textContent = formatFixed(r.peak_gib, 2);
    $("out-vllm-tokens").textContent = thousands(r.kv_cache_capacity_tokens);
  }

  function renderCompact(r) {
    $("bar-peak").textContent = r ? formatFixed(r.peak_gib, 2) : "—";
    $("bar-label").textContent = r && r.kv_cache_capacity_tokens !== undefined ? msg("result.bar-reserve") : msg("result.bar-peak");
    $("bar-fits").textContent = !r || r.gpu === undefined ? "" : " · " + (r.fits ? msg("result.fits") : msg("result.no-fit"));
  }

  // --- The setup in the URL (#model=...&quantization=...): shareable, restored on load ---------------------------
  var URL_FIELDS = ["model", "quantization", "kv-dtype", "context", "generate", "batch", "gpus", "framework",
    "framework-version", "gpu", "vram", "attn", "flash-attn", "ubatch", "n-gpu-layers", "vllm-utilization",
    "vllm-max-model-len", "vllm-max-num-seqs", "vllm-max-num-batched-tokens", "vllm-engine", "vllm-enforce-eager",
    "vllm-flashinfer-sampler"];
  // Settings that belong to one engine: shown (and put in the URL) only for it.
  var ENGINE_FIELDS = { attn: "transformers", "flash-attn": "llama.cpp", ubatch: "llama.cpp",
    "n-gpu-layers": "llama.cpp" };
  function showEngineFields() {
    Object.keys(ENGINE_FIELDS).forEach(function (id) {
      $(id + "-field").hidden = $("framework").value !== ENGINE_FIELDS[id];
    });
  }

  // Values a shared link named that the page has no choice for ({field: value}): shown as an error and kept in
  // the URL until the reader picks another.
  var fromUrl = {};
  function urlChoices(id) {
    if (id === "model") { return DATA.models.filter(function (m) { return m.architecture; }).map(function (m) { return m.id; }); }
    if (id === "gpu") { return DATA.gpus.map(function (g) { return g.name; }); }
    if (id === "framework") { return engineNames(); }
    if (id === "kv-dtype") { return Object.keys(DATA.kv_dtypes.bytes_per_value); }
    return [];
  }

  function writeUrl() {
    var params = new URLSearchParams();
    URL_FIELDS.forEach(function (id) {
      if (hasOwn(fromUrl, id)) { params.set(id, fromUrl[id]); return; }
      if (id === "vram" && $("gpu").value !== MY_VRAM) { return; }
      if (id.indexOf("vllm-") === 0 && ($("framework").value !== "vllm" || !$(id).value)) { return; }
      if (id === "model" && $("model").value === CUSTOM) { return; }  // a pasted config stays on this machine
      if (hasOwn(ENGINE_FIELDS, id) && (ENGINE_FIELDS[id] !== $("framework").value || !$(id).value)) { return; }
      params.set(id, $(id).value);
    });
    var hash = "#" + params.toString();
    if (window.location.hash !== hash && window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", hash); } catch (error) { /* file:// in some browsers */ }
    }
  }

  function readUrl() {
    fromUrl = {};
    var text = window.location.hash.replace(/^#/, "") || window.location.search.replace(/^\?/, "");
    if (!text || text.indexOf("=") < 0) { return; }
    var params = new URLSearchParams(text);
    // Short names the picker writes: q (quantization), engine (framework==version).
    if (params.has("q") && !params.has("quantization")) { params.set("quantization", params.get("q")); }
    if (params.has("engine") && !params.has("framework")) {
      var parts = params.get("engine").split("==");
      params.set("framework", parts[0]);
      params.set("framework-version", parts[1] || "");
    }
    if (params.has("vram") && !params.has("gpu")) { params.set("gpu", MY_VRAM); }
    URL_FIELDS.forEach(function (id) {
      if (!params.has(id)) { return; }
      var element = $(id), value = params.get(id);
      if (element.tagName === "SELECT" && !Array.prototype.some.call(element.options, function (o) {
        return o.value === value;
      })) {
        // An unknown model or card (a typo, an id renamed since): named on the page and kept in the URL.
        var found = id === "gpu" ? DATA.gpus.filter(function (g) { return g.name.toLowerCase() === value.toLowerCase(); })[0] : null;
        if (found) { element.value = found.name; } else if (value !== "") { fromUrl[id] = value; }
        return;
      }
      element.value = value;
    });
    showEngineFields();
  }

  var SEGMENTS = [["weights", msg("result.weights")], ["kv_cache", "KV cache"], ["state", msg("result.state")],
    ["activations", msg("result.activations")], ["overhead", msg("result.overhead")]];
  var NOT_AT_ONCE = msg("result.not-at-once");

  // The headline's parts: transformers and llama.cpp draw the peak as weights, KV cache, state (hybrid-state
  // models: the conv + recurrent state of their Mamba / linear-attention layers), activations and overhead (a "not
  // at once" part when those are not all allocated at the same moment); vLLM draws its startup reserve as what it
  // holds: weights, the activation peak, non-torch memory, CUDA graphs and the KV cache it pre-allocates, of which
  // this batch's state slots are pages (vllm.py _state_layout). api.py _readable draws the same parts.
  function headlineParts(r) {
    if (r.vllm && r.kv_cache_capacity_tokens !== undefined) {
      var v = r.vllm, g = r.gpus;
      var others = [["weights", msg("result.weights"), v.weights_per_gpu_gib * g],
        ["activations", msg("result.activation-peak"), v.activation_peak_gib * g],
        ["overhead", msg("result.non-torch"), v.non_torch_gib * g], ["overhead", "CUDA graph", (v.cuda_graph_gib || 0) * g]];
      var pool = r.peak_gib - others.reduce(function (a, p) { return a + p[2]; }, 0);
      var state = pyMin(r.state_gib, pyMax(pool, 0));
      return drawnParts(r.peak_gib, others.concat([["state", msg("result.state-pool"), state],
        ["kv_cache", msg("result.kv-pool"), pool - state]]).map(function (p) {
        return [p[1], p[2], p[0]];
      }), NOT_AT_ONCE);
    }
    return drawnParts(r.peak_gib, SEGMENTS.map(function (s) { return [s[1], r[s[0] + "_gib"], s[0]]; }), NOT_AT_ONCE);
  }

  function renderBar(r) {
    var bar = $("out-bar"), legend = $("out-legend");
    bar.innerHTML = "";
    legend.innerHTML = "";
    var parts = headlineParts(r);
    var total = parts.reduce(function (a, p) { return a + (p[1] > 0 ? p[1] : 0); }, 0);
    var labels = [];
    parts.forEach(function (p) {
      var text = p[0] + " " + formatFixed(p[1], 2) + " GiB";
      labels.push(text);
      var key = "seg-" + String(p[2]).replace("_", "-");
      var item = document.createElement("li");
      var swatch = document.createElement("i");
      swatch.className = key.replace("seg-", "key-");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(text));
      legend.appendChild(item);
      if (!(total > 0) || !(p[1] > 0)) { return; }
      var part = document.createElement("span");
      part.className = "seg " + key;
      part.style.width = (100 * p[1] / total) + "%";
      part.title = text;
      bar.appendChild(part);
    });
    bar.setAttribute("aria-label", labels.join(msg("result.separator")));
  }

  function renderReport(r) {
    setOutput("out-model", r.model);
    setOutput("out-params", thousands(r.params_total));
    setOutput("out-quantization", r.quantization);
    setOutput("out-framework", r.framework);
    setOutput("out-weights", formatFixed(r.weights_gib, 2));
    setOutput("out-kv-cache", formatFixed(r.kv_cache_gib, 2));
    setOutput("out-state", formatFixed(r.state_gib, 2));
    setOutput("out-activations", formatFixed(r.activations_gib, 2));
    setOutput("out-overhead", formatFixed(r.overhead_gib, 2));
    $("overhead-row").hidden = !r.overhead_gib;
    setOutput("out-peak", formatFixed(r.peak_gib, 2));
    setOutput("out-steady", formatFixed(r.steady_gib, 2));
    setOutput("out-per-gpu", r.per_gpu_peak_gib.map(function (p) { return formatFixed(p, 2); }).join(", "));
    if (r.gpu !== undefined) {
      setOutput("out-gpu", r.gpu);
      setOutput("out-gpu-memory", formatFixed(r.gpu_memory_gib, 2));
      setOutput("out-gpu-usable", formatFixed(r.usable_gib, 2));
      setOutput("out-fits", r.fits ? msg("result.fits") : msg("result.no-fit"));
      setOutput("out-busiest", formatFixed(r.busiest_gpu_needs_gib, 2));
    } else {
      ["out-gpu", "out-gpu-memory", "out-gpu-usable", "out-fits", "out-busiest"].forEach(function (id) { setOutput(id, "—"); });
    }
    $("out-fits").className = r.gpu === undefined ? "value" : (r.fits ? "value yes" : "value no");
    if (r.kv_cache_capacity_tokens !== undefined) {
      setOutput("out-capacity", thousands(r.kv_cache_capacity_tokens));
      setOutput("out-concurrency", thousands(r.concurrent_requests) + msg("result.requests-unit"));
    } else {
      setOutput("out-capacity", "—");
      setOutput("out-concurrency", "—");
    }
    $("vllm-rows").hidden = r.kv_cache_capacity_tokens === undefined;
    $("gpu-rows").hidden = r.gpu === undefined;
    $("per-gpu-row").hidden = r.gpus < 2;
    renderBar(r);
    $("result").classList.remove("stale");
  }

  function update() {
    $("config-field").hidden = $("model").value !== CUSTOM;
    $("vram-field").hidden = $("gpu").value !== MY_VRAM;
    $("vllm-field").hidden = $("framework").value !== "vllm";
    $("vllm-summary").hidden = true;
    renderWarnings([]);
    renderCompact(null);
    var engine = $("framework").value;
    // An engine whose profiles have no version bounds (llama.cpp) does not need a version.
    $("framework-version").disabled = DATA.frameworks.every(function (p) {
      return p.engine !== engine || (p.min_version === null && p.max_version === null);
    });
    clearErrors();
    var read;
    try {
      read = readRequest();
    } catch (error) {
      clearOutputs();
      window.vramCalculator.last = null;
      showError("status", msg("input.internal", { detail: String(error) }));
      return;
    }
    var errors = read.errors;
    if (!errors.length) {
      try {
        var r = reportOnCard(read.request);
        renderReport(r);
        if (read.request.myVram) { setOutput("out-gpu-memory", read.request.myVram.typed); }
        renderVllm(read.request, r);
        renderWarnings(warnings(read.request, r));
        renderCompact(r);
        writeUrl();
        var shown = Object.assign({}, r);
        delete shown.estimate;
        window.vramCalculator.last = shown;
        $("err-status").hidden = true;
        $("err-status").textContent = "";
        barError(null);
        return;
      } catch (error) {
        if (!(error instanceof EstimateError)) {
          clearOutputs();
          window.vramCalculator.last = null;
          showError("status", msg("input.internal", { detail: String(error) }));
          return;
        }
        errors = [error];
      }
    }
    clearOutputs();
    window.vramCalculator.last = null;
    var general = [], first = null;
    errors.forEach(function (error) {
      var said = localized(error);
      if (error.field && FIELD_ERRORS[error.field]) {
        showError(error.field, said.text, said.suggestions);
        first = first || { field: error.field, text: said.text };
      }
      else { general.push(said.text); }
    });
    var status = $("err-status");
    status.textContent = [msg("input.fix-marked")].concat(general).join(" ");
    status.hidden = false;
    barError(first || { field: null, text: general[0] || msg("input.fix-marked") });
    writeUrl();
  }

  // On a phone the pinned result bar says what is wrong, and takes the reader to the field.
  function barError(error) {
    var bar = $("result-bar");
    if (!bar) { return; }
    var note = bar.querySelector(".bar-error");
    if (!note) {
      note = document.createElement("button");
      note.type = "button";
      note.className = "bar-error";
      note.tabIndex = -1;
      note.addEventListener("click", function () {
        var target = note.getAttribute("data-field") && $(note.getAttribute("data-field"));
        (target || $("err-status")).scrollIntoView({ block: "center" });
        if (target) { target.focus({ preventScroll: true }); }
      });
      bar.insertBefore(note, bar.firstChild);
    }
    note.hidden = !error;
    bar.classList.toggle("has-error", !!error);
    note.textContent = error ? error.text : "";
    if (error && error.field) { note.setAttribute("data-field", error.field); } else { note.removeAttribute("data-field"); }
  }

  // "Copy link" (the URL holds the whole setup) and "Reset" (the page's defaults, the URL cleared).
  function copyLink(status) {
    var url = window.location.href;
    function said(ok) {
      status.textContent = msg(ok ? "link.copied" : "link.copy-failed");
      window.setTimeout(function () { status.textContent = ""; }, 4000);
    }
    function fallback() {
      var area = document.createElement("textarea");
      area.value = url;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
      document.body.removeChild(area);
      said(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { said(true); }, fallback);
    } else {
      fallback();
    }
  }

  function shareButtons(container, onReset) {
    var row = document.createElement("div");
    row.className = "share";
    var copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy-link";
    copy.textContent = msg("link.copy");
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "reset";
    reset.textContent = msg("link.reset");
    var status = document.createElement("span");
    status.className = "share-status";
    status.setAttribute("role", "status");
    copy.addEventListener("click", function () { copyLink(status); });
    reset.addEventListener("click", onReset);
    row.appendChild(copy);
    row.appendChild(reset);
    row.appendChild(status);
    container.appendChild(row);
    return row;
  }

  function setUp() {
    var select = $("model");
    DATA.models.forEach(function (model) {
      if (!model.architecture) { return; }
      var option = document.createElement("option");
      option.value = model.id;
      option.textContent = model.id;
      select.appendChild(option);
    });
    var custom = document.createElement("option");
    custom.value = CUSTOM;
    custom.textContent = msg("option.paste-config");
    select.appendChild(custom);
    if (DATA.default_model) { select.value = DATA.default_model; }

    var list = $("quantization-names");
    Q.valid_names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });

    var engines = $("framework");
    Array.from(new Set(DATA.frameworks.map(function (p) { return p.engine; }))).forEach(function (engine) {
      var option = document.createElement("option");
      option.value = engine;
      option.textContent = engine;
      engines.appendChild(option);
    });
    var parts = DATA.default_framework.split("==");
    engines.value = parts[0];
    $("framework-version").value = parts[1] || "";

    var attnSelect = $("attn");
    DATA.transformers.attn_implementations.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name === DATA.transformers.default_attn ? msg("option.default", { name: name }) : name;
      attnSelect.appendChild(option);
    });
    attnSelect.value = DATA.transformers.default_attn;

    var kv = $("kv-dtype");
    Object.keys(DATA.kv_dtypes.bytes_per_value).forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      kv.appendChild(option);
    });

    var gpu = $("gpu");
    DATA.gpus.forEach(function (card) {
      var option = document.createElement("option");
      option.value = card.name;
      option.textContent = msg("option.card", { name: card.name, gib: formatFixed(gib(card.memory_bytes), 0) });
      gpu.appendChild(option);
    });
    var mine = document.createElement("option");
    mine.value = MY_VRAM;
    mine.textContent = msg("option.my-vram");
    gpu.appendChild(mine);
    if (gpu.querySelector('option[value="RTX 4090"]')) { gpu.value = "RTX 4090"; }

    // A new engine starts from its own version: the default's for transformers, none (the newest profile) else.
    engines.addEventListener("change", function () {
      $("framework-version").value = engines.value === parts[0] ? (parts[1] || "") : "";
      showEngineFields();
    });
    showEngineFields();

    var form = $("calculator");
    // The defaults, for "Reset".
    var defaults = {};
    Array.prototype.forEach.call(form.elements, function (element) { if (element.id) { defaults[element.id] = element.value; } });
    shareButtons(form, function () {
      Object.keys(defaults).forEach(function (id) { $(id).value = defaults[id]; });
      fromUrl = {};
      if (window.history && window.history.replaceState) {
        try { window.history.replaceState(null, "", window.location.pathname + window.location.search); } catch (error) { /* file:// */ }
      }
      update();
    }).classList.add("field-wide");

    readUrl();
    window.addEventListener("hashchange", function () { readUrl(); update(); });
    // The reader choosing a value replaces the one a link named.
    function chosen(event) {
      if (event.target && event.target.id) { delete fromUrl[event.target.id]; }
      update();
    }
    form.addEventListener("input", chosen);
    form.addEventListener("change", chosen);
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    update();
  }

  // For the console and the tests: the same functions the page uses.
  window.vramCalculator = {
    data: DATA, report: report, estimate: estimate, parseQuantization: parseQuantization,
    parseFramework: parseFramework, parseKvDtype: parseKvDtype, parseConfigJson: parseConfigJson,
    architectureFromConfig: architectureFromConfig, paramBreakdown: paramBreakdown, paramsTotal: paramsTotal,
    weightBytes: weightBytes, kvCacheBytesPerToken: kvCacheBytesPerToken, busiestGpuBytes: busiestGpuBytes,
    fits: fits, pyRound: pyRound, formatFixed: formatFixed, floorDiv: floorDiv, update: update, limits: LIMITS,
    msg: msg, nearest: nearest, copyLink: copyLink, shareButtons: shareButtons,
    usableBytes: usableBytes, drawnParts: drawnParts, vllmMinimumCard: vllmMinimumCard,
  };

  // Pages other than the calculator (the picker on the index and the guide) use the estimator without the form.
  if (!document.getElementById("calculator")) { return; }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
