"""Hidden checks of `lenet`: the student functions against the reference and central
differences on several layer geometries, SGD with momentum over several steps, a
short LeNet training run with a calibrated threshold, and the toy-CNN answers.

Expected values and the values of known mistakes (``mistakes={...}``) are computed
here, in the grader's process; the student's code only ever receives inputs.
"""
from __future__ import annotations

import numpy as np

from autograder.engine import Context, check
from autograder.engine.compare import accept_subgradient_at_kink, numeric_gradient
from solutions.lenet import cnn_lenet as ref
from solutions.lenet import toy as ref_toy

from . import figures

MOD = "lenet.cnn_lenet"
TOY = "lenet.toy"
PROBES = "probes"  # autograder/lenet/probes.py, copied into the sandbox

BLOB_KEYS = ("height", "width", "channel", "batch_size")

# (height, width, channel, batch, k, stride, pad, values) of the pooling checks. The handout
# lets students assume pad = 0 for pooling (Q1), so no case pads; windows may overlap
# (the code must work for general k and stride). Ties (flat image regions: MNIST's
# background) only where windows do not overlap, so any valid tie rule can be accepted.
POOL_GEOMETRIES = [
    (8, 8, 3, 2, 2, 2, 0, "random"),  # LeNet's pooling, non-overlapping
    (7, 6, 2, 3, 3, 2, 0, "random"),  # overlapping windows, not square
    (5, 5, 4, 1, 3, 1, 0, "random"),  # batch of one, stride 1 (heavy overlap)
    (9, 7, 1, 2, 3, 3, 0, "random"),  # one channel, k = stride = 3
    (6, 8, 2, 2, 2, 2, 0, "ties"),    # values from {0, 1, 2}: ties inside windows
    (8, 6, 3, 1, 2, 2, 0, "flat"),    # batch of one, mostly exact zeros (a digit's background)
]
POOL_VALUES = {"random": "", "ties": ", ties inside windows", "flat": ", mostly zeros (flat background)"}
# (height, width, channel, batch) of the ReLU checks
RELU_GEOMETRIES = [(4, 4, 3, 2), (1, 1, 10, 5), (6, 5, 2, 1)]
# (height, width, channel, batch, num) of the inner-product checks; d = h*w*c
# the square ones come first: a missing transpose is then named instead of raising a shape error
IP_GEOMETRIES = [(1, 1, 6, 3, 6), (1, 1, 7, 1, 7), (2, 2, 3, 3, 5), (4, 5, 1, 4, 10)]


# ----------------------------------------------------------------------------------
# helpers (grader side)
# ----------------------------------------------------------------------------------
def _blob(t: Context, h, w, c, batch, zeros=False, values="random"):
    data = t.rng.standard_normal((h * w * c, batch))
    if values == "ties":
        data = t.rng.integers(0, 3, (h * w * c, batch)).astype(np.float64)
    elif values == "flat":
        data = np.where(t.rng.random((h * w * c, batch)) < 0.8, 0.0, np.abs(data))
    if zeros:  # a few exact zeros (the ReLU's kink)
        data.flat[:: max(1, data.size // 5)] = 0.0
    return ref.make_blob(data, h, w, c)


def _accept_pool_tie_rules(got, expected, blob, layer, diff):
    """``expected`` with the student's values kept in every window with a tie where they
    follow *a* valid rule (``engine.kit.accept_tie_rules``: the window's gradient shared among
    its maxima). Only for windows that do not overlap (stride >= k, no padding); elsewhere the
    reference (first maximum)."""
    from autograder.engine import kit

    if layer["pad"]:
        return expected
    h, w, c, b = (blob[key] for key in BLOB_KEYS)
    k, s = layer["k"], layer["stride"]
    ho, wo = ref.output_size(h, k, s, 0), ref.output_size(w, k, s, 0)
    return kit.accept_tie_rules(got, expected, blob["data"].reshape(h, w, c, b), np.reshape(diff, (ho, wo, c, b)),
                                (k, k), s)


def _pool_every_tie(blob, layer, diff):
    """Wrong backward: the whole window gradient to every tied maximum."""
    h, w, c, b = blob["height"], blob["width"], blob["channel"], blob["batch_size"]
    k = layer["k"]
    col, ho, wo = _pool_cols(blob["data"], layer, h, w, c)
    dout = np.reshape(diff, (ho * wo, c, b)).transpose(1, 0, 2)
    hit = col == col.max(axis=0, keepdims=True)
    return ref.col2im_conv((hit * dout[None]).reshape(k * k * c, ho * wo, b), blob, layer, ho, wo)


def _geometry_text(h, w, c, batch, k=None, stride=None, pad=None):
    text = f"input {h}x{w}x{c}, batch {batch}"
    if k is not None:
        text += f", k={k}, stride={stride}" + (f", pad={pad}" if pad else "")
    return text


def _check_blob(t: Context, out, expected, *, what, mistakes=None, inputs=None):
    """Compare a returned layer dict with the reference one."""
    t.assert_true(isinstance(out, dict) and "data" in out,
                  f"{what}: the function must return a layer dict with 'data', got {type(out).__name__}",
                  summary="the function must return a layer dict with 'data'")
    for key in BLOB_KEYS:
        t.assert_true(key in out, f"{what}: the output dict has no '{key}' entry",
                      summary=f"the output dict has no '{key}' entry")
        got = out[key]
        ok = np.ndim(got) == 0 and float(got) == float(expected[key])
        t.assert_true(ok, f"{what}: output['{key}'] is {got!r}, expected {expected[key]}",
                      summary=f"output['{key}'] is wrong")
    t.assert_close(out["data"], expected["data"], name="output['data']", what=what,
                   mistakes=mistakes, inputs=inputs)


def _hwc_as_chw(data, h, w, c):
    """Data laid out (c, h, w) per column, re-expressed in the (h, w, c) layout."""
    b = data.shape[1]
    return data.reshape(c, h, w, b).transpose(1, 2, 0, 3).reshape(h * w * c, b)


def _chw_from_hwc(data, h, w, c):
    """Data laid out (h, w, c) per column, written in the (c, h, w) order."""
    b = data.shape[1]
    return data.reshape(h, w, c, b).transpose(2, 0, 1, 3).reshape(h * w * c, b)


def _pool_cols(x, layer, h, w, c, pad_value=-np.inf):
    k, s, p = layer["k"], layer["stride"], layer["pad"]
    ho, wo = ref.output_size(h, k, s, p), ref.output_size(w, k, s, p)
    col = ref.im2col_conv(x, layer, h, w, c, ho, wo, pad_value=pad_value)
    return col.reshape(k * k, c, ho * wo, x.shape[1]), ho, wo


def _pool_forward_mistakes(blob, layer):
    h, w, c, b = blob["height"], blob["width"], blob["channel"], blob["batch_size"]
    x = blob["data"]
    col, ho, wo = _pool_cols(x, layer, h, w, c)
    m = {}
    # read the input as (c, h, w) and wrote the output as (c, h, w)
    alt_in = ref.make_blob(_hwc_as_chw(x, h, w, c), h, w, c)
    alt_out = ref.pooling_layer_forward(alt_in, layer)["data"]
    m["reshaped the data as (channel, height, width); a column of data is (height, width, channel) in C "
      "order, the channel changing fastest"] = _chw_from_hwc(alt_out, ho, wo, c)
    good = col.max(axis=0)  # (c, P, b)
    m["wrote the output with the channel slowest; output['data'] must be (height, width, channel) in C "
      "order, the channel changing fastest"] = good.reshape(c * ho * wo, b)
    if layer["pad"] > 0:
        zcol, _, _ = _pool_cols(x, layer, h, w, c, pad_value=0.0)
        m["padded with zeros, so the padding won the max of negative windows: pad with -inf (or ignore "
          "the padding)"] = zcol.max(axis=0).transpose(1, 0, 2).reshape(-1, b)
    zcol, _, _ = _pool_cols(x, layer, h, w, c, pad_value=0.0)
    m["averaged each window (average pooling) instead of taking its maximum"] = (
        zcol.mean(axis=0).transpose(1, 0, 2).reshape(-1, b))
    return m


def _pool_backward_mistakes(blob, layer, diff):
    h, w, c, b = blob["height"], blob["width"], blob["channel"], blob["batch_size"]
    k, s, p = layer["k"], layer["stride"], layer["pad"]
    x = blob["data"]
    col, ho, wo = _pool_cols(x, layer, h, w, c)
    P = ho * wo
    dout = diff.reshape(P, c, b).transpose(1, 0, 2)  # (c, P, b)

    def back(dcol):
        return ref.col2im_conv(dcol.reshape(k * k * c, P, b), blob, layer, ho, wo)

    m = {}
    m["sent each window's gradient to every entry of the window; only the position of the maximum "
      "receives it"] = back(np.broadcast_to(dout[None], col.shape).copy())
    m["split each window's gradient evenly over the window (average-pooling backward); only the "
      "maximum receives it"] = back(np.broadcast_to(dout[None] / (k * k), col.shape).copy())
    # overwrite instead of accumulate (visible where windows overlap)
    if s < k:
        arg = col.argmax(axis=0)  # (c, P, b)
        dy, dx = np.divmod(arg, k)
        ii, jj = np.divmod(np.arange(P), wo)
        yy = ii[None, :, None] * s - p + dy
        xx = jj[None, :, None] * s - p + dx
        ch = np.arange(c)[:, None, None]
        bb = np.arange(b)[None, None, :]
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        flat = ((yy * w + xx) * c + ch) * b + bb
        od = np.zeros(h * w * c * b)
        od[flat[inside]] = dout[inside]
        m["assigned (=) the gradient where windows overlap instead of adding (+=) it: a position that "
          "is the maximum of several windows receives the sum of their gradients"] = od.reshape(h * w * c, b)
    alt_in = ref.make_blob(_hwc_as_chw(x, h, w, c), h, w, c)
    alt_out = ref.pooling_layer_forward(alt_in, layer)
    alt_out["diff"] = _hwc_as_chw(diff, ho, wo, c)
    alt = ref.pooling_layer_backward(alt_out, alt_in, layer)
    m["reshaped the data as (channel, height, width); a column of data (and of diff) is (height, width, "
      "channel) in C order, the channel changing fastest"] = _chw_from_hwc(alt, h, w, c)
    return m


# ----------------------------------------------------------------------------------
# Q1 / Q4: max pooling
# ----------------------------------------------------------------------------------
@check("lenet.pool_forward", part="Q1", points=18, timeout=60)
def pool_forward(t: Context):
    """pooling_layer_forward matches the reference (several k, stride, batch sizes; ties; pad 0 as the handout allows)"""
    for (h, w, c, b, k, s, p, values) in POOL_GEOMETRIES:
        with t.case(f"{_geometry_text(h, w, c, b, k, s)}{POOL_VALUES[values]}"):
            blob = _blob(t, h, w, c, b, values=values)
            layer = {"type": "POOLING", "k": k, "stride": s, "pad": p}
            out = t.call(f"{MOD}:pooling_layer_forward", blob, layer)
            what = f"pooling_layer_forward ({_geometry_text(h, w, c, b, k, s)})"
            _check_blob(t, out, ref.pooling_layer_forward(blob, layer), what=what,
                        mistakes=_pool_forward_mistakes(blob, layer), inputs={"input['data']": blob["data"]})


@check("lenet.pool_backward", part="Q4", points=18, timeout=60)
def pool_backward(t: Context):
    """pooling_layer_backward matches the reference and central differences (any valid tie rule)"""
    for n, (h, w, c, b, k, s, p, values) in enumerate(POOL_GEOMETRIES):
        with t.case(f"{_geometry_text(h, w, c, b, k, s)}{POOL_VALUES[values]}"):
            blob = _blob(t, h, w, c, b, values=values)
            layer = {"type": "POOLING", "k": k, "stride": s, "pad": p}
            out = ref.pooling_layer_forward(blob, layer)   # the grader's forward: backward alone is judged
            out["diff"] = t.rng.standard_normal(out["data"].shape)
            got = t.call(f"{MOD}:pooling_layer_backward", out, blob, layer)
            expected = _accept_pool_tie_rules(got, ref.pooling_layer_backward(out, blob, layer), blob, layer,
                                              out["diff"])
            what = f"pooling_layer_backward ({_geometry_text(h, w, c, b, k, s)})"
            m = _pool_backward_mistakes(blob, layer, out["diff"])
            m["gave the whole gradient to every maximum of a window with a tie; a window's gradient must be "
              "shared among its maxima (e.g. all to the first one), not copied to each"] = _pool_every_tie(
                blob, layer, out["diff"])
            t.assert_close(got, expected, name="input_od", what=what, mistakes=m,
                           inputs={"output['diff']": out["diff"]})
            if n == 1:  # also against central differences of the pooling itself
                num = numeric_gradient(lambda d: ref.pooling_layer_forward(dict(blob, data=d), layer)["data"],
                                       blob["data"], out["diff"])
                t.assert_close(got, num, name="input_od", what=f"{what} vs central differences", fd=True)


# ----------------------------------------------------------------------------------
# Q2 / Q5: ReLU
# ----------------------------------------------------------------------------------
@check("lenet.relu_forward", part="Q2", points=2, timeout=60)
def relu_forward(t: Context):
    """relu_forward matches the reference (zeros and negative values included)"""
    for (h, w, c, b) in RELU_GEOMETRIES:
        with t.case(f"{_geometry_text(h, w, c, b)}, exact zeros included"):
            blob = _blob(t, h, w, c, b, zeros=True)
            layer = {"type": "RELU"}
            out = t.call(f"{MOD}:relu_forward", blob, layer)
            x = blob["data"]
            _check_blob(t, out, ref.relu_forward(blob, layer), what=f"relu_forward ({_geometry_text(h, w, c, b)})",
                        mistakes={"returned the mask (x > 0) instead of max(0, x)": (x > 0).astype(float),
                                  "computed min(0, x) instead of max(0, x)": np.minimum(x, 0),
                                  "computed abs(x) instead of max(0, x)": np.abs(x)},
                        inputs={"input['data']": x})


@check("lenet.relu_backward", part="Q5", points=2, timeout=60)
def relu_backward(t: Context):
    """relu_backward matches the reference and central differences (any subgradient at exact zeros)"""
    for n, (h, w, c, b) in enumerate(RELU_GEOMETRIES):
        with t.case(f"{_geometry_text(h, w, c, b)}, exact zeros included"):
            blob = _blob(t, h, w, c, b, zeros=True)
            layer = {"type": "RELU"}
            out = ref.relu_forward(blob, layer)   # the grader's forward: backward alone is judged
            out["diff"] = t.rng.standard_normal(out["data"].shape)
            got = t.call(f"{MOD}:relu_backward", out, blob, layer)
            x, d = blob["data"], out["diff"]
            what = f"relu_backward ({_geometry_text(h, w, c, b)})"
            arr = t.as_array(got, "input_od", what=what)
            if arr.shape == x.shape and not np.all(np.isfinite(arr[x == 0])):
                t.fail(f"{what}: input_od is NaN or inf where the input is exactly 0 (dividing by the input?); "
                       "the gradient there is 0 (or output['diff'])",
                       summary="input_od is NaN or inf where the input is exactly 0 (dividing by the input?)")
            expected = accept_subgradient_at_kink(got, ref.relu_backward(out, blob, layer), x, d)
            t.assert_close(got, expected, name="input_od", what=what,
                           mistakes={"took the mask from the output gradient (diff > 0); it must come from the "
                                     "layer's input (input['data'] > 0)": d * (d > 0),
                                     "returned the mask without multiplying by output['diff']": (x > 0).astype(float),
                                     "passed the gradient where the input is negative (mask inverted)": d * (x < 0)},
                           inputs={"output['diff']": d})
            if n == 0:
                xs = np.where(x == 0, 0.5, x)  # away from the kink
                ds = dict(blob, data=xs)
                num = numeric_gradient(lambda v: ref.relu_forward(dict(blob, data=v), layer)["data"], xs, d)
                got2 = t.call(f"{MOD}:relu_backward", dict(out, data=np.maximum(xs, 0)), ds, layer)
                t.assert_close(got2, num, name="input_od", what=f"{what} vs central differences", fd=True)


# ----------------------------------------------------------------------------------
# Q3 / Q6: inner product
# ----------------------------------------------------------------------------------
def _ip_case(t: Context, h, w, c, b, n):
    blob = _blob(t, h, w, c, b)
    d = h * w * c
    param = {"w": t.rng.standard_normal((d, n)), "b": t.rng.standard_normal(n)}
    layer = {"type": "IP", "num": n}
    return blob, param, layer


@check("lenet.ip_forward", part="Q3", points=8, timeout=60)
def ip_forward(t: Context):
    """inner_product_forward matches the reference (square, rectangular, batch of one)"""
    for (h, w, c, b, n) in IP_GEOMETRIES:
        with t.case(f"d={h * w * c}, n={n}, batch {b}"):
            blob, param, layer = _ip_case(t, h, w, c, b, n)
            x, W, bias = blob["data"], param["w"], param["b"]
            out = t.call(f"{MOD}:inner_product_forward", blob, layer, param)
            m = {"forgot to add the bias": W.T @ x}
            if W.shape[0] == W.shape[1]:
                m["used param['w'] @ x: the weight is stored as [d, n], so the layer computes param['w'].T @ x + b"] = (
                    W @ x + bias[:, None])
            _check_blob(t, out, ref.inner_product_forward(blob, layer, param),
                        what=f"inner_product_forward (d={x.shape[0]}, n={n}, batch {b})", mistakes=m)


@check("lenet.ip_backward", part="Q6", points=8, timeout=60)
def ip_backward(t: Context):
    """inner_product_backward: weight, bias and input gradients match the reference"""
    for n_case, (h, w, c, b, n) in enumerate(IP_GEOMETRIES):
        with t.case(f"d={h * w * c}, n={n}, batch {b}"):
            blob, param, layer = _ip_case(t, h, w, c, b, n)
            out = ref.inner_product_forward(blob, layer, param)
            out["diff"] = t.rng.standard_normal(out["data"].shape)
            x, W, dout = blob["data"], param["w"], out["diff"]
            res = t.call(f"{MOD}:inner_product_backward", out, blob, layer, param)
            what = f"inner_product_backward (d={x.shape[0]}, n={n}, batch {b})"
            t.assert_true(isinstance(res, (tuple, list)) and len(res) == 2 and isinstance(res[0], dict),
                          f"{what} must return (param_grad, input_od) with param_grad a dict with 'w' and 'b'",
                          summary="inner_product_backward must return (param_grad, input_od), param_grad a dict")
            grad, input_od = res
            for key in ("w", "b"):
                t.assert_true(key in grad, f"{what}: param_grad has no '{key}' entry",
                              summary=f"param_grad has no '{key}' entry")
            rgrad, rod = ref.inner_product_backward(out, blob, layer, param)
            mw = {"computed output['diff'] @ input['data'].T, the transpose of the weight gradient; it must "
                  "have the shape of param['w'] ([d, n])": dout @ x.T}
            mb = {"did not sum the bias gradient over the batch (sum output['diff'] over its columns)": dout,
                  "summed over the wrong axis": dout.sum(axis=0)}
            if b > 1:
                mw["divided the weight gradient by the batch size; return sums (conv_net divides by the batch "
                   "size)"] = rgrad["w"] / b
                mb["averaged the bias gradient over the batch instead of summing it (conv_net divides by the "
                   "batch size)"] = dout.mean(axis=1)
            t.assert_close(grad["w"], rgrad["w"], name="param_grad['w']", what=what,
                           mistakes=mw)
            t.assert_close(grad["b"], rgrad["b"], name="param_grad['b']", what=what,
                           mistakes=mb)
            m = {}
            if W.shape[0] == W.shape[1]:
                m["used param['w'].T @ diff: the gradient with respect to the input is param['w'] @ diff"] = W.T @ dout
            t.assert_close(input_od, rod, name="input_od", what=what, mistakes=m)
            if n_case == 0:
                num = numeric_gradient(lambda v: ref.inner_product_forward(dict(blob, data=v), layer, param)["data"],
                                       x, dout)
                t.assert_close(input_od, num, name="input_od", what=f"{what} vs central differences", fd=True)
                numw = numeric_gradient(lambda v: ref.inner_product_forward(blob, layer, dict(param, w=v))["data"],
                                        W, dout)
                t.assert_close(grad["w"], numw, name="param_grad['w']", what=f"{what} vs central differences",
                               fd=True)


# ----------------------------------------------------------------------------------
# Q7: SGD with momentum
# ----------------------------------------------------------------------------------
SGD_VARIANTS = {
    "added the step: the update is w = w - theta (the parameters go against the gradient)": "plus",
    "subtracted the momentum term: theta = mu * theta + rate * gradient (plus, not minus)": "mu_sign",
    "left out the weight decay: theta_w = mu * theta_w + w_rate * (grad_w + decay * w)": "no_decay",
    "applied weight decay to the biases too; only the weights are decayed": "decay_b",
    "swapped w_rate and b_rate": "swap_rates",
    "added decay * w outside the learning rate; it belongs inside: w_rate * (grad_w + decay * w)": "decay_out",
    "ignored the momentum (theta = rate * gradient)": "no_mu",
    "used the old theta in the update (w = w - theta before updating theta)": "stale",
}


def _sgd_variant(kind, w_rate, b_rate, mu, decay, params, winc, grads):
    new_p, new_v = {}, {}
    for i in params:
        w, b = params[i]["w"], params[i]["b"]
        vw, vb = winc[i]["w"], winc[i]["b"]
        gw, gb = grads[i]["w"], grads[i]["b"]
        wr, br = (b_rate, w_rate) if kind == "swap_rates" else (w_rate, b_rate)
        m = 0.0 if kind == "no_mu" else mu
        msign = -1.0 if kind == "mu_sign" else 1.0
        dw = 0.0 if kind == "no_decay" else decay * w
        db = decay * b if kind == "decay_b" else 0.0
        if kind == "decay_out":
            nvw = msign * m * vw + wr * gw + decay * w
        else:
            nvw = msign * m * vw + wr * (gw + dw)
        nvb = msign * m * vb + br * (gb + db)
        step_w, step_b = (vw, vb) if kind == "stale" else (nvw, nvb)
        sign = 1.0 if kind == "plus" else -1.0
        new_p[i] = {"w": w + sign * step_w, "b": b + sign * step_b}
        new_v[i] = {"w": nvw, "b": nvb}
    return new_p, new_v


def _sgd_state(t: Context):
    shapes = {1: ((12, 4), (4,)), 2: ((0,), (0,)), 3: ((9, 3), (3,))}
    params, winc = {}, {}
    for i, (sw, sb) in shapes.items():
        params[i] = {"w": t.rng.standard_normal(sw), "b": t.rng.standard_normal(sb)}
        winc[i] = {"w": 0.1 * t.rng.standard_normal(sw), "b": 0.1 * t.rng.standard_normal(sb)}
    return params, winc


def _grads_like(t: Context, params):
    return {i: {"w": t.rng.standard_normal(p["w"].shape), "b": t.rng.standard_normal(p["b"].shape)}
            for i, p in params.items()}


def _check_sgd_result(t: Context, res, expected, variants, what):
    t.assert_true(isinstance(res, (tuple, list)) and len(res) == 2 and all(isinstance(r, dict) for r in res),
                  f"{what} must return the pair (params, param_winc) of dicts",
                  summary="sgd_momentum must return the pair (params, param_winc) of dicts")
    for part, label in ((1, "param_winc"), (0, "params")):
        got_all, exp_all = res[part], expected[part]
        for i in exp_all:
            t.assert_true(i in got_all, f"{what}: {label} has no entry for layer {i}",
                          summary=f"{label} misses a layer")
            for key in ("w", "b"):
                t.assert_true(isinstance(got_all[i], dict) and key in got_all[i],
                              f"{what}: {label}[{i}] has no '{key}'", summary=f"{label} misses a '{key}' entry")
                if np.size(exp_all[i][key]) == 0:
                    continue
                mistakes = {desc: v[part][i][key] for desc, v in variants.items()}
                t.assert_close(got_all[i][key], exp_all[i][key], name=f"{label}[{i}]['{key}']", what=what,
                               mistakes=mistakes)


@check("lenet.sgd_momentum", part="Q7", points=5, timeout=60)
def sgd_momentum(t: Context):
    """sgd_momentum follows the handout's update (momentum, weight decay on weights only) over several steps"""
    w_lr, b_lr, mu, decay = 1.0, 2.0, 0.9, 5e-3
    params, winc = _sgd_state(t)
    # one step from random state, then three chained steps fed with the student's own outputs
    for step in range(4):
        eps = ref.get_lr(step, 0.05, 1e-4, 0.75)
        w_rate, b_rate = eps * w_lr, eps * b_lr
        grads = _grads_like(t, params)
        expected = ref.sgd_momentum(w_rate, b_rate, mu, decay, params, winc, grads)
        with t.case(f"step {step + 1} of 4" + (" (from a random state)" if step == 0 else
                                               " (from the state your previous step returned)")):
            res = t.call(f"{MOD}:sgd_momentum", w_rate, b_rate, mu, decay, params, winc, grads)
            variants = {desc: _sgd_variant(kind, w_rate, b_rate, mu, decay, params, winc, grads)
                        for desc, kind in SGD_VARIANTS.items()}
            what = f"sgd_momentum (step {step + 1} of 4, mu={mu}, decay={decay})"
            _check_sgd_result(t, res, expected, variants, what)
            params = {i: {k: np.asarray(v) for k, v in d.items() if k in ("w", "b")} for i, d in res[0].items()}
            winc = {i: {k: np.asarray(v) for k, v in d.items() if k in ("w", "b")} for i, d in res[1].items()}
            continue
        params, winc = expected  # a failed step: carry on from the reference's state


# ----------------------------------------------------------------------------------
# 5.5: training LeNet (calibrated threshold)
# ----------------------------------------------------------------------------------
TRAIN_ITERS = 100  # SGD steps of the reduced run (batch 64, the handout's settings)
TRAIN_SEED = 0
# Calibration (reference solution; embedded subset: 17,500 training rows = 4,000 digits and
# their one-pixel shifts minus the validation split, of which the run visits 6,400 distinct ones
# (training_rows: 100 batches of 64), 1,000 test digits; seeds 0-4, the seed drawing the rows
# and the initialisation): test accuracy 0.887 0.897 0.888 0.896 0.889 (min 0.887; 2.9-3.6 CPU s
# per run, one thread). Broken implementations (same runs): momentum term subtracted
# (theta = -mu*theta + ...) 0.302 0.173 0.313 0.193 0.224; uphill SGD step (w + theta) and ReLU
# mask taken from the output gradient diverge (accuracy 0.100). Pooling gradient sent to every
# window entry and missing weight decay still train: those mistakes are caught by
# lenet.pool_backward and lenet.sgd_momentum, not here. Shorter runs are too noisy (60 steps:
# 0.701-0.761); 150 steps give 0.912-0.935. See datasets/mnist/CARD.md.
TRAIN_THRESHOLD = 0.80
# Budget in CPU seconds, sized for the slowest code the handout tolerates: loop-based layers
# (its own provided convolution loops over the batch; "less than an hour" to 97% on the small
# set) take up to about 1.5 CPU s per step on a quick machine, twice that on a slow one. A step
# may use STEP_CPU_LIMIT, so the run may use TRAIN_ITERS * STEP_CPU_LIMIT CPU seconds. Measured
# (one step, batch 64, one thread, loaded two-core machine): reference 0.03 s; pooling written
# per image with the handout's im2col (tests/lenet/handout_solution.py) 0.13 s; pooling with
# Python loops over example, channel, row and column (HANDOUT["pool_naive_loops"]) 1.8-2.0 s
# (2026-12-07) and 3.14 s on the same machine on a slow morning (2026-12-08, beside `make test`'s
# other worker: it failed the former limit of 3.0 s); graded end to end, that variant passed with
# 0.888 after 165.8 CPU s for the 100 steps (401 s on the clock). 6 s is twice the slowest of these.
STEP_CPU_LIMIT = 6.0
TRAIN_CPU_BUDGET = TRAIN_ITERS * STEP_CPU_LIMIT
# the wall-clock limit only catches hangs: a loaded grading machine stretches CPU time
TRAIN_WALL_LIMIT = 2400


def training_rows(n: int) -> np.ndarray:
    """The TRAIN_ITERS * 64 training rows (distinct, in a seeded random order) of the run."""
    return np.random.default_rng(TRAIN_SEED).permutation(n)[:TRAIN_ITERS * 64]


def step_verdict(spent: dict) -> str | None:
    """None when one step's CPU seconds (``spent``: per function, from the probe
    ``time_lenet_step``) fit the budget; else the name of the slowest student function."""
    per_step = float(sum(spent.values()))
    if per_step <= STEP_CPU_LIMIT:
        return None
    named = [k for k in spent if not k.startswith("(")]
    return max(named, key=spent.get) if named else "(everything else)"


def _mnist():
    from solutions.lenet.utils import load_mnist

    return load_mnist(True)


def _predict_with_reference(trained, xtest):
    from solutions.lenet.test_lenet import lenet_layers, predict

    # float32, the type the weights were trained in (probes.train_lenet): the reference forward
    # on the 1,000 test digits takes 0.13 CPU s instead of 0.30 s in float64
    try:
        with np.errstate(all="ignore"):
            params = {int(i): {"w": np.asarray(w, dtype=np.float32), "b": np.asarray(b, dtype=np.float32)}
                      for i, w, b in trained}
            return np.asarray(predict(params, lenet_layers(64), np.asarray(xtest, dtype=np.float32)))
    except Exception:  # noqa: BLE001 - weights of the wrong shapes or types: no accuracy
        return np.full(xtest.shape[1], -1)


@check("lenet.train", part="5.5", points=5, timeout=TRAIN_WALL_LIMIT, memory_mb=4096)
def train(t: Context):
    """LeNet trained with your layers and sgd_momentum for a short run reaches the calibrated test accuracy"""
    xtrain, ytrain, _xv, _yv, xtest, ytest = _mnist()
    # time one step first (CPU time): a layer too slow even for loop-based code is named
    # instead of running out of budget anonymously
    spent = t.probe(f"{PROBES}:time_lenet_step", xtrain[:, :64].astype(np.float32), ytrain[:64])
    per_step = float(sum(spent.values()))
    slow = step_verdict(spent)
    if slow is not None:
        t.fail(f"one training step takes {per_step:.2f} CPU s (allowed: {STEP_CPU_LIMIT:.1f} s, twice what "
               f"loop-based layers need on a slow machine); {slow} takes {spent[slow]:.2f} s of each step: loop over fewer things (whole "
               "windows, channels or examples at once)",
               summary=f"one training step takes more CPU time than allowed: {slow} is the slowest of your functions; "
                       "loop over fewer things (whole windows, channels or examples at once)")
    # only the rows the run visits travel to the sandbox: TRAIN_ITERS batches of 64 distinct
    # examples, as the first TRAIN_ITERS batches of a permutation of the whole set would be
    rows = training_rows(xtrain.shape[1])
    out = t.probe(f"{PROBES}:train_lenet", np.ascontiguousarray(xtrain[:, rows], dtype=np.float32), ytrain[rows],
                  np.zeros((xtest.shape[0], 0), dtype=np.float32), max_iter=TRAIN_ITERS, seed=TRAIN_SEED,
                  cpu_budget=TRAIN_CPU_BUDGET)
    figures.training_curve(t, out, steps=TRAIN_ITERS)  # the feedback's learning curve (public training rows only)
    t.assert_true(isinstance(out, dict) and isinstance(out.get("params"), list), "the training run returned nothing usable")
    if out.get("stopped") == "cpu budget":
        t.fail(f"the training run used its CPU budget ({TRAIN_CPU_BUDGET:.0f} s for {TRAIN_ITERS} steps) after "
               f"{out.get('iterations')} steps: your layers take more than {STEP_CPU_LIMIT:.1f} CPU s per step",
               summary="the training run used up its CPU budget: your layers are too slow even for loop-based code")
    # the accuracy is measured here, with the reference forward on the weights trained in the
    # sandbox: a replaced training loop or predictor in the student's process decides nothing
    pred = _predict_with_reference(out["params"], xtest)
    t.assert_true(pred.shape == ytest.shape, f"predictions have shape {pred.shape}, expected {ytest.shape}")
    acc = float(np.mean(pred == ytest))
    t.note(f"test accuracy after {out.get('iterations')} SGD steps: {acc:.3f} (needed: {TRAIN_THRESHOLD:.3f}; "
           f"the reference reaches 0.887-0.897 in this short run; {out.get('cpu_seconds', 0.0):.1f} CPU s)")
    if out.get("stopped") == "diverged":
        t.fail(f"training diverged (the cost became NaN or inf after {out.get('iterations')} steps): check the "
               "sign of the update in sgd_momentum and the gradients of your backward functions",
               summary="training diverged (the cost became NaN or inf): check the sign of the update in "
                       "sgd_momentum and the gradients of your backward functions")
    t.assert_true(acc >= TRAIN_THRESHOLD,
                  f"test accuracy {acc:.3f} is below the required {TRAIN_THRESHOLD:.3f}: the layers pass "
                  "values but learning is off; re-run the gradient checks of the backward functions and "
                  "check sgd_momentum",
                  summary="the test accuracy is below the required threshold: re-run the gradient checks of "
                          "the backward functions and check sgd_momentum")


# ----------------------------------------------------------------------------------
# Section 3: the toy CNN's answers, one check per answer
# ----------------------------------------------------------------------------------
def _toy_variant(order="handout", flip=False, tie="first", log=np.log):
    """The toy CNN computed with a (possibly wrong) convention; 0-based arrays."""
    img, filt, w1, b1, label = ref_toy.IMAGE, ref_toy.FILTERS, ref_toy.W1, ref_toy.B1, ref_toy.LABEL
    f = filt[:, ::-1, ::-1] if flip else filt
    win = np.lib.stride_tricks.sliding_window_view(img, (2, 2))
    conv = np.einsum("ijab,fab->ijf", win, f)
    pw = np.lib.stride_tricks.sliding_window_view(conv, (2, 2), axis=(0, 1)).reshape(2, 2, 2, 4)
    pool = pw.max(axis=-1)
    vec = {"handout": lambda m: m.transpose(2, 0, 1).reshape(-1),
           "code": lambda m: m.reshape(-1),
           "column": lambda m: m.transpose(2, 1, 0).reshape(-1)}[order]
    x = vec(pool)
    s = w1 @ x + b1
    r = np.maximum(s, 0)
    e = np.exp(r - r.max())
    y = e / e.sum()
    loss = -log(y[label])
    onehot = np.eye(3)[label]
    ds = (y - onehot) * (s > 0)
    dW = np.outer(ds, x)
    dx = w1.T @ ds
    # un-vectorise with the same convention
    idx = vec(np.arange(8).reshape(2, 2, 2))
    dpool = np.zeros(8)
    dpool[idx] = dx
    dpool = dpool.reshape(2, 2, 2)
    dconv = np.zeros_like(conv)
    for i in range(2):
        for j in range(2):
            for ch in range(2):
                vals = pw[i, j, ch]
                hits = np.flatnonzero(vals == vals.max())
                chosen = {"first": hits[:1], "last": hits[-1:], "all": hits, "split": hits}[tie]
                share = 1.0 / len(hits) if tie == "split" else 1.0
                for a in chosen:
                    dy, dx_ = divmod(int(a), 2)
                    dconv[i + dy, j + dx_, ch] += dpool[i, j, ch] * share
    dF = np.einsum("ijab,ijf->fab", win, dconv)
    if flip:
        dF = dF[:, ::-1, ::-1]
    return {"conv": conv, "pool": pool, "relu": r, "softmax": y, "loss": loss, "dJ_dy": -onehot / y[label],
            "dJ_drelu": y - onehot, "dW": dW, "dF": dF}


def _toy_expected():
    return ref_toy.answers()


def _toy_mistakes(name):
    V = _toy_variant
    code, col, flip = V(order="code"), V(order="column"), V(flip=True)
    good = V()
    table = {
        "q01": {"forgot the +1 in (h - k) / s + 1": (2, 2), "gave the input size": (4, 4)},
        "q02": {"forgot the +1 in (h - k) / s + 1": (1, 1), "used stride 2": (1, 1)},
        "q03": {"gave the size of the pooled maps (8)": 8},
        "q04": {},
        "q05": {"read channel 1 instead of channel 2": good["conv"][0, 0, 0],
                "flipped the filter (true convolution); CNNs use cross-correlation": flip["conv"][0, 0, 1]},
        "q06": {"swapped row and column: (2, 1) is row 2, column 1": good["pool"][0, 1, 0],
                "read channel 2": good["pool"][1, 0, 1]},
        "q07": {"vectorised with the channel fastest (the code's layout); the questions put the channels one "
                "after the other": code["relu"][1],
                "vectorised column by column; the questions use row-major order": col["relu"][1],
                "read a 0-based index (indices start at 1)": good["relu"][2]},
        "q08": {"vectorised with the channel fastest (the code's layout); the questions put the channels one "
                "after the other": code["softmax"][1],
                "vectorised column by column; the questions use row-major order": col["softmax"][1],
                "read a 0-based index (indices start at 1)": good["softmax"][2]},
        "q09": {"used log base 10; the loss uses the natural log": V(log=np.log10)["loss"],
                "used log base 2; the loss uses the natural log": V(log=np.log2)["loss"],
                "vectorised with the channel fastest (the code's layout)": code["loss"]},
        "q10": {"gave dJ/ds = y - onehot, the gradient with respect to the softmax's input; the question asks "
                "for the derivative with respect to its output y": good["dJ_drelu"],
                "dropped the minus sign": -good["dJ_dy"]},
        "q11": {"vectorised with the channel fastest (the code's layout)": code["dW"][0, 0],
                "gave the derivative with respect to W1(1, 1) of the wrong class row": good["dW"][1, 0]},
        "q12": {"sent the gradient to the last of two equal maxima; ties go to the first (row-major) position":
                    V(tie="last")["dF"][0, 0, 0],
                "sent the gradient to every equal maximum; only one position (the first) receives it":
                    V(tie="all")["dF"][0, 0, 0],
                "split the gradient among equal maxima; the first one receives all of it":
                    V(tie="split")["dF"][0, 0, 0],
                "vectorised with the channel fastest (the code's layout)": code["dF"][0, 0, 0],
                "flipped the filter (true convolution)": flip["dF"][0, 0, 0]},
    }
    return {k: v for k, v in table[name].items() if v is not None}


def _toy_check(name):
    desc = ref_toy.QUESTIONS[name]
    fn = ref_toy.ANSWER_FUNCTIONS[name].__name__

    def run(t: Context):
        got = t.call(f"{TOY}:{fn}")
        t.assert_true(got is not None, f"{fn} returned None: answer the question ({desc})",
                      summary=f"{fn} returned None: answer the question")
        expected = _toy_expected()[name]
        try:
            arr = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            t.fail(f"{fn} must return a number (or a tuple / vector of numbers), got {type(got).__name__}")
        exp = np.asarray(expected, dtype=np.float64)
        if name == "q10" and arr.ndim == 0:
            exp = exp[ref_toy.LABEL]  # a single number: the true class's entry
        mistakes = _toy_mistakes(name)
        if name == "q10" and arr.ndim == 0:
            mistakes = {k: np.asarray(v)[ref_toy.LABEL] for k, v in mistakes.items()}
        if arr.shape == exp.shape and np.all(np.isfinite(arr)):
            rel = float(np.max(np.abs(arr - exp) / np.maximum(np.abs(exp), 0.1)))
            known = any(np.shape(v) == arr.shape and np.allclose(arr, np.asarray(v, dtype=np.float64), rtol=1e-3,
                                                                  atol=1e-4) for v in mistakes.values())
            if 1e-3 < rel < 0.02 and not known:  # right value, typed with too few digits
                t.fail(f"{fn}: close to the answer but not within the required precision (relative error "
                       f"{rel:.1e}, allowed 1e-3): type at least four significant figures or return the value "
                       "numpy computed",
                       summary=f"{fn}: close to the answer but not within the required precision: type at least "
                               "four significant figures")
        t.assert_close(arr, exp, name=fn, what=f"toy CNN, {desc}", rtol=1e-3, atol=1e-4, mistakes=mistakes)

    run.__name__ = f"toy_{name}"
    run.__doc__ = f"toy CNN: {desc}"
    return check(f"lenet.toy.{name}", part="QnA", points=1, timeout=30)(run)


for _name in ref_toy.QUESTIONS:
    globals()[f"toy_{_name}"] = _toy_check(_name)
del _name
