"""The training-threshold check of problem 2.2 through the engine.

The harness is exercised on a small in-memory dataset (so the test needs no
generated data); the calibrated threshold on the synthetic MDS189 poses is tested
when that data exists (``python -m coursedata.mds189``)."""
import numpy as np
import pytest

from autograder.fms import hidden

from .helpers import grade, make_tree

CHECK = "fms.two_layer_pose_accuracy"


def _toy_split(seed=0, D=75, C=8):
    """Classes that a linear model cannot separate well but a small MLP can: the
    label depends on the sign pattern of three random projections (an XOR)."""
    rng = np.random.default_rng(seed)
    P = rng.standard_normal((D, 3))

    def draw(n):
        X = rng.standard_normal((n, D))
        bits = (X @ P > 0).astype(int)
        return X, bits[:, 0] * 4 + bits[:, 1] * 2 + bits[:, 2]

    X_train, y_train = draw(2000)
    X_val, y_val = draw(400)
    return X_train, y_train, X_val, y_val


@pytest.fixture
def toy_data(monkeypatch):
    split = _toy_split()
    monkeypatch.setattr(hidden, "load_pose_split", lambda: split)
    monkeypatch.setattr(hidden, "POSE_THRESHOLD", 0.6)
    monkeypatch.setattr(hidden, "POSE_TRAIN_KW", dict(hidden_dim=100, weight_scale=1e-1, reg=1e-4,
                                                      learning_rate=0.1, lr_decay=0.97,
                                                      batch_size=64, num_epochs=15))
    return split


def test_reference_clears_threshold_on_toy_data(toy_data, tmp_path):
    r = grade(make_tree(tmp_path), [CHECK])[CHECK]
    assert r.status == "passed", r.message
    assert "validation accuracy of your two-layer net" in r.message


def test_broken_backward_fails_threshold_with_hint(toy_data, tmp_path):
    # the ReLU gradient is cut everywhere: only the last layer learns (a linear model
    # on fixed random features), and the loss hardly moves
    tree = make_tree(tmp_path, [("layers.py", "dx = dout * (x > 0)", "dx = 0 * dout")])
    r = grade(tree, [CHECK])[CHECK]
    assert r.status == "failed", r.message
    assert "below the required" in r.message


def test_nan_training_gets_stability_hint(toy_data, tmp_path):
    tree = make_tree(tmp_path, [("layers.py", "    dx /= n\n", "    dx *= 1e8\n")])
    r = grade(tree, [CHECK])[CHECK]
    assert r.status == "failed" and "NaN" in r.message, r.message


@pytest.mark.slow
def test_calibrated_threshold_on_synthetic_poses(tmp_path):
    """On the embedded synthetic MDS189 (generated on first use, about a minute)."""
    from solutions.fms.data import ensure_data

    ensure_data(quiet=True)
    ok = grade(make_tree(tmp_path / "ref"), [CHECK])[CHECK]
    assert ok.status == "passed", ok.message
    broken = make_tree(tmp_path / "broken", [("layers.py", "dx = dout * (x > 0)", "dx = dout * (dout > 0)")])
    bad = grade(broken, [CHECK])[CHECK]
    assert bad.status == "failed", bad.message
