"""Helpers for the lenet tests: submission trees built from the reference (optionally
patched into a buggy variant, or stripped to the blank starter) and graded through
the real engine."""
from __future__ import annotations

from pathlib import Path

from autograder.build.markers import strip_solutions
from autograder.engine import load_suite, run_check

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "lenet"
FILES = ("__init__.py", "cnn_lenet.py", "utils.py", "test_lenet.py", "toy.py")


def make_tree(root: Path, patches=(), blank=False) -> Path:
    """Write ``root/starter/lenet/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements; each ``old`` must occur exactly once
    (so a patch can never silently stop applying when the reference changes).
    ``blank``: strip the solution regions, as ``course build`` does for students.
    """
    dest = root / "starter" / "lenet"
    dest.mkdir(parents=True, exist_ok=True)
    (root / "starter" / "__init__.py").write_text("")
    for name in FILES:
        p = SOLUTIONS / name
        text = p.read_text()
        if blank:
            text = strip_solutions(text, str(p))
        (dest / name).write_text(text)
    for fname, old, new in patches:
        path = dest / fname
        text = path.read_text()
        count = text.count(old)
        if count != 1:
            raise AssertionError(f"patch for {fname}: {old!r} occurs {count} times")
        path.write_text(text.replace(old, new))
    return root


def checks(include_train=True):
    suite = load_suite("lenet")
    out = {c.id: c for c in suite.checks()}
    if not include_train:
        out.pop("lenet.train", None)
    return out


def grade(tree: Path, ids=None, seed=0, include_train=False):
    """Run the given checks (default: all but the training run) on ``tree``; {id: CheckResult}."""
    suite = load_suite("lenet")
    probes = suite.probe_files()
    every = checks(include_train=True)
    chosen = checks(include_train) if ids is None else {i: every[i] for i in ids}
    return {i: run_check(c, tree, probes, seed=seed) for i, c in chosen.items()}
