"""Helpers for the pose tests: submission trees built from the reference (optionally
patched into a buggy or a correct-but-different variant, or stripped to the blank
starter) and graded through the real engine."""
from __future__ import annotations

from pathlib import Path

from autograder.build.markers import strip_solutions
from autograder.engine import load_suite, run_check

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "pose"
FILES = ("__init__.py", "pose.py", "train.py", "data.py", "plotting.py")
TRAINING = ("pose.train", "pose.saved_model")


def make_tree(root: Path, patches=(), blank=False, extra: dict | None = None) -> Path:
    """Write ``root/starter/pose/`` from the reference and return ``root``.

    ``patches``: ``(file, old, new)`` replacements; each ``old`` must occur exactly once.
    ``blank``: strip the solution regions, as ``course build`` does. ``extra``: more files
    (name -> bytes) next to ``pose.py`` (e.g. ``pose_model.pt``).
    """
    dest = root / "starter" / "pose"
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
    for name, data in (extra or {}).items():
        (dest / name).write_bytes(data)
    return root


def checks(include_training=False):
    suite = load_suite("pose")
    out = {c.id: c for c in suite.checks()}
    if not include_training:
        for i in TRAINING:
            out.pop(i, None)
    return out


def grade(tree: Path, ids=None, seed=0):
    """Run the given checks (default: all but training / saved model) on ``tree``; {id: CheckResult}."""
    suite = load_suite("pose")
    probes = suite.probe_files()
    every = checks(include_training=True)
    chosen = checks() if ids is None else {i: every[i] for i in ids}
    return {i: run_check(c, tree, probes, seed=seed) for i, c in chosen.items()}
