"""The seed's spreadsheet: deterministic bytes, formulas over inputs, and LibreOffice's recalculation of those
formulas agrees with every cell of the published post's tables."""

import io
import os
import shutil
import subprocess
import time

import openpyxl
import pytest

from conftest import ROOT, SEED_POST, repo_plan
from generator.site.check import markdown_tables
from generator.render.formatting import format_number
from generator.catalogue.loading import load_content
from generator.tables.spreadsheet import FIRST_ROW, INPUT_SHEET, TABLE_SHEETS, workbook_bytes

SEED_FILENAME = os.path.basename(SEED_POST)

# LibreOffice's Calc setting "recalculate on load" for Excel 2007+ files: 0 = always. The workbook carries no
# cached results, so Calc computes them anyway; forcing it keeps the test honest should that ever change.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="module")
def seed():
    post = repo_plan().post_for(SEED_FILENAME)
    assert post is not None
    return post.tables, load_content(os.path.join(ROOT, "content"))


@pytest.fixture(scope="module")
def data(seed):
    return workbook_bytes(*seed)


def _published_tables():
    with open(os.path.join(ROOT, "site", SEED_POST), encoding="utf-8") as handle:
        return markdown_tables(handle.read())


def test_same_input_gives_the_same_bytes(seed, data):
    time.sleep(1.1)  # zip entries and document properties would otherwise carry the clock
    assert workbook_bytes(*seed) == data


def test_results_are_formulas(seed, data):
    tables, _ = seed
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [INPUT_SHEET] + [TABLE_SHEETS[n] for n in ("load", "context", "benchmark")]
    result_columns = {"load": (1, 2, 3), "context": (1, 2, 3, 4, 5), "benchmark": (1, 5, 6, 7)}
    for table in tables:
        ws = wb[TABLE_SHEETS[table.name]]
        assert [c.value for c in ws[1]][:len(table.columns)] == list(table.headers)
        for index, row in enumerate(table.rows):
            for column in result_columns[table.name]:
                value = ws.cell(FIRST_ROW + index, column).value
                if row.cells[column - 1].text:
                    assert isinstance(value, str) and value.startswith("="), (table.name, row.label, column, value)
                else:
                    assert value is None, (table.name, row.label, column, value)


def test_sources_follow_the_post(data):
    """The rates and the 72B load reference the benchmark rows the post source chose."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    bench = wb[TABLE_SHEETS["benchmark"]]
    row_of = {bench.cell(r, 8).value: r for r in range(FIRST_ROW, bench.max_row + 1)}
    sources = {}
    for row in wb[INPUT_SHEET].iter_rows():
        if len(row) >= 5 and isinstance(row[2].value, str) and row[2].value.startswith("="):
            sources[row[0].value] = (row[1].value, row[2].value, row[3].value, row[4].value)
    bench_ref = "='Qwen2 效率评估'!"
    rate_7b = "Qwen2-7B-Instruct BF16 30720 tokens"
    for model in ("Qwen2-1.5B-Instruct", "Qwen2-7B-Instruct", "glm-4-9b-chat", "Codestral-22B-v0.1"):
        assert sources[model][:2] == (rate_7b, f"{bench_ref}G{row_of[rate_7b]}")
        assert sources[model][3].startswith(f"='{TABLE_SHEETS['load']}'!C")
    label_72b, base_72b = "Qwen2-72B-Instruct BF16 14336 tokens", "Qwen2-72B-Instruct BF16 1 tokens"
    assert sources["Qwen2-72B-Instruct"] == (label_72b, f"{bench_ref}G{row_of[label_72b]}", base_72b,
                                             f"{bench_ref}D{row_of[base_72b]}")


def _recalculate(paths, out_dir, tmp_path):
    """LibreOffice opens each .xlsx, recalculates and saves it again with the results cached."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; CI must install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    result = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                             "--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, paths)],
                            capture_output=True, text=True, timeout=180)
    outputs = [out_dir / os.path.basename(p) for p in paths]
    assert result.returncode == 0 and all(o.exists() for o in outputs), result.stdout + result.stderr
    return [openpyxl.load_workbook(o, data_only=True) for o in outputs]


def _shown(value, column) -> str:
    """A recalculated value as the post writes it: the column's format, or empty."""
    return "" if value is None else format_number(value, column.format)


@pytest.mark.e2e
def test_recalculated_values_match_the_published_post(seed, data, tmp_path):
    tables, _ = seed
    source = tmp_path / "seed.xlsx"
    source.write_bytes(data)
    # A reader's own numbers: 8 bits for every model, so each load halves.
    wb = openpyxl.load_workbook(io.BytesIO(data))
    inputs = wb[INPUT_SHEET]
    for r in range(2, inputs.max_row + 1):
        if inputs.cell(r, 1).value and isinstance(inputs.cell(r, 3).value, (int, float)):
            inputs.cell(r, 3).value = 8
    changed = tmp_path / "eight-bits.xlsx"
    wb.save(changed)
    out = tmp_path / "out"
    out.mkdir()
    recalculated, eight_bits = _recalculate([source, changed], out, tmp_path)

    published = {tuple(t.header): t for t in _published_tables()}
    checked = 0
    for table in tables:
        ws = recalculated[TABLE_SHEETS[table.name]]
        post_table = published[table.headers]
        assert len(post_table.rows) - 1 == len(table.rows)
        for index, post_row in enumerate(post_table.rows[1:]):
            for column, (text, spec) in enumerate(zip(post_row.cells, table.columns), start=1):
                cell = ws.cell(FIRST_ROW + index, column)
                expected = text.strip("*")
                assert _shown(cell.value, spec) == expected, (table.name, post_row.line, spec.header, cell.value)
                assert bool(cell.font.bold) == text.startswith("**"), (table.name, post_row.line, spec.header)
                checked += 1
    assert checked == sum(len(t.rows) * len(t.columns) for t in tables)

    load = eight_bits[TABLE_SHEETS["load"]]
    for index, row in enumerate(next(t for t in tables if t.name == "load").rows):
        assert load.cell(FIRST_ROW + index, 3).value == pytest.approx(row.cells[2].value / 2)
