"""The checks that train, read pages or load handed-in weights give the reference full marks
on the default data (the weights are the perfect sample's), and fail a broken training loop."""
from pathlib import Path

import pytest

from .helpers import REPO, grade, make_tree

pytestmark = pytest.mark.slow
WEIGHTS = REPO / "tests" / "fixtures" / "samples" / "nist36" / "perfect" / "files" / "starter" / "nist36"


def _files():
    return {p.name: p.read_bytes() for p in WEIGHTS.glob("*.npz")}


def test_reference_passes_the_training_and_ocr_checks(tmp_path):
    ids = ["nist36.trained_weights", "nist36.train_short", "nist36.find_letters", "nist36.read_page",
           "nist36.torch_cnn"] + (["nist36.ae_weights"] if (WEIGHTS / "q5_weights.npz").is_file() else [])
    results = grade(make_tree(tmp_path, files=_files()), ids=ids)
    bad = {i: (r.status, r.message, r.cases) for i, r in results.items() if r.score != r.points}
    assert not bad


def test_uphill_training_fails_the_short_run(tmp_path):
    tree = make_tree(tmp_path, [("run_q2.py", "        params[k] -= learning_rate * params['grad_' + k]\n",
                                 "        params[k] += learning_rate * params['grad_' + k]\n")])
    r = grade(tree, ids=["nist36.train_short"])["nist36.train_short"]
    assert r.status == "failed" and "below" in r.message


def test_missing_weight_file_is_reported(tmp_path):
    r = grade(make_tree(Path(tmp_path)), ids=["nist36.trained_weights"])["nist36.trained_weights"]
    assert r.status == "failed" and "q3_weights.npz" in r.message
