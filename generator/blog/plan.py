"""A blog's build plan: each post source rendered into the place its engine reads posts, with its charts and
images where the engine serves static files. Everything in memory; nothing of the blog's own is touched."""

from __future__ import annotations

import os
from dataclasses import dataclass

from generator.blog.config import BlogConfig
from generator.blog.engines import body_for, post_hrefs, wrap_tables
from generator.catalogue.loading import Site, load_content
from generator.core.errors import GeneratorError
from generator.render import pages as render
from generator.site.plan import SitePlan, seed_artifacts
from generator.tables.estimates import Estimator

MANIFEST = ".generator-manifest"


def _asset_path(blog: BlogConfig, site_path: str) -> str:
    return site_path if blog.assets == "." else f"{blog.assets}/{site_path}"


@dataclass(frozen=True)
class BlogPlan:
    site: SitePlan  # {path relative to the blog folder: bytes}, and the tables placed in each post
    # Files a post links that the author may already have (the seed post's workbook and header image): where the
    # author has one of their own, theirs is kept and this one is not written.
    optional: frozenset[str] = frozenset()


def plan_blog(blog: BlogConfig, previous=lambda path: None) -> BlogPlan:
    """Every file the build would own in the blog, as bytes."""
    sources = blog.at(blog.posts)
    if not os.path.isdir(sources):
        raise GeneratorError(f"the post sources folder {blog.posts}/ does not exist", blog.path, None,
                             f"create {blog.posts}/ and put YYYY-MM-DD-slug.md post sources in it")
    site = Site(blog.title, blog.language, "", blog.path)
    content = load_content(blog.at(blog.catalogue) if blog.catalogue else None, posts_dir=sources, site=site)
    env = render.post_environment()
    estimator = Estimator(content)
    files: dict[str, bytes] = {}
    placed: dict[str, tuple] = {}
    posts = []
    href = post_hrefs(blog.engine, (os.path.splitext(s.post_filename)[0] for s in content.posts))
    for source in content.posts:
        post = render.render_post(source, content, env, estimator, link_models=False, post_href=href)
        posts.append(post)
        path = f"{blog.posts_dir}/{blog.engine.post_name(source)}"
        body = wrap_tables(blog.engine, body_for(blog.engine, post.body, path, blog.assets), post.tables)
        files[path] = (blog.engine.front_matter(source) + body).encode("utf-8")
        placed[path] = post.tables
        for chart_path, svg in post.charts:
            files[_asset_path(blog, chart_path)] = svg.encode("utf-8")
    for support, data in blog.engine.support_files:
        if placed and any(placed.values()):
            files[support] = data
    optional = set()
    for site_path, data in seed_artifacts(content, posts, lambda p: previous(_asset_path(blog, p))).items():
        files[_asset_path(blog, site_path)] = data
        optional.add(_asset_path(blog, site_path))
    _refuse_collisions(files, blog)
    return BlogPlan(SitePlan(dict(sorted(files.items())), placed, tuple(posts)), frozenset(optional))


def _refuse_collisions(files: dict, blog: BlogConfig) -> None:
    for path in files:
        if path == MANIFEST or path in ("generator.yml", "_generator/config.yml") or path.startswith(blog.posts + "/"):
            raise GeneratorError(f"the build would write {path}, which is the generator's own input", blog.path,
                                 None, "set assets: to another folder")
