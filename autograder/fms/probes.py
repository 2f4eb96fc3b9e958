"""Child-side helpers for the fms checks (copied into the sandbox as ``probes.py``).

They run next to the student's code, import it from ``starter.fms`` and return plain
arrays and numbers. No expected values, no hidden labels: the grader's process does
all judging. Only the standard library and numpy are used here.
"""
import importlib
import time

import numpy as np

if __package__:  # autograder.fms.probes, in the grader's own process (tests, calibration)
    from autograder.engine import kit
else:  # in the sandbox, copied beside the grader's kit
    import kit

PACKAGE = "starter.fms"


def _resolve(target, package):
    """``"layers:affine_forward"`` -> the function in ``<package>.layers``."""
    modname, _, qual = target.partition(":")
    obj = importlib.import_module(f"{package}.{modname}")
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


def numeric_gradient(target, args, argnum, dout, output_index=None, h=1e-5, package=PACKAGE):
    """Central-difference gradient of ``sum(out * dout)`` w.r.t. ``args[argnum]``.

    ``out`` is the student's ``target(*args)``, or its element ``output_index`` when
    the function returns a tuple (e.g. ``(out, cache)`` -> index 0). ``h``: the step the
    grader sized for the forward's precision. Every evaluation gets fresh copies of the
    arguments (a forward pass that modifies its input in place is correct code).
    """
    fn = _resolve(target, package)
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in args]
    x = args[argnum]
    dout = np.asarray(dout, dtype=np.float64)

    def f():
        out = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        if output_index is not None:
            out = out[output_index]
        return np.sum(np.asarray(out, dtype=np.float64) * dout)

    return kit.central_differences(f, x, h)


def net_numeric_grads(init_kwargs, params, X, y, h=1e-6, package=PACKAGE):
    """Central-difference gradients of the student's ``FullyConnectedNet.loss``.

    Builds the net from ``init_kwargs``, overwrites its parameters with ``params``
    and returns ``{name: d loss / d params[name]}``.
    """
    cls = _resolve("fc_net:FullyConnectedNet", package)
    model = cls(**init_kwargs)
    for name, value in params.items():
        model.params[name] = np.array(value, dtype=np.float64)
    return {name: kit.central_differences(lambda: model.loss(np.array(X, copy=True), np.array(y, copy=True))[0],
                                          model.params[name], h)
            for name in params}


def train_two_layer(X_train, y_train, X_val, hidden_dim=100, weight_scale=1e-2, reg=0.0,
                    learning_rate=1e-2, lr_decay=0.95, batch_size=64, num_epochs=20,
                    holdout=0.15, seed=0, standardize=False, package=PACKAGE):
    """Train the student's two-layer net with the provided Solver; predict ``X_val``.

    The child never sees validation labels: model selection uses a slice of the
    training set (``holdout`` of it) as the Solver's validation data. Returns a dict
    with ``pred`` (int array, one class per row of ``X_val``) and ``loss_history``.
    With ``standardize`` every feature is shifted and scaled by the training set's mean
    and standard deviation (the same transform is applied to ``X_val``).
    """
    net_cls = _resolve("fc_net:FullyConnectedNet", package)
    solver_cls = _resolve("solver:Solver", package)
    X_train = np.asarray(X_train, dtype=np.float64)
    X_val = np.asarray(X_val, dtype=np.float64)
    if standardize:
        mu, sd = X_train.mean(axis=0), X_train.std(axis=0) + 1e-6
        X_train, X_val = (X_train - mu) / sd, (X_val - mu) / sd
    y_train = np.asarray(y_train).astype(np.int64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(X_train.shape[0])
    n_hold = int(round(holdout * X_train.shape[0]))
    hold, fit = order[:n_hold], order[n_hold:]
    data = {"X_train": X_train[fit], "y_train": y_train[fit],
            "X_val": X_train[hold], "y_val": y_train[hold]}
    num_classes = int(y_train.max()) + 1
    model = net_cls(input_dim=int(np.prod(X_train.shape[1:])), hidden_dim=[hidden_dim],
                    num_classes=num_classes, weight_scale=weight_scale, reg=reg, seed=seed)
    solver = solver_cls(model, data, learning_rate=learning_rate, lr_decay=lr_decay,
                        batch_size=batch_size, num_epochs=num_epochs, verbose=False, seed=seed)
    solver.train()
    scores = np.asarray(model.loss(np.asarray(X_val, dtype=np.float64)))
    return {"pred": np.argmax(scores, axis=1).astype(np.int64),
            "loss_history": np.asarray(solver.loss_history, dtype=np.float64)}


def time_two_layer_step(X, y, hidden_dim=100, weight_scale=1e-2, reg=0.0, batch_size=64, repeats=3,
                        package=PACKAGE):
    """Seconds one training step (loss and gradients of a batch) spends in each student function.

    Wraps the layer functions (in ``layers`` and wherever ``fc_net`` imported them) with
    timers (``kit.time_per_function``, CPU seconds: a busy grading machine must not make a
    student's code look slow), so the grader can name the function that would take a training
    run's budget.
    """
    layers = importlib.import_module(f"{package}.layers")
    fc_net = importlib.import_module(f"{package}.fc_net")
    names = ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss")
    X = np.asarray(X, dtype=np.float64)[:batch_size]
    y = np.asarray(y).astype(np.int64)[:batch_size]
    model = fc_net.FullyConnectedNet(input_dim=int(np.prod(X.shape[1:])), hidden_dim=[hidden_dim],
                                     num_classes=int(y.max()) + 1, weight_scale=weight_scale, reg=reg, seed=0)
    return kit.time_per_function(lambda: model.loss(X, y), (layers, fc_net), names, repeats=repeats,
                                 clock=time.process_time)
