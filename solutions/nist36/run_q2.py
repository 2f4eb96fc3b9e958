"""Q2.4-Q2.5: one training step of the two-layer network, and a numerical gradient checker.

The network of the homework: ``layer1`` (1024 -> hidden, sigmoid) then ``output``
(hidden -> 36, softmax), trained on the summed cross-entropy.

Run ``python -m solutions.nist36.run_q2`` to compare your backprop with your
numerical gradients on a small random network.
"""
import copy

import numpy as np

from .nn import backwards, compute_loss_and_acc, forward, initialize_weights, sigmoid, sigmoid_deriv, softmax
from .util import linear_deriv


def network_loss(x, y, params):
    """Forward pass of the two-layer network; returns ``(loss, acc, probs)`` (provided)."""
    h1 = forward(x, params, 'layer1', sigmoid)
    probs = forward(h1, params, 'output', softmax)
    loss, acc = compute_loss_and_acc(y, probs)
    return loss, acc, probs


def backprop(x, y, params):
    """Forward and backward pass; fills ``params['grad_W*']`` / ``params['grad_b*']``; returns ``(loss, acc)``.

    The softmax and the cross-entropy together have the gradient ``probs - y`` with
    respect to the output layer's pre-activation, so the output layer is backpropagated
    with ``linear_deriv`` (provided).
    """
    loss, acc, probs = network_loss(x, y, params)
    delta1 = probs - y
    delta2 = backwards(delta1, params, 'output', linear_deriv)
    backwards(delta2, params, 'layer1', sigmoid_deriv)
    return loss, acc


def train_step(xb, yb, params, learning_rate):
    """One SGD step on the batch ``(xb (B, 1024), yb (B, 36))``; returns ``(loss, acc)`` of the batch.

    Computes the gradients with ``backprop`` (at the parameters *before* the step)
    and updates every parameter in place: ``params[k] -= learning_rate * params['grad_' + k]``
    for ``k`` in ``Wlayer1, blayer1, Woutput, boutput``. ``loss`` is the summed
    cross-entropy of the batch before the update.
    """
    loss, acc = None, None
    # TODO: backprop, then the gradient-descent update of the four parameters.
    # BEGIN SOLUTION
    loss, acc = backprop(xb, yb, params)
    for k in ('Wlayer1', 'blayer1', 'Woutput', 'boutput'):
        params[k] -= learning_rate * params['grad_' + k]
    # END SOLUTION
    return loss, acc


def numerical_gradients(params, loss_fn, eps=1e-6):
    """Central-difference gradients of ``loss_fn(params)`` (a float) for every parameter.

    A parameter is an entry of ``params`` whose key has no ``'_'`` (``'Wlayer1'``,
    ``'boutput'``, ...; caches and gradients have one). For each scalar entry ``v``
    of such an array, evaluate the loss at ``v + eps`` and ``v - eps`` (the other
    entries unchanged), restore ``v``, and use ``(f(v + eps) - f(v - eps)) / (2 eps)``.
    Returns a dict ``{key: gradient}`` with arrays of the parameters' shapes; ``params``
    must hold its original values again when the function returns.
    """
    grads = {}
    # TODO: loop over the real parameters and every index of each (np.ndindex helps).
    # BEGIN SOLUTION
    for k in list(params.keys()):
        if '_' in k:
            continue
        v = params[k]
        g = np.zeros(np.shape(v), dtype=np.float64)
        for idx in np.ndindex(*np.shape(v)):
            old = v[idx]
            v[idx] = old + eps
            plus = loss_fn(params)
            v[idx] = old - eps
            minus = loss_fn(params)
            v[idx] = old
            g[idx] = (plus - minus) / (2 * eps)
        grads[k] = g
    # END SOLUTION
    return grads


def relative_error(a, b):
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, 1e-12)`` (provided)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def gradient_check(seed=0, n=5, d=10, hidden=4, classes=3, verbose=True):
    """Your backprop against your numerical gradients on a random network; returns the errors."""
    np.random.seed(seed)
    x = np.random.randn(n, d)
    y = np.eye(classes)[np.random.randint(classes, size=n)]
    params = {}
    initialize_weights(d, hidden, params, 'layer1')
    initialize_weights(hidden, classes, params, 'output')
    backprop(x, y, params)
    analytic = {k: params['grad_' + k].copy() for k in ('Wlayer1', 'blayer1', 'Woutput', 'boutput')}
    clean = copy.deepcopy({k: v for k, v in params.items() if '_' not in k})
    numeric = numerical_gradients(clean, lambda p: network_loss(x, y, p)[0])
    errors = {k: relative_error(analytic[k], numeric[k]) for k in analytic}
    if verbose:
        for k, e in errors.items():
            print(f"{k:8s} relative error {e:.2e}")
    return errors


if __name__ == "__main__":
    gradient_check()
