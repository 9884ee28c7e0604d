"""Numbers to text, in one place. A column's format is part of its table's definition.

Formats:
  ``g2``  at most two decimals, trailing zeros dropped (``3``, ``5.3``, ``134.74``), as the seed writes memory;
  ``f2``  exactly two decimals (``0.90``), as the seed writes per-token rates;
  ``f1``  exactly one decimal;
  ``int`` a whole number (``30720``); ``intc`` the same with thousands separators (``1,048,576``), for tables
          the seed does not have (its Markdown must stay as it was);
  ``pct1`` a percentage with one decimal (``3.2%``); ``spct1`` the same with its sign (``+3.2%``, ``-0.4%``);
  ``text`` a column of words, not numbers.
Rounding is half away from zero on the decimal value, as a spreadsheet rounds, not Python's banker's rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FORMATS = ("g2", "f2", "f1", "int", "intc", "pct1", "spct1", "text")


def _quantize(value: float, places: int) -> Decimal:
    # repr() is the shortest text that round-trips, so 0.125 stays 0.125 rather than 0.12499999...
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_number(value: float, spec: str) -> str:
    if spec == "int":
        if value != int(value):
            raise ValueError(f"{value!r} is not a whole number")
        return str(int(value))
    if spec == "intc":
        if value != int(value):
            raise ValueError(f"{value!r} is not a whole number")
        return f"{int(value):,}"
    if spec == "g2":
        text = f"{_quantize(value, 2):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if spec == "f2":
        return f"{_quantize(value, 2):f}"
    if spec == "f1":
        return f"{_quantize(value, 1):f}"
    if spec == "pct1":
        return f"{_quantize(value, 1):f}%"
    if spec == "spct1":
        rounded = _quantize(value, 1)
        if rounded == 0:
            return "0.0%"  # neither "+0.0%" nor "-0.0%": the sign of nothing says nothing
        return f"{rounded:+f}%"
    raise ValueError(f"unknown number format {spec!r}; use one of {', '.join(FORMATS)}")
