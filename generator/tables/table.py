"""The table: columns, rows of cells (each with the number behind it and the text a reader sees), and the table as
HTML and as Markdown. ``check`` uses the names (table, row label, column header) to say which published cell is wrong.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from generator.render import escape
from generator.render.formatting import format_number


@dataclass(frozen=True)
class Column:
    header: str
    format: str


@dataclass(frozen=True)
class Cell:
    text: str
    value: float | None = None
    bold: bool = False
    # The seed writes a cell that has no value ("no difference for the baseline row") as "| |", and a
    # value it leaves out because it repeats the row above as "|  |"; both read as empty.
    absent: bool = False
    href: str | None = None  # a site-absolute link ("/models/x.html") the cell's text points to
    # A colour for the cell in HTML, as a hue (0-360): the answer grid colours each cell by the smallest card.
    hue: int | None = None

    @property
    def markdown(self) -> str:
        text = escape.markdown_link(self.text, self.href) if self.href and self.text else \
            escape.markdown_cell(self.text)
        return f"**{text}**" if self.bold and text else text

    @property
    def html(self) -> str:
        text = escape.html_text(self.text)
        if self.href and text:
            text = f'<a href="{escape.html_url(self.href)}">{text}</a>'
        return f"<strong>{text}</strong>" if self.bold and text else text


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    # Where the numbers came from, for whatever re-derives them (the spreadsheet): a context table keeps its
    # ContextRow specs here.
    sources: tuple = ()
    # Say each column's alignment (text left, numbers right) in the Markdown. The seed's tables do not:
    # the published seed must stay byte-identical to the original post.
    aligned: bool = True
    # What the table shows, in a sentence: the HTML caption and the name of its scroll region (not in the
    # Markdown, so the seed's text is unchanged).
    caption: str = ""
    # How many leading columns name the row (model, quantization): row headers, pinned while the rest scroll.
    row_header_columns: int = 1

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)


def without_links(table: Table) -> Table:
    """The same table with plain names: for a blog that has no model pages to link to."""
    rows = tuple(dataclasses.replace(row, cells=tuple(dataclasses.replace(c, href=None) if c.href else c
                                                      for c in row.cells)) for row in table.rows)
    return dataclasses.replace(table, rows=rows)


def number_cell(value: float, column: Column, bold: bool = False) -> Cell:
    return Cell(format_number(value, column.format), value, bold)


def value_cell(value, column: Column) -> Cell:
    """A text column's value as it is, a number formatted by its column."""
    return Cell(str(value)) if column.format == "text" else number_cell(value, column)


def table_html(table: Table) -> str:
    """The table as HTML: a captioned table whose first column holds row headers, inside a scroll region.

    On a narrow screen the region scrolls sideways while the first column (what each row is about) stays
    pinned (style.css); site.js adds the hint that more columns follow. The cells are the ones
    ``table_markdown(table)`` writes, so ``check`` reads the same text from either.
    """
    def align(column: Column, hue: int | None = None) -> str:
        styles = [f"--hue: {hue};"] if hue is not None else []
        if table.aligned:
            styles.append("text-align: left;" if column.format == "text" else "text-align: right;")
        tone = ' class="tone"' if hue is not None else ""
        return tone + (f' style="{" ".join(styles)}"' if styles else "")

    caption = escape.html_text(table.caption or table.name)
    pinned = f' class="pin{table.row_header_columns}"' if table.row_header_columns > 1 else ""
    lines = [f'<div class="table-wrap"><div class="table-scroll" tabindex="0" role="region" aria-label="{caption}">',
             f"<table{pinned}>", f"<caption>{caption}</caption>", "<thead>", "<tr>"]
    lines += [f'<th scope="col"{align(c)}>{escape.html_text(c.header)}</th>' for c in table.columns]
    lines += ["</tr>", "</thead>", "<tbody>"]
    for row in table.rows:
        lines.append("<tr>")
        for index, (column, cell) in enumerate(zip(table.columns, row.cells)):
            tag = 'th scope="row"' if index < table.row_header_columns else "td"
            lines.append(f"<{tag}{align(column, cell.hue)}>{cell.html}</{tag[:2]}>")
        lines.append("</tr>")
    lines += ["</tbody>", "</table>", "</div></div>"]
    return "\n".join(lines)


def table_markdown(table: Table) -> str:
    """A GitHub-flavoured Markdown table, laid out exactly as the seed post lays its tables."""
    def rule(column: Column) -> str:
        if not table.aligned:
            return "---"
        return ":---" if column.format == "text" else "---:"

    # Headers are data too (a GPU's name heads a column): escaped like the cells.
    lines = ["| " + " | ".join(escape.markdown_cell(h) for h in table.headers) + " |",
             "| " + " | ".join(rule(c) for c in table.columns) + " |"]
    for row in table.rows:
        lines.append("|" + "".join(" |" if cell.absent else f" {cell.markdown} |" for cell in row.cells))
    return "\n".join(lines)
