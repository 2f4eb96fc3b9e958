"""The per-check context handed to check functions (:class:`Context`, ``t``): a seeded RNG,
calls into the sandbox (``t.call``, ``t.probe``, ``t.judge``, refs), cases (``t.case``),
assertions with tolerances and mistakes, notes and figures, files handed in besides code.

The code is split (issue #26): ``suite.py`` holds the ``@check`` decorator, its registry,
:class:`Suite` and ``load_suite``; this module holds the Context API and re-exports their
names, so ``from autograder.engine.checks import check, Context, Suite`` keeps working.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from . import compare
from .compare import CheckFailed
from .outcome import NotRun, outcome_of
from .results import FAILED, TIMEOUT
from .sandbox import Limits, Sandbox, SandboxTimeout, StudentError, Zygote
# re-exported: ``autograder.engine.checks`` keeps every name it had before the split
from .suite import (  # noqa: F401
    _REGISTRY, _SOURCES, AUTOGRADER_DIR, Check, Suite, _source, available_homeworks, check, load_suite,
    public_checks_calling)
from .wire import Ref


class Context:
    """What a check function sees: a seeded RNG, calls into the sandbox, assertions."""

    def __init__(self, check: Check, subdir: Path, probes: dict[str, Path], seed: int = 0,
                 limits: Limits | None = None, zygote: Zygote | None = None, identity=None):
        self.check = check
        digest = hashlib.sha256(f"{check.id}:{seed}".encode()).digest()
        self.seed = int.from_bytes(digest[:4], "little")
        self.rng = np.random.default_rng(self.seed)
        self._subdir, self._probes = subdir, probes
        self._box: Sandbox | None = None
        self._zygote, self._identity = zygote, identity
        self._limits = limits or Limits(timeout=check.timeout, memory_mb=check.memory_mb)
        self.notes: list[str] = []
        self.figures: list[dict] = []  # see figure(): drawn here, stored in CheckResult.figures
        self.figure_log: list[str] = []  # figures left out, and why (staff log)
        self.cases: list[dict] = []  # see case()
        self._case: dict | None = None
        self._dead: str | None = None  # set when the sandbox timed out or crashed inside a case
        self.timings: dict[str, float] = {}  # seconds spent in each student function / probe
        self.limits_in_force: dict = {}  # what held for the check as a whole (see sandbox.budget)
        self._started = time.monotonic()  # the check's time limit covers the grader's work on its files too

    # -- files handed in besides code -----------------------------------------------
    def submission_file(self, name: str, max_bytes: int = 20 << 20) -> Path | None:
        """A non-code file the student handed in (a prediction CSV, a saved model).

        Looked for next to the homework's code, at the top of the submission, and one or
        two folders down; symlinks and files over ``max_bytes`` are ignored. The file is
        only read here (parent side) or passed to the sandbox by the check: nothing in
        it is executed or unpickled by the grader.
        """
        hw = self.check.id.split(".", 1)[0]
        raw = Path(self._subdir).parent / "raw"
        cands = [Path(self._subdir) / "starter" / hw / name]
        if raw.is_dir():
            cands += [raw / name, raw / hw / name, raw / "starter" / hw / name]
            cands += sorted(raw.glob(f"*/{name}")) + sorted(raw.glob(f"*/*/{name}"))
            cands += sorted(raw.glob(f"*/*/*/{name}"))
        for c in cands:
            if c.is_file() and not c.is_symlink() and c.stat().st_size <= max_bytes:
                return c
        return None

    # -- sandbox ---------------------------------------------------------------------
    @property
    def box(self) -> Sandbox:
        if self._box is None:
            self._box = Sandbox(self._subdir, self._limits, self._probes, zygote=self._zygote,
                                identity=self._identity)
        return self._box

    def close(self):
        if self._box is not None:
            self._box.close()
            budget = getattr(self._box, "budget", None)
            if budget is not None:
                self.limits_in_force = dict(budget.in_force(), wall_seconds=self._limits.timeout,
                                            memory_mb_per_process=self._limits.memory_mb)
            self._box = None

    def output_tail(self) -> str:
        return self._box.output_tail() if self._box is not None else ""

    @staticmethod
    def _label(target) -> str:
        if isinstance(target, Ref):
            return "a method of your object"
        return str(target).rsplit(":", 1)[-1]

    def _run(self, target, fn):
        """Every request to the sandbox: refused once a case's timeout or crash ended the
        process; timed per function, so a time-out names what took the budget."""
        if self._dead is not None:
            raise _NotRun(self._dead)
        label = self._label(target)
        start = time.monotonic()
        try:
            return fn()
        except StudentError as exc:
            exc.target = label
            exc.public_checks = public_checks_calling(self.check, None if isinstance(target, Ref) else str(target))
            raise
        except SandboxTimeout as exc:
            self.timings[label] = self.timings.get(label, 0.0) + time.monotonic() - start
            start = None
            raise SandboxTimeout(f"{exc}; the time ran out in {label}{self._timing_text()}",
                                 f"{exc.what}; the time ran out in {label}") from None
        finally:
            if start is not None:
                self.timings[label] = self.timings.get(label, 0.0) + time.monotonic() - start

    def _timing_text(self) -> str:
        if not self.timings:
            return ""
        top = sorted(self.timings.items(), key=lambda kv: -kv[1])[:3]
        return " (time spent so far: " + ", ".join(f"{k} {v:.1f}s" for k, v in top) + ")"

    def call(self, target, *args, keep: bool = False, **kwargs):
        """Run ``starter.<module>:<name>`` (or a Ref) in the sandbox and return its value.

        The child decodes its own copy of every argument: whatever the student's function
        does to its inputs, the grader's arrays (for references, finite differences, the
        next case) are untouched.
        """
        return self._run(target, lambda: self.box.call(target, *args, keep=keep, **kwargs))

    def call_with_args(self, target, *args, **kwargs):
        """Like call, and also return the arguments as the callee left them (mutation checks)."""
        return self._run(target, lambda: self.box.call(target, *args, return_args=True, **kwargs))

    def probe(self, target, *args, keep: bool = False, **kwargs):
        """Run a trusted helper from the homework's probes in the sandbox."""
        return self._run(target, lambda: self.box.call(target, *args, keep=keep, kind="probe", **kwargs))

    def judge(self, target: str, *args, memory_mb: int = 2048, **kwargs):
        """Run the grader's ``"pkg.module:function"`` on a handed-in file in a separate limited
        process (``engine.judge``: no student code; ``memory_mb`` of address space, and what is
        left of this check's time limit). Past the time it is this check's time-out; a crash or
        an exception is ``judge.JudgeFailed`` with a message for the student."""
        from .judge import JudgeTimeout, run_judged

        left = self._limits.timeout - (time.monotonic() - self._started)
        try:
            return run_judged(target, *args, timeout=left, memory_mb=memory_mb, **kwargs)
        except JudgeTimeout as exc:
            msg = f"time limit of {self._limits.timeout:g} s exceeded: {exc}"
            raise SandboxTimeout(msg, msg.split(" (", 1)[0]) from None

    def get(self, ref: Ref):
        return self._run(ref, lambda: self.box.get(ref))

    def setitem(self, ref: Ref, key, value):
        return self._run(ref, lambda: self.box.setitem(ref, key, value))

    def setattr(self, ref: Ref, key: str, value):
        return self._run(ref, lambda: self.box.setattr(ref, key, value))

    # -- cases -----------------------------------------------------------------------
    def case(self, name: str) -> "_Case":
        """``with t.case("stride 2, ties in window"):`` one case of the check.

        A ``CheckFailed`` or an error of the student's code inside ends this case only;
        a time-out or crash of the sandbox fails this case and every later one (they are
        recorded as not run). The check's score is ``points * passed / cases``. The name is
        shown to students even for hidden checks: geometry yes, expected values never.
        """
        return _Case(self, str(name))

    # -- assertions ------------------------------------------------------------------
    def assert_close(self, actual, expected, *, name: str, what: str = "", rtol: float | None = None,
                     atol: float | None = None, mistakes: dict | None = None, check_dtype: bool = False,
                     inputs: dict | None = None, fd: bool = False, precision: str | None = None):
        """Compare with tolerances that follow the precision of ``actual`` (see
        ``compare.default_tolerances``; ``fd=True`` when ``expected`` is a central difference,
        ``precision=`` the precision of the forward pass it went through)."""
        compare.assert_close(actual, expected, name=name, what=what, rtol=rtol, atol=atol, mistakes=mistakes,
                             check_dtype=check_dtype, inputs=inputs, fd=fd, precision=precision)

    @staticmethod
    def precision(value) -> str:
        """"float64", "float32" or "float16": what ``value`` was computed in."""
        return compare.precision_of(value)

    @staticmethod
    def fd_step(sample_output=None, precision: str | None = None) -> float:
        """The central-difference step for a function whose output looks like ``sample_output``."""
        return compare.fd_step(sample_output, precision=precision)

    def assert_shape(self, actual, shape, *, name: str, what: str = ""):
        compare.assert_shape(actual, shape, name=name, what=what)

    def as_array(self, value, name: str, what: str = "") -> np.ndarray:
        return compare.as_array(value, name, what=what)

    def assert_true(self, cond, message: str, *, summary: str | None = None):
        """Fail with ``message`` unless ``cond``. ``summary``: what a hidden check shows
        instead (default: ``message`` with every number redacted)."""
        if not cond:
            raise CheckFailed(message, summary)

    def fail(self, message: str, *, summary: str | None = None):
        raise CheckFailed(message, summary)

    def note(self, message: str):
        """Extra feedback shown with the result (e.g. the score a threshold check measured)."""
        self.notes.append(message)

    def figure(self, title: str, source, *, alt: str = "") -> bool:
        """Attach a figure to the result, shown in the student's feedback (HTML, Markdown; named in
        text). ``source``: a matplotlib Figure drawn here, in the grader's process (``engine.figures``
        has the generic plots), PNG bytes made by grader code, or a callable returning either. Draw
        it from numbers: never image bytes a student's process wrote, never a hidden input (the
        title is grader-authored; shown for hidden checks too). A figure that cannot be made is
        left out (staff log); it never changes the check's outcome. False when left out."""
        from . import figures

        if len(self.figures) >= figures.MAX_PER_CHECK:
            self.figure_log.append(f"figure {title!r} left out: at most {figures.MAX_PER_CHECK} per check")
            return False
        start = time.perf_counter()
        try:
            rec = figures.record(title, source() if callable(source) else source, alt=alt)
        except Exception as exc:  # noqa: BLE001 - a figure is never worth a check's outcome
            self.figure_log.append(f"figure {title!r} left out: {type(exc).__name__}: {exc}"[:500])
            return False
        rec["draw_seconds"] = round(time.perf_counter() - start, 4)  # making and drawing (staff only)
        self.figures.append(rec)
        return True


_NotRun = NotRun  # a request after the sandbox timed out or crashed in an earlier case


class _Case:
    def __init__(self, ctx: Context, name: str):
        self.ctx, self.name = ctx, name

    def __enter__(self):
        if self.ctx._case is not None:
            raise RuntimeError("t.case() blocks do not nest")
        self.rec = {"name": self.name, "passed": False, "status": "failed", "message": "", "safe_message": ""}
        self.ctx.cases.append(self.rec)
        self.ctx._case = self.rec
        return self

    def __exit__(self, exc_type, exc, tb):
        ctx, rec = self.ctx, self.rec
        ctx._case = None
        if exc is None:
            rec["passed"], rec["status"] = True, "passed"
            return False
        out = outcome_of(exc, case=True)
        if out is None:
            return False  # a grader bug: the whole check reports an internal error
        rec["message"], rec["safe_message"] = out.message, out.safe
        if out.status != FAILED:
            rec["status"] = out.status
        if out.sandbox_ended:
            what = "the time limit was hit" if out.status == TIMEOUT else "the process ended abnormally"
            ctx._dead = f"{what} in case '{self.name}'"
            ctx.close()
        return True
