"""Helpers for the fms tests: submission trees built from the reference, patched
copies (buggy variants) and the blank starter, graded through the real engine."""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.build.markers import strip_solutions
from autograder.engine import load_suite, run_check

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "fms"
# the modules of problems 2 and 3 (problem 4's files belong to another suite part)
MY_FILES = ("__init__.py", "layers.py", "fc_net.py", "solver.py", "gradient_check.py", "conv.py")


def make_tree(root: Path, patches=(), blank=False) -> Path:
    """Write ``root/starter/fms/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements, each ``old`` must occur exactly once.
    ``blank``: strip the solution regions (what ``course build`` gives students).
    """
    dest = root / "starter" / "fms"
    dest.mkdir(parents=True, exist_ok=True)
    (root / "starter" / "__init__.py").write_text("")
    for name in MY_FILES:
        p = SOLUTIONS / name
        text = p.read_text()
        if blank:
            text = strip_solutions(text, str(p))
        (dest / p.name).write_text(text)
    for fname, old, new in patches:
        path = dest / fname
        text = path.read_text()
        count = text.count(old)
        if count != 1:
            raise AssertionError(f"patch for {fname}: {old!r} occurs {count} times")
        path.write_text(text.replace(old, new))
    return root


_CHECKS = None


def checks():
    """All checks of problems 2 and 3, by id (public and hidden)."""
    global _CHECKS
    if _CHECKS is None:
        suite = load_suite("fms")
        _CHECKS = {c.id: c for c in suite.checks()
                   if c.func.__module__ in ("autograder.fms.public", "autograder.fms.hidden")}
    return _CHECKS


# needs the generated MDS189 data: exercised by test_fms_threshold.py only
DATA_CHECKS = ("fms.two_layer_pose_accuracy",)


def grade(tree: Path, ids=None, seed=0):
    """Run the given checks (default: all of mine that need no generated data) on
    ``tree``; returns {id: CheckResult}."""
    suite = load_suite("fms")
    probes = suite.probe_files()
    if ids is None:
        ids = [i for i in checks() if i not in DATA_CHECKS]
    chosen = {i: checks()[i] for i in ids}
    return {i: run_check(c, tree, probes, seed=seed) for i, c in chosen.items()}
