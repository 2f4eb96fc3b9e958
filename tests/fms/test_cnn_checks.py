"""Problem 4 (PyTorch CNN) checks through the real engine: the reference passes, the
blank starter scores zero without crashing the grader, known bugs are caught.

The fast checks need no data. The training and prediction-file checks run on a
small in-memory image set here (see test_cnn_training.py for them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder.build.markers import has_markers, strip_solutions
from autograder.engine import load_suite, run_check
from autograder.fms import hidden_cnn as H
from tests import helpers_common as kit

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "fms"
PROBES = {"probes_cnn.py": REPO / "autograder" / "fms" / "probes_cnn.py"}
FAST = [H.cnn_loss, H.cnn_confusion_matrix, H.cnn_per_class_accuracy, H.cnn_count_parameters,
        H.cnn_fc_equivalent_parameters]


def make_tree(root: Path, patches=(), blank=False) -> Path:
    """``root/tree/starter/fms/`` from the reference (every module of the homework),
    with ``(file, old, new)`` patches (``old`` must occur once) or all solution
    regions stripped (``blank``). Returns ``root/tree``; ``root/raw`` is where the
    engine keeps the submission as handed in."""
    tree = root / "tree"
    dest = tree / "starter" / "fms"
    dest.mkdir(parents=True, exist_ok=True)
    (tree / "starter" / "__init__.py").write_text("")
    (root / "raw").mkdir(exist_ok=True)
    for p in sorted(SOLUTIONS.glob("*.py")):
        text = p.read_text()
        if blank and has_markers(text):
            text = strip_solutions(text, str(p))
        (dest / p.name).write_text(text)
    for fname, old, new in patches:
        path = dest / fname
        text = path.read_text()
        assert text.count(old) == 1, f"patch for {fname}: {old!r} occurs {text.count(old)} times"
        path.write_text(text.replace(old, new))
    return tree


def grade(tree, funcs):
    # forked from the test process's server with fms's libraries imported (torch: 1.2-1.6 s a check otherwise)
    server = kit.shared_server(load_suite("fms").preload)
    return {f.check.id: run_check(f.check, tree, PROBES, zygote=server) for f in funcs}


def fake_hidden_labels(tmp_path_factory, monkeypatch, seed: int, n: int) -> dict:
    """``n`` random hidden test labels (``{Id: class name}``, from ``seed``) written where the grader
    reads them; the grader's own test split and its secret protection are switched off (they have
    their own tests: test_fms_test_split.py). Returns the labels."""
    rng = np.random.default_rng(seed)
    truth = {i: H.LABELS[int(c)] for i, c in enumerate(rng.integers(0, 8, n), start=1)}
    path = tmp_path_factory.mktemp("grader") / "test_labels.csv"
    path.write_text("Id,Category\n" + "".join(f"{i},{c}\n" for i, c in truth.items()))
    monkeypatch.setattr(H, "hidden_labels_path", lambda: path)
    monkeypatch.setattr(H, "prepare_test_split", lambda *a, **k: None)
    monkeypatch.setattr(H, "_protect_secrets", lambda *a: None)
    return truth


def test_reference_passes_fast_checks(tmp_path):
    res = grade(make_tree(tmp_path), FAST)
    bad = {k: (r.status, r.message) for k, r in res.items() if r.status != "passed"}
    assert not bad, bad


def test_blank_starter_scores_zero_without_crashing(tmp_path):
    res = grade(make_tree(tmp_path, blank=True), FAST)
    for cid, r in res.items():
        assert r.score == 0 and r.status == "error", (cid, r.status, r.message)
        assert "not implemented yet" in r.message, (cid, r.message)
        assert "internal grader error" not in r.message


BUGS = {
    "confusion transposed": (
        [("cnn.py", "    return cm\n    # END SOLUTION", "    return cm.T\n    # END SOLUTION")],
        H.cnn_confusion_matrix, "transposed"),
    "per-class accuracy divides by predicted counts": (
        [("cnn.py", "    support = cm.sum(axis=1)", "    support = cm.sum(axis=0)")],
        H.cnn_per_class_accuracy, "PREDICTED"),
    "per-class accuracy gives 0 for absent classes": (
        [("cnn.py", "np.diag(cm) / support, np.nan)", "np.diag(cm) / support, 0.0)")],
        H.cnn_per_class_accuracy, "return np.nan"),
    "parameter count ignores biases": (
        [("cnn.py", "for p in model.parameters() if p.requires_grad))",
          "for n, p in model.named_parameters() if p.requires_grad and 'bias' not in n))")],
        H.cnn_count_parameters, "biases not counted"),
    "parameter count includes frozen parameters": (
        [("cnn.py", "for p in model.parameters() if p.requires_grad))", "for p in model.parameters()))")],
        H.cnn_count_parameters, "frozen"),
    "fc equivalent without biases": (
        [("cnn.py", "n_in * n_out + (n_out if module.bias is not None else 0)", "n_in * n_out")],
        H.cnn_fc_equivalent_parameters, "biases"),
    "fc equivalent with one bias per channel": (
        [("cnn.py", "(n_out if module.bias is not None else 0)",
          "(out_shape[0] if module.bias is not None else 0)")],
        H.cnn_fc_equivalent_parameters, "per output CHANNEL"),
    "loss summed over the batch": (
        [("cnn.py", "F.cross_entropy(scores, labels.long())",
          "F.cross_entropy(scores, labels.long(), reduction='sum')")],
        H.cnn_loss, "summed instead of averaged"),
    "loss returns a python float": (
        [("cnn.py", "return F.cross_entropy(scores, labels.long())",
          "return F.cross_entropy(scores, labels.long()).item()")],
        H.cnn_loss, "torch tensor"),
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_buggy_variant_is_caught(tmp_path, bug):
    patches, func, hint = BUGS[bug]
    r = grade(make_tree(tmp_path, patches), [func])[func.check.id]
    assert r.status == "failed" and r.score < r.points, (r.status, r.message)  # loses points (cases: maybe not all)
    assert hint in r.message, r.message


def test_label_order_is_the_same_everywhere():
    from solutions.fms import cnn, train

    assert H.LABELS == cnn.LABELS == train.LABELS
    try:
        from solutions.fms import data
    except ImportError:
        return
    assert tuple(data.LABELS) == H.LABELS


def test_the_graders_counts_are_sklearns():
    # the checks' expected confusion matrices and per-class accuracies are counted with numpy (the grader
    # does not import sklearn); they must be sklearn's on every case the checks use, and on random labels
    from sklearn.metrics import confusion_matrix, recall_score

    rng = np.random.default_rng(5)
    cases = [(y, p) for _, y, p in H._label_cases(rng)]
    cases += [(rng.integers(0, 8, n), rng.integers(0, 8, n)) for n in (1, 7, 300)]
    for y, p in cases:
        np.testing.assert_array_equal(H._sk_confusion(y, p), confusion_matrix(y, p, labels=np.arange(8)))
        np.testing.assert_array_equal(H._sk_recall(y, p), recall_score(y, p, labels=np.arange(8), average=None,
                                                                         zero_division=np.nan))
