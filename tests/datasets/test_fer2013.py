"""FER-2013: the csv and image-folder readers on small files in the real layouts, and the face generator."""
from __future__ import annotations

import numpy as np
import pytest

from coursedata import fer2013
from coursedata.fer2013.faces import EMOTIONS, FER_PRIORS, render_faces


def _write_kaggle_csv(path, rows):
    """A file like Kaggle's fer2013.csv (header, label, space-separated pixels, Usage)."""
    with open(path, "w") as fh:
        fh.write("emotion,pixels,Usage\n")
        for emo, pix, usage in rows:
            fh.write(f"{emo},{' '.join(str(int(v)) for v in pix.ravel())},{usage}\n")


def test_read_csv_real_layout(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (5, 48, 48), dtype=np.uint8)
    rows = [(0, imgs[0], "Training"), (6, imgs[1], "PrivateTest"), (3, imgs[2], "Training"),
            (5, imgs[3], "PublicTest"), (1, imgs[4], "Training")]
    _write_kaggle_csv(tmp_path / "fer2013.csv", rows)
    out = fer2013.read_csv(tmp_path / "fer2013.csv")
    assert set(out) == {"Training", "PublicTest", "PrivateTest"}
    X, y = out["Training"]
    assert X.dtype == np.uint8 and X.shape == (3, 48, 48) and y.dtype == np.int64
    np.testing.assert_array_equal(X, imgs[[0, 2, 4]])  # file order, row-major pixels
    assert y.tolist() == [0, 3, 1]
    np.testing.assert_array_equal(out["PrivateTest"][0][0], imgs[1])


def test_read_csv_rejects_a_short_row(tmp_path):
    (tmp_path / "bad.csv").write_text("emotion,pixels,Usage\n3,1 2 3,Training\n")
    with pytest.raises(ValueError, match="2304"):
        fer2013.read_csv(tmp_path / "bad.csv")


def test_image_folder_with_labels_file(tmp_path):
    rng = np.random.default_rng(1)
    train = rng.integers(0, 256, (4, 48, 48), dtype=np.uint8)
    test = rng.integers(0, 256, (2, 48, 48), dtype=np.uint8)
    fer2013.write_image_folder(tmp_path, train, [0, 1, 2, 3], subdir="Train", labels_file="labels_public.txt")
    fer2013.write_image_folder(tmp_path, test, [4, 5], subdir="Test", labels_file="labels_public.txt")
    assert (tmp_path / "labels_public.txt").read_text().splitlines()[:2] == ["img,emotion", "Train/00000.png,0"]
    X, y, names = fer2013.read_image_folder(tmp_path, "labels_public.txt")
    np.testing.assert_array_equal(X, np.concatenate([train, test]))
    assert y.tolist() == [0, 1, 2, 3, 4, 5] and names[4] == "Test/00000.png"
    # without a labels file: every image, sorted relative paths, no labels
    X2, y2, names2 = fer2013.read_image_folder(tmp_path)
    assert y2 is None and names2 == fer2013.list_images(tmp_path) and names2[0] == "Test/00000.png"
    assert X2.shape == (6, 48, 48)


def test_colour_and_other_sizes_are_converted(tmp_path):
    from PIL import Image

    Image.fromarray(np.full((96, 96, 3), 200, np.uint8)).save(tmp_path / "a.jpg")
    X, _, _ = fer2013.read_image_folder(tmp_path)
    assert X.shape == (1, 48, 48) and abs(int(X.mean()) - 200) <= 2


def test_faces_deterministic_and_varied():
    a = render_faces(np.arange(14) % 7, np.random.default_rng(3))
    b = render_faces(np.arange(14) % 7, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (14, 48, 48) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    assert a.std(axis=0).mean() > 0.1  # identities, pose and lighting vary


def test_generate_follows_fer_priors():
    X, y = fer2013.generate(140, seed=4, chunk=70)
    assert X.dtype == np.uint8 and X.shape == (140, 48, 48)
    counts = np.bincount(y, minlength=7)
    assert counts.min() >= 1 and abs(counts[3] - 140 * FER_PRIORS[3]) <= 1  # Happy is the largest class
    assert len(EMOTIONS) == 7


def test_small_synthetic_csv_roundtrip(tmp_path):
    path = fer2013.ensure(preset="tiny", root=tmp_path)
    assert path.name == "fer2013.csv" and (path.parent / fer2013.MARKER).is_file()
    assert path.read_text().splitlines()[0] == "emotion,pixels,Usage"
    out = fer2013.load_fer2013(tmp_path)
    assert [len(out[k][1]) for k in fer2013.SPLITS] == list(fer2013.PRESETS["tiny"])
    # a real file (no marker) is never replaced
    (path.parent / fer2013.MARKER).unlink()
    mtime = path.stat().st_mtime_ns
    fer2013.ensure(root=tmp_path)
    assert path.stat().st_mtime_ns == mtime
