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


def test_writers_mix_lowercase_letters_under_the_capitals_label(monkeypatch):
    """More than one letter form per class: some writers write some letters in lowercase;
    the label stays the capital's and digits have one form."""
    from coursedata.nist36 import glyphs

    drawn = []
    monkeypatch.setattr(glyphs, "render_glyph", lambda ch, w, rng: drawn.append(ch) or np.ones((32, 32), np.float32))
    _, labels = glyphs.make_split(200, np.random.default_rng(1))
    per_writer = np.array(drawn).reshape(200, 36)
    assert all(CLASSES[k] == d.upper() for k, d in zip(labels, drawn))
    assert not any(d.islower() for d in per_writer[:, 26:].ravel())  # digits
    lower = np.char.islower(per_writer[:, :26])
    share = lower.mean()  # expected 0.3 * 0.3 + 0.2 * 0.75 = 0.24
    assert 0.18 < share < 0.30, share
    all_caps = (lower.sum(axis=1) == 0).mean()  # half the writers, plus a few who drew no lowercase
    assert 0.4 < all_caps < 0.65, all_caps


def test_cli_and_first_use_write_the_same_set(tmp_path):
    """`course data nist36` (seed 0 = offset 0) and generate()'s default are the card's seed 36."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, NNCOURSE_DATA=str(tmp_path / "cli"))
    proc = subprocess.run([sys.executable, "-m", "autograder", "data", "nist36", "--preset", "tiny"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cn.generate(tmp_path / "direct", preset="tiny", pages=False)
    for split in cn.SPLITS:
        a = scipy.io.loadmat(str(tmp_path / "cli" / "nist36" / f"nist36_{split}.mat"))
        b = scipy.io.loadmat(str(tmp_path / "direct" / f"nist36_{split}.mat"))
        assert np.array_equal(a[f"{split}_data"], b[f"{split}_data"])
        assert str(np.squeeze(a["coursedata_source"])).endswith(f"seed {cn.SEED}")
