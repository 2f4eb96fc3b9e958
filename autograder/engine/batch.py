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

The code is split (issue #26): ``gradebook_records.py`` (submissions, records, merges,
``grade_one``), ``gradebook.py`` (the table, the Canvas file, ``course report``),
``executors.py`` (this process, a local pool or a Dask cluster, behind one ``run``); this
module runs a batch and re-exports their names, so ``autograder.engine.batch`` keeps them.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import executors
from .checks import load_suite
from .executors import _fail_payload, _run_pool, default_jobs  # noqa: F401 - re-exported
from .grade import grade_submission  # looked up here at call time: a test may stand in for it
# re-exported: ``autograder.engine.batch`` keeps every name it had before the split
from .gradebook import (  # noqa: F401
    CANVAS_EXTRA, _manual_by_part, canvas_csv, gradebook_rows, nbgrader_manual, part_order, rebuild_gradebook,
    render_report)
from .gradebook_records import (  # noqa: F401
    ARCHIVE_SUFFIXES, CANVAS_FILE, CANVAS_NAME, CSV_NAME, DIR_MODE, FILE_MODE, GRADEBOOK, INTERNAL, NOT_GRADED,
    NOT_GRADED_YET, PARTIAL, Roster, _failure_result, _manual_pending, _safe_id, _strip_archive, _tmp_dir, _write,
    all_records, content_hash, default_out, finished, grade_one, is_complete, load_record, merge_checks,
    parse_time, prepare_out, record_path, stems_for, student_for, submitted_at, unreadable_reason, write_feedback,
    write_outputs)
from .results import SubmissionResult

REBUILD_EVERY_S = 5.0  # seconds between gradebook rebuilds during a batch


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


# -- the batch -----------------------------------------------------------------------------------

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
            self.bar.set_postfix_str(f"{stem}: {r.total:g}/{r.max_score:g}")
        elif self.enabled:
            print(f"[{self.n}/{self.total}] {stem}: {r.total:g}/{r.max_score:g}", file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def grade_batch(homework: str, paths, out_dir, *, formats=("json",), jobs: int = 1, resume: bool = False,
                seed: int = 0, progress: bool = True, grade_kwargs: dict | None = None,
                roster: Roster | None = None, due: dt.datetime | None = None,
                manual: dict | None = None, cluster=None, canvas_extra: str = "add",
                stop=None) -> BatchReport:
    """Grade ``paths`` into ``out_dir``; see the module docstring for the guarantees.
    ``cluster``: ``"local[:N]"``, a Dask scheduler address or a ``distributed.Client``: grade on
    that cluster instead of ``jobs`` local processes (:mod:`autograder.engine.cluster`).
    ``stop``: asked after each submission is recorded; True ends the batch as an interrupt does
    (``KeyboardInterrupt``, the records so far kept)."""
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
        if stop is not None and stop():
            raise KeyboardInterrupt

    by_student = {s: (p, m) for s, p, m in todo}
    args = lambda s: (homework, str(by_student[s][0]), str(out), s, formats, seed, grade_kwargs,  # noqa: E731
                      by_student[s][1])
    order = [s for s, _, _ in todo]
    try:
        # in this process, ``grade_submission`` is this module's (looked up now: a test may stand in for it)
        executors.run(order, args, done, homework=homework, by_student=by_student, out=out, formats=formats,
                      jobs=jobs, cluster=cluster, grader=grade_submission)
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
