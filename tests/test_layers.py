"""The layer order of generator/ (issue 19): no module imports from a layer above its own, and no import circle.

An AST scan of every module under generator/: each ``import`` and ``from ... import`` anywhere in it (inside a
function too: a deferred import is still a dependency), except those under ``if TYPE_CHECKING:`` (types only, never
run). Every module must be placed in exactly one layer below, so a new module has to choose its place.

The layers, lowest first. The order is the modules' real dependencies, not the pipeline's order of work:
``calc`` (pure arithmetic) is near the bottom, and the catalogue reader (``catalogue``) sits above the families, the
engines' profiles and the engine logs, because it validates what it reads with them.
"""

from __future__ import annotations

import ast
import os

import pytest

from conftest import ROOT

PACKAGE = os.path.join(ROOT, "generator")

LAYERS = [
    # Shared foundations: the one error type, limits, safe file reading, YAML with lines, field checks, the render
    # cache, the background worker.
    ("core", ["core", "core.*"]),
    # Render's text helpers: escaping, the languages' words, number formats (used from the catalogue up to the blog).
    ("text", ["render.escape", "render.i18n", "render.formatting"]),
    # Pure arithmetic of the estimate. families/table.py is the family table: data the estimator reads.
    ("calc", ["calc", "calc.*", "families.table"]),
    # Model families: config.json (and GGUF, safetensors, the Hub) into an Architecture; model ids.
    ("families", ["families", "families.*"]),
    # Engines: framework profiles and GPUs, the glossary of the engines' terms.
    ("engines", ["engines", "engines.*"]),
    # The catalogue: content/ read and validated (models, GPUs, profiles, benchmarks, engine logs, posts).
    ("catalogue", ["catalogue", "catalogue.*"]),
    # The library: generator.estimate().
    ("api", ["api"]),
    # Tables and charts: the authors' table calls and what they show.
    ("tables", ["tables", "tables.*"]),
    # Rendering: Jinja, the post sandbox.
    ("render", ["render", "render.pages", "render.post_sandbox"]),
    # The site: plan, calculator data, writer, check.
    ("site", ["site", "site.*"]),
    # The blog adapters: Jekyll, Hugo, MkDocs (its plugin), Hexo.
    ("blog", ["blog", "blog.*"]),
    # The command line.
    ("cli", ["cli", "__main__", ""]),
]


def module_names() -> dict:
    """{dotted name below generator ('' for the package itself): file path}."""
    found = {}
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                relative = os.path.relpath(os.path.join(folder, name), PACKAGE)[:-3].replace(os.sep, ".")
                found[relative.removesuffix("__init__").rstrip(".")] = os.path.join(folder, name)
    return found


def layer_of(module: str) -> int:
    """The layer of ``module``: named exactly, else by a ``package.*`` pattern."""
    places = [index for index, (_, patterns) in enumerate(LAYERS) if module in patterns] or \
        [index for index, (_, patterns) in enumerate(LAYERS) for pattern in patterns
         if pattern.endswith(".*") and module.startswith(pattern[:-1])]
    assert len(places) == 1, f"generator.{module} is in {len(places)} layers: put it in exactly one of LAYERS"
    return places[0]


def _type_checking_only(node) -> bool:
    return isinstance(node, ast.If) and (getattr(node.test, "id", None) == "TYPE_CHECKING"
                                         or getattr(node.test, "attr", None) == "TYPE_CHECKING")


def imports(module: str, path: str, modules: dict) -> list:
    """[(imported module, line)] of generator's own modules that ``module`` imports."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found = []

    def visit(node):
        if _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                base = ".".join(parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts)
                target = ".".join(p for p in (base, node.module or "") if p)
            elif (node.module or "").split(".")[0] == "generator":
                target = node.module.removeprefix("generator").lstrip(".")
            else:
                target = None
            if target is not None:
                for alias in node.names:
                    sub = f"{target}.{alias.name}" if target else alias.name
                    found.append((sub if sub in modules else target, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "generator":
                    found.append((alias.name.removeprefix("generator").lstrip("."), node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [(target, line) for target, line in found if target in modules and target != module]


def graph() -> dict:
    modules = module_names()
    return {module: imports(module, path, modules) for module, path in modules.items()}


def circles(edges: dict) -> list:
    """The strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def connect(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return sorted(found)


def test_every_module_has_one_layer():
    for module in module_names():
        layer_of(module)


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for module, targets in graph().items():
        for target, line in targets:
            if layer_of(target) > layer_of(module):
                upward.append(f"generator/{module.replace('.', '/') or '__init__'}.py:{line}: imports "
                              f"generator.{target} ({LAYERS[layer_of(target)][0]}, above "
                              f"{LAYERS[layer_of(module)][0]})")
    assert upward == []


def test_no_import_circle():
    edges = {module: {target for target, _ in targets} for module, targets in graph().items()}
    assert circles(edges) == []


# -- the scan itself sees what it must (so an empty answer above means something) ------------------------------------

def test_the_scan_sees_deferred_and_typed_imports():
    edges = {module: {target for target, _ in targets} for module, targets in graph().items()}
    assert "api" in edges["cli"]                                     # from generator import api
    assert "blog.mkdocs_plugin" in edges["cli"]                      # deferred, inside run_blog_check
    assert "families.safetensors_file" in edges["families.hub"]      # deferred, one package down
    assert "calc.estimator" in edges["families.sources"]             # from generator.calc.estimator import ...
    assert "catalogue.loading" not in edges["catalogue.vllm_logs"]   # under if TYPE_CHECKING: a type only


def test_the_scan_resolves_relative_imports(tmp_path):
    # generator's own modules import absolutely; a relative import someone adds must still be seen.
    path = tmp_path / "pages.py"
    path.write_text("from . import escape\nfrom ..site.plan import build\nfrom .post_sandbox import PostSandbox\n")
    modules = {"render.pages": str(path), "render.escape": "", "site.plan": "", "render.post_sandbox": ""}
    assert [target for target, _ in imports("render.pages", str(path), modules)] == \
        ["render.escape", "site.plan", "render.post_sandbox"]


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),                                   # loading <-> vllm_logs, as it was
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set(), "c": {"b"}}, []),
])
def test_circles_finds_a_circle(edges, expected):
    assert circles(edges) == expected
