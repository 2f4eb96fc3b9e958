"""Helpers for the fer tests: submission trees built from the reference (optionally patched
into a variant, or stripped to the blank starter, with or without model files) graded
through the real engine (the shared kit: ``tests/helpers_common.py``)."""
from __future__ import annotations

from pathlib import Path

from tests import helpers_common as kit

REPO = kit.REPO
SOLUTIONS = kit.solutions("fer")
MODELS = REPO / "tests" / "fixtures" / "samples" / "fer" / "perfect" / "files" / "starter" / "fer"  # reference models
MODEL_FILES = ("cifar_two_layer.npz", "fer_model.npz", "fer_cnn.pt")
MODEL_CHECKS = {"fer.two_layer_cifar", "fer.fer_model", "fer.test_fer_model", "fer.cnn_model", "fer.test_cnn_model"}
TRAINING_CHECKS = {"fer.overfit"}


def make_tree(root: Path, patches=(), blank=False, models=True) -> Path:
    """Write ``root/starter/fer/`` from the reference (and the reference model files) and return ``root``.

    ``patches``: ``(file, old, new)`` replacements, each ``old`` occurring exactly once.
    """
    extra = {name: (MODELS / name).read_bytes() for name in MODEL_FILES
             if models and (MODELS / name).is_file()}
    return kit.make_tree(root, "fer", patches=patches, blank=blank, extra=extra)


def all_checks():
    return kit.suite_checks("fer")


def grade(tree: Path, ids=None, seed=0, skip=()):
    """Run the given checks (default: all but ``skip``) on ``tree``; {id: CheckResult}."""
    every = all_checks()
    chosen = {i: c for i, c in every.items() if i not in skip} if ids is None else {i: every[i] for i in ids}
    # a whole suite forks its checks from one server, as grade_submission does
    return kit.run_checks("fer", tree, chosen, seed=seed, zygote=ids is None)
