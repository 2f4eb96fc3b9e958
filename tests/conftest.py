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


def pytest_sessionstart(session):
    """Generate every homework's data once, before any test (and before xdist starts its
    workers): two workers must never render the same dataset at the same time, and no
    check's time limit should pay for generating data. Skipped in xdist workers."""
    if hasattr(session.config, "workerinput") or os.environ.get("NNCOURSE_TEST_NO_PREWARM"):
        return
    from autograder.engine.checks import available_homeworks
    from autograder.instructor.hooks import prepare_data

    failed = []
    for hw in available_homeworks():
        failed += [line for line in prepare_data(hw, log=lambda _m: None) if "failed" in line]
    if failed:  # the tests that need the data then fail with the cause; say it once up front
        print("\n".join(["data preparation problems:", *failed]))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
