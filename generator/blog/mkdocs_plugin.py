"""A native MkDocs plugin: table and chart calls in a site's pages are rendered during ``mkdocs build``.

Enable it in ``mkdocs.yml``::

    plugins:
      - search
      - vram-tables:
          language: en          # table headers and chart labels (a page's own `lang:` meta wins)
          catalogue: vram-data  # optional: a folder of models.yaml / gpus.yaml / ... adding to the package's

Only the plugin's own calls are rendered: ``{{ memory_table(...) }}`` and the other table and chart calls,
``{% set x = benchmark_row(...) %}`` and ``{{ x... }}`` for a name set so, outside code. Anything else is left
exactly as written: ``{{``/``{%`` in inline code, in fenced code blocks or in prose (a page documenting Jinja,
Liquid or Hugo templates), and every page without calls. A page opts out entirely with ``vram_tables: false`` in
its meta. An error names the page and its line. Charts are added to MkDocs' files (under ``images/charts/``) and
linked relative to the page's source, so ``mkdocs build --strict`` finds them wherever the page sits; each table
is wrapped in a region that scrolls sideways by itself on a narrow screen. ``generator check --blog DIR``
verifies the built pages' tables cell by cell (see :func:`check_built_site`).
"""

from __future__ import annotations

import os
import re
from datetime import date

from mkdocs.config import config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from generator.catalogue.loading import PostSource, Site, load_content
from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_PUBLISHED_BYTES, create_exclusive, read_bounded
from generator.core.yamlio import read_text_file
from generator.render import pages as render
from generator.render.i18n import language
from generator.site.check import CheckReport, compare_one_table, count_tables, tables_in
from generator.tables.estimates import Estimator
from generator.tables.table import table_html, table_markdown

PLUGIN_NAME = "vram-tables"
OPT_OUT = "vram_tables"  # a page's meta `vram_tables: false` leaves the page as written
SCROLL_OPEN = '<div class="vram-table" style="overflow-x:auto;max-width:100%">'
_OPEN, _CLOSE = "\x02", "\x03"  # around each own call in the template; never in a page or a rendered table


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every fenced code block and inline code span: text that is shown, never evaluated."""
    spans = []
    fence = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*$", re.M)
    at = 0
    while True:
        opening = fence.search(text, at)
        if opening is None:
            break
        mark = opening.group(2)
        closing = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$", re.M).search(text, opening.end())
        end = closing.end() if closing else len(text)
        spans.append((opening.start(), end))
        at = end
    inline = []
    outside = _outside(text, spans)
    for start, end in outside:
        part = text[start:end]
        i = 0
        while True:
            tick = re.compile(r"(?<!`)(`+)(?!`)").search(part, i)
            if tick is None:
                break
            run = tick.group(1)
            close = re.compile(rf"(?<!`){run}(?!`)").search(part, tick.end())
            if close is None:
                i = tick.end()
                continue
            inline.append((start + tick.start(), start + close.end()))
            i = close.end()
    return sorted(spans + inline)


def _outside(text: str, spans) -> list[tuple[int, int]]:
    out, at = [], 0
    for start, end in sorted(spans):
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if at < len(text):
        out.append((at, len(text)))
    return out


def _tag_end(text: str, at: int, close: str) -> int | None:
    """The index after the ``}}`` or ``%}`` that ends the tag opened at ``at``: quotes and brackets skipped."""
    depth, quote, i = 0, None, at + 2
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}" and not (depth == 0 and text.startswith(close, i)):
            depth -= 1
        elif depth <= 0 and text.startswith(close, i):
            return i + 2
        i += 1
    return None


_EXPRESSION = re.compile(r"\{\{-?\s*([A-Za-z_]\w*)")
_SET = re.compile(r"\{%-?\s*set\s+([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*)\s*\(")


def own_calls(text: str, names) -> list[tuple[int, int]]:
    """(start, end) of each of the plugin's own tags in a page's Markdown, outside code: an expression that starts
    with a call's name (or a name an own ``{% set %}`` defined), or a ``{% set NAME = call(...) %}``."""
    names, defined, found = set(names), set(), []
    for start, end in _outside(text, _code_spans(text)):
        i = start
        while True:
            at = min((p for p in (text.find("{{", i, end), text.find("{%", i, end)) if p >= 0), default=-1)
            if at < 0:
                break
            if text.startswith("{{", at):
                match = _EXPRESSION.match(text, at)
                own = match is not None and (match.group(1) in names or match.group(1) in defined)
                close = "}}"
            else:
                match = _SET.match(text, at)
                own = match is not None and match.group(2) in names
                close = "%}"
            finish = _tag_end(text, at, close) if own else None
            if finish is None or finish > end:
                i = at + 2
                continue
            if close == "%}":
                defined.add(match.group(1))
            found.append((at, finish))
            i = finish
    return found


def own_template(text: str, tags) -> str:
    """The page as a template of its own tags alone, each between markers, on the lines where the page has them
    (so an error names the page's line); the text between is kept as its line breaks only."""
    parts, at = [], 0
    for start, end in tags:
        parts.append("\n" * text.count("\n", at, start))
        parts.append(_OPEN + text[start:end] + _CLOSE)
        at = end
    return "".join(parts)


def splice(text: str, tags, rendered: str) -> str:
    """The page with each own tag replaced by what it rendered to; everything else as written."""
    outputs = re.findall(re.escape(_OPEN) + "(.*?)" + re.escape(_CLOSE), rendered, re.S)
    parts, at = [], 0
    for (start, end), output in zip(tags, outputs):
        parts.append(text[at:start])
        parts.append(output)
        at = end
    parts.append(text[at:])
    return "".join(parts)


def scroll_wrapped(body: str, placed) -> str:
    """Each placed table as HTML inside a region that scrolls sideways by itself: a wide table never makes a
    narrow page scroll (Python-Markdown passes a raw HTML block through as written)."""
    for table in placed:
        body = body.replace(table_markdown(table), f"{SCROLL_OPEN}\n{table_html(table)}\n</div>\n", 1)
    return body


class _Pages:
    """Renders the table calls of MkDocs pages against one loaded catalogue."""

    def __init__(self, config_file: str, lang: str, catalogue: str):
        root = os.path.dirname(os.path.abspath(config_file))
        self.lang = language(lang, config_file)
        overlay = _catalogue_folder(root, catalogue, config_file) if catalogue else None
        self.content = load_content(overlay, posts_dir=os.path.join(root, ".no-posts"),
                                    site=Site("", self.lang, "", config_file))
        self.estimator = Estimator(self.content)
        self.env = render.post_environment()
        self.names = tuple(render._TableCalls(self.content, self.estimator).functions())

    def render(self, source_path: str, src_uri: str, markdown: str, meta: dict):
        """(Markdown with the tables in place, {chart path: SVG}, tables) for one page; the page as it is where it
        has no calls of ours or opts out."""
        if _opted_out(meta):
            return markdown, {}, ()
        tags = own_calls(markdown, self.names)
        if not tags:
            return markdown, {}, ()
        first_line = _body_first_line(source_path, markdown)
        slug = os.path.splitext(src_uri)[0].replace("/", "-").replace("\\", "-").lower() or "page"
        front = dict(meta)
        front.setdefault("lang", self.lang)
        post = PostSource(source_path, date(1970, 1, 1), slug, "", front, own_template(markdown, tags), first_line)
        rendered = render.render_post(post, self.content, self.env, self.estimator, link_models=False,
                                      post_href=lambda post_id: None)  # no post ids in MkDocs: the text alone
        body = scroll_wrapped(splice(markdown, tags, rendered.body), rendered.tables)
        # Chart links relative to the page's source file: MkDocs checks them against its files (--strict) and
        # turns them into the built page's URLs itself.
        up = "../" * src_uri.count("/")
        for path, _ in rendered.charts:
            body = body.replace(f"](/{path})", f"]({up}{path})")
        return body, dict(rendered.charts), rendered.tables


def _opted_out(meta) -> bool:
    value = meta.get(OPT_OUT, True) if isinstance(meta, dict) else True
    return value is False or str(value).strip().lower() in ("false", "no", "off", "0")


def _catalogue_folder(root: str, catalogue, config_file: str) -> str:
    """The plugin's ``catalogue:`` folder, confined to the site as generator.yml's is: relative, inside the folder
    of mkdocs.yml, not through a symlink out of it."""
    if not isinstance(catalogue, str) or os.path.isabs(catalogue) or "\0" in catalogue \
            or ".." in catalogue.replace("\\", "/").split("/"):
        raise GeneratorError(f"the {PLUGIN_NAME} option catalogue: must be a folder inside the site, not "
                             f"{catalogue!r}", config_file, None, "write catalogue: as a path relative to mkdocs.yml")
    folder = os.path.join(root, catalogue)
    real_root, real = os.path.realpath(root), os.path.realpath(folder)
    if os.path.commonpath([real_root, real]) != real_root:
        raise GeneratorError(f"the {PLUGIN_NAME} option catalogue: {catalogue} resolves through a symlink out of the "
                             f"site (to {real})", config_file, None, "make it a real folder inside the site")
    return folder


def _page_text(path: str) -> str:
    """A page source's text: bounded, UTF-8 (a BOM dropped), or one located error."""
    return read_text_file(path)


def _body_first_line(path: str, body: str) -> int:
    """The source line where MkDocs' page body starts (after its YAML meta block), so errors point at the file."""
    try:
        text = _page_text(path)
    except GeneratorError:
        return 1
    at = text.find(body[:200]) if body else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


class VramTablesPlugin(BasePlugin):
    config_scheme = (
        ("language", config_options.Type(str, default="en")),
        ("catalogue", config_options.Type(str, default="")),
    )

    def on_config(self, config):
        try:
            self.pages = _Pages(config.config_file_path, self.config["language"], self.config["catalogue"])
        except GeneratorError as exc:
            raise PluginError(f"vram-tables: {exc}") from None
        self.charts: dict[str, str] = {}
        self.rendered: dict[str, tuple[str, str]] = {}
        return config

    def on_files(self, files, config):
        """Render every page with calls now, so that its charts are among MkDocs' files before any page links
        them (``--strict`` checks each link against the files)."""
        from mkdocs.structure.files import File
        from mkdocs.utils.meta import get_data

        for file in sorted(files.documentation_pages(), key=lambda f: f.src_uri):
            try:
                text = _page_text(file.abs_src_path) if file.abs_src_path else file.content_string
            except GeneratorError as exc:
                raise PluginError(f"vram-tables: {exc}") from None
            markdown, meta = get_data(text)
            body, charts = self._render(file, markdown, meta)
            self.rendered[file.src_uri] = (markdown, body)
            for path, svg in sorted(charts.items()):
                if path not in self.charts and files.get_file_from_path(path) is None:
                    files.append(File.generated(config, path, content=svg))
                self.charts[path] = svg
        return files

    def _render(self, file, markdown, meta):
        try:
            body, charts, _ = self.pages.render(file.abs_src_path or file.src_uri, file.src_uri, markdown, meta)
        except GeneratorError as exc:
            raise PluginError(f"vram-tables: {exc}") from None
        return body, charts

    def on_page_markdown(self, markdown, page, config, files):
        known = self.rendered.get(page.file.src_uri)
        if known is not None and known[0] == markdown:
            return known[1]
        # Another plugin changed the page since: render what MkDocs has now (its charts are written at the end).
        body, charts = self._render(page.file, markdown, page.meta)
        for path, svg in charts.items():
            if files.get_file_from_path(path) is None:
                self.late_charts = getattr(self, "late_charts", {})
                self.late_charts[path] = svg
        return body

    def on_post_build(self, config):
        site_dir = os.path.realpath(config["site_dir"])
        for path, svg in sorted(getattr(self, "late_charts", {}).items()):
            target = os.path.join(site_dir, *path.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.commonpath([site_dir, os.path.realpath(os.path.dirname(target))]) != site_dir:
                raise PluginError(f"vram-tables: {os.path.dirname(target)} is a symlink out of the site folder; "
                                  "the charts are not written through it")
            # A fresh file renamed over the target: a link at the target is replaced, never followed.
            os.replace(create_exclusive(os.path.dirname(target), os.path.basename(target), svg.encode("utf-8")),
                       target)


def check_built_site(config_file: str) -> CheckReport:
    """Every table of every page with table calls, as `mkdocs build` published it, against the formulas."""
    from mkdocs.utils.meta import get_data

    config = _load_mkdocs_config(config_file)
    plugin = config["plugins"].get(PLUGIN_NAME)
    if plugin is None:
        raise GeneratorError(f"the {PLUGIN_NAME} plugin is not enabled", config_file, None,
                             f"add `- {PLUGIN_NAME}` under plugins:")
    pages = _Pages(config_file, plugin.config["language"], plugin.config["catalogue"])
    report = CheckReport()
    docs, site = config["docs_dir"], config["site_dir"]
    for folder, dirs, names in os.walk(docs):
        dirs.sort()
        for name in sorted(n for n in names if n.endswith(".md")):
            source = os.path.join(folder, name)
            src_uri = os.path.relpath(source, docs).replace(os.sep, "/")
            text = _page_text(source)
            markdown, meta = get_data(text)
            _, charts, placed = pages.render(source, src_uri, markdown, meta)
            if not placed and not charts:
                continue
            built = _built_page(site, src_uri, config.get("use_directory_urls", True))
            report.files += 1
            count_tables(report, placed)
            if not os.path.isfile(built):
                report.findings.append(f"{built}: missing; run `mkdocs build`")
                continue
            published = _published_text(built)
            report.findings.extend(_page_findings(built, published, placed))
            for path, svg in charts.items():
                chart = os.path.join(site, *path.split("/"))
                report.files += 1
                if not os.path.isfile(chart) or _published_text(chart) != svg:
                    report.findings.append(f"{chart}: missing or not what the formulas give; run `mkdocs build`")
    return report


def _published_text(path: str) -> str:
    try:
        return read_bounded(path, MAX_PUBLISHED_BYTES, "built page").decode("utf-8", "replace")
    except OSError as exc:
        raise GeneratorError(f"cannot read: {exc.strerror}", path, None, "run `mkdocs build` again") from None


def _load_mkdocs_config(config_file: str):
    """mkdocs.yml as MkDocs reads it; a configuration error (a plugin option of the wrong type, say) is one
    located line, not MkDocs' log lines and an abort."""
    import logging

    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    handler, propagate, level = _Collect(logging.WARNING), logger.propagate, logger.level
    saved = logger.handlers[:]
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.WARNING)
    try:
        return load_config(config_file)
    except (MkDocsException, SystemExit, ValueError, TypeError, OSError) as exc:
        detail = " ".join(messages) or str(exc) or type(exc).__name__
        raise GeneratorError(f"MkDocs cannot load this configuration: {detail}", config_file, None,
                             "fix the setting it names (plugin options: language: en or zh-CN, catalogue: a "
                             "folder)") from None
    finally:
        logger.handlers, logger.propagate = saved, propagate
        logger.setLevel(level)


def _page_findings(path: str, published_html: str, placed) -> list[str]:
    """The page's tables against the formulas. The theme's own tables (a keyboard help, say) are not ours: only
    published tables with the header of a placed table are compared, in order; a placed table without its
    published counterpart is missing."""
    expected = [tables_in(path, table_html(t))[0] for t in placed]
    published = tables_in(path, published_html)
    findings, start = [], 0
    for want, meta in zip(expected, placed):
        index = next((i for i in range(start, len(published)) if published[i].header == want.header), None)
        if index is None:
            findings.append(f"{path}: table {meta.name} is missing; run `mkdocs build`")
            continue
        findings.extend(compare_one_table(path, published[index], want, meta))
        start = index + 1
    return findings


def _built_page(site: str, src_uri: str, directory_urls: bool) -> str:
    stem = os.path.splitext(src_uri)[0]
    if stem in ("index", "README") or stem.endswith(("/index", "/README")):
        return os.path.join(site, os.path.dirname(stem), "index.html")
    return os.path.join(site, stem, "index.html") if directory_urls else os.path.join(site, stem + ".html")
