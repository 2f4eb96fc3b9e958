"""The training check and the prediction-file check of problem 4, through the engine.

The training harness runs on a small in-memory image set (eight classes: a bright
square at a class-specific place), so these tests need no generated data; the
calibrated thresholds on synthetic MDS189 are recorded in CARD.md and re-measured by
``python -m tests.fms.calibrate_cnn``. The prediction-file check is scored against a
small hidden-label file written here."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.fms import hidden_cnn as H

from .test_cnn_checks import fake_hidden_labels, grade, make_tree

CONSTANT = ("cnn.py", "        return self.head(self.features(x))\n",
            "        return self.head(self.features(x)) * 0 + self.head[-1].bias\n")


def _toy_images(y, rng, size=32):
    """Images of the labels ``y``: noise plus a bright square at a class-specific place."""
    X = rng.uniform(0, 0.3, (len(y), 3, size, size)).astype(np.float32)
    for i, c in enumerate(y):
        r, q = divmod(int(c), 4)
        X[i, c % 3, 4 + 12 * r:12 + 12 * r, 2 + 7 * q:8 + 7 * q] += 0.7
    return X


def _toy_fit_frames(rng, per_class):
    """``per_class`` toy images of every class (what ``load_fit_frames`` returns on MDS189)."""
    y = np.repeat(np.arange(8), per_class)
    return _toy_images(y, rng), y


@pytest.fixture
def toy_split(monkeypatch):
    monkeypatch.setattr(H, "load_fit_frames", _toy_fit_frames)
    monkeypatch.setattr(H, "CNN_TRAIN_KW", dict(num_steps=30, batch_size=32, lr=3e-3, lr_decay=1.0,
                                                decay_times=0, max_seconds=60.0, flip=False, standardize=True))
    monkeypatch.setattr(H, "_protect_secrets", lambda: None)


def test_reference_net_fits_the_frames(toy_split, tmp_path):
    r = grade(make_tree(tmp_path), [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "passed", r.message
    assert "your Net fitted to 32 training key frames: accuracy 1.000" in r.message, r.message


def test_constant_model_fails_with_hint(toy_split, tmp_path):
    r = grade(make_tree(tmp_path, [CONSTANT]), [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "failed", r.message
    assert "does not fit them" in r.message and "same class for every frame" in r.message, r.message


def test_probabilities_instead_of_scores_fail_and_are_named(toy_split, tmp_path):
    # the softmax inside forward keeps the loss (computed here from the returned scores) at or above
    # ln(1 + 7/e) = 1.27, over the 1.0 bar, however well the frames are separated
    tree = make_tree(tmp_path, [("cnn.py", "        return self.head(self.features(x))\n",
                                 "        return torch.softmax(self.head(self.features(x)), dim=1)\n")])
    r = grade(tree, [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "failed" and "returns probabilities" in r.message, r.message
    assert float(r.message.split("loss ")[1].split(" ")[0]) >= 1.27, r.message
    assert "ReLU" not in r.message


def test_a_net_that_does_not_learn_fails(toy_split, tmp_path):
    # the smallest learning rate TRAIN_SETTINGS admits: the loss hardly moves in the short run
    tree = make_tree(tmp_path, [("cnn.py", "TRAIN_SETTINGS: dict = {}", 'TRAIN_SETTINGS: dict = {"lr": 1e-5}')])
    r = grade(tree, [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "failed" and "does not fit them" in r.message, r.message
    assert "hardly decreased" in r.message, r.message


def test_the_students_train_settings_drive_the_run(toy_split, tmp_path):
    tree = make_tree(tmp_path, [("cnn.py", "TRAIN_SETTINGS: dict = {}",
                                 'TRAIN_SETTINGS: dict = {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "bogus": 1}')])
    r = grade(tree, [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert "TRAIN_SETTINGS {'lr': 0.05, 'momentum': 0.9, 'optimizer': 'sgd'}" in r.message, r.message


def test_blank_starter_training_check_errors_cleanly(toy_split, tmp_path):
    r = grade(make_tree(tmp_path, blank=True), [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "error" and r.score == 0 and "not implemented yet" in r.message, r.message


def test_wrong_output_shape_is_explained(toy_split, tmp_path):
    tree = make_tree(tmp_path, [("cnn.py", "nn.Linear(128, num_classes))", "nn.Linear(128, 10))")])
    r = grade(tree, [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "failed" and "shape (batch, 8)" in r.message, r.message


def test_probe_gets_training_frames_only_and_the_grader_judges(toy_split, tmp_path, monkeypatch):
    # the sandbox receives the fitted (training) frames and their labels, nothing else; the accuracy and
    # the loss are computed here from the scores that come back
    seen = []
    orig = H._train_in_sandbox

    def spy(t, X_train, y_train, X_pred, **kw):
        seen.append((X_train.shape, X_pred is X_train, sorted(kw)))
        out = orig(t, X_train, y_train, X_pred, **kw)
        out["scores"] = np.zeros_like(out["scores"])  # scores that know nothing: the check must fail
        return out

    monkeypatch.setattr(H, "_train_in_sandbox", spy)
    r = grade(make_tree(tmp_path), [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    (shape, same, keys), = seen
    assert shape == (32, 3, 32, 32) and same and keys == ["return_scores"]
    assert r.status == "failed" and "accuracy 0.125, loss 2.079" in r.message, r.message


# ----------------------------------------------------------------------------------
# predictions.csv
# ----------------------------------------------------------------------------------
LABELS = H.LABELS


@pytest.fixture
def hidden(tmp_path_factory, monkeypatch):
    return fake_hidden_labels(tmp_path_factory, monkeypatch, seed=1, n=300)


def _noisy(truth, keep=0.6, seed=2):
    rng = np.random.default_rng(seed)
    return {i: (c if rng.uniform() < keep else LABELS[int(rng.integers(0, 8))]) for i, c in truth.items()}


def _csv(pred, header="Id,Category"):
    return header + "\n" + "".join(f"{i},{c}\n" for i, c in pred.items())


def _grade_csv(tmp_path, text, where="raw"):
    tree = make_tree(tmp_path)
    if text is not None:
        target = (tmp_path / "raw" if where == "raw" else tree / "starter" / "fms") / H.PREDICTIONS_NAME
        target.write_text(text)
    return grade(tree, [H.cnn_test_predictions])["fms.cnn_test_predictions"]


@pytest.mark.parametrize("where", ["raw", "tree"])
def test_good_predictions_pass(hidden, tmp_path, where):
    r = _grade_csv(tmp_path, _csv(_noisy(hidden)), where)
    assert r.status == "passed", r.message
    assert "test-frame accuracy" in r.message


def test_reference_writer_output_is_accepted(hidden, tmp_path):
    # write_predictions' file goes through data.write_submission when data.py exists
    pred = _noisy(hidden)
    text = "\ufeff" + _csv(pred).replace("\n", "\r\n")  # BOM and CRLF (spreadsheet exports) are fine
    assert _grade_csv(tmp_path, text).status == "passed"


@pytest.mark.parametrize("mutate,needle", [
    (lambda t, p: _csv(p, "id,category"), "case-sensitive"),
    (lambda t, p: _csv(p, "Id,predicted_labels"), "exactly 'Id,Category'"),
    (lambda t, p: _csv(p).split("\n", 1)[1], "header line is missing"),
    (lambda t, p: _csv(dict(list(p.items())[:-3])), "have no prediction"),
    (lambda t, p: _csv({**p, 999: "squat"}), "not test frames"),
    (lambda t, p: _csv({i: c.capitalize() for i, c in p.items()}), "lower case"),
    (lambda t, p: _csv({i: str(LABELS.index(c)) for i, c in p.items()}), "not its class index"),
    (lambda t, p: _csv(p) + "1,squat\n", "appears twice"),
    (lambda t, p: _csv(p).replace("\n5,", "\nfive,"), "not an integer"),
    (lambda t, p: _csv({i: LABELS[(LABELS.index(c) + 1) % 8] for i, c in t.items()}), "below the required"),
    (lambda t, p: _csv({i: "squat" for i in t}), "Every frame is predicted as 'squat'"),
])
def test_bad_predictions_fail_with_clear_message(hidden, tmp_path, mutate, needle):
    r = _grade_csv(tmp_path, mutate(hidden, _noisy(hidden)))
    assert r.status == "failed" and r.score == 0, r.message
    assert needle in r.message, r.message


def test_missing_file_is_explained(hidden, tmp_path):
    r = _grade_csv(tmp_path, None)
    assert r.status == "failed" and "no predictions.csv" in r.message
