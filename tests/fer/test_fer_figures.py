"""fer's feedback figures: the confusion matrix of each saved model on the private faces, counts
only (the grader's predictions from the model file against the private labels; no face)."""
import numpy as np

from autograder.fer import figures

from tests.engine.figure_helpers import FigureSink, coloured
from .helpers import grade, make_tree


def test_the_saved_models_get_their_confusion_matrix(tmp_path):
    res = grade(make_tree(tmp_path), ids=["fer.fer_model", "fer.cnn_model"])
    for cid, model in (("fer.fer_model", "saved FC model"), ("fer.cnn_model", "saved CNN")):
        r = res[cid]
        assert r.status == "passed", (cid, r.message)
        assert [f["title"] for f in r.figures] == [f"confusion matrix of your {model} on the private test faces"]
        assert coloured(r.figures[0], (0x08, 0x30, 0x6b), tol=60) > 0  # the diagonal's dark blue


def test_a_confusion_figure_is_made_of_labels_only():
    t = FigureSink()
    rng = np.random.default_rng(0)
    assert figures.confusion(t, rng.integers(0, 7, 600), rng.integers(0, 7, 600), model="saved CNN")
    faces = rng.integers(0, 255, (60, 48, 48))  # images where labels belong: refused, no figure
    assert not figures.confusion(t, rng.integers(0, 7, 60), faces, model="saved CNN")
    assert len(t.figures) == 1 and "dimensions" in t.figure_log[0]
