"""The site: every output file planned in memory, written all or nothing, and checked against a fresh computation.

plan.py        the site plan: every output file as bytes, from content and templates
calculator.py  the calculator page's data (the estimator's tables as JSON) and files
writer.py      write a plan: only changed files, only after everything rendered, all or nothing
check.py       verify what is published: every cell against the formulas, every file against a fresh build

May import: everything below it (core up to render); not blog or cli.
"""
