"""The output folder under pressure: builds at the same time, an output folder that overlaps the project, and every
failure path of the writer (a full disk, a refused rename, a read-only folder, a file where a folder must go).

Each case asserts the exit code, the one-line message and that the site (and the folder around it) is exactly as
it was; concurrent builds must always leave one whole site equal to a fresh build."""

import errno
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import generator.site.writer as writer
from conftest import ROOT, run_cli, snapshot

ENV = dict(os.environ, PYTHONPATH=ROOT)
HOLDER = re.compile(r"^error: (\S+): the output folder is in use by (build|check) pid (\d+) since "
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; wait for it to finish, then run again\n$")


def files(folder) -> dict:
    return {k: v[0] for k, v in snapshot(folder).items()}


def beside(project) -> list[str]:
    """What a build may have left beside the site: its sibling folders and lock file."""
    return sorted(n for n in os.listdir(project) if ".generator-" in n)


def change_title(project) -> None:
    site_yaml = project / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("title: ", "title: x"), encoding="utf-8")


# -- builds at the same time ---------------------------------------------------------------------------------------

# A build that starts after a random pause and lingers a random while with its stage complete: the window in which
# another build's clean-up could once delete its stage, or swap its own tree in half-way.
RACER = textwrap.dedent("""
    import os, random, sys, time
    import generator.site.writer as writer
    rng = random.Random(int(os.environ["SEED"]))
    time.sleep(rng.uniform(0, 0.4))
    stage = writer._stage

    def lingering_stage(*args, **kwargs):
        stage(*args, **kwargs)
        time.sleep(rng.uniform(0, 0.4))

    writer._stage = lingering_stage
    from generator.cli import main
    sys.exit(main(["build"]))
""")


def test_concurrent_builds_always_leave_one_whole_site(built, tmp_path):
    change_title(built)
    (built / "site" / "CNAME").write_text("blog.example\n", encoding="utf-8")
    pristine = tmp_path / "pristine"
    shutil.copytree(built / "site", pristine, symlinks=True)
    assert run_cli("build", "--out", str(tmp_path / "fresh")).code == 0
    fresh = files(tmp_path / "fresh")
    fresh["CNAME"] = b"blog.example\n"
    assert files(pristine) != fresh
    rounds = random.Random().randrange(10 ** 6)  # a new timing every run; the seed is in any failure message
    for round_ in range(3):
        seeds = [rounds + 10 * round_ + k for k in range(3)]
        racers = [subprocess.Popen([sys.executable, "-c", RACER], cwd=built, env=dict(ENV, SEED=str(seed)),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in seeds]
        results = [(seed, p.wait(), p.stdout.read(), p.stderr.read()) for seed, p in zip(seeds, racers)]
        for seed, code, out, err in results:
            assert code in (0, 2), (seed, code, out, err)
            if code == 2:  # gave up waiting: said who holds the lock, claimed nothing
                assert HOLDER.match(err), (seed, err)
                assert "build:" not in out
        assert any(code == 0 for _, code, _, _ in results), results
        assert files(built / "site") == fresh, f"not one whole fresh site after round {round_} (seeds {seeds})"
        assert beside(built) == [], (seeds, beside(built))
        shutil.rmtree(built / "site")
        shutil.copytree(pristine, built / "site", symlinks=True)


def test_a_second_build_or_check_waits_then_names_the_holder(built, monkeypatch):
    change_title(built)
    before = snapshot(built / "site")
    monkeypatch.setattr(writer, "LOCK_WAIT_S", 0.3)
    with writer.output_lock("site", "build"):
        for verb in ("build", "check"):
            started = time.monotonic()
            result = run_cli(verb)
            assert result.code == 2
            assert time.monotonic() - started >= 0.3  # it waited first
            match = HOLDER.match(result.err)
            assert match and match.group(1) == "site" and match.group(3) == str(os.getpid()), result.err
    assert snapshot(built / "site") == before
    assert beside(built) == []  # the lock file goes with the lock


def test_a_build_that_waited_for_the_holder_then_builds(built):
    change_title(built)
    release = threading.Event()

    def hold():
        with writer.output_lock("site", "check"):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    while not os.path.exists(writer.lock_path("site")):
        time.sleep(0.01)
    threading.Timer(0.5, release.set).start()
    result = run_cli("build")
    holder.join()
    assert result.code == 0, result.err
    assert run_cli("check").code == 0 and beside(built) == []


def test_a_killed_holder_leaves_no_stale_lock(built, monkeypatch):
    change_title(built)
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import os, signal
        import generator.site.writer as writer
        with writer.output_lock("site", "build"):
            os.kill(os.getpid(), signal.SIGKILL)
    """)], cwd=built, env=ENV)
    assert killed.returncode == -signal.SIGKILL
    assert beside(built) == [".site.generator-lock"]  # the file is left, but no lock: the kernel dropped it
    monkeypatch.setattr(writer, "LOCK_WAIT_S", 0.1)  # a stale lock would make this build give up
    assert run_cli("build").code == 0
    assert beside(built) == []


# A build that stops with its stage complete until the test lets it go on.
PAUSED = textwrap.dedent("""
    import os, sys, time
    import generator.site.writer as writer
    stage = writer._stage

    def paused_stage(*args, **kwargs):
        stage(*args, **kwargs)
        open("staged", "w").close()
        while os.path.exists("staged"):
            time.sleep(0.02)

    writer._stage = paused_stage
    from generator.cli import main
    sys.exit(main(["build"]))
""")


def test_clean_up_never_touches_the_stage_of_a_live_build(built, tmp_path, monkeypatch):
    change_title(built)
    assert run_cli("build", "--out", str(tmp_path / "fresh")).code == 0
    live = subprocess.Popen([sys.executable, "-c", PAUSED], cwd=built, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (built / "staged").exists():
            assert live.poll() is None and time.monotonic() < deadline, live.communicate()
            time.sleep(0.02)
        stage = built / ".site.generator-stage"
        staged = files(stage)
        monkeypatch.setattr(writer, "LOCK_WAIT_S", 0.2)
        result = run_cli("build")  # once, this build's recover() deleted the live build's stage
        assert result.code == 2 and HOLDER.match(result.err), result.err
        assert files(stage) == staged
    finally:
        (built / "staged").unlink(missing_ok=True)
    out, err = live.communicate(timeout=60)
    assert live.returncode == 0, out + err
    assert files(built / "site") == files(tmp_path / "fresh") and beside(built) == []


# -- an output folder that overlaps the project ---------------------------------------------------------------------

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(writer.__file__)))  # generator/, from generator/site/writer.py


@pytest.mark.parametrize("argv, message", [
    (["--out", "content"], "error: content: the output folder is the --content folder"),
    (["--out", "content/site"], "error: content/site: the output folder is inside the --content folder content"),
    (["--out", "templates"], "error: templates: the output folder is the --templates folder"),
    (["--out", "templates/jekyll"], "error: templates/jekyll: the output folder is inside the --templates folder "
                                    "templates"),
    (["--out", "."], "error: .: the output folder holds the --content folder content"),
    (["--out", os.path.join(PACKAGE, "out")], f"error: {PACKAGE}/out: the output folder is inside the generator's "
                                              f"package folder {PACKAGE}"),
    (["--content", "site/content"], "error: site: the output folder holds the --content folder site/content"),
])
def test_an_output_folder_overlapping_the_project_is_refused(project, argv, message):
    built = project
    (built / "site").mkdir()
    (built / "site" / "CNAME").write_text("blog.example\n", encoding="utf-8")
    if argv[0] == "--content":
        shutil.copytree(built / "content", built / "site" / "content")
    before = snapshot(built)
    result = run_cli("build", *argv)
    assert result.code == 2
    assert result.err.startswith(message + "; pass an --out folder outside") and result.err.count("\n") == 1, \
        result.err
    assert snapshot(built) == before
    assert not os.path.exists(os.path.join(PACKAGE, "out"))


# -- every failure path leaves the site as it was and nothing beside it ---------------------------------------------

def _failing_after(function, calls: int, error: OSError, writes_only: bool = False):
    count = [0]

    def failing(*args, **kwargs):
        if writes_only and "w" not in (args[1] if len(args) > 1 else kwargs.get("mode", "r")):
            return function(*args, **kwargs)
        count[0] += 1
        if count[0] > calls:
            raise error
        return function(*args, **kwargs)
    return failing


@pytest.mark.parametrize("where", ["the first file written", "the tenth file written", "the folder swap"])
def test_a_failed_write_leaves_the_site_and_nothing_beside_it(built, monkeypatch, where):
    change_title(built)
    before = snapshot(built / "site")
    if where == "the folder swap":
        monkeypatch.setattr(writer, "_exchange", _failing_after(writer._exchange, 0, PermissionError(
            errno.EACCES, os.strerror(errno.EACCES), "site")))
        message = "cannot put the new site in place: Permission denied"
    else:
        calls = 0 if where == "the first file written" else 9
        # Every file the stage gets is created through writer.write_exclusive (O_CREAT|O_EXCL|O_NOFOLLOW).
        monkeypatch.setattr(writer, "write_exclusive", _failing_after(writer.write_exclusive, calls, OSError(
            errno.ENOSPC, os.strerror(errno.ENOSPC), "site/x")))
        message = "cannot write the site: No space left on device"
    result = run_cli("build")
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1, result.err
    assert snapshot(built / "site") == before
    assert beside(built) == []


def test_a_failed_rename_in_the_two_rename_swap_is_undone(built, monkeypatch):
    change_title(built)
    before = snapshot(built / "site")
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    real_rename = os.rename

    def rename(source, destination):
        if destination.endswith(b".generator-old"):  # moving the old site away
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), source)
        return real_rename(source, destination)

    monkeypatch.setattr(writer.os, "rename", rename)
    result = run_cli("build")
    assert result.code == 2 and "cannot put the new site in place: Permission denied" in result.err
    monkeypatch.setattr(writer.os, "rename", real_rename)
    assert snapshot(built / "site") == before
    assert beside(built) == []


def test_a_file_where_a_folder_must_go_is_refused_and_nothing_is_left(built):
    charts = built / "site" / "images" / "charts"
    shutil.rmtree(charts)
    charts.write_bytes(b"not a folder\n")
    before = snapshot(built / "site")
    result = run_cli("build")
    assert result.code == 2 and "cannot write the site" in result.err and result.err.count("\n") == 1, result.err
    assert snapshot(built / "site") == before
    assert beside(built) == []


def _parent_mode(path, dir_fd=None) -> int:
    parent = os.path.dirname(os.fsencode(path))
    if parent:
        return os.stat(parent, dir_fd=dir_fd).st_mode
    return os.stat(dir_fd if dir_fd is not None else b".").st_mode


def _modes_apply_to_root(monkeypatch) -> None:
    """Root ignores file modes; make this process honour the owner's write bit of a folder as the kernel does for
    anyone else, for the calls the writer and shutil make (creating, linking, renaming and removing entries)."""
    def denied(path):
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    def guarded(function, *positions):
        def call(*args, **kwargs):
            for index in positions:
                if not _parent_mode(args[index], kwargs.get("dir_fd")) & stat.S_IWUSR:
                    raise denied(args[index])
            return function(*args, **kwargs)
        return call

    for name, positions in (("mkdir", (0,)), ("unlink", (0,)), ("rmdir", (0,)), ("link", (1,)), ("symlink", (1,)),
                            ("rename", (0, 1))):
        monkeypatch.setattr(os, name, guarded(getattr(os, name), *positions))
    real_access, real_open = os.access, open

    def access(path, mode, **kwargs):
        if mode & os.W_OK and not os.stat(path).st_mode & stat.S_IWUSR:
            return False
        return real_access(path, mode, **kwargs)

    def opened(file, mode="r", *args, **kwargs):
        if "w" in mode and not _parent_mode(file) & stat.S_IWUSR:
            raise denied(file)
        return real_open(file, mode, *args, **kwargs)

    real_exclusive = writer.write_exclusive

    def exclusive(path, *args, **kwargs):
        if not _parent_mode(path) & stat.S_IWUSR:
            raise denied(path)
        return real_exclusive(path, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(writer, "open", opened, raising=False)
    monkeypatch.setattr(writer, "write_exclusive", exclusive)


@pytest.mark.parametrize("read_only", ["site", "site/posts"])
def test_a_read_only_output_folder_is_refused_and_nothing_is_left_beside_it(built, monkeypatch, read_only):
    change_title(built)
    before = snapshot(built / "site")
    os.chmod(built / read_only, 0o555)
    try:
        if os.geteuid() == 0:
            _modes_apply_to_root(monkeypatch)
        result = run_cli("build")
        monkeypatch.undo()
    finally:
        os.chmod(built / read_only, 0o755)
    assert result.code == 2
    assert result.err == (f"error: {os.path.realpath(built / read_only)}: the output folder is read-only; make it "
                          "writable (chmod u+w) or pass another --out; the site was left as it was\n")
    assert snapshot(built / "site") == before
    assert beside(built) == []


def test_a_read_only_folder_that_does_not_change_keeps_its_mode_and_the_build_succeeds(built, monkeypatch):
    vendor = built / "site" / "vendor"  # the user's own, read-only folder: not the generator's to change
    vendor.mkdir()
    (vendor / "lib.js").write_text("x\n", encoding="utf-8")
    os.chmod(vendor, 0o555)
    change_title(built)
    try:
        if os.geteuid() == 0:
            _modes_apply_to_root(monkeypatch)
        result = run_cli("build")
        monkeypatch.undo()
        assert result.code == 0, result.err
        assert stat.S_IMODE(os.stat(vendor).st_mode) == 0o555
        assert (vendor / "lib.js").read_text(encoding="utf-8") == "x\n"
        assert beside(built) == []  # the old tree, read-only folder and all, was removed
    finally:
        os.chmod(vendor, 0o755)
