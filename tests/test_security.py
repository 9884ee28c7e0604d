"""Security: hostile text stays text, YAML is loaded safely, nothing is written or read outside its folder, and
neither build nor check touches the network."""

from __future__ import annotations

import html
import os
import socket

import pytest

from conftest import SEED_POST, run_cli, snapshot
from generator.core.errors import GeneratorError
from generator.site.plan import SitePlan
from generator.site.writer import write_plan

XSS = "<script>alert(1)</script>"
TEMPLATE = "{{ 7*7 }}"
SEED_SOURCE = "content/posts/2024-09-03-how-much-vram-is-required-for-llm-inference.md"
ARCHITECTURE = """    config:
      architectures: [Qwen2ForCausalLM]
      hidden_size: 896
      num_hidden_layers: 24
      num_attention_heads: 14
      num_key_value_heads: 2
      intermediate_size: 4864
      vocab_size: 151936
      max_position_embeddings: 32768
"""


@pytest.fixture
def hostile(project):
    """The content copy with two hostile model ids, both named in a table call of the seed post."""
    models = project / "content" / "models.yaml"
    text = models.read_text(encoding="utf-8")
    extra = "".join(f'  - id: "{name}"\n    params_b: 0.5\n{ARCHITECTURE}' for name in (XSS, TEMPLATE))
    models.write_text(text.replace("models:\n", "models:\n" + extra, 1), encoding="utf-8")
    post = project / SEED_SOURCE
    text = post.read_text(encoding="utf-8")
    call = (f'{{{{ memory_table(name="hostile", models=["{XSS}", "{TEMPLATE}"], quantizations=["bf16"], '
            f'contexts=[4096], framework="transformers==4.46.0") }}}}\n\n')
    marker = "## 计算加载模型需要的显存"
    assert marker in text
    post.write_text(text.replace(marker, call + marker, 1), encoding="utf-8")
    return project


def test_hostile_model_ids_are_escaped_in_html_and_in_markdown(hostile):
    result = run_cli("build")
    assert result.code == 0, result.err
    site = hostile / "site"
    pages = {}
    for dirpath, _, names in os.walk(site):
        for name in names:
            path = os.path.join(dirpath, name)
            if name.endswith((".html", ".md", ".svg", ".xml")):
                pages[os.path.relpath(path, site)] = open(path, encoding="utf-8").read()
    html_pages = {p: t for p, t in pages.items() if p.endswith(".html")}
    assert html_pages
    for path, text in pages.items():
        if path.endswith((".html", ".svg")):
            assert "<script>alert" not in text and XSS not in text, path
    seed_html = html_pages["posts/how-much-vram-is-required-for-llm-inference.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in seed_html
    # Shown as written, but never as a Liquid output: the brace that opens it is a character reference.
    assert TEMPLATE in html.unescape(seed_html) and TEMPLATE not in seed_html and "| 49 |" not in seed_html
    markdown = pages[SEED_POST]
    body = markdown.split("\n---\n", 1)[1]
    assert TEMPLATE in html.unescape(body) and "{{" not in body  # Jekyll runs Liquid over the Markdown
    assert "<script>alert" not in markdown
    row = next(line for line in markdown.splitlines() if TEMPLATE in html.unescape(line))
    assert "49" not in row.split("|")[1]
    assert run_cli("check").code == 0


def test_yaml_object_tags_are_refused(built):
    models = built / "content" / "models.yaml"
    text = models.read_text(encoding="utf-8")
    models.write_text(text.replace("  - id: Qwen2-0.5B-Instruct\n",
                                   "  - id: !!python/object/apply:os.system ['touch pwned']\n", 1), encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2 and "python/object/apply" in result.err
    assert not (built / "pwned").exists()


@pytest.mark.parametrize("relative", ["../escaped.html", "posts/../../escaped.html", "/tmp/escaped-absolute.html",
                                      "posts/..", "\\..\\escaped.html"])
def test_writer_refuses_output_paths_that_leave_the_site(tmp_path, relative):
    out = tmp_path / "site"
    out.mkdir()
    plan = SitePlan({"index.html": b"ok", relative: b"pwned"}, {}, ())
    with pytest.raises(GeneratorError, match="leaves the output folder"):
        write_plan(plan, str(out))
    assert list(out.iterdir()) == []
    assert not (tmp_path / "escaped.html").exists() and not os.path.exists("/tmp/escaped-absolute.html")


@pytest.mark.parametrize("name", ["2024-09-03-...md", "2024-09-03-..%2f..%2fx.md", "2024-09-03-a..b.md"])
def test_a_post_slug_with_dots_is_refused(built, name):
    (built / "content" / "posts" / name).write_text("---\nlayout: post\ntitle: x\ndate: 2024-09-03\n---\n",
                                                   encoding="utf-8")
    before = snapshot(built / "site")
    result = run_cli("build")
    assert result.code == 2 and "must be named YYYY-MM-DD-slug.md" in result.err
    assert snapshot(built / "site") == before


def test_a_symlinked_file_in_the_site_pointing_outside_is_refused(built, tmp_path):
    outside = tmp_path / "outside.html"
    outside.write_bytes(b"outside\n")
    index = built / "site" / "index.html"
    index.unlink()
    index.symlink_to(outside)
    result = run_cli("build")
    assert result.code == 2 and "resolves outside the output folder" in result.err, result.err
    assert outside.read_bytes() == b"outside\n"
    assert os.path.islink(index)


def test_a_symlinked_folder_in_the_site_pointing_outside_is_refused(built, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    models = built / "site" / "models"
    for child in models.iterdir():
        child.unlink()
    models.rmdir()
    models.symlink_to(outside, target_is_directory=True)
    result = run_cli("build")
    assert result.code == 2 and "resolves outside the output folder" in result.err
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("relative", ["models.yaml", "benchmarks/qwen2-speed-benchmark.yaml", "site.yaml",
                                      "gpus.yaml", "frameworks.yaml",
                                      "posts/2024-09-03-how-much-vram-is-required-for-llm-inference.md"])
def test_a_content_symlink_leading_outside_the_content_folder_is_refused(built, tmp_path, relative):
    inside = built / "content" / relative
    outside = tmp_path / ("outside-" + os.path.basename(relative))
    outside.write_bytes(inside.read_bytes())
    inside.unlink()
    inside.symlink_to(outside)
    before = snapshot(built / "site")
    for verb in ("build", "check"):
        result = run_cli(verb)
        assert result.code == 2, result.err
        assert result.err.startswith(f"error: content/{relative}: a symlink that leads outside the content folder")
        assert len(result.err.splitlines()) == 1
    assert snapshot(built / "site") == before


def test_a_symlinked_content_subfolder_leading_outside_is_refused(built, tmp_path):
    posts = built / "content" / "posts"
    moved = tmp_path / "posts-elsewhere"
    posts.rename(moved)
    posts.symlink_to(moved, target_is_directory=True)
    result = run_cli("build")
    assert result.code == 2 and "leads outside the content folder" in result.err


def test_a_symlink_inside_the_content_folder_is_fine(built):
    site_yaml = built / "content" / "site.yaml"
    (built / "content" / "site-real.yaml").write_bytes(site_yaml.read_bytes())
    site_yaml.unlink()
    site_yaml.symlink_to("site-real.yaml")
    assert run_cli("build").code == 0


def test_no_network_at_build_or_check(no_render_cache, project, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    for argv in (["build"], ["check"], ["build", "--out", "elsewhere"], ["check", "--site", "elsewhere"]):
        result = run_cli(*argv)
        assert result.code == 0, (argv, result.err)
