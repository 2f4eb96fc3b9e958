"""The grader-side caches of the fms hidden checks (autograder/fms/cache.py): they hold what the provided
loaders and the reference give, they are made again when their inputs change, and with them the grader's
process grades problems 2-4 without importing torch (issue 25: 1.0-1.4 s of CPU per `course grade`)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from autograder.fms import cache
from autograder.fms import hidden_cnn as H

from .helpers import REPO


def test_stamp_follows_the_files(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("one")
    first = cache._stamp([f], "x")
    assert cache._stamp([f], "x") == first
    assert cache._stamp([f], "y") != first  # what else it was made from (sources, settings)
    f.write_text("three")  # another size
    assert cache._stamp([f], "x") != first
    same_size = cache._stamp([f], "x")
    os.utime(f, ns=(1, 1))  # the same size, another modification time
    assert cache._stamp([f], "x") != same_size
    f.unlink()
    assert cache._stamp([f], "x") not in (first, same_size)


def test_reference_counts_are_the_references(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_DATA", str(tmp_path))  # a cache of its own, made here
    got = cache.reference_counts(H.SPEC_MODELS)
    path = tmp_path / "mds189" / "_grader_cache" / "reference_counts.npz"
    assert path.is_file() and not (tmp_path / "mds189" / "_grader").exists()  # not among the shipped secrets
    assert (path.parent.stat().st_mode & 0o777) == 0o700 and (path.stat().st_mode & 0o777) == 0o600
    for row, (_, spec, shape, frozen) in zip(got, H.SPEC_MODELS, strict=True):
        assert [row[k] for k in cache.COUNT_KEYS] == cache._counts_of(spec, shape, frozen)
    assert got[0]["count"] == 3 * 4 * 9 + 4 + 4 * 4 * 4 * 5 + 5  # a conv (3 -> 4, 3x3, bias) and a linear layer
    # another spec list is another stamp: the cache is made again, not read
    one = cache.reference_counts(H.SPEC_MODELS[1:2])
    assert one == got[1:2]
    assert cache.reference_counts(H.SPEC_MODELS) == got


@pytest.mark.slow
def test_cached_arrays_are_the_provided_loaders():
    """On the course's copy of MDS189 (generated on first use, about a minute)."""
    from solutions.fms import data as fms_data
    from solutions.fms.train import load_frames

    root = fms_data.ensure_data(quiet=True)
    for a, b in zip(cache.poses(), fms_data.load_pose_data(root, debug=False), strict=True):
        np.testing.assert_array_equal(a, b)
    X, y = cache.keyframes_train()
    X_ref, y_ref, _ = load_frames("keyframe_data_train.txt", root=root, image_size=H.IMAGE_SIZE)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


@pytest.mark.slow
def test_the_graders_process_grades_without_torch():
    """With the caches made (`course data`), the grader's side of the data-backed checks imports no torch."""
    cache.warm(H.SPEC_MODELS)
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from autograder.fms import hidden, hidden_cnn as H\n"
        "hidden.load_pose_split()\n"
        "X, y = H.load_fit_frames(np.random.default_rng(0), H.FIT_PER_CLASS)\n"
        "assert X.shape == (32, 3, 48, 48) and X.dtype == np.uint8 and np.bincount(y).tolist() == [4] * 8\n"
        "[H._ref_counts(i) for i in range(len(H.SPEC_MODELS))]\n"
        "H._sk_confusion([0, 1], [1, 1])\n"
        "print('torch' in sys.modules, 'sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"], out.stdout
