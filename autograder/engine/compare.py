"""Numeric comparisons with messages a student can act on.

All comparison code runs in the grader's process on values decoded from the wire.
"""
from __future__ import annotations

import numpy as np

from .wire import Opaque


class CheckFailed(AssertionError):
    """A check's expectation was not met; the message is shown to the student."""


def _fmt(v) -> str:
    return np.array2string(np.asarray(v), precision=6, threshold=6, edgeitems=2) if np.ndim(v) else f"{float(v):.6g}"


def rel_error(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def as_array(value, name: str, *, what: str = "") -> np.ndarray:
    """Turn a returned value into a float/int ndarray or fail with a clear message."""
    where = f"{what} " if what else ""
    if isinstance(value, Opaque):
        raise CheckFailed(f"{where}{name}: expected a numpy array, got a {value.type_name} object")
    if value is None:
        raise CheckFailed(f"{where}{name}: expected a numpy array, got None (missing return?)")
    if isinstance(value, (list, tuple, dict, str)):
        raise CheckFailed(f"{where}{name}: expected a numpy array, got a {type(value).__name__}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise CheckFailed(f"{where}{name}: expected numbers, got an array of dtype {arr.dtype}")
    return arr


def close_enough(actual, expected, rtol: float, atol: float) -> bool:
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape or not np.all(np.isfinite(a)):
        return False
    return bool(np.all(np.abs(a.astype(np.float64) - e) <= atol + rtol * np.abs(e)))


def assert_close(actual, expected, *, name: str, what: str = "", rtol: float = 1e-6, atol: float = 1e-8,
                 mistakes: dict | None = None, check_dtype: bool = False) -> None:
    """Fail with a message naming the output, the element, how far off and a known mistake."""
    expected = np.asarray(expected)
    label = f"{what}: {name}" if what else name
    arr = as_array(actual, name, what=what)
    hint = ""
    if mistakes:
        for desc, wrong in mistakes.items():
            try:
                w = np.asarray(wrong)
            except Exception:  # noqa: BLE001
                continue
            if w.shape == arr.shape and close_enough(arr, w, rtol * 10, atol * 10) and not close_enough(w, expected, rtol, atol):
                hint = f" Likely mistake: {desc}."
                break
    if arr.shape != expected.shape:
        squeeze = " (same elements, different shape)" if arr.size == expected.size else ""
        raise CheckFailed(f"{label} has shape {arr.shape}, expected {expected.shape}{squeeze}.{hint}")
    if check_dtype and arr.dtype != expected.dtype:
        raise CheckFailed(f"{label} has dtype {arr.dtype}, expected {expected.dtype}.{hint}")
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(arr))
        idx = tuple(int(i) for i in bad[0]) if arr.ndim else ()
        raise CheckFailed(
            f"{label} contains {len(bad)} non-finite value(s) (NaN or inf), first at index {idx}: overflow in "
            f"exp? subtract the maximum before exponentiating.{hint}"
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
            f"({n_bad} of {arr.size} elements off, max relative error {re:.2e}).{hint}"
        )


def assert_shape(actual, shape, *, name: str, what: str = "") -> None:
    arr = as_array(actual, name, what=what)
    if arr.shape != tuple(shape):
        label = f"{what}: {name}" if what else name
        raise CheckFailed(f"{label} has shape {arr.shape}, expected {tuple(shape)}")


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
