"""Baselines of the dataset card: the mean pose and a linear (ridge) regression from the
pixels of each frame, scored by MPJPE on the validation and the hidden clips.

    python -m coursedata.h36m.baselines [--root DIR]
"""
from __future__ import annotations

import argparse

import numpy as np

from . import default_dir, load_clips


def mpjpe_mm(y, pred) -> float:
    return float(np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(y, np.float64), axis=-1).mean() * 1000)


def _features(videos, pool: int = 2):
    """Per-frame features: the frame average-pooled by ``pool``, in [0, 1], plus a constant."""
    v = np.asarray(videos, np.float32) / 255.0
    N, T, H, W, C = v.shape
    v = v.reshape(N * T, H // pool, pool, W // pool, pool, C).mean(axis=(2, 4)).reshape(N * T, -1)
    return np.concatenate([v, np.ones((N * T, 1), np.float32)], axis=1)


def ridge(train_videos, train_joints, alpha: float = 10.0, pool: int = 2):
    """Fit a per-frame linear map pixels -> 51 joint coordinates; returns a predict function."""
    X = _features(train_videos, pool).astype(np.float64)
    Y = np.asarray(train_joints, np.float64).reshape(len(X), -1)
    W = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ Y)

    def predict(videos):
        N, T = np.shape(videos)[:2]
        return (_features(videos, pool) @ W).reshape(N, T, -1, 3)

    return predict


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=None)
    a = ap.parse_args(argv)
    root = a.root or default_dir()
    Xtr, Ytr = load_clips("train", root)
    mean = np.asarray(Ytr).mean(axis=0)
    splits = {}  # the held-out splits present under root
    for split in ("valid", "test"):
        try:
            splits[split] = load_clips(split, root)
        except FileNotFoundError:
            continue
    for split, (X, Y) in splits.items():
        print(f"{split}: mean pose {mpjpe_mm(Y, np.broadcast_to(mean, Y.shape)):.1f} mm")
    for alpha in (1.0, 10.0, 100.0):
        pred = ridge(Xtr, Ytr, alpha)
        for split, (X, Y) in splits.items():
            print(f"{split}: ridge on 16x16 pixels (alpha {alpha:g}) {mpjpe_mm(Y, pred(X)):.1f} mm")


if __name__ == "__main__":
    main()
