"""The grader's kit: the helpers every homework's checks share, on both sides of the sandbox.

The sandbox copies this file beside ``child.py`` and ``wire.py`` (``engine.sandbox.process``), so
a probe running in the student's process imports it as ``kit``; the grader imports it as
``autograder.engine.kit``. It needs only the standard library and numpy, and imports nothing
of the engine: a probe that uses it brings none of the grader's internals into the sandbox.
A probe picks the name by how it was imported::

    if __package__:  # autograder.<hw>.probes, in the grader's own process (tests, calibration)
        from autograder.engine import kit
    else:  # in the sandbox, copied beside the kit
        import kit

What it holds:

* :func:`central_differences`: d f / d x of a scalar function, one element at a time
  (the perturb-and-restore loop of every numerical gradient, in the probes and in
  ``engine.compare.numeric_gradient``);
* :func:`time_per_function` (and :func:`timed_functions`): the seconds one training step spends
  in each student function, in CPU time by default (a busy grading machine slows the clock,
  not the CPU), so a check names the slow one before a run takes its budget;
* :func:`accept_tie_rules`: the course's rule for ties in a max-pooling window (any valid
  way of sharing the window's gradient among its maxima), grader side.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np

__all__ = ["accept_tie_rules", "central_differences", "time_per_function", "timed_functions"]


# ----------------------------------------------------------------------------------
# central differences
# ----------------------------------------------------------------------------------
def central_differences(f, x: np.ndarray, h: float) -> np.ndarray:
    """The gradient of the scalar ``f()`` with respect to the array ``x`` that ``f`` reads.

    Element by element, in C order: ``x[i]`` is set to ``x[i] + h``, then ``x[i] - h``
    (``f()`` evaluated after each, converted with ``float``), then restored before the next
    element, and ``grad[i] = (f(+) - f(-)) / (2 h)``. ``x`` is changed in place and left as it
    was; pass a float64 array (the gradient has ``x``'s dtype). ``f`` should hand the student's
    function a copy of ``x`` where that function may modify its input.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        pos = float(f())
        x[i] = old - h
        neg = float(f())
        x[i] = old
        grad[i] = (pos - neg) / (2 * h)
    return grad


# ----------------------------------------------------------------------------------
# timing a training step
# ----------------------------------------------------------------------------------
@contextmanager
def timed_functions(modules, names, clock=time.process_time):
    """Inside the block, every function of ``names`` found in a module of ``modules`` is wrapped
    by a timer (each module's own reference, so calls through any of them count); yields
    ``spent``, ``{name: seconds of clock}``, with every name of ``names``. The modules get
    their functions back when the block ends, whatever happens in it."""
    spent = {n: 0.0 for n in names}
    saved = []

    def timed(name, fn):
        def wrapper(*a, **k):
            t0 = clock()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += clock() - t0
        return wrapper

    try:
        for mod in modules:
            for n in names:
                if hasattr(mod, n):
                    saved.append((mod, n, getattr(mod, n)))
                    setattr(mod, n, timed(n, getattr(mod, n)))
        yield spent
    finally:
        for mod, n, fn in reversed(saved):
            setattr(mod, n, fn)


def time_per_function(step, modules, names, *, repeats: int = 1, last_only: bool = False,
                      clock=time.process_time) -> dict:
    """Seconds of ``clock`` that one call of ``step()`` spends in each function of ``names`` (see
    :func:`timed_functions`) and in the rest (key ``"(everything else)"``).

    ``step`` runs ``repeats`` times (at least once): the figures are the mean over the runs, or
    with ``last_only`` those of the last run (the first pays for first-call set-up). ``clock``:
    ``time.process_time`` (CPU seconds, the default: what a CPU budget counts) or
    ``time.perf_counter`` (wall seconds, for a budget on the clock).
    """
    runs = max(1, int(repeats))
    total = 0.0
    with timed_functions(modules, names, clock) as spent:
        for _ in range(runs):
            if last_only:
                for n in spent:
                    spent[n] = 0.0
                total = 0.0
            t0 = clock()
            step()
            total += clock() - t0
    n = 1 if last_only else runs
    out = {k: v / n for k, v in spent.items()}
    out["(everything else)"] = max(0.0, total / n - sum(out.values()))
    return out


# ----------------------------------------------------------------------------------
# ties in max-pooling windows (grader side)
# ----------------------------------------------------------------------------------
def _follows_a_tie_rule(hit, got, d) -> bool:
    """Whether ``got`` (one window's gradient) shares the window's ``d`` among the maxima ``hit``:
    nothing to the other entries, the shares sum to ``d``, each share between 0 and ``d``."""
    tol = 1e-6 * (abs(d) + 1e-9)
    share = got[hit] / d if d != 0 else np.zeros(int(hit.sum()))
    return bool(np.all(np.abs(got[~hit]) <= tol) and abs(got[hit].sum() - d) <= tol
                and np.all(share >= -1e-9) and np.all(share <= 1 + 1e-9))


def accept_tie_rules(got, expected, x, dout, window, stride, axes=(0, 1)):
    """``expected`` (the reference max-pooling backward, which gives a window's gradient to its
    first maximum) with the student's ``got`` kept in every window with a tie where ``got``
    follows *a* valid rule: the window's gradient shared among its maxima (first, last, split,
    any convex combination), nothing to the other entries.

    ``x``: the pooling's input; ``dout``: the gradient of its output; ``axes``: the two axes of
    both that windows slide along (the others, channels and batch, are the same in both);
    ``window``: the window's size along those two axes; ``stride``: the step. ``got`` and
    ``expected`` hold ``x.size`` values (any shape, ``x``'s order). Only where windows do not
    overlap (``stride`` >= both sizes): otherwise, or when ``got`` is not an array of numbers
    of ``expected``'s shape, ``expected`` is returned unchanged (the comparison then says what
    is wrong)."""
    expected = np.asarray(expected)
    try:
        a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return expected
    x = np.asarray(x)
    kw, kh = (int(k) for k in window)
    if a.shape != expected.shape or a.size != x.size or stride < kw or stride < kh:
        return expected
    front = (0, 1)
    xs = np.moveaxis(x, axes, front)
    rest = xs.shape[2:]
    X = xs.reshape(xs.shape[0], xs.shape[1], -1)
    G = np.moveaxis(a.reshape(x.shape), axes, front).reshape(X.shape)
    out = np.moveaxis(expected.reshape(x.shape), axes, front).reshape(X.shape).astype(np.float64, copy=True)
    D = np.moveaxis(np.asarray(dout, dtype=np.float64), axes, front)
    n_i, n_j = D.shape[:2]
    D = D.reshape(n_i, n_j, -1)
    for i in range(n_i):
        for j in range(n_j):
            sl = (slice(i * stride, i * stride + kw), slice(j * stride, j * stride + kh))
            win, gw = X[sl], G[sl]
            hit = win == win.max(axis=(0, 1), keepdims=True)
            for r in np.nonzero(hit.sum(axis=(0, 1)) >= 2)[0]:
                if _follows_a_tie_rule(hit[:, :, r], gw[:, :, r], D[i, j, r]):
                    out[sl][:, :, r] = gw[:, :, r]
    back = np.moveaxis(out.reshape(X.shape[:2] + rest), front, axes)
    return back.reshape(expected.shape)
