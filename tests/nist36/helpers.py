"""Helpers for the nist36 tests: submission trees built from the reference (optionally
patched into a buggy variant, or stripped to the blank starter) and graded through
the real engine (sandboxed child; the shared kit: ``tests/helpers_common.py``)."""
from __future__ import annotations

from pathlib import Path

from tests import helpers_common as kit

REPO = kit.REPO
SOLUTIONS = kit.solutions("nist36")
FILES = ("__init__.py", "nn.py", "util.py", "theory.py", "run_q2.py", "run_q3.py", "q4.py", "run_q4.py",
         "run_q5.py", "run_q6.py")
# checks that train or read whole pages (seconds to a minute each)
SLOW = ("nist36.train_short", "nist36.trained_weights", "nist36.find_letters", "nist36.read_page",
        "nist36.ae_weights", "nist36.ae_train_short", "nist36.torch_fc", "nist36.torch_cnn", "nist36.torch_cifar")


def make_tree(root: Path, patches=(), blank=False, files=None) -> Path:
    """Write ``root/starter/nist36/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements; each ``old`` must occur exactly once.
    ``blank``: strip the solution regions, as ``course build`` does for students.
    ``files``: ``{name: bytes}`` written next to the code (e.g. weight files).
    """
    return kit.make_tree(root, "nist36", FILES, patches=patches, blank=blank, extra=files)


def checks(include_slow=True):
    return kit.suite_checks("nist36", drop=() if include_slow else SLOW)


def grade(tree: Path, ids=None, seed=0, include_slow=False):
    """Run the given checks (default: all but the slow ones) on ``tree``; {id: CheckResult}."""
    every = checks(include_slow=True)
    chosen = checks(include_slow) if ids is None else {i: every[i] for i in ids}
    # a whole suite forks its checks from one server, as grade_submission does
    return kit.run_checks("nist36", tree, chosen, seed=seed, zygote=ids is None)
