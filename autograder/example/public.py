"""Public checks of `example`: shapes and the student's own gradient check."""
from autograder.engine import Context, check


@check("example.scale_shapes", part="1", points=1, hidden=False, timeout=30)
def scale_shapes(t: Context):
    """scale_forward keeps the input's shape"""
    x = t.rng.standard_normal((3, 4, 2))
    out, _ = t.call("example.ops:scale_forward", x, 2.0)
    t.assert_shape(out, x.shape, name="out", what="scale_forward")


@check("example.scale_gradcheck", part="1", points=1, hidden=False, timeout=30)
def scale_gradcheck(t: Context):
    """scale_backward agrees with central differences of scale_forward"""
    x = t.rng.standard_normal((2, 3))
    dout = t.rng.standard_normal((2, 3))
    a = 1.7
    box_cache = t.call("example.ops:scale_forward", x, a, keep=True)
    dx, _ = t.call("example.ops:scale_backward", dout, box_cache[1])
    num = t.probe("probes:numeric_grad_scale", x, a, dout)
    t.assert_close(dx, num, name="dx", what="scale_backward vs numerical gradient", rtol=1e-5, atol=1e-7)
