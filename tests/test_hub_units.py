"""generator/families/hub.py in-process (issue 23, item 7: the mutants of benchmarks/mutation.py, scope families.hub;
tests/test_hostile_hub.py runs the CLI against a local server, which mutmut's trampoline cannot follow).

No network and no server: http.client's HTTPConnection and HTTPSConnection are replaced by a fake Hub (FakeHub) that
answers GET requests for files by URL path as an HTTP server does (RFC 9110: a Range of bytes=FIRST-LAST, both
inclusive, is answered 206 with "Content-Range: bytes FIRST-LAST/COMPLETE-LENGTH"; a Range it cannot parse is ignored
and the whole file sent, 200), and records every connection and request. Expected values come from:
* the module's docstring and docs/pages/estimator.md: $HF_ENDPOINT (default https://huggingface.co), the Hub's
  ``/{repo}/resolve/{revision}/{file}`` URLs, $GENERATOR_HUB_TIMEOUT seconds (default 20) for everything, config.json
  cached under ``hub/<server>/<org>--<name>/config.json`` of the cache folder ($GENERATOR_CACHE_DIR, an empty one
  turning caching off), only two byte ranges per safetensors file (the 8-byte length, then the header);
* the safetensors format (https://github.com/huggingface/safetensors#format): 8 bytes N, an unsigned little-endian
  64-bit integer, then N bytes of JSON header, then the data the header's data_offsets point into;
* RFC 9110 for redirects (301, 302, 303, 307, 308 with a Location, relative or absolute) and statuses;
* each function's docstring (request: "following up to MAX_REDIRECTS redirects, reading at most cap bytes of body,
  all within deadline ... a worker thread that is abandoned (its connection closed) when the time is up").
No chdir, no subprocess, no real network; every patch is undone by monkeypatch.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import ssl
import stat
import struct
import threading
import time

import pytest

from generator.core.errors import GeneratorError
from generator.families import hub

SERVER = "https://huggingface.co"
REPO = "someorg/tiny-llama"
BASE = f"/{REPO}/resolve/main/"
UA_WORD = "generator"


# -- a fake Hub behind http.client -----------------------------------------------------------------------------------

class Request:
    def __init__(self, connection, method, path, headers):
        self.connection, self.method, self.path = connection, method, path
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}  # field names are case-insensitive

    @property
    def range(self):
        value = self.headers.get("range")
        if value is None:
            return None
        match = re.fullmatch(r"(?i:bytes)=(\d+)-(\d+)", value.strip())  # the unit is case-insensitive (RFC 9110)
        return (int(match.group(1)), int(match.group(2))) if match else value


class FakeResponse:
    def __init__(self, hub_, status, headers, body, chunk):
        self.hub, self.status, self._headers, self._body, self._chunk, self._at = hub_, status, headers, body, chunk, 0

    def getheaders(self):
        return list(self._headers)

    def _take(self, n, limit):
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise TypeError(f"read size {n!r}")
        data = self._body[self._at:self._at + min(n, limit)]
        self._at += len(data)
        self.hub.bytes_read += len(data)
        return data

    def read(self, n):  # blocks until n bytes or the end, as HTTPResponse.read(n) does
        return self._take(n, n)


class FakeResponseRead1(FakeResponse):
    def read1(self, n):  # what is there, at most n (the fake hands out `chunk` bytes at a time)
        return self._take(n, self._chunk)


class DripResponse(FakeResponseRead1):
    """A server that sends one byte every 10 ms, for ever (until the connection is closed)."""

    def __init__(self, hub_, connection):
        super().__init__(hub_, 200, [("Content-Length", "1000000")], b"", 1)
        self.connection = connection

    def read1(self, n):
        time.sleep(0.01)
        return b"x"

    def read(self, n):
        data = b""
        while len(data) < n and not self.connection.closed.is_set():
            time.sleep(0.01)
            data += b"x"
        return data


class FakeConnection:
    scheme = "http"

    def __init__(self, hub_, host, port=None, timeout=object()):
        self.hub, self.host, self.port, self.timeout, self.context = hub_, host, port, timeout, None
        self.closed = threading.Event()
        self.thread = threading.current_thread()
        self.sent = None
        hub_.connections.append(self)

    def request(self, method, url, headers=None):
        self.sent = Request(self, method, url, headers)
        self.hub.requests.append(self.sent)
        if isinstance(self.hub.fail, BaseException):
            raise self.hub.fail

    def getresponse(self):
        if self.hub.fail == "hang":
            self.closed.wait(3)
            raise ConnectionResetError(104, "closed")
        if self.hub.fail == "drip":
            return DripResponse(self.hub, self)
        return self.hub.answer(self.sent)

    def close(self):
        self.closed.set()
        if self.hub.close_raises:
            raise OSError("close failed")


class FakeHTTPSConnection(FakeConnection):
    scheme = "https"

    def __init__(self, hub_, host, port=None, timeout=object(), context=None):
        super().__init__(hub_, host, port, timeout)
        self.context = context


_CONTEXT = []


def _shared_context(*args, **kwargs):
    if not _CONTEXT:
        _CONTEXT.append(_real_create_default_context(*args, **kwargs))
    return _CONTEXT[0]


_real_create_default_context = ssl.create_default_context


class FakeHub:
    def __init__(self, files=None, *, routes=None, ignore_range=False, chunk=65536, read1=True,
                 content_range=True, part_from=None, fail=None, close_raises=False):
        self.files = dict(files or {})    # URL path -> bytes, or (first bytes, complete length) for a broken server
        self.routes = dict(routes or {})  # URL path -> (status, [(name, value)], body): fixed answers
        # ignore_range / content_range: True or False for every Range, or the set of FIRST bytes they apply to (a
        # server that ignores some ranges and not others, or omits Content-Range from some 206 answers).
        # part_from: a broken server that answers 206 with the bytes from there on (and says so in Content-Range).
        self.part_from = part_from
        self.ignore_range, self.chunk, self.read1 = ignore_range, chunk, read1
        self.content_range, self.fail, self.close_raises = content_range, fail, close_raises
        self.requests, self.connections, self.bytes_read = [], [], 0

    def install(self, monkeypatch):
        # One real default SSL context for the whole session (loading the CA store takes tens of ms each time).
        monkeypatch.setattr(ssl, "create_default_context", _shared_context)
        monkeypatch.setattr(http.client, "HTTPConnection", lambda *a, **k: FakeConnection(self, *a, **k))
        monkeypatch.setattr(http.client, "HTTPSConnection", lambda *a, **k: FakeHTTPSConnection(self, *a, **k))
        return self

    def _response(self, status, headers, body):
        kind = FakeResponseRead1 if self.read1 else FakeResponse
        return kind(self, status, headers, body, self.chunk)

    def answer(self, request):
        if request.path in self.routes:
            return self._response(*self.routes[request.path])
        data = self.files.get(request.path)
        if data is None:
            return self._response(404, [("Content-Length", "0")], b"")
        data, size = data if isinstance(data, tuple) else (data, len(data))
        wanted = request.range
        if not isinstance(wanted, tuple) or wanted[0] > wanted[1] or _applies(self.ignore_range, wanted[0]):
            return self._response(200, [("Content-Length", str(size)), ("ETag", '"x"')], data)  # the whole file
        first, last = wanted[0], min(wanted[1], size - 1)
        if self.part_from is not None:
            first, last = self.part_from, self.part_from + last - first
        headers = [("Content-Length", str(last + 1 - first))]
        if _applies(self.content_range, wanted[0]):
            headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
        return self._response(206, headers, data[first:last + 1])


def _applies(option, first):
    return option is True or (not isinstance(option, bool) and first in option)


def safetensors(tensors: dict, data: bytes, pad: int = 0) -> bytes:
    """A safetensors file as the format says: N (u64, little-endian), N bytes of JSON, the data."""
    header = json.dumps(tensors).encode() + b" " * pad
    return struct.pack("<Q", len(header)) + header + data


TENSORS = {"__metadata__": {"format": "pt"}, "w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}
ONE_FILE = safetensors(TENSORS, b"\0" * 8)
HEADER_LEN = len(ONE_FILE) - 8 - 8


def reason(call):
    with pytest.raises(hub.HubError) as caught:
        call()
    return caught.value.reason


class ScriptedDeadline:
    """A deadline whose time left is given: the caller's thread reads `caller` in turn (the last one repeats), the
    worker thread always `worker`."""

    def __init__(self, seconds, caller, worker):
        self.seconds, self.caller, self.worker, self.owner = seconds, list(caller), worker, threading.current_thread()

    def left(self):
        if threading.current_thread() is not self.owner:
            return self.worker
        return self.caller.pop(0) if len(self.caller) > 1 else self.caller[0]


# -- small parts -----------------------------------------------------------------------------------------------------

def test_a_hub_error_carries_its_reason_and_status():
    error = hub.HubError("HTTP 404", 404)
    assert (error.reason, error.status, str(error)) == ("HTTP 404", 404, "HTTP 404")
    assert hub.HubError("cannot connect").status is None


def test_a_deadline_counts_down_from_its_seconds():
    deadline = hub.Deadline(5.0)
    assert deadline.seconds == 5.0
    assert 4.0 < deadline.left() <= 5.0
    assert hub.Deadline(0.0).left() <= 0


@pytest.mark.parametrize("value, seconds", [(None, 20.0), ("", 20.0), ("  ", 20.0), ("3.5", 3.5), (" 7 ", 7.0),
                                            ("0.5", 0.5), ("600", 600.0), ("1e-3", 0.001)])
def test_the_deadline_is_generator_hub_timeout_or_20_seconds(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv("GENERATOR_HUB_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("GENERATOR_HUB_TIMEOUT", value)
    assert hub.deadline_seconds() == seconds


@pytest.mark.parametrize("value", ["0", "-1", "600.5", "601", "abc", "nan", "inf", "-inf", "1e999", "x" * 50])
def test_a_bad_deadline_is_one_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("GENERATOR_HUB_TIMEOUT", value)
    with pytest.raises(GeneratorError) as caught:
        hub.deadline_seconds()
    error = caught.value
    assert error.message == f"GENERATOR_HUB_TIMEOUT={value[:40]!r} is not a number of seconds from 0 to 600"
    assert error.fix == "set GENERATOR_HUB_TIMEOUT to seconds, e.g. 20, or unset it"
    assert (error.path, error.line) == (None, None)


@pytest.mark.parametrize("value, server", [
    (None, "https://huggingface.co"), ("", "https://huggingface.co"),
    ("https://huggingface.co/", "https://huggingface.co"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("http://127.0.0.1:8080//", "http://127.0.0.1:8080"),
    ("https://hf-mirror.example/hub", "https://hf-mirror.example/hub"),
    ("http://PROXY.LAN.BOX/", "http://PROXY.LAN.BOX"),   # kept as given, only the trailing '/' dropped
])
def test_the_endpoint_is_hf_endpoint_or_the_hub(monkeypatch, value, server):
    if value is None:
        monkeypatch.delenv("HF_ENDPOINT", raising=False)
    else:
        monkeypatch.setenv("HF_ENDPOINT", value)
    assert hub.endpoint() == server


@pytest.mark.parametrize("value", ["ftp://example.org", "file:///etc/passwd", "example.org", "http://",
                                   "https:///path", "https://example.org/?x=1", "https://example.org/#top",
                                   "https://example.org/" + "a" * 100 + "?q"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(monkeypatch, value):
    monkeypatch.setenv("HF_ENDPOINT", value)
    with pytest.raises(GeneratorError) as caught:
        hub.endpoint()
    assert caught.value.message == f"HF_ENDPOINT={value[:80]!r} is not an http(s) URL"
    assert caught.value.fix == "set HF_ENDPOINT to a URL such as https://huggingface.co, or unset it"


def test_the_cache_is_hub_in_the_generator_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path))
    assert hub.cache_root() == os.path.join(str(tmp_path), "hub")
    # The path is computed from the server and the id: the first 16 hex digits of the SHA-256 of the server's URL
    # (`printf %s https://huggingface.co | sha256sum`), then org--name.
    assert hashlib.sha256(b"https://huggingface.co").hexdigest()[:16] == "03a89053f2f115c3"
    assert hub.cache_path(SERVER, "Qwen/Qwen2.5-7B-Instruct") == os.path.join(
        str(tmp_path), "hub", "03a89053f2f115c3", "Qwen--Qwen2.5-7B-Instruct", "config.json")
    other = hub.cache_path("http://127.0.0.1:8080", "Qwen/Qwen2.5-7B-Instruct")
    assert other.split(os.sep)[-3] != "03a89053f2f115c3"  # another server, another folder


def test_an_empty_cache_folder_setting_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("GENERATOR_CACHE_DIR", "")
    assert hub.cache_root() is None and hub.cache_path(SERVER, REPO) is None
    assert hub.read_cache(None) is None
    hub.write_cache(None, b"{}")  # nothing to do, no error


def test_the_cache_is_written_privately_and_read_back(monkeypatch, tmp_path):
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path / "cache"))
    path = hub.cache_path(SERVER, REPO)
    assert hub.read_cache(path) is None  # nothing cached yet
    old = os.umask(0o022)
    try:
        hub.write_cache(path, b'{"a": 1}')
        hub.write_cache(path, b'{"a": 2}')  # a second fetch replaces the first
    finally:
        os.umask(old)
    assert hub.read_cache(path) == b'{"a": 2}'
    assert sorted(os.listdir(os.path.dirname(path))) == ["config.json"]  # no temporary file left
    # Only the user can read what was fetched for them: the folder 0700, the file 0600.
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_cached_file_that_is_a_link_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_bytes(b"{}")
    link = tmp_path / "config.json"
    link.symlink_to(target)
    assert hub.read_cache(str(link)) is None
    assert hub.read_cache(str(tmp_path / "missing.json")) is None
    assert hub.read_cache(str(target)) == b"{}"


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a folder")
    hub.write_cache(str(blocker / "sub" / "config.json"), b"{}")  # makedirs fails: suppressed
    assert blocker.read_bytes() == b"not a folder"


def test_a_file_url_is_the_hubs_resolve_url():
    assert hub.file_url(SERVER, "Qwen/Qwen2.5-7B-Instruct", "config.json") == \
        "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json"
    assert hub.file_url("http://h:1", "a/b", "a b#.json") == "http://h:1/a/b/resolve/main/a%20b%23.json"


def _response(status, **headers):
    return hub.Response(status, {k.replace("_", "-"): v for k, v in headers.items()}, b"")


@pytest.mark.parametrize("response, total", [
    (_response(206, content_range="bytes 0-7/1234"), 1234),
    (_response(206, content_range=" bytes 8-99/100 "), 100),
    (_response(200, content_length="1234"), 1234),                       # a server that ignored the Range
    (_response(200, content_range="bytes 0-7/50", content_length="8"), 50),
    (_response(200), None), (_response(200, content_length="12x"), None), (_response(200, content_length=""), None),
    (_response(206), None), (_response(206, content_length="8"), None),   # a part, and no complete length
    (_response(206, content_range="bytes 0-7/*"), None), (_response(206, content_range="BYTES 0-7/9"), None),
    (_response(206, content_range="bytes */9"), None),
    (_response(201, content_length="9"), None),
])
def test_the_complete_length_comes_from_content_range_or_a_whole_answer(response, total):
    assert hub._total_size(response) == total


# -- one request ----------------------------------------------------------------------------------------------------

def test_a_request_over_https_verifies_the_server_and_sends_what_it_should(monkeypatch):
    fake = FakeHub({"/a/b": b"hello"}).install(monkeypatch)
    response = hub.request("https://hub.example/a/b", hub.Deadline(5), 100)
    assert (response.status, response.body) == (200, b"hello")
    assert response.headers == {"content-length": "5", "etag": '"x"'}  # names lower-cased
    (connection,) = fake.connections
    assert isinstance(connection, FakeHTTPSConnection)
    assert (connection.host, connection.port) == ("hub.example", None)
    assert isinstance(connection.timeout, float) and 4 < connection.timeout <= 5
    assert isinstance(connection.context, ssl.SSLContext)
    assert connection.context.verify_mode == ssl.CERT_REQUIRED and connection.context.check_hostname
    (sent,) = fake.requests
    assert (sent.method, sent.path) == ("GET", "/a/b")
    assert UA_WORD in sent.headers["user-agent"] and sent.headers["accept-encoding"].lower() == "identity"
    assert connection.closed.is_set()
    assert connection.thread.name == "generator-hub" and connection.thread.daemon
    assert hub.request("https://hub.example:8443/a/b", hub.Deadline(5), 100).body == b"hello"
    assert (fake.connections[1].host, fake.connections[1].port) == ("hub.example", 8443)


def test_a_request_over_http_to_a_port_with_a_query(monkeypatch):
    fake = FakeHub(routes={"/x?y=1&z": (200, [], b"ok"), "/": (200, [], b"root")}).install(monkeypatch)
    assert hub.request("http://127.0.0.1:8080/x?y=1&z", hub.Deadline(5), 10).body == b"ok"
    assert hub.request("http://127.0.0.1:8080", hub.Deadline(5), 10).body == b"root"  # no path: "/"
    first, second = fake.connections
    assert type(first) is FakeConnection and (first.host, first.port) == ("127.0.0.1", 8080)
    assert isinstance(first.timeout, float) and 4 < first.timeout <= 5
    assert [r.path for r in fake.requests] == ["/x?y=1&z", "/"]
    assert "range" not in fake.requests[0].headers


def test_the_connection_timeout_is_the_time_left(monkeypatch):
    fake = FakeHub({"/f": b"x"}).install(monkeypatch)
    hub.request("https://h/f", ScriptedDeadline(1, [0.5], 0.5), 10)
    assert fake.connections[0].timeout == 0.5


def test_a_request_sends_the_callers_range(monkeypatch):
    fake = FakeHub({"/f": b"0123456789"}).install(monkeypatch)
    response = hub.request("https://h/f", hub.Deadline(5), 4, {"Range": "bytes=2-5"})
    assert (response.status, response.body, response.headers["content-range"]) == (206, b"2345", "bytes 2-5/10")
    assert fake.requests[0].range == (2, 5)


@pytest.mark.parametrize("read1", [True, False])
@pytest.mark.parametrize("chunk", [1, 3, 65536])
def test_a_body_of_at_most_cap_bytes_is_read_whole(monkeypatch, read1, chunk):
    body = bytes(range(100))
    fake = FakeHub({"/f": body}, chunk=chunk, read1=read1).install(monkeypatch)
    assert hub.request("https://h/f", hub.Deadline(5), 100).body == body       # exactly cap
    assert hub.request("https://h/f", hub.Deadline(5), 1000).body == body
    assert fake.bytes_read == 200


@pytest.mark.parametrize("read1", [True, False])
@pytest.mark.parametrize("chunk", [1, 4, 65536])
def test_a_body_larger_than_cap_is_refused_after_cap_plus_one_bytes(monkeypatch, read1, chunk):
    fake = FakeHub({"/f": b"y" * 5000}, chunk=chunk, read1=read1).install(monkeypatch)
    assert reason(lambda: hub.request("https://h/f", hub.Deadline(5), 2048)) == \
        "the answer is larger than the 2,048 bytes this reads"
    assert fake.bytes_read == 2049
    fake.bytes_read = 0
    assert reason(lambda: hub.request("https://h/f", hub.Deadline(5), 8)) == \
        "the answer is larger than the 8 bytes this reads"
    assert fake.bytes_read == 9


@pytest.mark.parametrize("read1", [True, False])
def test_a_large_cap_is_read_in_pieces_and_never_past_cap_plus_one(monkeypatch, read1):
    # More than one 64 KiB piece: the last piece asks only for what is left up to cap + 1.
    fake = FakeHub({"/f": b"y" * 200_000}, read1=read1).install(monkeypatch)
    assert reason(lambda: hub.request("https://h/f", hub.Deadline(5), 100_000)) == \
        "the answer is larger than the 100,000 bytes this reads"
    assert fake.bytes_read == 100_001
    fake.files["/f"] = b"y" * 100_000
    fake.bytes_read = 0
    assert hub.request("https://h/f", hub.Deadline(5), 100_000).body == b"y" * 100_000
    assert fake.bytes_read == 100_000


@pytest.mark.parametrize("chunk", [1, 4, 65536])
def test_a_server_that_ignores_the_range_gives_the_first_bytes(monkeypatch, chunk):
    fake = FakeHub({"/f": b"0123456789" * 10}, ignore_range=True, chunk=chunk).install(monkeypatch)
    response = hub.request("https://h/f", hub.Deadline(5), 8, {"Range": "bytes=0-7"})
    assert (response.status, response.body) == (200, b"01234567")
    assert fake.bytes_read == 9  # at most cap + 1 read


def test_no_body_is_read_from_an_answer_that_is_not_a_success(monkeypatch):
    holder = []
    fake = FakeHub(routes={"/300": (300, [("Content-Length", "5000")], b"z" * 5000),
                           "/404": (404, [("X-Error-Code", "EntryNotFound")], b"Entry not found")}).install(monkeypatch)
    response = hub._request_once("https://h/404", {}, 8, hub.Deadline(5), holder)
    assert (response.status, response.headers, response.body) == (404, {"x-error-code": "EntryNotFound"}, b"")
    assert holder == fake.connections and holder[0].closed.is_set()
    response = hub._request_once("https://h/300", {}, 8, hub.Deadline(5), [])
    assert (response.status, response.body) == (300, b"")
    assert fake.bytes_read == 0


@pytest.mark.parametrize("status", [200, 204, 206, 299])
def test_a_success_is_any_2xx(monkeypatch, status):
    FakeHub(routes={"/f": (status, [], b"ok")}).install(monkeypatch)
    assert hub.request("https://h/f", hub.Deadline(5), 10).status == status


@pytest.mark.parametrize("status", [100, 199, 300, 304, 400, 401, 403, 404, 416, 429, 500, 503])
def test_any_other_status_is_an_error_with_its_status(monkeypatch, status):
    FakeHub(routes={"/f": (status, [], b"")}).install(monkeypatch)
    with pytest.raises(hub.HubError) as caught:
        hub.request("https://h/f", hub.Deadline(5), 10)
    assert (caught.value.reason, caught.value.status) == (f"HTTP {status}", status)


def test_the_body_loop_stops_when_no_time_is_left(monkeypatch):
    FakeHub({"/f": b"abc"}).install(monkeypatch)
    assert reason(lambda: hub._request_once("https://h/f", {}, 10, ScriptedDeadline(1, [0.0], 0.0), [])) == \
        "the server is too slow"
    # Half a second left is time enough.
    assert hub._request_once("https://h/f", {}, 10, ScriptedDeadline(1, [0.5], 0.5), []).body == b"abc"


def test_a_server_that_drips_bytes_is_cut_off_by_the_deadline(monkeypatch):
    fake = FakeHub(fail="drip").install(monkeypatch)
    started = time.monotonic()
    # The worker's own check (between reads) and the caller's wait end at the same deadline: either may say so.
    assert reason(lambda: hub.request("https://h/f", hub.Deadline(0.3), 10 ** 6)) in (
        "the server is too slow", "no complete answer within 0.3 s")
    assert time.monotonic() - started < 2.5
    fake.connections[0].thread.join(5)


def test_a_server_that_never_answers_costs_the_deadline_and_its_connection_is_closed(monkeypatch):
    fake = FakeHub(fail="hang", close_raises=True).install(monkeypatch)
    started = time.monotonic()
    with pytest.raises(hub.HubError) as caught:
        hub.request("https://h/f", hub.Deadline(0.2), 10)
    elapsed = time.monotonic() - started
    assert caught.value.reason == "no complete answer within 0.2 s" and caught.value.status is None
    # Within the deadline (0.2 s; the limit leaves 0.7 s for a loaded machine), not after the server gave up (3 s).
    assert elapsed < 0.9, elapsed
    (connection,) = fake.connections
    assert connection.closed.is_set()  # closed from the caller's thread: the worker is abandoned, not waited for
    assert connection.thread.name == "generator-hub" and connection.thread.daemon
    connection.thread.join(5)


@pytest.mark.parametrize("error, expected", [
    (ConnectionRefusedError(111, "Connection refused"), "cannot connect (Connection refused)"),
    (OSError("no strerror"), "cannot connect (OSError)"),
    (http.client.BadStatusLine("garbage"), "cannot connect (BadStatusLine)"),
    (ValueError("bad header"), "cannot connect (ValueError)"),
    (TimeoutError("timed out"), "no complete answer within 5 s"),
    (RuntimeError("bug"), "the connection failed (RuntimeError)"),
    (hub.HubError("the server is too slow"), "the server is too slow"),
])
def test_a_failed_connection_is_one_reason(monkeypatch, error, expected):
    FakeHub(fail=error).install(monkeypatch)
    with pytest.raises(hub.HubError) as caught:
        hub.request("https://h/f", hub.Deadline(5), 10)
    assert (caught.value.reason, caught.value.status) == (expected, None)


@pytest.mark.parametrize("left, expected", [(0.0, "no complete answer within 5 s"),
                                            (-1.0, "no complete answer within 5 s"),
                                            (0.5, "cannot connect (Connection refused)")])
def test_a_connection_error_after_the_deadline_is_a_timeout(monkeypatch, left, expected):
    FakeHub(fail=ConnectionRefusedError(111, "Connection refused")).install(monkeypatch)
    # The caller's thread: 5 s left when it starts waiting for the worker, `left` when it looks at the error.
    assert reason(lambda: hub.request("https://h/f", ScriptedDeadline(5, [5.0, left], 5.0), 10)) == expected


# -- redirects -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_followed(monkeypatch, status):
    fake = FakeHub({"/cdn/file": b"data"}, routes={
        f"{BASE}config.json": (status, [("Location", "https://cdn.example/cdn/file")], b"moved")}).install(monkeypatch)
    response = hub.request(hub.file_url(SERVER, REPO, "config.json"), hub.Deadline(5), 100)
    assert response.body == b"data"
    assert [(c.host, r.path) for c, r in zip(fake.connections, fake.requests)] == [
        ("huggingface.co", f"{BASE}config.json"), ("cdn.example", "/cdn/file")]


def test_a_relative_redirect_is_resolved_against_the_url(monkeypatch):
    fake = FakeHub({"/other/file": b"data"}, routes={"/a/b": (302, [("Location", "/other/file")], b"")},
                   ).install(monkeypatch)
    assert hub.request("http://h:81/a/b", hub.Deadline(5), 100, {"Range": "bytes=0-1"}).body == b"da"
    assert [(c.host, c.port, r.path, r.range) for c, r in zip(fake.connections, fake.requests)] == [
        ("h", 81, "/a/b", (0, 1)), ("h", 81, "/other/file", (0, 1))]  # the Range kept on the new URL


def test_five_redirects_are_followed_and_a_sixth_is_an_error(monkeypatch):
    assert hub.MAX_REDIRECTS == 5
    routes = {f"/r{i}": (302, [("Location", f"/r{i + 1}")], b"") for i in range(6)}
    fake = FakeHub({"/r5": b"five", "/r6": b"six"}, routes={k: v for k, v in routes.items() if k != "/r5"}
                   ).install(monkeypatch)
    assert hub.request("https://h/r0", hub.Deadline(5), 10).body == b"five"  # r0 -> r1 -> ... -> r5: five
    assert len(fake.requests) == 6
    fake = FakeHub({"/r6": b"six"}, routes=routes).install(monkeypatch)
    assert reason(lambda: hub.request("https://h/r0", hub.Deadline(5), 10)) == "more than 5 redirects"
    assert len(fake.requests) == 6


def test_a_redirect_without_a_location_goes_nowhere_new(monkeypatch):
    FakeHub(routes={"/a": (302, [], b"")}, files={"/XXXX": b"no"}).install(monkeypatch)
    assert reason(lambda: hub.request("https://h/a", hub.Deadline(5), 10)) == "more than 5 redirects"


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://h/x", "javascript:alert(1)"])
def test_a_redirect_to_something_other_than_http_is_refused(monkeypatch, location):
    fake = FakeHub(routes={"/a": (301, [("Location", location)], b"")}).install(monkeypatch)
    assert reason(lambda: hub.request("https://h/a", hub.Deadline(5), 10)) == \
        "a redirect to something other than http(s)"
    assert len(fake.requests) == 1


def test_a_redirect_from_https_to_http_and_back_is_followed(monkeypatch):
    fake = FakeHub({"/c": b"c"}, routes={"/a": (307, [("Location", "http://h2/b")], b""),
                                         "/b": (308, [("Location", "https://h3/c")], b"")}).install(monkeypatch)
    assert hub.request("https://h1/a", hub.Deadline(5), 10).body == b"c"
    assert [(type(c).__name__, c.host) for c in fake.connections] == [
        ("FakeHTTPSConnection", "h1"), ("FakeConnection", "h2"), ("FakeHTTPSConnection", "h3")]


# -- safetensors headers ---------------------------------------------------------------------------------------------

def test_one_safetensors_file_costs_two_byte_ranges(monkeypatch):
    fake = FakeHub({BASE + "model.safetensors": ONE_FILE}).install(monkeypatch)
    assert hub.safetensors_headers(SERVER, REPO, hub.Deadline(5)) == [("model.safetensors", TENSORS)]
    assert [(r.method, r.path, r.range) for r in fake.requests] == [
        ("GET", BASE + "model.safetensors", (0, 7)), ("GET", BASE + "model.safetensors", (8, 8 + HEADER_LEN - 1))]
    assert {c.host for c in fake.connections} == {"huggingface.co"}


def _index(weight_map) -> bytes:
    return json.dumps({"metadata": {"total_size": 16}, "weight_map": weight_map}).encode()


@pytest.mark.parametrize("ignore_range", [False, True])
def test_a_sharded_checkpoint_is_read_from_its_index(monkeypatch, ignore_range):
    one = safetensors({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    two = safetensors({"b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                       "c": {"dtype": "F16", "shape": [0], "data_offsets": [8, 8]}}, b"\0" * 8, pad=3)
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    fake = FakeHub({BASE + "model.safetensors.index.json": _index({"b": names[1], "a": names[0], "c": names[1],
                                                                  "odd": 7}),
                    BASE + names[0]: one, BASE + names[1]: two}, ignore_range=ignore_range).install(monkeypatch)
    headers = hub.safetensors_headers(SERVER, REPO, hub.Deadline(5))
    assert [name for name, _ in headers] == names  # each file once, in name order
    assert headers[0][1] == json.loads(one[8:-4]) and headers[1][1] == json.loads(two[8:-8])
    len_two = len(two) - 8 - 8
    assert [(r.path.removeprefix(BASE), r.range) for r in fake.requests] == [
        ("model.safetensors", (0, 7)), ("model.safetensors.index.json", None),
        (names[0], (0, 7)), (names[0], (8, 8 + len(one) - 8 - 4 - 1)),
        (names[1], (0, 7)), (names[1], (8, 8 + len_two - 1))]
    # The index whole; of each file its 8 + N bytes in two ranges, or from a server that ignores Range (200, the
    # whole file) its first 8 (+1), then its first 8 + N (+1): request() reads at most cap + 1 bytes.
    index_len, len_one = len(fake.files[BASE + "model.safetensors.index.json"]), len(one) - 8 - 4
    per_file = [(8 + 1) + (8 + n + 1) if ignore_range else 8 + n for n in (len_one, len_two)]
    assert fake.bytes_read == index_len + sum(per_file)


def test_an_error_other_than_not_found_is_not_a_sharded_checkpoint(monkeypatch):
    fake = FakeHub(routes={BASE + "model.safetensors": (500, [], b"")}).install(monkeypatch)
    with pytest.raises(hub.HubError) as caught:
        hub.safetensors_headers(SERVER, REPO, hub.Deadline(5))
    assert (caught.value.reason, caught.value.status) == ("HTTP 500", 500)
    assert len(fake.requests) == 1


def test_no_file_and_no_index_is_not_found(monkeypatch):
    fake = FakeHub().install(monkeypatch)
    with pytest.raises(hub.HubError) as caught:
        hub.safetensors_headers(SERVER, REPO, hub.Deadline(5))
    assert (caught.value.reason, caught.value.status) == ("HTTP 404", 404)
    assert [r.path.removeprefix(BASE) for r in fake.requests] == ["model.safetensors", "model.safetensors.index.json"]


@pytest.mark.parametrize("index, expected", [
    (b"\xff{}", "model.safetensors.index.json is not a JSON object"),
    (b"{", "model.safetensors.index.json is not a JSON object"),
    (b"[]", "model.safetensors.index.json is not a JSON object"),
    (b'{"weight_map": {}, "weight_map": {}}', "model.safetensors.index.json is not a JSON object"),
    (b'{"metadata": {}}', "model.safetensors.index.json has no weight_map"),
    (b'{"weight_map": ["model.safetensors"]}', "model.safetensors.index.json has no weight_map"),
    (_index({}), "model.safetensors.index.json names unexpected files"),
    (_index({"a": 1}), "model.safetensors.index.json names unexpected files"),
    (_index({"a": "../model.safetensors"}), "model.safetensors.index.json names unexpected files"),
    (_index({"a": "sub/model.safetensors"}), "model.safetensors.index.json names unexpected files"),
    (_index({"a": ".model.safetensors"}), "model.safetensors.index.json names unexpected files"),
    (_index({"a": "model.bin"}), "model.safetensors.index.json names unexpected files"),
    (_index({"a": "model-1.safetensors", "b": "model.bin"}), "model.safetensors.index.json names unexpected files"),
    (_index({f"t{i}": f"model-{i:05d}.safetensors" for i in range(4097)}),
     "model.safetensors.index.json names unexpected files"),
    # At most 4096 files are fine (the first is then asked for: here it is missing).
    (_index({f"t{i}": f"model-{i:05d}.safetensors" for i in range(4096)}), "HTTP 404"),
    (_index({"a": "model-00001-of-00001.safetensors"}), "HTTP 404"),
])
def test_a_bad_index_is_one_reason(monkeypatch, index, expected):
    FakeHub({BASE + "model.safetensors.index.json": index}).install(monkeypatch)
    assert reason(lambda: hub.safetensors_headers(SERVER, REPO, hub.Deadline(5))) == expected


def _served(monkeypatch, data, **options):
    fake = FakeHub({BASE + "model.safetensors": data}, **options).install(monkeypatch)
    return fake, lambda: hub.safetensors_headers(SERVER, REPO, hub.Deadline(5))


def test_a_header_that_fills_the_file_is_read(monkeypatch):
    only_metadata = {"__metadata__": {"format": "pt"}}
    _, call = _served(monkeypatch, safetensors(only_metadata, b""))
    assert call() == [("model.safetensors", only_metadata)]


def test_a_header_longer_than_the_file_is_refused_before_it_is_asked_for(monkeypatch):
    header = json.dumps(TENSORS).encode() + b" " * 1200
    data = struct.pack("<Q", len(header) + 1) + header  # one byte more than there is
    fake, call = _served(monkeypatch, data)
    assert reason(call) == f"model.safetensors: a header of {len(header) + 1:,} bytes in a file of {len(data):,}"
    assert len(fake.requests) == 1


def test_a_length_beyond_any_header_is_refused(monkeypatch):
    fake, call = _served(monkeypatch, b"\xff" * 8 + b"{}")
    assert reason(call) == "model.safetensors: a header of 18,446,744,073,709,551,615 bytes in a file of 10"
    assert len(fake.requests) == 1


def test_a_header_of_the_largest_size_read_is_asked_for_and_one_byte_more_is_not(monkeypatch):
    biggest = hub.MAX_SAFETENSORS_HEADER
    assert biggest == 100 * 1024 * 1024  # safeio: 100 MiB
    # A file of 1 GiB that claims a 100 MiB header; the (broken) server then sends only 2 bytes of it.
    fake, call = _served(monkeypatch, (struct.pack("<Q", biggest) + b"{}", 2 ** 30))
    assert reason(call) == "model.safetensors: the header is cut short"
    assert [r.range for r in fake.requests] == [(0, 7), (8, 8 + biggest - 1)]
    fake, call = _served(monkeypatch, (struct.pack("<Q", biggest + 1) + b"{}", 2 ** 30))
    assert reason(call) == f"model.safetensors: a header of {biggest + 1:,} bytes in a file of {2 ** 30:,}"
    assert len(fake.requests) == 1


def test_an_empty_header_is_not_asked_for(monkeypatch):
    fake, call = _served(monkeypatch, struct.pack("<Q", 0))
    assert reason(call) == "safetensors header is not JSON"
    assert len(fake.requests) == 1


def test_a_file_shorter_than_its_length_field_is_refused(monkeypatch):
    _, call = _served(monkeypatch, b"\x02\0\0\0\0")
    assert reason(call) == "model.safetensors: no length or size in the answer"


def test_an_answer_without_the_files_size_is_refused(monkeypatch):
    _, call = _served(monkeypatch, ONE_FILE, content_range=False)
    assert reason(call) == "model.safetensors: no length or size in the answer"


@pytest.mark.parametrize("ignore_range", [False, True])
def test_a_header_cut_short_is_refused(monkeypatch, ignore_range):
    _, call = _served(monkeypatch, (ONE_FILE[:20], len(ONE_FILE)), ignore_range=ignore_range)
    assert reason(call) == "model.safetensors: the header is cut short"


def test_tensor_data_beyond_the_file_is_refused(monkeypatch):
    # The header says the tensor's bytes end at 9; the file has 8 bytes of data after its header.
    beyond = {"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 9]}}
    _, call = _served(monkeypatch, safetensors(beyond, b"\0" * 8))
    assert reason(call) == "safetensors tensor 'w' has no valid dtype and data_offsets within the file"
    # ... and a file with one byte more is fine.
    _, call = _served(monkeypatch, safetensors(beyond, b"\0" * 9))
    assert call() == [("model.safetensors", beyond)]


# -- servers that ignore Range ---------------------------------------------------------------------------------------
# RFC 9110 section 14.2: "A server MAY ignore the Range header field"; it then answers 200 with the whole file, from
# byte 0 (section 15.3.1). A 206 (Partial Content) answer to one range carries Content-Range: bytes FIRST-LAST/LENGTH
# (sections 14.4 and 15.3.7: "the server generating the 206 response MUST generate a Content-Range header field")
# naming the part it holds. From a 200 answer only the bytes up to the end of the range asked for may be read (and
# one more, by which request() tells an answer larger than asked for, as in
# test_a_server_that_ignores_the_range_gives_the_first_bytes): never the rest of a file of many GB.

# A file of 8 GiB of which the fake holds the first MiB: the length, the header, the data's first bytes.
BIG_FILE = (ONE_FILE + b"\0" * 2 ** 20, 2 ** 33)


@pytest.mark.parametrize("chunk", [1, 7, 65536])
@pytest.mark.parametrize("ignored, bytes_read", [
    (False, 8 + HEADER_LEN),                      # 206, 206: just the two ranges
    (True, (8 + 1) + (8 + HEADER_LEN + 1)),       # 200, 200: the file's first 8 (+1), then its first 8 + N (+1)
    ({0}, (8 + 1) + HEADER_LEN),                  # 200 for the length only
    ({8}, 8 + (8 + HEADER_LEN + 1)),              # 200 for the header only
])
def test_a_server_that_ignores_range_gives_the_header_from_the_files_first_bytes(monkeypatch, chunk, ignored,
                                                                                  bytes_read):
    fake, call = _served(monkeypatch, BIG_FILE, ignore_range=ignored, chunk=chunk)
    assert call() == [("model.safetensors", TENSORS)]
    assert [r.range for r in fake.requests] == [(0, 7), (8, 8 + HEADER_LEN - 1)]
    assert fake.bytes_read == bytes_read


def test_a_header_of_the_largest_size_from_a_server_that_ignores_range(monkeypatch):
    biggest = hub.MAX_SAFETENSORS_HEADER
    data = struct.pack("<Q", biggest) + b"{}"
    fake, call = _served(monkeypatch, (data, 2 ** 30), ignore_range=True)
    assert reason(call) == "model.safetensors: the header is cut short"  # the 200 answer ends after b"{}"
    assert [r.range for r in fake.requests] == [(0, 7), (8, 8 + biggest - 1)]
    assert fake.bytes_read == 8 + 1 + len(data)


@pytest.mark.parametrize("part_from, ranges", [
    # A broken server that answers every Range with the file's first bytes, as 206 with a true Content-Range: the
    # length (bytes 0-7) is right, the header (asked from byte 8) is not.
    (0, [(0, 7), (8, 8 + HEADER_LEN - 1)]),
    # One that answers from byte 3: already the length is the wrong bytes.
    (3, [(0, 7)]),
])
def test_a_partial_answer_for_another_part_of_the_file_is_refused(monkeypatch, part_from, ranges):
    fake, call = _served(monkeypatch, ONE_FILE, part_from=part_from)
    assert reason(call) == "model.safetensors: a part of the file other than the bytes asked for"
    assert [r.range for r in fake.requests] == ranges


def test_a_partial_answer_without_content_range_is_refused(monkeypatch):
    _, call = _served(monkeypatch, ONE_FILE, content_range={0})  # the header's 206 comes without Content-Range
    assert reason(call) == "model.safetensors: a part of the file other than the bytes asked for"


def _answer(status, body, content_range=None):
    return hub.Response(status, {} if content_range is None else {"content-range": content_range}, body)


@pytest.mark.parametrize("response, first, length, part", [
    (_answer(200, b"0123456789"), 8, 2, b"89"),               # the whole file from byte 0
    (_answer(200, b"0123456789"), 0, 8, b"01234567"),
    (_answer(200, b"012345678"), 8, 2, b"8"),                 # a file that ends early: what there is
    (_answer(206, b"89", "bytes 8-9/10"), 8, 2, b"89"),
    (_answer(206, b"89", " bytes 8-9/10 "), 8, 2, b"89"),
    (_answer(206, b"89ab", "bytes 8-11/12"), 8, 2, b"89"),   # more than asked for: the bytes asked for
    (_answer(206, b"01234567", "bytes 0-7/10"), 0, 8, b"01234567"),
    (_answer(206, b"0123", "bytes 0-3/4"), 0, 8, b"0123"),
])
def test_a_part_is_the_bytes_asked_for_whole_file_or_partial(response, first, length, part):
    assert hub._part(response, first, length, "f.safetensors") == part


@pytest.mark.parametrize("response, expected", [
    (_answer(206, b"01", "bytes 0-1/10"), "f.safetensors: a part of the file other than the bytes asked for"),
    (_answer(206, b"9", "bytes 9-9/10"), "f.safetensors: a part of the file other than the bytes asked for"),
    (_answer(206, b"89", "bytes 18-19/20"), "f.safetensors: a part of the file other than the bytes asked for"),
    (_answer(206, b"89", "bytes */10"), "f.safetensors: a part of the file other than the bytes asked for"),
    (_answer(206, b"89", "items 8-9/10"), "f.safetensors: a part of the file other than the bytes asked for"),
    (_answer(206, b"89"), "f.safetensors: a part of the file other than the bytes asked for"),
    (_answer(203, b"0123456789"), "f.safetensors: HTTP 203 to a request for bytes"),
    (_answer(204, b""), "f.safetensors: HTTP 204 to a request for bytes"),
])
def test_any_other_answer_to_a_range_is_refused(response, expected):
    assert reason(lambda: hub._part(response, 8, 2, "f.safetensors")) == expected
