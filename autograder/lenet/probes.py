"""Sandbox-side helpers of `lenet` (no secrets: shipped with the public checks).

They run inside the student's process and use the student's own code
(``starter.lenet``): numerical gradients of the student's forward functions, and a
short training run whose test *predictions* go back to the grader (the test labels
never reach this process).
"""
import time

import numpy as np

if __package__:  # autograder.lenet.probes, in the grader's own process (tests, calibration)
    from autograder.engine import kit
else:  # in the sandbox, copied beside the grader's kit
    import kit


def _layers():
    from starter.lenet import cnn_lenet

    return cnn_lenet


def _fresh(blob, data):
    """A new layer dict holding a copy of ``data``: the student's forward may change its input."""
    out = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in blob.items()}
    out["data"] = np.array(data, copy=True)
    return out


def numeric_input_grad(kind, blob, layer, diff, param=None, h=1e-6):
    """Central differences of ``sum(diff * forward(blob)['data'])`` w.r.t. ``blob['data']``.

    ``kind`` is ``"pool"``, ``"relu"`` or ``"ip"``; ``forward`` is the student's
    ``pooling_layer_forward``, ``relu_forward`` or ``inner_product_forward``. ``h`` is the
    step the grader sized for the forward's precision. Every evaluation gets a fresh copy
    of the input (and of ``param``): a forward that works in place is correct code.
    """
    C = _layers()

    def params():
        return None if param is None else {k: np.array(v, copy=True) for k, v in param.items()}

    fwd = {"pool": lambda b: C.pooling_layer_forward(b, dict(layer)),
           "relu": lambda b: C.relu_forward(b, dict(layer)),
           "ip": lambda b: C.inner_product_forward(b, dict(layer), params())}[kind]
    x = np.array(blob["data"], dtype=np.float64)
    return kit.central_differences(lambda: np.sum(diff * np.asarray(fwd(_fresh(blob, x))["data"], np.float64)), x, h)


def numeric_param_grad(blob, layer, param, diff, h=1e-6):
    """Central differences of ``sum(diff * inner_product_forward(...)['data'])`` w.r.t. w and b."""
    C = _layers()
    out = {}
    for key in ("w", "b"):
        p = {k: np.array(v, dtype=np.float64) for k, v in param.items()}

        def f():
            fresh = {k: v.copy() for k, v in p.items()}
            return float(np.sum(diff * np.asarray(C.inner_product_forward(_fresh(blob, blob["data"]), dict(layer),
                                                                          fresh)["data"], dtype=np.float64)))

        out[key] = kit.central_differences(f, p[key], h)
    return out


def _init_params(C, layers, rng):
    """``init_convnet`` of the student's file: this project's ``(layers, rng)`` or the
    handout's ``(layers)`` (seeded through numpy's global generator)."""
    try:
        return C.init_convnet(layers, rng)
    except TypeError:
        np.random.seed(int(rng.integers(2 ** 31)))
        return C.init_convnet(layers)


def time_lenet_step(xtrain, ytrain, batch_size=64, seed=0, steps=2, module=None):
    """CPU seconds one training step spends in each student function (and in the rest).

    Runs ``steps`` forward/backward passes and ``sgd_momentum`` steps with every student
    layer function wrapped by a timer and returns the per-step CPU time of the *last*
    one (the first pays for first-call set-up), so the grader can say which function
    would take the training run's budget before starting it. CPU time
    (``time.process_time``), not wall time: a busy grading machine makes a step take
    longer on the clock, not on the CPU. ``module``: the ``cnn_lenet`` module to time
    (default: the student's).
    """
    if module is None:
        from starter.lenet import cnn_lenet as module
    from starter.lenet.test_lenet import SETTINGS, lenet_layers

    C = module
    names = ("pooling_layer_forward", "pooling_layer_backward", "relu_forward", "relu_backward",
             "inner_product_forward", "inner_product_backward", "sgd_momentum")
    layers = lenet_layers(batch_size)
    rng = np.random.default_rng(seed)
    params = {i: {"w": np.asarray(p["w"], dtype=np.float32), "b": np.asarray(p["b"], dtype=np.float32)}
              for i, p in _init_params(C, layers, rng).items()}
    winc = {i: {"w": np.zeros_like(p["w"]), "b": np.zeros_like(p["b"])} for i, p in params.items()}
    x = np.ascontiguousarray(np.asarray(xtrain, dtype=np.float32)[:, :batch_size])
    y = np.asarray(ytrain, dtype=np.int64)[:batch_size]

    def step():
        _, grads = C.conv_net(params, layers, x, y)
        C.sgd_momentum(0.01, 0.02, SETTINGS["mu"], SETTINGS["weight_decay"], params, winc, grads)

    return kit.time_per_function(step, (C,), names, repeats=steps, last_only=True)


def train_lenet(xtrain, ytrain, xtest, max_iter=500, seed=0, batch_size=64, cpu_budget=None):
    """Train LeNet with the student's layers and ``sgd_momentum`` (the homework's settings).

    Returns ``{"params": [[layer, w, b], ...], "iterations": n, "seconds": t, "cpu_seconds": c,
    "stopped": why, "losses": cost of each step}``: the trained weights (and the curve the feedback
    draws). The grader predicts with them itself (the
    reference forward, in its own process), so nothing here can decide the accuracy; training
    stops early when the cost becomes NaN or inf (``stopped="diverged"``) or when the run has
    used ``cpu_budget`` CPU seconds (``stopped="cpu budget"``). ``xtest`` is unused (kept for
    the call's signature).
    """
    from starter.lenet.test_lenet import SETTINGS, lenet_layers

    C = _layers()
    cfg = dict(SETTINGS, batch_size=batch_size)
    xtrain = np.ascontiguousarray(xtrain, dtype=np.float32)
    xtest = np.ascontiguousarray(xtest, dtype=np.float32)
    ytrain = np.asarray(ytrain, dtype=np.int64)
    layers = lenet_layers(batch_size)
    rng = np.random.default_rng(seed)
    params = {i: {"w": np.asarray(p["w"], dtype=np.float32), "b": np.asarray(p["b"], dtype=np.float32)}
              for i, p in _init_params(C, layers, rng).items()}
    winc = {i: {"w": np.zeros_like(p["w"]), "b": np.zeros_like(p["b"])} for i, p in params.items()}
    n = xtrain.shape[1]
    order, pos = rng.permutation(n), 0
    start, cpu_start = time.perf_counter(), time.process_time()
    stopped = "finished"
    it = 0
    costs = []
    for it in range(1, max_iter + 1):
        if pos + batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        cp, grads = C.conv_net(params, layers, np.ascontiguousarray(xtrain[:, idx]), ytrain[idx])
        try:  # the curve of the feedback's figure; a cost that is no number is the grader's to judge
            costs.append(float(np.asarray(cp["cost"], dtype=np.float64).reshape(-1)[0]))
        except (TypeError, ValueError, IndexError):
            pass
        if not np.isfinite(cp["cost"]):
            stopped = "diverged"
            break
        w_rate = C.get_lr(it - 1, cfg["epsilon"] * cfg["w_lr"], cfg["gamma"], cfg["power"])
        b_rate = C.get_lr(it - 1, cfg["epsilon"] * cfg["b_lr"], cfg["gamma"], cfg["power"])
        params, winc = C.sgd_momentum(w_rate, b_rate, cfg["mu"], cfg["weight_decay"], params, winc, grads)
        if cpu_budget is not None and it < max_iter and time.process_time() - cpu_start > cpu_budget:
            stopped = "cpu budget"
            break
    return {"params": [[int(i), np.asarray(p["w"]), np.asarray(p["b"])] for i, p in params.items()],
            "iterations": it, "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu_start, "stopped": stopped, "losses": np.asarray(costs)}
