"""Tables and charts: what each of the authors' table and chart calls shows, built from the catalogue through calc.
A table knows each cell's number and the text a reader sees; ``check`` verifies cells by their names.

table.py              the Table type: columns, cells (number and text), rows; the table as HTML and as Markdown
seed.py               the seed post's tables (load, context, benchmark) and the benchmarks' validation tables
estimates.py          the architecture-aware tables: memory, which GPU fits, longest context, vLLM capacity
vllm_validation.py    each vLLM start-up log against the estimate
estimate_charts.py    which numbers each chart shows
svg.py                drawing: numbers in, SVG or PNG bytes out
spreadsheet.py        the seed's workbook: its tables as formulas over input cells

May import: core, calc, families, engines, catalogue, api, and render's text helpers (escape, i18n, formatting).
"""
