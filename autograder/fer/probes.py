"""Sandbox-side helpers of `fer` (no secrets: shipped with the public checks).

They run inside the student's process with the student's code (``starter.fer``):
central differences of the student's own forward functions, the student's training
functions (whose weights go back to the grader, which measures accuracy itself),
and the student's load-and-test functions run on images the grader hands over
without labels.
"""
import tempfile
from pathlib import Path

import numpy as np

if __package__:  # autograder.fer.probes, in the grader's own process (tests, calibration)
    from autograder.engine import kit
else:  # in the sandbox, copied beside the grader's kit
    import kit


def _fer(name):
    import importlib

    return importlib.import_module(f"starter.fer.{name}")


def linear_numeric(X, W, b, dout, h=1e-6):
    """Central differences of ``sum(dout * linear_forward(X, W, b))`` w.r.t. X, W and b."""
    L = _fer("layers")
    X, W, b = (np.array(a, dtype=np.float64) for a in (X, W, b))
    f = lambda: float(np.sum(dout * np.asarray(L.linear_forward(X, W, b))))  # noqa: E731
    return {k: kit.central_differences(f, a, h) for k, a in (("dX", X), ("dW", W), ("db", b))}


def relu_numeric(X, dout, h=1e-6):
    L = _fer("layers")
    X = np.array(X, dtype=np.float64)
    return kit.central_differences(lambda: float(np.sum(dout * np.asarray(L.relu_forward(X)))), X, h)


def dropout_pair(X, dout, p, seed, train=True):
    """The student's ``dropout_forward`` and then ``dropout_backward`` with the forward's *own*
    mask (whatever it stores: 0/1, boolean or already scaled). ``forward_error`` is set (and
    the backward not run) when the forward raised."""
    L = _fer("layers")
    try:
        res = L.dropout_forward(np.array(X), p=p, train=train, seed=seed)
        out, mask = res
    except Exception as exc:  # noqa: BLE001 - reported by the grader as "your forward failed"
        return {"forward_error": type(exc).__name__}
    dX = L.dropout_backward(np.array(dout), mask, p=p, train=train)
    return {"out": np.asarray(out), "dX": np.asarray(dX)}


def momentum_quadratic(curv, w0, config, steps):
    """``steps`` calls of the student's ``sgd_momentum`` on f(w) = 0.5 * sum(curv * w**2) (the
    config each call returns goes into the next); returns f before and after every step."""
    O = _fer("optim")
    w, cfg = np.array(w0, dtype=np.float64), dict(config)
    fs = [float(0.5 * np.sum(curv * w ** 2))]
    for _ in range(int(steps)):
        w, cfg = O.sgd_momentum(w, curv * w, cfg)
        w = np.array(w, dtype=np.float64)
        fs.append(float(0.5 * np.sum(curv * w ** 2)))
    return np.array(fs)


def softmax_numeric(logits, y, h=1e-6):
    C = _fer("classifiers")
    z = np.array(logits, dtype=np.float64)
    return kit.central_differences(lambda: float(C.softmax(z, y)[0]), z, h)


def fcnet_numeric(hidden_dims, input_dim, num_classes, params, X, y, reg=0.0, dropout=0.0, seed=None, h=1e-6):
    """The student's loss, analytic gradients and central differences of the student's own loss
    (float64 FullyConnectedNet with the given parameters)."""
    F = _fer("fcnet")
    net = F.FullyConnectedNet(hidden_dims, input_dim=input_dim, num_classes=num_classes, dropout=dropout,
                              reg=reg, dtype=np.float64, seed=seed)
    net.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    loss, grads = net.loss(X, y)
    numeric = {}
    for k in net.params:
        numeric[k] = kit.central_differences(lambda: float(net.loss(X, y)[0]), net.params[k], h)
    return {"loss": float(loss), "grads": {k: np.asarray(v) for k, v in grads.items()}, "numeric": numeric}


def _plain_params(model):
    params = getattr(model, "params", None)
    if not isinstance(params, dict):
        raise TypeError("the returned model has no params dict")
    return {str(k): np.asarray(v) for k, v in params.items()}


def run_overfit(data, seed=0):
    """The student's ``overfit_fcnet``; returns the trained parameters and the epochs it ran."""
    model, solver = _fer("overfit_fcnet").overfit_fcnet(data, seed=seed)
    return {"params": _plain_params(model), "num_epochs": int(getattr(solver, "num_epochs", -1)),
            "epochs_run": int(getattr(solver, "epoch", -1))}


def run_solver_patience(n_epochs, patience, seed=0):
    """Train a tiny FullyConnectedNet on random labels with the provided Solver and ``patience``:
    the validation accuracy cannot improve for long, so the student's stopping criterion must fire."""
    F, S = _fer("fcnet"), _fer("solver")
    rng = np.random.default_rng(seed)
    data = {"X_train": rng.standard_normal((60, 8)), "y_train": rng.integers(0, 3, 60),
            "X_val": rng.standard_normal((40, 8)), "y_val": rng.integers(0, 3, 40)}
    np.random.seed(seed)
    model = F.FullyConnectedNet([6], input_dim=8, num_classes=3, weight_scale=1e-2, dtype=np.float64)
    solver = S.Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-9}, num_epochs=n_epochs,
                      batch_size=20, patience=patience, verbose=False, seed=seed)
    solver.train()
    return {"epochs_run": int(solver.epoch), "val_acc_history": [float(v) for v in solver.val_acc_history]}


def _write_images(folder, X):
    from PIL import Image

    names = []
    for i, img in enumerate(np.asarray(X, dtype=np.uint8)):
        name = f"{i:05d}.png"
        Image.fromarray(img, mode="L").save(Path(folder) / name)
        names.append(name)
    return names


def run_test_model(images, model_bytes, which="fc", suffix=".npz"):
    """Write ``images`` (uint8 (N, 48, 48)) as PNG files and the model file, then call the student's
    ``test_fer_model`` (``which="fc"``) or ``test_cnn_model`` (``"cnn"``) on the folder."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        _write_images(folder, images)
        path = Path(tmp) / ("model" + suffix)
        path.write_bytes(np.asarray(model_bytes, dtype=np.uint8).tobytes())
        if which == "fc":
            preds = _fer("fer_model").test_fer_model(str(folder), model=str(path))
        else:
            preds = _fer("cnn").test_cnn_model(str(folder), model=str(path))
        return np.asarray(preds)


def run_fer_loader(rows, subtract_mean=True):
    """Write ``rows`` ([(emotion, pixels uint8 (48, 48), usage), ...]) as a fer2013.csv file and
    call the student's ``get_FER2013_data`` on it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fer2013.csv"
        with open(path, "w") as fh:
            fh.write("emotion,pixels,Usage\n")
            for emo, pix, usage in rows:
                fh.write(f"{int(emo)},{' '.join(str(int(v)) for v in np.ravel(pix))},{usage}\n")
        data = _fer("data_utils").get_FER2013_data(path=str(path), subtract_mean=subtract_mean)
        return {str(k): np.asarray(v) for k, v in dict(data).items()}
