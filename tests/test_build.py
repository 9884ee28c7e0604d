"""build: all or nothing, deterministic, and a rebuild with nothing changed rewrites nothing."""

import os
import subprocess
import sys

from conftest import ROOT, SEED_POST, repo_plan, run_cli, snapshot


def test_two_builds_are_byte_identical(no_render_cache, project, tmp_path):
    assert run_cli("build", "--out", str(tmp_path / "a")).code == 0
    assert run_cli("build", "--out", str(tmp_path / "b")).code == 0
    a = {k: v[0] for k, v in snapshot(tmp_path / "a").items()}
    b = {k: v[0] for k, v in snapshot(tmp_path / "b").items()}
    assert a == b and set(a) == set(repo_plan().files)  # the same content as the repository's


def test_rebuild_with_nothing_changed_rewrites_nothing(built):
    before = snapshot(built / "site")
    result = run_cli("build")
    assert result.code == 0
    assert f"build: 0 written, 0 deleted, {len(before)} unchanged" in result.out
    assert snapshot(built / "site") == before  # bytes and modification times


def test_only_changed_files_are_rewritten(built):
    before = snapshot(built / "site")
    site = built / "content" / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("title: LLM 推理显存计算", "title: 显存"), encoding="utf-8")
    assert run_cli("build").code == 0
    after = snapshot(built / "site")
    assert SEED_POST in before and after[SEED_POST] == before[SEED_POST]  # the Markdown post has no site title
    assert after["index.html"] != before["index.html"]


def test_build_deletes_what_it_no_longer_writes_and_nothing_else(built):
    post = built / "content" / "posts" / "2024-09-03-how-much-vram-is-required-for-llm-inference.md"
    renamed = post.with_name("2024-09-03-vram.md")
    post.rename(renamed)
    (built / "site" / "CNAME").write_text("blog.example\n", encoding="utf-8")
    result = run_cli("build")
    assert result.code == 0
    assert f"deleted site/{SEED_POST}" in result.out
    assert (built / "site" / "_posts" / "2024-09-03-vram.md").exists()
    assert (built / "site" / "CNAME").exists()  # not ours: left alone
    assert run_cli("check").code == 0


def test_build_refuses_a_symlink_that_leaves_the_site(built, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    posts = built / "site" / "posts"
    for child in posts.iterdir():
        child.unlink()
    posts.rmdir()
    posts.symlink_to(outside, target_is_directory=True)
    result = run_cli("build")
    assert result.code == 2 and "resolves outside the output folder" in result.err
    assert list(outside.iterdir()) == []


def test_output_is_the_same_in_another_locale_timezone_and_hash_seed(no_render_cache, built, tmp_path):
    env = dict(os.environ, TZ="America/Los_Angeles", LANG="C", LC_ALL="C", PYTHONHASHSEED="12345",
               PYTHONPATH=ROOT)
    subprocess.run([sys.executable, "-m", "generator", "build", "--out", str(tmp_path / "other")], check=True,
                   cwd=built, env=env, capture_output=True)
    ours = {k: v[0] for k, v in snapshot(built / "site").items()}
    theirs = {k: v[0] for k, v in snapshot(tmp_path / "other").items()}
    assert ours == theirs


def test_python_dash_m_entry_point(built):
    result = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=built, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stdout + result.stderr


def test_background_work_returns_the_childs_result_and_falls_back_when_it_fails():
    from generator.core.background import in_background
    parent = os.getpid()
    assert in_background(lambda: {"pid": os.getpid()}).result()["pid"] != parent  # done on the other core

    calls = []

    def fails_in_the_child():
        calls.append(os.getpid())
        if os.getpid() != parent:
            raise RuntimeError("child")
        return {"done": "here"}
    assert in_background(fails_in_the_child).result() == {"done": "here"}
    assert calls == [parent]  # the child's attempt is not seen here; the parent did the work itself


def _children() -> set:
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as handle:
        return set(handle.read().split())


def test_a_failed_build_leaves_no_background_process_behind(no_render_cache, built):
    # Children from before the build (the session's Chromium driver, where a browser test ran earlier in this test
    # process) are not the build's: the build must add none.
    before = _children()
    template = built / "templates" / "model.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ model.id }}", "{{ nope }}", 1),
                        encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2
    assert _children() - before == set()
