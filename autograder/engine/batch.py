"""Grading many submissions: parallel, resumable, crash-safe.

For each submission ``OUT/<stem>.json`` (the staff record, always written) is the
*completion marker*: the other requested files (``<stem>.gradescope.json``,
``<stem>.md``, ``<stem>.html``) are written first, the JSON last, each atomically
(temporary file in ``OUT/.partial/``, then ``os.replace``). A batch killed at any
moment (even SIGKILL) leaves complete files only; ``resume`` skips submissions whose
JSON is there and readable. ``OUT/grades.csv`` is rewritten (atomically) after each
submission and at the end.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import writers
from .checks import load_suite
from .grade import grade_submission
from .results import ERROR, CheckResult, SubmissionResult

PARTIAL = ".partial"
CSV_NAME = "grades.csv"


@dataclass
class BatchReport:
    graded: list[str] = field(default_factory=list)  # stems graded in this run
    skipped: list[str] = field(default_factory=list)  # finished before (resume)
    failed: list[str] = field(default_factory=list)  # the grader itself failed on these
    results: dict[str, SubmissionResult] = field(default_factory=dict)  # stem -> result (all finished)


def stems_for(paths) -> dict[str, Path]:
    """A unique, stable output name for each submission (``alice.zip`` -> ``alice``)."""
    out: dict[str, Path] = {}
    paths = [Path(p) for p in paths]
    base = [p.name[:-4] if p.name.endswith(".zip") else p.name for p in paths]
    for p, b in zip(paths, base):
        b = "".join(ch if ch.isalnum() or ch in "-_.@+" else "_" for ch in b).lstrip(".") or "submission"
        stem = b
        if stem in out or base.count(p.name[:-4] if p.name.endswith(".zip") else p.name) > 1:
            digest = hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:8]
            stem = f"{b}-{digest}"
        out[stem] = p
    return out


def finished(out_dir: Path, stem: str, homework: str) -> SubmissionResult | None:
    path = out_dir / f"{stem}.json"
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        r = SubmissionResult.from_dict(d)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return r if r.homework == homework else None


def write_outputs(result: SubmissionResult, out_dir: Path, stem: str, formats, title: str = "") -> None:
    tmp = out_dir / PARTIAL
    if "gradescope" in formats:
        writers.atomic_write(out_dir / f"{stem}.gradescope.json", writers.gradescope_json(result), tmp_dir=tmp)
    if "md" in formats:
        writers.atomic_write(out_dir / f"{stem}.md", writers.to_markdown(result, title), tmp_dir=tmp)
    if "html" in formats:
        writers.atomic_write(out_dir / f"{stem}.html", writers.to_html(result, title), tmp_dir=tmp)
    writers.atomic_write(out_dir / f"{stem}.json", writers.to_json(result), tmp_dir=tmp)  # last: marks completion


def _failure_result(homework: str, path: Path, why: str) -> SubmissionResult:
    """Stands in for a submission the grader itself could not finish (a grader bug)."""
    suite = load_suite(homework)
    r = SubmissionResult(homework=homework, submission=str(path),
                         error="internal grader error: this submission could not be graded (the course staff have "
                               "the details)")
    for c in suite.checks(include_hidden=True):
        msg = "not graded: internal grader error"
        r.checks.append(CheckResult(c.id, c.name, c.part, c.points, 0.0, ERROR, msg, 0.0, c.hidden, c.description,
                                    safe_message=msg, log=why))
    return r


def grade_one(homework: str, path: str, out_dir: str, stem: str, formats, seed: int = 0,
              grade_kwargs: dict | None = None) -> dict:
    """Grade one submission and write its files (runs in a worker process). Never raises."""
    out = Path(out_dir)
    title = ""
    try:
        title = load_suite(homework).title
        result = grade_submission(homework, path, seed=seed, **(grade_kwargs or {}))
        ok = True
    except Exception as exc:  # noqa: BLE001 - one submission must not stop the batch
        result = _failure_result(homework, Path(path), f"{type(exc).__name__}: {exc}")
        if result.checks:
            result.checks[0].log += "\n" + traceback.format_exc(limit=8)
        ok = False
    write_outputs(result, out, stem, formats, title)
    return {"stem": stem, "ok": ok, "result": result.to_dict()}


def _write_csv(out_dir: Path, results: dict[str, SubmissionResult], order: list[str]) -> None:
    rs = [results[s] for s in order if s in results]
    writers.atomic_write(out_dir / CSV_NAME, writers.to_csv(rs), tmp_dir=out_dir / PARTIAL)


def grade_batch(homework: str, paths, out_dir, *, formats=("json",), jobs: int = 1, resume: bool = False,
                seed: int = 0, progress: bool = True, grade_kwargs: dict | None = None) -> BatchReport:
    """Grade ``paths`` into ``out_dir``; see the module docstring for the guarantees."""
    load_suite(homework)  # fail early on an unknown homework
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / PARTIAL, ignore_errors=True)  # leftovers of a killed run
    (out / PARTIAL).mkdir()
    formats = tuple(formats)
    stems = stems_for(paths)
    order = list(stems)
    report = BatchReport()
    todo = []
    for stem, p in stems.items():
        prev = finished(out, stem, homework) if resume else None
        if prev is not None:
            report.skipped.append(stem)
            report.results[stem] = prev
        else:
            todo.append(stem)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(stems), initial=len(report.skipped), unit="sub", desc=f"grading {homework}",
                   dynamic_ncols=True)

    def done(payload: dict):
        stem = payload["stem"]
        report.results[stem] = SubmissionResult.from_dict(payload["result"])
        (report.graded if payload["ok"] else report.failed).append(stem)
        if "csv" in formats:
            _write_csv(out, report.results, order)
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{stem}: {report.results[stem].score:g}/{report.results[stem].max_score:g}")

    args = lambda s: (homework, str(stems[s]), str(out), s, formats, seed, grade_kwargs)  # noqa: E731
    try:
        if jobs <= 1:
            for stem in todo:
                done(grade_one(*args(stem)))
        else:
            _run_pool(todo, args, jobs, done, homework, stems, out, formats)
    finally:
        if bar is not None:
            bar.close()
    if "csv" in formats:
        _write_csv(out, report.results, order)
    shutil.rmtree(out / PARTIAL, ignore_errors=True)
    return report


def _run_pool(todo, args, jobs, done, homework, stems, out, formats):
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
                        payload = _fail_payload(homework, stems[s], out, s, formats, repr(exc))
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
                    done(_fail_payload(homework, stems[s], out, s, formats, "a grading worker died"))


def _fail_payload(homework, path, out, stem, formats, why):
    r = _failure_result(homework, Path(path), why)
    write_outputs(r, out, stem, formats)
    return {"stem": stem, "ok": False, "result": r.to_dict()}


def default_jobs() -> int:
    return max(1, (os.cpu_count() or 2) // 2)
