"""Sandbox-side helpers of `lenet` (no secrets: shipped with the public checks).

They run inside the student's process and use the student's own code
(``starter.lenet``): numerical gradients of the student's forward functions, and a
short training run whose test *predictions* go back to the grader (the test labels
never reach this process).
"""
import time

import numpy as np


def _layers():
    from starter.lenet import cnn_lenet

    return cnn_lenet


def numeric_input_grad(kind, blob, layer, diff, param=None, h=1e-6):
    """Central differences of ``sum(diff * forward(blob)['data'])`` w.r.t. ``blob['data']``.

    ``kind`` is ``"pool"``, ``"relu"`` or ``"ip"``; ``forward`` is the student's
    ``pooling_layer_forward``, ``relu_forward`` or ``inner_product_forward``.
    """
    C = _layers()
    fwd = {"pool": lambda b: C.pooling_layer_forward(b, layer),
           "relu": lambda b: C.relu_forward(b, layer),
           "ip": lambda b: C.inner_product_forward(b, layer, param)}[kind]
    x = np.array(blob["data"], dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        pos = float(np.sum(diff * np.asarray(fwd(dict(blob, data=x))["data"])))
        x[i] = old - h
        neg = float(np.sum(diff * np.asarray(fwd(dict(blob, data=x))["data"])))
        x[i] = old
        grad[i] = (pos - neg) / (2 * h)
    return grad


def numeric_param_grad(blob, layer, param, diff, h=1e-6):
    """Central differences of ``sum(diff * inner_product_forward(...)['data'])`` w.r.t. w and b."""
    C = _layers()
    out = {}
    for key in ("w", "b"):
        p = {k: np.array(v, dtype=np.float64) for k, v in param.items()}
        g = np.zeros_like(p[key])
        for i in np.ndindex(p[key].shape):
            old = p[key][i]
            p[key][i] = old + h
            pos = float(np.sum(diff * np.asarray(C.inner_product_forward(blob, layer, p)["data"])))
            p[key][i] = old - h
            neg = float(np.sum(diff * np.asarray(C.inner_product_forward(blob, layer, p)["data"])))
            p[key][i] = old
            g[i] = (pos - neg) / (2 * h)
        out[key] = g
    return out


def train_lenet(xtrain, ytrain, xtest, max_iter=500, seed=0, batch_size=64):
    """Train LeNet with the student's layers and ``sgd_momentum`` (the homework's settings).

    Returns ``{"pred": test predictions, "iterations": n, "seconds": t, "stopped": why}``;
    training stops early (``stopped="diverged"``) when the cost becomes NaN or inf.
    """
    from starter.lenet.test_lenet import SETTINGS, lenet_layers, predict

    C = _layers()
    cfg = dict(SETTINGS, batch_size=batch_size)
    xtrain = np.ascontiguousarray(xtrain, dtype=np.float32)
    xtest = np.ascontiguousarray(xtest, dtype=np.float32)
    ytrain = np.asarray(ytrain, dtype=np.int64)
    layers = lenet_layers(batch_size)
    rng = np.random.default_rng(seed)
    params = {i: {"w": p["w"].astype(np.float32), "b": p["b"].astype(np.float32)}
              for i, p in C.init_convnet(layers, rng).items()}
    winc = {i: {"w": np.zeros_like(p["w"]), "b": np.zeros_like(p["b"])} for i, p in params.items()}
    n = xtrain.shape[1]
    order, pos = rng.permutation(n), 0
    start = time.perf_counter()
    stopped = "finished"
    it = 0
    for it in range(1, max_iter + 1):
        if pos + batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        cp, grads = C.conv_net(params, layers, np.ascontiguousarray(xtrain[:, idx]), ytrain[idx])
        if not np.isfinite(cp["cost"]):
            stopped = "diverged"
            break
        w_rate = C.get_lr(it - 1, cfg["epsilon"] * cfg["w_lr"], cfg["gamma"], cfg["power"])
        b_rate = C.get_lr(it - 1, cfg["epsilon"] * cfg["b_lr"], cfg["gamma"], cfg["power"])
        params, winc = C.sgd_momentum(w_rate, b_rate, cfg["mu"], cfg["weight_decay"], params, winc, grads)
    with np.errstate(all="ignore"):
        pred = predict(params, layers, xtest)
    return {"pred": np.asarray(pred, dtype=np.int64), "iterations": it,
            "seconds": time.perf_counter() - start, "stopped": stopped}
