"""The hidden test split of part 4g: drawn from the grader's seed, never from the public one.

The public generator (``coursedata.mds189.generate``, seed 0 by default) writes the train and
validation splits only; the grader draws the test people from ``hidden_cnn.GRADER_SEED``,
keeps their labels under ``_grader/`` and ships the frames with the release
(tests/instructor/test_student_release.py checks the release side). Most tests here use the
``tiny`` preset in a temporary folder (seconds); one reads the grader's prepared copy.
"""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from autograder.fms import hidden_cnn as H
from coursedata import mds189 as gen


@pytest.fixture
def tiny_grader(monkeypatch, tmp_path):
    """The grader's preparation on the tiny preset, in a temporary folder."""
    monkeypatch.setattr(H, "GRADER_PRESET", "tiny")
    root = tmp_path / "mds189"
    H.prepare_test_split(root, workers=1)
    return root


def _labels(root):
    with open(root / "_grader" / "test_labels.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Id", "Category"]
    return {int(i): c for i, c in rows[1:]}


def test_the_grader_labels_every_shipped_frame_and_stamps_the_split(tiny_grader):
    root = tiny_grader
    ids = sorted(int(p.stem) for p in (root / "test_kaggle_frames").glob("*.jpg"))
    labels = _labels(root)
    assert sorted(labels) == ids == list(range(1, len(ids) + 1))
    assert set(labels.values()) == set(gen.LABELS)
    stamp = json.loads((root / "_grader" / H.STAMP_NAME).read_text())
    assert stamp["frames_sha256"] == gen.test_digest(root) and stamp["frames"] == len(ids)
    assert str(H.GRADER_SEED) not in json.dumps(stamp)  # the stamp names the seed by a hash only
    with np.load(root / "_grader" / "test_poses.npz") as npz:
        assert npz["X"].shape == (16 * gen.PRESETS["tiny"].n_test, 75)
    # the labels are those of the grader's seed: the generator gives them back from that seed alone
    again = gen.generate_test(root.parent / "again", H.GRADER_SEED, preset="tiny", workers=1)
    assert dict(again.labels) == labels and again.digest == stamp["frames_sha256"]


def test_the_public_seed_does_not_reproduce_the_graders_test_frames(tiny_grader, tmp_path):
    public = gen.generate_test(tmp_path / "public", 0, preset="tiny", workers=1)
    assert public.digest != gen.test_digest(tiny_grader)
    graders = {p.read_bytes() for p in (tiny_grader / "test_kaggle_frames").glob("*.jpg")}
    assert not graders & {p.read_bytes() for p in (tmp_path / "public" / "test_kaggle_frames").glob("*.jpg")}
    # (that the public generator writes no test split and no label at all:
    # tests/datasets/test_mds189.py::test_public_generator_writes_no_test_split_and_no_labels)


def test_a_stale_or_tampered_split_is_regenerated(tiny_grader, monkeypatch):
    root = tiny_grader
    assert H._split_is_current(root)
    labels = _labels(root)
    first = root / "test_kaggle_frames" / "00001.jpg"
    good = first.read_bytes()
    first.write_bytes(good[:-10])  # frames changed (e.g. overwritten): the labels no longer belong to them
    assert not H._split_is_current(root)
    H.prepare_test_split(root, workers=1)
    assert first.read_bytes() == good and _labels(root) == labels and H._split_is_current(root)
    # a copy made from another seed (e.g. an old copy from the public seed) is replaced
    digest = gen.test_digest(root)
    other = H.grader_seed() + 1
    monkeypatch.setattr(H, "grader_seed", lambda: other)
    assert not H._split_is_current(root)
    H.prepare_test_split(root, workers=1)
    assert H._split_is_current(root) and gen.test_digest(root) != digest


def test_grader_seed_is_not_the_public_default_and_is_hard_to_guess():
    assert H.GRADER_SEED not in range(0, 1 << 32)  # far beyond what trying seeds one by one could reach


def test_the_graders_prepared_copy_is_current():
    """conftest's prepare_data (the fms hook) prepared the grader's split in the data root."""
    from autograder.fms import prepare_data

    prepare_data()  # at once when current
    root = H.mds189_root()
    assert H._split_is_current(root)
    truth = H.read_hidden_labels()
    assert sorted(truth) == sorted(int(p.stem) for p in (root / "test_kaggle_frames").glob("*.jpg"))
    assert len(truth) > 1000
