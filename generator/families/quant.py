"""The storage format a checkpoint's config.json declares: quantization_config, else torch_dtype.

Pure. ``--quantization auto`` (the default when config.json has either) uses this; an explicit --quantization
overrides it. Each quant_method's keys are those its library writes into config.json (transformers'
``utils/quantization_config.py``: GPTQConfig, AwqConfig, FineGrainedFP8Config, Mxfp4Config, BitsAndBytesConfig).
"""

from __future__ import annotations

from dataclasses import replace

from generator.calc.estimator import Quantization, parse_quantization
from generator.core.errors import GeneratorError, shown

_DTYPES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32", "bf16": "bf16", "fp16": "fp16",
           "fp32": "fp32", "float": "fp32", "half": "fp16"}
SUPPORTED_METHODS = ("gptq", "awq", "fp8", "mxfp4", "bitsandbytes")


def _kinds_not_converted(modules) -> tuple:
    """Linear kinds (attention, mlp, experts) that modules_to_not_convert keeps at 16 bits."""
    kinds = set()
    for name in modules or ():
        name = str(name)
        if "attn" in name or "attention" in name:
            kinds.add("attention")
        elif "expert" in name and "shared" not in name:
            kinds.add("experts")
        elif ("mlp" in name or "feed_forward" in name) and "router" not in name and "gate." not in name:
            if name.rstrip("*.").endswith(("mlp", "feed_forward", "shared_expert", "shared_experts")):
                kinds.add("mlp")
    return tuple(sorted(kinds))


def _positive(qc: dict, key: str, default, path, line):
    value = qc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or (value <= 0 and value != -1):
        raise GeneratorError(f"quantization_config field {key!r} must be a positive integer (or -1), got "
                             f"{shown(value)}", path, line, "give the config.json as published")
    return value


def quantization_from_config(config, path=None, line_of=None) -> Quantization | None:
    """The declared format, or None when config.json says nothing (then --quantization must be given)."""
    line = line_of("quantization_config") if line_of else None
    qc = config.get("quantization_config")
    if qc is None:
        text = config.get("text_config")
        dtype = config.get("torch_dtype") or config.get("dtype") or \
            (text.get("torch_dtype") if isinstance(text, dict) else None)
        if dtype is None:
            return None
        key = _DTYPES.get(str(dtype).lower())
        if key is None:
            # Named and located where it was read: transformers 5 writes "dtype", multimodal configs nest it.
            field = "torch_dtype" if config.get("torch_dtype") else "dtype" if config.get("dtype") else "text_config"
            raise GeneratorError(f"{'text_config.torch_dtype' if field == 'text_config' else field} {shown(dtype)} "
                                 "is not a storage type the estimator knows", path,
                                 line_of(field) if line_of else None, "pass --quantization")
        return replace(parse_quantization(key), note=f"torch_dtype {dtype} in config.json")
    if not isinstance(qc, dict):
        raise GeneratorError("'quantization_config' must be a mapping", path, line, "give the config.json as published")
    method = str(qc.get("quant_method", "")).lower()
    keep = _kinds_not_converted(qc.get("modules_to_not_convert") or qc.get("llm_int8_skip_modules"))
    if method == "gptq":
        bits = _positive(qc, "bits", 4, path, line)
        if bits not in (4, 8):
            raise GeneratorError(f"GPTQ with {bits} bits is not modelled", path, line, "pass --quantization")
        group = _positive(qc, "group_size", 128, path, line)
        base = parse_quantization(f"gptq-int{bits}")
        note = f"GPTQ {bits}-bit, group size {group}, desc_act {bool(qc.get('desc_act'))} (g_idx stored either way)"
        return replace(base, group_size=group, keep_16bit=keep, note=note)
    if method == "awq":
        bits = _positive(qc, "bits", qc.get("w_bit", 4), path, line)
        if bits != 4:
            raise GeneratorError(f"AWQ with {bits} bits is not modelled", path, line, "pass --quantization")
        group = _positive(qc, "group_size", qc.get("q_group_size", 128), path, line)
        zero = bool(qc.get("zero_point", True))
        return replace(parse_quantization("awq"), group_size=group, zero_point=zero, keep_16bit=keep,
                       note=f"AWQ 4-bit, group size {group}, zero point {zero}")
    if method == "fp8":
        block = qc.get("weight_block_size")
        if block is not None and (not isinstance(block, list) or len(block) != 2 or
                                  not all(isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in block)):
            raise GeneratorError(f"weight_block_size must be two positive integers, got {shown(block)}", path, line,
                                 "give the config.json as published")
        note = f"FP8, block scales {block[0]}x{block[1]}" if block else "FP8, one scale per tensor"
        return replace(parse_quantization("fp8"), block_size=tuple(block or ()), keep_16bit=keep, note=note)
    if method == "mxfp4":
        return replace(parse_quantization("mxfp4"), keep_16bit=keep, note="MXFP4 experts (modules_to_not_convert "
                       "stay 16-bit)")
    if method == "bitsandbytes":
        if qc.get("load_in_4bit") or qc.get("_load_in_4bit"):
            kind = str(qc.get("bnb_4bit_quant_type", "fp4")).lower()
            if not qc.get("bnb_4bit_use_double_quant"):
                raise GeneratorError("bitsandbytes 4-bit without double quantization is not modelled", path, line,
                                     "pass --quantization nf4 for the double-quantized layout")
            return replace(parse_quantization("nf4"), keep_16bit=keep,
                           note=f"bitsandbytes 4-bit ({kind}) with double quantization")
        if qc.get("load_in_8bit") or qc.get("_load_in_8bit"):
            return replace(parse_quantization("int8"), keep_16bit=keep, note="bitsandbytes LLM.int8()")
    raise GeneratorError(f"quantization_config quant_method {shown(qc.get('quant_method'))} is not modelled", path,
                         line, "supported: " + ", ".join(SUPPORTED_METHODS) + "; or pass --quantization")
