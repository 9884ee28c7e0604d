"""The pages' own words (generator/render/i18n.py PAGE_WORDS): every message the pages show exists in every language, the
scripts and templates use only words that exist, and Chinese lines are joined without a stray space (issue 24)."""

import os
import re

import pytest

from conftest import ROOT
from generator.render import i18n
from generator.render.pages import join_cjk_lines, markdown_to_html

TEMPLATES = os.path.join(ROOT, "templates")
SCRIPTS = ["calculator/calculator.js", "picker.js", "site.js"]
CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _read(name: str) -> str:
    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("key", sorted(i18n.PAGE_WORDS))
def test_every_message_has_every_language_with_the_same_values(key):
    words = i18n.PAGE_WORDS[key]
    assert set(words) == set(i18n.LANGUAGES), key
    assert all(words[lang].strip() for lang in i18n.LANGUAGES), key
    values = {lang: sorted(re.findall(r"\{([a-z]+)\}", words[lang])) for lang in i18n.LANGUAGES}
    assert len({tuple(v) for v in values.values()}) == 1, (key, values)
    assert not CJK.search(words["en"]), (key, words["en"])


def _used_keys() -> set[str]:
    used = set()
    for name in SCRIPTS:
        used |= set(re.findall(r'\b(?:msg|word)\("([a-z][a-z0-9.-]+)"', _read(name)))
    for name in os.listdir(TEMPLATES):
        if name.endswith(".j2"):
            used |= set(re.findall(r'\bt\("([a-z][a-z0-9.-]+)"', _read(name)))
    # Built from a field's name: "url.unknown-" + the calculator's and the picker's fields.
    used |= {f"url.unknown-{field}" for field in ("model", "gpu", "framework", "kv-dtype", "context",
                                                    "quantization", "engine")}
    return {key for key in used if not key.endswith("-")}


def test_every_word_the_pages_use_exists():
    used = _used_keys()
    assert len(used) > 60
    missing = sorted(used - set(i18n.PAGE_WORDS))
    assert missing == [], f"words without a translation in generator/render/i18n.py PAGE_WORDS: {missing}"


def test_the_scripts_say_nothing_in_one_language_only():
    # Every message of the calculator and the picker comes from PAGE_WORDS: no Chinese literal is left in them.
    for name in ("calculator/calculator.js", "picker.js"):
        assert not CJK.search(_read(name)), name


def test_the_table_scripts_fallback_words_are_the_page_words():
    # site.js also runs in Jekyll's layouts, which have no page-words element: its fallbacks must be the same words.
    source = _read("site.js")
    for key in ("table.more", "table.filter", "table.filter-placeholder", "table.shown", "table.none"):
        zh, en = re.search(rf'"{re.escape(key)}": zh \? "([^"]*)" : "([^"]*)"', source).groups()
        assert (zh, en) == (i18n.PAGE_WORDS[key]["zh-CN"], i18n.PAGE_WORDS[key]["en"]), key


def test_a_page_that_runs_only_the_table_script_carries_the_words_it_reads():
    # Model and "what fits" pages carry pages.SCRIPT_WORDS["site.js"], not every word: the list is what site.js reads.
    from generator.render.pages import SCRIPT_WORDS
    read = set(re.findall(r'\bword\("([a-z][a-z0-9.-]+)"', _read("site.js")))
    assert len(read) == 5 and sorted(read) == sorted(SCRIPT_WORDS["site.js"])
    assert set(SCRIPT_WORDS) == {"site.js"}


def test_the_page_language_picks_the_words():
    assert i18n.page_word("url.unknown-model", "en", value="x") == "The link names a model “x” that is not in the list"
    assert i18n.page_word("url.unknown-model", "zh-CN", value="x") == "链接里的模型 “x” 不在列表中"


# -- Chinese lines joined without a space ---------------------------------------------------------------------------

@pytest.mark.parametrize("source,joined", [
    ("主体。\n从 4.45 起", "主体。从 4.45 起"),           # the example
    ("显存由\n   四部分组成", "显存由四部分组成"),          # a continued list item's indentation
    ("见\n[这篇文章](/a.html)", "见[这篇文章](/a.html)"),  # a link's bracket
    ("**加粗**\n文字", "**加粗**文字"),
    ("English\n中文", "English\n中文"),                    # a Latin end keeps its space
    ("中文\nEnglish", "中文\nEnglish"),
    ("## 标题\n正文", "## 标题\n正文"),                     # a heading stays its own line
    ("| 表 |\n中文", "| 表 |\n中文"),
    ("```\n代码\n代码\n```", "```\n代码\n代码\n```"),      # code is left as it is
    ("`代码\n代码`", "`代码\n代码`"),
    ("    缩进\n代码", "    缩进\n代码"),
    ("段落。\n\n新段落", "段落。\n\n新段落"),
])
def test_cjk_lines_are_joined_without_a_space(source, joined):
    assert join_cjk_lines(source) == joined


def test_the_html_of_a_wrapped_chinese_paragraph_has_no_space():
    assert markdown_to_html("这是第一行，\n这是第二行。\n\n    代码\n    代码\n") == \
        "<p>这是第一行，这是第二行。</p>\n<pre><code>代码\n代码\n</code></pre>"


def test_our_2026_post_sources_break_no_line_between_two_cjk_characters():
    folder = os.path.join(ROOT, "content", "posts")
    for name in sorted(os.listdir(folder)):
        if not name.startswith("2026-"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            text = handle.read()
        assert join_cjk_lines(text) == text, name


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(TEMPLATES) if n.endswith(".html.j2")))
def test_every_page_template_has_its_english_words(name):
    # An English page is the template with i18n.PAGE_TEXT_ENGLISH applied: no Chinese may be left in it.
    left = re.findall(f"[^\\n<>{{}}]*{CJK.pattern}+[^\\n<>{{}}]*", i18n.english_page(_read(name)))
    assert left == [], f"{name}: add these words to generator/render/i18n.py PAGE_TEXT_ENGLISH: {left}"
