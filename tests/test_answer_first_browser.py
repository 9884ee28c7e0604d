"""Answer first (issue 20 item 3), in Chromium: the first screen of a model page, on a phone (390 px) and a
desktop (1280 px), shows the answer with its GiB figures before any table; the "what fits" pages likewise."""

import functools
import http.server
import os
import re
import threading

import pytest

from conftest import ROOT

pytestmark = pytest.mark.e2e
SITE = os.path.join(ROOT, "site")
SCREENS = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=SITE)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *args: None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


_FIRST_SCREEN = """() => {
  const answer = document.querySelector(".answer");
  const table = document.querySelector("main table");
  const box = answer.getBoundingClientRect();
  return {text: answer.innerText, bottom: box.bottom, height: window.innerHeight,
          tableTop: table ? table.getBoundingClientRect().top : null};
}"""


@pytest.mark.parametrize("screen", sorted(SCREENS))
@pytest.mark.parametrize("path", ["models/qwen2-5-7b-instruct.html", "models/llama-3-1-70b.html", "fits/8gb.html"])
def test_the_first_screen_states_the_answer(tab, server, screen, path):
    if not os.path.exists(os.path.join(SITE, path)):
        pytest.skip(f"{path} is not built (run python -m generator build)")
    width, height = SCREENS[screen]
    seen = tab.open(f"{server}/{path}", width, height).evaluate(_FIRST_SCREEN)
    assert seen["bottom"] <= seen["height"], seen  # the whole answer is on the first screen
    assert re.search(r"\d+\.\d\d GiB", seen["text"]), seen["text"]
    assert seen["tableTop"] is None or seen["tableTop"] >= seen["bottom"]


def test_the_picker_points_to_what_the_card_runs(tab, server):
    """The picker's "what can my card run" mode: the page of the largest memory size the card covers."""
    page = tab.open(f"{server}/index.html", 390, 844)
    page.select_option("#pick-gpu", "RTX 4070 12GB")
    assert page.get_attribute("#pick-fits", "href").endswith("fits/12gb.html")
    assert page.is_visible("#pick-fits")
    page.select_option("#pick-gpu", "")
    page.fill("#pick-vram", "6")  # below every page's card: no link
    page.dispatch_event("#pick-vram", "input")
    assert not page.is_visible("#pick-fits")
