"""Public checks of fms problems 2 and 3 (shipped to students).

Three kinds of checks, none of which needs the reference solution:

* shapes of everything your functions return;
* gradient checks: your backward pass against central differences of *your own*
  forward pass (computed next to your code by ``probes.py``);
* a few small fixed cases whose expected outputs are stored in
  ``public_expected.npz``.

Passing them is necessary, not sufficient: the hidden checks test more inputs and
edge cases (large logits, batch of one, strides, overlapping windows, ...).
"""
from pathlib import Path

import numpy as np

from autograder.engine import Context, check
from autograder.engine import compare

PROBES = "probes"
EXPECTED = Path(__file__).with_name("public_expected.npz")


def _expected():
    with np.load(EXPECTED, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _pair(t, value, what, names=("out", "cache")):
    t.assert_true(isinstance(value, (tuple, list)) and len(value) == len(names),
                  f"{what} must return a tuple ({', '.join(names)})")
    return value


def _gradcheck(t, analytic, numeric, name, what, forward_out):
    t.assert_close(analytic, numeric, name=name, what=f"{what}: your backward vs central differences "
                   f"of your forward", fd=True, precision=t.precision(forward_out))


def _forward_first(t, ok: bool, forward: str):
    """A gradient check differentiates the student's forward pass: it means nothing (and must
    not blame the backward) while that forward is wrong."""
    t.assert_true(ok, f"fix {forward} first: it is wrong on the stored example (see the case above), and "
                      f"this gradient check differentiates it",
                  summary=f"fix {forward} first: this gradient check differentiates it")


def _matches(value, expected) -> bool:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != np.shape(expected):
        return False
    rtol, atol = compare.default_tolerances(a, expected)
    return compare.close_enough(a, expected, rtol, atol)


# ----------------------------------------------------------------------------------
# 2.1 layers
# ----------------------------------------------------------------------------------
@check("fms.public.affine", part="2.1.1", points=1, hidden=False, timeout=60)
def affine_public(t: Context):
    """affine_forward / affine_backward: shapes, a stored example, gradient check"""
    e = _expected()
    x, w, b, dout = e["affine_x"], e["affine_w"], e["affine_b"], e["affine_dout"]
    fwd_ok = False
    with t.case("shapes (x of shape (3, 2, 4), w (8, 5)) and affine_forward on a stored example"):
        xs, ws, bs = t.rng.standard_normal((3, 2, 4)), t.rng.standard_normal((8, 5)), t.rng.standard_normal(5)
        out, _ = _pair(t, t.call("fms.layers:affine_forward", xs, ws, bs), "affine_forward")
        t.assert_shape(out, (3, 5), name="out", what="affine_forward on x of shape (3, 2, 4)")
        kept = t.call("fms.layers:affine_forward", xs, ws, bs, keep=True)
        dx, dw, db = _pair(t, t.call("fms.layers:affine_backward", t.rng.standard_normal((3, 5)), kept[1]),
                           "affine_backward", ("dx", "dw", "db"))
        t.assert_shape(dx, xs.shape, name="dx", what="affine_backward (dx must have the shape of x)")
        t.assert_shape(dw, ws.shape, name="dw", what="affine_backward")
        t.assert_shape(db, bs.shape, name="db", what="affine_backward")
        out, _ = _pair(t, t.call("fms.layers:affine_forward", x, w, b), "affine_forward")
        fwd_ok = _matches(out, e["affine_out"])
        t.assert_close(out, e["affine_out"], name="out", what="affine_forward, stored example")
    with t.case("affine_backward vs central differences of your affine_forward"):
        _forward_first(t, fwd_ok, "affine_forward")
        kept = t.call("fms.layers:affine_forward", x, w, b, keep=True)
        grads = _pair(t, t.call("fms.layers:affine_backward", dout, kept[1]), "affine_backward", ("dx", "dw", "db"))
        out = t.as_array(t.get(kept[0]), "out", what="affine_forward")
        for argnum, (name, g) in enumerate(zip(("dx", "dw", "db"), grads)):
            num = t.probe(f"{PROBES}:numeric_gradient", "layers:affine_forward", [x, w, b], argnum, dout,
                          output_index=0, h=t.fd_step(out))
            _gradcheck(t, g, num, name, "affine_backward", out)
    with t.case("affine_backward, stored example"):
        kept = t.call("fms.layers:affine_forward", x, w, b, keep=True)
        grads = _pair(t, t.call("fms.layers:affine_backward", dout, kept[1]), "affine_backward", ("dx", "dw", "db"))
        for name, g in zip(("dx", "dw", "db"), grads):
            t.assert_close(g, e[f"affine_{name}"], name=name, what="affine_backward, stored example")


@check("fms.public.relu", part="2.1.2", points=1, hidden=False, timeout=60)
def relu_public(t: Context):
    """relu_forward / relu_backward: a stored example, gradient check"""
    e = _expected()
    x, dout = e["relu_x"], e["relu_dout"]   # no exact zeros: the derivative is undefined there
    fwd_ok = False
    with t.case("relu_forward, stored example (shape (3, 4))"):
        out, _ = _pair(t, t.call("fms.layers:relu_forward", x), "relu_forward")
        fwd_ok = _matches(out, e["relu_out"])
        t.assert_close(out, e["relu_out"], name="out", what="relu_forward, stored example")
    with t.case("relu_backward vs central differences of your relu_forward"):
        _forward_first(t, fwd_ok, "relu_forward")
        kept = t.call("fms.layers:relu_forward", x, keep=True)
        dx = t.call("fms.layers:relu_backward", dout, kept[1])
        t.assert_shape(dx, x.shape, name="dx", what="relu_backward")
        out = t.as_array(t.get(kept[0]), "out", what="relu_forward")
        num = t.probe(f"{PROBES}:numeric_gradient", "layers:relu_forward", [x], 0, dout, output_index=0,
                      h=t.fd_step(out))
        _gradcheck(t, dx, num, "dx", "relu_backward", out)
    with t.case("relu_backward, stored example"):
        kept = t.call("fms.layers:relu_forward", x, keep=True)
        dx = t.call("fms.layers:relu_backward", dout, kept[1])
        t.assert_close(dx, e["relu_dx"], name="dx", what="relu_backward, stored example")


@check("fms.public.softmax_loss", part="2.1.3", points=1, hidden=False, timeout=60)
def softmax_public(t: Context):
    """softmax_loss: the loss (log C for tiny scores, no overflow, a stored example), dx by central differences and stored"""
    e = _expected()
    loss_ok = False
    with t.case("the loss: about log C for near-zero scores, finite for [1000, 0, -1000], a stored example"):
        N, C = 50, 8
        x = 1e-3 * t.rng.standard_normal((N, C))
        y = t.rng.integers(0, C, N)
        loss, dx = _pair(t, t.call("fms.layers:softmax_loss", x, y), "softmax_loss", ("loss", "dx"))
        loss = t.as_array(loss, "loss", what="softmax_loss")
        t.assert_true(loss.size == 1, f"softmax_loss: loss must be one number, got shape {loss.shape}")
        t.assert_shape(dx, (N, C), name="dx", what="softmax_loss")
        t.assert_close(loss.reshape(()), np.log(C), name="loss", rtol=1e-2,
                       what="softmax_loss with near-zero scores (every class equally likely: loss ~ log C)")
        big = np.array([[1000.0, 0.0, -1000.0]])
        loss, _ = t.call("fms.layers:softmax_loss", big, np.array([1]))
        t.assert_true(np.all(np.isfinite(np.asarray(loss, dtype=float))),
                      "softmax_loss overflows on scores like [1000, 0, -1000]: subtract each row's "
                      "maximum before exponentiating")
        loss, dx = _pair(t, t.call("fms.layers:softmax_loss", e["softmax_x"], e["softmax_y"]), "softmax_loss",
                         ("loss", "dx"))
        loss_ok = _matches(loss, e["softmax_loss"])
        t.assert_close(loss, e["softmax_loss"], name="loss", what="softmax_loss, stored example")
    with t.case("dx vs central differences of your loss"):
        _forward_first(t, loss_ok, "the loss of softmax_loss")
        _, dx = t.call("fms.layers:softmax_loss", e["softmax_x"], e["softmax_y"])
        num = t.probe(f"{PROBES}:numeric_gradient", "layers:softmax_loss", [e["softmax_x"], e["softmax_y"]], 0,
                      1.0, output_index=0, h=t.fd_step(dx))
        _gradcheck(t, dx, num, "dx", "softmax_loss", dx)
    with t.case("dx, stored example"):
        _, dx = t.call("fms.layers:softmax_loss", e["softmax_x"], e["softmax_y"])
        t.assert_close(dx, e["softmax_dx"], name="dx", what="softmax_loss, stored example")


# ----------------------------------------------------------------------------------
# 2.2 / 2.3 network
# ----------------------------------------------------------------------------------
@check("fms.public.fcnet", part="2.2", points=2, hidden=False, timeout=120)
def fcnet_public(t: Context):
    """FullyConnectedNet: parameter shapes, score shape, a stored example, gradient check"""
    with t.case("parameter and score shapes (75 -> [30, 20] -> 8)"):
        model = t.call("fms.fc_net:FullyConnectedNet", input_dim=75, hidden_dim=[30, 20],
                       num_classes=8, weight_scale=1e-2, keep=True)
        params = t.get(model.attr("params"))
        t.assert_true(isinstance(params, dict), "model.params must be a dict")
        for k, shape in (("W1", (75, 30)), ("b1", (30,)), ("W2", (30, 20)), ("b2", (20,)),
                         ("W3", (20, 8)), ("b3", (8,))):
            t.assert_true(k in params, f"model.params has no '{k}' (keys: {sorted(params)})")
            t.assert_shape(params[k], shape, name=k, what="FullyConnectedNet(75, [30, 20], 8)")
        scores = t.call(model.attr("loss"), t.rng.standard_normal((4, 75)))
        t.assert_shape(scores, (4, 8), name="scores", what="loss(X) without labels")

    e = _expected()
    net_params = {k[len("net_param_"):]: e[k] for k in e if k.startswith("net_param_")}
    init = dict(input_dim=6, hidden_dim=[5, 4], num_classes=3, weight_scale=0.5, reg=float(e["net_reg"]))

    def build(reg):
        model = t.call("fms.fc_net:FullyConnectedNet", keep=True, **dict(init, reg=reg))
        for k, v in net_params.items():
            t.setitem(model.attr("params"), k, v)
        return model

    loss_ok = False
    with t.case("scores and loss, stored example (reg = 0.1, loss includes 0.5 * reg * sum(W**2))"):
        model = build(init["reg"])
        t.assert_close(t.call(model.attr("loss"), e["net_X"]), e["net_scores"], name="scores",
                       what="FullyConnectedNet, stored example")
        loss, _ = t.call(model.attr("loss"), e["net_X"], e["net_y"])
        loss_ok = _matches(loss, e["net_loss"])
        t.assert_close(loss, e["net_loss"], name="loss", what="FullyConnectedNet, stored example")
    for reg in (0.0, init["reg"]):
        with t.case(f"gradients vs central differences of your loss, reg={reg}"):
            _forward_first(t, loss_ok, "the loss of FullyConnectedNet.loss")
            model = build(reg)
            loss, grads = t.call(model.attr("loss"), e["net_X"], e["net_y"])
            t.assert_true(isinstance(grads, dict), "loss(X, y) must return (loss, grads) with grads a dict")
            scores = t.as_array(t.call(model.attr("loss"), e["net_X"]), "scores", what="loss(X)")
            num = t.probe(f"{PROBES}:net_numeric_grads", dict(init, reg=reg), net_params, e["net_X"], e["net_y"],
                          h=t.fd_step(scores))
            for k in net_params:
                t.assert_true(k in grads, f"grads has no '{k}'")
                t.assert_close(grads[k], num[k], name=f"grads['{k}']", fd=True, precision=t.precision(scores),
                               what=f"FullyConnectedNet.loss with reg={reg}: your gradient vs central "
                                    f"differences of your loss")
    with t.case("gradients, stored example (reg = 0.1)"):
        model = build(init["reg"])
        _, grads = t.call(model.attr("loss"), e["net_X"], e["net_y"])
        t.assert_true(isinstance(grads, dict), "loss(X, y) must return (loss, grads) with grads a dict")
        for k in net_params:
            t.assert_true(k in grads, f"grads has no '{k}'")
            t.assert_close(grads[k], e[f"net_grad_{k}"], name=f"grads['{k}']",
                           what="FullyConnectedNet, stored example")


# ----------------------------------------------------------------------------------
# 3 convolution and pooling
# ----------------------------------------------------------------------------------
@check("fms.public.derivative_mask", part="3a", points=1, hidden=False, timeout=30)
def derivative_mask_public(t: Context):
    """derivative_mask_1d: an odd-length 1-D array that differentiates t^2 into 2t"""
    mask = np.squeeze(t.as_array(t.call("fms.conv:derivative_mask_1d"), "mask",
                                 what="derivative_mask_1d"))
    t.assert_true(mask.ndim == 1 and mask.size % 2 == 1,
                  f"derivative_mask_1d must return a 1-D array of odd length, centred on G[0]; "
                  f"got shape {mask.shape}")
    r = max(mask.size // 2, 1)
    sig = np.arange(16, dtype=np.float64) ** 2
    # the handout's convolution sum_k I[k] G[t - k], with mask[j] = G[j - len(mask) // 2]
    full = np.convolve(sig, mask)[mask.size // 2: mask.size // 2 + sig.size]
    tt = np.arange(sig.size)
    t.assert_close(full[r:-r], 2.0 * tt[r:-r], name="(I * G)[t]",
                   what="convolving I[t] = t^2 with your mask (should give the derivative 2t)")


@check("fms.public.conv2d", part="3b", points=1, hidden=False, timeout=60)
def conv2d_public(t: Context):
    """conv2d_forward / conv2d_backward: output size, a stored example, gradient check"""
    e = _expected()
    I, G, s, dR = e["conv_I"], e["conv_G"], int(e["conv_s"]), e["conv_dR"]
    fwd_ok = False
    with t.case("output size (I (2, 7, 6), G (3, 2, 3, 2), stride 2) and conv2d_forward on a stored example"):
        Ir, Gr = t.rng.standard_normal((2, 7, 6)), t.rng.standard_normal((3, 2, 3, 2))
        R = t.call("fms.conv:conv2d_forward", Ir, Gr, 2)
        t.assert_shape(R, (3, 3, 3), name="R",
                       what="conv2d_forward on I (2, 7, 6), G (3, 2, 3, 2), stride 2: W' = floor(1 + (W - w) / s)")
        dI, dG = _pair(t, t.call("fms.conv:conv2d_backward", t.rng.standard_normal((3, 3, 3)), Ir, Gr, 2),
                       "conv2d_backward", ("dI", "dG"))
        t.assert_shape(dI, Ir.shape, name="dI", what="conv2d_backward")
        t.assert_shape(dG, Gr.shape, name="dG", what="conv2d_backward")
        R = t.call("fms.conv:conv2d_forward", I, G, s)
        fwd_ok = _matches(R, e["conv_R"])
        t.assert_close(R, e["conv_R"], name="R", what="conv2d_forward, stored example")
    with t.case("conv2d_backward vs central differences of your conv2d_forward"):
        _forward_first(t, fwd_ok, "conv2d_forward")
        R = t.as_array(t.call("fms.conv:conv2d_forward", I, G, s), "R", what="conv2d_forward")
        grads = _pair(t, t.call("fms.conv:conv2d_backward", dR, I, G, s), "conv2d_backward", ("dI", "dG"))
        for argnum, (name, g) in enumerate(zip(("dI", "dG"), grads)):
            num = t.probe(f"{PROBES}:numeric_gradient", "conv:conv2d_forward", [I, G, s], argnum, dR,
                          h=t.fd_step(R))
            _gradcheck(t, g, num, name, "conv2d_backward", R)
    with t.case("conv2d_backward, stored example"):
        dI, dG = _pair(t, t.call("fms.conv:conv2d_backward", dR, I, G, s), "conv2d_backward", ("dI", "dG"))
        t.assert_close(dI, e["conv_dI"], name="dI", what="conv2d_backward, stored example")
        t.assert_close(dG, e["conv_dG"], name="dG", what="conv2d_backward, stored example")


@check("fms.public.vertical_edge_mask", part="3c", points=1, hidden=False, timeout=30)
def edge_mask_public(t: Context):
    """vertical_edge_mask: shape (3, w, h); a vertical edge beats a horizontal one"""
    m = t.as_array(t.call("fms.conv:vertical_edge_mask"), "mask", what="vertical_edge_mask")
    t.assert_true(m.ndim == 3 and m.shape[0] == 3,
                  f"vertical_edge_mask must return shape (3, w, h), got {m.shape}")
    _, w, h = m.shape
    xs = np.arange(w)[:, None] * np.ones((1, h))
    ys = np.ones((w, 1)) * np.arange(h)[None, :]
    vert = np.stack([(xs >= w / 2) * 1.0] * 3)     # intensity changes along x: a vertical edge
    horiz = np.stack([(ys >= h / 2) * 1.0] * 3)    # intensity changes along y: a horizontal edge
    rv, rh = abs(float(np.sum(m * vert))), abs(float(np.sum(m * horiz)))
    t.assert_true(rv > 2 * rh + 1e-9,
                  f"vertical_edge_mask: response to a patch with a vertical edge ({rv:.3g}) should be "
                  f"clearly larger than to a horizontal edge ({rh:.3g}); x (the first spatial axis) "
                  f"runs along the width")


@check("fms.public.maxpool", part="3e", points=1, hidden=False, timeout=60)
def maxpool_public(t: Context):
    """maxpool2d_forward / maxpool2d_backward: output size, a stored example, gradient check"""
    e = _expected()
    I, dR = e["pool_I"], e["pool_dR"]   # continuous random values: no ties
    args = (int(e["pool_w"]), int(e["pool_h"]), int(e["pool_s"]))
    fwd_ok = False
    with t.case("output size (I (2, 7, 6), 3x2 windows, stride 2) and maxpool2d_forward on a stored example"):
        Ir = t.rng.standard_normal((2, 7, 6))
        R = t.call("fms.conv:maxpool2d_forward", Ir, 3, 2, 2)
        t.assert_shape(R, (2, 3, 3), name="R", what="maxpool2d_forward on I (2, 7, 6), 3x2 windows, stride 2")
        dI = t.call("fms.conv:maxpool2d_backward", t.rng.standard_normal((2, 3, 3)), Ir, 3, 2, 2)
        t.assert_shape(dI, Ir.shape, name="dI", what="maxpool2d_backward")
        R = t.call("fms.conv:maxpool2d_forward", I, *args)
        fwd_ok = _matches(R, e["pool_R"])
        t.assert_close(R, e["pool_R"], name="R", what="maxpool2d_forward, stored example")
    with t.case("maxpool2d_backward vs central differences of your maxpool2d_forward"):
        _forward_first(t, fwd_ok, "maxpool2d_forward")
        R = t.as_array(t.call("fms.conv:maxpool2d_forward", I, *args), "R", what="maxpool2d_forward")
        dI = t.call("fms.conv:maxpool2d_backward", dR, I, *args)
        num = t.probe(f"{PROBES}:numeric_gradient", "conv:maxpool2d_forward", [I, *args], 0, dR, h=t.fd_step(R))
        _gradcheck(t, dI, num, "dI", "maxpool2d_backward", R)
    with t.case("maxpool2d_backward, stored example"):
        dI = t.call("fms.conv:maxpool2d_backward", dR, I, *args)
        t.assert_close(dI, e["pool_dI"], name="dI", what="maxpool2d_backward, stored example")
