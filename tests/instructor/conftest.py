"""Shared fixtures: one nbgrader course directory with the `example` release, built once."""
from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from autograder.instructor.nbgrader_course import Course


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Course:
    """`course release example --out <tmp>` through the command line."""
    from autograder.cli import main

    root = tmp_path_factory.mktemp("course")
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["release", "example", "--out", str(root)])
    assert code == 0, buf.getvalue()
    return Course(root)


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("work")
