"""Numerical gradients by central differences, for checking backward passes.

Provided code: nothing to implement here.

Use float64 inputs: with float32 the rounding error of ``f(x + h) - f(x - h)``
swamps the difference itself for small ``h``.
"""
import numpy as np


def rel_error(x, y, eps=1e-8):
    """Largest element-wise relative error ``|x - y| / max(eps, |x| + |y|)``.

    A correct float64 backward pass usually gives ``< 1e-7``; values around
    ``1e-2`` or more mean the analytic gradient is wrong.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: shapes differ, {x.shape} vs {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function ``f`` at ``x``.

    Args:
        f: callable taking the array ``x`` and returning a float. ``x`` is changed
            in place during the evaluation (and restored afterwards), so ``f`` may
            read it through a closure instead of its argument.
        x: float array of any shape; the point at which to differentiate.
        verbose: print each coordinate's derivative as it is computed.
        h: step of the central difference.

    Returns:
        grad: array of the same shape as ``x`` with ``grad[i] ~= df/dx[i]``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        saved = x[idx]
        x[idx] = saved + h
        f_plus = f(x)
        x[idx] = saved - h
        f_minus = f(x)
        x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(idx, grad[idx])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient through an array-valued function ``f``.

    Computes ``d/dx sum(f(x) * df)``: the gradient that a backward pass receiving
    ``df`` as the upstream derivative should return for the input ``x``.

    Args:
        f: callable taking ``x`` and returning an array of the same shape as ``df``.
            ``x`` is changed in place during the evaluation and restored.
        x: float array of any shape.
        df: array of the shape of ``f(x)``, the upstream derivative.
        h: step of the central difference.

    Returns:
        grad: array of the same shape as ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        saved = x[idx]
        x[idx] = saved + h
        f_plus = np.array(f(x), dtype=np.float64, copy=True)
        x[idx] = saved - h
        f_minus = np.array(f(x), dtype=np.float64, copy=True)
        x[idx] = saved
        grad[idx] = np.sum((f_plus - f_minus) * df) / (2 * h)
    return grad
