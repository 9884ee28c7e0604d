"""Turn a Hugging Face config.json (or a model entry of content/models.yaml) into an Architecture.

Errors are GeneratorError located at the file (and line where known), naming the missing or bad field.
"""

from __future__ import annotations

import json
import math
import re

from generator.calc.architecture import Architecture
from generator.core import limits
from generator.core.errors import GeneratorError, shown
from generator.core.fields import MAPPING, NAME, NAMES, NULLABLE_FLAG, Choice, Whole
from generator.core.yamlio import read_text_file
from generator.families.reader import MAX_FIELD, MAX_PARAMS, architecture_from_config  # noqa: F401  (re-exported)

_DIMENSION = Whole(1, limits.MAX_FIELD, "dimensions")
_OPTIONAL_DIMENSION = Whole(0, limits.MAX_FIELD, "dimensions", nullable=True)
_HEADS = Whole(1, limits.MAX_FIELD, "heads", nullable=True)
_EXPERTS = Whole(0, limits.MAX_FIELD, "experts", nullable=True)
# The config.json facts a model entry may give (config.json's names, aliases of other families included).
CONFIG_FIELDS = {
    "architectures": NAMES, "model_type": NAME,
    "hidden_size": _DIMENSION, "n_embd": _DIMENSION, "d_model": _DIMENSION,
    "num_hidden_layers": Whole(1, limits.MAX_LAYERS, "layers"), "num_layers": Whole(1, limits.MAX_LAYERS, "layers"),
    "n_layer": Whole(1, limits.MAX_LAYERS, "layers"),
    "num_attention_heads": _HEADS, "n_head": _HEADS,
    "num_key_value_heads": _HEADS, "multi_query_group_num": _HEADS, "num_kv_heads": _HEADS,
    "head_dim": _OPTIONAL_DIMENSION, "kv_channels": _OPTIONAL_DIMENSION,
    "intermediate_size": _OPTIONAL_DIMENSION, "ffn_hidden_size": _OPTIONAL_DIMENSION,
    "vocab_size": _DIMENSION, "padded_vocab_size": _DIMENSION,
    "max_position_embeddings": Whole(1, limits.MAX_FIELD, "tokens", nullable=True),
    "seq_length": Whole(1, limits.MAX_FIELD, "tokens", nullable=True),
    "num_experts": _EXPERTS, "n_routed_experts": _EXPERTS, "num_local_experts": _EXPERTS,
    "num_experts_per_tok": _EXPERTS, "n_shared_experts": _EXPERTS,
    "moe_intermediate_size": _OPTIONAL_DIMENSION, "shared_expert_intermediate_size": _OPTIONAL_DIMENSION,
    "first_k_dense_replace": Whole(0, limits.MAX_LAYERS, "layers", nullable=True),
    "kv_lora_rank": _OPTIONAL_DIMENSION, "q_lora_rank": _OPTIONAL_DIMENSION, "qk_nope_head_dim": _OPTIONAL_DIMENSION,
    "qk_rope_head_dim": _OPTIONAL_DIMENSION, "v_head_dim": _OPTIONAL_DIMENSION,
    "sliding_window": Whole(0, limits.MAX_FIELD, "tokens", nullable=True),
    "sliding_window_pattern": Whole(1, limits.MAX_LAYERS, "layers", nullable=True),
    "tie_word_embeddings": NULLABLE_FLAG, "attention_bias": NULLABLE_FLAG, "add_qkv_bias": NULLABLE_FLAG,
    "use_sliding_window": NULLABLE_FLAG,
    "torch_dtype": Choice("float32", "float16", "bfloat16"),
    "params_total": Whole(1, limits.MAX_PARAMS, "parameters"),
    "params_active_per_token": Whole(1, limits.MAX_PARAMS, "parameters"),
    # Read by generator/families/ (the family table says which family uses which).
    "text_config": MAPPING, "vision_config": MAPPING, "quantization_config": MAPPING, "layer_types": NAMES,
    "mlp_bias": NULLABLE_FLAG, "lm_head_bias": NULLABLE_FLAG, "use_qk_norm": NULLABLE_FLAG,
    "intermediate_size_mlp": _OPTIONAL_DIMENSION, "interleave_moe_layer_step": Whole(1, limits.MAX_LAYERS, "layers"),
    "attention_chunk_size": Whole(0, limits.MAX_FIELD, "tokens", nullable=True),
    "moe_layer_freq": Whole(1, limits.MAX_LAYERS, "layers"), "max_window_layers": Whole(0, limits.MAX_LAYERS, "layers"),
    # Hybrid-state families (issue 21): Gated DeltaNet (Qwen3-Next) and Mamba2 (Nemotron-H) layer settings.
    "full_attention_interval": Whole(1, limits.MAX_LAYERS, "layers"),
    "decoder_sparse_step": Whole(1, limits.MAX_LAYERS, "layers"),
    "linear_conv_kernel_dim": _OPTIONAL_DIMENSION, "linear_key_head_dim": _OPTIONAL_DIMENSION,
    "linear_value_head_dim": _OPTIONAL_DIMENSION, "linear_num_key_heads": _HEADS, "linear_num_value_heads": _HEADS,
    "hybrid_override_pattern": NAME, "mamba_num_heads": _HEADS, "mamba_head_dim": _OPTIONAL_DIMENSION,
    "ssm_state_size": _OPTIONAL_DIMENSION, "n_groups": _HEADS, "conv_kernel": _OPTIONAL_DIMENSION,
    "moe_shared_expert_intermediate_size": _OPTIONAL_DIMENSION,
    "index_n_heads": _HEADS, "index_head_dim": _OPTIONAL_DIMENSION, "index_topk": Whole(1, limits.MAX_FIELD, "tokens"),
    # Gemma 4's audio tower; Mistral 3's patch merger and projector (issue 21).
    "audio_config": MAPPING, "spatial_merge_size": Whole(1, limits.MAX_FIELD, "patches"),
    "multimodal_projector_bias": NULLABLE_FLAG,
}

# config.json nests a level or two (rope_scaling, quantization_config); anything deeper is not a config.
MAX_JSON_DEPTH = 64
# A whole number of more digits than this is no size of a model (MAX_FIELD has 10); its message shows the first
# NUMBER_SHOWN characters.
MAX_NUMBER_DIGITS = 30
NUMBER_SHOWN = 20


def read_config_json(path: str, text_only: bool = False) -> Architecture:
    """Read a Hugging Face config.json file into an Architecture."""
    config, line_of = read_config_mapping(path)
    return architecture_from_config(config, path, line_of, text_only=text_only)


def read_config_mapping(path: str):
    """(the parsed config.json, line_of(key)) of a config.json file."""
    text = read_text_file(path)
    config = parse_config_json(text, path)
    lines = _json_key_lines(text)
    return config, (lambda key: lines.get(key, 1))


class _BadJson(Exception):
    def __init__(self, message: str, token: str, fix: str):
        super().__init__(message)
        self.message, self.token, self.fix = message, token, fix


def _line_of_token(text: str, token: str) -> int:
    """Line of the first appearance of ``token`` in ``text`` (1 when not found)."""
    start = text.find(token)
    return 1 if start < 0 else text.count("\n", 0, start) + 1


# The rest of a JSON string after its opening quote (through the closing quote), and a key's colon after it.
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*"')
_COLON = re.compile(r"\s*:")


def _duplicate_key_line(text: str, key: str) -> int:
    """Line where ``key`` first repeats a key of its own object (keys compared as JSON reads them: "\\u00e9" is
    "é"), 1 when not found. The parser reached that key, so the text up to it is valid JSON: every string is closed,
    brackets pair, and a string followed by a colon is a key of the innermost open object."""
    keys, line, at = [], 1, 0  # keys: per open bracket, the keys read so far (a list's set stays empty)
    while at < len(text):
        char = text[at]
        if char == "\n":
            line += 1
        elif char in "[{":
            keys.append(set())
        elif char in "]}":
            keys.pop()
        elif char == '"':
            end = _STRING_REST.match(text, at + 1).end()
            if _COLON.match(text, end):
                name = json.loads(text[at:end])
                if name == key and name in keys[-1]:
                    return line
                keys[-1].add(name)
            at = end
            continue
        at += 1
    return 1


def _json_depth_line(text: str) -> int | None:
    """The line where brackets first nest deeper than MAX_JSON_DEPTH (strings skipped), or None."""
    depth, in_string, escaped, line = 0, False, False, 1
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return line
        elif char in "]}":
            depth -= 1
    return None


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def parse_config_json(text: str, path: str):
    """Strict JSON: no NaN or Infinity, no number beyond a float's range or 30 digits, no duplicate keys, a top-level
    object, at most MAX_JSON_DEPTH levels deep. Errors name the file and the line."""
    deep = _json_depth_line(text)
    if deep is not None:
        raise GeneratorError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep", path, deep, "flatten the structure")

    def constant(token):
        raise _BadJson(f"{token} is not a number JSON allows", token, "write a finite number")

    def big_int(token):
        if len(token.lstrip("-")) > MAX_NUMBER_DIGITS:
            raise _BadJson(f"the number {token[:NUMBER_SHOWN]}... has {len(token.lstrip('-'))} digits", token, "fix the number")
        return int(token)

    def finite_float(token):
        value = float(token)
        if not math.isfinite(value):
            raise _BadJson(f"the number {token[:30]} is beyond a float's range", token, "fix the number")
        return value

    def no_duplicates(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise _BadJson(f"duplicate key {shown(key)}", key, "remove one of the two entries")
            seen[key] = value
        return seen

    try:
        config = json.loads(text, parse_constant=constant, parse_int=big_int, parse_float=finite_float,
                            object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise GeneratorError(f"invalid JSON: {exc.msg}", path, exc.lineno, "fix the JSON at that line") from None
    except _BadJson as exc:
        line = _duplicate_key_line(text, exc.token) if exc.message.startswith("duplicate key") else \
            _line_of_token(text, exc.token)
        raise GeneratorError(exc.message, path, line, exc.fix) from None
    except RecursionError:
        raise GeneratorError("JSON nested too deeply", path, 1, "flatten the structure") from None
    surrogate = re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text)
    if surrogate and _has_surrogate(config):
        raise GeneratorError("a string with a lone UTF-16 surrogate escape", path,
                             text.count("\n", 0, surrogate.start()) + 1, "write the character itself")
    if not isinstance(config, dict):
        raise GeneratorError("config.json must be a JSON object ({...}) of the model's settings", path, 1,
                             "give the model's config.json")
    return config


def _json_key_lines(text: str) -> dict:
    """Line of each top-level key's first appearance (good enough for config.json, which is flat)."""
    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith('"'):
            end = stripped.find('"', 1)
            if end > 0:
                lines.setdefault(stripped[1:end], number)
    return lines


def architecture_from_model_entry(entry) -> Architecture:
    """Architecture of one model entry of content/models.yaml (its ``config`` mapping), errors located."""
    path = getattr(entry, "path", None)
    if not isinstance(entry, dict) or "config" not in entry:
        line = entry.line if hasattr(entry, "line") else None
        raise GeneratorError("model entry has no 'config' mapping", path, line,
                             "add 'config:' with the keys of the model's config.json")
    config = entry["config"]
    if not isinstance(config, dict):
        raise GeneratorError("'config' must be a mapping", path, entry.line_of("config") if hasattr(entry, "line_of")
                             else None, "give config.json keys under 'config:'")
    if hasattr(config, "line_of"):
        def line_of(key):
            # A missing key is reported at the `config:` line of the entry.
            return config.line_of(key) if key is not None else entry.line_of("config")
    else:
        line_of = None
    return architecture_from_config(config, path, line_of)
