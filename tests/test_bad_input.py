"""Bad input: one line naming the file, the line and the fix; exit 2; site/ untouched, byte for byte."""

import pytest

from conftest import run_cli, snapshot

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


CASES = {
    "yaml syntax": (replace(MODELS, "    params_b: 22\n", "    params_b: [22\n"), f"{MODELS}:363:", "YAML syntax error"),
    "missing field": (replace(MODELS, "    params_b: 22\n", ""), f"{MODELS}:361:", "missing field 'params_b'"),
    "unknown field": (replace(MODELS, "    params_b: 22\n", "    params_b: 22\n    size: 3\n"), f"{MODELS}:363:",
                      "unknown field 'size'"),
    "wrong type": (replace(MODELS, "    params_b: 22\n", "    params_b: twenty-two\n"), f"{MODELS}:362:",
                   "must be a number"),
    "zero parameters": (replace(MODELS, "    params_b: 22\n", "    params_b: 0\n"), f"{MODELS}:362:",
                        "must be a positive number"),
    "negative parameters": (replace(MODELS, "    params_b: 22\n", "    params_b: -22\n"), f"{MODELS}:362:",
                            "must be a positive number"),
    "duplicate model id": (replace(MODELS, "  - id: Codestral-22B-v0.1\n", "  - id: Qwen2-7B-Instruct\n"),
                           f"{MODELS}:361:", "duplicate model id 'Qwen2-7B-Instruct' (first at line 42)"),
    "duplicate yaml key": (replace(MODELS, "    params_b: 22\n", "    params_b: 22\n    params_b: 23\n"),
                           f"{MODELS}:363:", "duplicate key 'params_b'"),
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
                                "templates/post.html.j2:7:",
                                "'nope' is undefined"),
    "site file missing field": (replace("content/site.yaml", "lang: zh-CN\n", ""), "content/site.yaml:2:",
                                "missing field 'lang'"),
    "yaml python tag": (replace(MODELS, "    params_b: 22\n", "    params_b: !!python/object/apply:os.system [ls]\n"),
                        f"{MODELS}:362:", "python/object"),
    "yaml alias": (replace(MODELS, "    params_b: 22\n", "    params_b: &n 22\n    note: *n\n"), f"{MODELS}:363:",
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
    assert result.err.startswith(f"error: {MODELS}:362: not UTF-8"), result.err


def test_usage_error_exits_2_with_one_line(capsys):
    result = run_cli("frobnicate")
    assert result.code == 2
    assert result.err.startswith("error: verb: invalid choice: 'frobnicate' (choose from ")
    assert result.err.endswith("; see `python -m generator --help`\n") and result.err.count("\n") == 1
    assert capsys.readouterr().err == ""  # no usage block printed beside it


def test_missing_content_folder(project):
    result = run_cli("build", "--content", "nowhere")
    assert result.code == 2 and result.err.startswith("error: nowhere: content folder not found")
