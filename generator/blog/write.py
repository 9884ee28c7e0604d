"""Write a blog's plan into the blog: only files the generator owns, never one of the author's.

Ownership is the manifest (``.generator-manifest`` in the blog folder): each file the build wrote, with the
SHA-256 of the bytes it wrote. Before anything is written, every target is checked: a file that exists and is not
in the manifest is the author's, and a manifest file whose bytes changed since was edited by hand; either one
stops the build (exit 2, naming the file) with nothing written. Then new bytes go to temporary files beside their
targets and are renamed into place, files the manifest lists that the plan no longer has are deleted, and the
manifest is replaced last. One build at a time: the blog's ``generator.yml`` is locked while it runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from dataclasses import dataclass

from ..errors import GeneratorError
from ..site import SitePlan
from .config import BlogConfig
from .plan import MANIFEST, BlogPlan

_HEADER = ("# Files written by `python -m generator build --blog`, with the SHA-256 of the bytes written.\n"
           "# The build rewrites or deletes only these, and only while their bytes are unchanged.\n")
TMP_SUFFIX = ".generator-tmp"


@dataclass(frozen=True)
class BlogWriteResult:
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    kept: tuple[str, ...] = ()  # the author's own files where an optional one would go


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: dict[str, bytes]) -> bytes:
    lines = [f"{digest(data)}  {path}\n" for path, data in sorted(files.items())]
    return (_HEADER + "".join(lines)).encode("utf-8")


def read_manifest(blog: BlogConfig) -> dict[str, str]:
    """{relative path: SHA-256} of the files an earlier build wrote; {} before the first build."""
    path = os.path.join(blog.root, MANIFEST)
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise GeneratorError(f"cannot read the manifest: {exc}", path, None, "restore it from version control") from None
    owned = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        sha, _, relative = line.partition("  ")
        if len(sha) != 64 or not relative:
            raise GeneratorError("not a manifest line (SHA-256, two spaces, a path)", path, number,
                                 "restore the manifest from version control")
        owned[relative] = sha
    return owned


def target(blog: BlogConfig, relative: str) -> str:
    """The file for ``relative``, refused if it would leave the blog folder (through '..' or a symlink)."""
    root = os.path.realpath(blog.root)
    parts = relative.split("/")
    if os.path.isabs(relative) or ".." in parts or "\0" in relative:
        raise GeneratorError(f"output path {relative!r} leaves the blog folder", blog.path, None, "fix the path")
    path = os.path.join(root, *parts)
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise GeneratorError(f"output path {relative} goes through a symlink out of the blog folder", path, None,
                             "remove the symlink or choose another assets: folder")
    return path


def published_bytes(path: str) -> bytes | None:
    if os.path.islink(path):
        return b"\0symlink"  # never one of ours: compared below as foreign bytes
    if os.path.isdir(path):
        return b"\0folder"
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def authors_files(blog: BlogConfig, plan: BlogPlan, owned: dict[str, str]) -> list[str]:
    """Optional files (see BlogPlan) the author has their own of: kept, and left out of the plan."""
    kept = []
    for relative in sorted(plan.optional):
        current = published_bytes(target(blog, relative))
        if current is not None and current != plan.site.files[relative] and relative not in owned:
            kept.append(relative)
    return kept


def owned_plan(blog: BlogConfig, plan: BlogPlan, owned: dict[str, str]) -> tuple[SitePlan, list[str]]:
    """The files this build writes (the plan less the author's own optional files), and those it keeps."""
    kept = authors_files(blog, plan, owned)
    files = {rel: data for rel, data in plan.site.files.items() if rel not in kept}
    return SitePlan(files, {rel: t for rel, t in plan.site.tables.items() if rel in files}, plan.site.posts), kept


def refusals(blog: BlogConfig, plan: SitePlan, owned: dict[str, str]) -> list[tuple[str, str, str]]:
    """(path, problem, fix) for every file the build would have to change that is not the generator's. A file
    of the author's with exactly the bytes the build would write is left as it is and taken over."""
    found = []
    for relative, data in plan.files.items():
        current = published_bytes(target(blog, relative))
        if current is None or current == data:
            continue
        if relative not in owned:
            found.append((relative, "exists and was not written by the generator",
                          "move it away or rename the post; the build never overwrites a file it did not write"))
        elif digest(current) != owned[relative]:
            found.append((relative, "was edited since the generator wrote it",
                          "edit the post source instead, then delete this file and build again"))
    for relative, sha in owned.items():
        if relative in plan.files:
            continue
        current = published_bytes(target(blog, relative))
        if current is not None and digest(current) != sha:
            found.append((relative, "was edited since the generator wrote it, and the build would delete it",
                          "delete it yourself, or remove its line from .generator-manifest to keep it as yours"))
    return found


@contextlib.contextmanager
def blog_lock(blog: BlogConfig, wait_s: float = 10.0):
    """One build or check of a blog at a time: an advisory lock on its generator.yml (released if the process
    dies, so nothing stale is left behind)."""
    with open(blog.path, "rb") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GeneratorError("another build or check of this blog is running", blog.path, None,
                                         "wait for it to finish, then run this again") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_blog(blog: BlogConfig, blog_plan: BlogPlan) -> BlogWriteResult:
    owned = read_manifest(blog)
    plan, kept = owned_plan(blog, blog_plan, owned)
    problems = refusals(blog, plan, owned)
    if problems:
        relative, problem, fix = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise GeneratorError(f"{problem}{more}; nothing was written", target(blog, relative), None, fix)
    changed = {rel: data for rel, data in plan.files.items() if published_bytes(target(blog, rel)) != data}
    stale = [rel for rel in owned if rel not in plan.files and published_bytes(target(blog, rel)) is not None]
    manifest = manifest_text(plan.files)
    manifest_changed = published_bytes(os.path.join(blog.root, MANIFEST)) != manifest
    staged: list[tuple[str, str]] = []
    try:
        for relative, data in list(changed.items()) + ([(MANIFEST, manifest)] if manifest_changed else []):
            path = target(blog, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            temporary = path + TMP_SUFFIX
            with open(temporary, "wb") as handle:
                handle.write(data)
            staged.append((temporary, path))
    except OSError as exc:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise GeneratorError(f"cannot write: {exc.strerror}", exc.filename or blog.root, None,
                             "check permissions and free space; nothing was changed") from None
    # Everything is on disk; the renames below do not allocate. The manifest is staged last, so a build killed
    # here leaves a manifest that does not yet claim files it never wrote.
    for temporary, path in staged:
        os.replace(temporary, path)
    for relative in stale:
        os.unlink(target(blog, relative))
        _remove_emptied_folders(blog, relative)
    return BlogWriteResult(tuple(changed), tuple(stale), len(plan.files) - len(changed), tuple(kept))


def _remove_emptied_folders(blog: BlogConfig, relative: str) -> None:
    """The folders above a deleted file that it leaves empty (images/charts/ after the last chart), up to the
    engine's own folders (posts, assets), which stay. Only empty folders go: rmdir refuses any other."""
    keep = {".", "", blog.posts_dir, blog.assets, blog.posts}
    folder = os.path.dirname(relative)
    while folder not in keep:
        try:
            os.rmdir(target(blog, folder))
        except OSError:
            return
        folder = os.path.dirname(folder)
