"""The nist36 sample submissions' patches are the ones make_samples.py writes (the scores are
checked with the other homeworks' samples in tests/instructor)."""
import subprocess
import sys

from autograder.build import REPO
from autograder.instructor.samples import load_samples


def test_sample_patches_are_up_to_date_and_apply(tmp_path):
    script = REPO / "tests" / "fixtures" / "samples" / "nist36" / "make_samples.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = set()
    for s in load_samples("nist36"):
        s.materialize(tmp_path / s.name)  # raises if a patch does not apply
        names.add(s.name)
    assert {"perfect", "blank", "partial", "buggy", "adversarial"} <= names
    assert (tmp_path / "perfect" / "starter" / "nist36" / "q3_weights.npz").is_file()
