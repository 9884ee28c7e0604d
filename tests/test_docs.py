"""The documentation (docs/, an MkDocs site), the README, the help text and the commands agree.

The reference sections of the docs are made from the code (docs/hooks.py): the table calls from their signatures
and docstrings, the command line from its parser, the library from ``generator.estimate``, the limits from
generator/core/limits.py. These tests check that the pages use them, that they cover everything, and that
``mkdocs build --strict`` builds the site with the project's own ``vram-tables`` plugin rendering live tables.
"""

import importlib.util
import inspect
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from generator import cli
from generator.render import pages as render

DOCS = os.path.join(ROOT, "docs")
PAGES = os.path.join(DOCS, "pages")


def read(*path) -> str:
    with open(os.path.join(ROOT, *path), encoding="utf-8") as handle:
        return handle.read()


def readme() -> str:
    return read("README.md")


def hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", os.path.join(DOCS, "hooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verbs() -> dict:
    return cli.make_parser()._subparsers._group_actions[0].choices


# -- the README: short, true, pointing into the docs ------------------------------------------------------------------

def test_readme_quick_start_commands_exist():
    text = readme()
    assert "python -m generator build" in text and "python -m generator check" in text
    assert "-m pytest" in text
    ci = read(".ci", "run")
    test_command = re.search(r"^(.*-m pytest.*)$", ci, re.MULTILINE).group(1).strip()
    assert test_command in text, "the README must give the test command .ci/run runs"
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python -m generator build" in text


def test_readme_is_short_and_its_links_lead_to_pages():
    text = readme()
    assert len(text.splitlines()) <= 160
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", text)
    assert len(links) >= 10
    for link in links:
        assert os.path.isfile(os.path.join(ROOT, link)), link


def test_every_verb_is_in_the_readme():
    text = readme()
    for verb in verbs():
        assert f"python -m generator {verb}" in text or f"`{verb} --blog" in text, verb


def test_readme_library_example_is_the_done_check():
    """The README's Python lines are the ones issue 19 asks to print the CLI's peak_gib (tests/test_api.py)."""
    text = readme()
    assert 'generator.estimate("Qwen2.5-7B-Instruct", quantization="bf16", context=8192)' in text
    assert "--config Qwen2.5-7B-Instruct --quantization bf16 --context 8192 --json" in text


# -- the pages: every one in the nav, every generated section used ----------------------------------------------------

def mkdocs_config() -> dict:
    return yaml.safe_load(read("docs", "mkdocs.yml"))


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    nav = [next(iter(entry.values())) for entry in mkdocs_config()["nav"]]
    pages = sorted(name for name in os.listdir(PAGES) if name.endswith(".md"))
    assert sorted(nav) == pages


def test_the_docs_never_build_into_the_blogs_site_folder():
    config = mkdocs_config()
    out = os.path.realpath(os.path.join(DOCS, config["site_dir"]))
    assert out == os.path.join(os.path.realpath(ROOT), "build", "docs")  # build/ is in .gitignore
    assert "build/" in read(".gitignore").splitlines()


def test_the_project_uses_its_own_plugin_and_strict_mode():
    config = mkdocs_config()
    assert config["strict"] is True
    assert any(isinstance(p, dict) and "vram-tables" in p or p == "vram-tables" for p in config["plugins"])


@pytest.mark.parametrize("page, marker", [("table-calls.md", "table-calls"), ("cli.md", "cli"), ("library.md", "api"),
                                          ("robustness.md", "limits"), ("estimator.md", "families"),
                                          ("development.md", "layers")])
def test_reference_sections_are_generated_not_written(page, marker):
    assert f"<!-- generated: {marker} -->" in read("docs", "pages", page)


def test_every_table_call_is_listed_once_and_documented():
    public = sorted(name for name, _ in inspect.getmembers(render._TableCalls, inspect.isfunction)
                    if not name.startswith("_") and name != "functions")
    listed = [name for names in render._TableCalls.CALLS.values() for name in names]
    assert sorted(listed) == public and len(set(listed)) == len(listed)
    reference = hooks().table_calls()
    for name in listed:
        function = getattr(render._TableCalls, name)
        assert inspect.getdoc(function), f"{name} has no docstring: the reference is made from it"
        assert f"#### `{name}`" in reference
        # The signature as an author writes it, from the function itself.
        for parameter in list(inspect.signature(function).parameters)[1:]:
            assert parameter in reference.split(f"#### `{name}`")[1].split("####")[0], (name, parameter)


def test_the_cli_reference_has_every_verb_and_flag():
    reference = hooks().cli()
    for verb, parser in verbs().items():
        assert f"### `python -m generator {verb}`" in reference
        section = reference.split(f"### `python -m generator {verb}`")[1].split("### `python -m generator")[0]
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert f"`{flag}`" in section, f"{verb} {flag}"


def test_exit_codes_are_documented_alike():
    codes = dict(re.findall(r"^  (\d)  (.+)$", cli.__doc__, re.MULTILINE))
    assert set(codes) == {"0", "1", "2", "3"}
    text = read("docs", "pages", "cli.md")
    for code in codes:
        assert re.search(rf"^\| `{code}` \|", text, re.MULTILINE), f"exit code {code} missing from docs/pages/cli.md"
    epilog = cli.make_parser().epilog
    assert all(f"{code} " in epilog for code in codes)
    assert all(f"{code} " in readme() for code in codes)


def test_the_library_reference_has_every_field():
    from dataclasses import fields
    from generator.api import Estimate
    reference = hooks().api()
    for field in fields(Estimate):
        assert f"| `{field.name}` |" in reference


def test_help_exits_zero(capsys):
    try:
        cli.main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "Exit codes" in capsys.readouterr().out


# -- the site builds, strictly, with live tables ----------------------------------------------------------------------

@pytest.mark.e2e
def test_mkdocs_build_strict_with_live_tables(tmp_path):
    out = tmp_path / "docs"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                             os.path.join(DOCS, "mkdocs.yml"), "-d", str(out)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    def page(name):
        return (out / name).read_text(encoding="utf-8")

    # Live tables: rendered by the vram-tables plugin during the build, their numbers the CLI's.
    from conftest import run_cli
    import json
    report = json.loads(run_cli("estimate", "--config", "Qwen2.5-7B-Instruct", "--quantization", "bf16",
                                "--context", "4096", "--framework", "transformers==4.46.0", "--json").out)
    index = page("index.html")
    assert 'class="vram-table"' in index and f"{report['weights_gib']:.2f}" in index
    for name in ("estimator.html", "engines.html"):
        assert 'class="vram-table"' in page(name), name
    assert "{{" not in re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", index, flags=re.S)
    # The generated references reached the pages.
    assert "--gpu-memory-utilization" in page("cli.html")
    assert "vllm_capacity_table" in page("table-calls.html")
    assert "kv_cache_capacity_tokens" in page("library.html")
    assert "MAX_TOKENS" in page("robustness.html")
    assert "<!-- generated:" not in "".join(page(n) for n in os.listdir(out) if n.endswith(".html"))
