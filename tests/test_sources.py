"""--config inputs beyond a config.json (generator/families/sources.py): a model folder with safetensors files, a
GGUF file, a Hub id served by a local HTTP server (HF_ENDPOINT), never the internet. The tiny checkpoints are written
here."""

import hashlib
import http.server
import io
import json
import os
import struct
import threading

import numpy as np
import pytest

from generator import cli
from generator.core.errors import GeneratorError
from generator.families.sources import read_model_source, safetensors_bytes, safetensors_header
from generator.catalogue.loading import load_catalogue

TINY = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
CATALOGUE = load_catalogue("content")


def _safetensors(tensors: dict) -> bytes:
    """The documented layout: u64 little-endian header length, JSON header, then the tensor bytes."""
    header, blob = {}, b""
    for name, (dtype, shape, size) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + size]}
        blob += b"\0" * size
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + blob


def _tiny_tensors():
    return {"model.embed_tokens.weight": ("BF16", [256, 64], 256 * 64 * 2),
            "model.layers.0.self_attn.q_proj.weight": ("BF16", [64, 64], 64 * 64 * 2),
            "model.layers.0.mlp.down_proj.weight": ("F32", [64, 128], 64 * 128 * 4),
            "lm_head.weight": ("BF16", [256, 64], 256 * 64 * 2)}


def _run(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_folder_gives_exact_weight_bytes(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps(TINY))
    (tmp_path / "model-00001-of-00002.safetensors").write_bytes(_safetensors(dict(list(_tiny_tensors().items())[:2])))
    (tmp_path / "model-00002-of-00002.safetensors").write_bytes(_safetensors(dict(list(_tiny_tensors().items())[2:])))
    expected = sum(size for _, _, size in _tiny_tensors().values())
    source = read_model_source(str(tmp_path), CATALOGUE)
    assert source.exact_weight_bytes == expected
    code, out, err = _run(["estimate", "--config", str(tmp_path), "--context", "16", "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["quantization"] == "bf16"
    assert report["weights_gib"] == round(expected / 2**30, 4)
    assert "safetensors" in err and f"{expected:,}" in err
    # An explicit --quantization overrides what the checkpoint holds.
    code, out, _ = _run(["estimate", "--config", str(tmp_path), "--context", "16", "--quantization", "fp32",
                         "--json"], capsys)
    assert json.loads(out)["quantization"] == "fp32"


def test_safetensors_bytes_by_dtype(tmp_path):
    path = tmp_path / "a.safetensors"
    path.write_bytes(_safetensors(_tiny_tensors()))
    total, by_dtype = safetensors_bytes([str(path)])
    assert by_dtype == {"BF16": 2 * 256 * 64 * 2 + 64 * 64 * 2, "F32": 64 * 128 * 4} and total == sum(by_dtype.values())


@pytest.mark.parametrize("data", [b"", b"\x01\x02", struct.pack("<Q", 10**12) + b"{}", struct.pack("<Q", 5) + b"nope!",
                                  struct.pack("<Q", 40) + json.dumps({"x": {"dtype": "F16", "data_offsets": [0, 99]}})
                                  .encode().ljust(40)])
def test_bad_safetensors_is_refused(tmp_path, data):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(GeneratorError) as info:
        safetensors_header(str(path))
    assert info.value.path == str(path)


def _write_gguf(path, file_type=15):
    gguf = pytest.importorskip("gguf")
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(2)
    writer.add_embedding_length(64)
    writer.add_feed_forward_length(128)
    writer.add_head_count(4)
    writer.add_head_count_kv(2)
    writer.add_context_length(2048)
    writer.add_file_type(file_type)
    writer.add_token_list([f"t{i}" for i in range(256)])
    tensors = {"token_embd.weight": (256, 64), "output.weight": (256, 64), "blk.0.attn_q.weight": (64, 64)}
    for name, shape in tensors.items():
        writer.add_tensor(name, np.zeros(shape, dtype=np.float16))
    writer.add_tensor("blk.0.ffn_down.weight", np.zeros((64, 128), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return (256 * 64 * 2 + 64 * 64) * 2 + 64 * 128 * 4


def test_gguf_gives_architecture_and_exact_bytes(tmp_path, capsys):
    path = tmp_path / "tiny.gguf"
    expected = _write_gguf(path)
    source = read_model_source(str(path), CATALOGUE)
    arch = source.architecture
    assert (arch.hidden_size, arch.layers, arch.heads, arch.kv_heads, arch.vocab_size) == (64, 2, 4, 2, 256)
    assert not arch.tie_word_embeddings and source.exact_weight_bytes == expected
    code, out, err = _run(["estimate", "--config", str(path), "--context", "16", "--framework", "llama.cpp",
                           "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["quantization"] == "q4_k_m" and report["weights_gib"] == round(expected / 2**30, 4)
    assert "GGUF tensors" in err


def test_gguf_of_an_unmapped_architecture_is_refused(tmp_path, capsys):
    gguf = pytest.importorskip("gguf")
    path = tmp_path / "x.gguf"
    writer = gguf.GGUFWriter(str(path), "rwkv6")
    writer.add_tensor("a", np.zeros((2, 2), dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    code, out, err = _run(["estimate", "--config", str(path), "--context", "16"], capsys)
    assert code == 2 and "rwkv6" in err and "supported GGUF architectures" in err and err.count("\n") == 1


# --- Hub ids through a local server ----------------------------------------------------------------------------------
class _Hub(http.server.BaseHTTPRequestHandler):
    files: dict = {}

    def log_message(self, *args):
        pass

    def _serve(self, body_wanted):
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        if len(parts) >= 5 and parts[2] == "resolve":
            key = ("/".join(parts[:2]), "/".join(parts[4:]))
            if key in self.files:
                data = self.files[key]
                start, end = 0, len(data)
                status = 200
                if self.headers.get("Range"):
                    first, _, last = self.headers["Range"].removeprefix("bytes=").partition("-")
                    start, end = int(first), min(len(data), int(last) + 1 if last else len(data))
                    status = 206
                body = data[start:end]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
                self.send_header("X-Repo-Commit", "0" * 40)
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
                self.end_headers()
                if body_wanted:
                    self.wfile.write(body)
                return
        self.send_response(404)
        self.send_header("X-Error-Code", "EntryNotFound")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self._serve(False)

    def do_GET(self):
        self._serve(True)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path / "cache"))  # the generator's own cache (Hub files)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    _Hub.files = {("someorg/tiny-llama", "config.json"): json.dumps(TINY).encode(),
                  ("someorg/tiny-llama", "model.safetensors"): _safetensors(_tiny_tensors())}
    yield server
    server.shutdown()
    server.server_close()


def test_hub_id_is_fetched_from_the_endpoint(hub, capsys):
    code, out, err = _run(["estimate", "--config", "someorg/tiny-llama", "--context", "16", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["model"] == "someorg/tiny-llama" and report["quantization"] == "bf16"
    assert "fetched config.json of someorg/tiny-llama from the Hub" in err
    expected = sum(size for _, _, size in _tiny_tensors().values())
    assert f"weights: {expected:,} bytes from the Hub's safetensors headers" in err
    assert report["weights_gib"] == round(expected / 2**30, 4)


def test_unknown_hub_id_is_a_clear_error(hub, capsys):
    code, out, err = _run(["estimate", "--config", "someorg/missing", "--context", "16"], capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "someorg/missing" in err


def test_offline_hub_id_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path / "cache"))
    code, out, err = _run(["estimate", "--config", "someorg/tiny-llama", "--context", "16"], capsys)
    assert code == 2 and err.count("\n") == 1 and "someorg/tiny-llama" in err


def test_auto_needs_a_declared_format(tmp_path, capsys):
    config = {k: v for k, v in TINY.items() if k != "torch_dtype"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    code, out, err = _run(["estimate", "--config", str(tmp_path / "config.json"), "--context", "16"], capsys)
    assert code == 2 and "--quantization" in err
