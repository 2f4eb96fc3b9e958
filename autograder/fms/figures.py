"""Figures of `fms`'s feedback (issue 27), drawn in the grader's process (``engine.figures``).

``fms.cnn_test_predictions``: the confusion matrix of ``predictions.csv`` against the hidden
test labels: counts only, never a frame.
"""
from __future__ import annotations

from autograder.engine import figures as F

TITLE = "confusion matrix of predictions.csv on the test frames"


def confusion(t, pred: dict, truth: dict, labels) -> bool:
    """``pred`` / ``truth``: frame Id -> movement name (validated by the check)."""
    index = {c: i for i, c in enumerate(labels)}

    def draw():
        ids = sorted(truth)
        return F.confusion_matrix([index.get(truth[i], -1) for i in ids], [index.get(pred.get(i), -1) for i in ids],
                                  list(labels), title=TITLE)

    return t.figure(TITLE, draw, alt=f"{TITLE}: counts of each true movement (rows) predicted as each (columns)")
