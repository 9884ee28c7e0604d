"""Read YAML safely and remember where each value came from.

Mappings load as :class:`LocatedDict` and sequences as :class:`LocatedList`; both know the line of
each of their entries, so validation can say ``file:line`` about any field. Duplicate keys, aliases
(the "billion laughs" vector) and any tag outside plain YAML are refused rather than silently accepted.
"""

from __future__ import annotations

import pickle
import re

import yaml

from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_TEXT_BYTES, read_bounded


class LocatedDict(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    path: str = ""
    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A sequence that knows its own line and the line of each item (1-based)."""

    path: str = ""
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


# Content is a few levels deep; anything deeper is a mistake or an attack (10,000 nested "[" would otherwise
# exhaust Python's recursion limit in the composer and the constructor).
MAX_DEPTH = 64


class _Locating:
    """Construction shared by both loaders: located mappings and sequences, located value errors."""

    source_path = ""

    def construct_object(self, node, deep=False):
        # PyYAML's own constructors raise plain ValueError for values that look right but are not
        # (2024-02-30, an integer of more than 4300 digits, !!float abc): locate them like any other error.
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError, RecursionError) as exc:
            raise GeneratorError(f"bad YAML value: {exc}", self.source_path, node.start_mark.line + 1,
                                 "fix the value at that line") from None

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        result = LocatedDict()
        result.path = self.source_path
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise GeneratorError("a mapping key must be a plain value", self.source_path, line,
                                     "use a string as the key") from None
            if key in result:
                raise GeneratorError(f"duplicate key {key!r}", self.source_path, line,
                                     f"remove one of the two {key!r} entries") from None
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
        return result

    def construct_sequence(self, node, deep=False):
        result = LocatedList(self.construct_object(child, deep=True) for child in node.value)
        result.path = self.source_path
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


class _LocatingLoader(_Locating, yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise GeneratorError(
                "YAML aliases are not allowed", self.source_path, event.start_mark.line + 1,
                "write the value out instead of referring to an anchor",
            )
        if self._depth >= MAX_DEPTH:
            raise GeneratorError(f"YAML nested more than {MAX_DEPTH} levels deep", self.source_path,
                                 event.start_mark.line + 1, "flatten the structure")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# libyaml parses several times faster than PyYAML's Python parser. Its composer runs in C, where the checks
# of _LocatingLoader.compose_node cannot hook in, so a first pass over libyaml's events refuses aliases and
# deep nesting before anything is composed; construction (duplicate keys, lines, values) stays in Python.
_FAST = getattr(yaml, "__with_libyaml__", False)


class _FastLocatingLoader(_Locating, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _refuse_aliases_and_depth(text: str, path: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise GeneratorError("YAML aliases are not allowed", path, event.start_mark.line + 1,
                                 "write the value out instead of referring to an anchor")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise GeneratorError(f"YAML nested more than {MAX_DEPTH} levels deep", path,
                                     event.start_mark.line + 1, "flatten the structure")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _construct_text(loader: _Locating, node):
    value = loader.construct_scalar(node)
    if _SURROGATE.search(value):
        # "\ud83d" in a double-quoted string: a lone UTF-16 half that no UTF-8 output file can hold.
        raise GeneratorError("a text value with a lone UTF-16 surrogate escape (such as \"\\ud83d\")", loader.source_path,
                             node.start_mark.line + 1, "write the character itself, or its \\U0001xxxx escape")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
# Text without the characters YAML forbids: tabs, newlines and printable characters only.
_PLAIN_TEXT = re.compile("[\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")

for _loader in (_LocatingLoader, _FastLocatingLoader):
    _loader.add_constructor("tag:yaml.org,2002:str", _construct_text)
    _loader.add_constructor("tag:yaml.org,2002:map", _loader.construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:seq", _loader.construct_sequence)


def decode_utf8(data: bytes, path: str) -> str:
    """Decode UTF-8 (a BOM is dropped); on bad bytes, say on which line they are."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GeneratorError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", path, line,
                             "save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


_FAILED = object()


def _fast_parse(text: str, path: str):
    """libyaml's parse of well-formed text, or _FAILED when it is not available or the text has any problem."""
    if not _FAST or not _PLAIN_TEXT.fullmatch(text):
        return _FAILED
    loader = None
    try:
        _refuse_aliases_and_depth(text, path)
        loader = _FastLocatingLoader(text)
        loader.source_path = path
        return loader.get_single_data()
    except (GeneratorError, yaml.YAMLError, RecursionError):
        return _FAILED
    finally:
        if loader is not None:
            loader.dispose()


# Parses already made in this process, pickled: (path, first line, text) -> bytes. A process that loads the same
# content more than once (a check after a build; the test suite: thousands of loads of the same few files) unpickles
# instead of constructing again, and each caller gets objects of its own. Errors are not kept (raised afresh).
_PARSED: dict = {}
_PARSED_LIMIT = 64


def parse_yaml(text: str, path: str, first_line: int = 1):
    """Parse YAML text; ``first_line`` shifts line numbers for YAML embedded in a larger file."""
    key = (path, first_line, text)
    kept = _PARSED.get(key)
    if kept is not None:
        return pickle.loads(kept)
    data = _parse_yaml(text, path, first_line)
    try:
        kept = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return data
    if len(_PARSED) >= _PARSED_LIMIT:
        del _PARSED[next(iter(_PARSED))]  # the oldest
    _PARSED[key] = kept
    return data


def _parse_yaml(text: str, path: str, first_line: int = 1):
    shift = first_line - 1
    loader = None
    try:
        data = _fast_parse(text, path)
        if data is _FAILED:
            # The Python loader: it refuses control characters with a usable position, and it says what is
            # wrong (and where) the same way whichever machine runs it.
            loader = _LocatingLoader(text)
            loader.source_path = path
            data = loader.get_single_data()
    except GeneratorError as exc:
        if exc.line is not None:
            exc.line += shift
        raise
    except yaml.MarkedYAMLError as exc:
        line = _syntax_error_line(exc, text)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}: {exc.problem}"
        raise GeneratorError(f"YAML syntax error: {problem}", path, line + shift if line else None,
                             "fix the YAML at that line (indentation, quotes, colons)") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 + shift
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise GeneratorError(f"a character YAML does not allow ({ord(character):#06x}: {exc.reason})", path, line,
                             "remove the control character (a binary file saved as YAML?)") from None
    except yaml.YAMLError as exc:
        raise GeneratorError(f"YAML error: {exc}", path, 1 + shift, "fix the YAML") from None
    except RecursionError:
        raise GeneratorError("YAML nested too deeply", path, 1 + shift, "flatten the structure") from None
    finally:
        if loader is not None:
            loader.dispose()
    if shift:
        _shift_lines(data, shift)
    return data


def _syntax_error_line(exc: yaml.MarkedYAMLError, text: str) -> int | None:
    """The line where the problem is, not where the parser noticed it.

    The parser notices an unclosed "[" or "{", a quote never closed or a key without its ":" at the next token,
    often on a later line or at the end of the file; the construct it was reading (``context_mark``) is where
    the fix goes. Other errors (bad indentation, a stray "-") are at the token that does not fit (``problem_mark``).
    A mark at the very end of the file is on the last line that has something on it.
    """
    context, problem = exc.context or "", exc.problem or ""
    starts_construct = "flow" in context or isinstance(exc, yaml.scanner.ScannerError) and (
        "end of stream" in problem or "could not find expected ':'" in problem)
    mark = exc.context_mark if starts_construct and exc.context_mark else exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    lines = text.split("\n")
    line = min(mark.line, len(lines) - 1)
    while line > 0 and not lines[line].strip():
        line -= 1
    return line + 1


def _shift_lines(node, shift: int) -> None:
    if isinstance(node, LocatedDict):
        node.line += shift
        node.key_lines = {k: v + shift for k, v in node.key_lines.items()}
        for value in node.values():
            _shift_lines(value, shift)
    elif isinstance(node, LocatedList):
        node.line += shift
        node.item_lines = [v + shift for v in node.item_lines]
        for value in node:
            _shift_lines(value, shift)


def read_text_file(path: str) -> str:
    """A UTF-8 text file's text (the only I/O in this module); every reader of input comes through here."""
    try:
        data = read_bounded(path, MAX_TEXT_BYTES)
    except OSError as exc:
        raise GeneratorError(f"cannot read file: {exc.strerror}", path, None, "check the path") from None
    return decode_utf8(data, path)


def read_yaml_file(path: str):
    """Read and parse one YAML file."""
    return parse_yaml(read_text_file(path), path)
