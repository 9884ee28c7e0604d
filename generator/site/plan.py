"""The site plan: every output file as bytes, built fully in memory from content and templates."""

from __future__ import annotations

import os
import re

from markupsafe import Markup

from generator.calc.estimator import DEFAULT_FRAMEWORK, GIB
from generator.catalogue.loading import Content, contained, load_content, read_tree
from generator.core import memo
from generator.core.background import Done, in_background
from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_TEXT_BYTES, read_bounded
from generator.render import pages as render
from generator.render import i18n
from generator.render.escape import script_json
from generator.site.calculator import DEFAULT_MODEL, calculator_data, calculator_files, data_json
from generator.site.files import (MANIFEST, SitePlan, manifest_bytes, site_inputs, store_plan,
                                  stored_plan)
from generator.tables import svg as charts
from generator.tables import estimate_charts
from generator.tables import estimates
from generator.tables.estimates import Estimator
from generator.tables.table import Table, table_html

JEKYLL_INDEX = "home.html"
# The seed post links a workbook of its tables; the build writes it where the link points.
SEED_POST = "2024-09-03-how-much-vram-is-required-for-llm-inference.md"
SEED_WORKBOOK = "images/2024/LLMInferenceVRAMCalculator/基于Qwen2效率评估计算大模型推理需要的显存.xlsx"


def post_markdown_path(post: render.RenderedPost) -> str:
    return f"_posts/{post.source.post_filename}"


def post_html_path(post: render.RenderedPost) -> str:
    return f"posts/{post.source.slug}.html"


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
    if '="/' not in body_html:
        return body_html  # no site-absolute URL to rewrite (most tables): the pattern needs this text to match
    return _SITE_URL.sub(relative, body_html)


def read_template(templates_dir: str, name: str) -> bytes:
    path = os.path.join(templates_dir, name)
    try:
        contained(templates_dir, path, "a template")
        return read_bounded(path, MAX_TEXT_BYTES, "template")
    except OSError as exc:
        raise GeneratorError(f"cannot read a template: {exc.strerror}", path, None, f"add {name} to the templates") from None


def model_slug(model_id: str) -> str:
    return estimates.model_href(model_id).removeprefix("/models/").removesuffix(".html")


def model_page_path(model_id: str) -> str:
    return estimates.model_href(model_id).removeprefix("/")


def model_contexts(estimator: Estimator, pages, model_id: str) -> list[int]:
    """The page's context lengths up to the model's maximum (at least the shortest one)."""
    return [t for t in pages.contexts if t <= estimator.max_context(model_id)] or [min(pages.contexts)]


def model_page_tables(content: Content, estimator: Estimator, model_id: str,
                      contexts: list[int]) -> list[tuple[str, str, Table]]:
    """(section title, note, table) for one model's page: llama.cpp (GGUF), vLLM, transformers, architecture."""
    pages = content.site.model_pages
    gguf = [q for q in pages.quantizations if estimates.is_gguf(q)]
    formats = [q for q in pages.quantizations if not estimates.is_gguf(q)]
    sections = []
    if gguf:
        sections += [
            ("llama.cpp：GGUF 的峰值显存", "Ollama 和 LM Studio 运行的就是 llama.cpp 和这些 GGUF 文件。" + PEAK_NOTE,
             estimates.memory_table("gguf-memory", content, estimator, [model_id], gguf, contexts,
                                       pages.framework, show_model=False)),
            ("llama.cpp：能装下的最小显卡", "Mac 按 Metal 允许 GPU 使用的工作集（recommendedMaxWorkingSetSize）计算，"
             "不是全部统一内存；`sudo sysctl iogpu.wired_limit_mb=N` 可以把它提高到 N MiB（重启后恢复）。",
             estimates.gpu_fit_table("gguf-fit", content, estimator, [model_id], gguf, contexts, pages.framework,
                                        list(pages.gpus), pages.multi_card, show_model=False))]
    if formats and pages.vllm:
        length = estimates.page_max_model_len(estimator, model_id, pages.vllm_max_model_len)
        sections.append((
            "vLLM：在哪张卡上能启动，能同时服务多少请求",
            "vLLM 启动时按 gpu_memory_utilization 把显卡的大部分先占下（启动预留），其中放下权重和激活峰值之后剩下的"
            "都给 KV cache；所以问的不是峰值，而是 KV cache 能放多少 Token、能同时服务多少个完整请求。Mac 上没有 vLLM。",
            estimates.vllm_start_table("vllm", content, estimator, model_id, formats, pages.vllm, length,
                                          list(pages.gpus))))
    if formats:
        sections += [
            ("transformers：峰值显存", PEAK_NOTE,
             estimates.memory_table("memory", content, estimator, [model_id], formats, contexts,
                                       pages.framework, show_model=False)),
            ("transformers：能装下的最小显卡", f"一张卡装不下时：需要几张 {pages.multi_card}（按层切分）。",
             estimates.gpu_fit_table("gpu-fit", content, estimator, [model_id], formats, contexts,
                                        pages.framework, list(pages.gpus), pages.multi_card, show_model=False))]
    sections.append(("架构", "由 config.json 计算；参数量按架构逐项相加。",
                     estimates.architecture_table("architecture", content, estimator, model_id)))
    lang = site_language(content)
    words = i18n.english_page if lang == "en" else str
    return [(words(title), words(note), i18n.localized_table(table, lang)) for title, note, table in sections]


def site_language(content: Content) -> str:
    """The language of the standalone pages' tables and charts: site.yaml's ``lang`` (zh-CN or en)."""
    try:
        return i18n.language(content.site.lang)
    except GeneratorError:
        return i18n.DEFAULT_LANGUAGE


PEAK_NOTE = ("表中是峰值（任一时刻分配得最多的显存）；能装下指所需显存（最忙那张卡的峰值加分配器余量和 CUDA 上下文）"
             "不超过显卡的可用显存。这些词的定义见计算器页末。")


def fits_page_path(estimator: Estimator, gpu: str) -> str:
    return f"fits/{estimates.fits_slug(estimator, gpu)}.html"


def fits_links(content: Content, estimator: Estimator, root: str) -> list[dict]:
    pages = content.site.model_pages
    if pages is None:
        return []
    return [{"label": estimates.card_size_label(estimator, g), "href": root + fits_page_path(estimator, g),
             "usable_bytes": estimator.limit_bytes(g)} for g in pages.fit_pages]


def fits_page_files(content: Content, estimator: Estimator, page_env, site: dict, gpu: str):
    """One "what can my card run" page: ({path: text}, path, its tables)."""
    pages = content.site.model_pages
    tables = estimates.fits_tables(content, estimator, gpu, pages)
    card = estimator.card(gpu)
    # The cards of this size that give a run at least as much: what this page lists fits them too.
    same_size = sorted(g.name for g in content.gpus.values()
                       if not g.unified_memory and g.memory_bytes == card.memory_bytes and g.name != gpu
                       and g.usable_bytes >= card.usable_bytes)
    macs = sorted((g for g in content.gpus.values() if g.unified_memory and g.usable_bytes >= card.usable_bytes),
                  key=lambda g: g.usable_bytes)
    path = fits_page_path(estimator, gpu)
    page = render.render_page(page_env, "fits.html.j2", {
        "site": site, "lang": content.site.lang, "root": "../", "size": estimates.card_size_label(estimator, gpu),
        "gpu": gpu, "limit_gib": f"{card.usable_bytes / GIB:.2f}", "same_size": same_size,
        "mac": macs[0].name if macs else None, "links": fits_links(content, estimator, "../"),
        "tables": [standalone_urls(table_html(t), "../", set()) for t in tables]})
    return {path: page}, path, tuple(tables)


def model_page_files(content: Content, estimator: Estimator, page_env, site: dict, model_id: str):
    """One model's page and its chart: ({path: text}, the page's path, the tables on it)."""
    pages = content.site.model_pages
    model = content.models[model_id]
    contexts = model_contexts(estimator, pages, model_id)
    sections = model_page_tables(content, estimator, model_id, contexts)
    path = model_page_path(model_id)
    chart_path = f"images/models/{model_slug(model_id)}.svg"
    try:
        # Reference lines for CUDA cards only: the chart draws transformers' lines too, which Macs do not run.
        cuda_cards = [g for g in pages.gpus if not estimator.card(g).unified_memory]
        chart = estimate_charts.model_chart(estimator, model_id, pages.quantizations, contexts, cuda_cards,
                                         pages.framework, lang=site_language(content))
    except GeneratorError as exc:
        # A model whose config gives no context the page can draw (a maximum context below every listed length):
        # the model's own entry is where to look.
        raise exc.located(model.path, model.line) from None
    facts = estimates.answer_facts(content, estimator, model_id, pages, contexts)
    chart_table = next((t.name for _, _, t in sections if t.name in ("memory", "gguf-memory")), None)
    alt = charts.chart_desc(chart)  # one chart per page: described once, not once per section
    page = render.render_page(page_env, "model.html.j2", {
        "site": site, "lang": content.site.lang, "root": "../", "model": model, "params_b": model.params_b,
        "answer": facts, "fits": fits_links(content, estimator, "../"),
        "sections": [{"title": title, "note": note, "chart": chart_path if table.name == chart_table else None,
                      "alt": alt,
                      "html": standalone_urls(table_html(table), "../", set())}
                     for title, note, table in sections]})
    return {path: page, chart_path: chart}, path, tuple(table for _, _, table in sections)


# Answer first (the index and any post whose front matter has `answer_first: true`): the picker's defaults and
# the quantizations of the model x context grid. A 12 GB card is the commonest question readers bring.
PICKER_DEFAULTS = {"context": 8192, "quantization": "awq", "vram": 12}
GRID_QUANTIZATIONS = ("bf16", "q4_k_m")


def answer_first(content: Content, estimator: Estimator, root: str) -> dict | None:
    """What the picker and the grid show: choices from content, the estimator's data for the browser, and the
    grid tables (computed here, so `check` verifies every cell)."""
    pages = content.site.model_pages
    if pages is None:
        return None
    # The same for every root (the index, Jekyll's picker, a post): worked out once per estimator (one content set).
    common = estimator.kept("answer_first", lambda: _answer_common(content, estimator, pages))
    grids = common["grids"]
    return {**common, "grid_html": [Markup(standalone_urls(table_html(t), root, set())) for t in grids],
            "fits": fits_links(content, estimator, root)}


def _answer_common(content: Content, estimator: Estimator, pages) -> dict:
    models = estimates.sorted_models(m.id for m in content.models.values() if m.architecture is not None)
    engines, seen = [], set()
    for profile in content.frameworks:
        if profile.engine not in seen:
            seen.add(profile.engine)
            spec = DEFAULT_FRAMEWORK if DEFAULT_FRAMEWORK.startswith(profile.engine + "==") else profile.engine
            engines.append({"spec": spec, "label": spec})
    gpus = sorted(content.gpus.values(), key=lambda g: (g.memory_bytes, g.name))
    grids = [i18n.localized_table(estimates.fit_grid_table(f"fit-grid-{q}", content, estimator, models, q,
                                                              list(pages.contexts), pages.framework, list(pages.gpus),
                                                              pages.multi_card), site_language(content))
             for q in GRID_QUANTIZATIONS]
    embedded = script_json(data_json(calculator_data(content)).rstrip("\n"))
    return {
        "models": models, "default_model": DEFAULT_MODEL if DEFAULT_MODEL in models else models[0],
        "contexts": [{"tokens": t, "label": estimates.tokens_label(t)} for t in pages.contexts],
        "default_context": PICKER_DEFAULTS["context"],
        "quantizations": list(pages.quantizations), "default_quantization": PICKER_DEFAULTS["quantization"],
        "engines": engines,
        "gpus": [{"name": g.name, "gib": f"{g.memory_bytes / GIB:g}"} for g in gpus], "default_gpu": "",
        "default_vram": PICKER_DEFAULTS["vram"],
        "data_json": embedded,
        "grids": grids,
    }


SEED_HEADER_IMAGE = "images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png"


def seed_header_image(load_table: Table, previous: bytes | None, cache_only: bool = False) -> bytes | None:
    """The seed post's header chart. Drawing a PNG needs matplotlib (slow to import), so an existing image is
    kept when it is exactly what this build would draw: its embedded data equals the current data and its
    fingerprint (a digest of its own bytes and of the drawing code) still holds, so an image whose pixels were
    changed, or that an older drawing code made, is drawn again. A drawing is kept in the cache of rendered
    bytes (memo.py) under its data; ``cache_only``: None instead of drawing."""
    from generator.tables import svg as charts
    from generator.tables import estimate_charts
    data = estimate_charts.seed_header_data(load_table)
    if previous is not None and _fingerprint_holds(previous):
        try:
            if charts.png_chart_data(previous) == data:
                return previous
        except Exception:  # noqa: BLE001 - bytes from disk, not ours or damaged: draw it again
            pass
    parts = [repr(data)]
    if cache_only:
        return memo.get("png", parts)
    return memo.cached("png", parts, lambda: _with_fingerprint(estimate_charts.seed_header_png(data)))


_FINGERPRINT_KEY = b"generator-sha256"


def _renderer_digest() -> bytes:
    """The drawing code's own bytes: a change to how the image is drawn invalidates every kept image."""
    import hashlib
    from generator.tables import svg as charts
    from generator.tables import estimate_charts
    digest = hashlib.sha256()
    for module in (charts, estimate_charts):
        with open(module.__file__, "rb") as handle:
            digest.update(handle.read())
    return digest.digest()


def _png_chunks(png: bytes) -> list[tuple[bytes, bytes]] | None:
    """(type, whole chunk bytes) of each chunk, or None for bytes that are not a well-formed PNG."""
    import struct
    from generator.tables.svg import PNG_SIGNATURE
    if not png.startswith(PNG_SIGNATURE):
        return None
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        end = offset + 12 + length
        if end > len(png):
            return None
        chunks.append((kind, png[offset:end]))
        offset = end
        if kind == b"IEND":
            return chunks if offset == len(png) else None
    return None


def _fingerprint(chunks) -> bytes:
    import hashlib
    digest = hashlib.sha256(_renderer_digest())
    for kind, chunk in chunks:
        if not (kind == b"tEXt" and chunk[8:].startswith(_FINGERPRINT_KEY + b"\0")):
            digest.update(chunk)
    return digest.hexdigest().encode("ascii")


def _fingerprint_chunk(chunks) -> bytes:
    import struct
    import zlib
    body = _FINGERPRINT_KEY + b"\0" + _fingerprint(chunks)
    return struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)


def _with_fingerprint(png: bytes) -> bytes:
    """The PNG with a text chunk holding the digest of everything else in it, placed just before IEND."""
    from generator.tables.svg import PNG_SIGNATURE
    chunks = _png_chunks(png)
    return PNG_SIGNATURE + b"".join(c for _, c in chunks[:-1]) + _fingerprint_chunk(chunks) + chunks[-1][1]


def _fingerprint_holds(png: bytes) -> bool:
    """True when ``png`` is byte for byte what :func:`_with_fingerprint` makes of its image chunks."""
    chunks = _png_chunks(png)
    if not chunks:
        return False
    marked = [i for i, (kind, c) in enumerate(chunks) if kind == b"tEXt" and c[8:].startswith(_FINGERPRINT_KEY + b"\0")]
    return marked == [len(chunks) - 2] and chunks[-2][1] == _fingerprint_chunk(chunks)


def _plain(value) -> str:
    """A value as text for a cache key: dataclasses field by field, without where they were read (``path``,
    ``line``: a copy of the same content elsewhere makes the same workbook)."""
    if hasattr(value, "__dataclass_fields__"):
        return type(value).__name__ + "(" + ",".join(
            f"{name}={_plain(getattr(value, name))}" for name in value.__dataclass_fields__
            if name not in ("path", "line")) + ")"
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_plain(k)}:{_plain(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _workbook_parts(seed, content: Content) -> list[str]:
    """Every input of spreadsheet.workbook_bytes: the seed's tables (their numbers, computed afresh), the benchmark
    rows and each model's parameter count, in the order it reads them."""
    return [_plain(seed.tables), _plain(list(content.rows.values())),
            _plain([(model_id, model.params_b) for model_id, model in content.models.items()])]


def _seed_post(posts):
    seed = next((p for p in posts if p.source.post_filename == SEED_POST), None)
    return seed if seed is not None and seed.tables else None


def seed_artifacts(content: Content, posts, previous) -> dict[str, bytes]:
    """The workbook the seed post links and its header image (both need slow imports: see background.py), each
    kept in the cache of rendered bytes under its inputs."""
    seed = _seed_post(posts)
    if seed is None:
        return {}
    from generator.tables import spreadsheet  # openpyxl: imported only when there is a seed post to make a workbook for
    made = {SEED_WORKBOOK: memo.cached("xlsx", _workbook_parts(seed, content),
                                       lambda: spreadsheet.workbook_bytes(seed.tables, content))}
    load = next((t for t in seed.tables if t.name == "load"), None)
    if load is not None:
        made[SEED_HEADER_IMAGE] = seed_header_image(load, previous(SEED_HEADER_IMAGE))
    return made


def cached_seed_artifacts(content: Content, posts, previous) -> dict[str, bytes] | None:
    """What seed_artifacts gives, when the cache (or the kept header image) has all of it; else None. Then no child
    is started and neither openpyxl nor matplotlib is imported."""
    seed = _seed_post(posts)
    if seed is None:
        return {}
    book = memo.get("xlsx", _workbook_parts(seed, content))
    if book is None:
        return None
    made = {SEED_WORKBOOK: book}
    load = next((t for t in seed.tables if t.name == "load"), None)
    if load is not None:
        image = seed_header_image(load, previous(SEED_HEADER_IMAGE), cache_only=True)
        if image is None:
            return None
        made[SEED_HEADER_IMAGE] = image
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
    ready = cached_seed_artifacts(content, posts, previous)
    seed_files = Done(ready) if ready is not None else in_background(lambda: seed_artifacts(content, posts, previous))
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
    # A post whose front matter says `updates: <slug>` is the newer edition of that post; the older one's page
    # points to it (the older post's own Markdown stays as it was).
    newer = {str(p.source.front_matter["updates"]): {"title": p.source.title, "href": post_html_path(p)}
             for p in posts if "updates" in p.source.front_matter}
    for post in posts:
        md_path, html_path = post_markdown_path(post), post_html_path(post)
        files[md_path] = post.markdown
        body_html = standalone_urls(render.markdown_to_html(post.body, post.tables), "../", slugs)
        files[html_path] = render.render_page(page_env, "post.html.j2", {
            "site": site, "lang": post.source.front_matter.get("lang", content.site.lang), "root": "../",
            "title": post.source.title, "date": post.source.date.isoformat(), "body_html": body_html,
            "newer": newer.get(post.source.slug),
            "answer": answer_first(content, estimator, "../") if post.source.front_matter.get("answer_first") else None})
        tables[md_path] = tables[html_path] = post.tables
        _claim(owners, [path for path, _ in post.charts], post.source.path, None)
        files.update(post.charts)
    model_ids = []
    if content.site.model_pages is not None:
        model_ids = estimates.sorted_models(m.id for m in content.models.values() if m.architecture is not None)
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
    if content.site.model_pages is not None:
        for gpu in content.site.model_pages.fit_pages:
            page_files, path, tables[path] = fits_page_files(content, estimator, page_env, site, gpu)
            _claim(owners, page_files, content.site.path, None)
            files.update(page_files)
    index = {"site": site, "lang": content.site.lang, "root": "",
             "posts": [{"title": p.source.title, "date": p.source.date.isoformat(), "href": post_html_path(p)}
                       for p in posts],
             "models": [{"id": m, "href": model_page_path(m)} for m in model_ids],
             "answer": answer_first(content, estimator, "")}
    files["index.html"] = render.render_page(page_env, "index.html.j2", index)
    tables["index.html"] = tables[JEKYLL_INDEX] = tuple(index["answer"]["grids"]) if index["answer"] else ()
    # Jekyll's index: the same page, its post list in Liquid so it links Jekyll's own post URLs.
    files[JEKYLL_INDEX] = render.render_page(page_env, "index.html.j2", dict(index, jekyll=True))
    # The picker for Jekyll's post layout (a post with `answer_first: true`), Liquid-free inside {% raw %}.
    jekyll_answer = answer_first(content, estimator, "/")
    if jekyll_answer is not None:
        picker = render.render_page(page_env, "picker.html.j2", {"answer": jekyll_answer, "root": "/",
                                                                  "lang": content.site.lang, "picker_words": True})
        files["_includes/picker.html"] = "{% raw %}" + picker + "{% endraw %}\n"
    # The stylesheet and the table script are one file each for every page, standalone or Jekyll's (base.html.j2
    # loads them rather than inlining ~120 and ~160 lines into each), and so is the picker's script (picker.html.j2:
    # ~200 lines that the index, Jekyll's index, its include and every answer-first post inlined); every page its icon.
    for name in ("style.css", "site.js", "picker.js", "favicon.svg"):
        files[f"assets/{name}"] = read_template(templates_dir, name)
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


def build_plan_for_writing(content_dir: str, templates_dir: str, previous=lambda path: None) -> SitePlan:
    """The files ``build`` writes. The whole site is a pure function of the content and template folders, this
    package's code and the installed libraries, so an earlier build's files are taken from the cache of rendered
    bytes (memo.py) when every one of those bytes is the same (file kinds and symlinks included): an up-to-date
    build renders nothing (files.py; the command line looks there before it imports this module). ``check`` never
    uses this: it recomputes every number from the data."""
    parts = site_inputs(content_dir, templates_dir)
    stored = stored_plan(parts)
    if stored is not None:
        return stored
    plan = build_plan(content_dir, templates_dir, previous)
    store_plan(parts, plan)
    return plan
