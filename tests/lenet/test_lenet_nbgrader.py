"""`course release lenet` + `nbgrader autograde` on one sample submission, for real.

Only `partial` (no training run: about 20 s); `make demo` grades every lenet sample
through nbgrader (measured: perfect 90, blank 0, partial 52, buggy 56, adversarial 6,
the same as the command line; see tests/fixtures/samples/lenet/README.md).
"""
from __future__ import annotations

import pytest

from autograder.instructor.pipeline import grade_nbgrader
from autograder.instructor.release import release
from autograder.instructor.nbgrader_course import Course
from autograder.instructor.samples import load_samples

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    release("lenet", root)
    samples = [s for s in load_samples("lenet") if s.name == "partial"]
    return samples[0], grade_nbgrader(Course(root), "lenet", samples, tmp_path_factory.mktemp("nb"), feedback=False)


def test_partial_submission_scores_the_same_as_through_the_cli(graded):
    sample, res = graded
    score = res["partial"].score
    assert score.code_score == sample.expect["nbgrader"] == sample.expect["cli"]
    assert score.max_code_score == 90 and score.max_written_score == 15


def test_each_toy_answer_and_each_check_is_its_own_cell(graded):
    _, res = graded
    cells = res["partial"].cells
    assert cells["test_lenet_toy_q06"] == (1.0, 1.0) and cells["test_lenet_toy_q07"] == (0.0, 1.0)
    assert cells["test_lenet_pool_forward"] == (18.0, 18.0) and cells["test_lenet_pool_backward"] == (0.0, 18.0)
    assert cells["lenet-written-q9c_explanation"][1] == 3
