"""A blog's settings (``_generator/config.yml``): which engine, where its post sources are, its language, where
assets go.

Everything of the plugin's own lives where no engine publishes it without the author touching their config: the
settings and post sources in ``_generator/`` (Jekyll and Hexo skip folders starting with ``_``; Hugo, MkDocs and
Hexo read only their content folders), the manifest in ``.generator-manifest`` (a dotfile: skipped by all four).
A blog set up before keeps its ``generator.yml`` at the top; it is read as before, and ``build`` says how to move
it (Jekyll publishes a top-level ``generator.yml``)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from generator.blog.engines import ENGINES, Engine, engine
from generator.blog.names import CONFIG_NAME, LEGACY_CONFIG_NAME, config_path
from generator.core.errors import GeneratorError, program, shown
from generator.core.safeio import MAX_TEXT_BYTES, read_bounded_or_none, write_exclusive
from generator.core.yamlio import read_yaml_file
from generator.render.i18n import language

_KEYS = ("engine", "posts", "language", "assets", "catalogue", "title", "section")


@dataclass(frozen=True)
class BlogConfig:
    root: str  # the blog folder
    path: str  # its settings: _generator/config.yml (or a generator.yml from before)
    engine: Engine
    posts: str  # post sources, relative to root
    language: str
    assets: str  # where generated images go, relative to root ("." = root)
    catalogue: str | None  # a folder of catalogue files adding to the package's, relative to root
    title: str
    posts_dir: str = ""  # where the engine reads posts (Hugo: content/<section>), relative to root

    @property
    def legacy(self) -> bool:
        """Settings in a top-level generator.yml (Jekyll publishes it): the build says how to move them."""
        return os.path.basename(self.path) == LEGACY_CONFIG_NAME

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
    if not os.path.isdir(root):
        raise GeneratorError("blog folder not found", root, None, "pass --blog DIR, the folder of your blog")
    path = config_path(root)
    if path is None:
        raise GeneratorError(f"no {CONFIG_NAME} in the blog folder", root, None,
                             f"run `{program()} init --blog {root}` first")
    legacy = os.path.join(root, LEGACY_CONFIG_NAME)
    if not path.endswith(LEGACY_CONFIG_NAME) and os.path.isfile(legacy):
        raise GeneratorError(f"both {CONFIG_NAME} and {LEGACY_CONFIG_NAME} are here", legacy, None,
                             f"keep one: delete {LEGACY_CONFIG_NAME} (the settings are read from {CONFIG_NAME})")
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise GeneratorError("the settings must be a mapping", path, 1, "write 'key: value' lines")
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
    written = _posts_dir(engine_, data, path)
    if posts == written or posts.startswith(written + "/") or written.startswith(posts + "/") or posts == ".":
        raise GeneratorError(f"the post sources ({posts}/) and the posts the build writes ({written}/) overlap",
                             path, data.line_of("posts"), f"keep the sources elsewhere, e.g. posts: {engine_.sources_dir}")
    _refuse_links(root, path, data, written, engine_, posts, assets, catalogue)
    return BlogConfig(root, path, engine_, posts, lang, assets, catalogue, title, written)


def _posts_dir(engine_: Engine, data, path: str) -> str:
    """Where the build writes posts: the engine's folder; for Hugo, content/<section> (``section: posts`` by
    default; a site whose posts live in content/blog/ writes ``section: blog``)."""
    if "section" not in data:
        return os.path.normpath(engine_.posts_dir).replace(os.sep, "/")
    line = data.line_of("section")
    if engine_.name != "hugo":
        raise GeneratorError(f"'section' is a Hugo setting; {engine_.name} reads posts from {engine_.posts_dir}/",
                             path, line, "remove the line")
    section = data["section"]
    if not isinstance(section, str) or not section.strip() or \
            not all(part and part not in (".", "..") for part in section.strip().strip("/").split("/")) or \
            "\0" in section or "\\" in section:
        raise GeneratorError(f"'section' must be a folder name under content/, not {shown(section)}", path, line,
                             "write e.g. section: blog")
    return "content/" + section.strip().strip("/")


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _refuse_links(root, path, data, posts_dir, engine_, posts, assets, catalogue) -> None:
    """The folders the settings name must be real places inside the blog: not a symlink out of it, not the blog
    folder itself, not the engine's posts folder (for the sources), and a folder where one is needed."""
    real_root = os.path.realpath(root)
    written = os.path.realpath(os.path.join(root, posts_dir))
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
            what = "the blog folder itself" if real == real_root else f"the posts the build writes ({posts_dir}/)"
            raise GeneratorError(f"posts: {relative} resolves to {what}", path, line,
                                 f"keep the sources in a folder of their own, e.g. posts: {engine_.sources_dir}")


def config_text(engine_: Engine, lang: str, lang_note: str = "") -> str:
    section = "# section: posts  # Hugo: the content/ section the build writes posts into\n" \
        if engine_.name == "hugo" else ""
    return (f"# Settings of the VRAM tables plugin (`generator`); the rest of the blog is yours. This folder\n"
            f"# (_generator/) is never published. Post sources with table calls go in `posts`;\n"
            f"# `generator build --blog .` renders them into {engine_.posts_dir}/ and writes only files it owns\n"
            f"# (listed in .generator-manifest).\n"
            f"engine: {engine_.name}  # {engine_.docs}\n"
            f"posts: {engine_.sources_dir}\n"
            f"language: {lang}  # table headers and chart labels, unless a post's front matter has `lang`"
            f"{'; ' + lang_note if lang_note else ''}\n"
            f"assets: {engine_.assets_dir}  # charts and images go under {engine_.assets_dir}/images/\n"
            f"{section}"
            f"# catalogue: _generator  # a folder of models.yaml / gpus.yaml / frameworks.yaml / benchmarks/ adding\n"
            f"#                        # to the package's catalogue (same schema)\n")


def init_blog(root: str, engine_name: str, lang: str, lang_note: str = "") -> list[str]:
    """Write ``_generator/config.yml`` and create the post sources folder; nothing else. Refuses an existing
    config (this name or the older generator.yml)."""
    engine_ = engine(engine_name)
    lang = language(lang)
    if not os.path.isdir(root):
        raise GeneratorError("blog folder not found", root, None, "create it or pass the folder of your blog")
    existing = config_path(root)
    if existing is not None:
        raise GeneratorError(f"{os.path.relpath(existing, root)} already exists; init changes nothing", existing,
                             None, "edit it, or remove it to start again")
    path = os.path.join(root, *CONFIG_NAME.split("/"))
    sources = os.path.join(root, engine_.sources_dir)
    real_root = os.path.realpath(root)
    for place, name in ((os.path.dirname(path), os.path.dirname(CONFIG_NAME)), (sources, engine_.sources_dir)):
        if not _inside(os.path.realpath(place), real_root):
            raise GeneratorError(f"{name} resolves through a symlink out of the blog folder; init changes nothing",
                                 place, None, "remove the symlink, then run init again")
        if os.path.exists(place) and not os.path.isdir(place):
            raise GeneratorError(f"{name} is a file where init would make a folder; init changes nothing", place,
                                 None, "move the file away, then run init again")
    made: list[str] = []  # folders made here, deepest last: removed again if anything fails
    try:
        folder = real_root
        for part in os.path.normpath(engine_.sources_dir).split(os.sep):
            folder = os.path.join(folder, part)
            if not os.path.isdir(folder):
                os.mkdir(folder)
                made.append(folder)
        write_exclusive(path, config_text(engine_, lang, lang_note).encode("utf-8"), 0o644)
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


# Where each engine keeps the site's language: (config files in the order the engine reads them, keys tried in
# order; "a.b" is a nested key). Hugo's keys are case-insensitive; Hugo's docs:
# https://gohugo.io/getting-started/configuration/#languagecode, Jekyll themes read `lang` (minima's
# _layouts/default.html: <html lang="{{ site.lang | default: "en" }}">), MkDocs: theme.language
# (https://www.mkdocs.org/user-guide/configuration/#theme), Hexo: language (https://hexo.io/docs/configuration).
_LANGUAGE_KEYS = {
    "jekyll": (("_config.yml", "_config.yaml"), ("lang", "locale")),
    "hugo": (("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
              "config.json"), ("languagecode", "defaultcontentlanguage")),
    "mkdocs": (("mkdocs.yml", "mkdocs.yaml"), ("theme.language",)),
    "hexo": (("_config.yml",), ("language",)),
}


def _read_site_config(path: str):
    """A site's own config as a mapping (TOML, JSON or YAML), None where it cannot be read. Tags such as
    MkDocs' ``!!python/name:`` are read as plain values: only the language is wanted."""
    import json
    try:
        with open(path, "rb") as handle:
            raw = handle.read(1_000_000)
        if path.endswith(".toml"):
            import tomllib
            return tomllib.loads(raw.decode("utf-8"))
        if path.endswith(".json"):
            return json.loads(raw.decode("utf-8"))
        import yaml

        class _Loader(yaml.SafeLoader):
            pass
        _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
        return yaml.load(raw.decode("utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except (OSError, ValueError, UnicodeDecodeError, Exception):  # noqa: BLE001 - no language found, not an error
        return None


def _lookup(data, dotted: str):
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        folded = {str(k).casefold(): v for k, v in data.items()}
        data = folded.get(part)
    if isinstance(data, list) and data:  # Hexo: `language: [zh-CN, en]`, the first is the default
        data = data[0]
    return data if isinstance(data, str) and data.strip() else None


def _words_for(tag: str) -> str | None:
    """The language we have table words for that a site's tag asks for: zh-CN for Simplified Chinese tags
    (zh, zh-CN, zh-Hans, zh-SG), en for any English one; None for others (zh-TW has other characters)."""
    try:
        return language(tag)
    except GeneratorError:
        pass
    folded = tag.strip().replace("_", "-").casefold()
    if folded == "en" or folded.startswith("en-"):
        return "en"
    if folded.startswith(("zh-hans", "zh-cn", "zh-sg", "zh-my")):
        return "zh-CN"
    return None


def blog_language(root: str, engine_name: str) -> tuple[str, str]:
    """(language, how it was chosen) for ``init``: the engine config's language where we have its words, else en."""
    names, keys = _LANGUAGE_KEYS.get(engine_name, ((), ()))
    for name in names:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        data = _read_site_config(path)
        for key in keys:
            tag = _lookup(data, key)
            if tag is None:
                continue
            shown_key = {"languagecode": "languageCode", "defaultcontentlanguage": "defaultContentLanguage"}.get(key, key)
            found = _words_for(tag)
            if found is None:
                return "en", f"{name} has {shown_key} {tag!r}, which has no table words yet: en"
            return found, f"from {name} ({shown_key}: {tag})"
        break  # the engine reads the first config file it finds
    return "en", "the site's config names no language: en"
