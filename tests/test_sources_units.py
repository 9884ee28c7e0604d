"""generator/families/sources.py, function by function (issue 23, item 7): what each input (a model folder, a
config.json, a .gguf file, a catalogue id, a Hub id) gives, and every refusal's words (the file named, what to do).

In-process calls only: files are written in tmp_path from the formats' published layouts (quoted below), the Hub
reader (generator/families/hub.py) is replaced by a fake (no network), no chdir, no subprocess. Expected values come
from outside sources.py: the file bytes this test writes, ggml's type table, llama.cpp's GGUF key names (its gguf-py
package, gguf.constants.Keys), transformers' parameter counts (tests/data/transformers_param_counts.yaml), the
catalogue's published config.json values (content/models.yaml).

The safetensors format (https://github.com/huggingface/safetensors#format):
    - 8 bytes: N, a u64 int, containing the size of the header
    - N bytes: a JSON utf-8 string representing the header: {"TENSOR_NAME": {"dtype": ..., "shape": [...],
      "data_offsets": [BEGIN, END]}}, offsets into the byte buffer; a special key "__metadata__" holds free text
    - Rest of the file: byte-buffer.
The GGUF format (ggml/docs/gguf.md in llama.cpp, version 3): u32 magic "GGUF", u32 version, u64 tensor_count,
u64 metadata_kv_count, the key/value pairs (gguf_string_t key = u64 length + bytes; u32 value type; the value: 4 =
UINT32, 6 = FLOAT32, 8 = STRING, 9 = ARRAY as u32 item type + u64 count + items), then per tensor: name, u32
n_dimensions, u64 dimensions, u32 ggml type, u64 offset (from the start of the data, a multiple of the alignment);
padding to general.alignment (default 32), then the tensor data.
"""

import errno
import json
import os
import struct

import pytest
import yaml

from generator.catalogue.loading import load_catalogue
from generator.calc.architecture import params_total
from generator.core.errors import GeneratorError
from generator.families import hub, sources
from generator.families.sources import (ModelSource, _is_gguf, gguf_config, read_config_file, read_gguf,
                                        read_hub_model, read_model_folder, read_model_source, safetensors_bytes,
                                        safetensors_header)

gguf_constants = pytest.importorskip("gguf.constants")
Keys = gguf_constants.Keys
T = gguf_constants.GGMLQuantizationType

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOGUE = load_catalogue(os.path.join(HERE, "..", "content"))
with open(os.path.join(HERE, "data", "transformers_param_counts.yaml"), encoding="utf-8") as _handle:
    TRANSFORMERS = yaml.safe_load(_handle)["counts"]

# A small Llama config.json (the keys and meanings of transformers' LlamaConfig).
TINY = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
# Its parameters, written out (transformers' LlamaForCausalLM, no biases, RMSNorm weights only):
#   embed 256*64 + lm_head 256*64 + per layer (q 64*64 + k 64*32 + v 64*32 + o 64*64 + gate/up/down 3*64*128
#   + 2 norms 2*64) * 2 layers + final norm 64
TINY_PARAMS = 256 * 64 * 2 + 2 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 128 + 2 * 64) + 64


def _config_text(config: dict) -> str:
    """A config.json as published (indent 2: one top-level key per line, "{" on line 1)."""
    return json.dumps(config, indent=2)


def _safetensors(tensors, metadata=None, pad_header_to=None, extra_data=0) -> bytes:
    """The documented layout: u64 little-endian header length, JSON header, then the tensor bytes.
    ``tensors``: [(name, dtype, shape, size)] in file order."""
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, size in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + size]}
        blob += b"\0" * size
    text = json.dumps(header).encode()
    if pad_header_to is not None:
        text = text.ljust(pad_header_to)  # trailing spaces, as the safetensors writer pads to 8 bytes
    return struct.pack("<Q", len(text)) + text + blob + b"\0" * extra_data


def _gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _gguf_value(value) -> bytes:
    """One metadata value: u32 type, then the value (UINT32 4, FLOAT32 6, STRING 8, ARRAY 9)."""
    if isinstance(value, float):
        return struct.pack("<I", 6) + struct.pack("<f", value)
    if isinstance(value, int):
        return struct.pack("<I", 4) + struct.pack("<I", value)
    if isinstance(value, str):
        return struct.pack("<I", 8) + _gguf_string(value)
    if isinstance(value, tuple) and value[0] == "strings":  # ("strings", count): an array of short strings
        item = _gguf_string("t")
        return struct.pack("<I", 9) + struct.pack("<IQ", 8, value[1]) + item * value[1]
    raise TypeError(value)


def _gguf(path, metadata: dict, tensors) -> None:
    """A GGUF v3 file: ``metadata`` {key: value}, ``tensors`` [(name, dims, ggml type)]; data zeros, each tensor's
    offset rounded up to the default alignment of 32."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, value in metadata.items():
        out += _gguf_string(key) + _gguf_value(value)
    offset = 0
    for name, dims, kind in tensors:
        block, block_bytes = gguf_constants.GGML_QUANT_SIZES[kind]
        elements = 1
        for dim in dims:
            elements *= dim
        out += _gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", int(kind), offset)
        offset = -(-(offset + elements // block * block_bytes) // 32) * 32
    out += b"\0" * (-len(out) % 32) + b"\0" * offset
    path.write_bytes(out)


def _key(name: str, arch: str) -> str:
    return name.format(arch=arch)


# --- read_model_source: which reader an input goes to ----------------------------------------------------------------
def test_a_folder_a_config_file_and_a_gguf_go_to_their_readers(tmp_path):
    folder = tmp_path / "tiny-llama"
    folder.mkdir()
    (folder / "config.json").write_text(_config_text(TINY))
    source = read_model_source(str(folder), CATALOGUE)
    assert source.name == "tiny-llama" and params_total(source.architecture) == TINY_PARAMS
    assert source.notes == ("no *.safetensors in the folder: weights computed from config.json",)
    source = read_model_source(str(folder / "config.json"), CATALOGUE)
    assert source.name == "config.json" and params_total(source.architecture) == TINY_PARAMS and source.notes == ()
    assert source.declared.name == "bf16"  # torch_dtype bfloat16
    path = tmp_path / "model.gguf"
    _gguf(path, {"general.architecture": "llama", **_llama_keys("llama")}, [("token_embd.weight", (64, 256), T.F16)])
    source = read_model_source(str(path), CATALOGUE)
    assert source.name == "model.gguf" and source.declared.format == "gguf"
    assert source.exact_weight_bytes == 64 * 256 * 2  # F16: 2 bytes per element


def test_text_only_reaches_every_reader(tmp_path, monkeypatch):
    """gemma-3-4b-it's config.json (content/models.yaml) names a SigLIP tower: text_only drops it everywhere."""
    config = {k: v for k, v in CATALOGUE.models["gemma-3-4b-it"].config.items() if k != "params_total"}
    folder = tmp_path / "gemma"
    folder.mkdir()
    (folder / "config.json").write_text(_config_text(config))
    for path in (str(folder), str(folder / "config.json")):
        assert params_total(read_model_source(path, CATALOGUE).architecture) == GEMMA3_4B
        assert params_total(read_model_source(path, CATALOGUE, text_only=True).architecture) == GEMMA3_4B_TEXT
        assert params_total(read_model_source(path, CATALOGUE, True).architecture) == GEMMA3_4B_TEXT
    _fake_hub(monkeypatch, tmp_path, {"google/gemma-3-4b-it": _config_text(config).encode()})
    assert params_total(read_model_source("google/gemma-3-4b-it", None).architecture) == GEMMA3_4B
    assert params_total(read_model_source("google/gemma-3-4b-it", None, True).architecture) == GEMMA3_4B_TEXT


# transformers' count of Gemma3ForConditionalGeneration for gemma-3-4b-it (tests/data/transformers_param_counts.yaml),
# and without its vision tower: SiglipVisionModel (transformers modeling_siglip.py; vision_config of
# content/models.yaml: hidden 1152, intermediate 4304, 27 layers, patch 14, image 896, no head: per layer q/k/v/o
# with biases, fc1 and fc2 with biases, two LayerNorms; patch conv with bias, position table, post LayerNorm) plus
# Gemma3MultiModalProjector (modeling_gemma3.py: mm_input_projection_weight [1152, 2560], mm_soft_emb_norm [1152]):
_SIGLIP_LAYER = 4 * (1152 * 1152 + 1152) + (1152 * 4304 + 4304) + (4304 * 1152 + 1152) + 2 * 2 * 1152
_SIGLIP = 27 * _SIGLIP_LAYER + (3 * 14 * 14 * 1152 + 1152) + (896 // 14) ** 2 * 1152 + 2 * 1152
GEMMA3_4B = TRANSFORMERS["gemma-3-4b-it"]
GEMMA3_4B_TEXT = GEMMA3_4B - (_SIGLIP + 1152 * 2560 + 1152)


def test_a_catalogue_id_gives_its_published_config(tmp_path):
    source = read_model_source("gemma-3-4b-it", CATALOGUE)
    assert source == ModelSource("gemma-3-4b-it", source.architecture, source.declared)
    assert params_total(source.architecture) == GEMMA3_4B and source.architecture.vision_params > 0
    assert (source.declared.name, source.declared.format, source.declared.bits) == ("bf16", "float", 16)
    text = read_model_source("gemma-3-4b-it", CATALOGUE, text_only=True)
    assert params_total(text.architecture) == GEMMA3_4B_TEXT and text.architecture.vision_params == 0
    assert text.name == "gemma-3-4b-it" and text.declared.name == "bf16"
    # The id as the Hub spells it (org/name) resolves to the catalogue entry, never the network.
    assert read_model_source("google/gemma-3-4b-it", CATALOGUE).name == "gemma-3-4b-it"
    dense = read_model_source("Qwen3-8B", CATALOGUE, text_only=True)
    assert params_total(dense.architecture) == TRANSFORMERS["Qwen3-8B"]


def test_a_hub_id_goes_to_the_hub_reader(tmp_path, monkeypatch):
    calls = _fake_hub(monkeypatch, tmp_path, {"someorg/tiny-llama": _config_text(TINY).encode()})
    for catalogue in (CATALOGUE, None):
        source = read_model_source("someorg/tiny-llama", catalogue)
        assert source.name == "someorg/tiny-llama" and params_total(source.architecture) == TINY_PARAMS
    assert calls["urls"] == [f"{SERVER}/someorg/tiny-llama/resolve/main/config.json"] * 2


@pytest.mark.parametrize("catalogue", [CATALOGUE, None])
def test_an_input_that_is_nothing_is_refused(tmp_path, catalogue):
    text = "no such thing"
    with pytest.raises(GeneratorError) as info:
        read_model_source(text, catalogue)
    assert info.value.message == "--config 'no such thing' is neither a file, a folder, a model id nor a Hub id " \
                                 "(org/name)"
    assert info.value.path is None and info.value.line is None
    assert info.value.fix.startswith("give a config.json, a model folder, or a model id (`")


def test_a_near_miss_of_a_catalogue_id_is_refused_with_suggestions():
    with pytest.raises(GeneratorError) as info:
        read_model_source("Qwen3-8Bx", CATALOGUE)
    assert info.value.message.startswith("--config 'Qwen3-8Bx' is neither")
    assert info.value.fix.startswith("did you mean 'Qwen3-8B'")


@pytest.mark.parametrize("length", [79, 80, 81, 120])
def test_a_long_input_is_shown_cut_to_80_characters(length):
    text = ("x y" * 60)[:length]  # spaces: neither an id nor a Hub id
    shown = text if length <= 80 else text[:77] + "..."
    with pytest.raises(GeneratorError) as info:
        read_model_source(text, None)
    assert info.value.message == f"--config {shown!r} is neither a file, a folder, a model id nor a Hub id (org/name)"


# --- read_config_file ---------------------------------------------------------------------------------------------
def test_config_file_errors_name_the_file_and_the_line(tmp_path):
    path = tmp_path / "config.json"
    bad = dict(TINY, hidden_size="x")
    path.write_text(_config_text(bad))
    line = _config_text(bad).splitlines().index('  "hidden_size": "x",') + 1
    with pytest.raises(GeneratorError) as info:
        read_config_file(str(path))
    assert (info.value.path, info.value.line) == (str(path), line) and line > 1
    assert "'hidden_size'" in info.value.message
    quant = dict(TINY, quantization_config={"quant_method": "zzz"})
    path.write_text(_config_text(quant))
    line = _config_text(quant).splitlines().index('  "quantization_config": {') + 1
    with pytest.raises(GeneratorError) as info:
        read_config_file(str(path))
    assert (info.value.path, info.value.line) == (str(path), line) and line > 1
    assert "'zzz'" in info.value.message and "--quantization" in info.value.fix


def test_config_file_without_a_declared_format(tmp_path):
    path = tmp_path / "my-config.json"
    path.write_text(_config_text({k: v for k, v in TINY.items() if k != "torch_dtype"}))
    source = read_config_file(str(path))
    assert source == ModelSource("my-config.json", source.architecture, None, 0, ())


# --- safetensors headers ------------------------------------------------------------------------------------------
def _tensors():
    return [("model.embed_tokens.weight", "BF16", [256, 64], 256 * 64 * 2),
            ("model.layers.0.self_attn.q_proj.weight", "BF16", [64, 64], 64 * 64 * 2),
            ("model.layers.0.mlp.down_proj.weight", "F32", [64, 128], 64 * 128 * 4),
            ("lm_head.weight", "BF16", [256, 64], 256 * 64 * 2)]


def test_safetensors_header_is_the_json_after_the_length(tmp_path):
    path = tmp_path / "a.safetensors"
    path.write_bytes(_safetensors(_tensors(), metadata={"format": "pt"}))
    header = safetensors_header(str(path))
    assert header["__metadata__"] == {"format": "pt"}
    assert header["lm_head.weight"] == {"dtype": "BF16", "shape": [256, 64],
                                        "data_offsets": [256 * 64 * 2 + 64 * 64 * 2 + 64 * 128 * 4,
                                                         256 * 64 * 2 * 2 + 64 * 64 * 2 + 64 * 128 * 4]}


def test_a_header_that_fills_the_file_exactly_is_read(tmp_path):
    """N = file size - 8: a header and no tensor data (a checkpoint of zero-sized tensors)."""
    path = tmp_path / "empty.safetensors"
    path.write_bytes(_safetensors([("a", "F16", [0], 0)], metadata={"format": "pt"}))
    assert safetensors_header(str(path))["a"]["data_offsets"] == [0, 0]


def test_a_tensor_ending_at_the_last_byte_is_read_one_past_is_refused(tmp_path):
    path = tmp_path / "edge.safetensors"
    path.write_bytes(_safetensors([("w", "F16", [4], 8)]))
    assert safetensors_header(str(path))["w"]["data_offsets"] == [0, 8]
    header = json.dumps({"w": {"dtype": "F16", "shape": [4], "data_offsets": [0, 9]}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 8)
    with pytest.raises(GeneratorError) as info:
        safetensors_header(str(path))
    assert info.value.path == str(path) and "'w'" in info.value.message


def _refusal(path) -> str:
    with pytest.raises(GeneratorError) as info:
        safetensors_header(str(path))
    return str(info.value)


def test_safetensors_refusals_name_the_file_and_the_fix(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x01\x02")
    assert _refusal(path) == f"{path}: not a safetensors file (shorter than its 8-byte header length); give the " \
                             ".safetensors files as downloaded"
    path.write_bytes(b"")
    assert _refusal(path).startswith(f"{path}: not a safetensors file (shorter than its 8-byte")
    # A header one byte longer than the file holds after the 8-byte length: 20 bytes of file, 13 after it.
    path.write_bytes(struct.pack("<Q", 13) + b"{}" + b" " * 10)
    assert _refusal(path) == f"{path}: safetensors header of 13 bytes, but the file has only 20: it is cut short or " \
                             "not a safetensors file; download the file again"
    # The largest u64 (8 bytes 0xff): a length no file holds, shown with thousands separators.
    path.write_bytes(b"\xff" * 8 + b"{}")
    assert _refusal(path) == f"{path}: safetensors header of 18,446,744,073,709,551,615 bytes, but the file has only " \
                             "10: it is cut short or not a safetensors file; download the file again"
    missing = tmp_path / "missing.safetensors"
    assert _refusal(missing) == f"{missing}: cannot read: {os.strerror(errno.ENOENT)}; check the path"
    folder = tmp_path / "folder.safetensors"
    folder.mkdir()
    assert _refusal(folder) == f"{folder}: the safetensors file is a folder, not a regular file; replace it with a " \
                               "plain file"


def test_a_header_above_the_cap_is_refused_at_the_cap_read(tmp_path, monkeypatch):
    """More than MAX_SAFETENSORS_HEADER bytes is refused, exactly that many is read (safetensors' own reader:
    `if n > MAX_HEADER_SIZE { HeaderTooLarge }`); the cap lowered to 64 bytes here to keep the file small."""
    monkeypatch.setattr(sources, "MAX_SAFETENSORS_HEADER", 64)
    path = tmp_path / "capped.safetensors"
    path.write_bytes(_safetensors([("w", "F16", [4], 8)], pad_header_to=64))
    assert safetensors_header(str(path))["w"]["dtype"] == "F16"
    path.write_bytes(_safetensors([("w", "F16", [4], 8)], pad_header_to=65))
    assert _refusal(path) == f"{path}: safetensors header of 65 bytes, more than 64; give the .safetensors files as " \
                             "downloaded"


def test_a_read_error_or_a_file_cut_while_read_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "flaky.safetensors"
    path.write_bytes(_safetensors(_tensors()))
    real = os.pread

    def failing(fd, n, offset):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "pread", failing)
    assert _refusal(path) == f"{path}: cannot read: {os.strerror(errno.EIO)}; check the path"

    def shrinking(fd, n, offset):  # the file cut short between its fstat and the header's read
        return real(fd, n, offset)[:-1] if offset == 8 else real(fd, n, offset)

    monkeypatch.setattr(os, "pread", shrinking)
    assert _refusal(path) == f"{path}: safetensors header is cut short; download the file again"


def test_safetensors_bytes_sum_each_dtype_over_files(tmp_path):
    one, two = tmp_path / "model-00001-of-00002.safetensors", tmp_path / "model-00002-of-00002.safetensors"
    one.write_bytes(_safetensors(_tensors()[2:3] + _tensors()[:1], metadata={"format": "pt"}))
    two.write_bytes(_safetensors(_tensors()[1:2] + _tensors()[3:], metadata={"format": "pt"}))
    total, by_dtype = safetensors_bytes([str(one), str(two)])
    bf16 = 256 * 64 * 2 + 64 * 64 * 2 + 256 * 64 * 2
    assert by_dtype == {"BF16": bf16, "F32": 64 * 128 * 4} and list(by_dtype) == ["BF16", "F32"]
    assert total == bf16 + 64 * 128 * 4
    assert safetensors_bytes([]) == (0, {})


def test_text_only_leaves_out_every_tower_tensor(tmp_path):
    """The towers' tensor names of the vision/audio checkpoints (Qwen2.5-VL "visual.", LLaVA/Gemma 3
    "vision_tower" and "multi_modal_projector", SigLIP/CLIP "vision_model", Qwen2-Audio "audio_tower", Pixtral
    "vision_encoder"); a tower tensor between text tensors, after the metadata."""
    towers = [("visual.blocks.0.attn.qkv.weight", "BF16", [2], 4), ("vision_tower.x", "BF16", [2], 4),
              ("model.vision_model.y", "F32", [2], 8), ("multi_modal_projector.z", "BF16", [2], 4),
              ("audio_tower.a", "F16", [2], 4), ("vision_encoder.b", "BF16", [2], 4)]
    text = [("model.embed_tokens.weight", "BF16", [3], 6), ("model.norm.weight", "F32", [3], 12)]
    path = tmp_path / "vl.safetensors"
    path.write_bytes(_safetensors(text[:1] + towers + text[1:], metadata={"format": "pt"}))
    assert safetensors_bytes([str(path)], text_only=True) == (18, {"BF16": 6, "F32": 12})
    assert safetensors_bytes([str(path)]) == (18 + 28, {"BF16": 6 + 16, "F16": 4, "F32": 12 + 8})


# --- read_model_folder --------------------------------------------------------------------------------------------
def test_folder_weights_come_from_the_headers(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text(_config_text(TINY))
    (folder / "model-00001-of-00002.safetensors").write_bytes(_safetensors(_tensors()[2:3] + _tensors()[:1]))
    (folder / "model-00002-of-00002.safetensors").write_bytes(_safetensors(_tensors()[1:2] + _tensors()[3:]))
    (folder / "notes.txt").write_text("not a checkpoint")
    source = read_model_folder(str(folder) + os.sep)  # a trailing separator still names the folder
    bf16, f32 = 256 * 64 * 2 * 2 + 64 * 64 * 2, 64 * 128 * 4
    assert source.name == "tiny" and params_total(source.architecture) == TINY_PARAMS
    assert source.declared.name == "bf16" and source.exact_weight_bytes == bf16 + f32
    assert source.notes == (f"weights: {bf16 + f32:,} bytes in 2 safetensors file(s) (BF16 {bf16:,}, F32 {f32:,}), "
                            "from their headers",)


def test_folder_without_safetensors_computes_weights(tmp_path):
    folder = tmp_path / "only-config"
    folder.mkdir()
    (folder / "config.json").write_text(_config_text(TINY))
    source = read_model_folder(str(folder) + os.sep)
    assert source == ModelSource("only-config", source.architecture, source.declared, 0,
                                 ("no *.safetensors in the folder: weights computed from config.json",))
    assert source.declared.name == "bf16" and params_total(source.architecture) == TINY_PARAMS


def test_folder_with_vision_tensors_and_text_only(tmp_path):
    config = {k: v for k, v in CATALOGUE.models["gemma-3-4b-it"].config.items() if k != "params_total"}
    folder = tmp_path / "gemma"
    folder.mkdir()
    (folder / "config.json").write_text(_config_text(config))
    (folder / "model.safetensors").write_bytes(_safetensors(
        [("language_model.model.embed_tokens.weight", "BF16", [4], 8), ("vision_tower.w", "BF16", [2], 4)]))
    full, text = read_model_folder(str(folder)), read_model_folder(str(folder), True)
    assert (full.exact_weight_bytes, text.exact_weight_bytes) == (12, 8)
    assert params_total(full.architecture) == GEMMA3_4B and params_total(text.architecture) == GEMMA3_4B_TEXT


def test_folder_with_one_gguf_and_no_config_reads_the_gguf(tmp_path):
    folder = tmp_path / "gguf-folder"
    folder.mkdir()
    _gguf(folder / "model-q8_0.gguf", {"general.architecture": "llama", **_llama_keys("llama")},
          [("token_embd.weight", (64, 256), T.Q8_0)])
    source = read_model_folder(str(folder))
    assert source.name == "model-q8_0.gguf" and source.exact_weight_bytes == 64 * 256 // 32 * 34


@pytest.mark.parametrize("ggufs", [0, 2])
def test_folder_without_config_and_not_one_gguf_is_refused(tmp_path, ggufs):
    folder = tmp_path / "empty"
    folder.mkdir()
    for i in range(ggufs):
        _gguf(folder / f"part{i}.gguf", {"general.architecture": "llama", **_llama_keys("llama")}, [])
    (folder / "model.safetensors").write_bytes(_safetensors(_tensors()))
    with pytest.raises(GeneratorError) as info:
        read_model_folder(str(folder))
    assert str(info.value) == f"{folder}: the folder has no config.json; give a model folder as downloaded " \
                              "(config.json and *.safetensors), or one .gguf file"


# --- GGUF -----------------------------------------------------------------------------------------------------------
def test_is_gguf_reads_the_magic(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"GGUF\x03\0\0\0")
    assert _is_gguf(str(path)) is True
    for data in (b"GGU", b"gguf\x03\0\0\0", b"XGGUF", b"{\"GGUF\": 1}"):
        path.write_bytes(data)
        assert _is_gguf(str(path)) is False
    assert _is_gguf(str(tmp_path / "missing")) is False
    assert _is_gguf(str(tmp_path)) is False  # a folder is not opened for reading


def _llama_keys(arch: str) -> dict:
    """A small model's metadata under llama.cpp's key names (gguf-py's Keys)."""
    return {_key(Keys.LLM.BLOCK_COUNT, arch): 2, _key(Keys.LLM.EMBEDDING_LENGTH, arch): 64,
            _key(Keys.LLM.FEED_FORWARD_LENGTH, arch): 128, _key(Keys.Attention.HEAD_COUNT, arch): 4,
            _key(Keys.Attention.HEAD_COUNT_KV, arch): 2, _key(Keys.LLM.CONTEXT_LENGTH, arch): 2048,
            _key(Keys.LLM.VOCAB_SIZE, arch): 256}


def _metadata(arch: str, config: dict) -> dict:
    """The metadata llama.cpp's convert_hf_to_gguf.py writes for a config.json (TextModel.set_gguf_parameters:
    add_block_count(num_hidden_layers), add_context_length(max_position_embeddings), add_embedding_length(hidden_size),
    add_feed_forward_length(intermediate_size), add_head_count, add_head_count_kv, add_key_length(head_dim),
    add_expert_count/add_expert_used_count; Qwen2MoeModel: add_expert_feed_forward_length(moe_intermediate_size),
    add_expert_shared_feed_forward_length(shared_expert_intermediate_size)), and the vocabulary as the token list."""
    names = {"num_hidden_layers": Keys.LLM.BLOCK_COUNT, "max_position_embeddings": Keys.LLM.CONTEXT_LENGTH,
             "hidden_size": Keys.LLM.EMBEDDING_LENGTH, "intermediate_size": Keys.LLM.FEED_FORWARD_LENGTH,
             "num_attention_heads": Keys.Attention.HEAD_COUNT, "num_key_value_heads": Keys.Attention.HEAD_COUNT_KV,
             "head_dim": Keys.Attention.KEY_LENGTH, "sliding_window": Keys.Attention.SLIDING_WINDOW,
             "num_local_experts": Keys.LLM.EXPERT_COUNT, "num_experts": Keys.LLM.EXPERT_COUNT,
             "num_experts_per_tok": Keys.LLM.EXPERT_USED_COUNT,
             "moe_intermediate_size": Keys.LLM.EXPERT_FEED_FORWARD_LENGTH,
             "shared_expert_intermediate_size": Keys.LLM.EXPERT_SHARED_FEED_FORWARD_LENGTH}
    fields = {Keys.General.ARCHITECTURE: arch}
    for name, value in config.items():
        if name in names:
            fields[_key(names[name], arch)] = value
    fields[Keys.Tokenizer.LIST] = [f"t{i}" for i in range(config["vocab_size"])]
    return fields


def _catalogue_config(model_id: str) -> dict:
    config = dict(CATALOGUE.models[model_id].config)
    config.update(config.pop("text_config", {}))
    return config


@pytest.mark.parametrize("model_id, arch, tied", [
    ("Qwen2.5-0.5B-Instruct", "qwen2", True), ("Mixtral-8x7B-v0.1", "llama", False),
    ("Qwen3-30B-A3B", "qwen3moe", False), ("Qwen1.5-MoE-A2.7B", "qwen2moe", False),
    ("gemma-3-1b-it", "gemma3", True), ("Llama-3.1-8B", "llama", False)])
def test_gguf_metadata_gives_transformers_parameter_count(model_id, arch, tied):
    """A GGUF converted from a catalogue model: the architecture read back has transformers' exact count. A tied
    checkpoint has no output.weight (llama.cpp's loader then uses token_embd for the output: llama-model.cpp
    `output = create_tensor(tn(LLM_TENSOR_OUTPUT, "weight"), ..., TENSOR_NOT_REQUIRED); if (output == NULL) output =
    create_tensor(tn(LLM_TENSOR_TOKEN_EMBD, "weight"), ..., TENSOR_DUPLICATED)`)."""
    if model_id in CATALOGUE.models:
        config = _catalogue_config(model_id)
    else:
        config = FAMILY_CONFIGS[model_id]
    names = ["token_embd.weight", "blk.0.attn_q.weight"] + ([] if tied else ["output.weight"])
    from generator.families.reader import architecture_from_config
    arch_of = architecture_from_config(gguf_config(_metadata(arch, config), names), "x.gguf")
    assert params_total(arch_of) == TRANSFORMERS[model_id]
    assert arch_of.tie_word_embeddings is tied


# Qwen1.5-MoE-A2.7B's published config.json (huggingface.co/Qwen/Qwen1.5-MoE-A2.7B), not in the catalogue.
FAMILY_CONFIGS = {"Qwen1.5-MoE-A2.7B": {
    "model_type": "qwen2_moe", "hidden_size": 2048, "num_hidden_layers": 24, "num_attention_heads": 16,
    "num_key_value_heads": 16, "intermediate_size": 5632, "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632, "num_experts": 60, "num_experts_per_tok": 4, "vocab_size": 151936,
    "max_position_embeddings": 8192, "tie_word_embeddings": False}}


def test_gguf_config_dense_keys():
    """Each llama.cpp key gives the config.json key of the same meaning (llama.cpp's llm_kv names)."""
    fields = {Keys.General.ARCHITECTURE: "llama", **_llama_keys("llama"),
              _key(Keys.Attention.KEY_LENGTH, "llama"): 16, _key(Keys.Attention.SLIDING_WINDOW, "llama"): 1024,
              Keys.Tokenizer.LIST: ["a"] * 300, "llama.rope.freq_base": 500000.0}
    assert gguf_config(fields, ["token_embd.weight", "output.weight"]) == {
        "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 128,
        "vocab_size": 256,  # {arch}.vocab_size first, the token list's length only without it
        "max_position_embeddings": 2048, "sliding_window": 1024, "tie_word_embeddings": False}
    del fields["llama.vocab_size"]
    assert gguf_config(fields, ["token_embd.weight"])["vocab_size"] == 300
    assert gguf_config(fields, ["token_embd.weight"])["tie_word_embeddings"] is True
    del fields[Keys.Tokenizer.LIST]
    assert "vocab_size" not in gguf_config(fields, [])


def test_gguf_config_experts():
    """Mixtral is llama.cpp architecture "llama" with {arch}.expert_count; its experts' width is the
    feed_forward_length (no expert_feed_forward_length key); Qwen MoE files give their own widths."""
    mixtral = {Keys.General.ARCHITECTURE: "llama", **_llama_keys("llama"), "llama.expert_count": 8,
               "llama.expert_used_count": 2}
    assert gguf_config(mixtral, ["output.weight"]) == {
        "model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256, "max_position_embeddings": 2048,
        "tie_word_embeddings": False, "num_experts": 8, "num_local_experts": 8, "num_experts_per_tok": 2,
        "moe_intermediate_size": 128}
    qwen = {Keys.General.ARCHITECTURE: "qwen2moe", **_llama_keys("qwen2moe"), "qwen2moe.expert_count": 60,
            "qwen2moe.expert_used_count": 4, "qwen2moe.expert_feed_forward_length": 32,
            "qwen2moe.expert_shared_feed_forward_length": 96}
    assert gguf_config(qwen, []) == {
        "model_type": "qwen2_moe", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256, "max_position_embeddings": 2048,
        "tie_word_embeddings": True, "num_experts": 60, "num_local_experts": 60, "num_experts_per_tok": 4,
        "moe_intermediate_size": 32, "shared_expert_intermediate_size": 96, "use_sliding_window": False}


@pytest.mark.parametrize("arch, model_type", [("llama", "llama"), ("mistral", "mistral"), ("qwen2", "qwen2"),
                                              ("qwen3", "qwen3"), ("qwen2moe", "qwen2_moe"), ("qwen3moe", "qwen3_moe"),
                                              ("gemma", "gemma"), ("gemma2", "gemma2"), ("gemma3", "gemma3_text"),
                                              ("phi3", "phi3")])
def test_gguf_architectures_map_to_transformers_model_types(arch, model_type):
    """llama.cpp's llm_arch names (llama-arch.cpp LLM_ARCH_NAMES) -> transformers' model_type; Qwen's configs
    publish a sliding_window with use_sliding_window false, which the GGUF does not carry: it is set false."""
    config = gguf_config({Keys.General.ARCHITECTURE: arch, **_llama_keys(arch)}, ["output.weight"])
    assert config["model_type"] == model_type
    assert config.get("use_sliding_window", "absent") == (False if arch.startswith("qwen") else "absent")


def test_gguf_of_an_unmapped_architecture_is_refused(tmp_path):
    with pytest.raises(GeneratorError) as info:
        gguf_config({Keys.General.ARCHITECTURE: "rwkv6"}, [])
    assert str(info.value) == "GGUF architecture 'rwkv6' is not mapped to a family; supported GGUF architectures: " \
                              "gemma, gemma2, gemma3, llama, mistral, phi3, qwen2, qwen2moe, qwen3, qwen3moe"
    path = tmp_path / "rwkv.gguf"
    _gguf(path, {"general.architecture": "rwkv6"}, [("a", (32,), T.F16)])
    with pytest.raises(GeneratorError) as info:
        read_gguf(str(path))
    assert str(info.value) == f"{path}: GGUF architecture 'rwkv6' is not mapped to a family; supported GGUF " \
                              "architectures: gemma, gemma2, gemma3, llama, mistral, phi3, qwen2, qwen2moe, qwen3, " \
                              "qwen3moe"
    _gguf(path, {}, [])
    with pytest.raises(GeneratorError) as info:
        read_gguf(str(path))
    assert info.value.message == "GGUF architecture None is not mapped to a family"


def test_gguf_missing_key_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "nolayers.gguf"
    keys = {k: v for k, v in _llama_keys("llama").items() if k != "llama.block_count"}
    _gguf(path, {"general.architecture": "llama", **keys}, [])
    with pytest.raises(GeneratorError) as info:
        read_gguf(str(path))
    assert (info.value.path, info.value.line) == (str(path), None)
    assert "'num_hidden_layers'" in info.value.message and info.value.fix


def _tiny_gguf(path, file_type=None, extra=()):
    metadata = {"general.architecture": "llama", **_llama_keys("llama")}
    if file_type is not None:
        metadata["general.file_type"] = file_type
    # ggml's type table (ggml.c type_traits; gguf-py GGML_QUANT_SIZES): F32 4 bytes, F16 2 bytes per element,
    # Q8_0 blocks of 32 elements in 34 bytes (a 2-byte scale and 32 int8), Q4_K blocks of 256 in 144 bytes.
    tensors = [("token_embd.weight", (64, 256), T.Q8_0), ("output.weight", (256, 64), T.Q4_K),
               ("blk.0.attn_q.weight", (64, 64), T.F16), ("blk.0.attn_norm.weight", (64,), T.F32), *extra]
    _gguf(path, metadata, tensors)
    return {"q8_0": 64 * 256 // 32 * 34, "q4_k": 64 * 256 // 256 * 144, "f16": 64 * 64 * 2, "f32": 64 * 4}


def test_gguf_weights_and_format_from_the_tensor_table(tmp_path):
    path = tmp_path / "tiny-Q4_K_M.gguf"
    sizes = _tiny_gguf(path, file_type=15)  # llama.cpp LLAMA_FTYPE_MOSTLY_Q4_K_M = 15
    total = sum(sizes.values())
    elements = 64 * 256 * 2 + 64 * 64 + 64
    source = read_gguf(str(path))
    assert source.name == "tiny-Q4_K_M.gguf" and source.exact_weight_bytes == total
    assert source.architecture.layers == 2 and source.architecture.hidden_size == 64
    assert not source.architecture.tie_word_embeddings  # output.weight is in the file
    quant = source.declared
    assert (quant.name, quant.format, quant.exact_weight_bytes, quant.note) == \
        ("q4_k_m", "gguf", total, "GGUF file type q4_k_m")
    assert quant.bits == 8 * total / elements
    assert source.notes == (f"weights: {total:,} bytes in 4 GGUF tensors (f16 {sizes['f16']:,}, f32 {sizes['f32']:,}, "
                            f"q4_k {sizes['q4_k']:,}, q8_0 {sizes['q8_0']:,}), from the file's tensor table",)


def test_gguf_of_one_type_has_that_types_bits(tmp_path):
    """Q8_0 only: 34 bytes per 32 weights = 8.5 bits per weight (ggml's type table); two tensors of one type add."""
    path = tmp_path / "q8.gguf"
    _gguf(path, {"general.architecture": "llama", **_llama_keys("llama"), "general.file_type": 7},
          [("token_embd.weight", (64, 256), T.Q8_0), ("blk.0.attn_q.weight", (64, 64), T.Q8_0)])
    source = read_gguf(str(path))
    assert source.declared.bits == 8.5 and source.declared.name == "q8_0"
    q8 = (64 * 256 + 64 * 64) // 32 * 34
    assert source.notes == (f"weights: {q8:,} bytes in 2 GGUF tensors (q8_0 {q8:,}), from the file's tensor table",)


@pytest.mark.parametrize("file_type, name, note", [
    (None, "gguf", "unknown"),          # no general.file_type
    (99, "gguf", "unknown"),            # a number llama.cpp's llama_ftype does not have
    (7.0, "gguf", "unknown"),           # stored as FLOAT32, not the UINT32 llama.cpp reads
    (0, "all_f32", "all_f32"),          # LLAMA_FTYPE_ALL_F32: no quantization of that name
    (1, "f16", "f16"),                  # LLAMA_FTYPE_MOSTLY_F16
    (32, "bf16", "bf16"),               # LLAMA_FTYPE_MOSTLY_BF16
    (7, "q8_0", "q8_0")])               # LLAMA_FTYPE_MOSTLY_Q8_0
def test_gguf_file_type_names_the_format(tmp_path, file_type, name, note):
    path = tmp_path / "t.gguf"
    _tiny_gguf(path, file_type)
    quant = read_gguf(str(path)).declared
    assert (quant.name, quant.format, quant.note) == (name, "gguf", f"GGUF file type {note}")


def test_gguf_without_tensors_is_16_bits(tmp_path):
    """A tensor table with no tensors (llama.cpp's vocab-only files, models/ggml-vocab-*.gguf): no bytes to measure;
    the bits are those of an unquantized 16-bit checkpoint (GGML_TYPE_F16: 2 bytes per weight)."""
    path = tmp_path / "vocab.gguf"
    _gguf(path, {"general.architecture": "llama", **_llama_keys("llama")}, [])
    source = read_gguf(str(path))
    assert (source.declared.bits, source.exact_weight_bytes, source.declared.name) == (16.0, 0, "gguf")
    assert source.notes == ("weights: 0 bytes in 0 GGUF tensors (), from the file's tensor table",)


def test_gguf_of_a_real_models_metadata(tmp_path):
    """Qwen2.5-0.5B-Instruct converted to GGUF (metadata as convert_hf_to_gguf.py writes it for its config.json in
    content/models.yaml; the 151,936-token list; tied: no output.weight): transformers' count."""
    path = tmp_path / "qwen2.5-0.5b-instruct-q8_0.gguf"
    fields = _metadata("qwen2", _catalogue_config("Qwen2.5-0.5B-Instruct"))
    fields[Keys.Tokenizer.LIST] = ("strings", len(fields[Keys.Tokenizer.LIST]))
    fields["general.file_type"] = 7
    _gguf(path, fields, [("blk.0.attn_q.weight", (896, 896), T.Q8_0)])  # one tensor of the table: 0.8 MB
    source = read_model_source(str(path), CATALOGUE)
    assert params_total(source.architecture) == TRANSFORMERS["Qwen2.5-0.5B-Instruct"]
    assert source.architecture.tie_word_embeddings and source.declared.bits == 8.5
    assert source.exact_weight_bytes == 896 * 896 // 32 * 34


# --- A Hub id (hub.py's requests replaced: no network) ----------------------------------------------------------
SERVER = "http://hub.invalid"


def _fake_hub(monkeypatch, tmp_path, configs: dict, headers: dict | None = None, fail=None, headers_fail=None):
    """hub.request answers config.json from ``configs`` ({repo: bytes}; a repo not there: HTTP 404) or raises
    ``fail``; hub.safetensors_headers answers ``headers`` ({repo: [(file, header)]}) or raises ``headers_fail``."""
    monkeypatch.setenv("HF_ENDPOINT", SERVER)
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(hub.DEADLINE_ENV, "7")
    calls = {"urls": [], "deadlines": [], "caps": [], "headers": []}

    def request(url, deadline, cap, headers=None):
        calls["urls"].append(url)
        calls["deadlines"].append(deadline)
        calls["caps"].append(cap)
        if fail is not None:
            raise fail
        for repo, data in configs.items():
            if url == f"{SERVER}/{repo}/resolve/main/config.json":
                return hub.Response(200, {}, data)
        raise hub.HubError("HTTP 404", 404)

    def safetensors_headers(server, repo_id, deadline):
        calls["headers"].append((server, repo_id, deadline))
        if headers_fail is not None:
            raise headers_fail
        return (headers or {}).get(repo_id, [])

    monkeypatch.setattr(hub, "request", request)
    monkeypatch.setattr(hub, "safetensors_headers", safetensors_headers)
    return calls


def _st_header(tensors, metadata=True) -> dict:
    header = {"__metadata__": {"format": "pt"}} if metadata else {}
    for name, size, begin in tensors:
        header[name] = {"dtype": "BF16", "shape": [size // 2], "data_offsets": [begin, begin + size]}
    return header


def test_hub_config_and_safetensors_headers(tmp_path, monkeypatch):
    shards = [("model-00001-of-00002.safetensors", _st_header([("model.embed_tokens.weight", 100, 0),
                                                                ("vision_tower.a", 30, 100)])),
              ("model-00002-of-00002.safetensors", _st_header([("model.norm.weight", 6, 4),
                                                                ("lm_head.weight", 50, 10)]))]
    data = _config_text(TINY).encode()
    calls = _fake_hub(monkeypatch, tmp_path, {"someorg/tiny-llama": data}, {"someorg/tiny-llama": shards})
    source = read_hub_model("someorg/tiny-llama")
    assert source.name == "someorg/tiny-llama" and params_total(source.architecture) == TINY_PARAMS
    assert source.declared.name == "bf16" and source.exact_weight_bytes == 100 + 30 + 6 + 50
    assert source.notes == (f"fetched config.json of someorg/tiny-llama from the Hub ({SERVER})",
                            "weights: 186 bytes from the Hub's safetensors headers")
    # One request, for config.json at the Hub's /{repo}/resolve/{revision}/{file} URL, at most 16 MiB
    # (safeio.MAX_TEXT_BYTES), within the one deadline that the safetensors headers share ($GENERATOR_HUB_TIMEOUT).
    assert calls["urls"] == [f"{SERVER}/someorg/tiny-llama/resolve/main/config.json"]
    assert calls["caps"] == [16 * 2 ** 20]
    deadline = calls["deadlines"][0]
    assert isinstance(deadline, hub.Deadline) and deadline.seconds == 7.0
    assert calls["headers"] == [(SERVER, "someorg/tiny-llama", deadline)]
    # config.json is kept where hub.py caches it, byte for byte.
    assert hub.read_cache(hub.cache_path(SERVER, "someorg/tiny-llama")) == data
    text = read_hub_model("someorg/tiny-llama", text_only=True)
    assert text.exact_weight_bytes == 100 + 6 + 50
    assert text.notes[1] == "weights: 156 bytes from the Hub's safetensors headers"


def test_hub_without_safetensors_headers(tmp_path, monkeypatch):
    _fake_hub(monkeypatch, tmp_path, {"someorg/tiny-llama": _config_text(TINY).encode()},
              headers_fail=hub.HubError("HTTP 500", 500))
    source = read_hub_model("someorg/tiny-llama")
    assert source.exact_weight_bytes == 0
    assert source.notes == (f"fetched config.json of someorg/tiny-llama from the Hub ({SERVER})",
                            "no safetensors headers from the Hub (HTTP 500): weights computed from config.json")


@pytest.mark.parametrize("status", [401, 403, 404])
def test_hub_id_without_a_readable_config_is_refused(tmp_path, monkeypatch, status):
    _fake_hub(monkeypatch, tmp_path, {}, fail=hub.HubError(f"HTTP {status}", status))
    with pytest.raises(GeneratorError) as info:
        read_hub_model("someorg/missing")
    assert str(info.value) == f"{SERVER} has no readable config.json for 'someorg/missing' (HTTP {status}); check " \
                              "the id (org/name), or give its config.json"


@pytest.mark.parametrize("status", [None, 402, 405, 500])
def test_hub_not_reached_and_nothing_cached_is_refused(tmp_path, monkeypatch, status):
    _fake_hub(monkeypatch, tmp_path, {}, fail=hub.HubError("timed out", status))
    with pytest.raises(GeneratorError) as info:
        read_hub_model("someorg/tiny-llama")
    assert str(info.value) == f"cannot fetch the config.json of 'someorg/tiny-llama' from {SERVER}: timed out; check " \
                              "the network, or give its config.json (GENERATOR_HUB_TIMEOUT sets the seconds to " \
                              "wait, HF_ENDPOINT the server)"


def test_hub_not_reached_uses_the_cached_config(tmp_path, monkeypatch):
    data = _config_text(TINY).encode()
    _fake_hub(monkeypatch, tmp_path, {"someorg/tiny-llama": data})
    read_hub_model("someorg/tiny-llama")  # fetched: cached
    calls = _fake_hub(monkeypatch, tmp_path, {}, fail=hub.HubError("connection refused", None))
    source = read_hub_model("someorg/tiny-llama")
    assert source == ModelSource("someorg/tiny-llama", source.architecture, source.declared, 0,
                                 (f"{SERVER} not reached (connection refused): using the config.json of "
                                  "someorg/tiny-llama cached earlier", "weights computed from config.json"))
    assert params_total(source.architecture) == TINY_PARAMS and calls["headers"] == []


def test_hub_config_with_a_byte_order_mark_is_read(tmp_path, monkeypatch):
    _fake_hub(monkeypatch, tmp_path, {"someorg/bom": "\ufeff".encode() + _config_text(TINY).encode()})
    assert params_total(read_hub_model("someorg/bom").architecture) == TINY_PARAMS


def test_hub_config_not_utf8_is_refused(tmp_path, monkeypatch):
    _fake_hub(monkeypatch, tmp_path, {"someorg/latin1": b'{"model_type": "caf\xe9"}'})
    with pytest.raises(GeneratorError) as info:
        read_hub_model("someorg/latin1")
    assert str(info.value) == "someorg/latin1/config.json: the config.json is not UTF-8; check the id, or give its " \
                              "config.json"


def test_hub_config_errors_name_the_repo_file_and_line(tmp_path, monkeypatch):
    bad = dict(TINY, hidden_size="x")
    quant = dict(TINY, quantization_config={"quant_method": "zzz"})
    missing = {k: v for k, v in TINY.items() if k != "num_hidden_layers"}
    _fake_hub(monkeypatch, tmp_path, {"o/bad": _config_text(bad).encode(), "o/quant": _config_text(quant).encode(),
                                      "o/missing": _config_text(missing).encode()})
    cases = [("o/bad", _config_text(bad).splitlines().index('  "hidden_size": "x",') + 1),
             ("o/quant", _config_text(quant).splitlines().index('  "quantization_config": {') + 1),
             ("o/missing", 1)]  # a missing key: line 1, the file's first line
    for repo, line in cases:
        with pytest.raises(GeneratorError) as info:
            read_hub_model(repo)
        assert (info.value.path, info.value.line) == (f"{repo}/config.json", line)
    assert cases[0][1] > 1 and cases[1][1] > 1


def test_hub_config_not_json_is_refused_naming_the_repo_file(tmp_path, monkeypatch):
    _fake_hub(monkeypatch, tmp_path, {"o/html": b"<!doctype html>\n<p>sign in</p>"})
    with pytest.raises(GeneratorError) as info:
        read_hub_model("o/html")
    assert info.value.path == "o/html/config.json" and info.value.fix


def test_hub_unknown_dtype_is_refused_at_its_line(tmp_path, monkeypatch):
    config = dict({k: v for k, v in TINY.items() if k != "torch_dtype"}, dtype="float7")
    _fake_hub(monkeypatch, tmp_path, {"o/dtype": _config_text(config).encode()})
    with pytest.raises(GeneratorError) as info:
        read_hub_model("o/dtype")
    line = _config_text(config).splitlines().index('  "dtype": "float7"') + 1
    assert (info.value.path, info.value.line) == ("o/dtype/config.json", line) and line > 2
    assert info.value.message == "dtype 'float7' is not a storage type the estimator knows"


def test_config_file_counts_the_towers_unless_asked_not_to(tmp_path):
    config = {k: v for k, v in CATALOGUE.models["gemma-3-4b-it"].config.items() if k != "params_total"}
    path = tmp_path / "config.json"
    path.write_text(_config_text(config))
    assert params_total(read_config_file(str(path)).architecture) == GEMMA3_4B
    assert params_total(read_config_file(str(path), text_only=True).architecture) == GEMMA3_4B_TEXT


class _Entry:
    """A catalogue entry as read_model_source uses it (generator/catalogue/loading.py's Model): id, config, path,
    require_architecture()."""

    def __init__(self, model_id, config, architecture):
        self.id, self.config, self.path, self._architecture = model_id, config, "catalogue/models.yaml", architecture

    def require_architecture(self):
        return self._architecture


class _Catalogue:
    def __init__(self, *entries):
        self.models = {entry.id: entry for entry in entries}


def test_errors_of_a_catalogue_entry_name_the_catalogue_file():
    """A catalogue of the user's own (--content DIR) whose entry reads as a whole but not as text only, or declares a
    dtype the estimator does not know: the refusal names the catalogue's file."""
    from generator.families.reader import architecture_from_config
    gemma = {k: v for k, v in CATALOGUE.models["gemma-3-4b-it"].config.items() if k != "params_total"}
    broken_text = dict(gemma, text_config=dict(gemma["text_config"], hidden_size="x"))
    entry = _Entry("Vision-4B", broken_text, architecture_from_config(gemma))
    assert read_model_source("Vision-4B", _Catalogue(entry)).name == "Vision-4B"
    with pytest.raises(GeneratorError) as info:
        read_model_source("Vision-4B", _Catalogue(entry), text_only=True)
    assert (info.value.path, info.value.line) == ("catalogue/models.yaml", None)
    assert "'hidden_size'" in info.value.message
    entry = _Entry("Float7-1B", dict(TINY, torch_dtype="float7"), architecture_from_config(TINY))
    with pytest.raises(GeneratorError) as info:
        read_model_source("Float7-1B", _Catalogue(entry))
    assert (info.value.path, info.value.line) == ("catalogue/models.yaml", None)
    assert info.value.message == "torch_dtype 'float7' is not a storage type the estimator knows"


def test_hub_config_on_one_line_locates_errors_at_line_1(tmp_path, monkeypatch):
    """A config.json written without indentation (json.dumps' default: the whole object on line 1): every error is on
    line 1."""
    quant = dict(TINY, quantization_config={"quant_method": "zzz"})
    _fake_hub(monkeypatch, tmp_path, {"o/flat": json.dumps(quant).encode(),
                                      "o/flat-bad": json.dumps(dict(TINY, hidden_size="x")).encode()})
    for repo in ("o/flat", "o/flat-bad"):
        with pytest.raises(GeneratorError) as info:
            read_hub_model(repo)
        assert (info.value.path, info.value.line) == (f"{repo}/config.json", 1)
