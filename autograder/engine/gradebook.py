"""The gradebook table, rebuilt from every record of a folder: ``grades.csv`` (and ``.md`` /
``.html``), ``grades-canvas.csv`` with a roster, and ``course report``'s re-rendering of all
feedback. Extra-credit parts (``Suite.extra_credit``) have their own columns and are never in
a maximum. Records and their files: ``gradebook_records.py``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import sys
from pathlib import Path

from . import writers
from .checks import load_suite
from .gradebook_records import (CANVAS_NAME, GRADEBOOK, Roster, _tmp_dir, _write, all_records, is_complete,
                                parse_time, unreadable_reason, write_feedback)
from .results import SubmissionResult


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
