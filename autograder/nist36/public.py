"""Public checks of `nist36` (shipped to students; no reference code here).

Shapes, values small enough to verify by hand, and ``backwards`` against central
differences of your *own* ``forward`` (computed in the sandbox by ``probes.py``).
They carry no points: the hidden checks compare with the reference on more cases.
"""
import numpy as np

from autograder.engine import Context, check

NN = "nist36.nn"
PROBES = "probes"


@check("nist36.public.initialize_weights", part="Q2.1.2", points=0, hidden=False, timeout=30)
def init_shapes(t: Context):
    """initialize_weights sets params['W' + name] (in, out) and a 1-D zero params['b' + name]"""
    _, args = t.call_with_args(f"{NN}:initialize_weights", 20, 7, {}, "x")
    p = args[2]
    t.assert_true("Wx" in p and "bx" in p, f"expected keys 'Wx' and 'bx' for name='x', found {sorted(p)}")
    t.assert_shape(p["Wx"], (20, 7), name="params['Wx']")
    t.assert_shape(p["bx"], (7,), name="params['bx']")
    bound = np.sqrt(6 / 27)
    t.assert_true(np.max(np.abs(p["Wx"])) <= bound, f"weights must lie in [-{bound:.4f}, {bound:.4f}]")


@check("nist36.public.forward_softmax", part="Q2.2.2", points=0, hidden=False, timeout=30)
def forward_softmax(t: Context):
    """forward on a 2x2 example worked by hand; softmax rows sum to one"""
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    params = {"Wl": np.array([[1.0, -1.0], [0.5, 0.0]]), "bl": np.array([0.0, 1.0])}
    out, p = t.probe(f"{PROBES}:forward_with", "linear", X, params, "l")
    # pre = X @ W + b = [[1, 0], [1, 1]]
    t.assert_close(out, np.array([[1.0, 0.0], [1.0, 1.0]]), name="forward(X, params, 'l', linear)")
    t.assert_true("cache_l" in p and len(p["cache_l"]) == 3, "forward must store params['cache_l'] = (X, pre, post)")
    s = t.call(f"{NN}:softmax", np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]]))
    t.assert_close(s, np.array([[0.25, 0.75], [0.5, 0.5]]), name="softmax",
                   what="softmax of [[0, log 3], [1000, 1000]] (subtract the row maximum)")


@check("nist36.public.loss_and_acc", part="Q2.2.3", points=0, hidden=False, timeout=30)
def loss_and_acc(t: Context):
    """compute_loss_and_acc on two examples worked by hand"""
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    probs = np.array([[0.25, 0.75], [0.25, 0.75]])
    loss, acc = t.call(f"{NN}:compute_loss_and_acc", y, probs)
    t.assert_close(np.asarray(loss, dtype=float), -np.log(0.75) - np.log(0.25), name="loss",
                   what="total cross-entropy -log 0.75 - log 0.25")
    t.assert_close(np.asarray(acc, dtype=float), 0.5, name="acc", what="one of two predictions right")


@check("nist36.public.backwards_gradcheck", part="Q2.3", points=0, hidden=False, timeout=60)
def backwards_gradcheck(t: Context):
    """backwards agrees with central differences of your forward (sigmoid and linear layers)"""
    for kind in ("sigmoid", "linear"):
        X = t.rng.standard_normal((3, 4))
        params = {"Wq": t.rng.standard_normal((4, 2)), "bq": t.rng.standard_normal(2)}
        out, p = t.probe(f"{PROBES}:forward_with", kind, X, params, "q")
        arr = t.as_array(out, "post_act", what=f"forward ({kind})")
        t.assert_true(arr.shape == (3, 2) and np.all(np.isfinite(arr)) and np.ptp(arr) > 1e-8,
                      f"forward ({kind}) returns an empty, constant or non-finite output: implement it first")
        delta = t.rng.standard_normal((3, 2))
        gx, pb = t.probe(f"{PROBES}:backwards_with", kind, delta, p, "q")
        num = t.probe(f"{PROBES}:forward_numeric_grads", kind, X, params, "q", delta)
        what = f"backwards ({kind}) vs central differences of forward"
        t.assert_close(gx, num["X"], name="grad_X", what=what, fd=True)
        t.assert_close(pb.get("grad_Wq"), num["W"], name="params['grad_Wq']", what=what, fd=True)
        t.assert_close(pb.get("grad_bq"), num["b"], name="params['grad_bq']", what=what, fd=True)


@check("nist36.public.numerical_gradients", part="Q2.5", points=0, hidden=False, timeout=60)
def numerical_gradients(t: Context):
    """numerical_gradients on a linear loss: the gradient is the coefficient array"""
    P = {"Wz": np.arange(6.0).reshape(2, 3), "bz": np.array([1.0, -1.0]), "grad_Wz": np.zeros((2, 3))}
    A = {"Wz": np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]), "bz": np.array([2.0, -3.0])}
    out = t.probe(f"{PROBES}:numerical_gradients_on", "linear", P, A)
    grads = out["grads"]
    t.assert_true(sorted(grads) == ["Wz", "bz"], f"expected gradients for 'Wz' and 'bz' only (keys with '_' are not "
                  f"parameters), got {sorted(grads)}")
    for k in A:
        t.assert_close(grads[k], A[k], name=f"gradient of '{k}'", what="loss sum(A * P)", rtol=1e-5, atol=1e-6)
    t.assert_true(out["restored"] <= 1e-12, "params must hold their original values after the call")
