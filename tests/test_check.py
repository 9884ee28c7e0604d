"""check: clean sites pass; any changed digit in any table cell, Markdown or HTML, is named; it writes nothing."""

import re

import pytest

from conftest import ROOT, SEED_HTML, SEED_POST, run_cli, snapshot
from generator.check import compare_tables, html_tables, markdown_tables
from generator.site import build_plan


@pytest.fixture(scope="module")
def plan():
    return build_plan(f"{ROOT}/content", f"{ROOT}/templates")


def test_check_passes_on_a_fresh_build(built):
    result = run_cli("check")
    assert result.code == 0, result.out
    assert "check: OK" in result.out


def test_check_passes_on_the_committed_site(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_cli("check")
    assert result.code == 0, result.out + result.err


def _digit_mutations(text, parse):
    """Every (line index, column offset) of a digit inside a table cell."""
    lines = text.split("\n")
    for table in parse(text):
        for row in table.rows[1:]:
            for line_no in sorted(set(row.cell_lines or [row.line])):
                line = lines[line_no - 1]
                for match in re.finditer(r"\d", line):
                    yield line_no, match.start()


def _mutate(text, line_no, offset):
    lines = text.split("\n")
    line = lines[line_no - 1]
    digit = line[offset]
    lines[line_no - 1] = line[:offset] + str((int(digit) + 1) % 10) + line[offset + 1:]
    return "\n".join(lines)


TABLE_FILES = sorted(rel for rel, meta in build_plan(f"{ROOT}/content", f"{ROOT}/templates").tables.items() if meta)


def test_both_posts_in_markdown_and_html_are_mutated():
    assert {SEED_POST, SEED_HTML} < set(TABLE_FILES) and len(TABLE_FILES) == 4


@pytest.mark.parametrize("rel", TABLE_FILES)
def test_every_changed_digit_in_every_cell_is_caught(plan, rel):
    parse = html_tables if rel.endswith(".html") else markdown_tables
    expected = plan.files[rel].decode("utf-8")
    meta = plan.tables[rel]
    assert compare_tables(rel, expected, expected, meta) == []
    mutations = list(_digit_mutations(expected, parse))
    assert len(mutations) > 400  # every table's digits, not a sample
    for line_no, offset in mutations:
        findings = compare_tables(rel, _mutate(expected, line_no, offset), expected, meta)
        assert len(findings) == 1, (line_no, offset, findings)
        assert findings[0].startswith(f"{rel}:{line_no}: table ")
        assert ", formulas give " in findings[0]


def test_mismatch_message_names_table_row_column_and_values(built):
    post = built / "site" / SEED_POST
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("| 7 | 14 | 4000 | 3.61 | 17.61 |", "| 7 | 14 | 4000 | 3.61 | 17.62 |"),
                    encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    line = text.split("\n").index("| 7 | 14 | 4000 | 3.61 | 17.61 |") + 1
    assert (f"site/{SEED_POST}:{line}: table context, row Qwen2-7B-Instruct, 4000 tokens, column 总计需要显存（G）: "
            "published 17.62, formulas give 17.61") in result.out
    assert "+| 7 | 14 | 4000 | 3.61 | 17.61 |" in result.out  # and the unified diff
    assert "python -m generator build" in result.out


def test_check_writes_nothing(built):
    post = built / "site" / SEED_POST
    post.write_text(post.read_text(encoding="utf-8").replace("144.56", "144.57"), encoding="utf-8")
    before = snapshot(built / "site")
    assert run_cli("check").code == 1
    assert snapshot(built / "site") == before


def test_check_reports_a_prose_change_as_a_diff(built):
    post = built / "site" / SEED_POST
    post.write_text(post.read_text(encoding="utf-8").replace("参考资料", "参考"), encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert "-## 参考" in result.out and "+## 参考资料" in result.out


def test_check_reports_missing_and_stale_files(built):
    (built / "site" / "index.html").unlink()
    result = run_cli("check")
    assert result.code == 1 and "site/index.html: missing" in result.out


def test_check_reports_a_table_it_cannot_account_for(built):
    extra = built / "site" / "_posts" / "2024-10-01-extra.md"
    extra.write_text("---\ntitle: x\n---\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n", encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert f"site/_posts/2024-10-01-extra.md:5: a table the build does not make" in result.out


def test_check_reports_an_extra_table_in_a_post(built):
    post = built / "site" / SEED_POST
    post.write_text(post.read_text(encoding="utf-8") + "\n| x | y |\n| --- | --- |\n| 1 | 2 |\n", encoding="utf-8")
    result = run_cli("check", str(post))
    assert result.code == 1
    assert "a table the build does not make (header: x | y)" in result.out


def test_check_a_post_in_a_jekyll_repo(built, tmp_path):
    jekyll = tmp_path / "blog" / "_posts"
    jekyll.mkdir(parents=True)
    text = (built / "site" / SEED_POST).read_text(encoding="utf-8")
    # Prose may differ in a blog's copy; only the tables must match the formulas.
    published = jekyll / "2024-09-03-how-much-vram-is-required-for-llm-inference.md"
    published.write_text(text.replace("## 参考资料", "## References"), encoding="utf-8")
    assert run_cli("check", str(published)).code == 0
    published.write_text(text.replace("| 9 | 18 |", "| 9 | 19 |"), encoding="utf-8")
    result = run_cli("check", str(published))
    assert result.code == 1
    assert "table context, row glm-4-9b-chat, 4000 tokens, column 加载显存（G）: published 19, formulas give 18" \
        in result.out


def test_check_an_unknown_post_is_bad_input(built, tmp_path):
    other = tmp_path / "2020-01-01-other.md"
    other.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    result = run_cli("check", str(other))
    assert result.code == 2
    assert "not a post that content/ builds" in result.err


def test_check_without_a_site_is_bad_input(project):
    result = run_cli("check", "--site", "nowhere")
    assert result.code == 2 and "nowhere: site folder not found" in result.err


def test_check_catches_stale_numbers_after_data_changes(built):
    models = built / "content" / "models.yaml"
    text = models.read_text(encoding="utf-8")
    models.write_text(text.replace("params_b: 22\n", "params_b: 23\n"), encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert "row Codestral-22B-v0.1, 4000 tokens, column 模型参数（B）: published 22, formulas give 23" in result.out
