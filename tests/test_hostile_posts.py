"""Issue 16, items 5 and 7: a post source, a template and an MkDocs site that try to make the build allocate, spin,
publish the build machine's paths, or read outside the project. Each case runs in a child under 3 GiB and 30 s
(tests/hostile.py); the refusal is exit 2 with one line naming the post, and the blog is left byte for byte."""

from __future__ import annotations

import os
import resource
import shutil

import pytest

from hostile import EXAMPLES, ROOT, jekyll_blog, one_error_line, run_limited, tree

HOSTILE = "2026-12-01-hostile.md"


def _post(blog: str, body: str) -> None:
    with open(os.path.join(blog, "_generator", "posts", HOSTILE), "w", encoding="utf-8") as handle:
        handle.write(f'---\nlayout: post\ntitle: "Hostile"\ndate: 2026-12-01 09:00:00 +0000\n---\n{body}\n')


def _with_child_cpu(run):
    """(run()'s value, the user + system CPU seconds of the children it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    value = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return value, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.parametrize("body, expected", [
    # The cases: each allocated gigabytes or ran for minutes before it was refused.
    ("{{ '{0:{1}{2}}'.format(1, '30000', '00000') }}", "format width"),
    ("{{ '{0:{1}}'.format(1, 10**8) }}", "too large a count or width"),
    ("{{ '{:>{w}}'.format(1, w='99999999') }}", "format width"),
    ("{{ lipsum(n=10**6) }}", "lipsum"),
    ("{% set ns = namespace(x=10**64) %}{% for i in range(20) %}{% set ns.x = ns.x * ns.x %}{% endfor %}"
     "{{ ns.x }}", "integer of about"),
    ("{{ (10**64) ** 64 }}", "too large to compute"),
    ("{{ (2**64) ** 64 }}", "integer of about"),  # 65 x 64 = 4,160 bits
    ("{{ range(10**6) | list | length }}", "range() of 1,000,000 numbers"),
    ("{% for i in range(40000) %}{% set y = ('x' * 100000) | reverse | join %}{% endfor %}", "CPU time"),
    ("{{ model('Qwen2.5-7B-Instruct').path }}", "not allowed"),
    ("{{ model('Qwen2.5-7B-Instruct').config.path }}", "not allowed"),
    ("{{ [1] | random }}", "random"),
])
def test_a_hostile_post_is_refused_before_it_costs(tmp_path, body, expected):
    blog = jekyll_blog(tmp_path)
    _post(blog, body)
    before = tree(tmp_path)
    line, cpu_seconds = _with_child_cpu(lambda: one_error_line(run_limited("build", "--blog", blog)))
    assert HOSTILE in line and expected in line, line
    # The sandbox bounds CPU time (limits.MAX_RENDER_SECONDS); the wall clock of a loaded machine (pytest -n auto
    # on two cores) is not the build's to bound, and run_limited's timeout still fails a hang.
    assert cpu_seconds < 15
    assert tree(tmp_path) == before
    assert str(tmp_path) not in line.split(": ", 2)[-1] or "path" not in body


def test_no_filesystem_path_reaches_a_published_post(tmp_path):
    blog = jekyll_blog(tmp_path)
    _post(blog, "{{ model('Qwen2.5-7B-Instruct').id }} {{ model('Qwen2.5-7B-Instruct').params_b }}")
    result = run_limited("build", "--blog", blog)
    assert result.code == 0, result.err
    published = open(os.path.join(blog, "_posts", HOSTILE), encoding="utf-8").read()
    assert "Qwen2.5-7B-Instruct" in published
    assert ROOT not in published and str(tmp_path) not in published and "site-packages" not in published


def test_a_template_symlinked_outside_the_project_is_refused(tmp_path):
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET {{ 7 * 7 }}\n")
    template = tmp_path / "templates" / "model.html.j2"
    template.unlink()
    os.symlink(secret, template)
    before = tree(tmp_path)
    line = one_error_line(run_limited("build", cwd=tmp_path))
    assert "model.html.j2" in line and "symlink" in line
    assert tree(tmp_path) == before


@pytest.fixture
def mkdocs_site(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(os.path.join(EXAMPLES, "mkdocs-site"), site)
    os.makedirs(tmp_path / "outside")
    return site


def _plugin_options(site, options: str) -> None:
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("      language: en\n", options))


@pytest.mark.parametrize("options, expected", [
    ("      language: 5\n", "language"),
    ("      language: en\n      catalogue: ../outside\n", "inside the site"),
    ("      language: en\n      catalogue: /etc\n", "inside the site"),
    ("      language: en\n      catalogue: outlink\n", "out of the site"),
])
def test_mkdocs_plugin_options_are_bad_input(mkdocs_site, options, expected):
    os.symlink(mkdocs_site.parent / "outside", mkdocs_site / "outlink")
    _plugin_options(mkdocs_site, options)
    before = tree(mkdocs_site.parent)
    line = one_error_line(run_limited("check", "--blog", mkdocs_site))
    assert "mkdocs.yml" in line and expected in line, line
    assert tree(mkdocs_site.parent) == before


def test_a_non_utf8_mkdocs_page_is_one_located_line(mkdocs_site):
    (mkdocs_site / "docs" / "latin1.md").write_bytes("caf\xe9 {{ 1 }}\n".encode("latin-1"))
    line = one_error_line(run_limited("check", "--blog", mkdocs_site))
    assert "latin1.md:1:" in line and "UTF-8" in line
