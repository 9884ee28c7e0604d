"""Readers first (issue 12), without a browser: what the build writes for phones, charts, navigation and the
answer-first picker and grid. The browser checks are in tests/test_pages_in_browser.py."""

import json
import os
import re

import pytest

from conftest import ROOT, SEED_HTML, repo_plan
from generator.render import i18n
from generator.render.pages import SCRIPT_WORDS
from generator.tables import estimates
from generator.site.check import html_tables
from generator.render.formatting import format_number
from generator.tables.estimates import Estimator, model_sort_key, sorted_models
from generator.catalogue.loading import load_content
from generator.site.plan import JEKYLL_INDEX
from generator.tables.table import table_html


@pytest.fixture(scope="module")
def content():
    return load_content(f"{ROOT}/content")


@pytest.fixture(scope="module")
def plan():
    return repo_plan()  # the process's one plan of the repository (read-only), not a second one


def _text(plan, path):
    return plan.files[path].decode("utf-8")


def test_models_sort_naturally_by_size():
    ids = ["Qwen2-72B-Instruct", "Qwen2-7B-Instruct", "Qwen2-0.5B-Instruct", "Qwen2.5-14B-Instruct",
           "Qwen2.5-1.5B-Instruct", "Qwen3-235B-A22B", "Qwen3-30B-A3B"]
    assert sorted_models(ids) == ["Qwen2-0.5B-Instruct", "Qwen2-7B-Instruct", "Qwen2-72B-Instruct",
                                  "Qwen2.5-1.5B-Instruct", "Qwen2.5-14B-Instruct", "Qwen3-30B-A3B", "Qwen3-235B-A22B"]
    assert model_sort_key("a-7b") < model_sort_key("A-72B")


def test_index_lists_models_in_natural_order(plan, content):
    index = _text(plan, "index.html")
    listed = re.findall(r'<li><a href="models/[^"]+">([^<]+)</a></li>', index)
    assert listed == sorted_models(m.id for m in content.models.values() if m.architecture is not None)
    assert listed.index("Qwen2-7B-Instruct") < listed.index("Qwen2-72B-Instruct")


def test_thousands_separators_outside_the_seed():
    assert format_number(1048576, "intc") == "1,048,576" and format_number(512, "intc") == "512"
    with pytest.raises(ValueError):
        format_number(1.5, "intc")


def test_tables_have_a_caption_row_headers_and_a_scroll_region(plan):
    for path, tables in plan.tables.items():
        if not path.endswith(".html"):
            continue
        text = _text(plan, path)
        assert text.count('<div class="table-scroll" tabindex="0" role="region" aria-label="') == len(tables), path
        assert text.count("<caption>") == len(tables), path
        for table in tables:
            html = table_html(table)
            rows = html.count("<tr>") - 1
            assert html.count('<th scope="row"') == rows * table.row_header_columns, (path, table.name)
            assert table.caption and f"<caption>{table.caption}</caption>" in html


def test_model_pages_do_not_repeat_the_model_in_every_row(plan):
    tables = {t.name: t for t in plan.tables["models/qwen2-5-7b-instruct.html"]}
    for name in ("memory", "gpu-fit"):
        assert tables[name].columns[0].header == "量化", name
        assert all("Qwen2.5-7B-Instruct" not in cell.text for row in tables[name].rows for cell in row.cells)
        assert tables[name].row_header_columns == 1


def test_the_grid_names_the_smallest_card_and_colours_it_by_rank(plan, content):
    grids = [t for t in plan.tables["index.html"] if t.name.startswith("fit-grid-")]
    assert [t.name for t in grids] == ["fit-grid-bf16", "fit-grid-q4_k_m"]
    pages = content.site.model_pages
    estimator = Estimator(content)
    # Smallest first by what a run may use on the card (CUDA total, Metal working set); ties in the order listed.
    tiers = sorted(pages.gpus, key=lambda g: (estimator.limit_bytes(g), list(pages.gpus).index(g)))
    for grid in grids:
        quantization = grid.name.removeprefix("fit-grid-")
        assert [r.cells[0].text for r in grid.rows] == sorted_models(r.cells[0].text for r in grid.rows)  # natural order
        for row in grid.rows:
            model_id = row.cells[0].text
            for tokens, cell in zip(pages.contexts, row.cells[1:]):
                want = estimates.smallest_fit(estimator, model_id, quantization, tokens, pages.framework,
                                                 list(pages.gpus), pages.multi_card)
                assert cell.text == want
                if want == estimates.NOT_APPLICABLE:
                    assert cell.hue is None
                else:
                    rank = tiers.index(want) if want in tiers else len(tiers)
                    assert cell.hue == round(140 - 140 * rank / len(tiers))
    # Small cards are greener than big ones, several cards red.
    hues = {cell.text: cell.hue for grid in grids for row in grid.rows for cell in row.cells[1:] if cell.hue is not None}
    assert hues["RTX 4060 8GB"] == 140 and min(hues.values()) >= 0
    assert all(hue == 0 for text, hue in hues.items() if "×" in text)


def test_the_grid_is_checked_cell_by_cell(plan):
    index = _text(plan, "index.html")
    published = index.replace(">RTX 3090</td>", ">RTX 4090</td>", 1)
    from generator.site.check import compare_tables
    findings = compare_tables("index.html", published, index, plan.tables["index.html"])
    assert len(findings) == 1 and "published RTX 4090, formulas give RTX 3090" in findings[0]


def test_picker_on_the_index_and_the_guide_with_the_estimators_data(plan):
    for path, root in (("index.html", ""), ("posts/llm-inference-vram-guide.html", "../")):
        text = _text(plan, path)
        assert text.index('id="picker"') < text.index('<div class="table-wrap">')  # the answer comes first
        assert f'<script src="{root}calculator/calculator.js"></script>' in text
        assert f'<script src="{root}assets/picker.js"></script>' in text
        assert '<script type="application/json" id="estimator-data">' in text
        assert '<option value="">我的显存（手动填写）</option>' in text
    assert 'id="picker"' not in _text(plan, SEED_HTML)


# A <script> element: its attributes and its text (the text ends at the first "</script", as the HTML parser has it).
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script", re.S | re.I)


def test_pages_carry_their_data_and_load_the_shared_scripts(plan):
    """The site's scripts and stylesheet are files every page shares (site/plan.py writes them to assets/ and
    calculator/): a page carries only its own data, as JSON islands, and no executable inline script (the picker's
    ~200 lines and the table script's ~160 were inlined into every page that ran them, the stylesheet's ~120 into
    every page). Every script a page loads is a file of the build, byte for byte the template it comes from."""
    for name in ("site.js", "picker.js", "style.css"):
        with open(f"{ROOT}/templates/{name}", "rb") as handle:
            assert plan.files[f"assets/{name}"] == handle.read(), name
    with open(f"{ROOT}/templates/style.css", encoding="utf-8") as handle:
        stylesheet = [line for line in handle.read().splitlines() if len(line) > 40]
    pages = [path for path in plan.files if path.endswith(".html") and not path.startswith(("_layouts/", "_includes/"))]
    assert len(pages) > 50 and "index.html" in pages and "fits/8gb.html" in pages
    for path in pages + ["_includes/picker.html"]:
        text = _text(plan, path)
        folder = os.path.dirname(path)
        for attrs, body in _SCRIPT.findall(text):
            src = re.search(r'\bsrc="([^"]*)"', attrs)
            if src:
                assert body == "", (path, attrs)
                target = src.group(1)
                # Relative to the page, or to the site's root in Jekyll's include (root "/").
                target = target[1:] if target.startswith("/") else os.path.normpath(os.path.join(folder, target))
                assert target in plan.files, (path, src.group(1))
            else:
                assert re.fullmatch(r' type="application/json" id="[a-z-]+"', attrs), (path, attrs)
        # The words for its scripts: the few the table script reads, or every word where the calculator's estimator
        # runs (the calculator, the picker); the page's language either way.
        islands = re.findall(r'<script type="application/json" id="page-words">(.*?)</script>', text, re.S)
        if path != "_includes/picker.html":
            words = json.loads(islands[0])
            want = i18n.page_words("zh-CN")
            if "calculator.js" not in text:
                want = {key: want[key] for key in SCRIPT_WORDS["site.js"]}
            assert len(islands) == 1 and words == want, (path, sorted(words)[:8])
        # The stylesheet likewise: linked, not inlined (the calculator keeps a <style> of its own widgets' rules).
        if path != "_includes/picker.html":
            assert f'<link rel="stylesheet" href="{"../" * path.count("/")}assets/style.css">' in text, path
        assert not any(line in text for line in stylesheet), path
    picker_pages = [path for path in pages if 'id="picker"' in _text(plan, path)]
    assert {"index.html", JEKYLL_INDEX, "posts/llm-inference-vram-guide.html"} <= set(picker_pages)


def test_the_2024_post_points_to_its_update_and_every_post_to_the_calculator(plan):
    seed = _text(plan, SEED_HTML)
    assert '本文有更新版：<a href="../posts/llm-inference-vram-guide.html">' in seed
    for post in plan.posts:
        assert 'href="../calculator/index.html"' in _text(plan, f"posts/{post.source.slug}.html")
    layout = _text(plan, "_layouts/post.html")
    assert 'where: "updates", page.slug' in layout and "/calculator/index.html" in layout


def test_jekyll_gets_the_same_stylesheet_and_its_own_index(plan):
    assert plan.files["assets/style.css"] == open(f"{ROOT}/templates/style.css", "rb").read()
    assert "/assets/style.css" in _text(plan, "_layouts/default.html")
    home = _text(plan, JEKYLL_INDEX)
    assert home.startswith("---\n") and "permalink: /\n" in home
    assert "{% for post in site.posts %}" in home and "{{ post.url | relative_url }}" in home
    assert "exclude: [index.html]" in _text(plan, "_config.yml")
    # The standalone index keeps its own links, and both list the same tables.
    assert 'href="posts/llm-inference-vram-guide.html"' in _text(plan, "index.html")
    cells = [[r.cells for r in t.rows] for t in html_tables(home)]
    assert cells and cells == [[r.cells for r in t.rows] for t in html_tables(_text(plan, "index.html"))]


def test_chart_alt_text_states_the_takeaway(plan):
    page = _text(plan, "models/qwen2-5-7b-instruct.html")
    alt = re.search(r'<img src="[^"]+\.svg" alt="([^"]+)"', page).group(1)
    assert "bf16 从 4K 的" in alt and "GiB" in alt
    guide = _text(plan, "_posts/2026-11-25-llm-inference-vram-guide.md")
    validation = re.search(r"!\[([^\]]+)\]\(/images/charts/llm-inference-vram-guide-estimate-vs-measured\.svg\)",
                           guide).group(1)
    assert "平均绝对误差" in validation and "对数刻度" in validation


def test_model_pages_link_the_calculator_prefilled(plan):
    page = _text(plan, "models/qwen2-5-14b-instruct.html")
    assert 'href="../calculator/index.html#model=Qwen2.5-14B-Instruct"' in page


def test_a_breakdown_of_one_bar_names_its_total_not_a_most_and_least():
    """With one run there is nothing to compare: the alt text states its total and weights share only."""
    import html as html_lib
    from generator.tables.estimate_charts import breakdown_chart
    content = load_content(os.path.join(ROOT, "content"))
    estimator = Estimator(content)
    one = breakdown_chart(estimator, "Parts", [["Llama-3.1-8B", "q4_k_m"]], 8192, "llama.cpp", lang="en")
    two = breakdown_chart(estimator, "Parts", [["Llama-3.1-8B", "q4_k_m"], ["Llama-3.1-8B", "bf16"]], 8192,
                          "llama.cpp", lang="en")
    one_desc = html_lib.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", one, re.S).group(1))
    two_desc = html_lib.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", two, re.S).group(1))
    assert "Llama-3.1-8B q4_k_m needs " in one_desc and "the least" not in one_desc, one_desc
    assert "needs the most" in two_desc and "Llama-3.1-8B q4_k_m the least" in two_desc, two_desc
