"""Unpacking what a student hands in, under limits: zip and tar archives extracted without
links, paths outside the destination, more than ``MAX_FILES`` entries, oversized files or zip
bombs; every failure a :class:`SubmissionError` naming the archive.

Part of the submission code (``submission.py`` re-exports every name here).
"""
from __future__ import annotations

import shutil
import stat
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

MAX_FILES = 2000
MAX_TOTAL_BYTES = 200 << 20
MAX_FILE_BYTES = 50 << 20
MAX_RATIO = 200
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")


class SubmissionError(Exception):
    """The submission as a whole cannot be graded (the message says why)."""


# whatever a damaged or hostile archive makes zipfile / tarfile raise
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, zlib.error, EOFError, OSError,
                  ValueError, NotImplementedError, RuntimeError, UnicodeDecodeError, KeyError, IndexError,
                  OverflowError, struct.error)


def _safe_extract(zpath: Path, dest: Path) -> None:
    """Extract a zip safely; every failure (a corrupt file, a header that lies about an
    entry's size, an encrypted entry ...) is a :class:`SubmissionError` naming the archive."""
    try:
        _extract_zip(zpath, dest)
    except SubmissionError:
        raise
    except ARCHIVE_ERRORS as exc:
        raise SubmissionError(f"{zpath.name} is not a readable zip file ({type(exc).__name__}: {exc}): "
                              f"make the zip again and resubmit") from None


def _extract_zip(zpath: Path, dest: Path) -> None:
    try:
        zf = zipfile.ZipFile(zpath)
    except (zipfile.BadZipFile, OSError) as exc:
        if zpath.stat().st_size == 0:
            raise SubmissionError(f"{zpath.name} is an empty file (0 bytes), not a zip: make the zip again "
                                  f"and resubmit") from None
        raise SubmissionError(f"{zpath.name} is not a readable zip file ({exc}): make the zip again and "
                              f"resubmit") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_FILES:
            raise SubmissionError(f"{zpath.name} holds {len(infos)} entries (limit {MAX_FILES})")
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > MAX_TOTAL_BYTES or total / packed > MAX_RATIO and total > (1 << 20):
            raise SubmissionError(
                f"{zpath.name} expands to {total >> 20} MiB (ratio {total / packed:.0f}:1): refused as a zip bomb"
            )
        for info in infos:
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts or info.filename.startswith(("/", "\\")):
                raise SubmissionError(f"{zpath.name}: entry {info.filename!r} points outside the submission")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"{zpath.name}: entry {info.filename!r} is a symlink")
            target = dest / name
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with zf.open(info) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > MAX_FILE_BYTES or written > info.file_size + 1024:
                        raise SubmissionError(f"{zpath.name}: entry {info.filename!r} is larger than declared")
                    out.write(chunk)


def _safe_extract_tar(tpath: Path, dest: Path) -> None:
    """Extract regular files and folders of a tar archive (no links, devices or paths outside)."""
    try:
        with tarfile.open(tpath) as tf:
            members = tf.getmembers()
            if len(members) > MAX_FILES:
                raise SubmissionError(f"{tpath.name} holds {len(members)} entries (limit {MAX_FILES})")
            total = 0
            for m in members:
                name = PurePosixPath(m.name)
                if name.is_absolute() or ".." in name.parts:
                    raise SubmissionError(f"{tpath.name}: entry {m.name!r} points outside the submission")
                if m.isdir():
                    (dest / name).mkdir(parents=True, exist_ok=True)
                    continue
                if not m.isfile():
                    continue  # links, devices, fifos: never extracted
                total += m.size
                if m.size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                    raise SubmissionError(f"{tpath.name} expands to more than {MAX_TOTAL_BYTES >> 20} MiB: refused")
                src = tf.extractfile(m)
                if src is None:
                    continue
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    except SubmissionError:
        raise
    except ARCHIVE_ERRORS as exc:
        raise SubmissionError(f"{tpath.name} is not a readable archive ({type(exc).__name__}: {exc}): make it "
                              f"again (a .zip is best) and resubmit") from None


def _archive_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
        return "tar"
    try:
        if zipfile.is_zipfile(path):
            return "zip"
    except OSError:
        return None
    return None


def _extract(path: Path, dest: Path, kind: str) -> None:
    (_safe_extract if kind == "zip" else _safe_extract_tar)(path, dest)

