"""Issue 18 item 6: the runtime libraries take version ranges, and `check` compares what a reader sees, so a site
built under one allowed version passes `check` under another. The lowest end of every range is run by
.ci/run-lowest with .ci/lowest-versions.txt; these tests keep the two files in step and pin down the comparison."""

from __future__ import annotations

import io
import os
import re
import tomllib

import pytest

from conftest import ROOT
from generator.site.check import html_reader_view, reader_equivalent

WORKBOOK = "images/2024/LLMInferenceVRAMCalculator/基于Qwen2效率评估计算大模型推理需要的显存.xlsx"
HEADER = "images/2024/LLMInferenceVRAMCalculator/how-much-vram-is-required-for-llm-inference.png"


def _dependencies() -> dict[str, str]:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        deps = tomllib.load(handle)["project"]["dependencies"]
    return {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower().replace("_", "-"): d for d in deps}


def test_runtime_dependencies_are_ranges_and_the_lowest_run_takes_each_lower_bound():
    deps = _dependencies()
    for name, spec in deps.items():
        assert "==" not in spec, f"{spec}: a pin; give a range (check compares what a reader sees)"
        assert ">=" in spec and "<" in spec, f"{spec}: give a lower and an upper bound"
    lowest = {}
    with open(os.path.join(ROOT, ".ci", "lowest-versions.txt"), encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                name, version = line.strip().split("==")
                lowest[name.lower().replace("_", "-")] = version
    assert set(lowest) == set(deps)
    for name, spec in deps.items():
        from packaging.version import Version
        floor = re.search(r">=\s*([\w.]+)", spec).group(1)
        assert Version(lowest[name]) == Version(floor), f"{name}: pyproject's lower bound {floor}, .ci/lowest-versions.txt {lowest[name]}"


def test_the_lowest_run_is_a_script_that_uses_the_constraints():
    script = open(os.path.join(ROOT, ".ci", "run-lowest"), encoding="utf-8").read()
    assert "lowest-versions.txt" in script and "pytest" in script
    assert os.access(os.path.join(ROOT, ".ci", "run-lowest"), os.X_OK)


def test_a_page_written_by_another_markdown_release_reads_the_same():
    # The kinds of change a Markdown release makes to the same text (line breaks between block tags, a void tag's
    # form, an entity for a character, attribute order), and the kinds a reader would see.
    ours = '<p>A &quot;quoted&quot; word<br />\nand <a href="/x" title="t">a link</a>.</p>\n<table>\n<tr><td>1.5</td></tr></table>'
    theirs = '<p>A "quoted" word<br>\nand <a title="t" href="/x">a link</a>.</p><table><tr>\n<td>1.5</td></tr></table>\n'
    assert reader_equivalent("post.html", theirs.encode(), ours.encode())
    for changed in (theirs.replace("1.5", "1.6"), theirs.replace("word", "words"), theirs.replace('"/x"', '"/y"'),
                    theirs.replace("<td>1.5</td>", "<th>1.5</th>")):
        assert not reader_equivalent("post.html", changed.encode(), ours.encode()), changed
    assert html_reader_view("<p>a\n  b</p>") == html_reader_view("<p>a b</p>")


def test_a_workbook_saved_by_another_openpyxl_reads_the_same_and_a_changed_formula_does_not():
    from openpyxl import load_workbook
    with open(os.path.join(ROOT, "site", WORKBOOK), "rb") as handle:
        ours = handle.read()
    book = load_workbook(io.BytesIO(ours))
    resaved = io.BytesIO()
    book.save(resaved)  # other bytes (zip entries, timestamps, part order), the same cells
    assert resaved.getvalue() != ours
    assert reader_equivalent(WORKBOOK, resaved.getvalue(), ours)
    sheet = book.worksheets[0]
    formula = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("="))
    formula.value = formula.value + "+1"
    changed = io.BytesIO()
    book.save(changed)
    assert not reader_equivalent(WORKBOOK, changed.getvalue(), ours)


def test_a_header_image_drawn_by_another_matplotlib_passes_by_its_data_and_a_tampered_one_does_not():
    from generator.site.plan import _png_chunks, _with_fingerprint
    with open(os.path.join(ROOT, "site", HEADER), "rb") as handle:
        ours = handle.read()
    chunks = _png_chunks(ours)
    # Another renderer: other image bytes (here one more text chunk before the image data), the same embedded data,
    # fingerprinted as the build does.
    import struct
    import zlib
    body = b"Software\0another matplotlib"
    extra = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)
    plain = b"\x89PNG\r\n\x1a\n" + chunks[0][1] + extra + b"".join(c for k, c in chunks[1:-2]) + chunks[-1][1]
    other = _with_fingerprint(plain)
    assert other != ours and reader_equivalent(HEADER, other, ours)
    tampered = ours.replace(extra[:0] + chunks[1][1], chunks[1][1][:-5] + bytes(5), 1)
    assert tampered != ours and not reader_equivalent(HEADER, tampered, ours)


def test_check_passes_a_site_whose_library_written_files_came_from_other_versions(built):
    """The committed site rebuilt with other bytes for every file a library writes (as another version would):
    `check` still passes, and names a real change."""
    from conftest import run_cli
    from openpyxl import load_workbook
    path = built / "site" / WORKBOOK
    book = load_workbook(io.BytesIO(path.read_bytes()))
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    page = built / "site" / "posts" / "how-much-vram-is-required-for-llm-inference.html"
    text = page.read_text("utf-8")
    relaid = text.replace("</tr>\n<tr>", "</tr><tr>").replace("<br />", "<br>").replace("<p>", "<p>\n")
    assert relaid != text
    page.write_text(relaid, "utf-8")
    result = run_cli("check")
    assert result.code == 0, result.out[-2000:]
    wrong, changes = re.subn(r"<td>3\.61</td>", "<td>3.62</td>", relaid, count=1)
    assert changes == 1
    page.write_text(wrong, "utf-8")
    result = run_cli("check")
    assert result.code == 1 and "published 3.62" in result.out
