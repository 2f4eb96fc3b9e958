"""The course's homeworks: one declaration each, read from ``autograder/<hw>/__init__.py``.

A homework is a package ``autograder/<hw>/`` whose ``__init__.py`` defines ``SUITE`` (a
``Suite``); that is how ``course list`` finds it (``checks.available_homeworks``). Besides the
suite, the same file declares what the shared tooling needs to know about the homework, as
module-level names (every one optional; the default in brackets):

``DATASETS``       the ``coursedata`` generators it reads (``course data <hw>``, the first
                   grading, the release's ``coursedata/``, the cluster's fingerprint) [()]
``prepare_data``   ``prepare_data(log=None)``: builds its data and grader-side caches itself
                   instead of ``DATASETS``' generators [None]
``release_data``   ``release_data(dest)``: data that ships in the student release [None]
``SUBMIT_FILES``   files the hidden checks read besides the code (``submit_files(hw)``: what
                   ``course submit`` requires, and the release names) [{}]
``KERNEL_ENV``     environment variables the sandboxed notebook kernel passes on under
                   ``nbgrader autograde`` (a ``<HW>_FAST`` switch of its notebooks) [()]
``VALIDITY``       the module of its kept variants for ``benchmarks/validity.py``: it defines
                   ``make_tree``, ``buggy()``, ``correct()`` and ``handout()`` (see
                   ``docs/NEW_HOMEWORK.md``) [``tests.<hw>.validity_variants`` when that file
                   exists, else none: the homework is not in the benchmark]
``LONG_TESTS``     its longest test units and their wall seconds, for the test scheduler
                   (``tests/conftest.py``: longest first); the key ``"samples"`` stands for its
                   sample submissions graded through the CLI [{}]
``SAMPLES``        the folder of its sample submissions [``tests/fixtures/samples/<hw>``]
``NOTEBOOK_GENERATOR`` the script that writes its master notebook(s)
                   [``solutions/<hw>/notebooks/make_*.py``, the one there is]
``SUMMARY``        one line for the README's homework table (``course list --markdown``): what
                   students build, from the handout [the suite's title]
``CLI_TARGET_S``   ``benchmarks/speed.py``'s target, wall seconds for ``course grade <hw> <sample>
                   --jobs 1`` on a quiet 2-core machine [10.0]
``BENCH_SUBMISSIONS`` submissions (repository paths of a homework package folder: the reference
                   and kept variants) that the throughput benchmarks (``grade_bench.py``,
                   ``scale.py``, ``sandbox_bench.py``) grade in turn; those benchmarks use the
                   first homework that declares some (:func:`bench_homework`) [()]
``SPEED_BENCH``    a script (repository path) of the homework's own speed figures for
                   ``benchmarks/speed.py``: run as ``python SCRIPT --json OUT``; OUT holds
                   ``{"rows": [{"figure", "wall_s", "cpu_s", "target_s", "ratio", "ratio_target",
                   "ratio_of", "met", "note"}, ...]}`` (any key but ``figure`` may be missing) [None]
``FIGURE_CASES``   the module whose ``cases(rng)`` gives ``benchmarks/figures_bench.py`` its
                   feedback figures to draw (``{label: make(t)}``) [``tests.<hw>.figure_cases``
                   when that file exists, else none]

No shared file lists homeworks by name: they ask this module (``homeworks()``, ``get(hw)``).
It imports only the standard library itself; a homework is imported when it is asked for.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

AUTOGRADER_DIR = Path(__file__).resolve().parents[1]
REPO = AUTOGRADER_DIR.parent


@dataclass(frozen=True)
class Homework:
    """One homework's declaration, with the defaults filled in."""

    id: str
    title: str
    datasets: tuple[str, ...] = ()
    prepare_data: Callable | None = None
    release_data: Callable | None = None
    submit_files: tuple = ()  # of Needed: see submit_files()
    kernel_env: tuple[str, ...] = ()
    validity: str | None = None
    long_tests: dict[str, float] = field(default_factory=dict)
    samples: Path | None = None
    notebook_generator: Path | None = None
    summary: str = ""
    cli_target_s: float = 10.0
    bench_submissions: tuple[str, ...] = ()
    figure_cases: str | None = None
    speed_bench: Path | None = None


def _tuple_of_str(value, hw: str, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"autograder/{hw}/__init__.py: {name} must be a tuple of strings, got {value!r}")
    return tuple(value)


def _module(hw: str) -> ModuleType:
    try:
        return importlib.import_module(f"autograder.{hw}")
    except ModuleNotFoundError as exc:
        if exc.name == f"autograder.{hw}":
            raise KeyError(f"no homework {hw!r} (expected autograder/{hw}/__init__.py)") from None
        raise


def declaration(hw: str, repo: Path = REPO) -> Homework:
    """The declaration of ``hw`` (KeyError when there is no such homework)."""
    mod = _module(hw)
    suite = getattr(mod, "SUITE", None)
    if suite is None:
        raise KeyError(f"autograder/{hw}/__init__.py defines no SUITE")
    validity = getattr(mod, "VALIDITY", None)
    if validity is None and (repo / "tests" / hw / "validity_variants.py").is_file():
        validity = f"tests.{hw}.validity_variants"
    samples = getattr(mod, "SAMPLES", None)
    samples = repo / (samples or f"tests/fixtures/samples/{hw}")
    generator = getattr(mod, "NOTEBOOK_GENERATOR", None)
    if generator is None:
        found = sorted((repo / "solutions" / hw / "notebooks").glob("make_*.py"))
        generator = found[0] if len(found) == 1 else None
    else:
        generator = repo / generator
    figure_cases = getattr(mod, "FIGURE_CASES", None)
    if figure_cases is None and (repo / "tests" / hw / "figure_cases.py").is_file():
        figure_cases = f"tests.{hw}.figure_cases"
    summary = getattr(mod, "SUMMARY", None)
    if summary is not None and (not isinstance(summary, str) or "\n" in summary or not summary.strip()):
        raise TypeError(f"autograder/{hw}/__init__.py: SUMMARY must be one non-empty line of text")
    cli_target = getattr(mod, "CLI_TARGET_S", 10.0)
    if isinstance(cli_target, bool) or not isinstance(cli_target, (int, float)) or cli_target <= 0:
        raise TypeError(f"autograder/{hw}/__init__.py: CLI_TARGET_S must be a positive number of seconds")
    long_tests = dict(getattr(mod, "LONG_TESTS", {}))
    if not all(isinstance(k, str) and isinstance(v, (int, float)) for k, v in long_tests.items()):
        raise TypeError(f"autograder/{hw}/__init__.py: LONG_TESTS must map test paths to seconds")
    return Homework(
        id=hw, title=str(getattr(suite, "title", hw)),
        datasets=_tuple_of_str(getattr(mod, "DATASETS", ()), hw, "DATASETS"),
        prepare_data=getattr(mod, "prepare_data", None) if callable(getattr(mod, "prepare_data", None)) else None,
        release_data=getattr(mod, "release_data", None) if callable(getattr(mod, "release_data", None)) else None,
        submit_files=tuple(_needed(mod)),
        kernel_env=_tuple_of_str(getattr(mod, "KERNEL_ENV", ()), hw, "KERNEL_ENV"),
        validity=validity, long_tests=long_tests,
        samples=samples if samples.is_dir() else None,
        notebook_generator=generator if generator is not None and generator.is_file() else None,
        summary=(summary or str(getattr(suite, "title", hw))).strip(),
        cli_target_s=float(cli_target),
        bench_submissions=_tuple_of_str(getattr(mod, "BENCH_SUBMISSIONS", ()), hw, "BENCH_SUBMISSIONS"),
        figure_cases=figure_cases,
        speed_bench=repo / mod.SPEED_BENCH if getattr(mod, "SPEED_BENCH", None) else None)


def homeworks() -> list[str]:
    """Every homework, sorted (the ones ``course list`` shows)."""
    from .checks import available_homeworks

    return available_homeworks()


def get(hw: str) -> Homework:
    return declaration(hw)


def all_declarations() -> list[Homework]:
    return [declaration(hw) for hw in homeworks()]


def datasets_for(hw: str) -> tuple[str, ...]:
    """The datasets ``hw`` reads; () for a homework that is not there (a student release holds one)."""
    try:
        return declaration(hw).datasets
    except KeyError:
        return ()


def kernel_env() -> tuple[str, ...]:
    """The variables every homework's notebooks need passed into the sandboxed kernel."""
    out: list[str] = []
    for h in all_declarations():
        out += [v for v in h.kernel_env if v not in out]
    return tuple(out)


def with_validity() -> list[str]:
    """The homeworks in the validity benchmark (those with kept variants)."""
    return [h.id for h in all_declarations() if h.validity]


def bench_homework() -> Homework:
    """The homework the throughput benchmarks grade: the first that declares ``BENCH_SUBMISSIONS``."""
    for h in all_declarations():
        if h.bench_submissions:
            return h
    raise LookupError("no homework declares BENCH_SUBMISSIONS (autograder/<hw>/__init__.py); "
                      "the throughput benchmarks need one")


@dataclass(frozen=True)
class Needed:
    """A file the grader reads from a submission, and the points that depend on it."""

    name: str
    checks: tuple[tuple[str, str, float], ...]  # (check id, part, points)

    @property
    def points(self) -> float:
        return sum(p for _, _, p in self.checks)

    def cost(self) -> str:
        """``Q5 (10 points)`` / ``Q4 and Q5 (11 points)``."""
        parts = list(dict.fromkeys(part for _, part, _ in self.checks))
        where = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        pts = self.points
        return f"{where} ({pts:g} point{'' if pts == 1 else 's'})"


def submit_files(hw: str) -> list[Needed]:
    """The homework's ``SUBMIT_FILES`` (``autograder/<hw>/__init__.py``): file name -> the checks
    that read it, as ``(check id, part, points)`` tuples."""
    try:
        mod = _module(hw)
    except KeyError:
        return []
    return _needed(mod)


def _needed(mod: ModuleType) -> list[Needed]:
    decl = getattr(mod, "SUBMIT_FILES", None) or {}
    return [Needed(name, tuple((str(c), str(part), float(pts)) for c, part, pts in checks))
            for name, checks in decl.items()]
