"""The Solver: minibatch training of a classification model (``src/utils/solver.py``).

A model has ``model.params`` (a dict name -> array) and ``model.loss(X, y=None)``
(scores without ``y``; ``(loss, grads)`` with ``y``). Usage::

    solver = Solver(model, data, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 1e-3, "momentum": 0.9},
                    lr_decay=0.95, num_epochs=10, batch_size=100, patience=3)
    solver.train()

``data`` holds ``X_train`` (N_train, ...), ``y_train`` (N_train,), ``X_val``, ``y_val``.
After ``train()``: ``loss_history`` (one loss per iteration), ``train_acc_history`` and
``val_acc_history`` (one accuracy per epoch, plus one before training), ``best_val_acc``,
``best_params`` (the parameters of the epoch with the best validation accuracy),
``stopped_early`` and ``epoch`` (epochs run).

Stopping criterion (Q5): with ``patience`` set, training stops after the epoch at which
``early_stopping(val_acc_history, patience, min_delta)`` becomes true, and ``model.params``
is set to ``best_params`` at the end. Without ``patience`` the model keeps the parameters of
the last step.
"""
from __future__ import annotations

import numpy as np

from . import optim

__all__ = ["Solver", "early_stopping"]


def early_stopping(val_acc_history, patience, min_delta=0.0):
    """Whether to stop training: the validation accuracy has not improved for ``patience`` epochs.

    ``val_acc_history``: list of validation accuracies, one per evaluation (the first one
    before any training). Returns True when there are more than ``patience`` entries and
    none of the last ``patience`` entries exceeds the best *earlier* entry by more than
    ``min_delta``; False otherwise (in particular with ``patience + 1`` entries or fewer).
    """
    # TODO: compare the best of the last `patience` accuracies with the best before them.
    # BEGIN SOLUTION
    h = list(val_acc_history)
    if patience is None or len(h) <= patience:
        return False
    return max(h[-patience:]) <= max(h[:-patience]) + min_delta
    # END SOLUTION


class Solver:
    """Minibatch SGD training with learning-rate decay, accuracy logging and early stopping.

    Keyword arguments: update_rule (name in ``optim`` or a function; default "sgd"),
    optim_config (dict passed to the rule; one copy per parameter), lr_decay (the learning
    rate is multiplied by it after each epoch), batch_size (100), num_epochs (10),
    num_train_samples (1000: training accuracy is measured on this many training examples,
    None = all), num_val_samples (None = all), patience (None: no early stopping),
    min_delta (0.0), print_every (100 iterations), verbose (True), seed (for minibatch
    sampling; None: numpy's global generator).
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.patience = kwargs.pop("patience", None)
        self.min_delta = kwargs.pop("min_delta", 0.0)
        self.print_every = kwargs.pop("print_every", 100)
        self.verbose = kwargs.pop("verbose", True)
        seed = kwargs.pop("seed", None)
        if kwargs:
            raise ValueError("unrecognised arguments: " + ", ".join(sorted(kwargs)))
        if isinstance(self.update_rule, str):
            if not hasattr(optim, self.update_rule):
                raise ValueError(f"invalid update_rule {self.update_rule!r}")
            self.update_rule = getattr(optim, self.update_rule)
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.stopped_early = False
        self.loss_history, self.train_acc_history, self.val_acc_history = [], [], []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        n = self.X_train.shape[0]
        idx = (self.rng.choice(n, self.batch_size) if self.rng is not None
               else np.random.choice(n, self.batch_size))
        loss, grads = self.model.loss(self.X_train[idx], self.y_train[idx])
        self.loss_history.append(float(loss))
        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def check_accuracy(self, X, y, num_samples=None, batch_size=500):
        """Accuracy of the model on (X, y), on a random subset of ``num_samples`` if given."""
        n = X.shape[0]
        if num_samples is not None and n > num_samples:
            idx = (self.rng.choice(n, num_samples, replace=False) if self.rng is not None
                   else np.random.choice(n, num_samples, replace=False))
            X, y = X[idx], y[idx]
            n = num_samples
        preds = [np.argmax(self.model.loss(X[i:i + batch_size]), axis=1) for i in range(0, n, batch_size)]
        return float(np.mean(np.concatenate(preds) == y)) if n else 0.0

    def _evaluate(self):
        train_acc = self.check_accuracy(self.X_train, self.y_train, self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.verbose:
            print(f"(epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:.3f}; val acc: {val_acc:.3f}")

    def train(self):
        """Run the optimisation; stops early when the stopping criterion fires."""
        n = self.X_train.shape[0]
        per_epoch = max(n // self.batch_size, 1)
        self._evaluate()
        it = 0
        while self.epoch < self.num_epochs:
            for _ in range(per_epoch):
                self._step()
                it += 1
                if self.verbose and self.print_every and it % self.print_every == 0:
                    print(f"(iteration {it}) loss: {self.loss_history[-1]:.4f}")
            self.epoch += 1
            for c in self.optim_configs.values():
                c["learning_rate"] = c.get("learning_rate", 1e-2) * self.lr_decay
            self._evaluate()
            if self.patience is not None and early_stopping(self.val_acc_history, self.patience, self.min_delta):
                self.stopped_early = True
                if self.verbose:
                    print(f"stopping early after epoch {self.epoch}: no improvement for {self.patience} epochs")
                break
        if self.patience is not None:
            self.model.params = self.best_params
        return self
