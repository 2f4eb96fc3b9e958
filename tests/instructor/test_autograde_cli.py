"""`course autograde`: nbgrader's autograde of a course directory with the engine's scores."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.instructor.nbgrader_course import Course
from autograder.instructor.release import student_tree

REPO = Path(__file__).resolve().parents[2]


def test_bad_homework_course_or_student_is_refused_with_the_reason(course: Course, tmp_path, capsys):
    assert main(["autograde", "nohw", "--course", str(course.root)]) == 2
    assert "no grading suite for nohw" in capsys.readouterr().err
    assert main(["autograde", "example", "--course", str(tmp_path)]) == 2
    assert "not a course directory" in capsys.readouterr().err
    assert main(["autograde", "example", "--course", str(course.root), "--student", "nobody-here"]) == 2
    assert "nobody-here" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the sandboxed kernel needs root (CI runs as root)")
def test_a_student_is_autograded_and_the_scores_are_printed(course: Course, work: Path, capsys):
    tree = student_tree(course, "example", None, work / "cli" / "cli_ok")
    shutil.copy(REPO / "solutions" / "example" / "ops.py", tree / "starter" / "example" / "ops.py")
    course.submit("example", "cli_ok", tree)
    try:
        code = main(["autograde", "example", "--course", str(course.root), "--student", "cli_ok"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "cli_ok  7 / 7 (+ 1 by hand)" in out
        assert Course(course.root).scores("example")["cli_ok"].code_score == 7
    finally:  # the session's course is shared: a class-wide autograde elsewhere need not grade it again
        shutil.rmtree(course.root / "submitted" / "cli_ok", ignore_errors=True)
