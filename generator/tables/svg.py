"""Charts for the blog, drawn by our own code: numbers in, chart text (SVG) or PNG bytes out.

Every function is pure (no file I/O) and deterministic: the same input gives the same bytes, whatever the
hash seed, the clock or the machine (for PNGs: the same matplotlib version).

SVG charts
  * are drawn for a fixed width (``width``/``height`` in CSS pixels and a ``viewBox``): shown at that width on a
    desktop and shrunk to fit a phone (``max-width: 100%``), so the smallest text (15 units) is 15 px on a
    desktop and at least 11 px on a 390 px phone (358 px of content: 15 × 358 / 480 = 11.2);
  * carry ``role="img"``, a ``<title>`` and a
    ``<desc>`` (the alt text), use a generic font list with CJK fonts, the Okabe-Ito colour-blind-safe
    palette plus a marker shape per series, and "nice" round axis ticks;
  * reference nothing outside themselves (no links, images, web fonts or scripts);
  * escape every label, and a ``{`` that opens ``{{``, ``{%`` or ``{#`` (as ``&#123;``), so that Jekyll's
    Liquid never sees a tag in a chart inlined into a post;
  * have no blank lines and no indentation, so they can be inlined into Markdown as one HTML block;
  * embed their data as sorted-key JSON in ``<metadata id="chart-data">``; :func:`chart_data` reads it back.

The PNG (:func:`png_bar_chart`, for a post's header image) is drawn with matplotlib, imported lazily, in
DejaVu Sans (the copy shipped with matplotlib), and embeds its data as JSON in a ``Description`` text
chunk; :func:`png_chart_data` reads it back without Pillow.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import unicodedata
import xml.etree.ElementTree as ET
import zlib
from decimal import ROUND_HALF_UP, Decimal

from generator.render import escape

__all__ = [
    "line_chart",
    "stacked_bar_chart",
    "scatter_chart",
    "chart_data",
    "chart_desc",
    "log_ticks",
    "png_bar_chart",
    "png_chart_data",
    "nice_ticks",
    "pow2_label",
    "PALETTE",
    "FONT_FAMILY",
]

# Okabe & Ito (2008), colour-blind-safe, with the orange, pink, sky blue and yellow darkened so that every
# colour has a contrast of at least 3:1 on the white background (WCAG 1.4.11); tests/test_charts.py checks it.
PALETTE = ("#0072B2", "#B86E00", "#009E73", "#D55E00", "#A8537F", "#2E86C1", "#000000", "#8A7500")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "cross")
FONT_FAMILY = "system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"

SVG_NS = "http://www.w3.org/2000/svg"
JSON_PLACES = 6  # floats in the embedded data are rounded to this many decimals

# Layout, in viewBox units.
WIDTH = 480
PAD = 14
PLOT_HEIGHT = 240
TITLE_SIZE = 18
TEXT_SIZE = 15
TICK_SIZE = 15  # the smallest text of every chart
END_LABEL_WIDTH = 130  # the most room line labels at the lines' ends may take; wider names go to a legend
# A reference line (a card's memory) is drawn when it lies within this factor of the data's highest value;
# farther ones would set the scale and flatten the lines, so they are listed in the data and the alt text only.
REFERENCE_REACH = 1.3
TEXT_COLOUR = "#222222"
MUTED = "#555555"
GRID = "#e3e3e3"
AXIS = "#333333"


# ---------------------------------------------------------------- numbers and text

def _finite(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"{what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return number


def _c(value: float) -> str:
    """A coordinate: at most 2 decimals, no trailing zeros, never ``-0``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(value: float, places: int = 2) -> str:
    """A number for people: at most ``places`` decimals, half away from zero, no trailing zeros."""
    text = f"{Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _jnum(value: float):
    """A number for the embedded JSON: rounded to JSON_PLACES decimals, whole numbers as ints."""
    rounded = round(float(value), JSON_PLACES)
    if rounded.is_integer():
        return int(rounded)
    return rounded


def _esc(text, attribute: bool = False) -> str:
    """Escape for XML text (or a double-quoted attribute), with generator/render/escape.py: ``&``, ``<``, ``>`` (and
    ``"``), forbidden controls dropped, and a ``{`` that opens ``{{``, ``{%`` or ``{#`` written ``&#123;``, so
    that Liquid (Jekyll) or Jinja never finds a tag in a label of an inlined chart."""
    return escape.xml_attribute(text) if attribute else escape.xml_text(text)


_NARROW = set("iljtfrI.,:;'!|()[] ")
_WIDE = set("MWmw@%")
_SYMBOLS = set("<>=+~#&")


def _text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` set at ``size`` in a sans-serif font; errs on the wide side.

    Wide (CJK) characters count 1 em, narrow Latin ones 0.35, capitals and a few broad ones 0.72,
    the rest 0.58.
    """
    width = 0.0
    for ch in str(text):
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        elif unicodedata.combining(ch):
            continue
        elif ch in _NARROW:
            width += 0.35
        elif ch in _SYMBOLS:
            width += 0.85
        elif ch in _WIDE or ch.isupper():
            width += 0.72
        else:
            width += 0.58
    return width * size


def _wrap(text: str, size: float, max_width: float, max_lines: int = 3) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (at spaces, or anywhere in CJK runs)."""
    text = " ".join(str(text).split())
    if _text_width(text, size) <= max_width:
        return [text]
    tokens: list[str] = []  # words, and single wide characters, each with the space that follows
    word = ""
    for ch in text:
        if ch == " ":
            tokens.append(word + " ")
            word = ""
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    broken: list[str] = []  # a token wider than the line on its own is cut into pieces that fit
    for token in tokens:
        while _text_width(token.rstrip(), size) > max_width and len(token.rstrip()) > 1:
            cut = len(token) - 1
            while cut > 1 and _text_width(token[:cut], size) > max_width:
                cut -= 1
            broken.append(token[:cut])
            token = token[cut:]
        broken.append(token)
    lines: list[str] = []
    line = ""
    for token in broken:
        if line and _text_width((line + token).rstrip(), size) > max_width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return lines


# ---------------------------------------------------------------- ticks

def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]``: a step of 1, 2, 2.5 or 5 times a power of ten.

    The first tick is at or below ``low`` and the last at or above ``high``; ticks are exact multiples
    of the step (computed in decimal, so 0.1 steps give 0.3, not 0.30000000000000004).
    """
    low, high = float(low), float(high)
    if high < low:
        low, high = high, low
    if high == low:
        delta = abs(high) or 2.0
        low, high = low - delta / 2, high + delta / 2
    raw = (high - low) / max(1, target)
    exponent = math.floor(math.log10(raw))
    step = None
    for mantissa in ("1", "2", "2.5", "5", "10"):
        candidate = Decimal(mantissa).scaleb(exponent)
        if float(candidate) >= raw * (1 - 1e-9):
            step = candidate
            break
    assert step is not None
    low_d = Decimal(repr(low))
    high_d = Decimal(repr(high))
    first = (low_d / step).to_integral_value(rounding="ROUND_FLOOR")
    last = (high_d / step).to_integral_value(rounding="ROUND_CEILING")
    return [float(step * i) for i in range(int(first), int(last) + 1)]


def _tick_label(value: float) -> str:
    text = format(Decimal(repr(value)).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pow2_label(value: float) -> str:
    """A power-of-two axis label: 4096 -> ``4K``, 131072 -> ``128K``, 1048576 -> ``1M``, 512 -> ``512``."""
    number = int(value) if float(value).is_integer() else value
    if isinstance(number, int):
        if number >= 1 << 20 and number % (1 << 20) == 0:
            return f"{number >> 20}M"
        if number >= 1 << 10 and number % (1 << 10) == 0:
            return f"{number >> 10}K"
        return str(number)
    return _num(number)


# ---------------------------------------------------------------- SVG pieces

class _Svg:
    def __init__(self):
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(self, x, y, content, size=TEXT_SIZE, anchor="start", fill=TEXT_COLOUR, weight=None,
             rotate=None, halo=False, baseline=None) -> None:
        attrs = [f'x="{_c(x)}"', f'y="{_c(y)}"', f'font-size="{_c(size)}"']
        if anchor != "start":
            attrs.append(f'text-anchor="{anchor}"')
        if baseline:
            attrs.append(f'dominant-baseline="{baseline}"')
        if fill != TEXT_COLOUR:
            attrs.append(f'fill="{fill}"')
        if weight:
            attrs.append(f'font-weight="{weight}"')
        if rotate is not None:
            attrs.append(f'transform="rotate({_c(rotate)} {_c(x)} {_c(y)})"')
        if halo:
            attrs.append('stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"')
        self.add(f"<text {' '.join(attrs)}>{_esc(content)}</text>")

    def line(self, x1, y1, x2, y2, stroke, width=1.0, dash=None) -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{_c(x1)}" y1="{_c(y1)}" x2="{_c(x2)}" y2="{_c(y2)}" stroke="{stroke}" '
                 f'stroke-width="{_c(width)}"{extra}/>')

    def rect(self, x, y, w, h, fill, stroke=None, stroke_width=1.0) -> None:
        extra = f' stroke="{stroke}" stroke-width="{_c(stroke_width)}"' if stroke else ""
        self.add(f'<rect x="{_c(x)}" y="{_c(y)}" width="{_c(w)}" height="{_c(h)}" fill="{fill}"{extra}/>')

    def marker(self, shape: str, x: float, y: float, r: float, fill: str) -> None:
        stroke = ' stroke="#ffffff" stroke-width="1"'
        if shape == "circle":
            self.add(f'<circle cx="{_c(x)}" cy="{_c(y)}" r="{_c(r)}" fill="{fill}"{stroke}/>')
            return
        if shape == "square":
            s = r * 0.9
            points = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
        elif shape == "triangle":
            s = r * 1.2
            points = [(x, y - s), (x + s, y + s * 0.75), (x - s, y + s * 0.75)]
        elif shape == "triangle-down":
            s = r * 1.2
            points = [(x, y + s), (x + s, y - s * 0.75), (x - s, y - s * 0.75)]
        elif shape == "diamond":
            s = r * 1.3
            points = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
        else:  # cross: a plus made of one polygon
            a, b = r * 1.2, r * 0.4
            points = [(x - b, y - a), (x + b, y - a), (x + b, y - b), (x + a, y - b), (x + a, y + b), (x + b, y + b),
                      (x + b, y + a), (x - b, y + a), (x - b, y + b), (x - a, y + b), (x - a, y - b), (x - b, y - b)]
        pts = " ".join(f"{_c(px)},{_c(py)}" for px, py in points)
        self.add(f'<polygon points="{pts}" fill="{fill}"{stroke}/>')


def _style(index: int) -> tuple[str, str]:
    return PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]


def _document(kind: str, title: str, desc: str, data: dict, height: float, body: list[str]) -> str:
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Stable ids for aria-labelledby, distinct per chart, so two charts inlined on one page don't clash.
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]
    tid, did = f"chart-{digest}-title", f"chart-{digest}-desc"
    head = (f'<svg xmlns="{SVG_NS}" viewBox="0 0 {WIDTH} {_c(height)}" width="{WIDTH}" height="{_c(height)}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{tid} {did}" '
            f'class="chart chart-{kind}" font-family="{_esc(FONT_FAMILY, attribute=True)}" fill="{TEXT_COLOUR}">')
    lines = [
        head,
        f'<title id="{tid}">{_esc(title)}</title>',
        f'<desc id="{did}">{_esc(desc)}</desc>',
        f'<metadata id="chart-data">{_esc(payload)}</metadata>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{_c(height)}" fill="#ffffff"/>',
    ]
    lines.extend(body)
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _title_block(svg: _Svg, title: str) -> float:
    """Draw the title (wrapped); return the y below it."""
    y = PAD
    for line in _wrap(title, TITLE_SIZE, WIDTH - 2 * PAD, max_lines=2):
        y += TITLE_SIZE * 1.25
        svg.text(PAD, y - TITLE_SIZE * 0.25, line, size=TITLE_SIZE, weight="bold")
    return y


def _legend(svg: _Svg, top: float, entries: list[tuple[str, object]]) -> float:
    """Legend rows under the title. ``entries``: (label, draw(svg, x, y_mid)) with a 24-unit swatch.

    Items flow left to right and wrap; returns the y below the legend.
    """
    if not entries:
        return top
    row_height = TEXT_SIZE + 8
    x, row = PAD, 0
    placed = []
    for label, draw in entries:
        label = " ".join(str(label).split())
        max_label = WIDTH - 2 * PAD - 30
        if _text_width(label, TEXT_SIZE) > max_label:  # one very long name: cut it, the desc has it whole
            while label and _text_width(label + "…", TEXT_SIZE) > max_label:
                label = label[:-1]
            label += "…"
        width = 24 + 6 + _text_width(label, TEXT_SIZE)
        if x > PAD and x + width > WIDTH - PAD:
            x, row = PAD, row + 1
        placed.append((x, row, label, draw))
        x += width + 18
    for x, row, label, draw in placed:
        mid = top + 8 + row * row_height + row_height / 2
        draw(svg, x, mid)
        svg.text(x + 30, mid + TEXT_SIZE * 0.35, label)
    return top + 8 + (row + 1) * row_height


def _line_swatch(colour: str, shape: str | None, dash: str | None = None, width: float = 2.5):
    def draw(svg: _Svg, x: float, y: float) -> None:
        svg.line(x, y, x + 24, y, colour, width, dash)
        if shape:
            svg.marker(shape, x + 12, y, 4.5, colour)
    return draw


def _marker_swatch(colour: str, shape: str):
    def draw(svg: _Svg, x: float, y: float) -> None:
        svg.marker(shape, x + 12, y, 5, colour)
    return draw


def _box_swatch(colour: str):
    def draw(svg: _Svg, x: float, y: float) -> None:
        svg.rect(x + 4, y - 7, 16, 14, colour)
    return draw


def _y_axis(svg: _Svg, ticks: list[float], left: float, right: float, to_y, title: str, plot_top: float,
            plot_bottom: float, title_x: float, labelled=None) -> None:
    for tick in ticks:
        y = to_y(tick)
        svg.line(left, y, right, y, GRID if tick != ticks[0] else AXIS, 1)
        if labelled is None or tick in labelled:
            svg.text(left - 8, y + TICK_SIZE * 0.35, _tick_label(tick), size=TICK_SIZE, anchor="end", fill=MUTED)
    middle = (plot_top + plot_bottom) / 2
    svg.text(title_x, middle, title, size=TEXT_SIZE, anchor="middle", rotate=-90)


def _y_label_width(ticks: list[float]) -> float:
    return max(_text_width(_tick_label(t), TICK_SIZE) for t in ticks)


def _y_title_fit(title: str, plot_height: float) -> str:
    # A rotated axis title must fit the plot's height; cut it (the desc has it whole).
    title = " ".join(str(title).split())
    if _text_width(title, TEXT_SIZE) <= plot_height + 40:
        return title
    while title and _text_width(title + "…", TEXT_SIZE) > plot_height + 40:
        title = title[:-1]
    return title + "…"


# ---------------------------------------------------------------- line chart

def line_chart(title: str, x_title: str, y_title: str, series, x_values_log2: bool = True, reference_lines=(),
               *, desc: str | None = None) -> str:
    """A line chart as SVG text.

    ``series``: ``[(name, [(x, y), ...]), ...]``, e.g. peak memory (GiB) against context length (tokens).
    With ``x_values_log2`` the x axis is log2 (x must be > 0) with power-of-two ticks labelled 4K, 8K, ...;
    otherwise linear with round ticks. ``reference_lines``: ``[(label, y), ...]`` drawn as horizontal
    dashed lines (e.g. a GPU's memory). The y axis starts at 0 (or below, for negative data).
    ``desc`` overrides the generated alt text. Put units in the axis titles: "Peak memory (GiB)".
    """
    clean_series = []
    for index, item in enumerate(series):
        name, points = item
        pts = []
        for j, point in enumerate(points):
            x, y = point
            x = _finite(x, f"series {name!r} point {j} x")
            y = _finite(y, f"series {name!r} point {j} y")
            if x_values_log2 and x <= 0:
                raise ValueError(f"series {name!r} point {j}: x must be > 0 on a log2 axis, not {x!r}")
            pts.append((x, y))
        if not pts:
            raise ValueError(f"series {name!r} has no points")
        clean_series.append((str(name), pts))
    if not clean_series:
        raise ValueError("a line chart needs at least one series")
    refs = [(str(label), _finite(y, f"reference line {label!r}")) for label, y in reference_lines]

    xs = [x for _, pts in clean_series for x, _ in pts]
    ys = [y for _, pts in clean_series for _, y in pts]
    # Reference lines near the data are drawn (and may raise the scale a little); far ones are not.
    drawn_refs = [(label, y) for label, y in refs if y <= max(ys) * REFERENCE_REACH]
    ys += [y for _, y in drawn_refs]

    data = {
        "chart": "line",
        "title": str(title),
        "x_title": str(x_title),
        "y_title": str(y_title),
        "x_scale": "log2" if x_values_log2 else "linear",
        "series": [{"name": name, "points": [[_jnum(x), _jnum(y)] for x, y in pts]} for name, pts in clean_series],
        "reference_lines": [{"label": label, "y": _jnum(y)} for label, y in refs],
    }

    if desc is None:
        fmt_x = pow2_label if x_values_log2 else _num
        parts = [f"Line chart: {y_title} against {x_title}{' (log2 scale)' if x_values_log2 else ''}."]
        for name, pts in clean_series:
            parts.append(f"{name}: " + ", ".join(f"{fmt_x(x)} → {_num(y)}" for x, y in pts) + ".")
        if refs:
            parts.append("Reference lines: " + "; ".join(f"{label} at {_num(y)}" for label, y in refs) + ".")
        desc = " ".join(parts)

    svg = _Svg()
    y_cursor = _title_block(svg, title)
    # Each line is named at its end, where the eye already is; names too long for that go to a legend.
    end_labels = {name: _wrap(name, TICK_SIZE, END_LABEL_WIDTH, max_lines=2) for name, _ in clean_series}
    at_ends = all(" ".join(lines) == " ".join(name.split()) and  # no word cut in two
                  all(_text_width(line, TICK_SIZE) <= END_LABEL_WIDTH for line in lines)
                  for name, lines in end_labels.items())
    if not at_ends:
        entries = [(name, _line_swatch(*_style(i))) for i, (name, _) in enumerate(clean_series)]
        y_cursor = _legend(svg, y_cursor, entries)

    y_ticks = nice_ticks(min(0.0, min(ys)), max(ys))
    # x ticks
    if x_values_log2:
        lo_exp = math.floor(math.log2(min(xs)) + 1e-9)
        hi_exp = math.ceil(math.log2(max(xs)) - 1e-9)
        if hi_exp == lo_exp:
            hi_exp += 1
        exps = list(range(lo_exp, hi_exp + 1))
        stride = 1
        while len(exps) / stride > 9:
            stride += 1
        x_ticks = [2.0 ** e for e in exps[::stride]]
        x_lo, x_hi = float(lo_exp), float(hi_exp)
        x_pos = lambda v: math.log2(v)  # noqa: E731
        x_label = pow2_label
    else:
        x_ticks = nice_ticks(min(xs), max(xs), target=6)
        x_lo, x_hi = x_ticks[0], x_ticks[-1]
        x_pos = lambda v: v  # noqa: E731
        x_label = _tick_label

    y_title_text = _y_title_fit(y_title, PLOT_HEIGHT)
    left = PAD + TEXT_SIZE + 10 + _y_label_width(y_ticks) + 8
    margin = max(_text_width(x_label(x_ticks[-1]), TICK_SIZE) / 2, 12)
    if at_ends:
        margin = max(margin, 10 + max(_text_width(line, TICK_SIZE) for ls in end_labels.values() for line in ls))
    right = WIDTH - PAD - margin
    plot_top = y_cursor + 14
    plot_bottom = plot_top + PLOT_HEIGHT

    def to_x(v: float) -> float:
        return left + (x_pos(v) - x_lo) / (x_hi - x_lo) * (right - left)

    def to_y(v: float) -> float:
        return plot_bottom - (v - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * PLOT_HEIGHT

    _y_axis(svg, y_ticks, left, right, to_y, y_title_text, plot_top, plot_bottom, PAD + TEXT_SIZE * 0.8)
    for tick in x_ticks:
        x = to_x(tick)
        svg.line(x, plot_bottom, x, plot_bottom + 5, AXIS, 1)
        svg.text(x, plot_bottom + 8 + TICK_SIZE, x_label(tick), size=TICK_SIZE, anchor="middle", fill=MUTED)
    svg.line(left, plot_top, left, plot_bottom, AXIS, 1)
    x_title_lines = _wrap(x_title, TEXT_SIZE, right - left, max_lines=2)
    y = plot_bottom + 8 + TICK_SIZE + 10
    for line in x_title_lines:
        y += TEXT_SIZE * 1.3
        svg.text((left + right) / 2, y, line, size=TEXT_SIZE, anchor="middle")
    height = y + PAD

    # Reference lines, labelled inside the plot just above the line, at its left end.
    for label, ref in sorted(drawn_refs, key=lambda r: (-r[1], r[0])):
        y = to_y(ref)
        svg.line(left, y, right, y, MUTED, 1.5, "6 4")
        svg.text(left + 6, y - 5, label, size=TICK_SIZE, fill=MUTED, halo=True)

    ends = []
    for index, (name, pts) in enumerate(clean_series):
        colour, shape = _style(index)
        ordered = sorted(pts, key=lambda p: p[0])
        path = " ".join(f"{'M' if k == 0 else 'L'}{_c(to_x(x))},{_c(to_y(y))}" for k, (x, y) in enumerate(ordered))
        svg.add(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
                f'stroke-linecap="round"/>')
        for x, y in ordered:
            svg.marker(shape, to_x(x), to_y(y), 4.5, colour)
        if at_ends:
            last_x, last_y = ordered[-1]
            lines = end_labels[name]
            ends.append([to_y(last_y), len(lines) * TICK_SIZE * 1.1, lines, colour, to_x(last_x)])
    # Labels at the lines' ends, level with the last point, pushed apart where lines end close together.
    ends.sort(key=lambda e: e[0])
    for k in range(1, len(ends)):
        previous, block = ends[k - 1], ends[k]
        block[0] = max(block[0], previous[0] + (previous[1] + block[1]) / 2 + 2)
    if ends and ends[-1][0] + ends[-1][1] / 2 > plot_bottom + TICK_SIZE:
        shift = ends[-1][0] + ends[-1][1] / 2 - plot_bottom - TICK_SIZE
        for block in ends:
            block[0] -= shift
    for centre, block_height, lines, colour, x_end in ends:
        first = centre - block_height / 2 + TICK_SIZE * 0.8
        for k, line in enumerate(lines):
            svg.text(x_end + 9, first + k * TICK_SIZE * 1.1, line, size=TICK_SIZE, fill=colour, weight="bold")

    return _document("line", title, desc, data, height, svg.parts)


# ---------------------------------------------------------------- stacked bars

def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def stacked_bar_chart(title: str, y_title: str, categories, segments, *, desc: str | None = None) -> str:
    """A stacked bar chart as SVG text.

    ``categories``: bar labels; ``segments``: ``[(segment name, [value per category]), ...]``, stacked
    bottom-up in the given order (e.g. weights, KV cache, activations, overhead, in GiB). Values must be
    >= 0. Each bar's total is written above it; segments tall enough carry their value.
    """
    cats = [str(c) for c in categories]
    if not cats:
        raise ValueError("a bar chart needs at least one category")
    segs = []
    for name, values in segments:
        values = list(values)
        if len(values) != len(cats):
            raise ValueError(f"segment {name!r} has {len(values)} values for {len(cats)} categories")
        clean = []
        for j, v in enumerate(values):
            v = _finite(v, f"segment {name!r} value {j}")
            if v < 0:
                raise ValueError(f"segment {name!r} value {j} is negative ({v!r}); bars stack values >= 0")
            clean.append(v)
        segs.append((str(name), clean))
    if not segs:
        raise ValueError("a bar chart needs at least one segment")
    totals = [math.fsum(values[j] for _, values in segs) for j in range(len(cats))]

    data = {
        "chart": "stacked_bar",
        "title": str(title),
        "y_title": str(y_title),
        "categories": cats,
        "segments": [{"name": name, "values": [_jnum(v) for v in values]} for name, values in segs],
        "totals": [_jnum(t) for t in totals],
    }
    if desc is None:
        parts = [f"Stacked bar chart of {y_title}; segments bottom to top: {', '.join(n for n, _ in segs)}."]
        for j, cat in enumerate(cats):
            parts.append(f"{cat}: total {_num(totals[j])} (" +
                         ", ".join(f"{name} {_num(values[j])}" for name, values in segs) + ").")
        desc = " ".join(parts)

    svg = _Svg()
    y_cursor = _title_block(svg, title)
    y_cursor = _legend(svg, y_cursor, [(name, _box_swatch(_style(i)[0])) for i, (name, _) in enumerate(segs)])

    y_ticks = nice_ticks(0.0, max(totals) if max(totals) > 0 else 1.0)
    left = PAD + TEXT_SIZE + 10 + _y_label_width(y_ticks) + 8
    right = WIDTH - PAD
    plot_top = y_cursor + 14 + TICK_SIZE  # room for the total over the tallest bar
    plot_bottom = plot_top + PLOT_HEIGHT
    slot = (right - left) / len(cats)
    bar_width = min(slot * 0.62, 90)

    # category labels: wrapped (long words cut) to the slot, one size smaller when the slots are narrow
    label_size = TICK_SIZE if slot >= 90 else TICK_SIZE
    wrapped = [_wrap(c, label_size, slot - 8, max_lines=3) for c in cats]
    label_lines = max(len(lines) for lines in wrapped)

    def to_y(v: float) -> float:
        return plot_bottom - v / y_ticks[-1] * PLOT_HEIGHT

    _y_axis(svg, y_ticks, left, right, to_y, _y_title_fit(y_title, PLOT_HEIGHT), plot_top, plot_bottom,
            PAD + TEXT_SIZE * 0.8)
    for j, cat in enumerate(cats):
        centre = left + slot * (j + 0.5)
        x0 = centre - bar_width / 2
        base = 0.0
        for i, (name, values) in enumerate(segs):
            value = values[j]
            if value <= 0:
                continue
            colour = _style(i)[0]
            y_top, y_bottom = to_y(base + value), to_y(base)
            svg.rect(x0, y_top, bar_width, y_bottom - y_top, colour, stroke="#ffffff", stroke_width=1)
            label = _num(value, 1)
            if y_bottom - y_top >= TICK_SIZE + 4 and _text_width(label, TICK_SIZE) <= bar_width - 4:
                ink = "#000000" if _luminance(colour) > 0.18 else "#ffffff"
                svg.text(centre, (y_top + y_bottom) / 2 + (TICK_SIZE) * 0.35, label, size=TICK_SIZE,
                         anchor="middle", fill=ink)
            base += value
        svg.text(centre, to_y(totals[j]) - 5, _num(totals[j], 1), size=TICK_SIZE, anchor="middle", weight="bold")
        for k, line in enumerate(wrapped[j]):
            svg.text(centre, plot_bottom + 6 + label_size + k * label_size * 1.2, line, size=label_size,
                     anchor="middle")
    svg.line(left, plot_top - TICK_SIZE, left, plot_bottom, AXIS, 1)
    height = plot_bottom + 6 + label_lines * label_size * 1.2 + 6 + PAD
    return _document("stacked-bar", title, desc, data, height, svg.parts)


# ---------------------------------------------------------------- scatter

def log_ticks(low: float, high: float) -> list[float]:
    """Ticks of a log10 axis covering [low, high] (both > 0): 1, 2 and 5 times powers of ten."""
    candidates = [float(Decimal(m).scaleb(e)) for e in range(math.floor(math.log10(low)) - 1,
                                                            math.ceil(math.log10(high)) + 2) for m in (1, 2, 5)]
    first = max(t for t in candidates if t <= low * (1 + 1e-9))
    last = min(t for t in candidates if t >= high * (1 - 1e-9))
    return [t for t in candidates if first <= t <= last]


def scatter_chart(title: str, x_title: str, y_title: str, points, diagonal: bool = True, *,
                  desc: str | None = None, log_scale: bool = False) -> str:
    """A scatter chart as SVG text, both axes on one scale from 0 (square plot area).

    With ``log_scale`` both axes are log10 (values must be > 0), so small and large runs are equally
    readable and the ±10% guides are parallel to the diagonal, a constant distance from it.

    ``points``: ``[(series name, x, y), ...]``; series keep the order of their first point. With
    ``diagonal`` the y = x line is drawn, with dashed +10% and -10% guides (y = 1.1x and y = 0.9x),
    e.g. estimate (x) against measured (y), in GiB. Values must be >= 0.
    """
    clean = []
    for j, item in enumerate(points):
        name, x, y = item
        x = _finite(x, f"point {j} x")
        y = _finite(y, f"point {j} y")
        if x < 0 or y < 0:
            raise ValueError(f"point {j} ({name!r}) is negative; the scatter chart's axes start at 0")
        if log_scale and (x <= 0 or y <= 0):
            raise ValueError(f"point {j} ({name!r}) must be > 0 on a log scale")
        clean.append((str(name), x, y))
    if not clean:
        raise ValueError("a scatter chart needs at least one point")
    names: list[str] = []
    for name, _, _ in clean:
        if name not in names:
            names.append(name)

    data = {
        "chart": "scatter",
        "title": str(title),
        "x_title": str(x_title),
        "y_title": str(y_title),
        "diagonal": bool(diagonal),
        "scale": "log10" if log_scale else "linear",
        "series": names,
        "points": [{"series": name, "x": _jnum(x), "y": _jnum(y)} for name, x, y in clean],
    }
    if desc is None:
        parts = [f"Scatter chart: {y_title} against {x_title}."]
        for name in names:
            pts = [(x, y) for n, x, y in clean if n == name]
            parts.append(f"{name}: " + ", ".join(f"({_num(x)}, {_num(y)})" for x, y in pts) + ".")
        if diagonal:
            within = sum(1 for _, x, y in clean if 0.9 * x <= y <= 1.1 * x)
            parts.append(f"The y = x line and ±10% guides are drawn; {within} of {len(clean)} points lie within ±10%.")
        desc = " ".join(parts)

    svg = _Svg()
    y_cursor = _title_block(svg, title)
    entries = [(name, _marker_swatch(*_style(i))) for i, name in enumerate(names)]
    if diagonal:
        entries.append(("y = x", _line_swatch(MUTED, None, None, 1.5)))
        entries.append(("±10%", _line_swatch(MUTED, None, "5 4", 1.2)))
    y_cursor = _legend(svg, y_cursor, entries)

    top_value = max(max(x, y) for _, x, y in clean)
    if log_scale:
        ticks = log_ticks(min(min(x, y) for _, x, y in clean), top_value)
        low, span = ticks[0], ticks[-1]
        position = lambda v: (math.log10(v) - math.log10(low)) / (math.log10(span) - math.log10(low))  # noqa: E731
    else:
        ticks = nice_ticks(0.0, top_value if top_value > 0 else 1.0)
        low, span = 0.0, ticks[-1]
        position = lambda v: v / span  # noqa: E731
    size = PLOT_HEIGHT + 40
    left = PAD + TEXT_SIZE + 10 + _y_label_width(ticks) + 8
    # centre the square plot in the width
    left = max(left, (WIDTH - size) / 2)
    right = left + size
    plot_top = y_cursor + 14
    plot_bottom = plot_top + size

    def to_x(v: float) -> float:
        return left + position(v) * size

    def to_y(v: float) -> float:
        return plot_bottom - position(v) * size

    # A log axis with many ticks labels the powers of ten only (the others stay as grid lines).
    labelled = ticks
    if log_scale and len(ticks) > 6:
        labelled = [t for t in ticks if math.log10(t) == round(math.log10(t))]
    _y_axis(svg, ticks, left, right, to_y, _y_title_fit(y_title, size), plot_top, plot_bottom,
            left - _y_label_width(ticks) - 8 - 10 - TEXT_SIZE * 0.2, labelled)
    for tick in ticks:
        x = to_x(tick)
        svg.line(x, plot_top, x, plot_bottom, GRID if tick != low else AXIS, 1)
        if tick in labelled:
            svg.text(x, plot_bottom + 8 + TICK_SIZE, _tick_label(tick), size=TICK_SIZE, anchor="middle",
                     fill=MUTED)
    y = plot_bottom + 8 + TICK_SIZE + 10
    for line in _wrap(x_title, TEXT_SIZE, size + 60, max_lines=2):
        y += TEXT_SIZE * 1.3
        svg.text((left + right) / 2, y, line, size=TEXT_SIZE, anchor="middle")
    height = y + PAD

    if diagonal:
        svg.line(to_x(low), to_y(low), to_x(span), to_y(span), MUTED, 1.5)
        svg.line(to_x(low), to_y(low * 1.1), to_x(span / 1.1), to_y(span), MUTED, 1.2, "5 4")
        svg.line(to_x(low / 0.9), to_y(low), to_x(span), to_y(span * 0.9), MUTED, 1.2, "5 4")
    for name, x, y in clean:
        colour, shape = _style(names.index(name))
        svg.marker(shape, to_x(x), to_y(y), 5, colour)
    return _document("scatter", title, desc, data, height, svg.parts)


# ---------------------------------------------------------------- reading the data back

def chart_desc(svg_text: str) -> str:
    """A chart's ``<desc>``: its takeaway, which pages also use as the image's alt text."""
    root = ET.fromstring(svg_text)
    desc = root.find(f"{{{SVG_NS}}}desc")
    return "" if desc is None else (desc.text or "")


def chart_data(svg_text: str) -> dict:
    """The data embedded in an SVG chart (``<metadata id="chart-data">``), as a dict."""
    root = ET.fromstring(svg_text)
    for element in root.iter(f"{{{SVG_NS}}}metadata"):
        if element.get("id") == "chart-data":
            return json.loads(element.text or "")
    raise ValueError("no <metadata id=\"chart-data\"> in this SVG")


# ---------------------------------------------------------------- PNG (matplotlib)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_SIZE_INCHES = (12.0, 6.3)  # 1200 x 630 pixels at PNG_DPI: a social-card header image
PNG_DPI = 100


def png_bar_chart_data(title: str, categories, values, unit: str) -> dict:
    """The data :func:`png_bar_chart` embeds, without drawing: a build compares it to skip an unchanged chart."""
    cats = [str(c) for c in categories]
    vals = [_finite(v, f"value {j}") for j, v in enumerate(values)]
    if not cats or len(cats) != len(vals):
        raise ValueError(f"need one value per category ({len(cats)} categories, {len(vals)} values)")
    if any(v < 0 for v in vals):
        raise ValueError("bar values must be >= 0")
    return {"chart": "png_bar", "title": str(title), "categories": cats, "values": [_jnum(v) for v in vals],
            "unit": str(unit)}


def png_bar_chart(title: str, categories, values, unit: str) -> bytes:
    """A horizontal bar chart as PNG bytes (1200x630), for a post's header image.

    Drawn with matplotlib's Agg renderer in the DejaVu Sans shipped with matplotlib, so labels must be
    characters that font has (English; no CJK). No date or software name is written, so the bytes depend
    only on the input and the matplotlib version. The data is embedded as JSON in a ``Description``
    text chunk; :func:`png_chart_data` reads it back.
    """
    data = png_bar_chart_data(title, categories, values, unit)
    cats, vals = data["categories"], [float(v) for v in values]
    payload = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False)

    import io
    import os

    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ft2font import FT2Font

    font_dir = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    regular = os.path.join(font_dir, "DejaVuSans.ttf")
    bold = os.path.join(font_dir, "DejaVuSans-Bold.ttf")
    charmap = FT2Font(regular).get_charmap()
    for text in [str(title), str(unit), *cats]:
        missing = sorted({ch for ch in text if ord(ch) not in charmap and not ch.isspace()})
        if missing:
            raise ValueError(f"{text!r}: DejaVu Sans has no glyph for {''.join(missing)!r}; "
                             "keep PNG labels in English (the SVG charts take any script)")

    def font(size: float, path: str = regular) -> FontProperties:
        return FontProperties(fname=path, size=size)

    blue = PALETTE[0]
    with matplotlib.style.context("default"), matplotlib.rc_context({"axes.unicode_minus": True}):
        fig = Figure(figsize=PNG_SIZE_INCHES, dpi=PNG_DPI, facecolor="#ffffff")
        FigureCanvasAgg(fig)
        # Text sizes in points at 100 dpi: the smallest (28 pt = 39 px of 1200) is still 11.6 px when a phone
        # shows the image 358 px wide.
        ax = fig.add_axes((0.16, 0.17, 0.80, 0.62))
        positions = list(range(len(cats)))[::-1]  # first category on top
        ax.barh(positions, vals, height=0.6, color=blue)
        ticks = nice_ticks(0.0, max(vals) if max(vals) > 0 else 1.0)
        ax.set_xlim(0, ticks[-1] * 1.3)  # room for the value labels
        ax.set_xticks(ticks, labels=[_tick_label(t) for t in ticks], fontproperties=font(28), parse_math=False)
        wrapped = ["\n".join(_wrap(c, 39, 0.14 * 1200, max_lines=2)) for c in cats]
        ax.set_yticks(positions, labels=wrapped, fontproperties=font(28), parse_math=False)
        ax.set_ylim(-0.6, len(cats) - 0.4)
        ax.tick_params(axis="y", length=0, pad=10)
        ax.tick_params(axis="x", colors="#444444")
        ax.grid(axis="x", color="#e3e3e3", linewidth=1)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        for pos, value in zip(positions, vals):
            ax.text(value + ticks[-1] * 0.01, pos, f"{_num(value, 1)} {unit}", va="center", ha="left",
                    fontproperties=font(28, bold), color="#222222", parse_math=False)
        title_lines = "\n".join(_wrap(str(title), 44, 1140, max_lines=2))
        fig.text(0.02, 0.96, title_lines, ha="left", va="top", fontproperties=font(32, bold), color="#222222",
                 parse_math=False)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PNG_DPI, facecolor="#ffffff",
                    metadata={"Software": None, "Description": payload})
    return buffer.getvalue()


def _png_chunks(png_bytes: bytes):
    if not png_bytes.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG (bad signature)")
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(png_bytes):
        length, kind = struct.unpack(">I4s", png_bytes[offset:offset + 8])
        body = png_bytes[offset + 8:offset + 8 + length]
        if len(body) != length or offset + 12 + length > len(png_bytes):
            raise ValueError("truncated PNG chunk")
        (crc,) = struct.unpack(">I", png_bytes[offset + 8 + length:offset + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in PNG chunk {kind!r}")
        yield kind, body
        if kind == b"IEND":
            return
        offset += 12 + length


def _png_texts(png_bytes: bytes) -> dict[str, str]:
    texts: dict[str, str] = {}
    for kind, body in _png_chunks(png_bytes):
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            texts[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, value = rest.partition(b"\0")
            texts[key.decode("latin-1")] = (zlib.decompress(value) if compressed else value).decode("utf-8")
    return texts


def png_chart_data(png_bytes: bytes) -> dict:
    """The data embedded in a PNG chart (its ``Description`` text chunk), as a dict."""
    texts = _png_texts(png_bytes)
    if "Description" not in texts:
        raise ValueError("no Description text chunk in this PNG")
    return json.loads(texts["Description"])
