"""Checks, suites and the per-check context handed to check functions."""
from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import compare
from .compare import CheckFailed
from .sandbox import Limits, Sandbox, Zygote
from .wire import Ref

AUTOGRADER_DIR = Path(__file__).resolve().parents[1]
_REGISTRY: dict[str, list["Check"]] = {}


@dataclass(frozen=True)
class Check:
    id: str
    func: Callable
    part: str
    points: float
    hidden: bool
    timeout: float
    description: str
    memory_mb: int = 6144

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[-1]

    @property
    def visibility(self) -> str:
        return "hidden" if self.hidden else "public"


def check(id: str, *, part: str, points: float, hidden: bool = True, timeout: float = 60.0,
          description: str = "", memory_mb: int = 6144):
    """Register a check function ``f(t: Context)`` in its module's registry."""

    def deco(func):
        desc = description or ((func.__doc__ or "").strip().splitlines() or [""])[0]
        c = Check(id=id, func=func, part=str(part), points=float(points), hidden=hidden, timeout=float(timeout),
                  description=desc, memory_mb=memory_mb)
        _REGISTRY.setdefault(func.__module__, []).append(c)
        func.check = c
        return func

    return deco


@dataclass
class Suite:
    """A homework's grading metadata; checks come from its public and hidden modules."""

    homework: str
    title: str
    parts: dict[str, str] = field(default_factory=dict)  # part id -> title
    modules: tuple[str, ...] = ("public", "hidden")
    probes: tuple[str, ...] = ()  # files in autograder/<hw>/ copied into the sandbox
    secret_paths: tuple[str, ...] = ()  # extra grading-only paths (relative to repo root)
    # written answers graded by hand: nbgrader grade_id -> points, or -> (part, points)
    manual_points: dict[str, float | tuple[str, float]] = field(default_factory=dict)
    # libraries the sandbox's fork server imports once per submission instead of once per check
    preload: tuple[str, ...] = ("numpy",)

    def checks(self, include_hidden: bool = True) -> list[Check]:
        out = []
        for mod in self.modules:
            name = f"autograder.{self.homework}.{mod}"
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:  # the hidden suite is absent in a student release
                    continue
                raise
            out.extend(_REGISTRY.get(name, []))
        if not include_hidden:
            out = [c for c in out if not c.hidden]
        ids = [c.id for c in out]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate check ids in {self.homework}: {sorted(dup)}")
        return out

    def manual(self) -> dict[str, tuple[str, float]]:
        """Written answers as grade_id -> (part, points); part "written" when not given."""
        out = {}
        for gid, v in self.manual_points.items():
            part, pts = v if isinstance(v, tuple) else ("written", v)
            out[gid] = (str(part), float(pts))
        return out

    def probe_files(self) -> dict[str, Path]:
        base = AUTOGRADER_DIR / self.homework
        return {name: base / name for name in self.probes}


def load_suite(homework: str) -> Suite:
    try:
        mod = importlib.import_module(f"autograder.{homework}")
    except ModuleNotFoundError:
        raise KeyError(f"no grading suite for homework {homework!r} (expected autograder/{homework}/)") from None
    suite = getattr(mod, "SUITE", None)
    if not isinstance(suite, Suite):
        raise KeyError(f"autograder/{homework}/__init__.py defines no SUITE")
    return suite


def available_homeworks() -> list[str]:
    """Homeworks whose ``autograder/<hw>/__init__.py`` defines a Suite named SUITE."""
    out = []
    for p in sorted(AUTOGRADER_DIR.iterdir()):
        if not (p / "__init__.py").is_file() or "SUITE" not in (p / "__init__.py").read_text():
            continue
        try:
            load_suite(p.name)
        except KeyError:
            continue
        out.append(p.name)
    return out


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
            self._box = None

    def output_tail(self) -> str:
        return self._box.output_tail() if self._box is not None else ""

    def call(self, target, *args, keep: bool = False, **kwargs):
        """Run ``starter.<module>:<name>`` (or a Ref) in the sandbox and return its value."""
        return self.box.call(target, *args, keep=keep, **kwargs)

    def call_with_args(self, target, *args, **kwargs):
        """Like call, and also return the arguments as the callee left them (mutation checks)."""
        return self.box.call(target, *args, return_args=True, **kwargs)

    def probe(self, target, *args, keep: bool = False, **kwargs):
        """Run a trusted helper from the homework's probes in the sandbox."""
        return self.box.call(target, *args, keep=keep, kind="probe", **kwargs)

    def get(self, ref: Ref):
        return self.box.get(ref)

    def setitem(self, ref: Ref, key, value):
        return self.box.setitem(ref, key, value)

    def setattr(self, ref: Ref, key: str, value):
        return self.box.setattr(ref, key, value)

    # -- assertions ------------------------------------------------------------------
    def assert_close(self, actual, expected, *, name: str, what: str = "", rtol: float = 1e-6, atol: float = 1e-8,
                     mistakes: dict | None = None, check_dtype: bool = False, inputs: dict | None = None):
        compare.assert_close(actual, expected, name=name, what=what, rtol=rtol, atol=atol, mistakes=mistakes,
                             check_dtype=check_dtype, inputs=inputs)

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
