"""The one error type: every reader of input raises it, the CLI turns it into a message and an exit code."""

from __future__ import annotations


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
