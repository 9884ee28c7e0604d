"""The seed edition: the published post is the golden post, and every seed number comes from the formulas."""

import re
import os
import subprocess

import pytest

from conftest import GOLDEN, SEED_POST
from generator.calc import seed_method
from generator.site.check import markdown_tables
from generator.render.formatting import format_number
from generator.catalogue.loading import load_content


def test_built_post_is_the_golden_post(built):
    with open(GOLDEN, "rb") as golden, open(built / "site" / SEED_POST, "rb") as post:
        assert post.read() == golden.read()


def test_diff_ignoring_trailing_space_shows_nothing(built):
    result = subprocess.run(["diff", "-Z", GOLDEN, str(built / "site" / SEED_POST)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.fixture(scope="module")
def golden_tables():
    with open(GOLDEN, encoding="utf-8") as handle:
        load, context, benchmark = markdown_tables(handle.read())
    return load, context, benchmark


@pytest.fixture(scope="module")
def rows():
    return load_content(os.path.join(os.path.dirname(GOLDEN), "..", "content")).rows


def _rate(rows, model, length):
    """The seed's per-token rate of one BF16 benchmark row, straight from calc."""
    baseline, row = rows[(model, "BF16", 1)], rows[(model, "BF16", length)]
    return seed_method.per_token_mib(seed_method.memory_difference_gib(baseline.memory_gib, row.memory_gib),
                                     seed_method.token_difference(baseline.input_length, row.input_length))


def test_every_load_table_number(golden_tables):
    load = golden_tables[0]
    assert len(load.rows) == 7
    for row in load.rows[1:]:
        params, bits, memory = row.cells
        assert format_number(seed_method.load_memory_gib(float(params), int(bits)), "g2") == memory


def test_every_context_table_number(golden_tables, rows):
    context = golden_tables[1]
    rate_7b = _rate(rows, "Qwen2-7B-Instruct", 30720)
    rate_72b = _rate(rows, "Qwen2-72B-Instruct", 14336)
    checked = 0
    params = None
    for row in context.rows[1:]:
        shown_params, shown_load, tokens, shown_context, shown_total = row.cells
        if shown_params:
            params = float(shown_params)
            if params == 72:
                load, rate = rows[("Qwen2-72B-Instruct", "BF16", 1)].memory_gib, rate_72b
            else:
                load, rate = seed_method.load_memory_gib(params, 16), rate_7b
            assert format_number(load, "g2") == shown_load
        context_gib = seed_method.context_memory_gib(int(tokens), rate)
        assert format_number(context_gib, "f2") == shown_context
        assert format_number(seed_method.total_memory_gib(load, context_gib), "f2") == shown_total
        checked += 1
    assert checked == 30


def test_every_benchmark_table_number(golden_tables, rows):
    benchmark = golden_tables[2]
    names = {"0.5": "Qwen2-0.5B-Instruct", "1.5": "Qwen2-1.5B-Instruct", "7": "Qwen2-7B-Instruct",
             "72": "Qwen2-72B-Instruct"}
    model = None
    for row in benchmark.rows[1:]:
        params, gpus, length, memory, d_length, d_memory, rate = row.cells
        model = names.get(params, model)
        measured = rows[(model, "BF16", int(length))]
        assert (int(gpus), format_number(measured.memory_gib, "g2")) == (measured.gpus, memory)
        if int(length) == 1:
            assert d_length == d_memory == rate == ""
            continue
        baseline = rows[(model, "BF16", 1)]
        assert int(d_length) == seed_method.token_difference(1, measured.input_length)
        assert d_memory == format_number(seed_method.memory_difference_gib(baseline.memory_gib, measured.memory_gib), "g2")
        computed = format_number(_rate(rows, model, measured.input_length), "f2")
        assert rate.strip("*") == computed


def test_bold_marks_each_models_highest_rate(golden_tables, rows):
    bold = [row.cells[2] for row in golden_tables[2].rows[1:] if row.cells[6].startswith("**")]
    assert bold == ["30720", "30720", "30720", "14336"]
    assert max(_rate(rows, "Qwen2-72B-Instruct", n) for n in (6144, 14336, 30720)) == \
        _rate(rows, "Qwen2-72B-Instruct", 14336)


def test_seed_method_units():
    assert seed_method.load_memory_gib(7, 16) == 14
    assert seed_method.context_memory_gib(1024, 1.0) == 1.0
    assert seed_method.per_token_mib(1.0, 1024) == 1.0
    with pytest.raises(ValueError):
        seed_method.per_token_mib(1.0, 0)


@pytest.mark.parametrize("value, spec, text", [
    (3.0, "g2", "3"), (27.699999999999996, "g2", "27.7"), (134.74, "g2", "134.74"), (71.0, "g2", "71"),
    (0.9, "f2", "0.90"), (0.125, "f2", "0.13"), (0.135, "g2", "0.14"), (30720, "int", "30720"),
    (-0.001, "g2", "0"), (2.25, "f1", "2.3"),
])
def test_number_formats(value, spec, text):
    assert format_number(value, spec) == text


def test_unknown_number_format():
    with pytest.raises(ValueError):
        format_number(1.0, "x9")


def test_html_pages(built):
    site = built / "site"
    page = (site / "posts" / "how-much-vram-is-required-for-llm-inference.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN">' in page
    assert 'name="viewport"' in page
    assert page.count("<table>") == 3
    assert "<td>144.56</td>" in page and "<strong>0.92</strong>" in page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="posts/how-much-vram-is-required-for-llm-inference.html"' in index
    assert "大模型推理需要多少显存？" in index
    for text in (page, index):
        # No request to any other host: nothing loaded from http(s) or protocol-relative URLs.
        # Scripts are JSON islands or this site's own files (the table hint, the picker, the picker's estimator).
        # The <link>s are the site's own icon (no 404 for /favicon.ico) and its one stylesheet.
        root = "../" if text is page else ""
        assert re.findall(r'<link[^>]* href="([^"]*)"', text) == [f"{root}assets/favicon.svg", f"{root}assets/style.css"]
        assert all(not src.startswith(("http:", "https:", "//")) for src in re.findall(r'<script[^>]* src="([^"]*)"', text))
        assert not any(f'src="{scheme}' in text for scheme in ("http:", "https:", "//"))
