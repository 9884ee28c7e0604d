"""generator/calc/llamacpp_validation.py re-estimates each load log from the log's own settings (the survivors of
benchmarks/mutation.py, scope calc.llamacpp_validation: every collected log runs at n_ubatch 512 with every layer
offloaded, and none is a sliding-window or MLA model, so a setting dropped on the way to the estimate went unseen).

Each expected value is worked out here from llama.cpp's rules as generator/calc/llamacpp.py cites them, with the
shapes of the models' config.json files:
* compute buffer of a small model at n_ctx 512: the output stage, (n_vocab + n_embd) x n_ubatch f32 (LLamaSharp issue
  #1099's Qwen2.5-3B log: "CUDA0 compute buffer size = 300.75 MiB" = (151936 + 2048) x 512 x 4 bytes);
* with flash attention, no n_kv x n_ubatch x n_head f32 KQ matrix (Llama-3.1-8B at n_ctx 32768: the logits stage,
  (128256 + 4096) x 512 x 4 bytes = 258.5 MiB, stays the largest);
* -ngl 0: every layer and the output head on the host, nothing on the card;
* KV: cells x layers x (K + V values) x 2 bytes (f16); a sliding-window layer since PR #13833 keeps
  pad(n_swa + n_ubatch, 256) cells; MLA: the latent (kv_lora_rank + qk_rope = 576, "n_embd_head_k = 576") and, before
  PR #19067, a V latent of kv_lora_rank (512, "n_embd_head_v = 512"); without the latent cache the full heads
  ("n_embd_k_gqa = 24576, n_embd_v_gqa = 16384" per layer for DeepSeek-V3, llama.cpp PR #11397).
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from generator.calc.llamacpp_validation import compare_log, validate_logs
from generator.catalogue.loading import load_catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 2 ** 20
PLAIN = SimpleNamespace(swa_cache=False, mla_compressed_cache=False, mla_v_cache=False)


@pytest.fixture(scope="module")
def models():
    return load_catalogue(os.path.join(ROOT, "content")).models


def _log(arch, *, n_ctx=512, n_ubatch=512, flash_attn=False, n_gpu_layers=None, kv_type="f16", build=None,
         kv_mib=1.0, model_mib=1.0, compute_mib=1.0):
    return SimpleNamespace(arch=arch, quantization="q8_0", n_ctx=n_ctx, n_ubatch=n_ubatch, flash_attn=flash_attn,
                           n_gpu_layers=n_gpu_layers, kv_type=kv_type, build=build, kv_mib=kv_mib,
                           model_mib=model_mib, compute_mib=compute_mib, total_mib=kv_mib + model_mib + compute_mib)


def test_the_logs_ubatch_sizes_the_compute_buffer(models):
    arch = models["Qwen2.5-3B-Instruct"].require_architecture()
    assert compare_log(_log(arch), PLAIN).compute_mib == (151936 + 2048) * 512 * 4 / MIB == 300.75
    assert compare_log(_log(arch, n_ubatch=256), PLAIN).compute_mib == (151936 + 2048) * 256 * 4 / MIB == 150.375
    # (One card, as every log was read from: on two, each card would hold a compute buffer of its own.)


def test_the_logs_flash_attention_setting(models):
    arch = models["Llama-3.1-8B"].require_architecture()
    assert compare_log(_log(arch, n_ctx=32768, flash_attn=True), PLAIN).compute_mib == 258.5
    # Without it, the KQ scores alone: 32768 x 512 x 32 heads x 4 bytes = 2,048 MiB.
    assert compare_log(_log(arch, n_ctx=32768, flash_attn=False), PLAIN).compute_mib > 2048


def test_the_logs_offload_setting(models):
    arch = models["Llama-3.1-8B"].require_architecture()
    on_host = compare_log(_log(arch, n_gpu_layers=0), PLAIN)
    assert on_host.model_mib == on_host.kv_mib == on_host.compute_mib == 0
    # -ngl 99 (every layer): 32 layers x 512 cells x 2 x 8 heads x 128 x 2 bytes = 64 MiB of KV on the card.
    assert compare_log(_log(arch, n_gpu_layers=None), PLAIN).kv_mib == 64


def test_the_builds_sliding_window_cache(models):
    arch = models["gemma-2-9b"].require_architecture()  # 42 layers, 21 sliding (window 4096), 8 KV heads of 256
    full_layer = 32768 * 2 * 8 * 256 * 2 / MIB  # 256 MiB
    window_layer = 4608 * 2 * 8 * 256 * 2 / MIB  # pad(4096 + 512, 256) = 4608 cells: 36 MiB
    log = _log(arch, n_ctx=32768)
    assert compare_log(log, PLAIN).kv_mib == 42 * full_layer == 10752
    swa = SimpleNamespace(swa_cache=True, mla_compressed_cache=False, mla_v_cache=False)
    assert compare_log(log, swa).kv_mib == 21 * full_layer + 21 * window_layer == 6132


@pytest.mark.parametrize("latent, v_cache, values", [
    (False, False, 24576 + 16384),   # full heads (PR #11397's DeepSeek-V3 log)
    (True, True, 576 + 512),          # the latent K and its V copy (PR #12801 to PR #19067)
    (True, False, 576),               # the V-less cache (PR #19067)
])
def test_the_builds_mla_cache(models, latent, v_cache, values):
    arch = models["DeepSeek-V3"].require_architecture()  # 61 layers
    profile = SimpleNamespace(swa_cache=False, mla_compressed_cache=latent, mla_v_cache=v_cache)
    assert compare_log(_log(arch, n_ctx=4096), profile).kv_mib == 61 * 4096 * values * 2 / MIB


def test_each_log_is_validated_with_the_profile_of_its_build(models):
    gemma = models["gemma-2-9b"].require_architecture()
    llama = models["Llama-3.1-8B"].require_architecture()
    swa = SimpleNamespace(swa_cache=True, mla_compressed_cache=False, mla_v_cache=False)
    asked = []

    def profile_of(build):
        asked.append(build)
        return swa if build == 5600 else PLAIN

    # gemma at build 5600 measured 6132 MiB of KV (the SWA cache: 0% off); Llama-3.1-8B's 64 MiB measured as 80
    # (20% under): the mean absolute KV error is (0 + 20) / 2 = 10%.
    logs = [_log(gemma, n_ctx=32768, build=5600, kv_mib=6132), _log(llama, build=None, kv_mib=80)]
    result = validate_logs(logs, profile_of)
    assert asked == [5600, None]
    assert [row.kv_mib for row in result.rows] == [6132, 64]
    assert result.kv_mape == pytest.approx(10.0)
