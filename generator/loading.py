"""Read everything under ``content/`` into typed records, each knowing its file and line.

This is the only module that reads content files. Every problem becomes a :class:`GeneratorError` that
names the file, the line and the fix.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .calc.architecture import Architecture
from .calc.estimator import FrameworkProfile, GpuSpec
from .catalogue import package_catalogue_dir
from .escape import MAX_SLUG
from .errors import GeneratorError, shown
from .model_config import architecture_from_model_entry
from .profiles import load_frameworks, load_gpus
from .yamlio import LocatedDict, LocatedList, parse_yaml, read_text_file, read_yaml_file


@dataclass(frozen=True)
class Model:
    id: str
    params_b: float
    config: LocatedDict | None
    architecture: Architecture | None  # None: no config.json facts, so only the seed's method applies

    def require_architecture(self) -> Architecture:
        """The architecture, for anything that estimates; a model without config facts is bad input here."""
        if self.architecture is None:
            raise GeneratorError(f"model {self.id!r} has no config", self.path, self.line,
                                 "add its config.json facts under 'config:'")
        return self.architecture
    note: str | None
    path: str
    line: int


@dataclass(frozen=True)
class BenchmarkRow:
    benchmark: str
    model: str
    quantization: str
    input_length: int
    gpus: int
    memory_gib: float
    speed_tokens_per_s: float | None
    path: str
    line: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.model, self.quantization, self.input_length)

    @property
    def label(self) -> str:
        return f"{self.model} {self.quantization} {self.input_length} tokens"


@dataclass(frozen=True)
class Benchmark:
    id: str
    source: dict
    environment: dict
    rows: tuple[BenchmarkRow, ...]
    path: str


@dataclass(frozen=True)
class PostSource:
    path: str
    date: date
    slug: str
    front_matter_text: str  # copied verbatim into the published post, "---" lines included
    front_matter: dict
    body: str
    body_first_line: int  # line of ``body``'s first line in the source file

    @property
    def post_filename(self) -> str:
        return f"{self.date.isoformat()}-{self.slug}.md"

    @property
    def title(self) -> str:
        return str(self.front_matter["title"])


@dataclass(frozen=True)
class ModelPages:
    """What each model's page estimates: a framework, quantizations, context lengths and the GPUs to fit."""

    framework: str
    quantizations: tuple[str, ...]
    contexts: tuple[int, ...]
    gpus: tuple[str, ...]
    multi_card: str


@dataclass(frozen=True)
class Site:
    title: str
    lang: str
    description: str
    path: str
    model_pages: ModelPages | None = None


@dataclass(frozen=True)
class Catalogue:
    """What the estimator needs: models, framework profiles and GPUs."""

    models: dict[str, Model]
    frameworks: tuple[FrameworkProfile, ...]
    gpus: dict[str, GpuSpec]


@dataclass(frozen=True)
class Content:
    root: str
    site: Site
    models: dict[str, Model]
    benchmarks: dict[str, Benchmark]
    rows: dict[tuple[str, str, int], BenchmarkRow]
    posts: tuple[PostSource, ...] = field(default_factory=tuple)
    frameworks: tuple[FrameworkProfile, ...] = ()
    gpus: dict[str, GpuSpec] = field(default_factory=dict)


# -- field validation ---------------------------------------------------------------------------------------

def _mapping(value, path: str, line: int, what: str) -> LocatedDict:
    if not isinstance(value, dict):
        raise GeneratorError(f"{what} must be a mapping, not {_type_name(value)}", path, line,
                             "write it as 'key: value' lines")
    return value


def _type_name(value) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "text",
            type(None): "nothing"}.get(type(value), "a list" if isinstance(value, list) else
                                       "a mapping" if isinstance(value, dict) else type(value).__name__)


def _check_keys(data: LocatedDict, path: str, what: str, required: tuple, optional: tuple = ()) -> None:
    for key in data:
        if key not in required and key not in optional:
            allowed = ", ".join(required + optional)
            raise GeneratorError(f"unknown field {key!r} in {what}", path, data.line_of(key),
                                 f"remove it or use one of: {allowed}")
    for key in required:
        if key not in data:
            raise GeneratorError(f"missing field {key!r} in {what}", path, data.line,
                                 f"add '{key}:' to it")


def _text(data: LocatedDict, key: str, path: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise GeneratorError(f"field {key!r} must be non-empty text, not {_type_name(value)}", path,
                             data.line_of(key), f"write {key} as text")
    return value


# Plausible magnitudes: a number outside these is a typo or a wrong unit, and a huge one (1e308, 10**400) would
# overflow the arithmetic downstream. Parameters in billions, memory in GiB, speeds in tokens/s, token counts.
MIN_NUMBER, MAX_NUMBER = 1e-6, 1e9
MAX_WHOLE = 10**9


def _positive_number(data: LocatedDict, key: str, path: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = " (YAML reads 1e9 as text: write 1.0e+9)" if isinstance(value, str) and _looks_numeric(value) else ""
        raise GeneratorError(f"field {key!r} must be a number, not {_type_name(value)}{hint}", path,
                             data.line_of(key), f"write {key} as a positive number")
    if isinstance(value, float) and not math.isfinite(value) or value <= 0:
        raise GeneratorError(f"field {key!r} must be a positive number, not {shown(value)}", path,
                             data.line_of(key), f"give {key} a value above zero")
    if not MIN_NUMBER <= value <= MAX_NUMBER:
        raise GeneratorError(f"field {key!r} must be between {MIN_NUMBER:g} and {MAX_NUMBER:g}, not {shown(value)}",
                             path, data.line_of(key), f"check {key}'s unit and digits")
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _positive_int(data: LocatedDict, key: str, path: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise GeneratorError(f"field {key!r} must be a whole number, not {_type_name(value)}", path,
                             data.line_of(key), f"write {key} as a whole number above zero")
    if value <= 0:
        raise GeneratorError(f"field {key!r} must be above zero, not {shown(value)}", path, data.line_of(key),
                             f"give {key} a whole number above zero")
    if value > MAX_WHOLE:
        raise GeneratorError(f"field {key!r} must be at most {MAX_WHOLE:,}, not {shown(value)}", path,
                             data.line_of(key), f"check {key}'s digits")
    return value


def _list(data: LocatedDict, key: str, path: str) -> LocatedList:
    value = data[key]
    if not isinstance(value, list):
        raise GeneratorError(f"field {key!r} must be a list, not {_type_name(value)}", path,
                             data.line_of(key), f"write {key} as a list of '- ' items")
    if not value:
        raise GeneratorError(f"field {key!r} is an empty list", path, data.line_of(key),
                             f"add at least one item to {key}")
    return value


def _source(data: LocatedDict, path: str) -> dict:
    source = _mapping(data["source"], path, data.line_of("source"), "'source'")
    _check_keys(source, path, "'source'", ("title", "url"), ("note",))
    _text(source, "title", path)
    _text(source, "url", path)
    return dict(source)


# -- files ----------------------------------------------------------------------------------------------------

def _text_list(data: LocatedDict, key: str, path: str) -> tuple[str, ...]:
    items = _list(data, key, path)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise GeneratorError(f"each item of {key!r} must be text, not {shown(item)}", path, items.line_of(index),
                                 f"write {key} as a list of names")
    return tuple(items)


def _model_pages(data: LocatedDict, path: str) -> ModelPages:
    _check_keys(data, path, "'model_pages'", ("framework", "quantizations", "contexts", "gpus", "multi_card"))
    contexts = _list(data, "contexts", path)
    for index, tokens in enumerate(contexts):
        if isinstance(tokens, bool) or not isinstance(tokens, int) or not 0 < tokens <= MAX_WHOLE:
            raise GeneratorError(f"each context must be a whole number of tokens from 1 to {MAX_WHOLE:,}, not "
                                 f"{shown(tokens)}", path,
                                 contexts.line_of(index), "write contexts as token counts such as 4096")
    return ModelPages(_text(data, "framework", path), _text_list(data, "quantizations", path), tuple(contexts),
                      _text_list(data, "gpus", path), _text(data, "multi_card", path))


def load_site(path: str) -> Site:
    data = _mapping(read_yaml_file(path), path, 1, "the site file")
    _check_keys(data, path, "the site file", ("title", "lang", "description"), ("model_pages",))
    pages = None
    if "model_pages" in data:
        pages = _model_pages(_mapping(data["model_pages"], path, data.line_of("model_pages"), "'model_pages'"), path)
    return Site(_text(data, "title", path), _text(data, "lang", path), _text(data, "description", path), path, pages)


def load_models(path: str) -> dict[str, Model]:
    data = _mapping(read_yaml_file(path), path, 1, "the models file")
    _check_keys(data, path, "the models file", ("source", "models"))
    _source(data, path)
    models: dict[str, Model] = {}
    entries = _list(data, "models", path)
    for index, entry in enumerate(entries):
        entry = _mapping(entry, path, entries.line_of(index), "a model")
        _check_keys(entry, path, "a model", ("id", "params_b"), ("config", "note"))
        model_id = _text(entry, "id", path)
        if model_id in models:
            raise GeneratorError(f"duplicate model id {model_id!r} (first at line {models[model_id].line})",
                                 path, entry.line_of("id"), "give each model its own id")
        config = entry.get("config")
        if config is not None:
            config = _mapping(config, path, entry.line_of("config"), "'config'")
        note = _text(entry, "note", path) if "note" in entry else None
        architecture = architecture_from_model_entry(entry) if config is not None else None
        models[model_id] = Model(model_id, _positive_number(entry, "params_b", path), config, architecture, note,
                                 path, entry.line)
    return models


def load_benchmark(path: str, models: dict[str, Model]) -> Benchmark:
    benchmark_id = os.path.splitext(os.path.basename(path))[0]
    data = _mapping(read_yaml_file(path), path, 1, "a benchmark file")
    _check_keys(data, path, "a benchmark file", ("source", "environment", "rows"))
    source = _source(data, path)
    environment = _mapping(data["environment"], path, data.line_of("environment"), "'environment'")
    rows = []
    entries = _list(data, "rows", path)
    for index, entry in enumerate(entries):
        entry = _mapping(entry, path, entries.line_of(index), "a benchmark row")
        _check_keys(entry, path, "a benchmark row", ("model", "quantization", "input_length", "gpus", "memory_gib"),
                    ("speed_tokens_per_s",))
        model = _text(entry, "model", path)
        if model not in models:
            raise GeneratorError(f"unknown model {model!r}", path, entry.line_of("model"),
                                 "add it to content/models.yaml or fix the name")
        speed = _positive_number(entry, "speed_tokens_per_s", path) if "speed_tokens_per_s" in entry else None
        rows.append(BenchmarkRow(benchmark_id, model, _text(entry, "quantization", path),
                                 _positive_int(entry, "input_length", path), _positive_int(entry, "gpus", path),
                                 _positive_number(entry, "memory_gib", path), speed, path, entry.line))
    return Benchmark(benchmark_id, source, dict(environment), tuple(rows), path)


_POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-([a-z0-9][a-z0-9-]*)\.md$")


def parse_post(text: str, path: str) -> PostSource:
    """Split a post source into its front matter (kept verbatim) and its templated body."""
    match = _POST_NAME.match(os.path.basename(path))
    if not match:
        raise GeneratorError("a post source must be named YYYY-MM-DD-slug.md (slug: a-z, 0-9, '-')", path, None,
                             "rename the file")
    if len(match[4]) > MAX_SLUG:
        raise GeneratorError(f"the post's slug is {len(match[4])} characters long, more than {MAX_SLUG}", path, None,
                             "rename the file with a shorter slug")
    try:
        file_date = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise GeneratorError("the date in the file name is not a real date", path, None, "rename the file") from None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise GeneratorError("a post must start with a '---' front matter line", path, 1,
                             "add front matter: ---, title: ..., date: ..., ---")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") == "---"), None)
    if end is None:
        raise GeneratorError("the front matter is not closed", path, 1, "add a '---' line after the front matter")
    front = parse_yaml("".join(lines[1:end]), path, first_line=2)
    front = _mapping(front, path, 2, "the front matter")
    for key in ("layout", "title", "date"):
        if key not in front:
            raise GeneratorError(f"missing field {key!r} in the front matter", path, 1, f"add '{key}:' to it")
    _text(front, "title", path)
    front_date = _jekyll_date(front["date"])
    if front_date is None:
        raise GeneratorError(f"front matter 'date' must be a date like 2024-09-03 08:00:00 +0800, not {shown(front['date'])}",
                             path, front.line_of("date"), "fix the date")
    if front_date != file_date:
        raise GeneratorError(f"front matter date {front_date} differs from the file name's {file_date}", path,
                             front.line_of("date"), "make the two dates agree")
    return PostSource(path, file_date, match[4], "".join(lines[: end + 1]), dict(front), "".join(lines[end + 1:]),
                      end + 2)


def _jekyll_date(value) -> date | None:
    """Jekyll's ``YYYY-MM-DD HH:MM:SS +0800`` is text to YAML (its zone lacks a colon); accept it and YAML's own."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                return datetime.strptime(value.strip(), pattern).date()
            except ValueError:
                continue
    return None


def read_tree(folder: str) -> dict[str, bytes]:
    """Every file under ``folder`` by its "/"-separated relative path, in sorted order; symlinks refused."""
    found: dict[str, bytes] = {}
    if not os.path.isdir(folder):
        return found
    for dirpath, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                raise GeneratorError("a symlink among the templates", path, None, "replace it with the file itself")
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder).replace(os.sep, "/")] = handle.read()
    return found


def _files(directory: str, suffix: str) -> list[str]:
    if not os.path.isdir(directory):
        return []
    # Sorted: file-system order differs between machines and output must not.
    return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                  if name.endswith(suffix) and not name.startswith("."))


def _content_root(root: str) -> str:
    if not os.path.isdir(root):
        raise GeneratorError("content folder not found", root, None, "pass --content DIR pointing at the content")
    return root


def content_file(root: str, path: str) -> str:
    """``path``, refused if it is a symlink (or under one) that leads outside the content folder ``root``, or is
    not a regular file (a FIFO would block the build). A missing file is left to the reader to report."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root:
        raise GeneratorError(f"a symlink that leads outside the content folder (to {real})", path, None,
                             "copy the file into the content folder instead of linking to it")
    if os.path.exists(real) and not os.path.isfile(real):
        raise GeneratorError("not a regular file", path, None, "replace it with a plain text file")
    return path


def catalogue_layers(root: str | None) -> list[str]:
    """The folders whose catalogue files are read, in order: the package's own, then ``root`` (a blog's or this
    repository's content folder) if it is another folder. A later layer adds entries and overrides the earlier
    ones of the same id (models), name (GPUs), engine (framework profiles) or file name (benchmarks)."""
    layers = [package_catalogue_dir()]
    if root is not None:
        root = _content_root(root)
        if os.path.realpath(root) != os.path.realpath(layers[0]):
            layers.append(root)
    return layers


def _layer_file(layer: str, name: str) -> str | None:
    path = content_file(layer, os.path.join(layer, name))
    return path if os.path.exists(path) else None


def load_catalogue(root: str | None) -> Catalogue:
    models: dict[str, Model] = {}
    frameworks: tuple[FrameworkProfile, ...] = ()
    gpus: dict[str, GpuSpec] = {}
    for layer in catalogue_layers(root):
        if path := _layer_file(layer, "models.yaml"):
            models.update(load_models(path))
        if path := _layer_file(layer, "frameworks.yaml"):
            layer_profiles = load_frameworks(path)
            engines = {p.engine for p in layer_profiles}
            frameworks = tuple(p for p in frameworks if p.engine not in engines) + layer_profiles
        if path := _layer_file(layer, "gpus.yaml"):
            gpus.update(load_gpus(path))
    return Catalogue(models, frameworks, gpus)


def _benchmark_files(root: str | None) -> list[str]:
    by_name: dict[str, str] = {}
    for layer in catalogue_layers(root):
        for path in _files(os.path.join(layer, "benchmarks"), ".yaml"):
            by_name[os.path.basename(path)] = content_file(layer, path)
    return [by_name[name] for name in sorted(by_name)]


def load_content(root: str, posts_dir: str | None = None, site: Site | None = None) -> Content:
    """Everything a build needs. ``root`` is the content folder (its catalogue files overlay the package's);
    a blog passes its posts folder and its site settings instead of ``root``'s ``posts/`` and ``site.yaml``."""
    catalogue = load_catalogue(root)
    if site is None:
        site = load_site(content_file(root, os.path.join(root, "site.yaml")))
    models = catalogue.models
    benchmarks: dict[str, Benchmark] = {}
    rows: dict[tuple[str, str, int], BenchmarkRow] = {}
    for path in _benchmark_files(root):
        benchmark = load_benchmark(path, models)
        benchmarks[benchmark.id] = benchmark
        for row in benchmark.rows:
            if row.key in rows:
                first = rows[row.key]
                raise GeneratorError(f"duplicate benchmark row {row.label} (first at {first.path}:{first.line})",
                                     row.path, row.line, "keep one row per model, quantization and input length")
            rows[row.key] = row
    posts_root = root if posts_dir is None else posts_dir
    posts_dir = os.path.join(root, "posts") if posts_dir is None else posts_dir
    posts = tuple(parse_post(read_text_file(content_file(posts_root, path)), path)
                  for path in _files(posts_dir, ".md"))
    slugs: dict[str, str] = {}
    for post in posts:
        if post.slug in slugs:
            raise GeneratorError(f"duplicate post slug {post.slug!r} (also {slugs[post.slug]})", post.path, None,
                                 "give each post its own slug")
        slugs[post.slug] = post.path
    return Content(root, site, models, benchmarks, rows, posts, catalogue.frameworks, catalogue.gpus)
