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

PROBES = "probes"
EXPECTED = Path(__file__).with_name("public_expected.npz")


def _expected():
    with np.load(EXPECTED, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _pair(t, value, what, names=("out", "cache")):
    t.assert_true(isinstance(value, (tuple, list)) and len(value) == len(names),
                  f"{what} must return a tuple ({', '.join(names)})")
    return value


def _gradcheck(t, analytic, numeric, name, what):
    t.assert_close(analytic, numeric, name=name, what=f"{what}: your backward vs central differences "
                   f"of your forward", rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------------------------
# 2.1 layers
# ----------------------------------------------------------------------------------
@check("fms.public.affine", part="2.1.1", points=1, hidden=False, timeout=60)
def affine_public(t: Context):
    """affine_forward / affine_backward: shapes, gradient check, a fixed example"""
    x = t.rng.standard_normal((3, 2, 4))
    w = t.rng.standard_normal((8, 5))
    b = t.rng.standard_normal(5)
    out, _ = _pair(t, t.call("fms.layers:affine_forward", x, w, b), "affine_forward")
    t.assert_shape(out, (3, 5), name="out", what="affine_forward on x of shape (3, 2, 4)")
    dout = t.rng.standard_normal((3, 5))
    kept = t.call("fms.layers:affine_forward", x, w, b, keep=True)
    dx, dw, db = _pair(t, t.call("fms.layers:affine_backward", dout, kept[1]), "affine_backward",
                       ("dx", "dw", "db"))
    t.assert_shape(dx, x.shape, name="dx", what="affine_backward (dx must have the shape of x)")
    t.assert_shape(dw, w.shape, name="dw", what="affine_backward")
    t.assert_shape(db, b.shape, name="db", what="affine_backward")
    for argnum, (name, g) in enumerate((("dx", dx), ("dw", dw), ("db", db))):
        num = t.probe(f"{PROBES}:numeric_gradient", "layers:affine_forward", [x, w, b], argnum, dout,
                      output_index=0)
        _gradcheck(t, g, num, name, "affine_backward")
    e = _expected()
    out, _ = t.call("fms.layers:affine_forward", e["affine_x"], e["affine_w"], e["affine_b"])
    t.assert_close(out, e["affine_out"], name="out", what="affine_forward, stored example")
    kept = t.call("fms.layers:affine_forward", e["affine_x"], e["affine_w"], e["affine_b"], keep=True)
    dx, dw, db = t.call("fms.layers:affine_backward", e["affine_dout"], kept[1])
    for name, g in (("dx", dx), ("dw", dw), ("db", db)):
        t.assert_close(g, e[f"affine_{name}"], name=name, what="affine_backward, stored example")


@check("fms.public.relu", part="2.1.2", points=1, hidden=False, timeout=60)
def relu_public(t: Context):
    """relu_forward / relu_backward: shapes, gradient check, a fixed example"""
    x = t.rng.standard_normal((4, 3, 2))
    x[np.abs(x) < 1e-3] = 0.5          # keep away from the kink at 0 for the gradient check
    out, _ = _pair(t, t.call("fms.layers:relu_forward", x), "relu_forward")
    t.assert_shape(out, x.shape, name="out", what="relu_forward")
    dout = t.rng.standard_normal(x.shape)
    kept = t.call("fms.layers:relu_forward", x, keep=True)
    dx = t.call("fms.layers:relu_backward", dout, kept[1])
    t.assert_shape(dx, x.shape, name="dx", what="relu_backward")
    num = t.probe(f"{PROBES}:numeric_gradient", "layers:relu_forward", [x], 0, dout, output_index=0)
    _gradcheck(t, dx, num, "dx", "relu_backward")
    e = _expected()
    out, _ = t.call("fms.layers:relu_forward", e["relu_x"])
    t.assert_close(out, e["relu_out"], name="out", what="relu_forward, stored example")
    kept = t.call("fms.layers:relu_forward", e["relu_x"], keep=True)
    dx = t.call("fms.layers:relu_backward", e["relu_dout"], kept[1])
    t.assert_close(dx, e["relu_dx"], name="dx", what="relu_backward, stored example")


@check("fms.public.softmax_loss", part="2.1.3", points=1, hidden=False, timeout=60)
def softmax_public(t: Context):
    """softmax_loss: about log(C) for tiny scores, gradient check, a fixed example"""
    N, C = 50, 8
    x = 1e-3 * t.rng.standard_normal((N, C))
    y = t.rng.integers(0, C, N)
    loss, dx = _pair(t, t.call("fms.layers:softmax_loss", x, y), "softmax_loss", ("loss", "dx"))
    loss = t.as_array(loss, "loss", what="softmax_loss")
    t.assert_true(loss.size == 1, f"softmax_loss: loss must be one number, got shape {loss.shape}")
    t.assert_shape(dx, (N, C), name="dx", what="softmax_loss")
    t.assert_close(loss.reshape(()), np.log(C), name="loss", rtol=1e-2,
                   what="softmax_loss with near-zero scores (every class equally likely: loss ~ log C)")
    x = t.rng.standard_normal((5, 6))
    y = t.rng.integers(0, 6, 5)
    _, dx = t.call("fms.layers:softmax_loss", x, y)
    num = t.probe(f"{PROBES}:numeric_gradient", "layers:softmax_loss", [x, y], 0, 1.0, output_index=0)
    _gradcheck(t, dx, num, "dx", "softmax_loss")
    e = _expected()
    loss, dx = t.call("fms.layers:softmax_loss", e["softmax_x"], e["softmax_y"])
    t.assert_close(loss, e["softmax_loss"], name="loss", what="softmax_loss, stored example")
    t.assert_close(dx, e["softmax_dx"], name="dx", what="softmax_loss, stored example")
    big = np.array([[1000.0, 0.0, -1000.0]])
    loss, _ = t.call("fms.layers:softmax_loss", big, np.array([1]))
    t.assert_true(np.all(np.isfinite(np.asarray(loss, dtype=float))),
                  "softmax_loss overflows on scores like [1000, 0, -1000]: subtract each row's "
                  "maximum before exponentiating")


# ----------------------------------------------------------------------------------
# 2.2 / 2.3 network
# ----------------------------------------------------------------------------------
@check("fms.public.fcnet", part="2.2", points=2, hidden=False, timeout=120)
def fcnet_public(t: Context):
    """FullyConnectedNet: parameter shapes, score shape, gradient check, a fixed example"""
    model = t.call("fms.fc_net:FullyConnectedNet", input_dim=75, hidden_dim=[30, 20],
                   num_classes=8, weight_scale=1e-2, keep=True)
    params = t.get(model.attr("params"))
    t.assert_true(isinstance(params, dict), "model.params must be a dict")
    for k, shape in (("W1", (75, 30)), ("b1", (30,)), ("W2", (30, 20)), ("b2", (20,)),
                     ("W3", (20, 8)), ("b3", (8,))):
        t.assert_true(k in params, f"model.params has no '{k}' (keys: {sorted(params)})")
        t.assert_shape(params[k], shape, name=k, what="FullyConnectedNet(75, [30, 20], 8)")
    X = t.rng.standard_normal((4, 75))
    scores = t.call(model.attr("loss"), X)
    t.assert_shape(scores, (4, 8), name="scores", what="loss(X) without labels")

    e = _expected()
    net_params = {k[len("net_param_"):]: e[k] for k in e if k.startswith("net_param_")}
    init = dict(input_dim=6, hidden_dim=[5, 4], num_classes=3, weight_scale=0.5,
                reg=float(e["net_reg"]))
    for reg in (0.0, init["reg"]):
        kw = dict(init, reg=reg)
        model = t.call("fms.fc_net:FullyConnectedNet", keep=True, **kw)
        for k, v in net_params.items():
            t.setitem(model.attr("params"), k, v)
        loss, grads = t.call(model.attr("loss"), e["net_X"], e["net_y"])
        num = t.probe(f"{PROBES}:net_numeric_grads", kw, net_params, e["net_X"], e["net_y"])
        for k in net_params:
            t.assert_true(k in grads, f"grads has no '{k}'")
            t.assert_close(grads[k], num[k], name=f"grads['{k}']", rtol=1e-5, atol=1e-7,
                           what=f"FullyConnectedNet.loss with reg={reg}: your gradient vs central "
                                f"differences of your loss")
    t.assert_close(t.call(model.attr("loss"), e["net_X"]), e["net_scores"], name="scores",
                   what="FullyConnectedNet, stored example")
    t.assert_close(loss, e["net_loss"], name="loss",
                   what="FullyConnectedNet, stored example (reg = 0.1, loss includes 0.5 * reg * sum(W**2))")
    for k in net_params:
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
    """conv2d_forward / conv2d_backward: output size, gradient check, a fixed example"""
    I = t.rng.standard_normal((2, 7, 6))
    G = t.rng.standard_normal((3, 2, 3, 2))
    R = t.call("fms.conv:conv2d_forward", I, G, 2)
    t.assert_shape(R, (3, 3, 3), name="R",
                   what="conv2d_forward on I (2, 7, 6), G (3, 2, 3, 2), stride 2: "
                        "W' = floor(1 + (W - w) / s)")
    dR = t.rng.standard_normal((3, 3, 3))
    dI, dG = _pair(t, t.call("fms.conv:conv2d_backward", dR, I, G, 2), "conv2d_backward", ("dI", "dG"))
    t.assert_shape(dI, I.shape, name="dI", what="conv2d_backward")
    t.assert_shape(dG, G.shape, name="dG", what="conv2d_backward")
    for argnum, (name, g) in enumerate((("dI", dI), ("dG", dG))):
        num = t.probe(f"{PROBES}:numeric_gradient", "conv:conv2d_forward", [I, G, 2], argnum, dR)
        _gradcheck(t, g, num, name, "conv2d_backward")
    e = _expected()
    s = int(e["conv_s"])
    R = t.call("fms.conv:conv2d_forward", e["conv_I"], e["conv_G"], s)
    t.assert_close(R, e["conv_R"], name="R", what="conv2d_forward, stored example")
    dI, dG = t.call("fms.conv:conv2d_backward", e["conv_dR"], e["conv_I"], e["conv_G"], s)
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
    """maxpool2d_forward / maxpool2d_backward: output size, gradient check, a fixed example"""
    I = t.rng.standard_normal((2, 7, 6))
    R = t.call("fms.conv:maxpool2d_forward", I, 3, 2, 2)
    t.assert_shape(R, (2, 3, 3), name="R",
                   what="maxpool2d_forward on I (2, 7, 6), 3x2 windows, stride 2")
    dR = t.rng.standard_normal((2, 3, 3))
    dI = t.call("fms.conv:maxpool2d_backward", dR, I, 3, 2, 2)
    t.assert_shape(dI, I.shape, name="dI", what="maxpool2d_backward")
    num = t.probe(f"{PROBES}:numeric_gradient", "conv:maxpool2d_forward", [I, 3, 2, 2], 0, dR)
    _gradcheck(t, dI, num, "dI", "maxpool2d_backward")
    e = _expected()
    args = (int(e["pool_w"]), int(e["pool_h"]), int(e["pool_s"]))
    R = t.call("fms.conv:maxpool2d_forward", e["pool_I"], *args)
    t.assert_close(R, e["pool_R"], name="R", what="maxpool2d_forward, stored example")
    dI = t.call("fms.conv:maxpool2d_backward", e["pool_dR"], e["pool_I"], *args)
    t.assert_close(dI, e["pool_dI"], name="dI", what="maxpool2d_backward, stored example")
