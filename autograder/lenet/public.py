"""Public checks of `lenet` (shipped to students; no reference code here).

Shapes and layouts, values small enough to verify by hand, and each backward
function against central differences of the student's *own* forward function
(computed in the sandbox by ``probes.py``). Passing them does not guarantee the
hidden checks pass: those compare with the reference on more geometries.
"""
import numpy as np

from autograder.engine import CheckFailed, Context, SandboxCrashed, SandboxTimeout, check

MOD = "lenet.cnn_lenet"
PROBES = "probes"


def _blob(data, h, w, c):
    data = np.asarray(data, dtype=np.float64)
    return {"height": h, "width": w, "channel": c, "batch_size": data.shape[1], "data": data,
            "diff": np.zeros(0)}


def _geometry(t: Context, out, expected, what):
    t.assert_true(isinstance(out, dict) and "data" in out, f"{what}: return a layer dict with 'data'")
    for key, value in expected.items():
        t.assert_true(key in out and np.ndim(out[key]) == 0 and out[key] == value,
                      f"{what}: output['{key}'] should be {value}, got {out.get(key)!r}")


@check("lenet.public.pool_forward", part="Q1", points=2, hidden=False, timeout=60)
def pool_forward(t: Context):
    """pooling_layer_forward: LeNet's geometry and a 4x4x2 example worked by hand"""
    blob = _blob(t.rng.standard_normal((24 * 24 * 20, 2)), 24, 24, 20)
    layer = {"type": "POOLING", "k": 2, "stride": 2, "pad": 0}
    out = t.call(f"{MOD}:pooling_layer_forward", blob, layer)
    _geometry(t, out, {"height": 12, "width": 12, "channel": 20, "batch_size": 2}, "pooling 24x24x20, k=2, s=2")
    t.assert_shape(out["data"], (12 * 12 * 20, 2), name="output['data']", what="pooling 24x24x20, k=2, s=2")
    # channel 0 counts 0..15 row by row; channel 1 is its negative
    ch0 = np.arange(16.0).reshape(4, 4)
    img = np.stack([ch0, -ch0], axis=-1)  # (h, w, c)
    small = _blob(img.reshape(-1, 1), 4, 4, 2)
    out = t.call(f"{MOD}:pooling_layer_forward", small, layer)
    expected = np.array([[[5, -0], [7, -2]], [[13, -8], [15, -10]]], dtype=float).reshape(-1, 1)
    t.assert_close(out["data"], expected, name="output['data']",
                   what="pooling a 4x4x2 image (channel 0 = 0..15 row by row, channel 1 = its negative)")


def _forward_ok(t: Context, which: str) -> bool:
    """Whether the student's forward passes its hand-worked example (a gradient check of a
    wrong forward would blame the backward for the forward's mistake)."""
    try:
        if which == "pool":
            ch0 = np.arange(16.0).reshape(4, 4)
            small = _blob(np.stack([ch0, -ch0], axis=-1).reshape(-1, 1), 4, 4, 2)
            out = t.call(f"{MOD}:pooling_layer_forward", small, {"type": "POOLING", "k": 2, "stride": 2, "pad": 0})
            exp = np.array([[[5, -0], [7, -2]], [[13, -8], [15, -10]]], dtype=float).reshape(-1, 1)
        elif which == "relu":
            x = np.array([[-1.0, 2.0], [0.0, -3.0], [4.5, 0.25]])
            out = t.call(f"{MOD}:relu_forward", _blob(x, 1, 1, 3), {"type": "RELU"})
            exp = np.maximum(x, 0)
        else:
            x = np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 3.0]])
            w = np.array([[1.0, 0.0], [0.5, -1.0], [2.0, 1.0]])
            b = np.array([0.5, -0.5])
            out = t.call(f"{MOD}:inner_product_forward", _blob(x, 1, 1, 3), {"type": "IP", "num": 2}, {"w": w, "b": b})
            exp = w.T @ x + b[:, None]
        got = np.asarray(out["data"], dtype=np.float64)
        return got.shape == exp.shape and bool(np.allclose(got, exp, rtol=1e-4, atol=1e-6))
    except (CheckFailed, SandboxTimeout, SandboxCrashed):
        raise
    except Exception:  # noqa: BLE001 - a student error or a malformed return: not working
        return False


def _fix_forward_first(t: Context, which: str, name: str) -> bool:
    """True when ``name`` (the forward) passes its hand-worked example, so the gradient check
    can differentiate it. Otherwise the backward is judged on its own, against values worked
    from the layer's formula (``_backward_on_worked_values``): one mistake, one charge (the
    forward's mistake costs the forward's check, not this one). Returns False then."""
    if _forward_ok(t, which):
        return True
    _backward_on_worked_values(t, which)
    t.note(f"{name} fails its hand-worked example (check {FORWARD_CHECK[which]}), so this check did not "
           f"differentiate it: your backward was compared with values worked from the layer's formula instead. "
           f"Fix {name} first, then this check differentiates it")
    return False


def _backward_on_worked_values(t: Context, which: str):
    """The backward alone on a fixed input, against values worked from the layer's formula
    (the grader's forward output is handed to it, as the hidden checks do)."""
    if which == "pool":
        ch0 = np.arange(16.0).reshape(4, 4)
        img = np.stack([ch0, -ch0], axis=-1)            # (4, 4, 2): no ties in any window
        blob = _blob(img.reshape(-1, 1), 4, 4, 2)
        layer = {"type": "POOLING", "k": 2, "stride": 2, "pad": 0}
        diff = np.array([1.0, -2.0, 3.0, 0.5, -1.5, 2.5, 4.0, -0.25]).reshape(-1, 1)
        out = _blob(np.array([[[5, -0], [7, -2]], [[13, -8], [15, -10]]], dtype=float).reshape(-1, 1), 2, 2, 2)
        out["diff"] = diff
        d = diff.reshape(2, 2, 2)
        exp = np.zeros((4, 4, 2))
        for i in range(2):
            for j in range(2):
                exp[2 * i + 1, 2 * j + 1, 0] = d[i, j, 0]   # channel 0 grows: bottom-right wins
                exp[2 * i, 2 * j, 1] = d[i, j, 1]           # channel 1 = -channel 0: top-left wins
        got = t.call(f"{MOD}:pooling_layer_backward", out, blob, layer)
        t.assert_close(got, exp.reshape(-1, 1), name="input_od",
                       what="pooling backward on the 4x4x2 example (each window's gradient to its maximum)")
    elif which == "relu":
        x = np.array([[-1.0, 2.0], [0.5, -3.0], [4.5, 0.25]])
        blob = _blob(x, 1, 1, 3)
        out = _blob(np.maximum(x, 0), 1, 1, 3)
        out["diff"] = np.array([[1.0, -2.0], [3.0, 4.0], [-0.5, 1.5]])
        got = t.call(f"{MOD}:relu_backward", out, blob, {"type": "RELU"})
        t.assert_close(got, out["diff"] * (x > 0), name="input_od",
                       what="relu backward on a 3x2 example (output['diff'] where the input is positive)")
    else:
        x = np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 3.0]])
        w = np.array([[1.0, 0.0], [0.5, -1.0], [2.0, 1.0]])
        b = np.array([0.5, -0.5])
        out = _blob(w.T @ x + b[:, None], 1, 1, 2)
        out["diff"] = np.array([[1.0, -1.0], [2.0, 0.5]])
        res = t.call(f"{MOD}:inner_product_backward", out, _blob(x, 1, 1, 3), {"type": "IP", "num": 2},
                     {"w": w, "b": b})
        t.assert_true(isinstance(res, (tuple, list)) and len(res) == 2 and isinstance(res[0], dict),
                      "inner_product_backward must return (param_grad, input_od), param_grad = {'w': ..., 'b': ...}")
        what = "inner_product_backward on a 3 -> 2 example, batch 2"
        t.assert_close(res[0].get("w"), x @ out["diff"].T, name="param_grad['w']", what=what)
        t.assert_close(res[0].get("b"), out["diff"].sum(axis=1), name="param_grad['b']", what=what)
        t.assert_close(res[1], w @ out["diff"], name="input_od", what=what)


FORWARD_CHECK = {"pool": "lenet.public.pool_forward", "relu": "lenet.public.relu", "ip": "lenet.public.ip_forward"}


def _require_working_forward(t: Context, data, what: str):
    """A gradient check means nothing on a forward pass that ignores its input."""
    arr = t.as_array(data, "output['data']", what=what)
    t.assert_true(arr.size > 0 and np.all(np.isfinite(arr)) and np.ptp(arr) > 1e-8,
                  f"{what}: the output on a random input is empty, constant or not finite, so the gradient "
                  "check cannot test anything: implement the forward pass first")


@check("lenet.public.pool_gradcheck", part="Q4", points=2, hidden=False, timeout=60)
def pool_gradcheck(t: Context):
    """pooling_layer_backward agrees with central differences of your pooling_layer_forward"""
    if not _fix_forward_first(t, "pool", "pooling_layer_forward"):
        return
    for (h, w, c, b, k, s, p) in [(4, 4, 2, 2, 2, 2, 0), (5, 5, 1, 1, 3, 1, 0)]:
        with t.case(f"{h}x{w}x{c}, batch {b}, k={k}, stride={s}"):
            blob = _blob(t.rng.standard_normal((h * w * c, b)), h, w, c)
            layer = {"type": "POOLING", "k": k, "stride": s, "pad": p}
            out = t.call(f"{MOD}:pooling_layer_forward", blob, layer)
            _require_working_forward(t, out["data"], "pooling_layer_forward")
            out["diff"] = t.rng.standard_normal(np.shape(out["data"]))
            got = t.call(f"{MOD}:pooling_layer_backward", out, blob, layer)
            num = t.probe(f"{PROBES}:numeric_input_grad", "pool", blob, layer, out["diff"], h=t.fd_step(out["data"]))
            t.assert_close(got, num, name="input_od", what=f"pooling backward vs central differences ({h}x{w}x{c}, "
                           f"k={k}, stride={s})", fd=True, precision=t.precision(out["data"]))


@check("lenet.public.relu", part="Q2", points=1, hidden=False, timeout=60)
def relu(t: Context):
    """relu_forward on a small example"""
    x = np.array([[-1.0, 2.0], [0.0, -3.0], [4.5, 0.25]])
    out = t.call(f"{MOD}:relu_forward", _blob(x, 1, 1, 3), {"type": "RELU"})
    _geometry(t, out, {"height": 1, "width": 1, "channel": 3, "batch_size": 2}, "relu_forward")
    t.assert_close(out["data"], np.maximum(x, 0), name="output['data']", what="relu_forward")


@check("lenet.public.relu_gradcheck", part="Q5", points=1, hidden=False, timeout=60)
def relu_gradcheck(t: Context):
    """relu_backward agrees with central differences of your relu_forward"""
    if not _fix_forward_first(t, "relu", "relu_forward"):
        return
    x = t.rng.standard_normal((2 * 2 * 3, 2))
    x[np.abs(x) < 0.05] = 0.5  # away from the kink at 0
    blob = _blob(x, 2, 2, 3)
    out = t.call(f"{MOD}:relu_forward", blob, {"type": "RELU"})
    _require_working_forward(t, out["data"], "relu_forward")
    out["diff"] = t.rng.standard_normal(x.shape)
    got = t.call(f"{MOD}:relu_backward", out, blob, {"type": "RELU"})
    num = t.probe(f"{PROBES}:numeric_input_grad", "relu", blob, {"type": "RELU"}, out["diff"], h=t.fd_step(out["data"]))
    t.assert_close(got, num, name="input_od", what="relu backward vs central differences", fd=True,
                   precision=t.precision(out["data"]))


@check("lenet.public.ip_forward", part="Q3", points=2, hidden=False, timeout=60)
def ip_forward(t: Context):
    """inner_product_forward computes param['w'].T @ x + b (weights stored [d, n])"""
    x = np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 3.0]])  # d = 3, batch 2
    w = np.array([[1.0, 0.0], [0.5, -1.0], [2.0, 1.0]])  # [d, n] with n = 2
    b = np.array([0.5, -0.5])
    out = t.call(f"{MOD}:inner_product_forward", _blob(x, 1, 1, 3), {"type": "IP", "num": 2}, {"w": w, "b": b})
    _geometry(t, out, {"height": 1, "width": 1, "channel": 2, "batch_size": 2}, "inner_product_forward")
    t.assert_close(out["data"], w.T @ x + b[:, None], name="output['data']", what="inner_product_forward")


@check("lenet.public.ip_gradcheck", part="Q6", points=2, hidden=False, timeout=60)
def ip_gradcheck(t: Context):
    """inner_product_backward agrees with central differences of your inner_product_forward"""
    if not _fix_forward_first(t, "ip", "inner_product_forward"):
        return
    d, n, b = 6, 4, 3
    blob = _blob(t.rng.standard_normal((d, b)), 1, 1, d)
    param = {"w": t.rng.standard_normal((d, n)), "b": t.rng.standard_normal(n)}
    layer = {"type": "IP", "num": n}
    out = t.call(f"{MOD}:inner_product_forward", blob, layer, param)
    _require_working_forward(t, out["data"], "inner_product_forward")
    out["diff"] = t.rng.standard_normal((n, b))
    res = t.call(f"{MOD}:inner_product_backward", out, blob, layer, param)
    t.assert_true(isinstance(res, (tuple, list)) and len(res) == 2 and isinstance(res[0], dict),
                  "inner_product_backward must return (param_grad, input_od), param_grad = {'w': ..., 'b': ...}")
    grad, input_od = res
    h, prec = t.fd_step(out["data"]), t.precision(out["data"])
    num_x = t.probe(f"{PROBES}:numeric_input_grad", "ip", blob, layer, out["diff"], param, h=h)
    num_p = t.probe(f"{PROBES}:numeric_param_grad", blob, layer, param, out["diff"], h=h)
    what = "inner_product_backward vs central differences"
    t.assert_close(input_od, num_x, name="input_od", what=what, fd=True, precision=prec)
    t.assert_close(grad.get("w"), num_p["w"], name="param_grad['w']", what=what, fd=True, precision=prec)
    t.assert_close(grad.get("b"), num_p["b"], name="param_grad['b']", what=what, fd=True, precision=prec)


@check("lenet.public.sgd_momentum", part="Q7", points=2, hidden=False, timeout=60)
def sgd_momentum(t: Context):
    """sgd_momentum: one step on a tiny network, worked from the handout's equations"""
    params = {1: {"w": np.array([[1.0, -2.0]]), "b": np.array([0.5, 0.0])},
              2: {"w": np.zeros(0), "b": np.zeros(0)}}
    winc = {1: {"w": np.array([[0.1, 0.2]]), "b": np.array([0.0, -0.1])},
            2: {"w": np.zeros(0), "b": np.zeros(0)}}
    grads = {1: {"w": np.array([[1.0, 1.0]]), "b": np.array([2.0, -1.0])},
             2: {"w": np.zeros(0), "b": np.zeros(0)}}
    w_rate, b_rate, mu, decay = 0.1, 0.2, 0.9, 0.5
    res = t.call(f"{MOD}:sgd_momentum", w_rate, b_rate, mu, decay, params, winc, grads)
    t.assert_true(isinstance(res, (tuple, list)) and len(res) == 2, "sgd_momentum must return (params, param_winc)")
    new_p, new_v = res
    # theta_w = 0.9 * [0.1, 0.2] + 0.1 * ([1, 1] + 0.5 * [1, -2]) = [0.24, 0.18]
    # theta_b = 0.9 * [0, -0.1] + 0.2 * [2, -1]                   = [0.4, -0.29]  (no decay on b)
    t.assert_close(new_v[1]["w"], np.array([[0.24, 0.18]]), name="param_winc[1]['w']", what="sgd_momentum")
    t.assert_close(new_v[1]["b"], np.array([0.4, -0.29]), name="param_winc[1]['b']", what="sgd_momentum")
    t.assert_close(new_p[1]["w"], np.array([[0.76, -2.18]]), name="params[1]['w']", what="sgd_momentum")
    t.assert_close(new_p[1]["b"], np.array([0.1, 0.29]), name="params[1]['b']", what="sgd_momentum")


@check("lenet.public.toy_answers", part="QnA", points=0, hidden=False, timeout=60)
def toy_answers(t: Context):
    """every toy-CNN question has an answer of the right kind (the values are graded by the hidden checks)"""
    answers = t.call("lenet.toy:answers")
    t.assert_true(isinstance(answers, dict), "toy.answers() must return a dict")
    missing = [k for k, v in answers.items() if v is None]
    t.assert_true(not missing, f"not answered yet: {', '.join(missing)}")
    for key in ("q01", "q02"):
        t.assert_true(np.shape(answers[key]) == (2,), f"{key} must be a pair (height, width)")
    for key in ("q03", "q04", "q05", "q06", "q07", "q08", "q09", "q11", "q12"):
        t.assert_true(np.ndim(answers[key]) == 0, f"{key} must be a single number")
    t.assert_true(np.size(answers["q10"]) in (1, 3), "q10 must be a vector of 3 numbers (or a single number)")
