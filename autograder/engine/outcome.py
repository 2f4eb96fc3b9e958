"""How a check, or one case of it, ended: one mapping from what was raised to an outcome.

``grade.run_check`` (a whole check) and ``checks._Case`` (one ``t.case`` block) both ask
``outcome_of(exc)``; neither knows the other. What a student sees of a hidden outcome
(``safe``) holds grader-written words only: see ``grade``'s docstring for the rules.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass

from .compare import CheckFailed, redact
from .results import ERROR, FAILED, TIMEOUT
from .sandbox import SandboxCrashed, SandboxTimeout, StudentError

# what a time-out's message adds: a whole check (often a training loop) or one case of it
CHECK_TIMEOUT_HINT = "infinite loop, or training too long for the budget?"
CASE_TIMEOUT_HINT = "infinite loop, or too slow for the budget?"


class NotRun(CheckFailed):
    """A request after the sandbox timed out or crashed in an earlier case."""


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str  # staff and public checks
    safe: str  # what a student sees of a hidden check
    sandbox_ended: bool = False  # the child is gone (time-out, crash): later cases cannot run


def student_error_message(exc: StudentError) -> str:
    if exc.type_name == "NotImplementedError":
        return f"not implemented yet: {exc.message.split(':', 1)[-1].strip()}"
    msg = f"your code raised {exc.message}"
    if exc.traceback:
        msg += f"\n{exc.traceback}"
    return msg


def student_error_safe(exc: StudentError) -> str:
    """Grader-authored words only. Whatever the student's process reports could carry a hidden
    input: the message, and also where it was raised (a file, function or class can be named
    after the data) and the type's name unless it is a built-in exception. Named instead: the
    grader's own name of the call, and the public checks where the traceback can be seen."""
    typ = getattr(builtins, exc.type_name, None)
    known = isinstance(typ, type) and issubclass(typ, BaseException)
    called = f" (called as {exc.target})" if getattr(exc, "target", None) else ""
    public = getattr(exc, "public_checks", ())
    if public:
        see = (f"; run the public check{'s' if len(public) > 1 else ''} {', '.join(public)} (course check): "
               "the same error on public inputs shows its traceback there")
    else:
        see = "; call the function yourself on small inputs of your own to see the traceback"
    if known and exc.type_name == "NotImplementedError":
        return f"not implemented yet{called}"
    kind = exc.type_name if known else "an exception of a class you defined"
    return f"your code raised {kind} in a function of yours{called}{see}"


def outcome_of(exc: BaseException, *, case: bool = False) -> Outcome | None:
    """The outcome a raised exception means, for a whole check or (``case=True``) one case of
    it; None for anything else (a grader bug, or ``SandboxUnavailable``: the caller decides).
    A request refused after an earlier case ended the sandbox is that case's error; outside a
    case it is a failed check like any other ``CheckFailed``."""
    timeout_hint = CASE_TIMEOUT_HINT if case else CHECK_TIMEOUT_HINT
    if case and isinstance(exc, NotRun):
        msg = f"not run: {exc}"
        return Outcome(ERROR, msg, msg)
    if isinstance(exc, CheckFailed):
        message = str(exc)
        return Outcome(FAILED, message, exc.summary if exc.summary is not None else redact(message))
    if isinstance(exc, StudentError):
        return Outcome(ERROR, student_error_message(exc), student_error_safe(exc))
    if isinstance(exc, SandboxTimeout):
        return Outcome(TIMEOUT, f"{exc} ({timeout_hint})", f"{exc.what} ({timeout_hint})", sandbox_ended=True)
    if isinstance(exc, SandboxCrashed):
        return Outcome(ERROR, str(exc), f"your code's process ended abnormally: {exc.what}", sandbox_ended=True)
    return None
