"""The grading engine: student code computes in a sandboxed child; the grader judges.

Public API for suites: ``check``, ``Context``, ``Suite``, ``CheckFailed``; for front
ends: ``grade_submission`` and the result dataclasses.
"""
from .checks import Check, Context, Suite, available_homeworks, check, load_suite
from .compare import CheckFailed
from .grade import grade_submission, run_check
from .results import CheckResult, SubmissionResult
from .wire import Opaque, Ref

__all__ = [
    "Check", "CheckFailed", "CheckResult", "Context", "Opaque", "Ref", "Suite", "SubmissionResult",
    "available_homeworks", "check", "grade_submission", "load_suite", "run_check",
]
