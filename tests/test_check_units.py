"""`generator check FILE` (check_files: posts published elsewhere, say in a Jekyll repo) on the repository's plan,
without a build (the survivors of benchmarks/mutation.py, scope check): every file counted, bytes that are not UTF-8
read without a crash, a file that cannot be read or is too large refused with one line naming it and the fix."""

from __future__ import annotations

import os

import pytest

from conftest import repo_plan
from generator.core.errors import GeneratorError, program
from generator.site.check import check_files

SEED = "2024-09-03-how-much-vram-is-required-for-llm-inference.md"
GUIDE = "2026-11-25-llm-inference-vram-guide.md"


@pytest.fixture(scope="module")
def plan():
    return repo_plan()


def _published(plan, tmp_path, name, change=lambda data: data):
    path = tmp_path / name
    path.write_bytes(change(plan.files[f"_posts/{name}"]))
    return str(path)


def test_every_file_and_table_is_counted(plan, tmp_path):
    paths = [_published(plan, tmp_path, SEED), _published(plan, tmp_path, GUIDE)]
    report = check_files(plan, paths)
    assert report.ok and report.files == 2
    tables = plan.tables[f"_posts/{SEED}"] + plan.tables[f"_posts/{GUIDE}"]
    assert report.tables == len(tables) == 3 + 6
    assert report.cells == sum(len(t.columns) * len(t.rows) for t in tables)


def test_bytes_that_are_not_utf8_are_read_as_replacement_characters(plan, tmp_path):
    # A copy saved by another editor with one byte that is not UTF-8 in the prose: its tables still check.
    path = _published(plan, tmp_path, SEED, lambda data: data.replace("参考资料".encode(), b"\xff\xfe", 1))
    assert check_files(plan, [path]).ok


def test_a_missing_file_is_one_located_error(plan, tmp_path):
    missing = str(tmp_path / SEED)
    with pytest.raises(GeneratorError) as caught:
        check_files(plan, [missing])
    assert caught.value.path == missing and caught.value.fix == "check the path"
    assert caught.value.message == "cannot read file: No such file or directory"


def test_a_file_larger_than_any_post_is_refused_by_name(plan, tmp_path):
    path = tmp_path / SEED
    with open(path, "wb") as handle:
        handle.truncate(64 * 2 ** 20 + 1)  # sparse: one byte over generator/core/safeio.py MAX_PUBLISHED_BYTES
    with pytest.raises(GeneratorError) as caught:
        check_files(plan, [str(path)])
    assert caught.value.message == "the post is 67,108,865 bytes, more than the 67,108,864 this reads"
    assert caught.value.fix.startswith("give the post as published")
    os.unlink(path)


def test_a_post_without_tables_is_counted_with_none(plan, tmp_path):
    from dataclasses import replace
    text = b"---\ntitle: x\n---\nNo table here.\n"
    path = tmp_path / SEED
    path.write_bytes(text)
    report = check_files(replace(plan, tables={}, files={**plan.files, f"_posts/{SEED}": text}), [str(path)])
    assert report.ok and (report.files, report.tables, report.cells) == (1, 0, 0)


def test_tables_that_cannot_be_compared_are_a_finding_naming_the_file_not_a_crash(plan, tmp_path):
    from dataclasses import replace
    path = _published(plan, tmp_path, SEED)
    report = check_files(replace(plan, tables={}), [path])  # the build's tables without their descriptions
    assert report.findings == [f"{path}: its tables cannot be read (IndexError); compare it with "
                               f"`{program()} build`"]


def test_a_file_that_is_no_post_names_the_posts_it_could_be(plan, tmp_path):
    other = tmp_path / "2020-01-01-other.md"
    other.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    with pytest.raises(GeneratorError) as caught:
        check_files(plan, [str(other)])
    assert caught.value.message == "not a post that content/ builds" and caught.value.path == str(other)
    names = sorted(os.listdir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "content",
                                           "posts")))
    fix = caught.value.fix
    assert fix.startswith("name the file as its post source is named (") and fix.endswith(")")
    assert sorted(fix[fix.index("(") + 1:-1].split(", ")) == names
