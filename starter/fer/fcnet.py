"""Q4: a fully-connected network of any depth with ReLU, inverted dropout and L2.

Architecture for ``hidden_dims = [H1, ..., H_{L-1}]`` (L = number of linear layers):

    {linear -> relu -> [dropout]} x (L - 1) -> linear -> softmax

Parameters live in ``self.params``: ``W1`` (input_dim, H1), ``b1`` (H1,), ...,
``WL`` (H_{L-1}, num_classes), ``bL`` (num_classes,), all of dtype ``self.dtype``.
"""
from __future__ import annotations

import numpy as np

from .classifiers import softmax
from .layers import dropout_backward, dropout_forward, linear_backward, linear_forward, relu_backward, relu_forward

__all__ = ["random_init", "FullyConnectedNet"]


def random_init(n_in, n_out, weight_scale=5e-2, dtype=np.float32):
    """Weights and bias of one linear layer.

    Returns ``(W, b)``: W (n_in, n_out) drawn from a normal distribution with mean 0 and
    standard deviation ``weight_scale`` (with ``np.random.normal`` / ``randn``), b (n_out,)
    zeros; both of ``dtype``.
    """
    # TODO: Gaussian weights scaled by weight_scale, zero biases, cast to dtype.
    raise NotImplementedError("random_init is not implemented yet (see the TODO above this line)")
    return W, b


class FullyConnectedNet:
    """Multi-layer fully-connected network (see the module docstring).

    Arguments: hidden_dims (list of ints, may be empty: softmax regression), input_dim,
    num_classes; dropout (drop probability p; 0 = no dropout layers); reg (L2 strength:
    the loss gains ``0.5 * reg * sum(W ** 2)`` over every weight matrix, biases excluded);
    weight_scale (for ``random_init``); dtype of the parameters (np.float32, or np.float64
    for gradient checks); seed: when not None every dropout layer calls
    ``dropout_forward(..., seed=seed)`` (the same masks on every call, for gradient
    checks); None draws fresh masks (``seed=None``).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        self.use_dropout = dropout > 0
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        self.dropout_params = {"train": True, "p": dropout, "seed": seed}
        # TODO: initialise W1, b1, ..., WL, bL with random_init (weight_scale, dtype).
        raise NotImplementedError("FullyConnectedNet.__init__ is not implemented yet (see the TODO above this line)")

    def loss(self, X, y=None):
        """Scores, or loss and gradients.

        X (N, d_1, ..., d_k) with d_1 * ... * d_k = input_dim. Without ``y`` (test mode:
        dropout is the identity) returns the class scores (N, num_classes). With y (N,)
        (training mode) returns ``(loss, grads)``: loss a float (softmax loss averaged over N
        plus the L2 term), grads a dict with the keys of ``self.params`` and the same shapes.
        """
        X = X.astype(self.dtype, copy=False)
        train = y is not None
        self.dropout_params["train"] = train
        # TODO: forward through the layers keeping what backward needs, then (training
        # mode) the softmax loss, the L2 term and the backward pass.
        raise NotImplementedError("FullyConnectedNet.loss is not implemented yet (see the TODO above this line)")
        return loss, grads
