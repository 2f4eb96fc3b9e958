"""Where submissions are graded, behind one interface (:func:`run`): in this process, in a
pool of local worker processes, or on a Dask cluster (``cluster.py``). Each runs
``gradebook_records.grade_one`` (or, on a cluster, hands a worker's result to it) and passes
what it returns to ``done``; a submission whose worker dies twice is recorded as an internal
error. Nothing here imports ``batch`` (the batch imports this), and ``cluster`` imports the
records module only: no import circle.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .gradebook_records import _failure_result, grade_one, write_outputs


def run(order, args, done, *, homework: str, by_student: dict, out: Path, formats, jobs: int = 1,
        cluster=None, grader=None) -> None:
    """Grade the students of ``order``: ``args(s)`` gives ``grade_one``'s arguments for student
    ``s``, ``done(payload)`` takes what it returns, as each finishes. ``cluster`` (``"local[:N]"``,
    a scheduler address or a ``distributed.Client``): on that cluster; else ``jobs`` > 1 worker
    processes; else here, one after the other, with ``grader`` (when given) standing in for
    ``grade_submission``. ``by_student``: student -> (path, record metadata)."""
    if cluster is not None:
        from .cluster import run_on_cluster

        run_on_cluster(cluster, order, args, done, homework, by_student, out, formats)
    elif jobs <= 1:
        for student in order:
            done(grade_one(*args(student), grader=grader))
    else:
        _run_pool(order, args, jobs, done, homework, by_student, out, formats)


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
