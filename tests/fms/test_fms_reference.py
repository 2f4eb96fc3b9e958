"""The fms reference (problems 2, 3) checked directly: against torch, against
central differences, and its provided Solver / gradient-check helpers."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.fms import conv, fc_net, gradient_check, layers, solver



@pytest.fixture(autouse=True)
def _float64_torch():
    # torch's default dtype is process-wide: set it for these tests only, so that
    # the graders that later run in this pytest process build float32 models
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def num_grad(f, x, dout):
    return gradient_check.eval_numerical_gradient_array(f, x, dout)


# ----------------------------------------------------------------------------------
# layers
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, M", [((4, 3, 5), 6), ((1, 7), 3), ((2, 2, 3, 4), 5)])
def test_affine_matches_torch_and_central_differences(shape, M):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((int(np.prod(shape[1:])), M))
    b = rng.standard_normal(M)
    out, cache = layers.affine_forward(x, w, b)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = tx.reshape(shape[0], -1) @ tw + tb
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12)
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape
    for mine, theirs in ((dx, tx), (dw, tw), (db, tb)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert gradient_check.rel_error(dx, num_grad(lambda v: layers.affine_forward(v, w, b)[0], x, dout)) < 1e-8
    assert gradient_check.rel_error(dw, num_grad(lambda v: layers.affine_forward(x, v, b)[0], w, dout)) < 1e-8


def test_relu_forward_backward():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    out, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(out, [[0, 0, 0, 0.5, 3.0]])
    dout = np.array([[1.0, -2.0, 3.0, -4.0, 5.0]])
    np.testing.assert_array_equal(layers.relu_backward(dout, cache), [[0, 0, 0, -4.0, 5.0]])


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e5])
def test_softmax_loss_matches_torch_even_for_huge_logits(scale):
    rng = np.random.default_rng(1)
    x = scale * rng.standard_normal((7, 8))
    y = rng.integers(0, 8, 7)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dx = layers.softmax_loss(x, y)
    tx = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor(y))
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_softmax_loss_uniform_scores_give_log_C():
    loss, dx = layers.softmax_loss(np.zeros((3, 8)), np.array([0, 4, 7]))
    assert loss == pytest.approx(np.log(8))
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-15)


# ----------------------------------------------------------------------------------
# network
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", [[10], [7, 5], [6, 5, 4, 3]])
@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_net_gradients_central_differences(hidden, reg):
    rng = np.random.default_rng(2)
    net = fc_net.FullyConnectedNet(input_dim=12, hidden_dim=hidden, num_classes=4,
                                   weight_scale=0.5, reg=reg, seed=3)
    X, y = rng.standard_normal((5, 3, 4)), rng.integers(0, 4, 5)
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    for k, v in net.params.items():
        num = gradient_check.eval_numerical_gradient(lambda _: net.loss(X, y)[0], v,
                                                     verbose=False, h=1e-5)
        assert gradient_check.rel_error(num, grads[k]) < 1e-5, k


def test_net_matches_torch_with_l2_convention():
    rng = np.random.default_rng(4)
    net = fc_net.FullyConnectedNet(input_dim=9, hidden_dim=[6, 5], num_classes=3,
                                   weight_scale=0.4, reg=0.3, seed=0)
    X, y = rng.standard_normal((4, 9)), rng.integers(0, 3, 4)
    loss, grads = net.loss(X, y)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    h = torch.tensor(X)
    for i in (1, 2):
        h = torch.relu(h @ tp[f"W{i}"] + tp[f"b{i}"])
    scores = h @ tp["W3"] + tp["b3"]
    tl = torch.nn.functional.cross_entropy(scores, torch.tensor(y))
    tl = tl + 0.5 * 0.3 * sum((tp[f"W{i}"] ** 2).sum() for i in (1, 2, 3))
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-12)
    for k in tp:
        np.testing.assert_allclose(grads[k], tp[k].grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(net.loss(X), scores.detach().numpy(), rtol=1e-12)


def test_net_init_shapes_scale_dtype_and_seed():
    net = fc_net.FullyConnectedNet(hidden_dim=[200, 100], weight_scale=0.05, seed=7,
                                   dtype=np.float32)
    assert net.num_layers == 3
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (75, 200), "b1": (200,), "W2": (200, 100), "b2": (100,),
                      "W3": (100, 8), "b3": (8,)}
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert abs(net.params["W1"].std() - 0.05) < 0.005
    again = fc_net.FullyConnectedNet(hidden_dim=[200, 100], weight_scale=0.05, seed=7,
                                     dtype=np.float32)
    np.testing.assert_array_equal(net.params["W2"], again.params["W2"])
    assert fc_net.FullyConnectedNet(hidden_dim=30).num_layers == 2


# ----------------------------------------------------------------------------------
# provided code: Solver and gradient_check
# ----------------------------------------------------------------------------------
def _blobs(n, rng, C=4, D=10):
    centres = 3 * np.random.default_rng(99).standard_normal((C, D))
    y = rng.integers(0, C, n)
    return centres[y] + rng.standard_normal((n, D)), y


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum"])
def test_solver_trains_and_keeps_best_params(rule):
    rng = np.random.default_rng(5)
    X, y = _blobs(600, rng)
    Xv, yv = _blobs(200, rng)
    net = fc_net.FullyConnectedNet(input_dim=10, hidden_dim=[32], num_classes=4,
                                   weight_scale=0.1, seed=0)
    s = solver.Solver(net, {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv},
                      update_rule=rule, learning_rate=0.05, lr_decay=0.9, batch_size=50,
                      num_epochs=6, verbose=False, seed=0)
    s.train()
    assert len(s.loss_history) == 6 * (600 // 50)
    assert len(s.val_acc_history) == len(s.train_acc_history) == 6
    assert s.best_val_acc == max(s.val_acc_history) > 0.9
    assert s.optim_configs["W1"]["learning_rate"] == pytest.approx(0.05 * 0.9 ** 6)
    for k in net.params:
        np.testing.assert_array_equal(net.params[k], s.best_params[k])
    assert s.check_accuracy(Xv, yv) == pytest.approx(s.best_val_acc)


def test_solver_overfits_a_small_set_and_prints(capsys):
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((20, 10)), rng.integers(0, 4, 20)
    net = fc_net.FullyConnectedNet(input_dim=10, hidden_dim=[50], num_classes=4,
                                   weight_scale=0.1, seed=0)
    s = solver.Solver(net, {"X_train": X, "y_train": y, "X_val": X, "y_val": y},
                      learning_rate=0.3, batch_size=20, num_epochs=200, print_every=50, seed=1)
    s.train()
    assert s.best_val_acc == 1.0
    assert "(iteration 1 / 200)" in capsys.readouterr().out


def test_solver_rejects_unknown_arguments():
    net = fc_net.FullyConnectedNet(input_dim=2, hidden_dim=[3], num_classes=2)
    data = {k: np.zeros((2, 2)) if k.startswith("X") else np.zeros(2, int)
            for k in ("X_train", "y_train", "X_val", "y_val")}
    with pytest.raises(TypeError):
        solver.Solver(net, data, learning_rat=1.0)
    with pytest.raises(ValueError):
        solver.Solver(net, data, update_rule="adam")


def test_gradient_check_helpers():
    x = np.array([1.0, -2.0, 3.0])
    g = gradient_check.eval_numerical_gradient(lambda v: float(np.sum(v ** 3)), x, verbose=False)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])       # restored
    df = np.array([1.0, 2.0, -1.0])
    ga = gradient_check.eval_numerical_gradient_array(lambda v: v ** 2, x, df)
    np.testing.assert_allclose(ga, 2 * x * df, rtol=1e-8)
    assert gradient_check.rel_error(x, x) == 0
    assert gradient_check.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)


# ----------------------------------------------------------------------------------
# problem 3
# ----------------------------------------------------------------------------------
def test_derivative_mask_convolution_follows_the_handout_definition():
    mask = conv.derivative_mask_1d()
    rng = np.random.default_rng(7)
    sig = rng.standard_normal(30)
    got = conv.convolve1d(sig, mask)
    # the handout's sum (I * G)[t] = sum_k I[k] G[t - k], written out directly
    G = {j - 1: mask[j] for j in range(3)}
    direct = np.array([sum(sig[k] * G.get(t - k, 0.0) for k in range(30)) for t in range(30)])
    np.testing.assert_allclose(got, direct, atol=1e-12)
    np.testing.assert_allclose(got[1:-1], (sig[2:] - sig[:-2]) / 2, atol=1e-12)


def _torch_conv(I, G, s):
    return torch.nn.functional.conv2d(torch.tensor(I)[None], torch.tensor(G), stride=s)[0]


@settings(max_examples=40, deadline=None)
@given(C=st.integers(1, 3), F=st.integers(1, 3), W=st.integers(1, 9), H=st.integers(1, 9),
       w=st.integers(1, 4), h=st.integers(1, 4), s=st.integers(1, 4), seed=st.integers(0, 2 ** 16))
def test_conv2d_forward_backward_match_torch(C, F, W, H, w, h, s, seed):
    w, h = min(w, W), min(h, H)
    rng = np.random.default_rng(seed)
    I, G = rng.standard_normal((C, W, H)), rng.standard_normal((F, C, w, h))
    R = conv.conv2d_forward(I, G, s)
    assert R.shape == (F, 1 + (W - w) // s, 1 + (H - h) // s)
    tI, tG = torch.tensor(I, requires_grad=True), torch.tensor(G, requires_grad=True)
    tR = torch.nn.functional.conv2d(tI[None], tG, stride=s)[0]
    np.testing.assert_allclose(R, tR.detach().numpy(), atol=1e-12)
    dR = rng.standard_normal(R.shape)
    tR.backward(torch.tensor(dR))
    dI, dG = conv.conv2d_backward(dR, I, G, s)
    np.testing.assert_allclose(dI, tI.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dG, tG.grad.numpy(), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(C=st.integers(1, 3), W=st.integers(1, 9), H=st.integers(1, 9),
       w=st.integers(1, 4), h=st.integers(1, 4), s=st.integers(1, 4), seed=st.integers(0, 2 ** 16))
def test_maxpool_forward_backward_match_torch(C, W, H, w, h, s, seed):
    w, h = min(w, W), min(h, H)
    rng = np.random.default_rng(seed)
    I = rng.standard_normal((C, W, H))
    R = conv.maxpool2d_forward(I, w, h, s)
    tI = torch.tensor(I, requires_grad=True)
    tR = torch.nn.functional.max_pool2d(tI[None], (w, h), stride=s)[0]
    np.testing.assert_array_equal(R, tR.detach().numpy())
    dR = rng.standard_normal(R.shape)
    tR.backward(torch.tensor(dR))
    np.testing.assert_allclose(conv.maxpool2d_backward(dR, I, w, h, s), tI.grad.numpy(), atol=1e-12)


def test_conv_gradients_central_differences():
    rng = np.random.default_rng(8)
    I, G, s = rng.standard_normal((2, 7, 6)), rng.standard_normal((2, 2, 3, 2)), 2
    dR = rng.standard_normal(conv.conv2d_forward(I, G, s).shape)
    dI, dG = conv.conv2d_backward(dR, I, G, s)
    assert gradient_check.rel_error(dI, num_grad(lambda v: conv.conv2d_forward(v, G, s), I, dR)) < 1e-8
    assert gradient_check.rel_error(dG, num_grad(lambda v: conv.conv2d_forward(I, v, s), G, dR)) < 1e-8


def test_vertical_edge_mask_is_accepted_by_the_grader_logic():
    from autograder.fms.hidden import edge_mask_report

    ok, msg = edge_mask_report(conv.vertical_edge_mask())
    assert ok, msg
    # other reasonable answers pass too; horizontal detectors and blurs do not
    assert edge_mask_report(np.array([[-1.0], [1.0]]))[0]
    assert edge_mask_report(np.array([[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0]]))[0]
    assert not edge_mask_report(np.array([[-1.0, 1.0]]))[0]
    assert not edge_mask_report(np.ones((3, 3)))[0]


def test_the_data_module_leaves_torch_to_the_datasets(tmp_path):
    """Parts 1-3 (numpy) import data and plotting without loading torch; the datasets are still
    torch Datasets, made on first use and picklable by name (DataLoader workers)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import pickle, sys\n"
            "from starter.fms import data, plotting\n"
            "assert 'torch' not in sys.modules, 'torch imported by data/plotting'\n"
            "from starter.fms.data import Mds189\n"
            "import torch.utils.data as tud\n"
            "assert issubclass(Mds189, tud.Dataset) and issubclass(data.Mds189Test, tud.Dataset)\n"
            "assert pickle.loads(pickle.dumps(Mds189)) is Mds189 is data.Mds189\n"
            "try:\n    data.NoSuchThing\nexcept AttributeError:\n    pass\nelse:\n    raise SystemExit('no error')\n")
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(repo)})
    assert proc.returncode == 0, proc.stderr[-2000:]
