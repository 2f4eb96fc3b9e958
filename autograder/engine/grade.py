"""Grading one submission: a pure function from (homework, submission) to results.

What a student sees of a hidden check (``CheckResult.safe_message``; see
``CheckResult.feedback``) is built here and holds grader-written words only:

* failed assertion: the helper's value-free summary (``assert_close``: which output,
  what kind of error, a recognised mistake), or an author's ``summary=``, or the
  author's message with every number redacted;
* an exception in the student's code: its type (a built-in one's name, otherwise "an
  exception of its own class") and where it was raised in the student's own files; never
  the exception's message nor anything the process printed (both could carry inputs);
* a time-out or a crash: the limit hit, or how the process ended, without output;
* a bug in the grader: "internal grader error"; the traceback is kept in ``log`` for staff.

Public checks show the full message (their inputs ship with the release anyway),
except grader tracebacks, which are never in a message. Messages are capped.
"""
from __future__ import annotations

import importlib.util
import os
import time
import traceback
from pathlib import Path

from . import figures, graderdata
from .checks import Check, Context, Suite, load_suite
from .outcome import outcome_of, student_error_message, student_error_safe
from .results import ERROR, PASSED, CheckResult, SubmissionResult
from .sandbox import Limits, SandboxUnavailable, UidLease, Zygote, current_isolation, protect
from .submission import REPO, SubmissionError, prepare

MAX_MESSAGE = 4000  # characters of a check's message (student output can be long)


def zygote_enabled() -> bool:
    """``NNCOURSE_ZYGOTE=0``: never fork checks from a server (every check starts a fresh
    interpreter: the same results, only slower)."""
    return os.environ.get("NNCOURSE_ZYGOTE", "auto") != "0"


def use_zygote(n_checks: int) -> bool:
    """Whether a submission's checks are forked from a per-submission server (``Zygote``):
    when there are two checks or more (a single check gains nothing from a new server), or
    always with ``NNCOURSE_ZYGOTE=always`` (tests), never with ``NNCOURSE_ZYGOTE=0``."""
    return zygote_enabled() and (os.environ.get("NNCOURSE_ZYGOTE") == "always" or n_checks > 1)


def one_blas_thread():
    """A context in which numpy's BLAS runs on one thread in this process. The grader's own numpy
    work (expected values, a reference forward on the trained weights) is small matrix products:
    on several OpenBLAS threads the idle ones spin beside the sandboxed child and the budget's
    watchdog (a tenth of the CPU of grading lenet's reference), and beside other work they cost
    up to 25x the CPU time (2 epochs of nist36's reference network: 0.74 s on one thread, 18.6 s
    on two) for the same bits. Sandboxed children run on one thread already (``sandbox_env``)."""
    import numpy  # noqa: F401 - load numpy's BLAS first: threadpoolctl limits the libraries loaded now

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def cap(text: str, limit: int = MAX_MESSAGE) -> str:
    text = str(text)
    if len(text) <= limit:
        return text
    return text[: limit - 40].rstrip() + f"\n... [{len(text) - limit + 40} more characters cut]"


def secret_paths(suite: Suite, repo: Path = REPO) -> list[Path]:
    """Grading-only files the sandbox user must not read."""
    paths = [repo / "solutions", repo / "autograder" / suite.homework / "hidden.py"]
    paths += sorted((repo / "autograder" / suite.homework).glob("hidden*"))
    paths += [repo / p for p in suite.secret_paths]
    return paths + graderdata.secret_paths(suite.homework)


# older names, kept for callers outside the engine
_student_error_message, _student_error_safe = student_error_message, student_error_safe


def run_check(chk: Check, subdir: Path, probes: dict, seed: int = 0, limits: Limits | None = None,
              zygote: Zygote | None = None, identity=None) -> CheckResult:
    ctx = Context(chk, subdir, probes, seed=seed, limits=limits, zygote=zygote, identity=identity)
    start = time.monotonic()
    status, message, safe, log = PASSED, "", "", ""
    try:
        chk.func(ctx)
    except SandboxUnavailable:
        raise  # the grader's own failure: never a score (grade_submission marks it not graded)
    except Exception as exc:  # noqa: BLE001 - a grader-side bug must not stop the batch
        out = outcome_of(exc)
        if out is not None:
            status, message, safe = out.status, out.message, out.safe
        else:
            status = ERROR
            message = safe = f"internal grader error in {chk.id} (not your fault; the course staff have the details)"
            log = f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=8)
    finally:
        try:
            ctx.close()
        except Exception as exc:  # noqa: BLE001
            log += f"\nclosing the sandbox failed: {exc!r}"
    score = chk.points if status == PASSED else 0.0
    cases = [dict(c, message=cap(c["message"], 1500), safe_message=cap(c["safe_message"], 400)) for c in ctx.cases]
    if cases and status == PASSED:  # points shared among the cases (a failure outside them: none)
        status, message, safe, score = _case_outcome(chk, cases)
    if ctx.notes:
        notes = "\n".join(ctx.notes)
        message = (message + "\n" if message else "") + notes
        safe = (safe + "\n" if safe else "") + notes
    if ctx.figure_log:  # figures left out (staff only)
        log = (log + "\n" if log else "") + "\n".join(ctx.figure_log)
    return CheckResult(id=chk.id, name=chk.name, part=chk.part, points=chk.points, score=score, status=status,
                       message=cap(message.strip()), duration=round(time.monotonic() - start, 3), hidden=chk.hidden,
                       description=chk.description, safe_message=cap(safe.strip(), 1000), log=cap(log.strip(), 20000),
                       cases=cases, limits=ctx.limits_in_force, figures=ctx.figures)


def _case_outcome(chk: Check, cases: list[dict]) -> tuple[str, str, str, float]:
    """Status, message, safe message and score of a check made of cases."""
    passed = sum(c["passed"] for c in cases)
    score = round(chk.points * passed / len(cases), 6)
    failed = [c for c in cases if not c["passed"]]
    if not failed:
        return PASSED, "", "", score
    head = f"{passed} of {len(cases)} cases passed."
    message = "\n".join([head] + [f"- case '{c['name']}': {c['message']}" for c in failed])
    safe = "\n".join([head] + [f"- case '{c['name']}': {c['safe_message']}" for c in failed])
    return failed[0]["status"], message, safe, score


def grade_submission(homework: str, path, *, seed: int = 0, include_hidden: bool = True, only=None,
                     on_check=None, repo: Path = REPO, max_timeout: float | None = None,
                     max_memory_mb: int | None = None, zygote: Zygote | None = None,
                     identity=None) -> SubmissionResult:
    """Grade one submission (folder or .zip). Never raises for anything the student did.

    ``max_timeout`` / ``max_memory_mb`` cap every check's limits (tests, quick runs).
    ``zygote`` / ``identity``: a fork server and a sandbox id the caller owns and keeps for
    several gradings of the *same* student (the notebook cells of one kernel); by default
    this call leases its own id and starts its own server. The grader's own numpy work runs
    on one BLAS thread (``one_blas_thread``).
    """
    with one_blas_thread():
        return _grade_submission(homework, path, seed=seed, include_hidden=include_hidden, only=only,
                                 on_check=on_check, repo=repo, max_timeout=max_timeout,
                                 max_memory_mb=max_memory_mb, zygote=zygote, identity=identity)


def _grade_submission(homework: str, path, *, seed, include_hidden, only, on_check, repo, max_timeout,
                      max_memory_mb, zygote, identity) -> SubmissionResult:
    start = time.monotonic()
    # the sandbox must start on this machine before anyone is graded (SandboxUnavailable
    # otherwise: the front ends stop with its message instead of charging every student)
    isolation = current_isolation()
    suite = load_suite(homework)
    checks = suite.checks(include_hidden=include_hidden)
    if only:
        checks = [c for c in checks if any(c.id == o or c.id.startswith(o + ".") or c.part == o for o in only)]
    result = SubmissionResult(homework=homework, submission=str(path), isolation=isolation.level,
                              extra_credit_parts=list(suite.extra_credit))
    if include_hidden and importlib.util.find_spec(f"autograder.{homework}.figures") is not None:
        figures.warm_up()  # the feedback's figures: matplotlib imported while the first checks run
    if include_hidden:
        protect(secret_paths(suite, repo))
        if suite.judge_server and any(c.hidden for c in checks):
            from .judge import start_server

            start_server()  # in the background: it imports torch while the first checks run
    try:
        prep = prepare(Path(path), homework, repo)
    except SubmissionError as exc:
        result.error = cap(str(exc))
        for c in checks:
            msg = cap(f"not graded: {exc}", 1000)
            result.checks.append(CheckResult(c.id, c.name, c.part, c.points, 0.0, ERROR, msg, 0.0,
                                             c.hidden, c.description, safe_message=msg))
        result.duration = round(time.monotonic() - start, 3)
        return result
    # as root, a user id of the submission's own (concurrent gradings cannot touch each other's
    # processes), and one fork server per submission (never shared between students)
    lease = UidLease() if identity is None else None
    identity = lease.identity if lease is not None else identity
    own_zygote = zygote is None
    if own_zygote and use_zygote(len(checks)):
        zygote = Zygote(suite.preload, identity)
    try:
        if prep.notes:
            result.error = cap("\n".join(prep.notes))
        probes = suite.probe_files()
        for c in checks:
            limits = Limits(timeout=c.timeout if max_timeout is None else min(c.timeout, max_timeout),
                            memory_mb=c.memory_mb if max_memory_mb is None else min(c.memory_mb, max_memory_mb))
            try:
                r = run_check(c, prep.subdir, probes, seed=seed, limits=limits, zygote=zygote, identity=identity)
            except SandboxUnavailable as exc:
                result.graded = False
                result.error = cap(f"NOT GRADED: the grader's sandbox failed during {c.id} (not the student's "
                                   f"doing; grade this submission again): {exc}")
                result.checks = []
                break
            result.checks.append(r)
            if on_check is not None:
                on_check(r)
    finally:
        if own_zygote and zygote is not None:
            zygote.close()
        if lease is not None:
            lease.release()
        prep.cleanup()
    result.duration = round(time.monotonic() - start, 3)
    return result
