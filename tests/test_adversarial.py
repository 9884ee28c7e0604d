"""Adversarial input: a corpus of malformed files, and random mutations of the real content.

Every malformed input gets exactly one line on stderr, ``error: <path>:<line>: ...; <fix>``, exit code 2, no
traceback, and leaves the published site byte for byte (and modification time for modification time) as it was.
The corpus lives in tests/corpus/, one file per case; tests/corpus/index.json says which content file each one
replaces (``replaces``) or which command line it is fed to (``argv``, ``{file}`` standing for its path), the line
the error must name, what the error must say (``message``, where given), and which few inputs are well-formed
variants that must be accepted (``accept``: a UTF-8 BOM).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import ROOT, snapshot
from generator.cli import main

CORPUS = os.path.join(ROOT, "tests", "corpus")
INDEX = json.load(open(os.path.join(CORPUS, "index.json"), encoding="utf-8"))
PWNED = "/tmp/generator-pwned"  # what the !!python/object/apply case would create if YAML ran it

CONTENT_FILES = (
    "content/models.yaml",
    "content/benchmarks/qwen2-speed-benchmark.yaml",
    "content/site.yaml",
    "content/frameworks.yaml",
    "content/gpus.yaml",
    "content/posts/2024-09-03-how-much-vram-is-required-for-llm-inference.md",
    "content/posts/2026-11-25-vram-estimate-vs-measured.md",
)


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A built copy of content/ and templates/, the working directory for the module's tests."""
    root = tmp_path_factory.mktemp("adversarial")
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), root / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        code, _, err = run(["build"])
        assert code == 0, err
        yield root


class replaced:
    """Put ``data`` in place of a content file for the duration of a ``with`` block."""

    def __init__(self, path: str, data: bytes):
        self.path, self.data = path, data

    def __enter__(self):
        with open(self.path, "rb") as handle:
            self.original = handle.read()
        with open(self.path, "wb") as handle:
            handle.write(self.data)

    def __exit__(self, *_):
        with open(self.path, "wb") as handle:
            handle.write(self.original)


def assert_one_located_line(code, out, err, path, line=None, message=None):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.splitlines()
    assert len(lines) == 1, err
    where = f"error: {path}:{line}: " if line else f"error: {path}:"
    assert lines[0].startswith(where), (where, lines[0])
    assert "; " in lines[0]  # the fix follows the problem
    if message:
        assert message in lines[0], (message, lines[0])


def test_corpus_is_complete():
    files = set(os.listdir(CORPUS)) - {"index.json"}
    assert files == {entry["file"] for entry in INDEX}
    malformed = [e for e in INDEX if not e.get("accept")]
    assert len(malformed) >= 40
    targets = {e.get("replaces") or "estimate --config" for e in malformed}
    for expected in ("content/models.yaml", "content/site.yaml", "content/frameworks.yaml", "content/gpus.yaml",
                     "content/benchmarks/qwen2-speed-benchmark.yaml", "estimate --config"):
        assert expected in targets
    assert any(t.startswith("content/posts/") for t in targets)
    for entry in INDEX:
        assert ("replaces" in entry) != ("argv" in entry), entry
        assert entry.get("accept") or entry.get("xfail") or entry.get("line"), entry


def _case_params():
    for entry in INDEX:
        marks = [pytest.mark.xfail(reason=entry["xfail"], strict=True)] if entry.get("xfail") else []
        yield pytest.param(entry, id=entry["file"], marks=marks)


@pytest.mark.parametrize("entry", list(_case_params()))
def test_corpus_case(project, entry):
    case = os.path.join(CORPUS, entry["file"])
    with open(case, "rb") as handle:
        data = handle.read()
    before = snapshot(project / "site")
    if "replaces" in entry:
        with replaced(entry["replaces"], data):
            results = [run([verb]) for verb in ("build", "check")]
        path = entry["replaces"]
    else:
        results = [run([arg.replace("{file}", case) for arg in entry["argv"]])]
        path = case
    for code, out, err in results:
        if entry.get("accept"):
            assert code == 0, err
            assert err == "" and "Traceback" not in out
        else:
            assert_one_located_line(code, out, err, path, entry.get("line"), entry.get("message"))
    assert snapshot(project / "site") == before
    assert not os.path.exists(PWNED)


# -- property-based: random mutations of the real content files -----------------------------------------------------

_LOCATED = re.compile(r"^error: ([^:\n]+?)(?::(\d+))?: .+")


def assert_clean_outcome(project, site, code, out, err, before):
    """0 or 2, never a traceback; on 2 one line naming a file of the project (and its line if any), site untouched."""
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1, err
        match = _LOCATED.match(lines[0])
        assert match, lines[0]
        assert os.path.exists(project / match.group(1)), lines[0]
        assert snapshot(site) == before


def _build_mutated(project, path: str, data: bytes):
    """Build with one content file replaced, into a fresh copy of the site (so a build that succeeds needs no undo)."""
    site = project / "scratch-site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(project / "site", site, copy_function=shutil.copy2)
    before = snapshot(site)
    with replaced(path, data):
        code, out, err = run(["build", "--out", "scratch-site"])
    assert_clean_outcome(project, site, code, out, err, before)


def _original(project, path: str) -> bytes:
    with open(os.path.join(ROOT, path), "rb") as handle:
        return handle.read()


# Bounded and repeatable: a fixed seed, no shrinking (a failing example is reported as found; shrinking a build
# that takes a second per run could take minutes).
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(path=st.sampled_from(CONTENT_FILES), data=st.data())
def test_byte_flips(project, path, data):
    original = bytearray(_original(project, path))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), min_size=1,
                               max_size=4))
    for position, value in flips:
        original[position] = value
    _build_mutated(project, path, bytes(original))


@SETTINGS
@given(path=st.sampled_from(CONTENT_FILES), data=st.data())
def test_truncation(project, path, data):
    original = _original(project, path)
    cut = data.draw(st.integers(0, len(original) - 1))
    _build_mutated(project, path, original[:cut])


_YAML_VALUES = st.one_of(
    st.sampled_from([
        "", "~", "null", "true", "no", "0", "-1", "1.5", ".nan", ".inf", "-.inf", "1.0e+308", "1e308", "1.0e-320",
        "1" + "0" * 400, "9" * 5000, "[]", "{}", "[1, [2, [3]]]", "{a: 1}", "'unterminated", '"x', "[", "{", ": x",
        "- a", "&anchor x", "*anchor", "!!python/object/apply:os.system [id]", "!!binary aGVsbG8=", "!!set {a}",
        "2024-02-30", "2024-09-03 08:00:00 +0800", "0x1F", "0o17", "1_000", "190:20:30", "<script>alert(1)</script>",
        "{{ 7*7 }}", "{% if %}", "\t", "\u00e9\u4e2d\U0001F600", "\ufeff", "|\n  block", ">-\n  folded",
    ]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=20).map(json.dumps),
)

_KEY_VALUE = re.compile(rb"^(\s*(?:- )?[A-Za-z_][\w-]*:)( .*)?$")


@SETTINGS
@given(path=st.sampled_from(CONTENT_FILES), data=st.data())
def test_random_values_in_random_fields(project, path, data):
    lines = _original(project, path).split(b"\n")
    keys = {i: match.group(1) for i, line in enumerate(lines) if (match := _KEY_VALUE.match(line))}
    count = data.draw(st.integers(1, 3))
    for _ in range(count):
        index = data.draw(st.sampled_from(sorted(keys)))
        key = keys[index]
        value = data.draw(_YAML_VALUES).encode("utf-8", "surrogatepass")
        lines[index] = key + b" " + value
    _build_mutated(project, path, b"\n".join(lines))
