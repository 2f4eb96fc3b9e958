"""pose: the handout gives no points, so the suite's points per part are pinned to the project's
choice (``HANDOUT_POINTS`` in autograder/pose/__init__.py); there is no extra credit."""
from autograder.engine import load_suite
from autograder.pose import EXTRA_CREDIT, HANDOUT_POINTS
from tests.engine.points import points_per_part


def test_points_per_part_are_the_declared_ones():
    assert points_per_part("pose") == HANDOUT_POINTS
    assert sum(HANDOUT_POINTS.values()) == 49
    assert EXTRA_CREDIT == {} and load_suite("pose").extra_credit == ()
