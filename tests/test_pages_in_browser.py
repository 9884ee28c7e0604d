"""The pages in a real browser (Debian's Chromium via Playwright), at phone (390 px) and desktop (1280 px) width:
every page readable (no sideways page scroll, no table hiding columns without its first column pinned and a hint
that more follow, no chart text under 11 px), every image loads, no request leaves localhost; the picker answers;
the calculator's setup round-trips through its URL; tables and forms work from the keyboard."""

import functools
import http.server
import os
import threading
from urllib.parse import quote

import pytest

from conftest import ROOT

SITE = os.path.join(ROOT, "site")
WIDTHS = {"phone": 390, "desktop": 1280}
MIN_CHART_TEXT_PX = 11


def _pages() -> list[str]:
    pages = ["index.html", "calculator/index.html"]
    for folder in ("posts", "models"):
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
  const hint = region.parentNode.querySelector(".table-more");
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
def test_page_is_readable_and_stays_local(browser, server, tmp_path, page_path, width_name):
    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 900})
    requests, failures, errors = [], [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
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
    page.close()


def test_a_wide_table_keeps_its_first_column_in_view_when_scrolled(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{server}/posts/llm-inference-vram-guide.html", wait_until="load")
    region = page.locator(".table-scroll").first
    before = region.evaluate("r => r.querySelector('tbody th').getBoundingClientRect().left")
    # From the keyboard: the region takes focus and the arrow keys scroll it.
    region.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert region.evaluate("r => r.scrollLeft") > 0
    after = region.evaluate("r => r.querySelector('tbody th').getBoundingClientRect().left")
    assert after == pytest.approx(before, abs=1)
    page.close()


def _answer(page) -> tuple[str, str]:
    return page.locator("#pick-number").text_content(), page.locator("#pick-sentence").text_content()


def test_picker_answers_a_12_gb_card_and_a_typed_vram(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{server}/index.html", wait_until="load")
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
    page.close()


def test_picker_says_at_most_this_context(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/index.html", wait_until="load")
    page.select_option("#pick-model", "Llama-3.1-8B")
    page.select_option("#pick-quantization", "bf16")
    page.select_option("#pick-context", "131072")
    page.select_option("#pick-gpu", "RTX 4090")
    number, sentence = _answer(page)
    assert number.startswith("最多 ") and "上下文" in number and "一张卡最长能跑" in sentence
    page.close()


def test_calculator_setup_round_trips_through_the_url(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{server}/calculator/index.html", wait_until="load")
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
    page.close()


def test_model_pages_open_the_calculator_prefilled(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{server}/models/qwen2-5-14b-instruct.html", wait_until="load")
    page.locator(".calculator-cta a").first.click()
    page.wait_for_load_state("load")
    assert page.locator("#model").input_value() == "Qwen2.5-14B-Instruct"
    assert page.locator("#out-model").text_content() == "Qwen2.5-14B-Instruct"
    page.close()


def test_calculator_vllm_says_what_it_needs_to_start(browser, server):
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(f"{server}/calculator/index.html#model={quote('Qwen2.5-0.5B-Instruct')}&quantization=bf16"
              "&framework=vllm&framework-version=0.6.3&gpu=RTX%204090", wait_until="load")
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
    page.close()


def test_calculator_warns_in_the_pages_language(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/calculator/index.html#model=Qwen2.5-7B-Instruct&quantization=q4_k_m"
              "&framework=llama.cpp&context=131072", wait_until="load")
    warnings = page.locator("#warnings").text_content()
    # Qwen2.5-7B-Instruct's config.json: max_position_embeddings 32768; 131072 + 512 generated tokens exceed it.
    assert "超过了模型的最大长度 32,768" in warnings
    # Keyboard: typing a shorter context in the focused field clears the length warning.
    page.locator("#context").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("8192")
    assert "超过了模型的最大长度" not in page.locator("#warnings").text_content()
    page.close()
