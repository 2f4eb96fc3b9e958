"""The pose sample submissions' patches are the ones make_samples.py writes (the scores are
checked in tests/instructor/test_samples.py)."""
import subprocess
import sys

from autograder.build import REPO
from autograder.instructor.samples import load_samples


def test_sample_patches_are_up_to_date_and_apply(tmp_path):
    script = REPO / "tests" / "fixtures" / "samples" / "pose" / "make_samples.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for s in load_samples("pose"):
        s.materialize(tmp_path / s.name)  # raises if a patch does not apply
