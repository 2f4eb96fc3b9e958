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
    size and number of epochs (a few minutes at most on a laptop). ``seed`` seeds numpy
    before building the model. Returns ``(model, solver)`` after ``solver.train()``; the
    notebook saves the model as ``cifar_two_layer.npz``, which the grader scores on a
    private test set.
    """
    np.random.seed(seed)
    # TODO: build a two-layer model and a Solver, train, return both.
    # BEGIN SOLUTION
    model = FullyConnectedNet([100], input_dim=int(np.prod(data["X_train"].shape[1:])), num_classes=10,
                              weight_scale=1e-2, reg=0.0, dtype=np.float32)
    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 2e-4, "momentum": 0.9}, lr_decay=0.95,
                    num_epochs=12, batch_size=100, patience=3, verbose=False, seed=seed)
    solver.train()
    # END SOLUTION
    return model, solver
