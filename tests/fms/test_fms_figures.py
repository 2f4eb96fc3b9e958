"""fms's feedback figure: the confusion matrix of predictions.csv against the hidden test labels
(counts only, no frame), attached whether the file clears the bar or not."""
import numpy as np
import pytest

from autograder.fms import hidden_cnn as H
from tests.engine.figure_helpers import coloured

from .test_cnn_checks import fake_hidden_labels, grade, make_tree

LABELS = H.LABELS


@pytest.fixture
def hidden(tmp_path_factory, monkeypatch):
    return fake_hidden_labels(tmp_path_factory, monkeypatch, seed=3, n=200)


@pytest.mark.parametrize("keep", [1.0, 0.0])
def test_predictions_get_their_confusion_matrix(hidden, tmp_path, keep):
    rng = np.random.default_rng(4)
    pred = {i: (c if rng.uniform() < keep else LABELS[(LABELS.index(c) + 1) % 8]) for i, c in hidden.items()}
    tree = make_tree(tmp_path)
    (tmp_path / "raw" / H.PREDICTIONS_NAME).write_text("Id,Category\n" + "".join(f"{i},{c}\n" for i, c in pred.items()))
    r = grade(tree, [H.cnn_test_predictions])["fms.cnn_test_predictions"]
    assert r.status == ("passed" if keep else "failed"), r.message
    assert [f["title"] for f in r.figures] == ["confusion matrix of predictions.csv on the test frames"]
    assert coloured(r.figures[0], (0x08, 0x30, 0x6b), tol=60) > 0  # a full cell: dark blue
