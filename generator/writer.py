"""Write a site plan to disk: only files whose bytes changed, and only after everything rendered.

Changed files are first written beside their targets as temporary files; only when all of them are on
disk are they renamed into place, so a failure while writing leaves the old site as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import GeneratorError
from .site import MANIFEST, SitePlan, manifest_paths


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int


def _target(out_dir: str, relative: str) -> str:
    """The absolute path for ``relative``, refusing anything that would land outside ``out_dir``."""
    root = os.path.realpath(out_dir)
    if os.path.isabs(relative) or ".." in relative.split("/"):
        raise GeneratorError(f"output path {relative!r} leaves the output folder", out_dir, None,
                             "use a slug of letters, digits and '-'")
    target = os.path.join(root, *relative.split("/"))
    if os.path.commonpath([root, os.path.realpath(target)]) != root:
        raise GeneratorError(f"output path {relative!r} resolves outside the output folder (a symlink?)", out_dir,
                             None, "remove the symlink from the output folder")
    return target


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def read_published(out_dir: str, relative: str) -> bytes | None:
    return _read(_target(out_dir, relative))


def published_reader(out_dir: str):
    """``path -> bytes or None`` over an output folder that may not exist yet (for reusing unchanged charts)."""
    def read(relative: str) -> bytes | None:
        return read_published(out_dir, relative) if os.path.isdir(out_dir) else None
    return read


def stale_paths(plan: SitePlan, out_dir: str) -> list[str]:
    """Files an earlier build wrote (its manifest says so) that this plan no longer has."""
    old = read_published(out_dir, MANIFEST)
    if old is None:
        return []
    return [p for p in manifest_paths(old) if p not in plan.files and read_published(out_dir, p) is not None]


def write_plan(plan: SitePlan, out_dir: str) -> WriteResult:
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise GeneratorError("the output path is not a folder", out_dir, None, "pass --out DIR")
    changed = [(rel, _target(out_dir, rel), data) for rel, data in plan.files.items()
               if read_published(out_dir, rel) != data]
    stale = [(rel, _target(out_dir, rel)) for rel in stale_paths(plan, out_dir)]
    staged: list[tuple[str, str]] = []
    try:
        for rel, target, data in changed:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            temporary = f"{target}.generator-tmp"
            with open(temporary, "wb") as handle:
                handle.write(data)
            staged.append((temporary, target))
    except OSError as exc:
        for temporary, _ in staged:
            os.unlink(temporary)
        raise GeneratorError(f"cannot write the site: {exc.strerror}", exc.filename or out_dir, None,
                             "check permissions and free space; the site was left as it was") from None
    for temporary, target in staged:
        os.replace(temporary, target)
    for _, target in stale:
        os.unlink(target)
    return WriteResult(tuple(rel for rel, _, _ in changed), tuple(rel for rel, _ in stale),
                       len(plan.files) - len(changed))
