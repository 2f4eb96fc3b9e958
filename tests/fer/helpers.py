"""Helpers for the fer tests: submission trees built from the reference (optionally patched
into a variant, or stripped to the blank starter, with or without model files) graded
through the real engine."""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.build.markers import strip_solutions
from autograder.engine import load_suite, run_check

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "fer"
MODELS = REPO / "tests" / "fixtures" / "samples" / "fer" / "perfect" / "files" / "starter" / "fer"  # reference models
MODEL_FILES = ("cifar_two_layer.npz", "fer_model.npz", "fer_cnn.pt")
MODEL_CHECKS = {"fer.two_layer_cifar", "fer.fer_model", "fer.test_fer_model", "fer.cnn_model", "fer.test_cnn_model"}
TRAINING_CHECKS = {"fer.overfit"}


def make_tree(root: Path, patches=(), blank=False, models=True) -> Path:
    """Write ``root/starter/fer/`` from the reference (and the reference model files) and return ``root``.

    ``patches``: ``(file, old, new)`` replacements, each ``old`` occurring exactly once.
    """
    dest = root / "starter" / "fer"
    dest.mkdir(parents=True, exist_ok=True)
    (root / "starter" / "__init__.py").write_text("")
    for p in sorted(SOLUTIONS.glob("*.py")):
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
    if models:
        for name in MODEL_FILES:
            if (MODELS / name).is_file():
                shutil.copy(MODELS / name, dest / name)
    return root


def all_checks():
    return {c.id: c for c in load_suite("fer").checks()}


def grade(tree: Path, ids=None, seed=0, skip=()):
    """Run the given checks (default: all but ``skip``) on ``tree``; {id: CheckResult}."""
    suite = load_suite("fer")
    probes = suite.probe_files()
    every = all_checks()
    chosen = {i: c for i, c in every.items() if i not in skip} if ids is None else {i: every[i] for i in ids}
    return {i: run_check(c, tree, probes, seed=seed) for i, c in chosen.items()}
