"""Shared fixtures and the suite's two phases. ``tests`` is a package so a site-packages
``tests`` (hershey-fonts installs one) can't shadow it.

``make test`` (``tests/run.sh``) runs the suite in two phases: every file not marked
``serial`` on several pytest-xdist workers (one file per worker at a time), then the
``serial`` files alone. A file is serial when what it measures has a wall-clock budget that
another test running beside it could eat (the pose training check stops at 90 s).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# tests whose checks train under a wall-clock budget (node ids, or a whole file): they run
# alone, after the rest
SERIAL = (
    "tests/instructor/test_samples.py::test_samples_score_as_expected_through_the_cli[pose]",
    "tests/pose/test_pose_training.py",  # the grader's 90 s pose training run
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path).resolve()
        if not path.is_relative_to(REPO):
            continue
        node = path.relative_to(REPO).as_posix() + item.nodeid[len(item.nodeid.split("::")[0]):]
        if any(node == s or node.startswith(s + "::") for s in SERIAL):
            item.add_marker(pytest.mark.serial)


def _data_groups(homeworks):
    """Homeworks grouped so that two groups never share a dataset (nist36 and fer share cifar10)."""
    from autograder.instructor.hooks import datasets_for

    groups = []  # [(homeworks, datasets)]
    for hw in homeworks:
        mine = set(datasets_for(hw))
        joined = [g for g in groups if g[1] & mine]
        for g in joined:
            groups.remove(g)
        groups.append(([h for g in joined for h in g[0]] + [hw], mine.union(*[g[1] for g in joined])))
    return [g[0] for g in groups]


def pytest_sessionstart(session):
    """Generate every homework's data once, before any test (and before xdist starts its
    workers): two workers must never render the same dataset at the same time, and no
    check's time limit should pay for generating data. Groups of homeworks that share no
    dataset are prepared side by side, one process each. Skipped in xdist workers."""
    if hasattr(session.config, "workerinput") or os.environ.get("NNCOURSE_TEST_NO_PREWARM"):
        return
    import subprocess
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    from autograder.engine.checks import available_homeworks

    code = ("import sys\nfrom autograder.instructor.hooks import prepare_data\n"
            "for hw in sys.argv[1:]:\n    prepare_data(hw, log=lambda m: print(m, flush=True))\n")

    def prepare(group):
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", code, *group], cwd=REPO, capture_output=True, text=True)
        bad = [ln for ln in proc.stdout.splitlines() if "failed" in ln]
        if proc.returncode:
            bad.append(f"{', '.join(group)}: exit {proc.returncode}: {proc.stderr[-1500:]}")
        return f"{', '.join(group)}: {time.monotonic() - t0:.0f} s", bad

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        done = list(pool.map(prepare, _data_groups(available_homeworks())))
    print(f"\ndata prepared in {time.monotonic() - t0:.0f} s ({'; '.join(d[0] for d in done)})")
    problems = [line for d in done for line in d[1]]
    if problems:  # the tests that need the data then fail with the cause; say it once up front
        print("\n".join(["data preparation problems:", *problems]))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
