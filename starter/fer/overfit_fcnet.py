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
    raise NotImplementedError("overfit_fcnet is not implemented yet (see the TODO above this line)")
    return model, solver
