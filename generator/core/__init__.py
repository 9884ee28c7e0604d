"""Shared foundations: the one error type, the input limits, safe file reading, YAML that remembers lines, typed
fields of content files, the render cache and the background worker.

errors.py      GeneratorError (file, line, fix) and the program name in messages
limits.py      the largest value accepted for each kind of input
safeio.py      bounded reads and writes that never follow a planted link
yamlio.py      YAML with the line of every value
fields.py      typed fields of content files, checked at their own line
memo.py        the cache of rendered bytes
background.py  one piece of the build on the other core

May import: the standard library and third-party packages only; nothing else of generator.
"""
