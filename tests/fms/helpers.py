"""Helpers for the fms tests: submission trees built from the reference, patched
copies (buggy variants) and the blank starter, graded through the real engine (the shared
kit: ``tests/helpers_common.py``)."""
from __future__ import annotations

from pathlib import Path

from tests import helpers_common as kit

REPO = kit.REPO
SOLUTIONS = kit.solutions("fms")
# the modules of problems 2 and 3 (problem 4's files belong to another suite part)
MY_FILES = ("__init__.py", "layers.py", "fc_net.py", "solver.py", "gradient_check.py", "conv.py")


def make_tree(root: Path, patches=(), blank=False) -> Path:
    """Write ``root/starter/fms/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements, each ``old`` must occur exactly once.
    ``blank``: strip the solution regions (what ``course build`` gives students).
    """
    return kit.make_tree(root, "fms", MY_FILES, patches=patches, blank=blank)


_CHECKS = None


def checks():
    """All checks of problems 2 and 3, by id (public and hidden)."""
    global _CHECKS
    if _CHECKS is None:
        _CHECKS = kit.suite_checks(
            "fms", keep=lambda c: c.func.__module__ in ("autograder.fms.public", "autograder.fms.hidden"))
    return _CHECKS


# needs the generated MDS189 data: exercised by test_fms_threshold.py only
DATA_CHECKS = ("fms.two_layer_pose_accuracy",)


def grade(tree: Path, ids=None, seed=0):
    """Run the given checks (default: all of mine that need no generated data) on
    ``tree``; returns {id: CheckResult}."""
    whole = ids is None  # a whole suite forks its checks from one server, as grade_submission does
    if whole:
        ids = [i for i in checks() if i not in DATA_CHECKS]
    return kit.run_checks("fms", tree, {i: checks()[i] for i in ids}, seed=seed, zygote=whole)
