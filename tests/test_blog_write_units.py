"""generator/blog/write.py on small plans (no build, no catalogue): which paths the generator may own, the manifest's
format, the refusals, the deletions and the lock, each against the rule the module's docstring states. Fast enough
for mutation testing (benchmarks/mutation.py, scope `write`); the end-to-end behaviour is in tests/test_blog.py and
tests/test_hostile_blog.py."""

from __future__ import annotations

import os

import pytest

from generator.blog import write
from generator.blog.config import BlogConfig
from generator.blog.engines import ENGINES
from generator.blog.plan import MANIFEST, BlogPlan
from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_PUBLISHED_BYTES
from generator.site.plan import SEED_HEADER_IMAGE, SEED_WORKBOOK, SitePlan

# FIPS 180-2, appendix B.1: SHA-256("abc").
SHA_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
POST = "_posts/2026-01-02-a-post.md"
CHART = "images/charts/a-chart.svg"


def _blog(tmp_path, engine="jekyll", assets=".", catalogue=None, posts_dir=""):
    root = tmp_path / "blog"
    (root / "_generator").mkdir(parents=True, exist_ok=True)
    settings = root / "_generator" / "config.yml"
    settings.write_text("engine: jekyll\n", encoding="utf-8")
    return BlogConfig(str(root), str(settings), ENGINES[engine], "_generator/posts", "en", assets, catalogue, "A blog",
                      posts_dir)


def _plan(files, optional=()):
    return BlogPlan(SitePlan(dict(sorted(files.items())), {}, ()), frozenset(optional))


def _put(blog, relative, data: bytes):
    path = os.path.join(blog.root, *relative.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _read(blog, relative):
    with open(os.path.join(blog.root, *relative.split("/")), "rb") as handle:
        return handle.read()


def _manifest(blog):
    return write.read_manifest_lines(blog)


# --- The manifest -----------------------------------------------------------------------------------------------------
def test_digest_is_sha256_hex():
    assert write.digest(b"abc") == SHA_ABC


def test_manifest_text_is_the_header_then_sorted_sha_two_spaces_path_lines():
    text = write.manifest_text({"b/y.md": "2" * 64, "a/x.md": "1" * 64}).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ") and lines[1].startswith("# ") and len(lines) == 4
    assert lines[2:] == ["1" * 64 + "  a/x.md", "2" * 64 + "  b/y.md"]
    assert text.endswith("\n")


def test_a_missing_manifest_reads_as_empty(tmp_path):
    assert _manifest(_blog(tmp_path)) == {}


def test_manifest_lines_skip_comments_and_blank_lines(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, f"# a comment\n\n{SHA_ABC}  {POST}\n{'0' * 64}  a path with spaces.md\n".encode())
    assert _manifest(blog) == {POST: SHA_ABC, "a path with spaces.md": "0" * 64}


@pytest.mark.parametrize("line", [f"{SHA_ABC} {POST}", f"{SHA_ABC[:-1]}  {POST}", f"{SHA_ABC.upper()}  {POST}",
                                  f"{SHA_ABC}  ", "not a line"])
def test_a_bad_manifest_line_is_named_by_its_number(tmp_path, line):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, f"# header\n{SHA_ABC}  {POST}\n{line}\n".encode())
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert info.value.line == 3 and info.value.path.endswith(MANIFEST)
    assert "not a manifest line" in info.value.message


def test_a_manifest_that_is_not_utf8_is_refused(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, b"\xff\xfe")
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert "not UTF-8" in info.value.message and info.value.path.endswith(MANIFEST)


def test_read_manifest_keeps_only_the_lines_the_generator_may_own(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, f"{SHA_ABC}  {POST}\n{SHA_ABC}  _config.yml\n{SHA_ABC}  ../outside.md\n".encode())
    assert write.read_manifest(blog) == {POST: SHA_ABC}


# --- Which paths the generator may own ---------------------------------------------------------------------------------
@pytest.mark.parametrize("relative", [POST, CHART, SEED_WORKBOOK, SEED_HEADER_IMAGE])
def test_posts_charts_and_the_seed_images_may_be_owned(tmp_path, relative):
    assert write.may_own(_blog(tmp_path), relative)


@pytest.mark.parametrize("relative", [
    "", "/etc/passwd", "../x.md", "_posts/../x.md", "_posts/./x.md", "_posts//x.md", "_posts/.hidden.md",
    "_posts\\x.md", "_posts/x\x01.md", "_posts/x\x7f.md", "_posts/sub/x.md", "_posts/x.txt", "images/charts/x.png",
    "images/charts/sub/x.svg", "_config.yml", "index.md", MANIFEST, "_generator/config.yml", "generator.yml",
    "_generator/posts/2026-01-02-a-post.md", "notes.md", None, 3,
])
def test_other_paths_are_never_the_generators(tmp_path, relative):
    assert not write.may_own(_blog(tmp_path), relative)


def test_a_planned_path_may_be_owned_unless_it_is_a_config_file_or_a_source(tmp_path):
    blog = _blog(tmp_path)
    assert write.may_own(blog, "notes/page.md", planned={"notes/page.md"})
    assert write.may_own(blog, "sub/_config.yml", planned={"sub/_config.yml"})   # only the top-level one configures
    assert not write.may_own(blog, "_config.yml", planned={"_config.yml"})
    assert not write.may_own(blog, "CNAME", planned={"CNAME"})
    assert not write.may_own(blog, MANIFEST, planned={MANIFEST})
    assert not write.may_own(blog, "_generator/posts/x.md", planned={"_generator/posts/x.md"})


def test_the_catalogue_folder_is_the_authors(tmp_path):
    blog = _blog(tmp_path, catalogue="catalogue")
    assert not write.may_own(blog, "catalogue/models.md", planned={"catalogue/models.md"})
    assert write.may_own(blog, "catalogue-notes.md", planned={"catalogue-notes.md"})


def test_assets_folder_moves_the_charts_and_the_seed_images(tmp_path):
    blog = _blog(tmp_path, assets="assets")
    assert write.may_own(blog, "assets/" + CHART) and write.may_own(blog, "assets/" + SEED_WORKBOOK)
    assert not write.may_own(blog, CHART) and not write.may_own(blog, SEED_WORKBOOK)


def test_an_engine_posts_dir_of_the_blog_replaces_the_engines(tmp_path):
    blog = _blog(tmp_path, engine="hugo", posts_dir="content/blog")
    assert write.may_own(blog, "content/blog/a-post.md")
    assert not write.may_own(blog, "content/posts/a-post.md")
    assert not write.may_own(blog, "hugo.toml")
    hugo_default = _blog(tmp_path, engine="hugo")
    assert write.may_own(hugo_default, "content/posts/a-post.md")
    shortcode = ENGINES["hugo"].support_files[0][0]
    assert write.may_own(hugo_default, shortcode)


# --- Targets and what is there -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("relative", ["../x.md", "/abs.md", "_posts//x.md", "x\0.md", "_posts/"])
def test_a_target_outside_the_blog_is_refused(tmp_path, relative):
    blog = _blog(tmp_path)
    with pytest.raises(GeneratorError) as info:
        write.target(blog, relative)
    assert "leaves the blog folder" in info.value.message


def test_a_target_is_the_file_in_the_blog(tmp_path):
    blog = _blog(tmp_path)
    assert write.target(blog, CHART) == os.path.join(os.path.realpath(blog.root), "images", "charts", "a-chart.svg")


def test_a_target_through_a_symlinked_folder_is_refused(tmp_path):
    blog = _blog(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, os.path.join(blog.root, "images"))
    with pytest.raises(GeneratorError) as info:
        write.target(blog, CHART)
    assert info.value.message.startswith("images/ is a symlink out of the blog folder")
    inside = os.path.join(blog.root, "real")
    os.mkdir(inside)
    os.symlink(inside, os.path.join(blog.root, "_posts"))
    with pytest.raises(GeneratorError) as info:
        write.target(blog, POST)
    assert info.value.message.startswith("_posts/ is a symlink;")


def test_a_target_under_a_file_is_refused(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, "images", b"a file")
    with pytest.raises(GeneratorError) as info:
        write.target(blog, CHART)
    assert info.value.message.startswith("images is a file where the build needs a folder")


def test_published_bytes_never_follows_or_reads_what_is_not_a_regular_file(tmp_path):
    blog = _blog(tmp_path)
    assert write.published_bytes(os.path.join(blog.root, "missing.md")) is None
    assert write.published_bytes(os.path.join(blog.root, "missing", "x.md")) is None
    assert write.published_bytes(_put(blog, POST, b"bytes")) == b"bytes"
    os.symlink(os.path.join(blog.root, POST), os.path.join(blog.root, "link.md"))
    assert write.published_bytes(os.path.join(blog.root, "link.md")) == b"\0symlink"
    assert write.published_bytes(os.path.join(blog.root, "_posts")) == b"\0folder"
    os.mkfifo(os.path.join(blog.root, "fifo"))
    assert write.published_bytes(os.path.join(blog.root, "fifo")) == b"\0special"
    big = os.path.join(blog.root, "big.md")
    with open(big, "wb") as handle:
        handle.truncate(MAX_PUBLISHED_BYTES + 1)   # sparse: no disk used
    assert write.published_bytes(big) == b"\0too large"
    with open(big, "wb") as handle:
        handle.truncate(MAX_PUBLISHED_BYTES)
    assert len(write.published_bytes(big)) == MAX_PUBLISHED_BYTES


# --- Refusals: nothing of the author's is changed ------------------------------------------------------------------------
def _refusals(blog, files):
    owned = write.read_manifest(blog, files)
    return write.refusals(blog, SitePlan(files, {}, ()), owned)


def test_an_authors_file_where_the_build_writes_is_refused(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"the author's")
    assert _refusals(blog, {POST: b"the build's"}) == [
        (POST, "exists and was not written by the generator",
         "move it away or rename the post; the build never overwrites a file it did not write")]


def test_an_authors_file_with_the_bytes_the_build_writes_is_taken_over(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"same")
    assert _refusals(blog, {POST: b"same"}) == []


def test_an_owned_file_edited_by_hand_is_refused(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"edited")
    _put(blog, MANIFEST, f"{write.digest(b'as written')}  {POST}\n".encode())
    assert [(r, p) for r, p, _ in _refusals(blog, {POST: b"new"})] == [(POST, "was edited since the generator wrote it")]


def test_an_owned_file_unchanged_since_written_is_rewritten(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"as written")
    _put(blog, MANIFEST, f"{write.digest(b'as written')}  {POST}\n".encode())
    assert _refusals(blog, {POST: b"new"}) == []


def test_a_link_where_the_build_writes_is_refused_even_if_owned(tmp_path):
    blog = _blog(tmp_path)
    os.makedirs(os.path.join(blog.root, "_posts"))
    os.symlink("/etc/hostname", os.path.join(blog.root, POST))
    _put(blog, MANIFEST, f"{SHA_ABC}  {POST}\n".encode())
    assert [(r, p) for r, p, _ in _refusals(blog, {POST: b"new"})] == [
        (POST, "is a symlink, where the build writes a file")]


def test_an_edited_owned_file_the_build_would_delete_is_refused(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, CHART, b"edited by hand")
    _put(blog, MANIFEST, f"{write.digest(b'as written')}  {CHART}\n".encode())
    assert _refusals(blog, {POST: b"post"}) == [
        (CHART, "was edited since the generator wrote it, and the build would delete it",
         "delete it yourself, or remove its line from .generator-manifest to keep it as yours")]


def test_an_unchanged_or_missing_stale_file_is_no_refusal(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, CHART, b"as written")
    _put(blog, MANIFEST, f"{write.digest(b'as written')}  {CHART}\n{SHA_ABC}  images/charts/gone.svg\n".encode())
    assert _refusals(blog, {POST: b"post"}) == []


def test_stale_paths_are_owned_files_the_plan_no_longer_has(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, CHART, b"as written")
    _put(blog, "images/charts/edited.svg", b"edited")
    owned = {CHART: write.digest(b"as written"), "images/charts/edited.svg": write.digest(b"before"),
             "images/charts/gone.svg": SHA_ABC, POST: SHA_ABC}
    plan = SitePlan({POST: b"post"}, {}, ())
    assert write.stale_paths(blog, plan, owned) == [CHART]
    assert write.stale_paths(blog, plan, owned, regular_only=False) == [
        CHART, "images/charts/edited.svg", "images/charts/gone.svg"]


def test_an_optional_file_of_the_authors_own_is_kept(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, SEED_WORKBOOK, b"the author's workbook")
    plan = _plan({POST: b"post", SEED_WORKBOOK: b"ours", SEED_HEADER_IMAGE: b"png"},
                 optional={SEED_WORKBOOK, SEED_HEADER_IMAGE})
    assert write.authors_files(blog, plan, {}) == [SEED_WORKBOOK]
    site, kept = write.owned_plan(blog, plan, {})
    assert kept == [SEED_WORKBOOK] and sorted(site.files) == sorted([POST, SEED_HEADER_IMAGE])
    # Once the generator owns it (its line in the manifest), it is the generator's to rewrite.
    assert write.authors_files(blog, plan, {SEED_WORKBOOK: write.digest(b"the author's workbook")}) == []
    # The author's copy with the build's own bytes is not "their own": nothing to keep.
    _put(blog, SEED_WORKBOOK, b"ours")
    assert write.authors_files(blog, plan, {}) == []


# --- Writing ---------------------------------------------------------------------------------------------------------------
def test_a_build_writes_the_plan_and_its_manifest(tmp_path):
    blog = _blog(tmp_path)
    result = write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    assert result == write.BlogWriteResult((POST, CHART), (), 0, ())   # in path order
    assert _read(blog, POST) == b"post" and _read(blog, CHART) == b"<svg/>"
    assert _read(blog, MANIFEST) == write.manifest_text({POST: write.digest(b"post"), CHART: write.digest(b"<svg/>")})


def test_a_second_build_rewrites_what_changed_and_deletes_what_the_plan_dropped(tmp_path):
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    result = write.write_blog(blog, _plan({POST: b"post, revised"}))
    assert result == write.BlogWriteResult((POST,), (CHART,), 0, ())
    assert _read(blog, POST) == b"post, revised"
    assert not os.path.exists(os.path.join(blog.root, "images"))       # emptied folders go, up to the assets folder
    assert os.path.isdir(os.path.join(blog.root, "_posts"))           # the engine's posts folder stays
    assert _manifest(blog) == {POST: write.digest(b"post, revised")}
    again = write.write_blog(blog, _plan({POST: b"post, revised"}))
    assert again == write.BlogWriteResult((), (), 1, ())


def test_a_folder_that_still_holds_a_file_is_not_removed(tmp_path):
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    _put(blog, "images/charts/the-authors.svg", b"mine")
    write.write_blog(blog, _plan({POST: b"post"}))
    assert _read(blog, "images/charts/the-authors.svg") == b"mine"
    assert not os.path.exists(os.path.join(blog.root, CHART))


def test_a_refused_build_writes_nothing_and_names_the_first_file(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"the author's")
    _put(blog, CHART, b"the author's chart")
    with pytest.raises(GeneratorError) as info:
        write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>", "_posts/2026-01-03-b.md": b"b"}))
    assert info.value.message == ("exists and was not written by the generator (and 1 more); nothing was written")
    assert info.value.path == write.target(blog, POST)   # the first in path order
    assert sorted(os.listdir(os.path.join(blog.root, "_posts"))) == ["2026-01-02-a-post.md"]
    assert _read(blog, POST) == b"the author's" and _read(blog, CHART) == b"the author's chart"
    assert not os.path.exists(os.path.join(blog.root, MANIFEST))
    with pytest.raises(GeneratorError) as info:
        write.write_blog(blog, _plan({CHART: b"<svg/>"}))
    assert info.value.message == "exists and was not written by the generator; nothing was written"


def test_a_stale_file_replaced_by_the_author_meanwhile_is_left(tmp_path):
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    os.unlink(os.path.join(blog.root, CHART))
    os.symlink(os.path.join(blog.root, POST), os.path.join(blog.root, CHART))
    write.write_blog(blog, _plan({POST: b"post"}))
    assert os.path.islink(os.path.join(blog.root, CHART))


def test_leftover_staging_files_of_a_killed_build_are_removed_and_nothing_else(tmp_path):
    blog = _blog(tmp_path)
    staging = _put(blog, "_posts/.2026-01-02-a-post.md.0123456789ab.generator-tmp", b"half")
    not_staging = [_put(blog, "_posts/.notes.generator-tmp", b"mine"),
                   _put(blog, "_posts/.x.0123456789AB.generator-tmp", b"mine"),
                   _put(blog, "_posts/x.0123456789ab.generator-tmp", b"mine")]
    os.mkdir(os.path.join(blog.root, "_posts", ".d.0123456789ab.generator-tmp"))
    write.write_blog(blog, _plan({POST: b"post"}))
    assert not os.path.exists(staging)
    assert all(os.path.exists(path) for path in not_staging)
    assert os.path.isdir(os.path.join(blog.root, "_posts", ".d.0123456789ab.generator-tmp"))


def test_a_manifest_already_right_is_not_rewritten(tmp_path):
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post"}))
    manifest = os.path.join(blog.root, MANIFEST)
    before = os.stat(manifest).st_ino
    write.write_blog(blog, _plan({POST: b"post"}))
    assert os.stat(manifest).st_ino == before


def test_one_build_at_a_time(tmp_path):
    blog = _blog(tmp_path)
    with write.blog_lock(blog):
        with pytest.raises(GeneratorError) as info:
            with write.blog_lock(blog, wait_s=0.1):
                pass
        assert info.value.message == "another build or check of this blog is running"
    with write.blog_lock(blog, wait_s=0.1):   # released: the next one gets it at once
        pass


# --- Every refusal is one line naming the file and the fix (the project's standard for bad input) -----------------------
MANIFEST_FIX = "delete it (the next build writes a fresh one) or restore it from version control"
LINE_FIX = "delete the manifest (the next build writes a fresh one) or restore it from version control"


def test_a_manifest_that_is_a_symlink_is_refused_naming_it(tmp_path):
    blog = _blog(tmp_path)
    real = _put(blog, "elsewhere.txt", f"{SHA_ABC}  {POST}\n".encode())
    os.symlink(real, os.path.join(blog.root, MANIFEST))
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert (info.value.message, info.value.path, info.value.line, info.value.fix) == (
        "the manifest is a symlink, not a regular file", os.path.join(blog.root, MANIFEST), None, MANIFEST_FIX)


def test_a_manifest_too_large_is_refused_naming_it(tmp_path):
    blog = _blog(tmp_path)
    with open(os.path.join(blog.root, MANIFEST), "wb") as handle:
        handle.truncate(write.MAX_MANIFEST_BYTES + 1)
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert info.value.message.startswith("the manifest is ") and info.value.fix == MANIFEST_FIX
    assert info.value.path == os.path.join(blog.root, MANIFEST)


def test_a_manifest_that_cannot_be_read_names_the_reason(tmp_path, monkeypatch):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, b"")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(write, "read_bounded", denied)
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert (info.value.message, info.value.path, info.value.fix) == (
        "cannot read the manifest: Permission denied", os.path.join(blog.root, MANIFEST), MANIFEST_FIX)


def test_a_manifest_not_utf8_names_the_reason_and_the_fix(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, b"\xff")
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert (info.value.message, info.value.fix) == ("cannot read the manifest: not UTF-8 text", MANIFEST_FIX)


def test_a_bad_manifest_line_names_the_format_and_the_fix(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, b"nonsense\n")
    with pytest.raises(GeneratorError) as info:
        _manifest(blog)
    assert (info.value.message, info.value.line, info.value.fix) == (
        "not a manifest line (SHA-256, two spaces, a path)", 1, LINE_FIX)


def test_a_path_with_two_spaces_reads_back_whole(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, f"{SHA_ABC}  notes/a  b.md\n".encode())
    assert _manifest(blog) == {"notes/a  b.md": SHA_ABC}


def test_read_manifest_keeps_the_lines_of_this_builds_plan(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, MANIFEST, f"{SHA_ABC}  notes/page.md\n".encode())
    assert write.read_manifest(blog) == {}
    assert write.read_manifest(blog, {"notes/page.md": b""}) == {"notes/page.md": SHA_ABC}


def test_target_errors_name_the_settings_or_the_folder_and_the_fix(tmp_path):
    blog = _blog(tmp_path)
    with pytest.raises(GeneratorError) as info:
        write.target(blog, "../x.md")
    assert (info.value.message, info.value.path, info.value.line, info.value.fix) == (
        "output path '../x.md' leaves the blog folder", blog.path, None, "fix the path")
    os.makedirs(os.path.join(blog.root, "images"))
    os.symlink(os.path.join(blog.root, "_generator"), os.path.join(blog.root, "images", "charts"))
    with pytest.raises(GeneratorError) as info:
        write.target(blog, CHART)     # the link is the second folder down
    root = os.path.realpath(blog.root)
    assert (info.value.message, info.value.path, info.value.line, info.value.fix) == (
        f"images/charts/ is a symlink; the build writes {CHART} only into a real folder of the blog",
        os.path.join(root, "images", "charts"), None,
        "replace the symlink with a folder, or set assets: to another folder")
    os.unlink(os.path.join(blog.root, "images", "charts"))
    _put(blog, "images/charts", b"a file")
    with pytest.raises(GeneratorError) as info:
        write.target(blog, CHART)
    assert (info.value.message, info.value.path, info.value.line, info.value.fix) == (
        f"images/charts is a file where the build needs a folder (for {CHART})",
        os.path.join(root, "images", "charts"), None,
        "move the file away, or set assets: to another folder in generator.yml")


def test_a_file_swapped_while_read_is_not_the_generators(tmp_path, monkeypatch):
    blog = _blog(tmp_path)
    path = _put(blog, POST, b"bytes")

    def swapped(*args, **kwargs):
        raise GeneratorError("the file is a FIFO, not a regular file", path)
    monkeypatch.setattr(write, "read_bounded", swapped)
    assert write.published_bytes(path) == b"\0changed"
    _put(blog, MANIFEST, f"{write.digest(b'bytes')}  {POST}\n".encode())
    monkeypatch.undo()
    monkeypatch.setattr(write, "published_bytes", lambda p: b"\0changed" if p.endswith(".md") else None)
    assert [(r, p) for r, p, _ in write.refusals(blog, SitePlan({POST: b"new"}, {}, ()), {POST: SHA_ABC})] == [
        (POST, "is not a regular file, where the build writes a file")]


def test_a_file_that_cannot_be_read_names_it(tmp_path, monkeypatch):
    blog = _blog(tmp_path)
    path = _put(blog, POST, b"bytes")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(write, "read_bounded", denied)
    with pytest.raises(GeneratorError) as info:
        write.published_bytes(path)
    assert (info.value.message, info.value.path, info.value.line, info.value.fix) == (
        "cannot read: Permission denied", path, None, "check permissions")


@pytest.mark.parametrize("make, what", [
    (lambda path: os.mkdir(path), "a folder"),
    (lambda path: os.mkfifo(path), "a FIFO or a device"),
    (lambda path: open(path, "wb").truncate(MAX_PUBLISHED_BYTES + 1), "a file too large to be one of the generator's"),
])
def test_what_is_where_the_build_writes_is_named(tmp_path, make, what):
    blog = _blog(tmp_path)
    os.makedirs(os.path.join(blog.root, "_posts"))
    make(os.path.join(blog.root, *POST.split("/")))
    assert _refusals(blog, {POST: b"post"}) == [
        (POST, f"is {what}, where the build writes a file",
         "move it away or rename the post; the build never overwrites a file it did not write")]


def test_an_edited_file_names_the_fix(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"edited")
    _put(blog, MANIFEST, f"{write.digest(b'as written')}  {POST}\n".encode())
    assert _refusals(blog, {POST: b"new"})[0][2] == "edit the post source instead, then delete this file and build again"


def test_a_refused_build_names_the_fix(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, POST, b"the author's")
    with pytest.raises(GeneratorError) as info:
        write.write_blog(blog, _plan({POST: b"post"}))
    assert (info.value.line, info.value.fix) == (
        None, "move it away or rename the post; the build never overwrites a file it did not write")


def test_a_failed_write_names_the_file_and_the_fix_and_leaves_no_staging(tmp_path, monkeypatch):
    blog = _blog(tmp_path)
    real_replace = os.replace

    def full(source, destination):
        raise OSError(28, "No space left on device", destination)
    monkeypatch.setattr(write.os, "replace", full)
    with pytest.raises(GeneratorError) as info:
        write.write_blog(blog, _plan({POST: b"post"}))
    monkeypatch.setattr(write.os, "replace", real_replace)
    assert (info.value.message, info.value.path, info.value.line, info.value.fix) == (
        "cannot write: No space left on device", os.path.join(os.path.realpath(blog.root), MANIFEST), None,
        "check permissions and free space, then build again")
    left = [name for _, _, names in os.walk(blog.root) for name in names if name.endswith(".generator-tmp")]
    assert left == []


def test_a_build_killed_after_the_interim_manifest_leaves_every_file_listed(tmp_path, monkeypatch):
    """Until the end, the manifest lists the files the build owned and the new ones (with the old hash where a file
    had one): a build that stops after writing it leaves nothing the next build would take for the author's."""
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    replaced = []
    real_replace = os.replace

    def stop_after_the_manifest(source, destination):
        real_replace(source, destination)
        replaced.append(destination)
        if destination.endswith(MANIFEST):
            raise OSError(5, "Input/output error", destination)
    monkeypatch.setattr(write.os, "replace", stop_after_the_manifest)
    new = "_posts/2026-01-03-new.md"
    with pytest.raises(GeneratorError):
        write.write_blog(blog, _plan({POST: b"post, revised", new: b"new"}))   # CHART is stale, POST changed
    assert _manifest(blog) == {POST: write.digest(b"post"), CHART: write.digest(b"<svg/>"), new: write.digest(b"new")}
    assert _read(blog, POST) == b"post"                   # stopped before the staged files were put in place
    left = [name for _, _, names in os.walk(blog.root) for name in names if name.endswith(".generator-tmp")]
    assert left == []


def test_the_interim_manifest_is_written_when_only_files_are_deleted(tmp_path, monkeypatch):
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    calls = []
    real = write._replace_manifest
    monkeypatch.setattr(write, "_replace_manifest", lambda *args: calls.append(args[2]) or real(*args))
    write.write_blog(blog, _plan({POST: b"post"}))
    assert calls == [write.manifest_text({POST: write.digest(b"post"), CHART: write.digest(b"<svg/>")}),
                     write.manifest_text({POST: write.digest(b"post")})]


def test_an_authors_own_workbook_is_kept_through_a_build(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, SEED_WORKBOOK, b"the author's workbook")
    plan = _plan({POST: b"post", SEED_WORKBOOK: b"ours"}, optional={SEED_WORKBOOK})
    result = write.write_blog(blog, plan)
    assert result == write.BlogWriteResult((POST,), (), 0, (SEED_WORKBOOK,))
    assert _read(blog, SEED_WORKBOOK) == b"the author's workbook"
    assert SEED_WORKBOOK not in _manifest(blog)


def test_a_planned_path_outside_the_usual_folders_is_rewritten_on_the_next_build(tmp_path):
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({"notes/page.md": b"one"}))
    write.write_blog(blog, _plan({"notes/page.md": b"two"}))
    assert _read(blog, "notes/page.md") == b"two"


def test_owned_plan_keeps_the_tables_and_posts_of_the_files_it_writes(tmp_path):
    blog = _blog(tmp_path)
    _put(blog, SEED_WORKBOOK, b"the author's workbook")
    site = SitePlan({POST: b"post", SEED_WORKBOOK: b"ours"}, {POST: ("table",), SEED_WORKBOOK: ("sheet",)}, ("p",))
    owned, kept = write.owned_plan(blog, BlogPlan(site, frozenset({SEED_WORKBOOK})), {})
    assert (owned.files, owned.tables, owned.posts, kept) == ({POST: b"post"}, {POST: ("table",)}, ("p",),
                                                              [SEED_WORKBOOK])


@pytest.mark.parametrize("relative", ["a\\b.md", "notes/a\x1f.md"])
def test_a_planned_path_with_a_backslash_or_a_control_character_is_never_owned(tmp_path, relative):
    assert not write.may_own(_blog(tmp_path), relative, planned={relative})


def test_a_planned_path_with_a_space_may_be_owned(tmp_path):
    blog = _blog(tmp_path)
    assert write.may_own(blog, "notes/a page.md", planned={"notes/a page.md"})
    assert write.may_own(blog, "notes CNAME", planned={"notes CNAME"})   # not the top-level CNAME


def test_a_catalogue_at_the_blog_root_makes_every_path_the_authors(tmp_path):
    blog = _blog(tmp_path, catalogue=".")
    assert not write.may_own(blog, POST) and not write.may_own(blog, "x.md", planned={"x.md"})


def test_a_folder_name_ending_in_a_stripped_character_is_matched_whole(tmp_path):
    blog = _blog(tmp_path, catalogue="dataX")
    assert write.may_own(blog, "data/x.md", planned={"data/x.md"})
    assert not write.may_own(blog, "dataX/x.md", planned={"dataX/x.md"})


def test_leftover_staging_is_removed_in_every_folder_the_build_writes(tmp_path):
    blog = _blog(tmp_path)
    first = _put(blog, "_posts/.a.md.0123456789ab.generator-tmp", b"half")
    second = _put(blog, "images/charts/.c.svg.0123456789ab.generator-tmp", b"half")
    at_root = _put(blog, ".generator-manifest.0123456789ab.generator-tmp", b"half")
    in_notes = _put(blog, "notes/.a page.md.0123456789ab.generator-tmp", b"half")
    # "0new/" does not exist yet: a folder that cannot be listed is passed over, not the end of the tidying.
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>", "notes/a page.md": b"x", "0new/x.md": b"x"}))
    assert not any(os.path.exists(p) for p in (first, second, at_root, in_notes))


def test_emptied_folders_go_up_to_but_not_including_the_blog_folder(tmp_path):
    # posts_dir set (as a Hugo blog's content/<section> is): the blog folder itself ("") is kept by name.
    blog = _blog(tmp_path, posts_dir="_posts")
    write.write_blog(blog, _plan({POST: b"post", CHART: b"<svg/>"}))
    write.write_blog(blog, _plan({POST: b"post"}))
    assert not os.path.exists(os.path.join(blog.root, "images"))
    assert os.path.isdir(blog.root) and os.path.isdir(os.path.join(blog.root, "_posts"))
    moved = _blog(tmp_path / "moved", assets="assets", posts_dir="_posts")
    write.write_blog(moved, _plan({POST: b"post", "assets/" + CHART: b"<svg/>"}))
    write.write_blog(moved, _plan({POST: b"post"}))
    assert os.path.isdir(os.path.join(moved.root, "assets"))          # the assets folder stays
    assert not os.path.exists(os.path.join(moved.root, "assets", "images"))


def test_a_planned_path_dropped_from_the_plan_is_left_as_the_authors(tmp_path):
    """Outside the posts, charts and seed images, a path is the generator's only while this build's plan has it: once
    dropped, it is no longer one the generator may own, and it is left where it is."""
    blog = _blog(tmp_path)
    write.write_blog(blog, _plan({POST: b"post", "extra/deep/x.md": b"x"}))
    result = write.write_blog(blog, _plan({POST: b"post"}))
    assert result.deleted == () and _read(blog, "extra/deep/x.md") == b"x"
