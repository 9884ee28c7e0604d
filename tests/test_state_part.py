"""Hybrid-state models' state as a part of its own (the CLI's --json and text output; the calculator page's bar is
tests/test_calculator.py's): the number is derived here from the model's published config.json, per engine, as
each engine's cache code sizes it, and a pure-attention model shows no such part."""

import io
import json

import pytest

from generator import cli
from generator.calc.estimator import estimate, parse_framework, parse_quantization
from generator.catalogue.loading import load_catalogue
from generator.families.reader import architecture_from_config
from generator.engines import glossary

GIB = 2 ** 30
CATALOGUE = load_catalogue("content")
HYBRID = "NVIDIA-Nemotron-Nano-9B-v2"    # Mamba2 blocks "M", attention "*", MLP "-" (NemotronHConfig)
ATTENTION_ONLY = "Qwen2.5-7B-Instruct"
BATCH = 3


def _mamba2_sizes(config: dict) -> tuple:
    """(state layers, conv channels, recurrent values per layer, conv kernel) from a nemotron_h config.json.

    The Mamba2 mixer's conv1d runs over x, B and C: heads x head_dim + 2 x groups x d_state channels
    (transformers modeling_nemotron_h.NemotronHMamba2Mixer conv_dim; vLLM mamba_utils
    MambaStateShapeCalculator.mamba2_state_shape: intermediate_size + 2 x n_groups x state_size); its SSM state
    is heads x head_dim x d_state (the same shape's temporal state: (num_heads, head_dim, state_size))."""
    layers = config["hybrid_override_pattern"].count("M")
    inner = config["mamba_num_heads"] * config["mamba_head_dim"]
    conv_dim = inner + 2 * config["n_groups"] * config["ssm_state_size"]
    return layers, conv_dim, inner * config["ssm_state_size"], config["conv_kernel"]


def _expected_state_bytes(engine: str) -> int:
    layers, conv_dim, recurrent, kernel = _mamba2_sizes(CATALOGUE.models[HYBRID].config)
    if engine == "transformers":
        # cache_utils (transformers 5.x) keeps conv_states (batch, conv_dim, conv_kernel) in the model dtype
        # (bf16, 2 bytes) and the recurrent state as the fp32 chunk scan returns it (4 bytes).
        per_layer = conv_dim * kernel * 2 + recurrent * 4
    elif engine == "llama.cpp":
        # llama-memory-recurrent.cpp: r = n_embd_r() = (ssm_d_conv - 1) x conv channels, s = n_embd_s() =
        # d_state x d_inner, both GGML_TYPE_F32, one slot per sequence.
        per_layer = conv_dim * (kernel - 1) * 4 + recurrent * 4
    else:
        # vLLM MambaSpec: conv state (conv_kernel - 1, conv_dim) and the temporal state, in mamba_cache_dtype and
        # mamba_ssm_cache_dtype, "auto" = the model dtype (bf16).
        per_layer = conv_dim * (kernel - 1) * 2 + recurrent * 2
    return BATCH * layers * per_layer


RUNS = {  # engine: (framework, quantization, extra flags)
    "transformers": ("transformers==5.3.0", "bf16", []),
    "llama.cpp": ("llama.cpp", "bf16", []),
    "vllm-card": ("vllm==0.11.0", "bf16", ["--gpu", "H100-80GB"]),
    "vllm-memory-gib": ("vllm==0.11.0", "bf16", ["--gpu-memory-gib", "80"]),
}


def _run(model: str, run: str, json_out: bool):
    framework, quantization, extra = RUNS[run]
    argv = ["estimate", "--config", model, "--quantization", quantization, "--framework", framework,
            "--context", "2048", "--batch", str(BATCH)] + extra + (["--json"] if json_out else [])
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(argv, out=out, err=err) == 0, err.getvalue()
    return json.loads(out.getvalue()) if json_out else out.getvalue()


def _parts(text: str) -> dict:
    """The indented part lines under the headline figure: {label: GiB}."""
    parts = {}
    for line in text.splitlines():
        if line.startswith("    "):
            label, value = line.strip().rsplit(None, 2)[:2]
            parts[label] = float(value)
    return parts


@pytest.mark.parametrize("run", sorted(RUNS))
def test_hybrid_state_gib_is_derived_from_the_config(run):
    engine = "vllm" if run.startswith("vllm") else run
    report = _run(HYBRID, run, json_out=True)
    assert report["state_gib"] == round(_expected_state_bytes(engine) / GIB, 4)


def test_vllm_holds_the_state_with_and_without_a_card():
    """vLLM with a card (its startup reserve) and without one (what the request needs, the tables' runs): the same
    state, held in the steady state beside the weights, the request's KV cache and non-torch memory."""
    arch = architecture_from_config(CATALOGUE.models[HYBRID].config)
    framework = parse_framework("vllm==0.11.0", CATALOGUE.frameworks)
    expected = _expected_state_bytes("vllm")
    for memory in (None, 80 * GIB):
        result = estimate(arch, parse_quantization("bf16"), 2048, framework, batch=BATCH, gpu_memory_bytes=memory)
        assert result.state == expected, memory
        assert result.steady == int(result.weights + result.kv_cache + expected + result.overhead), memory


@pytest.mark.parametrize("run", sorted(RUNS))
def test_text_output_lists_the_state_for_a_hybrid_model_only(run):
    report = _run(HYBRID, run, json_out=True)
    parts = _parts(_run(HYBRID, run, json_out=False))
    # vLLM with a card draws its startup reserve per GPU (one GPU here); the others the peak.
    assert "state" in parts and abs(parts["state"] - report["state_gib"] / report["gpus"]) <= 0.01, parts
    if run == "vllm-card":
        # The batch's state pages come out of the pre-allocated KV cache: the parts still add up to the reserve.
        assert round(sum(parts.values()), 2) == round(report["vllm"]["startup_reserve_gib"], 2)
    plain = _parts(_run(ATTENTION_ONLY, run, json_out=False))
    assert "state" not in plain and "KV cache" in plain and _run(ATTENTION_ONLY, run, True)["state_gib"] == 0


def test_state_is_never_the_not_at_once_remainder():
    """Before, the page's bar had no state part and drew it inside "not at once"; the CLI's parts name it."""
    report = _run(HYBRID, "transformers", True)
    named = [("weights", report["weights_gib"]), ("KV cache", report["kv_cache_gib"]),
             ("state", report["state_gib"]), ("activations", report["activations_gib"]),
             ("overhead", report["overhead_gib"])]
    without_state = glossary.drawn_parts(report["peak_gib"], [p for p in named if p[0] != "state"], lang="en")
    with_state = _parts(_run(HYBRID, "transformers", False))
    remainder = glossary.NOT_AT_ONCE["en"]
    assert with_state.get(remainder, 0) == pytest.approx(dict(without_state).get(remainder, 0) - report["state_gib"],
                                                         abs=0.011)


def test_memory_table_lists_the_state_beside_the_weights_and_kv_cache():
    """The model pages' (and posts') memory table: a hybrid model's state per sequence is a column of its own, in
    MiB as the table's engine keeps it; a row of a pure-attention model beside it has none ("—"), and a table of
    pure-attention models alone has no such column."""
    from generator.catalogue.loading import load_content
    from generator.tables.estimates import Estimator, memory_table
    estimator = Estimator(load_content("content"))
    header = "state（MiB / 序列）"
    for framework, quantization, engine in (("transformers==5.3.0", "bf16", "transformers"),
                                            ("llama.cpp", "q4_k_m", "llama.cpp")):
        table = memory_table("m", estimator.content, estimator, [HYBRID, ATTENTION_ONLY], [quantization], [2048],
                             framework)
        headers = [c.header for c in table.columns]
        assert headers[headers.index(header) - 2:headers.index(header)] == ["权重（GiB）", "KV cache（MiB / 1K Token）"]
        column = headers.index(header)
        hybrid_row, plain_row = table.rows
        # One sequence (the tables' batch is 1): the derivation above, divided by the batch of its runs.
        assert hybrid_row.cells[column].text == f"{_expected_state_bytes(engine) / BATCH / 2 ** 20:.1f}", engine
        assert plain_row.cells[column].text == "—"
        plain = memory_table("m", estimator.content, estimator, [ATTENTION_ONLY], [quantization], [2048], framework)
        assert header not in [c.header for c in plain.columns]
