"""Bad input: one line naming the file, the line and the fix; exit 2; site/ untouched, byte for byte."""

import functools
import os

import pytest

from conftest import ROOT, run_cli, snapshot

POST = "content/posts/2024-09-03-how-much-vram-is-required-for-llm-inference.md"
MODELS = "content/models.yaml"
BENCH = "content/benchmarks/qwen2-speed-benchmark.yaml"


def replace(path, old, new, count=1):
    def edit(root):
        file = root / path
        text = file.read_text(encoding="utf-8")
        assert old in text, old
        file.write_text(text.replace(old, new, count), encoding="utf-8")
    return edit


def write_bytes(path, data):
    def edit(root):
        (root / path).write_bytes(data)
    return edit


def _line_of(path: str, text: str) -> int:
    """The line of ``text`` in a file of the project (templates move; the error must name the right line)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return next(number for number, line in enumerate(handle, 1) if text in line)


# The line of the catalogue entry the cases below edit (entries above it grow: the tests follow it).
P22 = _line_of(MODELS, "    params_b: 22\n")

CASES = {
    # The "[" is on line P22; the parser notices at the next line's ':', and used to say that line.
    "yaml syntax": (replace(MODELS, "    params_b: 22\n", "    params_b: [22\n"), f"{MODELS}:{P22}:",
                    "YAML syntax error: while parsing a flow sequence"),
    "missing field": (replace(MODELS, "    params_b: 22\n", ""), f"{MODELS}:{P22 - 1}:", "missing field 'params_b'"),
    "unknown field": (replace(MODELS, "    params_b: 22\n", "    params_b: 22\n    size: 3\n"), f"{MODELS}:{P22 + 1}:",
                      "unknown field 'size'"),
    "wrong type": (replace(MODELS, "    params_b: 22\n", "    params_b: twenty-two\n"), f"{MODELS}:{P22}:",
                   "must be a number"),
    "zero parameters": (replace(MODELS, "    params_b: 22\n", "    params_b: 0\n"), f"{MODELS}:{P22}:",
                        "must be a positive number"),
    "negative parameters": (replace(MODELS, "    params_b: 22\n", "    params_b: -22\n"), f"{MODELS}:{P22}:",
                            "must be a positive number"),
    "duplicate model id": (replace(MODELS, "  - id: Codestral-22B-v0.1\n", "  - id: Qwen2-7B-Instruct\n"),
                           f"{MODELS}:{P22 - 1}:",
                           f"duplicate model id 'Qwen2-7B-Instruct' (first at line {_line_of(MODELS, 'id: Qwen2-7B-Instruct')})"),
    "duplicate yaml key": (replace(MODELS, "    params_b: 22\n", "    params_b: 22\n    params_b: 23\n"),
                           f"{MODELS}:{P22 + 1}:", "duplicate key 'params_b'"),
    "negative token count in benchmark": (replace(BENCH, "  input_length: 6144\n", "  input_length: -6144\n"),
                                          f"{BENCH}:46:", "must be above zero"),
    "zero gpus": (replace(BENCH, "  gpus: 1\n", "  gpus: 0\n"), f"{BENCH}:23:", "must be above zero"),
    "benchmark names unknown model": (replace(BENCH, "- model: Qwen2-0.5B-Instruct\n", "- model: Qwen9-0.5B\n"),
                                      f"{BENCH}:20:", "unknown model 'Qwen9-0.5B'"),
    "duplicate benchmark row": (replace(BENCH, "  input_length: 6144\n", "  input_length: 1\n"),
                                f"{BENCH}:44:", "duplicate benchmark row Qwen2-0.5B-Instruct BF16 1 tokens"),
    "post names unknown model": (replace(POST, '"Codestral-22B-v0.1", "Qwen2-72B-Instruct"], bits=16',
                                         '"Codestral-99B", "Qwen2-72B-Instruct"], bits=16'), f"{POST}:18:",
                                 "unknown model 'Codestral-99B'"),
    "post names unknown benchmark row": (replace(POST, '"BF16", 14336)', '"BF16", 14000)'), f"{POST}:32:",
                                         "no benchmark row for 'Qwen2-72B-Instruct' 'BF16' 14000"),
    "zero token count in post": (replace(POST, "tokens=[4000,", "tokens=[0,"), f"{POST}:33:",
                                 "each token count must be a positive whole number"),
    "negative bits in post": (replace(POST, "bits=16) }}", "bits=-16) }}"), f"{POST}:18:",
                              "bits must be a positive number"),
    "macro unknown argument": (replace(POST, "bits=16) }}", "bits=16, colour=1) }}"), f"{POST}:18:",
                               "load_table(): got an unexpected keyword argument 'colour'"),
    "macro missing argument": (replace(POST, ', bits=16) }}', ') }}'), f"{POST}:18:",
                               "load_table(): missing a required argument: 'bits'"),
    "undefined template variable": (replace(POST, '"rate_from": rate_7b},\n     {"model": "glm',
                                            '"rate_from": rate_8b},\n     {"model": "glm'), f"{POST}:33:",
                                    "undefined name: 'rate_8b' is undefined"),
    "huge power in a post": (replace(POST, "{% set rate_7b", "{{ 9**99999999 }}\n{% set rate_7b"), f"{POST}:31:",
                             "is too large to compute"),
    "attribute escape in a post": (replace(POST, "{% set rate_7b", "{{ benchmark_row.__globals__ }}\n{% set rate_7b"),
                                   f"{POST}:31:", "not allowed in a post"),
    "template syntax": (replace(POST, "{% set rate_7b", "{% sett rate_7b"), f"{POST}:31:", "template syntax error"),
    "post not utf-8": (write_bytes(POST, b"---\ntitle: x\n\xff\n---\n"), f"{POST}:3:", "not UTF-8"),
    "post without front matter": (replace(POST, "---\n", "", 1), f"{POST}:1:", "must start with a '---'"),
    "post front matter missing title": (replace(POST, "title:", "titel:"), f"{POST}:1:", "missing field 'title'"),
    "post date differs from name": (replace(POST, "date:   2024-09-03", "date:   2024-09-04"), f"{POST}:4:",
                                    "differs from the file name's 2024-09-03"),
    "page template undefined": (replace("templates/post.html.j2", "{{ body_html | safe }}", "{{ nope }}"),
                                f"templates/post.html.j2:{_line_of('templates/post.html.j2', '{{ body_html | safe }}')}:",
                                "'nope' is undefined"),
    "site file missing field": (replace("content/site.yaml", "lang: zh-CN\n", ""), "content/site.yaml:2:",
                                "missing field 'lang'"),
    "yaml python tag": (replace(MODELS, "    params_b: 22\n", "    params_b: !!python/object/apply:os.system [ls]\n"),
                        f"{MODELS}:{P22}:", "python/object"),
    "yaml alias": (replace(MODELS, "    params_b: 22\n", "    params_b: &n 22\n    note: *n\n"), f"{MODELS}:{P22 + 1}:",
                   "aliases are not allowed"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_one_located_line_and_leaves_site_untouched(built, case):
    edit, location, message = CASES[case]
    before = snapshot(built / "site")
    edit(built)
    for verb in ("build", "check"):
        result = run_cli(verb)
        assert result.code == 2, (verb, result.out, result.err)
        lines = result.err.splitlines()
        assert len(lines) == 1, result.err
        assert lines[0].startswith("error: ")
        if location:
            assert lines[0].startswith(f"error: {location} "), lines[0]
            assert message in lines[0], lines[0]
        assert "; " in lines[0]  # the fix follows the problem
    assert snapshot(built / "site") == before


def test_not_utf8_models_names_the_line(built):
    path = built / MODELS
    data = path.read_bytes().replace(b"params_b: 22\n", b"params_b: 22 \xe9\n")
    path.write_bytes(data)
    result = run_cli("build")
    assert result.code == 2
    assert result.err.startswith(f"error: {MODELS}:{P22}: not UTF-8"), result.err


def test_usage_error_exits_2_with_one_line(capsys):
    result = run_cli("frobnicate")
    assert result.code == 2
    assert result.err.startswith("error: verb: invalid choice: 'frobnicate' (choose from ")
    assert result.err.endswith("; see `python -m generator --help`\n") and result.err.count("\n") == 1
    assert capsys.readouterr().err == ""  # no usage block printed beside it


def test_missing_content_folder(project):
    result = run_cli("build", "--content", "nowhere")
    assert result.code == 2 and result.err.startswith("error: nowhere: content folder not found")


# -- YAML syntax errors name the line where the problem is -----------------------------------------------------

YAML_SYNTAX = {
    # text, the line to name: where the unclosed construct opens, not where the parser noticed (or past the end)
    "unclosed [ noticed on the next line": ("a: 1\nb: [22\nc: 3\n", 2),
    "unclosed [ at the end of the file": ("a: 1\nb: [22, 3\n", 2),
    "unclosed { noticed on the next line": ("a: 1\nb: {x: 22\nc: 3\n", 2),
    "unclosed [ noticed three lines later": ("a: [1,\n  2,\n  3\nb: 4\nc: 5\n", 1),
    "unclosed double quote": ('a: 1\nb: "abc\nc: 3\n', 2),
    "unclosed single quote at the end": ("a: 1\nb: 'abc\n", 2),
    "a key without its colon": ("a: 1\nb 22\nc: 3\n", 2),
    "a key without its colon on the last line": ("a: 1\nb:\n  - x: 1\n    y\n", 4),
    "the end of the file after blank lines": ("a: 1\nb: [1,\n\n\n", 2),
    # errors that are where the parser stands
    "bad indentation": ("a:\n  x: 1\n y: 2\nc: 3\n", 3),
    "a stray list item in a mapping": ("a: 1\n- b\n", 2),
    "a tab": ("a:\n\tb: 1\n", 2),
    "a second colon": ("a: b: c\nd: 1\n", 1),
    "a bad escape": ('a: 1\nb: "\\q"\n', 2),
    "a second document": ("a: 1\n---\nb: 2\n", 2),
}


@pytest.mark.parametrize("case", sorted(YAML_SYNTAX))
def test_yaml_syntax_error_names_the_line_of_the_problem(case):
    from generator.core.errors import GeneratorError
    from generator.core.yamlio import parse_yaml
    text, line = YAML_SYNTAX[case]
    with pytest.raises(GeneratorError) as caught:
        parse_yaml(text, "f.yaml")
    assert caught.value.message.startswith("YAML syntax error"), caught.value
    assert (caught.value.path, caught.value.line) == ("f.yaml", line), str(caught.value)
    assert 1 <= caught.value.line <= len(text.splitlines())


def test_yaml_syntax_error_in_front_matter_names_the_file_line():
    from generator.core.errors import GeneratorError
    from generator.catalogue.loading import parse_post
    text = '---\nlayout: post\ntitle: "abc\ndate: 2024-09-03\n---\nbody\n'
    with pytest.raises(GeneratorError) as caught:
        parse_post(text, "content/posts/2024-09-03-x.md")
    assert caught.value.line == 3, str(caught.value)


# -- every limit is documented ---------------------------------------------------------------------------------

def test_the_docs_list_every_limit_with_its_value():
    """docs/pages/robustness.md lists the limits through docs/hooks.py, which makes the table from limits.table()."""
    import importlib.util
    import os
    from conftest import ROOT
    from generator.core import limits
    with open(os.path.join(ROOT, "docs", "pages", "robustness.md"), encoding="utf-8") as handle:
        assert "<!-- generated: limits -->" in handle.read()
    spec = importlib.util.spec_from_file_location("docs_hooks", os.path.join(ROOT, "docs", "hooks.py"))
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    listed_in_docs = hooks.limits()
    names = [name for name in vars(limits) if name.startswith(("MAX_", "MIN_"))]
    listed = {name for name, _, _ in limits.table()}
    assert set(names) - {"MAX_PARAMS_B"} == listed
    for name, value, _ in limits.table():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
        assert f"| `{name}` | {shown} |" in listed_in_docs, name


# -- every field of every file: wrong type and out of range, refused at the field's line ------------------------

def _bad_values(spec):
    """Values that ``spec`` must refuse: the wrong type, and just outside its range."""
    from generator.core import limits
    nothing = [] if spec.nullable else [None]
    if spec.kind == "whole":
        return nothing + [1.5, "7", True, float("nan"), spec.high + 1, spec.low - 1]
    if spec.kind == "number":
        return nothing + ["x", "1.0", True, float("nan"), float("inf"), spec.high * 2,
                          spec.low if spec.low_open else spec.low - 1, 1.0e-320]
    if spec.kind == "flag":
        return nothing + ["false", "true", 0, 1]
    if spec.kind == "choice":
        return [None, 5, "not-" + spec.choices[0]]
    if spec.kind == "mapping":
        return [None, "x", [1]]
    if spec.kind == "names":
        return [None, "x", [], [5], ["a" * (limits.MAX_NAME_LENGTH + 1)], ["a\nb"]]
    bad = nothing + [5, True, [], {}, ""]
    if spec.kind in ("name", "version", "url", "lang"):
        bad += ["a" * (spec.high + 1), "a\nb"]
    return bad + {"version": ["four"], "url": ["javascript:alert(1)", "ftp://x"], "lang": ["<b>"]}.get(spec.kind, [])


@functools.lru_cache(maxsize=1)
def _catalogue():
    from generator.catalogue.loading import load_catalogue
    from conftest import ROOT
    import os
    return load_catalogue(os.path.join(ROOT, "content"))


def _field_cases():
    """(file, table, loader(data, path), where(data) -> the mapping checked against the table)."""
    from generator.catalogue import loading
    from generator.engines import profiles
    return {
        "frameworks": ("content/frameworks.yaml", profiles.FRAMEWORK_FIELDS, profiles.frameworks_from_data,
                       lambda data: data["frameworks"][3]),
        "gpus": ("content/gpus.yaml", profiles.GPU_FIELDS, profiles.gpus_from_data, lambda data: data["gpus"][0]),
        "models": ("content/models.yaml", loading.MODEL_FIELDS, loading.models_from_data,
                   lambda data: data["models"][0]),
        "models config": ("content/models.yaml", loading.CONFIG_FIELDS, loading.models_from_data,
                          lambda data: data["models"][0]["config"]),
        "models source": ("content/models.yaml", loading.SOURCE_FIELDS, loading.models_from_data,
                          lambda data: data["source"]),
        "site": ("content/site.yaml", loading.SITE_FIELDS,
                 lambda data, path: loading.site_from_data(data, path, _catalogue()), lambda data: data),
        "model pages": ("content/site.yaml", {k: v for k, v in loading.MODEL_PAGES_FIELDS.items() if k != "contexts"},
                        lambda data, path: loading.site_from_data(data, path, _catalogue()),
                        lambda data: data["model_pages"]),
        "benchmark environment": ("content/benchmarks/qwen2-speed-benchmark.yaml", loading.ENVIRONMENT_FIELDS,
                                  lambda data, path: loading.benchmark_from_data(
                                      data, path, _catalogue().models, _catalogue().frameworks),
                                  lambda data: data["environment"]),
        "benchmark row": ("content/benchmarks/qwen2-speed-benchmark.yaml", loading.ROW_FIELDS,
                          lambda data, path: loading.benchmark_from_data(
                              data, path, _catalogue().models, _catalogue().frameworks),
                          lambda data: data["rows"][0]),
    }


def _field_params():
    from generator.catalogue import loading
    from generator.engines import profiles
    tables = {"frameworks": profiles.FRAMEWORK_FIELDS, "gpus": profiles.GPU_FIELDS, "models": loading.MODEL_FIELDS,
              "models config": loading.CONFIG_FIELDS, "models source": loading.SOURCE_FIELDS,
              "site": loading.SITE_FIELDS, "model pages": loading.MODEL_PAGES_FIELDS,
              "benchmark environment": loading.ENVIRONMENT_FIELDS, "benchmark row": loading.ROW_FIELDS}
    for name, table in tables.items():
        for key, spec in table.items():
            if spec.kind == "any" or name == "model pages" and key == "contexts":
                continue
            yield pytest.param(name, key, id=f"{name}-{key}")


@pytest.mark.parametrize("name,key", list(_field_params()))
def test_every_field_refuses_the_wrong_type_and_range_at_its_line(name, key):
    import os
    from conftest import ROOT
    from generator.core.errors import GeneratorError
    from generator.core.yamlio import read_yaml_file
    path, table, loader, where = _field_cases()[name]
    text_path = os.path.join(ROOT, path)
    for bad in _bad_values(table[key]):
        data = read_yaml_file(text_path)
        mapping = where(data)
        mapping[key] = bad
        with pytest.raises(GeneratorError) as caught:
            loader(data, path)
        error = caught.value
        assert (error.path, error.line) == (path, mapping.line_of(key)), (key, bad, str(error))
        assert repr(key) in error.message or f"{key}[" in error.message, (key, bad, str(error))


def test_the_real_content_passes_every_field_table():
    catalogue = _catalogue()
    assert catalogue.models and catalogue.frameworks and catalogue.gpus
