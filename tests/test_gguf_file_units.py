"""generator/families/gguf_file.py (the GGUF header reader) on GGUF bytes built here from the format's specification,
not from the reader: ggml's docs/gguf.md (github.com/ggml-org/ggml, blob 01f0d4da3e444ca2bfe705e72adab08a4394bb1d)
and llama.cpp's reader ggml/src/gguf.cpp (github.com/ggml-org/llama.cpp, blob 067d44f6c48459f7a82dbafc6fbd0bae97755a4e,
``gguf_init_from_reader``) for what a reader refuses. The lines of the specification the builders follow:

    struct gguf_header_t {
        // Must be `GGUF` at the byte level: `0x47` `0x47` `0x55` `0x46`.
        uint32_t magic;
        // Must be `3` for version described in this spec, which introduces big-endian support.
        uint32_t version;
        uint64_t tensor_count;
        uint64_t metadata_kv_count;
        gguf_metadata_kv_t metadata_kv[metadata_kv_count];
    };
    struct gguf_string_t { uint64_t len; char string[len]; };          // "UTF-8 non-null-terminated"
    struct gguf_metadata_kv_t { gguf_string_t key; gguf_metadata_value_type value_type; gguf_metadata_value_t value; };
    // array: { gguf_metadata_value_type type; uint64_t len; gguf_metadata_value_t array[len]; }
    struct gguf_tensor_info_t { gguf_string_t name; uint32_t n_dimensions; uint64_t dimensions[n_dimensions];
                                ggml_type type; uint64_t offset; };   // offset "relative to `tensor_data`"
    uint64_t align_offset(uint64_t offset) { return offset + (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT; }
    "Models are little-endian by default."  "If the alignment is **not** specified, assume it is `32`."

Every refusal is checked word for word (the message names the field, the counts and the file), with the file's path
and the fix. Expected values: the bytes' meaning under the specification, ggml's block sizes (ggml-common.h), and for
a file written by llama.cpp's own Python writer, llama.cpp's own Python reader (gguf.GGUFReader).
"""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest

from generator.core.errors import GeneratorError
from generator.families import gguf_file
from generator.families.gguf_file import ArrayField, Tensor, read_gguf_header, type_name

# enum gguf_metadata_value_type (docs/gguf.md): UINT8 = 0 ... FLOAT64 = 12.
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
# enum ggml_type (docs/gguf.md): GGML_TYPE_F32 = 0, F16 = 1, Q4_0 = 2, "Q4_2 = 4, support has been removed",
# Q8_0 = 8, Q4_K = 12, "Q4_0_4_4 = 31, support has been removed from gguf files", MXFP4 = 39.
T_F32, T_F16, T_Q4_0, T_REMOVED_Q4_2, T_Q8_0, T_Q4_K, T_REMOVED_Q4_0_4_4, T_MXFP4 = 0, 1, 2, 4, 8, 12, 31, 39
FIX = "give a .gguf file as downloaded"
CANNOT_FIT = "are left (a count or length that cannot fit)"
WINDOW = gguf_file._CHUNK  # the reader's read window (1 MiB): where the files below put a field across its edge


def gstr(text) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(data)) + data


def kv(key, value_type: int, payload: bytes) -> bytes:
    return gstr(key) + struct.pack("<I", value_type) + payload


def u32kv(key, value: int) -> bytes:
    return kv(key, U32, struct.pack("<I", value))


def strkv(key, text) -> bytes:
    return kv(key, STRING, gstr(text))


def arraykv(key, item_type: int, count: int, items: bytes = b"") -> bytes:
    return kv(key, ARRAY, struct.pack("<IQ", item_type, count) + items)


def tinfo(name, dims, ggml_type: int, offset: int = 0, n_dims=None) -> bytes:
    return (gstr(name) + struct.pack("<I", len(dims) if n_dims is None else n_dims)
            + b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ggml_type, offset))


def gguf(kvs=(), tensors=(), version=3, n_kv=None, n_tensors=None, magic=b"GGUF") -> bytes:
    """Header, key-value pairs, tensor infos; no padding, no data (the tests add them)."""
    return (magic + struct.pack("<IQQ", version, len(tensors) if n_tensors is None else n_tensors,
                                len(kvs) if n_kv is None else n_kv) + b"".join(kvs) + b"".join(tensors))


def align(n: int, alignment: int = 32) -> int:
    return n + (alignment - (n % alignment)) % alignment  # docs/gguf.md's align_offset


def write(tmp_path, data: bytes, name="model.gguf"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def read(tmp_path, data: bytes):
    return read_gguf_header(write(tmp_path, data))


def refusal(tmp_path, data: bytes) -> str:
    path = write(tmp_path, data)
    with pytest.raises(GeneratorError) as info:
        read_gguf_header(path)
    error = info.value
    assert (error.path, error.line, error.fix) == (path, None, FIX)
    assert str(error) == f"{path}: {error.message}; {FIX}"
    return error.message


def cannot_fit(what: str, needs, left: int, size: int) -> str:
    return f"the GGUF {what} needs {needs:,} bytes, but only {left:,} of the file's {size:,} {CANNOT_FIT}"


# A first key long enough that a header declaring one key more still passes the "13 bytes per key" check, so that
# the field cut short below is the one named.
FILLER = strkv("general.name", "x" * 40)


# --- a file written by llama.cpp's own writer, read back by llama.cpp's own reader ------------------------------------
def test_a_file_of_llama_cpps_writer_reads_as_llama_cpps_reader_reads_it(tmp_path):
    import gguf as gg
    path = str(tmp_path / "tiny.gguf")
    writer = gg.GGUFWriter(path, "llama")
    writer.add_block_count(2)
    writer.add_embedding_length(64)
    writer.add_head_count(4)
    writer.add_rope_freq_base(500000.0)
    writer.add_bool("llama.use_parallel_residual", True)
    writer.add_uint64("llama.context_length", 2 ** 40)
    writer.add_token_list([f"t{i}" for i in range(300)])
    writer.add_array("llama.attention.head_count_kv", [1, 2])
    writer.add_tensor("token_embd.weight", np.zeros((300, 64), dtype=np.float16))
    writer.add_tensor("output_norm.weight", np.zeros(64, dtype=np.float32))
    # a Q8_0 tensor of 2 rows of 64 given as its bytes: 2 blocks of 34 bytes a row
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((2, 68), dtype=np.uint8), raw_dtype=gg.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    header = read_gguf_header(path)
    reference = gg.GGUFReader(path)
    assert header.version == 3
    assert header.data_offset == reference.data_offset
    fields = {key: field for key, field in reference.fields.items() if not key.startswith("GGUF.")}  # its header
    assert list(header.fields) == list(fields)
    for key, field in fields.items():
        if field.types[0] == gg.GGUFValueType.ARRAY and field.types[-1] == gg.GGUFValueType.STRING:
            assert header.fields[key] == ArrayField(STRING, len(field.data)), key
        else:
            assert header.fields[key] == pytest.approx(field.contents()), key
    assert header.tensors == tuple(Tensor(t.name, int(t.tensor_type), int(t.n_elements), int(t.n_bytes))
                                   for t in reference.tensors)
    # and by hand, from the shapes and ggml's block sizes: 300 x 64 F16, 64 F32, 2 x 64 Q8_0 (34 bytes per 32)
    assert [(t.n_elements, t.n_bytes) for t in header.tensors] == [(19200, 38400), (64, 256), (128, 136)]
    assert header.fields["general.architecture"] == "llama" and header.fields["llama.context_length"] == 2 ** 40
    assert header.fields["llama.use_parallel_residual"] is True


# --- values -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value_type, payload, expected", [
    (U8, b"\xff", 255),
    (I8, b"\xff", -1),
    (U16, b"\x01\x02", 0x0201),                                   # little-endian
    (I16, b"\xfe\xff", -2),
    (U32, b"\x01\x00\x00\x80", 2 ** 31 + 1),
    (I32, b"\xff\xff\xff\xff", -1),
    (F32, b"\x00\x00\xc0\x3f", 1.5),                              # IEEE 754 binary32 0x3fc00000
    (BOOL, b"\x01", True),                                        # "1-byte value where 0 is false and 1 is true"
    (BOOL, b"\x00", False),
    (U64, b"\xff" * 8, 2 ** 64 - 1),
    (I64, b"\x00" * 7 + b"\x80", -2 ** 63),
    (F64, b"\x00" * 6 + b"\xf8\x3f", 1.5),                        # IEEE 754 binary64 0x3ff8000000000000
])
def test_each_scalar_type_is_its_little_endian_value(tmp_path, value_type, payload, expected):
    header = read(tmp_path, gguf([kv("k", value_type, payload), u32kv("after", 7)]))
    assert header.fields == {"k": expected, "after": 7}
    assert type(header.fields["k"]) is type(expected)


def test_strings_are_utf_8_and_a_bad_byte_is_replaced_not_fatal(tmp_path):
    header = read(tmp_path, gguf([strkv("a", "h\u00e9llo"), strkv("b", ""), strkv("c", b"x\xffy"), strkv("", "e")]))
    assert header.fields == {"a": "h\u00e9llo", "b": "", "c": "x\ufffdy", "": "e"}


def test_numeric_arrays_are_kept_as_lists_of_their_items(tmp_path):
    header = read(tmp_path, gguf([
        arraykv("u8", U8, 3, b"\x01\x02\xff"),
        arraykv("i16", I16, 2, b"\xff\xff\x02\x00"),
        arraykv("f32", F32, 1, b"\x00\x00\xc0\x3f"),
        arraykv("bool", BOOL, 2, b"\x01\x00"),
        arraykv("u64", U64, 1, b"\xff" * 8),
        arraykv("empty", U32, 0),
        u32kv("after", 7)]))
    assert header.fields == {"u8": [1, 2, 255], "i16": [-1, 2], "f32": [1.5], "bool": [True, False],
                             "u64": [2 ** 64 - 1], "empty": [], "after": 7}


def test_numeric_arrays_up_to_65536_items_are_kept_longer_ones_counted_and_stepped_over(tmp_path):
    """KEEP_ARRAY_ITEMS = 65536 (gguf_file.py): the per-layer lists are kept; longer ones are only counted, and the
    key after them is read where the spec puts it (count x item size further on)."""
    header = read(tmp_path, gguf([
        arraykv("kept", U8, 65536, bytes(range(256)) * 256),
        arraykv("long", U16, 65537, b"\x01\x00" * 65537),
        arraykv("longer", I32, 70000, b"\x00" * 280000),
        u32kv("after", 7)]))
    assert header.fields["kept"] == list(range(256)) * 256
    assert header.fields["long"] == ArrayField(U16, 65537) and len(header.fields["long"]) == 65537
    assert header.fields["longer"] == ArrayField(I32, 70000)
    assert header.fields["after"] == 7


def test_string_arrays_are_counted_and_stepped_over_string_by_string(tmp_path):
    header = read(tmp_path, gguf([arraykv("tokens", STRING, 3, gstr("a") + gstr("") + gstr("bcd")),
                                  arraykv("none", STRING, 0), u32kv("after", 7)]))
    assert header.fields == {"tokens": ArrayField(STRING, 3), "none": ArrayField(STRING, 0), "after": 7}


@pytest.mark.parametrize("last", ["", "end"])
def test_a_string_array_that_ends_exactly_at_the_end_of_the_file_is_read(tmp_path, last):
    """No tensors, no data: the last string's bytes (or, for "", its length) are the file's last bytes."""
    data = gguf([u32kv("before", 1), arraykv("tokens", STRING, 2, gstr("ab") + gstr(last))])
    assert read(tmp_path, data).fields == {"before": 1, "tokens": ArrayField(STRING, 2)}


# --- the header --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", [2, 3])
def test_versions_2_and_3_are_read(tmp_path, version):
    header = read(tmp_path, gguf([u32kv("k", 1)], version=version))
    assert (header.version, header.fields, header.tensors) == (version, {"k": 1}, ())


@pytest.mark.parametrize("version", [0, 1, 4, 2 ** 32 - 1])
def test_other_versions_are_refused(tmp_path, version):
    """llama.cpp: version 0 is "bad", "GGUFv1 is no longer supported", and a version above GGUF_VERSION (3) is
    refused ("this software only supports up to version 3"); the version is a uint32."""
    assert refusal(tmp_path, gguf(version=version)) == \
        f"GGUF version {version} is not read (llama.cpp reads versions 2 and 3)"


@pytest.mark.parametrize("magic", [b"gguf", b"GGML", b"FUGG", b"\0\0\0\0"])
def test_a_file_that_does_not_start_with_the_bytes_GGUF_is_refused(tmp_path, magic):
    assert refusal(tmp_path, gguf(magic=magic)) == "not a GGUF file (it does not start with 'GGUF')"


def test_an_empty_header_is_read_and_its_data_section_aligned(tmp_path):
    header = read(tmp_path, gguf())
    assert (header.version, header.fields, header.tensors) == (3, {}, ())
    assert header.data_offset == 32  # align_offset(24)


def test_a_key_repeated_is_refused(tmp_path):
    # llama.cpp: "duplicate key '%s'"
    assert refusal(tmp_path, gguf([u32kv("k", 1), strkv("k", "again")])) == "duplicate key 'k'"


@pytest.mark.parametrize("length, refused", [(65535, False), (65536, True)])
def test_a_key_is_at_most_65535_bytes(tmp_path, length, refused):
    """docs/gguf.md, gguf_metadata_kv_t.key: "It must be at most 2^16-1/65535 bytes long. Any keys that do not follow
    these rules are invalid." """
    data = gguf([u32kv("k" * length, 1)])
    if refused:
        assert refusal(tmp_path, data) == "the GGUF key is 65,536 bytes long, more than 65,535"
    else:
        assert read(tmp_path, data).fields == {"k" * length: 1}


@pytest.mark.parametrize("payload, expected", [
    (struct.pack("<IQ", ARRAY, 1) + struct.pack("<IQ", U8, 0), "key 'k' is an array of arrays, which GGUF readers "
                                                               "(llama.cpp's) refuse"),
    (struct.pack("<IQ", 13, 0), "key 'k' is an array of unknown type 13"),
    (struct.pack("<IQ", 2 ** 32 - 1, 0), "key 'k' is an array of unknown type 4294967295"),
])
def test_arrays_of_arrays_and_of_unknown_types_are_refused(tmp_path, payload, expected):
    """llama.cpp reads an array's item type and refuses GGUF_TYPE_ARRAY and any type past FLOAT64 (12): "key '%s'
    has invalid GGUF type %d"."""
    assert refusal(tmp_path, gguf([kv("k", ARRAY, payload)])) == expected


@pytest.mark.parametrize("value_type", [13, 2 ** 32 - 1])
def test_a_value_of_unknown_type_is_refused(tmp_path, value_type):
    assert refusal(tmp_path, gguf([kv("k", value_type, b"\0" * 16)])) == f"key 'k' has unknown GGUF type {value_type}"


# --- cut short: each field named ----------------------------------------------------------------------------------------
def _cut(kvs_and_more: bytes, n_kv: int, n_tensors: int = 0) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv) + kvs_and_more


CUT_SHORT = [
    # (name, the file's bytes, what, needs, left)
    ("magic", b"GG", "magic", 4, 2),
    ("version, none", b"GGUF", "version", 4, 0),
    ("version", b"GGUF\x03\x00", "version", 4, 2),
    ("tensor count", b"GGUF" + struct.pack("<I", 3) + b"\0" * 4, "tensor count", 8, 4),
    ("key count", b"GGUF" + struct.pack("<IQ", 3, 0) + b"\0" * 3, "key count", 8, 3),
    ("header", _cut(b"\0" * 12, 1), "header of 1 keys and 0 tensors", 13, 12),
    ("header-tensors", _cut(b"\0" * 47, 0, 2), "header of 0 keys and 2 tensors", 48, 47),
    ("header-both", _cut(b"\0" * 49, 2, 1), "header of 2 keys and 1 tensors", 50, 49),
    ("key length", _cut(FILLER + b"\0" * 4, 2), "key length", 8, 4),
    ("key", _cut(struct.pack("<Q", 100) + b"\0" * 5, 1), "key", 100, 5),
    ("type of key", _cut(FILLER + gstr("k") + b"\0" * 2, 2), "type of 'k'", 4, 2),
    ("scalar", _cut(FILLER + kv("k", U32, b"\0" * 2), 2), "value of 'k'", 4, 2),
    ("string length", _cut(FILLER + kv("k", STRING, b"\0" * 3), 2), "value of 'k' length", 8, 3),
    ("string", _cut(FILLER + kv("k", STRING, struct.pack("<Q", 10) + b"\0" * 4), 2), "value of 'k'", 10, 4),
    ("array type", _cut(FILLER + kv("k", ARRAY, b"\0" * 2), 2), "array type of 'k'", 4, 2),
    ("array length", _cut(FILLER + kv("k", ARRAY, struct.pack("<I", U8) + b"\0" * 5), 2), "array length of 'k'", 8, 5),
    ("array items", _cut(arraykv("k", U32, 3, b"\0" * 10), 1), "array 'k' of 3 items", 12, 10),
    ("array 1e9", _cut(arraykv("k", U64, 10 ** 9, b"\0" * 10), 1), "array 'k' of 1,000,000,000 items", 8 * 10 ** 9, 10),
    ("strings", _cut(arraykv("k", STRING, 2, b"\0" * 15), 1), "array 'k' of 2 strings", 16, 15),
    ("strings 2**60", _cut(arraykv("k", STRING, 2 ** 60), 1), f"array 'k' of {2 ** 60:,} strings", 2 ** 63, 0),
    ("string length in array", _cut(arraykv("k", STRING, 2, gstr("abcdefghijkl") + b"\0" * 7), 1),
     "string length in 'k'", 8, 7),
    ("string in array", _cut(arraykv("k", STRING, 1, struct.pack("<Q", 100) + b"\0" * 20), 1),
     "string in 'k'", 100, 20),
    ("string in array, 2**64 - 1", _cut(arraykv("k", STRING, 1, b"\xff" * 8 + b"\0" * 3), 1),
     "string in 'k'", 2 ** 64 - 1, 3),
    ("string in array, last", _cut(arraykv("k", STRING, 3, gstr("a") + gstr("") + struct.pack("<Q", 2) + b"\0"), 1),
     "string in 'k'", 2, 1),
    ("tensor name length", _cut(tinfo("t" * 40, (4,), T_F32) + b"\0" * 5, 0, 2), "tensor name length", 8, 5),
    ("tensor name", _cut(struct.pack("<Q", 30) + b"\0" * 20, 0, 1), "tensor name", 30, 20),
    ("dimensions", _cut(gstr("t" * 20) + b"\0" * 2, 0, 1), f"dimensions of tensor {'t' * 20!r}", 4, 2),
    ("dimension", _cut(gstr("w") + struct.pack("<IQ", 2, 4) + b"\0" * 3, 0, 1), "dimension of tensor 'w'", 8, 3),
    ("tensor type", _cut(gstr("weight") + struct.pack("<IQ", 1, 4) + b"\0" * 2, 0, 1), "type of tensor 'weight'",
     4, 2),
    ("tensor offset", _cut(gstr("w") + struct.pack("<IQI", 1, 4, T_F32) + b"\0" * 5, 0, 1),
     "offset of tensor 'w'", 8, 5),
]


@pytest.mark.parametrize("name, data, what, needs, left", CUT_SHORT, ids=[case[0] for case in CUT_SHORT])
def test_a_file_cut_short_is_refused_naming_the_field(tmp_path, name, data, what, needs, left):
    assert refusal(tmp_path, data) == cannot_fit(what, needs, left, len(data))


def test_counts_that_cannot_be_in_the_file_are_refused_before_reading_on(tmp_path):
    """Each key takes at least 13 bytes (an 8-byte key length, a 4-byte type, a 1-byte value) and each tensor info at
    least 24 (8-byte name length, 4-byte n_dimensions, 4-byte type, 8-byte offset): the counts are checked against the
    bytes left first; a uint64 count is read as unsigned (2**64 - 1 tensors, not -1)."""
    data = gguf(n_tensors=2 ** 64 - 1, n_kv=3) + b"\0" * 100
    assert refusal(tmp_path, data) == cannot_fit(f"header of 3 keys and {2 ** 64 - 1:,} tensors",
                                                 3 * 13 + (2 ** 64 - 1) * 24, 100, len(data))
    data = gguf(n_tensors=0, n_kv=2 ** 63 + 1) + b"\0" * 100
    assert refusal(tmp_path, data) == cannot_fit(f"header of {2 ** 63 + 1:,} keys and 0 tensors",
                                                 (2 ** 63 + 1) * 13, 100, len(data))


def test_a_header_of_the_smallest_keys_and_tensors_passes_the_count_check(tmp_path):
    """One key of 13 bytes (empty name, UINT8) and one tensor info of 24 (empty name, no dimensions, F32, offset 0):
    exactly the bytes the counts imply, then the F32 scalar's 4 bytes of data at the aligned data section."""
    infos = gguf([kv("", U8, b"\x05")], [tinfo("", (), T_F32, 0)])
    assert len(infos) == 24 + 13 + 24
    header = read(tmp_path, infos + b"\0" * (align(len(infos)) - len(infos)) + b"\0" * 4)
    assert header.fields == {"": 5}
    assert header.tensors == (Tensor("", T_F32, 1, 4),)  # no dimensions: one element (ggml's ne all 1)
    assert header.data_offset == 64


def test_one_key_more_than_the_bytes_left_allow_is_refused_by_the_count_check(tmp_path):
    data = gguf([kv("", U8, b"\x05")], n_kv=2)
    assert refusal(tmp_path, data) == cannot_fit("header of 2 keys and 0 tensors", 26, 13, len(data))
    data = gguf([], [tinfo("", (), T_F32, 0)], n_tensors=2)
    assert refusal(tmp_path, data) == cannot_fit("header of 0 keys and 2 tensors", 48, 24, len(data))


def test_a_header_that_ends_at_the_end_of_the_file_is_read(tmp_path):
    """A key count that needs exactly the bytes left (13 for one smallest key) is not "more than left"."""
    assert read(tmp_path, gguf([kv("", U8, b"\x05")])).fields == {"": 5}


def _sparse(tmp_path, data: bytes, size: int) -> str:
    path = write(tmp_path, data)
    with open(path, "r+b") as handle:
        handle.truncate(size)
    return path


def _refused_at(path) -> str:
    with pytest.raises(GeneratorError) as info:
        read_gguf_header(path)
    assert (info.value.path, info.value.fix) == (path, FIX)
    return info.value.message


def test_more_keys_or_tensors_than_the_reader_walks_are_refused(tmp_path):
    """MAX_KEYS = 65,536 and MAX_TENSORS = 131,072 (gguf_file.py: far above real files); sparse files large enough
    for the counts, so only the limit refuses them."""
    path = _sparse(tmp_path, gguf(n_kv=65537), 24 + 65537 * 13)
    assert _refused_at(path) == \
        "the GGUF header declares 65,537 keys and 0 tensors, more than 65,536 and 131,072"
    path = _sparse(tmp_path, gguf(n_tensors=131073), 24 + 131073 * 24)
    assert _refused_at(path) == \
        "the GGUF header declares 0 keys and 131,073 tensors, more than 65,536 and 131,072"


def test_the_key_and_tensor_limits_admit_their_own_count(tmp_path, monkeypatch):
    """At the limit is read, one more is refused (checked at a limit of 2, on small files)."""
    monkeypatch.setattr(gguf_file, "MAX_KEYS", 2)
    monkeypatch.setattr(gguf_file, "MAX_TENSORS", 2)
    two_keys = gguf([u32kv("a", 1), u32kv("b", 2)])
    assert read(tmp_path, two_keys).fields == {"a": 1, "b": 2}
    infos = gguf([], [tinfo("a", (1,), T_F32, 0), tinfo("b", (1,), T_F32, 32)])
    header = read(tmp_path, infos + b"\0" * (align(len(infos)) - len(infos) + 36))
    assert [t.name for t in header.tensors] == ["a", "b"]
    assert refusal(tmp_path, gguf([u32kv("a", 1), u32kv("b", 2), u32kv("c", 3)])) == \
        "the GGUF header declares 3 keys and 0 tensors, more than 2 and 2"


def test_a_string_array_of_more_items_than_the_reader_walks_is_refused(tmp_path, monkeypatch):
    """MAX_ARRAY_ITEMS = 2**21 strings (gguf_file.py: Llama 3 has 280,147 merges); a sparse file with room for
    2**21 + 1 empty strings, refused before walking them; at the limit (checked at 3) the array is read."""
    count = 2 ** 21 + 1
    prefix = gguf([arraykv("tokens", STRING, count)])
    path = _sparse(tmp_path, prefix, len(prefix) + 8 * count)
    assert _refused_at(path) == f"array 'tokens' has {count:,} strings, more than {2 ** 21:,}"
    monkeypatch.setattr(gguf_file, "MAX_ARRAY_ITEMS", 3)
    three = gguf([arraykv("t", STRING, 3, gstr("a") * 3)])
    assert read(tmp_path, three).fields == {"t": ArrayField(STRING, 3)}
    four = gguf([arraykv("t", STRING, 4, gstr("a") * 4)])
    assert refusal(tmp_path, four) == "array 't' has 4 strings, more than 3"


def test_a_string_value_is_at_most_16_mib(tmp_path):
    """MAX_STRING = 16 MiB for one value (gguf_file.py; chat templates are tens of KB); sparse zero bytes."""
    limit = 16 * 2 ** 20
    prefix = gguf([kv("k", STRING, struct.pack("<Q", limit))])
    header = read_gguf_header(_sparse(tmp_path, prefix, len(prefix) + limit))
    assert len(header.fields["k"]) == limit and header.fields["k"][:4] == "\0\0\0\0"
    prefix = gguf([kv("k", STRING, struct.pack("<Q", limit + 1))])
    assert _refused_at(_sparse(tmp_path, prefix, len(prefix) + limit + 1)) == \
        "the GGUF value of 'k' is 16,777,217 bytes long, more than 16,777,216"


# --- alignment and the data section --------------------------------------------------------------------------------
@pytest.mark.parametrize("alignment", [1, 8, 32, 64, 4096])
def test_the_data_section_starts_at_the_next_multiple_of_the_alignment(tmp_path, alignment):
    """docs/gguf.md: "If the alignment is **not** specified, assume it is `32`"; llama.cpp accepts any power of 2
    ("alignment %zu is not a power of 2" otherwise), 1 included."""
    infos = gguf([u32kv("general.alignment", alignment), u32kv("x", 1)], [tinfo("w", (1,), T_F32, 0)])
    start = align(len(infos), alignment)
    header = read(tmp_path, infos + b"\0" * (start - len(infos) + 4))
    assert header.data_offset == start and header.tensors == (Tensor("w", T_F32, 1, 4),)
    assert start != len(infos) or alignment == 1  # the infos end off every alignment but 1


def test_without_general_alignment_the_data_section_is_aligned_to_32(tmp_path):
    infos = gguf([strkv("general.name", "n")], [tinfo("w", (3,), T_F32, 0)])
    assert len(infos) % 32 != 0
    header = read(tmp_path, infos + b"\0" * (align(len(infos)) - len(infos) + 12))
    assert header.data_offset == align(len(infos))
    infos = gguf([strkv("general.name", "n" * (1 + 32 - len(infos) % 32))], [tinfo("w", (3,), T_F32, 0)])
    assert len(infos) % 32 == 0  # already aligned: no padding
    assert read(tmp_path, infos + b"\0" * 12).data_offset == len(infos)


@pytest.mark.parametrize("payload, shown", [
    (kv("general.alignment", U32, struct.pack("<I", 0)), "0"),
    (kv("general.alignment", U32, struct.pack("<I", 3)), "3"),
    (kv("general.alignment", U32, struct.pack("<I", 48)), "48"),
    (kv("general.alignment", U32, struct.pack("<I", 2 ** 32 - 1)), "4294967295"),
    (kv("general.alignment", I32, struct.pack("<i", -32)), "-32"),
    (kv("general.alignment", BOOL, b"\x01"), "True"),
    (kv("general.alignment", F32, struct.pack("<f", 32.0)), "32.0"),
    (strkv("general.alignment", "32"), "'32'"),
])
def test_an_alignment_that_is_not_a_power_of_2_is_refused(tmp_path, payload, shown):
    """llama.cpp refuses an alignment of 0 or one with more than one bit set ("alignment %zu is not a power of 2"),
    and one that is not an integer (it must be a UINT32)."""
    data = gguf([payload], [tinfo("w", (1,), T_F32, 0)])
    assert refusal(tmp_path, data + b"\0" * 64) == f"general.alignment {shown} is not a power of 2"


# --- tensors ---------------------------------------------------------------------------------------------------------------
# ggml-common.h (llama.cpp): QK4_0 = 32, block_q4_0 = {ggml_half d; uint8_t qs[QK4_0 / 2]} = 2 + 16 = 18 bytes;
# QK8_0 = 32, block_q8_0 = {ggml_half d; int8_t qs[QK8_0]} = 2 + 32 = 34 bytes; QK_K = 256,
# block_q4_K: "sizeof(block_q4_K) == 2*sizeof(ggml_half) + K_SCALE_SIZE + QK_K/2" = 4 + 12 + 128 = 144 bytes;
# F32 4 bytes and F16 2 bytes per element. Dimensions: ne[0] (the row) first.
TENSORS = [
    ("f32", (3, 2), T_F32, 6, 24),
    ("f16", (4,), T_F16, 4, 8),
    ("q4_0", (64, 2), T_Q4_0, 128, 4 * 18),
    ("q4_0.cols", (32, 3), T_Q4_0, 96, 3 * 18),   # only the row (ne[0]) must be whole blocks
    ("q8_0", (32,), T_Q8_0, 32, 34),
    ("q4_k", (256, 3, 2), T_Q4_K, 1536, 6 * 144),
    ("q4_k.4d", (256, 1, 2, 2), T_Q4_K, 1024, 4 * 144),
    ("scalar", (), T_F32, 1, 4),                  # no dimensions: ggml's ne all 1
    ("wide", (200, 1), T_F32, 200, 800),
]


def test_each_tensor_has_its_elements_and_bytes_from_its_shape_and_ggml_block_size(tmp_path):
    infos, offset = [], 0
    for name, dims, ggml_type, _, n_bytes in TENSORS:
        infos.append(tinfo(name, dims, ggml_type, offset))
        offset = align(offset + n_bytes)
    head = gguf([u32kv("general.alignment", 32)], infos)
    header = read(tmp_path, head + b"\0" * (align(len(head)) - len(head) + offset))
    assert header.tensors == tuple(Tensor(name, ggml_type, n_elements, n_bytes)
                                   for name, _, ggml_type, n_elements, n_bytes in TENSORS)
    assert all(type(t.n_elements) is int and type(t.n_bytes) is int for t in header.tensors)  # counts, not floats
    assert header.data_offset == align(len(head))


def test_a_63_byte_tensor_name_is_read_a_64_byte_one_refused(tmp_path):
    """llama.cpp: "if (name.length() >= GGML_MAX_NAME)" (64) "tensor name ... is too long"."""
    head = gguf([], [tinfo("n" * 63, (1,), T_F32, 0)])
    assert read(tmp_path, head + b"\0" * 40).tensors == (Tensor("n" * 63, T_F32, 1, 4),)
    assert refusal(tmp_path, gguf([], [tinfo("n" * 64, (1,), T_F32, 0)]) + b"\0" * 40) == \
        "the GGUF tensor name is 64 bytes long, more than 63"


def test_four_dimensions_are_read_five_refused(tmp_path):
    """llama.cpp: "if (n_dims > GGML_MAX_DIMS)" (4) "has invalid number of dimensions"."""
    head = gguf([], [tinfo("w", (1, 1, 1, 2), T_F32, 0)])
    assert read(tmp_path, head + b"\0" * 40).tensors == (Tensor("w", T_F32, 2, 8),)
    assert refusal(tmp_path, gguf([], [tinfo("w", (1,) * 5, T_F32, 0)]) + b"\0" * 40) == \
        "tensor 'w' has 5 dimensions, more than 4"


@pytest.mark.parametrize("dims", [(2 ** 63,), (2 ** 63, 0), (0, 2 ** 64 - 1), (2 ** 32, 2 ** 31), (2 ** 21,) * 3])
def test_a_dimension_or_element_count_past_int64_is_refused(tmp_path, dims):
    """ggml's ne are int64_t: llama.cpp refuses a dimension < 0 as int64 (2**63 and above as uint64), and a total
    of elements that is not representable; 2**32 x 2**31 and 2**21 cubed are 2**63."""
    data = gguf([], [tinfo("w", dims, T_F32, 0)]) + b"\0" * 64
    assert refusal(tmp_path, data) == "tensor 'w' has more elements than fit in 64 bits"


@pytest.mark.parametrize("type_id", [T_REMOVED_Q4_2, 5, T_REMOVED_Q4_0_4_4, 2 ** 32 - 1])
def test_a_ggml_type_that_is_not_in_the_table_is_refused(tmp_path, type_id):
    """docs/gguf.md: "GGML_TYPE_Q4_2 = 4, support has been removed" (and Q4_3 = 5), "GGML_TYPE_Q4_0_4_4 = 31,
    support has been removed from gguf files"; llama.cpp has no size for them (ggml_blck_size 0: refused)."""
    data = gguf([], [tinfo("w", (32,), type_id, 0)]) + b"\0" * 64
    assert refusal(tmp_path, data) == f"tensor 'w' has unknown ggml type {type_id}"


def test_mxfp4_is_in_the_table(tmp_path):
    """GGML_TYPE_MXFP4 = 39, "MXFP4 (1 block)": 32 elements in 17 bytes (ggml-common.h: block_mxfp4 = uint8_t e;
    uint8_t qs[QK_MXFP4/2], QK_MXFP4 = 32)."""
    head = gguf([], [tinfo("w", (64,), T_MXFP4, 0)])
    assert read(tmp_path, head + b"\0" * 80).tensors == (Tensor("w", T_MXFP4, 64, 34),)


@pytest.mark.parametrize("dims, ggml_type, block", [((48, 32), T_Q4_0, 32), ((16,), T_Q8_0, 32),
                                                    ((128, 256), T_Q4_K, 256)])
def test_a_row_that_is_not_whole_blocks_is_refused(tmp_path, dims, ggml_type, block):
    """llama.cpp: "if (blck_size == 0 || info.t.ne[0] % blck_size != 0)" "not a multiple of block size"."""
    data = gguf([], [tinfo("w", dims, ggml_type, 0)]) + b"\0" * 64
    assert refusal(tmp_path, data) == \
        f"tensor 'w' rows of {dims[0]} are not a multiple of its type's block of {block}"


def _data_file(n_data: int, offset: int, dims=(4,)):
    head = gguf([], [tinfo("w", dims, T_F32, offset)])
    return head + b"\0" * (align(len(head)) - len(head) + n_data), align(len(head))


def test_a_tensor_that_ends_at_the_end_of_the_file_is_read_one_byte_further_refused(tmp_path):
    data, _ = _data_file(48, 32)  # 16 bytes at offset 32 of 48
    assert read(tmp_path, data).tensors == (Tensor("w", T_F32, 4, 16),)
    data, _ = _data_file(47, 32)
    assert refusal(tmp_path, data) == ("tensor 'w' (16 bytes at offset 32) lies beyond the end of the file (47 bytes "
                                       "of tensor data): the file is cut short or not a GGUF file")
    data, _ = _data_file(15, 0)
    assert refusal(tmp_path, data) == ("tensor 'w' (16 bytes at offset 0) lies beyond the end of the file (15 bytes "
                                       "of tensor data): the file is cut short or not a GGUF file")


def test_a_file_that_ends_before_its_data_section_shows_no_data(tmp_path):
    head = gguf([], [tinfo("w", (4,), T_F32, 0)])
    assert len(head) % 32 != 0  # the data section would start after the end of the file
    assert refusal(tmp_path, head) == ("tensor 'w' (16 bytes at offset 0) lies beyond the end of the file (0 bytes "
                                       "of tensor data): the file is cut short or not a GGUF file")


def test_the_second_tensor_past_the_end_is_named(tmp_path):
    head = gguf([], [tinfo("a", (4,), T_F32, 0), tinfo("b", (4,), T_F32, 32)])
    data = head + b"\0" * (align(len(head)) - len(head) + 40)
    assert refusal(tmp_path, data) == ("tensor 'b' (16 bytes at offset 32) lies beyond the end of the file (40 bytes "
                                       "of tensor data): the file is cut short or not a GGUF file")


# --- files larger than the read window, and the reads themselves ------------------------------------------------------
def _count_preads(monkeypatch):
    calls = []
    real = os.pread

    def counting(fd, n, offset):
        calls.append((n, offset))
        return real(fd, n, offset)
    monkeypatch.setattr(os, "pread", counting)
    return calls


def test_a_header_inside_the_first_mib_is_read_in_one_pread(tmp_path, monkeypatch):
    """The reader reads through a 1 MiB window: a file shorter than that costs one read, also where its last field
    ends at its last byte (no tensors, no padding) and where a key follows a skipped array."""
    ends_in_strings = write(tmp_path, gguf([u32kv("a", 1), arraykv("long", U8, 70000, b"\0" * 70000), strkv("s", "abc"),
                                            arraykv("tokens", STRING, 2, gstr("xy") + gstr(""))]), "strings.gguf")
    ends_in_a_value = write(tmp_path, gguf([strkv("s", "abc"), u32kv("a", 1)]), "value.gguf")
    calls = _count_preads(monkeypatch)
    assert read_gguf_header(ends_in_strings).fields == {"a": 1, "long": ArrayField(U8, 70000), "s": "abc",
                                                        "tokens": ArrayField(STRING, 2)}
    assert calls == [(WINDOW, 0)]
    calls.clear()
    assert read_gguf_header(ends_in_a_value).fields == {"s": "abc", "a": 1}
    assert calls == [(WINDOW, 0)]


# Where _padded's items start: the 24-byte header, the key "pad" (8-byte length + 3 bytes), its value type ARRAY and
# item type UINT8 (4 + 4), the array's 8-byte count.
PAD_START = 24 + 8 + 3 + 4 + 4 + 8


def _padded(end: int, rest: list[bytes]) -> bytes:
    """A key "pad" (a UINT8 array long enough to be skipped) whose items end at byte ``end``, then ``rest``."""
    data = gguf([arraykv("pad", U8, end - PAD_START, b"\0" * (end - PAD_START))] + rest)
    assert len(data) - sum(map(len, rest)) == end
    return data


def test_a_field_across_the_window_edge_is_read_whole_and_the_window_moves_once(tmp_path, monkeypatch):
    """The key after the skipped array starts 4 bytes before the window's edge: its 8-byte length lies across it;
    a second read starts there and holds the rest of the file."""
    data = _padded(WINDOW - 4, [u32kv("b", 7), strkv("c", "hello")])
    assert data[WINDOW - 4:WINDOW + 4] == struct.pack("<Q", 1)  # key "b"'s length
    path = write(tmp_path, data)
    calls = _count_preads(monkeypatch)
    assert read_gguf_header(path).fields == {"pad": ArrayField(U8, WINDOW - 4 - PAD_START), "b": 7, "c": "hello"}
    assert calls == [(WINDOW, 0), (WINDOW, WINDOW - 4)]


@pytest.mark.parametrize("second, read_at", [
    (WINDOW - 4, WINDOW - 4),   # the second string's length lies across the edge: read again from it
    (WINDOW + 5, WINDOW + 5),   # the first string's bytes cross the edge: the second length lies past it
    (WINDOW - 8, WINDOW + 2),   # the second length ends at the edge; the third (after "bc") lies past it
])
def test_a_string_array_across_the_window_edge_is_stepped_over_exactly(tmp_path, monkeypatch, second, read_at):
    """Three strings (a long one, "bc", ""), the second's 8-byte length starting at ``second``; the key after the
    strings is read where the specification puts it, and the window moves once, to the first length not in it."""
    end = WINDOW - 200
    first_length = end + len(arraykv("tokens", STRING, 0))
    first = second - first_length - 8
    data = _padded(end, [arraykv("tokens", STRING, 3, gstr("a" * first) + gstr("bc") + gstr("")), u32kv("after", 9)])
    assert data[second:second + 8] == struct.pack("<Q", 2)
    path = write(tmp_path, data)
    calls = _count_preads(monkeypatch)
    assert read_gguf_header(path).fields == {"pad": ArrayField(U8, end - PAD_START), "tokens": ArrayField(STRING, 3),
                                             "after": 9}
    assert calls == [(WINDOW, 0), (WINDOW, read_at)]


def test_a_string_array_whose_last_length_is_the_8_bytes_past_the_window(tmp_path, monkeypatch):
    """A file of 1 MiB + 8 bytes whose last 8 bytes are the length (0) of the array's last string: read at the new
    window, which holds exactly those 8 bytes."""
    end = WINDOW - 200
    first = WINDOW - (end + len(arraykv("tokens", STRING, 0))) - 8
    data = _padded(end, [arraykv("tokens", STRING, 2, gstr("a" * first) + gstr(""))])
    assert len(data) == WINDOW + 8
    path = write(tmp_path, data)
    calls = _count_preads(monkeypatch)
    assert read_gguf_header(path).fields == {"pad": ArrayField(U8, end - PAD_START), "tokens": ArrayField(STRING, 2)}
    assert calls == [(WINDOW, 0), (WINDOW, WINDOW)]


# --- a file that shrinks while read: the descriptor gives fewer bytes than its size said --------------------------------
def _shrunk(tmp_path, data: bytes, claimed: int):
    path = write(tmp_path, data)
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(GeneratorError) as info:
            gguf_file._parse(gguf_file._Cursor(fd, claimed, path))
    finally:
        os.close(fd)
    assert (info.value.path, info.value.fix) == (path, FIX)
    return info.value.message


@pytest.mark.parametrize("data, what", [
    (gguf([u32kv("a", 1)])[:-2], "value of 'a'"),
    (gguf([strkv("k", "abcdef")])[:-3], "value of 'k'"),
    (gguf([arraykv("k", U8, 5, b"\1\2\3\4\5")])[:-1], "array 'k'"),
    (gguf([], [tinfo("w", (4,), T_F32, 0)])[:-10], "type of tensor 'w'"),
])
def test_a_file_that_ends_early_while_read_is_refused_naming_the_field(tmp_path, data, what):
    assert _shrunk(tmp_path, data, len(data) + 8) == \
        f"the file ended while reading the GGUF {what} (it changed while read?)"


def test_a_string_array_that_ends_early_while_read_is_refused(tmp_path):
    """The strings start at the window's edge, so their lengths come from a second read, which finds 4 bytes."""
    data = _padded(WINDOW - len(arraykv("t", STRING, 4)), [arraykv("t", STRING, 4)])
    assert len(data) == WINDOW
    assert _shrunk(tmp_path, data + b"\0" * 4, len(data) + 32) == \
        "the file ended while reading the GGUF array 't' (it changed while read?)"


# --- the file itself ---------------------------------------------------------------------------------------------------
def test_a_missing_file_is_one_located_error(tmp_path):
    path = str(tmp_path / "missing.gguf")
    with pytest.raises(GeneratorError) as info:
        read_gguf_header(path)
    assert (info.value.message, info.value.path, info.value.fix) == \
        ("cannot read the GGUF file: No such file or directory", path, "check the path")


def test_a_folder_is_not_read_as_a_gguf_file(tmp_path):
    with pytest.raises(GeneratorError) as info:
        read_gguf_header(str(tmp_path))
    assert info.value.message == "the GGUF file is a folder, not a regular file"


def test_the_file_is_closed_after_a_read_and_after_a_refusal(tmp_path):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")
    good, bad = write(tmp_path, gguf([u32kv("a", 1)]), "good.gguf"), write(tmp_path, b"GGML", "bad.gguf")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        read_gguf_header(good)
        with pytest.raises(GeneratorError):
            read_gguf_header(bad)
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.mark.parametrize("type_id, name", [(0, "f32"), (1, "f16"), (2, "q4_0"), (12, "q4_k"), (30, "bf16"),
                                           (39, "mxfp4"), (4, "type4"), (31, "type31")])
def test_type_names_are_ggmls_in_lower_case(type_id, name):
    """docs/gguf.md's enum ggml_type (GGML_TYPE_F32 = 0, ..., GGML_TYPE_BF16 = 30, GGML_TYPE_MXFP4 = 39)."""
    assert type_name(type_id) == name
