"""Modular layers for fully-connected networks (problem 2.1).

Every layer is a pair of functions:

* ``*_forward(inputs..., params...) -> (out, cache)``: computes the layer's output
  and a ``cache`` holding whatever the backward pass will need;
* ``*_backward(dout, cache) -> gradients``: given ``dout``, the derivative of the
  loss with respect to ``out``, returns the derivative of the loss with respect to
  each input of the forward function (same shapes as those inputs).

Shape letters used in the docstrings:

* ``N``: number of examples in the mini-batch;
* ``D``: number of input features of a fully-connected layer, ``D = d_1 * ... * d_k``
  when one example has shape ``(d_1, ..., d_k)``;
* ``M``: number of outputs of a fully-connected layer;
* ``C``: number of classes.

The handout writes a layer as ``W h + b`` acting on a column vector ``h``. Here a
mini-batch is stored with one example per **row**, so the same layer reads
``x @ w + b`` with ``w`` of shape ``(D, M)`` (the transpose of the handout's ``W``).
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of a fully-connected (affine) layer.

    Each example ``x[i]`` (of any shape ``(d_1, ..., d_k)``) is flattened to a row
    vector of length ``D = d_1 * ... * d_k`` and mapped to ``x[i] @ w + b``.

    Args:
        x: array of shape (N, d_1, ..., d_k), the mini-batch of inputs.
        w: array of shape (D, M), the weights.
        b: array of shape (M,), the biases.

    Returns:
        out: array of shape (N, M).
        cache: ``(x, w, b)``, kept for :func:`affine_backward`.
    """
    # TODO: flatten every example of x into a row of length D (keep the batch axis),
    # TODO: then compute out = x_flat @ w + b and store (x, w, b) in cache.
    raise NotImplementedError("affine_forward is not implemented yet (see the TODO above this line)")
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of a fully-connected (affine) layer.

    Args:
        dout: array of shape (N, M), derivative of the loss w.r.t. ``out``.
        cache: ``(x, w, b)`` as returned by :func:`affine_forward`, with x of shape
            (N, d_1, ..., d_k), w of shape (D, M) and b of shape (M,).

    Returns:
        dx: array of shape (N, d_1, ..., d_k), the same shape as ``x``.
        dw: array of shape (D, M).
        db: array of shape (M,).
    """
    # TODO: use the flattened x (N, D) to get dw, sum dout over the batch to get db,
    # TODO: and reshape dx back to the original shape of x.
    raise NotImplementedError("affine_backward is not implemented yet (see the TODO above this line)")
    return dx, dw, db


def relu_forward(x):
    """Forward pass of the ReLU activation, ``max(0, x)`` element by element.

    Args:
        x: array of any shape.

    Returns:
        out: array of the same shape as ``x``.
        cache: ``x``, kept for :func:`relu_backward`.
    """
    # TODO: compute the element-wise max(0, x) and cache the input.
    raise NotImplementedError("relu_forward is not implemented yet (see the TODO above this line)")
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of the ReLU activation.

    Args:
        dout: array of any shape, derivative of the loss w.r.t. the ReLU output.
        cache: the input ``x`` of :func:`relu_forward`, same shape as ``dout``.

    Returns:
        dx: array of the same shape as ``dout``. Where ``x > 0`` the gradient passes
        through unchanged; where ``x < 0`` it is zero. (At ``x == 0`` ReLU has no
        derivative; this implementation uses 0 there, the grader accepts either.)
    """
    # TODO: let dout through only where the *forward input* was positive.
    raise NotImplementedError("relu_backward is not implemented yet (see the TODO above this line)")
    return dx


def softmax_loss(x, y):
    """Softmax followed by the cross-entropy loss, averaged over the mini-batch.

    For one example with scores ``s_1..s_C`` and correct class ``c`` the loss is
    ``-log(exp(s_c) / sum_k exp(s_k))``. Compute it in the stable form
    ``-(s_c - m) + log(sum_k exp(s_k - m))`` with ``m = max_k s_k``.

    Args:
        x: array of shape (N, C), the class scores; ``x[i, j]`` is the score of
            class ``j`` for example ``i``.
        y: integer array of shape (N,), the correct classes, ``0 <= y[i] < C``.

    Returns:
        loss: float, the mean of the N per-example losses.
        dx: array of shape (N, C), derivative of ``loss`` w.r.t. ``x``.
    """
    # TODO: shift each row by its maximum before exponentiating (numerical stability),
    # TODO: compute the mean cross-entropy over the N examples and its gradient
    # TODO: (softmax probabilities minus the one-hot labels, divided by N).
    raise NotImplementedError("softmax_loss is not implemented yet (see the TODO above this line)")
    return float(loss), dx
