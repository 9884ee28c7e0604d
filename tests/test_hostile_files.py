"""Issue 16, items 3 and 6: model files and published files that try to make a read unbounded. Each case runs
``estimate`` or ``check`` in a child under 3 GiB and 30 s (tests/hostile.py): counts and lengths that cannot fit in
the file are refused before anything is allocated, FIFOs and devices are never opened for reading, and sparse
multi-GiB files cost nothing because nothing reads them whole.

The GGUF files are written byte by byte from the layout in llama.cpp's ggml/src/gguf.cpp (magic, u32 version,
u64 tensor count, u64 key count, keys as u64-length strings with a u32 type, tensor infos, data aligned to 32)."""

from __future__ import annotations

import json
import os
import struct

import pytest

from hostile import one_error_line, run_limited

U8, U32, STRING, ARRAY = 0, 4, 8, 9
F16 = 1  # ggml type: 2 bytes per element, blocks of 1


def _s(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _kv_u32(key, value):
    return _s(key) + struct.pack("<II", U32, value)


def _kv_string(key, value):
    return _s(key) + struct.pack("<I", STRING) + _s(value)


def gguf(keys: list[bytes], tensors=(), n_tensors=None, n_keys=None) -> bytes:
    data = b"GGUF" + struct.pack("<IQQ", 3, len(tensors) if n_tensors is None else n_tensors,
                                 len(keys) if n_keys is None else n_keys)
    data += b"".join(keys)
    for name, dims, offset in tensors:
        data += _s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        data += struct.pack("<IQ", F16, offset)
    return data + b"\0" * (-len(data) % 32)


LLAMA = [_kv_string("general.architecture", "llama"), _kv_u32("llama.block_count", 2),
         _kv_u32("llama.embedding_length", 64), _kv_u32("llama.feed_forward_length", 128),
         _kv_u32("llama.attention.head_count", 4), _kv_u32("llama.attention.head_count_kv", 2),
         _kv_u32("llama.vocab_size", 256), _kv_u32("general.file_type", 1)]
EMBEDDING = ("token_embd.weight", (64, 256), 0)  # 64 x 256 F16 = 32,768 bytes at the data section's start


def _estimate(path, *more):
    return run_limited("estimate", "--config", path, "--context", "16", "--framework", "llama.cpp", *more)


def test_a_valid_gguf_in_a_sparse_2_gib_file_is_read_without_reading_the_file(tmp_path):
    path = tmp_path / "sparse.gguf"
    path.write_bytes(gguf(LLAMA, [EMBEDDING]) + b"\0" * 32768)
    with open(path, "r+b") as handle:
        handle.truncate(2 * 2 ** 30)
    result = _estimate(path, "--json")
    assert result.code == 0, result.err
    assert "32,768 bytes in 1 GGUF tensors" in result.err


@pytest.mark.parametrize("name, data, expected", [
    # 62 bytes declaring an array of 10**9 one-byte items: 10**9 bytes that are not in the file.
    ("array-1e9.gguf", gguf([_s("a") + struct.pack("<IIQ", ARRAY, U8, 10 ** 9) + b"\0" * 13]), "cannot fit"),
    ("array-of-strings.gguf", gguf([_s("a") + struct.pack("<IIQ", ARRAY, STRING, 2 ** 60)]), "cannot fit"),
    ("tensors-2-pow-40.gguf", gguf(LLAMA, n_tensors=2 ** 40), "cannot fit"),
    ("keys-2-pow-40.gguf", gguf(LLAMA, n_keys=2 ** 40), "cannot fit"),
    ("string-2-pow-62.gguf", gguf([_s("a") + struct.pack("<IQ", STRING, 2 ** 62)]), "cannot fit"),
    # 5,000 arrays nested in each other: llama.cpp's reader refuses an array of arrays at the first one.
    ("nested-5000.gguf", gguf([_s("a") + struct.pack("<IIQ", ARRAY, ARRAY, 1) + struct.pack("<IQ", ARRAY, 1) * 5000]),
     "array of arrays"),
    ("tensor-past-the-end.gguf", gguf(LLAMA, [("token_embd.weight", (64, 256), 10 ** 12)]), "beyond the end"),
    ("tensor-too-many-dims.gguf", gguf(LLAMA, [("t", (1,) * 9, 0)]), "dimensions"),
    ("truncated.gguf", gguf(LLAMA)[:40], "cannot fit"),
    ("version-1.gguf", b"GGUF" + struct.pack("<IQQ", 1, 0, 0), "version 1"),
])
def test_a_gguf_whose_counts_cannot_fit_is_refused_before_allocating(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    line = one_error_line(_estimate(path))
    assert str(path) in line and expected in line, line


def test_gguf_strings_with_terminal_escapes_are_shown_escaped(tmp_path):
    path = tmp_path / "ansi.gguf"
    path.write_bytes(gguf([_kv_string("general.architecture", "\x1b]0;pwned\x07\x1b[2J")]))
    line = one_error_line(_estimate(path))
    assert "\\x1b" in line and "\x1b" not in line and "\x07" not in line


def test_a_model_folder_name_with_terminal_escapes_is_shown_escaped(tmp_path):
    folder = tmp_path / "model\x1b[31mred"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(TINY))
    result = run_limited("estimate", "--config", folder, "--context", "16", "--quantization", "bf16")
    assert result.code == 0, result.err
    assert "\x1b" not in result.out + result.err and "\\x1b[31mred" in result.out


TINY = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256,
        "torch_dtype": "bfloat16"}


def _safetensors_file(path, header: bytes, length: int | None = None, data: bytes = b""):
    path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header + data)


@pytest.mark.parametrize("case, expected", [
    ("deep-json", "nests more than"), ("length-past-the-end", "cut short"), ("offsets-past-the-end", "within the file"),
    ("fifo", "FIFO"), ("dev-zero", "a device"), ("not-json", "not UTF-8 JSON"),
])
def test_a_hostile_safetensors_file_in_a_model_folder_is_refused(tmp_path, case, expected):
    (tmp_path / "config.json").write_text(json.dumps(TINY))
    path = tmp_path / "model.safetensors"
    if case == "deep-json":
        _safetensors_file(path, b"[" * 100_000 + b"]" * 100_000)
    elif case == "length-past-the-end":
        _safetensors_file(path, b"{}", length=2 ** 63)
    elif case == "offsets-past-the-end":
        _safetensors_file(path, json.dumps({"w": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2 ** 40]}})
                          .encode())
    elif case == "fifo":
        os.mkfifo(path)
    elif case == "dev-zero":
        os.symlink("/dev/zero", path)
    else:
        _safetensors_file(path, b"\xff" * 64)
    line = one_error_line(run_limited("estimate", "--config", tmp_path, "--context", "16"))
    assert "model.safetensors" in line and expected in line, line


@pytest.mark.parametrize("case", ["sparse-2-gib", "fifo", "dev-zero"])
def test_a_config_json_that_is_not_a_small_regular_file_is_never_read_whole(tmp_path, case):
    path = tmp_path / "config.json"
    if case == "sparse-2-gib":
        with open(path, "wb") as handle:
            handle.write(b'{"model_type": "llama",')
            handle.truncate(2 * 2 ** 30)
    elif case == "fifo":
        os.mkfifo(path)
    else:
        os.symlink("/dev/zero", path)
    for config in (path, tmp_path):  # the file itself, and the folder holding it
        line = one_error_line(run_limited("estimate", "--config", config, "--context", "16"))
        assert "config.json" in line or str(tmp_path) in line, line


def test_a_content_file_that_is_a_fifo_or_huge_is_refused(tmp_path):
    import shutil

    from hostile import ROOT, entries
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name)
    models = tmp_path / "content" / "gpus.yaml"
    models.unlink()
    with open(models, "wb") as handle:
        handle.truncate(2 * 2 ** 30)
    before = entries(tmp_path)
    line = one_error_line(run_limited("check", cwd=tmp_path))
    assert "gpus.yaml" in line and "more than" in line
    models.unlink()
    os.mkfifo(models)
    line = one_error_line(run_limited("check", cwd=tmp_path))
    assert "gpus.yaml" in line
    assert entries(tmp_path) == before
