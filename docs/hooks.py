"""MkDocs hooks of this documentation (``hooks:`` in mkdocs.yml): the reference sections are made from the code.

A line ``<!-- generated: NAME -->`` in a page is replaced by the Markdown of ``GENERATED[NAME]``: the table calls
from their signatures and docstrings (``generator.render.pages._TableCalls.CALLS``), the command line from its
argument parser, the library from ``generator.estimate``'s signature and docstring and ``Estimate``'s fields, the
limits from ``generator/core/limits.py``, the families from ``generator/families/table.py`` and the layer order from
``tests/test_layers.py``. One source each, so the documentation cannot drift from the code (tests/test_docs.py
checks the pages use them).

The hooks run after the ``vram-tables`` plugin has rendered the pages' live tables, so text made here (examples
with ``{{ ... }}``) is never evaluated.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import typing

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.MULTILINE)


def _markdown(docstring: str | None) -> str:
    """A docstring as Markdown: reStructuredText's ``code`` becomes `code`, :func:/:class: roles their names."""
    text = inspect.cleandoc(docstring or "")
    text = re.sub(r":(?:func|class|meth|mod):`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _parameters(function) -> str:
    """A signature as an author writes the call: without ``self`` and return annotation."""
    signature = inspect.signature(function)
    shown = [str(p.replace(annotation=inspect.Parameter.empty)) for name, p in signature.parameters.items()
             if name != "self"]
    return f"{function.__name__}({', '.join(shown)})"


def _signature(function) -> str:
    """``(a: int = 1, *, b: str | None = None) -> T`` with the annotations as written (not quoted)."""
    signature = inspect.signature(function)
    parts, star = [], False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        text = ("**" if parameter.kind is parameter.VAR_KEYWORD else "") + parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {parameter.annotation}"
        if parameter.default is not parameter.empty:
            text += f" = {parameter.default!r}"
        parts.append(text)
    returned = "" if signature.return_annotation is signature.empty else f" -> {signature.return_annotation}"
    return f"({', '.join(parts)}){returned}"


def table_calls() -> str:
    from generator.render import pages as render
    headings = {"tables": "Tables", "charts": "Charts", "values": "Values for prose"}
    parts = []
    for group, names in render._TableCalls.CALLS.items():
        parts.append(f"### {headings[group]}\n")
        for name in names:
            function = getattr(render._TableCalls, name)
            parts.append(f"#### `{name}`\n\n```jinja\n{{{{ {_parameters(function)} }}}}\n```\n\n"
                         f"{_markdown(function.__doc__)}\n")
    return "\n".join(parts)


def _option(action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    flag = ", ".join(f"`{s}`" for s in action.option_strings)
    if action.nargs == 0:
        return flag
    if action.choices:
        return f"{flag} `{'|'.join(str(c) for c in action.choices)}`".replace("|", "\\|")
    return f"{flag} `{action.metavar or action.dest.upper()}`"


def _options_table(parser) -> str:
    rows = ["| option | meaning |", "| --- | --- |"]
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        meaning = action.help or ""
        if action.required:
            meaning = "required; " + meaning
        rows.append(f"| {_option(action)} | {_cell(meaning)} |")
    return "\n".join(rows)


def cli() -> str:
    from generator import cli as cli_module
    parser = cli_module.make_parser()
    parser.prog = "python -m generator"
    verbs = parser._subparsers._group_actions[0]
    parts = [f"{parser.description}\n\n```text\n{parser.format_usage().strip()}\n```\n\n{parser.epilog}\n"]
    for choice in verbs._choices_actions:
        sub = verbs.choices[choice.dest]
        sub.prog = f"python -m generator {choice.dest}"
        parts.append(f"### `python -m generator {choice.dest}`\n\n{sub.description or choice.help}\n\n"
                     f"```text\n{sub.format_usage().strip()}\n```\n\n{_options_table(sub)}\n")
    return "\n".join(parts)


def api() -> str:
    from generator import api as api_module
    estimate = api_module.estimate
    hints = typing.get_type_hints(api_module.Estimate)
    rows = ["| field | type |", "| --- | --- |"]
    for field in dataclasses.fields(api_module.Estimate):
        kind = re.sub(r"typing\.|<class '([^']+)'>", r"\1", str(hints[field.name]))
        note = " (not in `--json`)" if field.metadata.get("json", True) is False else ""
        rows.append(f"| `{field.name}` | `{_cell(kind)}`{note} |")
    vllm_rows = ["| field of `vllm` | type |", "| --- | --- |"]
    vllm_hints = typing.get_type_hints(api_module.VllmStart)
    for field in dataclasses.fields(api_module.VllmStart):
        vllm_rows.append(f"| `{field.name}` | `{vllm_hints[field.name].__name__}` |")
    return (f"### `generator.estimate`\n\n```python\ngenerator.estimate{_signature(estimate)}\n```\n\n"
            f"{_markdown(estimate.__doc__)}\n\n### `Estimate`\n\n{_markdown(api_module.Estimate.__doc__)}\n\n"
            + "\n".join(rows) + "\n\n" + "\n".join(vllm_rows) + "\n\n"
            f"`to_dict()`: {_markdown(api_module.Estimate.to_dict.__doc__)} "
            f"`to_json()`: {_markdown(api_module.Estimate.to_json.__doc__)} "
            f"`text()`: {_markdown(api_module.Estimate.text.__doc__)}\n\n"
            f"### `generator.models`\n\n```python\ngenerator.models{_signature(api_module.models)}\n```\n\n"
            f"{_markdown(api_module.models.__doc__)}\n")


def limits() -> str:
    from generator.core import limits as limits_module
    rows = ["| limit | maximum | what it bounds |", "| --- | --- | --- |"]
    for name, value, meaning in limits_module.table():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
        rows.append(f"| `{name}` | {shown} | {_cell(meaning)} |")
    return "\n".join(rows)


def families() -> str:
    from generator.families.table import FAMILIES
    return ", ".join(f"`{name}`" for name in sorted(FAMILIES))


def layers() -> str:
    """The layer order, read (not imported) from tests/test_layers.py, where the test that enforces it lives."""
    import ast
    import os
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "test_layers.py")
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(target, "id", None) == "LAYERS" for target in node.targets))
    rows = ["| layer | modules (`generator.`...) |", "| --- | --- |"]
    for name, modules in ast.literal_eval(value):
        shown = ", ".join(f"`{m}`" if m else "the package" for m in modules)
        rows.append(f"| {name} | {shown} |")
    return "\n".join(rows)


GENERATED = {"table-calls": table_calls, "cli": cli, "api": api, "limits": limits, "families": families,
             "layers": layers}


def expand(markdown: str) -> str:
    return MARKER.sub(lambda match: GENERATED[match.group(1)](), markdown)


def on_page_markdown(markdown, page, config, files):
    return expand(markdown)
