"""Verify what is published: every table cell against the formulas, every file against a fresh build.

Nothing here writes. Findings are plain lines; the CLI prints them and maps "any finding" to exit 1.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import stat
from dataclasses import dataclass, field
from html.parser import HTMLParser

from generator.core.errors import GeneratorError, program
from generator.core.safeio import MAX_PUBLISHED_BYTES, read_bounded
from generator.site.plan import MANIFEST, SitePlan
from generator.site.writer import output_lock, read_published, stale_paths
from generator.tables.table import Table

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass
class ParsedRow:
    line: int
    cells: list[str]
    cell_lines: list[int] = field(default_factory=list)  # HTML puts each cell on its own line

    def line_of(self, column: int) -> int:
        return self.cell_lines[column] if column < len(self.cell_lines) else self.line


@dataclass
class ParsedTable:
    line: int
    rows: list[ParsedRow] = field(default_factory=list)  # rows[0] is the header

    @property
    def header(self) -> list[str]:
        return self.rows[0].cells if self.rows else []


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def markdown_tables(text: str) -> list[ParsedTable]:
    """Pipe tables in Markdown: a header line, a ``| --- |`` line, then the ``|`` lines that follow."""
    lines = text.splitlines()
    found = []
    index = 0
    while index < len(lines) - 1:
        if lines[index].lstrip().startswith("|") and _SEPARATOR.match(lines[index + 1]):
            table = ParsedTable(index + 1, [ParsedRow(index + 1, _split_row(lines[index]))])
            index += 2
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                table.rows.append(ParsedRow(index + 1, _split_row(lines[index])))
                index += 1
            found.append(table)
        else:
            index += 1
    return found


class _HtmlTables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[ParsedTable] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if tag == "table":
            self.tables.append(ParsedTable(line))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append(ParsedRow(line, []))
        elif tag in ("td", "th") and self.tables and self.tables[-1].rows:
            self._cell = []
            self.tables[-1].rows[-1].cell_lines.append(line)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1].rows[-1].cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[ParsedTable]:
    parser = _HtmlTables()
    parser.feed(text)
    parser.close()
    return parser.tables


@functools.lru_cache(maxsize=64)
def _tables_in(is_html: bool, text: str) -> tuple[ParsedTable, ...]:
    # Cached: check and its mutation tests parse the same expected text many times. Callers only read.
    return tuple(html_tables(text) if is_html else markdown_tables(text))


def tables_in(path: str, text: str) -> list[ParsedTable]:
    return list(_tables_in(path.endswith(".html"), text))


def _pair(published: list[ParsedTable], expected: list[ParsedTable]) -> tuple[list, list, list]:
    """Match published tables to the build's: by position when the counts agree, else by header."""
    if len(published) == len(expected):
        return list(zip(published, range(len(expected)))), [], []
    pairs, unmatched = [], list(range(len(expected)))
    extra = []
    for table in published:
        index = next((i for i in unmatched if expected[i].header == table.header), None)
        if index is None:
            extra.append(table)
        else:
            unmatched.remove(index)
            pairs.append((table, index))
    return pairs, extra, unmatched


def compare_tables(path: str, published_text: str, expected_text: str, meta: tuple[Table, ...],
                   html: bool | None = None) -> list[str]:
    """One finding per wrong cell, missing or extra row, missing table, or table the build did not make.
    ``html``: the tables are HTML (a .html file; a blog post whose engine reads tables as HTML)."""
    is_html = path.endswith(".html") if html is None else html
    published, expected = list(_tables_in(is_html, published_text)), list(_tables_in(is_html, expected_text))
    pairs, extra, missing = _pair(published, expected)
    findings = []
    for table, index in pairs:
        findings.extend(_compare_one(path, table, expected[index], meta[index]))
    for table in extra:
        findings.append(f"{path}:{table.line}: a table the build does not make (header: {' | '.join(table.header)}); "
                        "remove it or embed it with a table call in the post source")
    for index in missing:
        findings.append(f"{path}: table {meta[index].name} is missing; run `{program()} build`")
    return findings


def compare_one_table(path: str, published: ParsedTable, expected: ParsedTable, meta: Table) -> list[str]:
    """The findings for one published table against the build's (cells, missing and extra rows)."""
    return _compare_one(path, published, expected, meta)


def shift_lines(table: ParsedTable, offset: int) -> ParsedTable:
    """The same table as if its text started ``offset`` lines further down (for tables parsed from a slice)."""
    return ParsedTable(table.line + offset, [ParsedRow(r.line + offset, r.cells, [n + offset for n in r.cell_lines])
                                             for r in table.rows])


def _compare_one(path: str, published: ParsedTable, expected: ParsedTable, meta: Table) -> list[str]:
    findings = []
    labels = ["header"] + [row.label for row in meta.rows]
    for index, want in enumerate(expected.rows):
        label = labels[index] if index < len(labels) else f"#{index}"
        if index >= len(published.rows):
            findings.append(f"{path}:{published.rows[-1].line}: table {meta.name}, row {label}: missing, "
                            f"formulas give | {' | '.join(want.cells)} |")
            continue
        got = published.rows[index]
        for column, want_cell in enumerate(want.cells):
            header = meta.columns[column].header if column < len(meta.columns) else f"#{column + 1}"
            got_cell = got.cells[column] if column < len(got.cells) else "(no cell)"
            if got_cell != want_cell:
                findings.append(f"{got.line_of(column)}: table {meta.name}, row {label}, column {header}: "
                                f"published {got_cell or '(empty)'}, formulas give {want_cell or '(empty)'}")
        if len(got.cells) > len(want.cells):
            findings.append(f"{got.line}: table {meta.name}, row {label}: {len(got.cells)} cells published, "
                            f"the table has {len(want.cells)}")
    for got in published.rows[len(expected.rows):]:
        findings.append(f"{got.line}: table {meta.name}: a row the formulas do not give: | {' | '.join(got.cells)} |")
    return [f if f.startswith(path) else f"{path}:{f}" for f in findings]


def _chart_data(path: str, data: bytes):
    from generator.tables import svg as charts
    try:
        return charts.png_chart_data(data) if path.endswith(".png") else charts.chart_data(data.decode("utf-8"))
    except Exception:  # noqa: BLE001 - published bytes may be anything (empty, truncated, not XML): unreadable
        return None


def _differences(published, expected, where: str = "") -> list[tuple[str, object, object]]:
    if type(published) is type(expected) and isinstance(published, (dict, list)) and published == expected:
        return []  # equal all the way down (compared in C): nothing to walk
    if isinstance(published, dict) and isinstance(expected, dict):
        return [d for key in sorted(set(published) | set(expected), key=str)
                for d in _differences(published.get(key), expected.get(key), f"{where}.{key}" if where else str(key))]
    if isinstance(published, list) and isinstance(expected, list) and len(published) == len(expected):
        return [d for i, (p, e) in enumerate(zip(published, expected)) for d in _differences(p, e, f"{where}[{i}]")]
    return [] if published == expected else [(where, published, expected)]


def chart_findings(path: str, published: bytes, expected: bytes, limit: int = 5) -> list[str]:
    """A chart whose data no longer matches the formulas, named down to the data point."""
    got, want = _chart_data(path, published), _chart_data(path, expected)
    if got is None:
        return [f"{path}: a chart without readable data; run `{program()} build`"]
    differences = _differences(got, want)
    if not differences:
        return []  # same data, other bytes (e.g. a newer plotting library): the file diff still says so
    lines = [f"{path}: chart data {where}: published {p}, formulas give {e}" for where, p, e in differences[:limit]]
    if len(differences) > limit:
        lines.append(f"{path}: chart data: {len(differences) - limit} more difference(s)")
    return lines


@functools.lru_cache(maxsize=8)
def _expected_json(expected: bytes):
    # The build's own JSON, parsed once per process (a mutation test compares thousands of changed copies with it);
    # _differences only reads it.
    import json
    return json.loads(expected.decode("utf-8"))


def json_findings(path: str, published: bytes, expected: bytes, limit: int = 5) -> list[str]:
    """Data the calculator reads, named down to the value that no longer matches the formulas."""
    import json
    try:
        got = json.loads(published.decode("utf-8"))
        differences = _differences(got, _expected_json(expected))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return [f"{path}: not valid JSON, or nested too deep; run `{program()} build`"]
    lines = [f"{path}: {where}: published {p}, formulas give {e}" for where, p, e in differences[:limit]]
    if len(differences) > limit:
        lines.append(f"{path}: {len(differences) - limit} more difference(s)")
    return lines


# -- what a reader sees: the same under any version of the libraries that write the bytes ----------------------

class _ReaderView(HTMLParser):
    """A page as its reader meets it: each element with its attributes, and its text with runs of white space as
    one space. What a new Markdown release changes (line breaks between tags, `&quot;` or `"`, `<br>` or `<br />`,
    the order of attributes) is not in it; a changed word, cell, link or element is."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: list = []

    def handle_starttag(self, tag, attrs):
        self.items.append(("<", tag, tuple(sorted((k, " ".join((v or "").split())) for k, v in attrs))))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.items.append((">", tag))

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text:
            return
        if self.items and self.items[-1][0] == "t":
            self.items[-1] = ("t", self.items[-1][1] + " " + text)
        else:
            self.items.append(("t", text))


def html_reader_view(text: str) -> list:
    parser = _ReaderView()
    parser.feed(text)
    parser.close()
    return parser.items


def workbook_reader_view(data: bytes) -> list:
    """Every sheet of a workbook: its name, each cell's formula or value and number format, merged ranges and column
    widths; not the bytes of the file (an openpyxl release may zip and order its parts differently)."""
    import io
    import warnings
    from openpyxl import load_workbook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(data), data_only=False)
    view = []
    for sheet in book.worksheets:
        cells = [(c.coordinate, c.value, c.number_format) for row in sheet.iter_rows() for c in row
                 if c.value is not None]
        widths = sorted((k, round(d.width or 0, 3)) for k, d in sheet.column_dimensions.items() if d.width)
        view.append((sheet.title, cells, sorted(str(r) for r in sheet.merged_cells.ranges), widths))
    return view


def reader_equivalent(rel: str, published: bytes, expected: bytes) -> bool:
    """True when ``published`` shows its reader what ``expected`` does, written by another version of a library
    the pyproject range allows: a page (Markdown -> HTML), the seed's workbook (openpyxl) or its header image
    (matplotlib; compared by the chart data it carries, with its fingerprint intact). Other files are ours
    byte for byte, under any library version."""
    try:
        if rel.endswith((".html", ".htm")):
            return html_reader_view(published.decode("utf-8")) == html_reader_view(expected.decode("utf-8"))
        if rel.endswith(".xlsx"):
            return workbook_reader_view(published) == workbook_reader_view(expected)
        if rel.endswith(".png"):
            from generator.tables import svg as charts
            from generator.site.plan import _fingerprint_holds
            return _fingerprint_holds(published) and charts.png_chart_data(published) == charts.png_chart_data(expected)
    except Exception:  # noqa: BLE001 - bytes that cannot be read are not what the build writes
        return False
    return False


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in data


def unified_diff(path: str, published: bytes, expected: bytes) -> str:
    old = published.decode("utf-8", "replace").splitlines(keepends=True)
    new = expected.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"{path} (published)", tofile=f"{path} (fresh build)")
    return "".join(_shortened(line.rstrip("\n")) + "\n" for line in lines)


def _shortened(line: str, limit: int = 300) -> str:
    # A changed line of embedded JSON can be tens of kilobytes; the findings above name the value itself.
    return line if len(line) <= limit else f"{line[:limit]}… ({len(line) - limit} more characters)"


@dataclass
class CheckReport:
    findings: list[str] = field(default_factory=list)  # one line each
    diffs: list[str] = field(default_factory=list)  # unified diffs
    files: int = 0
    tables: int = 0
    cells: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings and not self.diffs


def count_tables(report: CheckReport, meta: tuple[Table, ...]) -> None:
    report.tables += len(meta)
    report.cells += sum(len(t.columns) * len(t.rows) for t in meta)


def check_site(plan: SitePlan, site_dir: str) -> CheckReport:
    """Compare a published site folder with the plan: table cells first, then whole files, then files the build
    does not make. Holds the output folder's lock, so no build swaps the site while it is read."""
    if not os.path.isdir(site_dir):
        raise GeneratorError("site folder not found", site_dir, None, f"run `{program()} build` first")
    with output_lock(site_dir, "check", required=False):
        return _check_locked(plan, site_dir)


def _check_locked(plan: SitePlan, site_dir: str) -> CheckReport:
    report = CheckReport()
    for rel, expected in plan.files.items():
        shown = os.path.join(site_dir, rel)
        report.files += 1
        try:
            published = read_published(site_dir, rel)
        except OSError as exc:
            report.findings.append(f"{shown}: cannot be read ({exc.strerror}); run `{program()} build`")
            continue
        if published is None:
            report.findings.append(f"{shown}: missing; run `{program()} build`")
            continue
        meta = plan.tables.get(rel, ())
        count_tables(report, meta)
        if published == expected:
            continue  # the same bytes as a fresh build: every cell already matches the formulas
        findings = _file_findings(shown, rel, published, expected, meta)
        report.findings.extend(findings)
        if not findings and reader_equivalent(rel, published, expected):
            continue  # other bytes, the same for the reader: written by another allowed library version
        if rel == MANIFEST or not _is_text(expected) or not _is_text(published):
            report.findings.append(f"{shown}: differs from a fresh build; run `{program()} build`")
        else:
            report.diffs.append(unified_diff(shown, published, expected))
    for rel in stale_paths(plan, site_dir):
        report.findings.append(f"{os.path.join(site_dir, rel)}: an earlier build wrote it, this one would not; "
                               f"run `{program()} build` to delete it")
    for rel in unmade_files(plan, site_dir):
        report.findings.append(f"{os.path.join(site_dir, rel)}: a file the build does not make, in a folder it "
                               f"writes ({_owner_folder(plan, rel)}/); remove it, or put the file outside the "
                               "generator's folders")
    for rel in _unplanned_pages(plan, site_dir):
        report.findings.extend(_unplanned_tables(site_dir, rel))
    return report


def _file_findings(shown: str, rel: str, published: bytes, expected: bytes, meta: tuple[Table, ...]) -> list[str]:
    """What differs inside one file: its cells, its chart's data, its JSON values. Never raises: a published file
    that cannot be parsed is itself the finding."""
    findings = []
    try:
        if meta:
            findings.extend(compare_tables(shown, published.decode("utf-8", "replace"), expected.decode("utf-8"), meta))
        if rel.endswith((".svg", ".png")):
            findings.extend(chart_findings(shown, published, expected))
        elif rel.endswith(".json"):
            findings.extend(json_findings(shown, published, expected))
    except Exception as exc:  # noqa: BLE001 - hostile bytes in a published file are a mismatch, not a crash
        findings.append(f"{shown}: cannot be read as the build writes it ({type(exc).__name__}); "
                        f"run `{program()} build`")
    return findings


def _unplanned_tables(site_dir: str, rel: str) -> list[str]:
    path = os.path.join(site_dir, rel)
    try:
        text = read_bounded(path, MAX_PUBLISHED_BYTES, "page", follow=False).decode("utf-8", "replace")
        return [f"{path}:{table.line}: a table the build does not make (header: {' | '.join(table.header)}); "
                "remove it or generate it from content/" for table in tables_in(rel, text)]
    except Exception as exc:  # noqa: BLE001 - not ours to parse cleanly; say so rather than crash
        return [f"{path}: cannot be read to look for tables ({type(exc).__name__}); remove it or fix it"]


def generator_folders(plan: SitePlan) -> set[str]:
    """The folders the build writes files into (``posts``, ``models``, ``images/charts``, ...): everything in them
    and below them is the generator's output. The site's top folder is not among them: it may hold the user's
    own files (``CNAME``, say), which the build leaves alone."""
    return {rel.rsplit("/", 1)[0] for rel in plan.files if "/" in rel}


def _owner_folder(plan: SitePlan, rel: str) -> str:
    owned = generator_folders(plan)
    parts = rel.split("/")[:-1]
    return next("/".join(parts[:n]) for n in range(1, len(parts) + 1) if "/".join(parts[:n]) in owned)


def unmade_files(plan: SitePlan, site_dir: str) -> list[str]:
    """Files (and links) in the generator's folders that the build would not make: a stray script, a page, a post."""
    owned = generator_folders(plan)
    found = []
    for folder, dirs, names in os.walk(site_dir):
        relative_dir = os.path.relpath(folder, site_dir).replace(os.sep, "/")
        parts = [] if relative_dir == "." else relative_dir.split("/")
        is_owned = any("/".join(parts[:n]) in owned for n in range(1, len(parts) + 1))
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = sorted(d for d in dirs if d not in links)
        if not is_owned:
            continue
        for name in sorted(names + links):
            rel = "/".join(parts + [name])
            if rel not in plan.files:
                found.append(rel)
    return found


def _unplanned_pages(plan: SitePlan, site_dir: str) -> list[str]:
    found = []
    for folder, dirs, names in os.walk(site_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "_site")
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(folder, name), site_dir).replace(os.sep, "/")
            if rel not in plan.files and name.endswith((".md", ".markdown", ".html")) \
                    and stat.S_ISREG(os.lstat(os.path.join(folder, name)).st_mode):
                found.append(rel)
    return found


def check_files(plan: SitePlan, paths: list[str]) -> CheckReport:
    """Check posts published elsewhere (say, in a Jekyll repo): their tables, cell by cell."""
    report = CheckReport()
    for path in paths:
        rel = _planned_counterpart(plan, path)
        try:
            published = read_bounded(path, MAX_PUBLISHED_BYTES, "post").decode("utf-8", "replace")
        except OSError as exc:
            raise GeneratorError(f"cannot read file: {exc.strerror}", path, None, "check the path") from None
        meta = plan.tables.get(rel, ())
        report.files += 1
        count_tables(report, meta)
        try:
            report.findings.extend(compare_tables(path, published, plan.files[rel].decode("utf-8"), meta))
        except Exception as exc:  # noqa: BLE001 - hostile bytes in a published file are a mismatch, not a crash
            report.findings.append(f"{path}: its tables cannot be read ({type(exc).__name__}); compare it with "
                                   f"`{program()} build`")
    return report


def _planned_counterpart(plan: SitePlan, path: str) -> str:
    name = os.path.basename(path)
    for rel in plan.files:
        if rel.rsplit("/", 1)[-1] == name and rel != MANIFEST:
            return rel
    known = ", ".join(p.source.post_filename for p in plan.posts)
    raise GeneratorError("not a post that content/ builds", path, None,
                         f"name the file as its post source is named ({known})")
