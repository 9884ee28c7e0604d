"""Read everything under ``content/`` into typed records, each knowing its file and line.

Every content file is read from here: the engine logs through llamacpp_logs.py and vllm_logs.py, the framework
profiles and GPUs through generator/engines/profiles.py. Every problem becomes a :class:`GeneratorError` that
names the file, the line and the fix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from generator.calc.architecture import Architecture
from generator.calc.estimator import FrameworkProfile, GpuSpec, parse_framework, parse_quantization
from generator.core import limits
from generator.core.errors import GeneratorError, shown
# The shared validators live in fields.py and the config.json fields in model_config.py (catalogue/llamacpp_logs.py and
# vllm_logs.py use them too, and this module reads those: issue 19, no import circle); the names stay importable here.
from generator.core.fields import (LANG, MAPPING, NAME, NAMES, ROLE, SOURCE_FIELDS, TEXT, URL, VERSION, Field, Number, Whole,  # noqa: F401
                     check_fields, check_value)
from generator.core.fields import check_keys as _check_keys, check_source as _source, mapping_fields as _fields
from generator.core.fields import require_list as _list, require_mapping as _mapping
from generator.core.safeio import MAX_TEXT_BYTES, read_bounded
from generator.core.yamlio import LocatedDict, parse_yaml, read_text_file, read_yaml_file
from generator.engines.profiles import load_frameworks, load_gpus
from generator.families.model_config import CONFIG_FIELDS, architecture_from_model_entry
from generator.render.escape import MAX_SLUG


# The catalogue (models, GPUs, framework profiles, benchmarks) ships inside the package: an installed wheel carries
# it as generator/catalogue/data/ (pyproject maps that package to this repository's content/, the one source of
# those files), and a source checkout or editable install reads content/ itself. A blog adds or overrides entries
# with files of the same names in its own folder (load_catalogue).
CATALOGUE_FILES = ("models.yaml", "gpus.yaml", "frameworks.yaml")

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # generator/


def package_catalogue_dir() -> str:
    """The folder of the catalogue shipped with this package."""
    for candidate in (os.path.join(_PACKAGE, "catalogue", "data"), os.path.join(os.path.dirname(_PACKAGE), "content")):
        if all(os.path.isfile(os.path.join(candidate, name)) for name in CATALOGUE_FILES):
            return candidate
    raise GeneratorError("the package's model catalogue is missing", _PACKAGE, None,
                         "reinstall the package (pip install --force-reinstall generator)")


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
    # "calibration": constants were chosen while comparing with these rows; "held-out": only compared, never fitted.
    role: str = "calibration"
    # What the rows tuned: ({"constant": ..., "rows": ..., "note": ...}, ...), as the file's ``tuned:`` list says.
    tuned: tuple = ()


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
    # vLLM on each page: the version, and the --max-model-len its table states (the model's maximum when lower).
    vllm: str | None = None
    vllm_max_model_len: int = 8192
    # The context length the page's first sentences answer for.
    answer_context: int = 8192
    # "What can my card run": one page per card listed (its memory size names the page), site/fits/.
    fit_pages: tuple[str, ...] = ()


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
    # llama.cpp load logs (content/benchmarks/llamacpp-load-logs.yaml), see generator/catalogue/llamacpp_logs.py.
    llamacpp_logs: tuple = ()
    vllm_logs: object | None = None  # generator/catalogue/vllm_logs.py VllmLogs, from benchmarks/vllm-startup-logs.yaml


# -- field validation ---------------------------------------------------------------------------------------

def _resolved(resolve, value, path: str, line: int):
    """``resolve(value)`` (a quantization, framework or GPU by name), its error located at ``path:line``."""
    try:
        return resolve(value)
    except GeneratorError as exc:
        raise exc.located(path, line) from None


# Each file's fields: type, range and unit. Adding a field is one line here.
SITE_FIELDS = {"title": TEXT, "lang": LANG, "description": TEXT, "model_pages": MAPPING}
MODEL_PAGES_FIELDS = {"framework": NAME, "quantizations": NAMES, "contexts": MAPPING, "gpus": NAMES,
                      "multi_card": NAME}
MODEL_PAGES_OPTIONAL = {"vllm": NAME, "vllm_max_model_len": Whole(1, limits.MAX_TOKENS, "tokens"),
                        "answer_context": Whole(1, limits.MAX_TOKENS, "tokens"), "fit_pages": NAMES}
CONTEXT = Whole(1, limits.MAX_TOKENS, "tokens")
MODEL_FIELDS = {"id": NAME, "params_b": Number(0, limits.MAX_PARAMS_B, "billions of parameters"),
                "config": MAPPING, "note": TEXT, "source": URL}
BENCHMARK_FIELDS = {"source": MAPPING, "environment": MAPPING, "rows": MAPPING}
# What a benchmark ran with. ``transformers`` names the framework profile its rows are estimated with.
ENVIRONMENT_FIELDS = {
    "gpu": NAME, "cuda": VERSION, "pytorch": VERSION, "flash_attention": VERSION, "transformers": VERSION,
    "vllm": VERSION, "auto_gptq": VERSION, "autoawq": VERSION,
    "batch_size": Whole(1, limits.MAX_BATCH, "sequences"), "generated_tokens": Whole(0, limits.MAX_TOKENS, "tokens"),
    "memory_metric": TEXT, "gpus_policy": TEXT,
}
# A benchmark file's optional ``tuned:`` entries: which constant its rows tuned, and which rows.
TUNED_FIELDS = {"constant": TEXT, "rows": TEXT, "note": TEXT}
ROW_FIELDS = {"model": NAME, "quantization": NAME, "input_length": Whole(1, limits.MAX_TOKENS, "tokens"),
              "gpus": Whole(1, limits.MAX_GPUS, "GPUs"), "memory_gib": Number(0, limits.MAX_MEMORY_GIB, "GiB"),
              "speed_tokens_per_s": Number(0, 1e9, "tokens/s")}


# -- files ----------------------------------------------------------------------------------------------------

def _contexts(pages: LocatedDict, path: str) -> tuple[int, ...]:
    contexts = pages["contexts"]
    if not isinstance(contexts, list) or not contexts:
        raise GeneratorError(f"field 'contexts' must be a non-empty list of token counts, not {shown(contexts)}",
                             path, pages.line_of("contexts"), "write contexts: [4096, 8192]")
    return tuple(check_value(tokens, CONTEXT, "contexts", path, contexts.line_of(index))
                 for index, tokens in enumerate(contexts))


def _model_pages(data: LocatedDict, path: str, catalogue: Catalogue | None) -> ModelPages:
    """The model pages' settings, each name resolved against the catalogue at its own line."""
    fields = check_fields(data, path, "'model_pages'",
                          {**MODEL_PAGES_FIELDS, **MODEL_PAGES_OPTIONAL, "contexts": Field("any")},
                          tuple(MODEL_PAGES_FIELDS))
    optional = {key: value for key, value in fields.items() if key in MODEL_PAGES_OPTIONAL and value is not None}
    if "fit_pages" in optional:
        optional["fit_pages"] = tuple(optional["fit_pages"])
    pages = ModelPages(fields["framework"], tuple(fields["quantizations"]), _contexts(data, path),
                       tuple(fields["gpus"]), fields["multi_card"], **optional)
    runs = len(pages.quantizations) * len(pages.contexts) * (len(pages.gpus) + 1)
    if runs > limits.MAX_TABLE_CELLS:
        raise GeneratorError(f"each model page would estimate {runs:,} runs (quantizations x contexts x cards), more "
                             f"than {limits.MAX_TABLE_CELLS:,}", path, data.line, "list fewer of them")
    if catalogue is not None:
        _resolved(lambda spec: parse_framework(spec, catalogue.frameworks), pages.framework, path,
                  data.line_of("framework"))
        if pages.vllm is not None:
            profile = _resolved(lambda spec: parse_framework(spec, catalogue.frameworks), pages.vllm, path,
                                data.line_of("vllm"))
            if getattr(profile, "engine", "vllm") != "vllm":
                raise GeneratorError(f"field 'vllm' names {pages.vllm!r}, not a vLLM version", path,
                                     data.line_of("vllm"), "write vllm: vllm==0.11.0")
        for index, name in enumerate(pages.quantizations):
            _resolved(parse_quantization, name, path, data["quantizations"].line_of(index))
        cards = {name.lower() for name in catalogue.gpus}
        fit_lines = [(g, data["fit_pages"].line_of(i)) for i, g in enumerate(pages.fit_pages)]
        for name, line in [(g, data["gpus"].line_of(i)) for i, g in enumerate(pages.gpus)] + \
                [(pages.multi_card, data.line_of("multi_card"))] + fit_lines:
            if name.lower() not in cards:
                raise GeneratorError(f"unknown GPU {name!r}", path, line, "use one of: " + ", ".join(catalogue.gpus))
    return pages


def site_from_data(data, path: str, catalogue: Catalogue | None = None) -> Site:
    fields = _fields(data, path, 1, "the site file", SITE_FIELDS, ("title", "lang", "description"))
    pages = _model_pages(fields["model_pages"], path, catalogue) if "model_pages" in fields else None
    return Site(fields["title"], fields["lang"], fields["description"], path, pages)


def load_site(path: str, catalogue: Catalogue | None = None) -> Site:
    return site_from_data(read_yaml_file(path), path, catalogue)


def models_from_data(data, path: str) -> dict[str, Model]:
    data = _mapping(data, path, 1, "the models file")
    _check_keys(data, path, "the models file", ("source", "models"))
    _source(data, path)
    models: dict[str, Model] = {}
    entries = _list(data, "models", path)
    for index, entry in enumerate(entries):
        fields = _fields(entry, path, entries.line_of(index), "a model", MODEL_FIELDS, ("id", "params_b"))
        model_id = fields["id"]
        if model_id in models:
            raise GeneratorError(f"duplicate model id {model_id!r} (first at line {models[model_id].line})",
                                 path, entry.line_of("id"), "give each model its own id")
        config = fields.get("config")
        architecture = None
        if config is not None:
            check_fields(config, path, "'config'", CONFIG_FIELDS)
            architecture = architecture_from_model_entry(entry)
        models[model_id] = Model(model_id, fields["params_b"], config, architecture, fields.get("note"), path,
                                 entry.line)
    return models


def load_models(path: str) -> dict[str, Model]:
    return models_from_data(read_yaml_file(path), path)


def _environment(data: LocatedDict, path: str, frameworks) -> dict:
    environment = _fields(data["environment"], path, data.line_of("environment"), "'environment'",
                          ENVIRONMENT_FIELDS)
    if "transformers" in environment and frameworks is not None:
        _resolved(lambda version: parse_framework(f"transformers=={version}", frameworks), environment["transformers"],
                  path, data["environment"].line_of("transformers"))
    return data["environment"]


def benchmark_from_data(data, path: str, models: dict[str, Model], frameworks=None) -> Benchmark:
    benchmark_id = os.path.splitext(os.path.basename(path))[0]
    data = _mapping(data, path, 1, "a benchmark file")
    _check_keys(data, path, "a benchmark file", ("source", "environment", "rows"), ("role", "tuned"))
    source = _source(data, path)
    role = check_value(data.get("role", "calibration"), ROLE, "role", path, data.line_of("role"))
    tuned = ()
    if "tuned" in data:
        if role != "calibration":
            raise GeneratorError("a held-out benchmark tuned nothing", path, data.line_of("tuned"),
                                 "remove 'tuned:' or write role: calibration")
        items = _list(data, "tuned", path)
        tuned = tuple(_fields(item, path, items.line_of(index), "a 'tuned' entry", TUNED_FIELDS, ("constant", "rows"))
                      for index, item in enumerate(items))
    environment = _environment(data, path, frameworks)
    rows = []
    entries = _list(data, "rows", path)
    for index, entry in enumerate(entries):
        row = _fields(entry, path, entries.line_of(index), "a benchmark row", ROW_FIELDS,
                      ("model", "quantization", "input_length", "gpus", "memory_gib"))
        if row["model"] not in models:
            raise GeneratorError(f"unknown model {row['model']!r}", path, entry.line_of("model"),
                                 "add it to content/models.yaml or fix the name")
        _resolved(parse_quantization, row["quantization"], path, entry.line_of("quantization"))
        rows.append(BenchmarkRow(benchmark_id, row["model"], row["quantization"], row["input_length"], row["gpus"],
                                 row["memory_gib"], row.get("speed_tokens_per_s"), path, entry.line))
    return Benchmark(benchmark_id, source, environment, tuple(rows), path, role, tuned)


def load_benchmark(path: str, models: dict[str, Model], frameworks=None) -> Benchmark:
    return benchmark_from_data(read_yaml_file(path), path, models, frameworks)


# The front matter fields the build reads (Jekyll's others are copied as they are).
FRONT_MATTER_FIELDS = {"layout": NAME, "title": TEXT, "lang": LANG}
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
    for key, spec in FRONT_MATTER_FIELDS.items():
        if key in front:
            check_value(front[key], spec, key, path, front.line_of(key))
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
            try:
                found[os.path.relpath(path, folder).replace(os.sep, "/")] = read_bounded(path, MAX_TEXT_BYTES,
                                                                                         "template", follow=False)
            except OSError as exc:
                raise GeneratorError(f"cannot read a template: {exc.strerror}", path, None, "check the file") \
                    from None
    return found


def contained(root: str, path: str, what: str = "a file") -> str:
    """``path``, refused if it is (or lies under) a symlink that leads outside ``root`` (as Jekyll's safe mode
    refuses a symlinked file outside the site)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root:
        raise GeneratorError(f"{what} is a symlink that leads outside {root} (to {real})", path, None,
                             "copy the file in instead of linking to it")
    return path


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
        site = load_site(content_file(root, os.path.join(root, "site.yaml")), catalogue)
    models = catalogue.models
    benchmarks: dict[str, Benchmark] = {}
    rows: dict[tuple[str, str, int], BenchmarkRow] = {}
    from generator.catalogue.llamacpp_logs import LLAMACPP_LOGS_FILE, load_llamacpp_logs
    llamacpp_logs: tuple = ()
    vllm_logs = None
    for path in _benchmark_files(root):
        if os.path.basename(path) == LLAMACPP_LOGS_FILE:
            llamacpp_logs = load_llamacpp_logs(path, models)
            continue
        if os.path.basename(path) == "vllm-startup-logs.yaml":
            from generator.catalogue.vllm_logs import load_vllm_logs
            vllm_logs = load_vllm_logs(path, catalogue)
            continue
        benchmark = load_benchmark(path, models, catalogue.frameworks)
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
    return Content(root, site, models, benchmarks, rows, posts, catalogue.frameworks, catalogue.gpus, llamacpp_logs,
                   vllm_logs)
