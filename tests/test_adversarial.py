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

from conftest import ROOT, copy_built, snapshot
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
def project(tmp_path_factory, built_once):
    """A built copy of content/ and templates/ (the session's build), the working directory for the module's tests."""
    root = tmp_path_factory.mktemp("adversarial")
    copy_built(built_once, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
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
    """Build with one content file replaced, into a scratch copy of the site kept from one example to the next: a
    build that fails must leave it byte for byte as it was; one that succeeds leaves its own output there, which is
    where the next example starts (copying the whole site afresh for each example took most of these tests' time)."""
    site = project / "scratch-site"
    if not site.exists():
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


# -- estimate's flags: bounded, one line, never a hang or exit 3 ----------------------------------------------------

ESTIMATE = ["estimate", "--config", "Qwen2-7B-Instruct", "--quantization", "bf16"]
FLAG_CASES = {
    "--gpus 10**9 (a tuple per GPU: hung)": (["--context", "4096", "--gpus", str(10 ** 9)], "--gpus must be at most 4,096 GPUs"),
    "--context 10**300": (["--context", str(10 ** 300)], "--context must be at most 16,777,216 tokens"),
    "--context 10**300 on vLLM": (["--context", str(10 ** 300), "--framework", "vllm", "--gpu", "H200"],
                                  "--context must be at most 16,777,216"),
    "--generate 10**300": (["--context", "1", "--generate", str(10 ** 300)], "--generate must be at most 16,777,216 tokens"),
    "--batch 10**9": (["--context", "1", "--batch", str(10 ** 9)], "--batch must be at most 65,536 sequences"),
    "--context 0": (["--context", "0"], "--context must be at least 1, not 0"),
    "--generate -1": (["--context", "1", "--generate", "-1"], "--generate must be at least 0, not -1"),
    "--quantization of 300 characters": (["--context", "1", "--quantization", "q" * 300],
                                         "--quantization is 300 characters long"),
    "--gpu of 300 characters": (["--context", "1", "--gpu", "G" * 300], "--gpu is 300 characters long"),
    "--config of 5000 characters": (["--context", "1", "--config", "c" * 5000], "--config is 5,000 characters long"),
}


@pytest.mark.parametrize("case", sorted(FLAG_CASES))
def test_estimate_flags_are_bounded(project, case):
    extra, message = FLAG_CASES[case]
    before = snapshot(project / "site")
    code, out, err = run(ESTIMATE + extra)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: " + message), err
    assert "; " in lines[0] and len(lines[0]) < 400
    assert snapshot(project / "site") == before


def test_estimate_at_every_maximum_answers(project):
    """The largest values the bounds allow still give an answer (no hang, no exit 3), on every engine."""
    from generator.core import limits
    for framework in ("transformers==4.38.2", "vllm", "llama.cpp"):
        code, out, err = run(["estimate", "--config", "Qwen3-235B-A22B", "--quantization", "bf16", "--context",
                              str(limits.MAX_TOKENS), "--generate", str(limits.MAX_TOKENS), "--batch",
                              str(limits.MAX_BATCH), "--gpus", str(limits.MAX_GPUS), "--framework", framework,
                              "--gpu", "H200", "--json"])
        assert code in (0, 2) and "internal error" not in err and "Traceback" not in err, err
        if code == 2:  # vLLM refuses a tensor-parallel size that does not divide the heads, as vLLM itself does
            assert framework == "vllm" and "tensor parallel size" in err, err
            continue
        assert json.loads(out)["gpus"] == limits.MAX_GPUS


# -- the post sandbox: what a template may build, bounded, at the post's line --------------------------------------

SANDBOX_CASES = {
    "a list repeated past the limit": ('{{ ([1] * 100000) * 100000 }}', "more than 1,000,000"),
    "a string doubled with +": ('{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}'
                                '{% endfor %}', "more than 1,000,000"),
    "a {% set %} block doubled": ('{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set b %}{{ ns.s }}'
                                  '{{ ns.s }}{% endset %}{% set ns.s = b %}{% endfor %}', "more than 1,000,000"),
    "str.center(10**9)": ('{{ "x".center(1000000000) }}', "too large a count or width"),
    "printf width": ('{{ "%0999999999d" % 1 }}', "format width or precision"),
    "printf width from an argument": ('{{ "%*d" % (999999999, 1) }}', "too large a count or width"),
    "str.format width from an argument": ('{{ "{:>{w}}".format(1, w=999999999) }}', "too large a count or width"),
    "the format filter": ('{{ "%999999999s"|format(1) }}', "format width or precision"),
    "join of a long list": ('{% set s = "x" * 1000000 %}{{ ([s] * 1000)|join }}', "1,000,000,000 characters"),
    "str.join of a long list": ('{% set s = "x" * 1000000 %}{{ "".join([s] * 1000) }}', "1,000,000,000 characters"),
    "join of a lazy sequence": ('{% set s = "x" * 1000000 %}{{ ([s] * 1000)|select|join }}', "1,000,000,000"),
    "str.join of a lazy sequence": ('{% set s = "x" * 1000000 %}{{ "".join(([s] * 1000)|select) }}', "1,000,000,000"),
    "replace that grows": ('{% set s = "x" * 1000000 %}{{ s|replace("x", "yy") }}', "2,000,000 characters"),
    "indent of many lines": ('{% set s = "\\n" * 100000 %}{{ s|indent(1000) }}', "more than 1,000,000"),
    "batch of 10**9": ('{{ [1]|batch(1000000000, 0)|list|length }}', "too large a count or width"),
    "sum of many lists": ('{% set l = [[1] * 1000] * 1000 %}{{ l|sum(start=[])|length }}', "more than 1,000,000"),
    "wordwrap (seconds on a long line)": ('{{ ("x" * 100000)|wordwrap(1) }}', "No filter named 'wordwrap'"),
    "random (not deterministic)": ('{{ [1, 2]|random }}', "No filter named 'random'"),
    "a range in a loop in a loop": ('{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}',
                                    "more than 50,000 loop steps"),
}


@pytest.mark.parametrize("case", sorted(SANDBOX_CASES))
def test_post_sandbox_bounds(case):
    from generator.core.errors import GeneratorError
    from generator.render.pages import _render_located, post_environment
    source, message = SANDBOX_CASES[case]
    with pytest.raises(GeneratorError) as caught:
        _render_located("first line\n\n" + source + "\n", "content/posts/2024-01-01-x.md", 10, post_environment(), {})
    assert (caught.value.path, caught.value.line) == ("content/posts/2024-01-01-x.md", 12), str(caught.value)
    assert message in str(caught.value), str(caught.value)


def test_post_sandbox_renders_ordinary_templates_as_jinja_does():
    import jinja2.sandbox
    from generator.render.pages import post_environment
    source = ('{% for i in range(3) %}{{ i ~ "a" }}{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}\n'
              '{{ "%5.2f" % 3.14159 }} {{ "{:>6}".format("x") }} {{ [1, 2]|join(",") }} {{ "a b"|replace("a", "c") }}\n'
              '{% set b %}{{ "x" * 3 }}{% endset %}{{ b|center(7) }} {{ [[1], [2]]|sum(start=[]) }}\n'
              '{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(1) }}{% for k, v in {"a": 1}.items() %}{{ k }}={{ v }}'
              '{% endfor %}\n')
    from generator.render import escape
    # The same escaping of printed values (finalize) on both sides: only the guards' effect is compared.
    plain = jinja2.sandbox.SandboxedEnvironment(keep_trailing_newline=True, trim_blocks=True,
                                                finalize=escape.markdown_value)
    ours = post_environment()
    ours.start_render()
    assert ours.from_string(source).render() == plain.from_string(source).render()
