"""The inputs people have, read into one ModelSource: a config.json, a local model folder (config.json plus
*.safetensors), a .gguf file, a model id of the catalogue, or a Hub id.

I/O lives here (files, the Hub); the arithmetic stays in generator/calc. Exact weight bytes come from the checkpoint
itself where there is one: the safetensors headers (the format's documented layout: an 8-byte little-endian header
length, then a JSON header giving each tensor's dtype, shape and byte range) or the GGUF tensor table (read with the
gguf package, llama.cpp's own reader).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
import socket
import struct
import urllib.parse
from dataclasses import dataclass, field

from ..calc.architecture import Architecture
from ..calc.estimator import Quantization, parse_quantization
from ..catalogue import resolve_model_id, unknown_model_error
from ..errors import GeneratorError, shown
from ..safeio import MAX_SAFETENSORS_HEADER, open_regular
from .gguf_file import read_gguf_header, type_name
from .quant import quantization_from_config
from .reader import architecture_from_config

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
    from ..model_config import read_config_mapping
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


def parse_safetensors_header(text: bytes, data_size: int, path: str) -> dict:
    """A safetensors JSON header (nesting bounded, numbers checked) whose tensors' byte ranges lie in ``data_size``
    bytes of data."""
    from ..model_config import MAX_JSON_DEPTH, _json_depth_line
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


def _reachable(endpoint: str, timeout: float = 5.0) -> bool:
    """Whether the Hub's host accepts a TCP connection (offline machines answer at once)."""
    parsed = urllib.parse.urlparse(endpoint)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- A Hub id -------------------------------------------------------------------------------------------------------
def read_hub_model(repo_id: str, text_only: bool = False) -> ModelSource:
    """config.json (and the safetensors headers, where the Hub serves them) of ``org/name``, through the Hub's
    cache; HF_ENDPOINT picks the server."""
    try:
        import huggingface_hub
        from huggingface_hub import errors as hub_errors
    except ImportError:  # pragma: no cover - a declared dependency
        raise GeneratorError("huggingface_hub is not installed", fix="pip install -e .") from None
    # Read at call time (huggingface_hub reads them once, at import).
    endpoint = os.environ.get("HF_ENDPOINT") or None
    cache_dir = os.environ.get("HF_HUB_CACHE") or None
    # huggingface_hub retries an unreachable server for half a minute and logs each try: ask once, quietly.
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    reachable = _reachable(endpoint or huggingface_hub.constants.ENDPOINT)
    try:
        path = huggingface_hub.hf_hub_download(repo_id, "config.json", endpoint=endpoint, cache_dir=cache_dir,
                                               etag_timeout=10, local_files_only=not reachable)
    except hub_errors.LocalEntryNotFoundError:
        raise GeneratorError(f"{repo_id!r} is not in the catalogue and the Hub cannot be reached (offline?)",
                             fix="give its config.json or model folder, or connect and try again") from None
    except (hub_errors.RepositoryNotFoundError, hub_errors.EntryNotFoundError, hub_errors.GatedRepoError) as exc:
        raise GeneratorError(f"the Hub has no readable config.json for {repo_id!r} ({type(exc).__name__})",
                             fix="check the id, or give its config.json") from None
    except Exception as exc:  # noqa: BLE001 - network errors of every kind are one message to the user
        raise GeneratorError(f"cannot fetch {repo_id!r} from the Hub: {type(exc).__name__}",
                             fix="check the network, or give its config.json") from None
    source = read_config_file(path, text_only)
    notes = [f"fetched config.json of {repo_id} from the Hub (cached at {os.path.dirname(path)})"]
    exact = 0
    try:
        metadata = huggingface_hub.HfApi(endpoint=endpoint).get_safetensors_metadata(repo_id)
        exact = sum(end - begin for file in metadata.files_metadata.values() for name, info in file.tensors.items()
                    for begin, end in [info.data_offsets]
                    if not (text_only and any(t in name for t in _TOWER_NAMES)))
        notes.append(f"weights: {exact:,} bytes from the Hub's safetensors headers")
    except Exception:  # noqa: BLE001 - no safetensors metadata: the weights are computed from config.json
        notes.append("no safetensors headers from the Hub: weights computed from config.json")
    return ModelSource(repo_id, source.architecture, source.declared, exact, tuple(notes))
