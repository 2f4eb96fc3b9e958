"""A fully-connected network with any number of hidden layers (problems 2.2, 2.3).

Architecture, for ``L - 1`` hidden layers::

    input -> [affine -> ReLU] x (L - 1) -> affine -> softmax loss

Parameters live in ``self.params``: ``W1, b1`` for the first layer up to
``WL, bL`` for the last (scores) layer. ``Wi`` has shape ``(n_in, n_out)`` and
``bi`` has shape ``(n_out,)``; inputs are stored one example per row.
"""
import numpy as np

from .layers import (affine_backward, affine_forward, relu_backward,
                     relu_forward, softmax_loss)


class FullyConnectedNet:
    """Fully-connected classifier ``affine - ReLU - ... - affine - softmax``.

    L2 regularisation convention: the loss includes ``0.5 * reg * sum(W ** 2)``
    summed over every weight matrix ``W1 .. WL`` (biases are not regularised), so
    each weight gradient gains ``reg * W``.
    """

    def __init__(self, input_dim=75, hidden_dim=(100,), num_classes=8,
                 weight_scale=1e-2, reg=0.0, dtype=np.float64, seed=None):
        """Create the network and initialise its parameters.

        Args:
            input_dim: D, the size of one (flattened) input example; 75 for the
                MDS189 poses (25 keypoints x 3 values).
            hidden_dim: the sizes of the hidden layers, a list/tuple with one entry
                per hidden layer (an int means one hidden layer).
            num_classes: C, the number of classes (8 movements).
            weight_scale: standard deviation of the normal distribution the weights
                are drawn from; biases start at zero.
            reg: L2 regularisation strength (see the class docstring).
            dtype: numpy float type of all parameters (float64 for gradient checks).
            seed: seed of the random generator used for the initial weights.
        """
        if np.isscalar(hidden_dim):
            hidden_dim = [hidden_dim]
        self.hidden_dim = [int(h) for h in hidden_dim]
        self.num_layers = len(self.hidden_dim) + 1
        self.reg = reg
        self.dtype = dtype
        self.params = {}
        rng = np.random.default_rng(seed)
        sizes = [int(input_dim)] + self.hidden_dim + [int(num_classes)]
        # TODO: for layer i = 1 .. num_layers store params["W{i}"] of shape
        # TODO: (sizes[i-1], sizes[i]) drawn from N(0, weight_scale^2) with rng, and
        # TODO: params["b{i}"] of shape (sizes[i],) filled with zeros.
        # BEGIN SOLUTION
        for i in range(1, self.num_layers + 1):
            n_in, n_out = sizes[i - 1], sizes[i]
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((n_in, n_out))
            self.params[f"b{i}"] = np.zeros(n_out)
        # END SOLUTION
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Compute class scores, or the loss and its gradients.

        Args:
            X: array of shape (N, d_1, ..., d_k) with d_1 * ... * d_k = input_dim.
            y: optional integer array of shape (N,), the labels.

        Returns:
            If ``y`` is None: ``scores``, an array of shape (N, C).
            Otherwise ``(loss, grads)``: ``loss`` is a float (data loss plus the L2
            term), ``grads`` a dict with the same keys and shapes as ``self.params``.
        """
        X = np.asarray(X).astype(self.dtype)
        # TODO: forward pass: affine + ReLU for each hidden layer (keep the caches),
        # TODO: then a final affine layer producing the scores.
        # BEGIN SOLUTION
        caches = []
        h = X
        for i in range(1, self.num_layers):
            h, fc_cache = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, relu_cache = relu_forward(h)
            caches.append((fc_cache, relu_cache))
        last = self.num_layers
        scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
        # END SOLUTION

        if y is None:
            return scores

        grads = {}
        # TODO: softmax loss on the scores plus 0.5 * reg * sum(W**2) over all weights;
        # TODO: backward pass through the layers in reverse order, adding reg * W to
        # TODO: every weight gradient.
        # BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        dh, dw, db = affine_backward(dscores, last_cache)
        grads[f"W{last}"], grads[f"b{last}"] = dw, db
        for i in range(self.num_layers - 1, 0, -1):
            fc_cache, relu_cache = caches[i - 1]
            dh = relu_backward(dh, relu_cache)
            dh, dw, db = affine_backward(dh, fc_cache)
            grads[f"W{i}"], grads[f"b{i}"] = dw, db
        for i in range(1, self.num_layers + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
        # END SOLUTION
        return loss, grads
