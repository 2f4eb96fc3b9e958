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
    raise NotImplementedError("softmax is not implemented yet (see the TODO above this line)")
    return loss, dlogits
