"""Data for the homework: CIFAR-10 (provided loader) and FER-2013 (Q5: your loader).

Both come from ``coursedata`` (``coursedata.cifar10``, ``coursedata.fer2013``), which
reads the real files when they are in place and otherwise writes the synthetic
default sets in the same formats (see ``datasets/cifar10/CARD.md`` and
``datasets/fer2013/CARD.md``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["get_CIFAR10_data", "get_FER2013_data", "preprocess_faces", "list_images", "load_image_folder"]

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".pgm")


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True, root=None):
    """CIFAR-10 as a dict of float32 arrays ready for the FC net.

    ``X_train`` (num_training, 3, 32, 32), ``y_train`` (num_training,), ``X_val``,
    ``y_val`` (num_validation examples taken right after the training ones), ``X_test``,
    ``y_test`` (the first num_test test images), and ``mean`` (3, 32, 32), the mean training
    image subtracted from every split (zeros without ``subtract_mean``). Pixel values are 0-255.
    When the training set is smaller than ``num_training + num_validation`` (the synthetic
    default has 10,000 images) ``num_training`` is reduced to what is left after the
    validation split.
    """
    from coursedata.cifar10 import load_cifar10

    X_train, y_train, X_test, y_test = load_cifar10(root)
    if num_training + num_validation > len(X_train):
        num_training = len(X_train) - num_validation
    X_val = X_train[num_training:num_training + num_validation]
    y_val = y_train[num_training:num_training + num_validation]
    X_train, y_train = X_train[:num_training], y_train[:num_training]
    X_test, y_test = X_test[:num_test], y_test[:num_test]
    mean = X_train.astype(np.float32).mean(axis=0) if subtract_mean else np.zeros((32, 32, 3), np.float32)
    out = {"mean": np.ascontiguousarray(mean.transpose(2, 0, 1))}
    for name, X, y in (("train", X_train, y_train), ("val", X_val, y_val), ("test", X_test, y_test)):
        Xf = X.astype(np.float32) - mean
        out[f"X_{name}"] = np.ascontiguousarray(Xf.transpose(0, 3, 1, 2))
        out[f"y_{name}"] = y.astype(np.int64)
    return out


def preprocess_faces(X, mean):
    """uint8 faces (N, 48, 48) -> float32 (N, 48, 48): ``X / 255 - mean`` (mean (48, 48) or a scalar)."""
    return (np.asarray(X, dtype=np.float32) / 255.0 - np.asarray(mean, dtype=np.float32)).astype(np.float32)


def list_images(img_folder):
    """Image files under ``img_folder`` (any depth) as sorted relative POSIX paths: the order of
    ``load_image_folder`` and of the predictions of ``test_fer_model`` / ``test_cnn_model``."""
    from pathlib import Path

    root = Path(img_folder)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() in IMAGE_EXTS)


def load_image_folder(img_folder):
    """``(X, names)``: every image under ``img_folder`` as uint8 (N, 48, 48) grey values, in
    ``list_images`` order (colour images are converted to grey, other sizes resized to 48x48)."""
    from pathlib import Path

    from PIL import Image

    names = list_images(img_folder)
    out = np.zeros((len(names), 48, 48), dtype=np.uint8)
    for i, name in enumerate(names):
        with Image.open(Path(img_folder) / name) as im:
            im = im.convert("L")
            if im.size != (48, 48):
                im = im.resize((48, 48), Image.BILINEAR)
            out[i] = np.asarray(im, dtype=np.uint8)
    return out, names


def get_FER2013_data(path=None, subtract_mean=True):
    """Read ``fer2013.csv`` (header ``emotion,pixels,Usage``) into memory.

    ``path``: the csv file; None means ``coursedata.fer2013.ensure()`` (the default file,
    written first if missing). Rows with Usage ``Training`` form the training set,
    ``PublicTest`` the validation set and ``PrivateTest`` the test set, each in file order.

    Returns a dict: ``X_train``, ``X_val``, ``X_test`` float32 (N, 48, 48) equal to
    ``preprocess_faces(pixels, mean)``; ``y_train``, ``y_val``, ``y_test`` int64 (N,);
    ``mean`` float32 (48, 48): the mean of the training images scaled to [0, 1]
    (``pixels / 255``), or zeros when ``subtract_mean`` is False.
    """
    if path is None:
        from coursedata.fer2013 import ensure

        path = ensure()
    # TODO: parse the csv (the pixels field holds 2304 numbers separated by spaces), split by
    # Usage, compute the training mean, preprocess every split with preprocess_faces.
    # BEGIN SOLUTION
    import csv

    split_of = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader)]
        ie, ip, iu = header.index("emotion"), header.index("pixels"), header.index("Usage")
        rows = [r for r in reader if r]
    # one parse of every pixel string at once (a np.array per row takes twice as long)
    pixels = np.fromstring(" ".join(r[ip] for r in rows), dtype=np.uint8, sep=" ")
    if pixels.size != len(rows) * 48 * 48:
        raise ValueError(f"{path}: {pixels.size} pixel values for {len(rows)} rows, expected 2304 per row")
    pixels = pixels.reshape(len(rows), 48, 48)
    usage = np.array([split_of[r[iu].strip()] for r in rows])
    labels = np.array([int(r[ie]) for r in rows], dtype=np.int64)
    raw = {k: pixels[usage == k] for k in split_of.values()}
    if subtract_mean:
        mean = (raw["train"].astype(np.float64) / 255.0).mean(axis=0).astype(np.float32)
    else:
        mean = np.zeros((48, 48), np.float32)
    data = {"mean": mean}
    for k in ("train", "val", "test"):
        data[f"X_{k}"] = preprocess_faces(raw[k], mean)
        data[f"y_{k}"] = labels[usage == k]
    # END SOLUTION
    return data
