"""The pages in a real browser (Debian's Chromium via Playwright), at phone (390 px) and desktop (1280 px) width:
every page readable (no sideways page scroll, no table hiding columns without its first column pinned and a hint
that more follow, no chart text under 11 px), every image loads, no request leaves localhost; the picker answers;
the calculator's setup round-trips through its URL; tables and forms work from the keyboard."""

import functools
import http.server
import os
import re
import threading
from urllib.parse import quote

import pytest

from conftest import ROOT, run_cli

SITE = os.path.join(ROOT, "site")
WIDTHS = {"phone": 390, "desktop": 1280}
MIN_CHART_TEXT_PX = 11


def _pages() -> list[str]:
    pages = ["index.html", "calculator/index.html"]
    for folder in ("posts", "models", "fits"):
        pages += sorted(f"{folder}/{name}" for name in os.listdir(os.path.join(SITE, folder)) if name.endswith(".html"))
    return pages


# Every page at phone width; at desktop width every kind of page (the model pages share one template).
CASES = [("phone", page) for page in _pages()] + [
    ("desktop", page) for page in _pages() if not page.startswith("models/") or page == "models/qwen2-5-7b-instruct.html"]


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=SITE)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *args: None
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


# Every table: does it fit its region, and if not, is its first column pinned and the hint shown?
_TABLES = """() => [...document.querySelectorAll("main table")].map(table => {
  const region = table.closest(".table-scroll") || table;
  const first = table.querySelector("tbody tr > :first-child");
  const hint = (region.closest(".table-wrap") || region.parentNode).querySelector(".table-more");
  return {
    overflows: region.scrollWidth > region.clientWidth + 1,
    pinned: first ? getComputedStyle(first).position === "sticky" : false,
    hint: !!hint && !hint.hidden && hint.getBoundingClientRect().height > 0,
    rowHeaders: [...table.querySelectorAll("tbody tr")].every(row => row.firstElementChild.matches('th[scope="row"]')),
    caption: !!table.querySelector("caption") && table.querySelector("caption").textContent.trim().length > 0,
  };
})"""

# The smallest chart text as drawn: each SVG chart's font sizes times the scale its image is shown at.
_CHART_TEXT = """async () => {
  const sizes = [];
  for (const img of document.querySelectorAll("img")) {
    if (!img.currentSrc.endsWith(".svg")) { continue; }
    const svg = new DOMParser().parseFromString(await (await fetch(img.currentSrc)).text(), "image/svg+xml");
    const root = svg.documentElement;
    const scale = img.getBoundingClientRect().width / root.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll("text")].map(t => parseFloat(t.getAttribute("font-size")));
    sizes.push({src: img.currentSrc, px: Math.min(...texts) * scale, max: Math.max(...texts) * scale,
                alt: img.alt});
  }
  return sizes;
}"""


@pytest.mark.parametrize("width_name,page_path", CASES)
def test_page_is_readable_and_stays_local(tab, server, tmp_path, page_path, width_name):
    page = tab.reset(WIDTHS[width_name])
    requests, failures, errors = [], [], []
    tab.on("request", lambda request: requests.append(request.url))
    tab.on("requestfailed", lambda request: failures.append(request.url))
    # A shared file the page names but the build did not write (its stylesheet, scripts, icon) answers 404: a failure.
    tab.on("response", lambda response: response.status >= 400 and failures.append(f"{response.status} {response.url}"))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/{page_path}", wait_until="load")
    screenshot = tmp_path / f"{page_path.replace('/', '_')}-{width_name}.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert all(url.startswith((server, "data:")) for url in requests), requests
    assert failures == [] and errors == []
    # The page never scrolls sideways as a whole: wide tables scroll inside themselves.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    sizes = page.evaluate("[...document.querySelectorAll('td')].slice(0, 50)"
                          ".map(td => parseFloat(getComputedStyle(td).fontSize))")
    assert all(size >= 12 for size in sizes)
    for index, table in enumerate(page.evaluate(_TABLES)):
        assert table["rowHeaders"] and table["caption"], (page_path, index, table)
        if table["overflows"]:
            assert table["pinned"] and table["hint"], (page_path, index, table)
        else:
            assert not table["hint"], (page_path, index, table)
    for chart in page.evaluate(_CHART_TEXT):
        assert chart["px"] >= MIN_CHART_TEXT_PX, chart
        assert chart["max"] <= 20, chart  # not oversized on a desktop
        assert len(chart["alt"]) > 40 and "GiB" in chart["alt"] or "%" in chart["alt"], chart


def test_a_wide_table_keeps_its_first_column_in_view_when_scrolled(tab, server):
    page = tab.open(f"{server}/posts/llm-inference-vram-guide.html", 390)
    region = page.locator(".table-scroll").first
    before = region.evaluate("r => r.querySelector('tbody th').getBoundingClientRect().left")
    # From the keyboard: the region takes focus and the arrow keys scroll it.
    region.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert region.evaluate("r => r.scrollLeft") > 0
    after = region.evaluate("r => r.querySelector('tbody th').getBoundingClientRect().left")
    assert after == pytest.approx(before, abs=1)


def _answer(page) -> tuple[str, str]:
    return page.locator("#pick-number").text_content(), page.locator("#pick-sentence").text_content()


def test_picker_answers_a_12_gb_card_and_a_typed_vram(tab, server):
    page = tab.open(f"{server}/index.html", 390)
    page.select_option("#pick-model", "Qwen2.5-7B-Instruct")
    page.select_option("#pick-quantization", "awq")
    page.select_option("#pick-gpu", "")
    page.fill("#pick-vram", "12")
    number, sentence = _answer(page)
    assert number == "能装下" and "12 GB" in sentence and "GiB" in sentence
    # bf16 14B does not fit 12 GB: the answer is a context limit or a number of cards, with its number.
    page.select_option("#pick-model", "Qwen2.5-14B-Instruct")
    page.select_option("#pick-quantization", "bf16")
    number, sentence = _answer(page)
    assert number.startswith("需要") and "张" in number and "装不下" in sentence
    # A 8K context on a typed 24 GB: the 7B in bf16 fits.
    page.fill("#pick-vram", "24")
    page.select_option("#pick-model", "Qwen2.5-7B-Instruct")
    assert _answer(page)[0] == "能装下"
    # A card from the catalogue, from the keyboard: focus the card list and pick with the arrow keys.
    page.locator("#pick-gpu").focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#pick-gpu").input_value() != ""
    assert page.locator("#pick-vram-field").is_hidden()
    # The picker's link opens the calculator with the same setup.
    href = page.locator("#pick-calculator").get_attribute("href")
    assert "model=Qwen2.5-7B-Instruct" in href and "q=bf16" in href


def test_picker_says_at_most_this_context(tab, server):
    page = tab.open(f"{server}/index.html", 1280)
    page.select_option("#pick-model", "Llama-3.1-8B")
    page.select_option("#pick-quantization", "bf16")
    page.select_option("#pick-context", "131072")
    page.select_option("#pick-gpu", "RTX 4090")
    number, sentence = _answer(page)
    assert number.startswith("最多 ") and "上下文" in number and "一张卡最长能跑" in sentence


def test_calculator_setup_round_trips_through_the_url(tab, browser, server):
    page = tab.open(f"{server}/calculator/index.html", 390)
    page.select_option("#model", "Qwen3-8B")
    page.fill("#quantization", "q4_k_m")
    page.select_option("#framework", "llama.cpp")
    page.fill("#context", "32768")
    page.select_option("#gpu", "__my_vram__")
    page.fill("#vram", "8")
    shown = page.locator("#out-peak").text_content()
    fits = page.locator("#out-fits").text_content()
    url = page.url
    assert "model=Qwen3-8B" in url and "vram=8" in url and "context=32768" in url
    other = browser.new_page(viewport={"width": 1280, "height": 900})
    other.goto(url, wait_until="load")
    for field, value in (("#model", "Qwen3-8B"), ("#quantization", "q4_k_m"), ("#framework", "llama.cpp"),
                         ("#context", "32768"), ("#gpu", "__my_vram__"), ("#vram", "8")):
        assert other.locator(field).input_value() == value, field
    assert other.locator("#out-peak").text_content() == shown
    assert other.locator("#out-fits").text_content() == fits
    other.close()


def test_model_pages_open_the_calculator_prefilled(tab, server):
    page = tab.open(f"{server}/models/qwen2-5-14b-instruct.html", 390)
    page.locator(".calculator-cta a").first.click()
    page.wait_for_load_state("load")
    assert page.locator("#model").input_value() == "Qwen2.5-14B-Instruct"
    assert page.locator("#out-model").text_content() == "Qwen2.5-14B-Instruct"


def test_calculator_vllm_says_what_it_needs_to_start(tab, server):
    page = tab.open(f"{server}/calculator/index.html#model={quote('Qwen2.5-0.5B-Instruct')}&quantization=bf16"
                    "&framework=vllm&framework-version=0.6.3&gpu=RTX%204090", 390)
    summary = page.locator("#vllm-summary")
    assert summary.is_visible()
    minimum = float(page.locator("#out-vllm-minimum").text_content())
    preallocated = float(page.locator("#out-vllm-preallocated").text_content())
    assert 0 < minimum < preallocated  # the 0.5B model starts on far less than vLLM pre-allocates on a 4090
    # The compact result bar is pinned to the bottom of a phone's screen.
    bar = page.locator("#result-bar")
    assert bar.is_visible() and page.locator("#bar-peak").text_content() == page.locator("#out-peak").text_content()
    box = bar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(900, abs=2)


def test_calculator_warns_in_the_pages_language(tab, server):
    page = tab.open(f"{server}/calculator/index.html#model=Qwen2.5-7B-Instruct&quantization=q4_k_m"
                    "&framework=llama.cpp&context=131072", 1280)
    warnings = page.locator("#warnings").text_content()
    # Qwen2.5-7B-Instruct's config.json: max_position_embeddings 32768; 131072 + 512 generated tokens exceed it.
    assert "超过了模型的最大长度 32,768" in warnings
    # Keyboard: typing a shorter context in the focused field clears the length warning.
    page.locator("#context").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("8192")
    assert "超过了模型的最大长度" not in page.locator("#warnings").text_content()


# --- Issue 24: pages that never make a reader work ------------------------------------------------------------------

from generator.render.i18n import page_word  # noqa: E402

CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
PAGE_KINDS = ["index.html", "posts/llm-inference-vram-guide.html", "models/qwen2-5-7b-instruct.html",
              "calculator/index.html"]


@pytest.mark.parametrize("width_name", WIDTHS)
def test_an_unknown_model_card_or_quantization_in_a_link_is_named_with_the_nearest(tab, server, width_name):
    link = (f"{server}/calculator/index.html#model=Qwen2.5-7B-Instruc&quantization=gptq-int3&framework=transformers"
            "&framework-version=4.46.0&gpu=RTX%204099&context=4096")
    page = tab.open(link, WIDTHS[width_name])
    model, gpu, quant = (page.locator(f"#err-{f}").text_content() for f in ("model", "gpu", "quantization"))
    # Each names the value from the link, in the page's language (zh-CN), and offers the nearest ids first.
    assert model.startswith(page_word("url.unknown-model", "zh-CN", value="Qwen2.5-7B-Instruc")), model
    assert page.locator("#err-model .suggestion").first.text_content() == "Qwen2.5-7B-Instruct"
    assert gpu.startswith(page_word("url.unknown-gpu", "zh-CN", value="RTX 4099")), gpu
    assert page.locator("#err-gpu .suggestion").first.text_content() == "RTX 4090"
    assert quant.startswith(page_word("err.unknown-quantization", "zh-CN", value="gptq-int3")), quant
    assert "gptq-int4" in page.locator("#err-quantization .suggestion").all_text_contents()
    for field in ("model", "gpu", "quantization"):
        assert 1 <= page.locator(f"#err-{field} .suggestion").count() <= 3
    # No number is shown for a model the reader was not sent, and the link keeps what it named.
    assert page.locator("#out-peak").text_content() == "—"
    assert "model=Qwen2.5-7B-Instruc&" in page.url and "gpu=RTX+4099" in page.url
    if width_name == "phone":
        # The pinned result bar says what is wrong, at the bottom of the screen.
        note = page.locator("#result-bar .bar-error")
        assert note.is_visible() and "Qwen2.5-7B-Instruc" in note.text_content()
        box = page.locator("#result-bar").bounding_box()
        assert box["y"] + box["height"] == pytest.approx(900, abs=2)
    # A suggestion picks that value; the others stay named until fixed.
    page.locator("#err-model .suggestion").first.click()
    assert page.locator("#model").input_value() == "Qwen2.5-7B-Instruct"
    assert page.locator("#err-model").is_hidden()
    page.locator("#err-gpu .suggestion").first.click()
    page.locator("#err-quantization .suggestion", has_text="gptq-int4").click()
    assert page.locator("#out-peak").text_content() not in ("—", "")
    assert "model=Qwen2.5-7B-Instruct&" in page.url and "gpu=RTX+4090" in page.url


def test_an_unknown_framework_and_kv_type_in_a_link_are_named(tab, server):
    page = tab.open(f"{server}/calculator/index.html#model=Qwen3-8B&framework=vlm&kv-dtype=fp9", 390)
    assert page.locator("#err-framework").text_content().startswith(
        page_word("url.unknown-framework", "zh-CN", value="vlm"))
    assert page.locator("#err-framework .suggestion").first.text_content() == "vllm"
    assert page.locator("#err-kv-dtype").text_content().startswith(
        page_word("url.unknown-kv-dtype", "zh-CN", value="fp9"))
    assert "framework=vlm" in page.url and "kv-dtype=fp9" in page.url


def test_vram_is_typed_one_way_in_picker_and_calculator(tab, server):
    page = tab.open(f"{server}/index.html", 390)
    page.select_option("#pick-model", "Qwen2.5-7B-Instruct")
    page.select_option("#pick-gpu", "")
    page.fill("#pick-vram", "12.5")
    number, sentence = _answer(page)
    assert "12.5 GB" in sentence and "12.50" not in sentence
    # The picker's choices are in the page's URL, and its link opens the calculator on the same card.
    assert "vram=12.5" in page.url and "model=Qwen2.5-7B-Instruct" in page.url
    page.locator("#pick-calculator").click()
    page.wait_for_load_state("load")
    assert page.locator("#vram").input_value() == "12.5"
    assert page.locator("#err-gpu").is_hidden()
    assert page.locator("#out-gpu").text_content() == page_word("option.my-card", "zh-CN", gb="12.5")
    assert page.locator("#out-gpu-memory").text_content() == "12.5"
    # Reset: the page's defaults, in the URL too.
    page.locator(".share .reset").click()
    assert page.locator("#gpu").input_value() == "RTX 4090" and "vram=" not in page.url and "gpu=RTX+4090" in page.url
    assert page.locator("#out-peak").text_content() not in ("—", "")
    assert page.locator(".share .copy-link").text_content() == page_word("link.copy", "zh-CN")


def test_picker_link_reopens_the_same_answer(tab, server):
    page = tab.open(f"{server}/index.html#model=Qwen2.5-14B-Instruct&context=32768&q=bf16&gpu=RTX%204090", 1280)
    assert page.locator("#pick-model").input_value() == "Qwen2.5-14B-Instruct"
    assert page.locator("#pick-gpu").input_value() == "RTX 4090"
    assert _answer(page)[0] != "能装下"
    page.goto(f"{server}/index.html#model=Qwen9-7B&q=bf16", wait_until="load")
    page.reload(wait_until="load")
    assert _answer(page)[1].startswith(page_word("url.unknown-model", "zh-CN", value="Qwen9-7B"))


_HEADER = """(table) => {
  const region = table.closest(".table-scroll"), head = table.querySelector("thead th");
  const hint = table.closest(".table-wrap").querySelector(".table-more");
  return {regionTop: region.getBoundingClientRect().top, headTop: head.getBoundingClientRect().top,
          hintBottom: hint.getBoundingClientRect().bottom, hintShown: !hint.hidden,
          rows: table.tBodies[0].rows.length, scrollTop: region.scrollTop,
          overflows: region.scrollWidth > region.clientWidth + 1};
}"""


@pytest.mark.parametrize("width_name", WIDTHS)
def test_long_tables_keep_their_header_row_and_say_more_columns_above(tab, server, width_name):
    page = tab.open(f"{server}/index.html", WIDTHS[width_name])
    table = page.locator("main table").first
    before = table.evaluate(_HEADER)
    assert before["rows"] > 50
    # Scrolled down inside the long table, its header row stays at the top of its region.
    table.evaluate("t => { t.closest('.table-scroll').scrollTop = 600; }")
    after = table.evaluate(_HEADER)
    assert after["scrollTop"] > 0
    assert after["headTop"] == pytest.approx(after["regionTop"], abs=1)
    if width_name == "phone":
        # The hint that more columns follow sits above the table, not below it.
        assert after["overflows"] and after["hintShown"]
        assert after["hintBottom"] <= after["regionTop"] + 1
    else:
        # At 1280 px the grid gets the window's width: every context column is in view.
        assert not after["overflows"]
        box = page.locator(".table-wrap").first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280


def test_long_tables_filter_by_a_typed_name(tab, server):
    page = tab.open(f"{server}/index.html", 390)
    wrap = page.locator(".table-wrap").first
    total = wrap.locator("tbody tr").count()
    wrap.locator(".table-filter input").fill("qwen3")
    shown = wrap.locator("tbody tr:not([hidden])")
    assert 0 < shown.count() < total
    assert all("qwen3" in name.lower() for name in shown.locator("th").all_text_contents())
    wrap.locator(".table-filter input").fill("")
    assert wrap.locator("tbody tr:not([hidden])").count() == total


@pytest.mark.parametrize("width_name", WIDTHS)
@pytest.mark.parametrize("page_path", PAGE_KINDS)
def test_every_page_kind_has_the_nav_bar(tab, server, page_path, width_name):
    page = tab.open(f"{server}/{page_path}", WIDTHS[width_name])
    nav = page.locator("header nav.site-nav")
    assert nav.is_visible()
    box = nav.bounding_box()
    assert box["y"] < 200 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width_name]
    labels = nav.locator("a").all_text_contents()
    for key in ("nav.posts", "nav.models", "nav.calculator"):
        assert page_word(key, "zh-CN") in labels
    if page_path == "index.html" and width_name == "phone":
        # On a phone the post list is one tap away, not below two long grids.
        nav.get_by_text(page_word("nav.posts", "zh-CN"), exact=True).click()
        top = page.locator("#posts").bounding_box()["y"]
        assert 0 <= top < 900


_STRAY_SPACES = """(cjk) => {
  const between = new RegExp("[" + cjk + "]\\\\s+[" + cjk + "]");
  return [...document.querySelectorAll("article p, article li")].filter(e => !e.closest("pre"))
    .map(e => { const copy = e.cloneNode(true); copy.querySelectorAll("code").forEach(c => { c.textContent = "x"; });
                return copy.textContent.replace(/\\s+/g, " "); })
    .filter(text => between.test(text));
}"""


@pytest.mark.parametrize("post", sorted(name for name in os.listdir(os.path.join(SITE, "posts"))))
def test_no_stray_spaces_in_chinese_text(tab, server, post):
    page = tab.open(f"{server}/posts/{post}", 390)
    assert page.evaluate(_STRAY_SPACES, CJK) == []


ENGLISH_POST = """---
layout: post
title: "How much VRAM does a model need?"
date: 2026-12-01 08:00:00 +0800
lang: en
answer_first: true
---
Every number below comes from the build.

{{ memory_table(["Qwen2.5-7B-Instruct", "Qwen3-8B"], ["bf16", "awq"], [4096, 32768], "transformers==4.46.0") }}

{{ context_chart("context", "Qwen2.5-7B-Instruct peak memory", [["Qwen2.5-7B-Instruct", "bf16"]], [4096, 32768], "transformers==4.46.0") }}
"""


@pytest.fixture(scope="module")
def english_site(tmp_path_factory):
    """A blog with `lang: en` (site.yaml) and an English post: everything the build adds must be English too."""
    import shutil
    root = tmp_path_factory.mktemp("english")
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), root / name)
    site_yaml = (root / "content" / "site.yaml").read_text(encoding="utf-8")
    site_yaml = "\n".join("title: LLM inference VRAM" if line.startswith("title:") else
                          "lang: en" if line.startswith("lang:") else
                          "description: How much GPU memory does a model need?" if line.startswith("description:")
                          else line for line in site_yaml.splitlines()) + "\n"
    (root / "content" / "site.yaml").write_text(site_yaml, encoding="utf-8")
    for post in (root / "content" / "posts").iterdir():
        post.unlink()
    (root / "content" / "posts" / "2026-12-01-english-post.md").write_text(ENGLISH_POST, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # in-process: the build's output is the point, not its process
        patch.chdir(root)
        result = run_cli("build")
    assert result.code == 0, result.err
    return root / "site"


@pytest.mark.parametrize("width_name", WIDTHS)
@pytest.mark.parametrize("page_path", ["index.html", "posts/english-post.html", "models/qwen3-8b.html",
                                       "calculator/index.html"])
def test_an_english_build_says_every_word_in_english(tab, english_site, page_path, width_name):
    page = tab.reset(WIDTHS[width_name])
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((english_site / page_path).as_uri(), wait_until="load")
    assert errors == []
    assert page.evaluate("document.documentElement.lang") == "en"
    # What a reader sees (the text, the form's options and placeholders, the tables' hints, the charts' alt
    # text) and the charts' own labels: no Chinese, Japanese or Korean character anywhere.
    seen = page.evaluate("""() => [document.title, document.body.innerText,
      ...[...document.querySelectorAll("option, [placeholder], [aria-label], img")].map(e =>
          [e.textContent, e.getAttribute("placeholder"), e.getAttribute("aria-label"), e.getAttribute("alt")].join(" "))
    ].join("\\n")""")
    found = re.findall(f"[{CJK}]+", seen)
    assert found == [], (page_path, found[:10])
    for img in page.evaluate("[...document.images].map(img => img.getAttribute('src'))"):
        if img.endswith(".svg"):
            svg = (english_site / page_path).parent.joinpath(img).resolve().read_text(encoding="utf-8")
            assert not re.search(f"[{CJK}]", svg), img


def test_an_english_calculator_link_names_an_unknown_model_in_english(tab, english_site):
    page = tab.open((english_site / "calculator" / "index.html").as_uri() + "#model=Qwen3-9B&quantization=q4_k_mm",
                    390)
    model = page.locator("#err-model").text_content()
    assert model.startswith(page_word("url.unknown-model", "en", value="Qwen3-9B")), model
    assert "Did you mean" in model and "Qwen3-8B" in page.locator("#err-model .suggestion").all_text_contents()
    quant = page.locator("#err-quantization").text_content()
    assert quant.startswith(page_word("err.unknown-quantization", "en", value="q4_k_mm")), quant
    assert not re.search(f"[{CJK}]", page.locator("#result-bar").inner_text() + page.locator("main").inner_text())
