"""`nbgrader autograde` on the sample submissions of `example`, for real, then generate_feedback."""
from __future__ import annotations

import pytest

from autograder.instructor import leaks
from autograder.instructor.pipeline import grade_nbgrader
from autograder.instructor.samples import load_samples

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(course, work):
    samples = load_samples("example")
    return samples, grade_nbgrader(course, "example", samples, work / "nbgrader")


def test_autograded_scores_are_the_expected_ones(graded):
    samples, res = graded
    got = {s.name: res[s.name].score.code_score for s in samples}
    want = {s.name: s.expect["nbgrader"] for s in samples}
    assert got == want
    assert all(res[s.name].score.max_code_score == 7 for s in samples)


def test_written_answers_wait_for_a_human(graded):
    _, res = graded
    assert res["perfect"].score.max_written_score == 1
    assert res["perfect"].cells["example-written-da_sum"][1] == 1


def test_students_edited_files_are_kept_and_provided_files_restored(graded, course):
    auto = course.root / "autograded" / "buggy" / "example"
    sample = next(s for s in graded[0] if s.name == "buggy")
    assert (auto / "starter/example/ops.py").read_bytes() == (sample.path / "files/starter/example/ops.py").read_bytes()
    adv = course.root / "autograded" / "adversarial" / "example"
    # the submission replaced the shipped grader module: nbgrader restored it from source/
    assert (adv / "autograder/notebook.py").read_bytes() == \
        (course.root / "source/example/autograder/notebook.py").read_bytes()
    # ... and its extra package (which would shadow the module) stayed, yet scored nothing
    assert (adv / "autograder/notebook/__init__.py").is_file()
    assert graded[1]["adversarial"].score.code_score == 0


def test_feedback_shows_results_but_no_hidden_tests(graded):
    samples, res = graded
    fps = leaks.fingerprints("example")
    for s in samples:
        html = res[s.name].feedback
        assert html, f"no feedback for {s.name}"
        assert leaks.scan(html[0], fps, "example") == [], s.name
        text = html[0].read_text()
        assert "BEGIN HIDDEN TESTS" not in text
    buggy = res["buggy"].feedback[0].read_text()
    assert "da averaged instead of summed" in buggy  # the recognised mistake reaches the student
    assert "7.948" not in buggy and "expected 7" not in buggy  # hidden values do not


def test_restoring_hidden_tests_is_not_reported_as_tampering(graded, course):
    """Hidden-test cells reach students without their tests, so autograde always restores them;
    nbgrader's "checksum has changed" warning is silenced for exactly those cells."""
    import json

    hidden = json.loads((course.root / "course.json").read_text())["homeworks"]["example"]["hidden_cells"]
    assert sorted(hidden) == ["test_example_mean_rows", "test_example_scale_backward", "test_example_scale_forward"]
    log = course.logs["autograde"]
    assert "Attribute 'checksum'" not in log, log[-3000:]


def test_a_new_courses_gradebook_is_the_one_nbgrader_makes(tmp_path, monkeypatch):
    """The course makes its empty gradebook in-process (nbgrader runs ``alembic heads`` in a child
    for it, 2-3 s a course): same tables, the schema version nbgrader stamps, the course row; and
    nbgrader then works on it."""
    import os
    import sqlite3
    import sys

    import nbgrader.api as api

    from autograder.instructor.nbgrader_course import COURSE_ID, Course

    (tmp_path / "ours").mkdir()
    ours = Course(tmp_path / "ours")
    ours._new_gradebook()
    assert (ours.root / "gradebook.db").is_file()
    # nbgrader's child finds `alembic` on PATH, as Course.nbgrader arranges for nbgrader's commands
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    theirs = tmp_path / "theirs.db"
    with api.Gradebook(f"sqlite:///{theirs}", COURSE_ID):  # nbgrader's own way, child process included
        pass

    def shape(path):
        con = sqlite3.connect(path)
        try:
            tables = sorted(con.execute("select name, sql from sqlite_master where type='table'").fetchall())
            return tables, con.execute("select * from alembic_version").fetchall(), \
                sorted(con.execute("select id from course").fetchall())
        finally:
            con.close()

    assert shape(ours.root / "gradebook.db") == shape(theirs)
    with api.Gradebook(f"sqlite:///{ours.root / 'gradebook.db'}", COURSE_ID) as gb:
        gb.add_student("s1")
        assert [s.id for s in gb.students] == ["s1"]
