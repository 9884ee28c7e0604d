"""The validation post publishes estimate vs measured for every benchmark row, and meets the accuracy targets."""

from conftest import ROOT
from generator.site.check import markdown_tables
from generator.catalogue.loading import load_content

POST = f"{ROOT}/site/_posts/2026-11-25-vram-estimate-vs-measured.md"


def published_tables():
    """The Qwen2 summary and row tables (the post's first two; the llama.cpp log tables follow them)."""
    with open(POST, encoding="utf-8") as handle:
        return markdown_tables(handle.read())[:2]


def test_every_benchmark_row_is_published():
    summary, rows = published_tables()[:2]
    content = load_content(f"{ROOT}/content")
    published = {(r.cells[0], r.cells[1], int(r.cells[2].replace(",", ""))) for r in rows.rows[1:]}  # 30,720
    assert published == {row.key for row in content.benchmarks["qwen2-speed-benchmark"].rows}
    for row in rows.rows[1:]:
        measured = content.rows[(row.cells[0], row.cells[1], int(row.cells[2].replace(",", "")))].memory_gib
        estimate, error = float(row.cells[5]), float(row.cells[6].rstrip("%"))
        # The error column is the error (within the rounding of the two-decimal estimate and one-decimal error).
        assert abs(100 * (estimate - measured) / measured - error) <= 100 * 0.005 / measured + 0.05


def test_published_overall_error_meets_the_targets_and_beats_the_seed():
    summary = published_tables()[0]
    overall = summary.rows[-1].cells
    assert overall[0] == "全部" and overall[1] == "72"
    mean, worst, seed_mean, seed_worst = (float(c.rstrip("%")) for c in overall[2:])
    assert mean <= 3.0
    assert seed_mean > 10 and seed_worst > 50  # the seed's method, for reference: about 12% and 63%
