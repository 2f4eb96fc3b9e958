"""The grading engine: student code computes in a sandboxed child; the grader judges.

Public API for suites: ``check``, ``Context``, ``Suite``, ``CheckFailed``, the errors a
sandbox call can end in (``StudentError``, ``SandboxTimeout``, ``SandboxCrashed``), ``kit``
(the helpers shared with the probes) and ``graderdata`` (grader-held data); for front
ends: ``grade_submission`` and the result dataclasses.

Each name is imported on first use (PEP 562), so a process that needs one submodule, such
as the nbgrader kernel's launcher (``sandbox``), does not pay for the rest (numpy, the
check API: 0.1 s per kernel).
"""
import importlib

_WHERE = {
    "graderdata": ".graderdata", "kit": ".kit",
    "Check": ".checks", "Context": ".checks", "Suite": ".checks", "available_homeworks": ".checks",
    "check": ".checks", "load_suite": ".checks",
    "CheckFailed": ".compare",
    "grade_submission": ".grade", "run_check": ".grade",
    "CheckResult": ".results", "SubmissionResult": ".results",
    "SandboxCrashed": ".sandbox.limits", "SandboxTimeout": ".sandbox.limits", "StudentError": ".sandbox.limits",
    "Opaque": ".wire", "Ref": ".wire",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(where, __name__)
    value = module if where == "." + name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
