"""The grading engine: student code computes in a sandboxed child; the grader judges.

Public API for suites: ``check``, ``Context``, ``Suite``, ``CheckFailed``, the errors a
sandbox call can end in (``StudentError``, ``SandboxTimeout``, ``SandboxCrashed``), ``kit``
(the helpers shared with the probes) and ``graderdata`` (grader-held data); for front
ends: ``grade_submission`` and the result dataclasses.
"""
from . import graderdata, kit
from .checks import Check, Context, Suite, available_homeworks, check, load_suite
from .compare import CheckFailed
from .grade import grade_submission, run_check
from .results import CheckResult, SubmissionResult
from .sandbox.limits import SandboxCrashed, SandboxTimeout, StudentError
from .wire import Opaque, Ref

__all__ = [
    "Check", "CheckFailed", "CheckResult", "Context", "Opaque", "Ref", "SandboxCrashed", "SandboxTimeout",
    "StudentError", "Suite", "SubmissionResult", "available_homeworks", "check", "grade_submission", "graderdata",
    "kit", "load_suite", "run_check",
]
