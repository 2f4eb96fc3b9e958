"""Sandbox-side helpers for `example` (no secrets: shipped with the public checks)."""
import numpy as np

if __package__:  # autograder.example.probes, in the grader's own process (tests)
    from autograder.engine import kit
else:  # in the sandbox, copied beside the grader's kit
    import kit


def numeric_grad_scale(x, a, dout, h=1e-6):
    """Central differences of sum(scale_forward(x, a)[0] * dout) w.r.t. x, in the sandbox."""
    from starter.example.ops import scale_forward

    x = np.array(x, dtype=np.float64)
    return kit.central_differences(lambda: np.sum(scale_forward(x, a)[0] * dout), x, h)
