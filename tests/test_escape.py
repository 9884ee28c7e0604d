"""Names are data, never markup: a hostile-name corpus put into models.yaml, a benchmark, gpus.yaml and a post's
front matter, built, and every output file scanned (and, where Jekyll is installed, rendered by Jekyll)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
import yaml

from conftest import GOLDEN, ROOT, SEED_POST, run_cli
from generator.render import escape
from generator.site.check import html_tables, markdown_tables
from generator.core.errors import GeneratorError

LONG = "L" * 100 + "-very-long-model-name"  # longer than a slug (80), within a name (128)
# A line break, U+2028/2029 or another control character in a name is refused at load (generator/core/fields.py, with
# its file and line: tests/test_bad_input.py), so it never reaches an output; the names below are all accepted.
HOSTILE = [
    "evil](javascript:alert(1))",
    "[x](javascript:alert(1))",
    "a|b|c",
    "{{ 7*7 }}",
    "{% raw %}",
    "{% endraw %}",
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "</script><script>alert(2)</script>",
    "--- front",
    "*emph* _u_ `code` $$x$$ ~~s~~",
    "{::nomarkdown}<b>x</b>{:/}",
    "{: .evil onclick=alert(1)}",
    "java&#115;cript&#58;alert(1)",
    LONG,
]
HOSTILE_GPU = "GPU|<i>{{ 7*7 }}</i>"
# A benchmark row's quantization must name a format the estimator knows (refused at load otherwise), so no
# hostile label can reach an output; the hostile benchmark keeps a valid one.
HOSTILE_QUANT = "BF16"
HOSTILE_TITLE = '--- {{ 7*7 }} {% raw %} <script>alert(1)</script> " onmouseover="x'
POST = "2026-11-27-hostile-names.md"
ARCHITECTURE = """    config:
      architectures: [Qwen2ForCausalLM]
      hidden_size: 896
      num_hidden_layers: 24
      num_attention_heads: 14
      num_key_value_heads: 2
      intermediate_size: 4864
      vocab_size: 151936
      max_position_embeddings: 32768
"""


def _jinja_string(text: str) -> str:
    # JSON string syntax is also a Jinja string literal (\\n, \\uXXXX and \\" escapes).
    return json.dumps(text)


def _hostile_content(folder) -> None:
    content = folder / "content"
    models = content / "models.yaml"
    extra = "".join(f"  - id: {escape.yaml_scalar(name)}\n    params_b: 0.5\n{ARCHITECTURE}" for name in HOSTILE)
    models.write_text(models.read_text(encoding="utf-8").replace("models:\n", "models:\n" + extra, 1), encoding="utf-8")
    gpus = content / "gpus.yaml"
    gpus.write_text(gpus.read_text(encoding="utf-8") + f"  - name: {escape.yaml_scalar(HOSTILE_GPU)}\n"
                    "    memory: 24\n    memory_unit: GiB\n    source: https://example.com/gpu\n"
                    "    cuda_total_gib: 23.5\n    cuda_total_source: derived for the test\n    cuda_total_derived: true\n",
                    encoding="utf-8")
    rows = "".join(f"- model: {escape.yaml_scalar(HOSTILE[0])}\n  quantization: {escape.yaml_scalar(HOSTILE_QUANT)}\n"
                   f"  input_length: {tokens}\n  gpus: 1\n  memory_gib: {memory}\n"
                   for tokens, memory in ((1, 1.5), (6144, 2.5)))
    (content / "benchmarks" / "hostile.yaml").write_text(
        "source:\n  title: a hostile benchmark\n  url: https://example.com/bench\n"
        "environment:\n  gpu: x\n  transformers: 4.38.2\n  batch_size: 1\n  generated_tokens: 2048\n"
        f"rows:\n{rows}", encoding="utf-8")
    ids = "[" + ", ".join(_jinja_string(name) for name in HOSTILE) + "]"
    body = "\n\n".join([
        "Prose: " + " / ".join("{{ model(%s).id }}" % _jinja_string(name) for name in HOSTILE),
        f'{{{{ load_table(models={ids}, bits=16) }}}}',
        f'{{{{ memory_table(models={ids}, quantizations=["bf16"], contexts=[4096], '
        'framework="transformers==4.46.0") }}',
        f'{{{{ max_context_table(runs=[[{_jinja_string(HOSTILE[2])}, "bf16"]], gpus=[{_jinja_string(HOSTILE_GPU)}], '
        'framework="transformers==4.46.0") }}',
        f'{{{{ benchmark_table(models=[{_jinja_string(HOSTILE[0])}], quantization={_jinja_string(HOSTILE_QUANT)}) }}}}',
        f'{{{{ context_chart("hostile", {_jinja_string(HOSTILE_TITLE)}, runs=[[{_jinja_string(HOSTILE[4])}, "bf16"]], '
        'contexts=[1024, 4096], framework="transformers==4.46.0") }}',
        "[the benchmark]({{ benchmark(\"hostile\").source.url }})",
    ])
    (content / "posts" / POST).write_text(
        f"---\nlayout: post\ntitle: {escape.yaml_scalar(HOSTILE_TITLE)}\ndate: 2026-11-27 09:00:00 +0800\n---\n"
        f"{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name in ("content", "templates"):
        shutil.copytree(os.path.join(ROOT, name), folder / name)
    _hostile_content(folder)
    args = ("--content", str(folder / "content"), "--templates", str(folder / "templates"))
    result = run_cli("build", *args, "--out", str(folder / "site"))
    assert result.code == 0, result.err
    check = run_cli("check", *args, "--site", str(folder / "site"))
    assert check.code == 0, check.out + check.err
    files = {}
    for dirpath, _, names in os.walk(folder / "site"):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, folder / "site").replace(os.sep, "/")] = handle.read()
    return folder, files


def _texts(files, *suffixes):
    return {p: b.decode("utf-8") for p, b in files.items() if p.endswith(suffixes)}


def _body(markdown: str) -> str:
    """A post without its front matter (copied verbatim from the source; Jekyll runs no Liquid over it)."""
    return markdown.split("\n---\n", 1)[1]


# ---------------------------------------------------------------- the built site, scanned

_DESTINATION = re.compile(r"\]\(\s*<?([^)\s>]*)")


def test_the_hostile_post_and_every_name_were_built(hostile_site):
    _, files = hostile_site
    assert f"_posts/{POST}" in files and "posts/hostile-names.html" in files
    shown = html.unescape(files["posts/hostile-names.html"].decode("utf-8"))
    # (The benchmark's quantization label names rows in check's messages; no table shows it.)
    for name in HOSTILE + [HOSTILE_GPU, HOSTILE_TITLE]:
        assert name in shown, name


def test_no_markdown_link_to_anything_but_http_or_this_site(hostile_site):
    _, files = hostile_site
    markdown = _texts(files, ".md")
    assert markdown
    for path, text in markdown.items():
        for target in _DESTINATION.findall(_body(text)):
            # kramdown copies character references into the href, where the browser decodes them.
            assert escape.url_scheme(unquote(html.unescape(target))) in (None, "http", "https"), (path, target)
    hostile = _body(markdown[f"_posts/{POST}"])
    assert "javascript:" in html.unescape(hostile)  # the names are there, as text
    for name in HOSTILE:
        assert name not in hostile or not re.search(r"[\[\]{}|<>\n]", name), name


def test_no_liquid_in_any_jekyll_processed_file(hostile_site):
    _, files = hostile_site
    for path, text in _texts(files, ".md", ".html", ".svg").items():
        if path.startswith("_layouts/"):
            continue  # the Jekyll layouts are our own Liquid
        text = _body(text) if path.endswith(".md") else text
        if path.startswith("_includes/"):
            # Our own include: one {% raw %} block around the picker; no name may open or close a tag inside it.
            assert text.startswith("{% raw %}") and text.endswith("{% endraw %}\n"), path
            text = text[len("{% raw %}"): -len("{% endraw %}\n")]
        if path == "home.html":
            # Jekyll's index is our own Liquid (a loop over site.posts around raw blocks): the hostile site's has
            # exactly the tags the ordinary site's has, so no name added or closed one.
            with open(os.path.join(ROOT, "site", "home.html"), encoding="utf-8") as handle:
                ordinary = handle.read()
            assert re.findall(r"\{[{%#].*?[}%#]\}", text) == re.findall(r"\{[{%#].*?[}%#]\}", ordinary), path
            continue
        # Jekyll runs Liquid over files with front matter (the posts); none of the others may carry a tag either,
        # in case a blog inlines them.
        assert not re.search(r"\{[{%#]", text), (path, re.search(r".{0,40}\{[{%#].{0,40}", text))


def test_every_table_row_has_as_many_cells_as_its_header(hostile_site):
    _, files = hostile_site
    tables = 0
    for path, text in _texts(files, ".md", ".html").items():
        found = markdown_tables(text) if path.endswith(".md") else html_tables(text)
        for table in found:
            tables += 1
            for row in table.rows:
                assert len(row.cells) == len(table.header), (path, table.line, row.line, row.cells)
    assert tables > 10


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _tags(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


def _ordinary_scripts() -> list:
    found = []
    for dirpath, _, names in os.walk(os.path.join(ROOT, "site")):
        for name in names:
            if name.endswith(".html"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
                    found += [attrs for tag, attrs in _tags(handle.read()).tags if tag == "script"]
    return found


def test_no_html_tag_or_attribute_comes_from_a_name(hostile_site):
    _, files = hostile_site
    ordinary = _ordinary_scripts()  # parsed once: the committed site's pages (per script, it took minutes)
    for path, text in _texts(files, ".html").items():
        parsed = _tags(text)
        for tag, attrs in parsed.tags:
            # The hostile names carry bare <b> and <i>; the site's own bold (the result bar's) has an id.
            assert tag not in ("iframe", "object", "embed") and not (tag in ("b", "i") and attrs == {}), (path, tag)
            assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
            for name in ("href", "src"):
                if attrs.get(name):
                    assert escape.url_scheme(attrs[name]) in (None, "http", "https"), (path, attrs)
        scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
        # Only the site's own scripts (the calculator's, the picker's, the tables'), exactly as an ordinary build
        # has them: no script tag or attribute comes from a name.
        assert all(script in ordinary for script in scripts), (path, scripts)
    for path, text in _texts(files, ".md").items():
        assert not re.search(r"<(script|b|i)\b", _body(text)), path


def test_the_json_in_the_calculator_page_cannot_close_its_script(hostile_site):
    _, files = hostile_site
    page = files["calculator/index.html"].decode("utf-8")
    start = page.index('<script type="application/json" id="estimator-data">') + len(
        '<script type="application/json" id="estimator-data">')
    embedded = page[start:page.index("</script>", start)]
    assert not re.search(r"</|<!--|\]\]>|[\u2028\u2029]", embedded)
    data = json.loads(embedded)
    assert data == json.loads(files["calculator/estimator-data.json"])
    assert set(HOSTILE) <= {model["id"] for model in data["models"]}


def test_every_svg_is_well_formed_and_its_labels_are_text(hostile_site):
    _, files = hostile_site
    chart = files["images/charts/hostile-names-hostile.svg"].decode("utf-8")
    root = ET.fromstring(chart)
    assert root.find("{http://www.w3.org/2000/svg}title").text == HOSTILE_TITLE
    for path, text in _texts(files, ".svg").items():
        for element in ET.fromstring(text).iter():
            assert not element.tag.endswith(("script", "foreignObject")), path
            assert not any(name.startswith("on") for name in element.attrib), path


def test_model_pages_have_bounded_visible_names(hostile_site):
    _, files = hostile_site
    pages = [p for p in files if p.startswith("models/")]
    assert len(pages) >= len(HOSTILE)
    for path in pages:
        name = path.removeprefix("models/").removesuffix(".html")
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) and len(name) <= escape.MAX_SLUG, path


def test_the_seed_post_is_unchanged_by_escaping(hostile_site):
    _, files = hostile_site
    with open(GOLDEN, "rb") as handle:
        assert files[SEED_POST] == handle.read()


# ---------------------------------------------------------------- real Jekyll

JEKYLL = shutil.which("jekyll")


@pytest.mark.skipif(JEKYLL is None and not os.environ.get("CI"), reason="jekyll is not installed")
def test_jekyll_renders_the_hostile_post_as_text(hostile_site, tmp_path):
    assert JEKYLL, "jekyll is not installed; .ci/run installs Debian's jekyll package"
    folder, files = hostile_site
    # Only the hostile post and the layouts: the other posts are Jekyll's concern in test_jekyll.py.
    source = tmp_path / "source"
    for path in ("_config.yml", "_layouts/default.html", "_layouts/post.html", f"_posts/{POST}"):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_bytes(files[path])
    result = subprocess.run([JEKYLL, "build", "--disable-disk-cache", "--source", str(source), "--destination",
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rendered = (tmp_path / "out" / "2026/11/27/hostile-names.html").read_text(encoding="utf-8")
    parsed = _tags(rendered)
    for tag, attrs in parsed.tags:
        # The layout's own table script is the only script; no bare <b>/<i> (the hostile names' tags) survives.
        assert tag != "script" or attrs == {"src": "/assets/site.js"}, (tag, attrs)
        assert not (tag in ("b", "i") and attrs == {}), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs:
            assert escape.url_scheme(attrs["href"]) in (None, "http", "https"), attrs
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert "{{ 7*7 }}" in text and "{% raw %}" in text and "{% endraw %}" in text
    assert not re.search(r"(?<![\d.])49(?![\d.])", text)  # Liquid evaluated nothing
    title = re.search(r"<h1>(.*?)</h1>", rendered, re.S).group(1)
    assert html.unescape(title) == HOSTILE_TITLE
    # Every table cell reads as the build's own HTML has it, whatever kramdown made of the Markdown.
    got = html_tables(rendered)
    want = html_tables(files["posts/hostile-names.html"].decode("utf-8"))
    assert [[r.cells for r in t.rows] for t in got] == [[r.cells for r in t.rows] for t in want]


# ---------------------------------------------------------------- refusals

def test_a_post_printing_a_javascript_value_is_refused_at_its_line(project):
    # The validation post prints the benchmark's GPU into its prose, where an author might have put it in a link.
    bench = project / "content" / "benchmarks" / "qwen2-speed-benchmark.yaml"
    text = bench.read_text(encoding="utf-8")
    bench.write_text(text.replace("  gpu: NVIDIA A100 80GB\n", "  gpu: ' javascript:alert(1)'\n", 1), encoding="utf-8")
    post = "content/posts/2026-11-25-vram-estimate-vs-measured.md"
    line = next(n for n, text in enumerate((project / post).read_text(encoding="utf-8").splitlines(), 1)
                if "{{ env.gpu }}" in text)
    result = run_cli("build")
    assert result.code == 2
    assert f"{post}:{line}: the value ' javascript:alert(1)' would be a javascript: link" in result.err, result.err
    assert not (project / "site").exists()


def test_two_models_whose_pages_would_share_a_name_are_refused(project):
    models = project / "content" / "models.yaml"
    text = models.read_text(encoding="utf-8")
    extra = "".join(f"  - id: {name}\n    params_b: 0.5\n{ARCHITECTURE}" for name in ("CaseModel", "casemodel"))
    models.write_text(text.replace("models:\n", "models:\n" + extra, 1), encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2
    line = text.index("models:\n")
    line = text[:line].count("\n") + 1 + 1 + ARCHITECTURE.count("\n") + 2  # the second entry's "- id:" line
    assert f"content/models.yaml:{line}: models 'CaseModel' and 'casemodel' would share the page" in result.err
    assert not (project / "site").exists()  # nothing written


def test_two_charts_at_one_path_are_refused(project):
    posts = project / "content" / "posts"
    chart = ('{{ context_chart("%s", "t", runs=[["Qwen2-7B-Instruct", "bf16"]], contexts=[1024], '
             'framework="transformers==4.46.0") }}\n')
    (posts / "2026-11-28-a-b.md").write_text("---\nlayout: post\ntitle: x\ndate: 2026-11-28\n---\n" + chart % "c",
                                             encoding="utf-8")
    (posts / "2026-11-28-a.md").write_text("---\nlayout: post\ntitle: x\ndate: 2026-11-28\n---\n" + chart % "b-c",
                                           encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2 and "images/charts/a-b-c.svg would be written twice" in result.err, result.err
    assert not (project / "site").exists()  # nothing written


def test_a_post_slug_longer_than_the_bound_is_refused(project):
    name = "2026-11-28-" + "a" * (escape.MAX_SLUG + 1) + ".md"
    (project / "content" / "posts" / name).write_text("---\nlayout: post\ntitle: x\ndate: 2026-11-28\n---\n",
                                                    encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2 and f"more than {escape.MAX_SLUG}" in result.err and name in result.err
    assert not (project / "site").exists()  # nothing written


def test_a_chart_name_longer_than_the_bound_is_refused_at_its_line(project):
    post = project / "content" / "posts" / "2026-11-28-charts.md"
    post.write_text("---\nlayout: post\ntitle: x\ndate: 2026-11-28\n---\n\n"
                    '{{ context_chart("%s", "t", runs=[["Qwen2-7B-Instruct", "bf16"]], contexts=[1024], '
                    'framework="transformers==4.46.0") }}\n' % ("c" * (escape.MAX_SLUG + 1)), encoding="utf-8")
    result = run_cli("build")
    assert result.code == 2 and "content/posts/2026-11-28-charts.md:7: a chart name" in result.err, result.err
    assert not (project / "site").exists()  # nothing written


# ---------------------------------------------------------------- each function on its own

SAMPLES = HOSTILE + [HOSTILE_GPU, HOSTILE_QUANT, HOSTILE_TITLE, "Qwen2.5-7B-Instruct", "Q4_K_M", "-3.2%", "1.27",
                     "1. item", "- item", "===", "a--b", "x...", "tab\there", "C# & C++ 'quoted'", "\\[x\\]"]


@pytest.mark.parametrize("text", SAMPLES)
def test_markdown_text_reads_back_as_written_and_forms_no_syntax(text):
    escaped = escape.markdown_text(text)
    assert html.unescape(escaped) == text
    assert not re.match(r"[-+:](\s|$)|[0-9]+[.)](\s|$)|=+\s*$", escaped), escaped
    escaped = re.sub(r"&(#[0-9]+|[a-z]+);", "", escaped)  # what is left besides the character references
    assert not re.search(r"[\[\]{}|<>`\\*~$#\n\r\u2028\u2029\"']", escaped), escaped
    assert not re.search(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|--|\.\.\.", escaped), escaped


@pytest.mark.parametrize("text", ["Qwen2-7B-Instruct", "Qwen2.5-0.5B-Instruct", "1.27", "-3.2%", "4096", "Q4_K_M",
                                  "显存（G）", "RTX 3090", "glm-4-9b-chat"])
def test_ordinary_text_is_left_as_it_is(text):
    assert escape.markdown_text(text) == text
    assert escape.html_text(text) == text
    assert escape.xml_text(text) == text


@pytest.mark.parametrize("text", SAMPLES)
def test_liquid_text_leaves_no_brace(text):
    escaped = escape.liquid_text(text)
    assert escaped.replace("&#123;", "{").replace("&#125;", "}") == text and not re.search("[{}]", escaped)


@pytest.mark.parametrize("text", SAMPLES)
def test_html_text_reads_back_and_breaks_no_attribute(text):
    escaped = escape.html_text(text)
    assert html.unescape(escaped) == text
    assert not re.search(r"[<>\"']|\{[{%#]", escaped)


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "\x01javascript:alert(1)", "vbscript:x", "data:text/html,<script>", "file:///etc",
                                 "mailto:x@y", "//evil.example", "\\\\evil.example", " //evil.example"])
def test_unsafe_link_targets_are_refused(url):
    with pytest.raises(GeneratorError):
        escape.safe_url(url)
    with pytest.raises(GeneratorError):
        escape.markdown_url(url)
    with pytest.raises(GeneratorError):
        escape.html_url(url)


@pytest.mark.parametrize("url", ["https://qwen.readthedocs.io/zh-cn/latest/benchmark/speed_benchmark.html",
                                 "http://example.com/a(b)c?x=1&y=[2]#frag", "/models/qwen2-7b.html",
                                 "images/a b.svg", "../posts/x.html", "/images/基于Qwen2.xlsx",
                                 "/x{{ 7*7 }}|y", "java&#115;cript&#58;x"])
def test_safe_link_targets_are_kept_and_encoded_for_markdown(url):
    assert escape.safe_url(url) == url
    encoded = escape.markdown_url(url)
    assert not re.search(r"[\s()\[\]<>{}|`\\*]", encoded)
    assert unquote(html.unescape(encoded)) == url
    assert escape.url_scheme(unquote(html.unescape(encoded))) in (None, "http", "https")


def test_a_printed_value_is_text_a_url_or_refused():
    assert escape.markdown_value(escape.MarkdownSafe("| a |")) == "| a |"
    assert escape.markdown_value("[x](y)") == "&#91;x&#93;(y)"
    assert escape.markdown_value("https://a.example/b c") == "https://a.example/b%20c"
    assert escape.markdown_value(49) == "49"
    with pytest.raises(GeneratorError):
        escape.markdown_value(" javascript:alert(1)")


@pytest.mark.parametrize("text", SAMPLES + ["---", "a: b", "#x", "- y", "\ufeffbom", "\x85", "é\U0001F600", ""])
def test_yaml_scalar_reads_back_as_written(text):
    scalar = escape.yaml_scalar(text)
    assert yaml.safe_load(f"key: {scalar}\nnext: 1\n") == {"key": text, "next": 1}
    assert "\n" not in scalar and "---" not in scalar.splitlines()


@pytest.mark.parametrize("text", SAMPLES + ["</SCRIPT >", "<!-- x", "]]>", "{%", "&amp;"])
def test_script_json_is_the_same_json_and_cannot_close_its_script(text):
    source = json.dumps({"name": text, "nested": {"list": [text]}}, ensure_ascii=False)
    embedded = escape.script_json(source)
    assert json.loads(embedded) == json.loads(source)
    assert not re.search(r"[<>&\u2028\u2029]|\{[{%#]", embedded)


@pytest.mark.parametrize("text", SAMPLES + ["\x00\x01bell\x07", "a\ufffeb"])
def test_xml_text_and_attributes_parse_back(text):
    kept = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    element = ET.fromstring(f'<t a="{escape.xml_attribute(text)}">{escape.xml_text(text)}</t>')
    assert element.text in (kept, kept.replace("\r\n", "\n").replace("\r", "\n")) or (element.text is None and
                                                                                        not kept)
    assert not re.search(r"\{[{%#]", escape.xml_text(text))


@pytest.mark.parametrize("name", HOSTILE + ["", "...", ".hidden", "通义千问", "Qwen2.5-7B-Instruct", "x" * 500])
def test_path_slugs_are_bounded_visible_and_never_empty(name):
    slug = escape.path_slug(name)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) and len(slug) <= escape.MAX_SLUG
    assert escape.path_slug(name) == slug  # deterministic


def test_long_names_that_differ_past_the_cut_get_different_slugs():
    assert escape.path_slug("x" * 200 + "a") != escape.path_slug("x" * 200 + "b")
    assert escape.path_slug("Qwen2.5-7B-Instruct") == "qwen2-5-7b-instruct"


def test_a_workbook_cell_named_like_a_formula_stays_text():
    from openpyxl import Workbook
    from generator.tables.spreadsheet import _put_text
    sheet = Workbook().active
    assert _put_text(sheet, 1, 1, '=HYPERLINK("http://evil","x")').data_type == "s"


@pytest.mark.parametrize("text", SAMPLES + ["---", "...", "a\n---\nb", "x\n...\n", "\x85", "é" * 1200 + " x" * 600])
def test_converted_front_matter_reads_back_with_every_value_on_one_line(text):
    block = escape.front_matter_yaml({"title": text, "tags": [text, "b"], "draft": False, "weight": 3})
    assert yaml.safe_load(block) == {"title": text, "tags": [text, "b"], "draft": False, "weight": 3}
    lines = block.split("\n")
    assert len(lines) == 7 and not any(line.strip() in ("---", "...") for line in lines), block
    assert not re.search("[\r\x85\u2028\u2029]", block)
