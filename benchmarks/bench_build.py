"""Build speed: import cost vs a cold build, an up-to-date build and check, scaling with the number of models.

    python benchmarks/bench_build.py          # the full table (10 to 10,000 models; a few minutes)
    python benchmarks/bench_build.py --suite  # ... and the test suite's wall time (the README's command)
    python benchmarks/bench_build.py --quick  # CI smoke: 10 and 100 models, one run of each
    python benchmarks/bench_build.py --ratios 7 [--against /other/tree]  # only the two ratios, 7 pairs each,
        # in wall and in CPU time (the child's user + system); with --against, that tree's too, run by turns

Every figure is a fresh subprocess (``python -m generator ...``), so it includes interpreter start-up and imports;
peak memory is the child's ru_maxrss. The package is byte-compiled first (as an installed package is) and the
builds use a cache of rendered bytes of their own (generator/core/memo.py), empty at the start: the cold build fills
it, as a user's first build does. The two ratios of issue 13 compare an up-to-date build and a check with
``python -c "import jinja2, markdown, yaml"``, each timed right after the other (the machine is shared: adjacent
runs see the same load), median over the runs. Synthetic content: N models with random but valid architectures (seeded),
the real frameworks.yaml and gpus.yaml, no benchmarks, and one post with a load_table over all N models; built
once without ``model_pages`` in site.yaml and, up to --max-pages models, with it (one HTML page per model).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
TEMPLATE_IMPORTS = "import jinja2, markdown, yaml"
TARGET_RATIO = 2.0  # issue 13: an up-to-date build and a check, each within 2x the import time of these three


def timed(argv, cwd=ROOT) -> tuple[float, float]:
    """(seconds, peak resident MiB) of one subprocess (its own ru_maxrss, from wait4)."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            sys.exit(f"failed: {' '.join(argv)}\n{log.read()[-4000:].decode('utf-8', 'replace')}")
    return elapsed, usage.ru_maxrss / 1024


def paired_ratio(n, argv, cwd=ROOT) -> tuple[float, float, float]:
    """(median ratio, median seconds of argv, median import seconds): argv against TEMPLATE_IMPORTS, adjacent runs."""
    ratios, seconds, imports = [], [], []
    for _ in range(n):
        base = timed([PY, "-c", TEMPLATE_IMPORTS], cwd)[0]
        took = timed(argv, cwd)[0]
        ratios.append(took / base)
        seconds.append(took)
        imports.append(base)
    return statistics.median(ratios), statistics.median(seconds), statistics.median(imports)


def suite_seconds() -> float:
    """The README's test command, timed (wall clock)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    command = next(line.split("&&")[-1].strip() for line in readme.splitlines() if "-m pytest" in line)
    argv = command.replace(".venv/bin/python", PY).split() + ["-q", "-p", "no:cacheprovider"]
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"the test suite failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")
    print(result.stdout.strip().splitlines()[-1])
    return elapsed


def median_of(n, argv, cwd=ROOT, before=None) -> float:
    times = []
    for _ in range(n):
        if before:
            before()
        times.append(timed(argv, cwd)[0])
    return statistics.median(times)


def synthetic_content(folder: str, n: int, model_pages: bool, seed: int = 1) -> None:
    rng = random.Random(seed)
    os.makedirs(os.path.join(folder, "posts"))
    for name in ("frameworks.yaml", "gpus.yaml"):
        shutil.copy(os.path.join(ROOT, "content", name), os.path.join(folder, name))
    lines = ["source:", "  title: synthetic", "  url: https://example.org/", "models:"]
    ids = []
    for i in range(n):
        heads = rng.choice([8, 16, 32, 64])
        head_dim = rng.choice([64, 128])
        layers = rng.randrange(8, 81)
        kv = rng.choice([h for h in (1, 2, 4, 8, heads) if heads % h == 0])
        hidden = heads * head_dim
        model_id = f"Synthetic-{i:05d}"
        ids.append(model_id)
        lines += [f"  - id: {model_id}", f"    params_b: {rng.randrange(1, 700) / 10}", "    config:",
                  "      architectures: [Qwen2ForCausalLM]", f"      hidden_size: {hidden}",
                  f"      num_hidden_layers: {layers}", f"      num_attention_heads: {heads}",
                  f"      num_key_value_heads: {kv}", f"      intermediate_size: {hidden * rng.choice([3, 4, 5])}",
                  f"      vocab_size: {rng.choice([32000, 128256, 151936])}",
                  f"      max_position_embeddings: {rng.choice([8192, 32768, 131072])}"]
    with open(os.path.join(folder, "models.yaml"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    site = ["title: Synthetic", "lang: en", "description: synthetic content for the build benchmark"]
    if model_pages:
        site += ["model_pages:", "  framework: transformers==4.46.0", "  quantizations: [bf16, gptq-int4, q4_k_m]",
                 "  contexts: [4096, 32768]", "  gpus: [RTX 4090, A100-80GB, H100-80GB]", "  multi_card: H100-80GB"]
    with open(os.path.join(folder, "site.yaml"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(site) + "\n")
    models = ", ".join(f'"{m}"' for m in ids)
    with open(os.path.join(folder, "posts", "2026-01-01-all-models.md"), "w", encoding="utf-8") as handle:
        handle.write(f"---\nlayout: post\ntitle: All models\ndate: 2026-01-01\n---\n\n"
                     f"{{{{ load_table(models=[{models}], bits=16) }}}}\n")


def table(rows, headers) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


DEPENDENCIES = ("import jinja2, markdown, yaml, openpyxl, matplotlib.figure, matplotlib.backends.backend_agg")


def _timed_cpu(argv, env, cwd) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child and what it waited for) of one subprocess."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def ratios_only(roots: list[str], pairs: int) -> None:
    """The two ratios of issue 13 for each source tree (a checkout's root), the trees measured by turns so that each
    sees the same load: per tree a cache and a site of its own, filled by one cold build first."""
    trees = {}
    for root in roots:
        work = tempfile.mkdtemp(prefix="bench-ratios-")
        env = dict(os.environ, PYTHONPATH=root, GENERATOR_CACHE_DIR=os.path.join(work, "cache"))
        subprocess.run([PY, "-m", "compileall", "-q", os.path.join(root, "generator")], check=True, env=env)
        out = os.path.join(work, "site")
        _timed_cpu([PY, "-m", "generator", "build", "--out", out], env, root)
        trees[root] = (env, out, {"build": [], "check": []})
    for _ in range(pairs):
        for root, (env, out, found) in trees.items():
            for verb, flag in (("build", "--out"), ("check", "--site")):
                base = _timed_cpu([PY, "-c", TEMPLATE_IMPORTS], env, root)
                took = _timed_cpu([PY, "-m", "generator", verb, flag, out], env, root)
                found[verb].append((took[0] / base[0], took[1] / base[1], took[0]))
    for root, (_, _, found) in trees.items():
        parts = [f"{verb} {statistics.median(r[0] for r in runs):.2f} x ({statistics.median(r[1] for r in runs):.2f} "
                 f"x in CPU; {statistics.median(r[2] for r in runs):.2f} s)" for verb, runs in found.items()]
        print(f"{root}: up-to-date " + ", ".join(parts) + f" (target: at most {TARGET_RATIO:g}; {pairs} pairs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 models, one cold build (CI smoke test)")
    parser.add_argument("--suite", action="store_true", help="also time the test suite (the README's command)")
    parser.add_argument("--max-pages", type=int, default=1000,
                        help="largest model count also built with model_pages (default 1000)")
    parser.add_argument("--ratios", type=int, metavar="PAIRS", help="only the two ratios, from PAIRS pairs each")
    parser.add_argument("--against", metavar="TREE", help="with --ratios: also this source tree, measured by turns")
    args = parser.parse_args()
    if args.ratios:
        ratios_only([ROOT] + ([os.path.abspath(args.against)] if args.against else []), args.ratios)
        return
    repeats = 1 if args.quick else 5
    sizes = (10, 100) if args.quick else (10, 100, 1000, 10000)
    work = tempfile.mkdtemp(prefix="bench-build-")
    try:
        print(f"Python {sys.version.split()[0]} on {os.cpu_count()} CPUs; median of {repeats} run(s) where noted\n")
        # (a) imports vs a cold build, an up-to-date build and check of the default site
        # The build's own dependencies: what a cold build imports (openpyxl and matplotlib only to write the
        # workbook and draw the PNG header image, which a cold build must make; a later build takes them from the
        # cache of rendered bytes, and so imports neither, nor markdown).
        ENV["GENERATOR_CACHE_DIR"] = os.path.join(work, "cache")
        subprocess.run([PY, "-m", "compileall", "-q", os.path.join(ROOT, "generator")], check=True, env=ENV)
        imports = median_of(repeats, [PY, "-c", DEPENDENCIES])
        bare = median_of(repeats, [PY, "-c", "pass"])
        # The command line imports each verb's modules where it runs (an up-to-date build imports few): all of them.
        ours = median_of(repeats, [PY, "-c", "import generator.cli, generator.site.plan, generator.site.check"])
        out = os.path.join(work, "site")

        def cold_start():
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(ENV["GENERATOR_CACHE_DIR"], ignore_errors=True)
        cold = median_of(repeats, [PY, "-m", "generator", "build", "--out", out], before=cold_start)
        pairs = 3 if args.quick else 15
        warm_ratio, warm, template_imports = paired_ratio(pairs, [PY, "-m", "generator", "build", "--out", out])
        check_ratio, check, _ = paired_ratio(pairs, [PY, "-m", "generator", "check", "--site", out])
        print("(a) start-up and the default site")
        print(table([
            ["python -c pass", f"{bare:.3f}"],
            [TEMPLATE_IMPORTS.removeprefix("import "), f"{template_imports:.3f}"],
            [f"{DEPENDENCIES.removeprefix('import ')}", f"{imports:.3f}"],
            ["import generator.cli, site.plan, site.check (all that a check imports)", f"{ours:.3f}"],
            ["build, cold (empty --out, empty cache)", f"{cold:.3f}"],
            ["build, nothing changed", f"{warm:.3f}"],
            ["check --site", f"{check:.3f}"],
        ], ["what", "seconds"]))
        print(f"\n    up-to-date build / import of {TEMPLATE_IMPORTS.removeprefix('import ')} = {warm_ratio:.2f} "
              f"(target: at most {TARGET_RATIO:g})")
        print(f"    check / import of {TEMPLATE_IMPORTS.removeprefix('import ')} = {check_ratio:.2f} "
              f"(target: at most {TARGET_RATIO:g})")
        print(f"    cold build / dependencies' imports = {cold / imports:.2f}; (medians of {pairs} adjacent pairs)\n")
        if args.suite:
            print(f"    test suite (the README's command): {suite_seconds():.0f} s (target: under 300)\n")

        # (b) scaling with the number of models
        rows = []
        for n in sizes:
            for pages in (False, True):
                if pages and n > args.max_pages:
                    continue
                content = os.path.join(work, f"content-{n}-{int(pages)}")
                synthetic_content(content, n, pages)
                out = os.path.join(work, f"site-{n}-{int(pages)}")
                argv = [PY, "-m", "generator", "build", "--content", content, "--out", out]
                seconds, peak = timed(argv)
                rebuild, _ = timed(argv)
                files = sum(len(names) for _, _, names in os.walk(out))
                check_seconds, _ = timed([PY, "-m", "generator", "check", "--content", content, "--site", out])
                rows.append([f"{n:,}", "yes" if pages else "no", files, f"{seconds:.2f}", f"{rebuild:.2f}",
                             f"{check_seconds:.2f}", f"{peak:.0f}", f"{1000 * seconds / n:.1f}"])
                shutil.rmtree(out)
                shutil.rmtree(content)
        print("(b) synthetic content: N models, one post with a load_table over all of them")
        print(table(rows, ["models", "model_pages", "files", "build s", "rebuild s", "check s", "peak MiB",
                           "ms/model"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
