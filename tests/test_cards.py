"""The edition answers for the reader's own card and engine (issue 20 items 1-4): consumer cards and Macs with
their real limit, the engines by format on each model page, the answer first, and a page per memory size."""

import json
import re

import pytest

from conftest import ROOT, repo_plan, run_cli
from generator.tables import estimates
from generator.site.check import compare_tables, html_tables
from generator.core.errors import GeneratorError
from generator.tables.estimates import Estimator
from generator.catalogue.loading import load_content
from generator.engines.profiles import gpus_from_data, metal_working_set_bytes
from generator.core.yamlio import parse_yaml

GIB, MIB = 2 ** 30, 2 ** 20
PAGE = "models/qwen2-5-7b-instruct.html"


@pytest.fixture(scope="module")
def content():
    return load_content(f"{ROOT}/content")


@pytest.fixture(scope="module")
def estimator(content):
    return Estimator(content)


def _tables(path):
    return {t.name: t for t in repo_plan().tables[path]}


def _cell(table, row_start, header):
    column = [c.header for c in table.columns].index(header)
    row = next(r for r in table.rows if r.cells[0].text == row_start)
    return row.cells[column].text


# -- 1. cards readers own ---------------------------------------------------------------------------------------

# recommendedMaxWorkingSetSize as llama.cpp logged it (MiB: llama.cpp divided by 1024 * 1024 until 2023, by 1e6
# since, so the later logs are converted here): the memory size in GiB -> MiB.
LOGGED_WORKING_SET_MIB = {
    16: 10922.67,                       # Apple M1 16GB, ise-uiuc/magicoder#19
    24: 17179.89e6 / MIB,               # "17179.89 MB" (1e6), a 24 GB Mac
    32: 21845.34,                       # M2 Max 32GB, ollama/ollama#434
    36: 28991.03e6 / MIB,               # M4 Max 36GB, llama.cpp b7690
    48: 38654.71e6 / MIB,               # M3 Max 48GB, llama.cpp b3892
    64: 49152.00,                       # M1 Max 64GB, ggml-org/llama.cpp#1870
    96: 73728.00,                       # M2 Max 96GB, ggml-org/llama.cpp#3213
}


@pytest.mark.parametrize("gib", sorted(LOGGED_WORKING_SET_MIB))
def test_metal_working_set_rule_matches_the_logs(gib):
    # Within 0.05 MiB: the later logs print MB (1e6) to two decimals, and Metal reports a few KiB off the fraction.
    assert metal_working_set_bytes(gib * GIB) / MIB == pytest.approx(LOGGED_WORKING_SET_MIB[gib], abs=0.05)


def test_macs_of_the_common_sizes_are_cards_with_their_working_set(content):
    macs = {round(g.memory_bytes / GIB): g for g in content.gpus.values() if g.unified_memory}
    assert {16, 24, 36, 48, 64, 128, 192} <= set(macs)
    for gib, mac in macs.items():
        assert mac.usable_bytes < mac.memory_bytes
        assert mac.usable_bytes / MIB == pytest.approx(metal_working_set_bytes(mac.memory_bytes) / MIB, abs=0.01)
        assert mac.working_set_source


def test_consumer_cards_from_8_gb_with_sources_and_driver_totals(content):
    for name in ("RTX 4060 8GB", "RTX 3060 Ti 8GB", "RTX 3070 8GB", "RTX 3060 12GB", "RTX 4070 12GB",
                 "RTX 4060 Ti 16GB", "RTX 4080 16GB", "RX 7900 XTX 24GB", "RTX 3080 10GB", "RTX 4070 Ti Super 16GB",
                 "RTX 5060 Ti 16GB", "RTX 5070 12GB", "RTX 5080 16GB", "Arc B580 12GB"):
        gpu = content.gpus[name]
        assert gpu.source.startswith("https://") and gpu.cuda_source
        assert 0 < gpu.memory_bytes - gpu.usable_bytes <= 0.45 * GIB  # the driver keeps a little (gpus.yaml rules)


def test_every_smallest_card_answer_chooses_among_the_consumer_cards(content):
    pages = content.site.model_pages
    for name in ("RTX 4060 8GB", "RTX 3060 12GB", "RTX 4060 Ti 16GB", "RX 7900 XTX 24GB", "M4 16GB"):
        assert name in pages.gpus
    guide = repo_plan().files["posts/llm-inference-vram-guide.html"].decode("utf-8")
    for name in ("RTX 4060 8GB", "RTX 3060 12GB"):
        assert f">{name}<" in guide


def test_bad_working_set_entries_are_refused_at_their_line():
    text = ("gpus:\n  - name: Mac\n    memory: 16\n    memory_unit: GiB\n    source: https://www.apple.com/\n"
            "    unified_memory: true\n    metal_working_set_mib: 20000\n    metal_working_set_source: x\n")
    with pytest.raises(GeneratorError) as info:
        gpus_from_data(parse_yaml(text, "gpus.yaml"), "gpus.yaml")
    assert info.value.line == 7 and "more than the memory" in info.value.message
    text = ("gpus:\n  - name: Card\n    memory: 8\n    memory_unit: GiB\n    source: https://www.nvidia.com/\n"
            "    cuda_total_gib: 7.6\n    cuda_total_source: x\n    metal_working_set_mib: 5000\n"
            "    metal_working_set_source: y\n")
    with pytest.raises(GeneratorError) as info:
        gpus_from_data(parse_yaml(text, "gpus.yaml"), "gpus.yaml")
    assert info.value.line == 8 and "unified memory only" in info.value.message


# -- 2. engine by format, 3. answer first -----------------------------------------------------------------------

def test_q4_k_m_at_4k_names_a_card_of_at_most_8_gb(content):
    fit = _tables(PAGE)["gguf-fit"]
    card = _cell(fit, "q4_k_m", "4K 上下文")
    assert content.gpus[card].memory_bytes <= 8 * GIB


def test_gguf_numbers_equal_the_cli_on_llama_cpp():
    memory = _tables(PAGE)["gguf-memory"]
    for row in memory.rows:
        quantization = row.cells[0].text
        for column, cell in zip(memory.columns[3:], row.cells[3:]):
            tokens = int(re.search(r"@(\d+)K", column.header).group(1)) * 1024
            result = run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", quantization,
                             "--context", str(tokens), "--framework", "llama.cpp", "--json")
            assert cell.text == f"{json.loads(result.out)['peak_gib']:.2f}", (quantization, tokens)


def test_every_caption_names_its_engine_and_version():
    engines = re.compile(r"(transformers \d+\.\d+\.\d+|llama\.cpp b\d+\+?|vLLM \d+\.\d+\.\d+\+?)")
    for path, tables in repo_plan().tables.items():
        if not (path.startswith(("models/", "fits/")) or path == "index.html"):
            continue
        for table in tables:
            if table.name != "architecture":
                assert engines.search(table.caption), (path, table.name, table.caption)


def test_the_page_answers_first_with_figures_from_its_tables():
    page = repo_plan().files[PAGE].decode("utf-8")
    answer = page[page.index('<div class="answer"'):page.index("</div>", page.index('<div class="answer"'))]
    assert page.index('<div class="answer"') < page.index("<table")  # before any table
    tables = _tables(PAGE)
    peak = _cell(tables["gguf-memory"], "q4_k_m", "峰值 @8K（GiB）")
    card = _cell(tables["gguf-fit"], "q4_k_m", "8K 上下文")
    assert f"峰值 <strong>{peak} GiB</strong>，最小显卡 <strong>{card}</strong>" in answer
    bf16 = _cell(tables["memory"], "bf16", "峰值 @8K（GiB）")
    assert f"峰值 <strong>{bf16} GiB</strong>" in answer
    vllm = tables["vllm"]
    start, tokens, requests = (_cell(vllm, "bf16", h) for h in ("能启动的最小显卡", "KV cache（Token）",
                                                                 "同时服务的完整请求（个）"))
    assert f"<strong>{start}</strong> 上启动，KV cache 放得下 {tokens} Token，可同时服务 {requests} 个完整请求" in answer
    assert len(re.findall(r"[。]", answer)) <= 2  # one or two sentences


def test_vllm_starts_on_the_card_it_names_and_not_on_a_smaller_one(content, estimator):
    pages = content.site.model_pages
    vllm = _tables(PAGE)["vllm"]
    length = estimates.page_max_model_len(estimator, "Qwen2.5-7B-Instruct", pages.vllm_max_model_len)
    cuda = sorted((g for g in pages.gpus if not content.gpus[g].unified_memory), key=estimator.limit_bytes)
    for row in vllm.rows:
        quantization = row.label.split()[-1]
        card = row.cells[1].text
        run = estimator("Qwen2.5-7B-Instruct", quantization, length, pages.vllm, gpu=card, max_model_len=length)
        assert run.refusal is None
        assert int(row.cells[3].text.replace(",", "")) == run.kv_cache_capacity_tokens
        assert int(row.cells[4].text.replace(",", "")) == run.kv_cache_capacity_tokens // length
        smaller = [g for g in cuda if estimator.limit_bytes(g) < estimator.limit_bytes(card)]
        for gpu in smaller:
            refused = estimator("Qwen2.5-7B-Instruct", quantization, length, pages.vllm, gpu=gpu, max_model_len=length)
            assert refused.refusal, (quantization, gpu)


# -- 4. what can my card run ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [8, 12, 16, 24, 32, 48, 80])
def test_a_page_per_memory_size_lists_per_engine_what_fits(size, content, estimator):
    path = f"fits/{size}gb.html"
    plan = repo_plan()
    assert path in plan.files and path in plan.tables
    tables = {t.name: t for t in plan.tables[path]}
    assert set(tables) == {"fits-llama-cpp", "fits-vllm", "fits-transformers"}
    gpu = next(g for g in content.site.model_pages.fit_pages if content.gpus[g].memory_bytes == size * GIB)
    framework = content.site.model_pages.framework
    # Each llama.cpp row: the run fits at the longest context and not 1K above it (unless that is the model's max).
    for row in tables["fits-llama-cpp"].rows[:12]:
        model_id, quantization, k = row.label.rsplit(" ", 1)[0], row.label.rsplit(" ", 1)[1], row.cells[2].value
        limit = estimator.limit_bytes(gpu)
        assert estimates.gpu_fit.fits(estimator(model_id, quantization, k * 1024, framework), limit)
        if (k + 1) * 1024 <= estimator.max_context(model_id):
            assert not estimates.gpu_fit.fits(estimator(model_id, quantization, (k + 1) * 1024, framework), limit)
    html = plan.files[path].decode("utf-8")
    assert len(html_tables(html)) == 3 and f"{size} GB" in html


def test_check_verifies_the_fits_pages():
    plan = repo_plan()
    page = plan.files["fits/8gb.html"].decode("utf-8")
    table = {t.name: t for t in plan.tables["fits/8gb.html"]}["fits-llama-cpp"]
    row = table.rows[0]
    wrong = str(int(row.cells[2].text) + 1)
    at = page.index(f">{row.cells[0].text}</a>")
    published = page[:at] + page[at:].replace(f">{row.cells[2].text}</td>", f">{wrong}</td>", 1)
    assert published != page
    findings = compare_tables("fits/8gb.html", published, page, plan.tables["fits/8gb.html"])
    assert findings and any(wrong in f for f in findings)


def test_some_page_names_an_8_gb_and_a_12_gb_card(content):
    plan = repo_plan()
    cards = {cell.text for tables in plan.tables.values() for t in tables for r in t.rows for cell in r.cells
             if cell.text in content.gpus}
    sizes = {content.gpus[c].memory_bytes for c in cards}
    assert 8 * GIB in sizes and 12 * GIB in sizes
