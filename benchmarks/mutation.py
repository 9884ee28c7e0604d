"""Mutation testing of the modules that decide the published numbers and the blog's files (issue 23, item 7): mutmut
changes one thing at a time in the code (an operator, a constant, a comparison, a dropped call) and runs the fast
tests that reach the changed function; a mutant no test notices ("survived") is a gap in the tests, to be killed by a
new test or explained below (SURVIVORS_EXPLAINED). Not part of CI: run it by hand, as a habit, after changing the
code or its tests.

Setup (once; mutmut is an optional extra, not a runtime dependency):

    .venv/bin/pip install -e '.[test,mutation]'

Run one scope (the names of SCOPES below), or several; with no name, all of them:

    .venv/bin/python benchmarks/mutation.py write gpu_fit
    .venv/bin/python benchmarks/mutation.py                       # everything: see the times below
    .venv/bin/python benchmarks/mutation.py --children 8 calc     # more workers on a machine of your own
    .venv/bin/python benchmarks/mutation.py --issue-23            # issue 23's nine one-line changes, by hand

Each scope runs in a scratch copy of the repository's tracked files (under the system's temporary folder, removed
afterwards unless --keep), so the working tree and its `mutants/` never change. For each scope it prints the mutants
killed, survived, not reached by the selected tests ("no tests") and timed out, the kill rate
(killed + timeout) / (all mutants), and each survivor's name; --show prints each survivor's diff (mutmut show).

Times and results (measured 2026-12-07 on the shared 2-core machine, one worker, load average about 13):
  gpu_fit  (generator/calc/gpu_fit.py, 52 lines)    47 mutants,  65 s: 44 killed, 2 timeouts, 1 survivor (explained)
  seed_method (generator/calc/seed_method.py)      15 mutants,  41 s: 15 killed (4 survived before
                                                                     tests/test_seed_method_units.py)
  write    (generator/blog/write.py, 368 lines)    689 mutants, 474 s: 654 killed, 4 timeouts, 31 survivors (explained)
The whole set (calc, families, write, check: about 5,000 lines, so of the order of 9,000 mutants) was not run here:
at the rate above that is an estimated 2 to 5 hours with one worker; run it on a machine of your own with --children
set to its cores, then kill or explain (SURVIVORS_EXPLAINED) what survives.

Scopes: the modules and the fast tests that exercise them (mutmut runs, for each mutant, only the tests of this
selection that called the mutated function during its first, clean run). The slow end-to-end tests (browsers,
Jekyll, the frozen site comparison) are left out on purpose: a mutant must be caught by a test that says why the
number is right, not only that the site changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FAST_CALC_TESTS = ["tests/test_estimator_terms.py", "tests/test_numbers_from_sources.py", "tests/test_estimator.py",
                   "tests/test_architecture.py", "tests/test_families.py", "tests/test_gguf_mix.py",
                   "tests/test_vllm.py", "tests/test_llamacpp_logs.py", "tests/test_gpu_fit.py",
                   "tests/test_seed_edition.py", "tests/test_seed_method_units.py"]

SCOPES = {
    "gpu_fit": (["generator/calc/gpu_fit.py"],
                ["tests/test_estimator_terms.py", "tests/test_estimator.py", "tests/test_gpu_fit.py"]),
    "seed_method": (["generator/calc/seed_method.py"],
                    ["tests/test_seed_edition.py", "tests/test_estimator.py", "tests/test_seed_method_units.py"]),
    "write": (["generator/blog/write.py"], ["tests/test_blog_write_units.py"]),
    "calc": (["generator/calc/*"], FAST_CALC_TESTS),
    "families": (["generator/families/*"], ["tests/test_families.py", "tests/test_readers.py",
                                            "tests/test_numbers_from_sources.py", "tests/test_architecture.py",
                                            "tests/test_hostile_hub.py", "tests/test_sources.py"]),
    "check": (["generator/site/check.py"], ["tests/test_check.py", "tests/test_check_gaps.py"]),
}

# Survivors seen in the runs above, each with why no test kills it. A mutant listed here that a later run kills can
# be dropped; a new survivor not listed here is a gap to close with a test (or to explain here).
SURVIVORS_EXPLAINED: dict[str, str] = {
    # middle = (low + high + 2) // 2: equivalent. While low < high, (low + high + 2) // 2 is low + 1 .. high as
    # (low + high + 1) // 2 is, except that it rounds up once more when low + high is even; either way the probe lies
    # in (low, high], so the search still ends on the last step that fits (it may take one probe more).
    "generator.calc.gpu_fit.x_longest_context__mutmut_10": "equivalent: the probe stays in (low, high]",
    # generator/blog/write.py (scope write): equivalent mutants, and guards against races no test can time.
    "generator.blog.write.x_manifest_text__mutmut_8":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.blog.write.x_read_manifest_lines__mutmut_21":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.blog.write.x__clean__mutmut_3":
        "equivalent: the empty path is one empty part, refused by the empty-part rule anyway",
    "generator.blog.write.x__clean__mutmut_6":
        "equivalent: an absolute path has an empty first part, refused by the empty-part rule anyway",
    "generator.blog.write.x__under__mutmut_5":
        "equivalent: _under never sees folder '' (catalogue '' is falsy; config normalises posts to '.')",
    "generator.blog.write.x__under__mutmut_9":
        "equivalent: folders come normalised from the config (os.path.normpath: no trailing '/')",
    "generator.blog.write.x__under__mutmut_10":
        "equivalent: folders come normalised and relative from the config (absolute ones are refused)",
    "generator.blog.write.x_may_own__mutmut_10": "equivalent: rsplit('/') and rsplit('/', 1) have the same last part",
    "generator.blog.write.x_may_own__mutmut_11":
        "equivalent: name is only used with endswith (any suffix of the path gives the same answer) and, for "
        "top-level paths, equals the path",
    "generator.blog.write.x_may_own__mutmut_12":
        "equivalent: name is only used with endswith and, for top-level paths, equals the path",
    "generator.blog.write.x_may_own__mutmut_13":
        "equivalent: rsplit('/', 2) and rsplit('/', 1) have the same last part",
    "generator.blog.write.x_may_own__mutmut_58":
        "equivalent: the character skipped is the file name's first, never '/' (_clean refuses '//')",
    "generator.blog.write.x_read_manifest_lines__mutmut_10": "equivalent: follow=None is falsy, as follow=False",
    "generator.blog.write.x_published_bytes__mutmut_18": "equivalent: follow=None is falsy, as follow=False",
    "generator.blog.write.x_published_bytes__mutmut_21":
        "race only: lstat has already refused a link; follow=False guards a link swapped in between lstat "
        "and open, which a test cannot time (tests/test_hostile_blog.py)",
    "generator.blog.write.x_published_bytes__mutmut_22": "race only: as published_bytes__mutmut_21",
    "generator.blog.write.x_refusals__mutmut_34": "equivalent: stale_paths(regular_only=False) does not read blog",
    "generator.blog.write.x_refusals__mutmut_37": "equivalent: regular_only=None is falsy, as False",
    "generator.blog.write.x_stale_paths__mutmut_20":
        "equivalent: a marker's digest never equals a manifest's SHA-256, so the digest test refuses it anyway",
    "generator.blog.write.x_write_blog__mutmut_99": "equivalent: _replace_manifest does not read blog",
    "generator.blog.write.x_write_blog__mutmut_133": "equivalent: _replace_manifest does not read blog",
    "generator.blog.write.x_write_blog__mutmut_118":
        "race only: stale_paths has just checked the same three conditions; the re-check guards a file "
        "swapped before the unlink",
    "generator.blog.write.x_write_blog__mutmut_119": "race only: as write_blog__mutmut_118",
    "generator.blog.write.x_write_blog__mutmut_123": "race only: as write_blog__mutmut_118",
    "generator.blog.write.x_write_blog__mutmut_149":
        "equivalent unless unlinking a staging file fails (suppress(None) only differs then)",
    "generator.blog.write.x__replace_manifest__mutmut_9":
        "equivalent: only the staging file's random name changes (still matched as staging)",
    "generator.blog.write.x__replace_manifest__mutmut_10": "equivalent: '.generator-manifest' has no trailing '.'",
    "generator.blog.write.x__replace_manifest__mutmut_11":
        "equivalent: stripping 'X' and '.' from '.generator-manifest' gives the same name",
    "generator.blog.write.x__remove_leftover_staging__mutmut_10":
        "equivalent: split('XX/XX') keeps the path whole, os.path.join gives the same folder",
    "generator.blog.write.x__remove_leftover_staging__mutmut_20": "equivalent unless unlinking a staging file fails",
    "generator.blog.write.x__remove_emptied_folders__mutmut_2":
        "equivalent: os.path.dirname never gives '.' (assets or posts '.' are kept by name)",
}


# Issue 23's table of one-line changes: each must fail a fast test that says why the number is right, not only the
# frozen-site comparison. (name, file, the line as it is, the line changed, the tests that must fail on it)
ISSUE_23_CHANGES = [
    ("drop the extra decode-step KV term", "generator/calc/estimator.py",
     "decode_kv = kv_full + layer_kv_full", "decode_kv = kv_full", ["tests/test_estimator_terms.py"]),
    ("multi-GPU headroom 1.25 -> 1.0", "generator/calc/estimator.py",
     "capacity = (weights + rope) / gpus + 1.25 * layer_size", "capacity = (weights + rope) / gpus + 1.0 * layer_size",
     ["tests/test_estimator_terms.py"]),
    ("GGUF q8_0 8.5 -> 8.0 bits per weight", "generator/calc/estimator.py", '"q8_0": 8.5', '"q8_0": 8.0',
     ["tests/test_numbers_from_sources.py"]),
    ("longest context one step short", "generator/calc/gpu_fit.py", "return low * granularity",
     "return max(0, low - 1) * granularity", ["tests/test_estimator_terms.py", "tests/test_gpu_fit.py"]),
    ("drop attention-sink parameters", "generator/calc/architecture.py",
     "norms += arch.heads if arch.attention_sinks else 0", "norms += 0",
     ["tests/test_numbers_from_sources.py", "tests/test_families.py"]),
    ("drop the tensor-parallel all-reduce term", "generator/calc/vllm.py", "stream = 3 * h + (h if tp > 1 else 0)",
     "stream = 3 * h", ["tests/test_numbers_from_sources.py"]),
    ("skip the 'edited by hand, would delete' refusal", "generator/blog/write.py",
     'if current is not None and not current.startswith(b"\\0") and digest(current) != owned[relative]:',
     "if False:", ["tests/test_blog_write_units.py", "tests/test_check_gaps.py"]),
    ("extra-row detection off by one", "generator/site/check.py", "for got in published.rows[len(expected.rows):]",
     "for got in published.rows[len(expected.rows) + 1:]", ["tests/test_check_gaps.py"]),
    ("check skips the workbook", "generator/site/check.py",
     "return workbook_reader_view(published) == workbook_reader_view(expected)", "return True",
     ["tests/test_check_gaps.py"]),
]


def run_issue_23_table(keep: bool) -> list:
    """Apply each change of ISSUE_23_CHANGES in a scratch copy, run its tests, put the line back: each must fail."""
    workdir = tempfile.mkdtemp(prefix="generator-issue23-")
    results = []
    try:
        _scratch_copy(workdir)
        for name, relative, old, new, tests in ISSUE_23_CHANGES:
            path = os.path.join(workdir, relative)
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
            if source.count(old) != 1:
                raise SystemExit(f"{relative}: the line of '{name}' is not there once; update ISSUE_23_CHANGES")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(source.replace(old, new))
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                                     cwd=workdir, capture_output=True, text=True)
            finally:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(source)
            failed = sorted({line.split(" ")[1].split("[")[0] for line in run.stdout.splitlines()
                             if line.startswith("FAILED ")})
            results.append({"change": name, "caught": run.returncode == 1, "failed": failed})
            print(f"{'caught' if run.returncode == 1 else 'NOT CAUGHT'}: {name}: {', '.join(failed) or run.returncode}")
        return results
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _scratch_copy(dest: str) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in files.decode("utf-8").split("\0"):
        if not rel or rel.startswith("site/"):
            continue
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
    # Untracked test files of a working state (a new test not yet committed) count too.
    for name in os.listdir(os.path.join(ROOT, "tests")):
        if name.startswith("test_") and name.endswith(".py"):
            shutil.copy2(os.path.join(ROOT, "tests", name), os.path.join(dest, "tests", name))


def _config(modules: list[str], tests: list[str], children: int) -> str:
    def toml_list(items):
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"
    return ("\n[tool.mutmut]\n"
            'source_paths = ["generator"]\n'
            f"only_mutate = {toml_list(modules)}\n"
            f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-q"]\n'
            'also_copy = ["content", "templates", "examples", "benchmarks", "README.md"]\n'
            "use_git_change_detection = false\n")


def _results(workdir: str) -> dict[str, object]:
    from collections import Counter

    from mutmut.stats import status_by_exit_code

    counts: Counter = Counter()
    survivors = []
    for folder, _, names in os.walk(os.path.join(workdir, "mutants")):
        for name in names:
            if not name.endswith(".meta"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                meta = json.load(handle)
            for mutant, code in meta.get("exit_code_by_key", {}).items():
                status = status_by_exit_code[code]
                counts[status] += 1
                if status == "survived":
                    survivors.append(mutant)
    return {"counts": dict(counts), "survivors": sorted(survivors)}


def run_scope(name: str, children: int, keep: bool, show: bool) -> dict:
    modules, tests = SCOPES[name]
    tests = [t for t in tests if os.path.exists(os.path.join(ROOT, t))]
    workdir = tempfile.mkdtemp(prefix=f"generator-mutation-{name}-")
    try:
        _scratch_copy(workdir)
        with open(os.path.join(workdir, "pyproject.toml"), "a", encoding="utf-8") as handle:
            handle.write(_config(modules, tests, children))
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(children)], cwd=workdir,
                             capture_output=True, text=True)
        seconds = time.monotonic() - started
        if run.returncode != 0:
            sys.stderr.write(run.stdout[-4000:] + run.stderr[-4000:])
            raise SystemExit(f"mutmut failed on scope {name} (exit {run.returncode}); the scratch copy is {workdir}")
        result = _results(workdir)
        counts = result["counts"]
        total = sum(counts.values())
        detected = counts.get("killed", 0) + counts.get("timeout", 0)
        result.update(scope=name, modules=modules, tests=tests, seconds=round(seconds),
                      kill_rate=round(100 * detected / total, 1) if total else None)
        print(f"{name}: {total} mutants, {counts} -> kill rate {result['kill_rate']}% in {seconds:.0f} s")
        for mutant in result["survivors"]:
            why = SURVIVORS_EXPLAINED.get(mutant, "NOT EXPLAINED: add a test or explain it in SURVIVORS_EXPLAINED")
            print(f"  survived {mutant}: {why}")
            if show:
                print(subprocess.run([sys.executable, "-m", "mutmut", "show", mutant], cwd=workdir,
                                     capture_output=True, text=True).stdout)
        return result
    finally:
        if keep:
            print(f"  scratch copy kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scopes", nargs="*", metavar="SCOPE", help=f"one or more of {', '.join(SCOPES)} (default: all)")
    parser.add_argument("--children", type=int, default=1, help="parallel mutant workers (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (to browse with mutmut browse)")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--issue-23", action="store_true",
                        help="instead: apply each one-line change of issue 23's table and check a fast test fails")
    args = parser.parse_args(argv)
    if args.issue_23:
        results = run_issue_23_table(args.keep)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump(results, handle, indent=2, sort_keys=True)
        return 0 if all(r["caught"] for r in results) else 1
    unknown = [name for name in args.scopes if name not in SCOPES]
    if unknown:
        parser.error(f"unknown scope {', '.join(unknown)}: use one of {', '.join(SCOPES)}")
    results = [run_scope(name, args.children, args.keep, args.show) for name in (args.scopes or list(SCOPES))]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
