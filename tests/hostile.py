"""Shared by tests/test_hostile_*.py: run the command line the way an attacker's input would meet it, in a child
process under a 3 GiB address-space limit and a 30 s wall-clock limit, with no network but loopback (HF_ENDPOINT
points at a closed local port unless a test serves one), and compare every file of a folder byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
MEMORY_LIMIT = 3 * 2 ** 30
TIME_LIMIT_S = 30
_CHILD = ("import resource, sys\n"
          f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
          "from generator.cli import main\n"
          "sys.exit(main(sys.argv[1:]))\n")


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_limited(*argv, cwd=None, env=None, timeout=TIME_LIMIT_S) -> Result:
    """``python -m generator ARGV`` in a child under the memory and time limits (TimeoutExpired fails the test)."""
    environment = dict(os.environ)
    environment.update({"HF_ENDPOINT": "http://127.0.0.1:9", "GENERATOR_HUB_TIMEOUT": "5",
                        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": ROOT})
    environment.update(env or {})
    completed = subprocess.run([sys.executable, "-c", _CHILD, *[str(a) for a in argv]], cwd=cwd, env=environment,
                               capture_output=True, text=True, timeout=timeout)
    return Result(completed.returncode, completed.stdout, completed.stderr)


def tree(folder) -> dict:
    """Every entry under ``folder`` (links not followed): a file's bytes, a link's target, a folder's mark."""
    found = {}
    for dirpath, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = os.path.join(dirpath, name)
            key = os.path.relpath(path, folder)
            if os.path.islink(path):
                found[key] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[key] = ("folder",)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    found[key] = ("file", handle.read())
            else:
                found[key] = ("special",)
    return found


def entries(folder) -> set:
    """The paths ``tree`` would list, without reading any file (one of 2 GiB took 8 s of CPU to read)."""
    return {os.path.relpath(os.path.join(dirpath, name), folder)
            for dirpath, dirs, names in os.walk(folder) for name in dirs + names}


def one_error_line(result: Result, code: int = 2) -> str:
    assert result.code == code, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "; " in lines[0], result.err
    assert "\x1b" not in result.err
    return lines[0]


def jekyll_blog(tmp_path, built: bool = True) -> str:
    """The example Jekyll blog in ``tmp_path/blog``, built (its post and chart written, its manifest listing
    them), beside a folder ``tmp_path/outside`` holding a victim file."""
    blog = os.path.join(tmp_path, "blog")
    shutil.copytree(os.path.join(EXAMPLES, "jekyll-blog"), blog, symlinks=True)
    outside = os.path.join(tmp_path, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "victim.txt"), "w", encoding="utf-8") as handle:
        handle.write("a file outside the blog\n")
    if built:  # setup, not a case: in this process, which is cheaper than a child
        import io

        from generator.cli import main
        err = io.StringIO()
        assert main(["build", "--blog", blog], out=io.StringIO(), err=err) == 0, err.getvalue()
    return blog


EXAMPLE_POST = "2026-11-30-vram-for-small-models.md"


def touch_source(blog: str) -> None:
    """Change the example post's source, so the next build rewrites its post."""
    with open(os.path.join(blog, "_generator", "posts", EXAMPLE_POST), "a", encoding="utf-8") as handle:
        handle.write("\nOne more line.\n")
