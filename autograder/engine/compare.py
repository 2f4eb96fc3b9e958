"""Numeric comparisons with messages a student can act on.

All comparison code runs in the grader's process on values decoded from the wire.
"""
from __future__ import annotations

import re

import numpy as np

from . import mistakes as _mistakes
from .wire import Opaque

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w])|\b(?:nan|inf|NaN|Inf)\b")
_GROUP = re.compile(r"[\[(](?:[\s,…]|\.\.\.)*…(?:[\s,…]|\.\.\.)*[\])]")


def redact(text: str, limit: int = 300) -> str:
    """``text`` with every number (and array or tuple of numbers) replaced by "…".

    Used for messages of hidden checks: whatever the words, the values of hidden
    inputs and of the student's outputs on them do not reach the student.
    """
    out = _NUMBER.sub("…", str(text))
    for _ in range(3):
        out = _GROUP.sub("…", out)
    out = out.strip()
    return out if len(out) <= limit else out[: limit - 3] + "..."


class CheckFailed(AssertionError):
    """A check's expectation was not met; the message is shown to the student.

    ``summary`` (optional) is the version shown for a hidden check: words the grader
    wrote, no values. Without it a hidden check shows the message with every number
    redacted (see :func:`redact`).
    """

    def __init__(self, message: str = "", summary: str | None = None):
        super().__init__(message)
        self.summary = summary


def _fmt(v) -> str:
    return np.array2string(np.asarray(v), precision=6, threshold=6, edgeitems=2) if np.ndim(v) else f"{float(v):.6g}"


def rel_error(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def as_array(value, name: str, *, what: str = "") -> np.ndarray:
    """Turn a returned value into a float/int ndarray or fail with a clear message."""
    where = f"{what} " if what else ""
    safe = f"{redact(what)} {name}" if what else name
    if isinstance(value, Opaque):
        raise CheckFailed(f"{where}{name}: expected a numpy array, got a {value.type_name} object",
                          f"{safe}: expected a numpy array, got some other object")
    if value is None:
        raise CheckFailed(f"{where}{name}: expected a numpy array, got None (missing return?)",
                          f"{safe}: expected a numpy array, got None (missing return?)")
    if isinstance(value, (list, tuple, dict, str)):
        raise CheckFailed(f"{where}{name}: expected a numpy array, got a {type(value).__name__}",
                          f"{safe}: expected a numpy array, got a {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise CheckFailed(f"{where}{name}: expected numbers, got an array of dtype {arr.dtype}",
                          f"{safe}: expected numbers, got an array of another dtype")
    return arr


def close_enough(actual, expected, rtol: float, atol: float) -> bool:
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape or not np.all(np.isfinite(a)):
        return False
    return bool(np.all(np.abs(a.astype(np.float64) - e) <= atol + rtol * np.abs(e)))


def assert_close(actual, expected, *, name: str, what: str = "", rtol: float = 1e-6, atol: float = 1e-8,
                 mistakes: dict | None = None, check_dtype: bool = False, inputs: dict | None = None) -> None:
    """Fail with a message naming the output, the element, how far off and a known mistake.

    ``mistakes`` maps descriptions to the values known-wrong variants give; when none
    matches, the generic detectors of :mod:`.mistakes` are tried (``inputs`` maps
    argument names to the values passed, for "returned the input unchanged").
    """
    expected = np.asarray(expected)
    label = f"{what}: {name}" if what else name
    safe_label = f"{redact(what)}: {name}" if what else name
    arr = as_array(actual, name, what=what)
    hint = safe_hint = ""
    if mistakes:
        for desc, wrong in mistakes.items():
            try:
                w = np.asarray(wrong)
            except Exception:  # noqa: BLE001
                continue
            if w.shape == arr.shape and close_enough(arr, w, rtol * 10, atol * 10) and not close_enough(w, expected, rtol, atol):
                hint = safe_hint = f" Likely mistake: {desc}."
                break
    if not hint and not close_enough(arr, expected, rtol, atol):
        d = _mistakes.diagnose(arr, expected, inputs=inputs, rtol=rtol, atol=atol)
        if d is not None:
            hint, safe_hint = f" Likely mistake: {d.text}.", f" Likely mistake: {d.safe}."
    if arr.shape != expected.shape:
        squeeze = " (same elements, different shape)" if arr.size == expected.size else ""
        raise CheckFailed(f"{label} has shape {arr.shape}, expected {expected.shape}{squeeze}.{hint}",
                          f"{safe_label} has the wrong shape{squeeze}.{safe_hint}")
    if check_dtype and arr.dtype != expected.dtype:
        raise CheckFailed(f"{label} has dtype {arr.dtype}, expected {expected.dtype}.{hint}",
                          f"{safe_label} has the wrong dtype.{safe_hint}")
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(arr))
        idx = tuple(int(i) for i in bad[0]) if arr.ndim else ()
        raise CheckFailed(
            f"{label} contains {len(bad)} non-finite value(s) (NaN or inf), first at index {idx}: overflow in "
            f"exp? subtract the maximum before exponentiating.{hint}",
            f"{safe_label} contains NaN or inf values: overflow in exp? subtract the maximum before "
            f"exponentiating.{safe_hint}",
        )
    diff = np.abs(arr.astype(np.float64) - expected.astype(np.float64))
    tol = atol + rtol * np.abs(expected.astype(np.float64))
    bad = diff > tol
    if np.any(bad):
        flat = int(np.argmax(np.where(bad, diff - tol, -np.inf)))
        idx = np.unravel_index(flat, arr.shape) if arr.ndim else ()
        idx = tuple(int(i) for i in idx)
        got, exp = arr[idx] if arr.ndim else arr, expected[idx] if expected.ndim else expected
        n_bad = int(bad.sum())
        re = float(np.max(rel_error(arr, expected)))
        at = f" at index {idx}" if arr.ndim else ""
        raise CheckFailed(
            f"{label} is wrong{at}: got {float(got):.6g}, expected {float(exp):.6g} "
            f"({n_bad} of {arr.size} elements off, max relative error {re:.2e}).{hint}",
            f"{safe_label} has wrong values.{safe_hint}",
        )


def assert_shape(actual, shape, *, name: str, what: str = "") -> None:
    arr = as_array(actual, name, what=what)
    if arr.shape != tuple(shape):
        label = f"{what}: {name}" if what else name
        safe_label = f"{redact(what)}: {name}" if what else name
        raise CheckFailed(f"{label} has shape {arr.shape}, expected {tuple(shape)}", f"{safe_label} has the wrong shape")


def numeric_gradient(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of ``sum(f(x) * dout)`` with respect to ``x`` (float64)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        pos = np.sum(np.asarray(f(x)) * dout)
        x[i] = old - h
        neg = np.sum(np.asarray(f(x)) * dout)
        x[i] = old
        grad[i] = (pos - neg) / (2 * h)
    return grad
