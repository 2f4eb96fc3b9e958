"""`course release lenet` + `nbgrader autograde` on one sample submission, for real.

Only `partial` (no training run: about 20 s); `make demo` grades every lenet sample
through nbgrader (measured: perfect 90, blank 0, partial 52, buggy 56, adversarial 6,
the same as the command line; see tests/fixtures/samples/lenet/README.md).
"""
from __future__ import annotations

import pytest

from tests import helpers_common as kit

pytestmark = pytest.mark.slow
graded = kit.nbgrader_fixture("lenet")


def test_partial_submission_scores_the_same_as_through_the_cli(graded):
    sample, res = graded
    kit.assert_nbgrader_score(sample, res, max_code=90, max_written=15)
    assert sample.expect["nbgrader"] == sample.expect["cli"]


def test_each_toy_answer_and_each_check_is_its_own_cell(graded):
    _, res = graded
    cells = res.cells
    assert cells["test_lenet_toy_q06"] == (1.0, 1.0) and cells["test_lenet_toy_q07"] == (0.0, 1.0)
    assert cells["test_lenet_pool_forward"] == (18.0, 18.0) and cells["test_lenet_pool_backward"] == (0.0, 18.0)
    assert cells["lenet-written-q9c_explanation"][1] == 3
