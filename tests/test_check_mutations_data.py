"""check catches a changed digit in every number that is not in a table: charts' data, the calculator's JSON,
and the workbook's cells. Tables (Markdown and HTML) are covered in test_check.py."""

import re

import pytest

from conftest import repo_plan
from generator.site.check import chart_findings, json_findings

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@pytest.fixture(scope="module")
def plan():
    return repo_plan()


def _each_digit_changed(text: str, start: int, end: int):
    """``text`` with one digit between ``start`` and ``end`` changed, for each such digit (a leading digit never
    becomes 0, which would make another kind of number, or no number, rather than another value)."""
    for offset in range(start, end):
        if text[offset].isdigit():
            digit = int(text[offset])
            leading = offset == start or not text[offset - 1].isdigit() and text[offset - 1] != "."
            changed = digit % 9 + 1 if leading else (digit + 1) % 10
            yield text[:offset] + str(changed) + text[offset + 1:]


def test_every_digit_of_every_charts_data_is_caught(plan):
    charts = [rel for rel in plan.files if rel.endswith(".svg") and rel.startswith("images/")]  # not the icon
    assert len(charts) >= 30
    caught = 0
    for rel in charts:
        svg = plan.files[rel].decode("utf-8")
        start = svg.index('<metadata id="chart-data">')
        end = svg.index("</metadata>", start)
        for number in NUMBER.finditer(svg, start + len('<metadata id="chart-data">'), end):
            mutated = next(_each_digit_changed(svg, number.start(), number.end()))
            findings = chart_findings(rel, mutated.encode("utf-8"), plan.files[rel])
            assert findings and ": chart data " in findings[0], (rel, number.group())
            caught += 1
    assert caught > 1000


def test_every_digit_of_the_calculators_data_is_caught(plan):
    rel = "calculator/estimator-data.json"
    text = plan.files[rel].decode("utf-8")
    numbers = list(NUMBER.finditer(text))
    assert len(numbers) > 500
    for number in numbers:
        for mutated in _each_digit_changed(text, number.start(), number.end()):
            findings = json_findings(rel, mutated.encode("utf-8"), plan.files[rel])
            assert findings and "formulas give" in findings[0], number.group()


# The workbook: tests/test_check_gaps.py changes numbers in it and runs check on the site (the test that stood here
# compared bytes only and could not fail).
