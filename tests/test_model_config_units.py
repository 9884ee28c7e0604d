"""Unit tests of generator/families/model_config.py: reading a config.json (strict JSON, located errors) and a model
entry of content/models.yaml into an Architecture (issue 23, item 7: mutation testing).

Expected values come from outside the module: the published config.json quoted below (its URL given), the counts
transformers makes (tests/data/transformers_param_counts.yaml, benchmarks/transformers_param_counts.py), JSON's own
rules (RFC 8259: no NaN/Infinity, strings in double quotes with backslash escapes, lone surrogates are not
characters) and each refusal's wording as the module's docstring promises it: the file, the line, what to do.
In-process calls only (mutmut's trampoline needs this working directory); files in tmp_path.
"""

import json

import pytest

from generator.calc.architecture import params_total
from generator.core.errors import GeneratorError
from generator.core.yamlio import parse_yaml, read_yaml_file
from generator.families import model_config
from generator.families.model_config import (architecture_from_model_entry, parse_config_json, read_config_json,
                                             read_config_mapping)

COUNTS = read_yaml_file("tests/data/transformers_param_counts.yaml")["counts"]
FAMILY_CONFIGS = read_yaml_file("tests/data/family_configs.yaml")["configs"]

# https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json, as published (2-space indent, one key a line).
QWEN25_05B = """{
  "architectures": [
    "Qwen2ForCausalLM"
  ],
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151643,
  "hidden_act": "silu",
  "hidden_size": 896,
  "initializer_range": 0.02,
  "intermediate_size": 4864,
  "max_position_embeddings": 32768,
  "max_window_layers": 24,
  "model_type": "qwen2",
  "num_attention_heads": 14,
  "num_hidden_layers": 24,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 32768,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1",
  "use_cache": true,
  "use_mrope": false,
  "use_sliding_window": false,
  "vocab_size": 151936
}
"""


def _write(tmp_path, text, name="config.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _refusal(call):
    with pytest.raises(GeneratorError) as info:
        call()
    return info.value


# --- the published config.json read whole -------------------------------------------------------------------------

def test_published_config_is_read_with_every_value_and_type():
    config = parse_config_json(QWEN25_05B, "config.json")
    # Each value as the file writes it (JSON types: 1e-06 a float, 4864 an int, true a bool), key order kept.
    assert config == {
        "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
        "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
        "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24, "model_type": "qwen2",
        "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.40.1", "use_cache": True, "use_mrope": False, "use_sliding_window": False,
        "vocab_size": 151936}
    assert type(config["rms_norm_eps"]) is float and type(config["hidden_size"]) is int


def test_published_config_read_into_its_architecture(tmp_path):
    arch = read_config_json(_write(tmp_path, QWEN25_05B))
    # The config's own values; Qwen2's head_dim is hidden_size / num_attention_heads (Qwen2Config has no head_dim
    # key at transformers 4.40); transformers counts 494,032,768 parameters for this architecture (Qwen2.5-0.5B-
    # Instruct, whose config.json has the same shape keys, tests/data/transformers_param_counts.yaml).
    assert (arch.model_type, arch.hidden_size, arch.layers, arch.heads, arch.kv_heads, arch.head_dim) == \
        ("qwen2", 896, 24, 14, 2, 64)
    assert (arch.intermediate_size, arch.vocab_size, arch.tie_word_embeddings, arch.max_position_embeddings) == \
        (4864, 151936, True, 32768)
    assert params_total(arch) == COUNTS["Qwen2.5-0.5B-Instruct"] == 494032768


# Line of each key in the published file (counted in the text above: "architectures" on line 2, "vocab_size" on 27);
# a key the file lacks is located at line 1 (the file's start).
KEY_LINES = [("architectures", 2), ("attention_dropout", 5), ("hidden_size", 9), ("model_type", 14),
             ("num_hidden_layers", 16), ("vocab_size", 27), ("head_dim", 1), (None, 1)]


@pytest.mark.parametrize("key, line", KEY_LINES)
def test_line_of_each_key_of_the_published_file(tmp_path, key, line):
    config, line_of = read_config_mapping(_write(tmp_path, QWEN25_05B))
    assert config["vocab_size"] == 151936
    assert line_of(key) == line


def test_key_lines_first_appearance_of_top_level_keys():
    # A string value on the line (first closing quote ends the key), an empty key, a nested key that repeats a
    # top-level name (its first appearance wins), a line that is no key.
    text = '{\n  "model_type": "llava",\n  "": 0,\n  "text_config": {\n    "model_type": "llama"\n  },\n  "x\n}'
    assert model_config._json_key_lines(text) == {"model_type": 2, "": 3, "text_config": 4}


def test_a_vision_language_config_with_and_without_its_tower(tmp_path):
    entry = FAMILY_CONFIGS["Qwen2-VL-7B-Instruct"]  # url: huggingface.co/Qwen/Qwen2-VL-7B-Instruct config.json
    path = _write(tmp_path, json.dumps(entry["config"], indent=2))
    whole = read_config_json(path)
    text = read_config_json(path, text_only=True)
    assert params_total(whole) == COUNTS["Qwen2-VL-7B-Instruct"] == 8291375616  # transformers' count, tower included
    assert whole.vision_params > 0 and text.vision_params == 0
    assert params_total(text) == params_total(whole) - whole.vision_params


# --- refusals of a config.json: message, file, line, fix ------------------------------------------------------------

DEEP = "[" * 64  # with the object's "{": 65 levels, one more than MAX_JSON_DEPTH (64) allows
NESTED = "JSON nested more than 64 levels deep"
# (name, text, message, line, fix). Lines counted in the text; messages as the module promises them.
REFUSALS = [
    ("65 levels", '{\n\n  "a":\n' + DEEP + "]" * 64 + "}", NESTED, 4, "flatten the structure"),
    ("65 levels after a closed list", '{"a": [[], ' + "[" * 63 + "]" * 64 + "}", NESTED, 1, "flatten the structure"),
    ("after an escaped quote", '{"a": "x\\"y",\n "b": ' + DEEP + "]" * 64 + "}", NESTED, 2,
     "flatten the structure"),
    ("after an empty key", '{"": 1, "b": ' + DEEP + "]" * 64 + "}", NESTED, 1, "flatten the structure"),
    # The depth is checked before the parse: letters outside strings are no brackets, invalid JSON or not.
    ("nested past a bad letter", '{"a": X, "b": ' + DEEP + "]" * 64 + "}", NESTED, 1, "flatten the structure"),
    ("letters are no brackets", '{"a": ' + "X" * 65 + "}", "invalid JSON: Expecting value", 1,
     "fix the JSON at that line"),
    ("bad JSON", '{\n  "hidden_size": 8,\n  oops\n}', "invalid JSON: Expecting property name enclosed in double quotes",
     3, "fix the JSON at that line"),
    ("NaN", '{\n  "a": 1,\n  "rope_theta": NaN\n}', "NaN is not a number JSON allows", 3, "write a finite number"),
    ("-Infinity", '\n{"a": 1,\n "b":\n -Infinity}', "-Infinity is not a number JSON allows", 4,
     "write a finite number"),
    ("31 digits", '{\n  "vocab_size": 1234567890123456789012345678901\n}',
     "the number 12345678901234567890... has 31 digits", 2, "fix the number"),
    ("-31 digits", '{"a": 1,\n "b": -1234567890123456789012345678901}',
     "the number -1234567890123456789... has 31 digits", 2, "fix the number"),
    ("float beyond range", '{\n "a": 1,\n "rms_norm_eps": 1e400\n}', "the number 1e400 is beyond a float's range", 3,
     "fix the number"),
    ("long float beyond range", '{"a":\n 1.00000000000000000000000000000000e999}',
     "the number 1.0000000000000000000000000000 is beyond a float's range", 2, "fix the number"),
    ("duplicate key", '{"a": 1,\n "b": 2,\n "a": 3\n}', "duplicate key 'a'", 3, "remove one of the two entries"),
    ("duplicate nested key", '\n{"q": {"bits": 4,\n "bits": 8}}', "duplicate key 'bits'", 3,
     "remove one of the two entries"),
    # The line of the repeated key itself (bug fixed here: the text was searched for json.dumps(key), ASCII-escaped,
    # and for its 2nd appearance anywhere, string values and other objects included: these four were lines 1, 2, 2, 1).
    ("duplicate non-ASCII key", '{\n "\u00e9t\u00e9": 1,\n "\u00e9t\u00e9": 2}', "duplicate key '\u00e9t\u00e9'", 3,
     "remove one of the two entries"),
    ("duplicate key named by a value before", '{"x": "a",\n "a": 1,\n "a": 2}', "duplicate key 'a'", 3,
     "remove one of the two entries"),
    ("same key in two objects, then repeated", '{"a": {"bits": 4},\n "b": {"bits": 4, "l": ["bits", {}],\n\n'
     ' "bits" : 8}}', "duplicate key 'bits'", 4, "remove one of the two entries"),
    ("a key written with an escape", '{"a": 1,\n "\\u0061": 2}', "duplicate key 'a'", 2,
     "remove one of the two entries"),
    ("escaped quote in a key", '{"s\\"": [1,\n 2], "t": "\\"s\\\\",\n "s\\"": 3}', "duplicate key 's\"'", 3,
     "remove one of the two entries"),
    # The inner object closes first, so the parser names its key; an earlier repeat of another key is passed over.
    ("inner object's duplicate", '{"a": 1, "a": {"b": 1,\n "b": 2}}', "duplicate key 'b'", 2,
     "remove one of the two entries"),
    ("lone high surrogate", '\n{"a": 1,\n "b": "x\\ud800",\n "c": 2\n}', "a string with a lone UTF-16 surrogate escape",
     3, "write the character itself"),
    ("lone low surrogate", '{\n "a": ["\\uDFFF"]\n}\n', "a string with a lone UTF-16 surrogate escape", 2,
     "write the character itself"),
    ("lone surrogate in a key", '{\n\n "\\uDC00": 1}', "a string with a lone UTF-16 surrogate escape", 3,
     "write the character itself"),
    ("a list", "[1, 2]", "config.json must be a JSON object ({...}) of the model's settings", 1,
     "give the model's config.json"),
    ("a number", "\n7\n", "config.json must be a JSON object ({...}) of the model's settings", 1,
     "give the model's config.json"),
]


@pytest.mark.parametrize("name, text, message, line, fix", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusal_names_file_line_and_fix(tmp_path, name, text, message, line, fix):
    path = _write(tmp_path, text)
    error = _refusal(lambda: read_config_json(path))
    assert (error.message, error.path, error.line, error.fix) == (message, path, line, fix)
    assert str(error) == f"{path}:{line}: {message}; {fix}"


# Accepted: each parses to the value JSON gives it (no refusal).
ACCEPTED = [
    ("64 levels", '{"a": ' + "[" * 63 + "]" * 63 + "}", {"a": json.loads("[" * 63 + "]" * 63)}),
    ("brackets inside strings", '{"a": "' + "[{" * 70 + '", "b": 1}', {"a": "[{" * 70, "b": 1}),
    ("escapes inside strings", '{"a": "\\\\", "b": "\\"[[[", "c": [1]}', {"a": "\\", "b": '"[[[', "c": [1]}),
    ("many siblings", '{"a": [' + "[]," * 100 + "[]], " + '"b": {"c": {}}}', {"a": [[]] * 101, "b": {"c": {}}}),
    ("30 digits", '{"a": 123456789012345678901234567890, "b": -123456789012345678901234567890}',
     {"a": 123456789012345678901234567890, "b": -123456789012345678901234567890}),
    ("a surrogate pair", '{"model_type": "llama", "n": 4, "emoji": "\\ud83d\\ude00", "l": [1, "x"]}',
     {"model_type": "llama", "n": 4, "emoji": "\U0001F600", "l": [1, "x"]}),
    ("finite floats", '{"rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "big": 1e308}',
     {"rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "big": 1e308}),
]


@pytest.mark.parametrize("name, text, value", ACCEPTED, ids=[r[0] for r in ACCEPTED])
def test_accepted_json(name, text, value):
    assert parse_config_json(text, "config.json") == value


def test_recursion_error_of_the_parser_is_located(monkeypatch):
    # A stack already near its limit: the parser's RecursionError becomes one located line, not a traceback.
    def deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(json, "loads", deep)
    error = _refusal(lambda: parse_config_json('{"a": 1}', "c.json"))
    assert str(error) == "c.json:1: JSON nested too deeply; flatten the structure"


# (text, token, line): the line of the token's first appearance, 1 where there is none.
TOKEN_LINES = [("\nx\nx\n", "x", 2), ("a\nb", "zz", 1), ("x\n", "x", 1), ("\n\n-Infinity\n", "-Infinity", 3)]


@pytest.mark.parametrize("text, token, line", TOKEN_LINES)
def test_line_of_token(text, token, line):
    assert model_config._line_of_token(text, token) == line


# --- config.json errors of the architecture: located in the file ----------------------------------------------------

def test_missing_field_is_located_at_the_file_start(tmp_path):
    text = QWEN25_05B.replace('  "num_hidden_layers": 24,\n', "")
    path = _write(tmp_path, text)
    error = _refusal(lambda: read_config_json(path))
    assert (error.path, error.line) == (path, 1)
    assert "'num_hidden_layers'" in error.message and "qwen2 config.json" in error.message


def test_bad_value_is_located_at_its_line(tmp_path):
    path = _write(tmp_path, QWEN25_05B.replace('"num_key_value_heads": 2', '"num_key_value_heads": 3'))
    error = _refusal(lambda: read_config_json(path))
    assert (error.path, error.line) == (path, 17)  # line 17: "num_key_value_heads" in the published file
    assert "'num_key_value_heads' (3) must divide num_attention_heads (14)" in error.message


# --- model entries of content/models.yaml ---------------------------------------------------------------------------

ENTRIES = """models:
  - id: no-config
    name: x
  - id: config-not-mapping
    config: 5
  - id: missing-layers
    params_b: 0.5
    config:
      model_type: qwen2
      hidden_size: 896
      num_attention_heads: 14
      num_key_value_heads: 2
      intermediate_size: 4864
      vocab_size: 151936
  - id: bad-kv-heads
    config:
      model_type: qwen2
      hidden_size: 896
      num_hidden_layers: 24
      num_attention_heads: 14
      num_key_value_heads: 3
      intermediate_size: 4864
      vocab_size: 151936
  - just a name
"""
YAML = parse_yaml(ENTRIES, "content/models.yaml")["models"]
NO_CONFIG = ("model entry has no 'config' mapping", "add 'config:' with the keys of the model's config.json")
NOT_MAPPING = ("'config' must be a mapping", "give config.json keys under 'config:'")
# (name, entry, message, path, line, fix): lines counted in ENTRIES above; a plain dict (a caller's own mapping) has
# no file or line to give.
ENTRY_REFUSALS = [
    ("no config", YAML[0], *NO_CONFIG[:1], "content/models.yaml", 2, NO_CONFIG[1]),
    ("config not a mapping", YAML[1], *NOT_MAPPING[:1], "content/models.yaml", 5, NOT_MAPPING[1]),
    ("a scalar entry", YAML[4], *NO_CONFIG[:1], None, None, NO_CONFIG[1]),
    ("an empty entry", None, *NO_CONFIG[:1], None, None, NO_CONFIG[1]),
    ("a list entry", ["config"], *NO_CONFIG[:1], None, None, NO_CONFIG[1]),
    ("a plain dict without config", {"id": "x"}, *NO_CONFIG[:1], None, None, NO_CONFIG[1]),
    ("a plain dict, config not a mapping", {"config": [1]}, *NOT_MAPPING[:1], None, None, NOT_MAPPING[1]),
]


@pytest.mark.parametrize("name, entry, message, path, line, fix", ENTRY_REFUSALS, ids=[r[0] for r in ENTRY_REFUSALS])
def test_entry_refusal(name, entry, message, path, line, fix):
    error = _refusal(lambda: architecture_from_model_entry(entry))
    assert (error.message, error.path, error.line, error.fix) == (message, path, line, fix)


def test_entry_missing_field_is_located_at_its_config_line():
    error = _refusal(lambda: architecture_from_model_entry(YAML[2]))
    assert (error.path, error.line) == ("content/models.yaml", 8)  # line 8: "config:" of missing-layers
    assert "'num_hidden_layers'" in error.message


def test_entry_bad_value_is_located_at_its_line():
    error = _refusal(lambda: architecture_from_model_entry(YAML[3]))
    assert (error.path, error.line) == ("content/models.yaml", 21)  # line 21: num_key_value_heads: 3
    assert "'num_key_value_heads' (3) must divide num_attention_heads (14)" in error.message


def test_entry_and_plain_mapping_read_the_same_architecture():
    # The same keys as the published Qwen2.5-0.5B config.json: transformers' count for it.
    keys = dict(YAML[2]["config"], num_hidden_layers=24, tie_word_embeddings=True)
    text = "models:\n  - id: q\n    config:\n" + "".join(f"      {k}: {str(v).lower()}\n" for k, v in keys.items())
    entry = parse_yaml(text, "m.yaml")["models"][0]
    assert params_total(architecture_from_model_entry(entry)) == COUNTS["Qwen2.5-0.5B-Instruct"]
    assert params_total(architecture_from_model_entry({"config": keys})) == COUNTS["Qwen2.5-0.5B-Instruct"]


def test_plain_dict_entry_errors_carry_no_line():
    error = _refusal(lambda: architecture_from_model_entry({"config": {"model_type": "qwen2", "hidden_size": 8}}))
    assert (error.path, error.line) == (None, None) and "'num_hidden_layers'" in error.message
