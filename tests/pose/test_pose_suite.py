"""The pose suite through the real engine: the reference passes every structural and value
check, the blank starter fails every implementation check cleanly, the metadata holds."""
from autograder.engine import load_suite
from tests import helpers_common as kit

from .helpers import grade, make_tree


reference_results, blank_results = kit.suite_fixtures(make_tree, grade)


def test_reference_passes_every_check(reference_results):
    kit.assert_all_passed(reference_results)


def test_blank_starter_fails_without_crashing_the_grader(blank_results):
    kit.assert_all_fail_cleanly(blank_results, says={"pose.mpjpe": "not implemented yet"})


def test_suite_metadata():
    suite = load_suite("pose")
    checks = suite.checks()
    ids = {c.id for c in checks}
    assert {"pose.mpjpe", "pose.loss", "pose.model_shapes", "pose.model_batch_independent",
            "pose.model_frames_aligned", "pose.model_uses_past", "pose.model_uses_input", "pose.train",
            "pose.saved_model"} <= ids
    assert all(c.part in suite.parts for c in checks)
    per_part = {}
    for c in checks:
        per_part[c.part] = per_part.get(c.part, 0) + c.points
    assert per_part == {"1": 5, "2": 5, "3": 12, "4": 10, "5": 8}
    assert set(suite.manual().values()) == {("6", 3.0), ("7", 3.0)}
    public = [c for c in checks if not c.hidden]
    assert public and all(c.func.__module__ == "autograder.pose.public" for c in public)


def test_public_checks_and_probes_do_not_import_the_reference(repo):
    for name in ("public.py", "probes.py"):
        assert "solutions" not in (repo / "autograder" / "pose" / name).read_text()


def test_hidden_clips_come_from_the_grader_seed(tmp_path, monkeypatch):
    """The grader renders its hidden clips from its own seed into _grader/ (once; again when
    the generator changes); nothing the public seed renders is among them."""
    import json

    import numpy as np

    from autograder.pose import hidden
    from coursedata import h36m

    monkeypatch.setenv("NNCOURSE_DATA", str(tmp_path))
    root = tmp_path / "h36m"
    h36m.generate(root, preset="tiny", seed=0, workers=1, progress=False)
    assert not (root / "_grader").exists()
    folder = hidden.ensure_hidden()
    assert folder == root / "_grader" and (folder.stat().st_mode & 0o077) == 0
    v, j = h36m.load_clips("test", root)
    ref = h36m.make_split(len(j), "test", seed=hidden.GRADER_SEED, size=v.shape[2], workers=1)
    assert np.array_equal(ref[0], v) and np.array_equal(ref[1], j)
    public = {c.tobytes() for s in ("train", "valid") for c in h36m.load_clips(s, root)[0]}
    public |= {c.tobytes() for c in h36m.make_split(len(v), "test", seed=0, size=v.shape[2], workers=1)[0]}
    assert not any(c.tobytes() in public for c in v)
    stamp = (folder / "videoframes_clips_test.npy").stat().st_mtime_ns
    hidden.ensure_hidden()  # current: kept
    assert (folder / "videoframes_clips_test.npy").stat().st_mtime_ns == stamp
    info = json.loads((folder / "_info.json").read_text())
    (folder / "_info.json").write_text(json.dumps(dict(info, format="h36m-synthetic-0")))
    hidden.ensure_hidden()  # stale (another generator version): rendered again
    assert json.loads((folder / "_info.json").read_text()) == info
