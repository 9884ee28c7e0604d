"""Command line: ``init``, ``models``, ``build``, ``check`` and ``estimate``. The one place that turns errors into
messages and exit codes.

Exit codes:
  0  all good
  1  check found a mismatch (a wrong cell, a stale or missing file, a table the build does not make)
  2  bad input or usage (the message names the file, the line and the fix); nothing was written
  3  internal error (a bug: please report it with the message)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys

# Only what every verb needs is imported here: an up-to-date build (its files in the cache of rendered bytes, see
# site/files.py) needs no estimator, no Jinja and no YAML reader, so each verb imports the rest where it runs.
from generator.blog.names import CONFIG_NAME, config_path
from generator.core import memo
from generator.core.errors import GeneratorError, program, shown, terminal_safe
from generator.site.files import site_inputs, stored_plan
from generator.site.writer import published_reader, refuse_overlap, write_plan

VERBS = ("init", "models", "build", "check", "estimate")


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


def make_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. ``verb``: only that verb's options are set up (main passes the verb it is given,
    so a build does not import what the estimate's and init's choices come from); None: every verb."""
    parser = _Parser(prog=program(), description="Build and verify the VRAM blog from content/, or the VRAM tables "
                                                 "of an existing blog (--blog DIR; see `init`).",
                     epilog="Exit codes: 0 all good; 1 check found a mismatch; 2 bad input or usage; 3 internal error.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    def common(sub, blog_help):
        sub.add_argument("--content", default=None, help="content folder (default: content)")
        sub.add_argument("--templates", default="templates", help="templates folder (default: templates)")
        sub.add_argument("--blog", default=None, metavar="DIR", help=blog_help)

    if verb in (None, "init"):
        _init_parser(verbs)
    if verb in (None, "models"):
        verbs.add_parser("models", help="list the model ids of the catalogue",
                         description="List the catalogue's model ids (what --config and table calls accept).")
    if verb in (None, "build"):
        build = verbs.add_parser("build", help="render content/ into site/ (only changed files are written)",
                                 description="Render every post, table and page; write the site only if all of it "
                                             "succeeded, and only the files whose bytes changed.")
        common(build, "a Jekyll, Hugo, MkDocs or Hexo blog set up with `init`: render its post sources into it, "
                      "touching only the files the generator owns (default: the working folder when it has "
                      "_generator/config.yml)")
        build.add_argument("--out", default="site", help="output folder (default: site)")
    if verb in (None, "check"):
        check = verbs.add_parser("check", help="verify every published number and file; writes nothing",
                                 description="Recompute every table cell from content/ and the formulas and compare "
                                             "it with what is published; report files that differ from a fresh build.")
        common(check, "a blog set up with `init`: recompute every table cell of the posts the build wrote there and "
                      "compare them, and every file the generator owns, with a fresh build; an MkDocs site with the "
                      "vram-tables plugin: check the pages `mkdocs build` wrote (default: the working folder when it "
                      "has _generator/config.yml)")
        check.add_argument("--site", default="site", help="published site folder (default: site)")
        check.add_argument("files", nargs="*", metavar="FILE",
                           help="published posts to check instead of --site (e.g. _posts/2024-09-03-slug.md in a "
                                "Jekyll repo)")
    if verb in (None, "estimate"):
        _estimate_parser(verbs)
    return parser


def _init_parser(verbs) -> None:
    from generator.blog.engines import ENGINES
    init = verbs.add_parser("init", help=f"adopt the generator in an existing blog: writes DIR/{CONFIG_NAME} and "
                            "makes its post sources folder, nothing else",
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



def _estimate_parser(verbs) -> None:
    from generator.calc.estimator import DEFAULT_FRAMEWORK
    from generator.calc.transformers_engine import ATTN_IMPLEMENTATIONS
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


def _estimate_content(args) -> str | None:
    """The catalogue overlay for ``estimate``: --content if given, else ./content where it exists."""
    if args.content is not None:
        return args.content
    return "content" if os.path.isdir("content") else None


def run_estimate(args, out, err=None) -> int:
    from generator import api
    from generator.api import ENGINE_SETTINGS
    err = sys.stderr if err is None else err
    settings = {name: getattr(args, name) for name in ENGINE_SETTINGS}
    result = api.estimate(args.config, quantization=args.quantization, context=args.context,
                          framework=args.framework, gpus=args.gpus, gpu=args.gpu, batch=args.batch,
                          generate=args.generate, kv_dtype=args.kv_dtype, text_only=args.text_only,
                          content=_estimate_content(args), on_message=lambda kind, text: print(f"{kind}: {text}", file=err),
                          **settings)
    if args.json:
        print(result.to_json(), file=out)
    else:
        out.write(result.text())
    return EXIT_OK


def run_init(args, out) -> int:
    from generator.blog.config import blog_language, guess_engine, init_blog, load_blog
    from generator.blog.engines import ENGINES
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
    from generator import api
    for model_id in api.models("content" if os.path.isdir("content") else None):
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
                (not os.path.isdir("content") or _guess_engine(".") is not None):
            raise GeneratorError(f"no blog settings ({CONFIG_NAME}) and no content/site.yaml here", os.getcwd(), None,
                                 f"in a blog, run `{program()} init --blog .` first; else pass --content DIR or "
                                 "--blog DIR")
        args.content = "content"
    return None


def _guess_engine(root: str):
    from generator.blog.config import guess_engine
    return guess_engine(root)


def _legacy_note(blog, out) -> None:
    if blog.legacy:
        print(f"note: {blog.path} is the old place of the settings (Jekyll publishes it); move it to "
              f"{os.path.join(blog.root, CONFIG_NAME)}", file=out)


def run_blog_build(root: str, out) -> int:
    from generator.blog.config import load_blog
    from generator.blog.plan import plan_blog
    from generator.blog.write import blog_lock, write_blog
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
    from generator.blog.write import published_bytes, target
    current = published_bytes(target(blog, relative))
    return current if current is not None and not current.startswith(b"\0") else None


def run_blog_check(root: str, out) -> int:
    mkdocs_yml = os.path.join(root, "mkdocs.yml")
    if config_path(root) is None and os.path.isfile(mkdocs_yml):
        from generator.blog.mkdocs_plugin import check_built_site  # a site that renders its pages with the MkDocs plugin
        return _report(check_built_site(mkdocs_yml), out, "mkdocs build")
    from generator.blog.check import check_blog
    from generator.blog.config import load_blog
    from generator.blog.plan import plan_blog
    from generator.blog.write import blog_lock
    blog = load_blog(root)
    with blog_lock(blog):
        report = check_blog(blog, plan_blog(blog, previous=lambda rel: _blog_file(blog, rel)))
    return _report(report, out, f"{program()} build --blog {root}")


def run_build(args, out) -> int:
    if (root := _blog_root(args)) is not None:
        return run_blog_build(root, out)
    refuse_overlap(args.out, args.content, args.templates)
    memo.allow_writes(True)
    # Up to date: the files an earlier build made from these very bytes (nothing else is imported or rendered).
    plan = stored_plan(site_inputs(args.content, args.templates))
    if plan is None:
        from generator.site.plan import build_plan_for_writing
        with _planning():
            plan = build_plan_for_writing(args.content, args.templates, previous=published_reader(args.out))
    return _print_written(write_plan(plan, args.out), args.out.rstrip("/"), out)


@contextlib.contextmanager
def _planning():
    """Planning a site makes some 100,000 objects (estimates, tables, cells) that all live until the plan is written
    or compared; the cyclic garbage collector would walk them over and over (about 5% of a check's time). Reference
    counting still frees whatever is dropped; the collector runs again afterwards as it did before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_check(args, out) -> int:
    if (root := _blog_root(args)) is not None:
        return run_blog_check(root, out)
    memo.allow_writes(False)  # check writes nothing, not even to the cache
    from generator.site.check import check_files, check_site
    from generator.site.plan import build_plan
    with _planning():
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
        self.reader_gone = False

    def write(self, text):
        if self.reader_gone:
            return len(text)
        try:
            return self.stream.write(terminal_safe(text))
        except BrokenPipeError:
            self._reader_left()
            return len(text)

    def flush(self):
        if not self.reader_gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._reader_left()

    def _reader_left(self):
        # `generator models | head -1`: the reader stopped reading. What is left of the output has nowhere to go,
        # but the command still finishes and its exit code stays its own (check's findings still exit 1). The
        # descriptor is pointed at /dev/null so the interpreter's last flush does not raise again at exit.
        self.reader_gone = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (AttributeError, OSError, ValueError):
            pass

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
        argv = sys.argv[1:] if argv is None else list(argv)
        args = make_parser(argv[0] if argv and argv[0] in VERBS else None).parse_args(argv)
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
