"""llama.cpp against its own load logs (content/benchmarks/llamacpp-load-logs.yaml) and the log file's schema."""

from __future__ import annotations

import os
import shutil

import pytest

from generator.tables import seed
from generator.calc.llamacpp import LlamaCppRun, llamacpp_memory
from generator.core.errors import GeneratorError
from generator.catalogue.loading import load_catalogue, load_content

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT = os.path.join(ROOT, "content")


@pytest.fixture(scope="module")
def content():
    return load_content(CONTENT)


def test_at_least_fifteen_logs_each_with_its_source(content):
    logs = content.llamacpp_logs
    assert len(logs) >= 15
    for log in logs:
        assert log.source["url"].startswith("https://github.com/"), log.id
        assert log.model_mib > 0 and log.kv_mib > 0 and log.compute_mib > 0


def test_targets_on_the_collected_logs(content):
    """Issue 10: KV cache within 2% on average; model + KV + compute within 8% on average, no log worse than 15%."""
    result = seed.validate_llamacpp_logs(content)
    assert result.kv_mape <= 2.0
    assert result.total_mape <= 8.0
    assert result.total_worst_pct <= 15.0


def test_validation_tables_publish_every_log(content):
    table = seed.llamacpp_validation_table("llamacpp", content)
    assert [row.label for row in table.rows] == [log.id for log in content.llamacpp_logs]
    summary = seed.llamacpp_validation_summary_table("llamacpp-summary", content)
    assert [row.label for row in summary.rows] == ["KV cache", "模型权重", "计算缓冲区", "合计"]


def test_compute_buffer_is_the_largest_stage_not_their_sum(content):
    """Without flash attention the f32 KQ scores grow with n_ctx; with it the logits stage stays."""
    arch = load_catalogue(CONTENT).models["Llama-3.1-8B"].require_architecture()
    def compute(n_ctx, flash):
        return llamacpp_memory(arch, "q4_k_m", LlamaCppRun(n_ctx, 512, flash)).compute[0] / 2 ** 20
    logits = (128256 * 512 + 4096 * 512) * 4 / 2 ** 20
    assert compute(8192, True) == compute(32768, True) == logits == 258.5
    assert compute(32768, False) > 32768 * 512 * 32 * 4 / 2 ** 20 > logits


def _write(tmp_path, text):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    (folder / "benchmarks" / "llamacpp-load-logs.yaml").write_text(text, encoding="utf-8")
    return str(folder)


ENTRY = """logs:
  - id: one
    source: {title: t, url: "https://github.com/x/y"}
    build: 5505
    gpu: RTX 3090
    model: Qwen3-14B
    model_id: Qwen3-14B
    quantization: q8_0
    n_ctx: 4096
    n_ubatch: 512
    flash_attn: true
    kv_type: f16
    measured_mib: {model: 1.0, kv: 1.0, compute: 1.0}
"""


@pytest.mark.parametrize("change, line, words", [
    (("quantization: q8_0", "quantization: awq"), 8, "'quantization' is not one of the known values"),
    (("model_id: Qwen3-14B", "model_id: Nope"), 7, "unknown model_id"),
    (("flash_attn: true", "flash_attn: yes please"), 11, "true or false"),
    (("n_ctx: 4096", "n_ctx: -1"), 9, "above zero"),
    (("kv_type: f16", "kv_type: fp8"), 12, "'kv_type' is not one of the known values"),
    (("    gpu: RTX 3090\n", "    gpu: RTX 3090\n    colour: red\n"), 6, "unknown field 'colour'"),
])
def test_bad_entries_name_the_file_and_line(tmp_path, change, line, words):
    root = _write(tmp_path, ENTRY.replace(*change))
    with pytest.raises(GeneratorError) as caught:
        load_content(root)
    assert caught.value.line == line and words in str(caught.value)
    assert caught.value.path.endswith("llamacpp-load-logs.yaml")


def test_a_sliding_window_model_needs_its_build(tmp_path):
    text = ENTRY.replace("model_id: Qwen3-14B", "model_id: gemma-2-9b").replace("build: 5505", "build: null")
    root = _write(tmp_path, text)
    with pytest.raises(GeneratorError, match="must state"):
        load_content(root)


def test_duplicate_ids_are_refused(tmp_path):
    text = ENTRY + ENTRY[len("logs:\n"):]
    root = _write(tmp_path, text)
    with pytest.raises(GeneratorError, match="duplicate log id"):
        load_content(root)
