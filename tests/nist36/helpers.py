"""Helpers for the nist36 tests: submission trees built from the reference (optionally
patched into a buggy variant, or stripped to the blank starter) and graded through
the real engine (sandboxed child)."""
from __future__ import annotations

from pathlib import Path

from autograder.build.markers import strip_solutions
from autograder.engine import load_suite, run_check

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "nist36"
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
    dest = root / "starter" / "nist36"
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
    for name, data in (files or {}).items():
        (dest / name).write_bytes(data)
    return root


def checks(include_slow=True):
    out = {c.id: c for c in load_suite("nist36").checks()}
    if not include_slow:
        for i in SLOW:
            out.pop(i, None)
    return out


def grade(tree: Path, ids=None, seed=0, include_slow=False):
    """Run the given checks (default: all but the slow ones) on ``tree``; {id: CheckResult}."""
    suite = load_suite("nist36")
    probes = suite.probe_files()
    every = checks(include_slow=True)
    chosen = checks(include_slow) if ids is None else {i: every[i] for i in ids}
    return {i: run_check(c, tree, probes, seed=seed) for i, c in chosen.items()}
