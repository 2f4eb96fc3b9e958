"""Figures of `fer`'s feedback (issue 27), drawn in the grader's process (``engine.figures``).

``fer.fer_model`` / ``fer.cnn_model``: the confusion matrix of the handed-in model on the
private test faces: counts only (the grader's predictions from the model file against the
private labels), never a face.
"""
from __future__ import annotations

from autograder.engine import figures as F

EMOTIONS = ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")  # coursedata.fer2013's order


def confusion(t, y_true, y_pred, *, model: str) -> bool:
    title = f"confusion matrix of your {model} on the private test faces"
    return t.figure(title, lambda: F.confusion_matrix(y_true, y_pred, EMOTIONS, title=title),
                    alt=f"{title}: counts of each true emotion (rows) predicted as each emotion (columns)")
