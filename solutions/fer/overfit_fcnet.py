"""Q4 sanity check: overfit 50 CIFAR-10 training images (100% training accuracy in <= 20 epochs)."""
from __future__ import annotations

import numpy as np

from .fcnet import FullyConnectedNet
from .solver import Solver

__all__ = ["overfit_fcnet"]


def overfit_fcnet(data, seed=0):
    """Train a FullyConnectedNet on ``data`` (``X_train`` (50, 3, 32, 32), ``y_train``, ``X_val``,
    ``y_val`` as returned by ``get_CIFAR10_data``) until it fits the training images.

    Choose the architecture, ``weight_scale``, update rule and learning rate; at most 20
    epochs; no regularisation is needed. ``seed`` seeds numpy before building the model.
    Returns ``(model, solver)`` after ``solver.train()``; the grader measures the training
    accuracy of ``model.params`` itself.
    """
    np.random.seed(seed)
    # TODO: build the model and a Solver (num_epochs <= 20), train it, return both.
    # BEGIN SOLUTION
    model = FullyConnectedNet([100, 100], input_dim=int(np.prod(data["X_train"].shape[1:])),
                              num_classes=10, weight_scale=2e-2, dtype=np.float32)
    solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 3e-3},
                    num_epochs=20, batch_size=10, verbose=False, seed=seed)
    solver.train()
    # END SOLUTION
    return model, solver
