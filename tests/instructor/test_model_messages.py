"""Messages on saved models (fer, nist36): a model file that loads but scores below the bar says
what was read, what it scored against what bar, and what usually causes that (too few epochs
first), in the hidden check's student-facing text too."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.engine.checks import Context, load_suite
from autograder.engine.submission import student_files

REPO = Path(__file__).resolve().parents[2]


def _ctx(hw: str, cid: str, tmp_path: Path) -> Context:
    check = next(c for c in load_suite(hw).checks() if c.id == cid)
    return Context(check, tmp_path, {})


@pytest.mark.parametrize("what,fname", [("FC model", "fer_model.npz"), ("CNN", "fer_cnn.pt")])
def test_fer_tier_messages_say_what_was_read_the_score_the_bar_and_the_cause(what, fname, tmp_path):
    from autograder.fer import hidden_models as H

    tiers = H.FER_FC_TIERS if what == "FC model" else H.FER_CNN_TIERS
    t = _ctx("fer", "fer.fer_model" if what == "FC model" else "fer.cnn_model", tmp_path)
    H._tiers(t, tiers[0] + 0.001, tiers, what, None)  # clears tier 1 only
    assert [c["passed"] for c in t.cases] == [True] + [False] * (len(tiers) - 1)
    failed = t.cases[1]
    for text in (failed["message"], failed["safe_message"]):
        assert f"read {fname}" in text
        assert f"{tiers[0] + 0.001:.1%}" in text and f"needs {tiers[1]:.0%}" in text
        assert "too few epochs" in text


@pytest.mark.slow
def test_nist36_under_trained_weights_say_score_bar_and_cause(tmp_path):
    """An untrained q3_weights.npz (right shapes): the hidden check's text gives its validation
    accuracy, the 75% bar and 'too few epochs'."""
    from autograder.engine import grade_submission
    from solutions.nist36 import nn

    sub = tmp_path / "sub"
    pkg = sub / "starter" / "nist36"
    shutil.copytree(REPO / "starter" / "nist36", pkg, ignore=shutil.ignore_patterns("__pycache__", "*.npz"))
    for f in student_files("nist36"):
        shutil.copyfile(REPO / "solutions" / "nist36" / f, pkg / f)
    params = {}
    np.random.seed(0)
    nn.initialize_weights(1024, 64, params, "layer1")
    nn.initialize_weights(64, 36, params, "output")
    np.savez(pkg / "q3_weights.npz", **{k: params[k] for k in ("Wlayer1", "blayer1", "Woutput", "boutput")})
    r = grade_submission("nist36", sub, only=["nist36.trained_weights"])
    (c,) = r.checks
    assert not c.passed
    for text in (c.message, c.safe_message):
        assert "read q3_weights.npz" in text and "the bar is 75%" in text and "too few epochs" in text, text
        assert "Near chance" in text
