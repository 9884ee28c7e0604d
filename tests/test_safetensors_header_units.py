"""generator/families/safetensors_file.py: a safetensors header (https://github.com/huggingface/safetensors#format:
a JSON object of tensor name -> dtype, shape, data_offsets [begin, end) into the data that follows) is accepted only
as that format says, and each bad one is refused with one line naming the file and the fix (the survivors of
benchmarks/mutation.py, scope families.safetensors_file: the tests only looked for a word of the message)."""

from __future__ import annotations

import json

import pytest

from generator.core.errors import GeneratorError
from generator.families.safetensors_file import parse_safetensors_header

PATH = "model-00001-of-00002.safetensors"
AS_DOWNLOADED = "give the .safetensors files as downloaded"


def _header(**tensors) -> bytes:
    return json.dumps(tensors).encode()


def test_a_valid_header_is_returned_whole():
    text = _header(__metadata__={"format": "pt"}, w={"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]},
                   b={"dtype": "F32", "shape": [], "data_offsets": [8, 8]})
    assert parse_safetensors_header(text, 8, PATH) == json.loads(text)


@pytest.mark.parametrize("text, message, fix", [
    (b"\xff{}", "safetensors header is not UTF-8 JSON", AS_DOWNLOADED),
    (b"[" * 65 + b"]" * 65, "safetensors header nests more than 64 levels deep", AS_DOWNLOADED),
    (b"{", "safetensors header is not JSON", AS_DOWNLOADED),
    (b'{"w": NaN}', "safetensors header is not JSON", AS_DOWNLOADED),
    (b"[]", "safetensors header is not a JSON object", "give the file as downloaded"),
])
def test_a_header_that_is_not_a_json_object_is_refused(text, message, fix):
    with pytest.raises(GeneratorError) as caught:
        parse_safetensors_header(text, 0, PATH)
    assert (caught.value.message, caught.value.path, caught.value.line, caught.value.fix) == (message, PATH, None, fix)


@pytest.mark.parametrize("info", [
    "not an object",
    {"dtype": "BF16", "shape": [1]},                              # no data_offsets
    {"dtype": "BF16", "data_offsets": [0]},                      # one offset
    {"dtype": "BF16", "data_offsets": [0, 2, 4]},                # three
    {"dtype": "BF16", "data_offsets": [0, 2.0]},                 # not whole numbers
    {"dtype": "BF16", "data_offsets": [False, True]},            # booleans are not offsets
    {"dtype": "BF16", "data_offsets": [-1, 2]},                  # before the data
    {"dtype": "BF16", "data_offsets": [4, 2]},                   # ends before it begins
    {"dtype": "BF16", "data_offsets": [0, 9]},                   # past the 8 bytes of data
    {"dtype": 7, "data_offsets": [0, 2]},                        # dtype not a string
    {"data_offsets": [0, 2]},                                    # no dtype
])
def test_a_tensor_without_a_dtype_and_offsets_within_the_data_is_refused(info):
    with pytest.raises(GeneratorError) as caught:
        parse_safetensors_header(_header(w=info), 8, PATH)
    assert caught.value.message == "safetensors tensor 'w' has no valid dtype and data_offsets within the file"
    assert (caught.value.path, caught.value.line, caught.value.fix) == (PATH, None, "give the file as downloaded")


@pytest.mark.parametrize("offsets", [[0, 0], [0, 8], [8, 8], [3, 5]])
def test_offsets_anywhere_within_the_data_are_accepted(offsets):
    assert parse_safetensors_header(_header(w={"dtype": "BF16", "data_offsets": offsets}), 8, PATH)


def test_tensors_after_the_metadata_are_checked_too():
    text = _header(__metadata__={"format": "pt"}, w={"dtype": "BF16", "data_offsets": [0, 9]})
    with pytest.raises(GeneratorError, match="safetensors tensor 'w' has no valid dtype and data_offsets"):
        parse_safetensors_header(text, 8, PATH)
