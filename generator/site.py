"""The site plan: every output file as bytes, built fully in memory from content and templates."""

from __future__ import annotations

from dataclasses import dataclass

from . import render
import os
import re

from . import guide_charts, guide_tables
from .errors import GeneratorError
from .background import in_background
from .calculator import calculator_files
from .guide_tables import Estimator
from .loading import Content, load_content, read_tree
from .tables import Table, table_html

MANIFEST = ".generator-manifest"
# The seed post links a workbook of its tables; the build writes it where the link points.
SEED_POST = "2024-09-03-how-much-vram-is-required-for-llm-inference.md"
SEED_WORKBOOK = "images/2024/LLMInferenceVRAMCalculator/基于Qwen2效率评估计算大模型推理需要的显存.xlsx"


@dataclass(frozen=True)
class SitePlan:
    files: dict[str, bytes]  # relative path ("/"-separated) -> bytes, sorted by path
    tables: dict[str, tuple[Table, ...]]  # relative path -> the tables placed in that file, in order
    posts: tuple[render.RenderedPost, ...]

    def post_for(self, filename: str) -> render.RenderedPost | None:
        return next((p for p in self.posts if p.source.post_filename == filename), None)


def post_markdown_path(post: render.RenderedPost) -> str:
    return f"_posts/{post.source.post_filename}"


def post_html_path(post: render.RenderedPost) -> str:
    return f"posts/{post.source.slug}.html"


def manifest_bytes(paths) -> bytes:
    lines = ["# Files written by `python -m generator build`; a later build deletes those it no longer writes."]
    return ("\n".join(lines + sorted(paths)) + "\n").encode("utf-8")


def manifest_paths(data: bytes) -> list[str]:
    return [line for line in data.decode("utf-8", "replace").splitlines() if line and not line.startswith("#")]


_SITE_URL = re.compile(r'(href|src)="/(?!/)([^"]*)"')
_JEKYLL_POST_URL = re.compile(r"^\d{4}/\d{2}/\d{2}/([a-z0-9-]+)\.html$")


def standalone_urls(body_html: str, root: str, slugs: set[str]) -> str:
    """Site-absolute URLs ("/images/...", Jekyll's "/2024/09/03/slug.html") made relative, so the standalone
    pages work opened from disk as well as served."""
    def relative(match: re.Match) -> str:
        attribute, path = match.groups()
        post = _JEKYLL_POST_URL.match(path)
        if post and post.group(1) in slugs:
            path = f"posts/{post.group(1)}.html"
        return f'{attribute}="{root}{path}"'
    return _SITE_URL.sub(relative, body_html)


def model_slug(model_id: str) -> str:
    return guide_tables.model_href(model_id).removeprefix("/models/").removesuffix(".html")


def model_page_path(model_id: str) -> str:
    return guide_tables.model_href(model_id).removeprefix("/")


def model_contexts(estimator: Estimator, pages, model_id: str) -> list[int]:
    """The page's context lengths up to the model's maximum (at least the shortest one)."""
    return [t for t in pages.contexts if t <= estimator.max_context(model_id)] or [min(pages.contexts)]


def model_page_tables(content: Content, estimator: Estimator, model_id: str,
                      contexts: list[int]) -> list[tuple[str, str, Table]]:
    """(section title, note, table) for one model's page."""
    pages = content.site.model_pages
    return [
        ("架构", "由 config.json 计算；参数量按架构逐项相加。", guide_tables.architecture_table("architecture", content, estimator, model_id)),
        ("不同量化和上下文长度下的峰值显存", "峰值：任一时刻占用的最大显存（torch.cuda.max_memory_allocated 的口径）。",
         guide_tables.memory_table("memory", content, estimator, [model_id], list(pages.quantizations), contexts,
                                   pages.framework)),
        ("能装下它的最小显卡", f"一张卡装不下时：需要几张 {pages.multi_card}（按层切分）。",
         guide_tables.gpu_fit_table("gpu-fit", content, estimator, [model_id], list(pages.quantizations), contexts,
                                    pages.framework, list(pages.gpus), pages.multi_card)),
    ]


def model_page_files(content: Content, estimator: Estimator, page_env, site: dict, model_id: str):
    """One model's page and its chart: ({path: text}, the page's path, the tables on it)."""
    pages = content.site.model_pages
    model = content.models[model_id]
    contexts = model_contexts(estimator, pages, model_id)
    sections = model_page_tables(content, estimator, model_id, contexts)
    path = model_page_path(model_id)
    chart_path = f"images/models/{model_slug(model_id)}.svg"
    page = render.render_page(page_env, "model.html.j2", {
        "site": site, "lang": content.site.lang, "root": "../", "model": model, "params_b": model.params_b,
        "framework": pages.framework,
        "sections": [{"title": title, "note": note, "chart": chart_path if table.name == "memory" else None,
                      "alt": f"{model_id} 各量化格式的峰值显存随上下文长度变化的折线图",
                      "html": standalone_urls(table_html(table), "../", set())}
                     for title, note, table in sections]})
    chart = guide_charts.model_chart(estimator, model_id, pages.quantizations, contexts, pages.gpus, pages.framework)
    return {path: page, chart_path: chart}, path, tuple(table for _, _, table in sections)


SEED_HEADER_IMAGE = "images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png"


def seed_header_image(load_table: Table, previous: bytes | None) -> bytes:
    """The seed post's header chart. Drawing a PNG needs matplotlib (slow to import), so an existing image
    whose embedded data equals the current data is kept as it is."""
    from . import charts, guide_charts
    data = guide_charts.seed_header_data(load_table)
    if previous is not None:
        try:
            if charts.png_chart_data(previous) == data:
                return previous
        except (ValueError, KeyError):
            pass  # not one of ours, or damaged: draw it again
    return guide_charts.seed_header_png(data)


def seed_artifacts(content: Content, posts, previous) -> dict[str, bytes]:
    """The workbook the seed post links and its header image (both need slow imports: see background.py)."""
    seed = next((p for p in posts if p.source.post_filename == SEED_POST), None)
    if seed is None or not seed.tables:
        return {}
    from . import spreadsheet  # openpyxl: imported only when there is a seed post to make a workbook for
    made = {SEED_WORKBOOK: spreadsheet.workbook_bytes(seed.tables, content)}
    load = next((t for t in seed.tables if t.name == "load"), None)
    if load is not None:
        made[SEED_HEADER_IMAGE] = seed_header_image(load, previous(SEED_HEADER_IMAGE))
    return made


def plan_site(content: Content, templates_dir: str, previous=lambda path: None) -> SitePlan:
    """Everything the site holds, as bytes. ``previous(path)`` gives a file's bytes from the last build (or
    None), so an expensive chart whose data did not change is reused rather than redrawn."""
    post_env = render.post_environment()
    page_env = render.page_environment(templates_dir)
    site = {"title": content.site.title, "description": content.site.description}
    estimator = Estimator(content)
    posts = sorted((render.render_post(p, content, post_env, estimator) for p in content.posts),
                   key=lambda p: (p.source.date, p.source.slug), reverse=True)
    seed_files = in_background(lambda: seed_artifacts(content, posts, previous))
    try:
        return _plan_pages(content, templates_dir, page_env, site, estimator, posts, seed_files)
    except BaseException:
        seed_files.cancel()
        raise


def _plan_pages(content, templates_dir, page_env, site, estimator, posts, seed_files) -> SitePlan:
    files: dict[str, str | bytes] = {}
    tables: dict[str, tuple[Table, ...]] = {}
    owners: dict[str, str] = {}  # a chart's or model page's path -> "file:line" of what made it
    slugs = {p.source.slug for p in posts}
    for post in posts:
        md_path, html_path = post_markdown_path(post), post_html_path(post)
        files[md_path] = post.markdown
        body_html = standalone_urls(render.markdown_to_html(post.body, post.tables), "../", slugs)
        files[html_path] = render.render_page(page_env, "post.html.j2", {
            "site": site, "lang": post.source.front_matter.get("lang", content.site.lang), "root": "../",
            "title": post.source.title, "date": post.source.date.isoformat(), "body_html": body_html})
        tables[md_path] = tables[html_path] = post.tables
        _claim(owners, [path for path, _ in post.charts], post.source.path, None)
        files.update(post.charts)
    model_ids = []
    if content.site.model_pages is not None:
        model_ids = sorted((m.id for m in content.models.values() if m.architecture is not None), key=str.lower)
        page_owner: dict[str, str] = {}
        for model_id in model_ids:
            if model_slug(model_id) in page_owner:
                raise GeneratorError(f"models {page_owner[model_slug(model_id)]!r} and {model_id!r} would share the page "
                                     f"{model_page_path(model_id)}", content.models[model_id].path,
                                     content.models[model_id].line, "rename one of them")
            page_owner[model_slug(model_id)] = model_id
        for model_id in model_ids:
            page_files, path, tables[path] = model_page_files(content, estimator, page_env, site, model_id)
            _claim(owners, page_files, content.models[model_id].path, content.models[model_id].line)
            files.update(page_files)
    files["index.html"] = render.render_page(page_env, "index.html.j2", {
        "site": site, "lang": content.site.lang, "root": "",
        "posts": [{"title": p.source.title, "date": p.source.date.isoformat(), "href": post_html_path(p)}
                  for p in posts],
        "models": [{"id": m, "href": model_page_path(m)} for m in model_ids]})
    files.update(seed_files.result())
    files.update(calculator_files(content, page_env, site, content.site.lang))
    # The Jekyll source's own files (config and layouts) are copied as they are: Liquid, not Jinja.
    files.update(read_tree(os.path.join(templates_dir, "jekyll")))
    files[MANIFEST] = manifest_bytes(list(files) + [MANIFEST])
    encoded = {path: data if isinstance(data, bytes) else data.encode("utf-8") for path, data in sorted(files.items())}
    return SitePlan(encoded, tables, tuple(posts))


def _claim(owners: dict[str, str], paths, source: str, line: int | None) -> None:
    """Refuse a second output at one path (post "a-b" with chart "c" and post "a" with chart "b-c" would both
    write images/charts/a-b-c.svg): the second would silently replace the first."""
    where = f"{source}:{line}" if line else source
    for path in paths:
        if path in owners:
            raise GeneratorError(f"{path} would be written twice, for {owners[path]} and for this file", source, line,
                                 "rename one of them (a post's slug, a chart's name or a model's id)")
        owners[path] = where


def build_plan(content_dir: str, templates_dir: str, previous=lambda path: None) -> SitePlan:
    return plan_site(load_content(content_dir), templates_dir, previous)
