"""Hidden checks of `fer`: the student's layers, loss, network, optimiser, stopping
criterion and FER-2013 loader against ``solutions.fer`` on several cases each.

Expected values and the values of known mistakes (``mistakes={...}``) are computed here,
in the grader's process; the student's code only ever receives inputs.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from autograder.engine import Context, StudentError, check
from autograder.engine.compare import CheckFailed, accept_subgradient_at_kink
from solutions.fer import classifiers as ref_cls
from solutions.fer import data_utils as ref_data
from solutions.fer import fcnet as ref_fc
from solutions.fer import layers as ref
from solutions.fer import optim as ref_optim
from solutions.fer import solver as ref_solver

PROBES = "probes"



def _tuple(t: Context, value, n, what):
    t.assert_true(isinstance(value, (tuple, list)) and len(value) == n,
                  f"{what} must return a tuple of {n} values, got {type(value).__name__}",
                  summary=f"{what} must return a tuple of {n} values")
    return value


def _is_bool(value, expected: bool) -> bool:
    return isinstance(value, (bool, np.bool_)) and bool(value) == expected


# ----------------------------------------------------------------------------------
# Q1: linear and ReLU
# ----------------------------------------------------------------------------------
LINEAR_CASES = [  # (name, X shape, M)
    ("X (4, 6), 3 outputs", (4, 6), 3),
    ("image-shaped X (3, 2, 4, 4)", (3, 2, 4, 4), 5),
    ("batch of one, X (1, 7)", (1, 7), 2),
    ("float32 inputs, X (5, 3, 3)", (5, 3, 3), 4),
]


def _linear_inputs(t: Context, shape, m):
    dtype = np.float32 if len(shape) == 3 and shape[0] == 5 else np.float64
    X = t.rng.standard_normal(shape).astype(dtype)
    D = int(np.prod(shape[1:]))
    W = t.rng.standard_normal((D, m)).astype(dtype)
    b = t.rng.standard_normal(m).astype(dtype)
    return X, W, b


@check("fer.linear_forward", part="Q1", points=1, timeout=60,
       description="linear_forward matches the reference (flattened inputs, bias, batch of one, float32)")
def linear_forward(t: Context):
    for name, shape, m in LINEAR_CASES:
        with t.case(name):
            X, W, b = _linear_inputs(t, shape, m)
            out = t.call("fer.layers:linear_forward", X, W, b)
            Xf = X.reshape(X.shape[0], -1)
            t.assert_close(out, ref.linear_forward(X, W, b), name="out", what=name,
                           mistakes={"forgot to add the bias b": Xf @ W,
                                     "subtracted the bias instead of adding it": Xf @ W - b})


@check("fer.linear_backward", part="Q1", points=1, timeout=60,
       description="linear_backward: dX (shaped like X), dW and db match the reference")
def linear_backward(t: Context):
    for name, shape, m in LINEAR_CASES:
        with t.case(name):
            X, W, b = _linear_inputs(t, shape, m)
            dout = t.rng.standard_normal((shape[0], m)).astype(X.dtype)
            got = _tuple(t, t.call("fer.layers:linear_backward", dout, X, W, b), 3, "linear_backward")
            exp = ref.linear_backward(dout, X, W, b)
            t.assert_shape(got[0], X.shape, name="dX", what=f"{name}: dX must have the shape of X")
            t.assert_close(got[0], exp[0], name="dX", what=name)
            t.assert_close(got[1], exp[1], name="dW", what=name)
            t.assert_close(got[2], exp[2], name="db", what=name,
                           mistakes={"averaged dout over the batch for db instead of summing it": dout.mean(axis=0)})


RELU_SHAPES = [("(4, 5) with exact zeros", (4, 5)), ("4-D (2, 3, 2, 2)", (2, 3, 2, 2)), ("batch of one (1, 6)", (1, 6))]


def _relu_input(t: Context, shape):
    X = t.rng.standard_normal(shape)
    X.flat[:: 3] = 0.0  # exact zeros: the kink, where any subgradient in [0, 1] is right
    return X


@check("fer.relu_forward", part="Q1", points=1, timeout=60, description="relu_forward matches max(0, X)")
def relu_forward(t: Context):
    for name, shape in RELU_SHAPES:
        with t.case(name):
            X = _relu_input(t, shape)
            t.assert_close(t.call("fer.layers:relu_forward", X), ref.relu_forward(X), name="out", what=name,
                           mistakes={"returned X unchanged": X, "computed min(0, X)": np.minimum(X, 0)})


@check("fer.relu_backward", part="Q1", points=1, timeout=60,
       description="relu_backward passes dout where X > 0, none where X < 0 (any subgradient in [0, 1] at X == 0)")
def relu_backward(t: Context):
    for name, shape in RELU_SHAPES:
        with t.case(name):
            X = _relu_input(t, shape)
            dout = t.rng.standard_normal(shape)
            got = t.call("fer.layers:relu_backward", dout, X)
            arr = t.as_array(got, "dX", what=name)
            if arr.shape == X.shape and not np.all(np.isfinite(arr[X == 0])):
                t.fail(f"{name}: dX is NaN or inf where X is exactly 0 (dividing by X?); any value between 0 and "
                       "dout is right there", summary="dX is NaN or inf where X is exactly 0 (dividing by X?)")
            t.assert_close(got, accept_subgradient_at_kink(got, ref.relu_backward(dout, X), X, dout), name="dX",
                           what=name, mistakes={"returned dout unchanged": dout,
                                                "multiplied dout by max(0, X) instead of by the mask":
                                                    dout * np.maximum(X, 0)})


# ----------------------------------------------------------------------------------
# Q2: dropout
# ----------------------------------------------------------------------------------
DROPOUT_CASES = [  # (name, shape, p)
    ("p=0.5, X (30, 20)", (30, 20), 0.5),
    ("p=0.2, 4-D X (4, 3, 5, 5)", (4, 3, 5, 5), 0.2),
    ("p=0.8, X (50, 10)", (50, 10), 0.8),
    ("p=0.35, X (40, 25)", (40, 25), 0.35),
    ("p=0 (keep everything)", (6, 7), 0.0),
]


def _dropout_x(t: Context, shape):
    """Standard-normal inputs without exact zeros (a kept unit is told from a dropped one)."""
    X = t.rng.standard_normal(shape)
    X[np.abs(X) < 1e-3] = 0.5
    return X


def _kept(out, X):
    """The units a training forward kept: a nonzero output where the input is nonzero."""
    out = np.asarray(out, dtype=np.float64)
    return np.isfinite(out) & (out != 0)


def _keep_fraction_ok(k, n, p):
    """A kept count ``k`` of ``n`` units is plausible for keep probability 1 - p (a binomial count
    within 4.5 standard deviations: a correct draw fails it with probability < 1e-5)."""
    q = 1 - p
    return abs(k / n - q) <= 4.5 * np.sqrt(p * q / n) + 1.0 / n


def _judge_dropout_train(t: Context, out, X, p, what):
    """The training forward's contract: each unit dropped (0) or kept and scaled by 1/(1-p);
    about a fraction 1-p kept. Returns the kept units."""
    out = t.as_array(out, "out", what=what)
    t.assert_shape(out, X.shape, name="out", what=what)
    keep = _kept(out, X)
    mistakes = {"did not rescale the kept units by 1/(1-p)": X * keep}
    if p > 0:
        mistakes.update({"scaled the kept units by p instead of 1/(1-p)": X * keep * p,
                         "scaled the kept units by 1/p instead of 1/(1-p)": X * keep / p,
                         "scaled the kept units by (1-p) instead of dividing by it": X * keep * (1 - p)})
    t.assert_close(out, X * keep / (1 - p), name="out", mistakes=mistakes,
                   what=f"{what}: every unit is either dropped (0) or kept and scaled by 1/(1-p)")
    k, n = int(keep.sum()), keep.size
    if not _keep_fraction_ok(k, n, p):
        hint = ""
        if abs(p - 0.5) > 0.1 and _keep_fraction_ok(k, n, 1 - p):
            hint = (" p is the probability of *dropping* a unit: it looks like the units were kept with "
                    "probability p (kept with rand < p?)")
        elif k == n:
            hint = " (nothing was dropped)"
        t.fail(f"{what}: {k} of {n} units kept ({k / n:.1%}); with p={p} about {1 - p:.0%} should be kept.{hint}",
               summary=f"{what}: the fraction of kept units is far from 1-p.{hint}")
    return keep


@check("fer.dropout_forward", part="Q2", points=2.5, timeout=60,
       description="inverted dropout: about 1-p of the units kept, kept units scaled by 1/(1-p), the same mask "
                   "for the same seed, identity at test time")
def dropout_forward(t: Context):
    for name, shape, p in DROPOUT_CASES:
        with t.case(f"training, {name}"):
            X = _dropout_x(t, shape)
            seed = int(t.rng.integers(1, 2 ** 31 - 1))
            out = _tuple(t, t.call("fer.layers:dropout_forward", X, p=p, train=True, seed=seed), 2,
                         "dropout_forward")[0]
            keep = _judge_dropout_train(t, out, X, p, f"training, {name}")
            again = _tuple(t, t.call("fer.layers:dropout_forward", X, p=p, train=True, seed=seed), 2,
                           "dropout_forward")[0]
            t.assert_true(np.array_equal(_kept(again, X), keep),
                          f"training, {name}: two calls with the same seed dropped different units; seed numpy's "
                          "generator with the given seed (np.random.seed(seed)) before drawing the mask",
                          summary="two calls with the same seed dropped different units (seed before drawing)")
            if 0 < p:
                other = _tuple(t, t.call("fer.layers:dropout_forward", X, p=p, train=True, seed=seed + 1), 2,
                               "dropout_forward")[0]
                t.assert_true(not np.array_equal(_kept(other, X), keep),
                              f"training, {name}: seeds {seed} and {seed + 1} dropped exactly the same units: draw "
                              "the mask at random after seeding numpy's generator with the given seed "
                              "(np.random.seed(seed))",
                              summary="two different seeds dropped the same units: draw the mask at random after "
                                      "np.random.seed(seed)")
    for p in (0.5, 0.3):
        with t.case(f"test time (train=False), p={p}"):
            X = _dropout_x(t, (8, 9))
            out = _tuple(t, t.call("fer.layers:dropout_forward", X, p=p, train=False, seed=5), 2, "dropout_forward")[0]
            arr = t.as_array(out, "out", what=f"train=False, p={p}")
            keep = _kept(arr, X) if arr.shape == X.shape else np.ones(X.shape, bool)
            t.assert_close(out, X, name="out", what=f"train=False, p={p}: inverted dropout leaves X unchanged",
                           mistakes={"applied the training mask at test time": X * keep / (1 - p),
                                     "applied a mask at test time": X * keep,
                                     "scaled by (1-p) at test time (that is plain, not inverted, dropout)": X * (1 - p),
                                     "divided by (1-p) at test time": X / (1 - p)})


def _reference_mask(shape, p, seed):
    np.random.seed(seed)
    return np.random.rand(*shape) > p


def _dropout_forward_ok(out, X, p) -> bool:
    """The student's training forward keeps the contract on this input (0 or X / (1-p) per unit)."""
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if out.shape != X.shape or not np.all(np.isfinite(out)):
        return False
    keep = out != 0
    return bool(np.allclose(out, X * keep / (1 - p), rtol=1e-4, atol=1e-6))


@check("fer.dropout_backward", part="Q2", points=1.5, timeout=60,
       description="dropout_backward with the mask your own dropout_forward returned: dout / (1-p) on the kept "
                   "units, 0 on the dropped ones; dout at test time")
def dropout_backward(t: Context):
    for name, shape, p in DROPOUT_CASES[:4]:
        what = f"training, {name}"
        with t.case(what):
            X, dout = _dropout_x(t, shape), t.rng.standard_normal(shape)
            seed = int(t.rng.integers(1, 2 ** 31 - 1))
            res = t.probe(f"{PROBES}:dropout_pair", X, dout, p, seed)
            if "forward_error" not in res and _dropout_forward_ok(res["out"], X, p):
                keep = _kept(res["out"], X)  # the units your own forward kept, with your own mask
                exp = dout * keep / (1 - p)
                t.assert_close(res["dX"], exp, name="dX",
                               what=f"{what}, with the mask your dropout_forward returned: dX = dout / (1-p) on the "
                                    "units it kept, 0 on the ones it dropped",
                               mistakes={"did not rescale by 1/(1-p)": dout * keep,
                                         "scaled by 1/(1-p) twice (the mask was already scaled)": exp / (1 - p),
                                         "scaled by p instead of 1/(1-p)": dout * keep * p,
                                         "scaled by 1/p instead of 1/(1-p)": dout * keep / p,
                                         "returned dout unchanged": dout})
                continue
            # your forward fails (see fer.dropout_forward): judged on the reference's mask, stored either
            # as 0/1 or already scaled by 1/(1-p); either convention is accepted
            keep = _reference_mask(shape, p, seed)
            exp = dout * keep / (1 - p)
            tries = [t.call("fer.layers:dropout_backward", dout, m, p=p, train=True)
                     for m in (keep, keep / (1 - p))]
            if any(_close_quiet(g, exp) for g in tries):
                continue
            t.assert_close(tries[0], exp, name="dX",
                           what=f"{what} (your dropout_forward fails, so the mask given is a 0/1 keep-mask, "
                                "also tried scaled by 1/(1-p)): dX = dout * mask / (1-p)",
                           mistakes={"did not rescale by 1/(1-p)": dout * keep,
                                     "scaled by p instead of 1/(1-p)": dout * keep * p,
                                     "scaled by 1/p instead of 1/(1-p)": dout * keep / p,
                                     "returned dout unchanged": dout})
    with t.case("test time (train=False)"):
        X, dout = _dropout_x(t, (5, 6)), t.rng.standard_normal((5, 6))
        res = t.probe(f"{PROBES}:dropout_pair", X, dout, 0.5, 3, train=False)
        if "forward_error" in res:
            got = t.call("fer.layers:dropout_backward", dout, None, p=0.5, train=False)
        else:
            got = res["dX"]
        t.assert_close(got, dout, name="dX", what="train=False (with the mask your forward returned at test "
                                                  "time): the gradient passes unchanged",
                       mistakes={"divided by (1-p) at test time": dout / 0.5})


def _close_quiet(got, exp) -> bool:
    try:
        a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == exp.shape and bool(np.allclose(a, exp, rtol=1e-5, atol=1e-8))


# ----------------------------------------------------------------------------------
# Q3: softmax
# ----------------------------------------------------------------------------------
SOFTMAX_CASES = [  # (name, N, C, scale, dtype)
    ("N=6, C=5", 6, 5, 1.0, np.float64),
    ("large logits (scale 1000)", 4, 7, 1000.0, np.float64),
    ("batch of one, C=10", 1, 10, 3.0, np.float64),
    ("float32 logits, N=8, C=3", 8, 3, 2.0, np.float32),
]


@check("fer.softmax", part="Q3", points=4, timeout=60,
       description="softmax loss (mean over N) and its gradient, stable for large logits")
def softmax(t: Context):
    for name, N, C, scale, dtype in SOFTMAX_CASES:
        with t.case(name):
            z = (t.rng.standard_normal((N, C)) * scale).astype(dtype)
            y = t.rng.integers(0, C, N)
            got = _tuple(t, t.call("fer.classifiers:softmax", z, y), 2, "softmax")
            loss, d = ref_cls.softmax(z.astype(np.float64), y)
            t.assert_true(np.ndim(got[0]) == 0 and np.isfinite(float(got[0])),
                          f"{name}: the loss must be one finite number, got {got[0]!r}",
                          summary="the loss must be one finite number (subtract each row's maximum first)")
            t.assert_close(float(got[0]), loss, name="loss", what=name, rtol=1e-5 if dtype == np.float32 else None,
                           mistakes={"summed the loss over the batch instead of averaging": loss * N})
            t.assert_close(got[1], d, name="dlogits", what=name, precision=t.precision(got[1]),
                           mistakes={"did not divide the gradient by N": d * N,
                                     "forgot to subtract 1 at the correct class": d + np.eye(C)[y] / N})


# ----------------------------------------------------------------------------------
# Q4: the fully-connected network
# ----------------------------------------------------------------------------------
@check("fer.random_init", part="Q4", points=1, timeout=60,
       description="random_init: shapes, dtype, zero bias, weights with standard deviation weight_scale")
def random_init(t: Context):
    for n_in, n_out, scale, dtype in [(400, 300, 5e-2, np.float32), (300, 200, 1e-3, np.float64)]:
        with t.case(f"{n_in}x{n_out}, weight_scale {scale}, {np.dtype(dtype).name}"):
            W, b = _tuple(t, t.call("fer.fcnet:random_init", n_in, n_out, weight_scale=scale,
                                    dtype=np.dtype(dtype).name), 2,
                          "random_init")
            W, b = t.as_array(W, "W"), t.as_array(b, "b")
            t.assert_shape(W, (n_in, n_out), name="W")
            t.assert_shape(b, (n_out,), name="b")
            t.assert_true(W.dtype == dtype and b.dtype == dtype, f"W and b must have dtype {np.dtype(dtype).name}, "
                          f"got {W.dtype} and {b.dtype}")
            t.assert_true(np.all(b == 0), "the bias must start at zero")
            std, mean = float(W.std()), float(W.mean())
            t.assert_true(abs(std / scale - 1) < 0.05 and abs(mean) < 0.05 * scale,
                          f"weights have mean {mean:.3g} and standard deviation {std:.3g}; expected mean 0 and "
                          f"standard deviation weight_scale = {scale}",
                          summary="the weights must have mean 0 and standard deviation weight_scale")


@check("fer.fcnet_init", part="Q4", points=1, timeout=60,
       description="FullyConnectedNet.__init__: W1..WL, b1..bL with the right shapes, dtype and scale")
def fcnet_init(t: Context):
    for hidden, dtype in [([120, 80, 60], np.float32), ([], np.float64), ([250], np.float64)]:
        with t.case(f"hidden_dims={hidden}, {np.dtype(dtype).name}"):
            net = t.call("fer.fcnet:FullyConnectedNet", hidden, input_dim=90, num_classes=7, weight_scale=2e-2,
                         dtype=np.dtype(dtype).name, keep=True)
            params = t.get(net.attr("params"))
            t.assert_true(isinstance(params, dict), "model.params must be a dict")
            sizes = [90] + hidden + [7]
            keys = {f"{p}{i}" for i in range(1, len(sizes)) for p in "Wb"}
            t.assert_true(set(params) == keys, f"params has keys {sorted(params)}, expected {sorted(keys)}")
            for i in range(1, len(sizes)):
                W, b = t.as_array(params[f"W{i}"], f"W{i}"), t.as_array(params[f"b{i}"], f"b{i}")
                t.assert_shape(W, (sizes[i - 1], sizes[i]), name=f"W{i}")
                t.assert_shape(b, (sizes[i],), name=f"b{i}")
                t.assert_true(W.dtype == dtype, f"W{i} has dtype {W.dtype}, expected {np.dtype(dtype).name}")
                t.assert_true(np.all(b == 0), f"b{i} must start at zero")
                t.assert_true(abs(W.std() / 2e-2 - 1) < 0.15, f"W{i} has standard deviation {W.std():.3g}, "
                              "expected weight_scale = 0.02", summary=f"W{i} must have standard deviation weight_scale")


def _net_params(t: Context, sizes, scale=0.3):
    p = {}
    for i in range(1, len(sizes)):
        p[f"W{i}"] = t.rng.standard_normal((sizes[i - 1], sizes[i])) * scale
        p[f"b{i}"] = t.rng.standard_normal(sizes[i]) * 0.1
    return p


def _student_net(t: Context, hidden, input_dim, C, params, dtype=np.float64, **kw):
    net = t.call("fer.fcnet:FullyConnectedNet", hidden, input_dim=input_dim, num_classes=C,
                 dtype=np.dtype(dtype).name, keep=True, **kw)
    for k, v in params.items():
        t.setitem(net.attr("params"), k, v.astype(dtype))
    return net


def _ref_net(hidden, input_dim, C, params, dtype=np.float64, **kw):
    net = ref_fc.FullyConnectedNet(hidden, input_dim=input_dim, num_classes=C, dtype=dtype, **kw)
    net.params = {k: v.astype(dtype) for k, v in params.items()}
    return net


@check("fer.fcnet_scores", part="Q4", points=1.5, timeout=60,
       description="FullyConnectedNet.loss(X) without labels: class scores, dropout off")
def fcnet_scores(t: Context):
    for hidden, dropout in [([], 0.0), ([6], 0.0), ([6, 5], 0.5)]:
        name = f"hidden_dims={hidden}" + (f", dropout {dropout} (must be off without labels)" if dropout else "")
        with t.case(name):
            params = _net_params(t, [12] + hidden + [4])
            X = t.rng.standard_normal((5, 3, 2, 2))
            net = _student_net(t, hidden, 12, 4, params, dropout=dropout, seed=3)
            got = t.call(net.attr("loss"), X)
            exp = _ref_net(hidden, 12, 4, params, dropout=dropout, seed=3).loss(X)
            try:
                t.assert_close(got, exp, name="scores", what=name)
            except CheckFailed:
                comp = _composed(t, params, X, None, 0.0, scores_only=True)  # your own layers, wired right
                if comp is None or np.allclose(comp, exp, rtol=1e-6, atol=1e-9) or not _close_quiet(got, comp):
                    raise
                t.note(f"{name}: your scores match the same network built from your own layers; the mistakes in "
                       "those layers are charged in their own checks (Q1)")


FC_LOSS_CASES = [  # (name, hidden, reg, dropout, seed, dtype)
    ("two hidden layers, reg=0", [7, 6], 0.0, 0.0, None, np.float64),
    ("one hidden layer, reg=0.7 (L2 with the 0.5 factor)", [8], 0.7, 0.0, None, np.float64),
    ("three hidden layers, reg=0.2, dropout p=0.4 with seed 123", [7, 6, 5], 0.2, 0.4, 123, np.float64),
    ("no hidden layer (softmax regression), reg=1.5", [], 1.5, 0.0, None, np.float64),
    ("float32 net, one hidden layer, reg=0.1", [9], 0.1, 0.0, None, np.float32),
]


def _student_keeps(t: Context, shapes, p, seed):
    """The units the student's ``dropout_forward`` keeps for each hidden layer's shape with this
    seed (called on ones, as the network calls it), or None when that forward breaks the contract."""
    keeps = []
    for shape in shapes:
        ones = np.ones(shape)
        try:
            out = t.call("fer.layers:dropout_forward", ones, p=p, train=True, seed=seed)[0]
        except StudentError:  # a failing forward is charged in fer.dropout_forward
            return None
        if not _dropout_forward_ok(out, ones, p):
            return None
        keeps.append(np.asarray(out, dtype=np.float64) != 0)
    return keeps


def _ref_loss_with_keeps(params, X, y, reg, p, keeps):
    """The reference network's loss and gradients (float64) with given keep-masks, one per hidden layer."""
    L = len(keeps) + 1
    h, caches = X.astype(np.float64), []
    for i in range(1, L):
        a = ref.linear_forward(h, params[f"W{i}"], params[f"b{i}"])
        r = ref.relu_forward(a) * keeps[i - 1] / (1 - p)
        caches.append((h, a))
        h = r
    scores = ref.linear_forward(h, params[f"W{L}"], params[f"b{L}"])
    loss, ds = ref_cls.softmax(scores, y)
    loss += 0.5 * reg * sum(float(np.sum(params[f"W{i}"] ** 2)) for i in range(1, L + 1))
    grads = {}
    dh, dW, db = ref.linear_backward(ds, h, params[f"W{L}"], params[f"b{L}"])
    grads[f"W{L}"], grads[f"b{L}"] = dW + reg * params[f"W{L}"], db
    for i in range(L - 1, 0, -1):
        h_in, a = caches[i - 1]
        da = ref.relu_backward(dh * keeps[i - 1] / (1 - p), a)
        dh, dW, db = ref.linear_backward(da, h_in, params[f"W{i}"], params[f"b{i}"])
        grads[f"W{i}"], grads[f"b{i}"] = dW + reg * params[f"W{i}"], db
    return loss, grads


def _fcnet_self_consistent(t: Context, name, hidden, input_dim, C, params, X, y, reg, p, seed):
    """With a dropout_forward that is wrong (charged in Q2), the network's gradients are judged
    against central differences of the student's own loss (float64, fixed seed)."""
    res = t.probe(f"{PROBES}:fcnet_numeric", hidden, input_dim, C, params, X, y, reg=reg, dropout=p, seed=seed)
    t.note(f"{name}: your dropout_forward is wrong (see fer.dropout_forward), so this case checks your "
           "gradients against your own loss")
    for k in sorted(params):
        t.assert_close(res["grads"][k], res["numeric"][k], name=f"grads['{k}']", fd=True,
                       what=f"{name}: compared with central differences of your own loss")


@check("fer.fcnet_loss_grads", part="Q4", points=2.5, timeout=90,
       description="FullyConnectedNet.loss(X, y): loss with L2 (0.5 * reg * sum W^2) and every gradient")
def fcnet_loss_grads(t: Context):
    for name, hidden, reg, dropout, seed, dtype in FC_LOSS_CASES:
        with t.case(name):
            sizes = [10] + hidden + [4]
            params = _net_params(t, sizes)
            X, y = t.rng.standard_normal((6, 10)), t.rng.integers(0, 4, 6)
            net = _student_net(t, hidden, 10, 4, params, dtype=dtype, reg=reg, dropout=dropout, seed=seed)
            got = _tuple(t, t.call(net.attr("loss"), X, y), 2, "model.loss(X, y)")
            if dropout:
                # how the mask is drawn is the student's choice (Q2): the reference runs with the units
                # the student's own dropout_forward keeps for this seed, or, when that forward is wrong
                # (charged in fer.dropout_forward), the gradients are checked against the student's own loss
                keeps = _student_keeps(t, [(6, h) for h in hidden], dropout, seed)
                if keeps is None:
                    comp = _composed(t, params, X, y, reg, dropout, seed)
                    if comp is None:
                        _fcnet_self_consistent(t, name, hidden, 10, 4, params, X, y, reg, dropout, seed)
                        continue
                    t.note(f"{name}: your dropout_forward is wrong (see fer.dropout_forward), so this case compares "
                           "your network with the same network built from your own layers")
                    _judge_fc(t, name, got, comp[0], comp[1], params, reg, dtype)
                    continue
                loss, grads = _ref_loss_with_keeps(params, X, y, reg, dropout, keeps)
            else:
                rnet = _ref_net(hidden, 10, 4, params, dtype=np.float64, reg=reg, dropout=dropout, seed=seed)
                loss, grads = rnet.loss(X.astype(np.float64), y)
            try:
                _judge_fc(t, name, got, loss, grads, params, reg, dtype)
            except CheckFailed as first:
                # one mistake, one charge: a network wired right on top of a wrong layer (charged in
                # Q1-Q3) matches the same wiring of the student's own layers
                comp = _composed(t, params, X, y, reg, dropout, seed)
                if comp is None or _fc_same(comp, (loss, grads)):
                    raise
                try:
                    _judge_fc(t, name, got, comp[0], comp[1], params, reg, dtype)
                except CheckFailed:
                    raise first from None
                t.note(f"{name}: your network matches the same network built from your own layers; the mistakes "
                       "in those layers are charged in their own checks (Q1-Q3)")


def _judge_fc(t: Context, name, got, loss, grads, params, reg, dtype):
    l2 = sum(float(np.sum(params[k] ** 2)) for k in params if k.startswith("W"))
    mistakes = {}
    if reg:
        mistakes = {"L2 term without the 0.5 factor (reg * sum W^2)": loss + 0.5 * reg * l2,
                    "forgot the L2 term in the loss": loss - 0.5 * reg * l2}
    t.assert_close(float(got[0]), loss, name="loss", what=name, mistakes=mistakes,
                   rtol=1e-4 if dtype == np.float32 else None)
    t.assert_true(isinstance(got[1], dict) and set(got[1]) == set(grads),
                  f"{name}: grads must have the keys {sorted(grads)}",
                  summary="grads must have one entry per parameter")
    for k in sorted(grads):
        gm = {}
        if k.startswith("W") and reg:
            gm = {"L2 gradient without the 0.5 factor in the loss (2 * reg * W)": grads[k] + reg * params[k],
                  "forgot the L2 gradient reg * W": grads[k] - reg * params[k]}
        t.assert_close(got[1][k], grads[k], name=f"grads['{k}']", what=name, mistakes=gm,
                       precision=t.precision(got[1][k]))


def _fc_same(a, b) -> bool:
    try:
        return bool(np.isclose(float(a[0]), float(b[0]), rtol=1e-6, atol=1e-9)) and all(
            np.allclose(np.asarray(a[1][k], dtype=np.float64), b[1][k], rtol=1e-6, atol=1e-9) for k in b[1])
    except (TypeError, ValueError, KeyError):
        return False


def _composed(t: Context, params, X, y, reg, p=0.0, seed=None, scores_only=False):
    """The network of the handout wired (here, in the grader) from the student's own layer functions,
    each called in the sandbox: scores, or (loss, grads). None when one of them fails."""
    L = sum(1 for k in params if k.startswith("W"))
    try:
        h, caches = np.asarray(X, dtype=np.float64), []
        for i in range(1, L):
            a = np.asarray(t.call("fer.layers:linear_forward", h, params[f"W{i}"], params[f"b{i}"]), dtype=np.float64)
            r = np.asarray(t.call("fer.layers:relu_forward", a), dtype=np.float64)
            mask = None
            if p and not scores_only:
                r, mask = t.call("fer.layers:dropout_forward", r, p=p, train=True, seed=seed)
                r = np.asarray(r, dtype=np.float64)
            caches.append((h, a, mask))
            h = r
        scores = np.asarray(t.call("fer.layers:linear_forward", h, params[f"W{L}"], params[f"b{L}"]), dtype=np.float64)
        if scores_only:
            return scores
        loss, ds = t.call("fer.classifiers:softmax", scores, y)
        loss = float(loss) + 0.5 * reg * sum(float(np.sum(params[f"W{i}"] ** 2)) for i in range(1, L + 1))
        grads = {}
        dh, dW, db = t.call("fer.layers:linear_backward", np.asarray(ds, dtype=np.float64), h, params[f"W{L}"],
                            params[f"b{L}"])
        grads[f"W{L}"], grads[f"b{L}"] = np.asarray(dW) + reg * params[f"W{L}"], np.asarray(db)
        for i in range(L - 1, 0, -1):
            h_in, a, mask = caches[i - 1]
            if p:
                dh = t.call("fer.layers:dropout_backward", np.asarray(dh, dtype=np.float64), mask, p=p, train=True)
            da = t.call("fer.layers:relu_backward", np.asarray(dh, dtype=np.float64), a)
            dh, dW, db = t.call("fer.layers:linear_backward", np.asarray(da, dtype=np.float64), h_in,
                                params[f"W{i}"], params[f"b{i}"])
            grads[f"W{i}"], grads[f"b{i}"] = np.asarray(dW) + reg * params[f"W{i}"], np.asarray(db)
        return loss, grads
    except (StudentError, TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------------
# Q5: optimiser, stopping criterion, FER-2013 loader
# ----------------------------------------------------------------------------------
def _momentum_steps(t: Context, shape, config, grads, what):
    """Successive calls of the student's sgd_momentum, each with the config the previous returned;
    returns the steps w_k - w_{k-1}, flattened."""
    w = t.rng.standard_normal(shape)
    cfg, steps = (None if config is None else dict(config)), []
    for k, g in enumerate(grads):
        out = _tuple(t, t.call("fer.optim:sgd_momentum", w.copy(), g, cfg), 2, "sgd_momentum")
        nw = t.as_array(out[0], "next_w", what=f"{what}, step {k + 1}")
        t.assert_shape(nw, w.shape, name="next_w", what=f"{what}, step {k + 1}")
        t.assert_true(isinstance(out[1], dict), "sgd_momentum must return (next_w, config), config a dict")
        steps.append((nw.astype(np.float64) - w).ravel())
        w, cfg = nw.astype(np.float64), out[1]
    return steps


def _momentum_mix(step, grads):
    """Least-squares coefficients c with step = -(c_1 g_1 + ... + c_k g_k), and the relative residual."""
    G = np.stack([g.ravel() for g in grads], axis=1)
    c, *_ = np.linalg.lstsq(G, -step, rcond=None)
    res = np.linalg.norm(G @ c + step) / max(np.linalg.norm(step), 1e-300)
    return c, res


@check("fer.sgd_momentum", part="Q5", points=1, timeout=60,
       description="sgd_momentum: plain SGD at momentum 0, the velocity carried in config (each earlier gradient "
                   "weighted by momentum per step), descent on a quadratic; any of the usual momentum forms")
def sgd_momentum(t: Context):
    with t.case("momentum 0 is plain SGD: 2 steps, lr 0.05, W (4, 3)"):
        grads = [t.rng.standard_normal((4, 3)) for _ in range(2)]
        steps = _momentum_steps(t, (4, 3), {"learning_rate": 0.05, "momentum": 0.0}, grads, "momentum 0")
        for k, (st, g) in enumerate(zip(steps, grads)):
            t.assert_close(st, -0.05 * g.ravel(), name="next_w - w", what=f"momentum 0, step {k + 1}: w - lr * dw",
                           mistakes={"moved along +gradient (the step must be -learning_rate * dw)": 0.05 * g.ravel()})
    for lr, mu, shape in [(0.2, 0.5, (12,)), (0.05, 0.9, (3, 5))]:
        name = f"velocity carried: 4 steps, lr {lr}, momentum {mu}, shape {shape}"
        with t.case(name):
            grads = [t.rng.standard_normal(shape) for _ in range(4)]
            steps = _momentum_steps(t, shape, {"learning_rate": lr, "momentum": mu}, grads, name)
            scale = None
            for k, st in enumerate(steps):
                c, res = _momentum_mix(st, grads[:k + 1])
                t.assert_true(res < 1e-6, f"{name}, step {k + 1}: the step is not a combination of the gradients "
                              f"seen so far (relative residual {res:.2g})",
                              summary="a step is not a combination of the gradients seen so far")
                t.assert_true(c[-1] > 0, f"{name}, step {k + 1}: the step moves along +gradient (the step must be "
                              "against the gradient: -learning_rate * dw)",
                              summary="the step moves along +gradient (it must be -learning_rate * dw)")
                scale = c[-1] if scale is None else scale
                t.assert_true(abs(c[-1] / scale - 1) < 1e-6, f"{name}, step {k + 1}: the current gradient's weight "
                              f"changed from {scale:.6g} to {c[-1]:.6g} at a constant learning rate",
                              summary="the current gradient's weight changes between steps at a constant learning rate")
                if k == 0:
                    continue
                want = c[-1] * mu ** np.arange(k, -1, -1)
                if abs(c[-2]) < 1e-9 * abs(c[-1]):
                    t.fail(f"{name}, step {k + 1}: the previous gradients have no effect: the velocity is not "
                           "carried from one call to the next (store it in config['velocity'])",
                           summary="the velocity is not carried from one call to the next (store it in "
                                   "config['velocity'])")
                t.assert_close(c, want, name="weights of the gradients in the step", rtol=1e-6, atol=1e-12,
                               what=f"{name}, step {k + 1}: each earlier gradient counts momentum times less per step "
                                    "(v = momentum * v - learning_rate * dw, or an equivalent form)")
    with t.case("descends on a quadratic: 60 steps, lr 0.1, momentum 0.9"):
        curv = np.linspace(0.5, 2.0, 8)
        f = t.probe(f"{PROBES}:momentum_quadratic", curv, t.rng.standard_normal(8),
                    {"learning_rate": 0.1, "momentum": 0.9}, 60)
        f = t.as_array(f, "f")
        t.assert_true(np.all(np.isfinite(f)) and f[-1] < 0.05 * f[0],
                      f"f(w) = 0.5 * sum(a * w^2) went from {f[0]:.3g} to {f[-1]:.3g} in 60 steps; momentum SGD "
                      "should bring it below 5% of the start",
                      summary="momentum SGD does not descend on a quadratic")
    with t.case("the default config (config=None): 2 steps against the gradient"):
        grads = [t.rng.standard_normal((3, 2)) for _ in range(2)]
        steps = _momentum_steps(t, (3, 2), None, grads, "config=None")
        c, res = _momentum_mix(steps[0], grads[:1])
        t.assert_true(res < 1e-6 and c[0] > 0, "config=None: the first step must be -learning_rate * dw (with the "
                      "default learning rate)", summary="config=None: the first step is not against the gradient")


@check("fer.early_stopping", part="Q5", points=0.5, timeout=60,
       description="the stopping criterion on several validation histories, and inside the Solver")
def early_stopping(t: Context):
    cases = [
        ("too short to decide (patience 3, 3 values)", [0.1, 0.2, 0.15], 3, 0.0),
        ("plateau after the best (patience 2)", [0.1, 0.3, 0.5, 0.5, 0.45], 2, 0.0),
        ("improved in the last epoch (patience 3)", [0.1, 0.5, 0.4, 0.45, 0.52], 3, 0.0),
        ("improved two epochs ago (patience 3)", [0.1, 0.2, 0.4, 0.35], 3, 0.0),
        ("best is the very first value (patience 1)", [0.3, 0.2], 1, 0.0),
        ("improvement smaller than min_delta (patience 2, min_delta 0.05)", [0.2, 0.4, 0.42, 0.43], 2, 0.05),
        ("improvement larger than min_delta (patience 2, min_delta 0.01)", [0.2, 0.4, 0.38, 0.43], 2, 0.01),
    ]
    for name, hist, patience, delta in cases:
        with t.case(name):
            got = t.call("fer.solver:early_stopping", hist, patience, min_delta=delta)
            exp = ref_solver.early_stopping(hist, patience, min_delta=delta)
            t.assert_true(_is_bool(got, exp), f"{name}: early_stopping({hist}, patience={patience}, "
                          f"min_delta={delta}) returned {got!r}, expected {exp}",
                          summary=f"{name}: wrong decision" + (" (it never stops)" if exp and _is_bool(got, False)
                                                               else ""))
    with t.case("Solver(patience=2) on a model that cannot improve stops early"):
        res = t.probe(f"{PROBES}:run_solver_patience", 12, 2)
        t.assert_true(res["epochs_run"] < 12, f"the Solver ran all {res['epochs_run']} epochs although the "
                      f"validation accuracy stayed at {res['val_acc_history'][:4]}...: the stopping criterion never "
                      "fired", summary="the stopping criterion never fired inside the Solver")


def _fer_rows(t: Context):
    usages = ["Training"] * 7 + ["PublicTest"] * 3 + ["PrivateTest"] * 2
    order = t.rng.permutation(len(usages))
    rows = []
    for i in order:
        pix = t.rng.integers(0, 256, (48, 48)).astype(np.uint8)
        pix[0, 0], pix[-1, -1] = 0, 255
        rows.append((int(t.rng.integers(0, 7)), pix, usages[i]))
    return rows


@check("fer.fer_loader", part="Q5", points=0.5, timeout=60,
       description="get_FER2013_data reads fer2013.csv: splits by Usage, labels, scaling, training mean")
def fer_loader(t: Context):
    rows = _fer_rows(t)
    for sub in (True, False):
        with t.case(f"12 rows of all three splits, subtract_mean={sub}"):
            got = t.probe(f"{PROBES}:run_fer_loader", rows, subtract_mean=sub)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "fer2013.csv"
                with open(path, "w") as fh:
                    fh.write("emotion,pixels,Usage\n")
                    for emo, pix, usage in rows:
                        fh.write(f"{emo},{' '.join(map(str, pix.ravel().tolist()))},{usage}\n")
                exp = ref_data.get_FER2013_data(path=str(path), subtract_mean=sub)
            missing = sorted(set(exp) - set(got))
            t.assert_true(not missing, f"the returned dict lacks {missing}", summary="the returned dict lacks keys")
            for k in ("y_train", "y_val", "y_test"):
                t.assert_close(np.asarray(got[k], dtype=float), exp[k].astype(float), name=k,
                               what="labels in file order (Training -> train, PublicTest -> val, PrivateTest -> test)")
            t.assert_close(got["mean"], exp["mean"], name="mean", what="mean of the training images / 255")
            for k in ("X_train", "X_val", "X_test"):
                raw = exp[k] + exp["mean"]
                t.assert_close(got[k], exp[k], name=k, what="pixels / 255 minus the training mean",
                               mistakes={"did not divide the pixels by 255": raw * 255 - exp["mean"],
                                         "did not subtract the training mean": raw})
