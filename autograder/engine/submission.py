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

The code is split (issue #26): ``submission_archives.py`` (safe extraction of zip and tar
archives, the limits, :class:`SubmissionError`), ``submission_search.py`` (the student files
by their solution markers, where they lie in a submission, why none were found); this module
assembles the tree (:func:`prepare`) and re-exports their names.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# re-exported: ``autograder.engine.submission`` keeps every name it had before the split
from .submission_archives import (  # noqa: F401
    ARCHIVE_ERRORS, ARCHIVE_SUFFIXES, MAX_FILE_BYTES, MAX_FILES, MAX_RATIO, MAX_TOTAL_BYTES, SubmissionError,
    _archive_kind, _extract, _extract_zip, _safe_extract, _safe_extract_tar)
from .submission_search import (  # noqa: F401
    MAX_DEPTH, MAX_WALK, REPO, SKIP_WALK, _all_files, _holds_student_files, _other_homework, _plain_dir, _walk,
    diagnose, find_homework_dir, find_nested, has_markers, student_files)


@dataclass
class Prepared:
    root: Path  # temp dir to delete afterwards
    subdir: Path  # holds starter/<hw>/
    raw: Path  # the copied submission, as handed in
    notes: list[str] = field(default_factory=list)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


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
