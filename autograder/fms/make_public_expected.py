"""Regenerate ``public_expected.npz``: small fixed inputs and the reference outputs
the public checks compare against.

    .venv/bin/python -m autograder.fms.make_public_expected          # rewrite the file
    .venv/bin/python -m autograder.fms.make_public_expected --check  # exit 1 if stale

Runs on the instructor side (it imports ``solutions.fms``); the .npz it writes holds
only arrays and is shipped with ``public.py``.
"""
import argparse
import io
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("public_expected.npz")
SEED = 189


def build():
    from solutions.fms import conv, fc_net, layers

    rng = np.random.default_rng(SEED)
    d = {}
    # fully-connected layer
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((12, 5)), rng.standard_normal(5)
    out, cache = layers.affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = layers.affine_backward(dout, cache)
    d.update(affine_x=x, affine_w=w, affine_b=b, affine_out=out, affine_dout=dout,
             affine_dx=dx, affine_dw=dw, affine_db=db)
    # ReLU (no exact zeros: the derivative is undefined there)
    x = rng.standard_normal((3, 4))
    out, cache = layers.relu_forward(x)
    dout = rng.standard_normal(x.shape)
    d.update(relu_x=x, relu_out=out, relu_dout=dout, relu_dx=layers.relu_backward(dout, cache))
    # softmax loss
    x, y = rng.standard_normal((4, 5)), rng.integers(0, 5, 4)
    loss, dx = layers.softmax_loss(x, y)
    d.update(softmax_x=x, softmax_y=y, softmax_loss=np.float64(loss), softmax_dx=dx)
    # network with two hidden layers, fixed parameters
    net = fc_net.FullyConnectedNet(input_dim=6, hidden_dim=[5, 4], num_classes=3,
                                   weight_scale=0.5, reg=0.1, seed=SEED)
    for k in net.params:
        if k.startswith("b"):
            net.params[k] = 0.1 * rng.standard_normal(net.params[k].shape)
    X, y = rng.standard_normal((3, 6)), rng.integers(0, 3, 3)
    scores = net.loss(X)
    loss, grads = net.loss(X, y)
    for k, v in net.params.items():
        d[f"net_param_{k}"] = v
        d[f"net_grad_{k}"] = grads[k]
    d.update(net_X=X, net_y=y, net_reg=np.float64(0.1), net_scores=scores, net_loss=np.float64(loss))
    # strided convolution
    I, G, s = rng.standard_normal((2, 6, 5)), rng.standard_normal((2, 2, 3, 2)), 2
    R = conv.conv2d_forward(I, G, s)
    dR = rng.standard_normal(R.shape)
    dI, dG = conv.conv2d_backward(dR, I, G, s)
    d.update(conv_I=I, conv_G=G, conv_s=np.int64(s), conv_R=R, conv_dR=dR, conv_dI=dI, conv_dG=dG)
    # max pooling (continuous random values: no ties)
    I, (pw, ph, s) = rng.standard_normal((2, 6, 7)), (3, 2, 2)
    R = conv.maxpool2d_forward(I, pw, ph, s)
    dR = rng.standard_normal(R.shape)
    d.update(pool_I=I, pool_w=np.int64(pw), pool_h=np.int64(ph), pool_s=np.int64(s), pool_R=R,
             pool_dR=dR, pool_dI=conv.maxpool2d_backward(dR, I, pw, ph, s))
    return d


def _serialise(d):
    buf = io.BytesIO()
    np.savez(buf, **d)
    return buf.getvalue()


def is_current(path=OUT):
    """True when the stored file holds what :func:`build` produces (floats up to rounding)."""
    if not path.is_file():
        return False
    new = build()
    with np.load(path, allow_pickle=False) as old:
        if set(old.files) != set(new):
            return False
        return all(_same(old[k], np.asarray(new[k])) for k in new)


def _same(old, new) -> bool:
    """Equal up to floating-point rounding: reference outputs differ in the last bits from
    one CPU (BLAS kernel) to another, so floats are compared with a tolerance far below
    anything a check could notice; integers and shapes must match exactly."""
    if old.dtype != new.dtype or old.shape != new.shape:
        return False
    if old.dtype.kind == "f":
        return bool(np.allclose(old, new, rtol=1e-9, atol=1e-12))
    return bool(np.array_equal(old, new))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only verify the file is up to date")
    args = ap.parse_args(argv)
    if args.check:
        ok = is_current()
        print(f"{OUT.name}: {'up to date' if ok else 'STALE (regenerate it)'}")
        return 0 if ok else 1
    OUT.write_bytes(_serialise(build()))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
