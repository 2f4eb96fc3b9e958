"""benchmarks/validity.py reads every homework's kept variants; a check renamed in a suite
would otherwise turn its variants into silent "n/a" rows."""
import importlib.util

import pytest

from autograder.build import REPO
from autograder.engine import registry


def _validity():
    spec = importlib.util.spec_from_file_location("validity", REPO / "benchmarks" / "validity.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("hw", registry.with_validity())
def test_every_variant_targets_checks_of_the_suite(hw):
    validity = _validity()
    assert hw in validity.HOMEWORKS
    buggy, correct, make_tree, known = validity._homework(hw)
    assert len(buggy) >= 10 and len(correct) >= 4, (len(buggy), len(correct))
    for name, (patches, ids, _part) in buggy.items():
        assert patches and ids and set(ids) <= known, (name, ids)
    for name, (patches, ids) in correct.items():
        assert patches and set(ids) & known, (name, ids)
    assert callable(make_tree)
    for name, (patches, ids) in validity._handout(hw).items():
        assert patches and ids and set(ids) <= known, (name, ids)


def test_summary_counts_misses_and_false_positives():
    validity = _validity()
    out = {"buggy": [{"status": "failed", "caught": True}, {"status": "passed", "caught": False},
                     {"status": "n/a"}],
           "correct": [{"status": "graded", "full_marks": True}, {"status": "graded", "full_marks": False}],
           "handout": [{"status": "graded", "full_marks": True}, {"status": "graded", "full_marks": False},
                       {"status": "n/a"}],
           "reference": [{"status": "graded", "lost": []}, {"status": "graded", "lost": ["x 0/1"]}]}
    s = validity.summary(out)
    assert (s["handout"], s["handout_full_marks"], s["not_applicable"]) == (2, 1, 2)
    assert (s["buggy"], s["caught"], s["correct"], s["false_positives"]) == (2, 1, 2, 1)
    assert (s["reference_runs"], s["reference_full_marks"]) == (2, 1)
