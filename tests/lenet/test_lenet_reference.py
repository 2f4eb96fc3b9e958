"""The reference layers of `lenet`: layouts, values against PyTorch, gradients against
central differences, the optimiser's equations, the toy answers and the starter stubs."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.build.markers import find_regions, strip_solutions
from autograder.engine.compare import numeric_gradient
from solutions.lenet import cnn_lenet as C
from solutions.lenet import toy

from .helpers import SOLUTIONS

CONV_GEOMETRIES = [  # h, w, c, batch, k, stride, pad, num
    (7, 6, 3, 2, 3, 2, 1, 4),
    (5, 5, 1, 1, 2, 1, 0, 2),
    (8, 9, 2, 3, 3, 3, 2, 3),
    (28, 28, 1, 2, 5, 1, 0, 4),
]
POOL_GEOMETRIES = [  # h, w, c, batch, k, stride, pad
    (8, 8, 3, 2, 2, 2, 0),
    (7, 6, 2, 3, 3, 2, 1),
    (5, 5, 4, 1, 3, 1, 0),
    (9, 7, 1, 2, 3, 3, 0),
    (6, 9, 2, 2, 2, 1, 1),
    (24, 24, 20, 2, 2, 2, 0),
]


def _to_torch(data, h, w, c):
    return torch.tensor(data.T.reshape(-1, h, w, c)).permute(0, 3, 1, 2)


def _from_torch(t):
    return t.permute(0, 2, 3, 1).reshape(t.shape[0], -1).T.detach().numpy()


def _blob(rng, h, w, c, b):
    return C.make_blob(rng.standard_normal((h * w * c, b)), h, w, c)


def test_layout_is_hwc_channel_fastest():
    img = np.arange(2 * 3 * 4).reshape(2, 3, 4)  # (h, w, c)
    data = img.reshape(-1, 1)
    y, x, ch = 1, 2, 3
    assert data[(y * 3 + x) * 4 + ch, 0] == img[y, x, ch]


def test_im2col_layout_and_col2im_adjoint():
    rng = np.random.default_rng(0)
    h, w, c, k, s, p = 6, 5, 3, 3, 2, 1
    layer = {"k": k, "stride": s, "pad": p}
    ho, wo = C.output_size(h, k, s, p), C.output_size(w, k, s, p)
    x = rng.standard_normal(h * w * c)
    col = C.im2col_conv(x, layer, h, w, c, ho, wo)
    assert col.shape == (k * k * c, ho * wo)
    img = np.pad(x.reshape(h, w, c), ((p, p), (p, p), (0, 0)))
    i, j, dy, dx, ch = 1, 2, 2, 0, 1
    assert col[(dy * k + dx) * c + ch, i * wo + j] == img[i * s + dy, j * s + dx, ch]
    # col2im is the adjoint of im2col: <im2col(x), y> == <x, col2im(y)>
    yc = rng.standard_normal(col.shape)
    lhs = np.sum(col * yc)
    rhs = np.sum(x * C.col2im_conv(yc, {"height": h, "width": w, "channel": c}, layer, ho, wo))
    assert np.isclose(lhs, rhs)
    # batched version equals the per-image one
    xb = rng.standard_normal((h * w * c, 3))
    colb = C.im2col_conv(xb, layer, h, w, c, ho, wo)
    assert np.array_equal(colb[:, :, 1], C.im2col_conv(xb[:, 1], layer, h, w, c, ho, wo))


@pytest.mark.parametrize("geom", CONV_GEOMETRIES)
def test_conv_matches_torch(geom):
    h, w, c, b, k, s, p, n = geom
    rng = np.random.default_rng(1)
    blob = _blob(rng, h, w, c, b)
    layer = {"type": "CONV", "k": k, "stride": s, "pad": p, "num": n}
    param = {"w": rng.standard_normal((k * k * c, n)), "b": rng.standard_normal(n)}
    out = C.conv_layer_forward(blob, layer, param)
    xt = _to_torch(blob["data"], h, w, c).requires_grad_()
    wt = torch.tensor(param["w"].reshape(k, k, c, n)).permute(3, 2, 0, 1).requires_grad_()
    yt = F.conv2d(xt, wt, torch.tensor(param["b"]), stride=s, padding=p)
    assert np.allclose(out["data"], _from_torch(yt))
    assert (out["height"], out["width"], out["channel"]) == (yt.shape[2], yt.shape[3], n)
    out["diff"] = rng.standard_normal(out["data"].shape)
    grad, od = C.conv_layer_backward(out, blob, layer, param)
    yt.backward(_to_torch(out["diff"], out["height"], out["width"], n))
    assert np.allclose(od, _from_torch(xt.grad))
    assert np.allclose(grad["w"], wt.grad.permute(2, 3, 1, 0).reshape(k * k * c, n).numpy())
    assert np.allclose(grad["b"], out["diff"].reshape(-1, n, b).sum(axis=(0, 2)))


@pytest.mark.parametrize("geom", POOL_GEOMETRIES)
def test_pooling_matches_torch(geom):
    h, w, c, b, k, s, p = geom
    rng = np.random.default_rng(2)
    blob = _blob(rng, h, w, c, b)
    layer = {"type": "POOLING", "k": k, "stride": s, "pad": p}
    out = C.pooling_layer_forward(blob, layer)
    xt = _to_torch(blob["data"], h, w, c).requires_grad_()
    yt = F.max_pool2d(xt, k, s, p)
    assert np.array_equal(out["data"], _from_torch(yt))
    out["diff"] = rng.standard_normal(out["data"].shape)
    od = C.pooling_layer_backward(out, blob, layer)
    yt.backward(_to_torch(out["diff"], out["height"], out["width"], c))
    assert np.allclose(od, _from_torch(xt.grad))


def test_pooling_ties_go_to_the_first_maximum():
    data = np.zeros((4, 1))  # one 2x2 window of equal values
    blob = C.make_blob(data, 2, 2, 1)
    layer = {"k": 2, "stride": 2, "pad": 0}
    out = C.pooling_layer_forward(blob, layer)
    out["diff"] = np.array([[3.0]])
    assert np.array_equal(C.pooling_layer_backward(out, blob, layer)[:, 0], [3.0, 0, 0, 0])


def test_layers_preserve_float32():
    rng = np.random.default_rng(3)
    blob = C.make_blob(rng.standard_normal((6 * 6 * 2, 2)).astype(np.float32), 6, 6, 2)
    layer = {"k": 2, "stride": 2, "pad": 0}
    out = C.pooling_layer_forward(blob, layer)
    out["diff"] = np.ones_like(out["data"])
    assert out["data"].dtype == np.float32
    assert C.pooling_layer_backward(out, blob, layer).dtype == np.float32


@pytest.mark.parametrize("kind", ["pool", "relu", "ip", "conv"])
def test_backward_matches_central_differences(kind):
    rng = np.random.default_rng(4)
    blob = _blob(rng, 5, 4, 3, 2)
    param = None
    if kind == "pool":
        layer = {"k": 3, "stride": 2, "pad": 1}
        fwd, bwd = (lambda b: C.pooling_layer_forward(b, layer)), (lambda o, b: C.pooling_layer_backward(o, b, layer))
    elif kind == "relu":
        layer = {}
        fwd, bwd = (lambda b: C.relu_forward(b, layer)), (lambda o, b: C.relu_backward(o, b, layer))
    elif kind == "ip":
        layer = {"num": 4}
        param = {"w": rng.standard_normal((60, 4)), "b": rng.standard_normal(4)}
        fwd = lambda b: C.inner_product_forward(b, layer, param)  # noqa: E731
        bwd = lambda o, b: C.inner_product_backward(o, b, layer, param)[1]  # noqa: E731
    else:
        layer = {"k": 2, "stride": 1, "pad": 1, "num": 3}
        param = {"w": rng.standard_normal((12, 3)), "b": rng.standard_normal(3)}
        fwd = lambda b: C.conv_layer_forward(b, layer, param)  # noqa: E731
        bwd = lambda o, b: C.conv_layer_backward(o, b, layer, param)[1]  # noqa: E731
    out = fwd(blob)
    out["diff"] = rng.standard_normal(out["data"].shape)
    num = numeric_gradient(lambda d: fwd(dict(blob, data=d))["data"], blob["data"], out["diff"], h=1e-6)
    assert np.allclose(bwd(out, blob), num, rtol=1e-5, atol=1e-7)
    # the handout's finite_difference helper agrees
    fd_args = (layer,) if param is None else (layer, param)
    fwd_fn = {"pool": C.pooling_layer_forward, "relu": C.relu_forward, "ip": C.inner_product_forward,
              "conv": C.conv_layer_forward}[kind]
    approx = C.finite_difference(out, blob, 1e-6, fwd_fn, *fd_args)
    assert np.allclose(approx, num, rtol=1e-6, atol=1e-8)


def test_ip_param_gradients_match_central_differences():
    rng = np.random.default_rng(5)
    blob = _blob(rng, 1, 1, 7, 3)
    layer = {"num": 4}
    param = {"w": rng.standard_normal((7, 4)), "b": rng.standard_normal(4)}
    out = C.inner_product_forward(blob, layer, param)
    out["diff"] = rng.standard_normal((4, 3))
    grad, _ = C.inner_product_backward(out, blob, layer, param)
    for key in ("w", "b"):
        num = numeric_gradient(lambda v: C.inner_product_forward(blob, layer, dict(param, **{key: v}))["data"],
                               param[key], out["diff"])
        assert np.allclose(grad[key], num, rtol=1e-5, atol=1e-7)


def test_conv_net_gradients_match_central_differences():
    """The whole network (tiny LeNet-like) against central differences of the mean loss."""
    rng = np.random.default_rng(6)
    layers = {1: {"type": "DATA", "height": 6, "width": 6, "channel": 1, "batch_size": 3},
              2: {"type": "CONV", "num": 2, "k": 3, "stride": 1, "pad": 0},
              3: {"type": "POOLING", "k": 2, "stride": 2, "pad": 0},
              4: {"type": "IP", "num": 5},
              5: {"type": "RELU"},
              6: {"type": "LOSS", "num": 3}}
    params = C.init_convnet(layers, rng)
    params = {i: {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in p.items()} for i, p in params.items()}
    x = rng.random((36, 3))
    y = np.array([0, 2, 1])
    _, grads = C.conv_net(params, layers, x, y)
    for i in (1, 3, 5):
        for key in ("w", "b"):
            def loss(v, i=i, key=key):
                p2 = {j: dict(q) for j, q in params.items()}
                p2[i][key] = v
                return np.array(C.conv_net(p2, layers, x, y)[0]["cost"])
            num = numeric_gradient(loss, params[i][key], np.array(1.0), h=1e-6)
            assert np.allclose(grads[i][key], num, rtol=1e-4, atol=1e-7), (i, key)


def test_mlrloss_matches_torch():
    rng = np.random.default_rng(7)
    d, K, b = 6, 4, 5
    X = rng.standard_normal((d, b))
    wb = rng.standard_normal((d + 1, K))
    y = rng.integers(0, K, b)
    nll, g, od, percent = C.mlrloss(wb, X, y, K, True)
    Xt = torch.tensor(X, requires_grad=True)
    wt = torch.tensor(wb, requires_grad=True)
    logits = Xt.T @ wt[:d] + wt[d]
    loss = F.cross_entropy(logits, torch.tensor(y), reduction="sum")
    loss.backward()
    assert np.isclose(nll, loss.item())
    assert np.allclose(g, wt.grad.numpy()) and np.allclose(od, Xt.grad.numpy())
    assert percent == np.mean(logits.argmax(1).numpy() == y)


def test_sgd_momentum_equations():
    params = {1: {"w": np.array([2.0]), "b": np.array([1.0])}, 2: {"w": np.zeros(0), "b": np.zeros(0)}}
    winc = {1: {"w": np.array([0.5]), "b": np.array([0.5])}, 2: {"w": np.zeros(0), "b": np.zeros(0)}}
    grads = {1: {"w": np.array([1.0]), "b": np.array([1.0])}, 2: {"w": np.zeros(0), "b": np.zeros(0)}}
    new_p, new_v = C.sgd_momentum(0.1, 0.2, 0.9, 0.5, params, winc, grads)
    assert np.allclose(new_v[1]["w"], 0.9 * 0.5 + 0.1 * (1.0 + 0.5 * 2.0))
    assert np.allclose(new_v[1]["b"], 0.9 * 0.5 + 0.2 * 1.0)  # no decay on the bias
    assert np.allclose(new_p[1]["w"], 2.0 - new_v[1]["w"]) and np.allclose(new_p[1]["b"], 1.0 - new_v[1]["b"])
    assert new_p[2]["w"].size == 0
    assert params[1]["w"][0] == 2.0  # arguments untouched


def test_get_lr():
    assert C.get_lr(0, 0.01, 1e-4, 0.75) == 0.01
    assert np.isclose(C.get_lr(10000, 0.01, 1e-4, 0.75), 0.01 / 2 ** 0.75)


def test_toy_answers_match_torch_autograd():
    X = torch.tensor(toy.IMAGE)[None, None]
    Fi = torch.tensor(toy.FILTERS)[:, None].requires_grad_()
    W = torch.tensor(toy.W1).requires_grad_()
    c = F.conv2d(X, Fi)
    p = F.max_pool2d(c, 2, 1)
    v = p[0].reshape(-1)  # (channel, row, column): the questions' order
    s = W @ v + torch.tensor(toy.B1)
    r = torch.relu(s)
    y = torch.softmax(r, 0)
    y.retain_grad()
    loss = -torch.log(y[toy.LABEL])
    loss.backward()
    a = toy.answers()
    assert a["q01"] == (3, 3) and a["q02"] == (2, 2) and a["q03"] == 3 and a["q04"] == 3
    assert np.isclose(a["q05"], c[0, 1, 0, 0].item())
    assert np.isclose(a["q06"], p[0, 0, 1, 0].item())
    assert np.isclose(a["q07"], r[1].item()) and np.isclose(a["q08"], y[1].item())
    assert np.isclose(a["q09"], loss.item())
    assert np.allclose(a["q10"], y.grad.numpy())
    assert np.isclose(a["q11"], W.grad[0, 0].item())
    assert np.isclose(a["q12"], Fi.grad[0, 0, 0, 0].item())
    assert (a["q05"], a["q06"], a["q07"]) == (4.0, 7.0, 39.0)


STUDENT_FUNCTIONS = {
    "cnn_lenet.py": {"pooling_layer_forward", "pooling_layer_backward", "relu_forward", "relu_backward",
                     "inner_product_forward", "inner_product_backward", "sgd_momentum"},
    "toy.py": {"toy_forward_backward"} | {fn.__name__ for fn in toy.ANSWER_FUNCTIONS.values()},
}


@pytest.mark.parametrize("name", sorted(STUDENT_FUNCTIONS))
def test_markers_wrap_exactly_the_student_functions(name):
    text = (SOLUTIONS / name).read_text()
    regions = find_regions(text, name)
    assert {r.function for r in regions} == STUDENT_FUNCTIONS[name]
    assert len(regions) == len(STUDENT_FUNCTIONS[name])
    stub = strip_solutions(text, name)
    compile(stub, name, "exec")


def test_provided_files_have_no_markers():
    for name in ("utils.py", "test_lenet.py", "__init__.py"):
        assert not find_regions((SOLUTIONS / name).read_text(), name)


def test_blank_toy_answers_are_none(tmp_path):
    import importlib.util

    stub = strip_solutions((SOLUTIONS / "toy.py").read_text(), "toy.py")
    path = tmp_path / "toy_stub.py"
    path.write_text(stub)
    spec = importlib.util.spec_from_file_location("toy_stub", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.answers() == {k: None for k in toy.QUESTIONS}


def test_mlrloss_accepts_the_handouts_k_minus_1_columns():
    rng = np.random.default_rng(8)
    d, K, b = 5, 4, 6
    X, y = rng.standard_normal((d, b)), rng.integers(0, K, b)
    wb = rng.standard_normal((d + 1, K - 1))
    full = np.hstack([wb, np.zeros((d + 1, 1))])  # class K-1 scores 0
    nll, g, od, percent = C.mlrloss(wb, X, y, K, 1)
    nll2, g2, od2, percent2 = C.mlrloss(full, X, y, K, 1)
    assert np.isclose(nll, nll2) and np.allclose(g, g2[:, :-1]) and np.allclose(od, od2) and percent == percent2
    assert C.mlrloss(wb, X, y, K, 0)[3] == 0  # the handout's flag: accuracy only when asked


def test_helpers_accept_the_handouts_call_forms():
    rng = np.random.default_rng(9)
    h, w, c, k, s = 6, 5, 2, 2, 2
    layer = {"k": k, "stride": s, "pad": 0}
    ho, wo = C.output_size(h, k, s, 0), C.output_size(w, k, s, 0)
    x = rng.standard_normal(h * w * c)
    col = C.im2col_conv({"height": h, "width": w, "channel": c, "data": x}, layer, ho, wo)
    assert np.allclose(col, C.im2col_conv(x, layer, h, w, c, ho, wo))
    blob = {"height": h, "width": w, "channel": c}
    flat = C.col2im_conv(col, blob, layer, ho, wo)
    four = C.col2im_conv(col.reshape(k * k, c, ho, wo), blob, layer, ho, wo)
    assert np.allclose(flat, four) and flat.size == h * w * c
