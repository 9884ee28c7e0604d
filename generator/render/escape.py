"""Escaping, one function per output language: data is text, never markup.

Every value that comes from content (a model id, a GPU name, a benchmark label, a title, a URL) passes through
the function for the language of the place it lands in:

| output                                      | function                                  |
| ------------------------------------------- | ----------------------------------------- |
| HTML text or a quoted attribute              | :func:`html_text`                         |
| an HTML ``href``/``src``                     | :func:`html_url`                          |
| Markdown text, a table cell, link text       | :func:`markdown_text`, :func:`markdown_cell` |
| a Markdown link or image destination         | :func:`markdown_url`                      |
| a value printed into a post (``{{ x }}``)    | :func:`markdown_value`                    |
| text in any file Jekyll runs Liquid over     | :func:`liquid_text` (part of the above)   |
| a YAML front matter value, a whole block     | :func:`yaml_scalar`, :func:`front_matter_yaml` |
| JSON inside ``<script>``                     | :func:`script_json`                       |
| SVG/XML text or a quoted attribute           | :func:`xml_text`, :func:`xml_attribute`   |
| a file name made from a name (a page slug)   | :func:`path_slug`                         |

Jekyll runs Liquid over a post's Markdown *before* kramdown reads it, so the Markdown functions also keep data
from forming ``{{``, ``{%`` (and Jinja's ``{#``): every brace becomes a character reference, which neither Liquid
nor Markdown reads as syntax and every browser shows as the brace. Character references are used throughout
(rather than backslashes) because they mean the same to kramdown, Python-Markdown and CommonMark, and contain no
``|`` that a table row could be split at.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from markupsafe import Markup
from markupsafe import escape as _markup_escape

from generator.core.errors import GeneratorError


class MarkdownSafe(str):
    """Markdown the build made (a table, an image) from escaped parts: printed into a post as it is."""


# ---------------------------------------------------------------- Liquid

_LIQUID_ENTITIES = {"{": "&#123;", "}": "&#125;"}
_LIQUID_BRACES = str.maketrans(_LIQUID_ENTITIES)
# In HTML and XML a lone brace is inert; only one that opens a tag or an output ({{, {%, and Jinja's {#) is
# replaced, so that ordinary text (and the JSON in a chart's metadata) keeps its braces.
_LIQUID_OPENER = re.compile(r"\{(?=[{%#])")


def liquid_text(text) -> str:
    """Text that Liquid (or Jinja) passes through unchanged and a browser shows as written: no brace survives,
    so no ``{{``, ``{%``, ``{% raw %}`` or ``{% endraw %}`` can form, even joined to the text around it."""
    return str(text).translate(_LIQUID_BRACES)


def _no_liquid_opener(text: str) -> str:
    return _LIQUID_OPENER.sub("&#123;", text)


# ---------------------------------------------------------------- HTML

_HTML_SPECIAL = frozenset("&<>\"'{")


def html_text(value) -> str:
    """HTML text or a double- or single-quoted attribute value: ``& < > " '`` escaped (as Jinja's autoescape
    writes them) and no Liquid opener."""
    text = str(value)
    if isinstance(value, Markup) or _HTML_SPECIAL.isdisjoint(text):
        return text
    return _no_liquid_opener(str(_markup_escape(text)))


def html_url(url) -> str:
    """A link target for an ``href``/``src`` attribute: only http(s), relative and site-absolute URLs."""
    return html_text(safe_url(url))


# ---------------------------------------------------------------- URLs

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_ALLOWED_SCHEMES = ("http", "https")
# Schemes a browser runs or opens as a document when a link is followed.
_ACTIVE_SCHEMES = ("javascript", "vbscript", "data")
# What a browser ignores or strips when it parses a URL: leading/trailing C0 controls and spaces, tabs and
# newlines anywhere. "java\tscript:" is javascript: to a browser, so it is to us.
_URL_IGNORED = re.compile(r"[\t\n\r]")


_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _browser_view(url: str) -> str:
    return _URL_IGNORED.sub("", url.strip(_C0_AND_SPACE))


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in ``url`` (lower case), or None for a relative URL."""
    match = _SCHEME.match(_browser_view(url))
    return match.group(1).lower() if match else None


def safe_url(url) -> str:
    """``url`` if it is http(s), relative ("images/x.svg", "../x.html") or site-absolute ("/models/x.html");
    anything else (``javascript:``, ``data:``, ``//other.host``, a scheme hidden behind controls) refused."""
    url = str(url)
    scheme = url_scheme(url)
    if scheme is not None and scheme not in _ALLOWED_SCHEMES:
        raise GeneratorError(f"the link {url!r} uses the scheme {scheme!r}",
                             fix="link only to http(s) addresses or to pages of this site")
    if _browser_view(url).replace("\\", "/").startswith("//"):
        raise GeneratorError(f"the link {url!r} leaves the site without naming a scheme",
                             fix="write the address with https://")
    return url


# Characters that end or change a Markdown link destination, or that Liquid or Markdown would read elsewhere.
# ASCII controls, space and non-ASCII are percent-encoded too (as a browser sends them).
_URL_KEEP = "/:?#@!'+,;=%-._&"


def markdown_url(url) -> str:
    """A Markdown link or image destination: :func:`safe_url`, then every character that could end the
    destination or start other syntax percent-encoded (``( ) [ ] < > { } | * ~ $ \\`` `` ` ``, spaces, controls
    and line separators), ``&`` written ``&amp;`` so no character reference forms; other non-ASCII is kept."""
    url = safe_url(url)
    out = []
    for char in url:
        if char == "&":
            out.append("&amp;")
        elif char.isalnum() and char.isascii() or char in _URL_KEEP or \
                ord(char) > 0x7F and unicodedata.category(char)[0] not in "CZ":
            out.append(char)
        else:
            out.append(quote(char, safe=""))
    return "".join(out)


# ---------------------------------------------------------------- Markdown

_MARKDOWN_ENTITIES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    **_LIQUID_ENTITIES,  # Liquid, and kramdown's {: ...} attribute lists and {::...} extensions
    "[": "&#91;", "]": "&#93;",  # links, images, footnotes, abbreviations
    "|": "&#124;",  # table cells
    "`": "&#96;", "\\": "&#92;", "*": "&#42;", "~": "&#126;", "$": "&#36;", "#": "&#35;",
    # Line breaks (every one Python's splitlines or a Markdown parser knows) and tabs: a name stays one line.
    "\t": "&#9;", "\n": "&#10;", "\r": "&#13;", "\x0b": "&#11;", "\x0c": "&#12;", "\x1c": "&#28;",
    "\x1d": "&#29;", "\x1e": "&#30;", "\x85": "&#133;", "\u2028": "&#8232;", "\u2029": "&#8233;",
}
# Other control characters carry no text; they become the replacement character.
_MARKDOWN_ENTITIES.update({chr(c): "\ufffd" for c in (*range(0x20), 0x7F) if chr(c) not in _MARKDOWN_ENTITIES})
_MARKDOWN_TABLE = str.maketrans(_MARKDOWN_ENTITIES)
# An underscore emphasises only at a word's edge ("_x_"), never inside one ("Q4_K_M").
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# kramdown's typography: "--" is a dash and "..." an ellipsis.
_TYPOGRAPHY = re.compile(r"(?<=-)-|(?<=\.\.)\.")
# At the start of a line: "- ", "+ ", ": " and "1. " open lists and definitions, "===" underlines a heading.
# (A number such as "-3.2" or "1.27" is none of these and stays as it is.)
_LINE_START = re.compile(r"^(?:[-+:](?=\s|$)|[0-9]+(?=[.)](?:\s|$))|=(?==*\s*$))")
_MARKDOWN_SPECIAL = frozenset(_MARKDOWN_ENTITIES) | {"_"}
_LINE_START_CHARS = frozenset("-+:=0123456789")


def markdown_text(value) -> str:
    """Text inside Markdown (a paragraph, a table cell, link or image text) that Jekyll's Liquid, kramdown and
    Python-Markdown all show exactly as written: no link, emphasis, HTML, Liquid, table or block syntax."""
    text = str(value)
    if _MARKDOWN_SPECIAL.isdisjoint(text) and "--" not in text and "..." not in text and \
            not (text[:1] in _LINE_START_CHARS and _LINE_START.match(text)):
        return text  # the common case (numbers, names like Qwen2-7B): nothing to do
    text = _EDGE_UNDERSCORE.sub("&#95;", text.translate(_MARKDOWN_TABLE))
    text = _TYPOGRAPHY.sub(lambda m: f"&#{ord(m.group())};", text)
    return _LINE_START.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group()), text)


# A pipe-table cell: markdown_text already writes "|" and line breaks as character references, so a row keeps as
# many cells as its header.
markdown_cell = markdown_text


def markdown_link(text, url) -> MarkdownSafe:
    return MarkdownSafe(f"[{markdown_text(text)}]({markdown_url(url)})")


def markdown_image(alt, url) -> MarkdownSafe:
    return MarkdownSafe(f"![{markdown_text(alt)}]({markdown_url(url)})")


_HTTP_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


def markdown_value(value) -> str:
    """A value a post prints with ``{{ ... }}``. The template decides where it lands: in text, or in a link
    destination the author wrote around it (``[source]({{ bench.source.url }})``). So an http(s) URL is written
    as a destination (which reads as the URL in text too), any other text as :func:`markdown_text`, and text
    that a browser would run as a link (``javascript:``, ``data:``) is refused."""
    if isinstance(value, MarkdownSafe):
        return value
    text = str(value)
    if _HTTP_URL.match(text):
        return markdown_url(text)
    if url_scheme(text) in _ACTIVE_SCHEMES:
        raise GeneratorError(f"the value {text!r} would be a {url_scheme(text)}: link in a Markdown link",
                             fix="print only http(s) addresses and plain text into a post")
    return markdown_text(text)


# ---------------------------------------------------------------- YAML, JSON, XML

_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x85": "\\N",
                 "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\ufeff"}


def yaml_scalar(value) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``value``: no line of it can be ``---``, and no
    quote, colon, ``#`` or indentation in the value changes the structure around it."""
    out = []
    for char in str(value):
        if char in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[char])
        elif ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or 0xD800 <= ord(char) <= 0xDFFF or \
                ord(char) in (0xFFFE, 0xFFFF):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_LINE_BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def front_matter_yaml(fields: dict) -> str:
    """YAML for a front matter block (between the ``---`` lines): PyYAML's safe dump, where every value stays on
    one line (a string holding a line break, a control or a line separator is double-quoted with escapes, and no
    string is folded), so no line of it can be ``---`` or ``...`` and no engine's line-based front matter reader
    can be cut short."""
    import yaml  # the build imports it anyway; here only when a blog engine needs converted front matter

    class _Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value):
        style = '"' if _LINE_BREAKING.search(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, text)
    return yaml.dump(fields, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=float("inf"))


_SCRIPT_JSON = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def script_json(json_text: str) -> Markup:
    """JSON text to place inside ``<script type="application/json">``: no ``</script>``, ``<!--`` or
    ``]]>`` can form, no line separator breaks older JavaScript parsers, and no Liquid opener appears. Each of
    these characters can occur only inside a JSON string, where the ``\\uXXXX`` form is the same character to
    ``JSON.parse``."""
    return Markup(_LIQUID_OPENER.sub(r"\\u007b", json_text.translate(_SCRIPT_JSON)))


# Characters XML 1.0 forbids (other controls) would make the document ill-formed: dropped.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value) -> str:
    """Text of an SVG/XML element: ``& < >`` escaped, forbidden controls dropped, no Liquid opener."""
    text = _XML_FORBIDDEN.sub("", str(value))
    return _no_liquid_opener(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def xml_attribute(value) -> str:
    """A double-quoted SVG/XML attribute value."""
    return xml_text(value).replace('"', "&quot;")


# ---------------------------------------------------------------- file names

MAX_SLUG = 80


def path_slug(name: str, max_length: int = MAX_SLUG) -> str:
    """A file name part made from a name: lower-case ASCII letters, digits and single hyphens, never empty,
    never hidden (no leading dot), at most ``max_length`` characters. A name with nothing to keep, or a long
    one, gets a short hash of the whole name, so two names that differ only past the cut stay apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    if slug and len(slug) <= max_length:
        return slug
    digest = hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:10]
    base = slug[: max_length - len(digest) - 1].rstrip("-") or "page"
    return f"{base}-{digest}"
