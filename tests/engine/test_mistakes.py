"""The mistakes library and assert_close's messages."""
import numpy as np
import pytest

from autograder.engine.compare import CheckFailed, assert_close, redact
from autograder.engine.mistakes import diagnose

rng = np.random.default_rng(0)
E = rng.standard_normal((4, 6))


@pytest.mark.parametrize("wrong,words", [
    (E / 8, "averaged (divided by 8)"),
    (E * 24, "summed where an average was expected"),
    (E * 0.37, "constant factor of 0.37"),
    (-E, "sign is flipped"),
    (E.T, "transposed"),
    (np.zeros_like(E), "every element is zero"),
    (E + 0.5, "same constant"),
    (E[::-1], "wrong order"),
])
def test_detectors(wrong, words):
    d = diagnose(wrong, E)
    assert d is not None and words in d.text
    assert not any(ch.isdigit() for ch in d.safe)


def test_input_returned_unchanged_and_nothing_for_right_or_random():
    x = rng.standard_normal((4, 6))
    assert "input x" in diagnose(x, E, inputs={"x": x}).text
    assert diagnose(E, E) is None
    assert diagnose(rng.standard_normal((4, 6)), E) is None
    assert diagnose(np.full((4, 6), np.nan), E) is None


def test_assert_close_messages():
    with pytest.raises(CheckFailed) as info:
        assert_close(E / 6, E, name="db", what="affine_backward on shape (4, 6)")
    msg, safe = str(info.value), info.value.summary
    assert "affine_backward on shape (4, 6): db is wrong at index" in msg and "averaged" in msg
    assert safe.startswith("affine_backward on shape …: db has wrong values") and "averaged" in safe
    assert not any(ch.isdigit() for ch in safe)
    # a check's own mistakes win over the generic ones
    with pytest.raises(CheckFailed, match="forgot the bias"):
        assert_close(E / 6, E, name="out", mistakes={"forgot the bias": E / 6})
    assert_close(E + 1e-12, E, name="ok")


def test_redact():
    assert redact("got 0.5, expected [1. 2.5 -3e-4] at (2, 3) for W1") == "got …, expected … at … for W1"
    assert len(redact("x" * 1000)) == 300
