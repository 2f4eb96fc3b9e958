"""NIST36 in the real .mat layout: the synthetic generator, the loader, the OCR pages."""
import numpy as np
import pytest
import scipy.io

import coursedata.nist36 as cn
from coursedata.nist36.glyphs import CLASSES, make_split, random_writer, render_glyph
from coursedata.nist36.pages import render_page


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("nist36")
    cn.generate(root, preset="tiny", seed=3, pages=False)
    return root


def test_files_have_the_real_layout(tiny):
    writers = dict(zip(cn.SPLITS, cn.PRESETS["tiny"]))
    for split in cn.SPLITS:
        mat = scipy.io.loadmat(str(tiny / f"nist36_{split}.mat"))
        x, y = mat[f"{split}_data"], mat[f"{split}_labels"]
        n = 36 * writers[split]
        assert x.shape == (n, 1024) and y.shape == (n, 36)
        assert x.min() >= 0 and x.max() <= 1
        assert np.array_equal(y.sum(axis=1), np.ones(n)) and set(np.unique(y)) == {0.0, 1.0}
        assert np.array_equal(y.sum(axis=0), np.full(36, writers[split]))  # every writer writes every class
        # paper is white: most pixels of every image are (nearly) 1
        assert np.median(x) > 0.95


def test_rows_are_stored_transposed(tmp_path):
    rng = np.random.default_rng(0)
    img = render_glyph("L", random_writer(rng), rng)  # upright: ink on the left, a bar at the bottom
    cn.write_split(tmp_path / "nist36_test.mat", "test", img[None], np.array([CLASSES.index("L")]))
    x, y = cn.read_split("test", tmp_path)
    np.testing.assert_allclose(x[0].reshape(32, 32).T, img, atol=1 / 255)
    assert y[0].argmax() == CLASSES.index("L")
    ink = 1 - x[0].reshape(32, 32).T
    assert ink[:, :16].sum() > ink[:, 16:].sum() and ink[16:].sum() > 0  # L leans on its left side


def test_generation_is_deterministic_and_writers_differ():
    a, la = make_split(2, np.random.default_rng(5))
    b, lb = make_split(2, np.random.default_rng(5))
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert a.shape == (72, 32, 32) and list(la[:36]) == list(range(36))
    assert np.abs(a[:36] - a[36:]).mean() > 0.02  # two writers' A..9 differ


def test_loader_rejects_other_files(tmp_path):
    scipy.io.savemat(str(tmp_path / "nist36_valid.mat"), {"x": np.zeros((2, 3))})
    with pytest.raises(KeyError, match="valid_data"):
        cn.read_split("valid", tmp_path)


def test_page_ground_truth_boxes_hold_the_ink():
    page = render_page(["AB 12", "XYZ"], seed=4, char_px=40)
    img, boxes = page["image"], page["boxes"]
    assert page["chars"] == "AB12XYZ" and boxes.shape == (7, 4)
    gray = img.mean(axis=2)
    inside = np.zeros(gray.shape, bool)
    for y1, x1, y2, x2 in boxes:
        assert 0 <= y1 < y2 <= gray.shape[0] and 0 <= x1 < x2 <= gray.shape[1]
        assert gray[y1:y2, x1:x2].min() < 110  # dark ink in every box
        inside[y1:y2, x1:x2] = True
    assert np.percentile(gray[~inside], 1) > 120  # outside the boxes: paper (noise, no ink)
    # reading order: the second line's boxes lie below the first's
    assert boxes[4:, 0].min() > boxes[:4, 2].max() - 10
