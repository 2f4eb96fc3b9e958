"""Shared fixtures and the suite's scheduling. ``tests`` is a package so a site-packages
``tests`` (hershey-fonts installs one) can't shadow it.

``make test`` (``tests/run.sh``) runs the suite on several pytest-xdist workers
(``--dist loadfile``): the tests of one file go to one worker (module fixtures are built
once), except the sample submissions of tests/instructor/test_samples.py, one unit per
homework (``pytest_xdist_make_scheduler`` below). Units start longest first
(``LONGEST_FIRST``), so the run does not end with one worker busy on a long file the
other could have shared. A test listed in ``SERIAL`` runs alone afterwards, in a second
phase; none needs to at present (the pose training check counts CPU time, which a test
running beside it cannot eat).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# one BLAS / OpenMP thread per test process (tests/run.sh sets the same for `make test`; here for a
# plain `pytest`): the xdist workers already fill the CPUs, and threaded small matrix products beside
# them cost many times the CPU time (autograder/demo.py, ONE_THREAD)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# the grader's seeds of the hidden splits the sample fixtures were made for (fms's predictions.csv
# files): a real course draws its own secret seeds (autograder/engine/graderdata.py)
os.environ.setdefault("NNCOURSE_GRADER_SEEDS", str(REPO / "tests" / "fixtures" / "grader_seeds.json"))

# tests whose checks have a wall-clock budget another test beside them could eat (node ids,
# or a whole file): they run alone, after the rest
SERIAL: tuple[str, ...] = ()

SAMPLES = "tests/instructor/test_samples.py"
# the longest work units, in the order they should start: the course-wide ones below and each
# homework's (``LONG_TESTS`` in its declaration, ``autograder/engine/registry.py``; ``"samples"``: its
# unit of SAMPLES), longest first. Wall seconds on 2 busy cores, measured 2026-11-28 with
# `--durations=0`; only the order matters. Everything else follows in collection order.
COURSE_LONG_TESTS = {
    # the five releases, each in a fresh venv from its requirements.txt (3 venvs), graded: 721 s at
    # load 7-17 (2026-12-07); first, so the other worker shares out everything else
    "tests/instructor/test_release_venv.py": 720,
    "tests/instructor/test_student_release.py": 225,
    "tests/instructor/test_nbgrader.py": 95,
}


def _longest_first() -> tuple[str, ...]:
    from autograder.engine.registry import all_declarations

    units = dict(COURSE_LONG_TESTS)
    for hw in all_declarations():
        for spec, seconds in hw.long_tests.items():
            units[f"{SAMPLES}::test_samples_score_as_expected_through_the_cli[{hw.id}]"
                  if spec == "samples" else spec] = seconds
    return tuple(sorted(units, key=lambda u: -units[u]))


LONGEST_FIRST = _longest_first()


def _node(item) -> str | None:
    """The item's node id relative to the repository (None outside it)."""
    path = Path(item.path).resolve()
    if not path.is_relative_to(REPO):
        return None
    return path.relative_to(REPO).as_posix() + item.nodeid[len(item.nodeid.split("::")[0]):]


def _matches(node: str, spec: str) -> bool:
    return node == spec or node.startswith(spec + "::")


@pytest.fixture(autouse=True, scope="module")
def _close_shared_fork_servers():
    """After each test file: the test kit's shared fork servers (helpers_common.shared_server) end."""
    yield
    kit = sys.modules.get("tests.helpers_common")
    if kit is not None:
        kit.close_shared_servers()


def pytest_collection_modifyitems(config, items):
    nodes = {id(item): _node(item) for item in items}
    for item in items:
        node = nodes[id(item)]
        if node is not None and any(_matches(node, s) for s in SERIAL):
            item.add_marker(pytest.mark.serial)

    def rank(item):
        node = nodes[id(item)] or ""
        return next((i for i, s in enumerate(LONGEST_FIRST) if _matches(node, s)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the rest keep their order (xdist keeps it: --no-loadscope-reorder)


try:
    from xdist.scheduler import LoadFileScheduling
except ImportError:  # no pytest-xdist: plain serial runs
    pass
else:
    class _FileOrSampleScheduling(LoadFileScheduling):
        """``--dist loadfile``, except that each homework's samples test is a unit of its own."""

        def _split_scope(self, nodeid: str) -> str:
            return nodeid if nodeid.startswith(SAMPLES + "::") else super()._split_scope(nodeid)

    def pytest_xdist_make_scheduler(config, log):
        if config.getvalue("dist") == "loadfile":
            return _FileOrSampleScheduling(config, log)
        return None


def pytest_sessionstart(session):
    """Generate every homework's data once, before any test (and before xdist starts its
    workers): two workers must never render the same dataset at the same time, and no
    check's time limit should pay for generating data. Groups of homeworks that share no
    dataset are prepared side by side, one process each (``autograder.demo.prepare_all_data``,
    what ``make demo`` runs). Skipped in xdist workers."""
    if hasattr(session.config, "workerinput") or os.environ.get("NNCOURSE_TEST_NO_PREWARM"):
        return
    import time

    from autograder.demo import prepare_all_data
    from autograder.engine.checks import available_homeworks

    t0 = time.monotonic()
    times = []
    problems = prepare_all_data(available_homeworks(),
                                log=lambda m: times.append(m) if m.startswith("data of ") else None)
    print(f"\ndata prepared in {time.monotonic() - t0:.0f} s ({'; '.join(t[len('data of '):] for t in times)})")
    if problems:  # the tests that need the data then fail with the cause; say it once up front
        print("\n".join(["data preparation problems:", *problems]))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
