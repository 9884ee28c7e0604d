"""Turn a Hugging Face config.json (or a model entry of content/models.yaml) into an Architecture.

Errors are GeneratorError located at the file (and line where known), naming the missing or bad field.
"""

from __future__ import annotations

import json
import math
import re

from . import limits
from .calc.architecture import Architecture, params_total
from .errors import GeneratorError, shown
from .yamlio import read_text_file

# config.json names differ by family; the first name present wins. ChatGLM (GLM-4) uses its own names.
_ALIASES = {
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "num_hidden_layers": ("num_hidden_layers", "num_layers", "n_layer"),
    "num_attention_heads": ("num_attention_heads", "n_head"),
    "num_key_value_heads": ("num_key_value_heads", "multi_query_group_num", "num_kv_heads"),
    "head_dim": ("head_dim", "kv_channels"),
    "intermediate_size": ("intermediate_size", "ffn_hidden_size"),
    "vocab_size": ("padded_vocab_size", "vocab_size"),
    "max_position_embeddings": ("max_position_embeddings", "seq_length"),
    "num_experts": ("num_experts", "n_routed_experts", "num_local_experts"),
}

# Bounds that keep the arithmetic (exact integers, then Decimal with 28 digits) meaningful: no real config.json
# field exceeds a billion, no real model has a quadrillion parameters (generator/limits.py lists them all).
MAX_FIELD = limits.MAX_FIELD
MAX_PARAMS = limits.MAX_PARAMS
# config.json switches: true/false (or null, "not set"); "false" in quotes is text, and text is true in Python.
_FLAGS = ("tie_word_embeddings", "attention_bias", "add_qkv_bias", "use_sliding_window")
# config.json nests a level or two (rope_scaling, quantization_config); anything deeper is not a config.
MAX_JSON_DEPTH = 64

_QKV_BIAS_FAMILIES = ("Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "ChatGLMModel", "ChatGLMForConditionalGeneration")
_QK_NORM_FAMILIES = ("Qwen3ForCausalLM", "Qwen3MoeForCausalLM")


def _lookup(config, key):
    for name in _ALIASES.get(key, (key,)):
        if name in config and config[name] is not None:
            return name, config[name]
    return None, None


def architecture_from_config(config, path: str | None = None, line_of=None) -> Architecture:
    """Build an Architecture from config.json keys; ``line_of(key)`` gives a line for error messages."""
    if not isinstance(config, dict):
        raise GeneratorError("the model config must be a mapping of config.json keys", path, None,
                             "give the keys of the model's config.json")

    def where(key):
        return line_of(key) if line_of and key is not None else None

    def need(key):
        name, value = _lookup(config, key)
        if name is None:
            names = " or ".join(repr(n) for n in _ALIASES.get(key, (key,)))
            raise GeneratorError(f"missing field {key!r}", path, line_of(None) if line_of else None,
                                 f"add {names} from the model's config.json")
        return _positive_int(name, value)

    def optional(key, default=0):
        name, value = _lookup(config, key)
        if name is None:
            return default
        return _positive_int(name, value, allow_zero=True)

    def _positive_int(name, value, allow_zero=False):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
            raise GeneratorError(f"field {name!r} must be a {'non-negative' if allow_zero else 'positive'} integer, "
                                 f"got {shown(value)}", path, where(name), f"fix {name!r}")
        if value > MAX_FIELD:
            raise GeneratorError(f"field {name!r} must be at most {MAX_FIELD:,}, got {shown(value)}", path, where(name),
                                 f"fix {name!r}")
        return value

    architectures = config.get("architectures") or ()
    if isinstance(architectures, str):
        architectures = (architectures,)
    if not isinstance(architectures, (list, tuple)) or not all(isinstance(a, str) for a in architectures):
        raise GeneratorError(f"field 'architectures' must be a list of class names, got {shown(architectures)}", path,
                             where("architectures"), 'write it as in config.json: ["Qwen2ForCausalLM"]')
    architectures = tuple(architectures)
    family = architectures[0] if architectures else str(config.get("model_type", "unknown"))

    for flag in _FLAGS:
        if config.get(flag) is not None and not isinstance(config[flag], bool):
            raise GeneratorError(f"field {flag!r} must be true or false, not {shown(config[flag])}", path, where(flag),
                                 f"write {flag}: true or false, without quotes")
    hidden = need("hidden_size")
    layers = need("num_hidden_layers")
    if layers > limits.MAX_LAYERS:
        name = _lookup(config, "num_hidden_layers")[0]
        raise GeneratorError(f"field {name!r} must be at most {limits.MAX_LAYERS:,} layers, got {layers:,}", path,
                             where(name), f"fix {name!r}")
    heads = need("num_attention_heads")
    kv_lora_rank = optional("kv_lora_rank")
    kv_heads = optional("num_key_value_heads", heads) or heads
    if kv_heads > heads or heads % kv_heads:
        name = _lookup(config, "num_key_value_heads")[0]
        raise GeneratorError(f"field {name!r} ({kv_heads}) must divide num_attention_heads ({heads}): each KV head "
                             "serves a whole group of query heads", path, where(name),
                             f"fix {name!r} from the model's config.json")
    head_dim = optional("head_dim") or 0
    if not head_dim:
        if hidden % heads:
            raise GeneratorError(f"hidden_size {hidden} is not a multiple of num_attention_heads {heads}", path,
                                 where("hidden_size"), "add 'head_dim' from the model's config.json")
        head_dim = hidden // heads
    vocab = need("vocab_size")
    num_experts = optional("num_experts")
    is_glm = family.startswith("ChatGLM") or config.get("model_type") == "chatglm"
    intermediate = optional("intermediate_size")
    if not intermediate and not (num_experts and not config.get("first_k_dense_replace")):
        need("intermediate_size")

    tie = config.get("tie_word_embeddings")
    if tie is None:
        # transformers' PretrainedConfig default is True; ChatGLM's output_layer is never tied.
        tie = not is_glm
    if config.get("use_sliding_window") is False:
        sliding_window = 0
    else:
        sliding_window = optional("sliding_window")
    if sliding_window and family.startswith("Gemma2"):
        # Gemma-2: even-numbered layers are local (sliding), odd ones global.
        sliding_layers = (layers + 1) // 2
    elif sliding_window and config.get("sliding_window_pattern"):
        pattern = _positive_int("sliding_window_pattern", config["sliding_window_pattern"])
        sliding_layers = layers - layers // pattern
    else:
        sliding_layers = layers if sliding_window else 0

    qkv_bias = config.get("attention_bias")
    if qkv_bias is None:
        qkv_bias = config.get("add_qkv_bias")
    if qkv_bias is None:
        qkv_bias = family in _QKV_BIAS_FAMILIES
    norms_per_layer = 4 if family.startswith("Gemma2") or family.startswith("Gemma3") else 2

    experts_per_token = optional("num_experts_per_tok") if num_experts else 0
    moe_intermediate = optional("moe_intermediate_size") if num_experts else 0
    if num_experts and not moe_intermediate:
        need("moe_intermediate_size")
    if num_experts and not experts_per_token:
        need("num_experts_per_tok")
    shared_intermediate = optional("shared_expert_intermediate_size") if num_experts else 0

    architecture = Architecture(
        family=family,
        hidden_size=hidden,
        layers=layers,
        heads=heads,
        kv_heads=heads if kv_lora_rank else kv_heads,
        head_dim=head_dim,
        intermediate_size=intermediate,
        vocab_size=vocab,
        tie_word_embeddings=bool(tie),
        qkv_bias=bool(qkv_bias),
        qk_norm=family in _QK_NORM_FAMILIES,
        norms_per_layer=norms_per_layer,
        max_position_embeddings=optional("max_position_embeddings"),
        num_experts=num_experts,
        experts_per_token=experts_per_token,
        moe_intermediate_size=moe_intermediate,
        shared_expert_intermediate_size=shared_intermediate,
        shared_expert_gate=bool(shared_intermediate) and family.startswith("Qwen2Moe"),
        n_shared_experts=optional("n_shared_experts") if num_experts else 0,
        first_k_dense_replace=optional("first_k_dense_replace") if num_experts else 0,
        kv_lora_rank=kv_lora_rank,
        q_lora_rank=optional("q_lora_rank"),
        qk_nope_head_dim=optional("qk_nope_head_dim"),
        qk_rope_head_dim=optional("qk_rope_head_dim"),
        v_head_dim=optional("v_head_dim"),
        sliding_window=sliding_window,
        sliding_window_layers=sliding_layers,
        architectures=architectures,
    )
    total = params_total(architecture)
    if total > MAX_PARAMS:
        raise GeneratorError(f"the architecture has {total:.3g} parameters, more than {MAX_PARAMS:.0e}", path,
                             where("hidden_size") or (line_of(None) if line_of else None),
                             "check the sizes (hidden_size, layers, experts) against the model's config.json")
    return architecture


def read_config_json(path: str) -> Architecture:
    """Read a Hugging Face config.json file into an Architecture."""
    text = read_text_file(path)
    config = parse_config_json(text, path)
    lines = _json_key_lines(text)
    return architecture_from_config(config, path, lambda key: lines.get(key, 1))


class _BadJson(Exception):
    def __init__(self, message: str, token: str, fix: str):
        super().__init__(message)
        self.message, self.token, self.fix = message, token, fix


def _line_of_token(text: str, token: str, occurrence: int = 1) -> int:
    """Line of the ``occurrence``-th appearance of ``token`` in ``text`` (1 when not found)."""
    start = -1
    for _ in range(occurrence):
        start = text.find(token, start + 1)
        if start < 0:
            return 1
    return text.count("\n", 0, start) + 1


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
        if len(token.lstrip("-")) > 30:
            raise _BadJson(f"the number {token[:20]}... has {len(token.lstrip('-'))} digits", token, "fix the number")
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
                raise _BadJson(f"duplicate key {shown(key)}", json.dumps(key), "remove one of the two entries")
            seen[key] = value
        return seen

    try:
        config = json.loads(text, parse_constant=constant, parse_int=big_int, parse_float=finite_float,
                            object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise GeneratorError(f"invalid JSON: {exc.msg}", path, exc.lineno, "fix the JSON at that line") from None
    except _BadJson as exc:
        occurrence = 2 if exc.message.startswith("duplicate key") else 1
        raise GeneratorError(exc.message, path, _line_of_token(text, exc.token, occurrence), exc.fix) from None
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
