"""generator/families/quant.py, quantization_from_config: the storage format read from a checkpoint's config.json.

Each test feeds the quantization_config block a real checkpoint publishes (the config.json cited beside it) and checks
what that block means by its method's documented format: bits per weight, group or block size, zero points, which
linear kinds stay 16-bit, and the note the estimate shows. Keys left out get the defaults of the class that writes
them (transformers' utils/quantization_config.py: GPTQConfig, AwqConfig, BitsAndBytesConfig); values the estimator
cannot model are refused with one line naming the field or value, the file and line, and the fix. These are the
survivors of benchmarks/mutation.py, scope families.quant (issue 23, item 7).
"""

from __future__ import annotations

import pytest

from generator.core.errors import GeneratorError
from generator.families.quant import SUPPORTED_METHODS, quantization_from_config

PATH = "config.json"
# Each key on its own line of config.json, so a message located at the wrong key shows the wrong line.
LINES = {"quantization_config": 31, "torch_dtype": 44, "dtype": 47, "text_config": 52}


def _line_of(key):
    return LINES[key]


def _read(config):
    return quantization_from_config(config, PATH, _line_of)


def _refusal(config):
    with pytest.raises(GeneratorError) as caught:
        _read(config)
    return caught.value


# --- published blocks --------------------------------------------------------------------------------------------

# https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-AWQ/blob/main/config.json (AutoAWQ's GEMM export, as transformers
# writes it; the same block in Qwen3-32B-AWQ's config.json).
QWEN_AWQ = {"bits": 4, "group_size": 128, "modules_to_not_convert": None, "quant_method": "awq", "version": "gemm",
            "zero_point": True}

# The layout of https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4/blob/main/config.json (optimum's GPTQ
# export; -Int8 is the same block with "bits": 8), written from optimum's GPTQConfig.to_dict() keys: the file itself
# was not re-read for this test (not in our search index); the reader uses only quant_method, bits, group_size,
# desc_act and modules_to_not_convert.
QWEN_GPTQ_INT4 = {"batch_size": 1, "bits": 4, "block_name_to_quantize": None, "cache_block_outside_block": True,
                  "damp_percent": 0.01, "dataset": None, "desc_act": False, "exllama_config": {"version": 1},
                  "group_size": 128, "max_input_length": None, "model_seqlen": None,
                  "module_name_preceding_first_block": None, "modules_in_block_to_quantize": None,
                  "pad_token_id": None, "quant_method": "gptq", "sym": True, "tokenizer": None,
                  "true_sequential": True, "use_cuda_fp16": False, "use_exllama": True}

# https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json (also content/models.yaml, DeepSeek-V3).
DEEPSEEK_V3_FP8 = {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                   "weight_block_size": [128, 128]}

# AutoFP8's checkpoint format (https://github.com/neuralmagic/AutoFP8 README, "Checkpoint structure"; e.g.
# https://huggingface.co/nm-testing/Meta-Llama-3-8B-Instruct-FP8): one scale per tensor, no weight_block_size.
AUTOFP8 = {"quant_method": "fp8", "activation_scheme": "static"}

# https://huggingface.co/openai/gpt-oss-20b/blob/main/config.json (also content/models.yaml, gpt-oss-20b).
GPT_OSS_MXFP4 = {"modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                            "model.embed_tokens", "lm_head"], "quant_method": "mxfp4"}

# The layout of https://huggingface.co/unsloth/llama-3-8b-bnb-4bit/blob/main/config.json, written from
# transformers' BitsAndBytesConfig.to_dict() keys: the file itself was not re-read for this test (not in our search
# index); the reader uses only quant_method, load_in_4bit/8bit, bnb_4bit_quant_type, bnb_4bit_use_double_quant and
# llm_int8_skip_modules.
UNSLOTH_NF4 = {"_load_in_4bit": True, "_load_in_8bit": False, "bnb_4bit_compute_dtype": "bfloat16",
               "bnb_4bit_quant_storage": "uint8", "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True,
               "llm_int8_enable_fp32_cpu_offload": False, "llm_int8_has_fp16_weight": False,
               "llm_int8_skip_modules": None, "llm_int8_threshold": 6.0, "load_in_4bit": True,
               "load_in_8bit": False, "quant_method": "bitsandbytes"}

# The same class's to_dict() for load_in_8bit=True (LLM.int8()), as transformers' save_pretrained writes it.
BNB_INT8 = {**UNSLOTH_NF4, "_load_in_4bit": False, "_load_in_8bit": True, "load_in_4bit": False,
            "load_in_8bit": True, "bnb_4bit_quant_type": "fp4", "bnb_4bit_use_double_quant": False}


def _with(block, **changes):
    """The block with keys changed; a value of ... drops the key (as an older writer leaves it out)."""
    out = {**block, **changes}
    return {"quantization_config": {k: v for k, v in out.items() if v is not ...}}


# --- bits per weight, from each format's definition ----------------------------------------------------------------
# GPTQ/AWQ: int4 or int8 codes (scales and zeros per group are counted by the estimator from group_size, not here).
# FP8 E4M3: 8 bits. MXFP4 (OCP Microscaling v1.0): 32 E2M1 values share one E8M0 scale: 4 + 8/32.
# bitsandbytes NF4 with double quantization (QLoRA, arXiv:2305.14314 section 3): 4-bit codes, an 8-bit absmax per
# 64 weights, a fp32 constant per 256 absmax values: 4 + 8/64 + 32/(64*256). LLM.int8(): 8-bit codes.
MXFP4_BITS = 4 + 8 / 32
NF4_DQ_BITS = 4 + 8 / 64 + 32 / (64 * 256)


def test_qwen_awq_is_4_bit_with_128_wide_groups_and_zero_points():
    q = _read({"quantization_config": QWEN_AWQ})
    assert (q.name, q.format, q.bits, q.compute_bytes) == ("awq-int4", "awq", 4, 2)
    assert (q.group_size, q.zero_point, q.block_size, q.keep_16bit) == (128, True, (), ())
    assert q.note == "AWQ 4-bit, group size 128, zero point True"


def test_qwen_gptq_int4_and_int8():
    q4 = _read({"quantization_config": QWEN_GPTQ_INT4})
    assert (q4.name, q4.format, q4.bits, q4.group_size, q4.keep_16bit) == ("gptq-int4", "gptq", 4, 128, ())
    assert q4.note == "GPTQ 4-bit, group size 128, desc_act False (g_idx stored either way)"
    q8 = _read(_with(QWEN_GPTQ_INT4, bits=8))
    assert (q8.name, q8.format, q8.bits, q8.group_size) == ("gptq-int8", "gptq", 8, 128)
    assert q8.note == "GPTQ 8-bit, group size 128, desc_act False (g_idx stored either way)"


def test_gptq_act_order_shows_in_the_note():
    # desc_act true (act-order): TheBloke's GPTQ exports, e.g. Llama-2-7B-GPTQ's quantize_config "desc_act": true
    q = _read(_with(QWEN_GPTQ_INT4, desc_act=True, group_size=32))
    assert q.note == "GPTQ 4-bit, group size 32, desc_act True (g_idx stored either way)"
    assert q.group_size == 32


def test_gptq_defaults_are_gptqconfigs():
    # GPTQConfig(bits, ..., group_size=128, desc_act=False): a block without group_size or desc_act means those.
    q = _read(_with(QWEN_GPTQ_INT4, group_size=..., desc_act=...))
    assert (q.name, q.group_size) == ("gptq-int4", 128)
    assert q.note == "GPTQ 4-bit, group size 128, desc_act False (g_idx stored either way)"
    q = _read(_with(QWEN_GPTQ_INT4, bits=...))
    assert (q.name, q.bits) == ("gptq-int4", 4)


def test_quant_method_is_read_case_insensitively():
    assert _read(_with(QWEN_GPTQ_INT4, quant_method="GPTQ")).name == "gptq-int4"
    assert _read(_with(QWEN_AWQ, quant_method="AWQ")).name == "awq-int4"


@pytest.mark.parametrize("bits", [2, 3, 16])
def test_gptq_bits_other_than_4_and_8_are_refused(bits):
    # GPTQConfig allows 2, 3, 4, 8; the estimator models the int4 and int8 kernels' layouts only.
    error = _refusal(_with(QWEN_GPTQ_INT4, bits=bits))
    assert (error.message, error.path, error.line, error.fix) == (
        f"GPTQ with {bits} bits is not modelled", PATH, 31, "pass --quantization")


def test_awq_zero_point_false_and_group_64():
    q = _read(_with(QWEN_AWQ, zero_point=False, group_size=64))
    assert (q.name, q.group_size, q.zero_point) == ("awq-int4", 64, False)
    assert q.note == "AWQ 4-bit, group size 64, zero point False"


def test_awq_defaults_are_awqconfigs():
    # AwqConfig(bits=4, group_size=128, zero_point=True, version="gemm"): missing keys mean those.
    q = _read(_with(QWEN_AWQ, bits=..., group_size=..., zero_point=...))
    assert (q.name, q.bits, q.group_size, q.zero_point) == ("awq-int4", 4, 128, True)
    assert q.note == "AWQ 4-bit, group size 128, zero point True"


def test_autoawq_native_key_names_are_read():
    # AutoAWQ's own quant_config names the keys w_bit and q_group_size (AutoAWQ README:
    # {"zero_point": True, "q_group_size": 128, "w_bit": 4, "version": "GEMM"}); older exports kept them.
    block = {"quant_method": "awq", "zero_point": False, "q_group_size": 64, "w_bit": 4, "version": "GEMM"}
    q = _read({"quantization_config": block})
    assert (q.name, q.group_size, q.zero_point) == ("awq-int4", 64, False)
    # the transformers names win when both are written
    q = _read({"quantization_config": {**block, "group_size": 32, "bits": 4}})
    assert q.group_size == 32


@pytest.mark.parametrize("changes, bits", [({"bits": 8}, 8), ({"bits": ..., "w_bit": 3}, 3), ({"bits": 2}, 2)])
def test_awq_other_than_4_bits_is_refused(changes, bits):
    error = _refusal(_with(QWEN_AWQ, **changes))
    assert (error.message, error.path, error.line, error.fix) == (
        f"AWQ with {bits} bits is not modelled", PATH, 31, "pass --quantization")


@pytest.mark.parametrize("block, key, value, shown", [
    (QWEN_AWQ, "group_size", 0, "0"), (QWEN_AWQ, "group_size", "128", "'128'"), (QWEN_AWQ, "bits", 4.0, "4.0"),
    (QWEN_AWQ, "bits", False, "False"), (QWEN_GPTQ_INT4, "bits", None, "None"),
])
def test_awq_and_gptq_fields_must_be_positive_integers(block, key, value, shown):
    error = _refusal(_with(block, **{key: value}))
    assert error.message == f"quantization_config field {key!r} must be a positive integer (or -1), got {shown}"
    assert (error.path, error.line, error.fix) == (PATH, 31, "give the config.json as published")


def test_awq_legacy_group_size_is_checked_too():
    error = _refusal({"quantization_config": {"quant_method": "awq", "w_bit": 4, "q_group_size": -64}})
    assert error.message == "quantization_config field 'group_size' must be a positive integer (or -1), got -64"


def test_deepseek_v3_fp8_has_128_by_128_block_scales():
    q = _read({"quantization_config": DEEPSEEK_V3_FP8})
    assert (q.name, q.format, q.bits, q.compute_bytes) == ("fp8", "fp8", 8, 2)
    assert (q.block_size, q.keep_16bit, q.group_size) == ((128, 128), (), 0)
    assert q.note == "FP8, block scales 128x128"


def test_fp8_without_block_size_has_one_scale_per_tensor():
    q = _read({"quantization_config": AUTOFP8})
    assert (q.name, q.bits, q.block_size) == ("fp8", 8, ())
    assert q.note == "FP8, one scale per tensor"
    assert _read(_with(DEEPSEEK_V3_FP8, weight_block_size=None)).note == "FP8, one scale per tensor"


def test_fp8_block_sides_are_reported_in_order():
    q = _read(_with(DEEPSEEK_V3_FP8, weight_block_size=[1, 128]))
    assert (q.block_size, q.note) == ((1, 128), "FP8, block scales 1x128")


@pytest.mark.parametrize("block, shown", [
    ([128], "[128]"), ([128, 128, 128], "[128, 128, 128]"), ([], "[]"), ("128x128", "'128x128'"),
    ([0, 128], "[0, 128]"), ([128, -128], "[128, -128]"), ([True, 128], "[True, 128]"),
    ([128.0, 128], "[128.0, 128]"), ([128, "128"], "[128, '128']"), ((128, 128), "(128, 128)"), (128, "128"),
])
def test_fp8_block_size_that_is_not_two_positive_integers_is_refused(block, shown):
    error = _refusal(_with(DEEPSEEK_V3_FP8, weight_block_size=block))
    assert (error.message, error.path, error.line, error.fix) == (
        f"weight_block_size must be two positive integers, got {shown}", PATH, 31,
        "give the config.json as published")


def test_gpt_oss_mxfp4_experts_and_16_bit_attention():
    q = _read({"quantization_config": GPT_OSS_MXFP4})
    assert (q.name, q.format, q.bits, q.compute_bytes) == ("mxfp4", "mxfp4", MXFP4_BITS, 2)
    assert q.keep_16bit == ("attention",)  # self_attn; the router, embeddings and head are not linear kinds
    assert q.note == "MXFP4 experts (modules_to_not_convert stay 16-bit)"


def test_unsloth_nf4_with_double_quantization():
    q = _read({"quantization_config": UNSLOTH_NF4})
    assert (q.name, q.format, q.bits, q.keep_16bit) == ("nf4", "nf4", NF4_DQ_BITS, ())
    assert q.note == "bitsandbytes 4-bit (nf4) with double quantization"


def test_bnb_4bit_flag_alone_or_underscored_alone():
    # older transformers wrote only load_in_4bit; newer ones both load_in_4bit and _load_in_4bit
    only_public = _with(UNSLOTH_NF4, _load_in_4bit=..., _load_in_8bit=...)
    only_private = _with(UNSLOTH_NF4, load_in_4bit=..., load_in_8bit=...)
    assert _read(only_public).name == _read(only_private).name == "nf4"


def test_bnb_4bit_quant_type_default_is_fp4_and_read_case_insensitively():
    # BitsAndBytesConfig(bnb_4bit_quant_type="fp4") is the class default
    assert _read(_with(UNSLOTH_NF4, bnb_4bit_quant_type=...)).note == \
        "bitsandbytes 4-bit (fp4) with double quantization"
    assert _read(_with(UNSLOTH_NF4, bnb_4bit_quant_type="NF4")).note == \
        "bitsandbytes 4-bit (nf4) with double quantization"


@pytest.mark.parametrize("double", [False, ..., None])
def test_bnb_4bit_without_double_quantization_is_refused(double):
    # BitsAndBytesConfig's default bnb_4bit_use_double_quant=False: another scale layout than NF4_DQ_BITS
    error = _refusal(_with(UNSLOTH_NF4, bnb_4bit_use_double_quant=double))
    assert (error.message, error.path, error.line, error.fix) == (
        "bitsandbytes 4-bit without double quantization is not modelled", PATH, 31,
        "pass --quantization nf4 for the double-quantized layout")


def test_bnb_int8():
    q = _read({"quantization_config": BNB_INT8})
    assert (q.name, q.format, q.bits, q.keep_16bit) == ("bnb-int8", "bnb-int8", 8, ())
    assert q.note == "bitsandbytes LLM.int8()"
    assert _read(_with(BNB_INT8, _load_in_8bit=...)).name == "bnb-int8"
    assert _read(_with(BNB_INT8, load_in_8bit=...)).name == "bnb-int8"


def test_bnb_neither_4_nor_8_bit_is_refused():
    error = _refusal(_with(UNSLOTH_NF4, _load_in_4bit=False, load_in_4bit=False))
    assert error.message == "quantization_config quant_method 'bitsandbytes' is not modelled"
    assert (error.path, error.line) == (PATH, 31)


# --- modules kept at 16 bits reach every method ------------------------------------------------------------------
# A block that names the attention projections in modules_to_not_convert (llm_int8_skip_modules for
# bitsandbytes) keeps attention 16-bit, whatever the method.
KEEP = ["model.layers.*.self_attn"]


@pytest.mark.parametrize("config", [
    _with(QWEN_AWQ, modules_to_not_convert=KEEP), _with(QWEN_GPTQ_INT4, modules_to_not_convert=KEEP),
    _with(DEEPSEEK_V3_FP8, modules_to_not_convert=KEEP), _with(UNSLOTH_NF4, llm_int8_skip_modules=KEEP),
    _with(BNB_INT8, llm_int8_skip_modules=KEEP), _with(UNSLOTH_NF4, modules_to_not_convert=KEEP),
    _with(UNSLOTH_NF4, modules_to_not_convert=[], llm_int8_skip_modules=KEEP),
])
def test_modules_not_converted_reach_every_method(config):
    assert _read(config).keep_16bit == ("attention",)


# --- methods the estimator does not model ------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["hqq", "eetq", "fbgemm_fp8", "compressed-tensors", "bitnet", ""])
def test_other_methods_are_refused_naming_the_method_and_the_supported_ones(method):
    error = _refusal({"quantization_config": {"quant_method": method, "bits": 4}})
    assert (error.message, error.path, error.line, error.fix) == (
        f"quantization_config quant_method {method!r} is not modelled", PATH, 31,
        "supported: gptq, awq, fp8, mxfp4, bitsandbytes; or pass --quantization")


def test_a_block_without_quant_method_is_refused():
    error = _refusal({"quantization_config": {"bits": 4, "group_size": 128}})
    assert error.message == "quantization_config quant_method None is not modelled"


def test_supported_methods_each_read():
    blocks = {"gptq": QWEN_GPTQ_INT4, "awq": QWEN_AWQ, "fp8": DEEPSEEK_V3_FP8, "mxfp4": GPT_OSS_MXFP4,
              "bitsandbytes": UNSLOTH_NF4}
    assert SUPPORTED_METHODS == tuple(blocks)
    for method, block in blocks.items():
        assert _read({"quantization_config": block}) is not None, method


@pytest.mark.parametrize("qc", [["awq"], "awq", 4])
def test_a_quantization_config_that_is_not_a_mapping_is_refused(qc):
    error = _refusal({"quantization_config": qc, "torch_dtype": "float16"})
    assert (error.message, error.path, error.line, error.fix) == (
        "'quantization_config' must be a mapping", PATH, 31, "give the config.json as published")


def test_without_line_of_the_refusal_has_no_line():
    with pytest.raises(GeneratorError) as caught:
        quantization_from_config({"quantization_config": {"quant_method": "hqq"}}, PATH)
    assert (caught.value.path, caught.value.line) == (PATH, None)


# --- no quantization_config: torch_dtype -------------------------------------------------------------------------
# PyTorch's dtype names (https://pytorch.org/docs/stable/tensor_attributes.html): torch.float is float32,
# torch.half is float16; a float32 checkpoint is 4 bytes a weight, computed in fp32.

@pytest.mark.parametrize("dtype, name, bits, compute", [
    ("bfloat16", "bf16", 16, 2), ("float16", "fp16", 16, 2), ("float32", "fp32", 32, 4), ("bf16", "bf16", 16, 2),
    ("fp16", "fp16", 16, 2), ("fp32", "fp32", 32, 4), ("float", "fp32", 32, 4), ("half", "fp16", 16, 2),
    ("BFloat16", "bf16", 16, 2), ("Float32", "fp32", 32, 4),
])
def test_torch_dtype_names(dtype, name, bits, compute):
    q = _read({"torch_dtype": dtype})
    assert (q.name, q.bits, q.compute_bytes) == (name, bits, compute)
    assert q.note == f"torch_dtype {dtype} in config.json"


def test_transformers_5_writes_dtype():
    # transformers 5 writes "dtype" instead of "torch_dtype" (e.g. the Qwen3-32B-AWQ config.json above,
    # "transformers_version": "5.7.0")
    assert _read({"dtype": "float16"}).name == "fp16"
    assert _read({"torch_dtype": "bfloat16", "dtype": "float16"}).name == "bf16"


def test_multimodal_configs_keep_the_dtype_in_text_config():
    # e.g. https://huggingface.co/google/gemma-3-27b-it/blob/main/config.json: torch_dtype under text_config
    q = _read({"text_config": {"torch_dtype": "bfloat16"}})
    assert (q.name, q.note) == ("bf16", "torch_dtype bfloat16 in config.json")
    assert _read({"torch_dtype": "float32", "text_config": {"torch_dtype": "bfloat16"}}).name == "fp32"
    assert _read({"text_config": "bfloat16"}) is None


def test_no_quantization_config_nor_dtype_says_nothing():
    assert _read({}) is None
    assert _read({"quantization_config": None}) is None
    assert _read({"text_config": {}}) is None


def test_a_quantization_config_wins_over_torch_dtype():
    # quantized checkpoints publish both: the torch_dtype is the dtype of the unquantized tensors
    assert _read({"quantization_config": QWEN_AWQ, "torch_dtype": "float16"}).name == "awq-int4"


@pytest.mark.parametrize("dtype, shown", [("int8", "'int8'"), ("float8_e4m3fn", "'float8_e4m3fn'"), (16, "16")])
def test_an_unknown_torch_dtype_is_refused_at_its_line(dtype, shown):
    error = _refusal({"torch_dtype": dtype})
    assert (error.message, error.path, error.line, error.fix) == (
        f"torch_dtype {shown} is not a storage type the estimator knows", PATH, 44, "pass --quantization")


def test_an_unknown_dtype_is_refused_naming_the_key_it_was_read_from():
    # transformers 5 writes "dtype" (test_transformers_5_writes_dtype), multimodal configs nest torch_dtype under
    # text_config: the refusal names that key and its line, not a torch_dtype the file does not have (the bug:
    # "config.json:1: torch_dtype 'float7' ..." for a file whose line 47 says "dtype": "float7").
    error = _refusal({"dtype": "float7"})
    assert (error.message, error.line) == ("dtype 'float7' is not a storage type the estimator knows", 47)
    error = _refusal({"text_config": {"torch_dtype": "float7"}})
    assert (error.message, error.line) == ("text_config.torch_dtype 'float7' is not a storage type the estimator "
                                           "knows", 52)
    error = _refusal({"torch_dtype": "float7", "dtype": "bfloat16"})  # torch_dtype first, as it is read
    assert (error.message, error.line) == ("torch_dtype 'float7' is not a storage type the estimator knows", 44)
    error = _refusal({"torch_dtype": None, "dtype": "float7"})
    assert (error.message, error.line) == ("dtype 'float7' is not a storage type the estimator knows", 47)


def test_an_unknown_torch_dtype_without_line_of():
    with pytest.raises(GeneratorError) as caught:
        quantization_from_config({"torch_dtype": "int4"}, PATH)
    assert (caught.value.path, caught.value.line) == (PATH, None)
