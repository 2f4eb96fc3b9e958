"""MNIST in the mnist_all.mat layout: the embedded subset's conversion and the loader."""
import numpy as np
import pytest
import scipy.io

import coursedata.mnist as cm
from coursedata.paths import data_root
from solutions.lenet.utils import load_mnist


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_DATA", str(tmp_path))
    return tmp_path


def test_data_root_follows_the_environment(data_dir):
    assert data_root() == data_dir
    assert cm.mnist_all_path() == data_dir / "mnist" / "mnist_all.mat"


def test_subset_is_written_in_the_real_layout(data_dir):
    path = cm.ensure_mnist_all()
    mat = scipy.io.loadmat(str(path))
    for d in range(10):
        assert mat[f"train{d}"].shape == (2000, 784) and mat[f"train{d}"].dtype == np.uint8
        assert mat[f"test{d}"].shape == (100, 784) and mat[f"test{d}"].dtype == np.uint8
    # deterministic: a second build gives identical arrays, and train/test do not overlap
    again = cm.subset_arrays()
    for d in range(10):
        assert np.array_equal(again[f"train{d}"], mat[f"train{d}"])
        rows = {r.tobytes() for r in mat[f"train{d}"]}
        assert not any(r.tobytes() in rows for r in mat[f"test{d}"])
    # rows 400-799 are the 400 originals moved up by one pixel
    orig = mat["train3"][:400].reshape(-1, 28, 28)
    up = mat["train3"][400:800].reshape(-1, 28, 28)
    assert np.array_equal(up[:, :-1], orig[:, 1:]) and not up[:, -1].any()


def test_file_from_an_older_converter_is_rebuilt(data_dir):
    path = cm.mnist_all_path()
    path.parent.mkdir(parents=True)
    old = {f"{s}{d}": np.zeros((3, 784), np.uint8) for s in ("train", "test") for d in range(10)}
    old["coursedata_source"] = "an older version"
    scipy.io.savemat(str(path), old)
    cm.ensure_mnist_all()
    assert cm.read_mnist_all()["train0"].shape == (2000, 784)


def test_existing_file_is_used_unchanged(data_dir):
    path = cm.mnist_all_path()
    path.parent.mkdir(parents=True)
    fake = {f"{s}{d}": np.full((3 if s == "train" else 2, 784), d, np.uint8) for s in ("train", "test") for d in range(10)}
    scipy.io.savemat(str(path), fake)
    before = path.read_bytes()
    assert cm.ensure_mnist_all() == path and path.read_bytes() == before
    assert cm.read_mnist_all()["train7"].shape == (3, 784)


def test_load_mnist_splits_and_scaling(data_dir):
    xtrain, ytrain, xval, yval, xtest, ytest = load_mnist(True)
    assert xtrain.shape == (784, 17500) and xval.shape == (784, 2500) and xtest.shape == (784, 1000)
    assert ytrain.shape == (17500,) and yval.shape == (2500,) and ytest.shape == (1000,)
    assert xtrain.dtype == np.float64 and 0.0 <= xtrain.min() and xtrain.max() <= 1.0 and xtrain.max() > 0.99
    assert set(np.unique(ytrain)) == set(range(10))
    assert np.bincount(ytest).tolist() == [100] * 10
    small = load_mnist(False)
    assert [a.shape[-1] for a in small] == [8750, 8750, 1250, 1250, 500, 500]
    # the same seed gives the same split
    assert np.array_equal(load_mnist(True)[1], ytrain)
    # images are row-major 28x28: the digit's mass sits in the middle rows and columns
    img = xtrain[:, 0].reshape(28, 28)
    assert img[:3].sum() == 0 and img[10:18, 10:18].sum() > 0


def test_load_mnist_reads_a_real_size_file(tmp_path):
    arrays = {}
    for d in range(10):  # constant images compress well: the file stays small
        arrays[f"train{d}"] = np.full((2100, 784), 10 * d, dtype=np.uint8)
        arrays[f"test{d}"] = np.full((100, 784), 10 * d, dtype=np.uint8)
    path = tmp_path / "mnist_all.mat"
    scipy.io.savemat(str(path), arrays, do_compression=True)
    full = load_mnist(True, path=path)
    assert [a.shape[-1] for a in full] == [18375, 18375, 2625, 2625, 1000, 1000]
    small = load_mnist(False, path=path)  # 1/20, as in the original homework
    assert [a.shape[-1] for a in small] == [919, 919, 131, 131, 50, 50]
