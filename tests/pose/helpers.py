"""Helpers for the pose tests: submission trees built from the reference (optionally
patched into a buggy or a correct-but-different variant, or stripped to the blank
starter) and graded through the real engine (the shared kit: ``tests/helpers_common.py``)."""
from __future__ import annotations

from pathlib import Path

from tests import helpers_common as kit

REPO = kit.REPO
SOLUTIONS = kit.solutions("pose")
FILES = ("__init__.py", "pose.py", "train.py", "data.py", "plotting.py")
TRAINING = ("pose.train", "pose.saved_model")


def make_tree(root: Path, patches=(), blank=False, extra: dict | None = None) -> Path:
    """Write ``root/starter/pose/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements; each ``old`` must occur exactly once.
    ``blank``: strip the solution regions, as ``course build`` does. ``extra``: more files
    (name -> bytes) next to ``pose.py`` (e.g. ``pose_model.pt``).
    """
    return kit.make_tree(root, "pose", FILES, patches=patches, blank=blank, extra=extra)


def checks(include_training=False):
    return kit.suite_checks("pose", drop=() if include_training else TRAINING)


def grade(tree: Path, ids=None, seed=0):
    """Run the given checks (default: all but training / saved model) on ``tree``; {id: CheckResult}."""
    every = checks(include_training=True)
    chosen = checks() if ids is None else {i: every[i] for i in ids}
    # every pose check runs torch models: one server that imports torch once (as grade_submission)
    return kit.run_checks("pose", tree, chosen, seed=seed, zygote=True)
