"""Blog engines: where each one reads posts and serves static files, and the front matter it expects.

An engine adapter is data plus two small functions; adding one touches nothing else. The post sources are
Jekyll-style (``YYYY-MM-DD-slug.md``, YAML front matter with ``title`` and ``date``), whatever the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from generator.catalogue.loading import PostSource
from generator.core.errors import GeneratorError
from generator.render.escape import front_matter_yaml


@dataclass(frozen=True)
class Engine:
    name: str
    posts_dir: str  # where the engine reads posts, relative to the blog folder
    sources_dir: str  # default folder for post sources: one the engine itself ignores
    assets_dir: str  # where the engine serves static files from ("." = the blog folder itself)
    post_name: Callable[[PostSource], str]
    front_matter: Callable[[PostSource], str]
    relative_urls: bool  # links must be relative to the page (MkDocs checks them against docs/)
    markers: tuple[str, ...]  # files that show a folder is a site of this engine
    docs: str
    # Each placed table (its Markdown) wrapped in a region that scrolls sideways by itself, in the form the
    # engine's Markdown reader keeps; and files the wrapper needs (Hugo's shortcode), {path: bytes}.
    wrap_table: Callable[[str, object], str] = lambda markdown, table: markdown
    support_files: tuple[tuple[str, bytes], ...] = ()
    html_tables: bool = False  # the wrapper writes tables as HTML (check reads them so)


def _jekyll_name(post: PostSource) -> str:
    return post.post_filename


def _slug_name(post: PostSource) -> str:
    return f"{post.slug}.md"


def _verbatim(post: PostSource) -> str:
    # Jekyll reads the sources' own front matter: copied as written, so the seed post stays line for line.
    return post.front_matter_text


_JEKYLL_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\s*([+-]\d{2}):?(\d{2})|\s*Z)?$")


def rfc3339(value) -> str:
    """A front matter date as RFC 3339 (Hugo's and MkDocs' form): "2024-09-03 08:00:00 +0800" becomes
    "2024-09-03T08:00:00+08:00"; a bare date stays a date."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    match = _JEKYLL_DATE.match(str(value).strip())
    if not match:
        return str(value).strip()
    day, clock, hours, minutes = match.groups()
    if len(clock) == 5:
        clock += ":00"
    zone = f"{hours}:{minutes}" if hours else "Z" if str(value).strip().endswith("Z") else ""
    return f"{day}T{clock}{zone}"


def _hexo_date(value) -> str:
    text = rfc3339(value)
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?", text)
    return f"{match[1]} {match[2] or '00:00:00'}" if match else text


def _terms(value) -> list:
    """Jekyll's categories/tags: a list, or one string of space-separated words."""
    if isinstance(value, str):
        return value.split()
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _yaml_front_matter(fields: dict) -> str:
    # Quoted wherever YAML would read a value as another type or as syntax, each value on one line: names stay data.
    return f"---\n{front_matter_yaml(fields)}---\n"


def _converted(post: PostSource, date_text: Callable, drop=("layout",), lists=("categories", "tags")) -> str:
    fields = {}
    for key, value in post.front_matter.items():
        if key in drop:
            continue
        if key == "date":
            value = date_text(value)
        elif key in lists:
            value = [str(v) for v in _terms(value)]
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        fields[str(key)] = value
    return _yaml_front_matter(fields)


def _rfc3339_front_matter(post: PostSource) -> str:
    """Hugo's and MkDocs' front matter: YAML with an RFC 3339 date, list taxonomies, no Jekyll layout."""
    return _converted(post, rfc3339)


def _hexo_front_matter(post: PostSource) -> str:
    return _converted(post, _hexo_date)


# A table wider than a phone scrolls inside its own region, never the page (minima at 390 px scrolled the whole page
# sideways for a 7-column table). The same class and inline style for every engine: no stylesheet of the
# author's has to change, and a theme can restyle .vram-table.
SCROLL_STYLE = 'class="vram-table" style="overflow-x:auto;max-width:100%"'


def _kramdown_wrap(markdown: str, table) -> str:
    # kramdown (Jekyll) reads Markdown inside an HTML block only when it says markdown="1".
    return f'<div {SCROLL_STYLE} markdown="1">\n\n{markdown}\n\n</div>'


def _commonmark_wrap(markdown: str, table) -> str:
    # CommonMark (Hexo's marked): an HTML block ends at a blank line, so the table between is read as Markdown.
    return f"<div {SCROLL_STYLE}>\n\n{markdown}\n\n</div>"


HUGO_SHORTCODE = "layouts/shortcodes/vram-table.html"
_HUGO_SHORTCODE_TEXT = (
    "{{- /* Written by the VRAM tables plugin (generator build --blog): a table that scrolls sideways inside its\n"
    "own region on a narrow screen. Goldmark leaves out raw HTML by default (markup.goldmark.renderer.unsafe),\n"
    "so the wrapper is a shortcode: its output is kept, and the table inside is rendered as Markdown. */ -}}\n"
    f"<div {SCROLL_STYLE}>\n"
    '{{ .Page.RenderString (dict "display" "block") .Inner }}\n'
    "</div>\n").encode("utf-8")


def _hugo_wrap(markdown: str, table) -> str:
    return "{{< vram-table >}}\n" + markdown + "\n{{< /vram-table >}}"


def _html_wrap(markdown: str, table) -> str:
    # Python-Markdown (MkDocs) keeps an HTML block as written and reads no Markdown inside it: the table as HTML.
    from generator.tables.table import table_html
    return f"<div {SCROLL_STYLE}>\n{table_html(table)}\n</div>"


ENGINES = {
    "jekyll": Engine("jekyll", "_posts", "_generator/posts", ".", _jekyll_name, _verbatim, False,
                     ("_config.yml", "_config.yaml"),
                     "posts in _posts/, static files served from the blog folder; _generator/ is ignored by Jekyll",
                     _kramdown_wrap),
    "hugo": Engine("hugo", "content/posts", "_generator/posts", "static", _slug_name, _rfc3339_front_matter, False,
                   ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml"),
                   "posts in content/posts/, static files in static/; Hugo does not read _generator/",
                   _hugo_wrap, ((HUGO_SHORTCODE, _HUGO_SHORTCODE_TEXT),)),
    "mkdocs": Engine("mkdocs", "docs/posts", "_generator/posts", "docs", _slug_name, _rfc3339_front_matter, True,
                     ("mkdocs.yml", "mkdocs.yaml"),
                     "pages in docs/posts/, images in docs/images/; MkDocs reads only docs/",
                     _html_wrap, (), True),
    "hexo": Engine("hexo", "source/_posts", "_generator/posts", "source", _slug_name, _hexo_front_matter, False,
                   ("_config.yml",),
                   "posts in source/_posts/, static files in source/; Hexo does not read _generator/",
                   _commonmark_wrap),
}


def engine(name, path: str | None = None, line: int | None = None) -> Engine:
    found = ENGINES.get(name) if isinstance(name, str) else None
    if found is None:
        raise GeneratorError(f"unknown blog engine {name!r}", path, line, "use one of: " + ", ".join(ENGINES))
    return found


_SITE_ABSOLUTE = re.compile(r"(\]\(|src=\"|href=\")/(?!/)")


def body_for(engine_: Engine, body: str, post_path: str, assets_dir: str) -> str:
    """The rendered post body as the engine needs it: for engines that check links against their docs folder,
    site-absolute links ("/images/x.svg") become relative to the page."""
    if not engine_.relative_urls:
        return body
    assets_depth = 0 if assets_dir in (".", "") else assets_dir.count("/") + 1
    depth = post_path.count("/") - assets_depth
    up = "../" * depth
    return _SITE_ABSOLUTE.sub(lambda m: m.group(1) + up, body)


def wrap_tables(engine_: Engine, body: str, placed) -> str:
    """The post body with each placed table in its scrolling region (see :data:`SCROLL_STYLE`)."""
    from generator.tables.table import table_markdown
    at = 0
    for table in placed:
        markdown = table_markdown(table)
        found = body.find(markdown, at)
        if found < 0:
            continue
        wrapped = engine_.wrap_table(markdown, table)
        body = body[:found] + wrapped + body[found + len(markdown):]
        at = found + len(wrapped)
    return body


def _post_href(engine_name: str, post_id: str, slug: str) -> str:
    """The engine's own link to a post of the blog, whatever its permalink settings."""
    if engine_name == "jekyll":
        return "{% post_url " + post_id + " %}"
    if engine_name == "hugo":
        return '{{< relref "' + slug + '.md" >}}'
    if engine_name == "hexo":
        return "{% post_path " + slug + " %}"
    return f"{slug}.md"  # MkDocs: a page beside this one in docs/posts/, which MkDocs checks and turns into a URL


def post_hrefs(engine_: Engine, post_ids) -> "Callable[[str], str | None]":
    """``post_link``'s links in a blog: only to the posts the blog has (a copied post's link to one it lacks
    keeps its text, not a link that would break the engine's build)."""
    known = set(post_ids)

    def href(post_id: str) -> str | None:
        if post_id not in known:
            return None
        return _post_href(engine_.name, post_id, post_id[11:])
    return href
