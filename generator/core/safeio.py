"""Bounded reads and writes that never follow a planted link: the one module every reader and writer of a file the
generator did not make itself goes through.

A file is read only if it is a regular file (not a device such as ``/dev/zero``, not a FIFO, which would block,
not a folder) and only up to a cap: its type and size are checked with ``stat`` before it is opened, and again on
the open descriptor (opened with ``O_NONBLOCK``, so a FIFO swapped in between cannot hang the read), and never more
than the cap plus one byte is read. A file is written only through a new staging file created with
``O_CREAT | O_EXCL | O_NOFOLLOW`` under a name nobody else chose, then renamed into place; ``rename`` replaces a
link at the target rather than following it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

from generator.core.errors import GeneratorError

MIB = 2 ** 20
# Caps, each far above the largest real file of its kind, low enough that parsing one stays within memory:
# a content YAML, a post source, a template, a config.json, a manifest (the largest of content/ and templates/
# here is templates/calculator/calculator.js, 99,524 bytes; a config.json with a long id2label is ~1 MB).
MAX_TEXT_BYTES = 16 * MIB
# A published file compared byte for byte with what the build writes (the largest the site build writes here is
# posts/llm-inference-vram-guide.html, 198,584 bytes; the seed workbook and PNG are under 1 MiB).
MAX_PUBLISHED_BYTES = 64 * MIB
# A safetensors JSON header: a few hundred bytes per tensor; the largest checkpoints have ~100,000 tensors.
MAX_SAFETENSORS_HEADER = 100 * MIB
# A .generator-manifest: one 70-byte line per file the build wrote.
MAX_MANIFEST_BYTES = 4 * MIB

TMP_SUFFIX = ".generator-tmp"


class TooLarge(GeneratorError):
    pass


class NotRegular(GeneratorError):
    pass


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def _shown(path) -> str:
    return os.fsdecode(path) if isinstance(path, bytes) else str(path)


def check_regular(path, cap: int | None, what: str = "file", follow: bool = True) -> os.stat_result:
    """``stat`` of ``path`` if it is a regular file of at most ``cap`` bytes; GeneratorError otherwise.
    FileNotFoundError (and NotADirectoryError) pass through for the caller to report as it does."""
    info = os.stat(path) if follow else os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegular(f"the {what} is {_kind(info.st_mode)}, not a regular file", _shown(path), None,
                         "replace it with a plain file")
    if cap is not None and info.st_size > cap:
        raise TooLarge(f"the {what} is {info.st_size:,} bytes, more than the {cap:,} this reads", _shown(path), None,
                       f"give the {what} as published (a real one is far smaller)")
    return info


def open_regular(path, cap: int | None, what: str = "file", follow: bool = True) -> tuple[int, os.stat_result]:
    """An open read-only descriptor of a regular file of at most ``cap`` bytes (None: any size, for a reader
    that reads only a bounded part of it), and its ``fstat``. Checked before
    opening and again on the descriptor, so nothing swapped in between (a FIFO, /dev/zero) is read."""
    check_regular(path, cap, what, follow)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegular(f"the {what} is a symlink, not a regular file", _shown(path), None,
                             "replace it with a plain file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"the {what} is {_kind(info.st_mode)}, not a regular file", _shown(path), None,
                             "replace it with a plain file")
        if cap is not None and info.st_size > cap:
            raise TooLarge(f"the {what} is {info.st_size:,} bytes, more than the {cap:,} this reads", _shown(path),
                           None, f"give the {what} as published")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_bounded(path, cap: int, what: str = "file", follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes (a file that grows while read is refused too)."""
    fd, _ = open_regular(path, cap, what, follow)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(f"the {what} is more than the {cap:,} bytes this reads", _shown(path), None,
                       f"give the {what} as published")
    return data


def read_bounded_or_none(path, cap: int, what: str = "file") -> bytes | None:
    """Like :func:`read_bounded`, None where there is no file (missing, or a path through a non-folder)."""
    try:
        return read_bounded(path, cap, what)
    except (FileNotFoundError, NotADirectoryError):
        return None


def read_or_error(path, cap: int, what: str = "file", fix: str = "check the path") -> bytes:
    """:func:`read_bounded` with every OSError turned into one located GeneratorError."""
    try:
        return read_bounded(path, cap, what)
    except OSError as exc:
        raise GeneratorError(f"cannot read the {what}: {exc.strerror}", _shown(path), None, fix) from None


# -- writes ---------------------------------------------------------------------------------------------------------

def create_exclusive(folder, name_hint: str, data: bytes, mode: int = 0o666) -> str | bytes:
    """A new file in ``folder`` holding ``data``, under a fresh random name derived from ``name_hint``
    (``.NAME.RANDOM.generator-tmp``): created with O_CREAT|O_EXCL|O_NOFOLLOW, so a link planted at any name is
    never followed and a file already there is never truncated. Returns its path; removed again on failure."""
    as_bytes = isinstance(folder, bytes)
    for _ in range(16):
        token = secrets.token_hex(6)
        name = f".{name_hint[:60]}.{token}{TMP_SUFFIX}"  # under NAME_MAX (255 bytes) for any hint
        path = os.path.join(folder, os.fsencode(name) if as_bytes else name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise
        return path
    raise OSError(errno.EEXIST, "could not create a staging file", folder)


def write_exclusive(path, data: bytes, mode: int = 0o666) -> None:
    """Create ``path`` (which must not exist, and is never followed if it is a link) holding ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def is_tmp_name(name) -> bool:
    return (name.endswith(TMP_SUFFIX.encode()) if isinstance(name, bytes) else name.endswith(TMP_SUFFIX))
