"""generator.tables.svg: deterministic, self-contained, accessible SVG charts (and a PNG) that carry their data."""

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from generator.tables import svg as charts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = {"svg": "http://www.w3.org/2000/svg"}
SCRIPT = "<script>alert(1)</script>"
TEMPLATE = "{{ 7*7 }} {% raw %}"

# One source for the samples, run here and in subprocesses with other hash seeds.
SAMPLES = '''
from generator.tables import svg as charts

CONTEXTS = [4096 * 2 ** i for i in range(6)]


def samples():
    series = [
        ("FP16", [(c, 16.1 + 0.125 * c / 1024) for c in CONTEXTS]),
        ("Q4_K_M 量化", [(c, 4.9 + 0.125 * c / 1024) for c in CONTEXTS]),
        ("<script>alert(1)</script>", [(c, 1 / 3 + c / 65536) for c in CONTEXTS]),
    ]
    return {
        "line": charts.line_chart("Peak memory vs context {{ 7*7 }} {% raw %}", "Context length (tokens)",
                                  "Peak memory (GiB)", series,
                                  reference_lines=[("RTX 4090 24 GiB", 24), ("A100 80 GiB", 80)]),
        "bar": charts.stacked_bar_chart("Where the memory goes", "Memory (GiB)",
                                        ["Llama 3 8B", "<script>alert(1)</script>", "通义千问 7B"],
                                        [("Weights", [15.0, 3.0, 14.2]), ("KV cache", [4.0, 1.0, 2.5]),
                                         ("Activations", [1.2, 0.3, 0.9]), ("Overhead", [0.8, 0.5, 0.6])]),
        "scatter": charts.scatter_chart("Estimate vs measured", "Estimated (GiB)", "Measured (GiB)",
                                        [("vLLM", 10.0, 10.4), ("vLLM", 40.5, 43.1), ("llama.cpp", 5.2, 4.9),
                                         ("<script>alert(1)</script>", 70.0, 66.6)]),
    }
'''

PNG_SAMPLE = '''
from generator.tables import svg as charts


def png_sample():
    return charts.png_bar_chart("How much VRAM does Llama 3 8B need?", ["FP16", "Q8_0", "Q4_K_M"],
                                [17.2, 9.6, 5.9], "GiB")
'''

_namespace: dict = {}
exec(SAMPLES + PNG_SAMPLE, _namespace)
samples = _namespace["samples"]
png_sample = _namespace["png_sample"]


def _run_python(code: str, seed: str) -> bytes:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture(scope="module")
def svgs():
    return samples()


@pytest.fixture(scope="module")
def mpl():
    return pytest.importorskip("matplotlib")


# ---------------------------------------------------------------- determinism

def test_same_input_gives_identical_bytes(svgs):
    again = samples()
    for kind, svg in svgs.items():
        assert isinstance(svg, str)
        assert svg.encode("utf-8") == again[kind].encode("utf-8"), kind


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_identical_bytes_in_a_subprocess_with_another_hash_seed(svgs, seed):
    code = SAMPLES + (
        "\nimport sys\nout = samples()\n"
        "sys.stdout.buffer.write(b'\\0'.join(out[k].encode('utf-8') for k in ('line', 'bar', 'scatter')))\n")
    expected = b"\0".join(svgs[k].encode("utf-8") for k in ("line", "bar", "scatter"))
    assert _run_python(code, seed) == expected


def test_no_timestamps_random_ids_or_float_repr_noise(svgs):
    for svg in svgs.values():
        # every number in an attribute has at most 2 decimals
        for value in re.findall(r'(?<![\w#-])(-?\d+\.\d+)', " ".join(re.findall(r'<[^>]*>', svg))):
            assert len(value.split(".")[1]) <= 2, value
        assert "e-0" not in svg and "e+0" not in svg


# ---------------------------------------------------------------- well-formed, accessible, self-contained

def test_svg_is_well_formed_and_accessible(svgs):
    for kind, svg in svgs.items():
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("role") == "img"
        # A fixed size in CSS pixels equal to the viewBox: text is drawn at its own size on a desktop
        # (pages shrink the image to fit a phone, never enlarge it).
        assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox"))
        assert root.get("viewBox").split()[2:] == [root.get("width"), root.get("height")]
        assert "Noto Sans CJK SC" in root.get("font-family") and root.get("font-family").endswith("sans-serif")
        title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
        assert title is not None and title.text.strip(), kind
        assert desc is not None and len(desc.text) > 40, kind
        # aria-labelledby points at the title and the desc
        assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
        assert "\n\n" not in svg and not re.search(r"^\s", svg, re.M), "no blank or indented lines (Markdown)"


def test_no_external_references_or_scripts(svgs):
    for kind, svg in svgs.items():
        assert re.findall(r"https?://[^\s\"'<>]*", svg) == ["http://www.w3.org/2000/svg"], kind
        assert svg.count("http") == 1, kind
        for forbidden in ("href", "<image", "url(", "@import", "@font-face", "<script", "<foreignObject", "<style",
                          "javascript:", " on"):
            assert forbidden not in svg.replace(" onto", ""), (kind, forbidden)
        tags = {element.tag.split("}")[-1] for element in ET.fromstring(svg).iter()}
        assert tags <= {"svg", "title", "desc", "metadata", "rect", "line", "path", "text", "circle", "polygon"}, tags


def test_labels_are_escaped_and_appear_literally(svgs):
    for kind, svg in svgs.items():
        assert "&lt;script&gt;" in svg, kind
        assert "<script" not in svg, kind
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if e.tag.split("}")[-1] == "script"]
        texts = [e.text or "" for e in root.iter()]
        assert any(SCRIPT in t for t in texts), kind
    line = svgs["line"]
    # Liquid/Jinja find no tag in the file, yet the browser shows the braces as written
    for svg in svgs.values():
        assert "{{" not in svg and "{%" not in svg and "{#" not in svg
    root = ET.fromstring(line)
    assert root.find("svg:title", NS).text == "Peak memory vs context " + TEMPLATE
    assert any(TEMPLATE in (e.text or "") for e in root.iter("{http://www.w3.org/2000/svg}text"))


def test_cjk_labels_are_kept(svgs):
    assert "Q4_K_M 量化" in svgs["line"]
    assert "通义千问 7B" in svgs["bar"]


def test_legend_names_every_series(svgs):
    def texts(svg):
        return [e.text for e in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert {"FP16", "Q4_K_M 量化", SCRIPT} <= set(texts(svgs["line"]))
    assert {"Weights", "KV cache", "Activations", "Overhead"} <= set(texts(svgs["bar"]))
    assert {"vLLM", "llama.cpp", SCRIPT, "y = x", "±10%"} <= set(texts(svgs["scatter"]))


# ---------------------------------------------------------------- data round trip

def test_chart_data_round_trips_line(svgs):
    data = charts.chart_data(svgs["line"])
    assert data["chart"] == "line" and data["x_scale"] == "log2"
    assert data["y_title"] == "Peak memory (GiB)"
    assert [s["name"] for s in data["series"]] == ["FP16", "Q4_K_M 量化", SCRIPT]
    fp16 = data["series"][0]["points"]
    assert fp16 == [[4096 * 2 ** i, round(16.1 + 0.125 * 4 * 2 ** i, 6)] for i in range(6)]
    assert data["series"][2]["points"][0] == [4096, round(1 / 3 + 4096 / 65536, 6)]
    assert data["reference_lines"] == [{"label": "RTX 4090 24 GiB", "y": 24}, {"label": "A100 80 GiB", "y": 80}]


def test_chart_data_round_trips_bar_and_scatter(svgs):
    bar = charts.chart_data(svgs["bar"])
    assert bar["categories"] == ["Llama 3 8B", SCRIPT, "通义千问 7B"]
    assert bar["segments"][0] == {"name": "Weights", "values": [15, 3, 14.2]}
    assert bar["totals"] == [21, 4.8, 18.2]
    scatter = charts.chart_data(svgs["scatter"])
    assert scatter["diagonal"] is True
    assert scatter["series"] == ["vLLM", "llama.cpp", SCRIPT]
    assert scatter["points"][1] == {"series": "vLLM", "x": 40.5, "y": 43.1}


def test_embedded_json_is_sorted_and_compact(svgs):
    import json
    raw = ET.fromstring(svgs["bar"]).find("svg:metadata", NS).text
    assert raw == json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_chart_data_without_metadata_is_an_error():
    with pytest.raises(ValueError):
        charts.chart_data('<svg xmlns="http://www.w3.org/2000/svg"/>')


# ---------------------------------------------------------------- axes

def _is_round_step(step: Decimal) -> bool:
    mantissa = step.scaleb(-step.adjusted()).normalize()
    return mantissa in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


@pytest.mark.parametrize("low,high", [(0, 1), (0, 17.3), (0, 80), (0, 137.5), (0, 0.042), (3, 7), (0, 1e6),
                                      (-5, 12), (0, 23.999), (4096, 131072), (0, 0), (7, 7)])
def test_nice_ticks_are_round_and_cover_the_range(low, high):
    ticks = charts.nice_ticks(low, high)
    assert 3 <= len(ticks) <= 12
    assert ticks[0] <= low and ticks[-1] >= high
    decimals = [Decimal(repr(t)) for t in ticks]
    step = decimals[1] - decimals[0]
    assert _is_round_step(step), step
    assert all(b - a == step for a, b in zip(decimals, decimals[1:]))
    assert all((d / step) == (d / step).to_integral_value() for d in decimals)
    for t in ticks:  # short text, no float noise
        assert len(repr(t)) <= 12, repr(t)


def _texts_with_positions(svg):
    for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        yield element.text, float(element.get("x")), float(element.get("y"))


def test_y_ticks_in_the_svg_are_round_numbers(svgs):
    labels = [t for t, _, _ in _texts_with_positions(svgs["line"]) if re.fullmatch(r"-?\d+(\.\d+)?", t or "")]
    # The 24 GiB card is near the data (at most 32.1 GiB) and drawn; the 80 GiB card would flatten the lines,
    # so it stays in the data but neither sets the scale nor is drawn.
    assert labels[:5] == ["0", "10", "20", "30", "40"] and "50" not in labels and "80" not in labels
    texts = [t for t, _, _ in _texts_with_positions(svgs["line"])]
    assert "RTX 4090 24 GiB" in texts and "A100 80 GiB" not in texts


def test_log2_x_axis_positions_are_monotone_and_even(svgs):
    expected = ["4K", "8K", "16K", "32K", "64K", "128K"]
    ticks = {t: x for t, x, _ in _texts_with_positions(svgs["line"]) if t in expected}
    xs = [ticks[label] for label in expected]
    assert all(b > a for a, b in zip(xs, xs[1:]))
    gaps = [b - a for a, b in zip(xs, xs[1:])]
    assert max(gaps) - min(gaps) < 0.05  # doubling the context is one step on a log2 axis
    path = ET.fromstring(svgs["line"]).find("svg:path", NS).get("d")
    px = [float(x) for x in re.findall(r"[ML](-?[\d.]+),", path)]
    assert all(b > a for a, b in zip(px, px[1:]))
    assert px[0] == pytest.approx(xs[0], abs=0.01) and px[-1] == pytest.approx(xs[-1], abs=0.01)


def test_pow2_labels():
    assert [charts.pow2_label(4096 * 2 ** i) for i in range(6)] == ["4K", "8K", "16K", "32K", "64K", "128K"]
    assert charts.pow2_label(512) == "512" and charts.pow2_label(1 << 20) == "1M"


def test_linear_x_axis():
    svg = charts.line_chart("Batch", "Batch size (sequences)", "Memory (GiB)",
                            [("A", [(1, 10), (8, 14), (32, 30)])], x_values_log2=False)
    assert charts.chart_data(svg)["x_scale"] == "linear"
    labels = [t for t, _, _ in _texts_with_positions(svg)]
    assert "0" in labels and "35" in labels or "40" in labels


def test_scatter_axes_share_one_scale_and_draw_guides(svgs):
    root = ET.fromstring(svgs["scatter"])
    lines = root.findall("svg:line", NS)
    dashed = [e for e in lines if e.get("stroke-dasharray")]
    assert len(dashed) == 3  # +10% and -10%, and the legend's swatch
    numbers = [(t, x, y) for t, x, y in _texts_with_positions(svgs["scatter"]) if re.fullmatch(r"\d+", t or "")]
    x_axis = [t for t, _, y in numbers if y == max(n[2] for n in numbers)]
    y_axis = [t for t, x, _ in numbers if x == min(n[1] for n in numbers)]
    assert x_axis == y_axis == ["0", "20", "40", "60", "80"]
    without = charts.scatter_chart("t", "x (GiB)", "y (GiB)", [("a", 1, 2)], diagonal=False)
    assert not [e for e in ET.fromstring(without).findall("svg:line", NS) if e.get("stroke-dasharray")]
    assert "y = x" not in without


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call", [
    lambda: charts.line_chart("t", "x", "y", [("a", [(0, 1)])]),
    lambda: charts.line_chart("t", "x", "y", [("a", [(1, math.nan)])]),
    lambda: charts.line_chart("t", "x", "y", []),
    lambda: charts.stacked_bar_chart("t", "y", ["a", "b"], [("s", [1])]),
    lambda: charts.stacked_bar_chart("t", "y", ["a"], [("s", [-1])]),
    lambda: charts.scatter_chart("t", "x", "y", [("a", 1, math.inf)]),
    lambda: charts.scatter_chart("t", "x", "y", []),
])
def test_bad_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_importing_charts_does_not_import_matplotlib():
    out = _run_python("import sys, generator.tables.svg; print('matplotlib' in sys.modules)", "0")
    assert out.strip() == b"False"


# ---------------------------------------------------------------- PNG

def test_png_signature_and_size(mpl):
    png = png_sample()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    import struct
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 630)


def test_png_is_deterministic(mpl):
    first, second = png_sample(), png_sample()
    assert first == second
    code = PNG_SAMPLE + "\nimport sys\nsys.stdout.buffer.write(png_sample())\n"
    assert _run_python(code, "99") == first


def test_png_carries_no_software_or_date(mpl):
    png = png_sample()
    kinds = [kind for kind, _ in charts._png_chunks(png)]
    assert b"tIME" not in kinds
    assert b"Software" not in png and b"Creation Time" not in png and b"matplotlib" not in png.lower()


def test_png_chart_data_round_trips(mpl):
    data = charts.png_chart_data(png_sample())
    assert data == {"chart": "png_bar", "title": "How much VRAM does Llama 3 8B need?",
                    "categories": ["FP16", "Q8_0", "Q4_K_M"], "values": [17.2, 9.6, 5.9], "unit": "GiB"}


def test_png_labels_are_not_parsed_as_mathtext(mpl):
    png = charts.png_bar_chart("Costs $5 or $10", ["a_b $x$"], [1], "GiB")
    assert charts.png_chart_data(png)["categories"] == ["a_b $x$"]


def test_png_rejects_labels_dejavu_cannot_draw(mpl):
    with pytest.raises(ValueError, match="DejaVu"):
        charts.png_bar_chart("显存", ["a"], [1], "GiB")


def test_png_chart_data_rejects_other_bytes():
    with pytest.raises(ValueError):
        charts.png_chart_data(b"GIF89a")
    header = b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        charts.png_chart_data(header + b"\0\0\0\0IEND\xaeB`\x82")  # valid but empty: no Description


def test_log_scatter_has_even_decades_and_parallel_guides():
    svg = charts.scatter_chart("t", "measured (GiB)", "estimated (GiB)",
                               [("a", 0.9, 1.0), ("a", 9.5, 10.2), ("b", 150.0, 140.0)], log_scale=True)
    assert charts.chart_data(svg)["scale"] == "log10"
    numbers = {t: (x, y) for t, x, y in _texts_with_positions(svg) if re.fullmatch(r"[\d.]+", t or "")}
    xs = [numbers[label][0] for label in ("1", "10", "100") if label in numbers]
    assert len(xs) == 3 and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.02)
    with pytest.raises(ValueError):
        charts.scatter_chart("t", "x", "y", [("a", 0, 1)], log_scale=True)


def test_log_ticks_cover_the_range():
    assert charts.log_ticks(0.9, 150) == [0.5, 1, 2, 5, 10, 20, 50, 100, 200]
    assert charts.log_ticks(1, 100) == [1, 2, 5, 10, 20, 50, 100]


def _contrast(colour: str, background: str = "#ffffff") -> float:
    lighter, darker = sorted((charts._luminance(colour), charts._luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_series_colours_have_3_to_1_contrast_on_the_white_background():
    assert all(_contrast(colour) >= 3 for colour in charts.PALETTE), [(c, round(_contrast(c), 2)) for c in charts.PALETTE]


def test_smallest_text_is_11_px_on_a_390_px_phone(svgs):
    content_width = 390 - 2 * 16  # the page's padding
    for kind, svg in svgs.items():
        root = ET.fromstring(svg)
        sizes = [float(e.get("font-size")) for e in root.iter("{http://www.w3.org/2000/svg}text")]
        scale = min(1.0, content_width / float(root.get("width")))
        assert min(sizes) * scale >= 11, (kind, min(sizes), scale)
        assert max(sizes) <= 20, kind  # not oversized at full width on a desktop


def test_line_labels_sit_at_the_line_ends_when_short():
    series = [("bf16", [(4096, 10), (32768, 20)]), ("q4_k_m", [(4096, 4), (32768, 8)])]
    svg = charts.line_chart("t", "Context", "GiB", series)
    root = ET.fromstring(svg)
    path_ends = [float(re.findall(r"L(-?[\d.]+),", p.get("d"))[-1]) for p in root.findall("svg:path", NS)]
    labels = {t: x for t, x, _ in _texts_with_positions(svg) if t in ("bf16", "q4_k_m")}
    assert all(x > max(path_ends) for x in labels.values()) and len(labels) == 2
