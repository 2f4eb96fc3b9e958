"""The nist36 sample submissions' patches are the ones make_samples.py writes (the scores are
checked with the other homeworks' samples in tests/instructor)."""
from tests import helpers_common as kit


def test_sample_patches_are_up_to_date_and_apply(tmp_path):
    names = set(kit.check_samples("nist36", tmp_path))
    assert {"perfect", "blank", "partial", "buggy", "adversarial"} <= names
    assert (tmp_path / "perfect" / "starter" / "nist36" / "q3_weights.npz").is_file()
