"""Calibrate ``hidden.POSE_THRESHOLD`` (problem 2.2: two-layer net on raw poses).

    .venv/bin/python -m tests.fms.calibrate_pose [--root DATA/mds189] [--seeds 5]

Grades the reference and a few broken implementations with the real engine (the
threshold check's harness, in the sandbox) over several run seeds, and prints the
validation accuracies plus two simple baselines computed here (majority class and a
linear softmax classifier on the same features). Record the numbers in
``hidden.CALIBRATION`` and set the threshold between the broken scores and the
reference's minimum.
"""
import argparse
import tempfile
from pathlib import Path

import numpy as np

from autograder.fms import hidden

CHECK = "fms.two_layer_pose_accuracy"

# realistic broken implementations: (name, patches) on the reference
BROKEN = {
    "no ReLU gradient (dx = 0)": [("layers.py", "dx = dout * (x > 0)", "dx = 0 * dout")],
    "ReLU mask from dout": [("layers.py", "dx = dout * (x > 0)", "dx = dout * (dout > 0)")],
    "dw transposed sign error (dw = -dw)": [("layers.py", "dw = x_flat.T @ dout", "dw = -(x_flat.T @ dout)")],
}


def load(root):
    return hidden.load_pose_split(root), "solutions.fms.data.load_pose_data"


def linear_baseline(X_train, y_train, X_val, y_val, seeds=3):
    """Best validation accuracy of softmax regression (the net with no hidden layer)."""
    from solutions.fms import layers

    mu, sd = X_train.mean(0), X_train.std(0) + 1e-8
    A, B = (X_train - mu) / sd, (X_val - mu) / sd
    C = int(y_train.max()) + 1
    best = 0.0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        W, b = 0.01 * rng.standard_normal((A.shape[1], C)), np.zeros(C)
        for it in range(3000):
            idx = rng.choice(len(A), 128)
            out, cache = layers.affine_forward(A[idx], W, b)
            _, dout = layers.softmax_loss(out, y_train[idx])
            _, dW, db = layers.affine_backward(dout, cache)
            W -= 0.05 * (dW + 1e-4 * W)
            b -= 0.05 * db
        best = max(best, float(np.mean(np.argmax(B @ W + b, 1) == y_val)))
    return best


def main(argv=None):
    from .helpers import grade, make_tree

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=None, help="MDS189 folder (default: data_root()/mds189)")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=None, help="another num_epochs than POSE_TRAIN_KW's")
    ap.add_argument("--lr-decay", type=float, default=None, help="another lr_decay than POSE_TRAIN_KW's")
    a = ap.parse_args(argv)
    if a.epochs is not None:
        hidden.POSE_TRAIN_KW["num_epochs"] = a.epochs
    if a.lr_decay is not None:
        hidden.POSE_TRAIN_KW["lr_decay"] = a.lr_decay
    print(f"settings: {hidden.POSE_TRAIN_KW}")
    if a.root is None:
        from coursedata.paths import data_root
        a.root = data_root() / "mds189"
    split, how = load(a.root)
    X_train, y_train, X_val, y_val = split
    print(f"data: {a.root} via {how}: train {X_train.shape}, val {X_val.shape}")
    hidden.load_pose_split = lambda: split
    hidden.POSE_THRESHOLD = 1.1          # never passes: we only want the measured accuracy
    counts = np.bincount(y_val, minlength=8)
    print(f"majority-class baseline: {counts.max() / counts.sum():.3f}")
    print(f"linear softmax baseline (standardised features): "
          f"{linear_baseline(X_train, y_train, X_val, y_val):.3f}")

    def scores(patches):
        out = []
        for seed in range(a.seeds):
            with tempfile.TemporaryDirectory() as tmp:
                r = grade(make_tree(Path(tmp), patches), [CHECK], seed=seed)[CHECK]
            acc = [ln for ln in r.message.splitlines() if ln.startswith("validation accuracy of your")]
            out.append(float(acc[0].split(":")[1].split("(")[0]) if acc else float("nan"))
        return out

    ref = scores([])
    print(f"reference over {a.seeds} seeds: {ref} (min {min(ref):.3f}, mean {np.mean(ref):.3f})")
    for name, patches in BROKEN.items():
        s = scores(patches)
        print(f"broken, {name}: {s} (max {max(s):.3f})")


if __name__ == "__main__":
    main()
