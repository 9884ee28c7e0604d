"""A cache of rendered bytes, keyed by every byte that makes them.

Rendering turns numbers into bytes: Jinja compiles templates to Python code, Markdown becomes HTML, openpyxl
writes the seed's workbook and matplotlib draws its header image. Each is a pure function of its inputs, and
the slow part of an up-to-date build or check (openpyxl and matplotlib alone take longer to import than the
rest of a build). This cache keeps each result under a SHA-256 of:

* what is made (a kind) and every input byte of it (a template's source; the Markdown text; the chart's data;
  for the workbook, the seed's tables, the benchmark rows and the model sizes it reads; for the header image, its data);
* this package's own code (every ``.py`` file of ``generator/``), so any change to the code misses;
* the Python version, the zlib library version and the name and version of every installed distribution, so a
  new openpyxl, matplotlib, Pillow, numpy, Jinja or Markdown misses.

So a hit is what rendering would give now. No number is taken from here: build and check compute every number
afresh; the numbers are among the input bytes of what is cached. An entry carries a checksum of its bytes and
one that does not match is ignored.

Where: ``$GENERATOR_CACHE_DIR``; else ``$XDG_CACHE_HOME/generator``; else ``~/.cache/generator``. An empty
``GENERATOR_CACHE_DIR`` turns the cache off (the test suite does, so that every test renders what it checks).
``build`` reads and writes it; ``check`` only reads it. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from typing import Callable

from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_PUBLISHED_BYTES, MAX_TEXT_BYTES, create_exclusive, read_bounded

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # generator/, from generator/core/memo.py
_writable = True


def allow_writes(writable: bool) -> None:
    """``build`` stores what it rendered; ``check`` writes nothing anywhere."""
    global _writable
    _writable = writable


def cache_dir() -> str | None:
    configured = os.environ.get("GENERATOR_CACHE_DIR")
    if configured is not None:
        return configured or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "generator")


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> bytes:
    """A hash of every Python source file of this package."""
    digest = hashlib.sha256()
    for folder, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(n for n in names if n.endswith(".py")):
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                data = handle.read()
            digest.update(os.path.relpath(path, _PACKAGE).encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.digest()


@functools.lru_cache(maxsize=None)
def environment_fingerprint() -> bytes:
    """Python, zlib and every installed distribution with its version (from the names of their metadata folders)."""
    import zlib
    parts = [sys.version, sys.implementation.cache_tag or "", zlib.ZLIB_RUNTIME_VERSION]
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        parts += sorted(n for n in names if n.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).digest()


def key(kind: str, parts) -> str:
    digest = hashlib.sha256()
    for part in (kind.encode(), code_fingerprint(), environment_fingerprint(), *parts):
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _path(kind: str, parts) -> str | None:
    folder = cache_dir()
    if folder is None or parts is None:
        return None
    return os.path.join(folder, kind, key(kind, parts))


def get(kind: str, parts) -> bytes | None:
    path = _path(kind, parts)
    if path is None:
        return None
    try:
        stored = read_bounded(path, 32 + MAX_PUBLISHED_BYTES, "cache entry", follow=False)
    except (OSError, GeneratorError):
        return None
    checksum, data = stored[:32], stored[32:]
    return data if len(stored) >= 32 and hashlib.sha256(data).digest() == checksum else None


def put(kind: str, parts, data: bytes) -> None:
    path = _path(kind, parts)
    if path is None or not _writable:
        return
    temporary = None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # A fresh O_EXCL|O_NOFOLLOW file: a link planted at any name in the cache is never written through.
        temporary = create_exclusive(os.path.dirname(path), os.path.basename(path),
                                     hashlib.sha256(data).digest() + data)
        os.replace(temporary, path)
    except OSError:
        try:
            if temporary is not None:
                os.unlink(temporary)
        except OSError:
            pass


def cached(kind: str, parts, make: Callable[[], bytes]) -> bytes:
    """``make()``'s bytes, from the cache when an entry with the same inputs is there (``parts`` None: not cached)."""
    if parts is None:
        return make()
    found = get(kind, parts)
    if found is not None:
        return found
    made = make()
    put(kind, parts, made)
    return made


def folder_bytes(root: str) -> list[bytes] | None:
    """Every entry under ``root``, in sorted order: its path and kind, a regular file's bytes, a symlink's target
    (and what it leads to). The input bytes of what depends on all of it, including what a build refuses (a
    symlink, a FIFO), so such a folder never shares a key with a plain one. None when ``root`` is not a folder or
    any of it cannot be read (then nothing is cached)."""
    if not isinstance(root, str) or not os.path.isdir(root):
        return None  # no folder (a blog's content is the package's catalogue and its overlays): not cached
    parts: list[bytes] = []
    try:
        _walk(root, "", parts, {os.path.realpath(root)})
    except OSError:
        return None
    return parts


def _walk(root: str, relative: str, parts: list[bytes], seen: set) -> None:
    import stat
    folder = os.path.join(root, relative) if relative else root
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        rel = f"{relative}/{name}" if relative else name
        parts.append(rel.encode("utf-8", "surrogateescape"))
        if os.path.islink(path):
            parts.append(b"symlink:" + os.fsencode(os.readlink(path)))
        mode = os.stat(path).st_mode  # what the link leads to, for a symlink
        if stat.S_ISDIR(mode):
            real = os.path.realpath(path)
            parts.append(b"folder")
            if real not in seen:  # a symlink loop is walked once
                _walk(root, rel, parts, seen | {real})
        elif stat.S_ISREG(mode):
            # Bounded like every read (a 2 GiB sparse file in content/ is never read whole); a file above the cap
            # raises, and then nothing is cached (the build itself refuses such a file where it reads it).
            try:
                parts += [b"file", read_bounded(path, MAX_TEXT_BYTES, "content file")]
            except GeneratorError as exc:
                raise OSError(exc.message) from None
        else:
            parts.append(b"other:%o" % stat.S_IFMT(mode))  # a FIFO or device: never opened (it could block)


def prune(kind: str, keep: int) -> None:
    """Keep the ``keep`` newest entries of ``kind`` (an entry per content version would otherwise pile up)."""
    folder = cache_dir()
    if folder is None or not _writable:
        return
    try:
        entries = [os.path.join(folder, kind, n) for n in os.listdir(os.path.join(folder, kind))]
        entries.sort(key=os.path.getmtime, reverse=True)
        for path in entries[keep:]:
            os.unlink(path)
    except OSError:
        pass
