"""Numeric comparisons with messages a student can act on.

All comparison code runs in the grader's process on values decoded from the wire.
"""
from __future__ import annotations

import re

import numpy as np

from . import mistakes as _mistakes
from .kit import central_differences
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


# -- tolerances that follow the precision ------------------------------------------
# precision -> (rtol, atol as a fraction of the expected array's scale, absolute atol floor)
TOLERANCES = {
    "float64": (1e-6, 1e-5, 1e-10),
    "float32": (1e-4, 1e-4, 1e-6),
    "float16": (1e-2, 1e-2, 1e-3),
}
# the same for a comparison against a finite-difference estimate taken with fd_step()
FD_TOLERANCES = {
    "float64": (1e-5, 1e-6, 1e-8),
    "float32": (2e-3, 2e-3, 1e-4),
    "float16": (5e-2, 5e-2, 1e-2),
}
_EPS = {"float64": float(np.finfo(np.float64).eps), "float32": float(np.finfo(np.float32).eps),
        "float16": float(np.finfo(np.float16).eps)}


def precision_of(value) -> str:
    """The precision a result was computed in: its dtype, or "float32" for a float64
    array whose every value is exactly a float32 (computed in float32, cast at the end)."""
    try:
        a = np.asarray(value)
    except Exception:  # noqa: BLE001
        return "float64"
    if a.dtype == np.float16:
        return "float16"
    if a.dtype == np.float32:
        return "float32"
    if a.dtype == np.float64 and a.size >= 4:
        f = a[np.isfinite(a)]
        if f.size >= 4 and np.any(f != np.round(f)) and np.array_equal(f.astype(np.float32).astype(np.float64), f):
            return "float32"
    return "float64"


def _coarser(p: str, q: str) -> str:
    order = ["float64", "float32", "float16"]
    return order[max(order.index(p), order.index(q))]


def default_tolerances(actual, expected, *, fd: bool = False, precision: str | None = None) -> tuple[float, float]:
    """(rtol, atol) for comparing ``actual`` with ``expected``.

    The rule (docs/CONVENTIONS.md): the precision is the coarser of ``precision`` (when the
    check knows it, e.g. the forward pass a finite difference went through) and the one
    :func:`precision_of` reads from ``actual``; an element passes when
    ``|a - e| <= atol + rtol * |e|`` with ``atol = frac * max|expected| + floor``, so
    errors are relative to the array's scale where elements are near zero (cancellation).
    """
    p = precision_of(actual)
    if precision:
        p = _coarser(p, precision)
    rtol, frac, floor = (FD_TOLERANCES if fd else TOLERANCES)[p]
    e = np.asarray(expected, dtype=np.float64) if np.size(expected) else np.zeros(0)
    fin = e[np.isfinite(e)] if e.ndim else (e.reshape(1) if np.isfinite(e) else np.zeros(0))
    scale = float(np.max(np.abs(fin))) if fin.size else 0.0
    return rtol, frac * scale + floor


def fd_step(sample_output=None, precision: str | None = None, scale: float = 1.0) -> float:
    """Central-difference step sized for the precision: ``cbrt(eps) * max(1, scale)``
    (about 6e-6 in float64, 5e-3 in float32), so rounding noise ``eps/h`` and truncation
    ``h**2`` stay balanced. ``sample_output``: a value the function returned (its precision)."""
    p = precision or (precision_of(sample_output) if sample_output is not None else "float64")
    return float(np.cbrt(_EPS[p]) * max(1.0, float(scale)))


def worst_relative_error(actual, expected, rtol: float, atol: float) -> float:
    """max_i |a_i - e_i| / (atol / rtol + |e_i|): the comparison passes when this is <= rtol."""
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        r = np.abs(a - e) / (atol / max(rtol, 1e-300) + np.abs(e))
    return float(np.max(r)) if r.size else 0.0


def close_enough(actual, expected, rtol: float, atol: float) -> bool:
    a, e = np.asarray(actual), np.asarray(expected)
    if a.shape != e.shape or not np.all(np.isfinite(a)):
        return False
    return bool(np.all(np.abs(a.astype(np.float64) - e) <= atol + rtol * np.abs(e)))


def assert_close(actual, expected, *, name: str, what: str = "", rtol: float | None = None,
                 atol: float | None = None, mistakes: dict | None = None, check_dtype: bool = False,
                 inputs: dict | None = None, fd: bool = False, precision: str | None = None) -> None:
    """Fail with a message naming the output, the element, how far off and a known mistake.

    Tolerances: see :func:`default_tolerances` (``fd=True``: ``expected`` is a central
    difference taken with :func:`fd_step`). An explicit ``rtol``/``atol`` is used as given
    for float64 results and never tighter than the precision's default otherwise.

    Hints, strongest evidence first: a value within a few tolerances is reported as
    "close, just outside tolerance" (no structural guess); then the check's own
    ``mistakes`` (descriptions -> the values known-wrong variants give); then the generic
    detectors of :mod:`.mistakes` (``inputs`` maps argument names to the values passed,
    for "returned the input unchanged").
    """
    expected = np.asarray(expected)
    label = f"{what}: {name}" if what else name
    safe_label = f"{redact(what)}: {name}" if what else name
    arr = as_array(actual, name, what=what)
    d_rtol, d_atol = default_tolerances(arr, expected, fd=fd, precision=precision)
    if precision_of(arr) == "float64" and not precision:
        rtol = d_rtol if rtol is None else rtol
        atol = d_atol if atol is None else atol
    else:
        rtol = d_rtol if rtol is None else max(rtol, d_rtol)
        atol = d_atol if atol is None else max(atol, d_atol)
    hint = safe_hint = ""
    near = False
    if arr.shape == expected.shape and arr.size and np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)) \
            and not close_enough(arr, expected, rtol, atol):
        worst = worst_relative_error(arr, expected, rtol, atol)
        if worst <= 30 * rtol and worst < 0.01:
            near = True
            hint = safe_hint = (f" Close, just outside the tolerance (max relative error {worst:.2g}, allowed "
                                f"{rtol:.2g}): a less accurate formula or lower precision somewhere?")
    if mistakes:
        k = 1 if near else 10  # near the answer, only an exact match with a known mistake beats "close"
        for desc, wrong in mistakes.items():
            try:
                w = np.asarray(wrong)
            except Exception:  # noqa: BLE001
                continue
            if w.shape == arr.shape and close_enough(arr, w, rtol * k, atol * k) and not close_enough(w, expected, rtol, atol):
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


def numeric_gradient(f, x: np.ndarray, dout: np.ndarray, h: float | None = None) -> np.ndarray:
    """Central differences of ``sum(f(x) * dout)`` with respect to ``x`` (float64).

    ``h``: the step; by default :func:`fd_step` sized for the precision of ``f``'s output.
    ``f`` gets a fresh copy of the perturbed input every time (it may modify it in place).
    """
    x = np.array(x, dtype=np.float64)
    if h is None:
        h = fd_step(np.asarray(f(x.copy())))
    return central_differences(lambda: np.sum(np.asarray(f(x.copy()), dtype=np.float64) * dout), x, h)


def accept_subgradient_at_kink(got, expected, x, dout) -> np.ndarray:
    """The course's rule at a ReLU's kink, for one backward's output: where ``x == 0`` there is no
    derivative, so any subgradient in [0, 1] times ``dout`` (0, ``dout`` or between) is right and
    replaces ``expected`` there; elsewhere ``expected`` stands. A ``got`` of another shape, or one
    that is not numeric, leaves ``expected`` whole (the comparison then says what is wrong)."""
    try:
        a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return expected
    if a.shape != np.shape(expected):
        return expected
    out = np.array(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        share = np.where(dout != 0, a / np.where(dout != 0, dout, 1.0), 0.0)
    ok = (x == 0) & np.isfinite(a) & ((np.abs(a) <= 1e-12) | ((share >= -1e-9) & (share <= 1 + 1e-9)))
    out[ok] = a[ok]
    return out
