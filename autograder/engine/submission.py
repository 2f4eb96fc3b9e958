"""Turning what a student hands in (a folder or a .zip) into a tree the sandbox runs.

The result is ``<prep>/starter/<hw>/``: the canonical provided files of the homework
(byte-identical to the release) with the student's own files laid over them. Only
regular files are taken; symlinks, path traversal and zip bombs are refused with a
message naming the file.

No silent zeros: a submission in which none of the homework's files can be found
raises :class:`SubmissionError` with the reason (empty, an unreadable archive,
notebooks only, another homework's files, ...). Where the intent is clear the files
are found anyway, with a note: a ``.tar.gz`` instead of a zip, a zip inside the zip,
the folder nested a few levels deep.
"""
from __future__ import annotations

import os
import shutil
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .markers import has_markers  # the marker syntax, without autograder.build (nbformat, the tooling)

REPO = Path(__file__).resolve().parents[2]  # same as autograder.build.REPO

MAX_FILES = 2000
MAX_TOTAL_BYTES = 200 << 20
MAX_FILE_BYTES = 50 << 20
MAX_RATIO = 200
MAX_DEPTH = 5  # how deep below the top of a submission the homework folder is looked for
MAX_WALK = 20000  # directory entries looked at while searching (a folder read in place may be large)
SKIP_WALK = {"__pycache__", "__MACOSX", ".git", ".venv", "venv", "site-packages", "node_modules",
             ".ipynb_checkpoints", "data"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")


class SubmissionError(Exception):
    """The submission as a whole cannot be graded (the message says why)."""


@dataclass
class Prepared:
    root: Path  # temp dir to delete afterwards
    subdir: Path  # holds starter/<hw>/
    raw: Path  # the copied submission, as handed in
    notes: list[str] = field(default_factory=list)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def student_files(hw: str, repo: Path = REPO) -> list[str]:
    """Files students edit: those with solution markers in ``solutions/<hw>/``.

    Without the reference tree (a student's own machine) every .py file counts.
    """
    sol = repo / "solutions" / hw
    src = sol if sol.is_dir() else repo / "starter" / hw
    out = []
    for p in sorted(src.rglob("*.py")):
        if "__pycache__" in p.parts or "notebooks" in p.relative_to(src).parts:
            continue
        if not sol.is_dir() or has_markers(p.read_text(encoding="utf-8")):
            out.append(str(p.relative_to(src)))
    return out


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


def _plain_dir(base: Path, rel: Path) -> bool:
    """``base/rel`` is a directory reached without following any symlink below ``base``."""
    cur = base
    for part in rel.parts:
        cur = cur / part
        try:
            st = cur.lstat()
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode):
            return False
    return True


def _holds_student_files(d: Path, files: list[str]) -> bool:
    return any((d / f).is_file() or (d / Path(f).name).is_file() for f in files)


def find_homework_dir(raw: Path, hw: str, files: list[str]) -> Path | None:
    """Where the student's ``<hw>`` files are inside what they handed in (never through a symlink)."""
    candidates = [raw / "starter" / hw, raw / hw]
    candidates += sorted(raw.glob(f"*/starter/{hw}")) + sorted(raw.glob(f"*/{hw}"))
    for c in candidates:
        if _plain_dir(raw, c.relative_to(raw)) and _holds_student_files(c, files):
            return c
    # a flat upload (e.g. Gradescope): the student files at the top level
    if _holds_student_files(raw, files):
        return raw
    for c in candidates:  # the homework's folder without any of its files (graded as missing, with notes)
        if _plain_dir(raw, c.relative_to(raw)) and any(c.iterdir()):
            return c
    return None


def _walk(base: Path, max_depth: int = MAX_DEPTH):
    """Folders below ``base`` (breadth first, no symlinks, bounded), as paths relative to it."""
    seen = 0
    level = [Path()]
    for _depth in range(max_depth + 1):
        nxt = []
        for rel in level:
            yield rel
            try:
                entries = sorted(os.scandir(base / rel), key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                seen += 1
                if seen > MAX_WALK:
                    return
                if e.is_dir(follow_symlinks=False) and e.name not in SKIP_WALK and not e.name.startswith("."):
                    nxt.append(rel / e.name)
        level = nxt


def find_nested(base: Path, hw: str, files: list[str]) -> Path | None:
    """The shallowest folder below ``base`` holding the homework's files (a ``<hw>`` folder, or the
    files themselves), for a submission packed a few folders deep."""
    for rel in _walk(base):
        if rel == Path():
            continue
        d = base / rel
        if d.name == hw and _holds_student_files(d, files):
            return d
        if _holds_student_files(d, files) and not (d / "starter").exists():
            return d
    return None


def _all_files(base: Path, limit: int = 200) -> list[Path]:
    out = []
    for rel in _walk(base):
        try:
            for e in os.scandir(base / rel):
                if e.is_file(follow_symlinks=False):
                    out.append(rel / e.name)
                    if len(out) >= limit:
                        return out
        except OSError:
            continue
    return out


def _other_homework(base: Path, hw: str, names: list[Path], repo: Path) -> str | None:
    """Another homework whose files the submission holds (a ``starter/<other>/`` folder or its file names)."""
    sol = repo / "solutions"
    others = sorted(p.name for p in sol.iterdir() if (p / "__init__.py").is_file() and p.name != hw) \
        if sol.is_dir() else []
    if not others:
        st = repo / "starter"
        others = sorted(p.name for p in st.iterdir() if (p / "__init__.py").is_file() and p.name != hw) \
            if st.is_dir() else []
    parts = {q for n in names for q in n.parts[:-1]}
    base_names = {n.name for n in names}
    for other in others:
        if other in parts:
            return other
        try:
            theirs = {Path(f).name for f in student_files(other, repo)} - {"__init__.py"}
        except OSError:
            continue
        mine = {Path(f).name for f in student_files(hw, repo)}
        if theirs - mine and (theirs - mine) & base_names:
            return other
    return None


def diagnose(base: Path, hw: str, files: list[str], repo: Path = REPO, *, what: str = "the submission") -> str:
    """Why no ``<hw>`` files were found in ``base``: one sentence a student can act on."""
    names = _all_files(base)
    expected = ", ".join(f"starter/{hw}/{f}" for f in files[:4]) + (" ..." if len(files) > 4 else "")
    if not names:
        return f"{what} is empty: hand in a zip holding starter/{hw}/ with your code ({expected})"
    other = _other_homework(base, hw, names, repo)
    if other is not None:
        return (f"{what} looks like homework {other!r}, not {hw!r} (it holds {other} files and none of {hw}'s): "
                f"hand in your {hw} code ({expected})")
    real = [n for n in names if n.name not in (".DS_Store", "Thumbs.db")]
    if real and all(n.suffix == ".ipynb" for n in real):
        nbs = ", ".join(n.name for n in real[:3])
        return (f"{what} holds only notebooks ({nbs}): your code lives in the starter/{hw}/ .py files; hand them "
                f"in too ({expected})")
    archives = [n for n in real if n.name.lower().endswith(ARCHIVE_SUFFIXES)]
    if archives:
        return (f"{what} holds archives ({', '.join(str(a) for a in archives[:3])}) but none of them is the homework: "
                f"hand in one zip holding starter/{hw}/ ({expected})")
    shown = ", ".join(str(n) for n in real[:5]) + (" ..." if len(real) > 5 else "")
    return f"no {hw} code found in {what}: {', '.join(files)} missing (it holds {shown}); expected {expected}"


def _student_file(hwdir: Path, f: str, notes: list[str]) -> bytes | None:
    """The bytes of student file ``f`` under ``hwdir`` (or its base name there); None if absent.

    Only regular files reached without symlinks are taken: a symlink could point at the
    reference solution, which the grader (root) can read.
    """
    for rel in (Path(f), Path(Path(f).name)):
        cand = hwdir / rel
        if not _plain_dir(hwdir, rel.parent):
            continue
        try:
            st = cand.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            notes.append(f"{f} is a symlink: ignored (submit the file itself)")
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if st.st_size > MAX_FILE_BYTES:
            notes.append(f"{f} is larger than {MAX_FILE_BYTES >> 20} MiB: ignored")
            continue
        fd = os.open(cand, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]
    return None


def prepare(path: Path, hw: str, repo: Path = REPO, *, provided_from: Path | None = None) -> Prepared:
    """Assemble ``starter/<hw>/`` in a fresh temporary tree: the release's provided files
    with the student's own files (and nothing else from the submission) laid over them.

    A folder is read in place (only the student files are read, so pointing at a large
    folder, e.g. the one holding an installed ``starter`` package, is fine); a zip is
    extracted (safely) into the temporary tree first.
    """
    path = Path(path)
    root = Path(tempfile.mkdtemp(prefix="nncourse-sub-"))
    prep = Prepared(root=root, subdir=root / "tree", raw=root / "raw")
    try:
        prep.raw.mkdir()
        if not path.exists():
            raise SubmissionError(f"{path} does not exist")
        files = student_files(hw, repo)
        kind = _archive_kind(path) if path.is_file() else None
        what = "the submission"
        if kind is not None:
            what = path.name
            _extract(path, prep.raw, kind)
            if kind == "tar":
                prep.notes.append(f"{path.name} is a tar archive, not a zip: unpacked it (a .zip is preferred)")
            base = prep.raw
            if not _all_files(base, limit=1):
                raise SubmissionError(f"{path.name} holds no files: make the zip again (with starter/{hw}/ inside) "
                                      f"and resubmit")
            if find_homework_dir(base, hw, files) is None and find_nested(base, hw, files) is None:
                inner = [n for n in _all_files(base) if n.name.lower().endswith(ARCHIVE_SUFFIXES)]
                if len(inner) == 1:  # a zip in the zip: clearly meant as the submission
                    (base / inner[0]).rename(prep.root / "inner")
                    unpacked = prep.root / "unpacked"
                    unpacked.mkdir()
                    inner_kind = "tar" if inner[0].name.lower().endswith(ARCHIVE_SUFFIXES[1:]) else "zip"
                    _extract(prep.root / "inner", unpacked, inner_kind)
                    shutil.rmtree(prep.raw)
                    unpacked.rename(prep.raw)
                    prep.notes.append(f"{path.name} holds another archive ({inner[0]}): unpacked that one")
                    what = f"{inner[0].name} (inside {path.name})"
        elif path.is_dir():
            base = path
            # files handed in besides code (Context.submission_file) are read from the folder itself
            prep.raw.rmdir()
            prep.raw.symlink_to(path.resolve(), target_is_directory=True)
        elif path.suffix == ".ipynb":
            raise SubmissionError(f"{path.name} is a notebook only: your code lives in the starter/{hw}/ .py files; "
                                  f"hand in a zip holding starter/{hw}/ (and your notebooks)")
        elif path.suffix == ".py" and any(Path(f).name == path.name for f in files):
            shutil.copyfile(path, prep.raw / path.name)  # one student file handed in alone
            base = prep.raw
        else:
            raise SubmissionError(f"{path.name} is neither a folder nor a .zip file: hand in a zip holding "
                                  f"starter/{hw}/")
        hwdir = find_homework_dir(base, hw, files)
        if hwdir is None:
            hwdir = find_nested(base, hw, files)
            if hwdir is not None:
                prep.notes.append(f"the {hw} files were found in {hwdir.relative_to(base)}/, inside extra folders: "
                                  f"graded from there (next time, zip starter/{hw}/ at the top)")
        if hwdir is None:
            raise SubmissionError(diagnose(base, hw, files, repo, what=what))
        provided = provided_from or (repo / "starter" / hw)
        if not provided.is_dir():
            raise SubmissionError(f"the grader has no starter/{hw}/ to build on (run `course build`)")
        dest = prep.subdir / "starter" / hw
        shutil.copytree(provided, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (prep.subdir / "starter" / "__init__.py").write_text("")
        found = 0
        for f in files:
            data = _student_file(hwdir, f, prep.notes) if hwdir is not None else None
            if data is None:
                prep.notes.append(f"{f} is missing from the submission: graded as the blank starter")
                continue
            found += 1
            try:
                # bytes, as Python reads a file it imports: a UTF-8 BOM or a coding declaration is honoured,
                # and bytes that are not UTF-8 inside a comment are accepted, exactly as on import
                compile(data, f, "exec", dont_inherit=True)
            except SyntaxError as exc:
                if "codec can't decode" in str(exc.msg) or "Non-UTF-8" in str(exc.msg):
                    prep.notes.append(f"{f} is not valid UTF-8 (line {exc.lineno}): save it as UTF-8")
                else:
                    prep.notes.append(f"{f} has a syntax error at line {exc.lineno}: {exc.msg}")
            except ValueError as exc:  # e.g. null bytes
                prep.notes.append(f"{f} cannot be compiled: {exc}")
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            (dest / f).write_bytes(data)
        if not found:  # nothing of the homework: say why rather than grade the blank starter
            why = [n for n in prep.notes if "is missing from the submission" not in n]
            raise SubmissionError("; ".join(why + [diagnose(base, hw, files, repo, what=what)]))
        return prep
    except BaseException:
        prep.cleanup()
        raise
