"""Hidden checks of `nist36`: values against ``solutions.nist36`` on several cases, the
numerical gradient checker on losses with known gradients, training runs scored here
from the weights or predictions that come back, OCR scored against the pages' ground
truth, and the weight files handed in.

Expected values, labels of scored inputs and known-mistake values are computed in
this (the grader's) process; the student's code only ever receives inputs.
"""
from __future__ import annotations

import numpy as np

from autograder.engine import Context, check
from solutions.nist36 import nn as ref
from solutions.nist36 import run_q2 as ref_q2
from solutions.nist36 import run_q3 as ref_q3
from solutions.nist36 import run_q5 as ref_q5
from solutions.nist36 import theory as ref_th

from . import figures
from . import hidden_common as C

NN = "nist36.nn"
PROBES = "probes"

# the suite is loaded to grade: read the data while the sandbox starts (see warm_up)
C.warm_up()


def _close(t: Context, actual, expected, *, mistakes=None, **kw):
    """t.assert_close with the known-mistake values that do not apply to a case (None) left out."""
    if mistakes:
        mistakes = {k: v for k, v in mistakes.items() if v is not None}
    t.assert_close(actual, expected, mistakes=mistakes or None, **kw)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------------
# section 1: theory that code can check
# ----------------------------------------------------------------------------------
@check("nist36.q1_1_softmax_shift", part="Q1.1", points=1, timeout=30)
def q1_1(t: Context):
    """softmax_shifted(x, c) equals softmax(x) for several shifts c"""
    for name, x, c in [("5 scores, c = 3", t.rng.standard_normal(5), 3.0),
                       ("8 scores, c = -max(x)", 4 * t.rng.standard_normal(8), None),
                       ("a single score, c = 0.5", np.array([2.0]), 0.5)]:
        with t.case(name):
            cc = -float(np.max(x)) if c is None else c
            got = t.call("nist36.theory:softmax_shifted", x, cc)
            e = np.exp(x - x.max())
            _close(t, got, e / e.sum(), name="softmax_shifted(x, c)", what=name,
                           mistakes={"returned exp(x + c) without dividing by the sum": np.exp(x + cc)})


@check("nist36.q1_2_softmax_steps", part="Q1.2", points=1, timeout=30)
def q1_2(t: Context):
    """softmax_steps(x): exp, the normaliser and the division, on inputs drawn here"""
    for name, x in [("6 random scores", t.rng.standard_normal(6) * 2), ("a single score", t.rng.standard_normal(1)),
                    ("negative and zero scores", -np.abs(t.rng.standard_normal(5)) * np.array([1, 0, 1, 1, 0]))]:
        with t.case(name):
            got = t.call("nist36.theory:softmax_steps", x)
            t.assert_true(isinstance(got, (tuple, list)) and len(got) == 3, "softmax_steps must return (s, S, p)")
            s, S = np.exp(x), float(np.exp(x).sum())
            _close(t, got[0], s, name="s (step 1)", what=name, mistakes={"returned x itself, not exp(x)": x})
            try:
                S_got = float(np.asarray(got[1], dtype=float).reshape(-1)[0]) if np.size(got[1]) == 1 else None
            except (TypeError, ValueError):
                S_got = None
            t.assert_true(S_got is not None, "softmax_steps: S (step 2) must be one number, the sum of s")
            _close(t, np.asarray(S_got), np.asarray(S), name="S (step 2)", what=name)
            _close(t, got[2], s / S, name="p (step 3)", what=name,
                   mistakes={"returned s: step 3 divides by S": s, "divided S by s": S / s})


@check("nist36.q1_3_collapse_linear", part="Q1.3", points=1, timeout=30)
def q1_3(t: Context):
    """collapse_linear: two layers without activation as one affine map"""
    for name, (d, h, k) in [("d=4, h=3, k=2", (4, 3, 2)), ("d=h=k=3", (3, 3, 3)), ("d=1, h=5, k=6", (1, 5, 6))]:
        with t.case(name):
            W1, b1 = t.rng.standard_normal((h, d)), t.rng.standard_normal(h)
            W2, b2 = t.rng.standard_normal((k, h)), t.rng.standard_normal(k)
            got = t.call("nist36.theory:collapse_linear", W1, b1, W2, b2)
            t.assert_true(isinstance(got, (tuple, list)) and len(got) == 2, "collapse_linear must return (W, b)")
            _close(t, got[0], W2 @ W1, name="W", what=name,
                           mistakes={"multiplied in the wrong order (W1 @ W2): x goes through W1 first, so W = W2 W1":
                                     W1 @ W2 if d == k else None} if d == k else None)
            _close(t, got[1], W2 @ b1 + b2, name="b", what=name,
                           mistakes={"added the biases (b1 + b2); b1 also goes through W2": b1 + b2 if h == k else
                                     None, "forgot b2": W2 @ b1})


@check("nist36.q1_4_sigmoid_grad", part="Q1.4", points=1, timeout=30)
def q1_4(t: Context):
    """sigmoid_grad_from_output(s) is the derivative written through the output"""
    for name, x in [("random inputs", t.rng.standard_normal(7)), ("a 3x4 array", t.rng.standard_normal((3, 4)) * 3),
                    ("saturated inputs", np.array([-30.0, 0.0, 30.0]))]:
        with t.case(name):
            s = _sig(x)
            got = t.call("nist36.theory:sigmoid_grad_from_output", s)
            _close(t, got, s * (1 - s), name="sigmoid'(x)", what=name,
                           mistakes={"used 1 - s only": 1 - s, "wrote s * (1 + s)": s * (1 + s),
                                     "applied the formula to x instead of s": x * (1 - x)})


@check("nist36.q1_5_linear_grads", part="Q1.5", points=6, timeout=30)
def q1_5(t: Context):
    """linear_layer_grads: dJ/dW, dJ/dx, dJ/db of y = Wx + b"""
    for name, (k, d) in [("k=3, d=5", (3, 5)), ("square k=d=4", (4, 4)), ("k=1, d=2", (1, 2))]:
        with t.case(name):
            W, x, b, delta = (t.rng.standard_normal((k, d)), t.rng.standard_normal(d), t.rng.standard_normal(k),
                              t.rng.standard_normal(k))
            got = t.call("nist36.theory:linear_layer_grads", W, x, b, delta)
            t.assert_true(isinstance(got, (tuple, list)) and len(got) == 3,
                          "linear_layer_grads must return (dJ_dW, dJ_dx, dJ_db)")
            mW = {"used x delta^T; dJ/dW_ij = delta_i x_j, i.e. delta x^T": np.outer(x, delta)} if k == d else {}
            mx = {"used W delta; it is W^T delta": W @ delta} if k == d else {}
            _close(t, got[0], np.outer(delta, x), name="dJ_dW", what=name, mistakes=mW)
            _close(t, got[1], W.T @ delta, name="dJ_dx", what=name, mistakes=mx)
            _close(t, got[2], delta, name="dJ_db", what=name)


@check("nist36.q1_6_tanh", part="Q1.6", points=2, timeout=30)
def q1_6(t: Context):
    """tanh through the sigmoid, and both derivatives, on inputs drawn here"""
    for name, x in [("random inputs", t.rng.standard_normal(9) * 2), ("large |x|", np.array([-40.0, -5.0, 0.0, 5.0, 40.0])),
                    ("a 2x3 array", t.rng.standard_normal((2, 3)))]:
        with t.case(f"tanh_from_sigmoid, {name}"):
            got = t.call("nist36.theory:tanh_from_sigmoid", x)
            _close(t, got, np.tanh(x), name="tanh_from_sigmoid(x)", what=name,
                           mistakes={"used sigma(x) instead of sigma(2x): tanh(x) = 2 sigma(2x) - 1": 2 * _sig(x) - 1,
                                     "forgot the -1": 2 * _sig(2 * x), "forgot the factor 2": _sig(2 * x) - 1})
    with t.case("sigmoid_and_tanh_slopes, zero, random and large |x|"):
        x = np.concatenate([[0.0], t.rng.standard_normal(6) * 3, [-30.0, 30.0]])
        got = t.call("nist36.theory:sigmoid_and_tanh_slopes", x)
        t.assert_true(isinstance(got, (tuple, list)) and len(got) == 2,
                      "sigmoid_and_tanh_slopes must return (sigmoid'(x), tanh'(x))")
        ds, dt = _sig(x) * (1 - _sig(x)), 1 - np.tanh(x) ** 2
        _close(t, got[0], ds, name="sigmoid'(x)", what="sigmoid_and_tanh_slopes",
               mistakes={"swapped the two": dt, "returned the sigmoid itself": _sig(x)})
        _close(t, got[1], dt, name="tanh'(x)", what="sigmoid_and_tanh_slopes",
               mistakes={"swapped the two": ds, "wrote 1 - tanh(x) (the square is missing)": 1 - np.tanh(x),
                         "returned tanh itself": np.tanh(x)})


# ----------------------------------------------------------------------------------
# Q2.1.2 Xavier initialisation
# ----------------------------------------------------------------------------------
@check("nist36.initialize_weights", part="Q2.1.2", points=3, timeout=30)
def initialize_weights(t: Context):
    """initialize_weights: shapes, keys, a 1-D zero bias, the Xavier-uniform distribution"""
    for name, (i, o) in [("1024 -> 64 (layer1)", (1024, 64)), ("64 -> 36 (output)", (64, 36)),
                         ("300 -> 1000 (fan-out larger)", (300, 1000))]:
        with t.case(name):
            _, args = t.call_with_args(f"{NN}:initialize_weights", i, o, {"keep": np.ones(2)}, "lay")
            params = args[2]
            t.assert_true("Wlay" in params and "blay" in params,
                          f"{name}: expected params['W' + name] and params['b' + name] (name='lay'), found keys "
                          f"{sorted(params)}", summary="params['W' + name] / params['b' + name] not set")
            t.assert_true("keep" in params, "initialize_weights must add to params, not replace what it holds")
            W, b = np.asarray(params["Wlay"]), np.asarray(params["blay"])
            t.assert_true(W.shape == (i, o), f"{name}: W has shape {W.shape}, expected (in_size, out_size) = {(i, o)}",
                          summary="W must have shape (in_size, out_size)")
            t.assert_true(b.shape == (o,), f"{name}: b has shape {b.shape}, expected the 1-D shape ({o},)",
                          summary="b must be a 1-D array of out_size entries")
            t.assert_true(np.all(b == 0), f"{name}: b must be all zeros", summary="b must be all zeros")
            C.assert_xavier(t, W, i, o, name)


# ----------------------------------------------------------------------------------
# Q2.2.1 sigmoid and forward
# ----------------------------------------------------------------------------------
@check("nist36.sigmoid", part="Q2.2.1", points=1, timeout=30)
def sigmoid(t: Context):
    """sigmoid: values, any shape, no overflow for large negative inputs"""
    for name, x in [("random 4x5", t.rng.standard_normal((4, 5))), ("zeros", np.zeros(3)),
                    ("large magnitudes", np.array([-1000.0, -50.0, 50.0, 1000.0])),
                    ("3-D array", t.rng.standard_normal((2, 3, 2)))]:
        with t.case(name):
            got = t.call(f"{NN}:sigmoid", x)
            _close(t, got, ref.sigmoid(x), name="sigmoid(x)", what=name,
                           mistakes={"computed 1 / (1 + exp(x)) (sign of the exponent)": ref.sigmoid(-x)})


def _layer(t: Context, n, i, o, name, scale=1.0):
    X = t.rng.standard_normal((n, i)) * scale
    params = {"W" + name: t.rng.standard_normal((i, o)) / np.sqrt(i), "b" + name: t.rng.standard_normal(o)}
    return X, params


FORWARD_CASES = [("batch of 1, 6 -> 4", 1, 6, 4, "sigmoid", 1.0), ("7x13 -> 5", 7, 13, 5, "sigmoid", 1.0),
                 ("large inputs, 4x3 -> 3", 4, 3, 3, "sigmoid", 30.0), ("ReLU activation, 5x4 -> 6", 5, 4, 6, "relu", 1.0),
                 ("softmax activation, 3x4 -> 5", 3, 4, 5, "softmax", 1.0)]


def _own_activation(t: Context, kind, pre, post, case):
    """One mistake, one charge: forward receives the student's own ``sigmoid`` / ``softmax``.
    Where that activation differs from the reference (charged in its own check), forward is
    judged with the student's activation applied to the right pre-activation, and says so."""
    try:
        own = np.asarray(t.call(f"{NN}:{kind}", pre), dtype=np.float64)
    except Exception:  # noqa: BLE001 - a broken activation: judged against the reference
        return post
    if own.shape != post.shape or not np.all(np.isfinite(own)) or np.allclose(own, post, rtol=1e-4, atol=1e-6):
        return post
    t.note(f"forward ({case}): your {kind} differs from the reference (that costs points in nist36.{kind} only), so "
           f"forward was judged with your own {kind} applied to X @ W + b")
    return own


@check("nist36.forward", part="Q2.2.1", points=3, timeout=60)
def forward(t: Context):
    """forward: output and cache (X, pre_act, post_act) for several shapes and activations"""
    acts = {"sigmoid": ref.sigmoid, "relu": ref.relu, "softmax": ref.softmax}
    for name, n, i, o, kind, scale in FORWARD_CASES:
        with t.case(name):
            X, params = _layer(t, n, i, o, "L1", scale)
            out, p = t.probe(f"{PROBES}:forward_with", kind, X, params, "L1")
            pre = X @ params["WL1"] + params["bL1"]
            post = acts[kind](pre)
            m = {"forgot the bias": acts[kind](X @ params["WL1"]), "returned the pre-activation": pre}
            if kind in ("sigmoid", "softmax"):
                post = _own_activation(t, kind, pre, post, name)
            _close(t, out, post, name="post_act", what=f"forward ({name})", mistakes=m)
            cache = p.get("cache_L1")
            t.assert_true(isinstance(cache, (tuple, list)) and len(cache) == 3,
                          "forward must store params['cache_' + name] = (X, pre_act, post_act)",
                          summary="forward must store params['cache_' + name] = (X, pre_act, post_act)")
            _close(t, cache[0], X, name="cache[0] (X)", what=name)
            _close(t, cache[1], pre, name="cache[1] (pre_act)", what=name,
                           mistakes={"stored post_act where pre_act belongs": post})
            _close(t, cache[2], post, name="cache[2] (post_act)", what=name,
                           mistakes={"stored pre_act where post_act belongs": pre})


# ----------------------------------------------------------------------------------
# Q2.2.2 softmax
# ----------------------------------------------------------------------------------
@check("nist36.softmax", part="Q2.2.2", points=3, timeout=30)
def softmax(t: Context):
    """softmax: per row, stable for large scores, batch of one, rows on very different scales"""
    cases = [("random 5x4", t.rng.standard_normal((5, 4))),
             ("batch of one", t.rng.standard_normal((1, 6))),
             ("large scores", np.array([[1000.0, 1001.0, 999.0], [720.0, 700.0, 710.0]])),
             ("rows on very different scales", np.array([[1000.0, 1001.0, 998.0], [-1000.0, -999.0, -1001.0],
                                                         [0.5, -0.5, 0.0]])),
             ("ties and exact zeros", np.array([[0.0, 0.0, 0.0, 0.0], [2.0, 2.0, -1.0, 0.0]]))]
    for name, x in cases:
        with t.case(name):
            got = t.call(f"{NN}:softmax", x)
            e = np.exp(x - x.max(axis=0, keepdims=True))
            m = {"normalised the columns (axis 0) instead of the rows": e / e.sum(axis=0, keepdims=True)}
            _close(t, got, ref.softmax(x), name="softmax(x)", what=name, mistakes=m)


# ----------------------------------------------------------------------------------
# Q2.2.3 loss and accuracy
# ----------------------------------------------------------------------------------
def _probs(t: Context, n, k):
    return ref.softmax(t.rng.standard_normal((n, k)) * 2)


@check("nist36.compute_loss_and_acc", part="Q2.2.3", points=3, timeout=30)
def compute_loss_and_acc(t: Context):
    """compute_loss_and_acc: the summed cross-entropy and the accuracy"""
    for name, n, k in [("10 examples, 4 classes", 10, 4), ("batch of one", 1, 36), ("40 examples, 36 classes", 40, 36)]:
        with t.case(name):
            probs = _probs(t, n, k)
            labels = t.rng.integers(k, size=n)
            labels[: n // 3] = probs[: n // 3].argmax(axis=1)  # some correct predictions
            y = np.eye(k)[labels]
            got = t.call(f"{NN}:compute_loss_and_acc", y, probs)
            t.assert_true(isinstance(got, (tuple, list)) and len(got) == 2, "return (loss, acc)")
            loss, acc = ref.compute_loss_and_acc(y, probs)
            _close(t, np.asarray(got[0], dtype=float), loss, name="loss", what=name,
                           mistakes={"averaged the loss over the examples; the handout's loss is the total (sum)":
                                     loss / n if n > 1 else None,
                                     "used log base 10": loss / np.log(10), "summed log(probs) over all classes":
                                     float(-np.sum(np.log(probs)))})
            _close(t, np.asarray(got[1], dtype=float), acc, name="acc", what=name,
                           mistakes={"returned the number of correct predictions instead of the fraction":
                                     acc * n if n > 1 else None})


# ----------------------------------------------------------------------------------
# Q2.3 backwards
# ----------------------------------------------------------------------------------
BACKWARD_CASES = [("sigmoid, 5x4 -> 3", 5, 4, 3, "sigmoid"), ("sigmoid, batch of 1, 3 -> 3", 1, 3, 3, "sigmoid"),
                  ("linear (output layer), 6x5 -> 4", 6, 5, 4, "linear"), ("ReLU, 4x6 -> 5", 4, 6, 5, "relu"),
                  ("sigmoid, 8x8 -> 8", 8, 8, 8, "sigmoid")]


def _backward_ref(X, W, b, delta, kind):
    pre = X @ W + b
    act = {"sigmoid": ref.sigmoid, "linear": lambda z: z, "relu": ref.relu}[kind]
    deriv = {"sigmoid": ref.sigmoid_deriv, "linear": np.ones_like, "relu": lambda p: (p > 0).astype(float)}[kind]
    post = act(pre)
    d = delta * deriv(post)
    good = {"gX": d @ W.T, "gW": X.T @ d, "gb": d.sum(axis=0)}
    wrong_pre = delta * deriv(pre)
    mistakes = {
        "gW": {"took the activation's derivative at pre_act; activation_deriv is a function of post_act":
               X.T @ wrong_pre if kind == "sigmoid" else None,
               "skipped the activation's derivative": X.T @ delta if kind != "linear" else None,
               "divided grad_W by the batch size; the loss is a sum, so are its gradients":
               X.T @ d / X.shape[0] if X.shape[0] > 1 else None},
        "gb": {"averaged grad_b over the batch instead of summing": d.mean(axis=0) if X.shape[0] > 1 else None,
               "took the activation's derivative at pre_act": wrong_pre.sum(axis=0) if kind == "sigmoid" else None,
               "skipped the activation's derivative": delta.sum(axis=0) if kind != "linear" else None},
        "gX": {"took the activation's derivative at pre_act": wrong_pre @ W.T if kind == "sigmoid" else None,
               "skipped the activation's derivative": delta @ W.T if kind != "linear" else None,
               "multiplied by W instead of W.T": d @ W if W.shape[0] == W.shape[1] else None},
    }
    return {"pre": pre, "post": post, **good}, mistakes


@check("nist36.backwards", part="Q2.3", points=7, timeout=60)
def backwards(t: Context):
    """backwards: grad_X returned, grad_W and grad_b stored, for several activations and shapes"""
    for name, n, i, o, kind in BACKWARD_CASES:
        with t.case(name):
            X, params = _layer(t, n, i, o, "L", 1.5)
            W, b = params["WL"], params["bL"]
            delta = t.rng.standard_normal((n, o))
            exp, mis = _backward_ref(X, W, b, delta, kind)
            params["cache_L"] = (X, exp["pre"], exp["post"])
            gx, p = t.probe(f"{PROBES}:backwards_with", kind, delta, params, "L")
            for key in ("grad_WL", "grad_bL"):
                t.assert_true(key in p, f"backwards must store params['{key[:6]}' + name] (missing '{key}')",
                              summary="backwards must store params['grad_W' + name] and params['grad_b' + name]")
            _close(t, p["grad_WL"], exp["gW"], name="grad_W", what=f"backwards ({name})", mistakes=mis["gW"])
            gb = np.asarray(p["grad_bL"])
            t.assert_true(gb.shape == (o,), f"grad_b has shape {gb.shape}; it must be 1-D like b, ({o},)",
                          summary="grad_b must be 1-D like b")
            _close(t, gb, exp["gb"], name="grad_b", what=f"backwards ({name})", mistakes=mis["gb"])
            _close(t, gx, exp["gX"], name="grad_X (returned)", what=f"backwards ({name})", mistakes=mis["gX"])


# ----------------------------------------------------------------------------------
# Q2.4 batches, one training step
# ----------------------------------------------------------------------------------
@check("nist36.get_random_batches", part="Q2.4", points=2, timeout=30)
def get_random_batches(t: Context):
    """get_random_batches: every example exactly once, pairs kept together, random order"""
    for name, n, bs in [("10 examples, batch 3 (last batch smaller)", 10, 3), ("48 examples, batch 8", 48, 8),
                        ("5 examples, batch 7 (one batch)", 5, 7)]:
        with t.case(name):
            x = np.column_stack([np.arange(n, dtype=float), t.rng.standard_normal(n)])
            y = np.eye(n)[np.arange(n)]
            got = t.call(f"{NN}:get_random_batches", x, y, bs)
            C.assert_batches(t, got, x, y, bs, name)


def _own_upstream(t: Context, x, y, params, lr, loss, ref_p, case):
    """One mistake, one charge: train_step runs on the student's forward, softmax, loss and
    backwards. Where the student's ``backprop`` (the provided glue over those functions) gives
    another loss or other gradients than the reference (charged in Q2.2-Q2.3), train_step is
    judged on them: the loss backprop returns, and ``params[k] - lr * gradient``."""
    try:
        own, p = t.call_with_args("nist36.run_q2:backprop", x, y, {k: v.copy() for k, v in params.items()})
        own_loss = float(np.asarray(own[0], dtype=np.float64))
        grads = {k: np.asarray(p[2]["grad_" + k], dtype=np.float64) for k in ("Wlayer1", "blayer1", "Woutput",
                                                                             "boutput")}
    except Exception:  # noqa: BLE001 - a broken upstream: judged against the reference
        return loss, ref_p
    own_p = {k: params[k] - lr * g for k, g in grads.items()}
    same = np.isclose(own_loss, loss, rtol=1e-6, atol=1e-9) and all(
        g.shape == ref_p[k].shape and np.allclose(own_p[k], ref_p[k], rtol=1e-6, atol=1e-9) for k, g in grads.items())
    if same or not np.isfinite(own_loss) or not all(np.all(np.isfinite(g)) for g in grads.values()):
        return loss, ref_p
    t.note(f"train_step ({case}): your forward / softmax / compute_loss_and_acc / backwards give another loss or other "
           "gradients than the reference (that costs points in their own checks only), so train_step was judged on "
           "them: the loss backprop returns, and params[k] - learning_rate * params['grad_' + k]")
    return own_loss, dict(ref_p, **own_p)


@check("nist36.train_step", part="Q2.4", points=3, timeout=60)
def train_step(t: Context):
    """train_step: the loss before the step and the SGD update of the four parameters"""
    for name, n, lr in [("batch of 8, lr 0.01", 8, 0.01), ("batch of 1, lr 0.1", 1, 0.1), ("batch of 20, lr 0.003", 20, 0.003)]:
        with t.case(name):
            params = C.small_net(t, 12, 6, 5)
            x = t.rng.random((n, 12))
            y = np.eye(5)[t.rng.integers(5, size=n)]
            ref_p = {k: v.copy() for k, v in params.items()}
            loss, _acc = ref_q2.train_step(x, y, ref_p, lr)
            got, args = t.call_with_args("nist36.run_q2:train_step", x, y, params, lr)
            newp = args[2]
            t.assert_true(isinstance(got, (tuple, list)) and len(got) == 2, "train_step must return (loss, acc)")
            loss, ref_p = _own_upstream(t, x, y, params, lr, loss, ref_p, name)
            _close(t, np.asarray(got[0], dtype=float), loss, name="loss", what=name,
                           mistakes={"returned the average loss; return the batch's total": loss / n if n > 1 else None})
            for k in ("Wlayer1", "blayer1", "Woutput", "boutput"):
                uphill = params[k] + (params[k] - ref_p[k])
                _close(t, newp.get(k), ref_p[k], name=f"params['{k}'] after the step", what=name,
                               mistakes={"added the gradient (params += lr * grad): descent subtracts it": uphill})


# ----------------------------------------------------------------------------------
# Q2.5 numerical gradient checker
# ----------------------------------------------------------------------------------
@check("nist36.numerical_gradients", part="Q2.5", points=5, timeout=90)
def numerical_gradients(t: Context):
    """numerical_gradients: central differences on losses with known gradients; params restored"""
    with t.case("linear loss, a 2-D and a 1-D parameter"):
        P = {"Wa": t.rng.standard_normal((3, 4)), "ba": t.rng.standard_normal(4)}
        A = {k: t.rng.standard_normal(v.shape) for k, v in P.items()}
        out = t.probe(f"{PROBES}:numerical_gradients_on", "linear", P, A)
        C.assert_numgrads(t, out, A, "linear loss sum(A * P)")
    with t.case("cubic loss with eps = 0.01 (central, not one-sided, differences)"):
        P = {"Wc": t.rng.standard_normal((2, 3)), "bc": t.rng.standard_normal(3)}
        e = 0.01
        exp = {k: 3 * v ** 2 + e ** 2 for k, v in P.items()}  # the exact central difference of v**3
        fwd = {k: 3 * v ** 2 + 3 * v * e + e ** 2 for k, v in P.items()}
        out = t.probe(f"{PROBES}:numerical_gradients_on", "cubic", P, {k: None for k in P}, eps=e)
        C.assert_numgrads(t, out, exp, "cubic loss sum(P ** 3), eps = 0.01", rtol=1e-7, atol=1e-9,
                          mistakes={k: {"used one-sided differences (f(v + eps) - f(v)) / eps; use central ones":
                                        fwd[k]} for k in P})
    with t.case("two-layer network; cache and gradient entries in params are skipped"):
        params = C.small_net(t, 5, 4, 3)
        x = t.rng.standard_normal((6, 5))
        y = np.eye(3)[t.rng.integers(3, size=6)]
        g = {k: v.copy() for k, v in params.items()}
        ref_q2.backprop(x, y, g)
        exp = {k: g["grad_" + k] for k in ("Wlayer1", "blayer1", "Woutput", "boutput")}
        with_extras = dict(params, grad_Wlayer1=np.zeros((5, 4)), cache_layer1=np.zeros(3))
        out = t.probe(f"{PROBES}:numerical_gradients_on", "network", with_extras, {"x": x, "y": y})
        C.assert_numgrads(t, out, exp, "two-layer network", fd=True)


# ----------------------------------------------------------------------------------
# Q3.1 training, Q3.4 confusion matrix
# ----------------------------------------------------------------------------------
@check("nist36.train_short", part="Q3.1", points=2, timeout=240, memory_mb=4096)
def train_short(t: Context):
    """train_nist36 on a short schedule: validation accuracy of the returned weights (scored here)"""
    tx, ty, vx, vy = C.short_run_data()
    out = t.probe(f"{PROBES}:train_nist36_short", C.wire_rows("short"), ty, max_iters=C.SHORT_EPOCHS,
                  batch_size=C.SHORT_BATCH, learning_rate=C.SHORT_LR, seed=0)
    acc = C.fc_accuracy(t, out, vx, vy, what="the weights train_nist36 returned")
    t.note(f"validation accuracy after the short run ({C.SHORT_EPOCHS} epochs on {len(tx)} examples): {acc:.3f} "
           f"(needed: {C.SHORT_THRESHOLD:.2f}; the reference reaches {C.SHORT_REFERENCE})")
    t.assert_true(acc >= C.SHORT_THRESHOLD,
                  f"validation accuracy {acc:.3f} after the short run is below {C.SHORT_THRESHOLD:.2f}: the layers "
                  "pass their checks but training does not learn; check train_step's update and that each epoch "
                  "visits every batch",
                  summary="the short training run does not reach the required validation accuracy: check train_step "
                          "and the epoch loop of train_nist36")


@check("nist36.trained_weights", part="Q3.1", points=3, timeout=60)
def trained_weights(t: Context):
    """q3_weights.npz (the network trained in the notebook) reaches 75% validation accuracy"""
    params = C.read_weights(t, C.Q3_WEIGHTS, {"Wlayer1": (1024, 64), "blayer1": (64,), "Woutput": (64, 36),
                                               "boutput": (36,)})
    vx, vy = C.validation()
    acc = float(np.mean(np.argmax(ref_q3.predict_probs(vx, params), axis=1) == np.argmax(vy, axis=1)))
    t.note(f"validation accuracy of {C.Q3_WEIGHTS}: {acc:.3f} (needed: {C.Q3_THRESHOLD:.2f})")
    why = (f"read {C.Q3_WEIGHTS} (a 1024-64-36 network: the shapes are right); it classifies {acc:.1%} of the "
           f"{len(vy)} validation images, and the bar is {C.Q3_THRESHOLD:.0%}. "
           + ("Near chance (1/36): the weights were saved before training, or from another run. "
              if acc < 0.1 else "")
           + "What usually causes this: too few epochs (weights saved by a NIST36_FAST dry run or a shortened "
           "debugging run are under-trained), then a learning rate or batch size outside what trains (Q3.1's "
           "search space). Train with your full tuned_schedule(), run the saving cell again and hand in the new "
           "file")
    t.assert_true(acc >= C.Q3_THRESHOLD, why, summary=why)


@check("nist36.confusion_matrix", part="Q3.4", points=1, timeout=30)
def confusion_matrix(t: Context):
    """confusion_matrix: rows are true classes, columns predictions"""
    for name, n, k in [("30 examples, 4 classes", 30, 4), ("one example", 1, 36), ("200 examples, 36 classes", 200, 36)]:
        with t.case(name):
            y = np.eye(k)[t.rng.integers(k, size=n)]
            probs = _probs(t, n, k)
            got = t.call("nist36.run_q3:confusion_matrix", y, probs)
            exp = ref_q3.confusion_matrix(y, probs)
            _close(t, np.asarray(got, dtype=float), exp.astype(float), name="C", what=name,
                           mistakes={"rows are predictions here; C[i, j] counts true class i predicted as j":
                                     exp.T.astype(float)})


# ----------------------------------------------------------------------------------
# Q4 OCR on the pages
# ----------------------------------------------------------------------------------
# 8 GB of address space: the sandbox preloads torch (gigabytes of reserved address space), and a
# page enlarged 3x takes about 450 MB more; with 4 GB the enlarged pages crashed the process
@check("nist36.find_letters", part="Q4.2", points=10, timeout=300, memory_mb=8192)
def find_letters(t: Context):
    """findLetters on the four pages (at their size, or enlarged 2x / 3x as the handout's photos are): at least 95%
    of the characters found (IoU >= 0.5), few spurious boxes; and bw white paper, black characters"""
    found = []
    for name, image, truth in C.pages():
        with t.case(f"page {name}: boxes"):
            res, scale, tried = C.find_on_page(t, image, truth)
            if not found:  # the feedback's figure: the boxes on the first page (a public one)
                figures.page_boxes(t, name, res, scale)
            found.append((name, res))
            C.assert_page_boxes(t, res, scale, tried, truth, name)
    # bw's polarity and range are their own case: an inverted bw does not cost the boxes' points
    with t.case("bw: floats in [0, 1], the page's size, white (1) paper and black (0) characters"):
        t.assert_true(found, "findLetters returned nothing on any page")
        for name, res in found:
            C.assert_bw(t, res, name)


@check("nist36.group_rows", part="Q4.4", points=1, timeout=30)
def group_rows(t: Context):
    """group_rows: boxes clustered into lines, top to bottom, each left to right"""
    for name, boxes in C.row_cases(t):
        with t.case(name):
            got = t.call("nist36.run_q4:group_rows", boxes)
            exp = C.ref_q4().group_rows(boxes)
            t.assert_true(isinstance(got, (list, tuple)) and [list(map(int, r)) for r in got] == exp,
                          f"{name}: expected the lines {exp}, got {got}",
                          summary="the lines (or their order) differ from the expected ones")


@check("nist36.read_page", part="Q4.4", points=7, timeout=600, memory_mb=8192)
def read_page(t: Context):
    """read_page with a trained network: 80% of all characters of the four pages read correctly, and at least 70% on
    each page (pages at their size, or enlarged 2x / 3x as the handout's photos are)"""
    params = C.reference_network()
    pages = C.pages()
    counts = {name: (0, len(truth["chars"])) for name, _i, truth in pages}
    for name, image, truth in pages:
        with t.case(f"page {name}"):
            res, scale, how = C.read_on_page(t, image, truth, name, params)
            truth_s = C.scaled_truth(truth, scale)
            counts[name] = C.reading_rate(res, truth_s)
            if scale != 1:
                t.note(f"page {name}: read on the page enlarged {scale}x (the handout's photos are larger than these "
                       "pages); that counts in full")
            C.assert_reading(t, res, truth_s, name)
    with t.case("the four pages together"):
        rate = sum(c for c, _ in counts.values()) / sum(n for _, n in counts.values())
        t.assert_true(rate >= C.READ_THRESHOLD, f"{rate:.1%} of all characters read correctly (needed: "
                      f"{C.READ_THRESHOLD:.0%})", summary=f"fewer than {C.READ_THRESHOLD:.0%} of all characters "
                      "read correctly")


# ----------------------------------------------------------------------------------
# Q5 autoencoder
# ----------------------------------------------------------------------------------
@check("nist36.ae_reconstruct", part="Q5.1.1", points=5, timeout=30)
def ae_reconstruct(t: Context):
    """reconstruct: ReLU x3 then sigmoid through layer1, hidden1, hidden2, output"""
    for name, n in [("batch of 4", 4), ("batch of 1", 1)]:
        with t.case(name):
            params = C.small_autoencoder(t, 20, 5)
            x = t.rng.random((n, 20))
            got = t.call("nist36.run_q5:reconstruct", x, params)
            h = x
            for lay in ref_q5.LAYERS[:-1]:
                h = h @ params["W" + lay] + params["b" + lay]
            lin_out = _sig(h @ params["Woutput"] + params["boutput"])
            _close(t, got, ref_q5.reconstruct(x, dict(params)), name="reconstruction", what=name,
                           mistakes={"left out the ReLUs": lin_out})


@check("nist36.ae_step", part="Q5.1.2", points=5, timeout=60)
def ae_step(t: Context):
    """autoencoder_step: total squared error, backprop through 4 layers, momentum update (two steps)"""
    params = C.small_autoencoder(t, 16, 4)
    for step in range(2):
        with t.case(f"step {step + 1} ({'zero' if step == 0 else 'carried'} momentum)"):
            x = t.rng.random((6, 16))
            lr = 0.05
            exp = {k: np.array(v, copy=True) for k, v in params.items()}
            loss = ref_q5.autoencoder_step(x, exp, lr)
            got, args = t.call_with_args("nist36.run_q5:autoencoder_step", x, params, lr)
            newp = args[1]
            _close(t, np.asarray(got, dtype=float), loss, name="loss", what=f"step {step + 1}",
                           mistakes={"averaged the squared error; the handout uses the total": loss / x.size,
                                     "averaged over the examples": loss / len(x)})
            mis = C.ae_mistakes(params, x, lr)
            for k in ref_q5.PARAM_KEYS:
                _close(t, newp.get("m_" + k), exp["m_" + k], name=f"params['m_{k}']", what=f"step {step + 1}",
                               mistakes={d: v["m_" + k] for d, v in mis.items()})
                _close(t, newp.get(k), exp[k], name=f"params['{k}']", what=f"step {step + 1}",
                               mistakes={d: v[k] for d, v in mis.items()})
        params = {k: np.asarray(exp[k]) for k in list(ref_q5.PARAM_KEYS) + ["m_" + k for k in ref_q5.PARAM_KEYS]}


@check("nist36.average_psnr", part="Q5.3.2", points=2, timeout=30)
def average_psnr(t: Context):
    """average_psnr: mean over images of the per-image PSNR (data range 1)"""
    for name, n in [("10 images", 10), ("one image", 1)]:
        with t.case(name):
            x = t.rng.random((n, 64))
            r = np.clip(x + t.rng.normal(0, 0.1 * (1 + np.arange(n))[:, None] / n, x.shape), 0, 1)
            got = t.call("nist36.run_q5:average_psnr", x, r)
            exp = C.average_psnr(x, r)
            whole = 10 * np.log10(1.0 / np.mean((x - r) ** 2))
            _close(t, np.asarray(got, dtype=float), exp, name="PSNR", what=name, rtol=1e-6, atol=1e-6,
                           mistakes={"one PSNR of the whole set; average the per-image PSNRs": whole if n > 1 else None,
                                     "used data range 255 for images in [0, 1]": exp + 20 * np.log10(255)})


@check("nist36.ae_weights", part="Q5.3.2", points=3, timeout=60)
def ae_weights(t: Context):
    """q5_weights.npz (the autoencoder trained in the notebook): validation PSNR above the floor"""
    shapes = {"Wlayer1": (1024, 32), "blayer1": (32,), "Whidden1": (32, 32), "bhidden1": (32,),
              "Whidden2": (32, 32), "bhidden2": (32,), "Woutput": (32, 1024), "boutput": (1024,)}
    params = C.read_weights(t, C.Q5_WEIGHTS, shapes)
    vx, _vy = C.validation()
    psnr = C.average_psnr(vx, ref_q5.reconstruct(vx, params))
    figures.reconstructions(t, vx, _vy, lambda x: ref_q5.reconstruct(x, params))  # public validation images
    t.note(f"validation PSNR of {C.Q5_WEIGHTS}: {psnr:.2f} dB (needed: {C.PSNR_FLOOR:.1f})")
    why = (f"read {C.Q5_WEIGHTS} (the autoencoder's shapes are right); its reconstructions of the validation "
           f"images reach {psnr:.2f} dB PSNR, and the bar is {C.PSNR_FLOOR:.1f} dB (the reference about 16.5 dB; "
           f"an untrained network about 6.6 dB, the mean training image 11.5 dB). What usually causes this: too "
           "few epochs (the notebook's default is 100; weights from a NIST36_FAST dry run or a shortened debugging "
           "run are under-trained), then momentum or the learning-rate decay left out. Train with the defaults, "
           "run the saving cell again and hand in the new file")
    t.assert_true(psnr >= C.PSNR_FLOOR, why, summary=why)


@check("nist36.ae_train_short", part="Q5.2", points=0, timeout=120)
def ae_train_short(t: Context):
    """(no points) the autoencoder loop lowers the loss over a short run"""
    out = t.probe(f"{PROBES}:train_autoencoder_short", C.wire_rows("ae"), max_iters=3, batch_size=36,
                  learning_rate=3e-5)
    losses = np.asarray(out.get("losses"), dtype=float)
    t.assert_true(losses.size == 3 and np.all(np.isfinite(losses)) and losses[-1] < losses[0],
                  f"the average loss per epoch did not decrease: {losses}", summary="the loss did not decrease")


# ----------------------------------------------------------------------------------
# Q6 PyTorch
# ----------------------------------------------------------------------------------
def _judge_accuracy(t: Context, net: str, split: str, acc: float, needed: float, facts: str, advice: str,
                    summary: str) -> None:
    """Note ``net``'s accuracy on ``split`` after the short run (with ``facts``: references, chance)
    and fail below ``needed`` with ``advice`` appended to the message."""
    t.note(f"{net} {split} accuracy after the short run: {acc:.3f} (needed: {needed:.2f}{facts})")
    t.assert_true(acc >= needed, f"{net} reaches {acc:.3f}, below {needed:.2f}{advice}", summary=summary)


@check("nist36.torch_fc", part="Q6.1.1", points=5, timeout=240, memory_mb=4096)
def torch_fc(t: Context):
    """FCNet trained with train_torch: validation accuracy (scored here from predictions)"""
    _judge_accuracy(t, "FCNet", "validation", C.torch_accuracy(t, "FCNet"), C.TORCH_FC_THRESHOLD,
                    f"; reference {C.TORCH_FC_REFERENCE}",
                    ": check FCNet (Linear, sigmoid, Linear returning logits) and train_torch (zero_grad, backward, "
                    "step)", "the FC network does not reach the required accuracy")


@check("nist36.torch_cnn", part="Q6.1.2", points=5, timeout=300, memory_mb=4096)
def torch_cnn(t: Context):
    """ConvNet on NIST36 beats the FC net by a margin on a short run (shorter than the FC net's)"""
    _judge_accuracy(t, "ConvNet", "validation", C.torch_accuracy(t, "ConvNet"), C.TORCH_CNN_THRESHOLD,
                    f", the FC reference reaches {C.TORCH_FC_REFERENCE}; CNN reference {C.TORCH_CNN_REFERENCE}",
                    " (the FC net's level plus a margin): check the network and that it receives images "
                    "(N, 1, 32, 32)", "the CNN does not beat the FC network by the required margin")


@check("nist36.torch_cifar", part="Q6.1.3", points=5, timeout=300, memory_mb=4096)
def torch_cifar(t: Context):
    """CifarNet trained on a small CIFAR-10-style subset does clearly better than chance"""
    _judge_accuracy(t, "CifarNet", "test", C.cifar_accuracy(t), C.CIFAR_THRESHOLD,
                    f"; chance 0.10; reference {C.CIFAR_REFERENCE}", "",
                    "the CIFAR network does not reach the required accuracy")
