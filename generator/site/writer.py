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

One build or check at a time: each holds an OS lock (``flock``) on ``.site.generator-lock`` beside the output
folder while it reads or writes it, so one build's clean-up never touches another live build's stage. The kernel
drops the lock when its holder dies, so a killed build never leaves a stale lock; the file itself is removed when
the lock is released (a killed build's file is reused, then removed, by the next one).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import stat
import sys
import time
from dataclasses import dataclass

from generator.core.errors import GeneratorError
from generator.core.safeio import MAX_PUBLISHED_BYTES, write_exclusive
from generator.site.files import MANIFEST, SitePlan, manifest_paths

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
    """A regular file's bytes; None when there is none (a folder, a FIFO or a device is not a file of the site:
    opened without blocking, so a FIFO put where a page belongs cannot hang a build or a check). A file larger
    than any the build writes (safeio.MAX_PUBLISHED_BYTES) is not read: it gets bytes no build writes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    if info.st_size > MAX_PUBLISHED_BYTES:
        os.close(fd)
        return b"\0too large"
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(MAX_PUBLISHED_BYTES + 1)
    return data if len(data) <= MAX_PUBLISHED_BYTES else b"\0too large"


def read_published(out_dir: str, relative: str) -> bytes | None:
    return _read(_target(out_dir, relative))


def published_reader(out_dir: str):
    """``path -> bytes or None`` over an output folder that may not exist yet (for reusing unchanged charts)."""
    def read(relative: str) -> bytes | None:
        return read_published(out_dir, relative) if os.path.isdir(out_dir) else None
    return read


def stale_paths(plan: SitePlan, out_dir: str) -> list[str]:
    """Files an earlier build wrote (its manifest says so) that this plan no longer has. The manifest is not taken
    on trust: a line counts only for a plain relative path inside a folder this plan writes into (``posts/``,
    ``models/``, ``images/charts/``, ...), never a file at the site's top (``CNAME``, say), a hidden or ``..`` path,
    or anything that is not a regular file of the site."""
    old = read_published(out_dir, MANIFEST)
    if old is None:
        return []
    folders = {rel.rsplit("/", 1)[0] for rel in plan.files if "/" in rel}
    found = []
    for path in manifest_paths(old):
        parts = path.split("/")
        if path in plan.files or len(parts) < 2 or any(not p or p.startswith(".") or p == ".." for p in parts) \
                or "\\" in path or any(ord(c) < 32 for c in path) \
                or not any("/".join(parts[:n]) in folders for n in range(1, len(parts))):
            continue
        try:
            if read_published(out_dir, path) is not None:
                found.append(path)
        except GeneratorError:
            continue  # through a link out of the site: not the build's
    return found


# -- one build or check at a time --------------------------------------------------------------------------------

LOCK_WAIT_S = 5.0  # how long a second build or check waits for the first before giving up (exit 2)
_LOCK_POLL_S = 0.05


def lock_path(out_dir: str) -> bytes:
    """The lock file beside the output folder (never inside it: the folder may be a user's site)."""
    parent, name = os.path.split(os.path.realpath(_bytes(out_dir)))
    return os.path.join(parent, b".%s.generator-lock" % name)


def _open_lock(path: bytes, required: bool) -> int | None:
    try:
        # O_NOFOLLOW: a link planted at the lock's name is refused, never followed (the lock file is truncated).
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) or required:
            raise
    try:  # a read-only place: nobody can be building here unless a lock file is already there
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "another process (it has not said who yet)"


def _same_file(fd: int, path: bytes) -> bool:
    """False when the previous holder removed the lock file after we opened it: lock the new one instead."""
    try:
        mine, current = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)


@contextlib.contextmanager
def output_lock(out_dir: str, purpose: str, required: bool = True, wait: float | None = None):
    """Hold the output folder's lock for one ``purpose`` ("build" or "check"); wait up to ``wait`` seconds for
    another holder, then refuse naming it. ``required=False`` (check, which writes nothing) goes ahead unlocked
    where the lock file cannot be created because the place is read-only."""
    path = lock_path(out_dir)
    deadline = time.monotonic() + (LOCK_WAIT_S if wait is None else wait)
    while True:
        try:
            fd = _open_lock(path, required)
        except OSError as exc:
            raise GeneratorError(f"cannot lock the output folder: {exc.strerror}", _text(path), None,
                                 "check that the folder above the output folder exists and is writable") from None
        if fd is None:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                raise GeneratorError(f"the output folder is in use by {holder}", out_dir, None,
                                     "wait for it to finish, then run again") from None
            time.sleep(_LOCK_POLL_S)
            continue
        if _same_file(fd, path):
            break
        os.close(fd)
    try:
        with contextlib.suppress(OSError):  # read-only lock file: the lock still holds, only the name is missing
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{purpose} pid {os.getpid()} since "
                          f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.access(path, os.W_OK):
                os.unlink(path)  # while still locked: a waiter that opened this file sees it go and retries
        os.close(fd)


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # generator/, from generator/site/


def _inside(path: bytes, folder: bytes) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _named(option: str) -> str:
    return f"the {option} folder" if option.startswith("--") else option + " folder"


def refuse_overlap(out_dir: str, content_dir: str, templates_dir: str) -> None:
    """The output folder is swapped as a whole: it must not be, or be inside, or hold the content, the templates
    or the generator's own code; nor a symlink (the build swaps the folder itself, never through a link)."""
    if os.path.islink(out_dir.rstrip("/") or out_dir):
        raise GeneratorError("the output folder is a symlink; the build swaps the folder itself and never writes "
                             "through a link", out_dir, None, "pass the real folder as --out")
    out = os.path.realpath(_bytes(out_dir))
    for option, folder in (("--content", content_dir), ("--templates", templates_dir),
                           ("the generator's package", _PACKAGE_DIR)):
        real = os.path.realpath(_bytes(folder))
        if out == real:
            relation = f"is {_named(option)}"
        elif _inside(out, real):
            relation = f"is inside {_named(option)} {folder}"
        elif _inside(real, out):
            relation = f"holds {_named(option)} {folder}"
        else:
            continue
        raise GeneratorError(f"the output folder {relation}", out_dir, None,
                             "pass an --out folder outside the content, the templates and the generator's code")


def _refuse_read_only(real_out: bytes, relatives) -> None:
    """A folder the build would change in place but may not write (as the OS says for this user): refuse before
    staging anything, so the site and its neighbours stay exactly as they were."""
    if not os.path.isdir(real_out):
        return  # a first build: making the stage beside it says whether that place is writable
    seen = set()
    for relative in relatives:
        folder = os.path.dirname(os.path.join(real_out, *(_bytes(part) for part in relative.split("/"))))
        while not os.path.isdir(folder) and _inside(folder, real_out) and folder != real_out:
            folder = os.path.dirname(folder)
        if folder in seen or not _inside(folder, real_out):
            continue
        seen.add(folder)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise GeneratorError("the output folder is read-only", _text(folder), None,
                                 "make it writable (chmod u+w) or pass another --out; the site was left as it was")


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
    if os.path.islink(path) or not os.path.isdir(path):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    try:
        shutil.rmtree(path)
    except PermissionError:  # a read-only folder in a tree of ours: make its folders writable, then remove it
        for dirpath, _, _ in os.walk(path):
            with contextlib.suppress(OSError):
                os.chmod(dirpath, stat.S_IMODE(os.lstat(dirpath).st_mode) | stat.S_IRWXU)
        shutil.rmtree(path)


def recover(out_dir: str) -> None:
    """Finish or undo what a build that was killed left behind; remove its temporary files and folders.
    Call it only while holding :func:`output_lock`: then no live build owns the sibling folders."""
    real = os.path.realpath(_bytes(out_dir))
    stage, ready, old = _siblings(real)
    _remove_tree(stage)  # never complete (or the old tree after an exchange): either way not the site
    for sibling in (ready, old):
        if os.path.islink(sibling):  # never a build's (they are folders): a planted link is removed, not followed
            os.unlink(sibling)
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
    os.mkdir(stage, 0o700)
    modes = [(stage, stat.S_IMODE(os.stat(real_out).st_mode) if os.path.isdir(real_out) else None)]
    if os.path.isdir(real_out):
        for dirpath, dirs, names in os.walk(real_out):
            relative_dir = os.path.relpath(dirpath, real_out)
            staged_dir = stage if relative_dir == b"." else os.path.join(stage, relative_dir)
            for name in sorted(dirs):
                source = os.path.join(dirpath, name)
                if os.path.islink(source):  # not followed: kept as the link it is
                    dirs.remove(name)
                    _link_or_copy(source, os.path.join(staged_dir, name))
                else:  # writable while staging (a read-only folder of the site gets its own mode back below)
                    os.mkdir(os.path.join(staged_dir, name), 0o700)
                    modes.append((os.path.join(staged_dir, name), stat.S_IMODE(os.stat(source).st_mode)))
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
        write_exclusive(path, data)  # a new file in a new tree: O_EXCL|O_NOFOLLOW, never through a link
    for folder, mode in reversed(modes):  # deepest first, so a read-only folder does not block its children
        os.chmod(folder, 0o777 & ~_umask() if mode is None else mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap(real_out: bytes, stage: bytes, ready: bytes, old: bytes) -> bytes | None:
    """Put the staged tree in place; returns the old site's folder, now beside the new one, to remove."""
    if not os.path.lexists(real_out):
        os.rename(stage, real_out)
        return None
    if _exchange(stage, real_out):
        return stage  # now the old site
    os.rename(stage, ready)  # complete: from here on the next build may finish the swap
    os.rename(real_out, old)
    os.rename(ready, real_out)
    return old


def _shown_path(exc: OSError, out_dir: str) -> str:
    name = exc.filename or out_dir
    return _text(name) if isinstance(name, bytes) else str(name)


def write_plan(plan: SitePlan, out_dir: str) -> WriteResult:
    if os.path.islink(out_dir.rstrip("/") or out_dir):
        raise GeneratorError("the output folder is a symlink; the build swaps the folder itself and never writes "
                             "through a link", out_dir, None, "pass the real folder as --out")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise GeneratorError("the output path is not a folder", out_dir, None, "pass --out DIR")
    real = os.path.realpath(_bytes(out_dir))
    try:
        os.makedirs(os.path.dirname(real), exist_ok=True)
    except OSError as exc:
        raise GeneratorError(f"cannot make the folder above the output folder: {exc.strerror}",
                             _shown_path(exc, out_dir), None, "check the --out path and permissions") from None
    with output_lock(out_dir, "build"):
        return _write_locked(plan, out_dir, real)


def _write_locked(plan: SitePlan, out_dir: str, real: bytes) -> WriteResult:
    try:
        recover(out_dir)
    except OSError as exc:
        raise GeneratorError(f"cannot tidy up after an earlier build: {exc.strerror}", _shown_path(exc, out_dir), None,
                             "check permissions; remove the .generator-* folders beside the site") from None
    try:
        changed = {rel: data for rel, data in plan.files.items() if read_published(out_dir, rel) != data}
        stale = stale_paths(plan, out_dir)
    except OSError as exc:
        raise GeneratorError(f"cannot read the site: {exc.strerror}", _shown_path(exc, out_dir), None,
                             "check permissions; the site was left as it was") from None
    for rel in list(changed) + stale:
        _target(out_dir, rel)
    if changed or stale:
        _refuse_read_only(real, list(changed) + stale)
        stage, ready, old = _siblings(real)
        try:
            _stage(real, stage, changed, set(changed) | set(stale))
        except (GeneratorError, OSError) as exc:
            _tidy(stage)
            if isinstance(exc, GeneratorError):
                raise
            raise GeneratorError(f"cannot write the site: {exc.strerror}", _shown_path(exc, out_dir), None,
                                 "check permissions and free space; the site was left as it was") from None
        try:
            previous_site = _swap(real, stage, ready, old)
        except OSError as exc:
            with contextlib.suppress(OSError):
                recover(out_dir)  # the old site back (or the new one, if the swap got that far), nothing beside it
            raise GeneratorError(f"cannot put the new site in place: {exc.strerror}", _shown_path(exc, out_dir), None,
                                 "check permissions; the site was left whole (old or new), and the next build "
                                 "tidies up anything left beside it") from None
        if previous_site is not None:
            try:
                _remove_tree(previous_site)
            except OSError as exc:
                raise GeneratorError(f"the new site is in place, but the old copy beside it could not be removed: "
                                     f"{exc.strerror}", _shown_path(exc, out_dir), None,
                                     "remove it, or let the next build do it") from None
    return WriteResult(tuple(changed), tuple(stale), len(plan.files) - len(changed))


def _tidy(stage: bytes) -> None:
    """Remove a stage after a failure, whatever its folders' modes; the error being reported matters more."""
    with contextlib.suppress(OSError):
        _remove_tree(stage)
