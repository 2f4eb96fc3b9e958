"""Turning what a student hands in (a folder or a .zip) into a tree the sandbox runs.

The result is ``<prep>/starter/<hw>/``: the canonical provided files of the homework
(byte-identical to the release) with the student's own files laid over them. Only
regular files are taken; symlinks, path traversal and zip bombs are refused with a
message naming the file.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parents[2]  # same as autograder.build.REPO


def _load_markers():
    """``autograder/build/markers.py`` without running ``autograder/build/__init__.py``,
    which imports nbformat (seconds of start-up in every grading worker)."""
    import importlib.util
    import sys

    mod = sys.modules.get("autograder.build.markers") or sys.modules.get("_nncourse_markers")
    if mod is None:
        spec = importlib.util.spec_from_file_location("_nncourse_markers", Path(__file__).resolve().parents[1]
                                                      / "build" / "markers.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["_nncourse_markers"] = mod
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del sys.modules["_nncourse_markers"]
            raise
    return mod


def has_markers(text: str) -> bool:
    return _load_markers().has_markers(text)

MAX_FILES = 2000
MAX_TOTAL_BYTES = 200 << 20
MAX_FILE_BYTES = 50 << 20
MAX_RATIO = 200


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


def _safe_extract(zpath: Path, dest: Path) -> None:
    try:
        zf = zipfile.ZipFile(zpath)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{zpath.name} is not a readable zip file ({exc})") from None
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


def find_homework_dir(raw: Path, hw: str, files: list[str]) -> Path | None:
    """Where the student's ``<hw>`` files are inside what they handed in (never through a symlink)."""
    candidates = [raw / "starter" / hw, raw / hw]
    candidates += sorted(raw.glob(f"*/starter/{hw}")) + sorted(raw.glob(f"*/{hw}"))
    for c in candidates:
        if _plain_dir(raw, c.relative_to(raw)):
            return c
    # a flat upload (e.g. Gradescope): the student files at the top level
    if any((raw / f).is_file() for f in files) or any((raw / Path(f).name).is_file() for f in files):
        return raw
    return None


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
        if path.is_file() and path.suffix == ".zip":
            _safe_extract(path, prep.raw)
            base = prep.raw
        elif path.is_dir():
            base = path
            # files handed in besides code (Context.submission_file) are read from the folder itself
            prep.raw.rmdir()
            prep.raw.symlink_to(path.resolve(), target_is_directory=True)
        else:
            raise SubmissionError(f"{path} is neither a folder nor a .zip file")
        files = student_files(hw, repo)
        hwdir = find_homework_dir(base, hw, files)
        if hwdir is None:
            prep.notes.append(f"no {hw}/ folder found in the submission: every part is graded as missing")
        provided = provided_from or (repo / "starter" / hw)
        if not provided.is_dir():
            raise SubmissionError(f"the grader has no starter/{hw}/ to build on (run `course build`)")
        dest = prep.subdir / "starter" / hw
        shutil.copytree(provided, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (prep.subdir / "starter" / "__init__.py").write_text("")
        for f in files:
            data = _student_file(hwdir, f, prep.notes) if hwdir is not None else None
            if data is None:
                prep.notes.append(f"{f} is missing from the submission: graded as the blank starter")
                continue
            try:
                text = data.decode("utf-8")
                compile(text, f, "exec", dont_inherit=True)
            except UnicodeDecodeError as exc:
                prep.notes.append(f"{f} is not valid UTF-8 (byte {exc.start}): save it as UTF-8")
            except SyntaxError as exc:
                prep.notes.append(f"{f} has a syntax error at line {exc.lineno}: {exc.msg}")
            except ValueError as exc:  # e.g. null bytes
                prep.notes.append(f"{f} cannot be compiled: {exc}")
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            (dest / f).write_bytes(data)
        return prep
    except BaseException:
        prep.cleanup()
        raise
