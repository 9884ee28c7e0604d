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
from dataclasses import replace

from . import limits
from .calc.architecture import params_total
from .calc.estimator import (DEFAULT_FRAMEWORK, GIB, estimate, parse_framework, parse_kv_dtype, parse_quantization,
                             runnable_framework)
from . import glossary
from .calc.gpu_fit import busiest_gpu_bytes, fits
from .calc.transformers_engine import ATTN_IMPLEMENTATIONS, DEFAULT_ATTN
from .calc.vllm import VllmSettings
from .blog.check import check_blog
from .blog.config import CONFIG_NAME, blog_language, config_path, guess_engine, init_blog, load_blog
from .blog.engines import ENGINES
from .blog.plan import plan_blog
from .blog.write import blog_lock, published_bytes, target, write_blog
from .check import check_files, check_site
from .errors import GeneratorError, json_safe, program, shown, terminal_safe
from .loading import load_catalogue
from .families.sources import read_model_source
from .profiles import gpu_spec
from .site import build_plan, build_plan_for_writing
from .writer import published_reader, refuse_overlap, write_plan
from . import memo


EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, like every other error: argparse says "argument --context: ..."; the option name is enough.
        raise GeneratorError(message.removeprefix("argument "), fix=f"see `{self.prog} --help`")


def _whole_number(what: str):
    """An argparse type: an integer of ``what`` (its range is checked where it is used)."""
    def parse(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number of {what}, got {shown(text)}") from None
    return parse


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=program(), description="Build and verify the VRAM blog from content/, or the VRAM tables "
                                                 "of an existing blog (--blog DIR; see `init`).",
                     epilog="Exit codes: 0 all good; 1 check found a mismatch; 2 bad input or usage; 3 internal error.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    def common(sub, blog_help):
        sub.add_argument("--content", default=None, help="content folder (default: content)")
        sub.add_argument("--templates", default="templates", help="templates folder (default: templates)")
        sub.add_argument("--blog", default=None, metavar="DIR", help=blog_help)

    init = verbs.add_parser("init", help=f"adopt the generator in an existing blog: writes DIR/{CONFIG_NAME} only",
                            description=f"Write {CONFIG_NAME} (engine, post sources folder, language, assets folder) "
                                        "into the blog folder and create the post sources folder. Changes no other "
                                        "file; refuses when the blog has its settings already.")
    init.add_argument("--blog", required=True, metavar="DIR", help="the blog's folder")
    init.add_argument("--engine", default=None, choices=sorted(ENGINES),
                      help="the blog's static site generator (default: the one whose config file the folder has)")
    init.add_argument("--language", default=None,
                      help="table headers and chart labels: en or zh-CN (default: the language of the blog's own "
                           "config: Jekyll's lang, Hugo's languageCode, MkDocs' theme.language, Hexo's language; "
                           "else en)")

    verbs.add_parser("models", help="list the model ids of the catalogue",
                     description="List the catalogue's model ids (what --config and table calls accept).")

    build = verbs.add_parser("build", help="render content/ into site/ (only changed files are written)",
                             description="Render every post, table and page; write the site only if all of it "
                                         "succeeded, and only the files whose bytes changed.")
    common(build, "a Jekyll, Hugo, MkDocs or Hexo blog set up with `init`: render its post sources into it, touching "
                  "only the files the generator owns (default: the working folder when it has _generator/config.yml)")
    build.add_argument("--out", default="site", help="output folder (default: site)")

    check = verbs.add_parser("check", help="verify every published number and file; writes nothing",
                             description="Recompute every table cell from content/ and the formulas and compare it "
                                         "with what is published; report files that differ from a fresh build.")
    common(check, "a blog set up with `init`: recompute every table cell of the posts the build wrote there and "
                  "compare them, and every file the generator owns, with a fresh build; an MkDocs site with the "
                  "vram-tables plugin: check the pages `mkdocs build` wrote (default: the working folder when it has "
                  "_generator/config.yml)")
    check.add_argument("--site", default="site", help="published site folder (default: site)")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="published posts to check instead of --site (e.g. _posts/2024-09-03-slug.md in a Jekyll repo)")

    estimate_parser = verbs.add_parser(
        "estimate", help="estimate a model's GPU memory from its architecture",
        description="Estimate weights, KV cache, activations and overhead, the prefill peak and the decode steady "
                    "state, from a model's architecture (a config.json file, a GGUF file, a catalogue model id or a Hub id).")
    estimate_parser.add_argument("--content", default=None, metavar="DIR",
                                 help="a folder whose models.yaml, gpus.yaml and frameworks.yaml add to the package's "
                                      "catalogue (default: ./content if it exists)")
    estimate_parser.add_argument("--config", required=True, metavar="PATH_OR_MODEL",
                                 help="a config.json file, a model folder (config.json + *.safetensors), a .gguf "
                                      "file, a model id of the catalogue (`generator models` lists them), or a Hub id (org/name)")
    estimate_parser.add_argument("--quantization", default="auto", metavar="Q",
                                 help="auto (default: what the checkpoint's config.json declares, quantization_config "
                                      "or torch_dtype), bf16, fp16, fp32, fp8, gptq-int8, gptq-int4, awq, nf4, int8 "
                                      "(bitsandbytes), mxfp4, a GGUF type such as q4_k_m, or a benchmark label such "
                                      "as GPTQ-Int4 (any case)")
    estimate_parser.add_argument("--text-only", action="store_true",
                                 help="leave out the vision/audio tower and projector of a multimodal model")
    estimate_parser.add_argument("--context", default=None, type=_whole_number("tokens"), metavar="N",
                                 help="prompt tokens (required; with vLLM it defaults to --max-model-len less "
                                      "--generate: the longest request vLLM admits)")
    estimate_parser.add_argument("--generate", type=_whole_number("new tokens"), default=0, metavar="M", help="new tokens (default: 0)")
    estimate_parser.add_argument("--batch", type=_whole_number("sequences"), default=1, metavar="B", help="sequences (default: 1)")
    estimate_parser.add_argument("--framework", default=None,
                                 help="transformers==X.Y.Z, vllm==X.Y.Z, llama.cpp or llama.cpp==bNNNN (default: "
                                      f"llama.cpp for GGUF types, else {DEFAULT_FRAMEWORK})")
    estimate_parser.add_argument("--gpus", type=_whole_number("GPUs"), default=1, metavar="K", help="GPUs (default: 1)")
    estimate_parser.add_argument("--kv-dtype", default=None, metavar="D",
                                 help="KV cache type: 16-bit (default), fp8, q8_0, q4_0")
    estimate_parser.add_argument("--gpu", default=None, metavar="NAME",
                                 help="a GPU from content/gpus.yaml: says whether it fits; vLLM's KV cache capacity")
    estimate_parser.add_argument("--attn", choices=ATTN_IMPLEMENTATIONS, default=None,
                                 help="transformers: attn_implementation (default: sdpa, the library's default)")
    estimate_parser.add_argument("--flash-attn", choices=("on", "off", "auto"), default=None,
                                 help="llama.cpp: -fa (default: the build's, off before b6327, auto since; auto "
                                      "exists from b6327)")
    estimate_parser.add_argument("--ubatch", type=_whole_number("tokens"), default=None, metavar="N",
                                 help="llama.cpp: tokens per compute step, -ub (default: 512)")
    estimate_parser.add_argument("--n-gpu-layers", type=_whole_number("layers"), default=None, metavar="N",
                                 help="llama.cpp: layers offloaded to the GPUs, -ngl (default: all and the output)")
    vllm = estimate_parser.add_argument_group("vLLM", "vLLM's own flags (only with --framework vllm...)")
    vllm.add_argument("--gpu-memory-utilization", type=float, default=None, metavar="U",
                      help="the share of each card vLLM may use (vLLM's default: 0.9)")
    vllm.add_argument("--gpu-memory-gib", type=float, default=None, metavar="G",
                      help="a card not in the catalogue: its total memory as CUDA reports it "
                           "(torch.cuda.mem_get_info), in GiB")
    vllm.add_argument("--max-model-len", type=int, default=None, metavar="N",
                      help="vLLM's max_model_len (default: the model's maximum context)")
    vllm.add_argument("--max-num-seqs", type=int, default=None, metavar="N",
                      help="vLLM's max_num_seqs (default by version and card)")
    vllm.add_argument("--max-num-batched-tokens", type=int, default=None, metavar="N",
                      help="vLLM's max_num_batched_tokens (default by version, engine and card)")
    vllm.add_argument("--vllm-engine", choices=("v0", "v1"), default=None,
                      help="V0 or V1 engine (default: the version's default; V1 from 0.8.0)")
    vllm.add_argument("--enforce-eager", action="store_true", help="vLLM's --enforce-eager (no CUDA graphs)")
    vllm.add_argument("--flashinfer-sampler", action="store_true",
                      help="V1 samples top-k/top-p with FlashInfer, no sort (FlashInfer installed and "
                           "VLLM_USE_FLASHINFER_SAMPLER on: the log says \"Using FlashInfer for top-p & top-k sampling.\")")
    estimate_parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _gib(value) -> float:
    return round(value / GIB, 4)


def _quantization(requested: str, source) -> object:
    """--quantization: an explicit name wins; ``auto`` takes what the checkpoint declares (and its exact bytes)."""
    if str(requested).strip().lower() != "auto":
        return parse_quantization(requested)
    if source.declared is None:
        raise GeneratorError(f"{source.name} declares no quantization_config or torch_dtype",
                             fix="pass --quantization, e.g. --quantization bf16")
    if source.exact_weight_bytes:
        return replace(source.declared, exact_weight_bytes=source.exact_weight_bytes)
    return source.declared


def _estimate_content(args) -> str | None:
    """The catalogue overlay for ``estimate``: --content if given, else ./content where it exists."""
    if args.content is not None:
        return args.content
    return "content" if os.path.isdir("content") else None


# Each number flag of `estimate`: its least and greatest value (generator/limits.py) and what it counts.
_ESTIMATE_BOUNDS = {"context": (1, limits.MAX_TOKENS, "tokens"), "generate": (0, limits.MAX_TOKENS, "tokens"),
                    "batch": (1, limits.MAX_BATCH, "sequences"), "gpus": (1, limits.MAX_GPUS, "GPUs")}
_ESTIMATE_NAMES = {"config": limits.MAX_PATH_LENGTH, "quantization": limits.MAX_NAME_LENGTH,
                   "framework": limits.MAX_NAME_LENGTH, "kv_dtype": limits.MAX_NAME_LENGTH,
                   "gpu": limits.MAX_NAME_LENGTH, "content": limits.MAX_PATH_LENGTH}


def _check_estimate_args(args) -> None:
    for name, (low, high, unit) in _ESTIMATE_BOUNDS.items():
        value = getattr(args, name)
        if not low <= value <= high:
            shown_value = f"{value:,}" if abs(value) < 10 ** 30 else f"a number of {len(str(abs(value)))} digits"
            flag = "--" + name.replace("_", "-")
            bound = f"at least {low:,}" if value < low else f"at most {high:,} {unit}"
            raise GeneratorError(f"{flag} must be {bound}, not {shown_value}",
                                 fix=f"pass {flag} from {low:,} to {high:,} (limits are listed in generator/limits.py)")
    for name, longest in _ESTIMATE_NAMES.items():
        value = getattr(args, name)
        if value is not None and len(value) > longest:
            flag = "--" + name.replace("_", "-")
            raise GeneratorError(f"{flag} is {len(value):,} characters long, more than {longest:,}",
                                 fix=f"pass a shorter {flag}")


def _default_context(args) -> None:
    """--context is required, except with vLLM and --max-model-len: the longest request vLLM admits (its
    scheduler refuses a prompt plus new tokens above max_model_len)."""
    if args.context is not None:
        return
    vllm = str(args.framework or "").strip().lower().startswith("vllm")
    if vllm and args.max_model_len is not None:
        args.context = max(1, args.max_model_len - max(0, args.generate))
        return
    # Worded as argparse words a missing required option: one line, like every usage error.
    raise GeneratorError("the following arguments are required: --context",
                         fix=f"see `{program()} estimate --help` (with --framework vllm==X.Y.Z and --max-model-len, "
                             "--context defaults to --max-model-len)")


def run_estimate(args, out, err=None) -> int:
    _default_context(args)
    _check_estimate_args(args)
    catalogue = load_catalogue(_estimate_content(args))
    source = read_model_source(args.config, catalogue, text_only=args.text_only)
    name, arch = source.name, source.architecture
    quantization = _quantization(args.quantization, source)
    for note in source.notes + ((quantization.note,) if quantization.note else ()):
        print(f"note: {note}", file=sys.stderr if err is None else err)
    spec = args.framework or ("llama.cpp" if quantization.format == "gguf" else DEFAULT_FRAMEWORK)
    framework = parse_framework(spec, catalogue.frameworks)
    if not args.framework:
        # No framework named: a family newer than the default transformers runs on its first release (issue 21).
        runnable = runnable_framework(arch, framework, catalogue.frameworks)
        if runnable is not framework:
            print(f"note: {arch.model_type} needs transformers {runnable.version} or later: estimating with "
                  f"{runnable.label} (pass --framework to choose another)", file=sys.stderr if err is None else err)
            framework = runnable
    kv_dtype = parse_kv_dtype(args.kv_dtype) if args.kv_dtype else None
    gpu = gpu_spec(args.gpu, catalogue.gpus) if args.gpu else None
    settings = _vllm_settings(args, framework, gpu)
    _check_engine_flags(args, framework)
    flash = {None: None, "on": True, "off": False, "auto": "auto"}[args.flash_attn]
    result = estimate(arch, quantization, args.context, framework, generate=args.generate, batch=args.batch,
                      gpus=args.gpus, kv_dtype=kv_dtype, gpu_memory_bytes=gpu.memory_bytes if gpu else None,
                      flash_attention=flash, ubatch=args.ubatch, n_gpu_layers=args.n_gpu_layers, attn=args.attn,
                      vllm_settings=settings)
    if result.refusal:
        raise GeneratorError(result.refusal)
    for warning in result.warnings:
        print(f"warning: {warning}", file=err or sys.stderr)
    warnings = _warnings(arch, args, framework) + list(result.warnings)
    report = {
        "model": name, "params_total": params_total(arch), "quantization": quantization.name,
        "framework": framework.label, "context": args.context, "generate": args.generate, "batch": args.batch,
        "gpus": args.gpus, "kv_dtype": kv_dtype.name if kv_dtype else "16-bit",
        "weights_gib": _gib(result.weights), "kv_cache_gib": _gib(result.kv_cache), "state_gib": _gib(result.state),
        "activations_gib": _gib(result.activations), "overhead_gib": _gib(result.overhead),
        "peak_gib": _gib(result.peak), "steady_gib": _gib(result.steady),
        "per_gpu_peak_gib": [_gib(p) for p in result.per_gpu_peak],
    }
    if framework.engine == "transformers":
        report["attn"] = args.attn or DEFAULT_ATTN
    if result.host is not None:
        report["host_gib"] = _gib(result.host)
    if warnings:
        report["warnings"] = warnings
    if result.kv_cache_capacity_tokens is not None:
        report["kv_cache_capacity_tokens"] = result.kv_cache_capacity_tokens
        report["max_concurrency"] = round(result.max_concurrency, 2)  # vLLM's own ratio, as its log prints it
        # Whole requests (glossary.py "requests"): a part of a request is not served.
        report["concurrent_requests"] = result.kv_cache_capacity_tokens // max(args.context + args.generate, 1)
    if result.vllm is not None:
        report["vllm"] = _vllm_report(result.vllm)
    if settings is not None and gpu is None:
        report["gpu_memory_gib"] = _gib(settings.gpu_memory_bytes)
    if gpu is not None:
        report["gpu"] = gpu.name
        report["gpu_memory_gib"] = _gib(gpu.memory_bytes)
        # glossary.py: "usable" (the CUDA total, a Mac's Metal working set) is what the run is judged against.
        report["usable_gib"] = _gib(gpu.usable_bytes)
        report["busiest_gpu_needs_gib"] = report["needed_gib"] = _gib(busiest_gpu_bytes(result))
        report["fits"] = fits(result, gpu.usable_bytes)
    if args.json:
        print(json_safe(json.dumps(report, ensure_ascii=False, sort_keys=False)), file=out)
    else:
        out.write(_readable(report))
    return EXIT_OK


def _check_engine_flags(args, framework) -> None:
    if args.attn is not None and framework.engine != "transformers":
        raise GeneratorError("--attn is a transformers setting", fix="use --framework transformers==X.Y.Z, or drop --attn")
    if framework.engine != "llama.cpp":
        for flag, value in (("--flash-attn", args.flash_attn), ("--ubatch", args.ubatch),
                            ("--n-gpu-layers", args.n_gpu_layers)):
            if value is not None:
                raise GeneratorError(f"{flag} is a llama.cpp setting", fix=f"use --framework llama.cpp, or drop {flag}")
    for flag, value in (("--ubatch", args.ubatch), ("--n-gpu-layers", args.n_gpu_layers)):
        low = 1 if flag == "--ubatch" else 0
        if value is not None and not low <= value <= 1_000_000:
            raise GeneratorError(f"{flag} must be between {low} and 1000000, not {value}", fix=f"fix {flag}")


def _warnings(arch, args, framework) -> list:
    """Runs that an engine would start but that go beyond what the model was trained for (vLLM refuses them
    itself, through max_model_len)."""
    if framework.engine == "vllm":
        return []
    tokens = args.context + args.generate
    limit = arch.max_position_embeddings
    if limit and tokens > limit:
        return [f"{tokens} tokens exceed the model's maximum context ({limit}, max_position_embeddings): the engine "
                "may refuse it or the output degrade"]
    return []
_VLLM_FLAGS = ("gpu_memory_utilization", "gpu_memory_gib", "max_model_len", "max_num_seqs", "max_num_batched_tokens",
               "vllm_engine")


def _vllm_settings(args, framework, gpu):
    """vLLM's flags as the estimator takes them; None for the other engines (which refuse these flags)."""
    given = [name for name in _VLLM_FLAGS if getattr(args, name) is not None] + \
        (["enforce_eager"] if args.enforce_eager else []) + \
        (["flashinfer_sampler"] if args.flashinfer_sampler else [])
    if framework.engine != "vllm":
        if given:
            raise GeneratorError(f"--{given[0].replace('_', '-')} is a vLLM flag", fix="use it with --framework vllm==X.Y.Z")
        return None
    if gpu is None and args.gpu_memory_gib is None:
        raise GeneratorError("vLLM's KV cache fills the card: its size is needed",
                             fix="pass --gpu, e.g. --gpu A100-80GB, or --gpu-memory-gib G")
    if gpu is not None and args.gpu_memory_gib is not None:
        raise GeneratorError("--gpu and --gpu-memory-gib both name the card", fix="pass one of them")
    utilisation = args.gpu_memory_utilization
    if utilisation is not None and not 0 < utilisation <= 1:
        raise GeneratorError(f"--gpu-memory-utilization must be above 0 and at most 1, not {utilisation}",
                             fix="pass e.g. --gpu-memory-utilization 0.9")
    if args.gpu_memory_gib is not None and not 0.5 <= args.gpu_memory_gib <= 4096:
        raise GeneratorError(f"--gpu-memory-gib must be between 0.5 and 4096, not {args.gpu_memory_gib}",
                             fix="pass the card's total in GiB, e.g. --gpu-memory-gib 23.58")
    for name in ("max_model_len", "max_num_seqs", "max_num_batched_tokens"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 2 ** 24:
            raise GeneratorError(f"--{name.replace('_', '-')} must be between 1 and {2 ** 24}, not {value}",
                                 fix=f"pass --{name.replace('_', '-')} N")
    if gpu is not None:
        total, name, unified = gpu.usable_bytes, gpu.name, gpu.unified_memory
    else:
        total, name, unified = int(args.gpu_memory_gib * GIB), "", False
    return VllmSettings(total, name, args.gpus, utilisation, args.max_model_len, args.max_num_seqs,
                        args.max_num_batched_tokens, args.vllm_engine, args.enforce_eager, "auto", unified,
                        args.flashinfer_sampler)


def _vllm_report(plan) -> dict:
    return {"engine": plan.engine, "max_model_len": plan.max_model_len, "max_num_seqs": plan.max_num_seqs,
            "max_num_batched_tokens": plan.max_num_batched_tokens, "gpu_memory_utilization": plan.gpu_memory_utilization,
            "budget_gib": _gib(plan.budget), "weights_per_gpu_gib": _gib(plan.weights),
            "activation_peak_gib": _gib(plan.activation_peak), "non_torch_gib": _gib(plan.non_torch),
            "cuda_graph_gib": _gib(plan.cuda_graph_bytes), "kv_cache_budget_gib": _gib(plan.kv_budget),
            "startup_reserve_gib": _gib(plan.budget),
            "max_concurrency_at_max_model_len": round(plan.max_concurrency, 2)}


def _readable(report: dict) -> str:
    lines = [f"{report['model']} ({report['params_total']:,} parameters), {report['quantization']}, "
             f"{report['framework']}",
             f"{report['context']} prompt + {report['generate']} new tokens, batch {report['batch']}, "
             f"{report['gpus']} GPU(s), KV cache {report['kv_dtype']}"
             + (f", attention {report['attn']}" if "attn" in report else ""), ""]
    terms = {d["key"]: d for d in glossary.definitions("en")}
    if "vllm" in report and "kv_cache_capacity_tokens" in report:
        # vLLM: what it takes at start-up, drawn as the parts it holds (they add up to it, per GPU).
        v = report["vllm"]
        lines.append(f"  {'startup reserve':<17}{v['startup_reserve_gib']:>8.2f} GiB per GPU   "
                     f"{terms['startup_reserve']['text']}")
        held = [("weights", v["weights_per_gpu_gib"]), ("activation peak", v["activation_peak_gib"]),
                ("non-torch", v["non_torch_gib"]), ("CUDA graphs", v.get("cuda_graph_gib", 0))]
        pool = v["startup_reserve_gib"] - sum(value for _, value in held)
        for label, value in glossary.drawn_parts(v["startup_reserve_gib"], held + [("KV cache", pool)], lang="en"):
            lines.append(f"    {label:<15}{value:>8.2f} GiB")
    else:
        lines.append(f"  {'peak':<13}{report['peak_gib']:>10.2f} GiB   {terms['peak']['text']}")
        for label, value in glossary.drawn_parts(report["peak_gib"], [
                ("weights", report["weights_gib"]), ("KV cache", report["kv_cache_gib"]),
                ("state", report.get("state_gib", 0)), ("activations", report["activations_gib"]),
                ("overhead", report["overhead_gib"])], lang="en"):
            lines.append(f"    {label:<11}{value:>10.2f} GiB")
    lines.append(f"  {'steady':<13}{report['steady_gib']:>10.2f} GiB   {terms['steady']['text']}")
    if "host_gib" in report:
        lines.append(f"  {'host':<13}{report['host_gib']:>10.2f} GiB   in CPU memory (token_embd, layers not offloaded)")
    if report["gpus"] > 1:
        lines.append("  per GPU peak " + ", ".join(f"{p:.2f}" for p in report["per_gpu_peak_gib"]) + " GiB")
    if "vllm" in report:
        v = report["vllm"]
        lines.append(f"  vLLM {v['engine'].upper()}: max_model_len {v['max_model_len']}, max_num_seqs {v['max_num_seqs']}, "
                     f"max_num_batched_tokens {v['max_num_batched_tokens']}, gpu_memory_utilization "
                     f"{v['gpu_memory_utilization']:g} (startup reserve = {v['gpu_memory_utilization']:g} x usable)")
    if "kv_cache_capacity_tokens" in report:
        lines.append(f"  KV cache capacity {report['kv_cache_capacity_tokens']:,} tokens; at "
                     f"{report['context'] + report['generate']} tokens per request, "
                     f"{report['concurrent_requests']:,} whole requests at once")
    for warning in report.get("warnings", []):
        lines.append(f"  warning: {warning}")
    if "gpu" in report and "kv_cache_capacity_tokens" in report:
        verdict = "starts and serves this request" if report["fits"] else "does not serve this request"
        lines.append(f"  {report['gpu']} ({report['gpu_memory_gib']:.2f} GiB, usable {report['usable_gib']:.2f}): "
                     f"{verdict}")
    elif "gpu" in report:
        verdict = "fits" if report["fits"] else "does not fit"
        lines.append(f"  {report['gpu']} ({report['gpu_memory_gib']:.2f} GiB, usable {report['usable_gib']:.2f}): "
                     f"{verdict} (needed {report['needed_gib']:.2f} GiB: {terms['needed']['text']})")
    return "\n".join(lines) + "\n"


def run_init(args, out) -> int:
    name = args.engine
    if name is None:
        name = guess_engine(args.blog) if os.path.isdir(args.blog) else None
        if name is None:
            raise GeneratorError("no _config.yml, hugo.toml or mkdocs.yml here: which engine builds this blog?",
                                 args.blog, None, "pass --engine " + "|".join(sorted(ENGINES)))
    if args.language is not None:
        lang, how = args.language, "from --language"
    else:
        lang, how = blog_language(args.blog, name) if os.path.isdir(args.blog) else ("en", "")
    note = "" if args.language is not None else how
    for path in init_blog(args.blog, name, lang, note):
        print(f"wrote {path}" if not path.endswith(os.sep) else f"created {path}", file=out)
    engine = ENGINES[name]
    print(f"init: engine {name}{'' if args.engine else ' (from its config file)'}; table language "
          f"{load_blog(args.blog).language} ({how}; pass --language en or zh-CN to choose)", file=out)
    print(f"init: put post sources (YYYY-MM-DD-slug.md with table calls) in {os.path.join(args.blog, engine.sources_dir)}"
          f", then run `{program()} build --blog {args.blog}`", file=out)
    return EXIT_OK


def run_models(args, out) -> int:
    catalogue = load_catalogue("content" if os.path.isdir("content") else None)
    for model_id in sorted(catalogue.models, key=str.lower):
        print(model_id, file=out)
    return EXIT_OK


def _blog_root(args) -> str | None:
    """--blog, or the working folder when it is a blog (has _generator/config.yml or generator.yml) and --content
    was not given (a Hugo site has a content/ folder of its own: it is the site's, not ours)."""
    if args.blog is not None:
        return args.blog
    if args.content is None and config_path(".") is not None:
        return "."
    if args.content is None:
        # A blog that has not run init yet (a Hugo site has a content/ of its own, without our site.yaml).
        if not os.path.isfile(os.path.join("content", "site.yaml")) and \
                (not os.path.isdir("content") or guess_engine(".") is not None):
            raise GeneratorError(f"no blog settings ({CONFIG_NAME}) and no content/site.yaml here", os.getcwd(), None,
                                 f"in a blog, run `{program()} init --blog .` first; else pass --content DIR or "
                                 "--blog DIR")
        args.content = "content"
    return None


def _legacy_note(blog, out) -> None:
    if blog.legacy:
        print(f"note: {blog.path} is the old place of the settings (Jekyll publishes it); move it to "
              f"{os.path.join(blog.root, CONFIG_NAME)}", file=out)


def run_blog_build(root: str, out) -> int:
    blog = load_blog(root)
    _legacy_note(blog, out)
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
    if config_path(root) is None and os.path.isfile(mkdocs_yml):
        from .mkdocs_plugin import check_built_site  # a site that renders its pages with the MkDocs plugin
        return _report(check_built_site(mkdocs_yml), out, "mkdocs build")
    blog = load_blog(root)
    with blog_lock(blog):
        report = check_blog(blog, plan_blog(blog, previous=lambda rel: _blog_file(blog, rel)))
    return _report(report, out, f"{program()} build --blog {root}")


def run_build(args, out) -> int:
    if (root := _blog_root(args)) is not None:
        return run_blog_build(root, out)
    refuse_overlap(args.out, args.content, args.templates)
    memo.allow_writes(True)
    plan = build_plan_for_writing(args.content, args.templates, previous=published_reader(args.out))
    return _print_written(write_plan(plan, args.out), args.out.rstrip("/"), out)


def run_check(args, out) -> int:
    if (root := _blog_root(args)) is not None:
        return run_blog_check(root, out)
    memo.allow_writes(False)  # check writes nothing, not even to the cache
    plan = build_plan(args.content, args.templates)
    report = check_files(plan, args.files) if args.files else check_site(plan, args.site)
    return _report(report, out, f"{program()} build")


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


class _TerminalSafe:
    """A text stream whose writes have control characters escaped (errors.terminal_safe): a string from a file
    (a model name, a GGUF field, a published page in a diff) never reaches the terminal as an ANSI sequence."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        return self.stream.write(terminal_safe(text))

    def __getattr__(self, name):
        return getattr(self.stream, name)


def main(argv=None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    for stream in {id(s): s for s in (out, err) if s in (sys.stdout, sys.stderr)}.values():
        # An ASCII terminal (LC_ALL=C without UTF-8 mode) must not turn "wrote site/...显存.xlsx" into a crash.
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass
    out, err = _TerminalSafe(out), _TerminalSafe(err)
    try:
        args = make_parser().parse_args(argv)
        if args.verb == "estimate":
            return run_estimate(args, out, err)
        return {"build": run_build, "check": run_check, "init": run_init, "models": run_models}[args.verb](args, out)
    except GeneratorError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; the site was left as it was", file=err)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the user gets one line, never a traceback
        print(f"error: internal error ({type(exc).__name__}: {exc}); please report it", file=err)
        return EXIT_INTERNAL
