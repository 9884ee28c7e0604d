"""Write a site plan to disk: only files whose bytes changed, only after everything rendered, all or nothing.

The new site is staged as a complete tree in a sibling folder (``.site.generator-stage`` beside ``site/``):
unchanged files, and files in the output folder that the build does not own, are hard links to the ones in
place (so their bytes and modification times stay as they are), changed files are written fresh, stale
ones left out. Then the two folders are swapped in one step (Linux ``renameat2(RENAME_EXCHANGE)``) and the
old tree is removed. Where the swap is not available, two renames do it (``site`` to ``.site.generator-old``,
the staged tree, renamed ``.site.generator-ready`` once complete, to ``site``), and the next build finishes or
undoes a swap that was cut short. Either way a build killed at any point leaves ``site/`` as it was or as the
new build made it, never a mix; the next build removes what the killed one left behind (the sibling folders,
and ``*.generator-tmp`` files an older version of this writer left inside the site).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import sys
from dataclasses import dataclass

from .errors import GeneratorError
from .site import MANIFEST, SitePlan, manifest_paths

TMP_SUFFIX = ".generator-tmp"
_TMP = TMP_SUFFIX.encode()


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int


def _bytes(path) -> bytes:
    """A path as bytes, UTF-8 whatever the locale: under LC_ALL=C without UTF-8 mode Python would encode file names
    as ASCII and fail on the workbook's Chinese name; the site's file names must not depend on the locale."""
    return path if isinstance(path, bytes) else path.encode("utf-8", "surrogateescape")


def _text(path: bytes) -> str:
    return path.decode("utf-8", "surrogateescape")


def _target(out_dir: str, relative: str) -> bytes:
    """The absolute path for ``relative``, refusing anything that would land outside ``out_dir``."""
    root = os.path.realpath(_bytes(out_dir))
    if os.path.isabs(relative) or relative.startswith("\\") or ".." in relative.replace("\\", "/").split("/") \
            or "\0" in relative:
        raise GeneratorError(f"output path {relative!r} leaves the output folder", out_dir, None,
                             "use a slug of letters, digits and '-'")
    target = os.path.join(root, *(_bytes(part) for part in relative.split("/")))
    if os.path.commonpath([root, os.path.realpath(target)]) != root:
        raise GeneratorError(f"output path {relative!r} resolves outside the output folder (a symlink?)", out_dir,
                             None, "remove the symlink from the output folder")
    return target


def _read(path: bytes) -> bytes | None:
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


# -- the swap ---------------------------------------------------------------------------------------------------

def _siblings(real_out: bytes) -> tuple[bytes, bytes, bytes]:
    """(stage, ready, old): the folders beside the output folder that a build uses while it swaps."""
    parent, name = os.path.split(real_out)
    return tuple(os.path.join(parent, b".%s.generator-%s" % (name, kind)) for kind in (b"stage", b"ready", b"old"))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: bytes, b: bytes) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), a)


def _remove_tree(path: bytes) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def recover(out_dir: str) -> None:
    """Finish or undo what a build that was killed left behind; remove its temporary files and folders."""
    real = os.path.realpath(_bytes(out_dir))
    stage, ready, old = _siblings(real)
    _remove_tree(stage)  # never complete (or the old tree after an exchange): either way not the site
    if os.path.lexists(ready):
        if not os.path.lexists(real):
            os.rename(ready, real)  # the swap got as far as moving the old site away: complete it
        else:
            _remove_tree(ready)  # the swap had not begun: the site is the old one, whole
    if os.path.lexists(old):
        if not os.path.lexists(real):
            os.rename(old, real)
        else:
            _remove_tree(old)
    if os.path.isdir(real):
        for dirpath, dirs, names in os.walk(real):
            for name in names:
                if name.endswith(_TMP):
                    os.unlink(os.path.join(dirpath, name))


def _link_or_copy(source: bytes, destination: bytes) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), destination)
        return
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _stage(real_out: bytes, stage: bytes, changed: dict[str, bytes], skip: set[str]) -> None:
    """The complete new tree in ``stage``: everything in ``real_out`` but ``skip`` linked, ``changed`` written."""
    os.mkdir(stage)
    if os.path.isdir(real_out):
        os.chmod(stage, stat.S_IMODE(os.stat(real_out).st_mode))
        for dirpath, dirs, names in os.walk(real_out):
            relative_dir = os.path.relpath(dirpath, real_out)
            staged_dir = stage if relative_dir == b"." else os.path.join(stage, relative_dir)
            for name in sorted(dirs):
                source = os.path.join(dirpath, name)
                if os.path.islink(source):  # not followed: kept as the link it is
                    dirs.remove(name)
                    _link_or_copy(source, os.path.join(staged_dir, name))
                else:
                    os.mkdir(os.path.join(staged_dir, name), stat.S_IMODE(os.stat(source).st_mode) | stat.S_IRWXU)
            for name in names:
                relative = _text(os.path.normpath(os.path.join(relative_dir, name))).replace(os.sep, "/")
                if relative in skip or name.endswith(_TMP):
                    continue
                _link_or_copy(os.path.join(dirpath, name), os.path.join(staged_dir, name))
    real_stage = os.path.realpath(stage)
    for relative, data in changed.items():
        path = os.path.join(stage, *(_bytes(part) for part in relative.split("/")))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.commonpath([real_stage, os.path.realpath(path)]) != real_stage:
            raise GeneratorError(f"output path {relative!r} goes through a symlink in the output folder",
                                 _text(real_out), None, "remove the symlink from the output folder")
        with open(path, "wb") as handle:
            handle.write(data)


def _swap(real_out: bytes, stage: bytes, ready: bytes, old: bytes) -> None:
    if not os.path.lexists(real_out):
        os.rename(stage, real_out)
        return
    if _exchange(stage, real_out):
        shutil.rmtree(stage)  # now the old site
        return
    os.rename(stage, ready)  # complete: from here on the next build may finish the swap
    os.rename(real_out, old)
    os.rename(ready, real_out)
    shutil.rmtree(old)


def _shown_path(exc: OSError, out_dir: str) -> str:
    name = exc.filename or out_dir
    return _text(name) if isinstance(name, bytes) else str(name)


def write_plan(plan: SitePlan, out_dir: str) -> WriteResult:
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise GeneratorError("the output path is not a folder", out_dir, None, "pass --out DIR")
    try:
        recover(out_dir)
    except OSError as exc:
        raise GeneratorError(f"cannot tidy up after an earlier build: {exc.strerror}", _shown_path(exc, out_dir), None,
                             "check permissions; remove the .generator-* folders beside the site") from None
    changed = {rel: data for rel, data in plan.files.items() if read_published(out_dir, rel) != data}
    stale = stale_paths(plan, out_dir)
    for rel in list(changed) + stale:
        _target(out_dir, rel)
    if changed or stale:
        real = os.path.realpath(_bytes(out_dir))
        stage, ready, old = _siblings(real)
        try:
            os.makedirs(os.path.dirname(real), exist_ok=True)
            _stage(real, stage, changed, set(changed) | set(stale))
        except GeneratorError:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        except OSError as exc:
            shutil.rmtree(stage, ignore_errors=True)
            raise GeneratorError(f"cannot write the site: {exc.strerror}", _shown_path(exc, out_dir), None,
                                 "check permissions and free space; the site was left as it was") from None
        try:
            _swap(real, stage, ready, old)
        except OSError as exc:
            raise GeneratorError(f"cannot put the new site in place: {exc.strerror}", _shown_path(exc, out_dir), None,
                                 "check permissions; the next build finishes or undoes the swap") from None
    return WriteResult(tuple(changed), tuple(stale), len(plan.files) - len(changed))
