"""`course release nist36` + `nbgrader autograde` on the `partial` sample, for real
(the notebook runs in its short autograding mode; the stubs' cells fail and the rest goes on)."""
from __future__ import annotations

import pytest

from tests import helpers_common as kit

pytestmark = pytest.mark.slow
graded = kit.nbgrader_fixture("nist36")


def test_partial_submission_through_nbgrader(graded):
    sample, res = graded
    # extra credit apart: Q5's graded cells carry 0 points (81 = the suite's autograded maximum);
    # the written answers keep theirs (49 regular + Q5.2, Q5.3.1 and Q6.3's 30 of extra credit)
    kit.assert_nbgrader_score(sample, res, max_code=81, max_written=79)
    cells = res.cells
    assert cells["test_nist36_forward"] == (3.0, 3.0) and cells["test_nist36_backwards"] == (0.0, 7.0)
