"""What a grading worker and its client must agree on, and the submission as it travels.

* the **suite fingerprint** (:func:`suite_fingerprint`): content hashes of a homework's suite,
  reference tree, provided starter files, grading-only paths and the datasets it reads; a
  worker refuses to grade when its own differs from the client's;
* the **submission as bytes** (:func:`pack`, :func:`pack_folder`, :func:`unpack_folder`): a
  file as handed in, or a folder packed into a zip (symlinks kept as links, caches and VCS
  folders left out) and recreated on the worker without following a link or leaving the folder.

Part of the cluster grading code (``cluster.py`` re-exports every name here).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import time
import zipfile
from pathlib import Path, PurePosixPath

from .submission import REPO

SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".venv", "venv", "site-packages", "node_modules",
             ".ipynb_checkpoints", ".mypy_cache", ".pytest_cache"}
MAX_PACK_FILES = 2000  # a folder is packed only within the limits the engine puts on a zip
MAX_PACK_BYTES = 200 << 20
DATA_FULL_HASH = 1 << 20  # data files up to this size are hashed whole; larger: size, head and tail
DATA_SAMPLE = 64 << 10


class PackError(RuntimeError):
    """A submission that cannot be sent to a worker (too large, unreadable)."""


# -- what the worker must share with the client ----------------------------------------------------

_TREE_CACHE: dict[tuple, str] = {}


def _listing(root: Path, skip_notebooks: bool = False) -> list[tuple[str, int, int]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((str(p.relative_to(root)), st.st_size, st.st_mtime_ns))
    return out


def tree_hash(root: Path, data: bool = False) -> str:
    """SHA-256 of a folder's (or a file's) regular files, names and bytes; ``data=True``: files over
    1 MiB count by size, first and last 64 KiB (cheap on large datasets). Cached per process by
    the files' names, sizes and modification times."""
    root = Path(root)
    if root.is_file():
        st = root.stat()
        listing, base = [(root.name, st.st_size, st.st_mtime_ns)], root.parent
    elif root.is_dir():
        listing, base = _listing(root), root
    else:
        return "absent"
    key = (str(root.resolve()), data, hashlib.sha256(repr(listing).encode()).hexdigest())
    if key in _TREE_CACHE:
        return _TREE_CACHE[key]
    h = hashlib.sha256()
    for rel, size, _mtime in listing:
        h.update(f"{rel}\0{size}\0".encode())
        with open(base / rel, "rb") as fh:
            if data and size > DATA_FULL_HASH:
                h.update(fh.read(DATA_SAMPLE))
                fh.seek(size - DATA_SAMPLE)
                h.update(fh.read(DATA_SAMPLE))
            else:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
    _TREE_CACHE[key] = h.hexdigest()
    return _TREE_CACHE[key]


def datasets_read(homework: str, repo: Path = REPO) -> list[str]:
    """The datasets the homework declares it reads (``DATASETS``: ``engine.registry``), sorted."""
    from .registry import datasets_for

    return sorted(datasets_for(homework))


DATA_TTL = 300.0  # seconds a process reuses a dataset's hash (walking 20,000 files takes a second or more)
_DATA_CACHE: dict[tuple, tuple[float, str]] = {}
_NAMES: dict[tuple, list[str]] = {}


def _data_hash(path: Path) -> str:
    key = (str(path),)
    hit = _DATA_CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < DATA_TTL:
        return hit[1]
    h = tree_hash(path, data=True)
    _DATA_CACHE[key] = (time.monotonic(), h)
    return h


def suite_fingerprint(homework: str, repo: Path = REPO) -> dict[str, str]:
    """Content hashes of what grading ``homework`` depends on besides the engine: its suite
    (``autograder/<hw>/``), the reference tree (``solutions/<hw>/``), the provided files a
    submission is laid over (``starter/<hw>/``), the suite's grading-only paths and the
    datasets it reads (under ``coursedata.paths.data_root()``). The code is checked on every
    call (cached by file sizes and times); a dataset's hash is reused for ``DATA_TTL`` seconds."""
    from .checks import load_suite

    suite = load_suite(homework)
    fp = {f"{d}/{homework}/": tree_hash(repo / d / homework) for d in ("autograder", "solutions", "starter")}
    for p in suite.secret_paths:
        fp[p] = _data_hash(repo / p)
    key = (homework, str(repo), fp[f"autograder/{homework}/"])
    if key not in _NAMES:
        _NAMES[key] = datasets_read(homework, repo)
    names = _NAMES[key]
    if names:
        from .graderdata import _data_root as data_root  # the engine's one way to the data folder

        for n in names:
            fp[f"data/{n}/"] = _data_hash(data_root() / n)
    return fp


def fingerprint_mismatch(mine: dict, theirs: dict) -> list[str]:
    return sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))


def fingerprint_digest(fp: dict) -> str:
    """One SHA-256 of a suite fingerprint (what a worker's answer echoes)."""
    return hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()


# -- the submission as bytes -----------------------------------------------------------------------

def pack(path) -> tuple[str, bytes]:
    """``(kind, payload)``: ``file`` and its bytes, ``dir`` and a zip of the folder, or ``missing``."""
    path = Path(path)
    if path.is_dir():
        return "dir", pack_folder(path)
    if path.is_file():
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise PackError(f"{path.name} is {size >> 20} MiB: too large to send to the cluster "
                            f"(limit {MAX_PACK_BYTES >> 20} MiB)")
        return "file", path.read_bytes()
    return "missing", b""  # absent (or a dangling link, a fifo): the engine says so on the worker


def pack_folder(root: Path) -> bytes:
    """A zip of a submission folder: regular files and folders, symlinks as links (their target
    text, never what they point at); caches, VCS and virtual-env folders left out."""
    buf = io.BytesIO()
    n = total = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                p = here / d
                if d in SKIP_DIRS:
                    continue
                if p.is_symlink():
                    filenames.append(d)  # a link to a folder is sent as a link
                    continue
                keep.append(d)
                info = zipfile.ZipInfo(str(p.relative_to(root)) + "/")
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                zf.writestr(info, b"")
            dirnames[:] = keep
            for name in sorted(set(filenames)):
                p = here / name
                if name.endswith((".pyc", ".pyo")):
                    continue
                try:
                    st = p.lstat()
                except OSError:
                    continue
                rel = str(p.relative_to(root))
                n += 1
                if n > MAX_PACK_FILES:
                    raise PackError(f"{root.name} holds more than {MAX_PACK_FILES} files: too many to send to the "
                                    f"cluster (zip the student's homework folder instead)")
                if stat.S_ISLNK(st.st_mode):
                    info = zipfile.ZipInfo(rel)
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    zf.writestr(info, os.readlink(p).encode("utf-8", "surrogateescape"))
                elif stat.S_ISREG(st.st_mode):
                    total += st.st_size
                    if total > MAX_PACK_BYTES:
                        raise PackError(f"{root.name} holds more than {MAX_PACK_BYTES >> 20} MiB: too large to send "
                                        f"to the cluster")
                    info = zipfile.ZipInfo(rel, time.localtime(st.st_mtime)[:6] if st.st_mtime >= 315532800
                                           else (1980, 1, 1, 0, 0, 0))
                    info.external_attr = (stat.S_IFREG | (st.st_mode & 0o777)) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with open(p, "rb") as fh:
                        zf.writestr(info, fh.read())
                # fifos, sockets, devices: not sent (the engine never reads them either)
    return buf.getvalue()


def unpack_folder(payload: bytes, dest: Path) -> None:
    """Recreate a packed folder under ``dest`` (which must not exist). Entries that would land
    outside it, or below a link, are refused."""
    dest.mkdir(mode=0o700)
    links: set[PurePosixPath] = set()
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        for info in zf.infolist():
            rel = PurePosixPath(info.filename.rstrip("/"))
            if not rel.parts or rel.is_absolute() or ".." in rel.parts or "\\" in info.filename:
                raise ValueError(f"packed entry {info.filename!r} points outside the submission")
            if any(PurePosixPath(*rel.parts[:i]) in links for i in range(1, len(rel.parts))):
                raise ValueError(f"packed entry {info.filename!r} lies below a symlink")
            target = dest.joinpath(*rel.parts)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                os.symlink(zf.read(info).decode("utf-8", "surrogateescape"), target)
                links.add(rel)
            elif info.is_dir() or stat.S_ISDIR(mode):
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, (mode & 0o777) or 0o644)
                with os.fdopen(fd, "wb") as fh, zf.open(info) as src:
                    shutil.copyfileobj(src, fh)
                mtime = time.mktime(info.date_time + (0, 0, -1))
                os.utime(target, (mtime, mtime))
