"""Unit tests of generator/calc/estimator.py's parsers and packed-matrix bytes (issue 23: mutation survivors).

Expected values come from outside the code under test: the CLI's documented refusals and names, content/frameworks.yaml's
version ranges, the packed formats' layouts (AutoGPTQ/AutoAWQ QuantLinear buffers, bitsandbytes Int8Params, ggml's
block structs), each derived in the test. Fast: pure functions, no build.
"""

import pytest

from generator.calc.estimator import (FrameworkProfile, KvDtype, Quantization, check_engine_formats,
                                      packed_matrix_bytes, parse_framework, parse_kv_dtype, parse_quantization,
                                      valid_quantization_names)
from generator.core.errors import GeneratorError
from generator.engines.profiles import load_frameworks

PROFILES = load_frameworks()


def _refusal(fn, *args):
    with pytest.raises(GeneratorError) as info:
        fn(*args)
    return info.value


# --- parse_framework ------------------------------------------------------------------------------------------------
def test_no_framework_is_a_bad_spec_naming_the_engines():
    err = _refusal(parse_framework, None, PROFILES)
    assert err.message == "bad framework None"  # not read as an engine called "none"
    # content/frameworks.yaml has exactly these engines
    assert err.fix == "write ENGINE==VERSION, ENGINE one of: llama.cpp, transformers, vllm"


def test_unknown_engine_lists_the_known_ones():
    err = _refusal(parse_framework, "tensorrt-llm==0.9.0", PROFILES)
    assert err.message == "unknown framework 'tensorrt-llm'"
    assert err.fix == "use one of: llama.cpp, transformers, vllm"


def test_llama_cpp_build_keeps_its_b_label():
    # llama.cpp's release tags are bNNNN (github.com/ggml-org/llama.cpp/releases, e.g. b5097); the label keeps the b.
    profile = parse_framework("llama.cpp==b5097", PROFILES)
    assert profile.engine == "llama.cpp" and profile.version == "b5097"
    assert parse_framework("llama.cpp==5097", PROFILES).version == "5097"


def test_unmodelled_vllm_names_the_last_modelled_release():
    # content/frameworks.yaml: vllm >= 0.34.0 is unmodelled; the modelled ranges end at 0.34.0, so the advice is the
    # release below it, 0.33.0.
    err = _refusal(parse_framework, "vllm==0.34.0", PROFILES)
    assert err.message.startswith("vllm 0.34.0 is not modelled: ")
    assert err.fix == "use a release before 0.34.0, e.g. --framework vllm==0.33.0"


def test_unmodelled_with_open_ended_or_no_modelled_profile_says_earlier_release():
    new = FrameworkProfile(engine="eng", min_version=(2, 0, 0), max_version=None, unmodelled="new behaviour")
    open_ended = FrameworkProfile(engine="eng", min_version=(1, 0, 0), max_version=None)
    # the unmodelled range is listed first, so it is the one that matches 2.1.0
    err = _refusal(parse_framework, "eng==2.1.0", (new, open_ended))
    assert err.fix == "use an earlier release"
    err = _refusal(parse_framework, "eng==2.1.0", (new,))
    assert err.fix == "use an earlier release"


def test_newest_modelled_profile_counts_a_missing_min_version_as_oldest():
    # A profile without min_version starts at the beginning: older than one starting at 0.0.5.
    oldest = FrameworkProfile(engine="eng", min_version=None, max_version=(0, 0, 5))
    newer = FrameworkProfile(engine="eng", min_version=(0, 0, 5), max_version=(0, 3, 0))
    new = FrameworkProfile(engine="eng", min_version=(0, 3, 0), max_version=None, unmodelled="new behaviour")
    err = _refusal(parse_framework, "eng==0.4.0", (new, oldest, newer))
    assert err.fix == "use a release before 0.3.0, e.g. --framework eng==0.2.0"


# --- parse_kv_dtype -------------------------------------------------------------------------------------------------
def test_kv_dtype_default_is_16_bit():
    assert parse_kv_dtype(None) == KvDtype("16-bit", 2.0)


def test_kv_dtype_vllm_spelling_with_underscore():
    # vLLM's --kv-cache-dtype choices include fp8_e4m3 and fp8_e5m2 (vllm/config/cache.py CacheDType): one byte each.
    assert parse_kv_dtype("fp8_e4m3") == KvDtype("fp8", 1.0)
    assert parse_kv_dtype("FP8_E5M2") == KvDtype("fp8", 1.0)


def test_kv_dtype_llama_cpp_types_by_ggml_block():
    # ggml-common.h: block_q5_0 = fp16 d + 4 bytes qh + 16 bytes qs = 22 bytes per 32 values; block_iq4_nl = fp16 d +
    # 16 bytes qs = 18 bytes per 32; block_q5_1 = fp16 d, m + 4 + 16 = 24 bytes per 32.
    assert parse_kv_dtype("q5_0") == KvDtype("q5_0", 22 / 32)
    assert parse_kv_dtype("iq4_nl") == KvDtype("iq4_nl", 18 / 32)
    assert parse_kv_dtype("Q5-1") == KvDtype("q5_1", 24 / 32)


# --- valid_quantization_names ---------------------------------------------------------------------------------------
def test_quantization_names_offer_the_cli_spellings():
    # README / --help: --quantization accepts awq and int8 as short names (awq-int4, bitsandbytes int8).
    names = valid_quantization_names()
    assert "awq" in names and "int8" in names
    assert all(name == name.lower() for name in names)


# --- check_engine_formats -------------------------------------------------------------------------------------------
VLLM = FrameworkProfile(engine="vllm")
LLAMA = FrameworkProfile(engine="llama.cpp")


def test_gguf_outside_llama_cpp_is_refused():
    err = _refusal(check_engine_formats, parse_quantization("q4_k_m"), VLLM, None)
    assert err.message == "q4_k_m is a GGUF file type: only llama.cpp runs GGUF files"
    assert err.fix == "use --framework llama.cpp, or a format this engine loads (bf16, gptq-int4, awq ...)"


def test_gptq_in_llama_cpp_is_refused():
    err = _refusal(check_engine_formats, parse_quantization("gptq-int4"), LLAMA, None)
    assert err.message == "llama.cpp does not load gptq-int4 checkpoints (it runs GGUF files)"
    assert err.fix == "use a GGUF type such as q4_k_m or q8_0, or --framework vllm / transformers"


def test_kv_type_the_engine_lacks_lists_its_types():
    # vLLM's cache dtypes are auto (the model's 16-bit) and fp8 variants; it has no q8_0 cache.
    err = _refusal(check_engine_formats, parse_quantization("bf16"), VLLM, parse_kv_dtype("q8_0"))
    assert err.message == "vllm has no q8_0 KV cache"
    assert err.fix == "use one of: 16-bit, fp8"


# --- packed_matrix_bytes --------------------------------------------------------------------------------------------
def test_gptq_int4_matrix_bytes():
    # AutoGPTQ QuantLinear buffers for in=4096, out=4096, bits=4, group 128: qweight int32 (in*4/32, out) = 8388608 B,
    # qzeros int32 (in/128, out*4/32) = 32*4096/2 = 65536 B, scales fp16 (in/128, out) = 262144 B, g_idx int32 (in,)
    # = 16384 B.
    quant = Quantization("gptq-int4", "gptq", 4, group_size=128)
    assert packed_matrix_bytes(quant, 4096, 4096) == 8388608 + 65536 + 262144 + 16384


def test_gptq_symmetric_still_stores_qzeros():
    # sym=True GPTQ checkpoints still carry the qzeros buffer (AutoGPTQ allocates it regardless of sym). 8-bit, in=256,
    # out=512, group 128: qweight 131072, qzeros 2*512 = 1024, scales 2*512*2 = 2048, g_idx 256*4 = 1024.
    quant = Quantization("gptq-int8", "gptq", 8, group_size=128, zero_point=False)
    assert packed_matrix_bytes(quant, 256, 512) == 131072 + 1024 + 2048 + 1024


def test_bnb_int8_matrix_bytes():
    # bitsandbytes Int8Params: CB int8 (out, in) and SCB fp32 (out,): in=4096, out=11008.
    quant = parse_quantization("bnb-int8")
    assert packed_matrix_bytes(quant, 4096, 11008) == 4096 * 11008 + 11008 * 4


def test_nf4_has_no_per_row_scale_term():
    # nf4's absmax is already in its 4.127 bits per weight (QLoRA double quantization): no SCB added.
    quant = parse_quantization("nf4")
    assert packed_matrix_bytes(quant, 4096, 4096) == pytest.approx(4096 * 4096 * (4 + 8 / 64 + 32 / (64 * 256)) / 8)


# --- the estimate's other entry points ------------------------------------------------------------------------------
from dataclasses import replace as _replace  # noqa: E402

from generator.calc.estimator import (_smaller_quantizations, _vllm_rules, check_family_release, estimate,  # noqa: E402
                                      runnable_framework, weight_bytes)
from generator.core.yamlio import read_yaml_file  # noqa: E402
from generator.families.model_config import architecture_from_model_entry  # noqa: E402

_MODELS = {m["id"]: m for m in read_yaml_file("content/models.yaml")["models"]}
QWEN = architecture_from_model_entry(_MODELS["Qwen2-0.5B-Instruct"])


def test_smaller_formats_of_a_16_bit_checkpoint():
    # From bf16 (16 bits) the smaller stored formats vLLM loads are fp8 (8), gptq-int8 (8 + scales), awq-int4 (4).
    assert [q.name for q in _smaller_quantizations(parse_quantization("fp16"))] == ["fp8", "gptq-int8", "awq-int4"]
    assert [q.name for q in _smaller_quantizations(parse_quantization("gptq-int8"))] == ["awq-int4"]


def test_family_without_a_first_release_is_never_refused():
    tf = parse_framework("transformers==4.38.2", PROFILES)
    unknown = _replace(QWEN, model_type="no_such_family")
    assert check_family_release(unknown, tf) is None
    assert runnable_framework(unknown, tf, PROFILES) is tf


def test_release_after_the_family_keeps_the_table_release():
    # families/table.py: qwen3_next's classes arrived in transformers 4.57.0 (its wheel's modeling_qwen3_next.py);
    # 4.57.1 runs it as is, 4.46.0 is moved up to 4.57.0.
    hybrid = _replace(QWEN, model_type="qwen3_next")
    tf = parse_framework("transformers==4.57.1", PROFILES)
    assert runnable_framework(hybrid, tf, PROFILES) is tf
    assert runnable_framework(hybrid, parse_framework("transformers==4.46.0", PROFILES), PROFILES).version == "4.57.0"


def test_exact_checkpoint_bytes_win():
    # A checkpoint's own tensor bytes (safetensors header sum) are the weights, whatever the format would give.
    quant = Quantization("gptq-int4", "gptq", 4, exact_weight_bytes=123_456_789)
    assert weight_bytes(QWEN, quant)[0] == 123_456_789


def test_vllm_rules_take_the_profile_values():
    # content/frameworks.yaml: vllm 0.17.0-0.20.0 sets vllm_sampler: triton (apply_top_k_top_p_triton).
    assert _vllm_rules(parse_framework("vllm==0.17.0", PROFILES)).sampler == "triton"
    # A profile's own max_num_seqs (a --max-num-seqs of 128) is kept, not the EngineArgs default of 256.
    profile = _replace(parse_framework("vllm==0.10.0", PROFILES), max_num_seqs=128)
    assert _vllm_rules(profile).max_num_seqs == 128


def test_unknown_attention_implementation_lists_the_choices():
    # transformers' attn_implementation values the estimator models: sdpa, flash_attention_2, eager.
    tf = parse_framework("transformers==4.45.0", PROFILES)
    err = _refusal(lambda: estimate(QWEN, parse_quantization("bf16"), 1024, tf, attn="flex"))
    assert err.message == "unknown attention implementation 'flex'"
    assert err.fix == "use one of: sdpa, flash_attention_2, eager"


# --- engine terms ---------------------------------------------------------------------------------------------------
from generator.calc import transformers_engine as _tf  # noqa: E402
from generator.calc.estimator import _prefill_layer_activations, llamacpp_state_bytes  # noqa: E402

QWEN3_NEXT = architecture_from_model_entry(_MODELS["Qwen3-Next-80B-A3B-Instruct"])
DEEPSEEK_V3 = architecture_from_model_entry(_MODELS["DeepSeek-V3"])


def test_llama_cpp_state_on_the_host_is_every_state_layer():
    # The recurrent state does not change size with where it lives: with no layer offloaded (-ngl 0) the host holds
    # what the card holds with every layer offloaded (36 Gated DeltaNet layers of Qwen3-Next, 2 sequences).
    cards, host = llamacpp_state_bytes(QWEN3_NEXT, 2, 10**6, 1)
    assert host == 0 and cards[0] > 0
    cards_none, host_all = llamacpp_state_bytes(QWEN3_NEXT, 2, 0, 1)
    assert cards_none == [0.0] and host_all == pytest.approx(cards[0])


def _held(arch, tokens, act_bytes):
    at_mlp, at_attention = _tf.held_hidden_states(arch, True)
    return at_mlp * tokens * arch.hidden_size * act_bytes, at_attention * tokens * arch.hidden_size * act_bytes


def test_moe_prefill_mlp_set():
    # Qwen3-Next (config.json: hidden 2048, 16 heads, 2 KV heads, head_dim 256, 512 experts, 10 per token,
    # moe_intermediate_size 512, shared_expert_intermediate_size 512), 1000 tokens in bf16, flash attention.
    # transformers' sparse MoE block: act(gate), up and their product for the widest expert MLP, 3 * T * 512 * 2;
    # the one-hot int64 expert mask T * 10 * 512 * 8; fp32 router probabilities T * 512 * 4.
    t = 1000
    mlp = 3 * t * 512 * 2 + t * 10 * 512 * 8 + t * 512 * 4
    qkv = t * (16 + 2 * 2) * 256 * 2
    attention = 2 * qkv + t * 16 * 256 * 2  # flash: q, k, v and their projections' outputs, plus the output
    at_mlp, at_attention = _held(QWEN3_NEXT, t, 2)
    assert at_mlp + mlp > at_attention + attention  # the MLP set is the peak here
    assert _prefill_layer_activations(QWEN3_NEXT, t, 2, True) == at_mlp + mlp


def test_moe_prefill_dense_layers_use_the_dense_mlp():
    # DeepSeek-V3's first 3 layers are dense (first_k_dense_replace 3, intermediate_size 18432): 3 * T * 18432 * 2
    # outweighs the MoE set (3 * T * 2048 * 2 + T * 8 * 256 * 8 + T * 256 * 4).
    t = 100
    dense = 3 * t * 18432 * 2
    assert dense > 3 * t * 2048 * 2 + t * 8 * 256 * 8 + t * 256 * 4
    at_mlp, _ = _held(DEEPSEEK_V3, t, 2)
    assert _prefill_layer_activations(DEEPSEEK_V3, t, 2, True) == at_mlp + dense


def test_flash_prefill_attention_set():
    # With a large attention_extra the attention side is the peak: Qwen2-0.5B (14 heads, 2 KV heads, head_dim 64,
    # hidden 896), 1000 tokens in bf16, flash: 2 * qkv + T * 14 * 64 * 2.
    t, extra = 1000, 10**9
    qkv = t * (14 + 2 * 2) * 64 * 2
    _, at_attention = _held(QWEN, t, 2)
    assert _prefill_layer_activations(QWEN, t, 2, True, attention_extra=extra) == \
        at_attention + 2 * qkv + t * 14 * 64 * 2 + extra


# --- _estimate_llama_cpp's refusals and sums -----------------------------------------------------------------------
LLAMA_OLD = parse_framework("llama.cpp==b5000", PROFILES)   # before b6327: -fa on or off, no auto
LLAMA_NEW = parse_framework("llama.cpp", PROFILES)
Q4KM = parse_quantization("q4_k_m")


def test_llama_cpp_fa_auto_before_b6327_is_refused():
    # -fa auto arrived with llama.cpp PR #15434 (b6327).
    err = _refusal(lambda: estimate(QWEN, Q4KM, 1024, LLAMA_OLD, flash_attention="auto"))
    assert err.fix == "pass --flash-attn on or off, or a build from b6327"


def test_llama_cpp_quantized_v_cache_needs_flash_attention():
    # src/llama-context.cpp: "V cache quantization requires flash_attn".
    err = _refusal(lambda: estimate(QWEN, Q4KM, 1024, LLAMA_OLD, kv_dtype=parse_kv_dtype("q8_0"), flash_attention=False))
    assert err.message == ("llama.cpp refuses a q8_0 V cache without flash attention "
                           "(\"V cache quantization requires flash_attn\")")


def test_llama_cpp_bad_ubatch_and_layers():
    err = _refusal(lambda: estimate(QWEN, Q4KM, 1024, LLAMA_NEW, ubatch=-1))
    assert err.message == "--ubatch must be at least 1" and err.fix == "pass --ubatch 512"
    err = _refusal(lambda: estimate(QWEN, Q4KM, 1024, LLAMA_NEW, n_gpu_layers=-1))
    assert err.message == "--n-gpu-layers must be 0 or more"
    assert err.fix == "pass --n-gpu-layers 99 for every layer"
    # -ngl 0 is llama.cpp's CPU-only run: accepted, the layers' weights in host memory.
    cpu = estimate(QWEN, Q4KM, 1024, LLAMA_NEW, n_gpu_layers=0)
    assert cpu.host > 0 and cpu.context == 1024


def test_llama_cpp_head_not_whole_blocks_is_refused():
    # A head of 80 values is 2.5 q8_0 blocks of 32 (ggml block_q8_0, QK8_0 = 32): llama_init_from_model refuses it.
    odd = _replace(QWEN, head_dim=80)
    err = _refusal(lambda: estimate(odd, Q4KM, 1024, LLAMA_NEW, kv_dtype=parse_kv_dtype("q8_0"), flash_attention=True))
    assert err.message.startswith("llama.cpp refuses a q8_0 cache for heads of 80 values, not a whole number of its "
                                  "32-value blocks (\"K cache type q8_0 with block size 32 does not divide")
    assert err.fix == "use the 16-bit cache (--kv-dtype 16-bit)"


def test_llama_cpp_hybrid_state_follows_the_layers():
    # llama.cpp puts a layer's recurrent state (the RS buffer) on the layer's device: with -ngl 0 none is on a card;
    # with every layer offloaded the card's peak is its model + KV + compute + RS buffers.
    cpu = estimate(QWEN3_NEXT, Q4KM, 4096, LLAMA_NEW, n_gpu_layers=0)
    assert cpu.state == 0
    gpu = estimate(QWEN3_NEXT, Q4KM, 4096, LLAMA_NEW)
    assert gpu.state > 0
    assert gpu.peak == pytest.approx(gpu.weights + gpu.kv_cache + gpu.activations + gpu.state, abs=8)


def test_llama_cpp_swa_cache_from_the_build():
    # gemma-3-1b-it (config.json: 26 layers, 1 KV head, head_dim 256, sliding_window 512, five local layers in six).
    # Builds before the SWA cache (PR #13194; content/frameworks.yaml swa_cache: false) keep the full context in every
    # layer: 26 * 32768 cells * (K + V) * 256 * 2 bytes (f16). Later builds keep only the window in the local layers.
    gemma = architecture_from_model_entry(_MODELS["gemma-3-1b-it"])
    full = 26 * 32768 * 2 * 1 * 256 * 2
    assert estimate(gemma, Q4KM, 32768, LLAMA_OLD, generate=0).kv_cache == full
    assert estimate(gemma, Q4KM, 32768, LLAMA_NEW, generate=0).kv_cache < full / 3


# --- _estimate_vllm's sums over tensor-parallel cards ---------------------------------------------------------------
QWEN7 = architecture_from_model_entry(_MODELS["Qwen2-7B-Instruct"])
VLLM10 = parse_framework("vllm==0.10.0", PROFILES)
BF16 = parse_quantization("bf16")


@pytest.mark.parametrize("card", [None, 80 * 2**30])
def test_vllm_tensor_parallel_totals(card):
    # Qwen2-7B (config.json: 28 layers, 4 KV heads, head_dim 128), bf16 K and V: 28 * 2 * 4 * 128 * 2 = 57344 bytes
    # per token over the whole model (each of the 2 cards holds 2 KV heads' half).
    e = estimate(QWEN7, BF16, 4096, VLLM10, gpus=2, generate=0, gpu_memory_bytes=card)
    assert e.gpus == 2
    assert e.kv_cache == 57344 * 4096
    # Every TP rank runs the same profiling pass and holds the same budget: totals are twice one card's.
    assert len(e.per_gpu_peak) == 2 and e.peak == 2 * e.per_gpu_peak[0]
    assert e.activations == 2 * e.vllm.activation_peak
    assert e.overhead == 2 * e.vllm.non_torch


def test_vllm_card_too_small_is_refused_with_its_peak():
    # Qwen2-7B in bf16 (14.19 GiB of weights) on one 16 GiB card: vLLM's budget 0.9 x 16 GiB leaves no KV room; the card
    # still peaks at weights + activation peak + non-torch memory during the profiling pass.
    e = estimate(QWEN7, BF16, 4096, VLLM10, gpus=1, generate=0, gpu_memory_bytes=16 * 2**30)
    p = e.vllm
    assert p.weights + p.activation_peak + p.non_torch > 0.9 * 16 * 2**30
    assert e.per_gpu_peak == (int(p.weights + p.activation_peak + p.non_torch),)
    assert e.refusal.startswith("vLLM would not start: ")


@pytest.mark.parametrize("card", [None, 80 * 2**30])
def test_vllm_warnings_reach_the_estimate(card):
    # vllm/config: a max_model_len above max_position_embeddings (Qwen2-0.5B: 32768) needs
    # VLLM_ALLOW_LONG_MAX_MODEL_LEN=1; the estimate passes that warning on.
    e = estimate(QWEN, BF16, 40000, VLLM10, generate=0, gpu_memory_bytes=card)
    assert len(e.warnings) == 1 and e.warnings[0].startswith("max_model_len 40000 is above the model's maximum")


@pytest.mark.parametrize("card", [None, 80 * 2**30])
def test_vllm_refusal_reaches_the_estimate(card):
    # vLLM's ModelConfig.verify_with_parallel_config: the attention heads (Qwen2-0.5B: 14) must divide by the tensor
    # parallel size; 4 does not.
    e = estimate(QWEN, BF16, 4096, VLLM10, gpus=4, generate=0, gpu_memory_bytes=card)
    assert e.refusal.startswith("vLLM refuses tensor parallel size 4: the model's 14 attention heads")


# --- _estimate_transformers -----------------------------------------------------------------------------------------
TF457 = parse_framework("transformers==4.57.0", PROFILES)
TF438 = parse_framework("transformers==4.38.2", PROFILES)


def test_transformers_fp32_cache():
    # Qwen2-0.5B (config.json: 24 layers, 2 KV heads, head_dim 64); an fp32 cache holds K and V at 4 bytes:
    # 24 * 2 * 2 * 64 * 4 = 24576 bytes per token.
    e = estimate(QWEN, BF16, 1000, TF457, generate=24, kv_dtype=parse_kv_dtype("fp32"))
    assert e.kv_cache == 24576 * 1024
    assert e.generate == 24 and e.context == 1000


def test_transformers_last_position_logits():
    # content/frameworks.yaml: from 4.45 (logits_all_positions: false) generate() computes the logits of the last
    # position only: bf16 logits batch * vocab * 2, their fp32 upcast batch * vocab * 4, plus the final hidden state
    # tokens * hidden * 2. Qwen2-0.5B (vocab 151936, hidden 896), one token: the logits outweigh the layer's set.
    e = estimate(QWEN, BF16, 1, TF457, generate=0)
    assert e.activations == 151936 * 2 + 151936 * 4 + 1 * 896 * 2


def test_transformers_sdpa_has_no_score_matrix():
    # SDPA (the default attn) never materialises the T x T scores: Qwen2-0.5B, 1000 tokens in bf16 on 4.57 (no repeated
    # K/V heads: grouped-query SDPA since 4.54), peak = the gated MLP set 3 * T * 4864 * 2 with the held hidden states,
    # or the attention set 2 * qkv + T * 14 * 64 * 2 with them, whichever is larger.
    t = 1000
    at_mlp, at_attention = _held(QWEN, t, 2)
    qkv = t * (14 + 2 * 2) * 64 * 2
    expected = max(at_mlp + 3 * t * 4864 * 2, at_attention + 2 * qkv + t * 14 * 64 * 2)
    assert estimate(QWEN, BF16, t, TF457, generate=0, attn="sdpa").activations == expected


def test_transformers_decode_holds_two_cache_copies_before_4_42():
    # content/frameworks.yaml: before 4.42 the first decoding step holds the cache twice (legacy tuple + DynamicCache),
    # so with decode the peak, each 1024 more generated tokens add 2 x 1024 x 12288 bytes (bf16 K/V of Qwen2-0.5B:
    # 24 * 2 * 2 * 64 * 2 = 12288 per token), plus one layer's K/V repeated to all 14 heads (modeling_qwen2.py's
    # repeat_kv at 4.38, which its flash_attention_2 path calls too): 2 * 14 * 64 * 2 = 3584 bytes per token.
    short = estimate(QWEN, BF16, 16, TF438, generate=1000, attn="flash_attention_2")
    long = estimate(QWEN, BF16, 16, TF438, generate=2024, attn="flash_attention_2")
    assert long.peak - short.peak == 2 * 1024 * 12288 + 1024 * 3584


def test_transformers_two_cards_each_repeat_their_own_layers_kv():
    # device_map="auto" over 2 cards, 4.38, flash_attention_2: decoding, each card holds its layers' share of the
    # two cache copies and repeats one of its own layers' K/V to 14 heads (3584 bytes per token, as above). 1024 more
    # generated tokens add 2 x 1024 x 12288 (the cache twice, split over the cards) + 2 cards x 1024 x 3584.
    short = estimate(QWEN, BF16, 16, TF438, generate=2024, gpus=2, attn="flash_attention_2")
    long = estimate(QWEN, BF16, 16, TF438, generate=3048, gpus=2, attn="flash_attention_2")
    assert sum(long.per_gpu_peak) - sum(short.per_gpu_peak) == pytest.approx(2 * 1024 * 12288 + 2 * 1024 * 3584, abs=4)


def test_balanced_map_reserves_room_on_the_first_card_only():
    # accelerate's device_map="auto" (get_balanced_memory, infer_auto_device_map): each card but the last may hold
    # total/gpus + 1.25 layers; only the first keeps room for the largest module (here the tied embedding) beside the
    # embedding it holds. Qwen2-0.5B in bf16: 494,032,768 parameters (its model card), embedding 151936 x 896, 24
    # layers, no rotary buffer counted at 4.57 (overhead 0). Over 3 cards: first max(0, floor((cap - 2 emb) / layer)),
    # second floor(cap / layer), the last the rest.
    import math
    weights, emb = 494_032_768 * 2, 151936 * 896 * 2
    layer = (weights - emb) / 24
    cap = weights / 3 + 1.25 * layer
    first = max(0, math.floor((cap - 2 * emb) / layer))
    second = min(24 - first, math.floor(cap / layer))
    counts = [first, second, 24 - first - second]
    # The layers per card, read off each card's decode slope: 1024 more tokens add the card's share of the cache and
    # of the one layer's cache held again (4.57: cache + one layer, 12288 x 25/24 bytes per token over the model).
    a = estimate(QWEN, BF16, 16, TF457, generate=4000, gpus=3)
    b = estimate(QWEN, BF16, 16, TF457, generate=5024, gpus=3)
    assert a.overhead == 0 and a.weights == weights
    slopes = [(y - x) / 1024 / (12288 * 25 / 24) * 24 for x, y in zip(a.per_gpu_peak, b.per_gpu_peak)]
    assert slopes == pytest.approx(counts)


def test_balanced_map_counts_packed_lm_head_at_16_bits():
    # GPTQ checkpoints keep embed_tokens and lm_head in fp16 (weight_bytes' docstring; AutoGPTQ quantizes only the
    # decoder's linear layers): Qwen2-7B's untied lm_head (152064 x 3584) weighs 2 bytes a parameter in the split.
    # 28 layers; K/V 28 * 2 * 4 * 128 * 2 = 57344 bytes per token; 4.57 holds the cache + one layer while decoding.
    import math
    gptq = parse_quantization("gptq-int4")
    a = estimate(QWEN7, gptq, 16, TF457, generate=4000, gpus=2)
    b = estimate(QWEN7, gptq, 16, TF457, generate=5024, gpus=2)
    assert estimate(QWEN7, BF16, 16, TF457, generate=0).overhead == 0  # no rotary buffer counted at 4.57
    weights, emb = a.weights, 152064 * 3584 * 2
    head = emb
    layer = (weights - emb - head) / 28
    cap = weights / 2 + 1.25 * layer
    first = max(0, min(28, math.floor((cap - max(layer, emb, head) - emb) / layer)))
    slopes = [(y - x) / 1024 / (57344 * 29 / 28) * 28 for x, y in zip(a.per_gpu_peak, b.per_gpu_peak)]
    assert slopes == pytest.approx([first, 28 - first])
