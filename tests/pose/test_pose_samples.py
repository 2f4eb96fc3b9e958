"""The pose sample submissions' patches are the ones make_samples.py writes (the scores are
checked in tests/instructor/test_samples.py)."""
from tests import helpers_common as kit


def test_sample_patches_are_up_to_date_and_apply(tmp_path):
    kit.check_samples("pose", tmp_path)
