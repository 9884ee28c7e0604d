"""The check scope's mutation survivors (benchmarks/mutation.py, scope check), each pinned by what `check` must do:
a tampered cell, row, page or workbook it must name; a page, workbook or header image that shows its reader the same
thing it must pass. Everything is built in memory or in tmp_path (no site build): the file runs once per mutant."""

from __future__ import annotations

import io
import os
import struct
import zlib

from generator.site import check
from generator.site.check import (_file_findings, _shortened, _unplanned_tables, compare_one_table, html_reader_view,
                                  html_tables, markdown_tables, reader_equivalent, unified_diff, workbook_reader_view)
from generator.tables.table import Cell, Column, Row, Table


def _table(rows: list[list[str]]):
    return markdown_tables("\n".join("| " + " | ".join(r) + " |" + ("\n| --- | --- | --- |" if i == 0 else "")
                                     for i, r in enumerate(rows)))[0]


def _meta(columns=("model", "bits", "GB"), labels=("7B", "72B")) -> Table:
    return Table("load", tuple(Column(h, "{}") for h in columns),
                 tuple(Row(label, tuple(Cell("x") for _ in columns)) for label in labels))


EXPECTED = [["model", "bits", "GB"], ["7", "16", "14"], ["72", "16", "144"]]  # load = params x bits / 8


# -- _compare_one: every wrong cell named by its row and column ----------------------------------------------------

def test_a_changed_header_cell_is_named_as_the_header_row():
    published = _table([["model", "bit", "GB"]] + EXPECTED[1:])
    assert compare_one_table("p.md", published, _table(EXPECTED), _meta()) == [
        "p.md:1: table load, row header, column bits: published bit, formulas give bits"]


def test_a_row_the_description_does_not_label_is_named_by_its_number():
    # The table's description labels 7B only; the third row (index 2) has no label: it is named "#2".
    published = _table(EXPECTED[:2] + [["72", "16", "145"]])
    assert compare_one_table("p.md", published, _table(EXPECTED), _meta(labels=("7B",))) == [
        "p.md:4: table load, row #2, column GB: published 145, formulas give 144"]


def test_a_column_the_description_does_not_name_is_named_by_its_number():
    # Two columns described; the wrong cell is the third column, counted from 1: "#3".
    published = _table(EXPECTED[:2] + [["72", "16", "145"]])
    assert compare_one_table("p.md", published, _table(EXPECTED), _meta(columns=("model", "bits"))) == [
        "p.md:4: table load, row 72B, column #3: published 145, formulas give 144"]


def test_a_row_with_a_cell_too_few_names_the_missing_cell():
    published = markdown_tables("| model | bits | GB |\n| --- | --- | --- |\n| 7 | 16 | 14 |\n| 72 | 16 |")[0]
    assert compare_one_table("p.md", published, _table(EXPECTED), _meta()) == [
        "p.md:4: table load, row 72B, column GB: published (no cell), formulas give 144"]


# -- parsing: what a cell holds, a table at the very end of a page ------------------------------------------------

def test_an_html_cell_keeps_its_words_one_space_apart():
    parsed = html_tables("<table><tr><td>1.5\n   GB</td><td> a  b </td></tr></table>")
    assert parsed[0].rows[0].cells == ["1.5 GB", "a b"]


def test_a_table_whose_separator_is_the_last_line_is_found():
    parsed = markdown_tables("Prose.\n| model | GB |\n| --- | --- |")
    assert len(parsed) == 1 and parsed[0].header == ["model", "GB"] and parsed[0].line == 2


def test_a_stray_page_with_a_table_is_named_with_the_fix(tmp_path):
    (tmp_path / "extra.md").write_text("# Notes\n\n| model | GB |\n| --- | --- |\n| 7 | 15 |\n", encoding="utf-8")
    assert _unplanned_tables(str(tmp_path), "extra.md") == [
        f"{tmp_path / 'extra.md'}:3: a table the build does not make (header: model | GB); "
        "remove it or generate it from content/"]


# -- one file: its tables read even with a byte that is not UTF-8 ------------------------------------------------

def test_a_published_post_with_a_byte_that_is_not_utf8_still_has_its_tables_checked():
    expected = "Intro.\n\n| model | bits | GB |\n| --- | --- | --- |\n| 7 | 16 | 14 |\n| 72 | 16 | 144 |\n"
    published = expected.replace("Intro", "Intr\udcff", 1).encode("utf-8", "surrogateescape")  # one byte 0xff
    assert _file_findings("p.md", "_posts/p.md", published, expected.encode(), (_meta(),)) == []
    tampered = published.replace(b"144", b"145")
    assert _file_findings("p.md", "_posts/p.md", tampered, expected.encode(), (_meta(),)) == [
        "p.md:6: table load, row 72B, column GB: published 145, formulas give 144"]


# -- the unified diff of a text file -----------------------------------------------------------------------------

def test_the_diff_shows_only_the_changed_line():
    # The unified diff format (difflib / GNU diff): two header lines, one hunk, context lines start with a space.
    assert unified_diff("p.md", b"a\nb\nc\n", b"a\nX\nc\n") == (
        "--- p.md (published)\n+++ p.md (fresh build)\n@@ -1,3 +1,3 @@\n a\n-b\n+X\n c\n")


def test_a_short_line_is_not_shortened_and_a_long_one_says_how_much_is_cut():
    assert _shortened("a" * 300) == "a" * 300
    assert _shortened("a" * 301) == "a" * 300 + "… (1 more characters)"


# -- what a reader sees ---------------------------------------------------------------------------------------------

def test_the_reader_view_of_a_page_is_its_elements_and_text():
    assert html_reader_view('<p class="x">a\n b<br/>c</p>') == [
        ("<", "p", (("class", "x"),)), ("t", "a b"), ("<", "br", ()), ("t", "c"), (">", "p")]


def test_text_split_by_a_comment_reads_as_one_run():
    # A comment is invisible to the reader: "a<!-- -->b" reads as the text around it, joined by one space.
    assert html_reader_view("<p>x<b>y</b>a<!-- c -->b</p>") == html_reader_view("<p>x<b>y</b>a b</p>")


def test_a_page_with_other_bytes_but_the_same_reading_passes_and_a_changed_word_does_not():
    ours = '<p>A &quot;q&quot; word<br />\n<a href="/x" title="t">link</a></p>'
    theirs = '<p>A "q" word<br>\n<a title="t" href="/x">link</a></p>\n'
    assert reader_equivalent("post.html", theirs.encode(), ours.encode())
    assert not reader_equivalent("post.html", theirs.replace("word", "words").encode(), ours.encode())


def _workbook(width: float = 12.5, value: str = "=B2*2") -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "VRAM"
    sheet["A1"], sheet["B2"], sheet["C2"] = "model", 7, value
    sheet.column_dimensions["A"].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_saved_again_reads_the_same_and_its_view_holds_cells_and_widths():
    from openpyxl import load_workbook
    ours = _workbook()
    book = load_workbook(io.BytesIO(ours))
    resaved = io.BytesIO()
    book.save(resaved)
    assert reader_equivalent("x/book.xlsx", resaved.getvalue(), ours)
    assert workbook_reader_view(ours) == [
        ("VRAM", [("A1", "model", "General"), ("B2", 7, "General"), ("C2", "=B2*2", "General")], [], [("A", 12.5)])]


def test_a_workbook_with_another_column_width_or_formula_does_not_read_the_same():
    ours = _workbook()
    assert not reader_equivalent("x/book.xlsx", _workbook(width=30), ours)
    assert not reader_equivalent("x/book.xlsx", _workbook(value="=B2*3"), ours)


def _png(*texts: tuple[bytes, bytes]) -> bytes:
    from generator.site.plan import _with_fingerprint

    def chunk(kind: bytes, body: bytes) -> bytes:  # the PNG chunk layout: length, type, data, CRC-32 of type+data
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return _with_fingerprint(b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(chunk(b"tEXt", k + b"\0" + v) for k, v in texts)
                             + chunk(b"IEND", b""))


def test_a_header_image_from_another_renderer_passes_by_its_data_and_other_data_does_not():
    data = (b"Description", b'{"series": [{"x": 7, "y": 14}]}')
    ours = _png(data)
    other = _png((b"Software", b"another matplotlib"), data)
    assert other != ours and reader_equivalent("images/h.png", other, ours)
    assert not reader_equivalent("images/h.png", _png((b"Description", b'{"series": [{"x": 7, "y": 15}]}')), ours)


# -- the lock: a build that waits is told what holds the folder --------------------------------------------------

def test_check_holds_the_output_lock_under_its_own_name(tmp_path, monkeypatch):
    from generator.site.writer import lock_path
    seen = []

    def locked(plan, site_dir):
        with open(lock_path(site_dir), "rb") as handle:
            seen.append(handle.read().decode())
        return check.CheckReport()
    monkeypatch.setattr(check, "_check_locked", locked)
    site = tmp_path / "site"
    site.mkdir()
    check.check_site(None, str(site))
    assert seen and seen[0].startswith(f"check pid {os.getpid()} since "), seen


# The fresh-seed sample of 2026-12-07 23:32 (seed 20261208): its survivors that a plain input tells apart.

def test_a_pipe_row_without_padding_keeps_its_last_cell():
    # GitHub Flavored Markdown: the leading and trailing pipes are optional delimiters, cells need no spaces.
    table = markdown_tables("|model|GB|\n|---|---|\n|7B|14|\n")[0]
    assert [row.cells for row in table.rows] == [["model", "GB"], ["7B", "14"]]


def test_the_diff_of_bytes_that_are_not_utf8_shows_them_replaced():
    # A published file with a stray byte must still get its diff (U+FFFD for the byte), not a UnicodeDecodeError.
    shown = unified_diff("post.md", b"GB \xff 14\n", b"GB 14\n")
    assert "-GB \ufffd 14" in shown and "+GB 14" in shown
    assert "\ufffd" in unified_diff("post.md", b"GB 14\n", b"GB \xfe\n")


def test_a_blog_post_read_as_html_is_compared_as_html():
    # A blog engine that reads tables as HTML (blog/check.py passes html=True for a .md post): the wrong cell of its
    # HTML table is named; read as Markdown the post would have no table at all.
    def page(gb):
        return f"<table><tr><th>model</th><th>GB</th></tr><tr><td>7B</td><td>{gb}</td></tr></table>\n"
    meta = (Table("load", (Column("model", "{}"), Column("GB", "{}")), (Row("7B", (Cell("x"), Cell("x"))),)),)
    findings = check.compare_tables("post.md", page("15"), page("14"), meta, html=True)
    assert len(findings) == 1 and "15" in findings[0] and "14" in findings[0], findings


def test_a_missing_row_is_named_with_the_path_once():
    # "post.md:LINE: table load, row 72B: missing": the row finding carries its own path and line, others get it.
    meta = (_meta(),)
    published = "| model | bits | GB |\n| --- | --- | --- |\n| 7 | 16 | 14 |\n"
    expected = published + "| 72 | 16 | 144 |\n"
    findings = check.compare_tables("post.md", published, expected, meta)
    assert findings == ["post.md:3: table load, row 72B: missing, formulas give | 72 | 16 | 144 |"], findings
