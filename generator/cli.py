"""Command line: ``build``, ``check`` and ``estimate``. The one place that turns errors into messages and exit codes.

Exit codes:
  0  all good
  1  check found a mismatch (a wrong cell, a stale or missing file, a table the build does not make)
  2  bad input or usage (the message names the file, the line and the fix); nothing was written
  3  internal error (a bug: please report it with the message)
"""

from __future__ import annotations

import argparse
import sys

import json
import os

from .calc.architecture import params_total
from .calc.estimator import DEFAULT_FRAMEWORK, GIB, estimate, parse_framework, parse_kv_dtype, parse_quantization
from .calc.gpu_fit import busiest_gpu_bytes, fits
from .blog.check import check_blog
from .blog.config import CONFIG_NAME, init_blog, load_blog
from .blog.engines import ENGINES
from .blog.plan import plan_blog
from .blog.write import blog_lock, published_bytes, target, write_blog
from .catalogue import resolve_model_id, unknown_model_error
from .check import check_files, check_site
from .errors import GeneratorError
from .loading import load_catalogue
from .model_config import read_config_json
from .profiles import gpu_spec
from .site import build_plan
from .writer import published_reader, write_plan


EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        raise GeneratorError(f"usage: {message}", fix=f"see `{self.prog} --help`")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m generator", description="Build and verify the VRAM blog from content/.",
                     epilog="Exit codes: 0 all good; 1 check found a mismatch; 2 bad input or usage; 3 internal error.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    def common(sub):
        sub.add_argument("--content", default="content", help="content folder (default: content)")
        sub.add_argument("--templates", default="templates", help="templates folder (default: templates)")
        sub.add_argument("--blog", default=None, metavar="DIR",
                         help="a Jekyll, Hugo, MkDocs or Hexo blog with a generator.yml (see `init`): render its post "
                              "sources into it, touching only the files the generator owns")

    init = verbs.add_parser("init", help="adopt the generator in an existing blog: writes DIR/generator.yml only",
                            description="Write generator.yml (engine, post sources folder, language, assets folder) "
                                        "into the blog folder and create the post sources folder. Changes no other "
                                        "file; refuses when generator.yml exists.")
    init.add_argument("--blog", required=True, metavar="DIR", help="the blog's folder")
    init.add_argument("--engine", required=True, choices=sorted(ENGINES), help="the blog's static site generator")
    init.add_argument("--language", default="en", help="table headers and chart labels: en or zh-CN (default: en)")

    verbs.add_parser("models", help="list the model ids of the catalogue",
                     description="List the catalogue's model ids (what --config and table calls accept).")

    build = verbs.add_parser("build", help="render content/ into site/ (only changed files are written)",
                             description="Render every post, table and page; write the site only if all of it "
                                         "succeeded, and only the files whose bytes changed.")
    common(build)
    build.add_argument("--out", default="site", help="output folder (default: site)")

    check = verbs.add_parser("check", help="verify every published number and file; writes nothing",
                             description="Recompute every table cell from content/ and the formulas and compare it "
                                         "with what is published; report files that differ from a fresh build.")
    common(check)
    check.add_argument("--site", default="site", help="published site folder (default: site)")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="published posts to check instead of --site (e.g. _posts/2024-09-03-slug.md in a Jekyll repo)")

    estimate_parser = verbs.add_parser(
        "estimate", help="estimate a model's GPU memory from its architecture",
        description="Estimate weights, KV cache, activations and overhead, the prefill peak and the decode steady "
                    "state, from a model's architecture (a config.json file or a model id from content/models.yaml).")
    estimate_parser.add_argument("--content", default=None, metavar="DIR",
                                 help="a folder whose models.yaml, gpus.yaml and frameworks.yaml add to the package's "
                                      "catalogue (default: ./content if it exists)")
    estimate_parser.add_argument("--config", required=True, metavar="PATH_OR_MODEL",
                                 help="a Hugging Face config.json file, or a model id from content/models.yaml")
    estimate_parser.add_argument("--quantization", required=True, metavar="Q",
                                 help="bf16, fp16, fp32, fp8, gptq-int8, gptq-int4, awq, a GGUF type such as q4_k_m, "
                                      "or a benchmark label such as GPTQ-Int4 (any case)")
    estimate_parser.add_argument("--context", required=True, type=int, metavar="N", help="prompt tokens")
    estimate_parser.add_argument("--generate", type=int, default=0, metavar="M", help="new tokens (default: 0)")
    estimate_parser.add_argument("--batch", type=int, default=1, metavar="B", help="sequences (default: 1)")
    estimate_parser.add_argument("--framework", default=DEFAULT_FRAMEWORK,
                                 help=f"transformers==X.Y.Z, vllm==X.Y.Z or llama.cpp (default: {DEFAULT_FRAMEWORK})")
    estimate_parser.add_argument("--gpus", type=int, default=1, metavar="K", help="GPUs (default: 1)")
    estimate_parser.add_argument("--kv-dtype", default=None, metavar="D",
                                 help="KV cache type: 16-bit (default), fp8, q8_0, q4_0")
    estimate_parser.add_argument("--gpu", default=None, metavar="NAME",
                                 help="a GPU from content/gpus.yaml: says whether it fits; vLLM's KV cache capacity")
    estimate_parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _gib(value) -> float:
    return round(value / GIB, 4)


def _architecture(config: str, catalogue):
    if os.path.isfile(config):
        return os.path.basename(config), read_config_json(config)
    model_id = resolve_model_id(config, catalogue.models)
    if model_id is None:
        shown = config if len(config) <= 80 else config[:77] + "..."
        raise unknown_model_error(config, catalogue.models,
                                  problem=f"--config {shown!r} is neither a file nor a model id in the catalogue")
    return model_id, catalogue.models[model_id].require_architecture()


def _estimate_content(args) -> str | None:
    """The catalogue overlay for ``estimate``: --content if given, else ./content where it exists."""
    if args.content is not None:
        return args.content
    return "content" if os.path.isdir("content") else None


def run_estimate(args, out) -> int:
    for name in ("context", "batch", "gpus"):
        if getattr(args, name) < 1:
            raise GeneratorError(f"--{name} must be at least 1, not {getattr(args, name)}", fix=f"pass --{name} 1 or more")
    if args.generate < 0:
        raise GeneratorError(f"--generate must be 0 or more, not {args.generate}", fix="pass --generate 0 or more")
    catalogue = load_catalogue(_estimate_content(args))
    name, arch = _architecture(args.config, catalogue)
    quantization = parse_quantization(args.quantization)
    framework = parse_framework(args.framework, catalogue.frameworks)
    kv_dtype = parse_kv_dtype(args.kv_dtype) if args.kv_dtype else None
    gpu = gpu_spec(args.gpu, catalogue.gpus) if args.gpu else None
    if framework.engine == "vllm" and gpu is None:
        raise GeneratorError("vLLM's KV cache fills the card: its size is needed", fix="pass --gpu, e.g. --gpu A100-80GB")
    result = estimate(arch, quantization, args.context, framework, generate=args.generate, batch=args.batch,
                      gpus=args.gpus, kv_dtype=kv_dtype, gpu_memory_bytes=gpu.memory_bytes if gpu else None)
    report = {
        "model": name, "params_total": params_total(arch), "quantization": quantization.name,
        "framework": framework.label, "context": args.context, "generate": args.generate, "batch": args.batch,
        "gpus": args.gpus, "kv_dtype": kv_dtype.name if kv_dtype else "16-bit",
        "weights_gib": _gib(result.weights), "kv_cache_gib": _gib(result.kv_cache),
        "activations_gib": _gib(result.activations), "overhead_gib": _gib(result.overhead),
        "peak_gib": _gib(result.peak), "steady_gib": _gib(result.steady),
        "per_gpu_peak_gib": [_gib(p) for p in result.per_gpu_peak],
    }
    if result.kv_cache_capacity_tokens is not None:
        report["kv_cache_capacity_tokens"] = result.kv_cache_capacity_tokens
        report["max_concurrency"] = round(result.max_concurrency, 2)
    if gpu is not None:
        report["gpu"] = gpu.name
        report["gpu_memory_gib"] = _gib(gpu.memory_bytes)
        report["busiest_gpu_needs_gib"] = _gib(busiest_gpu_bytes(result))
        report["fits"] = fits(result, gpu.memory_bytes)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, sort_keys=False), file=out)
    else:
        out.write(_readable(report))
    return EXIT_OK


def _readable(report: dict) -> str:
    lines = [f"{report['model']} ({report['params_total']:,} parameters), {report['quantization']}, "
             f"{report['framework']}",
             f"{report['context']} prompt + {report['generate']} new tokens, batch {report['batch']}, "
             f"{report['gpus']} GPU(s), KV cache {report['kv_dtype']}", ""]
    for key, label in (("weights_gib", "weights"), ("kv_cache_gib", "KV cache"), ("activations_gib", "activations"),
                       ("overhead_gib", "overhead")):
        lines.append(f"  {label:<13}{report[key]:>10.2f} GiB")
    lines.append(f"  {'peak':<13}{report['peak_gib']:>10.2f} GiB   the most in use at once (prefill or decode), "
                 "summed over GPUs")
    lines.append(f"  {'steady':<13}{report['steady_gib']:>10.2f} GiB   while decoding")
    if report["gpus"] > 1:
        lines.append("  per GPU peak " + ", ".join(f"{p:.2f}" for p in report["per_gpu_peak_gib"]) + " GiB")
    if "kv_cache_capacity_tokens" in report:
        lines.append(f"  KV cache capacity {report['kv_cache_capacity_tokens']:,} tokens; at "
                     f"{report['context'] + report['generate']} tokens per request, "
                     f"{report['max_concurrency']:.2f} requests at once")
    if "gpu" in report:
        verdict = "fits" if report["fits"] else "does not fit"
        lines.append(f"  {report['gpu']} ({report['gpu_memory_gib']:.2f} GiB): {verdict} (the busiest card needs "
                     f"{report['busiest_gpu_needs_gib']:.2f} GiB with allocator slack and the CUDA context)")
    return "\n".join(lines) + "\n"


def run_init(args, out) -> int:
    for path in init_blog(args.blog, args.engine, args.language):
        print(f"wrote {path}" if not path.endswith(os.sep) else f"created {path}", file=out)
    engine = ENGINES[args.engine]
    print(f"init: put post sources (YYYY-MM-DD-slug.md with table calls) in {os.path.join(args.blog, engine.sources_dir)}"
          f", then run `python -m generator build --blog {args.blog}`", file=out)
    return EXIT_OK


def run_models(args, out) -> int:
    catalogue = load_catalogue("content" if os.path.isdir("content") else None)
    for model_id in sorted(catalogue.models, key=str.lower):
        print(model_id, file=out)
    return EXIT_OK


def _blog_root(args) -> str | None:
    """--blog, or the working folder when it is a blog (has generator.yml) and has no content/ of its own."""
    if args.blog is not None:
        return args.blog
    if not os.path.isdir(args.content) and os.path.isfile(CONFIG_NAME):
        return "."
    return None


def run_blog_build(root: str, out) -> int:
    blog = load_blog(root)
    with blog_lock(blog):
        plan = plan_blog(blog, previous=lambda rel: _blog_file(blog, rel))
        result = write_blog(blog, plan)
    for path in result.kept:
        print(f"kept {os.path.join(root, path)} (yours, not the generator's: not rewritten, not checked)", file=out)
    return _print_written(result, root, out)


def _print_written(result, folder: str, out) -> int:
    for path in result.written:
        print(f"wrote {os.path.join(folder, path)}", file=out)
    for path in result.deleted:
        print(f"deleted {os.path.join(folder, path)}", file=out)
    print(f"build: {len(result.written)} written, {len(result.deleted)} deleted, {result.unchanged} unchanged",
          file=out)
    return EXIT_OK


def _blog_file(blog, relative: str) -> bytes | None:
    """A file's bytes in the blog (to reuse an unchanged chart), None where there is no plain file."""
    current = published_bytes(target(blog, relative))
    return current if current is not None and not current.startswith(b"\0") else None


def run_blog_check(root: str, out) -> int:
    mkdocs_yml = os.path.join(root, "mkdocs.yml")
    if not os.path.isfile(os.path.join(root, CONFIG_NAME)) and os.path.isfile(mkdocs_yml):
        from .mkdocs_plugin import check_built_site  # a site that renders its pages with the MkDocs plugin
        return _report(check_built_site(mkdocs_yml), out, "mkdocs build")
    blog = load_blog(root)
    with blog_lock(blog):
        report = check_blog(blog, plan_blog(blog, previous=lambda rel: _blog_file(blog, rel)))
    return _report(report, out, f"python -m generator build --blog {root}")


def run_build(args, out) -> int:
    if (root := _blog_root(args)) is not None:
        return run_blog_build(root, out)
    plan = build_plan(args.content, args.templates, previous=published_reader(args.out))
    return _print_written(write_plan(plan, args.out), args.out.rstrip("/"), out)


def run_check(args, out) -> int:
    if (root := _blog_root(args)) is not None:
        return run_blog_check(root, out)
    plan = build_plan(args.content, args.templates, previous=published_reader(args.site))
    report = check_files(plan, args.files) if args.files else check_site(plan, args.site)
    return _report(report, out, "python -m generator build")


def _report(report, out, build_command: str) -> int:
    for line in report.findings:
        print(line, file=out)
    for diff in report.diffs:
        out.write(diff)
    if report.ok:
        print(f"check: OK, {report.cells} cells in {report.tables} tables and {report.files} files match the formulas "
              "and a fresh build", file=out)
        return EXIT_OK
    print(f"check: {len(report.findings)} problem(s), {len(report.diffs)} file(s) differ from a fresh build; "
          f"fix the data or the post source, then run `{build_command}`", file=out)
    return EXIT_MISMATCH


def main(argv=None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    for stream in {id(s): s for s in (out, err) if s in (sys.stdout, sys.stderr)}.values():
        # An ASCII terminal (LC_ALL=C without UTF-8 mode) must not turn "wrote site/...显存.xlsx" into a crash.
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass
    try:
        args = make_parser().parse_args(argv)
        return {"build": run_build, "check": run_check, "estimate": run_estimate, "init": run_init,
                "models": run_models}[args.verb](args, out)
    except GeneratorError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; the site was left as it was", file=err)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the user gets one line, never a traceback
        print(f"error: internal error ({type(exc).__name__}: {exc}); please report it", file=err)
        return EXIT_INTERNAL
