"""A library of common mistakes, recognised from the wrong value alone.

``assert_close`` first tries the check's own ``mistakes={description: wrong_value}``;
when none matches it asks :func:`diagnose`, which tries generic detectors on
``(actual, expected)`` (and the call's inputs when the check passes ``inputs=``):

* a constant factor (``1/N``: averaged instead of summed; ``N``: summed instead of
  averaged; anything else: scaled by a constant),
* the sign flipped,
* transposed,
* output equals one of the inputs (returned the input unchanged),
* all zeros,
* off by a constant,
* correct up to a permutation along the first axis (rows shuffled).

Evidence first: ``assert_close`` reports a value within a few tolerances as "close,
just outside the tolerance" and asks no detector. The detectors only speak where the
structure they name is there to test: a single number is never "shuffled" nor "off by
a constant factor" (unless the factor is recognisable, 1/N or N); a factor within 1e-3
of one is a precision issue, not a formula; rows are "shuffled" only when the expected
rows differ and the returned ones are not already nearly in place.

Each detector returns a :class:`Diagnosis`: ``text`` (may name numbers, for public
checks and staff) and ``safe`` (grader-authored words only, shown for hidden checks).
Everything here runs in the grader's process on decoded values.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class Diagnosis:
    text: str
    safe: str


def _close(a, b, rtol, atol) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _nontrivial(e) -> bool:
    return e.size > 0 and bool(np.any(np.abs(e) > 1e-12))


def factor(actual, expected, rtol=1e-5, atol=1e-8):
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or not _nontrivial(e):
        return None
    r = float(np.sum(a * e) / np.sum(e * e))
    if not np.isfinite(r) or abs(r - 1) < 1e-6 or abs(r) < 1e-12 or not _close(a, r * e, rtol * 10, atol * 10):
        return None
    if abs(r + 1) < 1e-6:
        return None  # the sign detector says it better
    if abs(r - 1) < 1e-3:
        return None  # a factor this close to one is a precision issue, not a wrong formula
    frac = Fraction(r).limit_denominator(100_000)
    recognisable = abs(float(frac) - r) <= 1e-6 * abs(r) and (
        (frac.numerator == 1 and frac.denominator > 1) or (frac.denominator == 1 and frac.numerator > 1))
    if a.size < 2 and not recognisable:
        return None  # a single wrong number is "off by a factor" of anything: no evidence
    if abs(float(frac) - r) <= 1e-6 * abs(r):
        if frac.numerator == 1 and frac.denominator > 1:
            n = frac.denominator
            return Diagnosis(f"off by a factor of 1/{n}: averaged (divided by {n}) where a sum was expected?",
                             "off by a constant factor smaller than one: averaged where a sum was expected?")
        if frac.denominator == 1 and frac.numerator > 1:
            n = frac.numerator
            return Diagnosis(f"off by a factor of {n}: summed where an average was expected (forgot to divide by {n})?",
                             "off by a constant factor larger than one: summed where an average was expected?")
    return Diagnosis(f"off by a constant factor of {r:.6g} everywhere (a wrong scale, e.g. a missing or extra "
                     "factor in the formula)", "off by a constant factor everywhere (a missing or extra factor?)")


def sign_flipped(actual, expected, rtol=1e-5, atol=1e-8):
    e = np.asarray(expected, dtype=np.float64)
    if _nontrivial(e) and _close(actual, -e, rtol * 10, atol * 10):
        return Diagnosis("the sign is flipped (got -expected)", "the sign is flipped")
    return None


def transposed(actual, expected, rtol=1e-5, atol=1e-8):
    a, e = np.asarray(actual), np.asarray(expected)
    if e.ndim < 2 or a.ndim != e.ndim or e.shape == e.T.shape and _close(a, e, rtol, atol):
        return None
    for cand in (e.T, np.swapaxes(e, -1, -2)):
        if a.shape == cand.shape and _close(a, cand, rtol * 10, atol * 10):
            return Diagnosis("the result is transposed (axes swapped)", "the result is transposed (axes swapped)")
    return None


def equals_input(actual, expected, inputs=None, rtol=1e-5, atol=1e-8):
    for name, value in (inputs or {}).items():
        try:
            v = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if v.shape == np.shape(actual) and _close(actual, v, rtol, atol) and not _close(v, expected, rtol, atol):
            return Diagnosis(f"the output equals the input {name}: returned the input unchanged?",
                             f"the output equals the input {name}: returned the input unchanged?")
    return None


def all_zeros(actual, expected, rtol=1e-5, atol=1e-8):
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if a.shape == e.shape and _nontrivial(e) and a.size and np.all(a == 0):
        return Diagnosis("every element is zero (the result is never computed or assigned?)",
                         "every element is zero (the result is never computed or assigned?)")
    return None


def constant_offset(actual, expected, rtol=1e-5, atol=1e-8):
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or a.size < 2 or not np.all(np.isfinite(a)):
        return None
    d = a - e
    c = float(np.mean(d))
    if abs(c) > atol * 10 + rtol * 10 * float(np.max(np.abs(e))) and _close(a, e + c, rtol * 10, atol * 10):
        return Diagnosis(f"off by the same constant ({c:.6g}) everywhere (a bias or a shift added twice or not at all?)",
                         "off by the same constant everywhere (a bias or shift added twice or not at all?)")
    return None


def rows_permuted(actual, expected, rtol=1e-5, atol=1e-8):
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or a.ndim < 1 or a.shape[0] < 2 or a.shape[0] > 512 or _close(a, e, rtol, atol):
        return None
    ka = a.reshape(a.shape[0], -1)
    ke = e.reshape(e.shape[0], -1)
    if not (np.all(np.isfinite(ka)) and np.all(np.isfinite(ke))):
        return None
    if _close(ka, ke, rtol * 10, atol * 10) or len({r.tobytes() for r in ke}) < 2:
        return None  # nearly right as is, or every row alike: no order to get wrong
    order_a = np.lexsort(ka.T[::-1])
    order_e = np.lexsort(ke.T[::-1])
    if _close(ka[order_a], ke[order_e], rtol * 10, atol * 10):
        return Diagnosis("the right values in the wrong order along the first axis (rows shuffled or sorted?)",
                         "the right values in the wrong order along the first axis")
    return None


DETECTORS = (all_zeros, sign_flipped, factor, transposed, constant_offset, rows_permuted)


def diagnose(actual, expected, *, inputs: dict | None = None, rtol: float = 1e-6, atol: float = 1e-8):
    """The first recognised mistake for a wrong ``actual``, or None. Never raises."""
    rtol, atol = max(rtol, 1e-7), max(atol, 1e-10)
    try:
        with np.errstate(all="ignore"):
            d = equals_input(actual, expected, inputs, rtol=rtol, atol=atol)
            if d is not None:
                return d
            for det in DETECTORS:
                d = det(actual, expected, rtol=rtol, atol=atol)
                if d is not None:
                    return d
    except Exception:  # noqa: BLE001 - diagnosis is a courtesy; it must never break a check
        return None
    return None
