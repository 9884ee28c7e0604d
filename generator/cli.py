"""Command line: ``build`` and ``check``. The one place that turns errors into messages and exit codes.

Exit codes:
  0  all good
  1  check found a mismatch (a wrong cell, a stale or missing file, a table the build does not make)
  2  bad input or usage (the message names the file, the line and the fix); nothing was written
  3  internal error (a bug: please report it with the message)
"""

from __future__ import annotations

import argparse
import sys

from .check import check_files, check_site
from .errors import GeneratorError
from .site import build_plan
from .writer import write_plan

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
    return parser


def run_build(args, out) -> int:
    plan = build_plan(args.content, args.templates)
    result = write_plan(plan, args.out)
    for path in result.written:
        print(f"wrote {args.out.rstrip('/')}/{path}", file=out)
    for path in result.deleted:
        print(f"deleted {args.out.rstrip('/')}/{path}", file=out)
    print(f"build: {len(result.written)} written, {len(result.deleted)} deleted, {result.unchanged} unchanged",
          file=out)
    return EXIT_OK


def run_check(args, out) -> int:
    plan = build_plan(args.content, args.templates)
    report = check_files(plan, args.files) if args.files else check_site(plan, args.site)
    for line in report.findings:
        print(line, file=out)
    for diff in report.diffs:
        out.write(diff)
    if report.ok:
        print(f"check: OK, {report.cells} cells in {report.tables} tables and {report.files} files match the formulas "
              "and a fresh build", file=out)
        return EXIT_OK
    print(f"check: {len(report.findings)} problem(s), {len(report.diffs)} file(s) differ from a fresh build; "
          "fix content/ or the post source, then run `python -m generator build`", file=out)
    return EXIT_MISMATCH


def main(argv=None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = make_parser().parse_args(argv)
        return {"build": run_build, "check": run_check}[args.verb](args, out)
    except GeneratorError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; the site was left as it was", file=err)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the user gets one line, never a traceback
        print(f"error: internal error ({type(exc).__name__}: {exc}); please report it", file=err)
        return EXIT_INTERNAL
