"""Determinism and robustness of the output: the same bytes whatever the environment, nothing rewritten when nothing
changed, a killed build never leaves a mix of old and new, and check raises no false alarm on a clean build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, run_cli, snapshot

def environment(**extra) -> dict:
    """This process's environment (read now: fixtures may have set GENERATOR_CACHE_DIR) for a subprocess."""
    return dict(os.environ, PYTHONPATH=ROOT, **extra)


def files(folder) -> dict:
    return {path: data for path, (data, _) in snapshot(folder).items()}


def build_in_subprocess(project, out, env=None, prefix=()):
    result = subprocess.run([*prefix, sys.executable, "-m", "generator", "build", "--out", str(out)], cwd=project,
                            env=environment(**(env or {})), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.parametrize("env", [
    {"TZ": "Pacific/Kiritimati", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "1"},
    {"TZ": "America/Los_Angeles", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "PYTHONHASHSEED": "4242"},
    {"TZ": "UTC", "LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8", "PYTHONHASHSEED": "random"},
    {"TZ": "Asia/Shanghai", "LANG": "zh_CN.GB18030", "LC_ALL": "POSIX", "PYTHONHASHSEED": "0", "PYTHONUTF8": "0"},
], ids=["kiritimati-C", "los-angeles-de", "utc-tr", "shanghai-posix"])
def test_same_bytes_across_timezone_locale_and_hash_seed(no_render_cache, built, tmp_path, env):
    build_in_subprocess(built, tmp_path / "other", env)
    assert files(tmp_path / "other") == files(built / "site")
    # and building into the published site in that environment rewrites nothing
    result = build_in_subprocess(built, built / "site", env)
    assert "build: 0 written, 0 deleted" in result.stdout


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime is not installed (apt-get install faketime)")
@pytest.mark.parametrize("when", ["1999-12-31 23:59:59", "2038-01-19 03:14:08", "2100-02-28 12:00:00"])
def test_same_bytes_on_another_date_faketime(no_render_cache, built, tmp_path, when):
    build_in_subprocess(built, tmp_path / "other", prefix=("faketime", "-f", f"@{when}"))
    assert files(tmp_path / "other") == files(built / "site")


def test_same_bytes_on_another_date_in_process(no_render_cache, built, tmp_path, monkeypatch):
    fake = time.mktime((2099, 6, 15, 12, 0, 0, 0, 0, -1))
    monkeypatch.setattr(time, "time", lambda: fake)
    monkeypatch.setattr(time, "time_ns", lambda: int(fake * 1e9))
    assert run_cli("build", "--out", str(tmp_path / "other")).code == 0
    assert files(tmp_path / "other") == files(built / "site")


def test_same_bytes_whatever_the_file_system_order(no_render_cache, built, tmp_path, monkeypatch):
    # A content copy whose files were created in reverse order ...
    reverse = tmp_path / "reversed"
    sources = []
    for name in ("content", "templates"):
        for dirpath, _, names in os.walk(built / name):
            sources += [os.path.join(dirpath, n) for n in names]
    for source in sorted(sources, reverse=True):
        target = reverse / os.path.relpath(source, built)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    # ... and a file system that lists every folder backwards.
    real_listdir, real_walk = os.listdir, os.walk
    monkeypatch.setattr(os, "listdir", lambda path=".": sorted(real_listdir(path), reverse=True))

    def walk(top, *args, **kwargs):
        for dirpath, dirs, names in real_walk(top, *args, **kwargs):
            dirs.reverse()
            yield dirpath, dirs, sorted(names, reverse=True)

    monkeypatch.setattr(os, "walk", walk)
    monkeypatch.chdir(reverse)
    result = run_cli("build", "--out", str(tmp_path / "other"))
    assert result.code == 0, result.err
    assert files(tmp_path / "other") == files(built / "site")


def test_rebuild_rewrites_nothing(built):
    before = snapshot(built / "site")
    for _ in range(2):
        result = run_cli("build")
        assert result.code == 0 and "build: 0 written, 0 deleted" in result.out
    assert snapshot(built / "site") == before  # bytes and modification times


def test_a_change_rewrites_only_what_changed_and_keeps_the_rest_in_place(built):
    before = snapshot(built / "site")
    inodes = {p: os.stat(built / "site" / p).st_ino for p in before}
    (built / "site" / "CNAME").write_text("blog.example\n", encoding="utf-8")  # not the build's: kept
    site_yaml = built / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("description: ", "description: x"),
                         encoding="utf-8")
    result = run_cli("build")
    assert result.code == 0
    after = snapshot(built / "site")
    written = {line.split("/", 1)[1] for line in result.out.splitlines() if line.startswith("wrote ")}
    assert written and "index.html" in written
    for path, (data, mtime) in before.items():
        if path not in written:
            assert after[path] == (data, mtime), path
            assert os.stat(built / "site" / path).st_ino == inodes[path]
    assert (built / "site" / "CNAME").read_text(encoding="utf-8") == "blog.example\n"
    assert not [n for n in os.listdir(built) if ".generator-" in n]


def test_stray_temporary_files_are_cleaned_up(built):
    stray = built / "site" / "posts" / "x.html.generator-tmp"
    stray.write_bytes(b"half")
    for kind in ("stage", "ready", "old"):
        leftover = built / f".site.generator-{kind}"
        leftover.mkdir()
        (leftover / "junk").write_bytes(b"junk")
    before = files(built / "site")
    del before["posts/x.html.generator-tmp"]
    assert run_cli("build").code == 0
    assert not stray.exists()
    assert not [n for n in os.listdir(built) if ".generator-" in n]
    assert files(built / "site") == before


# -- a build killed at any point ----------------------------------------------------------------------------------

# Runs the build with the writer's file-system steps counted; at step KILL_AT it SIGKILLs itself (no cleanup runs,
# as with kill -9 or a power cut). KILL_AT=0 counts the steps and prints the total.
KILLER = textwrap.dedent("""
    import os, shutil, signal, sys
    import generator.site.writer as writer
    kill_at, count = int(os.environ["KILL_AT"]), [0]

    def step(function):
        def counted(*args, **kwargs):
            count[0] += 1
            if count[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)
        return counted

    for name in ("link", "rename", "replace", "unlink", "mkdir", "symlink"):
        setattr(os, name, step(getattr(os, name)))
    shutil.rmtree = step(shutil.rmtree)
    writer._exchange = step(writer._exchange if os.environ.get("EXCHANGE", "1") == "1" else lambda a, b: False)
    real_open = open

    def opened(file, mode="r", *args, **kwargs):
        if "w" in mode:
            return step(real_open)(file, mode, *args, **kwargs)
        return real_open(file, mode, *args, **kwargs)

    writer.open = opened
    writer.write_exclusive = step(writer.write_exclusive)  # how the stage's files are created
    from generator.cli import main
    code = main(["build"])
    if kill_at == 0:
        print("STEPS", count[0])
    sys.exit(code)
""")


def _killed_build(project, kill_at: int, exchange: bool):
    return subprocess.run([sys.executable, "-c", KILLER], cwd=project, capture_output=True, text=True,
                          env=environment(KILL_AT=str(kill_at), EXCHANGE="1" if exchange else "0"))


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_a_killed_build_leaves_the_old_site_or_the_new_one(built, tmp_path, exchange):
    # What is killed is the writer, not the rendering: the build into "new" below fills the cache of rendered bytes
    # (this worker's own, conftest.render_cache) with the changed site, so the counting build and every killed
    # build take it from there, write nothing to the cache and take the same file-system steps; each is a short
    # subprocess instead of a full render. (Were the counts to differ, a kill point would pass a build's end and
    # the SIGKILL assertion below would fail.)
    # A change that rewrites some files and deletes one (the renamed post's old files are stale).
    site_yaml = built / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("title: ", "title: x"), encoding="utf-8")
    post = built / "content" / "posts" / "2026-11-25-vram-estimate-vs-measured.md"
    post.rename(post.with_name("2026-11-25-estimate-vs-measured.md"))
    (built / "site" / "CNAME").write_text("blog.example\n", encoding="utf-8")
    pristine = tmp_path / "pristine"
    shutil.copytree(built / "site", pristine, copy_function=shutil.copy2, symlinks=True)
    old = files(pristine)
    # A subprocess like the killed builds (the same code and sys.path, so the same cache keys): it fills the cache.
    build_in_subprocess(built, tmp_path / "new")
    new = files(tmp_path / "new")
    new["CNAME"] = old["CNAME"]
    assert old != new

    counted = _killed_build(built, 0, exchange)
    assert counted.returncode == 0, counted.stderr
    steps = int(counted.stdout.split("STEPS")[1])
    shutil.rmtree(built / "site")
    shutil.copytree(pristine, built / "site", copy_function=shutil.copy2, symlinks=True)
    points = sorted({1, 2, 3, steps // 4, steps // 2, 3 * steps // 4} | set(range(max(1, steps - 5), steps + 1)))
    for kill_at in points:
        result = _killed_build(built, kill_at, exchange)
        assert result.returncode == -signal.SIGKILL, (kill_at, result.stdout, result.stderr)
        site = built / "site"
        if site.exists():
            state = files(site)
            assert state == old or state == new, f"a mix after a kill at step {kill_at} of {steps}"
        else:
            # Only between the two renames of the fallback: the next build completes the swap.
            assert not exchange, f"site/ missing after a kill at step {kill_at} of {steps}"
        result = run_cli("build")
        assert result.code == 0, result.err
        assert files(site) == new, f"the build after a kill at step {kill_at} did not finish the job"
        assert not [n for n in os.listdir(built) if ".generator-" in n]
        shutil.rmtree(site)
        shutil.copytree(pristine, site, copy_function=shutil.copy2, symlinks=True)


# -- check is sound -------------------------------------------------------------------------------------------------

# One process per hash seed: it builds its own site, waits until every process has built, then checks the site the
# next seed built (a cross-seed pair in one process, so the check reuses the estimates its own build computed; they
# were computed under this process's seed, the site's under the other one).
BUILD_THEN_CHECK = textwrap.dedent("""
    import os, sys, time
    from generator.cli import main
    mine, other, done, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    code = main(["build", "--out", mine])
    open(os.path.join(done, os.path.basename(mine) + (".ok" if code == 0 else ".failed")), "w").close()
    if code != 0:
        sys.exit(f"build failed: {code}")
    deadline = time.monotonic() + 900
    while len(os.listdir(done)) < count:
        if any(name.endswith(".failed") for name in os.listdir(done)) or time.monotonic() > deadline:
            sys.exit("another build failed or never finished")
        time.sleep(0.05)
    print("CHECK")
    sys.exit(main(["check", "--site", other]))
""")


def test_check_raises_no_false_alarm_on_clean_builds_under_other_hash_seeds(no_render_cache, project, tmp_path):
    """Ten processes, each under its own PYTHONHASHSEED, each build a site afresh (no render cache); each then
    checks the site of the next seed (10 cross-seed pairs: any output or check that depends on set order shows up
    as a difference or a false alarm), and all ten sites must be the same bytes. Ten seeds, not the twenty of
    before, and one process each instead of two: the pairs and the fresh builds are what the test is about, and
    the suite runs on two cores."""
    seeds = [str(seed) for seed in range(10)]
    done = tmp_path / "done"
    done.mkdir()
    sites = [tmp_path / f"site-{seed}" for seed in seeds]
    processes = [subprocess.Popen([sys.executable, "-c", BUILD_THEN_CHECK, str(sites[i]),
                                   str(sites[(i + 1) % len(seeds)]), str(done), str(len(seeds))],
                                  cwd=project, env=environment(PYTHONHASHSEED=seed), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i, seed in enumerate(seeds)]
    for seed, process in zip(seeds, processes):
        out, err = process.communicate()
        assert process.returncode == 0, (seed, out[-2000:], err[-2000:])
        assert out.split("CHECK", 1)[1].splitlines()[-1].startswith("check: OK"), out[-2000:]
    first = files(sites[0])
    for site in sites[1:]:
        assert files(site) == first, site
