"""Public checks of `pose` (shipped to students): small values worked by hand, shapes.

They must not import the reference solution.
"""
from __future__ import annotations

import numpy as np

from autograder.engine import Context, check

T, J = 8, 17


@check("pose.public.mpjpe", part="1", points=1, hidden=False, timeout=60,
       description="mpjpe on a hand-checkable example")
def public_mpjpe(t: Context):
    y = np.zeros((2, T, J, 3))
    pred = np.zeros((2, T, J, 3))
    pred[0, :, 3] = (0.3, 0.4, 0.0)   # joint 3 of clip 0 is 0.5 m off in every frame
    pred[1, 2, :] = (0.0, 0.0, 0.17)  # every joint of frame 2 of clip 1 is 0.17 m off
    # mean over 2 * 8 * 17 = 272 joint positions: (8 * 500 + 17 * 170) / 272 mm
    expected = (8 * 500.0 + 17 * 170.0) / (2 * T * J)
    with t.case("two clips, a few joints off"):
        got = t.call("pose.pose:mpjpe", y, pred)
        t.assert_close(np.asarray(got, dtype=np.float64).reshape(-1)[:1], [expected], name="MPJPE (mm)",
                       what="mpjpe on the example", rtol=1e-6, atol=1e-6,
                       mistakes={"returned metres instead of millimetres": [expected / 1000]})
    with t.case("identical poses"):
        got = t.call("pose.pose:mpjpe", pred, pred.copy())
        t.assert_close(np.asarray(got, dtype=np.float64).reshape(-1)[:1], [0.0], name="MPJPE (mm)",
                       what="mpjpe of identical poses", rtol=0, atol=1e-9)


@check("pose.public.loss", part="2", points=1, hidden=False, timeout=60,
       description="pose_loss on a hand-checkable example")
def public_loss(t: Context):
    y = np.zeros((2, T, J, 3))
    pred = np.zeros((2, T, J, 3))
    pred[0, 0, 0] = (1.0, 2.0, 2.0)  # squared error 9
    pred[1, 5, 9] = (0.0, 3.0, 0.0)  # squared error 9
    # The handout's forms (and any positive multiple of them) are all correct: the sum of the
    # squared errors (18), the sum divided by the batch size (9), the mean over every element
    # (18 / (2 * 8 * 17 * 3)). The gradient is 2 * loss / 18 * (pred - y) for each of them.
    with t.case("two clips, two joints off; a perfect prediction"):
        out = t.probe("probes:loss_value_and_grad", y, pred)
        if out["kind"] != "tensor":
            t.fail(f"pose_loss must return a torch tensor, got a {out['kind']}")
        t.assert_true(out["shape"] in ([], [1]), f"pose_loss must return one number, got shape {out['shape']}")
        value = float(np.asarray(out["value"], dtype=np.float64).reshape(-1)[0])
        forms = {"the sum of squared errors": 18.0, "the sum divided by the batch size": 9.0,
                 "the mean over every element": 18.0 / (2 * T * J * 3)}
        t.assert_true(value > 0, f"pose_loss on the example is {value:g}: a squared error is positive here "
                                 f"({', '.join(f'{k}: {v:g}' for k, v in forms.items())})")
        t.assert_true(out["grad"] is not None, "pose_loss is not differentiable with respect to pred (no numpy, "
                                               "no .item() / .detach())")
        t.assert_close(np.asarray(out["grad"], dtype=np.float64), 2 * value / 18.0 * (pred - y),
                       name="d loss / d pred", what=f"the gradient of pose_loss on the example (loss {value:g}; "
                       f"expected one of {', '.join(f'{k}: {v:g}' for k, v in forms.items())}, or a constant "
                       "multiple; the gradient of c * sum((pred - y)^2) is 2 * c * (pred - y))")
        # and a perfect prediction costs nothing (in the same case: a constant 0 earns no point)
        out = t.probe("probes:loss_value_and_grad", y, y.copy())
        t.assert_close(np.asarray(out["value"], dtype=np.float64).reshape(-1)[:1], [0.0], name="loss",
                       what="pose_loss of a perfect prediction", rtol=0, atol=1e-12)


@check("pose.public.model_shape", part="3", points=2, hidden=False, timeout=120,
       description="DeepDynamicModel()(x) has shape (B, 8, 17, 3) for uint8 clips (B, 8, 32, 32, 3)")
def public_model_shape(t: Context):
    rng = np.random.default_rng(0)
    for B in (1, 3):
        with t.case(f"a batch of {B}"):
            x = rng.integers(0, 256, size=(B, T, 32, 32, 3), dtype=np.uint8)
            out = np.asarray(t.probe("probes:model_outputs", [x])[0])
            t.assert_true(out.shape == (B, T, J, 3),
                          f"DeepDynamicModel()(x) for x of shape {x.shape}: expected {(B, T, J, 3)}, got {out.shape}")
            t.assert_true(bool(np.all(np.isfinite(out))), "the predictions contain NaN or inf")
