"""Guards that only the frozen site used to give, or that nothing gave (issue 23's table of one-line changes):
a single extra table row, a tampered workbook, and a hand-edited generated post whose source was removed."""

from __future__ import annotations

import io
import os
import re
import zipfile

import pytest

from conftest import ROOT, repo_plan, run_cli, snapshot
from generator.site.check import check_files, check_site
from generator.site.plan import SEED_WORKBOOK
from test_blog import EXAMPLE_POST, EXAMPLES, SEED_NAME, SEED_SOURCE, adopt, existing_jekyll_blog

SEED_MD = f"_posts/{SEED_NAME}"
SEED_HTML = "posts/how-much-vram-is-required-for-llm-inference.html"


def _with_one_row_more(text: str, first_row: str) -> tuple[str, str]:
    """The text with a copy of the row that starts with ``first_row`` added right after it: one extra row."""
    start = text.index(first_row)
    end = text.index("\n", start) + 1
    row = text[start:end]
    return text[:end] + row + text[end:], row


def test_check_file_names_a_single_extra_markdown_row(tmp_path):
    plan = repo_plan()
    text = plan.files[SEED_MD].decode("utf-8")
    # The seed's load table ends with the 72B row (the golden post, line 24: 72 B at 16 bits, 144 G); repeat it once.
    last_load_row = "| 72 | 16 | 144 |"
    mutated, row = _with_one_row_more(text, last_load_row)
    published = tmp_path / SEED_NAME
    published.write_text(mutated, encoding="utf-8")
    report = check_files(plan, [str(published)])
    assert [f for f in report.findings if "a row the formulas do not give" in f] == [
        f"{published}:{mutated[:mutated.index(row) + len(row)].count(chr(10)) + 1}: table load: "
        f"a row the formulas do not give: {row.strip()}"]


def test_check_site_names_a_single_extra_html_row(built):
    page = built / "site" / SEED_HTML
    html = page.read_text(encoding="utf-8")
    # The last row of the first table: the rows are <tr>...</tr> blocks; duplicate the last one of the first table.
    first_table_end = html.index("</tbody>")
    last_row_start = html.rindex("<tr", 0, first_table_end)
    row = html[last_row_start:first_table_end]
    page.write_text(html[:first_table_end] + row + html[first_table_end:], encoding="utf-8")
    report = check_site(repo_plan(), str(built / "site"))
    assert sum("a row the formulas do not give" in f for f in report.findings) == 1, report.findings


@pytest.mark.parametrize("digit_index", [0, 1, 5, 11])
def test_a_changed_number_in_the_workbook_fails_check(built, digit_index):
    """A digit changed in a number the workbook stores makes `check` name the workbook and exit 1."""
    workbook = built / "site" / SEED_WORKBOOK
    original = workbook.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = sorted(n for n in members if n.startswith("xl/worksheets/") and n.endswith(".xml"))[0]
    xml = members[sheet].decode("utf-8")
    digits = [v.start(1) + d.start() for v in re.finditer(r"<v>([^<]*)</v>", xml) for d in re.finditer(r"\d", v.group(1))]
    at = digits[digit_index]
    mutated_xml = xml[:at] + str((int(xml[at]) + 1) % 10) + xml[at + 1:]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, mutated_xml.encode("utf-8") if name == sheet else data)
    workbook.write_bytes(buffer.getvalue())
    report = check_site(repo_plan(), str(built / "site"))
    assert not report.ok
    assert any(f.startswith(str(workbook)) for f in report.findings), report.findings
    result = run_cli("check")
    assert result.code == 1 and SEED_WORKBOOK in result.out + result.err


def test_a_hand_edited_generated_post_whose_source_is_gone_is_not_deleted(tmp_path):
    blog = existing_jekyll_blog(tmp_path)
    example_source = os.path.join(EXAMPLES, "jekyll-blog", "_generator", "posts", EXAMPLE_POST)
    adopt(blog, "jekyll", sources=(SEED_SOURCE, example_source))
    assert run_cli("build", "--blog", blog).code == 0
    generated = os.path.join(blog, "_posts", EXAMPLE_POST)
    with open(generated, "a", encoding="utf-8") as handle:
        handle.write("\nA paragraph the author added by hand.\n")
    os.unlink(os.path.join(blog, "_generator", "posts", EXAMPLE_POST))
    before = snapshot(blog)
    result = run_cli("build", "--blog", blog)
    assert result.code == 2, (result.out, result.err)
    assert "was edited since the generator wrote it, and the build would delete it" in result.err
    assert snapshot(blog) == before
