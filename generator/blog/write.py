"""Write a blog's plan into the blog: only files the generator owns, never one of the author's.

Ownership is re-derived at every build, never taken on trust. ``.generator-manifest`` in the blog folder lists each
file an earlier build wrote with the SHA-256 of the bytes it wrote, but a line of it counts only if its path is one
the plan for this blog could produce (a post in the engine's posts folder, a chart or a seed image under the
assets folder; see :func:`may_own`) and the file there is a regular file with exactly those bytes. ``..``,
absolute paths, hidden names, the blog's own config files, ``generator.yml``, the manifest and the post sources
are never the generator's, whatever the manifest says.

Before anything is written, every target is checked: a file that exists and is not owned is the author's, and an
owned file whose bytes changed since was edited by hand; either one stops the build (exit 2, naming the file) with
nothing written. A target that is a symlink, or lies under a symlinked folder, or under a file where a folder
belongs, is refused too: nothing is ever written through a link. New bytes go to staging files created beside
their targets with O_CREAT|O_EXCL|O_NOFOLLOW under fresh random names (a link planted at any name is never
followed), then renamed into place; stale files are deleted; the manifest is replaced last. Until then the
manifest on disk lists every file the build may leave behind if it is killed (the old files and the new ones),
so a killed build leaves nothing that ``check`` would call OK and nothing the next build could not tidy. A failed
build removes its staging files. One build at a time: the blog's ``generator.yml`` is locked while it runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass

from generator.blog.config import BlogConfig
from generator.blog.names import CONFIG_NAME, LEGACY_CONFIG_NAME
from generator.blog.plan import MANIFEST, BlogPlan
from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_MANIFEST_BYTES, MAX_PUBLISHED_BYTES, TMP_SUFFIX, create_exclusive, read_bounded
from generator.site.plan import SEED_HEADER_IMAGE, SEED_WORKBOOK, SitePlan

_HEADER = ("# Files written by `python -m generator build --blog`, with the SHA-256 of the bytes written.\n"
           "# The build rewrites or deletes only these, and only while their bytes are unchanged.\n")
_SHA = re.compile(r"^[0-9a-f]{64}$")
# A staging file a killed build left: ".NAME.RANDOM.generator-tmp" (safeio.create_exclusive).
_STAGING = re.compile(r"^\..+\.[0-9a-f]{12}" + re.escape(TMP_SUFFIX) + "$")
# Files that configure an engine or a blog; never the generator's (the engines' markers are added per blog).
_CONFIG_FILES = frozenset({"_config.yml", "_config.yaml", "_config.toml", "hugo.toml", "hugo.yaml", "hugo.json",
                           "config.toml", "config.yaml", "config.json", "mkdocs.yml", "mkdocs.yaml", "package.json",
                           "Gemfile", "Gemfile.lock", "netlify.toml", "CNAME", "index.md", "README.md"})


@dataclass(frozen=True)
class BlogWriteResult:
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    kept: tuple[str, ...] = ()  # the author's own files where an optional one would go


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: dict[str, str]) -> bytes:
    """The manifest for {relative path: SHA-256}."""
    lines = [f"{sha}  {path}\n" for path, sha in sorted(files.items())]
    return (_HEADER + "".join(lines)).encode("utf-8")


def _asset(blog: BlogConfig, site_path: str) -> str:
    return site_path if blog.assets == "." else f"{blog.assets}/{site_path}"


def _clean(relative: str) -> bool:
    """A plain relative path: no absolute path, no '..', '.', empty or hidden part, no backslash or control
    character."""
    if not relative or relative.startswith("/") or "\\" in relative or any(ord(c) < 32 or ord(c) == 127
                                                                         for c in relative):
        return False
    return all(part and not part.startswith(".") for part in relative.split("/"))


def _under(relative: str, folder: str) -> bool:
    return folder in (".", "") or relative == folder or relative.startswith(folder.rstrip("/") + "/")


def may_own(blog: BlogConfig, relative: str, planned=()) -> bool:
    """Whether ``relative`` is a path the plan for this blog could produce: a post file in the engine's posts
    folder, a chart, one of the seed post's images, or a path of this build's plan (``planned``). Never the
    blog's own config files, the manifest, generator.yml, the post sources or the catalogue."""
    if not isinstance(relative, str) or not _clean(relative):
        return False
    name = relative.rsplit("/", 1)[-1]
    top_level = "/" not in relative
    if relative in (MANIFEST, CONFIG_NAME, LEGACY_CONFIG_NAME) or \
            top_level and (name in _CONFIG_FILES or name in blog.engine.markers):
        return False
    if _under(relative, blog.posts) or (blog.catalogue and _under(relative, blog.catalogue)):
        return False
    if relative in planned:
        return True
    if any(relative == support for support, _ in blog.engine.support_files):  # Hugo's table shortcode
        return True
    posts_dir = blog.posts_dir or os.path.normpath(blog.engine.posts_dir).replace(os.sep, "/")
    if relative.startswith(posts_dir + "/") and "/" not in relative[len(posts_dir) + 1:] and name.endswith(".md"):
        return True
    charts = _asset(blog, "images/charts") + "/"
    if relative.startswith(charts) and "/" not in relative[len(charts):] and name.endswith(".svg"):
        return True
    return relative in (_asset(blog, SEED_WORKBOOK), _asset(blog, SEED_HEADER_IMAGE))


def read_manifest_lines(blog: BlogConfig) -> dict[str, str]:
    """{relative path: SHA-256} as the manifest says; {} before the first build. Not yet trusted: see owned."""
    path = os.path.join(blog.root, MANIFEST)
    try:
        data = read_bounded(path, MAX_MANIFEST_BYTES, "manifest", follow=False)
        text = data.decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except GeneratorError as exc:
        raise GeneratorError(exc.message, path, None, "delete it (the next build writes a fresh one) or restore "
                             "it from version control") from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise GeneratorError(f"cannot read the manifest: {problem}", path, None,
                             "delete it (the next build writes a fresh one) or restore it from version control") \
            from None
    listed = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        sha, _, relative = line.partition("  ")
        if not _SHA.match(sha) or not relative:
            raise GeneratorError("not a manifest line (SHA-256, two spaces, a path)", path, number,
                                 "delete the manifest (the next build writes a fresh one) or restore it from "
                                 "version control")
        listed[relative] = sha
    return listed


def read_manifest(blog: BlogConfig, planned=()) -> dict[str, str]:
    """The manifest's lines the generator may own (see :func:`may_own`); the others are ignored: whatever a
    manifest says, a path outside what the plan could produce is never the generator's to change."""
    return {rel: sha for rel, sha in read_manifest_lines(blog).items() if may_own(blog, rel, planned)}


def _root(blog: BlogConfig) -> str:
    return os.path.realpath(blog.root)


def target(blog: BlogConfig, relative: str) -> str:
    """The file for ``relative``, refused if it would leave the blog folder (``..``, an absolute path) or go
    through a symlinked folder or a file where a folder belongs. The final name is not followed by anyone: it
    is read with O_NOFOLLOW and replaced by rename."""
    root = _root(blog)
    parts = relative.split("/")
    if os.path.isabs(relative) or ".." in parts or "\0" in relative or "" in parts:
        raise GeneratorError(f"output path {relative!r} leaves the blog folder", blog.path, None, "fix the path")
    folder = root
    for index, part in enumerate(parts[:-1]):
        folder = os.path.join(folder, part)
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            break  # made by the build, as a real folder
        shown = "/".join(parts[:index + 1])
        if stat.S_ISLNK(info.st_mode):
            leaves = os.path.commonpath([root, os.path.realpath(folder)]) != root
            raise GeneratorError(f"{shown}/ is a symlink{' out of the blog folder' if leaves else ''}; the build "
                                 f"writes {relative} only into a real folder of the blog", folder, None,
                                 "replace the symlink with a folder, or set assets: to another folder")
        if not stat.S_ISDIR(info.st_mode):
            raise GeneratorError(f"{shown} is a file where the build needs a folder (for {relative})", folder, None,
                                 "move the file away, or set assets: to another folder in generator.yml")
    return os.path.join(root, *parts)


def published_bytes(path: str) -> bytes | None:
    """A regular file's bytes; None where there is nothing. A link, a folder, a FIFO, a device or a file above
    MAX_PUBLISHED_BYTES is never one of ours: it gets bytes no build writes ("\\0..."), never followed or read."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(info.st_mode):
        return b"\0symlink"
    if stat.S_ISDIR(info.st_mode):
        return b"\0folder"
    if not stat.S_ISREG(info.st_mode):
        return b"\0special"
    if info.st_size > MAX_PUBLISHED_BYTES:
        return b"\0too large"
    try:
        return read_bounded(path, MAX_PUBLISHED_BYTES, follow=False)
    except GeneratorError:
        return b"\0changed"  # swapped for something else while we looked
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise GeneratorError(f"cannot read: {exc.strerror}", path, None, "check permissions") from None


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
        if relative not in owned or current.startswith(b"\0"):
            found.append((relative, "exists and was not written by the generator" if not current.startswith(b"\0")
                          else f"is {_what(current)}, where the build writes a file",
                          "move it away or rename the post; the build never overwrites a file it did not write"))
        elif digest(current) != owned[relative]:
            found.append((relative, "was edited since the generator wrote it",
                          "edit the post source instead, then delete this file and build again"))
    for relative in stale_paths(blog, plan, owned, regular_only=False):
        current = published_bytes(target(blog, relative))
        if current is not None and not current.startswith(b"\0") and digest(current) != owned[relative]:
            found.append((relative, "was edited since the generator wrote it, and the build would delete it",
                          "delete it yourself, or remove its line from .generator-manifest to keep it as yours"))
    return found


def _what(marker: bytes) -> str:
    return {b"\0symlink": "a symlink", b"\0folder": "a folder", b"\0special": "a FIFO or a device",
            b"\0too large": "a file too large to be one of the generator's"}.get(marker, "not a regular file")


def stale_paths(blog: BlogConfig, plan: SitePlan, owned: dict[str, str], regular_only: bool = True) -> list[str]:
    """Owned files this plan no longer has. With ``regular_only``, only those still there as the regular file the
    manifest describes (a link, a folder or a changed file there is not the generator's: it is left alone)."""
    found = []
    for relative, sha in sorted(owned.items()):
        if relative in plan.files:
            continue
        if not regular_only:
            found.append(relative)
            continue
        current = published_bytes(target(blog, relative))
        if current is not None and not current.startswith(b"\0") and digest(current) == sha:
            found.append(relative)
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
    owned = read_manifest(blog, blog_plan.site.files)
    plan, kept = owned_plan(blog, blog_plan, owned)
    problems = refusals(blog, plan, owned)
    if problems:
        relative, problem, fix = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise GeneratorError(f"{problem}{more}; nothing was written", target(blog, relative), None, fix)
    changed = {rel: data for rel, data in plan.files.items() if published_bytes(target(blog, rel)) != data}
    stale = stale_paths(blog, plan, owned)
    final = {rel: digest(data) for rel, data in plan.files.items()}
    manifest_path = os.path.join(_root(blog), MANIFEST)
    manifest = manifest_text(final)
    _remove_leftover_staging(blog, plan)
    staged: list[tuple[str, str]] = []
    try:
        for relative, data in changed.items():
            path = target(blog, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            target(blog, relative)  # the folders just made are real ones (nothing swapped in meanwhile)
            staged.append((create_exclusive(os.path.dirname(path), os.path.basename(path), data), path))
        if changed or stale:
            # Until the end, the manifest lists everything a killed build may leave: the files it owned and the
            # new ones (with their old hashes where they had one, so an unfinished build is not taken for edits).
            interim = dict(owned)
            interim.update({rel: final[rel] for rel in changed if rel not in owned})
            _replace_manifest(blog, manifest_path, manifest_text(interim))
        for temporary, path in staged:
            os.replace(temporary, path)
        staged = []
        for relative in stale:
            path = target(blog, relative)
            current = published_bytes(path)
            if current is not None and not current.startswith(b"\0") and digest(current) == owned[relative]:
                os.unlink(path)
                _remove_emptied_folders(blog, relative)
        if published_bytes(manifest_path) != manifest:
            _replace_manifest(blog, manifest_path, manifest)
    except OSError as exc:
        raise GeneratorError(f"cannot write: {exc.strerror}", exc.filename or blog.root, None,
                             "check permissions and free space, then build again") from None
    finally:
        for temporary, _ in staged:  # a failed build leaves no staging files behind
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return BlogWriteResult(tuple(changed), tuple(stale), len(plan.files) - len(changed), tuple(kept))


def _replace_manifest(blog: BlogConfig, path: str, data: bytes) -> None:
    temporary = create_exclusive(os.path.dirname(path), MANIFEST.lstrip("."), data)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _remove_leftover_staging(blog: BlogConfig, plan: SitePlan) -> None:
    """Staging files a killed build left in the folders this build writes into (regular files named as
    safeio.create_exclusive names them, nothing else)."""
    root = _root(blog)
    folders = {os.path.dirname(os.path.join(root, *rel.split("/"))) for rel in plan.files} | {root}
    for folder in sorted(folders):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                if _STAGING.match(name) and stat.S_ISREG(os.lstat(path).st_mode):
                    os.unlink(path)


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
