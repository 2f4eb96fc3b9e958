"""Q6.3 (extra credit): the generated handheld clip, and the question's place in the suite."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coursedata.cifar10 import CLASS_NAMES
from coursedata.cifar10.video import handheld_video

REPO = Path(__file__).resolve().parents[2]


def test_clip_is_deterministic_in_its_seed():
    a, b = handheld_video(2, n_frames=20, seed=3), handheld_video("triangle", n_frames=20, seed=3)
    assert np.array_equal(a["frames"], b["frames"])
    for key in ("centre", "scale", "angle", "blur", "light"):
        assert np.array_equal(a[key], b[key]), key
    c = handheld_video(2, n_frames=20, seed=4)
    assert not np.array_equal(a["frames"], c["frames"])


@pytest.mark.parametrize("label", range(len(CLASS_NAMES)))
def test_clip_shapes_and_dtype(label):
    v = handheld_video(label, n_frames=12, seed=0)
    assert v["frames"].shape == (12, 32, 32, 3) and v["frames"].dtype == np.uint8
    assert v["label"] == label
    assert v["centre"].shape == (12, 2)
    for key in ("scale", "angle", "blur", "light"):
        assert v[key].shape == (12,), key
    assert v["frames"].min() < v["frames"].max()


def test_the_object_moves_zooms_turns_blurs_and_the_light_changes():
    v = handheld_video(2, n_frames=60, seed=0)
    span = v["centre"].max(axis=0) - v["centre"].min(axis=0)
    assert span.max() > 6  # pixels
    assert v["scale"].max() / v["scale"].min() > 1.4
    assert np.ptp(v["angle"]) > 20
    assert v["blur"].max() > 2.5 and v["blur"].min() < 1.5
    assert np.ptp(v["light"]) > 0.3
    f = v["frames"].astype(float)
    step = np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))
    assert (step > 0.5).all()  # every frame differs from the one before
    # the moving object, seen in the pixels: the centroid of the pixels that differ most from the
    # frame's median colour follows the rendered centre
    dev = np.abs(f - np.median(f, axis=(1, 2), keepdims=True)).sum(axis=3)
    yy, xx = np.mgrid[0:32, 0:32] + 0.5
    cx = np.array([(xx * (d > np.percentile(d, 85))).sum() / (d > np.percentile(d, 85)).sum() for d in dev])
    assert np.corrcoef(cx, v["centre"][:, 0])[0, 1] > 0.7


def test_bad_class_is_refused():
    with pytest.raises(ValueError):
        handheld_video(10)


def test_course_list_shows_q6_3_as_hand_graded_extra_credit():
    out = subprocess.run([sys.executable, "-m", "autograder", "list", "nist36"], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    lines = [ln for ln in out.splitlines() if "Q6.3" in ln or "nist36-written-q6_3" in ln]
    assert any("part Q6.3" in ln and "extra credit" in ln and "20 by hand" in ln for ln in lines), out
    assert any("nist36-written-q6_3" in ln and "manual" in ln and " 20 " in ln for ln in lines), out
