"""The cache of rendered bytes (generator/core/memo.py): a hit is what rendering gives now, any input byte misses, check
writes nothing to it, a damaged entry is ignored, and an up-to-date build imports no heavy library."""

import os
import struct
import subprocess
import sys
import zlib

import pytest

from conftest import ROOT, run_cli, snapshot
from generator.core import memo
from generator.site.plan import SEED_HEADER_IMAGE, SEED_WORKBOOK


@pytest.fixture(autouse=True)
def writable(monkeypatch):
    monkeypatch.setattr(memo, "_writable", True)  # an earlier check in this process may have left it read-only


def test_a_hit_gives_the_stored_bytes_and_any_input_byte_misses(tmp_path, monkeypatch):
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path))
    made = []
    assert memo.cached("kind", [b"input", "text"], lambda: made.append(1) or b"out") == b"out"
    assert memo.cached("kind", [b"input", "text"], lambda: made.append(1) or b"other") == b"out"
    assert made == [1]
    assert memo.cached("kind", [b"inpuT", "text"], lambda: b"other") == b"other"
    assert memo.cached("kind", [b"input", "text", ""], lambda: b"third") == b"third"  # a part more misses too
    assert memo.cached("other-kind", [b"input", "text"], lambda: b"fourth") == b"fourth"
    # Parts are length-prefixed: moving a byte from one part to the next is another key.
    assert memo.key("kind", [b"ab", b"c"]) != memo.key("kind", [b"a", b"bc"])


def test_the_key_covers_the_package_code_and_the_installed_libraries(monkeypatch):
    before = memo.key("kind", [b"x"])
    monkeypatch.setattr(memo, "code_fingerprint", lambda: b"other code")
    assert memo.key("kind", [b"x"]) != before
    monkeypatch.undo()
    monkeypatch.setattr(memo, "environment_fingerprint", lambda: b"other libraries")
    assert memo.key("kind", [b"x"]) != before


def test_the_code_fingerprint_reads_every_source_file_of_the_package():
    sources = sorted(os.path.relpath(os.path.join(folder, name), memo._PACKAGE)
                     for folder, _, names in os.walk(memo._PACKAGE) for name in names if name.endswith(".py"))
    assert "calc/estimator.py" in sources and "tables/svg.py" in sources and "core/memo.py" in sources
    assert len(memo.code_fingerprint()) == 32


def test_a_damaged_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path))
    memo.put("kind", [b"x"], b"right bytes")
    (entry,) = [os.path.join(d, n) for d, _, names in os.walk(tmp_path) for n in names]
    with open(entry, "r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        handle.write(b"!")
    assert memo.get("kind", [b"x"]) is None
    assert memo.cached("kind", [b"x"], lambda: b"made again") == b"made again"


def test_an_empty_cache_dir_setting_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.setenv("GENERATOR_CACHE_DIR", "")
    memo.put("kind", [b"x"], b"bytes")
    assert memo.get("kind", [b"x"]) is None


def test_check_writes_nothing_to_the_cache_and_build_fills_it(built, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(cache))
    assert run_cli("check").code == 0
    assert list(cache.iterdir()) == []
    assert run_cli("build").code == 0
    kinds = sorted(p.name for p in cache.iterdir())
    # The header image is not in it: it is kept on disk by its fingerprint (site.seed_header_image), so this build
    # drew nothing; the workbook is (under its inputs, site._workbook_parts), and a no-op rebuild takes the whole
    # site from the "site" entry.
    assert kinds == ["jinja-page", "jinja-post", "markdown", "site", "svg", "xlsx"]


def test_a_damaged_cache_entry_never_reaches_the_site(built, tmp_path, monkeypatch):
    """Every cached entry corrupted: the build renders afresh and writes nothing (the site already is right)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(cache))
    assert run_cli("build").code == 0
    for folder, _, names in os.walk(cache):
        for name in names:
            path = os.path.join(folder, name)
            data = bytearray(open(path, "rb").read())
            data[40 % len(data)] ^= 0xFF
            open(path, "wb").write(bytes(data))
    before = snapshot(built / "site")
    result = run_cli("build")
    assert result.code == 0 and "build: 0 written, 0 deleted" in result.out
    assert snapshot(built / "site") == before
    assert run_cli("check").code == 0


def test_an_up_to_date_build_and_check_import_no_heavy_library(built, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, GENERATOR_CACHE_DIR=str(tmp_path / "cache"))
    code = ("import sys\nfrom generator.cli import main\ncode = main(sys.argv[1:])\n"
            "print(sorted(m for m in ('openpyxl', 'matplotlib', 'numpy', 'markdown') if m in sys.modules))\n"
            "sys.exit(code)")
    first = subprocess.run([sys.executable, "-c", code, "build"], cwd=built, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    for verb in ("build", "check"):
        again = subprocess.run([sys.executable, "-c", code, verb], cwd=built, env=env, capture_output=True, text=True)
        assert again.returncode == 0, again.stdout + again.stderr
        assert again.stdout.splitlines()[-1] == "[]", (verb, again.stdout[-500:])


def _with_other_pixels(png: bytes) -> bytes:
    """The same PNG (same chunks, same embedded data, valid CRCs) with other pixels: the IDAT recompressed from
    changed scanlines."""
    out, offset, pixels = [png[:8]], 8, b""
    chunks = []
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        chunks.append((kind, png[offset + 8:offset + 8 + length]))
        offset += 12 + length
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    changed = bytearray(pixels)
    changed[len(changed) // 2] ^= 0x40
    first_idat = True
    for kind, body in chunks:
        if kind == b"IDAT":
            if not first_idat:
                continue
            first_idat, body = False, zlib.compress(bytes(changed))
        out.append(struct.pack(">I4s", len(body), kind) + body + struct.pack(">I", zlib.crc32(kind + body)))
    return b"".join(out)


def test_a_header_image_with_other_pixels_but_the_same_data_is_caught_and_rebuilt(built):
    from generator.tables.svg import png_chart_data
    image = built / "site" / SEED_HEADER_IMAGE
    original = image.read_bytes()
    tampered = _with_other_pixels(original)
    assert tampered != original and png_chart_data(tampered) == png_chart_data(original)
    image.write_bytes(tampered)
    result = run_cli("check")
    assert result.code == 1
    assert f"site/{SEED_HEADER_IMAGE}: differs from a fresh build" in result.out
    assert run_cli("build").code == 0
    assert image.read_bytes() == original
    assert (built / "site" / SEED_WORKBOOK).exists()


def test_an_up_to_date_build_renders_nothing_and_still_restores_a_changed_file(built, monkeypatch):
    import generator.site.plan
    assert run_cli("build").code == 0  # fills the cache for this content (the session cache is on)
    page = built / "site" / "index.html"
    original = page.read_bytes()
    page.write_bytes(b"edited by hand\n")

    def no_rendering(*args):
        raise AssertionError("an up-to-date build rendered the site")
    monkeypatch.setattr(generator.site.plan, "plan_site", no_rendering)
    result = run_cli("build")
    assert result.code == 0, result.err
    assert "wrote site/index.html" in result.out and "build: 1 written, 0 deleted" in result.out
    assert page.read_bytes() == original
    # check never takes the site from the cache: it renders (and here, with rendering broken, fails loudly)
    assert run_cli("check").code == 3


def test_any_content_or_template_change_renders_again(built, monkeypatch):
    import generator.site.plan
    assert run_cli("build").code == 0
    rendered = []
    real = generator.site.plan.plan_site
    monkeypatch.setattr(generator.site.plan, "plan_site", lambda *a: rendered.append(1) or real(*a))
    template = built / "templates" / "index.html.j2"
    template.write_bytes(template.read_bytes() + b"\n")
    assert run_cli("build").code == 0 and rendered == [1]
    assert run_cli("build").code == 0 and rendered == [1]  # that version is now cached
    models = built / "content" / "models.yaml"
    models.write_bytes(models.read_bytes().replace(b"params_b: 22\n", b"params_b: 23\n"))
    result = run_cli("build")
    assert result.code == 0 and rendered == [1, 1] and "wrote site/_posts/" in result.out
    # A file replaced by a symlink to the same bytes is another input (a build refuses it): never a hit.
    site_yaml = built / "content" / "site.yaml"
    (built / "outside.yaml").write_bytes(site_yaml.read_bytes())
    site_yaml.unlink()
    site_yaml.symlink_to(built / "outside.yaml")
    result = run_cli("build")
    assert result.code == 2 and "leads outside the content folder" in result.err and rendered == [1, 1]


def test_the_workbook_and_header_image_come_from_the_cache_only_for_the_same_numbers(built, tmp_path, monkeypatch):
    """The seed's workbook and header image are cached under their inputs (site._workbook_parts, the chart's data):
    a check with both cached starts no child, and changed numbers never get the old bytes."""
    import generator.site.plan
    monkeypatch.setenv("GENERATOR_CACHE_DIR", str(tmp_path / "cache"))
    assert run_cli("build", "--out", str(tmp_path / "a")).code == 0  # an empty folder: the image is drawn
    assert {"xlsx", "png"} <= set(os.listdir(tmp_path / "cache"))
    with monkeypatch.context() as patch:
        patch.setattr(generator.site.plan, "in_background", lambda work: pytest.fail("a child was started"))
        result = run_cli("check", "--site", str(tmp_path / "a"))
        assert result.code == 0, result.out
    # Other numbers: a measured load memory (the load table and the image) and a model's size (the workbook).
    bench = built / "content" / "benchmarks" / "qwen2-speed-benchmark.yaml"
    bench.write_text(bench.read_text(encoding="utf-8").replace("memory_gib: 1.17", "memory_gib: 1.27", 1),
                     encoding="utf-8")
    models = built / "content" / "models.yaml"
    models.write_text(models.read_text(encoding="utf-8").replace("params_b: 0.5\n", "params_b: 0.6\n", 1),
                      encoding="utf-8")
    assert run_cli("build", "--out", str(tmp_path / "b")).code == 0
    monkeypatch.setenv("GENERATOR_CACHE_DIR", "")
    assert run_cli("build", "--out", str(tmp_path / "c")).code == 0
    for rel in (SEED_WORKBOOK, SEED_HEADER_IMAGE):
        made = [(tmp_path / side / rel).read_bytes() for side in "abc"]
        assert made[1] == made[2] and made[1] != made[0], rel
