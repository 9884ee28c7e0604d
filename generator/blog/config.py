"""A blog's ``generator.yml``: which engine, where its post sources are, its language, where assets go."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from ..errors import GeneratorError, shown
from ..i18n import language
from ..safeio import MAX_TEXT_BYTES, read_bounded_or_none, write_exclusive
from ..yamlio import read_yaml_file
from .engines import ENGINES, Engine, engine

CONFIG_NAME = "generator.yml"
_KEYS = ("engine", "posts", "language", "assets", "catalogue", "title")


@dataclass(frozen=True)
class BlogConfig:
    root: str  # the blog folder
    path: str  # its generator.yml
    engine: Engine
    posts: str  # post sources, relative to root
    language: str
    assets: str  # where generated images go, relative to root ("." = root)
    catalogue: str | None  # a folder of catalogue files adding to the package's, relative to root
    title: str

    def at(self, relative: str) -> str:
        return os.path.normpath(os.path.join(self.root, relative))


def _relative_folder(data, key: str, path: str) -> str:
    value = data[key]
    line = data.line_of(key)
    if not isinstance(value, str) or not value.strip():
        raise GeneratorError(f"{key!r} must be a folder inside the blog, not {shown(value)}", path, line,
                             f"write {key}: as a path relative to the blog folder")
    normal = os.path.normpath(value.strip()).replace(os.sep, "/")
    if os.path.isabs(value) or normal == ".." or normal.startswith("../") or "\0" in value:
        raise GeneratorError(f"{key!r} must stay inside the blog folder, not {value!r}", path, line,
                             f"write {key}: as a path relative to the blog folder")
    return normal


def load_blog(root: str) -> BlogConfig:
    path = os.path.join(root, CONFIG_NAME)
    if not os.path.isdir(root):
        raise GeneratorError("blog folder not found", root, None, "pass --blog DIR, the folder of your blog")
    if not os.path.isfile(path):
        raise GeneratorError(f"no {CONFIG_NAME} in the blog folder", root, None,
                             f"run `python -m generator init --blog {root} --engine jekyll` (or hugo, mkdocs, hexo)")
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise GeneratorError(f"{CONFIG_NAME} must be a mapping of settings", path, 1, "write 'key: value' lines")
    for key in data:
        if key not in _KEYS:
            raise GeneratorError(f"unknown setting {key!r}", path, data.line_of(key), "use one of: " + ", ".join(_KEYS))
    for key in ("engine", "posts"):
        if key not in data:
            raise GeneratorError(f"missing setting {key!r}", path, 1, f"add '{key}:'")
    engine_ = engine(data["engine"], path, data.line_of("engine"))
    posts = _relative_folder(data, "posts", path)
    assets = _relative_folder(data, "assets", path) if "assets" in data else engine_.assets_dir
    catalogue = _relative_folder(data, "catalogue", path) if "catalogue" in data else None
    lang = language(data.get("language", "en"), path, data.line_of("language") if "language" in data else None)
    title = data.get("title", os.path.basename(os.path.abspath(root)))
    if not isinstance(title, str):
        raise GeneratorError(f"'title' must be text, not {shown(title)}", path, data.line_of("title"), "quote it")
    written = os.path.normpath(engine_.posts_dir)
    if posts == written or posts.startswith(written + "/") or written.startswith(posts + "/") or posts == ".":
        raise GeneratorError(f"the post sources ({posts}/) and the posts the build writes ({written}/) overlap",
                             path, data.line_of("posts"), f"keep the sources elsewhere, e.g. posts: {engine_.sources_dir}")
    _refuse_links(root, path, data, engine_, posts, assets, catalogue)
    return BlogConfig(root, path, engine_, posts, lang, assets, catalogue, title)


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _refuse_links(root, path, data, engine_, posts, assets, catalogue) -> None:
    """The folders generator.yml names must be real places inside the blog: not a symlink out of it, not the blog
    folder itself, not the engine's posts folder (for the sources), and a folder where one is needed."""
    real_root = os.path.realpath(root)
    written = os.path.realpath(os.path.join(root, engine_.posts_dir))
    for key, relative in (("posts", posts), ("assets", assets), ("catalogue", catalogue)):
        if relative is None:
            continue
        line = data.line_of(key) if key in data else None
        place = os.path.join(root, relative)
        real = os.path.realpath(place)
        if not _inside(real, real_root):
            raise GeneratorError(f"{key}: {relative} resolves through a symlink out of the blog folder (to {real})",
                                 path, line, f"make {relative} a real folder inside the blog")
        if os.path.exists(real) and not os.path.isdir(real):
            raise GeneratorError(f"{key}: {relative} is a file, not a folder", path, line,
                                 f"name a folder for {key}: in {CONFIG_NAME}")
        if key == "posts" and (real == real_root or _inside(real, written) or _inside(written, real)):
            what = "the blog folder itself" if real == real_root else f"the posts the build writes ({engine_.posts_dir}/)"
            raise GeneratorError(f"posts: {relative} resolves to {what}", path, line,
                                 f"keep the sources in a folder of their own, e.g. posts: {engine_.sources_dir}")


def config_text(engine_: Engine, lang: str) -> str:
    return (f"# Settings of the VRAM tables plugin (`python -m generator`); the rest of the blog is yours.\n"
            f"# Post sources with table calls go in `posts`; `python -m generator build --blog .` renders them\n"
            f"# into {engine_.posts_dir}/ and writes only files it owns (listed in .generator-manifest).\n"
            f"engine: {engine_.name}  # {engine_.docs}\n"
            f"posts: {engine_.sources_dir}\n"
            f"language: {lang}  # table headers and chart labels, unless a post's front matter has `lang`\n"
            f"assets: {engine_.assets_dir}  # charts and images go under {engine_.assets_dir}/images/\n"
            f"# catalogue: _generator  # a folder of models.yaml / gpus.yaml / frameworks.yaml / benchmarks/ adding\n"
            f"#                        # to the package's catalogue (same schema)\n")


def init_blog(root: str, engine_name: str, lang: str = "en") -> list[str]:
    """Write ``generator.yml`` and create the post sources folder; nothing else. Refuses an existing config."""
    engine_ = engine(engine_name)
    lang = language(lang)
    if not os.path.isdir(root):
        raise GeneratorError("blog folder not found", root, None, "create it or pass the folder of your blog")
    path = os.path.join(root, CONFIG_NAME)
    if os.path.lexists(path):
        raise GeneratorError(f"{CONFIG_NAME} already exists; init changes nothing", path, None,
                             "edit it, or remove it to start again")
    sources = os.path.join(root, engine_.sources_dir)
    real_root = os.path.realpath(root)
    if not _inside(os.path.realpath(sources), real_root):
        raise GeneratorError(f"{engine_.sources_dir} resolves through a symlink out of the blog folder; init "
                             "changes nothing", sources, None, "remove the symlink, then run init again")
    if os.path.exists(sources) and not os.path.isdir(sources):
        raise GeneratorError(f"{engine_.sources_dir} is a file where init would make the post sources folder; init "
                             "changes nothing", sources, None, "move the file away, then run init again")
    made: list[str] = []  # folders made here, deepest last: removed again if anything fails
    try:
        folder = real_root
        for part in os.path.normpath(engine_.sources_dir).split(os.sep):
            folder = os.path.join(folder, part)
            if not os.path.isdir(folder):
                os.mkdir(folder)
                made.append(folder)
        write_exclusive(path, config_text(engine_, lang).encode("utf-8"), 0o644)
    except OSError as exc:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise GeneratorError(f"cannot write {CONFIG_NAME}: {exc.strerror}; init changed nothing", path, None,
                             "check permissions") from None
    return [path] + ([sources + os.sep] if made else [])


def guess_engine(root: str) -> str | None:
    """The engine whose marker files the folder has (Hexo and Jekyll both have _config.yml: package.json with
    hexo tells them apart)."""
    try:
        package = read_bounded_or_none(os.path.join(root, "package.json"), MAX_TEXT_BYTES, "package.json") or b""
    except (OSError, GeneratorError):
        package = b""
    hexo = b'"hexo"' in package
    for name, engine_ in ENGINES.items():
        if name == "hexo" and not hexo or name == "jekyll" and hexo:
            continue
        if any(os.path.isfile(os.path.join(root, m)) for m in engine_.markers):
            return name
    return None
