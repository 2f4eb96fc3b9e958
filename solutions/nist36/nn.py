"""A fully-connected network in numpy, one layer at a time (handout sections 2.1-2.4).

Layout conventions (those of the handout):

* a batch ``X`` has shape ``(N, D)``: one example per row;
* a layer named ``name`` keeps its weight ``params['W' + name]`` of shape
  ``(in_size, out_size)`` and its bias ``params['b' + name]`` of shape ``(out_size,)``
  (1-D), and computes ``activation(X @ W + b)``;
* ``forward`` stores ``params['cache_' + name] = (X, pre_act, post_act)``;
  ``backwards`` reads it and stores ``params['grad_W' + name]`` and
  ``params['grad_b' + name]``;
* labels ``y`` are one-hot, shape ``(N, C)``; the loss is the *total* (summed)
  cross-entropy over the batch.
"""
import numpy as np

from .util import linear, linear_deriv, relu, relu_deriv  # noqa: F401  (re-exported for the scripts)


# ----------------------------------------------------------------------------------
# Q2.1.2
# ----------------------------------------------------------------------------------
def initialize_weights(in_size, out_size, params, name=''):
    """Xavier-uniform initialisation of one layer.

    Stores ``params['W' + name]`` of shape ``(in_size, out_size)``, drawn uniformly
    from ``[-a, a]`` with ``a = sqrt(6 / (in_size + out_size))`` (so that
    ``Var[W] = 2 / (in_size + out_size)``), using ``np.random`` (seed it before
    calling for reproducible runs), and ``params['b' + name]``, a 1-D array of
    ``out_size`` zeros. Returns nothing.
    """
    W, b = None, None
    # TODO: draw W with np.random.uniform from the Xavier bound; b is a 1-D zero vector.
    # BEGIN SOLUTION
    bound = np.sqrt(6.0 / (in_size + out_size))
    W = np.random.uniform(-bound, bound, (in_size, out_size))
    b = np.zeros(out_size)
    # END SOLUTION
    params['W' + name] = W
    params['b' + name] = b


# ----------------------------------------------------------------------------------
# Q2.2.1
# ----------------------------------------------------------------------------------
def sigmoid(x):
    """Elementwise logistic function ``1 / (1 + exp(-x))``; ``x`` of any shape, same shape out.

    Must not overflow for large negative ``x`` (no warnings, no NaN).
    """
    res = None
    # TODO: compute the sigmoid elementwise, stable for large |x|.
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    res = np.empty_like(x)
    pos = x >= 0
    res[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    res[~pos] = e / (1.0 + e)
    # END SOLUTION
    return res


def forward(X, params, name='', activation=sigmoid):
    """Forward pass of one layer: ``post_act = activation(X @ W + b)``.

    X: ``(N, in_size)``; ``params['W' + name]``: ``(in_size, out_size)``;
    ``params['b' + name]``: ``(out_size,)``. Returns ``post_act`` ``(N, out_size)`` and
    stores ``params['cache_' + name] = (X, pre_act, post_act)`` for backprop.
    """
    pre_act, post_act = None, None
    W = params['W' + name]
    b = params['b' + name]
    # TODO: compute pre_act (the affine map) and post_act (the activation of it).
    # BEGIN SOLUTION
    pre_act = X @ W + b
    post_act = activation(pre_act)
    # END SOLUTION
    params['cache_' + name] = (X, pre_act, post_act)
    return post_act


# ----------------------------------------------------------------------------------
# Q2.2.2
# ----------------------------------------------------------------------------------
def softmax(x):
    """Row-wise softmax of ``x`` ``(N, C)``: each row of the result is positive and sums to 1.

    Subtract each row's maximum first (Q1.1) so that large scores do not overflow.
    """
    res = None
    # TODO: subtract the row maximum, exponentiate, normalise each row.
    # BEGIN SOLUTION
    shifted = x - np.max(x, axis=1, keepdims=True)
    e = np.exp(shifted)
    res = e / np.sum(e, axis=1, keepdims=True)
    # END SOLUTION
    return res


# ----------------------------------------------------------------------------------
# Q2.2.3
# ----------------------------------------------------------------------------------
def compute_loss_and_acc(y, probs):
    """Total cross-entropy and accuracy of a batch.

    y: one-hot labels ``(N, C)``; probs: predicted probabilities ``(N, C)``.
    Returns ``(loss, acc)``: ``loss = -sum_n sum_c y[n, c] * log(probs[n, c])`` (a float,
    summed over the batch, not averaged) and ``acc`` the fraction of rows whose
    ``argmax`` of ``probs`` is the labelled class (a float in [0, 1]).
    """
    loss, acc = None, None
    # TODO: the summed cross-entropy and the fraction of correct argmax predictions.
    # BEGIN SOLUTION
    loss = float(-np.sum(y * np.log(probs)))
    acc = float(np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1)))
    # END SOLUTION
    return loss, acc


# ----------------------------------------------------------------------------------
# Q2.3
# ----------------------------------------------------------------------------------
def sigmoid_deriv(post_act):
    """Derivative of the sigmoid written through its output (Q1.4): ``s * (1 - s)``."""
    res = post_act * (1.0 - post_act)
    return res


def backwards(delta, params, name='', activation_deriv=sigmoid_deriv):
    """Backward pass of one layer.

    delta: ``dJ/d(post_act)`` ``(N, out_size)``. Uses the cache ``(X, pre_act, post_act)``
    stored by ``forward``; ``activation_deriv`` is a function of ``post_act``.
    Stores ``params['grad_W' + name]`` ``(in_size, out_size)`` and
    ``params['grad_b' + name]`` ``(out_size,)`` (sums over the batch) and returns
    ``grad_X = dJ/dX`` ``(N, in_size)``.
    """
    grad_X, grad_W, grad_b = None, None, None
    W = params['W' + name]
    b = params['b' + name]  # noqa: F841
    X, pre_act, post_act = params['cache_' + name]
    # TODO: go through the activation (a function of post_act), then compute grad_W, grad_b, grad_X.
    # BEGIN SOLUTION
    d_pre = delta * activation_deriv(post_act)
    grad_W = X.T @ d_pre
    grad_b = np.sum(d_pre, axis=0)
    grad_X = d_pre @ W.T
    # END SOLUTION
    params['grad_W' + name] = grad_W
    params['grad_b' + name] = grad_b
    return grad_X


# ----------------------------------------------------------------------------------
# Q2.4
# ----------------------------------------------------------------------------------
def get_random_batches(x, y, batch_size):
    """Split ``(x, y)`` into random batches: a list of ``(batch_x, batch_y)`` pairs.

    Every example appears in exactly one batch; all batches have ``batch_size`` rows
    except possibly the last one. Use ``np.random`` for the permutation.
    """
    batches = []
    # TODO: permute the rows with np.random.permutation and cut them into batch_size chunks.
    # BEGIN SOLUTION
    order = np.random.permutation(x.shape[0])
    for start in range(0, x.shape[0], batch_size):
        idx = order[start:start + batch_size]
        batches.append((x[idx], y[idx]))
    # END SOLUTION
    return batches
