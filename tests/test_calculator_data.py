"""The calculator page reads its data from the build's JSON, not from JavaScript literals (issue 19, item 4).

templates/calculator/calculator.js is a port of the estimator. Everything in it that is data (the family table,
quantization formats, GGUF block sizes and the named type lists of llama.cpp's quantize rules, framework profiles,
the GPU catalogue, the estimator's constants: CUDA context, allocator slack, vLLM's rules and defaults, llama.cpp's
buffer constants, the configuration classes' defaults) comes from generator/site/calculator.py ``calculator_data``,
which takes it from the Python modules the estimator itself uses: one source.

Two guards keep it so, reading the script with a small tokenizer (comments, strings and regular expressions
skipped):

* Every numeric literal other than 0, 1 and 2 is listed below, under the function it sits in, with why it is code and
  not data (a formula's own coefficient, IEEE-754's layout, a message). A number that creeps back as data (a new
  constant typed into the script) fails the test, which names the line and says where the number belongs; a listed
  literal that is gone fails too, so the list stays the script's true inventory.
* Every array literal of three or more strings and every object literal of three or more string values (a table) is
  listed by where it is, with why it belongs to the page (its element ids, the URL's fields); a data table that
  creeps back fails.

And every constant calculator_data exports for the estimator is read by the script (or by picker.js): no export is
dead, so no JavaScript copy can stand in for it unnoticed.

* A ggml type or GGUF mix name written as a string appears only inside the port of llama.cpp's per-tensor rules.

Not covered (said here, not hidden): those per-tensor rules (gguf_mix.py ``_attn_v_type``, ``_ffn_down_type``,
``_low_iq_type`` ...) are an if-chain over mixes and conditions (n_gqa >= 4, eight experts, the first n/8 layers),
ported line by line: code with its type names and thresholds written in it, in both languages. Their parity is the
browser test's (tests/test_calculator.py: every GGUF mix against the Python); making them one table both languages
interpret is left for later.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from generator.site import calculator
from generator.calc import estimator as est
from generator.calc import gguf_mix, gpu_fit, llamacpp, transformers_engine, vllm
from generator.families import reader
from generator.catalogue.loading import load_catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "templates", "calculator", "calculator.js")
PICKER = os.path.join(ROOT, "templates", "picker.js")

# --- A tokenizer of the script's ES5 ---------------------------------------------------------------------------------
_PUNCT = re.compile(r">>>=|===|!==|>>>|<<=|>>=|\*\*=|\*\*|==|!=|<=|>=|&&|\|\||\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|=>|"
                    r"<<|>>|[{}()\[\];,.<>+\-*/%&|^!~?:=]")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+n?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?n?")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# After these a "/" starts a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "&&", "||", "===", "!==", "==", "!=", "=>"}


def tokens(text: str) -> list:
    """(kind, value, line) of every token: kind is num, str, name, punct or regex."""
    out, i, line = [], 0, 1
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = end if end >= 0 else len(text)
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
            line += text.count("\n", i, end)
            i = end
        elif ch in "'\"":
            j = i + 1
            while text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            out.append(("str", text[i + 1:j], line))  # as written, escapes undecoded
            i = j + 1
        elif ch == "`":
            raise AssertionError(f"calculator.js:{line}: a template literal; this tokenizer reads ES5 (use strings)")
        elif ch == "/" and (not out or out[-1][1] in _REGEX_AFTER):
            j, in_class = i + 1, False
            while in_class or text[j] != "/":
                if text[j] == "\\":
                    j += 1
                elif text[j] == "[":
                    in_class = True
                elif text[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < len(text) and text[j].isalpha():
                j += 1
            out.append(("regex", text[i:j], line))
            i = j
        elif ch.isdigit() or (ch == "." and text[i + 1:i + 2].isdigit()):
            match = _NUMBER.match(text, i)
            out.append(("num", match.group(), line))
            i = match.end()
        elif _NAME.match(text, i):
            match = _NAME.match(text, i)
            out.append(("name", match.group(), line))
            i = match.end()
        else:
            match = _PUNCT.match(text, i)
            assert match, f"calculator.js:{line}: cannot read {text[i:i + 20]!r}"
            out.append(("punct", match.group(), line))
            i = match.end()
    return out


def literal_value(text: str):
    text = text.rstrip("n")
    return int(text, 16) if text.lower().startswith("0x") else float(text)


def scoped(toks: list) -> list:
    """Each token with the scope it sits in: the innermost named function ("name"), else "<module>:VAR" after a
    top-level ``var VAR``. An anonymous function takes the name it is assigned to (``x.y = function``, ``key:
    function``), else its enclosing scope's."""
    result = []
    stack = []          # (scope name, brace depth at which it opened)
    depth = 0
    pending = None      # a function's name, waiting for its body's brace
    module_var = "<module>"
    for index, (kind, value, line) in enumerate(toks):
        if kind == "name" and value == "function":
            after = toks[index + 1] if index + 1 < len(toks) else None
            if after and after[0] == "name":
                pending = after[1]
            else:
                before = toks[index - 1][1] if index else ""
                named = toks[index - 2] if index >= 2 else None
                if before in ("=", ":") and named and named[0] in ("name", "str"):
                    pending = named[1]
                else:
                    pending = stack[-1][0] if stack else module_var
        if kind == "name" and value == "var" and len(stack) <= 1 and index + 1 < len(toks):
            module_var = "<module>:" + toks[index + 1][1]
        if kind == "punct" and value == "{":
            depth += 1
            if pending is not None:
                stack.append((pending, depth))
                pending = None
        if kind == "punct" and value == "}":
            if stack and stack[-1][1] == depth:
                stack.pop()
            depth -= 1
        # The outermost function is the script's wrapper (function () { ... })(): its body is the module.
        scope = stack[-1][0] if len(stack) > 1 else module_var
        result.append((kind, value, line, scope))
    return result


def numeric_literals(path: str) -> dict:
    """{scope: {value: [lines]}} of the numeric literals other than 0, 1 and 2."""
    with open(path, encoding="utf-8") as handle:
        toks = scoped(tokens(handle.read()))
    found: dict = {}
    for kind, value, line, scope in toks:
        if kind == "num" and literal_value(value) not in (0, 1, 2):
            found.setdefault(scope, {}).setdefault(literal_value(value), []).append(line)
    return found


def string_tables(path: str) -> dict:
    """{scope: [first line]} of array literals of 3+ strings and object literals of 3+ string values."""
    with open(path, encoding="utf-8") as handle:
        toks = scoped(tokens(handle.read()))
    found: dict = {}
    open_brackets = []  # [opening token, strings inside directly, line, scope]
    for index, (kind, value, line, scope) in enumerate(toks):
        if kind == "punct" and value in "[{(":
            open_brackets.append([value, 0, line, scope])
        elif kind == "punct" and value in "]})":
            opened, count, first, where = open_brackets.pop()
            if opened in "[{" and count >= 3:
                found.setdefault(where, []).append(first)
        elif kind == "str" and open_brackets:
            top = open_brackets[-1]
            previous = toks[index - 1][1]
            following = toks[index + 1][1] if index + 1 < len(toks) else ""
            # An element of an array ([..., "x", ...]) or a value of an object ({k: "x", ...}).
            if (top[0] == "[" and previous in "[," and following in ",]") or \
                    (top[0] == "{" and previous == ":" and following in ",}"):
                top[1] += 1
    return found


# --- The inventory: every number in the script other than 0, 1 and 2, and why it is code ---------------------------
_IEEE = "IEEE-754 double layout (sign bit 31 of the high word, 11-bit exponent, 52-bit fraction, bias 1075 for an " \
    "integer mantissa, subnormals at -1074): Python's exact float semantics"
_QUANTIZE_RULE = "a condition of llama-quant.cpp's per-tensor if-chain (gguf_mix.py, ported line by line): " \
    "n_gqa >= 4, eight experts, the first n/8 or n/16 layers, 7n/8"
_SHAPE = "a formula's own coefficient: the matrices or activations it counts (the Python function's same expression)"
_TOWER = "a vision tower's parameter formula (generator/families/vision.py, the same expression)"
_INDEX = "an index into a tuple the function builds (the Python function returns the same tuple)"
NUMBERS = {
    # Python's number semantics, ported exactly.
    "decompose": {4: _IEEE, 8: _IEEE, 20: _IEEE, 31: _IEEE, 32: _IEEE, 52: _IEEE, 1074: _IEEE, 1075: _IEEE,
                  0x7ff: _IEEE, 0xfffff: _IEEE},
    "scaledHalfEven": {10: "round(x, n) in base 10"},
    "floatRepr": {1e16: "repr(float) writes integers below 1e16 with \".0\", larger ones in exponent form"},
    "floorDiv": {0.5: "CPython's float_floor_div: its rounding correction of the quotient"},
    "thousands": {3: "f\"{n:,}\" groups digits by three"},
    "formatG": {6: "format(x, \"g\"): six significant digits"},
    "versionTuple": {3: "estimator.py version_tuple: a version is three numbers", 10: "parseInt's radix"},
    "releaseBefore": {10: "parseInt's radix"},
    "parseFramework": {3: "the version's group in the framework spec's pattern"},
    "gib": {4: "the CLI's round(x / GIB, 4)"},
    "architectureFromConfig": {3: "reader.py's message: the parameter count to three significant digits"},
    # The estimator's formulas: coefficients of what they count, not constants one could tune.
    "prefillLayerActivations": {3: _SHAPE, 4: "fp32 router logits (estimator.py)", 8: "int64 routing indices"},
    "estimateTransformers": {4: "fp32 logits (estimator.py: batch x vocab x 4)"},
    "estimateVllm": {16: "a float checkpoint wider than 16 bits (float32) loads in 16 (estimator.py _estimate_vllm)"},
    "smallerQuantizations": {16: "a float format of 16 bits or more (estimator.py _smaller_quantizations)"},
    "packedMatrixBytes": {4: "fp32 scales and int32 g_idx per row (estimator.py packed_matrix_bytes)",
                          8: "bits per byte"},
    "weightBytes": {8: "bits per byte"},
    "vllmLayerActivationPeak": {3: _SHAPE},
    "mxfp4PaddingBytes": {3: "three expert matrices (gate, up, down)", 8: "bits per byte"},
    "vllmPlan": {3: _INDEX, 4: _INDEX},
    "vllmMaxUtilisation": {100: "the utilisation in hundredths (vllm.py max_utilisation)"},
    "vllmWhatWouldFit": {100: "the utilisation suggested in hundredths (vllm.py what_would_fit)"},
    "layerMatrices": {3: _INDEX},
    "ggufLayout": {3: _INDEX},
    "moreBits": {3: "use_more_bits: every third layer (llama-quant.cpp)", 7: _QUANTIZE_RULE, 8: _QUANTIZE_RULE},
    "attnVType": {4: _QUANTIZE_RULE, 8: _QUANTIZE_RULE},
    "ffnDownType": {8: _QUANTIZE_RULE, 16: _QUANTIZE_RULE},
    "attnOutputType": {8: _QUANTIZE_RULE},
    "lowIqType": {4: _QUANTIZE_RULE, 8: _QUANTIZE_RULE},
    "matrixType": {7: _QUANTIZE_RULE, 8: _QUANTIZE_RULE},
    "hybridFieldsOf": {3: "a Mamba2 mixer's three per-head parameters (A_log, D, dt_bias: reader.py)"},
    "gemma4FieldsOf": {3: "Gemma 4's router and expert norms (reader.py _gemma4_fields)"},
    "qwen2_vl": {3: _TOWER}, "qwen2_5_vl": {3: _TOWER}, "qwen3_5": {3: _TOWER}, "siglip": {3: _TOWER, 4: _TOWER},
    "llama4": {4: _TOWER}, "gemma4": {3: _TOWER, 4: _TOWER}, "gemma4_audio": {4: _TOWER, 9: _TOWER, 20: _TOWER},
    "pixtral": {3: _TOWER, 4: _TOWER},
    # The page itself: drawing and suggestions, no estimator number.
    "drawnParts": {0.005: "a difference that shows at two decimals", 100: "hundredths (two decimals)"},
    "nearest": {0.3: "the suggestions' ranking: a bonus for a shared beginning",
                0.5: "the suggestions' ranking: the least score, a bonus for containment", 3: "at most three"},
    "renderBar": {100: "percent widths"},
    "said": {4000: "how long \"copied\" shows, in milliseconds"},
}


def test_every_number_in_the_script_is_listed_with_its_reason():
    found = numeric_literals(SCRIPT)
    unexplained, stale = [], []
    for scope, values in sorted(found.items()):
        allowed = NUMBERS.get(scope, {})
        for value, lines in sorted(values.items()):
            if value not in allowed:
                unexplained.append(f"calculator.js:{lines[0]}: {value:g} in {scope}: if it is data, export it from "
                                   "the Python constant in generator/site/calculator.py calculator_data and read it "
                                   "from DATA; if it is code, list it in tests/test_calculator_data.py NUMBERS with "
                                   "the reason")
    for scope, values in NUMBERS.items():
        for value in values:
            if value not in found.get(scope, {}):
                stale.append(f"{scope}: {value:g} is no longer in calculator.js: drop it from NUMBERS")
    assert not unexplained, "\n".join(unexplained)
    assert not stale, "\n".join(stale)


def _unexplained_numbers(text: str) -> list:
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        found = numeric_literals(handle.name)
    finally:
        os.unlink(handle.name)
    return [(scope, value) for scope, values in found.items() for value in values
            if value not in NUMBERS.get(scope, {})]


def test_the_number_guard_catches_a_constant_typed_back_in():
    """The guard fails on the changes it exists for: vLLM's group tolerance, the CUDA context, MXFP4's bits and the
    GGUF f32 size typed back into the script as numbers."""
    with open(SCRIPT, encoding="utf-8") as handle:
        script = handle.read()
    assert _unexplained_numbers(script) == []
    for data, literal, scope in (("V.group_size_tolerance", "1.25", "vllmGroupSize"),
                                 ("V.mxfp4_bits", "4.25", "mxfp4PaddingBytes"),
                                 ("C.cuda_context_bytes", "536870912", "busiestGpuBytes"),
                                 ("G.f32_bytes", "4", "layerSmallBytes")):
        assert data in script, data
        changed = script.replace(data, literal)
        assert (scope, float(literal)) in _unexplained_numbers(changed), (data, literal)


# Tables of strings the page itself owns: its element ids and its URL's fields, none of them estimator data.
TABLES = {
    "<module>:ENGINE_FIELDS": "the engine each engine-only field belongs to (the page's element ids)",
    "<module>:FIELD_ERRORS": "the element each field's message goes to",
    "<module>:OUTPUTS": "the page's output elements",
    "<module>:URL_FIELDS": "the fields a shared link holds",
    "<module>:VLLM_INTEGER_FLAGS": "the vLLM fields' element ids, settings and CLI flags",
    "renderReport": "the GPU rows' element ids",
}


def test_every_table_of_strings_in_the_script_is_the_pages_own():
    found = string_tables(SCRIPT)
    data_tables = [f"calculator.js:{lines[0]}: a table of strings in {scope}: if it is estimator data, export it "
                   "from the Python constant in generator/site/calculator.py and read it from DATA; if it is the "
                   "page's own, list it in tests/test_calculator_data.py TABLES" for scope, lines in found.items()
                   if scope not in TABLES]
    assert not data_tables, "\n".join(data_tables)
    assert sorted(found) == sorted(TABLES), "a listed table is gone from calculator.js: drop it from TABLES"
    # And the guard sees one typed back: the Blackwell card names of vllm.py as a literal list.
    with open(SCRIPT, encoding="utf-8") as handle:
        script = handle.read()
    changed = script.replace("V.blackwell_cards", json.dumps(list(vllm.BLACKWELL_CARDS)))
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False, encoding="utf-8") as handle:
        handle.write(changed)
    try:
        assert "mxfp4PaddingBytes" in string_tables(handle.name)
    finally:
        os.unlink(handle.name)


# The sections of calculator_data that hold the estimator's constants, and the records among them whose every key is
# a constant (the others, such as llama.cpp's cache types, are maps keyed by data and read as a whole).
CONSTANT_SECTIONS = ("constants", "vllm", "llamacpp", "gguf", "transformers", "quantization", "kv_dtypes", "config",
                     "page")
RECORDS = {("vllm", "rule_defaults"), ("gguf", "rules"), ("config", "defaults"), ("page", "limits")}


@pytest.fixture(scope="module")
def data():
    return calculator.calculator_data(load_catalogue(os.path.join(ROOT, "content")))


def _read_in(key: str, scripts: str) -> bool:
    return re.search(r"\.%s\b|\[\"%s\"\]" % (re.escape(key), re.escape(key)), scripts) is not None


def test_every_exported_constant_is_read_by_the_page(data):
    with open(SCRIPT, encoding="utf-8") as one, open(PICKER, encoding="utf-8") as two:
        scripts = one.read() + two.read()
    unread = []
    for section in CONSTANT_SECTIONS:
        assert _read_in(section, scripts), section
        for key, value in data[section].items():
            if not _read_in(key, scripts):
                unread.append(f"{section}.{key}")
            if (section, key) in RECORDS:
                unread += [f"{section}.{key}.{inner}" for inner in value if not _read_in(inner, scripts)]
    assert not unread, f"exported for the page but never read by calculator.js or picker.js: {unread}"


def test_the_exports_are_the_estimators_own_constants(data):
    """One source: what the page reads is the value the Python estimator computes with (not a copy that could
    drift); each pair below is the JSON's entry and the constant the estimator's code uses."""
    pairs = [
        (data["vllm"]["group_size_tolerance"], vllm.GROUP_SIZE_TOLERANCE),
        (data["vllm"]["cuda_graph_capture_sizes"], list(vllm.CUDA_GRAPH_CAPTURE_SIZES)),
        (data["vllm"]["blackwell_cards"], list(vllm.BLACKWELL_CARDS)),
        (data["vllm"]["kv_cache_names"], list(vllm.KV_CACHE_NAMES)),
        (data["vllm"]["rule_defaults"]["max_num_seqs"], vllm.VllmRules().max_num_seqs),
        (data["vllm"]["sampler_triton_min_seqs"], vllm.SAMPLER_TRITON_MIN_SEQS),
        (data["transformers"]["packed_formats"], list(est.PACKED_FORMATS)),
        (data["transformers"]["balanced_map_headroom_layers"], est.BALANCED_MAP_HEADROOM_LAYERS),
        (data["transformers"]["fp32_bytes"], transformers_engine.FP32_BYTES),
        (data["llamacpp"]["default_ubatch"], llamacpp.DEFAULT_UBATCH),
        (data["llamacpp"]["unquantized_kv"], list(est.LLAMA_CPP_UNQUANTIZED_KV)),
        (data["llamacpp"]["kv_type_block"], {name: llamacpp.kv_block_size(name) for name in llamacpp.KV_TYPE_BYTES}),
        (data["transformers"]["exllama_temp_state_bytes"], est.EXLLAMA_TEMP_STATE_BYTES),
        (data["gguf"]["rules"]["qk_bump"], gguf_mix.RULE_TABLES["qk_bump"]),
        (data["gguf"]["layers_70b"], gguf_mix.LAYERS_70B),
        (data["config"]["defaults"], reader.CONFIG_DEFAULTS),
        (data["config"]["layer_kind"], reader.LAYER_KIND),
        (data["constants"]["card_step_bytes"], gpu_fit.CARD_STEP_BYTES),
        (data["constants"]["cuda_context_bytes"], est.CUDA_CONTEXT_BYTES),
    ]
    for exported, constant in pairs:
        assert exported == constant
    # The page's whitespace is str.isspace()'s: the 29 code points Python strips (the Unicode White_Space
    # characters plus the four ASCII separators U+001C..U+001F that str.split() also takes).
    assert len(data["page"]["py_whitespace"]) == 29
    assert data["page"]["py_whitespace"] == "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())


# Where a ggml type or GGUF mix name may be written as a string: the port of llama-quant.cpp's per-tensor if-chain
# (gguf_mix.py's functions of the same rules) and the row fallback's last resort. "mxfp4" is also a checkpoint format
# (Quantization.format, the estimator's vLLM and weight code), not a ggml type there.
GGML_NAMES_IN = {
    "outputType": "output_type", "tokenEmbdType": "token_embd_type", "attnVType": "_attn_v_type",
    "ffnDownType": "_ffn_down_type", "attnOutputType": "_attn_output_type", "lowIqType": "_low_iq_type",
    "matrixType": "_matrix_type", "fallbackType": "_fallback (F16, when even the fallback's blocks do not fit)",
    "vllmPlan": "the checkpoint format mxfp4 (vllm.py plan)", "weightBytes": "the checkpoint format mxfp4",
}


def test_ggml_type_names_are_written_only_in_the_ported_quantize_rules():
    """Outside the if-chain that is code, the page takes every ggml type and GGUF mix from the JSON (block sizes,
    mix defaults, fallbacks, the named type lists): a type name typed anywhere else fails here."""
    names = set(gguf_mix.BLOCK) | set(gguf_mix.MIX_DEFAULT)
    with open(SCRIPT, encoding="utf-8") as handle:
        toks = scoped(tokens(handle.read()))
    stray = [f"calculator.js:{line}: {value!r} in {scope}" for kind, value, line, scope in toks
             if kind == "str" and value in names and scope not in GGML_NAMES_IN]
    assert not stray, "ggml type names outside the quantize rules (read them from DATA.gguf):\n" + "\n".join(stray)
    # Each of the rule functions still exists in the Python module it ports.
    for scope, python in GGML_NAMES_IN.items():
        if python.startswith("_") or python in ("output_type", "token_embd_type"):
            assert hasattr(gguf_mix, python.split(" ")[0]), python
