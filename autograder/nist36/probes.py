"""Sandbox-side helpers of `nist36` (no secrets: shipped with the public checks).

They run inside the student's process with the student's code (``starter.nist36``):
calls that need a Python function as an argument (an activation, a loss), numerical
gradients of the student's own forward pass, and short training runs that return
*weights* or *predictions on unlabelled inputs*; the grader computes the scores.
"""
import numpy as np

if __package__:  # autograder.nist36.probes, in the grader's own process (tests, calibration)
    from autograder.engine import kit
else:  # in the sandbox, copied beside the grader's kit
    import kit


def _nn():
    from starter.nist36 import nn

    return nn


def _activation(kind):
    from starter.nist36 import nn, util

    return {"sigmoid": (nn.sigmoid, nn.sigmoid_deriv), "relu": (util.relu, util.relu_deriv),
            "linear": (util.linear, util.linear_deriv), "softmax": (nn.softmax, None)}[kind]


def unpack(x):
    """An input the grader packed to cross into the sandbox with fewer bytes (``hidden_common.packed``):
    ``u8 / 255`` in the dtype and layout it had, or CIFAR images as float32 ``(N, 3, 32, 32) / 255 - 0.5``;
    anything else unchanged."""
    if isinstance(x, dict) and "u8_over_255" in x:
        dtype = {"float32": np.float32, "float64": np.float64}[str(x.get("dtype"))]
        return np.asarray(np.asarray(x["u8_over_255"], dtype=np.uint8) / 255.0, dtype=dtype,
                          order="F" if x.get("order") == "F" else "C")
    if isinstance(x, dict) and "cifar_u8" in x:
        u8 = np.asarray(x["cifar_u8"], dtype=np.uint8)
        return np.ascontiguousarray(u8.astype(np.float32).transpose(0, 3, 1, 2) / 255.0 - 0.5)
    return x


def _plain(params):
    """Arrays and tuples of arrays only (drops whatever the student stored that cannot travel)."""
    out = {}
    for k, v in params.items():
        if isinstance(v, tuple):
            out[k] = tuple(np.asarray(a) for a in v)
        else:
            out[k] = np.asarray(v)
    return out


def forward_with(kind, X, params, name):
    """``forward(X, params, name, activation)`` with the activation ``kind``; returns ``(out, params)``."""
    act, _ = _activation(kind)
    out = _nn().forward(X, params, name, act)
    return out, _plain(params)


def backwards_with(kind, delta, params, name):
    """``backwards(delta, params, name, activation_deriv)`` with the derivative of ``kind``.

    ``params`` must already hold ``cache_<name>``; returns ``(grad_X, params)``.
    """
    _, deriv = _activation(kind)
    grad_x = _nn().backwards(delta, params, name, deriv)
    return grad_x, _plain(params)


def forward_numeric_grads(kind, X, params, name, delta, h=1e-6):
    """Central differences of ``sum(delta * forward(X, params, name, act))`` w.r.t. X, W and b,
    using the student's own ``forward``."""
    act, _ = _activation(kind)
    nn = _nn()
    X = np.array(X, dtype=np.float64)
    P = {k: np.array(v, dtype=np.float64) for k, v in params.items() if not k.startswith("cache_")}

    def f():
        return float(np.sum(delta * np.asarray(nn.forward(X, dict(P), name, act))))

    wrt = (("X", X), ("W", P["W" + name]), ("b", P["b" + name]))
    return {key: kit.central_differences(f, arr, h) for key, arr in wrt}


# ----------------------------------------------------------------------------------
# the numerical gradient checker, on losses whose gradients the grader knows
# ----------------------------------------------------------------------------------
def _loss(kind, consts):
    if kind == "linear":  # sum_k sum(A_k * P_k)
        return lambda p: float(sum(np.sum(consts[k] * p[k]) for k in consts))
    if kind == "cubic":  # sum_k sum(P_k ** 3)
        return lambda p: float(sum(np.sum(np.asarray(p[k], dtype=np.float64) ** 3) for k in consts))
    if kind == "network":  # the two-layer sigmoid/softmax network, total cross-entropy (written here)
        x, y = consts["x"], consts["y"]

        def net(p):
            z = x @ p["Wlayer1"] + p["blayer1"]
            h = 1.0 / (1.0 + np.exp(-z))
            s = h @ p["Woutput"] + p["boutput"]
            s = s - s.max(axis=1, keepdims=True)
            logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
            return float(-np.sum(y * logp))

        return net
    raise ValueError(kind)


def numerical_gradients_on(kind, params, consts, eps=None):
    """Call the student's ``numerical_gradients`` on a known loss.

    Returns ``{"grads": dict, "restored": max |change| of every params entry afterwards,
    "keys": the keys the returned dict holds}``.
    """
    from starter.nist36 import run_q2

    params = {k: (np.array(v, dtype=np.float64) if not isinstance(v, tuple) else v) for k, v in params.items()}
    before = {k: np.array(v, copy=True) for k, v in params.items() if isinstance(v, np.ndarray)}
    loss = _loss(kind, consts)
    grads = run_q2.numerical_gradients(params, loss) if eps is None else run_q2.numerical_gradients(
        params, loss, eps=eps)
    changed = max((float(np.max(np.abs(np.asarray(params[k], dtype=np.float64) - v))) if v.size else 0.0)
                  for k, v in before.items())
    grads = {str(k): np.asarray(v, dtype=np.float64) for k, v in dict(grads).items()}
    return {"grads": grads, "restored": changed, "keys": sorted(grads)}


# ----------------------------------------------------------------------------------
# training runs (return weights / predictions; the labels of the scored inputs never come here)
# ----------------------------------------------------------------------------------
def train_nist36_short(train_x, train_y, max_iters, batch_size, learning_rate, seed=0):
    """The student's ``train_nist36`` on the given data; returns its four weight arrays."""
    from starter.nist36 import run_q3

    train_x = unpack(train_x)
    params, _history = run_q3.train_nist36(train_x, train_y, None, None, hidden_size=64, batch_size=batch_size,
                                           learning_rate=learning_rate, max_iters=max_iters, seed=seed)
    return {k: np.asarray(params[k], dtype=np.float64) for k in ("Wlayer1", "blayer1", "Woutput", "boutput")}


def train_autoencoder_short(train_x, max_iters, batch_size, learning_rate, seed=0):
    """The student's autoencoder step driven by the handout's loop; returns its eight weight arrays."""
    from starter.nist36 import run_q5

    train_x = unpack(train_x)
    params, losses = run_q5.train_autoencoder(train_x, max_iters=max_iters, batch_size=batch_size,
                                              learning_rate=learning_rate, seed=seed)
    out = {k: np.asarray(params[k], dtype=np.float64) for k in run_q5.PARAM_KEYS}
    out["losses"] = np.asarray(losses, dtype=np.float64)
    return out


def torch_train_predict(model_name, train_x, train_y, test_x, epochs, batch_size, lr, optimizer="adam", seed=0,
                        threads=1):
    """Build ``run_q6.<model_name>()``, train it with the student's ``train_torch`` and return
    predictions on ``test_x`` (and the training time)."""
    import time

    import torch

    from starter.nist36 import run_q6

    train_x, test_x = unpack(train_x), unpack(test_x)
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = getattr(run_q6, model_name)()
    start = time.perf_counter()
    run_q6.train_torch(model, train_x, train_y, epochs, batch_size, lr, seed=seed, optimizer=optimizer)
    seconds = time.perf_counter() - start
    pred = run_q6.predict(model, test_x)
    return {"pred": np.asarray(pred, dtype=np.int64), "seconds": seconds}


# ----------------------------------------------------------------------------------
# pages at several scales (the handout's photos are several times larger than the
# embedded pages; a detector written for either gets the page at the scale it expects)
# ----------------------------------------------------------------------------------
def _upsample(image, scale):
    """``image`` (H, W[, 3], uint8) enlarged ``scale`` times (bilinear); pixel (y, x) of the
    original covers rows ``y*scale .. y*scale + scale - 1`` (and likewise the columns)."""
    image = np.asarray(image)
    if int(scale) == 1:
        return image
    from PIL import Image

    h, w = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((w * int(scale), h * int(scale)), Image.BILINEAR))


def _box_rows(boxes):
    try:
        b = np.asarray(boxes, dtype=np.float64)
        return b.reshape(-1, 4) if b.size else np.zeros((0, 4))
    except (TypeError, ValueError):
        return None


def find_letters_at(image, scale=1):
    """The student's ``findLetters`` on the page enlarged ``scale`` times.

    Returns ``{"boxes": (n, 4) in the enlarged page's pixels (None when not boxes),
    "bw_shape": bw's shape, "bw": bw sampled back on the original grid (every
    ``scale``-th pixel: small to send back), "shape": the enlarged page's (H, W),
    "returned_pair": whether findLetters returned a pair}``.
    """
    from starter.nist36 import q4

    img = _upsample(image, scale)
    got = q4.findLetters(img)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return {"returned_pair": False, "boxes": None, "bw_shape": (), "bw": np.zeros(0),
                "shape": tuple(img.shape[:2])}
    boxes, bw = got
    bw = np.asarray(bw) if bw is not None else np.zeros(0)
    small = bw[::int(scale), ::int(scale)] if bw.ndim == 2 else np.zeros(0)
    try:
        small = np.asarray(small, dtype=np.float64)
    except (TypeError, ValueError):
        small = np.zeros(0)
    return {"returned_pair": True, "boxes": _box_rows(boxes), "bw_shape": tuple(int(s) for s in bw.shape),
            "bw": small, "shape": tuple(img.shape[:2])}


def read_page_at(image, params, scale=1, detections=None):
    """The student's ``read_page`` on the page enlarged ``scale`` times, with the grader's
    network ``params``: ``{"boxes": (n, 4) in the enlarged page's pixels, "lines": [...]}``.

    ``detections``: ``(boxes, bw)`` that ``findLetters`` returns while ``read_page`` runs (the
    grader's detection of this page: read_page judged on its own when findLetters misses)."""
    from starter.nist36 import q4, run_q4

    saved = {m: m.__dict__.get("findLetters") for m in (q4, run_q4)}
    if detections is not None:
        boxes, bw = detections
        given = ([list(map(int, b)) for b in np.asarray(boxes).reshape(-1, 4)], np.array(bw, dtype=np.float64))

        def findLetters(image):  # noqa: N802 - the handout's name
            return [list(b) for b in given[0]], given[1].copy()

        for m in saved:
            m.findLetters = findLetters
    try:
        boxes, lines = run_q4.read_page(_upsample(image, scale), params)
    finally:
        for m, fn in saved.items():
            if fn is not None:
                m.findLetters = fn
    return {"boxes": np.asarray(boxes, dtype=np.int64).reshape(-1, 4), "lines": [str(s) for s in lines]}
