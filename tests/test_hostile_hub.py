"""Issue 16, item 4: a Hub id against servers that misbehave, each one a local HTTP server on 127.0.0.1 (never the
internet). ``estimate`` runs in a child under 3 GiB and 30 s (tests/hostile.py) with a short overall deadline
(GENERATOR_HUB_TIMEOUT); a failure is one line and exit 2, and nothing is written outside the generator's own
cache, whatever the server's headers say."""

from __future__ import annotations

import http.server
import io
import json
import os
import struct
import threading
import time

import pytest

from hostile import one_error_line, run_limited, tree

TINY = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
REPO = "someorg/tiny-llama"


def _safetensors(size: int = 256 * 64 * 2) -> bytes:
    header = json.dumps({"model.embed_tokens.weight": {"dtype": "BF16", "shape": [256, 64],
                                                       "data_offsets": [0, size]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * size


class _Server(http.server.BaseHTTPRequestHandler):
    mode = "ok"
    etag = '"abc"'
    files: dict = {}
    requests: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).requests.append(self.path)
        if self.mode == "silent":
            time.sleep(40)
            return
        if self.mode == "drip-status":
            for byte in b"HTTP/1.1 200 OK\r\n" * 100:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.3)
            return
        if self.mode == "500":
            self.send_response(500)
            self.send_header("Content-Length", "21")
            self.end_headers()
            self.wfile.write(b"Internal Server Error")
            return
        name = self.path.split("/resolve/main/", 1)[-1]
        data = self.files.get(name)
        if data is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, start, end = 200, 0, len(data)
        if self.headers.get("Range") and self.mode != "no-range":  # no-range: ignores Range, RFC 9110 section 14.2
            first, _, last = self.headers["Range"].removeprefix("bytes=").partition("-")
            status, start, end = 206, int(first), min(len(data), int(last) + 1)
        self.send_response(status)
        self.send_header("ETag", self.etag)
        self.send_header("Content-Length", str(end - start if self.mode != "drip" else 10 ** 6))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        if self.mode == "drip":
            try:
                for byte in data[start:end] * 1000:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up on the drip, as it should
            return
        try:
            self.wfile.write(data[start:end])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client read what it needed of a whole file (no-range) and closed


@pytest.fixture
def server(tmp_path):
    class Handler(_Server):
        requests = []
        files = {"config.json": json.dumps(TINY).encode(), "model.safetensors": _safetensors()}

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _estimate(tmp_path, endpoint, timeout="2", *more):
    env = {"HF_ENDPOINT": endpoint, "GENERATOR_HUB_TIMEOUT": timeout, "GENERATOR_CACHE_DIR": str(tmp_path / "cache"),
           "HOME": str(tmp_path / "home")}
    started = time.monotonic()
    result = run_limited("estimate", "--config", REPO, "--context", "16", "--json", *more, cwd=tmp_path, env=env)
    return result, time.monotonic() - started


def test_a_good_server_gives_config_and_safetensors_headers(tmp_path, server):
    handler, endpoint = server
    result, _ = _estimate(tmp_path, endpoint)
    assert result.code == 0, result.err
    assert "weights: 32,768 bytes from the Hub's safetensors headers" in result.err
    assert json.loads(result.out)["model"] == REPO
    # Only config.json and the safetensors header's two byte ranges were asked for.
    assert sorted(p.split("/resolve/main/")[1] for p in handler.requests) == \
        ["config.json", "model.safetensors", "model.safetensors"]


def test_a_server_that_ignores_range_still_gives_the_safetensors_headers(tmp_path, server):
    # It answers each Range with 200 and the whole file (RFC 9110 section 14.2: a server MAY ignore Range): the
    # header is bytes 8 to 8 + N of it, and the weights still come from it, not from config.json.
    handler, endpoint = server
    handler.mode = "no-range"
    # The good server's file, then 32 MiB that no tensor uses: a file much larger than the bytes needed.
    handler.files = {**handler.files, "model.safetensors": _safetensors() + b"\0" * (32 * 1024 * 1024)}
    result, _ = _estimate(tmp_path, endpoint)
    assert result.code == 0, result.err
    assert "weights: 32,768 bytes from the Hub's safetensors headers" in result.err  # 256 x 64 BF16
    assert sorted(p.split("/resolve/main/")[1] for p in handler.requests) == \
        ["config.json", "model.safetensors", "model.safetensors"]


@pytest.mark.parametrize("etag", ['"/tmp/generator-etag-abs"', '"../../etag-escape"', '"../../../../tmp/x"',
                                  'W/"..\\\\..\\\\x"'])
def test_the_etag_never_becomes_a_path(tmp_path, server, etag):
    handler, endpoint = server
    handler.etag = etag
    (tmp_path / "home").mkdir()
    outside = ("/tmp/generator-etag-abs", "/tmp/x")  # where the etags above lead, if one became a path
    before = {path: os.path.lexists(path) for path in outside}  # a machine may already have a /tmp/x of its own
    result, _ = _estimate(tmp_path, endpoint)
    assert result.code == 0, result.err
    files = {k for k, v in tree(tmp_path).items() if v[0] == "file"}
    assert len(files) == 1 and next(iter(files)).startswith(os.path.join("cache", "hub")) and \
        next(iter(files)).endswith(os.path.join("someorg--tiny-llama", "config.json"))
    assert {path: os.path.lexists(path) for path in outside} == before


@pytest.mark.parametrize("mode, expected", [("drip", "within 2 s"), ("drip-status", "within 2 s"),
                                            ("silent", "within 2 s"), ("500", "HTTP 500")])
def test_a_misbehaving_server_costs_at_most_the_deadline_and_one_line(tmp_path, server, mode, expected):
    handler, endpoint = server
    handler.mode = mode
    result, seconds = _estimate(tmp_path, endpoint)
    line = one_error_line(result)
    assert REPO in line and expected in line, line
    assert seconds < 10, seconds
    if mode == "500":
        assert len(handler.requests) == 1  # no retries


def test_a_closed_port_is_one_line_and_the_cache_answers_once_filled(tmp_path, server):
    _, endpoint = server
    line = one_error_line(_estimate(tmp_path, "http://127.0.0.1:9")[0])
    assert "cannot fetch" in line
    assert _estimate(tmp_path, endpoint)[0].code == 0  # fills the cache
    result, _ = _estimate(tmp_path, "http://127.0.0.1:9")
    assert result.code == 2  # another server's cache is another cache
    handler, endpoint2 = server
    handler.mode = "500"
    result, _ = _estimate(tmp_path, endpoint)
    assert result.code == 0 and "cached earlier" in result.err, result.err


def test_a_missing_repository_and_a_bad_deadline_are_one_line(tmp_path, server):
    handler, endpoint = server
    handler.files = {}
    assert "no readable config.json" in one_error_line(_estimate(tmp_path, endpoint)[0])
    assert "GENERATOR_HUB_TIMEOUT" in one_error_line(_estimate(tmp_path, endpoint, "abc")[0])


def test_a_safetensors_header_longer_than_its_file_is_a_note_not_a_crash(tmp_path, server):
    handler, endpoint = server
    handler.files = dict(handler.files, **{"model.safetensors": struct.pack("<Q", 2 ** 40) + b"{}"})
    result, _ = _estimate(tmp_path, endpoint)
    assert result.code == 0, result.err
    assert "no safetensors headers from the Hub" in result.err


def test_with_hf_endpoint_unset_the_hub_itself_is_asked_and_a_failure_is_one_line(tmp_path, monkeypatch):
    """No network here: the one request is caught before it leaves the process."""
    from generator import cli
    from generator.families import hub

    asked = []

    def refuse(url, *args, **kwargs):
        asked.append(url)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(hub, "_request_once", refuse)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["estimate", "--config", REPO, "--context", "16"], out=out, err=err)
    assert code == 2, err.getvalue()
    assert err.getvalue().count("\n") == 1 and "https://huggingface.co" in err.getvalue()
    assert asked == [f"https://huggingface.co/{REPO}/resolve/main/config.json"]
