"""`course release nist36` + `nbgrader autograde` on the `partial` sample, for real
(the notebook runs in its short autograding mode; the stubs' cells fail and the rest goes on)."""
from __future__ import annotations

import pytest

from autograder.instructor.nbgrader_course import Course
from autograder.instructor.pipeline import grade_nbgrader
from autograder.instructor.release import release
from autograder.instructor.samples import load_samples

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    release("nist36", root)
    samples = [s for s in load_samples("nist36") if s.name == "partial"]
    return samples[0], grade_nbgrader(Course(root), "nist36", samples, tmp_path_factory.mktemp("nb"), feedback=False)


def test_partial_submission_through_nbgrader(graded):
    sample, res = graded
    score = res["partial"].score
    assert score.code_score == sample.expect["nbgrader"]
    assert score.max_code_score == 96 and score.max_written_score == 79
    cells = res["partial"].cells
    assert cells["test_nist36_forward"] == (3.0, 3.0) and cells["test_nist36_backwards"] == (0.0, 7.0)
