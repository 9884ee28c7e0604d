"""Issue 16, items 1, 2, 6 and 7: a blog repository with planted files. Each case runs the command line in a child
under 3 GiB and 30 s (tests/hostile.py), expects the documented exit code, and compares the whole temporary folder
(the blog and the folder beside it) byte for byte with what it must still be."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from hostile import EXAMPLE_POST, EXAMPLES, ROOT, jekyll_blog, one_error_line, run_limited, touch_source, tree


def _sha(path) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _append_manifest(blog, *lines):
    with open(os.path.join(blog, ".generator-manifest"), "a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")


def _no_staging_files(folder) -> bool:
    return not [name for _, _, names in os.walk(folder) for name in names if name.endswith(".generator-tmp")]


# -- item 1: no write through a planted symlink ----------------------------------------------------------------------

def test_a_link_at_the_old_staging_name_is_never_followed(tmp_path):
    blog = jekyll_blog(tmp_path)
    victim = tmp_path / "outside" / "victim.txt"
    planted = os.path.join(blog, "_posts", EXAMPLE_POST + ".generator-tmp")
    os.symlink(victim, planted)
    touch_source(blog)
    outside = tree(tmp_path / "outside")
    result = run_limited("build", "--blog", blog)
    assert result.code == 0, result.err
    assert tree(tmp_path / "outside") == outside
    assert os.readlink(planted) == str(victim)  # not ours: left as it is
    assert _no_staging_files(os.path.join(blog, "_generator")) and run_limited("check", "--blog", blog).code == 0


def test_a_link_at_a_target_is_refused(tmp_path):
    blog = jekyll_blog(tmp_path)
    post = os.path.join(blog, "_posts", EXAMPLE_POST)
    os.unlink(post)
    os.symlink(tmp_path / "outside" / "victim.txt", post)
    touch_source(blog)
    before = tree(tmp_path)
    line = one_error_line(run_limited("build", "--blog", blog))
    assert "symlink" in line and EXAMPLE_POST in line
    assert tree(tmp_path) == before
    assert run_limited("check", "--blog", blog).code == 1


@pytest.mark.parametrize("folder", ["_posts", "images", "images/charts"])
def test_a_symlinked_output_folder_leaving_the_blog_is_refused(tmp_path, folder):
    blog = jekyll_blog(tmp_path)
    place = os.path.join(blog, folder)
    shutil.rmtree(place)
    os.symlink(tmp_path / "outside", place)
    touch_source(blog)
    before = tree(tmp_path)
    for verb in ("build", "check"):
        line = one_error_line(run_limited(verb, "--blog", blog))
        assert "symlink" in line
    assert tree(tmp_path) == before


def test_a_symlinked_output_folder_inside_the_blog_is_refused_too(tmp_path):
    blog = jekyll_blog(tmp_path)
    charts = os.path.join(blog, "images", "charts")
    shutil.rmtree(charts)
    os.symlink(os.path.join(blog, "_layouts"), charts)  # charts written among the layouts
    touch_source(blog)
    before = tree(tmp_path)
    assert "symlink" in one_error_line(run_limited("build", "--blog", blog))
    assert tree(tmp_path) == before


def test_a_post_sources_folder_linked_out_of_the_blog_is_refused(tmp_path):
    blog = jekyll_blog(tmp_path)
    sources = os.path.join(blog, "_generator", "posts")
    shutil.copytree(sources, tmp_path / "outside" / "posts")
    shutil.rmtree(sources)
    os.symlink(tmp_path / "outside" / "posts", sources)
    before = tree(tmp_path)
    line = one_error_line(run_limited("build", "--blog", blog))
    assert "out of the blog folder" in line and "generator.yml" in line
    assert tree(tmp_path) == before


def test_a_symlinked_site_output_folder_and_lock_file_are_refused(tmp_path):
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name)
    os.makedirs(tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", tmp_path / "site")
    before = tree(tmp_path)
    assert "symlink" in one_error_line(run_limited("build", cwd=tmp_path))
    assert tree(tmp_path) == before
    # The lock file beside the output folder: a link planted at its name is not followed (it would be truncated).
    os.unlink(tmp_path / "site")
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.write_text("keep me\n")
    os.symlink(victim, tmp_path / ".site.generator-lock")
    before = tree(tmp_path)
    line = one_error_line(run_limited("build", cwd=tmp_path))
    assert "lock" in line
    assert tree(tmp_path) == before


# -- item 2: the manifest is not trusted ----------------------------------------------------------------------------

def test_manifest_lines_for_files_the_generator_never_writes_are_ignored(tmp_path):
    blog = jekyll_blog(tmp_path)
    victim = tmp_path / "outside" / "victim.txt"
    source = os.path.join("_generator", "posts", EXAMPLE_POST)
    _append_manifest(blog, f"{_sha(os.path.join(blog, '_config.yml'))}  _config.yml",
                     f"{_sha(os.path.join(blog, 'generator.yml'))}  generator.yml",
                     f"{_sha(os.path.join(blog, 'index.md'))}  index.md",
                     f"{_sha(os.path.join(blog, source))}  {source}",
                     f"{_sha(os.path.join(blog, '_layouts', 'default.html'))}  _layouts/default.html",
                     f"{_sha(victim)}  ../outside/victim.txt",
                     f"{_sha(victim)}  {victim}",
                     f"{_sha(victim)}  _posts/../../outside/victim.txt")
    before = {k: v for k, v in tree(tmp_path).items() if not k.endswith(".generator-manifest")}
    result = run_limited("build", "--blog", blog)
    assert result.code == 0, result.err
    assert "0 written, 0 deleted" in result.out
    after = {k: v for k, v in tree(tmp_path).items() if not k.endswith(".generator-manifest")}
    assert after == before
    assert run_limited("check", "--blog", blog).code == 0


def test_a_manifest_entry_that_is_a_folder_fifo_or_link_is_left_alone(tmp_path):
    blog = jekyll_blog(tmp_path)
    os.mkdir(os.path.join(blog, "_posts", "2020-01-01-folder.md"))
    os.mkfifo(os.path.join(blog, "_posts", "2020-01-02-fifo.md"))
    os.symlink("/dev/zero", os.path.join(blog, "_posts", "2020-01-03-zero.md"))
    _append_manifest(blog, *(f"{'0' * 64}  _posts/2020-01-0{i}-{name}.md"
                             for i, name in ((1, "folder"), (2, "fifo"), (3, "zero"))))
    before = {k: v for k, v in tree(tmp_path).items() if not k.endswith(".generator-manifest")}
    assert run_limited("build", "--blog", blog).code == 0
    assert run_limited("check", "--blog", blog).code == 0
    assert {k: v for k, v in tree(tmp_path).items() if not k.endswith(".generator-manifest")} == before


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "huge"])
def test_a_manifest_that_is_not_a_small_regular_file_is_refused_without_reading_it(tmp_path, kind):
    blog = jekyll_blog(tmp_path)
    manifest = os.path.join(blog, ".generator-manifest")
    os.unlink(manifest)
    if kind == "dev-zero":
        os.symlink("/dev/zero", manifest)
    elif kind == "fifo":
        os.mkfifo(manifest)
    else:
        with open(manifest, "wb") as handle:
            handle.truncate(2 * 2 ** 30)  # sparse: 2 GiB of zeros on no disk
    before = tree(tmp_path) if kind != "huge" else None
    for verb in ("build", "check"):
        line = one_error_line(run_limited(verb, "--blog", blog, timeout=20))
        assert ".generator-manifest" in line
    if before is not None:
        assert tree(tmp_path) == before


_KILL_AT_FIRST_DELETE = """
import os, sys
real_unlink = os.unlink
def unlink(path, *args, **kwargs):
    if str(path).endswith(".md") and "_posts" in str(path):
        os._exit(9)  # killed between deleting the stale files and replacing the manifest
    return real_unlink(path, *args, **kwargs)
os.unlink = unlink
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_build_killed_before_the_manifest_is_replaced_leaves_nothing_check_calls_ok(tmp_path):
    blog = jekyll_blog(tmp_path)
    os.unlink(os.path.join(blog, "_generator", "posts", EXAMPLE_POST))
    killed = subprocess.run([sys.executable, "-c", _KILL_AT_FIRST_DELETE, "build", "--blog", blog],
                            capture_output=True, text=True, timeout=30, env=dict(os.environ, PYTHONPATH=ROOT))
    assert killed.returncode == 9
    assert os.path.exists(os.path.join(blog, "_posts", EXAMPLE_POST))
    check = run_limited("check", "--blog", blog)
    assert check.code == 1 and "an earlier build wrote it" in check.out
    result = run_limited("build", "--blog", blog)
    assert result.code == 0 and f"deleted {blog}/_posts/{EXAMPLE_POST}" in result.out, result.err
    assert run_limited("check", "--blog", blog).code == 0
    assert _no_staging_files(blog)


# -- item 6: bad input is exit 2 with one line ----------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["_posts", "images", "images/charts"])
def test_a_file_where_an_output_folder_belongs_is_bad_input(tmp_path, folder):
    blog = jekyll_blog(tmp_path)
    shutil.rmtree(os.path.join(blog, folder))
    with open(os.path.join(blog, folder), "w", encoding="utf-8") as handle:
        handle.write("the author's file\n")
    before = tree(tmp_path)
    for verb in ("build", "check"):
        line = one_error_line(run_limited(verb, "--blog", blog))
        assert "a file where the build needs a folder" in line
    assert tree(tmp_path) == before


@pytest.mark.parametrize("setting, expected", [("assets: _config.yml", "is a file, not a folder"),
                                               ("posts: .", "overlap"),
                                               ("posts: _generator/../_posts", "overlap"),
                                               ("posts: srclink", "resolves to the posts the build writes"),
                                               ("posts: rootlink", "resolves to the blog folder itself"),
                                               ("catalogue: outlink", "out of the blog folder")])
def test_generator_yml_folders_must_be_real_folders_of_their_own(tmp_path, setting, expected):
    blog = jekyll_blog(tmp_path)
    os.symlink(os.path.join(blog, "_posts"), os.path.join(blog, "srclink"))
    os.symlink(blog, os.path.join(blog, "rootlink"))
    os.symlink(tmp_path / "outside", os.path.join(blog, "outlink"))
    config = os.path.join(blog, "generator.yml")
    text = open(config, encoding="utf-8").read()
    key = setting.split(":")[0]
    lines = [line for line in text.splitlines() if not line.startswith(key + ":")]
    with open(config, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines + [setting]) + "\n")
    before = tree(tmp_path)
    for verb in ("build", "check"):
        line = one_error_line(run_limited(verb, "--blog", blog))
        assert expected in line and "generator.yml" in line, line
    assert tree(tmp_path) == before


def test_a_failed_build_leaves_no_staging_files(tmp_path):
    blog = jekyll_blog(tmp_path)
    touch_source(blog)
    script = ("import os, sys\n"
              "real = os.replace\n"
              "def failing(a, b, *args, **kwargs):\n"
              "    if str(b).endswith('.md'):\n"
              "        raise OSError(28, 'No space left on device', b)\n"
              "    return real(a, b, *args, **kwargs)\n"
              "os.replace = failing\n"
              "from generator.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    failed = subprocess.run([sys.executable, "-c", script, "build", "--blog", blog], capture_output=True, text=True,
                            timeout=30, env=dict(os.environ, PYTHONPATH=ROOT))
    assert failed.returncode == 2 and "No space left on device" in failed.stderr, failed.stderr
    assert _no_staging_files(tmp_path)
    result = run_limited("build", "--blog", blog)
    assert result.code == 0, result.err
    assert run_limited("check", "--blog", blog).code == 0


# -- item 7: init ---------------------------------------------------------------------------------------------------

def test_init_does_not_follow_a_generator_folder_linked_out_of_the_blog(tmp_path):
    blog = tmp_path / "blog"
    shutil.copytree(os.path.join(EXAMPLES, "jekyll-blog"), blog)
    os.unlink(blog / "generator.yml")
    shutil.rmtree(blog / "_generator")
    os.makedirs(tmp_path / "outside")
    os.symlink(tmp_path / "outside", blog / "_generator")
    before = tree(tmp_path)
    line = one_error_line(run_limited("init", "--blog", blog, "--engine", "jekyll"))
    assert "out of the blog folder" in line and "init changes nothing" in line
    assert tree(tmp_path) == before


def test_init_writes_nothing_when_it_fails(tmp_path):
    blog = tmp_path / "blog"
    os.makedirs(blog / "_generator")
    (blog / "_generator" / "posts").write_text("a file where the sources folder goes\n")
    before = tree(tmp_path)
    one_error_line(run_limited("init", "--blog", blog, "--engine", "hugo"))
    assert tree(tmp_path) == before


def test_the_site_manifest_cannot_make_the_site_build_delete_a_users_file(tmp_path):
    for name in ("content", "templates", "site"):  # the committed site/ is a build of content/ (check says so)
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name)
    (tmp_path / "site" / "CNAME").write_text("blog.example\n")
    (tmp_path / "site" / ".nojekyll").write_text("")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim.txt").write_text("outside\n")
    with open(tmp_path / "site" / ".generator-manifest", "a", encoding="utf-8") as handle:
        handle.write(f"CNAME\n.nojekyll\nposts/../CNAME\n../outside/victim.txt\n{tmp_path}/outside/victim.txt\n")
    # A link planted where an interrupted swap would leave its complete tree is removed, never followed.
    os.symlink(tmp_path / "outside", tmp_path / ".site.generator-ready")
    outside = tree(tmp_path / "outside")
    result = run_limited("build", cwd=tmp_path)
    assert result.code == 0 and " 0 deleted" in result.out, result.err
    assert (tmp_path / "site" / "CNAME").read_text() == "blog.example\n" and (tmp_path / "site" / ".nojekyll").exists()
    assert tree(tmp_path / "outside") == outside and not os.path.lexists(tmp_path / ".site.generator-ready")
    assert run_limited("check", cwd=tmp_path).code == 0
