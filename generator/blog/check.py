"""``check --blog``: every file the build owns in a blog still equals a fresh build, every table cell matches the
formulas. Only the generator's files are read; the author's are not judged."""

from __future__ import annotations

import os

from generator.blog.config import BlogConfig
from generator.blog.plan import BlogPlan
from generator.blog.write import _what, digest, owned_plan, published_bytes, read_manifest, target
from generator.core.errors import program
from generator.site.check import CheckReport, chart_findings, compare_tables, count_tables, reader_equivalent, unified_diff


def check_blog(blog: BlogConfig, blog_plan: BlogPlan) -> CheckReport:
    owned = read_manifest(blog, blog_plan.site.files)
    plan, _ = owned_plan(blog, blog_plan, owned)
    report = CheckReport()
    build = f"run `{program()} build --blog {blog.root}`"
    for relative, expected in plan.files.items():
        shown = os.path.join(blog.root, relative)
        published = published_bytes(target(blog, relative))
        report.files += 1
        meta = plan.tables.get(relative, ())
        count_tables(report, meta)
        if published is None:
            report.findings.append(f"{shown}: missing; {build}")
            continue
        if published == expected:
            continue
        if published.startswith(b"\0"):
            report.findings.append(f"{shown}: {_what(published)}, where the build writes a file; move it away")
            continue
        if relative in owned and digest(published) == owned[relative] and reader_equivalent(relative, published, expected):
            continue  # written by this generator under another allowed library version; the same for a reader
        if relative not in owned:
            report.findings.append(f"{shown}: not written by the generator, where the build would write; move it away")
            continue
        if digest(published) != owned[relative]:
            # The build refuses to overwrite a hand edit: restore the file or delete it, and edit the source.
            report.findings.append(f"{shown}: edited by hand since the generator wrote it; restore it (e.g. `git "
                                   f"checkout -- {shown}`) or delete it, put the change into the post source "
                                   f"{os.path.join(blog.root, blog.posts)}/, then {build}")
        if meta:
            report.findings.extend(compare_tables(shown, published.decode("utf-8", "replace"),
                                                  expected.decode("utf-8"), meta, html=blog.engine.html_tables))
        if relative.endswith((".svg", ".png")):
            report.findings.extend(chart_findings(shown, published, expected))
        try:
            published.decode("utf-8")
            expected.decode("utf-8")
            report.diffs.append(unified_diff(shown, published, expected))
        except UnicodeDecodeError:
            report.findings.append(f"{shown}: differs from a fresh build; {build}")
    for relative in sorted(set(owned) - set(plan.files)):
        current = published_bytes(target(blog, relative))
        if current is not None and not current.startswith(b"\0"):
            report.findings.append(f"{os.path.join(blog.root, relative)}: an earlier build wrote it, this one would "
                                   f"not; {build} to delete it")
    return report
