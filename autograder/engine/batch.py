"""Grading many submissions into a gradebook that accumulates: parallel, resumable, crash-safe.

An output folder belongs to one homework (default ``out/grades/<hw>/``) and holds one
**record** per student, ``OUT/<student>.json``: the staff result (every check, full
messages) plus a ``record`` block (student id, the submission's file name, a content
hash, its submission time, the late flag, when it was graded). A record is updated in
place:

* grading a student again replaces their record (a resubmission under another file
  name maps to the same student through ``--roster`` or the same folder / zip name);
* ``only=[...]`` regrades those checks and merges them into the existing record (the
  other checks keep their results; a student with no record yet gets the other checks
  as "not graded yet");
* ``resume=True`` skips a student whose record is complete and was made from a
  submission with the same content hash (a changed resubmission is regraded).

The gradebook (``grades.csv``, and ``grades.md`` / ``grades.html`` when those formats
are asked for; ``grades-canvas.csv`` with a roster) is rebuilt from **every** record in
the folder after each submission and at the end, never from the last command alone.
:func:`render_report` rebuilds everything (feedback files included) from the records.

Every file is written atomically (a temporary file in a per-process ``.partial-<pid>/``,
then ``os.replace``), the record last: a batch killed at any moment (even SIGKILL)
leaves complete files only. Results are private to the grader's user (folder 0700,
files 0600).
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
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


REBUILD_EVERY_S = 5.0  # seconds between gradebook rebuilds during a batch


def default_out(homework: str) -> Path:
    """Each homework has its own folder: grading one never touches another's records."""
    return Path("out") / "grades" / homework


@dataclass
class BatchReport:
    graded: list[str] = field(default_factory=list)  # students graded in this run
    skipped: list[str] = field(default_factory=list)  # unchanged since their record (resume)
    failed: list[str] = field(default_factory=list)  # the grader itself failed on these
    unreadable: dict[str, str] = field(default_factory=dict)  # student -> why the submission could not be read
    notes: dict[str, str] = field(default_factory=dict)  # student -> notes on a graded submission
    results: dict[str, SubmissionResult] = field(default_factory=dict)  # student -> result (this command's)
    off_roster: list[str] = field(default_factory=list)  # submissions no roster row matches
    interrupted: bool = False


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


# -- the gradebook --------------------------------------------------------------------------------

def part_order(homework: str, records) -> list[str]:
    """Parts in handout order (the suite's ``parts``), then any others in the order checks name them."""
    try:
        parts = list(load_suite(homework).parts)
    except KeyError:
        parts = []
    for r in records:
        for c in r["checks"]:
            if c["part"] not in parts:
                parts.append(c["part"])
    return parts


def nbgrader_manual(course_dir, homework: str) -> dict[str, dict[str, float | None]]:
    """Hand-graded scores from an nbgrader course's gradebook: student -> grade_id -> score
    (None: not graded yet). Empty when the gradebook has no such homework."""
    from nbgrader.api import Gradebook, MissingEntry

    db = Path(course_dir) / "gradebook.db"
    bindir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH on an older database
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])
    if not db.is_file():
        raise FileNotFoundError(f"{db} does not exist (is {course_dir} an nbgrader course directory?)")
    manual = load_suite(homework).manual()
    out: dict[str, dict[str, float | None]] = {}
    course_id = json.loads((Path(course_dir) / "course.json").read_text()).get("course_id", "nncourse") \
        if (Path(course_dir) / "course.json").is_file() else "nncourse"
    with Gradebook(f"sqlite:///{db}", course_id) as gb:
        try:
            subs = gb.assignment_submissions(homework)
        except MissingEntry:
            return out
        for sub in subs:
            got = out.setdefault(sub.student_id, {})
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.name in manual:
                        got[g.name] = None if g.manual_score is None and g.auto_score is None else float(g.score)
    return out


def _manual_by_part(homework: str, scores: dict | None) -> dict[str, float | None]:
    manual = load_suite(homework).manual()
    by_part: dict[str, float | None] = {}
    for gid, (part, _pts) in manual.items():
        v = (scores or {}).get(gid)
        if part not in by_part:
            by_part[part] = 0.0
        by_part[part] = None if v is None or by_part[part] is None else by_part[part] + v
    return by_part


def gradebook_rows(homework: str, records: dict[str, dict], *, roster: Roster | None = None,
                   manual: dict | None = None, due: dt.datetime | None = None) -> tuple[list[str], list[list]]:
    """The gradebook table. Extra-credit parts (``Suite.extra_credit``, checks and written answers
    alike) keep their per-part columns but count in "extra credit" only: "total" is autograded +
    by hand + extra credit, and "max" (like "autograded max" and "by hand max") excludes it."""
    suite = load_suite(homework)
    extra = set(suite.extra_credit)
    parts = part_order(homework, records.values())
    man = suite.manual()
    man_parts = []
    for part, _ in man.values():
        if part not in man_parts:
            man_parts.append(part)
    man_max = {p: sum(v for q, v in man.values() if q == p) for p in man_parts}
    auto_max = {}
    for r in records.values():
        for c in r["checks"]:
            auto_max[c["part"]] = auto_max.get(c["part"], 0.0)
    for chk in suite.checks(include_hidden=True):
        auto_max[chk.part] = auto_max.get(chk.part, 0.0) + chk.points
    ec_max = sum(v for p, v in auto_max.items() if p in extra) + sum(v for p, v in man_max.items() if p in extra)

    def label(p, pts):
        return f"{p} ({writers.pts(pts)}" + (", extra credit)" if p in extra else ")")

    auto_parts = [p for p in parts if auto_max.get(p, 0) or p not in man_max]
    header = (["student", "name", "submission", "submitted", "late"]
              + [label(p, auto_max.get(p, 0)) for p in auto_parts]
              + ["autograded", "autograded max"]
              + [f"by hand {label(p, man_max[p])}" for p in man_parts]
              + ["by hand", "by hand max", "extra credit", "extra credit max", "total", "max", "status",
                 "checks passed"])
    man_regular_max = sum(v for p, v in man_max.items() if p not in extra)
    rows = []
    names = {}
    if roster is not None:
        for row in roster.rows:
            names[roster.student_id(row)] = row.get("Student", "")
    for student in sorted(records):
        d = records[student]
        # today's suite says which parts are extra credit, for records written before it did too
        res = SubmissionResult.from_dict(d, extra_credit_parts=list(suite.extra_credit))
        meta = d.get("record", {})
        bp = res.by_part()
        scores = (manual or {}).get(student, meta.get("manual"))
        mp = _manual_by_part(homework, scores) if man else {}
        regular = [v for p, v in mp.items() if p not in extra]
        man_total = None if any(v is None for v in regular) else sum(regular)
        # an extra-credit answer not graded (yet) adds nothing
        ec = res.extra_credit + sum(v or 0.0 for p, v in mp.items() if p in extra)
        sub_at = meta.get("submitted_at") or ""
        late = meta.get("late")
        if due is not None and sub_at:
            t = parse_time(sub_at)
            late = bool(t and t > due) or bool(meta.get("late_mark"))
        status = "ok"
        why = unreadable_reason(res)
        if meta.get("grader_error"):
            status = "grader error (regrade)"
        elif why:
            status = "not graded: " + " ".join(why.split())
        elif not is_complete(d):
            status = "partly graded (--only)"
        elif res.error:
            status = "graded with notes: " + " ".join(res.error.split())
        total = res.score + (man_total or 0.0) + ec
        rows.append([student, names.get(student, ""), meta.get("submission", Path(res.submission).name), sub_at,
                     "" if late is None else ("yes" if late else "no")]
                    + [writers.pts(bp[p][0]) if p in bp else "" for p in auto_parts]
                    + [writers.pts(res.score), writers.pts(res.max_score)]
                    + ["" if mp.get(p) is None else writers.pts(mp[p]) for p in man_parts]
                    + ["" if man_total is None else writers.pts(man_total), writers.pts(man_regular_max),
                       writers.pts(round(ec, 6)), writers.pts(ec_max),
                       writers.pts(round(total, 6)), writers.pts(res.max_score + man_regular_max), status,
                       f"{sum(c.passed for c in res.checks)}/{len(res.checks)}"])
    return header, rows


def rebuild_gradebook(out_dir, homework: str, formats=("csv",), *, roster: Roster | None = None,
                      manual: dict | None = None, due: dt.datetime | None = None,
                      canvas_extra: str = "add") -> list[Path]:
    """Rewrite the gradebook files from every record in ``out_dir``; return what was written.
    ``canvas_extra``: how extra credit reaches the Canvas file (:func:`canvas_csv`)."""
    out = Path(out_dir)
    records = all_records(out, homework)
    header, rows = gradebook_rows(homework, records, roster=roster, manual=manual, due=due)
    title = load_suite(homework).title
    written = []
    for fmt in ("csv", "md", "html"):
        if fmt == "csv" or fmt in formats:
            _write(out / GRADEBOOK[fmt], writers.gradebook(header, rows, fmt, title=f"{homework}: {title}"), out)
            written.append(out / GRADEBOOK[fmt])
    if roster is not None:
        _write(out / CANVAS_NAME, canvas_csv(homework, roster, header, rows, extra_credit=canvas_extra), out)
        written.append(out / CANVAS_NAME)
    return written


CANVAS_EXTRA = ("add", "separate", "omit")


def canvas_csv(homework: str, roster: Roster, header: list[str], rows: list[list], *,
               extra_credit: str = "add") -> str:
    """The roster's rows with one column for this homework (the total so far), in the layout
    Canvas's gradebook import reads (``Student, ID, SIS User ID, SIS Login ID, Section``,
    then one column per assignment; the ``Points Possible`` row is optional there).

    Points Possible is always the maximum without extra credit. ``extra_credit``:
    ``add`` (default) the total includes the extra credit earned, uncapped (Canvas takes scores
    above Points Possible, and a bonus capped at the maximum would be worth nothing to a student
    who lost points elsewhere); ``separate`` the total without it, and the extra credit in a
    column of its own (``<hw> extra credit``, Points Possible 0) for the instructor to weigh in
    Canvas; ``omit`` the total without it, and no extra credit at all."""
    if extra_credit not in CANVAS_EXTRA:
        raise ValueError(f"extra_credit must be one of {CANVAS_EXTRA}, not {extra_credit!r}")
    i_total, i_max, i_ec = header.index("total"), header.index("max"), header.index("extra credit")
    by_student = {r[0]: r for r in rows}
    col = f"{homework} ({load_suite(homework).title})"

    def total(r):
        if extra_credit == "add":
            return r[i_total]
        return writers.pts(round(float(r[i_total]) - float(r[i_ec] or 0), 6))

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    fixed = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    sep = extra_credit == "separate"
    w.writerow(fixed + [col] + ([f"{homework} extra credit"] if sep else []))
    mx = rows[0][i_max] if rows else ""
    w.writerow(["    Points Possible", "", "", "", "", mx] + (["0"] if sep else []))
    for row in roster.rows:
        r = by_student.get(roster.student_id(row))
        w.writerow([row.get(k, "") for k in fixed] + [total(r) if r else ""] + ([r[i_ec] if r else ""] if sep else []))
    return buf.getvalue()


def render_report(homework: str, out_dir, formats=("csv", "md", "html"), *, roster: Roster | None = None,
                  manual: dict | None = None, due: dt.datetime | None = None,
                  canvas_extra: str = "add") -> list[Path]:
    """``course report``: every student's feedback and the gradebook again, from the stored records."""
    out = Path(out_dir)
    suite = load_suite(homework)
    title = suite.title
    records = all_records(out, homework)
    _tmp_dir(out).mkdir(parents=True, exist_ok=True)
    try:
        for student, d in records.items():
            meta = dict(d.get("record", {}))
            if manual is not None and student in manual:
                meta["manual"] = manual[student]
            res = SubmissionResult.from_dict(d, extra_credit_parts=list(suite.extra_credit))
            write_feedback(res, out, student, formats, title, meta)
        return rebuild_gradebook(out, homework, formats, roster=roster, manual=manual, due=due,
                                 canvas_extra=canvas_extra)
    finally:
        shutil.rmtree(_tmp_dir(out), ignore_errors=True)


# -- the batch -----------------------------------------------------------------------------------

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


class _Progress:
    """tqdm on a terminal; one plain line per submission in a log (no carriage-return frames)."""

    def __init__(self, total: int, initial: int, homework: str, enabled: bool):
        self.total, self.n, self.bar = total, initial, None
        self.enabled = enabled
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="sub", desc=f"grading {homework}", dynamic_ncols=True)

    def update(self, stem: str, r: SubmissionResult):
        self.n += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{stem}: {r.score:g}/{r.max_score:g}")
        elif self.enabled:
            print(f"[{self.n}/{self.total}] {stem}: {r.score:g}/{r.max_score:g}", file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def grade_batch(homework: str, paths, out_dir, *, formats=("json",), jobs: int = 1, resume: bool = False,
                seed: int = 0, progress: bool = True, grade_kwargs: dict | None = None,
                roster: Roster | None = None, due: dt.datetime | None = None,
                manual: dict | None = None, cluster=None, canvas_extra: str = "add") -> BatchReport:
    """Grade ``paths`` into ``out_dir``; see the module docstring for the guarantees.
    ``cluster``: ``"local[:N]"``, a Dask scheduler address or a ``distributed.Client``: grade on
    that cluster instead of ``jobs`` local processes (:mod:`autograder.engine.cluster`)."""
    load_suite(homework)  # fail early on an unknown homework
    # the sandbox must start here before anyone is graded: SandboxUnavailable (the cause) stops the
    # command instead of every worker charging every student a zero
    from .sandbox import current_isolation

    if cluster is None:  # on a cluster the sandbox runs on the workers (each checks its own)
        current_isolation()
    out = Path(out_dir)
    prepare_out(out)
    formats = tuple(formats)
    only = (grade_kwargs or {}).get("only")
    report = BatchReport()
    todo: list[tuple[str, Path, dict]] = []
    seen: dict[str, Path] = {}
    for stem, p in stems_for(paths).items():
        student, row = student_for(p, stem, roster)
        if roster is not None and row is None:
            report.off_roster.append(p.name)
        if student in seen:  # two submissions of one student in one command: the newer counts
            older = seen[student]
            t_old, t_new = submitted_at(older), submitted_at(p)
            if t_old and t_new and t_new < t_old:
                continue
            todo = [t for t in todo if t[0] != student]
        seen[student] = p
        when = submitted_at(p)
        m = CANVAS_FILE.match(_strip_archive(p.name))
        meta = {"submission": p.name, "sha256": content_hash(p),
                "submitted_at": when.isoformat() if when else None,
                "late_mark": bool(m and m.group("late"))}
        meta["late"] = (bool(when and due and when > due) or meta["late_mark"]) if (due or meta["late_mark"]) else None
        if row is not None:
            meta["name"] = row.get("Student", "")
        if manual is not None and student in manual:
            meta["manual"] = manual[student]
        todo.append((student, p, meta))

    if resume:
        keep = []
        for student, p, meta in todo:
            prev = load_record(out, student, homework)
            if prev is not None and is_complete(prev, only) and prev.get("record", {}).get("sha256") == meta["sha256"]:
                report.skipped.append(student)
                report.results[student] = SubmissionResult.from_dict(prev)
            else:
                keep.append((student, p, meta))
        todo = keep

    bar = _Progress(len(todo) + len(report.skipped), len(report.skipped), homework, progress)

    last_rebuild = [time.monotonic()]

    def done(payload: dict):
        stem = payload["stem"]
        r = SubmissionResult.from_dict(payload["result"])
        report.results[stem] = r
        if not payload["ok"]:
            report.failed.append(stem)
        else:
            report.graded.append(stem)
            why = unreadable_reason(r)
            if why:
                report.unreadable[stem] = why
            elif r.error:
                report.notes[stem] = r.error
        # the gradebook is rebuilt from every record: at most every few seconds while grading
        # (a 1,000-student folder takes ~0.5 s to rebuild), and always once at the end (below)
        now = time.monotonic()
        if now - last_rebuild[0] >= REBUILD_EVERY_S:
            rebuild_gradebook(out, homework, formats, roster=roster, manual=manual, due=due,
                              canvas_extra=canvas_extra)
            last_rebuild[0] = time.monotonic()
        bar.update(stem, r)

    by_student = {s: (p, m) for s, p, m in todo}
    args = lambda s: (homework, str(by_student[s][0]), str(out), s, formats, seed, grade_kwargs,  # noqa: E731
                      by_student[s][1])
    order = [s for s, _, _ in todo]
    try:
        if cluster is not None:
            from .cluster import run_on_cluster

            run_on_cluster(cluster, order, args, done, homework, by_student, out, formats)
        elif jobs <= 1:
            for student in order:
                done(grade_one(*args(student)))
        else:
            _run_pool(order, args, jobs, done, homework, by_student, out, formats)
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        bar.close()
        try:
            rebuild_gradebook(out, homework, formats, roster=roster, manual=manual, due=due,
                              canvas_extra=canvas_extra)
        finally:
            shutil.rmtree(_tmp_dir(out), ignore_errors=True)
    return report


def _run_pool(todo, args, jobs, done, homework, by_student, out, formats):
    """Run ``grade_one`` in worker processes; a worker that dies is replaced, and a
    submission that kills two workers is recorded as an internal error."""
    attempts = {s: 0 for s in todo}
    pending = list(todo)
    ctx = multiprocessing.get_context("spawn")
    while pending:
        broken = False
        with ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=ctx) as pool:
            futs = {}
            queue = list(pending)

            def submit_next():
                s = queue.pop(0)
                attempts[s] += 1
                futs[pool.submit(grade_one, *args(s))] = s

            for _ in range(min(jobs, len(queue))):
                submit_next()
            while futs:
                ready, _ = wait(list(futs), return_when=FIRST_COMPLETED)
                for f in ready:
                    s = futs.pop(f)
                    try:
                        payload = f.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except Exception as exc:  # noqa: BLE001
                        payload = _fail_payload(homework, by_student[s], out, s, formats, repr(exc))
                    pending.remove(s)
                    done(payload)
                    if queue and not broken:
                        submit_next()
                if broken:
                    break
        if broken:
            for s in list(pending):
                if attempts[s] >= 2:
                    pending.remove(s)
                    done(_fail_payload(homework, by_student[s], out, s, formats, "a grading worker died"))


def _fail_payload(homework, entry, out, stem, formats, why):
    path, meta = entry
    r = _failure_result(homework, Path(path), why)
    write_outputs(r, out, stem, formats, meta=dict(meta, grader_error=True))
    return {"stem": stem, "ok": False, "result": r.to_dict()}


def default_jobs() -> int:
    return max(1, (os.cpu_count() or 2) // 2)
