"""CIFAR-10 python batches: the reader on hand-made files in the real layout, and the synthetic writer."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from coursedata import cifar10


def _real_style_batch(path, X, y, str_keys=False):
    """A batch written like the real files (python-2 pickles loaded with bytes keys)."""
    rows = X.transpose(0, 3, 1, 2).reshape(len(X), -1)  # red plane, green plane, blue plane
    d = {b"batch_label": b"training batch 1 of 5", b"labels": list(map(int, y)), b"data": rows,
         b"filenames": [b"x.png"] * len(y)}
    if str_keys:
        d = {k.decode(): v for k, v in d.items()}
    with open(path, "wb") as fh:
        pickle.dump(d, fh, protocol=2)


@pytest.mark.parametrize("str_keys", [False, True])
def test_read_batch_channel_planes(tmp_path, str_keys):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    _real_style_batch(tmp_path / "b", X, [1, 2, 9], str_keys)
    Xr, yr = cifar10.read_batch(tmp_path / "b")
    assert Xr.dtype == np.uint8 and Xr.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(Xr, X)
    assert yr.dtype == np.int64 and list(yr) == [1, 2, 9]
    # the first 1024 values of a row are the red plane, row-major
    with open(tmp_path / "b", "rb") as fh:
        raw = pickle.load(fh, encoding="bytes")
    data = raw["data" if str_keys else b"data"]
    assert data[0, 0] == X[0, 0, 0, 0] and data[0, 1] == X[0, 0, 1, 0] and data[0, 1024] == X[0, 0, 0, 1]


def test_real_folder_is_read_and_never_overwritten(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-10-batches-py"
    Xtr = rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8)
    Xte = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    cifar10.write_batches(folder, Xtr, np.arange(10) % 10, Xte, np.array([3, 1, 4, 1]),
                          label_names=["airplane"] * 10, source=None)  # no marker: like the real set
    X_train, y_train, X_test, y_test = cifar10.load_cifar10(tmp_path)
    np.testing.assert_array_equal(X_train, Xtr)
    np.testing.assert_array_equal(y_test, [3, 1, 4, 1])
    assert cifar10.label_names(tmp_path)[0] == "airplane"
    assert len(X_test) == 4  # not replaced by a synthetic set


def test_synthetic_set_in_the_real_format(tmp_path):
    folder = cifar10.ensure(preset="small", root=tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"])
    X_train, y_train, X_test, y_test = cifar10.load_cifar10(tmp_path)
    assert X_train.shape == (2000, 32, 32, 3) and X_test.shape == (500, 32, 32, 3)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train, minlength=10).tolist() == [200] * 10
    assert cifar10.label_names(tmp_path) == cifar10.CLASS_NAMES
    # test images are not copies of training images
    assert not (X_test[:50, None] == X_train[None, :500]).all(axis=(2, 3, 4)).any()
    # not a trivial set: pixel values spread out, classes not identified by mean colour
    assert X_train.std() > 30
    means = np.stack([X_train[y_train == c].mean(axis=(0, 1, 2)) for c in range(10)])
    assert np.ptp(means, axis=0).max() < 25


def test_generation_is_deterministic():
    a, ya = cifar10.generate(40, seed=5)
    b, yb = cifar10.generate(40, seed=5)
    c, _ = cifar10.generate(40, seed=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert (a != c).any()


def test_stale_synthetic_set_is_rebuilt(tmp_path):
    folder = cifar10.ensure(preset="small", root=tmp_path)
    meta = cifar10.read_meta(folder)
    meta = {k.encode(): v for k, v in meta.items()}
    meta[b"coursedata_source"] = b"an older version"
    with open(folder / "batches.meta", "wb") as fh:
        pickle.dump(meta, fh, protocol=2)
    with open(folder / "test_batch", "rb") as fh:
        before = fh.read()
    cifar10.ensure(preset="small", root=tmp_path)
    assert cifar10.read_meta(folder)["coursedata_source"] == cifar10.SOURCE.encode()
    with open(folder / "test_batch", "rb") as fh:
        assert fh.read() == before  # same seed, same data
