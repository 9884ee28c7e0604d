"""Shared fixtures: build the site once per test process, hand out copies.

A build of the default site costs about half a second of CPU, and the suite used to make hundreds of them. Use
these instead of building your own:

``project`` (function)
    A fresh copy of ``content/`` and ``templates/`` in ``tmp_path``, which is also the working directory. Yours to
    edit; nothing is built.
``built`` (function)
    ``project`` plus ``site/`` exactly as ``python -m generator build`` makes it there: copied (bytes and
    modification times) from ``built_once``, not rebuilt. Yours to edit: content, templates and site are real
    copies, never links to the shared build.
``built_once`` (session, READ-ONLY)
    The path of one project (``content/``, ``templates/``, ``site/``) built at the start of the session. For tests
    that only read a fresh build, or copy it themselves (``copy_built(destination)``). Never write into it, and never
    build or check with it as the working directory: take ``built`` for that.
``repo_plan()`` (a function, cached per process)
    ``build_plan`` of the repository's own ``content/`` and ``templates/``, for module-level parametrisation and
    read-only assertions. Never mutate its ``files`` or ``tables``.
``browser`` (session)
    One headless Chromium (Debian's, through Playwright) for every browser test. Skips when Chromium or Playwright is
    missing; fails instead under CI (``CI`` set).
``tab`` (function)
    The worker's one browser page, handed to each test as a new one: ``tab.open(url, width, height=900)`` resets it
    (a blank document, the viewport, the listeners of any earlier test gone; the HTTP cache is off) and loads ``url``;
    ``tab.reset(width, height=900)`` only resets it; ``tab.on(event, handler)`` listens for this test only. A new
    page costs Chromium a renderer process (about 0.6 s of CPU); a navigation in the same page does not. Take
    ``browser.new_page()`` only for a second page at once.
``calculator_tab`` (module)
    One page (service workers blocked) in which tests/test_calculator.py's ``page`` loads the calculator afresh.
``run_cli(*argv)``, ``snapshot(folder)``
    The CLI in-process (a ``Run`` with ``code``, ``out``, ``err``), and ``{path: (bytes, mtime_ns)}`` of a folder.

Markers: ``e2e`` marks the tests that drive a real program (Chromium, Jekyll, LibreOffice, faketime). They are the
slow end-to-end group: ``pytest -m "not e2e"`` is a quick loop while editing; CI always runs the whole suite (the
README's command). The suite runs in parallel (``-n auto``, pytest-xdist); every fixture above is per worker process.

The cache of rendered bytes (``generator/core/memo.py``: Jinja code, Markdown HTML, SVG, the workbook, the PNG; keyed by
every input byte, this package's code and the installed libraries) is on for the suite, in a folder of each test
process's own that starts empty. A test of rendering itself, where the bytes must be made afresh (determinism across
time, locale, hash seed or file-system order; no network while rendering), takes ``no_render_cache``: it switches
the cache off for the test and for the subprocesses it starts.
"""

import functools
import io
import os
import shutil

import pytest

from generator.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden-how-much-vram-is-required-for-llm-inference.md")
SEED_POST = "_posts/2024-09-03-how-much-vram-is-required-for-llm-inference.md"
SEED_HTML = "posts/how-much-vram-is-required-for-llm-inference.html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


def run_cli(*argv) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


def snapshot(folder) -> dict:
    """Every file under folder with its bytes and modification time."""
    found = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = (handle.read(), os.stat(path).st_mtime_ns)
    return found


@functools.lru_cache(maxsize=None)
def repo_plan():
    """The plan of the repository's own content/ and templates/ (one per process; read it, never change it)."""
    from generator.site.plan import build_plan
    return build_plan(os.path.join(ROOT, "content"), os.path.join(ROOT, "templates"))


def _copy_sources(destination) -> None:
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(destination, name))


@pytest.fixture(scope="session", autouse=True)
def render_cache(tmp_path_factory):
    """The suite's cache of rendered bytes: one empty folder per test process (subprocesses inherit it)."""
    folder = tmp_path_factory.mktemp("render-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENERATOR_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def no_render_cache(monkeypatch):
    """Every byte rendered afresh in this test and the subprocesses it starts (the cache is off)."""
    monkeypatch.setenv("GENERATOR_CACHE_DIR", "")


@pytest.fixture(scope="session")
def built_once(tmp_path_factory, render_cache):
    """One project built at the start of the session (read-only: see the module docstring)."""
    root = tmp_path_factory.mktemp("built-once")
    _copy_sources(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        result = run_cli("build")
    assert result.code == 0, result.err
    return root


def copy_built(source, destination) -> None:
    """A real copy (bytes and modification times; no hard links) of a built project into ``destination``."""
    for name in sorted(os.listdir(source)):
        from_path, to_path = os.path.join(source, name), os.path.join(destination, name)
        if os.path.isdir(from_path):
            shutil.copytree(from_path, to_path, copy_function=shutil.copy2, symlinks=True)
        else:
            shutil.copy2(from_path, to_path)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of content/ and templates/ in a temporary folder, which is also the working directory."""
    _copy_sources(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def built(built_once, tmp_path, monkeypatch):
    """A copy of the session's built project (content/, templates/, site/), the working directory; yours to edit."""
    copy_built(built_once, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pytest_configure(config):
    # The suite starts hundreds of `python -m generator` subprocesses. Where bytecode is not written on import
    # (PYTHONDONTWRITEBYTECODE, as in some sandboxes and containers), each would compile the package's ~60 modules
    # afresh (0.15 s of CPU each); byte-compile it once, before the workers start, as an installed package is.
    if not hasattr(config, "workerinput"):
        import compileall
        compileall.compile_dir(os.path.join(ROOT, "generator"), quiet=2)


def pytest_collection_modifyitems(items):
    # Every test that opens the browser belongs to the end-to-end group, whether or not its module says so.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


# -- the browser ----------------------------------------------------------------------------------------------------

def unavailable(why: str):
    """A missing end-to-end tool: skip here, fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (required in CI)")
    pytest.skip(why)


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium is not installed (apt-get install chromium)")
    manager = sync_playwright().start()
    try:
        instance = manager.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start is an environment problem
        manager.stop()
        unavailable(f"Chromium did not start: {exc}")
    yield instance
    instance.close()
    manager.stop()


class _SharedPage:
    """The worker's one page, made again (in the same context) if a test left it closed or crashed."""

    def __init__(self, browser):
        self.context = browser.new_context()  # what browser.new_page() opens, once
        self.page = None

    def get(self):
        if self.page is not None and not self.page.is_closed():
            try:
                self.page.goto("about:blank")
                return self.page
            except Exception:  # noqa: BLE001 - a crashed page: the next test gets a new one
                self.page.close()
        self.page = self.context.new_page()
        # Every load fetches every file afresh, as in a new page: no request hides behind an earlier test's cache.
        devtools = self.context.new_cdp_session(self.page)
        devtools.send("Network.enable")
        devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return self.page


@pytest.fixture(scope="session")
def _shared_page(browser):
    shared = _SharedPage(browser)
    yield shared
    shared.context.close()


class Tab:
    """One test's use of the shared page (see the module docstring)."""

    def __init__(self, shared: _SharedPage):
        self.page, self._listeners = shared.get(), []

    def on(self, event: str, handler) -> None:
        self.page.on(event, handler)
        self._listeners.append((event, handler))

    def reset(self, width: int, height: int = 900):
        """The page on a blank document at this size (a new document even where the next address differs from the
        last test's only after '#')."""
        self.page.goto("about:blank")
        self.page.set_viewport_size({"width": width, "height": height})
        return self.page

    def open(self, url: str, width: int, height: int = 900, wait_until: str = "load"):
        self.reset(width, height).goto(url, wait_until=wait_until)
        return self.page

    def close(self) -> None:
        for event, handler in self._listeners:
            self.page.remove_listener(event, handler)
        self._listeners.clear()


@pytest.fixture
def tab(_shared_page):
    opened = Tab(_shared_page)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def calculator_tab(browser):
    """One page for a module's calculator tests (tests/test_calculator.py's ``page`` loads the calculator in it)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    yield context.new_page()
    context.close()
