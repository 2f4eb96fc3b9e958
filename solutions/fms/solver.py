"""Mini-batch SGD training loop for the numpy models of problem 2.

Provided code: nothing to implement here.

A model is any object with

* ``model.params``: a dict mapping parameter names to numpy arrays, and
* ``model.loss(X, y=None)``: scores ``(N, C)`` when ``y`` is None, otherwise
  ``(loss, grads)`` with ``grads`` keyed like ``params``.

Example::

    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = FullyConnectedNet(hidden_dim=[100], reg=1e-3)
    solver = Solver(model, data, learning_rate=1e-2, lr_decay=0.95,
                    batch_size=64, num_epochs=20, print_every=100)
    solver.train()
    solver.best_val_acc, solver.loss_history     # model.params now hold the best params
"""
import numpy as np


def sgd(w, dw, config):
    """Plain SGD step ``w - learning_rate * dw``. Returns ``(new_w, config)``."""
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config):
    """SGD with (heavy-ball) momentum. Returns ``(new_w, config)``."""
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


UPDATE_RULES = {"sgd": sgd, "sgd_momentum": sgd_momentum}


class Solver:
    """Trains a classification model with mini-batch SGD.

    Keyword arguments (all optional):
        update_rule: "sgd" (default) or "sgd_momentum".
        learning_rate: initial step size (default 1e-2).
        momentum: momentum coefficient for "sgd_momentum" (default 0.9).
        lr_decay: the learning rate is multiplied by this after every epoch (1.0).
        batch_size: examples per SGD step (100).
        num_epochs: passes over the training set (10).
        num_train_samples: training examples sampled to measure training accuracy
            after each epoch (1000; None = all).
        num_val_samples: validation examples used for the accuracy (None = all).
        print_every: print the loss every this many iterations (100).
        verbose: print progress (True).
        seed: seed of the generator that shuffles mini-batches (None).

    After :meth:`train`:
        loss_history: training loss of every iteration.
        train_acc_history, val_acc_history: accuracies after every epoch.
        best_val_acc, best_params: the best validation accuracy seen and a copy
            of the parameters that reached it; they are copied back into
            ``model.params`` at the end of training.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = np.asarray(data["X_train"])
        self.y_train = np.asarray(data["y_train"])
        self.X_val = np.asarray(data["X_val"])
        self.y_val = np.asarray(data["y_val"])

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.learning_rate = kwargs.pop("learning_rate", 1e-2)
        self.momentum = kwargs.pop("momentum", 0.9)
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = int(kwargs.pop("batch_size", 100))
        self.num_epochs = int(kwargs.pop("num_epochs", 10))
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.print_every = int(kwargs.pop("print_every", 100))
        self.verbose = kwargs.pop("verbose", True)
        self.rng = np.random.default_rng(kwargs.pop("seed", None))
        if kwargs:
            raise TypeError(f"Solver: unknown arguments {sorted(kwargs)}")
        if self.update_rule not in UPDATE_RULES:
            raise ValueError(f"Solver: unknown update_rule {self.update_rule!r}; "
                             f"choose one of {sorted(UPDATE_RULES)}")
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {name: {"learning_rate": self.learning_rate,
                                     "momentum": self.momentum}
                              for name in self.model.params}

    def _step(self):
        n = self.X_train.shape[0]
        idx = self.rng.choice(n, size=min(self.batch_size, n), replace=False)
        loss, grads = self.model.loss(self.X_train[idx], self.y_train[idx])
        self.loss_history.append(float(loss))
        rule = UPDATE_RULES[self.update_rule]
        for name, value in self.model.params.items():
            new_value, self.optim_configs[name] = rule(value, grads[name],
                                                       self.optim_configs[name])
            self.model.params[name] = new_value

    def predict(self, X, batch_size=100):
        """Predicted class of every row of ``X`` (shape (N, ...)) -> (N,) ints."""
        X = np.asarray(X)
        preds = [np.argmax(self.model.loss(X[i:i + batch_size]), axis=1)
                 for i in range(0, X.shape[0], batch_size)]
        return np.concatenate(preds) if preds else np.zeros(0, dtype=int)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of correctly classified examples (on a random subset if
        ``num_samples`` is smaller than the number of examples)."""
        X, y = np.asarray(X), np.asarray(y)
        if num_samples is not None and X.shape[0] > num_samples:
            idx = self.rng.choice(X.shape[0], size=num_samples, replace=False)
            X, y = X[idx], y[idx]
        if X.shape[0] == 0:
            return 0.0
        return float(np.mean(self.predict(X, batch_size) == y))

    def train(self):
        """Run the optimisation; leaves the best parameters in ``model.params``."""
        n = self.X_train.shape[0]
        per_epoch = max(n // self.batch_size, 1)
        total = self.num_epochs * per_epoch
        for it in range(total):
            self._step()
            if self.verbose and it % self.print_every == 0:
                print(f"(iteration {it + 1} / {total}) loss: {self.loss_history[-1]:.4f}")
            if (it + 1) % per_epoch == 0:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay
                self._record_epoch()
        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}
        return self

    def _record_epoch(self):
        train_acc = self.check_accuracy(self.X_train, self.y_train,
                                        num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val,
                                      num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        if self.verbose:
            print(f"(epoch {self.epoch} / {self.num_epochs}) "
                  f"train acc: {train_acc:.3f}; val acc: {val_acc:.3f}")
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
