"""A native MkDocs plugin: table and chart calls in a site's pages are rendered during ``mkdocs build``.

Enable it in ``mkdocs.yml``::

    plugins:
      - search
      - vram-tables:
          language: en          # table headers and chart labels (a page's own `lang:` meta wins)
          catalogue: vram-data  # optional: a folder of models.yaml / gpus.yaml / ... adding to the package's

A page that has no ``{{`` or ``{%`` is left exactly as it is. Charts are written into the built site under
``images/charts/`` and linked relative to the page. ``python -m generator check --blog DIR`` verifies the built
pages' tables cell by cell (see :func:`check_built_site`).
"""

from __future__ import annotations

import os
from datetime import date

from mkdocs.config import config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from . import render
from .check import CheckReport, compare_one_table, count_tables, tables_in
from .errors import GeneratorError
from .safeio import MAX_PUBLISHED_BYTES, create_exclusive, read_bounded
from .yamlio import read_text_file
from .guide_tables import Estimator
from .i18n import language
from .loading import PostSource, Site, load_content
from .tables import table_html

PLUGIN_NAME = "vram-tables"


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

    def render(self, source_path: str, src_uri: str, markdown: str, meta: dict):
        """(Markdown with the tables in place, {chart path: SVG}, tables) for one page."""
        first_line = _body_first_line(source_path, markdown)
        slug = os.path.splitext(src_uri)[0].replace("/", "-").replace("\\", "-").lower() or "page"
        front = dict(meta)
        front.setdefault("lang", self.lang)
        post = PostSource(source_path, date(1970, 1, 1), slug, "", front, markdown, first_line)
        rendered = render.render_post(post, self.content, self.env, self.estimator, link_models=False)
        return rendered.body, dict(rendered.charts), rendered.tables


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


def _has_calls(markdown: str) -> bool:
    return "{{" in markdown or "{%" in markdown


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
        return config

    def on_page_markdown(self, markdown, page, config, files):
        if not _has_calls(markdown):
            return markdown
        try:
            body, charts, _ = self.pages.render(page.file.abs_src_path, page.file.src_uri, markdown, page.meta)
        except GeneratorError as exc:
            raise PluginError(f"vram-tables: {exc}") from None
        self.charts.update(charts)
        up = "../" * page.url.count("/") if config.get("use_directory_urls", True) else \
            "../" * page.file.src_uri.count("/")
        for path in charts:
            body = body.replace(f"](/{path})", f"]({up}{path})")
        return body

    def on_post_build(self, config):
        site_dir = os.path.realpath(config["site_dir"])
        for path, svg in sorted(self.charts.items()):
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
            meta, markdown = _split_meta(text)
            if not _has_calls(markdown):
                continue
            _, charts, placed = pages.render(source, src_uri, markdown, meta)
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


def _split_meta(text: str) -> tuple[dict, str]:
    import yaml
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end > 0:
            try:
                meta = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError:
                meta = {}
            return (meta if isinstance(meta, dict) else {}), text[end + 5:]
    return {}, text


def _built_page(site: str, src_uri: str, directory_urls: bool) -> str:
    stem = os.path.splitext(src_uri)[0]
    if stem in ("index", "README") or stem.endswith(("/index", "/README")):
        return os.path.join(site, os.path.dirname(stem), "index.html")
    return os.path.join(site, stem, "index.html") if directory_urls else os.path.join(site, stem + ".html")
