"""Q4: a two-layer fully-connected network on CIFAR-10 (see the notebook for the target accuracy)."""
from __future__ import annotations

import numpy as np

from .fcnet import FullyConnectedNet
from .solver import Solver

__all__ = ["train_two_layer"]


def train_two_layer(data, seed=0):
    """Train a two-layer FullyConnectedNet (one hidden layer) on ``data`` (the dict of
    ``get_CIFAR10_data``: ``X_train`` (N, 3, 32, 32) mean-subtracted 0-255 values, ``y_train``,
    ``X_val``, ``y_val``).

    Choose the hidden size, weight scale, update rule, learning rate and its decay, batch
    size and number of epochs. It must run in about 30 seconds on a laptop for 5,000
    training images (the grader trains it on data of that size). ``seed`` seeds numpy
    before building the model. Returns ``(model, solver)`` after ``solver.train()``.
    """
    np.random.seed(seed)
    # TODO: build a two-layer model and a Solver, train, return both.
    # BEGIN SOLUTION
    model = FullyConnectedNet([200], input_dim=int(np.prod(data["X_train"].shape[1:])), num_classes=10,
                              weight_scale=1e-3, reg=0.0, dtype=np.float32)
    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 2e-4, "momentum": 0.9}, lr_decay=0.9,
                    num_epochs=8, batch_size=100, verbose=False, seed=seed)
    solver.train()
    # END SOLUTION
    return model, solver
