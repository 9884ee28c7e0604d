"""The pages in a real browser (Debian's Chromium via Playwright): readable at phone and desktop widths,
every image loads, and no request leaves localhost."""

import functools
import http.server
import os
import shutil
import threading

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = ["index.html", "posts/llm-inference-vram-guide.html", "models/qwen2-5-7b-instruct.html",
         "posts/how-much-vram-is-required-for-llm-inference.html"]
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=f"{ROOT}/site")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *args: None
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("page_path", PAGES)
@pytest.mark.parametrize("width_name", sorted(WIDTHS))
def test_page_is_readable_and_stays_local(browser, server, tmp_path, page_path, width_name):
    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 900})
    requests, failures = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.goto(f"{server}/{page_path}", wait_until="load")
    screenshot = tmp_path / f"{page_path.replace('/', '_')}-{width_name}.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert all(url.startswith((server, "data:")) for url in requests), requests
    assert failures == []
    # The page never scrolls sideways as a whole: wide tables scroll inside themselves.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # Every image loaded and has a size; tables have rows; text is not microscopic.
    assert page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    sizes = page.evaluate("[...document.querySelectorAll('td')].slice(0, 50)"
                          ".map(td => parseFloat(getComputedStyle(td).fontSize))")
    assert all(size >= 12 for size in sizes)
    if page_path != "index.html":
        assert page.evaluate("document.querySelectorAll('table tbody tr').length") > 5
    page.close()
