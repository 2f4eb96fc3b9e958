"""Finding a homework's files in what a student handed in, and saying why when they are not there.

* :func:`student_files`: the files students edit (those with solution markers in
  ``solutions/<hw>/``; every ``.py`` file where the reference tree is absent);
* :func:`find_homework_dir` / :func:`find_nested`: the folder holding them (``starter/<hw>/``,
  ``<hw>/``, the top level, or a few folders deep), never reached through a symlink, with a
  bounded walk;
* :func:`diagnose`: one sentence a student can act on (empty, notebooks only, another
  homework's files, archives that are not the homework, ...).

Part of the submission code (``submission.py`` re-exports every name here).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .markers import has_markers  # the marker syntax, without autograder.build (nbformat, the tooling)
from .submission_archives import ARCHIVE_SUFFIXES

REPO = Path(__file__).resolve().parents[2]  # same as autograder.build.REPO

MAX_DEPTH = 5  # how deep below the top of a submission the homework folder is looked for
MAX_WALK = 20000  # directory entries looked at while searching (a folder read in place may be large)
SKIP_WALK = {"__pycache__", "__MACOSX", ".git", ".venv", "venv", "site-packages", "node_modules",
             ".ipynb_checkpoints", "data"}


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

