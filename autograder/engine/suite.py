"""Checks and suites: the ``@check`` decorator and the registry it fills (one list of checks per
suite module), :class:`Suite` (a homework's parts, modules, probes, preload, extra credit),
``load_suite`` / ``available_homeworks``, and which public checks call a given function (where a
student sees the traceback a hidden check may only name).

Nothing here runs student code or imports the sandbox. Part of the check API (``checks.py``
re-exports every name here; ``checks.Context`` is what a check function receives).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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
    # the hidden checks read handed-in files through the judge (``Context.judge``): its fork server
    # (engine.judge_server, torch imported once) starts with each grading that runs them, on the
    # other CPU while the sandbox's fork server starts, instead of at the first judged file
    judge_server: bool = False
    # parts that are extra credit (the handout's bonus questions): their checks and written answers
    # count in a student's total but never in the maximum (``SubmissionResult.extra_credit``)
    extra_credit: tuple[str, ...] = ()

    def __post_init__(self):
        self.extra_credit = tuple(str(p) for p in self.extra_credit)
        unknown = [p for p in self.extra_credit if self.parts and p not in self.parts]
        if unknown:
            raise ValueError(f"autograder/{self.homework}/__init__.py: extra_credit names parts the suite "
                             f"does not have: {unknown} (parts: {list(self.parts)})")

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


def public_checks_calling(chk: Check, target: str | None) -> tuple[str, ...]:
    """Ids of the public checks of ``chk``'s homework whose code names the function ``target``
    (``"pkg.module:name"``; the grader's string, never the student's), else those of its part:
    where a student sees the traceback of an error a hidden check may only name."""
    hw = chk.id.split(".", 1)[0]
    public = [c for c in _REGISTRY.get(f"autograder.{hw}.public", []) if not c.hidden]
    if target:
        name = target.rsplit(":", 1)[-1]
        hits = tuple(c.id for c in public if name in _source(c.func))
        if hits:
            return hits[:3]
    return tuple(c.id for c in public if c.part == chk.part)[:3]


_SOURCES: dict = {}


def _source(func) -> str:
    if func not in _SOURCES:
        import inspect

        try:
            _SOURCES[func] = inspect.getsource(func)
        except (OSError, TypeError):
            _SOURCES[func] = ""
    return _SOURCES[func]


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
