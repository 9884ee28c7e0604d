"""A GGUF file's header (its metadata and tensor table), read against the file's real size.

The layout is llama.cpp's (ggml/src/gguf.cpp, ``gguf_init_from_file_impl``): magic "GGUF", a u32 version (2 or 3;
version 1 is no longer read by llama.cpp), u64 tensor and key-value counts, the key-value pairs (a string key, a
u32 type, the value; an array is a u32 item type, a u64 count and the items), then per tensor its name, u32 number
of dimensions (at most GGML_MAX_DIMS = 4), u64 dimensions, u32 ggml type and u64 offset into the data section,
which starts at the next multiple of ``general.alignment`` (default 32). Arrays of arrays are refused, as
llama.cpp's reader refuses them ("key ... has invalid GGUF type"), and so are tensor names of 64 bytes or more
(GGML_MAX_NAME).

Nothing is allocated from a count the file gives before the bytes it implies are known to be in the file: every
count and length is checked against the bytes left, and the tensors' data must lie inside the file. The file is
read through a small window (``os.pread``), never mapped or read whole, so a 2 GiB sparse file costs no memory.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from generator.core.errors import GeneratorError
from generator.core.safeio import open_regular

# Scalar value types: (struct format, size).
_SCALARS = {0: ("<B", 1), 1: ("<b", 1), 2: ("<H", 2), 3: ("<h", 2), 4: ("<I", 4), 5: ("<i", 4), 6: ("<f", 4),
            7: ("<?", 1), 10: ("<Q", 8), 11: ("<q", 8), 12: ("<d", 8)}
_STRING, _ARRAY = 8, 9
MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_NAME = 64  # GGML_MAX_NAME: a tensor name of 64 bytes or more is refused by llama.cpp
# A key "must be at most 2^16-1/65535 bytes long. Any keys that do not follow these rules are invalid." (ggml's
# docs/gguf.md, gguf_metadata_kv_t); this read 65,536 until the mutation tests (tests/test_gguf_file_units.py).
MAX_KEY = 65535
# Far above real files, low enough that walking the header stays within a few seconds: real GGUF files have
# 20-60 metadata keys, up to a few thousand tensors (a 671B MoE with stacked experts: ~1,100; 256 experts stored
# one tensor each over 61 layers would be ~47,000) and string arrays of at most ~300,000 items (Gemma 3's 262,144
# tokens; Llama 3's 280,147 merges).
MAX_KEYS = 65536
MAX_TENSORS = 2 ** 17
MAX_ARRAY_ITEMS = 2 ** 21
MAX_STRING = 16 * 2 ** 20  # one string value (chat templates are tens of KB)
KEEP_ARRAY_ITEMS = 65536  # numeric arrays up to this length are kept as lists (per-layer head counts)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArrayField:
    """An array of the metadata that is not kept item by item (strings, long arrays): its type and length."""
    item_type: int
    count: int

    def __len__(self) -> int:
        return self.count


@dataclass(frozen=True)
class Tensor:
    name: str
    type_id: int
    n_elements: int
    n_bytes: int


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    fields: dict
    tensors: tuple
    data_offset: int


class _Cursor:
    def __init__(self, fd: int, size: int, path: str):
        self.fd, self.size, self.path = fd, size, path
        self.pos = 0
        self.window, self.window_at = b"", 0

    def fail(self, message: str):
        raise GeneratorError(message, self.path, None, "give a .gguf file as downloaded")

    def left(self) -> int:
        return self.size - self.pos

    def need(self, n: int, what: str) -> None:
        if n < 0 or n > self.left():
            self.fail(f"the GGUF {what} needs {n:,} bytes, but only {self.left():,} of the file's {self.size:,} "
                      "are left (a count or length that cannot fit)")

    def take(self, n: int, what: str) -> bytes:
        self.need(n, what)
        offset = self.pos - self.window_at
        if offset < 0 or offset + n > len(self.window):
            self.window = os.pread(self.fd, max(n, _CHUNK), self.pos)
            self.window_at, offset = self.pos, 0
            if len(self.window) < n:
                self.fail(f"the file ended while reading the GGUF {what} (it changed while read?)")
        self.pos += n
        return self.window[offset:offset + n]

    def skip(self, n: int, what: str) -> None:
        self.need(n, what)
        self.pos += n

    def unpack(self, fmt: str, size: int, what: str):
        return struct.unpack(fmt, self.take(size, what))[0]

    def u32(self, what):
        return self.unpack("<I", 4, what)

    def u64(self, what):
        return self.unpack("<Q", 8, what)

    def string(self, what: str, limit: int = MAX_STRING) -> str:
        length = self.u64(what + " length")
        self.need(length, what)
        if length > limit:
            self.fail(f"the GGUF {what} is {length:,} bytes long, more than {limit:,}")
        return self.take(length, what).decode("utf-8", "replace")

    def skip_strings(self, count: int, key: str) -> None:
        """Step over ``count`` strings (a u64 length, then the bytes), each checked against the bytes left: the
        tokenizer's 100,000s of tokens in well under a second."""
        pos, size, unpack = self.pos, self.size, struct.Struct("<Q").unpack_from
        window, at = self.window, self.window_at
        for _ in range(count):
            if size - pos < 8:
                self.pos = pos
                self.need(8, f"string length in {key!r}")
            offset = pos - at
            if offset < 0 or offset + 8 > len(window):
                window, at, offset = os.pread(self.fd, _CHUNK, pos), pos, 0
                if len(window) < 8:
                    self.fail(f"the file ended while reading the GGUF array {key!r} (it changed while read?)")
            (length,) = unpack(window, offset)
            pos += 8
            if length > size - pos:
                self.pos = pos
                self.need(length, f"string in {key!r}")
            pos += length
        self.pos, self.window, self.window_at = pos, window, at


def _value(cursor: _Cursor, type_id: int, key: str):
    if type_id in _SCALARS:
        fmt, size = _SCALARS[type_id]
        return cursor.unpack(fmt, size, f"value of {key!r}")
    if type_id == _STRING:
        return cursor.string(f"value of {key!r}")
    if type_id == _ARRAY:
        item_type = cursor.u32(f"array type of {key!r}")
        count = cursor.u64(f"array length of {key!r}")
        if item_type == _ARRAY:
            cursor.fail(f"key {key!r} is an array of arrays, which GGUF readers (llama.cpp's) refuse")
        if item_type in _SCALARS:
            fmt, size = _SCALARS[item_type]
            cursor.need(count * size, f"array {key!r} of {count:,} items")
            if count <= KEEP_ARRAY_ITEMS:
                data = cursor.take(count * size, f"array {key!r}")
                return [value for (value,) in struct.iter_unpack(fmt, data)]
            cursor.skip(count * size, f"array {key!r}")
            return ArrayField(item_type, count)
        if item_type == _STRING:
            cursor.need(count * 8, f"array {key!r} of {count:,} strings")  # each at least its 8-byte length
            if count > MAX_ARRAY_ITEMS:
                cursor.fail(f"array {key!r} has {count:,} strings, more than {MAX_ARRAY_ITEMS:,}")
            cursor.skip_strings(count, key)
            return ArrayField(item_type, count)
        cursor.fail(f"key {key!r} is an array of unknown type {item_type}")
    cursor.fail(f"key {key!r} has unknown GGUF type {type_id}")


def _quant_sizes() -> dict:
    """{ggml type id: (block size, bytes per block)}: the gguf package's table (llama.cpp's gguf-py, constants.py
    GGML_QUANT_SIZES, the same numbers as ggml's type_traits)."""
    from gguf.constants import GGML_QUANT_SIZES
    return {int(kind): sizes for kind, sizes in GGML_QUANT_SIZES.items()}


def type_name(type_id: int) -> str:
    from gguf.constants import GGMLQuantizationType
    try:
        return GGMLQuantizationType(type_id).name.lower()
    except ValueError:
        return f"type{type_id}"


def read_gguf_header(path: str) -> GGUFHeader:
    try:
        fd, info = open_regular(path, None, "GGUF file")
    except GeneratorError:
        raise
    except OSError as exc:
        raise GeneratorError(f"cannot read the GGUF file: {exc.strerror}", path, None, "check the path") from None
    try:
        return _parse(_Cursor(fd, info.st_size, path))
    finally:
        os.close(fd)


def _parse(cursor: _Cursor) -> GGUFHeader:
    if cursor.take(4, "magic") != b"GGUF":
        cursor.fail("not a GGUF file (it does not start with 'GGUF')")
    version = cursor.u32("version")
    if version not in (2, 3):
        cursor.fail(f"GGUF version {version} is not read (llama.cpp reads versions 2 and 3)")
    n_tensors = cursor.u64("tensor count")
    n_keys = cursor.u64("key count")
    # Each key takes at least 13 bytes (an 8-byte length, a 4-byte type, a 1-byte value); each tensor at least 24.
    cursor.need(n_keys * 13 + n_tensors * 24, f"header of {n_keys:,} keys and {n_tensors:,} tensors")
    if n_keys > MAX_KEYS or n_tensors > MAX_TENSORS:
        cursor.fail(f"the GGUF header declares {n_keys:,} keys and {n_tensors:,} tensors, more than "
                    f"{MAX_KEYS:,} and {MAX_TENSORS:,}")
    fields: dict = {}
    for _ in range(n_keys):
        key = cursor.string("key", limit=MAX_KEY)
        if key in fields:
            cursor.fail(f"duplicate key {key!r}")
        fields[key] = _value(cursor, cursor.u32(f"type of {key!r}"), key)
    alignment = fields.get("general.alignment", 32)
    if not isinstance(alignment, int) or isinstance(alignment, bool) or alignment <= 0 or alignment & (alignment - 1):
        cursor.fail(f"general.alignment {alignment!r} is not a power of 2")
    sizes = _quant_sizes()
    raw = []
    for _ in range(n_tensors):
        name = cursor.string("tensor name", limit=MAX_NAME - 1)
        n_dims = cursor.u32(f"dimensions of tensor {name!r}")
        if n_dims > MAX_DIMS:
            cursor.fail(f"tensor {name!r} has {n_dims} dimensions, more than {MAX_DIMS}")
        elements = 1
        dims = [cursor.u64(f"dimension of tensor {name!r}") for _ in range(n_dims)]
        for dim in dims:
            elements *= dim
        if any(d >= 2 ** 63 for d in dims) or elements >= 2 ** 63:
            cursor.fail(f"tensor {name!r} has more elements than fit in 64 bits")
        type_id = cursor.u32(f"type of tensor {name!r}")
        if type_id not in sizes:
            cursor.fail(f"tensor {name!r} has unknown ggml type {type_id}")
        block, block_bytes = sizes[type_id]
        if dims and dims[0] % block:
            cursor.fail(f"tensor {name!r} rows of {dims[0]} are not a multiple of its type's block of {block}")
        offset = cursor.u64(f"offset of tensor {name!r}")
        raw.append((name, type_id, elements, elements // block * block_bytes, offset))
    data_offset = -(-cursor.pos // alignment) * alignment
    data_size = cursor.size - data_offset
    for name, _, _, n_bytes, offset in raw:
        if offset + n_bytes > data_size:
            cursor.fail(f"tensor {name!r} ({n_bytes:,} bytes at offset {offset:,}) lies beyond the end of the file "
                        f"({max(data_size, 0):,} bytes of tensor data): the file is cut short or not a GGUF file")
    tensors = tuple(Tensor(name, type_id, elements, n_bytes) for name, type_id, elements, n_bytes, _ in raw)
    return GGUFHeader(version, fields, tensors, data_offset)
