"""lenet: the suite's points per part are the handout's (10-601 HW7: 100 points), plus the
project's 5 for the training run ("5.5", no points in the handout); no extra credit."""
from autograder.engine import load_suite
from autograder.lenet import EXTRA_CREDIT, HANDOUT_POINTS, PROJECT_POINTS
from tests.engine.points import points_per_part


def test_points_per_part_are_the_handouts():
    # section 3 QnA [12 points]; Q1 [20] Q2 [3] Q3 [10] Q4 [20] Q5 [3] Q6 [10] Q7 [7]; Q8 [5];
    # Q9 (a) [2] (b) [2] (c) [3]; Q10 [3]
    assert HANDOUT_POINTS == {"QnA": 12, "Q1": 20, "Q2": 3, "Q3": 10, "Q4": 20, "Q5": 3, "Q6": 10, "Q7": 7,
                              "Q8": 5, "Q9": 7, "Q10": 3}
    assert sum(HANDOUT_POINTS.values()) == 100
    assert points_per_part("lenet") == {**HANDOUT_POINTS, **PROJECT_POINTS}
    assert PROJECT_POINTS == {"5.5": 5}
    assert EXTRA_CREDIT == {} and load_suite("lenet").extra_credit == ()
