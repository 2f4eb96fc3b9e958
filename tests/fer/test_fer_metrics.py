"""fer.cnn_metrics counts its expected values with numpy (``hidden_models._metrics``: the grader does
not import sklearn, about 1 s of a grading); they must be sklearn.metrics', which the handout names
and the reference ``evaluate_predictions`` calls, on every kind of case (absent classes, a class
never predicted, perfect and all-wrong predictions, a single example)."""
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score

from autograder.fer import hidden_models as H
from solutions.fer import cnn


def _cases():
    rng = np.random.default_rng(7)
    y, p = rng.integers(0, 7, 80), rng.integers(0, 7, 80)
    p[:40] = y[:40]
    y1, p1 = y.copy(), p.copy()
    y1[y1 == 1], p1[p1 == 1] = 2, 3
    y2, p2 = y.copy(), p.copy()
    p2[p2 == 5] = 0  # class 5 present, never predicted
    return [("random", y, p), ("class 1 absent", y1, p1), ("class 5 never predicted", y2, p2),
            ("perfect", y, y.copy()), ("all wrong", y, (y + 1) % 7), ("one example", np.array([4]), np.array([1])),
            ("two classes only", np.array([0, 0, 6, 6]), np.array([0, 6, 6, 6]))]


@pytest.mark.parametrize("name,y,p", _cases(), ids=[c[0] for c in _cases()])
def test_numpy_metrics_are_sklearns(name, y, p):
    labels = list(range(7))
    got = H._metrics(y, p)
    np.testing.assert_array_equal(got["confusion"], confusion_matrix(y, p, labels=labels))
    assert got["classification_rate"] == pytest.approx(accuracy_score(y, p))
    for key, score in (("f1", f1_score), ("precision", precision_score), ("recall", recall_score)):
        np.testing.assert_allclose(got[key], score(y, p, labels=labels, average=None, zero_division=0), err_msg=key)
    assert got["f1"].mean() == pytest.approx(f1_score(y, p, labels=labels, average="macro", zero_division=0))
    ref = cnn.evaluate_predictions(y, p)  # the reference solution (sklearn) agrees
    np.testing.assert_array_equal(got["confusion"], ref["confusion"])
    np.testing.assert_allclose(got["f1"], ref["f1"])
