"""The mistakes library and assert_close's messages."""
import numpy as np
import pytest

from autograder.engine import compare
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


# ------------------------------------------------------- precision-aware tolerances and hints
def _msg(actual, expected, **kw):
    try:
        compare.assert_close(actual, expected, name="out", **kw)
    except compare.CheckFailed as exc:
        return str(exc), exc.summary
    return None, None


def test_float32_inside_passes_and_float64_noise_does_not_hide_bugs():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((16, 300)), rng.standard_normal((300, 20))
    ref = x @ w + 0.1
    as32 = (x.astype(np.float32) @ w.astype(np.float32) + np.float32(0.1))
    assert compare.precision_of(as32) == "float32"
    assert compare.precision_of(as32.astype(np.float64)) == "float32"  # float32 inside, cast at the end
    assert compare.precision_of(ref) == "float64"
    for got in (as32, as32.astype(np.float64), as32.astype(np.float64) + 1e-17):
        assert _msg(got, ref)[0] is None
    assert _msg(ref * 1.01, ref)[0] is not None
    assert _msg(as32.astype(np.float64) * 1.01, ref)[0] is not None


def test_close_values_are_called_close_not_shuffled():
    e = np.linspace(1, 2, 12).reshape(4, 3)
    msg, safe = _msg(e * (1 + 5e-5), e)
    assert "Close, just outside the tolerance" in msg and "shuffled" not in msg and "factor" not in msg
    assert "Close" in safe and "relative error" in safe


def test_a_single_number_is_neither_shuffled_nor_off_by_an_arbitrary_factor():
    msg, _ = _msg(np.float64(3.7), np.float64(2.0))
    assert "factor" not in msg and "order" not in msg
    msg, _ = _msg(np.float64(0.5), np.float64(2.0))  # 1/4: recognisable (averaged instead of summed)
    assert "1/4" in msg
    msg, _ = _msg(np.array([[1.0, 2.0]]), np.array([[2.0, 1.0]]))  # one row: no order to shuffle
    assert "order" not in msg


def test_fd_step_follows_the_precision():
    assert 1e-6 < compare.fd_step(np.zeros(3)) < 1e-5
    assert 1e-3 < compare.fd_step(np.zeros(3, dtype=np.float32)) < 1e-2
    f = lambda v: np.tanh(v.astype(np.float32)) * 3  # noqa: E731 - a float32 forward pass
    x = np.random.default_rng(1).standard_normal(5)
    num = compare.numeric_gradient(f, x, np.ones(5))
    exact = 3 / np.cosh(x) ** 2
    compare.assert_close(exact, num, name="dx", fd=True, precision=compare.precision_of(f(x)))
