"""fms: the handout gives no points, so the suite's points per part are pinned to the project's
choice (``HANDOUT_POINTS`` in autograder/fms/__init__.py); there is no extra credit."""
from autograder.engine import load_suite
from autograder.fms import EXTRA_CREDIT, HANDOUT_POINTS
from tests.engine.points import points_per_part


def test_points_per_part_are_the_declared_ones():
    assert points_per_part("fms") == HANDOUT_POINTS
    assert sum(HANDOUT_POINTS.values()) == 108
    assert EXTRA_CREDIT == {} and load_suite("fms").extra_credit == ()
