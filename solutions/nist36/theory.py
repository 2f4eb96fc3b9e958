"""The theory questions of section 1 that code can check (the proofs are written answers).

Each function states a result of Q1.1-Q1.6 as a computation on inputs; the hidden
checks call it on inputs they draw and compare it with the correct formula (a
function that returns a fixed answer cannot pass). Ranges, limits and the reasons
why are the written answers.
"""
import numpy as np


def softmax_shifted(x, c):
    """Q1.1: softmax of the 1-D vector ``x + c`` computed as in the definition (no trick).

    Returns a 1-D array of ``x``'s length. (The proof shows it equals ``softmax(x)``.)
    """
    # TODO: exponentiate x + c and normalise.
    # BEGIN SOLUTION
    e = np.exp(np.asarray(x, dtype=np.float64) + c)
    return e / e.sum()
    # END SOLUTION


def softmax_steps(x):
    """Q1.2: softmax of the 1-D vector ``x`` as the three steps of the question.

    Returns ``(s, S, p)``: ``s`` the 1-D array ``exp(x)``, ``S`` the number ``sum(s)``, ``p``
    the 1-D array ``s / S``. (What range each step's values take, and what ``p`` sums to, is
    the written part.)
    """
    # TODO: the three steps, one line each.
    # BEGIN SOLUTION
    s = np.exp(np.asarray(x, dtype=np.float64))
    S = float(s.sum())
    return s, S, s / S
    # END SOLUTION


def collapse_linear(W1, b1, W2, b2):
    """Q1.3: two layers without activation, ``h2 = W2 (W1 x + b1) + b2``, as one ``W x + b``.

    Column-vector notation of the question: ``W1`` ``(h, d)``, ``b1`` ``(h,)``,
    ``W2`` ``(k, h)``, ``b2`` ``(k,)``. Returns ``(W, b)`` with ``W`` ``(k, d)`` and ``b`` ``(k,)``.
    """
    # TODO: multiply the two affine maps.
    # BEGIN SOLUTION
    W = W2 @ W1
    b = W2 @ b1 + b2
    return W, b
    # END SOLUTION


def sigmoid_grad_from_output(s):
    """Q1.4: ``d sigma / dx`` written only through ``s = sigma(x)`` (any shape)."""
    # TODO: the derivative as a function of the output.
    # BEGIN SOLUTION
    return s * (1.0 - s)
    # END SOLUTION


def linear_layer_grads(W, x, b, delta):
    """Q1.5: gradients of ``J`` for ``y = W x + b`` given ``delta = dJ/dy``.

    Column-vector notation of the question: ``W`` ``(k, d)``, ``x`` ``(d,)``, ``b`` ``(k,)``,
    ``delta`` ``(k,)``. Returns ``(dJ_dW (k, d), dJ_dx (d,), dJ_db (k,))``.
    """
    # TODO: the three gradients in matrix form.
    # BEGIN SOLUTION
    return np.outer(delta, x), W.T @ delta, np.array(delta, dtype=np.float64)
    # END SOLUTION


def tanh_from_sigmoid(x):
    """Q1.6.4: ``tanh(x)`` computed only through the logistic sigmoid (no ``np.tanh``)."""
    from .nn import sigmoid  # noqa: F401  (use your sigmoid, or write the logistic inline)

    # TODO: tanh as a scaled and shifted sigmoid.
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return 2.0 / (1.0 + np.exp(-2.0 * x)) - 1.0
    # END SOLUTION


def sigmoid_and_tanh_slopes(x):
    """Q1.6.3: ``(sigmoid'(x), tanh'(x))``, the two derivatives at every element of ``x``
    (any shape; two arrays of ``x``'s shape). Plot them to compare the largest slopes."""
    # TODO: both derivatives, through the functions' outputs.
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    s = 1.0 / (1.0 + np.exp(-x))
    th = np.tanh(x)
    return s * (1.0 - s), 1.0 - th ** 2
    # END SOLUTION
