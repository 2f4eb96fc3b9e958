"""Update rules for the Solver (``src/utils/optim.py`` of the handout).

Each rule has the signature ``next_w, config = rule(w, dw, config)``: w the current
weights (any shape), dw the gradient of the loss with respect to w (same shape),
config a dict of hyper-parameters and state (the rule fills in missing defaults; the
Solver keeps one config per parameter and passes it back on the next call).
"""
from __future__ import annotations

import numpy as np

__all__ = ["sgd", "sgd_momentum"]


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: ``w - learning_rate * dw``.

    config: ``learning_rate`` (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    This one: ``v = momentum * v - learning_rate * dw``; ``next_w = w + v``. Equivalent forms
    are fine (``v = momentum * v + dw``, ``next_w = w - learning_rate * v``; or with dampening
    ``v = momentum * v - (1 - momentum) * learning_rate * dw``): at momentum 0 each is plain
    SGD, and every earlier gradient counts ``momentum`` times less with each step.

    config: ``learning_rate`` (default 1e-2), ``momentum`` (default 0.9), ``velocity``
    (array like w; zeros when missing). The updated velocity is stored back in
    ``config["velocity"]`` so that the next call continues from it.
    Returns ``(next_w, config)``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    # TODO: update the velocity, move w along it, store the velocity in config.
    # BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    # END SOLUTION
    return next_w, config
