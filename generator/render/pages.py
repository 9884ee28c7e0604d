"""Render post sources and pages with Jinja; Markdown to HTML with the ``markdown`` package.

A post's body is a Jinja template whose globals are the table calls (``load_table``, ``context_table``,
``benchmark_table``) and ``benchmark_row``; each call returns a Markdown table and records the
:class:`~generator.tables.table.Table` it placed, so ``check`` knows every published table by name.
"""

from __future__ import annotations

import functools
import inspect
import marshal
import os
import re
import traceback
from dataclasses import dataclass

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from generator.calc.estimator import parse_framework, parse_quantization
from generator.catalogue.loading import BenchmarkRow, Content, PostSource
from generator.core import memo
from generator.core import limits
from generator.core.errors import GeneratorError, program, shown
from generator.render import escape
from generator.render import i18n
from generator.render.formatting import format_number
from generator.render.post_sandbox import PostSandbox
from generator.tables import svg as charts
from generator.tables import estimate_charts
from generator.tables import estimates
from generator.tables import seed
from generator.tables import vllm_validation
from generator.tables.table import Table, table_html, table_markdown, without_links


@dataclass(frozen=True)
class RenderedPost:
    source: PostSource
    markdown: str  # the whole published post, front matter included
    tables: tuple[Table, ...]
    charts: tuple[tuple[str, str], ...] = ()  # (site path, SVG text) of each chart the post placed

    @property
    def body(self) -> str:
        return self.markdown[len(self.source.front_matter_text):]


class _TableCalls:
    """The functions a post may call, bound to one post while it renders."""

    def __init__(self, content: Content, estimator: estimates.Estimator, slug: str = "post",
                 lang: str = i18n.DEFAULT_LANGUAGE, link_models: bool = True, post_href=None):
        self.content = content
        self.post_href = post_href  # post id -> the link to it where this post is published; None: Jekyll's URL
        self.lang = lang
        self.link_models = link_models
        self.estimator = estimator
        self.slug = slug
        self.placed: list[Table] = []
        self.charts: dict[str, str] = {}

    # The calls a post (or an MkDocs page) may make, by what they give. The documentation's table-call reference is
    # made from this list and each call's signature and docstring (docs/hooks.py): one source, so it cannot drift.
    CALLS = {
        "tables": ("memory_table", "gpu_fit_table", "max_context_table", "vllm_capacity_table", "gpu_catalogue_table",
                   "load_table", "context_table", "benchmark_table", "validation_table", "validation_summary_table",
                   "llamacpp_validation_table", "llamacpp_validation_summary_table", "vllm_validation_table",
                   "vllm_validation_summary_table", "vllm_refusal_table", "glossary"),
        "charts": ("context_chart", "breakdown_chart", "validation_chart"),
        "values": ("benchmark_row", "model", "benchmark", "per_token_rate_mib", "kv_cache_bytes_per_token",
                   "logits_bytes_per_token", "framework_profile", "quantization", "llamacpp_logs", "vllm_logs",
                   "number", "post_link"),
    }

    def functions(self) -> dict:
        return {name: _checked_call(getattr(self, name)) for names in self.CALLS.values() for name in names}

    def glossary(self) -> str:
        """The terms every figure uses (generator/engines/glossary.py), as a Markdown list in the post's language."""
        from generator.engines import glossary
        return escape.MarkdownSafe(glossary.markdown(self.lang))

    def _place(self, table: Table) -> str:
        if any(t.name == table.name for t in self.placed):
            raise GeneratorError(f"two tables in this post are named {table.name!r}", fix="pass name='...' to tell them apart")
        table = i18n.localized_table(table, self.lang)
        if not self.link_models:
            table = without_links(table)
        self.placed.append(table)
        return escape.MarkdownSafe(table_markdown(table))

    def post_link(self, text, post_id) -> str:
        """A Markdown link to another post by its id ("2024-09-03-slug", the source's file name): this repository's
        Jekyll URL here; in a blog, the engine's own link to that post (Jekyll's post_url, Hugo's relref, a relative
        MkDocs page, Hexo's post_path), or the text alone where the blog does not have that post."""
        if not isinstance(post_id, str) or not re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})-([a-z0-9][a-z0-9-]*)", post_id):
            raise GeneratorError(f"post_link() needs a post id such as '2024-09-03-slug', not {shown(post_id)}",
                                 fix="pass the post source's file name without .md")
        if not isinstance(text, str) or not text.strip():
            raise GeneratorError("post_link() needs the link's text", fix='write post_link("this post", "2024-09-03-slug")')
        year, month, day, slug = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})-(.*)", post_id).groups()
        href = f"/{year}/{month}/{day}/{slug}.html" if self.post_href is None else self.post_href(post_id)
        shown_text = escape.markdown_text(text)
        return escape.MarkdownSafe(f"[{shown_text}]({href})" if href else shown_text)

    def _model(self, model_id) -> str:
        """A model id as the CLI takes it (``--config``): the catalogue's id, the Hub's (org/name, any case), or a
        fine-tuned variant of a catalogue model; an unknown one names the nearest ids."""
        if isinstance(model_id, str) and model_id in self.content.models:
            return model_id
        from generator.families.model_ids import resolve_model_id, unknown_model_error
        if not isinstance(model_id, str) or not model_id.strip():
            raise GeneratorError(f"a model id must be text such as 'Qwen2.5-7B-Instruct', not {shown(model_id)}",
                                 fix=f"`{program()} models` lists the ids")
        found = resolve_model_id(model_id.strip(), self.content.models)
        if found is None:
            error = unknown_model_error(model_id, self.content.models)
            suggestion = error.fix + "; " if error.fix and error.fix.startswith("did you mean") else ""
            raise GeneratorError(error.message, fix=suggestion + f"`{program()} models` lists the ids (a blog "
                                 "adds its own with `catalogue:` in its settings)")
        return found

    def _runs(self, runs):
        """``runs`` lists whose first item is a model id: that id resolved as :meth:`_model` does."""
        if not isinstance(runs, (list, tuple)):
            return runs
        return [[self._model(run[0]), *run[1:]] if isinstance(run, (list, tuple)) and run else run for run in runs]

    def _model_list(self, models):
        return [self._model(m) for m in models] if isinstance(models, (list, tuple)) else models

    def _models(self, models) -> list[str]:
        if not isinstance(models, (list, tuple)) or not models:
            raise GeneratorError("models must be a non-empty list of model ids", fix='write models=["Qwen2-7B-Instruct", ...]')
        return [self._model(m) for m in models]

    def benchmark_row(self, model, quantization, input_length) -> BenchmarkRow:
        """A reference to one row of a benchmark (``content/benchmarks/``), for ``context_table``'s ``rate_from`` and
        ``load_from`` and for ``per_token_rate_mib``."""
        row = self.content.rows.get((model, quantization, input_length))
        if row is None:
            raise GeneratorError(f"no benchmark row for {model!r} {quantization!r} {input_length!r}",
                                 fix="name a model, quantization and input_length that content/benchmarks/ has")
        return row

    def load_table(self, models, bits, name="load") -> str:
        """Per model: parameters, bits, and the load memory the seed's method gives, parameters x bits / 8."""
        bits = _positive(bits, "bits", high=limits.MAX_BITS)
        return self._place(seed.load_table(name, self.content, self._models(models), bits))

    def context_table(self, models, tokens, bits, name="context") -> str:
        """For each model and token count: the load memory (the formula, or the measured ``load_from`` row), the
        context memory (tokens x the per-token cost of the ``rate_from`` row) and the total. ``models`` is a list of
        ``{"model": id, "rate_from": benchmark_row(...), "load_from": benchmark_row(...)}`` (``load_from`` optional)."""
        bits = _positive(bits, "bits", high=limits.MAX_BITS)
        if not isinstance(tokens, (list, tuple)) or not tokens:
            raise GeneratorError("tokens must be a non-empty list of token counts", fix="write tokens=[4000, 8000]")
        tokens = [_positive(t, "each token count", whole=True) for t in tokens]
        if not isinstance(models, (list, tuple)) or not models:
            raise GeneratorError("models must be a non-empty list", fix='write models=[{"model": ..., "rate_from": ...}]')
        rows = []
        for spec in models:
            if not isinstance(spec, dict) or set(spec) - {"model", "rate_from", "load_from"} or \
                    not {"model", "rate_from"} <= set(spec):
                raise GeneratorError(f"each context_table model must be a mapping with 'model', 'rate_from' and "
                                     f"optionally 'load_from', not {spec!r}",
                                     fix='write {"model": "Qwen2-7B-Instruct", "rate_from": benchmark_row(...)}')
            for key in ("rate_from", "load_from"):
                if key in spec and not isinstance(spec[key], BenchmarkRow):
                    raise GeneratorError(f"{key} must be a benchmark_row(...), not {spec[key]!r}",
                                         fix=f'write "{key}": benchmark_row("Qwen2-7B-Instruct", "BF16", 30720)')
            rows.append(seed.ContextRow(self._model(spec["model"]), spec["rate_from"], spec.get("load_from")))
        return self._place(seed.context_table(name, self.content, rows, tokens, bits))

    def benchmark_table(self, models, quantization, name="benchmark") -> str:
        """A benchmark's rows of each model at one ``quantization`` (a benchmark label such as ``"BF16"``), their
        growth over the shortest input and the per-token cost; each model's highest cost in bold."""
        if not isinstance(quantization, str):
            raise GeneratorError("quantization must be text such as 'BF16'", fix='write quantization="BF16"')
        return self._place(seed.benchmark_table(name, self.content, self._models(models), quantization))


    # Numbers in a post's prose come from data too: these return values, ``number`` formats them.
    def model(self, model_id):
        """A model of the catalogue, for prose: its ``params_b`` and ``architecture``."""
        return self.content.models[self._model(model_id)]

    def benchmark(self, benchmark_id):
        """A benchmark by its id (the file name without ``.yaml``), for prose: its ``environment``, ``rows`` and
        ``source``."""
        if benchmark_id not in self.content.benchmarks:
            raise GeneratorError(f"unknown benchmark {benchmark_id!r}",
                                 fix="use one of: " + ", ".join(sorted(self.content.benchmarks)))
        return self.content.benchmarks[benchmark_id]

    def framework_profile(self, spec):
        """A framework profile from content/frameworks.yaml, e.g. framework_profile("vllm==0.6.3").gpu_memory_utilization."""
        return parse_framework(spec, self.content.frameworks)

    def quantization(self, name):
        """A storage format, e.g. quantization("awq").bits."""
        return parse_quantization(name)

    def per_token_rate_mib(self, row) -> float:
        """The per-token cost (MiB) of a ``benchmark_row(...)``: its growth over the same model's 1-token row."""
        if not isinstance(row, BenchmarkRow):
            raise GeneratorError(f"per_token_rate_mib needs a benchmark_row(...), not {row!r}",
                                 fix='write per_token_rate_mib(benchmark_row("Qwen2-7B-Instruct", "BF16", 30720))')
        return seed.per_token_rate_mib(self.content, row)

    def kv_cache_bytes_per_token(self, model_id, bytes_per_value=2) -> float:
        """KV cache bytes per token of a model (2 x layers x KV heads x head_dim x ``bytes_per_value``)."""
        return seed.kv_cache_bytes_per_token(self.content, self._model(model_id), _positive(bytes_per_value, "bytes_per_value", high=limits.MAX_BITS))

    def logits_bytes_per_token(self, model_id, bytes_per_value=6) -> float:
        """Logits bytes per prompt token of a model (vocabulary x ``bytes_per_value``: bf16 and fp32 copies)."""
        return seed.logits_bytes_per_token(self.content, self._model(model_id), _positive(bytes_per_value, "bytes_per_value", high=limits.MAX_BITS))

    def number(self, value, format="g2") -> str:
        """A number printed in a column format: ``g2`` (up to two decimals), ``f2``, ``int``, ``intc`` (thousands
        separators), ... (generator/render/formatting.py)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GeneratorError(f"number() needs a number, not {value!r}", fix="pass a value from data")
        try:
            return format_number(value, format)
        except ValueError as exc:
            raise GeneratorError(str(exc), fix="use a format from generator/render/formatting.py") from None

    def memory_table(self, models, quantizations, contexts, framework, name="memory") -> str:
        """Per model and quantization: weights, KV cache per 1K tokens and the peak at each context length (up to
        the model's maximum), with ``framework``."""
        return self._place(estimates.memory_table(name, self.content, self.estimator, self._model_list(models), quantizations,
                                                     contexts, framework))

    def gpu_catalogue_table(self, name="gpus") -> str:
        """The cards of the catalogue (``gpus.yaml``): memory as sold, the total CUDA reports, and whether that
        total is reported or derived."""
        return self._place(estimates.gpu_catalogue_table(name, self.content))

    def gpu_fit_table(self, models, quantizations, contexts, framework, gpus, multi_card, name="gpu-fit") -> str:
        """The smallest of ``gpus`` that holds each run (model x quantization x context), else how many
        ``multi_card`` cards it takes."""
        return self._place(estimates.gpu_fit_table(name, self.content, self.estimator, self._model_list(models), quantizations,
                                                      contexts, framework, gpus, multi_card))

    def max_context_table(self, runs, gpus, framework, name="max-context") -> str:
        """For ``[model, quantization]`` runs, the longest context each of ``gpus`` holds."""
        return self._place(estimates.max_context_table(name, self.content, self.estimator, self._runs(runs), gpus,
                                                          framework))

    def vllm_capacity_table(self, runs, framework, request_tokens, name="vllm") -> str:
        """For ``[model, quantization, GPU]`` runs: vLLM's KV cache capacity in tokens and how many requests of
        ``request_tokens`` fit at once, with vLLM's defaults; "—" where vLLM would refuse to start."""
        return self._place(estimates.vllm_capacity_table(name, self.content, self.estimator, self._runs(runs), framework,
                                                            request_tokens))

    def _place_chart(self, name, title, svg: str) -> str:
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or len(name) > escape.MAX_SLUG:
            raise GeneratorError(f"a chart name must be lowercase letters, digits and '-', at most "
                                 f"{escape.MAX_SLUG} characters, not {name!r}", fix='write name="memory-vs-context"')
        if len(f"{self.slug}-{name}.svg") > 255:
            raise GeneratorError(f"the chart's file name {self.slug}-{shown(name)}.svg is longer than 255 characters",
                                 fix="give the chart a shorter name")
        path = f"images/charts/{self.slug}-{name}.svg"
        if path in self.charts:
            raise GeneratorError(f"two charts in this post are named {name!r}", fix="give each chart its own name")
        self.charts[path] = svg
        # The alt text states the chart's takeaway (its <desc>, computed from the same data).
        return escape.markdown_image(charts.chart_desc(svg) or title, f"/{path}")

    def context_chart(self, name, title, runs, contexts, framework, gpus=()) -> str:
        """A chart of peak memory against context for ``runs`` (``[model, quantization]``), ``gpus`` as reference
        lines; written to ``images/charts/<page>-<name>.svg``."""
        contexts = estimates._context_list(contexts)
        return self._place_chart(name, title, estimate_charts.context_chart(self.estimator, title, self._runs(runs), contexts,
                                                                        framework, gpus, lang=self.lang))

    def breakdown_chart(self, name, title, runs, context, framework) -> str:
        """A stacked bar per run: weights, KV cache, activations and overhead at one ``context``."""
        context = _positive(context, "context", whole=True)
        return self._place_chart(name, title, estimate_charts.breakdown_chart(self.estimator, title, self._runs(runs), context,
                                                                          framework, lang=self.lang))

    def validation_chart(self, name, title, benchmark) -> str:
        """Estimated against measured peak for every row of a benchmark, this estimator beside the seed's method
        (log axes)."""
        return self._place_chart(name, title, estimate_charts.validation_chart(self.content, title, benchmark,
                                                                                  lang=self.lang))

    def validation_table(self, benchmark, name="validation") -> str:
        """Every row of a benchmark: the measured peak, this estimator's, the seed method's, and their errors."""
        return self._place(seed.validation_table(name, self.content, benchmark))

    def validation_summary_table(self, benchmark, name="validation-summary") -> str:
        """Per model and overall: the mean and worst absolute error of both methods over a benchmark."""
        return self._place(seed.validation_summary_table(name, self.content, benchmark))

    def llamacpp_validation_table(self, name="llamacpp") -> str:
        """Every llama.cpp load log (``benchmarks/llamacpp-load-logs.yaml``): its KV buffer and model + KV +
        compute buffers as logged and as estimated, with the errors."""
        return self._place(seed.llamacpp_validation_table(name, self.content))

    def llamacpp_validation_summary_table(self, name="llamacpp-summary") -> str:
        """Over all llama.cpp load logs: the mean and worst absolute error of the KV, model and compute
        buffers and their total."""
        return self._place(seed.llamacpp_validation_summary_table(name, self.content))

    def llamacpp_logs(self) -> tuple:
        """The llama.cpp load logs (for prose: how many, their sources)."""
        return self.content.llamacpp_logs
    def vllm_validation_table(self, name="vllm-validation") -> str:
        """Every vLLM start-up log (``benchmarks/vllm-startup-logs.yaml``): its settings, the KV cache capacity it
        reports, the estimate and the error."""
        return self._place(vllm_validation.vllm_validation_table(name, self.content))

    def vllm_validation_summary_table(self, name="vllm-validation-summary") -> str:
        """The held-out vLLM logs' mean and worst absolute error, and the worst log."""
        return self._place(vllm_validation.vllm_validation_summary_table(name, self.content))

    def vllm_refusal_table(self, name="vllm-refusals") -> str:
        """Every log where vLLM refused to start, and whether the estimate refuses the same settings."""
        return self._place(vllm_validation.vllm_refusal_table(name, self.content))

    def vllm_logs(self):
        """The vLLM start-up logs (content/benchmarks/vllm-startup-logs.yaml): .logs, .excluded, .source."""
        return vllm_validation.vllm_logs(self.content)


def _positive(value, what: str, whole: bool = False, high: float = limits.MAX_TOKENS):
    kinds = (int,) if whole else (int, float)
    kind = "whole number" if whole else "number"
    if isinstance(value, bool) or not isinstance(value, kinds) or not value > 0 or value != value or value == float("inf"):
        raise GeneratorError(f"{what} must be a positive {kind}, not {shown(value)}", fix=f"give {what} a {kind} above zero")
    if value > high:
        raise GeneratorError(f"{what} must be at most {high:,}, not {shown(value)}",
                             fix=f"give {what} a {kind} up to {high:,} (limits are listed in generator/core/limits.py)")
    return value


def _check_call_size(name: str, values) -> None:
    """A table call's lists multiply into its rows and columns, and its text goes into messages: both bounded."""
    cells = 1
    for value in values:
        if isinstance(value, str) and len(value) > limits.MAX_TEXT_LENGTH:
            raise GeneratorError(f"{name}(): a text argument of {len(value):,} characters, more than "
                                 f"{limits.MAX_TEXT_LENGTH:,}", fix="pass names and titles, not long text")
        if isinstance(value, (list, tuple)):
            cells *= max(1, len(value))
    if cells > limits.MAX_TABLE_CELLS:
        raise GeneratorError(f"{name}(): its lists make {cells:,} combinations, more than {limits.MAX_TABLE_CELLS:,}",
                             fix="split the table, or pass shorter lists of models, formats and lengths")


def _checked_call(function):
    """Turn a wrong call from a template (missing or unknown argument) into a located GeneratorError."""
    signature = inspect.signature(function)

    def call(*args, **kwargs):
        _raise_if_undefined(list(args) + list(kwargs.values()))
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise GeneratorError(f"{function.__name__}(): {exc}", fix=f"call it as {function.__name__}{signature}") from None
        _check_call_size(function.__name__, list(args) + list(kwargs.values()))
        return function(*args, **kwargs)

    call.__name__ = function.__name__
    call.trusted = True  # the build's own table calls: their results are not sized like an author's strings
    return call


def _raise_if_undefined(values) -> None:
    """StrictUndefined only fails when used; a value passed straight to a table call must fail here."""
    for value in values:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        if isinstance(value, (list, tuple)):
            _raise_if_undefined(value)
        elif isinstance(value, dict):
            _raise_if_undefined(list(value.values()))


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line a runtime error came from (Jinja puts template frames into the traceback)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _render_located(template_source: str, filename: str, first_line: int, env: jinja2.Environment, context: dict) -> str:
    shift = first_line - 1
    if isinstance(env, PostSandbox):
        env.start_render()
    try:
        code = _compiled(env, template_source, filename)
        template = env.template_class.from_code(env, code, env.make_globals(None))
        if isinstance(env, PostSandbox):
            return env.timed(template.render, context)
        return template.render(context)
    except GeneratorError as exc:
        line = _template_line(exc, filename)
        raise exc.located(filename, line + shift if line else None) from None
    except jinja2.TemplateSyntaxError as exc:
        raise GeneratorError(f"template syntax error: {exc.message}", filename, (exc.lineno or 1) + shift,
                             "fix the {{ }} or {% %} at that line") from None
    except jinja2.UndefinedError as exc:
        line = _template_line(exc, filename)
        raise GeneratorError(f"undefined name: {exc.message}", filename, line + shift if line else None,
                             "define it with {% set %} or fix the spelling; the table calls are "
                             "load_table, context_table, benchmark_table, validation_table, validation_summary_table and benchmark_row") from None
    except jinja2.sandbox.SecurityError as exc:
        line = _template_line(exc, filename)
        raise GeneratorError(f"not allowed in a post: {exc}", filename, line + shift if line else None,
                             "use the table calls and plain values only") from None
    except Exception as exc:  # noqa: BLE001 - any failure of an author's expression is bad input, located
        line = _template_line(exc, filename)
        raise GeneratorError(f"error in a template expression: {type(exc).__name__}: {exc}", filename,
                             line + shift if line else None, "fix the expression at that line") from None
    finally:
        if isinstance(env, PostSandbox):
            env.end_render()


def _compiled(env: jinja2.Environment, source: str, filename: str):
    """Jinja's compile of a post to Python code; from the cache of rendered bytes (memo.py) when the same source
    was compiled by the same environment class, this package's code and Jinja's version."""
    parts = [type(env).__qualname__, filename, source]
    data = memo.get("jinja-post", parts)
    if data is not None:
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            pass  # not code this Python can load: compile afresh
    code = env.compile(source, filename=filename)
    memo.put("jinja-post", parts, marshal.dumps(code))
    return code


class _PageBytecode(jinja2.BytecodeCache):
    """Page templates' compiled code in the cache of rendered bytes, by the template's path and source checksum
    (Jinja's own bucket also refuses code from another Jinja or Python version)."""

    def load_bytecode(self, bucket) -> None:
        data = memo.get("jinja-page", [bucket.key, bucket.checksum])
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        memo.put("jinja-page", [bucket.key, bucket.checksum], bucket.bytecode_to_string())


def post_environment() -> jinja2.Environment:
    # Markdown is not HTML: no HTML autoescape here. Every value a post prints is escaped for Markdown and
    # Liquid instead (finalize); the tables and images the calls return are made of escaped parts already.
    return PostSandbox(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
                       trim_blocks=True, finalize=escape.markdown_value)


def render_post(post: PostSource, content: Content, env: jinja2.Environment,
                estimator: estimates.Estimator | None = None, link_models: bool = True,
                post_href=None) -> RenderedPost:
    """``link_models``: model names in tables link to their pages (our own site has them; a blog does not).
    ``post_href``: post id -> link for ``post_link`` in a blog (None: this repository's Jekyll URLs)."""
    calls = _TableCalls(content, estimator or estimates.Estimator(content), post.slug, post_language(post, content),
                        link_models, post_href)
    body = _render_located(post.body, post.path, post.body_first_line, env, calls.functions())
    return RenderedPost(post, post.front_matter_text + body, tuple(calls.placed), tuple(sorted(calls.charts.items())))


def post_language(post: PostSource, content: Content) -> str:
    """The language of a post's tables and charts: its front matter's ``lang``, else the blog's."""
    if "lang" in post.front_matter:
        line = next((i for i, text in enumerate(post.front_matter_text.splitlines(), 1) if text.startswith("lang:")),
                    None)
        return i18n.language(post.front_matter["lang"], post.path, line)
    return i18n.language(content.site.lang, content.site.path, None)


_MARKDOWN = []


def _markdown(text: str) -> bytes:
    # One converter, reset between uses: building a new one per call cost more than the conversion. Its table
    # extension is passed as an object: by name, Markdown would scan every installed package's entry points.
    if not _MARKDOWN:
        import markdown
        from markdown.extensions.tables import TableExtension
        _MARKDOWN.append(markdown.Markdown(extensions=[TableExtension()], output_format="html"))
    return _MARKDOWN[0].reset().convert(text).encode("utf-8")


# Chinese, Japanese and Korean characters and their punctuation (CJK ideographs, kana, hangul, full-width forms).
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
# A CJK character at the end of a line (before any closing emphasis) and at the start of the next (after any
# opening emphasis or link bracket).
_ENDS_CJK = re.compile(f"[{_CJK}][*_]*$")
_STARTS_CJK = re.compile(f"^[ \t]*[*_\\[]*[{_CJK}]")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_BLOCK_LINE = re.compile(r"^[ \t]*(#|\||<|```|~~~)")


def join_cjk_lines(text: str) -> str:
    """A line break between two CJK characters removed, outside code: Markdown (and HTML) turn a line break
    inside a paragraph into a space, which Chinese text does not have ("主体。 从" where the source wrapped).
    Lines of headings, tables and HTML blocks, fenced code and indented code are left as they are."""
    lines = text.split("\n")
    out: list[str] = []
    fence = None
    for line in lines:
        marker = _FENCE.match(line)
        if fence is not None:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if marker:
            fence = marker.group(1)
            out.append(line)
            continue
        previous = out[-1] if out else None
        if (previous is not None and _ENDS_CJK.search(previous) and _STARTS_CJK.match(line)
                and not _BLOCK_LINE.match(previous) and not _BLOCK_LINE.match(line)
                and not previous.startswith(("    ", "\t"))
                and previous.count("`") % 2 == 0):
            out[-1] = previous + line.lstrip(" \t")
            continue
        out.append(line)
    return "\n".join(out)


def markdown_to_html(text: str, placed: tuple = ()) -> str:
    """Markdown to HTML. The tables the build placed are written as HTML directly: the Markdown library's
    inline pass over thousands of cells was most of a build's time, and the cells need no Markdown. The
    conversion comes from the cache of rendered bytes (memo.py) when the same text was converted before, so an
    up-to-date build does not even import the markdown package. A line break between two CJK characters is
    joined without a space (:func:`join_cjk_lines`)."""
    for index, placed_table in enumerate(placed):
        text = text.replace(table_markdown(placed_table), f"\n\n{_TABLE_MARK}{index}\n\n")
    text = join_cjk_lines(text)
    converted = memo.cached("markdown", [text], lambda: _markdown(text)).decode("utf-8")
    for index, placed_table in enumerate(placed):
        converted = converted.replace(f"<p>{_TABLE_MARK}{index}</p>", table_html(placed_table))
    return converted


_TABLE_MARK = "GENERATOR-PLACED-TABLE-"


def page_environment(templates_dir: str) -> jinja2.Environment:
    if not os.path.isdir(templates_dir):
        raise GeneratorError("templates folder not found", templates_dir, None, "pass --templates DIR")
    # Autoescape writes values as HTML; finalize (escape.html_text) also keeps them from forming a Liquid tag.
    env = jinja2.Environment(loader=_ContainedLoader(templates_dir), undefined=jinja2.StrictUndefined,
                             autoescape=True, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             finalize=_page_value, bytecode_cache=_PageBytecode())
    env.globals.update(t=_page_word, page_words_json=_page_words_json)
    return env


def _page_lang(context) -> str:
    lang = context.get("lang")
    try:
        return i18n.language(lang) if isinstance(lang, str) else i18n.DEFAULT_LANGUAGE
    except GeneratorError:
        return i18n.DEFAULT_LANGUAGE


@jinja2.pass_context
def _page_word(context, key: str, **values) -> str:
    """``{{ t("nav.posts") }}``: one of i18n.PAGE_WORDS in the page's language (its ``lang``)."""
    return i18n.page_word(key, _page_lang(context), **values)


# The words the table script (templates/site.js) reads with word("..."): a page that runs no other script carries
# these few, not all of i18n.PAGE_WORDS (~10 KB on each of the site's model and "what fits" pages).
# tests/test_page_words.py reads the list from site.js.
SCRIPT_WORDS = {"site.js": ("table.filter", "table.filter-placeholder", "table.more", "table.none", "table.shown")}


@jinja2.pass_context
def _page_words_json(context, script: str = "") -> Markup:
    """The page's words for its scripts, as JSON to place in ``<script type="application/json">``: every word (a page
    that runs the calculator's estimator: the calculator, the picker), or the words one script reads
    (``page_words_json("site.js")``, SCRIPT_WORDS)."""
    return _words_json(_page_lang(context), script)


@functools.lru_cache(maxsize=8)
def _words_json(lang: str, script: str) -> Markup:
    # The same text on every page of a language (i18n.PAGE_WORDS is fixed data): written once per process.
    import json
    words = i18n.page_words(lang)
    if script:
        if script not in SCRIPT_WORDS:
            raise GeneratorError(f"page_words_json names the script {script!r}, whose words are not listed",
                                 fix=f"use one of {sorted(SCRIPT_WORDS)}, or no name for every word")
        words = {key: words[key] for key in SCRIPT_WORDS[script]}
    return escape.script_json(json.dumps(words, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


class _ContainedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that is a symlink out of the templates folder (Jekyll's safe mode
    does the same), a FIFO or device, or a file too large to be a template."""

    def get_source(self, environment, template):
        from generator.catalogue.loading import contained
        from generator.core.safeio import MAX_TEXT_BYTES, check_regular
        for folder in self.searchpath:
            path = os.path.join(folder, *jinja2.loaders.split_template_path(template))
            if os.path.lexists(path):
                contained(folder, path, f"template {template!r}")
                try:
                    check_regular(path, MAX_TEXT_BYTES, "template")
                except OSError as exc:
                    raise GeneratorError(f"cannot read a template: {exc.strerror}", path, None, "check the file") \
                        from None
                break
        return super().get_source(environment, template)


def _page_value(value):
    return Markup(escape.html_text(value)) if isinstance(value, str) else value


class _EnglishLoader(_ContainedLoader):
    """The page templates (written in Chinese) with their own text in English (i18n.english_page); scripts and
    stylesheets they include, and every value rendered into them, are left as they are."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        return (i18n.english_page(source) if template.endswith(".j2") else source), filename, uptodate


def _english_environment(env: jinja2.Environment) -> jinja2.Environment:
    english = getattr(env, "_english", None)
    if english is None:
        english = env.overlay(loader=_EnglishLoader(env.loader.searchpath))
        env._english = english
    return english


def render_page(env: jinja2.Environment, template_name: str, context: dict) -> str:
    if _page_lang(context) == "en":
        # The templates are written in Chinese; an English page has their words in English.
        env = _english_environment(env)
    try:
        template = env.get_template(template_name)
    except jinja2.TemplateNotFound:
        raise GeneratorError(f"template {template_name!r} not found", env.loader.searchpath[0], None,
                             f"add {template_name} to the templates folder") from None
    except jinja2.TemplateSyntaxError as exc:
        raise GeneratorError(f"template syntax error: {exc.message}", exc.filename, exc.lineno,
                             "fix the template at that line") from None
    try:
        page = template.render(context)
    except jinja2.UndefinedError as exc:
        line = _template_line(exc, template.filename)
        raise GeneratorError(f"undefined name in template: {exc.message}", template.filename, line,
                             "pass the variable to the template or fix the spelling") from None
    return page
