"""Q3: the softmax classifier's loss and its gradient."""
from __future__ import annotations

import numpy as np

__all__ = ["softmax"]


def softmax(logits, y):
    """Mean cross-entropy loss of the softmax of ``logits`` and its gradient.

    Inputs: logits (N, C) (any real values, also very large ones), y (N,) integer labels
    in ``0 .. C-1``.
    Returns ``(loss, dlogits)``: loss a float, the average over the N examples of
    ``-log softmax(logits[i])[y[i]]``; dlogits (N, C), its gradient with respect to logits.
    Subtract each row's maximum before exponentiating (numerical stability).
    """
    # TODO: shift each row by its maximum, take log-probabilities, average the loss over N;
    # the gradient is (probabilities - one_hot(y)) / N.
    # BEGIN SOLUTION
    N = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(N), y] -= 1
    dlogits /= N
    # END SOLUTION
    return loss, dlogits
