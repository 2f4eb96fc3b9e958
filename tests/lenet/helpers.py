"""Helpers for the lenet tests: submission trees built from the reference (optionally
patched into a buggy variant, or stripped to the blank starter) and graded through
the real engine (the shared kit: ``tests/helpers_common.py``)."""
from __future__ import annotations

from pathlib import Path

from tests import helpers_common as kit

REPO = kit.REPO
SOLUTIONS = kit.solutions("lenet")
FILES = ("__init__.py", "cnn_lenet.py", "utils.py", "test_lenet.py", "toy.py")


def make_tree(root: Path, patches=(), blank=False) -> Path:
    """Write ``root/starter/lenet/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements; each ``old`` must occur exactly once
    (so a patch can never silently stop applying when the reference changes).
    ``blank``: strip the solution regions, as ``course build`` does for students.
    """
    return kit.make_tree(root, "lenet", FILES, patches=patches, blank=blank)


def checks(include_train=True):
    return kit.suite_checks("lenet", drop=() if include_train else ("lenet.train",))


def grade(tree: Path, ids=None, seed=0, include_train=False):
    """Run the given checks (default: all but the training run) on ``tree``; {id: CheckResult}."""
    every = checks(include_train=True)
    chosen = checks(include_train) if ids is None else {i: every[i] for i in ids}
    # a whole suite forks its checks from one server, as grade_submission does
    return kit.run_checks("lenet", tree, chosen, seed=seed, zygote=ids is None)
