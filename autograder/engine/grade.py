"""Grading one submission: a pure function from (homework, submission) to results."""
from __future__ import annotations

import time
import traceback
from pathlib import Path

from ..build import REPO
from .checks import Check, Context, Suite, load_suite
from .compare import CheckFailed
from .results import ERROR, FAILED, PASSED, TIMEOUT, CheckResult, SubmissionResult
from .sandbox import SandboxCrashed, SandboxTimeout, StudentError, protect
from .submission import SubmissionError, prepare


def secret_paths(suite: Suite, repo: Path = REPO) -> list[Path]:
    """Grading-only files the sandbox user must not read."""
    paths = [repo / "solutions", repo / "autograder" / suite.homework / "hidden.py"]
    paths += sorted((repo / "autograder" / suite.homework).glob("hidden*"))
    paths += [repo / p for p in suite.secret_paths]
    return paths


def _student_error_message(exc: StudentError) -> str:
    if exc.type_name == "NotImplementedError":
        return f"not implemented yet: {exc.message.split(':', 1)[-1].strip()}"
    msg = f"your code raised {exc.message}"
    if exc.traceback:
        msg += f"\n{exc.traceback}"
    return msg


def run_check(chk: Check, subdir: Path, probes: dict, seed: int = 0) -> CheckResult:
    ctx = Context(chk, subdir, probes, seed=seed)
    start = time.monotonic()
    status, message = PASSED, ""
    try:
        chk.func(ctx)
    except CheckFailed as exc:
        status, message = FAILED, str(exc)
    except StudentError as exc:
        status, message = ERROR, _student_error_message(exc)
    except SandboxTimeout as exc:
        status, message = TIMEOUT, f"{exc} (infinite loop, or training too long for the budget?)"
    except SandboxCrashed as exc:
        status, message = ERROR, str(exc)
    except Exception as exc:  # noqa: BLE001 - a grader-side bug must not stop the batch
        status = ERROR
        message = f"internal grader error in {chk.id}: {type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=3)
    finally:
        ctx.close()
    if ctx.notes:
        message = (message + "\n" if message else "") + "\n".join(ctx.notes)
    score = chk.points if status == PASSED else 0.0
    return CheckResult(id=chk.id, name=chk.name, part=chk.part, points=chk.points, score=score, status=status,
                       message=message.strip(), duration=round(time.monotonic() - start, 3), hidden=chk.hidden,
                       description=chk.description)


def grade_submission(homework: str, path, *, seed: int = 0, include_hidden: bool = True, only=None,
                     on_check=None, repo: Path = REPO) -> SubmissionResult:
    """Grade one submission (folder or .zip). Never raises for anything the student did."""
    start = time.monotonic()
    suite = load_suite(homework)
    checks = suite.checks(include_hidden=include_hidden)
    if only:
        checks = [c for c in checks if any(c.id == o or c.id.startswith(o + ".") or c.part == o for o in only)]
    result = SubmissionResult(homework=homework, submission=str(path))
    if include_hidden:
        protect(secret_paths(suite, repo))
    try:
        prep = prepare(Path(path), homework, repo)
    except SubmissionError as exc:
        result.error = str(exc)
        for c in checks:
            result.checks.append(CheckResult(c.id, c.name, c.part, c.points, 0.0, ERROR, f"not graded: {exc}", 0.0,
                                             c.hidden, c.description))
        result.duration = round(time.monotonic() - start, 3)
        return result
    try:
        if prep.notes:
            result.error = "\n".join(prep.notes)
        probes = suite.probe_files()
        for c in checks:
            r = run_check(c, prep.subdir, probes, seed=seed)
            result.checks.append(r)
            if on_check is not None:
                on_check(r)
    finally:
        prep.cleanup()
    result.duration = round(time.monotonic() - start, 3)
    return result
