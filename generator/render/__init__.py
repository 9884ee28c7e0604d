"""Rendering: Jinja and Markdown, the post sandbox, escaping per output language, and the words of each language.

escape.py        one escaping function per output language: data is text, never markup
i18n.py          the words of tables and charts in the reader's language
formatting.py    numbers to text
pages.py         post sources and pages through Jinja; Markdown to HTML; the table calls
post_sandbox.py  the sandbox post sources render in, bounded in time and memory

escape, i18n and formatting sit low (the catalogue, the tables and the blog adapters use them) and may import only
core; pages and post_sandbox may import everything below the site (core up to tables).
"""
