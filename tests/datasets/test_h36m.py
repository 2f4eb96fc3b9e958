"""The Human3.6M-style clips: the real .npy format, its loader, and the synthetic generator."""
from __future__ import annotations

import numpy as np
import pytest

from coursedata import h36m
from coursedata.h36m import clips


GRADER_SEED = 987654  # a stand-in for the grader's own seed (autograder/pose holds the real one)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("h36m")
    h36m.generate(root, preset="tiny", seed=3, workers=1, progress=False)
    return root


def test_real_format_files_and_shapes(tiny):
    p = h36m.PRESETS["tiny"]
    for split, n in (("train", p.n_train), ("valid", p.n_valid)):
        v, j = h36m.load_clips(split, tiny)
        assert v.dtype == np.uint8 and v.shape == (n, 8, p.size, p.size, 3)
        assert j.shape == (n, 8, 17, 3) and j.dtype == np.float32
    assert (tiny / "videoframes_clips_train.npy").is_file() and (tiny / "joint_3d_clips_valid.npy").is_file()
    assert h36m.synthetic_info(tiny)["format"] == h36m.FORMAT_VERSION


def test_public_generator_writes_no_hidden_clips(tiny, tmp_path):
    from coursedata.h36m.__main__ import main

    assert not (tiny / "_grader").exists()
    assert not any("test" in f.name for f in tiny.rglob("*"))
    main(["--preset", "tiny", "--out", str(tmp_path / "cli"), "--quiet", "--workers", "1"])
    assert sorted(f.name for f in (tmp_path / "cli").iterdir()) == [
        "_info.json", "joint_3d_clips_train.npy", "joint_3d_clips_valid.npy", "videoframes_clips_train.npy",
        "videoframes_clips_valid.npy"]
    with pytest.raises(FileNotFoundError):
        h36m.load_clips("test", tiny)


def test_hidden_clips_come_from_the_grader_seed_only(tiny, tmp_path):
    import json

    p = h36m.PRESETS["tiny"]
    folder = h36m.generate_hidden(tiny, GRADER_SEED, preset="tiny", progress=False)
    try:
        assert folder == tiny / "_grader" and (folder.stat().st_mode & 0o077) == 0  # owner only
        v, j = h36m.load_clips("test", tiny)
        assert v.shape == (p.n_test, 8, p.size, p.size, 3) and j.shape == (p.n_test, 8, 17, 3)
        assert not (tiny / "joint_3d_clips_test.npy").exists()  # hidden labels only under _grader/
        info = json.loads((folder / "_info.json").read_text())
        assert info == h36m.hidden_info(GRADER_SEED, "tiny") and str(GRADER_SEED) not in json.dumps(info)
        # nothing the public seed renders (train, valid, even a "test" split of the public seed) is a hidden clip
        public = [h36m.load_clips(s, tiny)[1] for s in ("train", "valid")]
        public.append(h36m.make_split(p.n_test, "test", seed=3, size=p.size, workers=1)[1])
        pub = {c.tobytes() for arr in public for c in arr}
        assert not any(c.tobytes() in pub for c in j)
        # the same grader seed renders the same clips (the cache can be rebuilt)
        again = h36m.make_split(p.n_test, "test", seed=GRADER_SEED, size=p.size, workers=1)
        assert np.array_equal(again[0], v) and np.array_equal(again[1], j)
    finally:
        import shutil

        shutil.rmtree(tiny / "_grader")


def test_labels_are_root_relative_metres_with_fixed_bones(tiny):
    _, j = h36m.load_clips("train", tiny)
    assert np.all(j[..., 0, :] == 0)                       # the pelvis is the origin
    height = j[..., 1].max(-1) - j[..., 1].min(-1)         # y points down in the camera frame
    assert 0.4 < np.median(height) < 2.0                   # metres, not millimetres
    bones = np.linalg.norm(j[:, :, 1:] - j[:, :, list(h36m.PARENTS[1:])], axis=-1)  # (N, T, 16)
    np.testing.assert_allclose(bones, bones[:, :1].repeat(8, axis=1), atol=1e-5)   # rigid within a clip
    assert np.all(bones[..., :] > 0.02)


def test_frames_move_and_clips_differ(tiny):
    v, j = h36m.load_clips("train", tiny)
    motion = np.abs(j[:, 1:] - j[:, :-1]).max(axis=(1, 2, 3))
    assert np.median(motion) > 0.005                        # something moves in most clips
    assert len({v[i].tobytes() for i in range(len(v))}) == len(v)
    assert v.std() > 10


def test_generator_is_deterministic_whatever_the_workers():
    a = clips.make_split(4, "valid", seed=5, size=32, workers=1)
    b = clips.make_split(4, "valid", seed=5, size=32, workers=1)
    c = clips.make_split(4, "valid", seed=6, size=32, workers=1)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert not np.array_equal(a[0], c[0])
    # a clip depends on its index only, not on the chunk it was rendered in
    one = clips._render_range((5, "valid", 2, 3, 32))
    assert np.array_equal(one[0][0], a[0][2])


def test_loader_reads_hand_written_real_format_files(tmp_path):
    rng = np.random.default_rng(0)
    v = rng.integers(0, 256, size=(3, 8, 20, 24, 3), dtype=np.uint8)  # any frame size
    j = rng.normal(0, 0.3, size=(3, 8, 17, 3))                          # float64 is fine too
    np.save(tmp_path / "videoframes_clips_valid.npy", v)
    np.save(tmp_path / "joint_3d_clips_valid.npy", j)
    v2, j2 = h36m.load_clips("valid", tmp_path, mmap=True)
    assert isinstance(v2, np.memmap) and np.array_equal(v2, v) and np.array_equal(j2, j)
    v3, _ = h36m.load_clips("valid", tmp_path, mmap=False)
    assert not isinstance(v3, np.memmap)


def test_loader_refuses_pickles_and_wrong_layouts(tmp_path):
    np.save(tmp_path / "videoframes_clips_train.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "joint_3d_clips_train.npy", np.zeros((1, 8, 17, 3)))
    with pytest.raises(ValueError):
        h36m.load_clips("train", tmp_path, mmap=False)
    np.save(tmp_path / "videoframes_clips_train.npy", np.zeros((2, 8, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="uint8"):
        h36m.load_clips("train", tmp_path)
    np.save(tmp_path / "videoframes_clips_train.npy", np.zeros((2, 8, 8, 8, 3), np.uint8))
    np.save(tmp_path / "joint_3d_clips_train.npy", np.zeros((2, 8, 16, 3)))
    with pytest.raises(ValueError, match="17"):
        h36m.load_clips("train", tmp_path)
    with pytest.raises(FileNotFoundError, match="course data h36m"):
        h36m.load_clips("valid", tmp_path)
