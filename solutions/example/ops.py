"""Two small layers in the CS231n style: ``*_forward -> (out, cache)``, ``*_backward``."""
import numpy as np


def scale_forward(x, a):
    """Multiply every element by the scalar ``a``.

    Inputs:
    - x: array of any shape (N, ...)
    - a: float

    Returns (out, cache): out has the shape of x.
    """
    # TODO: compute out = a * x and keep what the backward pass needs.
    # BEGIN SOLUTION
    out = a * x
    cache = (x, a)
    # END SOLUTION
    return out, cache


def scale_backward(dout, cache):
    """Gradients of scale_forward.

    Inputs:
    - dout: upstream gradient, shape of x
    - cache: from scale_forward

    Returns (dx, da): dx has the shape of x, da is a float.
    """
    # TODO: use the chain rule; da sums over every element.
    # BEGIN SOLUTION
    x, a = cache
    dx = a * dout
    da = float(np.sum(dout * x))
    # END SOLUTION
    return dx, da


def mean_rows(x):
    """Mean of each row of a 2-D array x of shape (N, D); returns shape (N,)."""
    # TODO: average over the second axis.
    # BEGIN SOLUTION
    return x.mean(axis=1)
    # END SOLUTION
