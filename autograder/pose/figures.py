"""Figures of `pose`'s feedback (issue 27), drawn in the grader's process (``engine.figures``).

``pose.train``: the training-loss curve of the grader's run of the student's model (one value
per Adam step, from ``probes.train_and_predict``). That call gets the training clips only (the
hidden clips go to a later call that reloads the trained weights), so the curve carries
nothing of the hidden data; it is still drawn coarsely, from at most ``MAX_POINTS`` block
means rounded to two significant figures, as numbers from a student's process always are.
"""
from __future__ import annotations

import numpy as np

from autograder.engine import figures as F

TITLE = "training loss of your DeepDynamicModel (the grader's run)"
MAX_POINTS = 30


def coarse_curve(losses) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: at most ``MAX_POINTS`` block means (x: the block's middle step, from 1), two
    significant figures."""
    y = F.as_numbers(losses, name="losses", ndim=1, max_values=100_000)
    x, m = F.block_means(y, MAX_POINTS)
    with np.errstate(all="ignore"):
        mag = np.where(np.isfinite(m) & (m != 0), np.floor(np.log10(np.abs(np.where(m == 0, 1, m)))), 0)
        r = np.where(np.isfinite(m), np.round(m / 10.0 ** (mag - 1)) * 10.0 ** (mag - 1), m)
    return x, r


def training_curve(t, out) -> bool:
    losses = out.get("train_loss") if isinstance(out, dict) else None
    if losses is None:
        return False

    def draw():
        x, y = coarse_curve(losses)
        return F.learning_curve(y, steps=x, title=TITLE, xlabel="Adam step",
                                ylabel="training loss (mean over a block of steps)")

    return t.figure(TITLE, draw, alt="the training loss of the grader's run of your model, step by step")
