"""The gradebook's records: who handed in what, one JSON record per student, merges.

A homework's output folder (``default_out``) holds one record per student,
``OUT/<student>.json``: the staff result (every check, full messages) plus a ``record``
block (student id, the submission's file name, a content hash, its submission time, the late
flag, when it was graded). :func:`grade_one` grades one submission and writes its feedback and
record (the record last: it marks completion); ``only=[...]`` merges the regraded checks into
the previous record (:func:`merge_checks`). Every file is written atomically and privately
(:func:`_write`: 0600 in a 0700 folder). The table built from the records is in
``gradebook.py``; who runs :func:`grade_one` (this process, a pool, a cluster) in
``executors.py``; the batch itself in ``batch.py``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import csv
import json
import os
import re
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import writers
from .checks import load_suite
from .grade import grade_submission
from .results import ERROR, SKIPPED, CheckResult, SubmissionResult

PARTIAL = ".partial"
CSV_NAME = "grades.csv"
CANVAS_NAME = "grades-canvas.csv"
GRADEBOOK = {"csv": CSV_NAME, "md": "grades.md", "html": "grades.html"}
FILE_MODE = 0o600
DIR_MODE = 0o700
NOT_GRADED_YET = "not graded yet (this record was made with --only)"
INTERNAL = "internal grader error"
NOT_GRADED = "not graded: "
# Canvas "download submissions": <name>[_LATE]_<canvas user id>_<submission id>_<file name>
CANVAS_FILE = re.compile(r"^(?P<name>[a-z0-9]+)(?P<late>_late)?_(?P<uid>\d+)_(?P<sid>\d+)(?:_(?P<rest>.*))?$", re.I)
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")


def default_out(homework: str) -> Path:
    """Each homework has its own folder: grading one never touches another's records."""
    return Path("out") / "grades" / homework


# -- who handed in what -------------------------------------------------------------------------

def _strip_archive(name: str) -> str:
    low = name.lower()
    for suf in ARCHIVE_SUFFIXES:
        if low.endswith(suf):
            return name[: -len(suf)]
    return name


def _safe_id(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_.@+" else "_" for ch in text).lstrip(".") or "submission"


def stems_for(paths) -> dict[str, Path]:
    """A unique, stable output name for each submission (``alice.zip`` -> ``alice``)."""
    out: dict[str, Path] = {}
    paths = [Path(p) for p in paths]
    base = [_strip_archive(p.name) for p in paths]
    for p, b in zip(paths, base):
        stem = _safe_id(b)
        if stem in out or base.count(b) > 1:
            digest = hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:8]
            stem = f"{stem}-{digest}"
        out[stem] = p
    return out


@dataclass
class Roster:
    """A class list in the column layout of Canvas's gradebook export (and import):
    ``Student, ID, SIS User ID, SIS Login ID, Section`` (extra columns are ignored)."""

    rows: list[dict]

    KEYS = ("SIS Login ID", "SIS User ID", "ID")

    @classmethod
    def read(cls, path) -> "Roster":
        text = Path(path).read_text(encoding="utf-8-sig")
        rows = [r for r in csv.DictReader(io.StringIO(text))]
        if not rows or "Student" not in rows[0] or not any(k in rows[0] for k in cls.KEYS):
            raise ValueError(f"{path}: not a roster in Canvas's layout (columns Student, ID, SIS User ID, "
                             f"SIS Login ID, Section)")
        rows = [r for r in rows if (r.get("Student") or "").strip() and "points possible" not in
                (r.get("Student") or "").lower()]
        return cls(rows)

    def student_id(self, row: dict) -> str:
        return _safe_id(next((row[k].strip() for k in self.KEYS if (row.get(k) or "").strip()), row["Student"]))

    def match(self, name: str) -> dict | None:
        """The roster row a submission's file / folder name belongs to, if any."""
        low = name.lower()
        m = CANVAS_FILE.match(low)
        for r in self.rows:
            ids = {(r.get(k) or "").strip().lower() for k in self.KEYS} - {""}
            if low in ids or (m and m.group("uid") in ids):
                return r
        if m:
            for r in self.rows:
                squashed = re.sub(r"[^a-z0-9]", "", r["Student"].lower())
                last_first = re.sub(r"[^a-z0-9]", "", "".join(reversed(r["Student"].lower().split(",", 1))))
                if m.group("name") in (squashed, last_first):
                    return r
        return None


def student_for(path: Path, stem: str, roster: Roster | None) -> tuple[str, dict | None]:
    if roster is None:
        return stem, None
    row = roster.match(_strip_archive(Path(path).name))
    return (roster.student_id(row), row) if row is not None else (stem, None)


def content_hash(path) -> str:
    """SHA-256 of a submission's content: a file's bytes, or a folder's regular files (names and
    bytes, symlinks and caches skipped). Renaming the zip keeps it; changing any file changes it."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_file():
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()
    if not path.is_dir():
        return ""
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints", ".git"))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.is_symlink() or not p.is_file() or name.endswith(".pyc"):
                continue
            h.update(str(p.relative_to(path)).encode() + b"\0")
            with open(p, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            h.update(b"\0")
    return h.hexdigest()


def submitted_at(path) -> dt.datetime | None:
    """When a submission was handed in: ``timestamp.txt`` inside a folder (nbgrader's), else the
    newest modification time of the file or of the folder's files (UTC)."""
    path = Path(path)
    try:
        if path.is_dir():
            ts = path / "timestamp.txt"
            if ts.is_file():
                parsed = parse_time(ts.read_text(encoding="utf-8", errors="replace").strip().removesuffix(" UTC"))
                if parsed is not None:
                    return parsed
            newest = max((p.stat().st_mtime for p in path.rglob("*") if p.is_file() and not p.is_symlink()),
                         default=path.stat().st_mtime)
        else:
            newest = path.stat().st_mtime
    except (OSError, ValueError):
        return None
    return dt.datetime.fromtimestamp(newest, dt.timezone.utc).replace(microsecond=0)


def parse_time(text: str) -> dt.datetime | None:
    """An ISO time (``2026-04-24T23:59``, ``2026-04-24 23:59:00+02:00``); no zone means UTC."""
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


# -- records -----------------------------------------------------------------------------------

def record_path(out_dir: Path, student: str) -> Path:
    return Path(out_dir) / f"{student}.json"


def load_record(out_dir: Path, student: str, homework: str) -> dict | None:
    try:
        d = json.loads(record_path(out_dir, student).read_text(encoding="utf-8"))
        SubmissionResult.from_dict(d)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return d if d.get("homework") == homework else None


def finished(out_dir: Path, stem: str, homework: str) -> SubmissionResult | None:
    d = load_record(out_dir, stem, homework)
    return SubmissionResult.from_dict(d) if d is not None else None


def all_records(out_dir: Path, homework: str) -> dict[str, dict]:
    """Every record of ``homework`` in the folder, by student id."""
    out = {}
    for p in sorted(Path(out_dir).glob("*.json")):
        if p.name.endswith(".gradescope.json") or p.name.startswith("."):
            continue
        d = load_record(out_dir, p.name[:-5], homework)
        if d is not None:
            out[p.name[:-5]] = d
    return out


def unreadable_reason(result: SubmissionResult) -> str | None:
    """Why a submission could not be read at all (every check "not graded: ..."), or None."""
    graded = [c for c in result.checks if not (c.status == SKIPPED and c.message == NOT_GRADED_YET)]
    if result.error and graded and all(c.status == ERROR and c.message.startswith(NOT_GRADED)
                                       and INTERNAL not in c.message for c in graded):
        return result.error
    if result.error and not result.checks:
        return result.error
    return None


def is_complete(record: dict, only=None) -> bool:
    """The record holds a result for every check (or for every check ``only`` selects)."""
    meta = record.get("record", {})
    if meta.get("grader_error"):
        return False

    def wanted(c):
        return not only or any(c["id"] == o or c["id"].startswith(o + ".") or c["part"] == o for o in only)

    return not any(c.get("status") == SKIPPED and c.get("message") == NOT_GRADED_YET
                   for c in record["checks"] if wanted(c))


def merge_checks(homework: str, new: SubmissionResult, prev: dict | None, only) -> SubmissionResult:
    """``new`` graded only some checks: lay them over the previous record's, in suite order."""
    suite = load_suite(homework)
    have = {c.id: c for c in (SubmissionResult.from_dict(prev).checks if prev else [])}
    for c in new.checks:
        have[c.id] = c
    merged = []
    for chk in suite.checks(include_hidden=True):
        if chk.id in have:
            merged.append(have.pop(chk.id))
        else:
            merged.append(CheckResult(chk.id, chk.name, chk.part, chk.points, 0.0, SKIPPED, NOT_GRADED_YET, 0.0,
                                      chk.hidden, chk.description, safe_message=NOT_GRADED_YET))
    merged += list(have.values())  # checks the suite no longer has: kept, so nothing is lost silently
    return SubmissionResult(new.homework, new.submission, merged, new.error, new.duration, new.isolation,
                            new.graded, list(suite.extra_credit))


def _failure_result(homework: str, path: Path, why: str) -> SubmissionResult:
    """Stands in for a submission the grader itself could not finish (a grader bug)."""
    suite = load_suite(homework)
    r = SubmissionResult(homework=homework, submission=str(path), extra_credit_parts=list(suite.extra_credit),
                         error="internal grader error: this submission could not be graded (the course staff have "
                               "the details)")
    for c in suite.checks(include_hidden=True):
        msg = "not graded: internal grader error"
        r.checks.append(CheckResult(c.id, c.name, c.part, c.points, 0.0, ERROR, msg, 0.0, c.hidden, c.description,
                                    safe_message=msg, log=why))
    return r


def _tmp_dir(out: Path) -> Path:
    return out / f"{PARTIAL}-{os.getpid()}"


def _write(path: Path, data, out: Path) -> None:
    writers.atomic_write(path, data, tmp_dir=_tmp_dir(out), mode=FILE_MODE)


def write_feedback(result: SubmissionResult, out_dir: Path, stem: str, formats, title: str = "",
                   meta: dict | None = None) -> None:
    out = Path(out_dir)
    manual = _manual_pending(result.homework, meta)
    if "gradescope" in formats:
        _write(out / f"{stem}.gradescope.json", writers.gradescope_json(result), out)
    if "md" in formats:
        _write(out / f"{stem}.md", writers.to_markdown(result, title, **manual), out)
    if "html" in formats:
        _write(out / f"{stem}.html", writers.to_html(result, title, **manual), out)


def _manual_pending(homework: str, meta: dict | None) -> dict:
    try:
        suite = load_suite(homework)
    except KeyError:
        return {}
    # written answers of extra-credit parts are not owed: left out of the line "graded by hand: x / y"
    regular = {gid: p for gid, (part, p) in suite.manual().items() if part not in suite.extra_credit}
    scores = (meta or {}).get("manual") or None
    return {"parts": suite.parts, "manual_points": sum(regular.values()),
            "manual_scores": {k: v for k, v in scores.items() if k in regular} if scores else None}


def write_outputs(result: SubmissionResult, out_dir: Path, stem: str, formats, title: str = "",
                  meta: dict | None = None) -> None:
    out = Path(out_dir)
    write_feedback(result, out, stem, formats, title, meta)
    record = result.to_dict()
    record["record"] = dict(meta or {}, student=stem)
    _write(record_path(out, stem), json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
           out)  # last: marks completion


def grade_one(homework: str, path: str, out_dir: str, stem: str, formats, seed: int = 0,
              grade_kwargs: dict | None = None, meta: dict | None = None, grader=None) -> dict:
    """Grade one submission and write its files (runs in a worker process). Never raises.
    ``grader``: stands in for ``grade_submission`` (the cluster path hands in a worker's result)."""
    out = Path(out_dir)
    title = ""
    meta = dict(meta or {})
    only = (grade_kwargs or {}).get("only")
    try:
        title = load_suite(homework).title
        result = (grader or grade_submission)(homework, path, seed=seed, **(grade_kwargs or {}))
        ok = True
    except Exception as exc:  # noqa: BLE001 - one submission must not stop the batch
        result = _failure_result(homework, Path(path), f"{type(exc).__name__}: {exc}")
        if result.checks:
            result.checks[0].log += "\n" + traceback.format_exc(limit=8)
        ok = False
    if only and ok:
        prev = load_record(out, stem, homework)
        if prev is not None and prev.get("record", {}).get("sha256") not in (None, meta.get("sha256")):
            meta["mixed"] = "checks regraded with --only on a changed submission; grade it in full to align them"
        result = merge_checks(homework, result, prev, only)
    meta["grader_error"] = not ok
    meta["graded_at"] = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    write_outputs(result, out, stem, formats, title, meta)
    return {"stem": stem, "ok": ok, "result": result.to_dict()}


def prepare_out(out: Path) -> None:
    """Create the output folder (private) and clear temporary files of dead runs."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(out, DIR_MODE)
    except OSError:
        pass
    for p in out.glob(f"{PARTIAL}*"):
        pid = p.name.rsplit("-", 1)[-1]
        alive = False
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                alive = int(pid) != os.getpid()
            except OSError:
                alive = False
        if not alive:
            shutil.rmtree(p, ignore_errors=True)
    _tmp_dir(out).mkdir()
    os.chmod(_tmp_dir(out), DIR_MODE)
