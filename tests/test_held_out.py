"""Accuracy on data no constant was tuned on (issue 23 item 3), one test set per estimator path.

Expected values are the measured figures in the data files, copied from their public sources:
* transformers: the Qwen2.5 edition of the Qwen speed benchmark (content/benchmarks/qwen25-speed-benchmark.yaml,
  QwenLM/Qwen2.5 docs at commit a912d239, transformers 4.46.0, flash attention 2, A100 80GB, 2048 new tokens).
  The estimator was calibrated on the Qwen2 edition (qwen2-speed-benchmark.yaml, role: calibration; its ``tuned:``
  list says which rows moved which term); none of those rows is held out, so the held-out set is this second source.
  The first comparison on it (every row low) led to two terms read off transformers' source and measured on CPU,
  not fitted: no number in them was chosen to match these rows (the history is written above the limits below).
* llama.cpp: the load logs of content/benchmarks/llamacpp-load-logs.yaml, every one role: held-out (the file's header
  says why and its caveat).
Each limit sits just above what the estimator achieves today; the margin is stated next to it.
"""

from __future__ import annotations

import os

import pytest

from generator.tables import seed
from generator.catalogue.loading import load_content

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELD_OUT = "qwen25-speed-benchmark"


@pytest.fixture(scope="module")
def content():
    return load_content(os.path.join(ROOT, "content"))


@pytest.fixture(scope="module")
def qwen25(content):
    return seed.validate_benchmark(content, HELD_OUT)


def test_roles_say_which_data_tuned_the_estimator(content):
    """The Qwen2 rows are the calibration set and name what they tuned; the Qwen2.5 rows and the llama.cpp logs are
    held out."""
    calibration = content.benchmarks["qwen2-speed-benchmark"]
    assert calibration.role == "calibration" and len(calibration.rows) == 72
    assert any("kv_cache_copies_in_decode" in t["constant"] for t in calibration.tuned)
    held = content.benchmarks[HELD_OUT]
    assert held.role == "held-out" and held.tuned == ()
    assert {log.role for log in content.llamacpp_logs} == {"held-out"}


def test_held_out_rows_are_the_published_table(qwen25):
    """112 rows: 7 models x 4 formats x 4 input lengths, as the Transformers tables of the source list them."""
    rows = [c.row for c in qwen25.rows]
    assert len(rows) == 112
    assert len({r.model for r in rows}) == 7
    first = qwen25.rows[0].row
    assert (first.model, first.quantization, first.input_length, first.measured_gib) == \
        ("Qwen2.5-0.5B-Instruct", "BF16", 1, 0.97)


# The three rows the estimator misses badly: AWQ at input 1 of the three smallest models measure more than the same
# model's AWQ at input 6144 allows (0.68 vs 0.72, 1.51 vs 1.63, 2.50 vs 2.62 GiB: 2048 more tokens cost only
# 0.04-0.12 GiB, against 0.25-0.61 GiB for GPTQ-Int4 of the same model), and more than GPTQ-Int4 at input 1, whose
# weights are larger. Each equals the AWQ weights plus one more copy of the tied embedding (test below): something
# holds a second embedding-sized tensor once, before generate() (the benchmark never resets the peak after
# from_pretrained). AutoAWQ saves lm_head.weight of a tied model as a tensor of its own (awq/models/base.py
# save_quantized, v0.2.4 L248-L255 and v0.2.6 L302-L309: ``self.model.state_dict()``, every tensor cloned), which
# loading would place on the GPU before tie_weights() shares it again; but the Qwen2 AWQ rows at input 1 (4.38.2,
# calibration) show no such copy, and the checkpoints cannot be read here, so it is reported, not modelled.
AWQ_SHORT_OUTLIERS = {("Qwen2.5-0.5B-Instruct", "AWQ", 1), ("Qwen2.5-1.5B-Instruct", "AWQ", 1),
                      ("Qwen2.5-3B-Instruct", "AWQ", 1)}

# History of the held-out error (issue 23 item 3). First comparison: mean 3.27%, every row low, worst 6.76% outside
# the outliers, the gap growing by about 2 x tokens x hidden x 2 bytes with the input. Two mechanisms read off the
# transformers source (not fitted to these rows) closed most of it (generator/calc/transformers_engine.py):
# * prefill holds 4 hidden states, not 2 (inputs_embeds and the layer input are referenced by the model's forward;
#   measured on CPU, benchmarks/measure_prefill_hidden_states.py): mean 3.27% -> 1.69%;
# * Qwen2's FlashAttention2 class repeats K/V over the layer's whole cache while decoding (4.38-4.47): 1.69% -> 1.58%.
# What is left is a constant per model and format, about the same at input 1 as at 30720 (0.02-0.19 GiB single-GPU;
# the Qwen2 edition shows the same at input 1), not modelled.


def test_transformers_held_out_mean_error(qwen25):
    """Achieved: 1.58% mean absolute error over the 112 rows (0.92% without the three AWQ outliers).
    Limit 1.75% (margin 0.17 points, 11%)."""
    assert qwen25.mape <= 1.75, qwen25.mape
    regular = [c for c in qwen25.rows if (c.row.model, c.row.quantization, c.row.input_length)
               not in AWQ_SHORT_OUTLIERS]
    assert sum(abs(c.error_pct) for c in regular) / len(regular) <= 1.0  # achieved 0.92 (margin 0.08, 9%)


def test_transformers_held_out_worst_error(qwen25):
    """Achieved: 3.58% worst outside the three AWQ outliers (Qwen2.5-1.5B GPTQ-Int8 input 1); limit 4.0% (margin
    0.42 points, 12%). The outliers: 32.5% worst (0.5B AWQ input 1); limit 35% (margin 2.5 points, 8%)."""
    regular = [c for c in qwen25.rows if (c.row.model, c.row.quantization, c.row.input_length)
               not in AWQ_SHORT_OUTLIERS]
    outliers = [c for c in qwen25.rows if c not in regular]
    assert len(regular) == 109 and len(outliers) == 3
    assert max(abs(c.error_pct) for c in regular) <= 4.0
    assert max(abs(c.error_pct) for c in outliers) <= 35.0
    assert min(abs(c.error_pct) for c in outliers) >= 15.0  # still outliers: a fix should move them out of here


def test_transformers_held_out_errors_are_low_or_within_rounding(qwen25):
    """No estimate is above a measurement by more than the measurement's own rounding (two decimals of GiB: 0.005 GiB;
    achieved: the highest is Qwen2.5-72B GPTQ-Int4 input 1, +0.002 GiB = +0.005%, every other row is low).
    Mean signed error achieved -1.58%; limit within [-1.75%, -1.40%] (margin about 0.17 points each side)."""
    for c in qwen25.rows:
        assert c.estimate_gib - c.row.measured_gib < 0.005, (c.row, c.estimate_gib)
    signed = [c.error_pct for c in qwen25.rows]
    assert sum(1 for e in signed if e > 0) <= 1
    assert -1.75 <= sum(signed) / len(signed) <= -1.40


def test_transformers_held_out_by_model(qwen25):
    """Mean absolute error per model, achieved (limit = achieved + about 10%): the smallest models keep the three AWQ
    outliers and a larger share of the unmodelled constant."""
    achieved = {"Qwen2.5-0.5B-Instruct": 3.73, "Qwen2.5-1.5B-Instruct": 2.87, "Qwen2.5-3B-Instruct": 2.33,
                "Qwen2.5-7B-Instruct": 0.61, "Qwen2.5-14B-Instruct": 0.76, "Qwen2.5-32B-Instruct": 0.54,
                "Qwen2.5-72B-Instruct": 0.18}
    for model, value in achieved.items():
        assert qwen25.per_model_mape[model] <= value * 1.1, (model, qwen25.per_model_mape[model])


def test_held_out_gap_no_longer_grows_with_the_input(qwen25):
    """The first comparison's gap grew with the prompt by about 2 x tokens x hidden x 2 bytes (0.08 GiB more at 30720
    than at 6144 for 0.5B BF16, 0.35 GiB for 7B BF16, 0.48 for 32B BF16). Now, for each of the 24 single-GPU models
    and formats, measured - estimate at 30720 is within 0.07 GiB of the same at 6144 (achieved 0.066 GiB, 14B
    GPTQ-Int8), except 32B GPTQ-Int8 (0.144 GiB less at 30720 than at 6144: its 6144 row is the one that stands out).
    Limits 0.08 GiB (margin 0.014) and 0.16 GiB for the exception (margin 0.016)."""
    gap = {}
    for c in qwen25.rows:
        if c.row.gpus == 1:
            gap[(c.row.model, c.row.quantization, c.row.input_length)] = c.row.measured_gib - c.estimate_gib
    moved = {key[:2]: gap[key[:2] + (30720,)] - gap[key[:2] + (6144,)] for key in gap
             if key[2] == 6144 and key[:2] + (30720,) in gap}
    assert len(moved) == 24
    exception = ("Qwen2.5-32B-Instruct", "GPTQ-Int8")
    assert abs(moved.pop(exception)) <= 0.16
    assert max(abs(v) for v in moved.values()) <= 0.08, moved


def test_awq_outliers_are_one_more_tied_embedding(content, qwen25):
    """Measured at input 1 = AWQ weights (embedding and lm_head tied, 16-bit; packed 4-bit layers with fp16 scales and
    4-bit zeros per 128 inputs) + one embedding more, to within the published rounding and 0.0065 GiB:
    0.427 + 0.254 = 0.680 (measured 0.68), 1.069 + 0.435 = 1.504 (1.51), 1.922 + 0.580 = 2.502 (2.50)."""
    from generator.calc.architecture import param_breakdown
    from generator.calc.estimator import parse_quantization, weight_bytes
    for c in qwen25.rows:
        key = (c.row.model, c.row.quantization, c.row.input_length)
        if key not in AWQ_SHORT_OUTLIERS:
            continue
        arch = c.row.arch
        weights, _ = weight_bytes(arch, parse_quantization("awq"))
        embedding = param_breakdown(arch).embedding * 2
        assert abs((weights + embedding) / 2 ** 30 - c.row.measured_gib) < 0.0065, key


@pytest.fixture(scope="module")
def llamacpp(content):
    held = [log for log in content.llamacpp_logs if log.role == "held-out"]
    assert len(held) == 15
    return [row for row in seed.validate_llamacpp_logs(content).rows if row.log.role == "held-out"]


def test_llamacpp_held_out_kv_and_model_buffers(llamacpp):
    """KV buffer: 0.000% on every log (ggml block sizes, n_ctx as printed); limit 0.01%. Model buffer: worst 0.0003%
    (the log prints two decimals of MiB); limit 0.01%."""
    assert max(abs(r.kv_error_pct) for r in llamacpp) <= 0.01
    assert max(abs(r.model_error_pct) for r in llamacpp) <= 0.01


def test_llamacpp_held_out_compute_buffer(llamacpp):
    """Compute buffer: exact on the 8 logs whose output stage decides it; 156.00 MiB for 164.00 printed (-4.88%) on
    the 7 logs at n_ctx 2048 without flash attention, where the KQ stage decides it and one 8 MiB tensor more is
    alive than modelled. Mean achieved 2.28%, limit 2.5% (margin 0.22 points); worst 4.88%, limit 5.5% (0.62)."""
    errors = [abs(r.compute_error_pct) for r in llamacpp]
    assert sum(errors) / len(errors) <= 2.5
    assert max(errors) <= 5.5
    assert sum(1 for e in errors if e < 0.01) == 8


def test_llamacpp_held_out_total(llamacpp):
    """Model + KV + compute: mean 0.072%, limit 0.1% (margin 0.028 points); worst 0.225%
    (ci-open-llama-7b-q2-k-ctx2048), limit 0.3% (margin 0.075 points)."""
    errors = [abs(r.total_error_pct) for r in llamacpp]
    assert sum(errors) / len(errors) <= 0.1
    assert max(errors) <= 0.3


BENCH = """source: {{title: t, url: "https://example.org/b"}}
environment: {{transformers: 4.46.0, batch_size: 1, generated_tokens: 2048}}
rows:
- {{model: Qwen2.5-7B-Instruct, quantization: BF16, input_length: 1, gpus: 1, memory_gib: 14.38}}
{extra}
"""


@pytest.mark.parametrize("extra,line,message", [
    ("role: tuning", 5, "field 'role' is not one of the known values"),
    ("role: held-out\ntuned:\n- {constant: x, rows: all}", 6, "a held-out benchmark tuned nothing"),
    ("tuned:\n- {constant: x}", 6, "missing field 'rows'"),
])
def test_role_and_tuned_are_checked(content, extra, line, message):
    from generator.core.errors import GeneratorError
    from generator.catalogue.loading import benchmark_from_data
    from generator.core.yamlio import parse_yaml
    data = parse_yaml(BENCH.format(extra=extra), "b.yaml")
    with pytest.raises(GeneratorError) as info:
        benchmark_from_data(data, "b.yaml", content.models, content.frameworks)
    assert message in str(info.value) and info.value.line == line, (str(info.value), info.value.line)


def test_unlabelled_benchmark_counts_as_calibration(content):
    from generator.catalogue.loading import benchmark_from_data
    from generator.core.yamlio import parse_yaml
    data = parse_yaml(BENCH.format(extra=""), "b.yaml")
    assert benchmark_from_data(data, "b.yaml", content.models, content.frameworks).role == "calibration"


def test_log_role_is_checked(tmp_path):
    from generator.catalogue.llamacpp_logs import load_llamacpp_logs
    from generator.core.errors import GeneratorError
    from generator.catalogue.loading import load_catalogue
    source = os.path.join(ROOT, "content", "benchmarks", "llamacpp-load-logs.yaml")
    text = open(source, encoding="utf-8").read().replace("role: held-out", "role: fitted", 2)
    path = tmp_path / "llamacpp-load-logs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GeneratorError) as info:
        load_llamacpp_logs(str(path), load_catalogue(os.path.join(ROOT, "content")).models)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "role: fitted" in l and not l.startswith("#"))
    assert "field 'role' is not one of the known values" in str(info.value) and info.value.line == line
