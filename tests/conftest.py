import io
import os
import shutil

import pytest

from generator.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden-how-much-vram-is-required-for-llm-inference.md")
SEED_POST = "_posts/2024-09-03-how-much-vram-is-required-for-llm-inference.md"
SEED_HTML = "posts/how-much-vram-is-required-for-llm-inference.html"


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


def run_cli(*argv) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of content/ and templates/ in a temporary folder, which is also the working directory."""
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def built(project):
    result = run_cli("build")
    assert result.code == 0, result.err
    return project


def snapshot(folder) -> dict:
    """Every file under folder with its bytes and modification time."""
    found = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = (handle.read(), os.stat(path).st_mtime_ns)
    return found
