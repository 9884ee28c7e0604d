"""The plan's container and the stored plan of an up-to-date build: what ``build`` needs when nothing changed.

Light on purpose: this module imports only the core (the cache of rendered bytes), so a build whose content and
templates are byte for byte those of an earlier build finds its files here without importing the estimator, Jinja
or the YAML reader (the command line imports plan.py only when something must be rendered). ``check`` never uses
the stored plan: it recomputes every number from the data."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core import memo

MANIFEST = ".generator-manifest"


@dataclass(frozen=True)
class SitePlan:
    files: dict[str, bytes]  # relative path ("/"-separated) -> bytes, sorted by path
    tables: dict  # relative path -> the tables (tables.table.Table) placed in that file, in order
    posts: tuple  # the rendered posts (render.pages.RenderedPost)

    def post_for(self, filename: str):
        return next((p for p in self.posts if p.source.post_filename == filename), None)


def manifest_bytes(paths) -> bytes:
    lines = ["# Files written by `python -m generator build`; a later build deletes those it no longer writes."]
    return ("\n".join(lines + sorted(paths)) + "\n").encode("utf-8")


def manifest_paths(data: bytes) -> list[str]:
    return [line for line in data.decode("utf-8", "replace").splitlines() if line and not line.startswith("#")]


def site_inputs(content_dir: str, templates_dir: str) -> list | None:
    """Every byte the site is made from besides the package's code and the installed libraries (memo.key adds those):
    the content and template folders, file kinds and symlinks included. None: not cached (a folder missing or
    unreadable)."""
    inputs = memo.folder_bytes(content_dir), memo.folder_bytes(templates_dir)
    return None if None in inputs else [content_dir, templates_dir, *inputs[0], b"\0templates\0", *inputs[1]]


def stored_plan(parts: list | None) -> SitePlan | None:
    """The files an earlier build made from exactly these inputs (site_inputs), from the cache; None if none."""
    stored = memo.get("site", parts)
    return SitePlan(_unpacked(stored), {}, ()) if stored is not None else None


def store_plan(parts: list | None, plan: SitePlan) -> None:
    memo.put("site", parts, _packed(plan.files))
    memo.prune("site", keep=8)


def _packed(files: dict[str, bytes]) -> bytes:
    out = []
    for path, data in files.items():
        name = path.encode("utf-8")
        out += [len(name).to_bytes(4, "big"), name, len(data).to_bytes(8, "big"), data]
    return b"".join(out)


def _unpacked(data: bytes) -> dict[str, bytes]:
    files, offset = {}, 0
    while offset < len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        name = data[offset + 4:offset + 4 + size].decode("utf-8")
        offset += 4 + size
        size = int.from_bytes(data[offset:offset + 8], "big")
        files[name] = data[offset + 8:offset + 8 + size]
        offset += 8 + size
    return files
