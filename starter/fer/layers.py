"""Layers of the fully-connected network (Q1: linear and ReLU, Q2: inverted dropout).

Shapes
------
* ``X``: a batch of ``N`` inputs of any trailing shape ``(N, d_1, ..., d_k)``; a linear
  layer reads each example as a row of ``D = d_1 * ... * d_k`` numbers (C order).
* ``W``: ``(D, M)``, ``b``: ``(M,)``; the linear layer computes ``X.reshape(N, D) @ W + b``.
* ``dout``: the gradient of the loss with respect to a layer's output (its shape).

Every backward function returns gradients with exactly the shapes of the arrays they
belong to (``dX`` has the shape of ``X``, possibly with trailing dimensions).
"""
from __future__ import annotations

import numpy as np

__all__ = ["linear_forward", "linear_backward", "relu_forward", "relu_backward",
           "dropout_forward", "dropout_backward"]


def linear_forward(X, W, b):
    """Linear (fully-connected) layer: ``out = X.reshape(N, D) @ W + b``.

    Inputs: X (N, d_1, ..., d_k), W (D, M) with D = d_1 * ... * d_k, b (M,).
    Returns: out (N, M).
    """
    # TODO: flatten each example to a row of D values and apply the affine map.
    raise NotImplementedError("linear_forward is not implemented yet (see the TODO above this line)")
    return out


def linear_backward(dout, X, W, b):
    """Backward pass of ``linear_forward``.

    Inputs: dout (N, M), X (N, d_1, ..., d_k), W (D, M), b (M,).
    Returns: ``(dX, dW, db)`` with dX (N, d_1, ..., d_k), dW (D, M), db (M,), the
    gradients of the loss (summed over the batch) with respect to X, W and b.
    """
    # TODO: dX = dout W^T reshaped like X, dW = X_flat^T dout, db = column sums of dout.
    raise NotImplementedError("linear_backward is not implemented yet (see the TODO above this line)")
    return dX, dW, db


def relu_forward(X):
    """Rectified linear unit, elementwise: ``out = max(0, X)``; X and out of any shape."""
    # TODO: elementwise maximum with zero (do not modify X in place).
    raise NotImplementedError("relu_forward is not implemented yet (see the TODO above this line)")
    return out


def relu_backward(dout, X):
    """Backward pass of ReLU: ``dX = dout`` where ``X > 0``, 0 where ``X < 0``.

    At ``X == 0`` ReLU has no derivative: any subgradient is right (a value between 0 and
    dout; this one gives 0). dout and X have the same shape; returns dX of that shape.
    """
    # TODO: let the gradient through where the input was positive.
    raise NotImplementedError("relu_backward is not implemented yet (see the TODO above this line)")
    return dX


def dropout_forward(X, p=0.5, train=True, seed=42):
    """Inverted dropout.

    ``p`` is the probability of *dropping* a unit (keep probability ``q = 1 - p``).
    In training (``train=True``): seed numpy's global generator with ``np.random.seed(seed)``
    unless ``seed`` is None (the same seed must give the same mask), keep each unit with
    probability q (e.g. ``np.random.rand(*X.shape) > p``, ``< q`` or
    ``np.random.binomial(1, q, X.shape)``: any of them) and return ``out`` with the kept units
    scaled by ``1 / q`` and the dropped ones 0. At test time (``train=False``) the layer is the
    identity: ``out = X`` (mask None, say).

    Inputs: X of any shape; 0 <= p < 1. Returns ``(out, mask)``: out like X; mask whatever
    ``dropout_backward`` needs (a 0/1 keep-mask, or one already scaled by 1/q): the grader hands
    your backward the mask your own forward returned.
    """
    # TODO: seed, draw a keep-mask (probability q = 1 - p per unit), scale the kept units by 1/q.
    raise NotImplementedError("dropout_forward is not implemented yet (see the TODO above this line)")
    return out, mask


def dropout_backward(dout, mask, p=0.5, train=True):
    """Backward pass of ``dropout_forward``: in training the gradient flows through the kept
    units with the same 1/(1-p) scaling (``dX = dout * mask / (1 - p)`` for a 0/1 mask,
    ``dout * mask`` for a mask your forward already scaled), 0 through the dropped ones;
    ``dX = dout`` at test time. dout has the shape of X, mask is what your dropout_forward
    returned; returns dX of X's shape."""
    # TODO: the gradient flows through the kept units with the same 1/q scaling.
    raise NotImplementedError("dropout_backward is not implemented yet (see the TODO above this line)")
    return dX
