"""Typed fields of the content files: each with its type, range and unit, checked at load at the field's own line.

A file's mapping is described by a table ``{key: Field}``; :func:`check_fields` checks every key of a mapping
against it (unknown keys refused, each value's type and range checked) and returns the values. Adding a field
to a file is one line in its table. Functions take ``(data, path)`` so that they work for any file that holds
such a mapping.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from generator.core import limits
from generator.core.errors import GeneratorError, shown


@dataclass(frozen=True)
class Field:
    """``kind``: whole, number, flag, text, name, version, url or choice. ``low``/``high`` bound numbers (and
    lengths of text); ``low_open`` excludes ``low`` itself; ``unit`` is said in messages; ``choices`` for choice."""

    kind: str
    low: float | None = None
    high: float | None = None
    unit: str = ""
    low_open: bool = False
    choices: tuple = ()
    nullable: bool = False  # config.json writes null for "not set"


def Whole(low: int, high: int, unit: str = "", nullable: bool = False) -> Field:
    return Field("whole", low, high, unit, nullable=nullable)


def Number(low: float, high: float, unit: str = "", low_open: bool = True) -> Field:
    return Field("number", low, high, unit, low_open)


FLAG = Field("flag")
NULLABLE_FLAG = Field("flag", nullable=True)
NAME = Field("name", 1, limits.MAX_NAME_LENGTH)
TEXT = Field("text", 1, limits.MAX_TEXT_LENGTH)
VERSION = Field("version", 1, 40)
URL = Field("url", 1, limits.MAX_TEXT_LENGTH)


LANG = Field("lang", 1, 35)
MAPPING = Field("mapping")
NAMES = Field("names", 1, limits.MAX_NAME_LENGTH)  # a non-empty list of names


def Choice(*choices: str) -> Field:
    return Field("choice", choices=choices)


# Whether measured data tuned a constant of the estimator ("calibration") or is only compared with it ("held-out"):
# the ``role`` of a benchmark file and of a llama.cpp load log (issue 23 item 3). Unlabelled data counts as
# calibration, so an accuracy figure is only called held out where the data says so.
ROLE = Choice("calibration", "held-out")
ROLES = ("calibration", "held-out")

_TYPE_NAMES = {bool: "true/false", int: "a whole number", float: "a number", str: "text", type(None): "nothing"}


def type_name(value) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


# Text on one line: no control characters (a newline or tab in a name would break every table it appears in).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_VERSION = re.compile(r"^v?\d+(\.\d+)*([.+\-]?[0-9A-Za-z]+)*$")
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_URL = re.compile(r"^https?://[^\s\"'<>]+$")


def _number_text(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _high_text(spec: Field) -> str:
    return _number_text(spec.high) + (f" {spec.unit}" if spec.unit else "")


def _range_text(spec: Field) -> str:
    if spec.low_open:
        return f"above {_number_text(spec.low)} and at most {_high_text(spec)}"
    return f"from {_number_text(spec.low)} to {_high_text(spec)}"


def check_value(value, spec: Field, key: str, path: str, line: int):
    """``value`` if it is what ``spec`` says, else a GeneratorError at ``path:line`` naming ``key``."""
    def refuse(problem: str, fix: str):
        raise GeneratorError(f"field {key!r} {problem}", path, line, fix)

    if value is None and spec.nullable:
        return None
    kind = spec.kind
    if kind == "any":  # checked by the caller
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            refuse(f"must be true or false, not {type_name(value)} {shown(value)}",
                   f"write {key}: true or {key}: false, without quotes")
        return value
    if kind in ("whole", "number"):
        return _check_number(value, spec, key, refuse)
    if kind == "mapping":
        if not isinstance(value, dict):
            refuse(f"must be a mapping, not {type_name(value)}", f"write {key} as 'key: value' lines under it")
        return value
    if kind == "names":
        if not isinstance(value, list) or not value:
            refuse(f"must be a non-empty list of names, not {type_name(value)} {shown(value)}",
                   f"write {key} as [name, ...] or as '- name' lines")
        item_line = getattr(value, "line_of", lambda index: line)
        for index, item in enumerate(value):
            check_value(item, Field("name", 1, spec.high), f"{key}[{index}]", path, item_line(index))
        return value
    if not isinstance(value, str):
        fix = f'write it in quotes: {key}: "{value}"' if kind == "version" and isinstance(value, (int, float)) \
            else f"write {key} as text"
        refuse(f"must be text, not {type_name(value)} {shown(value)}", fix)
    if kind == "choice":
        if value not in spec.choices:
            refuse(f"is not one of the known values: {shown(value)}", "use one of: " + ", ".join(spec.choices))
        return value
    if not value.strip():
        refuse("must not be empty", f"give {key} a value")
    if len(value) > spec.high:
        refuse(f"is {len(value):,} characters long, more than {spec.high:,}", f"shorten {key}")
    if kind != "text" and _CONTROL.search(value):
        refuse(f"must be one line of text without control characters, not {shown(value)}",
               "remove the line break, tab or control character")
    if kind == "version" and not _VERSION.match(value):
        refuse(f"must be a version such as \"4.38.2\", not {shown(value)}", "write the version as the library states it")
    if kind == "lang" and not _LANG.match(value):
        refuse(f"must be a language tag such as zh-CN or en, not {shown(value)}", "write a BCP 47 language tag")
    if kind == "url" and not _URL.match(value):
        refuse(f"must be an http:// or https:// address, not {shown(value)}", "give the page's web address")
    return value


def _check_number(value, spec: Field, key: str, refuse):
    whole = spec.kind == "whole"
    what = "a whole number" if whole else "a number"
    unit = f" of {spec.unit}" if spec.unit and whole else f" (in {spec.unit})" if spec.unit else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or whole and not isinstance(value, int):
        hint = ""
        if isinstance(value, str) and _looks_numeric(value):
            hint = " (YAML reads 1e9 as text: write 1.0e+9)" if not whole else " (write it without quotes)"
        elif isinstance(value, float) and whole and math.isfinite(value):
            hint = f" ({value:g} is not whole)"
        refuse(f"must be {what}{unit}, not {type_name(value)}{hint}", f"write {key} as {what}")
    if isinstance(value, float) and not math.isfinite(value):
        refuse(f"must be a finite number, not {shown(value)}", f"give {key} a value {_range_text(spec)}")
    below = value <= spec.low if spec.low_open else value < spec.low
    if below:
        if whole and spec.low == 1:
            problem = "must be above zero"
        elif spec.low == 0 and spec.low_open:
            problem = "must be a positive number"
        else:
            problem = f"must be {_range_text(spec)}"
        refuse(f"{problem}, not {shown(value)}", f"give {key} a value {_range_text(spec)}")
    if not whole and spec.low == 0 and spec.low_open and value < limits.MIN_NUMBER:
        refuse(f"must be at least {limits.MIN_NUMBER:g}, not {shown(value)}", f"check {key}'s unit and digits")
    if value > spec.high:
        refuse(f"must be at most {_high_text(spec)}, not {shown(value)}",
               f"check {key}'s unit and digits ({_range_text(spec)})")
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_fields(data, path: str, what: str, table: dict, required: tuple = ()) -> dict:
    """Every key of mapping ``data`` checked against ``table``: unknown keys refused, ``required`` keys present.
    Returns ``{key: value}`` of the keys present. ``data`` is a LocatedDict (or any mapping: lines then unknown)."""
    line_of = getattr(data, "line_of", lambda key: getattr(data, "line", None))
    for key in data:
        if key not in table:
            raise GeneratorError(f"unknown field {shown(key)} in {what}", path, line_of(key),
                                 "remove it or use one of: " + ", ".join(table))
    for key in required:
        if key not in data:
            raise GeneratorError(f"missing field {key!r} in {what}", path, getattr(data, "line", None),
                                 f"add '{key}:' to it")
    return {key: check_value(value, table[key], key, path, line_of(key)) for key, value in data.items()}


# -- a file's structure (shared by loading.py, catalogue/llamacpp_logs.py and vllm_logs.py) --------------------------------------

SOURCE_FIELDS = {"title": TEXT, "url": URL, "note": TEXT}


def require_mapping(value, path: str, line: int, what: str) -> dict:
    if not isinstance(value, dict):
        raise GeneratorError(f"{what} must be a mapping, not {type_name(value)}", path, line,
                             "write it as 'key: value' lines")
    return value


def check_keys(data, path: str, what: str, required: tuple, optional: tuple = ()) -> None:
    for key in data:
        if key not in required and key not in optional:
            allowed = ", ".join(required + optional)
            raise GeneratorError(f"unknown field {shown(key)} in {what}", path, data.line_of(key),
                                 f"remove it or use one of: {allowed}")
    for key in required:
        if key not in data:
            raise GeneratorError(f"missing field {key!r} in {what}", path, data.line,
                                 f"add '{key}:' to it")


def require_list(data, key: str, path: str) -> list:
    value = data[key]
    if not isinstance(value, list):
        raise GeneratorError(f"field {key!r} must be a list, not {type_name(value)}", path,
                             data.line_of(key), f"write {key} as a list of '- ' items")
    if not value:
        raise GeneratorError(f"field {key!r} is an empty list", path, data.line_of(key),
                             f"add at least one item to {key}")
    return value


def mapping_fields(data, path: str, line: int, what: str, table: dict, required: tuple = ()) -> dict:
    """:func:`check_fields` of ``data``, which must be a mapping."""
    return check_fields(require_mapping(data, path, line, what), path, what, table, required)


def check_source(data, path: str) -> dict:
    """The ``source:`` mapping of a data file (title, url, note)."""
    return mapping_fields(data["source"], path, data.line_of("source"), "'source'", SOURCE_FIELDS, ("title", "url"))
