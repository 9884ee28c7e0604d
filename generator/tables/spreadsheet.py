"""The spreadsheet the seed post links: its three tables as formulas over input cells, so readers can try
their own numbers.

``workbook_bytes(post_tables, content)`` takes the tables the seed post placed ("load", "context",
"benchmark") and returns an .xlsx whose result cells are formulas:

* ``输入``: one row per model (parameters in billions, bits per parameter), the context lengths, and per
  context-table model the per-token rate and the load it uses (each a reference a reader may overwrite);
* ``加载模型显存``: load = parameters x bits / 8;
* ``上下文显存``: context = tokens x rate / 1024, total = load + context;
* ``Qwen2 效率评估``: the benchmark rows as typed inputs, their differences against the model's shortest
  row and the per-token rate = memory difference x 1024 / token difference.

Which benchmark row gives each model's rate, and which model's load is a measured row rather than the
formula, comes from the context table's sources: what the post source named, not written here. On every sheet
but ``输入`` the post's columns come first, in the post's order, from row 2 (row 1 holds the headers),
so a recalculated sheet compares cell by cell with the published table; extra columns follow them.

The bytes are deterministic: fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.writer.excel import ExcelWriter

from generator.catalogue.loading import BenchmarkRow, Content
from generator.core.errors import GeneratorError
from generator.tables.table import Table

# The seed post's date: the document's created and modified time, so the same input gives the same bytes.
SEED_DATE = datetime(2024, 9, 3, 8, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold

INPUT_SHEET = "输入"
# Table name -> sheet title. Each of these sheets starts with the table's columns at A1 (headers) and A2 (data).
TABLE_SHEETS = {"load": "加载模型显存", "context": "上下文显存", "benchmark": "Qwen2 效率评估"}
FIRST_ROW = 2

# The post's column formats (generator.render.formatting) as Excel number formats.
NUMBER_FORMATS = {"g2": "General", "f2": "0.00", "f1": "0.0", "int": "0", "intc": "#,##0", "text": "@"}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # cells a reader may change


def _ref(sheet: str, column: int, row: int, absolute: bool = False) -> str:
    letter = get_column_letter(column)
    cell = f"${letter}${row}" if absolute else f"{letter}{row}"
    return f"{quote_sheetname(sheet)}!{cell}"


def _cell(column: int, row: int, absolute: bool = False) -> str:
    letter = get_column_letter(column)
    return f"${letter}${row}" if absolute else f"{letter}{row}"


def _table(post_tables, name: str) -> Table:
    for table in post_tables:
        if table.name == name:
            return table
    raise GeneratorError(f"the post placed no {name!r} table, so the spreadsheet cannot be built", None, None,
                         "place load_table, context_table and benchmark_table in the seed post")


@dataclass
class _BenchmarkEntry:
    row: BenchmarkRow
    baseline: BenchmarkRow
    sheet_row: int
    bold: bool


@dataclass
class _ContextGroup:
    model: str
    params_b: float
    load: float
    tokens: list[int]
    contexts: list[float]
    rate_from: _BenchmarkEntry | None = None
    load_from: _BenchmarkEntry | None = None  # None: parameters x bits / 8


def _benchmark_entries(table: Table, content: Content) -> list[_BenchmarkEntry]:
    by_label = {row.label: row for row in content.rows.values()}
    entries: list[_BenchmarkEntry] = []
    baseline = None
    for index, table_row in enumerate(table.rows):
        row = by_label.get(table_row.label)
        if row is None:
            raise GeneratorError(f"benchmark table row {table_row.label!r} is no benchmark row in the content")
        if table_row.cells[-1].absent:  # the model's shortest row: no difference, no rate
            baseline = row
        if baseline is None or (baseline.model, baseline.quantization) != (row.model, row.quantization):
            raise GeneratorError(f"benchmark table row {table_row.label!r} follows no baseline row of its model")
        entries.append(_BenchmarkEntry(row, baseline, FIRST_ROW + index, table_row.cells[-1].bold))
    return entries


def _context_groups(table: Table, content: Content) -> list[_ContextGroup]:
    groups: list[_ContextGroup] = []
    for table_row in table.rows:
        model = table_row.label.rsplit(", ", 1)[0]
        if model not in content.models:
            raise GeneratorError(f"context table row {table_row.label!r} names no known model")
        params, load, tokens, context, _total = (cell.value for cell in table_row.cells)
        if not groups or groups[-1].model != model:
            groups.append(_ContextGroup(model, params, load, [], []))
        groups[-1].tokens.append(int(tokens))
        groups[-1].contexts.append(context)
    return groups


def _source_spec(group: _ContextGroup, context_table: Table):
    spec = next((spec for spec in context_table.sources if spec.model == group.model), None)
    if spec is None:
        raise GeneratorError(f"the context table does not say where {group.model}'s numbers come from")
    return spec


def _entry_for(row: BenchmarkRow, entries: list[_BenchmarkEntry], what: str) -> _BenchmarkEntry:
    entry = next((e for e in entries if e.row.key == row.key), None)
    if entry is None:
        raise GeneratorError(f"the {what} row {row.label} is not in the post's benchmark table", None, None,
                             "show that row in the benchmark table, so the spreadsheet can refer to it")
    return entry


def _rate_source(group: _ContextGroup, entries: list[_BenchmarkEntry], context_table: Table) -> _BenchmarkEntry:
    """The benchmark-sheet row the post source named as the group's rate_from."""
    return _entry_for(_source_spec(group, context_table).rate_from, entries, "rate_from")


def _load_source(group: _ContextGroup, entries: list[_BenchmarkEntry], context_table: Table) -> _BenchmarkEntry | None:
    """None when the load is parameters x bits / 8; otherwise the measured row the post source named."""
    load_from = _source_spec(group, context_table).load_from
    return None if load_from is None else _entry_for(load_from, entries, "load_from")


def _style_header(ws, count: int) -> None:
    for column in range(1, count + 1):
        cell = ws.cell(1, column)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = 16
    ws.freeze_panes = "A2"


def _put(ws, row: int, column: int, value, number_format: str = "General", bold: bool = False,
         is_input: bool = False):
    cell = ws.cell(row, column, value)
    cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    if is_input:
        cell.fill = _INPUT_FILL
    return cell


def _put_text(ws, row: int, column: int, text: str):
    """A cell holding data as text: a name such as "=HYPERLINK(...)" stays text, never a formula."""
    cell = _put(ws, row, column, text)
    cell.data_type = "s"
    return cell


def build_workbook(post_tables, content: Content, created: datetime = SEED_DATE) -> Workbook:
    load_t, context_t, bench_t = (_table(post_tables, name) for name in ("load", "context", "benchmark"))
    entries = _benchmark_entries(bench_t, content)
    groups = _context_groups(context_t, content)

    # Models: the load table's, then any the context table adds; bits from the load table.
    loads: dict[str, tuple[float, float, int]] = {}  # model -> (bits, load, load-sheet row)
    for index, table_row in enumerate(load_t.rows):
        _params, bits, load = (cell.value for cell in table_row.cells)
        loads[table_row.label] = (bits, load, FIRST_ROW + index)
    for group in groups:
        group.rate_from = _rate_source(group, entries, context_t)
        group.load_from = _load_source(group, entries, context_t)
    models: dict[str, float] = {model: bits for model, (bits, _load, _row) in loads.items()}
    for group in groups:
        if group.model not in models:
            # A model the load table lacks: bits worked out from its load, or (measured load) the table's bits.
            models[group.model] = (group.load * 8 / group.params_b if group.load_from is None else
                                   next(iter(loads.values()))[0] if loads else None)

    wb = Workbook()
    wb.properties.creator = "generator"
    wb.properties.title = "基于 Qwen2 效率评估计算大模型推理需要的显存"
    wb.properties.created = created
    wb.properties.modified = created

    # -- 输入 ---------------------------------------------------------------------------------------------------
    ws_in = wb.active
    ws_in.title = INPUT_SHEET
    load_s, context_s, bench_s = (TABLE_SHEETS[n] for n in ("load", "context", "benchmark"))
    ws_in.append(["模型", "模型参数（B）", "参数使用的位数（bits）"])
    _style_header(ws_in, 5)
    ws_in.column_dimensions["A"].width = 24
    ws_in.column_dimensions["B"].width = 38
    ws_in.column_dimensions["D"].width = 38
    model_row: dict[str, int] = {}
    for model, bits in models.items():
        row = ws_in.max_row + 1
        model_row[model] = row
        _put_text(ws_in, row, 1, model)
        _put(ws_in, row, 2, content.models[model].params_b, is_input=True)
        _put(ws_in, row, 3, bits, is_input=True)

    row = ws_in.max_row + 2
    _put(ws_in, row, 1, "上下文长度（Token）").font = _HEADER_FONT
    token_row: dict[int, int] = {}
    for group in groups:
        for count in group.tokens:
            if count not in token_row:
                row += 1
                token_row[count] = row
                _put(ws_in, row, 1, count, "0", is_input=True)

    row += 2
    for column, header in enumerate(("模型", "每 Token 使用显存来源（效率评估行）", "每 Token 使用显存（M）",
                                     "加载显存来源", "加载显存（G）"), start=1):
        _put(ws_in, row, column, header).font = _HEADER_FONT
    rate_cell: dict[str, str] = {}
    load_cell: dict[str, str] = {}
    for group in groups:
        row += 1
        source = group.rate_from
        _put_text(ws_in, row, 1, group.model)
        _put_text(ws_in, row, 2, source.row.label)
        _put(ws_in, row, 3, "=" + _ref(bench_s, 7, source.sheet_row), "0.00", is_input=True)
        rate_cell[group.model] = _ref(INPUT_SHEET, 3, row, absolute=True)
        if group.load_from is not None:
            _put_text(ws_in, row, 4, group.load_from.row.label)
            formula = "=" + _ref(bench_s, 4, group.load_from.sheet_row)
        elif group.model in loads:
            _put(ws_in, row, 4, "参数 × 位数 / 8")
            formula = "=" + _ref(load_s, 3, loads[group.model][2])
        else:
            _put(ws_in, row, 4, "参数 × 位数 / 8")
            r = model_row[group.model]
            formula = f"={_ref(INPUT_SHEET, 2, r)}*{_ref(INPUT_SHEET, 3, r)}/8"
        _put(ws_in, row, 5, formula, "General", is_input=True)
        load_cell[group.model] = _ref(INPUT_SHEET, 5, row, absolute=True)
    _put(ws_in, row + 2, 1, "黄色单元格是输入，可以改成自己的数字；其他表里的结果都是公式。")

    # -- 加载模型显存 ---------------------------------------------------------------------------------------------
    ws = wb.create_sheet(load_s)
    ws.append(list(load_t.headers) + ["模型"])
    _style_header(ws, len(load_t.columns) + 1)
    formats = [NUMBER_FORMATS[c.format] for c in load_t.columns]
    for index, table_row in enumerate(load_t.rows):
        r = FIRST_ROW + index
        source = model_row[table_row.label]
        _put(ws, r, 1, "=" + _ref(INPUT_SHEET, 2, source), formats[0])
        _put(ws, r, 2, "=" + _ref(INPUT_SHEET, 3, source), formats[1])
        _put(ws, r, 3, f"={_cell(1, r)}*{_cell(2, r)}/8", formats[2])
        _put_text(ws, r, 4, table_row.label)
    ws.column_dimensions["D"].width = 24

    # -- 上下文显存 -----------------------------------------------------------------------------------------------
    ws = wb.create_sheet(context_s)
    ws.append(list(context_t.headers) + ["每 Token 使用显存（M）", "模型"])
    _style_header(ws, len(context_t.columns) + 2)
    formats = [NUMBER_FORMATS[c.format] for c in context_t.columns]
    r = FIRST_ROW
    for group in groups:
        first = r
        for index, count in enumerate(group.tokens):
            if index == 0:
                _put(ws, r, 1, "=" + _ref(INPUT_SHEET, 2, model_row[group.model]), formats[0])
                _put(ws, r, 2, "=" + load_cell[group.model], formats[1])
                _put(ws, r, 6, "=" + rate_cell[group.model], "0.00")
                _put_text(ws, r, 7, group.model)
            _put(ws, r, 3, "=" + _ref(INPUT_SHEET, 1, token_row[count], absolute=True), formats[2])
            _put(ws, r, 4, f"={_cell(3, r)}*{_cell(6, first, absolute=True)}/1024", formats[3])
            _put(ws, r, 5, f"={_cell(2, first, absolute=True)}+{_cell(4, r)}", formats[4])
            r += 1
    ws.column_dimensions["G"].width = 24

    # -- Qwen2 效率评估 -------------------------------------------------------------------------------------------
    ws = wb.create_sheet(bench_s)
    ws.append(list(bench_t.headers) + ["效率评估行"])
    _style_header(ws, len(bench_t.columns) + 1)
    formats = [NUMBER_FORMATS[c.format] for c in bench_t.columns]
    base_row = 0
    for entry in entries:
        r, row = entry.sheet_row, entry.row
        if row is entry.baseline:
            base_row = r
            params = "=" + _ref(INPUT_SHEET, 2, model_row[row.model]) if row.model in model_row \
                else content.models[row.model].params_b
            _put(ws, r, 1, params, formats[0])
        _put(ws, r, 2, row.gpus, formats[1], is_input=True)
        _put(ws, r, 3, row.input_length, formats[2], is_input=True)
        _put(ws, r, 4, row.memory_gib, formats[3], is_input=True)
        if row is not entry.baseline:
            _put(ws, r, 5, f"={_cell(3, r)}-{_cell(3, base_row, absolute=True)}", formats[4])
            _put(ws, r, 6, f"={_cell(4, r)}-{_cell(4, base_row, absolute=True)}", formats[5])
            _put(ws, r, 7, f"={_cell(6, r)}*1024/{_cell(5, r)}", formats[6], bold=entry.bold)
        _put_text(ws, r, 8, row.label)
    ws.column_dimensions["H"].width = 36
    return wb


def workbook_bytes(post_tables, content: Content, created: datetime = SEED_DATE) -> bytes:
    """The .xlsx as bytes, byte-identical for the same tables and content."""
    wb = build_workbook(post_tables, content, created)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter, not Workbook.save: save() stamps the modified time with the clock.
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, source.read(info.filename), compresslevel=9)
    return out.getvalue()
