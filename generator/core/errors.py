"""The one error type: every reader of input raises it, the CLI turns it into a message and an exit code."""

from __future__ import annotations

import re


class GeneratorError(Exception):
    """Bad input, located: ``path:line: message; fix``.

    ``path`` and ``line`` may be unknown (None); ``fix`` tells the user what to do.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.fix = fix

    def located(self, path: str | None = None, line: int | None = None) -> "GeneratorError":
        """Fill in a location that the raiser did not know, keeping one it did."""
        if self.path is None:
            self.path = path
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.fix:
            text += f"; {self.fix}"
        # One line, always: a message that quotes input must not break the line.
        return " ".join(text.split("\n"))


def shown(value, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for quoting input in a message (a 400-digit number, say)."""
    try:
        text = repr(value)
    except ValueError:  # an integer too long for str()
        return "a number too long to print"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def program() -> str:
    """How the user started us, for messages and usage lines: ``generator`` (the installed command) or
    ``python -m generator``."""
    import os
    import sys
    return "generator" if os.path.basename(sys.argv[0] or "") == "generator" else "python -m generator"


# Characters that must not reach a terminal raw: C0 controls but tab and newline (ESC starts an ANSI sequence that
# can recolour, move the cursor or set the window title; CR overwrites a line), DEL, C1 controls (U+009B is a
# one-character CSI) and the bidirectional overrides that reorder what is shown.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every character that a terminal would interpret written as an escape (``\\x1b``)."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                       text)


def json_safe(text: str) -> str:
    """JSON text with the characters of :func:`terminal_safe` as JSON escapes (json.dumps leaves DEL, C1 and
    the bidirectional overrides raw with ensure_ascii=False)."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
