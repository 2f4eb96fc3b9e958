"""Hidden checks of `example`: values against the reference on random and edge inputs."""
import numpy as np

from autograder.engine import Context, check
from solutions.example import ops as ref


@check("example.scale_forward", part="1", points=2, timeout=30)
def scale_forward(t: Context):
    """scale_forward matches the reference"""
    for shape in [(1,), (4, 5), (2, 3, 4)]:
        x = t.rng.standard_normal(shape)
        out, _ = t.call("example.ops:scale_forward", x, -0.5)
        t.assert_close(out, ref.scale_forward(x, -0.5)[0], name="out", what=f"scale_forward on shape {shape}",
                       mistakes={"returned the input unchanged": x})


@check("example.scale_backward", part="1", points=2, timeout=30)
def scale_backward(t: Context):
    """scale_backward matches the reference"""
    x = t.rng.standard_normal((5, 3))
    dout = t.rng.standard_normal((5, 3))
    cache = t.call("example.ops:scale_forward", x, 3.0, keep=True)
    dx, da = t.call("example.ops:scale_backward", dout, cache[1])
    rdx, rda = ref.scale_backward(dout, ref.scale_forward(x, 3.0)[1])
    t.assert_close(dx, rdx, name="dx", what="scale_backward", mistakes={"dx is missing the factor a": dout})
    t.assert_close(da, rda, name="da", what="scale_backward",
                   mistakes={"da averaged instead of summed": rda / x.size})


@check("example.mean_rows", part="2", points=1, timeout=30)
def mean_rows(t: Context):
    """mean_rows matches the reference and leaves its input unchanged"""
    x = t.rng.standard_normal((4, 6))
    out, (x_after,) = t.call_with_args("example.ops:mean_rows", x)
    t.assert_close(out, ref.mean_rows(x), name="row means", what="mean_rows",
                   mistakes={"averaged over the wrong axis": x.mean(axis=0)})
    t.assert_close(x_after, x, name="x after the call", what="mean_rows must not modify its input")
