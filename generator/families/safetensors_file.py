"""A safetensors file's JSON header, parsed and checked: what a local model folder (sources.py) and the Hub
(hub.py) both read. The format: an 8-byte little-endian header length, then a JSON header giving each tensor's
dtype, shape and byte range (https://github.com/huggingface/safetensors#format). Its own module so that neither
reader imports the other (no import circle: tests/test_layers.py)."""

from __future__ import annotations

import json

from generator.core.errors import GeneratorError, shown


def parse_safetensors_header(text: bytes, data_size: int, path: str) -> dict:
    """A safetensors JSON header (nesting bounded, numbers checked) whose tensors' byte ranges lie in ``data_size``
    bytes of data."""
    from generator.families.model_config import MAX_JSON_DEPTH, _json_depth_line
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise GeneratorError("safetensors header is not UTF-8 JSON", path, None, "give the .safetensors files as "
                             "downloaded") from None
    if _json_depth_line(decoded) is not None:
        raise GeneratorError(f"safetensors header nests more than {MAX_JSON_DEPTH} levels deep", path, None,
                             "give the .safetensors files as downloaded")
    try:
        header = json.loads(decoded, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise GeneratorError("safetensors header is not JSON", path, None, "give the .safetensors files as downloaded") \
            from None
    if not isinstance(header, dict):
        raise GeneratorError("safetensors header is not a JSON object", path, None, "give the file as downloaded")
    for name, info in header.items():
        if name == "__metadata__":
            continue
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) and not isinstance(o, bool)
                                                                            for o in offsets)
                or not 0 <= offsets[0] <= offsets[1] <= data_size or not isinstance(info.get("dtype"), str)):
            raise GeneratorError(f"safetensors tensor {shown(name)} has no valid dtype and data_offsets within the "
                                 "file", path, None, "give the file as downloaded")
    return header


def _no_constant(token):
    raise ValueError(token)
