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
    # BEGIN SOLUTION
    W = (weight_scale * np.random.randn(n_in, n_out)).astype(dtype)
    b = np.zeros(n_out, dtype=dtype)
    # END SOLUTION
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
        # BEGIN SOLUTION
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            W, b = random_init(dims[i], dims[i + 1], weight_scale=weight_scale, dtype=dtype)
            self.params[f"W{i + 1}"] = W
            self.params[f"b{i + 1}"] = b
        # END SOLUTION

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
        # BEGIN SOLUTION
        caches = []
        h = X
        L = self.num_layers
        for i in range(1, L):
            W, b = self.params[f"W{i}"], self.params[f"b{i}"]
            a = linear_forward(h, W, b)
            r = relu_forward(a)
            mask = None
            if self.use_dropout:
                r, mask = dropout_forward(r, **self.dropout_params)
            caches.append((h, a, mask))
            h = r
        scores = linear_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if not train:
            return scores
        loss, dscores = softmax(scores, y)
        loss += 0.5 * self.reg * sum(float(np.sum(self.params[f"W{i}"] ** 2)) for i in range(1, L + 1))
        grads = {}
        dh, dW, db = linear_backward(dscores, h, self.params[f"W{L}"], self.params[f"b{L}"])
        grads[f"W{L}"] = dW + self.reg * self.params[f"W{L}"]
        grads[f"b{L}"] = db
        for i in range(L - 1, 0, -1):
            h_in, a, mask = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, mask, p=self.dropout_params["p"], train=True)
            da = relu_backward(dh, a)
            dh, dW, db = linear_backward(da, h_in, self.params[f"W{i}"], self.params[f"b{i}"])
            grads[f"W{i}"] = dW + self.reg * self.params[f"W{i}"]
            grads[f"b{i}"] = db
        # END SOLUTION
        return loss, grads
