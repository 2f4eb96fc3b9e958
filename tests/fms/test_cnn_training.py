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


def _toy_images(n, rng, size=32):
    y = rng.integers(0, 8, n)
    X = rng.uniform(0, 0.3, (n, 3, size, size)).astype(np.float32)
    for i, c in enumerate(y):
        r, q = divmod(int(c), 4)
        X[i, c % 3, 4 + 12 * r:12 + 12 * r, 2 + 7 * q:8 + 7 * q] += 0.7
    return X, y


@pytest.fixture
def toy_split(monkeypatch):
    rng = np.random.default_rng(0)
    X_train, y_train = _toy_images(400, rng)
    X_val, y_val = _toy_images(160, rng)
    monkeypatch.setattr(H, "load_keyframe_split", lambda: (X_train, y_train, X_val, y_val))
    monkeypatch.setattr(H, "KEYFRAME_THRESHOLD", 0.6)
    monkeypatch.setattr(H, "CNN_TRAIN_KW", dict(num_steps=120, batch_size=32, lr=3e-3, lr_decay=1.0,
                                                decay_times=1, max_seconds=60.0, flip=False, standardize=True))
    monkeypatch.setattr(H, "_protect_secrets", lambda: None)


def test_reference_net_trains_above_threshold(toy_split, tmp_path):
    r = grade(make_tree(tmp_path), [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "passed", r.message
    assert "validation key-frame accuracy of your Net" in r.message


def test_constant_model_fails_with_hint(toy_split, tmp_path):
    r = grade(make_tree(tmp_path, [CONSTANT]), [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "failed", r.message
    assert "same class for every frame" in r.message


def test_probabilities_instead_of_scores_are_named(toy_split, tmp_path, monkeypatch):
    monkeypatch.setattr(H, "KEYFRAME_THRESHOLD", 1.01)  # fail whatever the accuracy: the hint is tested
    tree = make_tree(tmp_path, [("cnn.py", "        return self.head(self.features(x))\n",
                                 "        return torch.softmax(self.head(self.features(x)), dim=1)\n")])
    r = grade(tree, [H.cnn_keyframe_accuracy])["fms.cnn_keyframe_accuracy"]
    assert r.status == "failed" and "returns probabilities" in r.message, r.message
    assert "ReLU" not in r.message


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


def test_probe_never_receives_validation_labels(toy_split, tmp_path, monkeypatch):
    seen = []
    orig = H._train_in_sandbox

    def spy(t, X_train, y_train, X_pred, **kw):
        seen.append((X_pred.shape, sorted(kw)))
        return orig(t, X_train, y_train, X_pred, **kw)

    monkeypatch.setattr(H, "_train_in_sandbox", spy)
    grade(make_tree(tmp_path), [H.cnn_keyframe_accuracy])
    (shape, keys), = seen
    assert shape == (160, 3, 32, 32) and not any("val" in k or "label" in k for k in keys)


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
