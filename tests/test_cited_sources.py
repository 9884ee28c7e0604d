"""Every issue or pull request a comment in generator/ cites by number is in the data with its URL (issue 23, item 4):
a log of content/benchmarks/ (its `url`), or an entry of benchmarks/cited_sources.yaml naming the citing file; every
log id a comment names (issue-13061-4090-tp2) is a log of content/benchmarks/; and the register lists nothing no
file cites any more."""

from __future__ import annotations

import glob
import os
import re

import pytest

from conftest import ROOT
from generator.core.yamlio import read_yaml_file

REGISTER = read_yaml_file(os.path.join(ROOT, "benchmarks", "cited_sources.yaml"))["sources"]
LOG_FILES = sorted(glob.glob(os.path.join(ROOT, "content", "benchmarks", "*.yaml")))
SOURCES = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "generator", "**", "*.py"),
                                                             recursive=True))
# "#10517", "(#13833", never "#222222" inside a string (a colour) or "a#1".
NUMBER = re.compile(r"(?:^|[\s(])#(\d{3,})\b")
LOG_ID = re.compile(r"\bissue-\d+-[a-z0-9-]+[a-z0-9]\b")


def _text(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as handle:
        return handle.read()


def _log_urls_and_ids():
    urls, ids = set(), set()
    for path in LOG_FILES:
        text = _text(os.path.relpath(path, ROOT))
        urls.update(re.findall(r"url:\s*(\S+)", text))
        ids.update(re.findall(r"^\s*- id:\s*(\S+)", text, re.M))
    return urls, ids


LOG_URLS, LOG_IDS = _log_urls_and_ids()


def _ends_with_number(url, number):
    return re.search(rf"/(issues|pull|discussions)/{number}$", url) is not None


def test_the_register_entries_are_complete():
    for entry in REGISTER:
        assert entry["kind"] in ("log", "measurement", "code"), entry
        number = entry["ref"].rsplit("#", 1)[1]
        assert entry["url"].startswith("https://github.com/") and _ends_with_number(entry["url"], number), entry
        assert entry["cited_in"] and all(path in SOURCES for path in entry["cited_in"]), entry
        if entry["kind"] != "code":   # a log or a measurement was read, and what is taken from it is quoted
            assert entry.get("checked") and entry.get("quote"), entry


@pytest.mark.parametrize("relative", SOURCES)
def test_every_number_a_comment_cites_is_in_the_data_with_its_url(relative):
    missing = []
    for number in sorted(set(NUMBER.findall(_text(relative))), key=int):
        in_logs = any(_ends_with_number(url, number) for url in LOG_URLS)
        registered = any(_ends_with_number(e["url"], number) and relative in e["cited_in"] for e in REGISTER)
        if not (in_logs or registered):
            missing.append(f"#{number}")
    assert not missing, (f"{relative} cites {', '.join(missing)}: add the log to content/benchmarks/ or the source to "
                         "benchmarks/cited_sources.yaml with its URL, or drop the citation")


@pytest.mark.parametrize("relative", SOURCES)
def test_every_log_id_a_comment_names_is_a_log_of_the_data(relative):
    named = set(LOG_ID.findall(_text(relative)))
    assert named <= LOG_IDS, sorted(named - LOG_IDS)


def test_the_register_lists_only_what_is_cited():
    for entry in REGISTER:
        number = entry["ref"].rsplit("#", 1)[1]
        for relative in entry["cited_in"]:
            assert number in NUMBER.findall(_text(relative)), (entry["ref"], relative)


def test_the_quoted_words_are_the_comments_own():
    """Where a comment quotes its source, it quotes what the register says the source says."""
    for entry in REGISTER:
        quote = entry.get("quote")
        if not quote or entry["kind"] == "code":
            continue
        said = " ".join(" ".join(_text(r) for r in entry["cited_in"]).replace("#", " ").split())
        first_words = " ".join(quote.replace("...", " ").split()[:3])
        assert first_words in said, (entry["ref"], first_words)
