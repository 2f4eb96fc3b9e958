"""The fms sample submissions' data files are in step with the data set (fast; the samples
themselves are graded in tests/instructor/test_samples.py and by ``make demo``)."""
from __future__ import annotations

from autograder.fms import hidden_cnn as H
from autograder.instructor.samples import KINDS, load_samples

from . import make_sample_predictions as mk


def test_every_sample_kind_is_there_with_the_same_maximum():
    samples = load_samples("fms")
    assert sorted(s.name for s in samples) == sorted(KINDS)
    assert {s.expect["max"] for s in samples} == {65}
    assert all("cli" in s.expect and "nbgrader" in s.expect for s in samples)


def test_perfect_predictions_cover_the_test_frames():
    """If this fails, the MDS189 generator changed: rerun python -m tests.fms.make_sample_predictions."""
    assert mk.main(["--check"]) == 0
    ids = mk.test_ids()
    text = mk.TARGETS["perfect"].read_text()
    assert set(H.parse_predictions(text, ids, H.LABELS)) == set(ids)
