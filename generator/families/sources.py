"""The inputs people have, read into one ModelSource: a config.json, a local model folder (config.json plus
*.safetensors), a .gguf file, a model id of the catalogue, or a Hub id.

I/O lives here (files, the Hub); the arithmetic stays in generator/calc. Exact weight bytes come from the checkpoint
itself where there is one: the safetensors headers (the format's documented layout: an 8-byte little-endian header
length, then a JSON header giving each tensor's dtype, shape and byte range) or the GGUF tensor table (read with the
gguf package, llama.cpp's own reader).
"""

from __future__ import annotations

import glob
import os
import re
import struct
from dataclasses import dataclass, field

from generator.calc.architecture import Architecture
from generator.calc.estimator import Quantization, parse_quantization
from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_SAFETENSORS_HEADER, MAX_TEXT_BYTES, open_regular
from generator.families.gguf_file import read_gguf_header, type_name
from generator.families.model_ids import resolve_model_id, unknown_model_error
from generator.families.quant import quantization_from_config
from generator.families.reader import architecture_from_config
from generator.families.safetensors_file import parse_safetensors_header

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
# Vision/audio tensors a text-only estimate leaves out of a checkpoint's bytes.
_TOWER_NAMES = ("visual.", "vision_tower", "vision_model", "multi_modal_projector", "audio_tower", "vision_encoder")


@dataclass(frozen=True)
class ModelSource:
    """What an input gave: a name, the architecture, the format it declares (None: not declared) and notes."""

    name: str
    architecture: Architecture
    declared: Quantization | None = None
    exact_weight_bytes: int = 0
    notes: tuple = field(default=())


def read_model_source(path_or_id: str, catalogue, text_only: bool = False) -> ModelSource:
    """Read ``--config``: a folder, a .gguf file, a config.json file, a catalogue model id or a Hub id."""
    if os.path.isdir(path_or_id):
        return read_model_folder(path_or_id, text_only)
    if os.path.isfile(path_or_id):
        if _is_gguf(path_or_id):
            return read_gguf(path_or_id)
        return read_config_file(path_or_id, text_only)
    model_id = resolve_model_id(path_or_id, catalogue.models) if catalogue is not None else None
    if model_id is not None:
        model = catalogue.models[model_id]
        arch = model.require_architecture()
        if text_only and arch.vision_params:
            arch = architecture_from_config(model.config, model.path, None, text_only=True)
        return ModelSource(model.id, arch, quantization_from_config(model.config, model.path))
    if _HUB_ID.match(path_or_id):
        return read_hub_model(path_or_id, text_only)
    shown = path_or_id if len(path_or_id) <= 80 else path_or_id[:77] + "..."
    raise unknown_model_error(path_or_id, catalogue.models if catalogue is not None else (),
                              problem=f"--config {shown!r} is neither a file, a folder, a model id nor a Hub id "
                                      "(org/name)")


def read_config_file(path: str, text_only: bool = False) -> ModelSource:
    from generator.families.model_config import read_config_mapping
    config, line_of = read_config_mapping(path)
    arch = architecture_from_config(config, path, line_of, text_only=text_only)
    return ModelSource(os.path.basename(path), arch, quantization_from_config(config, path, line_of))


# --- A local model folder -------------------------------------------------------------------------------------------
def safetensors_header(path: str) -> dict:
    """The JSON header of one .safetensors file (without reading any tensor data), checked against the file's size:
    the header must fit in the file, and every tensor's byte range in the data that follows it."""
    try:
        fd, info = open_regular(path, None, "safetensors file")
    except OSError as exc:
        raise GeneratorError(f"cannot read: {exc.strerror}", path, None, "check the path") from None
    try:
        head = os.pread(fd, 8, 0)
        if len(head) < 8:
            raise GeneratorError("not a safetensors file (shorter than its 8-byte header length)", path, None,
                                 "give the .safetensors files as downloaded")
        (length,) = struct.unpack("<Q", head)
        if length > info.st_size - 8:
            raise GeneratorError(f"safetensors header of {length:,} bytes, but the file has only {info.st_size:,}: "
                                 "it is cut short or not a safetensors file", path, None, "download the file again")
        if length > MAX_SAFETENSORS_HEADER:
            raise GeneratorError(f"safetensors header of {length} bytes, more than {MAX_SAFETENSORS_HEADER}",
                                 path, None, "give the .safetensors files as downloaded")
        text = os.pread(fd, length, 8)
    except OSError as exc:
        raise GeneratorError(f"cannot read: {exc.strerror}", path, None, "check the path") from None
    finally:
        os.close(fd)
    if len(text) < length:
        raise GeneratorError("safetensors header is cut short", path, None, "download the file again")
    return parse_safetensors_header(text, info.st_size - 8 - length, path)


def safetensors_bytes(paths, text_only: bool = False) -> tuple:
    """(total tensor bytes, {dtype: bytes}) over the files' headers."""
    by_dtype: dict = {}
    for path in paths:
        for name, info in safetensors_header(path).items():
            if name == "__metadata__" or (text_only and any(t in name for t in _TOWER_NAMES)):
                continue
            begin, end = info["data_offsets"]
            by_dtype[info["dtype"]] = by_dtype.get(info["dtype"], 0) + end - begin
    return sum(by_dtype.values()), dict(sorted(by_dtype.items()))


def read_model_folder(folder: str, text_only: bool = False) -> ModelSource:
    config_path = os.path.join(folder, "config.json")
    if not os.path.isfile(config_path):
        ggufs = sorted(glob.glob(os.path.join(folder, "*.gguf")))
        if len(ggufs) == 1:
            return read_gguf(ggufs[0])
        raise GeneratorError("the folder has no config.json", folder, None,
                             "give a model folder as downloaded (config.json and *.safetensors), or one .gguf file")
    source = read_config_file(config_path, text_only)
    files = sorted(glob.glob(os.path.join(folder, "*.safetensors")))
    if not files:
        return ModelSource(os.path.basename(os.path.normpath(folder)), source.architecture, source.declared,
                           notes=("no *.safetensors in the folder: weights computed from config.json",))
    total, by_dtype = safetensors_bytes(files, text_only)
    kinds = ", ".join(f"{dtype} {size:,}" for dtype, size in by_dtype.items())
    note = f"weights: {total:,} bytes in {len(files)} safetensors file(s) ({kinds}), from their headers"
    return ModelSource(os.path.basename(os.path.normpath(folder)), source.architecture, source.declared, total,
                       (note,))


# --- GGUF -----------------------------------------------------------------------------------------------------------
def _is_gguf(path: str) -> bool:
    """Whether a regular file starts with GGUF's magic (a FIFO or a device is not opened for reading)."""
    try:
        fd, _ = open_regular(path, None, "model file")
    except (OSError, GeneratorError):
        return False
    try:
        return os.pread(fd, 4, 0) == b"GGUF"
    finally:
        os.close(fd)


# GGUF general.architecture -> the family whose reader takes the mapped config (llama.cpp's llm_arch names).
GGUF_ARCHITECTURES = {"llama": "llama", "mistral": "mistral", "qwen2": "qwen2", "qwen3": "qwen3",
                      "qwen2moe": "qwen2_moe", "qwen3moe": "qwen3_moe", "gemma": "gemma", "gemma2": "gemma2",
                      "gemma3": "gemma3_text", "phi3": "phi3"}


def gguf_config(fields: dict, tensor_names) -> dict:
    """The config.json keys a GGUF file's metadata gives (llama.cpp's key names: {arch}.block_count, ...)."""
    arch = fields.get("general.architecture")
    if arch not in GGUF_ARCHITECTURES:
        raise GeneratorError(f"GGUF architecture {arch!r} is not mapped to a family", None, None,
                             "supported GGUF architectures: " + ", ".join(sorted(GGUF_ARCHITECTURES)))

    def key(name):
        return fields.get(f"{arch}.{name}")

    tokens = fields.get("tokenizer.ggml.tokens")
    model_type = GGUF_ARCHITECTURES[arch]
    experts = key("expert_count") or 0
    if model_type == "llama" and experts:
        model_type = "mixtral"
    config = {
        "model_type": model_type,
        "hidden_size": key("embedding_length"),
        "num_hidden_layers": key("block_count"),
        "num_attention_heads": key("attention.head_count"),
        "num_key_value_heads": key("attention.head_count_kv"),
        "head_dim": key("attention.key_length"),
        "intermediate_size": key("feed_forward_length"),
        "vocab_size": key("vocab_size") or (len(tokens) if tokens else None),
        "max_position_embeddings": key("context_length"),
        "sliding_window": key("attention.sliding_window"),
        "tie_word_embeddings": "output.weight" not in set(tensor_names),
    }
    if experts:
        config.update({"num_experts": experts, "num_local_experts": experts,
                       "num_experts_per_tok": key("expert_used_count"),
                       "moe_intermediate_size": key("expert_feed_forward_length") or key("feed_forward_length"),
                       "shared_expert_intermediate_size": key("expert_shared_feed_forward_length")})
    if model_type in ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe"):
        config["use_sliding_window"] = False
    return {k: v for k, v in config.items() if v is not None}


def read_gguf(path: str) -> ModelSource:
    from gguf import LlamaFileType
    header = read_gguf_header(path)
    fields, tensors = header.fields, header.tensors
    names = [t.name for t in tensors]
    try:
        config = gguf_config(fields, names)
        arch = architecture_from_config(config, path)
    except GeneratorError as exc:
        raise GeneratorError(exc.message, path, None, exc.fix) from None
    total = sum(t.n_bytes for t in tensors)
    by_type: dict = {}
    for tensor in tensors:
        kind = type_name(tensor.type_id)
        by_type[kind] = by_type.get(kind, 0) + tensor.n_bytes
    file_type = fields.get("general.file_type")
    try:
        label = LlamaFileType(file_type).name.removeprefix("MOSTLY_").lower() if isinstance(file_type, int) else ""
    except ValueError:
        label = ""
    try:
        base = parse_quantization(label) if label else None
    except GeneratorError:
        base = None
    params = sum(t.n_elements for t in tensors)
    bits = 8 * total / params if params else 16.0
    quant = Quantization(base.name if base else (label or "gguf"), "gguf", bits, exact_weight_bytes=total,
                         note=f"GGUF file type {label or 'unknown'}")
    kinds = ", ".join(f"{name} {size:,}" for name, size in sorted(by_type.items()))
    note = f"weights: {total:,} bytes in {len(names)} GGUF tensors ({kinds}), from the file's tensor table"
    return ModelSource(os.path.basename(path), arch, quant, total, (note,))


# --- A Hub id -------------------------------------------------------------------------------------------------------
def read_hub_model(repo_id: str, text_only: bool = False) -> ModelSource:
    """config.json (and the safetensors headers, where the server has them) of ``org/name`` from $HF_ENDPOINT
    (default the Hub), within one deadline ($GENERATOR_HUB_TIMEOUT, default 20 s); see families/hub.py."""
    from generator.families.model_config import _json_key_lines, parse_config_json
    from generator.families import hub

    server = hub.endpoint()
    deadline = hub.Deadline(hub.deadline_seconds())
    cached_at = hub.cache_path(server, repo_id)
    notes = []
    try:
        data = hub.request(hub.file_url(server, repo_id, "config.json"), deadline, MAX_TEXT_BYTES).body
        fetched = True
    except hub.HubError as exc:
        if exc.status in (401, 403, 404):
            raise GeneratorError(f"{server} has no readable config.json for {repo_id!r} ({exc.reason})",
                                 fix="check the id (org/name), or give its config.json") from None
        data = hub.read_cache(cached_at)
        if data is None:
            raise GeneratorError(f"cannot fetch the config.json of {repo_id!r} from {server}: {exc.reason}",
                                 fix=f"check the network, or give its config.json ({hub.DEADLINE_ENV} sets the "
                                     "seconds to wait, HF_ENDPOINT the server)") from None
        fetched = False
        notes.append(f"{server} not reached ({exc.reason}): using the config.json of {repo_id} cached earlier")
    where = f"{repo_id}/config.json"
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise GeneratorError("the config.json is not UTF-8", where, None, "check the id, or give its config.json") \
            from None
    config = parse_config_json(text, where)
    lines = _json_key_lines(text)
    arch = architecture_from_config(config, where, lambda key: lines.get(key, 1), text_only=text_only)
    declared = quantization_from_config(config, where, lambda key: lines.get(key, 1))
    if fetched:
        hub.write_cache(cached_at, data)
        notes.append(f"fetched config.json of {repo_id} from the Hub ({server})")
    exact = 0
    if fetched:
        try:
            for _, header in hub.safetensors_headers(server, repo_id, deadline):
                exact += sum(end - begin for name, info in header.items() if name != "__metadata__"
                             and not (text_only and any(t in name for t in _TOWER_NAMES))
                             for begin, end in [info["data_offsets"]])
            notes.append(f"weights: {exact:,} bytes from the Hub's safetensors headers")
        except hub.HubError as exc:
            exact = 0
            notes.append(f"no safetensors headers from the Hub ({exc.reason}): weights computed from config.json")
    else:
        notes.append("weights computed from config.json")
    return ModelSource(repo_id, arch, declared, exact, tuple(notes))
