"""A Hub id (``org/name``): its config.json and its safetensors headers, fetched over HTTP(S) within one deadline.

Only two kinds of file are ever asked for: ``config.json`` (at most safeio.MAX_TEXT_BYTES) and the JSON headers of
the safetensors files (byte ranges: the 8-byte length, then the header, at most safeio.MAX_SAFETENSORS_HEADER;
from a server that ignores Range, only the whole file's bytes up to the end of the range asked for are read),
from ``$HF_ENDPOINT`` (default https://huggingface.co, the Hub's own ``/{repo}/resolve/{revision}/{file}`` URLs).
Every request of one ``--config`` shares one overall deadline, ``$GENERATOR_HUB_TIMEOUT`` seconds (default 20):
a server that answers slowly, drips bytes or never answers costs at most that, and any failure is one line.

The config.json is cached at a path the generator computes itself from the endpoint and the id (never from
anything the server says, such as an ETag), under ``hub/`` of the generator's cache folder (memo.cache_dir:
``$GENERATOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/generator``, else ``~/.cache/generator``); when the Hub cannot be
reached the cached copy is used, with a note saying so.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import ssl
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass

from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_SAFETENSORS_HEADER, MAX_TEXT_BYTES, create_exclusive, read_bounded

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_DEADLINE_S = 20.0
MAX_DEADLINE_S = 600.0
DEADLINE_ENV = "GENERATOR_HUB_TIMEOUT"
REVISION = "main"
MAX_REDIRECTS = 5
MAX_SHARDS = 4096  # safetensors files of one checkpoint (the largest public ones have a few hundred)
_SHARD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.safetensors$")
_USER_AGENT = "generator-vram-tables (config.json and safetensors headers only)"


class HubError(Exception):
    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict
    body: bytes


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def deadline_seconds() -> float:
    text = os.environ.get(DEADLINE_ENV)
    if text is None or not text.strip():
        return DEFAULT_DEADLINE_S
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_DEADLINE_S:
        raise GeneratorError(f"{DEADLINE_ENV}={text[:40]!r} is not a number of seconds from 0 to {MAX_DEADLINE_S:g}",
                             fix=f"set {DEADLINE_ENV} to seconds, e.g. {DEFAULT_DEADLINE_S:g}, or unset it")
    return value


def endpoint() -> str:
    """``$HF_ENDPOINT`` or the Hub itself, checked: http(s), a host, nothing else."""
    value = os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
        raise GeneratorError(f"HF_ENDPOINT={value[:80]!r} is not an http(s) URL", fix="set HF_ENDPOINT to a URL such "
                             "as https://huggingface.co, or unset it")
    return value.rstrip("/")


def cache_root() -> str | None:
    """``hub/`` in the generator's cache folder (memo.cache_dir: $GENERATOR_CACHE_DIR, else
    $XDG_CACHE_HOME/generator, else ~/.cache/generator; an empty GENERATOR_CACHE_DIR turns caching off)."""
    from generator.core.memo import cache_dir
    folder = cache_dir()
    return os.path.join(folder, "hub") if folder else None


def cache_path(server: str, repo_id: str) -> str | None:
    """Where the config.json of ``repo_id`` from ``server`` is cached: computed from the two, nothing else.
    ``repo_id`` is a checked Hub id (sources._HUB_ID: no '/', '..' or hidden part beyond its one '/')."""
    root = cache_root()
    if root is None:
        return None
    server_key = hashlib.sha256(server.encode("utf-8")).hexdigest()[:16]
    return os.path.join(root, server_key, repo_id.replace("/", "--"), "config.json")


def read_cache(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return read_bounded(path, MAX_TEXT_BYTES, "cached config.json", follow=False)
    except (OSError, GeneratorError):
        return None


def write_cache(path: str | None, data: bytes) -> None:
    """Best effort: a cache that cannot be written is no reason to fail."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        os.replace(create_exclusive(os.path.dirname(path), "config.json", data, 0o600), path)


# -- HTTP, within the deadline ---------------------------------------------------------------------------------------

def _request_once(url: str, headers: dict, cap: int, deadline: Deadline, holder: list) -> Response:
    parts = urllib.parse.urlsplit(url)
    timeout = max(deadline.left(), 0.001)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    holder.append(connection)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path or "/", headers={"User-Agent": _USER_AGENT, "Accept-Encoding": "identity",
                                                    **headers})
    response = connection.getresponse()
    body = b""
    if 200 <= response.status < 300:
        chunks, size = [], 0
        while size <= cap:
            if deadline.left() <= 0:
                raise HubError("the server is too slow")
            chunk = response.read1(min(65536, cap + 1 - size)) if hasattr(response, "read1") else response.read(
                min(65536, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        body = b"".join(chunks)
        if size > cap:
            if not headers.get("Range"):
                raise HubError(f"the answer is larger than the {cap:,} bytes this reads")
            body = body[:cap]  # a server that ignores Range sends the whole file: its first cap bytes (see _part)
    result = Response(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    connection.close()
    return result


def request(url: str, deadline: Deadline, cap: int, headers: dict | None = None) -> Response:
    """GET ``url`` (following up to MAX_REDIRECTS redirects), reading at most ``cap`` bytes of body, all within
    ``deadline``: run on a worker thread that is abandoned (its connection closed) when the time is up, so not even
    a name lookup can outlast it."""
    headers = dict(headers or {})
    for _ in range(MAX_REDIRECTS + 1):
        outcome: list = []
        holder: list = []

        def work(target=url):
            try:
                outcome.append(_request_once(target, headers, cap, deadline, holder))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                outcome.append(exc)

        worker = threading.Thread(target=work, daemon=True, name="generator-hub")
        worker.start()
        worker.join(max(deadline.left(), 0))
        if worker.is_alive() or not outcome:
            for connection in holder:
                with contextlib.suppress(Exception):
                    connection.close()
            raise HubError(f"no complete answer within {deadline.seconds:g} s")
        result = outcome[0]
        if isinstance(result, HubError):
            raise result
        if isinstance(result, (OSError, http.client.HTTPException, ValueError)):
            if deadline.left() <= 0 or isinstance(result, TimeoutError):
                raise HubError(f"no complete answer within {deadline.seconds:g} s")
            reason = getattr(result, "strerror", None) or type(result).__name__
            raise HubError(f"cannot connect ({reason})")
        if isinstance(result, BaseException):
            raise HubError(f"the connection failed ({type(result).__name__})")
        if result.status in (301, 302, 303, 307, 308):
            location = result.headers.get("location", "")
            url = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise HubError("a redirect to something other than http(s)")
            continue
        if not 200 <= result.status < 300:
            raise HubError(f"HTTP {result.status}", result.status)
        return result
    raise HubError(f"more than {MAX_REDIRECTS} redirects")


def file_url(server: str, repo_id: str, name: str) -> str:
    return f"{server}/{repo_id}/resolve/{REVISION}/{urllib.parse.quote(name)}"


# -- safetensors headers ---------------------------------------------------------------------------------------------

def _total_size(response: Response) -> int | None:
    content_range = response.headers.get("content-range", "")
    match = re.match(r"^bytes \d+-\d+/(\d+)$", content_range.strip())
    if match:
        return int(match.group(1))
    if response.status == 200:
        length = response.headers.get("content-length", "")
        return int(length) if length.isdigit() else None
    return None


def _part(response: Response, first: int, length: int, name: str) -> bytes:
    """Bytes ``first`` to ``first + length - 1`` of the file ``name``, out of the answer to request() for them
    (``Range: bytes=first-(first + length - 1)``, cap ``first + length``). RFC 9110: a server may ignore Range
    (section 14.2) and answer 200 with the whole file from byte 0, of which request() read only the first
    ``first + length`` bytes; a 206 (Partial Content) carries the range its Content-Range names (sections 14.4,
    15.3.7), which must be the one asked for."""
    if response.status == 200:
        return response.body[first:first + length]
    if response.status == 206:
        match = re.match(r"^bytes (\d+)-", response.headers.get("content-range", "").strip())
        if match and int(match.group(1)) == first:
            return response.body[:length]
        raise HubError(f"{name}: a part of the file other than the bytes asked for")
    raise HubError(f"{name}: HTTP {response.status} to a request for bytes")


def safetensors_headers(server: str, repo_id: str, deadline: Deadline) -> list[tuple[str, dict]]:
    """[(file name, parsed header)] of the checkpoint's safetensors files, each checked against its real size."""
    from generator.families.safetensors_file import parse_safetensors_header

    try:
        names = [("model.safetensors", request(file_url(server, repo_id, "model.safetensors"), deadline, 8,
                                              {"Range": "bytes=0-7"}))]
    except HubError as exc:
        if exc.status != 404:
            raise
        index = request(file_url(server, repo_id, "model.safetensors.index.json"), deadline, MAX_TEXT_BYTES)
        from generator.families.model_config import parse_config_json
        try:
            weight_map = parse_config_json(index.body.decode("utf-8"), "model.safetensors.index.json").get(
                "weight_map")
        except (GeneratorError, UnicodeDecodeError):
            raise HubError("model.safetensors.index.json is not a JSON object") from None
        if not isinstance(weight_map, dict):
            raise HubError("model.safetensors.index.json has no weight_map")
        files = sorted({name for name in weight_map.values() if isinstance(name, str)})
        if not files or len(files) > MAX_SHARDS or not all(_SHARD.match(name) for name in files):
            raise HubError("model.safetensors.index.json names unexpected files")
        names = [(name, None) for name in files]
    headers = []
    for name, first in names:
        url = file_url(server, repo_id, name)
        first = first or request(url, deadline, 8, {"Range": "bytes=0-7"})
        total = _total_size(first)
        if len(first.body) < 8 or total is None:
            raise HubError(f"{name}: no length or size in the answer")
        (length,) = struct.unpack("<Q", _part(first, 0, 8, name))
        if length > total - 8 or length > MAX_SAFETENSORS_HEADER:
            raise HubError(f"{name}: a header of {length:,} bytes in a file of {total:,}")
        text = _part(request(url, deadline, 8 + length, {"Range": f"bytes=8-{8 + length - 1}"}), 8, length,
                     name) if length else b""
        if len(text) != length:
            raise HubError(f"{name}: the header is cut short")
        try:
            headers.append((name, parse_safetensors_header(text, total - 8 - length, f"{repo_id}/{name}")))
        except GeneratorError as exc:
            raise HubError(exc.message) from None
    return headers
