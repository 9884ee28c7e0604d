"""The generator as a plugin of an existing blog: init, build --blog and check --blog for Jekyll, Hugo, MkDocs and
Hexo; the author's files are never touched; English and Chinese table words; model ids as people type them.

The tests that drive real engines (Jekyll, Hugo from Debian; MkDocs from PyPI) skip locally where the engine is
missing and fail in CI (environment variable CI set)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import GOLDEN, ROOT, run_cli, snapshot
from generator.render import i18n
from generator.blog.config import load_blog
from generator.blog.plan import plan_blog
from generator.families.model_ids import closest_model_ids, resolve_model_id
from generator.site.check import html_tables, markdown_tables
from generator.catalogue.loading import load_catalogue
from generator.site.plan import build_plan
from generator.tables.table import table_html

SEED_SOURCE = os.path.join(ROOT, "content", "posts", "2024-09-03-how-much-vram-is-required-for-llm-inference.md")
SEED_NAME = "2024-09-03-how-much-vram-is-required-for-llm-inference.md"
EXAMPLES = os.path.join(ROOT, "examples")
EXAMPLE_POST = "2026-11-30-vram-for-small-models.md"


def _engine(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed; .ci/run installs it")
        pytest.skip(f"{name} is not installed")
    return found


def existing_jekyll_blog(folder) -> str:
    """A blog as its author has it before adopting the plugin: config, layouts, posts, assets, no generator."""
    blog = folder / "blog"
    shutil.copytree(os.path.join(EXAMPLES, "jekyll-blog"), blog)
    for generated in (".generator-manifest", "_generator", "images", f"_posts/{EXAMPLE_POST}"):
        path = blog / generated
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return str(blog)


def adopt(blog: str, engine: str, sources=(SEED_SOURCE,), language="zh-CN") -> None:
    result = run_cli("init", "--blog", blog, "--engine", engine, "--language", language)
    assert result.code == 0, result.err
    config = load_blog(blog)
    for source in sources:
        shutil.copy(source, os.path.join(blog, config.posts))


# -- init ---------------------------------------------------------------------------------------------------------

def test_init_writes_generator_yml_and_the_sources_folder_only(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    before = snapshot(blog)
    result = run_cli("init", "--blog", blog, "--engine", "jekyll")
    assert result.code == 0, result.err
    after = snapshot(blog)
    assert {k: v for k, v in after.items() if k in before} == before
    # The settings go where no engine publishes them (Jekyll skips folders starting with "_").
    assert set(after) - set(before) == {"_generator/config.yml"}
    assert os.path.isdir(os.path.join(blog, "_generator", "posts"))
    config = load_blog(blog)
    assert config.engine.name == "jekyll" and config.posts == "_generator/posts" and config.language == "en"
    # Jekyll ignores folders starting with "_" that are not its own: the raw sources are never rendered.
    assert config.posts.startswith("_")

    again = run_cli("init", "--blog", blog, "--engine", "hugo")
    assert again.code == 2 and len(again.err.splitlines()) == 1
    assert "_generator/config.yml already exists" in again.err
    assert snapshot(blog) == after


@pytest.mark.parametrize("engine", ["jekyll", "hugo", "mkdocs", "hexo"])
def test_init_picks_a_sources_folder_the_engine_ignores_and_outside_its_posts(tmp_path, engine):
    assert run_cli("init", "--blog", str(tmp_path), "--engine", engine).code == 0
    config = load_blog(str(tmp_path))
    assert not config.posts.startswith(config.engine.posts_dir)
    assert config.posts.split("/")[0] not in ("content", "docs", "source", "_posts", "static")


def test_generator_yml_errors_name_the_line(tmp_path):
    (tmp_path / "_generator").mkdir()
    (tmp_path / "_generator" / "config.yml").write_text("engine: jekyll\nposts: ../elsewhere\n", encoding="utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 2
    assert result.err.startswith(f"error: {tmp_path}/_generator/config.yml:2: ")
    (tmp_path / "_generator" / "config.yml").write_text("engine: wordpress\nposts: p\n", encoding="utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 2 and ":1: " in result.err and "jekyll, hugo, mkdocs, hexo" in result.err


# -- the Jekyll adoption, end to end without the engine --------------------------------------------------------

def test_jekyll_blog_adopts_the_seed_post_and_keeps_every_file_it_had(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    authors = snapshot(blog)
    adopt(blog, "jekyll")
    result = run_cli("build", "--blog", blog)
    assert result.code == 0, result.err
    after = snapshot(blog)
    assert {k: after[k] for k in authors} == authors  # bytes and modification times
    # Line for line the original post, each table inside its scrolling region (see test_wide_tables_scroll_...).
    published = after[f"_posts/{SEED_NAME}"][0].decode("utf-8")
    unwrapped = re.sub(r'<div class="vram-table" style="overflow-x:auto;max-width:100%" markdown="1">\n\n(.*?)\n\n</div>',
                       r"\1", published, flags=re.S)
    assert unwrapped != published
    with open(GOLDEN, encoding="utf-8") as handle:
        assert unwrapped == handle.read()
    # Nothing but the post, its linked workbook and header image, the manifest and the init's files is new.
    new = set(after) - set(authors)
    assert new == {"_generator/config.yml", ".generator-manifest", f"_generator/posts/{SEED_NAME}", f"_posts/{SEED_NAME}",
                   "images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png",
                   "images/2024/LLMInferenceVRAMCalculator/基于Qwen2效率评估计算大模型推理需要的显存.xlsx"}
    # No layouts, config, index or stylesheet of the generator's own.
    assert not any(p.startswith(("_layouts/", "_config", "index.html", "style.css")) for p in new)

    again = run_cli("build", "--blog", blog)
    assert again.code == 0 and "0 written, 0 deleted" in again.out
    assert snapshot(blog) == after

    check = run_cli("check", "--blog", blog)
    assert check.code == 0, check.out


def test_check_blog_names_a_changed_cell(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll")
    assert run_cli("build", "--blog", blog).code == 0
    post = os.path.join(blog, "_posts", SEED_NAME)
    text = open(post, encoding="utf-8").read()
    with open(post, "w", encoding="utf-8") as handle:
        handle.write(text.replace("| 72 | 16 | 144 |", "| 72 | 16 | 145 |"))
    result = run_cli("check", "--blog", blog)
    assert result.code == 1
    assert re.search(rf"_posts/{SEED_NAME}:\d+: table load, row Qwen2-72B-Instruct, column 加载需要显存（G）: "
                     r"published 145, formulas give 144", result.out), result.out


def test_a_hand_written_file_where_the_build_would_write_is_refused_and_nothing_is_written(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll")
    theirs = os.path.join(blog, "_posts", SEED_NAME)
    with open(theirs, "w", encoding="utf-8") as handle:
        handle.write("---\ntitle: mine\n---\nmy own words\n")
    before = snapshot(blog)
    result = run_cli("build", "--blog", blog)
    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert f"{SEED_NAME}: exists and was not written by the generator; nothing was written" in result.err
    assert snapshot(blog) == before
    assert run_cli("check", "--blog", blog).code == 1


def test_a_generated_file_edited_by_hand_is_not_overwritten(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll")
    assert run_cli("build", "--blog", blog).code == 0
    post = os.path.join(blog, "_posts", SEED_NAME)
    with open(post, "a", encoding="utf-8") as handle:
        handle.write("\nA note I added by hand.\n")
    source = os.path.join(blog, "_generator", "posts", SEED_NAME)
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("\nA change in the source.\n")
    before = snapshot(blog)
    result = run_cli("build", "--blog", blog)
    assert result.code == 2 and "was edited since the generator wrote it" in result.err
    assert snapshot(blog) == before


def test_a_removed_source_deletes_only_what_the_generator_wrote(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll", sources=(SEED_SOURCE, os.path.join(EXAMPLES, "jekyll-blog", "_generator", "posts",
                                                             EXAMPLE_POST)))
    authors = {k: v for k, v in snapshot(blog).items() if k != f"_generator/posts/{EXAMPLE_POST}"}
    assert run_cli("build", "--blog", blog).code == 0
    os.unlink(os.path.join(blog, "_generator", "posts", EXAMPLE_POST))
    result = run_cli("build", "--blog", blog)
    assert result.code == 0, result.err
    assert f"deleted {blog}/_posts/{EXAMPLE_POST}" in result.out
    assert f"deleted {blog}/images/charts/vram-for-small-models-peak.svg" in result.out
    after = snapshot(blog)
    assert {k: after[k] for k in authors} == authors


def test_the_authors_own_seed_images_are_kept_not_overwritten(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    image = os.path.join(blog, "images", "2024", "LLMInferenceVRAMCalculator",
                         "how-much-vram-is-required-for-llm-inference.png")
    os.makedirs(os.path.dirname(image))
    with open(image, "wb") as handle:
        handle.write(b"\x89PNG the author's own picture")
    adopt(blog, "jekyll")
    result = run_cli("build", "--blog", blog)
    assert result.code == 0, result.err
    assert "kept" in result.out and "how-much-vram-is-required-for-llm-inference.png" in result.out
    assert open(image, "rb").read() == b"\x89PNG the author's own picture"
    assert run_cli("check", "--blog", blog).code == 0


def test_build_and_check_find_the_blog_from_its_own_folder(tmp_path, monkeypatch):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll")
    monkeypatch.chdir(blog)
    assert run_cli("build").code == 0
    assert run_cli("check").code == 0


# -- engines' front matter and places ------------------------------------------------------------------------------

def test_hugo_gets_rfc3339_dates_list_taxonomies_and_static_images(tmp_path):
    adopt(str(tmp_path), "hugo", sources=(os.path.join(ROOT, "content", "posts", "2026-11-25-llm-inference-vram-guide.md"),))
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    post = (tmp_path / "content" / "posts" / "llm-inference-vram-guide.md").read_text(encoding="utf-8")
    front = yaml.safe_load(post.split("---\n")[1])
    assert front["date"] == "2026-11-25T09:00:00+08:00" or str(front["date"]).startswith("2026-11-25")
    assert re.search(r"^date: '?2026-11-25T\d\d:\d\d:\d\d\+08:00'?$", post, re.M)
    assert "layout" not in front and isinstance(front["categories"], list)
    charts = re.findall(r"!\[[^\]]*\]\(/(images/charts/[^)]+)\)", post)
    assert charts and all((tmp_path / "static" / c).is_file() for c in charts)


def test_mkdocs_pages_link_images_relative_to_the_page(tmp_path):
    adopt(str(tmp_path), "mkdocs", sources=(os.path.join(EXAMPLES, "jekyll-blog", "_generator", "posts", EXAMPLE_POST),))
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    page = (tmp_path / "docs" / "posts" / "vram-for-small-models.md").read_text(encoding="utf-8")
    assert "](../images/charts/vram-for-small-models-peak.svg)" in page
    assert (tmp_path / "docs" / "images" / "charts" / "vram-for-small-models-peak.svg").is_file()


def test_hexo_gets_its_date_form(tmp_path):
    adopt(str(tmp_path), "hexo")
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    post = (tmp_path / "source" / "_posts" / "how-much-vram-is-required-for-llm-inference.md").read_text("utf-8")
    assert "\ndate: '2024-09-03 08:00:00'\n" in post or "\ndate: 2024-09-03 08:00:00\n" in post


def test_a_post_in_the_blog_gets_no_links_to_model_pages_it_does_not_have(tmp_path):
    adopt(str(tmp_path), "jekyll", sources=(os.path.join(ROOT, "content", "posts", "2026-11-25-llm-inference-vram-guide.md"),))
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    post = (tmp_path / "_posts" / "2026-11-25-llm-inference-vram-guide.md").read_text(encoding="utf-8")
    assert "](/models/" not in post


# -- languages -------------------------------------------------------------------------------------------------------

def test_an_english_post_gets_english_headers_and_the_same_numbers(tmp_path):
    source = os.path.join(ROOT, "content", "posts", "2026-11-25-llm-inference-vram-guide.md")
    text = open(source, encoding="utf-8").read()
    (tmp_path / "zh").mkdir()
    (tmp_path / "en").mkdir()
    adopt(str(tmp_path / "zh"), "jekyll", sources=(source,), language="zh-CN")
    adopt(str(tmp_path / "en"), "jekyll", sources=(), language="en")
    with open(tmp_path / "en" / "_generator" / "posts" / os.path.basename(source), "w", encoding="utf-8") as handle:
        handle.write(text)  # no lang in its front matter: the blog's language applies
    tables = {}
    for lang in ("zh", "en"):
        assert run_cli("build", "--blog", str(tmp_path / lang)).code == 0
        published = (tmp_path / lang / "_posts" / os.path.basename(source)).read_text(encoding="utf-8")
        tables[lang] = markdown_tables(published)
    assert len(tables["zh"]) == len(tables["en"]) > 3
    for zh, en in zip(tables["zh"], tables["en"]):
        assert zh.header != en.header
        assert not any(re.search(r"[\u4e00-\u9fff]", h) for h in en.header), en.header
        numeric = [[c for c in r.cells if re.fullmatch(r"[\d.,%+-]+", c)] for r in zh.rows[1:]]
        assert numeric == [[c for c in r.cells if re.fullmatch(r"[\d.,%+-]+", c)] for r in en.rows[1:]]


def test_every_table_header_of_the_site_has_english_words():
    plan = build_plan(os.path.join(ROOT, "content"), os.path.join(ROOT, "templates"))
    headers = {c.header for tables in plan.tables.values() for t in tables for c in t.columns}
    labels = {r.label for tables in plan.tables.values() for t in tables for r in t.rows}
    missing = sorted(h for h in headers | labels if i18n.untranslated(h))
    assert not missing, f"add English words for these to generator/render/i18n.py: {missing}"


def test_a_language_without_words_is_refused_at_its_line(tmp_path):
    adopt(str(tmp_path), "jekyll")
    post = tmp_path / "_generator" / "posts" / SEED_NAME
    post.write_text(post.read_text(encoding="utf-8").replace("layout: post\n", "layout: post\nlang: tlh\n"), "utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 2 and f"{SEED_NAME}:3: no table words for language 'tlh'" in result.err


# -- the catalogue: package data, a blog's additions, ids as typed ----------------------------------------------------

@pytest.mark.parametrize("typed", ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "qwen2.5-7b-instruct",
                                   "LLAMA-3.1-8B", "Qwen2.5-7B"])
def test_model_ids_as_people_type_them(typed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no content/ here: the package's catalogue alone
    result = run_cli("estimate", "--config", typed, "--quantization", "bf16", "--context", "8192", "--json")
    assert result.code == 0, result.err
    import json
    report = json.loads(result.out)
    assert report["model"] in ("Llama-3.1-8B", "Qwen2.5-7B-Instruct")
    assert report["peak_gib"] > report["weights_gib"] > 10


def test_a_near_miss_suggests_the_closest_ids():
    ids = load_catalogue(None).models
    assert resolve_model_id("Qwen2.5-7B-Instrukt", ids) is None
    assert closest_model_ids("Qwen2.5-7B-Instrukt", ids)[0] == "Qwen2.5-7B-Instruct"
    result = run_cli("estimate", "--config", "llama-3.1-9b", "--quantization", "bf16", "--context", "1")
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert "did you mean" in result.err and "Llama-3.1-8B" in result.err
    assert "Qwen3-235B-A22B" not in result.err  # the closest ids, not all of them


def test_a_blog_adds_and_overrides_catalogue_entries_with_located_errors(tmp_path):
    adopt(str(tmp_path), "jekyll", sources=(), language="en")
    with open(tmp_path / "_generator" / "config.yml", "a", encoding="utf-8") as handle:
        handle.write("catalogue: _generator\n")
    qwen = next(m for m in yaml.safe_load(open(os.path.join(ROOT, "content", "models.yaml"), encoding="utf-8"))["models"]
                if m["id"] == "Qwen2.5-7B-Instruct")
    mine = dict(qwen, id="My-Qwen-Finetune")
    (tmp_path / "_generator" / "models.yaml").write_text(yaml.safe_dump(
        {"source": {"title": "mine", "url": "https://example.org"}, "models": [mine]}, sort_keys=False), "utf-8")
    (tmp_path / "_generator" / "posts" / "2026-01-01-mine.md").write_text(
        "---\nlayout: post\ntitle: Mine\ndate: 2026-01-01\n---\n"
        '{{ memory_table(models=["My-Qwen-Finetune", "Qwen2.5-7B-Instruct"], quantizations=["bf16"], contexts=[4096], '
        'framework="transformers==4.46.0") }}\n', "utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 0, result.err
    table = markdown_tables((tmp_path / "_posts" / "2026-01-01-mine.md").read_text("utf-8"))[0]
    assert table.rows[1].cells[2:] == table.rows[2].cells[2:]  # the same architecture, the same numbers
    models = tmp_path / "_generator" / "models.yaml"
    models.write_text(models.read_text("utf-8").replace("params_b:", "params_b: -", 1), "utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 2 and re.match(rf"error: {tmp_path}/_generator/models.yaml:\d+: ", result.err), result.err


def test_the_wheel_carries_the_catalogue_and_estimates_from_any_folder(tmp_path):
    wheel_dir = tmp_path / "wheel"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(wheel_dir), ROOT], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    import zipfile
    (wheel,) = wheel_dir.glob("generator-*.whl")
    unpacked = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert "generator/catalogue/data/models.yaml" in names and "generator/catalogue/data/gpus.yaml" in names
    assert any(n.startswith("generator/catalogue/data/benchmarks/") for n in names)
    assert not any(n.startswith("generator/catalogue/data/posts/") or n.endswith("site.yaml") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "generator = generator.cli:main" in text and "vram-tables = generator.blog.mkdocs_plugin" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([sys.executable, "-m", "generator", "estimate", "--config",
                             "meta-llama/Llama-3.1-8B-Instruct", "--quantization", "bf16", "--context", "8192", "--json"],
                            cwd=empty, env={**os.environ, "PYTHONPATH": str(unpacked)}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"model": "Llama-3.1-8B"' in result.stdout


# -- CI for authors ----------------------------------------------------------------------------------------------

def _command_words(command: str) -> list[str]:
    import shlex
    words = shlex.split(command)
    assert words[0] in ("generator", "python"), command
    return words[words.index("generator") + 1:] if words[0] == "python" else words[1:]


def test_the_pre_commit_hook_runs_check_on_the_blog(tmp_path, monkeypatch):
    hooks = yaml.safe_load(open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "vram-tables-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    blog = shutil.copytree(os.path.join(EXAMPLES, "jekyll-blog"), tmp_path / "blog")
    monkeypatch.chdir(blog)
    argv = _command_words(hook["entry"]) + hook.get("args", [])
    assert run_cli(*argv).code == 0
    post = blog / "_posts" / EXAMPLE_POST
    post.write_text(re.sub(r"\| 14\.19 \|", "| 14.20 |", post.read_text("utf-8"), count=1), "utf-8")
    result = run_cli(*argv)
    assert result.code == 1 and "published 14.20, formulas give 14.19" in result.out


def test_the_github_actions_example_checks_the_blog(tmp_path, monkeypatch):
    workflow = yaml.safe_load(open(os.path.join(EXAMPLES, "github-actions", "check-vram-tables.yml"), encoding="utf-8"))
    assert "pull_request" in workflow[True] or "pull_request" in workflow.get("on", {})
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert any("pip install" in s.get("run", "") for s in steps)
    checks = [s["run"] for s in steps if "generator check" in s.get("run", "")]
    assert len(checks) == 1
    blog = shutil.copytree(os.path.join(EXAMPLES, "jekyll-blog"), tmp_path / "blog")
    monkeypatch.chdir(blog)
    assert run_cli(*_command_words(checks[0].strip())).code == 0


# -- the examples, built by the real engines -------------------------------------------------------------------------

def _numbers_in_cells(tables) -> list[str]:
    return [c for t in tables for r in t.rows[1:] for c in r.cells if re.fullmatch(r"[\d.,]+", c)]


def test_examples_are_up_to_date():
    for name in ("jekyll-blog", "hugo-site"):
        assert run_cli("check", "--blog", os.path.join(EXAMPLES, name)).code == 0, name


@pytest.mark.parametrize("engine,folder,command,page", [
    ("jekyll", "jekyll-blog", ["build", "--disable-disk-cache", "-q", "-d"], "2026/11/30/vram-for-small-models.html"),
    ("hugo", "hugo-site", ["--quiet", "-d"], "posts/vram-for-small-models/index.html"),
])
def test_real_engines_render_every_number_in_a_table_cell(tmp_path, engine, folder, command, page):
    program = _engine(engine)
    blog = shutil.copytree(os.path.join(EXAMPLES, folder), tmp_path / "blog")
    shutil.copy(SEED_SOURCE, blog / load_blog(str(blog)).posts)
    assert run_cli("build", "--blog", str(blog)).code == 0
    out = tmp_path / "out"
    result = subprocess.run([program] + command + [str(out)], cwd=blog, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    plan = plan_blog(load_blog(str(blog))).site
    seed_page = "2024/09/03/how-much-vram-is-required-for-llm-inference.html" if engine == "jekyll" else \
        "posts/how-much-vram-is-required-for-llm-inference/index.html"
    for rendered, source in ((page, EXAMPLE_POST), (seed_page, SEED_NAME)):
        published = next(p for p in plan.files if p.endswith((source, source.split("-", 3)[3])))
        want = _numbers_in_cells(html_tables("".join(table_html(t) for t in plan.tables[published])))
        got = _numbers_in_cells(html_tables((out / rendered).read_text(encoding="utf-8")))
        assert want and got == want, rendered
    for chart in re.findall(r"/(images/charts/[^)\"]+\.svg)", (out / page).read_text(encoding="utf-8")):
        assert (out / chart).is_file(), chart


def test_mkdocs_plugin_renders_tables_and_check_verifies_the_built_pages(tmp_path):
    pytest.importorskip("mkdocs")
    site = shutil.copytree(os.path.join(EXAMPLES, "mkdocs-site"), tmp_path / "site-src")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    built = (site / "site" / "vram" / "index.html").read_text(encoding="utf-8")
    tables = html_tables(built)
    assert any(t.header[0] == "Model" for t in tables)
    assert (site / "site" / "images" / "charts" / "vram-peak.svg").is_file()
    index = (site / "site" / "index.html").read_text("utf-8")
    assert "Hand-written pages stay as they are" in index and not any(
        t.header[0] == "Model" for t in html_tables(index))
    assert run_cli("check", "--blog", str(site)).code == 0
    cell = re.search(r"<td[^>]*>(\d+\.\d\d)</td>", built)
    (site / "site" / "vram" / "index.html").write_text(
        built[:cell.start(1)] + "99.99" + built[cell.end(1):], encoding="utf-8")
    result = run_cli("check", "--blog", str(site))
    assert result.code == 1 and "published 99.99" in result.out
    (site / "docs" / "vram.md").write_text("{{ memory_table(models=['nope']) }}\n", "utf-8")
    broken = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site, capture_output=True, text=True,
                            timeout=300)
    assert broken.returncode != 0 and "vram.md:1" in broken.stderr


# -- issue 18: the plugin in authors' real setups -----------------------------------------------------------------

@pytest.mark.parametrize("engine,files,expected", [
    ("jekyll", {"_config.yml": "title: 博客\nlang: zh-CN\n"}, "zh-CN"),
    ("jekyll", {"_config.yml": "title: Blog\nlang: en-US\n"}, "en"),
    ("hugo", {"hugo.toml": 'baseURL = "https://example.org/"\nlanguageCode = "zh-CN"\n'}, "zh-CN"),
    ("hugo", {"config.toml": 'defaultContentLanguage = "zh"\n'}, "zh-CN"),  # Hugo's keys: any case
    ("hugo", {"hugo.yaml": "LanguageCode: zh-Hans\n"}, "zh-CN"),
    ("mkdocs", {"mkdocs.yml": "site_name: x\ntheme:\n  name: mkdocs\n  language: zh\n"
                              "markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:x.y\n"}, "zh-CN"),
    ("mkdocs", {"mkdocs.yml": "site_name: x\ntheme: mkdocs\n"}, "en"),
    ("hexo", {"_config.yml": "title: x\nlanguage:\n  - zh-CN\n  - en\n", "package.json": '{"hexo": {}}'}, "zh-CN"),
    ("jekyll", {"_config.yml": "lang: fr\n"}, "en"),  # no table words in French yet: English, said so
])
def test_init_takes_the_blogs_language_from_its_engine_config(tmp_path, engine, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("init", "--blog", str(tmp_path), "--engine", engine)
    assert result.code == 0, result.err
    assert load_blog(str(tmp_path)).language == expected
    assert f"table language {expected} (" in result.out  # says what it chose and where from
    name = next(iter(files))
    assert name in result.out or "names no language" in result.out
    if "fr" in files.get("_config.yml", ""):
        assert "'fr', which has no table words yet" in result.out


def test_init_language_flag_overrides_and_the_engine_is_found(tmp_path):
    (tmp_path / "_config.yml").write_text("lang: zh-CN\n", encoding="utf-8")
    result = run_cli("init", "--blog", str(tmp_path), "--language", "en")  # no --engine: _config.yml is Jekyll's
    assert result.code == 0, result.err
    config = load_blog(str(tmp_path))
    assert (config.engine.name, config.language) == ("jekyll", "en")
    assert "from --language" in result.out
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli("init", "--blog", str(empty))
    assert result.code == 2 and "pass --engine" in result.err and len(result.err.splitlines()) == 1


def _minima() -> None:
    """Jekyll's default theme (`jekyll new` uses it): Debian's jekyll-theme-minima."""
    _engine("ruby")
    if subprocess.run(["ruby", "-e", 'gem "minima"'], capture_output=True).returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("the minima theme is not installed; .ci/run installs jekyll-theme-minima")
        pytest.skip("the minima theme is not installed (apt-get install jekyll-theme-minima)")


def _jekyll_minima_blog(folder, lang: str = "zh-CN"):
    """A Jekyll blog as `jekyll new` makes it (theme minima), in Chinese; no generator."""
    _minima()
    blog = folder / "minima-blog"
    (blog / "_posts").mkdir(parents=True)
    (blog / "_config.yml").write_text(f"title: 显存笔记\nlang: {lang}\ntheme: minima\nmarkdown: kramdown\n"
                                      "permalink: /:year/:month/:day/:title.html\n", encoding="utf-8")
    (blog / "index.md").write_text("---\nlayout: home\n---\n", encoding="utf-8")
    (blog / "_posts" / "2024-01-01-hello.md").write_text("---\nlayout: post\ntitle: 你好\n---\n第一篇。\n", "utf-8")
    return blog


@pytest.mark.e2e
def test_a_chinese_jekyll_blog_gets_the_seed_post_and_publishes_nothing_of_the_plugin(tmp_path):
    """Done when: an existing Jekyll blog with `lang: zh-CN` gets the seed post with its Chinese headers from init +
    build, and Jekyll's _site/ holds nothing of the plugin's own (settings, manifest, post sources), with the
    author's _config.yml untouched."""
    program = _engine("jekyll")
    blog = _jekyll_minima_blog(tmp_path)
    config_before = (blog / "_config.yml").read_bytes()
    assert run_cli("init", "--blog", str(blog)).code == 0
    shutil.copy(SEED_SOURCE, blog / "_generator" / "posts")
    assert run_cli("build", "--blog", str(blog)).code == 0
    published = (blog / "_posts" / SEED_NAME).read_text(encoding="utf-8")
    assert "| 模型参数（B） | 参数使用的位数（bits） | 加载需要显存（G） |" in published
    assert (blog / "_config.yml").read_bytes() == config_before
    result = subprocess.run([program, "build", "--disable-disk-cache", "-q", "-d", str(tmp_path / "out")], cwd=blog,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    built = sorted(os.path.relpath(os.path.join(d, n), tmp_path / "out") for d, _, ns in os.walk(tmp_path / "out")
                   for n in ns)
    assert not [p for p in built if "generator" in p.lower() or "manifest" in p.lower()], built
    assert not [p for p in built if p.endswith(".md")], built
    page = (tmp_path / "out" / "2024" / "09" / "03" / "how-much-vram-is-required-for-llm-inference.html").read_text("utf-8")
    assert "<th>模型参数（B）</th>" in page.replace(' style="text-align: left"', "").replace(' style="text-align: right"', "")


@pytest.mark.e2e
def test_a_chinese_hugo_site_gets_chinese_headers_and_check_works_from_its_folder(tmp_path, monkeypatch):
    program = _engine("hugo")
    site = tmp_path / "site"
    shutil.copytree(os.path.join(EXAMPLES, "hugo-site"), site)
    for generated in (".generator-manifest", "_generator", "static/images", "layouts/shortcodes",
                      "content/posts/vram-for-small-models.md"):
        path = site / generated
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    toml = site / "hugo.toml"
    toml.write_text(toml.read_text("utf-8").replace('languageCode = "en"', 'languageCode = "zh-CN"'), "utf-8")
    assert run_cli("init", "--blog", str(site)).code == 0
    assert load_blog(str(site)).language == "zh-CN"
    shutil.copy(SEED_SOURCE, site / "_generator" / "posts")
    monkeypatch.chdir(site)  # Hugo has a content/ folder of its own: the implied --blog . still applies
    result = run_cli("build")
    assert result.code == 0, result.err
    post = (site / "content" / "posts" / "how-much-vram-is-required-for-llm-inference.md").read_text("utf-8")
    assert "| 模型参数（B） | 参数使用的位数（bits） | 加载需要显存（G） |" in post
    assert run_cli("check").code == 0
    out = tmp_path / "out"
    built = subprocess.run([program, "--quiet", "-d", str(out)], cwd=site, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    page = (out / "posts" / "how-much-vram-is-required-for-llm-inference" / "index.html").read_text("utf-8")
    assert "模型参数（B）" in page and 'class="vram-table"' in page
    assert not [p for d, _, ns in os.walk(out) for p in ns if "generator" in p or "vram-table.html" in p]


def test_hugo_section_is_a_setting(tmp_path):
    adopt(str(tmp_path), "hugo", sources=(os.path.join(EXAMPLES, "jekyll-blog", "_generator", "posts", EXAMPLE_POST),))
    with open(tmp_path / "_generator" / "config.yml", "a", encoding="utf-8") as handle:
        handle.write("section: blog\n")
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    assert (tmp_path / "content" / "blog" / "vram-for-small-models.md").is_file()
    assert not (tmp_path / "content" / "posts").exists()
    (tmp_path / "_generator" / "config.yml").write_text(
        (tmp_path / "_generator" / "config.yml").read_text("utf-8").replace("section: blog", "section: ../x"), "utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 2 and "config.yml:" in result.err and "'section' must be a folder name" in result.err


def test_a_blog_set_up_with_generator_yml_still_builds_and_is_told_where_to_move_it(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll")
    os.rename(os.path.join(blog, "_generator", "config.yml"), os.path.join(blog, "generator.yml"))
    result = run_cli("build", "--blog", blog)
    assert result.code == 0, result.err
    assert "move it to" in result.out and "_generator/config.yml" in result.out
    assert run_cli("check", "--blog", blog).code == 0
    shutil.copy(os.path.join(blog, "generator.yml"), os.path.join(blog, "_generator", "config.yml"))
    result = run_cli("build", "--blog", blog)
    assert result.code == 2 and "both _generator/config.yml and generator.yml" in result.err
    assert run_cli("init", "--blog", str(tmp_path / "blog")).code == 2  # init refuses an existing config, either


def test_a_post_names_models_as_the_cli_takes_them(tmp_path):
    """Done when: a post naming a Hub-style id builds; a wrong one points to `generator models` with the nearest."""
    adopt(str(tmp_path), "jekyll", sources=(), language="en")
    post = tmp_path / "_generator" / "posts" / "2026-01-02-hub.md"
    call = ('{{{{ memory_table(models=["{}"], quantizations=["bf16"], contexts=[4096], '
            'framework="transformers==4.46.0") }}}}\n')
    post.write_text("---\nlayout: post\ntitle: Hub ids\ndate: 2026-01-02\n---\n" +
                    call.format("meta-llama/Llama-3.1-8B-Instruct"), "utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 0, result.err
    table = markdown_tables((tmp_path / "_posts" / "2026-01-02-hub.md").read_text("utf-8"))[0]
    assert table.rows[1].cells[0] == "Llama-3.1-8B"  # the catalogue's entry the CLI also resolves it to
    post.write_text(post.read_text("utf-8").replace("Llama-3.1-8B-Instruct", "Llama-3.1-9B-Instruct"), "utf-8")
    result = run_cli("build", "--blog", str(tmp_path))
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert "2026-01-02-hub.md:6: unknown model" in result.err
    assert "did you mean 'Llama-3.1-8B'" in result.err and "generator models` lists the ids" in result.err
    assert "content/models.yaml" not in result.err


def test_check_after_a_hand_edit_says_to_restore_or_delete(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll")
    assert run_cli("build", "--blog", blog).code == 0
    with open(os.path.join(blog, "_posts", SEED_NAME), "a", encoding="utf-8") as handle:
        handle.write("\nmy note\n")
    result = run_cli("check", "--blog", blog)
    assert result.code == 1
    line = next(l for l in result.out.splitlines() if "edited by hand" in l)
    assert "restore it" in line and "or delete it" in line and "post source" in line


def test_folders_the_generator_made_go_with_their_last_file(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    adopt(blog, "jekyll", sources=(os.path.join(EXAMPLES, "jekyll-blog", "_generator", "posts", EXAMPLE_POST),))
    assert run_cli("build", "--blog", blog).code == 0
    assert os.path.isdir(os.path.join(blog, "images", "charts"))
    os.unlink(os.path.join(blog, "_generator", "posts", EXAMPLE_POST))
    assert run_cli("build", "--blog", blog).code == 0
    assert not os.path.exists(os.path.join(blog, "images"))  # images/charts/ and images/ were the generator's
    assert os.path.isdir(os.path.join(blog, "_posts")) and os.path.isdir(os.path.join(blog, "_generator", "posts"))


def test_build_in_a_folder_that_is_no_blog_says_to_run_init(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for verb in ("build", "check"):
        result = run_cli(verb)
        assert result.code == 2 and len(result.err.splitlines()) == 1
        assert "init --blog ." in result.err
    # A Hugo site before init: its content/ is Hugo's, not a generator content folder.
    (tmp_path / "hugo.toml").write_text('title = "x"\n', encoding="utf-8")
    (tmp_path / "content" / "posts").mkdir(parents=True)
    before = snapshot(tmp_path)
    for verb in ("build", "check"):
        result = run_cli(verb)
        assert result.code == 2 and "init --blog ." in result.err, result.err
    assert snapshot(tmp_path) == before


def test_check_blog_help_describes_check():
    import contextlib
    import io
    from generator.cli import make_parser
    for verb, words in (("check", "recompute every table cell"), ("build", "render its post sources")):
        text = io.StringIO()
        with contextlib.redirect_stdout(text), pytest.raises(SystemExit):
            make_parser().parse_args([verb, "--help"])
        assert words in " ".join(text.getvalue().split()), verb


def test_messages_name_the_installed_command(monkeypatch, tmp_path):
    from generator.core.errors import program
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/generator"])
    assert program() == "generator"
    monkeypatch.chdir(tmp_path)
    assert "`generator init --blog .`" in run_cli("build").err
    monkeypatch.setattr(sys, "argv", ["/x/generator/__main__.py"])
    assert program() == "python -m generator"


def test_vllm_context_defaults_to_max_model_len():
    common = ("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16", "--framework", "vllm==0.8.5",
              "--gpu", "A100-80GB", "--max-model-len", "8192", "--json")
    implied, explicit = run_cli(*common), run_cli(*common, "--context", "8192")
    assert implied.code == 0, implied.err
    import json
    assert json.loads(implied.out) == json.loads(explicit.out) and json.loads(implied.out)["context"] == 8192
    missing = run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16")
    assert missing.code == 2 and "required: --context" in missing.err and "defaults to --max-model-len" in missing.err


# -- MkDocs: pages that show template syntax, charts under --strict --------------------------------------------------

_TEMPLATING_PAGE = """# Writing templates

Use `{{ page.title }}` in a layout, or ``{% if page.toc %}`` inline. Prose may say {{ anything }} and {% this %}.

```jinja
{% for post in site.posts %}
  {{ post.title }} {{ memory_table(models=["not rendered: code"]) }}
{% endfor %}
```

~~~
{{< hugo-shortcode >}}
~~~
"""


def _mkdocs(site, *flags):
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", *flags], cwd=site, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.e2e
def test_mkdocs_pages_with_template_syntax_and_charts_in_subfolders_build_strict(tmp_path):
    """Done when: an MkDocs site with a templating page and a charted page builds, also with --strict."""
    pytest.importorskip("mkdocs")
    site = shutil.copytree(os.path.join(EXAMPLES, "mkdocs-site"), tmp_path / "site-src")
    (site / "docs" / "templating.md").write_text(_TEMPLATING_PAGE, encoding="utf-8")
    (site / "docs" / "guides").mkdir()
    shutil.copy(site / "docs" / "vram.md", site / "docs" / "guides" / "deep.md")
    (site / "docs" / "example.md").write_text(
        "---\nvram_tables: false\n---\n# The call, shown\n\n{{ memory_table(models=['x']) }}\n", "utf-8")
    result = _mkdocs(site, "--strict")
    assert result.returncode == 0, result.stderr
    templating = (site / "site" / "templating" / "index.html").read_text("utf-8")
    for shown in ("{{ page.title }}", "{% if page.toc %}", "{{ anything }}", "{% this %}", "{{&lt; hugo-shortcode &gt;}}",
                  "{{ post.title }} {{ memory_table(models=[&quot;not rendered: code&quot;]) }}"):
        assert shown in templating, shown
    assert "{{ memory_table(models=[&#39;x&#39;]) }}" in (site / "site" / "example" / "index.html").read_text("utf-8") \
        or "{{ memory_table(models=['x']) }}" in (site / "site" / "example" / "index.html").read_text("utf-8")
    for page, chart in (("vram", "vram-peak.svg"), ("guides/deep", "guides-deep-peak.svg")):
        html = (site / "site" / page / "index.html").read_text("utf-8")
        (src,) = re.findall(r'src="([^"]+\.svg)"', html)
        assert os.path.normpath(os.path.join(site / "site" / page, src)) == str(site / "site" / "images" / "charts" / chart)
        assert 'class="vram-table"' in html
    assert run_cli("check", "--blog", str(site)).code == 0
    (site / "docs" / "guides" / "broken.md").write_text(
        "# Broken\n\nText with `{{ code }}`.\n\n{{ memory_table(models=['nope'], quantizations=['bf16'], "
        "contexts=[4096], framework='transformers==4.46.0') }}\n", "utf-8")
    broken = _mkdocs(site)
    assert broken.returncode != 0 and "guides/broken.md:5: unknown model 'nope'" in broken.stderr


def test_own_calls_are_found_outside_code_only():
    from generator.blog.mkdocs_plugin import own_calls
    names = ("memory_table", "benchmark_row", "number")
    text = ('a `{{ memory_table() }}` b\n```\n{{ memory_table() }}\n```\n{% set r = benchmark_row("a", "}}", 1) %}'
            '{{ number(r.x) }} {{ r.y }} {{ other }} {% if x %}\n    {{ memory_table(models=[{"a": 1}]) }}\n')
    found = [text[s:e] for s, e in own_calls(text, names)]
    assert found == ['{% set r = benchmark_row("a", "}}", 1) %}', "{{ number(r.x) }}", "{{ r.y }}",
                     '{{ memory_table(models=[{"a": 1}]) }}']


# -- tables on a phone, in the engines' default themes ------------------------------------------------------------

_WIDE_POST = ("---\nlayout: post\ntitle: 宽表格\ndate: 2026-01-03 08:00:00 +0800\n---\n正文。\n\n"
              '{{ memory_table(models=["Qwen2.5-7B-Instruct", "Llama-3.1-8B"], quantizations=["bf16", "awq"], '
              'contexts=[4096, 32768, 131072], framework="transformers==4.46.0") }}\n\n正文之后。\n')


def _phone_widths(browser, folder, page: str) -> dict:
    import functools
    import http.server
    import threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    try:
        tab = context.new_page()
        tab.route(re.compile(r"^(?!http://127\.0\.0\.1).*"), lambda route: route.abort())  # nothing from outside
        tab.goto(f"http://127.0.0.1:{server.server_address[1]}/{page}")
        return tab.evaluate("""() => {
            const region = document.querySelector('.vram-table'), table = region.querySelector('table');
            return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                    table: table.scrollWidth, region: region.clientWidth, scrolls: region.scrollWidth};
        }""")
    finally:
        context.close()
        server.shutdown()


def _assert_scrolls_inside(widths, where):
    assert widths["table"] > widths["view"], (where, widths)  # the table is wider than a phone...
    assert widths["page"] <= widths["view"], (where, widths)  # ...yet the page does not scroll sideways
    assert widths["scrolls"] > widths["region"], (where, widths)  # its own region does


@pytest.mark.e2e
def test_wide_tables_scroll_inside_their_region_in_minima_hugo_and_mkdocs_at_390px(tmp_path, browser):
    # Jekyll with its default theme, minima.
    program = _engine("jekyll")
    blog = _jekyll_minima_blog(tmp_path)
    assert run_cli("init", "--blog", str(blog)).code == 0
    (blog / "_generator" / "posts" / "2026-01-03-wide.md").write_text(_WIDE_POST, encoding="utf-8")
    assert run_cli("build", "--blog", str(blog)).code == 0
    built = subprocess.run([program, "build", "--disable-disk-cache", "-q", "-d", str(tmp_path / "jekyll")], cwd=blog,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    _assert_scrolls_inside(_phone_widths(browser, tmp_path / "jekyll", "2026/01/03/wide.html"), "minima")
    # Hugo has no default theme: the example site's own layouts, as an author who wrote a minimal one has them.
    hugo = _engine("hugo")
    site = shutil.copytree(os.path.join(EXAMPLES, "hugo-site"), tmp_path / "hugo-src")
    (site / "_generator" / "posts" / "2026-01-03-wide.md").write_text(_WIDE_POST, encoding="utf-8")
    assert run_cli("build", "--blog", str(site)).code == 0
    built = subprocess.run([hugo, "--quiet", "-d", str(tmp_path / "hugo")], cwd=site, capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr
    _assert_scrolls_inside(_phone_widths(browser, tmp_path / "hugo", "posts/wide/"), "hugo")
    # MkDocs' default theme, through its plugin.
    pytest.importorskip("mkdocs")
    docs = shutil.copytree(os.path.join(EXAMPLES, "mkdocs-site"), tmp_path / "mkdocs-src")
    (docs / "docs" / "wide.md").write_text(_WIDE_POST.split("---\n", 2)[2], encoding="utf-8")
    assert _mkdocs(docs).returncode == 0
    _assert_scrolls_inside(_phone_widths(browser, docs / "site", "wide/"), "mkdocs")


GUIDE_SOURCE = os.path.join(ROOT, "content", "posts", "2026-11-25-llm-inference-vram-guide.md")


def test_a_copied_guide_post_has_no_links_to_this_repositorys_jekyll_urls(tmp_path):
    adopt(str(tmp_path), "jekyll", sources=(GUIDE_SOURCE,))
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    post = (tmp_path / "_posts" / os.path.basename(GUIDE_SOURCE)).read_text(encoding="utf-8")
    assert not re.search(r"\]\(/20\d\d/", post)  # the posts it names are not in this blog: their text, no link
    assert "2024 年的那篇文章用一条经验公式" in post


@pytest.mark.e2e
@pytest.mark.parametrize("engine,link,command,page", [
    ("jekyll", "[2024 年的那篇文章]({% post_url 2024-09-03-how-much-vram-is-required-for-llm-inference %})",
     ["build", "--disable-disk-cache", "-q", "-d"], "2026/11/25/llm-inference-vram-guide.html"),
    ("hugo", '[2024 年的那篇文章]({{< relref "how-much-vram-is-required-for-llm-inference.md" >}})',
     ["--quiet", "-d"], "posts/llm-inference-vram-guide/index.html"),
])
def test_links_between_copied_posts_are_the_engines_own(tmp_path, engine, link, command, page):
    """Both posts copied: the link is the engine's own (any permalink), and the real engine resolves it."""
    program = _engine(engine)
    blog = tmp_path / "blog"
    blog.mkdir()
    if engine == "hugo":
        (blog / "hugo.toml").write_text('baseURL = "https://example.org/"\nlanguageCode = "zh-CN"\n', "utf-8")
        shutil.copytree(os.path.join(EXAMPLES, "hugo-site", "layouts"), blog / "layouts",
                        ignore=shutil.ignore_patterns("shortcodes"))
    else:
        (blog / "_config.yml").write_text("lang: zh-CN\npermalink: /:year/:month/:day/:title.html\n", "utf-8")
        shutil.copytree(os.path.join(EXAMPLES, "jekyll-blog", "_layouts"), blog / "_layouts")
    adopt(str(blog), engine, sources=(GUIDE_SOURCE, SEED_SOURCE))
    assert run_cli("build", "--blog", str(blog)).code == 0
    written = load_blog(str(blog)).posts_dir
    name = os.path.basename(GUIDE_SOURCE) if engine == "jekyll" else "llm-inference-vram-guide.md"
    assert link in (blog / written / name).read_text(encoding="utf-8")
    result = subprocess.run([program, *command, str(tmp_path / "out")], cwd=blog, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "out" / page).read_text(encoding="utf-8")
    assert re.search(r'href="[^"]*how-much-vram-is-required-for-llm-inference[^"]*">2024 年的那篇文章</a>', html), html[:3000]


def test_mkdocs_posts_carry_html_tables_in_their_region_and_check_reads_them(tmp_path):
    adopt(str(tmp_path), "mkdocs", sources=(SEED_SOURCE,))
    assert run_cli("build", "--blog", str(tmp_path)).code == 0
    page = tmp_path / "docs" / "posts" / "how-much-vram-is-required-for-llm-inference.md"
    text = page.read_text(encoding="utf-8")
    # Python-Markdown keeps an HTML block as written: each table is HTML inside its scrolling region.
    assert text.count('<div class="vram-table" style="overflow-x:auto;max-width:100%">\n') == text.count("<table") == 3
    assert "| --- |" not in text
    assert run_cli("check", "--blog", str(tmp_path)).code == 0
    changed, count = re.subn(r"<td>144</td>", "<td>145</td>", text, count=1)
    assert count == 1
    page.write_text(changed, encoding="utf-8")
    result = run_cli("check", "--blog", str(tmp_path))
    assert result.code == 1 and "published 145, formulas give 144" in result.out, result.out
