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
    raise NotImplementedError("softmax_shifted is not implemented yet (see the TODO above this line)")


def softmax_steps(x):
    """Q1.2: softmax of the 1-D vector ``x`` as the three steps of the question.

    Returns ``(s, S, p)``: ``s`` the 1-D array ``exp(x)``, ``S`` the number ``sum(s)``, ``p``
    the 1-D array ``s / S``. (What range each step's values take, and what ``p`` sums to, is
    the written part.)
    """
    # TODO: the three steps, one line each.
    raise NotImplementedError("softmax_steps is not implemented yet (see the TODO above this line)")


def collapse_linear(W1, b1, W2, b2):
    """Q1.3: two layers without activation, ``h2 = W2 (W1 x + b1) + b2``, as one ``W x + b``.

    Column-vector notation of the question: ``W1`` ``(h, d)``, ``b1`` ``(h,)``,
    ``W2`` ``(k, h)``, ``b2`` ``(k,)``. Returns ``(W, b)`` with ``W`` ``(k, d)`` and ``b`` ``(k,)``.
    """
    # TODO: multiply the two affine maps.
    raise NotImplementedError("collapse_linear is not implemented yet (see the TODO above this line)")


def sigmoid_grad_from_output(s):
    """Q1.4: ``d sigma / dx`` written only through ``s = sigma(x)`` (any shape)."""
    # TODO: the derivative as a function of the output.
    raise NotImplementedError("sigmoid_grad_from_output is not implemented yet (see the TODO above this line)")


def linear_layer_grads(W, x, b, delta):
    """Q1.5: gradients of ``J`` for ``y = W x + b`` given ``delta = dJ/dy``.

    Column-vector notation of the question: ``W`` ``(k, d)``, ``x`` ``(d,)``, ``b`` ``(k,)``,
    ``delta`` ``(k,)``. Returns ``(dJ_dW (k, d), dJ_dx (d,), dJ_db (k,))``.
    """
    # TODO: the three gradients in matrix form.
    raise NotImplementedError("linear_layer_grads is not implemented yet (see the TODO above this line)")


def tanh_from_sigmoid(x):
    """Q1.6.4: ``tanh(x)`` computed only through the logistic sigmoid (no ``np.tanh``)."""
    from .nn import sigmoid  # noqa: F401  (use your sigmoid, or write the logistic inline)

    # TODO: tanh as a scaled and shifted sigmoid.
    raise NotImplementedError("tanh_from_sigmoid is not implemented yet (see the TODO above this line)")


def sigmoid_and_tanh_slopes(x):
    """Q1.6.3: ``(sigmoid'(x), tanh'(x))``, the two derivatives at every element of ``x``
    (any shape; two arrays of ``x``'s shape). Plot them to compare the largest slopes."""
    # TODO: both derivatives, through the functions' outputs.
    raise NotImplementedError("sigmoid_and_tanh_slopes is not implemented yet (see the TODO above this line)")
