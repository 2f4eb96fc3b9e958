"""lenet.train's feedback figure: the cost of each step of the grader's run of the student's
layers (public training rows only), attached when training passes and when it diverges.

Marked slow: each graded run trains LeNet in the sandbox (the diverging one stops early)."""
import pytest

from autograder.lenet import figures
from tests.engine.figure_helpers import FigureSink, coloured

from .helpers import grade, make_tree

pytestmark = pytest.mark.slow


def test_the_training_run_gets_its_learning_curve(tmp_path):
    r = grade(make_tree(tmp_path), ids=["lenet.train"])["lenet.train"]
    assert r.status == "passed", r.message
    assert [f["title"] for f in r.figures] == [figures.TITLE]
    assert coloured(r.figures[0], (0x2a, 0x62, 0xb0)) > 50


def test_a_diverging_run_still_shows_its_curve(tmp_path):
    tree = make_tree(tmp_path, [("cnn_lenet.py", '{"w": w - inc_w, "b": b - inc_b}', '{"w": w + inc_w, "b": b + inc_b}')])
    r = grade(tree, ids=["lenet.train"])["lenet.train"]
    assert r.status == "failed" and len(r.figures) == 1, (r.status, r.log)


def test_no_losses_no_figure():
    t = FigureSink()
    assert figures.training_curve(t, {"params": []}, steps=100) is False and t.figures == []
