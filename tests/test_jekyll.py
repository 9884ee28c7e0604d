"""site/ is a working Jekyll source: Debian's jekyll renders every post, and every table cell survives."""

import os
import shutil
import subprocess

import pytest

from conftest import ROOT, repo_plan
from generator.site.check import html_tables
from generator.site.plan import post_html_path, post_markdown_path

JEKYLL = shutil.which("jekyll")
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def jekyll_output(tmp_path_factory):
    if JEKYLL is None:
        if os.environ.get("CI"):
            pytest.fail("jekyll is not installed; .ci/run installs Debian's jekyll package")
        pytest.skip("jekyll is not installed (apt-get install jekyll)")
    destination = tmp_path_factory.mktemp("jekyll") / "_site"
    result = subprocess.run([JEKYLL, "build", "--disable-disk-cache", "--source", f"{ROOT}/site", "--destination", str(destination)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return destination


def test_jekyll_renders_every_post_with_every_table_cell(jekyll_output):
    plan = repo_plan()
    assert plan.posts
    for post in plan.posts:
        source = post.source
        rendered = jekyll_output / f"{source.date:%Y/%m/%d}" / f"{source.slug}.html"
        assert rendered.exists(), f"jekyll did not render {post_markdown_path(post)}"
        got = html_tables(rendered.read_text(encoding="utf-8"))
        want = html_tables(plan.files[post_html_path(post)].decode("utf-8"))
        assert len(got) == len(want) == len(post.tables)
        for got_table, want_table in zip(got, want):
            assert [r.cells for r in got_table.rows] == [r.cells for r in want_table.rows]


def test_jekyll_output_has_every_image_the_posts_show(jekyll_output):
    import re
    plan = repo_plan()
    shown = set()
    for post in plan.posts:
        shown.update(re.findall(r"!\[[^\]]*\]\(/([^)]+)\)", post.markdown))
    assert "images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png" in shown
    assert any(path.endswith(".svg") for path in shown)
    for path in shown:
        assert (jekyll_output / path).read_bytes() == plan.files[path], path
