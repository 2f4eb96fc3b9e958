"""The reference gets full marks on every fast check (two seeds of the hidden inputs);
the blank starter gets none of the implementation points and never crashes the grader."""
import pytest

from .helpers import grade, make_tree


@pytest.fixture(scope="module")
def reference_tree(tmp_path_factory):
    return make_tree(tmp_path_factory.mktemp("ref"))


@pytest.mark.parametrize("seed", [0])
def test_reference_gets_full_marks(reference_tree, seed):
    results = grade(reference_tree, seed=seed)
    bad = {i: (r.status, r.message, r.cases) for i, r in results.items() if r.status != "passed" or r.score != r.points}
    assert not bad


def test_blank_starter_scores_zero_without_grader_errors(tmp_path):
    results = grade(make_tree(tmp_path, blank=True))
    for i, r in results.items():
        assert r.score == 0, (i, r.score)
        assert "internal grader error" not in r.message, (i, r.log)
    # the stubs are reported as such
    assert "not implemented yet" in results["nist36.forward"].message
