"""Figures of `lenet`'s feedback (issue 27), drawn in the grader's process (``engine.figures``).

``lenet.train``: the cost of each SGD step of the grader's run of the student's layers
(``probes.train_lenet`` returns it beside the weights). That run's process is given the
public training rows only (no test images), so the curve cannot carry a hidden input.
"""
from __future__ import annotations

from autograder.engine import figures as F

TITLE = "training cost of LeNet with your layers (the grader's run)"


def training_curve(t, out, *, steps: int, threshold_note: str = "") -> bool:
    """Attach the learning curve of ``out`` (the probe's answer) to the check's result."""
    losses = out.get("losses") if isinstance(out, dict) else None
    if losses is None:
        return False
    note = f"batch 64, {steps} SGD steps" + (f"; {threshold_note}" if threshold_note else "")
    return t.figure(TITLE, lambda: F.learning_curve(losses, title=TITLE, xlabel="SGD step", ylabel="cost (softmax loss)",
                                                    note=note),
                    alt="the cost of each SGD step of the grader's training run of your LeNet")
