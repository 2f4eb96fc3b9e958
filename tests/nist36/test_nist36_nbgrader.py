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
    # extra credit apart: Q5's graded cells carry 0 points (81 = the suite's autograded maximum);
    # the written answers keep theirs (49 regular + Q5.2, Q5.3.1 and Q6.3's 30 of extra credit)
    assert score.max_code_score == 81 and score.max_written_score == 79
    cells = res["partial"].cells
    assert cells["test_nist36_forward"] == (3.0, 3.0) and cells["test_nist36_backwards"] == (0.0, 7.0)
